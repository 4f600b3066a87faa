//! `mm gminas`, and the gmina every other command is about.

use mm_core::{Core, CoreError, GeoPoint, GminaChoice};

use crate::output::Output;

pub async fn list(core: &Core, out: &Output, query: &str, at: Option<(f64, f64)>) -> Result<(), CoreError> {
    let list = match at {
        Some((lat, lon)) => core.gminas_at(GeoPoint { lat, lon }).await?,
        None => core.gminas(query).await?,
    };
    out.show(&list, |l| {
        if l.offline {
            println!("(bez połączenia: gminy widziane wcześniej)");
        }
        if l.gminas.is_empty() {
            println!("Nie znaleziono gminy.");
        }
        for g in &l.gminas {
            let area = [g.powiat.as_str(), g.voivodeship.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>();
            if area.is_empty() {
                println!("{}  {}", g.teryt, g.name);
            } else {
                println!("{}  {} (pow. {})", g.teryt, g.name, area.join(", woj. "));
            }
        }
    });
    Ok(())
}

/// The gmina given (`--gmina`, already chosen at open) or chosen last;
/// none: the server's only one. Several and none given: `gmina_not_chosen`.
pub async fn ensure_chosen(core: &Core) -> Result<(), CoreError> {
    match core.choose_sole_gmina().await? {
        GminaChoice::Chosen { .. } => Ok(()),
        GminaChoice::NotChosen => Err(CoreError::GminaNotChosen),
    }
}

/// After `gmina_not_chosen`: how to choose.
pub fn hint() {
    eprintln!("Serwer obsługuje kilka gmin: podaj --gmina TERYT (lub MM_GMINA); listę pokaże `mm gminas`.");
    eprintln!("The server serves several gminas: give --gmina TERYT (or MM_GMINA); `mm gminas` lists them.");
}
