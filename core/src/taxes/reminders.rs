//! Reminders of instalments: the core says which are due in the next N
//! days (the resident chooses N, 1 to 7, default 3); the shells schedule
//! the local notifications.

use chrono::NaiveDate;
use mm_protocol::taxes::LiabilityView;
use rusqlite::{Connection, Transaction};

use super::model::{TaxReminder, kind_text};
use super::store::REMINDER_DAYS;
use crate::display::{self, Language};
use crate::error::Error;
use crate::store::meta;

pub const DEFAULT_DAYS: u32 = 3;
pub const MIN_DAYS: u32 = 1;
pub const MAX_DAYS: u32 = 7;

pub fn days(c: &Connection) -> Result<u32, Error> {
    Ok(meta::get(c, REMINDER_DAYS)?
        .and_then(|v| v.parse().ok())
        .filter(|d| (MIN_DAYS..=MAX_DAYS).contains(d))
        .unwrap_or(DEFAULT_DAYS))
}

pub fn set_days(tx: &Transaction<'_>, days: u32) -> Result<(), Error> {
    if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
        return Err(Error::invalid(
            "reminder_days",
            format!("Przypomnienie można ustawić od {MIN_DAYS} do {MAX_DAYS} dni przed terminem."),
            format!("A reminder can be set {MIN_DAYS} to {MAX_DAYS} days before the due date."),
        ));
    }
    meta::set(tx, REMINDER_DAYS, &days.to_string())
}

/// Liabilities with something to pay whose effective due date is today or
/// within `days` days, soonest first.
pub fn due(views: &[LiabilityView], today: NaiveDate, days: u32, lang: Language) -> Vec<TaxReminder> {
    let mut out: Vec<TaxReminder> = views
        .iter()
        .filter(|v| v.total_grosze > 0)
        .filter_map(|v| {
            let left = (v.effective_due_date - today).num_days();
            (0..=i64::from(days)).contains(&left).then(|| reminder(v, left as u32, lang))
        })
        .collect();
    out.sort_by(|a, b| a.effective_due_date.cmp(&b.effective_due_date).then(a.liability.cmp(&b.liability)));
    out
}

fn reminder(v: &LiabilityView, days_left: u32, lang: Language) -> TaxReminder {
    let kind = kind_text(v.record.kind, lang);
    let when = match days_left {
        0 => lang.pick("dziś", "today").to_owned(),
        1 => lang.pick("jutro", "tomorrow").to_owned(),
        n => match lang {
            Language::Polish => format!("za {n} dni"),
            Language::English => format!("in {n} days"),
        },
    };
    TaxReminder {
        liability: v.record.id.clone(),
        taxpayer: v.record.taxpayer.clone(),
        kind: v.record.kind,
        effective_due_date: v.effective_due_date,
        days_left,
        total_grosze: v.total_grosze,
        title: format!("{}: {kind}", lang.pick("Termin płatności", "Payment due")),
        // A notification shows on a locked screen: the amount (a tax figure)
        // stays inside the app, behind the tap.
        body: format!(
            "{} {} ({when})",
            lang.pick("Do zapłaty do", "To pay by"),
            display::date_text(v.effective_due_date, lang),
        ),
    }
}
