//! `mm search TEXT`.

use mm_core::{Core, CoreError, SearchKind};

use crate::output::Output;

pub fn search(core: &Core, out: &Output, text: &str) -> Result<(), CoreError> {
    let hits = core.search(text, 20)?;
    out.show(&hits, |hits| {
        if hits.is_empty() {
            println!("Nic nie znaleziono.");
        }
        for h in hits {
            let kind = match h.kind {
                SearchKind::News => "aktualność",
                SearchKind::Event => "wydarzenie",
            };
            println!("{} ({kind} #{})", h.title, h.id);
            if !h.snippet.is_empty() {
                println!("  {}", h.snippet);
            }
        }
    });
    Ok(())
}
