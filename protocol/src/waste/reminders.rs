//! Reminders before collections, as local notifications the shells
//! schedule (AlarmManager, `UNCalendarNotificationTrigger`): computed by
//! the core from the stored dates, so they work offline. EcoHarmonogram's
//! default and Warszawa 19115's options (reference §5, §6): the evening
//! before at 18:00, or 1–3 days before at a chosen hour, per fraction.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Fraction, Pickup};
use crate::notifications::rules::local_to_utc;
use crate::validation::{FieldError, Validate};

/// When to remind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderPrefs {
    /// Off: no reminders at all.
    pub enabled: bool,
    /// Days before the collection, 1–3.
    pub days_before: u8,
    /// Europe/Warsaw wall-clock time of the reminder.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "18:00:00"))]
    pub at: NaiveTime,
    /// Fractions the resident does not want reminders for.
    #[serde(default)]
    pub muted: BTreeSet<Fraction>,
}

impl Default for ReminderPrefs {
    /// The evening before at 18:00, every fraction.
    fn default() -> Self {
        ReminderPrefs {
            enabled: true,
            days_before: 1,
            at: NaiveTime::from_hms_opt(18, 0, 0).expect("18:00"),
            muted: BTreeSet::new(),
        }
    }
}

impl Validate for ReminderPrefs {
    fn validate(&self) -> Result<(), FieldError> {
        if !(1..=3).contains(&self.days_before) {
            return Err(FieldError::new(
                "days_before",
                "Przypomnienie można ustawić od 1 do 3 dni przed odbiorem.",
                "A reminder is 1 to 3 days before the collection.",
            ));
        }
        Ok(())
    }
}

/// One address's collections, as the core caches them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressSchedule {
    /// The core's key for the address (what the reminder's text names).
    pub address: String,
    pub pickups: Vec<Pickup>,
}

/// A local notification to schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub at_utc: DateTime<Utc>,
    pub fraction: Fraction,
    /// The collection's date.
    pub date: NaiveDate,
    pub address: String,
}

/// Every reminder due in `[from, to)`, by time, then address, then
/// fraction. The reminder's wall-clock time is read in Europe/Warsaw on
/// the day `days_before` before the collection, then made an instant, so
/// 18:00 stays 18:00 across DST; a time that does not exist that night
/// (02:00–03:00 on the last Sunday of March) moves past the gap, one that
/// happens twice (the last Sunday of October) is the first.
pub fn reminders(schedules: &[AddressSchedule], prefs: &ReminderPrefs, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Reminder> {
    if !prefs.enabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in schedules {
        for p in &s.pickups {
            if prefs.muted.contains(&p.fraction) {
                continue;
            }
            let Some(day) = p.date.checked_sub_days(Days::new(u64::from(prefs.days_before))) else { continue };
            let at_utc = local_to_utc(day.and_time(prefs.at));
            if from <= at_utc && at_utc < to {
                out.push(Reminder { at_utc, fraction: p.fraction.clone(), date: p.date, address: s.address.clone() });
            }
        }
    }
    out.sort_by(|a, b| (a.at_utc, &a.address, &a.fraction).cmp(&(b.at_utc, &b.address, &b.fraction)));
    out.dedup();
    out
}
