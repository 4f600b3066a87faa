//! Reminders before collections: the resident's preferences (kept here,
//! default the evening before at 18:00) and the list of local
//! notifications, computed by `mm_protocol::waste::reminders` over the
//! cached schedules, so they are right offline and across DST. The shells
//! schedule what this returns; no server push is involved.

use chrono::{DateTime, Utc};
use mm_protocol::validation::Validate;
use mm_protocol::waste::{AddressSchedule, ReminderPrefs, reminders as protocol_reminders};
use rusqlite::{Connection, Transaction};

use super::addresses::StoredAddress;
use super::model::{FractionView, WasteReminder, when_text};
use crate::display::{self, Language};
use crate::error::Error;
use crate::store::meta;

/// `meta` key of the preferences (`ReminderPrefs` JSON).
pub const PREFS: &str = "waste_reminder_prefs";

/// The stored preferences, or the default (the evening before, 18:00,
/// every fraction) when none were set or they no longer read.
pub fn prefs(c: &Connection) -> Result<ReminderPrefs, Error> {
    Ok(meta::get(c, PREFS)?
        .and_then(|v| serde_json::from_str::<ReminderPrefs>(&v).ok())
        .filter(|p| p.validate().is_ok())
        .unwrap_or_default())
}

/// Days before outside 1–3: `invalid_input` on `days_before`.
pub fn set_prefs(tx: &Transaction<'_>, p: &ReminderPrefs) -> Result<(), Error> {
    p.validate().map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
    meta::set(tx, PREFS, &serde_json::to_string(p)?)
}

/// Every reminder due in `[from, to)`, by time, then address, then fraction.
pub fn compute(
    schedules: &[(StoredAddress, Vec<mm_protocol::waste::Pickup>)],
    prefs: &ReminderPrefs,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    lang: Language,
) -> Vec<WasteReminder> {
    // The protocol's key for an address is its id here.
    let input: Vec<AddressSchedule> = schedules
        .iter()
        .map(|(a, pickups)| AddressSchedule { address: a.id.to_string(), pickups: pickups.clone() })
        .collect();
    protocol_reminders(&input, prefs, from, to)
        .into_iter()
        .filter_map(|r| {
            let (a, pickups) = schedules.iter().find(|(a, _)| a.id.to_string() == r.address)?;
            let note = pickups.iter().find(|p| p.date == r.date && p.fraction == r.fraction).and_then(|p| p.note.clone());
            let fraction = FractionView::of(&r.fraction, lang);
            let days = (r.date - display::local_day(r.at_utc)).num_days();
            let title = match lang {
                Language::Polish => format!("{} odbiór: {}", display::capitalise(&when_text(days, lang)), fraction.label),
                Language::English => format!("{} collection {}", fraction.label, when_text(days, lang)),
            };
            let mut body = format!("{} — {}", a.label, display::date_text(r.date, lang));
            if let Some(n) = note {
                body.push_str(&format!(" ({n})"));
            }
            Some(WasteReminder {
                key: format!("waste-{}-{}-{}", a.id, r.date.format("%Y%m%d"), r.fraction.uid_token()),
                at: r.at_utc,
                date: r.date,
                fraction,
                address_id: a.id,
                address_label: a.label.clone(),
                title,
                body,
            })
        })
        .collect()
}
