//! Polish display: dates as `wt 1 gru 2026, 18:00` in Europe/Warsaw.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use mm_protocol::LOCAL_TZ;

const MONTHS: [&str; 12] = [
    "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
];
pub const MONTH_NAMES: [&str; 12] = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
];

fn weekday(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "pn",
        Weekday::Tue => "wt",
        Weekday::Wed => "śr",
        Weekday::Thu => "cz",
        Weekday::Fri => "pt",
        Weekday::Sat => "sb",
        Weekday::Sun => "nd",
    }
}

pub fn date(d: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        weekday(d.weekday()),
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

/// `wt 1 gru 2026, 18:00`, Warsaw time.
pub fn datetime(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&LOCAL_TZ);
    format!(
        "{}, {:02}:{:02}",
        date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

/// An occurrence's span: `wt 1 gru 2026, 18:00–20:00`, or days for all-day ones.
pub fn span(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool) -> String {
    let (s, e) = (
        starts_at.with_timezone(&LOCAL_TZ),
        ends_at.with_timezone(&LOCAL_TZ),
    );
    if all_day {
        let last = (ends_at - TimeDelta::seconds(1))
            .with_timezone(&LOCAL_TZ)
            .date_naive()
            .max(s.date_naive());
        if last == s.date_naive() {
            format!("{} (cały dzień)", date(last))
        } else {
            format!("{} – {} (cały dzień)", date(s.date_naive()), date(last))
        }
    } else if e.date_naive() == s.date_naive() {
        format!("{}–{:02}:{:02}", datetime(starts_at), e.hour(), e.minute())
    } else {
        format!("{} – {}", datetime(starts_at), datetime(ends_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polish_dates_in_warsaw_time() {
        let t: DateTime<Utc> = "2026-12-01T17:00:00Z".parse().unwrap();
        assert_eq!(datetime(t), "wt 1 gru 2026, 18:00");
        let summer: DateTime<Utc> = "2026-07-01T16:00:00Z".parse().unwrap();
        assert_eq!(datetime(summer), "śr 1 lip 2026, 18:00");
        let end: DateTime<Utc> = "2026-12-01T19:00:00Z".parse().unwrap();
        assert_eq!(span(t, end, false), "wt 1 gru 2026, 18:00–20:00");
        let day: DateTime<Utc> = "2026-11-30T23:00:00Z".parse().unwrap();
        let next: DateTime<Utc> = "2026-12-01T23:00:00Z".parse().unwrap();
        assert_eq!(span(day, next, true), "wt 1 gru 2026 (cały dzień)");
    }
}
