//! `mm sync`, `mm status`.

use std::sync::Arc;

use mm_core::{Core, CoreError, Notification, SyncListener, SyncOptions, SyncProgress};

use crate::format;
use crate::output::Output;

/// Page progress and new alerts on stderr, so `--json` stdout stays one document.
struct Progress;

impl SyncListener for Progress {
    fn on_progress(&self, p: SyncProgress) {
        eprintln!(
            "strona {}: {} zmian łącznie{}",
            p.page,
            p.applied_total,
            if p.has_more {
                ", pobieram dalej…"
            } else {
                ""
            }
        );
    }

    fn on_notification(&self, n: Notification) {
        eprintln!("KOMUNIKAT: {}", n.title);
    }
}

pub async fn sync(core: &Core, out: &Output, page_size: Option<u32>) -> Result<(), CoreError> {
    let listener: Option<Arc<dyn SyncListener>> = if out.json {
        None
    } else {
        Some(Arc::new(Progress))
    };
    let summary = core.sync(SyncOptions { page_size }, listener).await?;
    out.show(&summary, |s| {
        if s.unchanged {
            println!("Bez zmian od ostatniej synchronizacji.");
        } else {
            println!(
                "Zsynchronizowano: {} str., zastosowano {} zmian, pominięto {} (nieznane tej wersji).",
                s.pages, s.applied, s.skipped
            );
        }
    });
    Ok(())
}

pub fn status(core: &Core, out: &Output) -> Result<(), CoreError> {
    let s = core.status()?;
    out.show(&s, |s| {
        println!("Serwer:               {}", s.server_url);
        println!(
            "Gmina (TERYT):        {}",
            s.gmina.as_ref().map(|t| t.as_str()).unwrap_or("nie wybrano")
        );
        println!(
            "Urządzenie:           {}",
            if s.device_registered {
                "zarejestrowane"
            } else {
                "niezarejestrowane"
            }
        );
        println!(
            "Ostatnia synchr.:     {}",
            s.last_sync_at
                .map(format::datetime)
                .unwrap_or_else(|| "nigdy".into())
        );
        println!("Aktualności:          {}", s.news_count);
        println!("Wydarzenia:           {}", s.event_count);
        println!(
            "Zapisy w kolejce:     {} (odrzucone: {})",
            s.pending_writes, s.failed_writes
        );
    });
    Ok(())
}
