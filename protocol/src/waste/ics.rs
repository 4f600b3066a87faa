//! The ICS feed of one address's collections
//! (`GET /api/v1/waste/schedule.ics?locality=&street=&number=`), and the
//! same file the app offers offline.
//!
//! Written with the calendar module's RFC 5545 line folding and TEXT
//! escaping (`calendar::ics`); every pickup is an all-day VEVENT (§3.6.1:
//! DTSTART as a DATE, DTEND the next day), transparent (it does not make
//! the resident busy), with a UID stable across imports for the same zone,
//! date and fraction (§3.8.4.7), so a subscribed calendar updates in place.
//! DTSTAMP is the schedule's import time, not "now": the same schedule
//! gives the same bytes (an ETag).

use chrono::{DateTime, Utc};

use super::model::Pickup;
use crate::calendar::ics::{escape_text, fold_line, PRODID};

#[derive(Debug, Clone, Copy)]
pub struct WasteIcsOptions<'a> {
    /// `X-WR-CALNAME`, e.g. "Odbiór odpadów: Siechnice, ul. Kolejowa 5".
    pub calendar_name: &'a str,
    /// Right-hand side of every UID (`calendar::ics::uid_domain`).
    pub uid_domain: &'a str,
    /// When the schedule was last imported (DTSTAMP, LAST-MODIFIED).
    pub updated_at: DateTime<Utc>,
}

/// A VCALENDAR with one all-day event per pickup, by date then fraction.
pub fn schedule_ics(pickups: &[Pickup], opts: &WasteIcsOptions<'_>) -> String {
    let mut sorted: Vec<&Pickup> = pickups.iter().collect();
    sorted.sort_by(|a, b| (a.date, &a.fraction, &a.zone).cmp(&(b.date, &b.fraction, &b.zone)));
    let mut out = String::new();
    let mut line = |s: &str| fold_line(s, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(opts.calendar_name)));
    line("X-WR-TIMEZONE:Europe/Warsaw");
    let stamp = opts.updated_at.format("%Y%m%dT%H%M%SZ").to_string();
    for p in sorted {
        line("BEGIN:VEVENT");
        line(&format!(
            "UID:waste-{}-{}-{}@{}",
            p.zone,
            p.date.format("%Y%m%d"),
            p.fraction.uid_token(),
            opts.uid_domain
        ));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("LAST-MODIFIED:{stamp}"));
        line(&format!("DTSTART;VALUE=DATE:{}", p.date.format("%Y%m%d")));
        let next = p.date.succ_opt().unwrap_or(p.date);
        line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        line(&format!("SUMMARY:{}", escape_text(&format!("Odbiór: {}", p.fraction.label_pl()))));
        let mut description = format!("Pojemnik: {}.", p.fraction.colour().label_pl());
        if let Some(note) = &p.note {
            description.push('\n');
            description.push_str(note);
        }
        line(&format!("DESCRIPTION:{}", escape_text(&description)));
        line(&format!("CATEGORIES:{}", escape_text(p.fraction.label_pl())));
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}
