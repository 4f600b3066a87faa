//! `mm news`.

use chrono::Utc;
use mm_core::{Core, CoreError, Priority};

use crate::format;
use crate::output::Output;

pub fn list(core: &Core, out: &Output) -> Result<(), CoreError> {
    let items = core.news().visible(Utc::now())?;
    out.show(&items, |items| {
        if items.is_empty() {
            println!("Brak aktualności. (Najpierw: mm sync)");
        }
        for n in items {
            let tag = match n.priority {
                Priority::Alert => "[KOMUNIKAT] ",
                Priority::Important => "[WAŻNE] ",
                Priority::Normal => "",
            };
            println!("{tag}{} (#{})", n.title, n.id);
            println!("  {}", format::datetime(n.published_at));
        }
    });
    Ok(())
}
