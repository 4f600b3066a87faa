//! Interest on tax arrears (odsetki za zwłokę), exactly: integers only.
//!
//! Per rate period: arrears × days × rate / 365 (365 even in leap years);
//! days from the day after the (effective) due date up to and including
//! the payment day; the periods are summed unrounded and the sum rounded
//! once to whole złoty, below 50 gr down, from 50 gr up (art. 63 §1 OP;
//! the MF regulation, Dz.U. 2015 poz. 2233); nothing is charged when the
//! interest does not exceed the threshold (art. 54 §1 pkt 5 OP).

use chrono::NaiveDate;

use super::rates::TaxRules;
use super::Grosze;

/// Interest is `units / UNITS_PER_GROSZ` grosze: a rate in basis points
/// (1/10 000) over a 365-day year.
pub const UNITS_PER_GROSZ: i128 = 365 * 10_000;

/// Interest not yet rounded, in 1/[`UNITS_PER_GROSZ`] of a grosz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ExactInterest(pub i128);

impl ExactInterest {
    /// Rounded to whole złoty as art. 63 §1 OP says, in grosze.
    pub fn rounded_to_zloty(self) -> Grosze {
        let per_zloty = UNITS_PER_GROSZ * 100;
        let zloty = (self.0 + per_zloty / 2).div_euclid(per_zloty);
        (zloty * 100) as Grosze
    }
}

/// Interest on `arrears` for the days after `due` (the effective due date)
/// up to and including `paid_on`, over every rate period those days touch.
/// Zero when `paid_on` is not after `due` or nothing is in arrears.
pub fn exact_interest(arrears: Grosze, due: NaiveDate, paid_on: NaiveDate, rules: &TaxRules) -> ExactInterest {
    if arrears <= 0 || paid_on <= due {
        return ExactInterest(0);
    }
    let first = due.succ_opt().expect("a date before the end of the calendar");
    // Sum of days × basis points over the rate periods from `first` to `paid_on`.
    let mut day_points: i128 = 0;
    let mut start = first;
    let mut i = rules.rates.iter().rposition(|r| r.from <= start).unwrap_or(0);
    loop {
        let next_from = rules.rates.get(i + 1).map(|r| r.from);
        let end = match next_from {
            Some(n) if n <= paid_on => n.pred_opt().expect("a date after the start of the calendar"),
            _ => paid_on,
        };
        let days = i128::from((end - start).num_days() + 1);
        day_points += days * i128::from(rules.rates.get(i).map_or(0, |r| r.basis_points));
        if end == paid_on {
            break;
        }
        start = end.succ_opt().expect("a date before the end of the calendar");
        i += 1;
    }
    ExactInterest(i128::from(arrears) * day_points)
}

/// The interest charged on `arrears` paid on `paid_on`: rounded to whole
/// złoty, and nothing when that does not exceed the threshold in force on
/// the payment day. The threshold is compared with the rounded amount, the
/// amount a decision would state (an open question in TAXES-PAYMENTS.md:
/// 8.50–8.69 zł rounds to 9 zł and is charged).
pub fn interest_due(arrears: Grosze, due: NaiveDate, paid_on: NaiveDate, rules: &TaxRules) -> Grosze {
    let rounded = exact_interest(arrears, due, paid_on, rules).rounded_to_zloty();
    if rounded <= rules.threshold_on(paid_on) {
        0
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxes::due_date::effective_due_date;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_reference_worked_example_spans_two_rates() {
        // TAXES-PAYMENTS.md §1: 1000.00 zł due 15 Mar 2025 (Sat → 17 Mar),
        // paid 20 Jun 2025: 51 d at 14.5% + 44 d at 13.5% = 36.5342 zł → 37 zł.
        let rules = TaxRules::statutory();
        let due = effective_due_date(d(2025, 3, 15));
        let exact = exact_interest(100_000, due, d(2025, 6, 20), &rules);
        assert_eq!(exact.0, 100_000 * (51 * 1450 + 44 * 1350));
        assert_eq!(exact.0 / UNITS_PER_GROSZ, 3653);
        assert_eq!(interest_due(100_000, due, d(2025, 6, 20), &rules), 3700);
    }

    #[test]
    fn rounding_at_fifty_grosze_and_the_threshold() {
        assert_eq!(ExactInterest(49 * UNITS_PER_GROSZ + UNITS_PER_GROSZ - 1).rounded_to_zloty(), 0);
        assert_eq!(ExactInterest(50 * UNITS_PER_GROSZ).rounded_to_zloty(), 100);
        assert_eq!(ExactInterest(1049 * UNITS_PER_GROSZ).rounded_to_zloty(), 1000);
        let rules = TaxRules::statutory();
        // 1000 zł, 20 days at 14.5%: 7.95 zł → 8 zł ≤ 8.70 zł: nothing.
        assert_eq!(interest_due(100_000, d(2024, 3, 15), d(2024, 4, 4), &rules), 0);
        // 23 days: 9.14 zł → 9 zł > 8.70 zł: charged.
        assert_eq!(interest_due(100_000, d(2024, 3, 15), d(2024, 4, 7), &rules), 900);
    }

    #[test]
    fn paid_on_or_before_the_due_date_costs_nothing() {
        let rules = TaxRules::statutory();
        assert_eq!(exact_interest(100_000, d(2025, 3, 17), d(2025, 3, 17), &rules).0, 0);
        assert_eq!(exact_interest(100_000, d(2025, 3, 17), d(2025, 3, 1), &rules).0, 0);
    }
}
