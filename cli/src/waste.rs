//! `mm waste [--limit N]` (the next collections at my addresses, offline
//! too), `mm waste address add|list|remove`, `mm waste ics [--address ID]`,
//! `mm waste search TEXT`, `mm waste reminders [flags]`, `mm waste refresh`.
//!
//! `mm waste ics` prints the iCalendar file itself, as `mm ics ID` does for
//! an event: `mm waste ics > odpady.ics` is what a resident imports into a
//! calendar, and it works offline (the core writes it from its copy with
//! the server's UIDs). The feed's URL, for a calendar that should follow
//! the gmina's changes by itself, goes to stderr, so it never spoils the
//! file.

use chrono::{Duration, Utc};
use mm_core::{AddressCheck, Core, CoreError, Message, WasteAddress, WasteAddressInput};
use serde::Serialize;

use crate::args::{WasteAction, WasteAddressAction, WasteRemindersArgs};
use crate::format;
use crate::output::Output;

pub async fn waste(core: &Core, out: &Output, action: Option<WasteAction>, limit: u32) -> Result<(), CoreError> {
    match action {
        None => next(core, out, limit),
        Some(WasteAction::Address { action }) => address(core, out, action).await,
        Some(WasteAction::Ics { address }) => ics(core, out, address),
        Some(WasteAction::Search { text }) => search(core, out, &text.join(" ")),
        Some(WasteAction::Reminders(args)) => reminders(core, out, args),
        Some(WasteAction::Refresh) => {
            core.waste().refresh().await?;
            next(core, out, limit)
        }
    }
}

fn next(core: &Core, out: &Output, limit: u32) -> Result<(), CoreError> {
    let today = mm_core::display::local_day(Utc::now());
    let screen = core.waste().screen(today, limit)?;
    out.show(&screen, |s| {
        if s.addresses.is_empty() {
            println!("Brak adresów. Dodaj: mm waste address add --locality MIEJSCOWOŚĆ [--street ULICA] --number NR");
        }
        for a in &s.addresses {
            print_address(&a.address);
            if a.pickups.is_empty() && a.address.check == AddressCheck::Known {
                println!("    Brak zaplanowanych odbiorów.");
            }
            for p in &a.pickups {
                let note = p.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                println!(
                    "    {:<16} {:<10} {} — pojemnik {}{note}",
                    p.date_text, p.when_text, p.fraction.label, p.fraction.bin_text
                );
            }
            println!();
        }
    });
    Ok(())
}

fn print_address(a: &WasteAddress) {
    let zone = match (&a.zone, &a.zone_name) {
        (Some(id), Some(name)) => format!(" — rejon {id}: {name}"),
        _ => String::new(),
    };
    println!("[{}] {}{zone}", a.id, a.label);
    if !a.check_text.is_empty() {
        println!("    {}", a.check_text);
    }
}

async fn address(core: &Core, out: &Output, action: WasteAddressAction) -> Result<(), CoreError> {
    match action {
        WasteAddressAction::Add { locality, street, number, building, label } => {
            let a = core.waste().add_address(&WasteAddressInput { locality, street, number, building, label }).await?;
            out.show(&a, |a| {
                println!("Dodano adres:");
                print_address(a);
            });
            Ok(())
        }
        WasteAddressAction::List => {
            let list = core.waste().addresses()?;
            out.show(&list, |list| {
                if list.is_empty() {
                    println!("Brak adresów.");
                }
                for a in list {
                    print_address(a);
                    if let Some(at) = a.fetched_at {
                        println!("    harmonogram pobrany {}", format::datetime(at));
                    }
                }
            });
            Ok(())
        }
        WasteAddressAction::Remove { id } => {
            core.waste().remove_address(id)?;
            out.show(&serde_json::json!({"removed": id}), |_| println!("Usunięto adres {id} z tego urządzenia."));
            Ok(())
        }
    }
}

fn ics(core: &Core, out: &Output, address: Option<i64>) -> Result<(), CoreError> {
    let id = match address {
        Some(id) => id,
        None => {
            let list = core.waste().addresses()?;
            match list.as_slice() {
                [only] => only.id,
                [] => return Err(no_address()),
                _ => return Err(which_address()),
            }
        }
    };
    let f = core.waste().ics(id)?;
    out.show(&f, |f| {
        print!("{}", f.ics);
        eprintln!("Subskrypcja w kalendarzu (aktualizuje się sama) / subscribe: {}", f.url);
    });
    Ok(())
}

fn no_address() -> CoreError {
    CoreError::InvalidInput {
        field: "address".into(),
        message: Message::new(
            "Brak adresów: dodaj adres (mm waste address add).",
            "No addresses: add one (mm waste address add).",
        ),
    }
}

fn which_address() -> CoreError {
    CoreError::InvalidInput {
        field: "address".into(),
        message: Message::new(
            "Masz kilka adresów: wskaż jeden (--address ID, numery w mm waste address list).",
            "There are several addresses: choose one (--address ID, numbers in mm waste address list).",
        ),
    }
}

fn search(core: &Core, out: &Output, text: &str) -> Result<(), CoreError> {
    let hits = core.waste().search(text, 20)?;
    let fetched = core.waste().dictionary_fetched_at()?.is_some();
    out.show(&hits, |hits| {
        if !fetched {
            println!("Słownik nie został jeszcze pobrany: dodaj adres albo uruchom mm waste refresh.");
        } else if hits.is_empty() {
            println!("Nic nie znaleziono. Zapytaj w urzędzie gminy albo sprawdź w PSZOK.");
        }
        for h in hits {
            let note = h.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            println!("{} → {} (pojemnik {}){note}", h.item, h.fraction.label, h.fraction.bin_text);
        }
    });
    Ok(())
}

#[derive(Serialize)]
struct Reminders {
    prefs: mm_core::ReminderPrefs,
    reminders: Vec<mm_core::WasteReminder>,
}

fn reminders(core: &Core, out: &Output, args: WasteRemindersArgs) -> Result<(), CoreError> {
    if args.changes() {
        let mut p = core.waste().reminder_prefs()?;
        if let Some(d) = args.days {
            p.days_before = d;
        }
        if let Some(at) = args.at {
            p.at = at;
        }
        p.muted.extend(args.mute.iter().cloned());
        for f in &args.unmute {
            p.muted.remove(f);
        }
        if args.off {
            p.enabled = false;
        } else if args.on {
            p.enabled = true;
        }
        core.waste().set_reminder_prefs(&p)?;
    }
    let prefs = core.waste().reminder_prefs()?;
    let now = Utc::now();
    let list = core.waste().reminders(now, now + Duration::days(i64::from(args.ahead)))?;
    out.show(&Reminders { prefs, reminders: list }, |r| {
        let p = &r.prefs;
        if p.enabled {
            let muted: Vec<&str> = p.muted.iter().map(|f| f.label_pl()).collect();
            let before = match p.days_before {
                1 => "dzień przed odbiorem".to_owned(),
                n => format!("{n} dni przed odbiorem"),
            };
            println!("Przypomnienia: {before}, o {}.", p.at.format("%H:%M"));
            if !muted.is_empty() {
                println!("Bez przypomnień: {}.", muted.join(", "));
            }
        } else {
            println!("Przypomnienia wyłączone.");
        }
        for x in &r.reminders {
            println!("  {}  {} — {}", format::datetime(x.at), x.title, x.body);
        }
    });
    Ok(())
}
