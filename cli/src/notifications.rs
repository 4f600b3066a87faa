//! `mm notifications`.

use mm_core::{Core, CoreError};

use crate::format;
use crate::output::Output;

pub fn list(core: &Core, out: &Output) -> Result<(), CoreError> {
    let items = core.notifications().list()?;
    out.show(&items, |items| {
        if items.is_empty() {
            println!("Brak powiadomień.");
        }
        for n in items {
            let mark = if n.read { " " } else { "•" };
            println!("{mark} {} — {}", format::datetime(n.created_at), n.title);
        }
    });
    Ok(())
}
