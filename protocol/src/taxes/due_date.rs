//! When a payment is due in law: a deadline on a Saturday or a statutory
//! day off (Sundays and the holidays of the 1951 act, 24 December from
//! 2025) moves to the next working day (art. 12 §5 OP).

use chrono::{Datelike, NaiveDate, Weekday};

use crate::holidays::is_polish_public_holiday;

/// Whether a term may end on `date` (not a Saturday, Sunday or holiday).
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_polish_public_holiday(date)
}

/// The day a deadline falls on in law (art. 12 §5 OP): `nominal` itself,
/// or the next working day.
pub fn effective_due_date(nominal: NaiveDate) -> NaiveDate {
    let mut day = nominal;
    while !is_working_day(day) {
        day = day.succ_opt().expect("dates far from the end of the calendar");
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_reference_examples() {
        assert_eq!(effective_due_date(d(2025, 3, 15)), d(2025, 3, 17)); // Saturday
        assert_eq!(effective_due_date(d(2026, 3, 15)), d(2026, 3, 16)); // Sunday
        assert_eq!(effective_due_date(d(2026, 11, 15)), d(2026, 11, 16)); // Sunday
        assert_eq!(effective_due_date(d(2026, 9, 15)), d(2026, 9, 15)); // Tuesday
    }

    #[test]
    fn holidays_and_the_days_around_them() {
        // 24 Dec 2027 is a Friday and a holiday since 2025; 25, 26 Dec
        // and the weekend follow: the term ends on Monday 27 Dec.
        assert_eq!(effective_due_date(d(2027, 12, 24)), d(2027, 12, 27));
        // 24 Dec 2024 was a working Tuesday (before the amendment).
        assert_eq!(effective_due_date(d(2024, 12, 24)), d(2024, 12, 24));
        // 1 May 2026 (Friday), 2 May Saturday, 3 May Sunday and a holiday.
        assert_eq!(effective_due_date(d(2026, 5, 1)), d(2026, 5, 4));
    }
}
