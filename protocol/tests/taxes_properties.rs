//! Property tests of the tax rules (issue 14): what must hold for every
//! amount, date and payment, beside the worked examples next to the code.

use chrono::{Datelike, NaiveDate};
use mm_protocol::taxes::allocation::{allocate_to_oldest, split_payment, Outstanding};
use mm_protocol::taxes::checksums::{nip_valid, nrb_check_digits, nrb_valid, pesel_valid};
use mm_protocol::taxes::due_date::{effective_due_date, is_working_day};
use mm_protocol::taxes::interest::{exact_interest, interest_due, ExactInterest, UNITS_PER_GROSZ};
use mm_protocol::taxes::zbp::{clean_field, zbp_code, NAME_MAX, PAYLOAD_MAX, TITLE_MAX};
use mm_protocol::taxes::{
    statement, BookedPayment, LiabilityKind, LiabilityRecord, LiabilityStatus, RatePeriod, TaxRecipient, TaxRules,
};
use proptest::prelude::*;

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(offset)
}

/// Any day from 2020 to the end of 2027: across every rate change of the table.
fn any_day() -> impl Strategy<Value = NaiveDate> {
    (0i64..8 * 365).prop_map(day)
}

fn amount() -> impl Strategy<Value = i64> {
    1i64..50_000_000
}

fn record(amount_grosze: i64, due_date: NaiveDate, payments: Vec<BookedPayment>) -> LiabilityRecord {
    LiabilityRecord {
        id: "L".into(),
        taxpayer: "T".into(),
        kind: LiabilityKind::Property,
        year: due_date.year(),
        instalment: 1,
        decision: "FN.3120.1".into(),
        due_date,
        amount_grosze,
        account: "61109010140000071219812874".into(),
        payments,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Art. 12 §5: the term ends on a working day, never before the
    /// nominal one, and every day skipped was a Saturday, Sunday or holiday.
    #[test]
    fn the_effective_due_date_is_the_next_working_day(nominal in any_day()) {
        let due = effective_due_date(nominal);
        prop_assert!(due >= nominal);
        prop_assert!(is_working_day(due));
        prop_assert!((due - nominal).num_days() <= 5);
        let mut d = nominal;
        while d < due {
            prop_assert!(!is_working_day(d));
            d = d.succ_opt().unwrap();
        }
        prop_assert_eq!(effective_due_date(due), due);
    }

    /// Interest is additive over days: the periods are summed unrounded,
    /// so splitting the delay anywhere changes nothing before rounding.
    #[test]
    fn exact_interest_is_additive_over_the_delay(a in amount(), due in any_day(), x in 0i64..800, y in 0i64..800) {
        let rules = TaxRules::statutory();
        let mid = due + chrono::Duration::days(x);
        let end = mid + chrono::Duration::days(y);
        let whole = exact_interest(a, due, end, &rules);
        let parts = exact_interest(a, due, mid, &rules).0 + exact_interest(a, mid, end, &rules).0;
        prop_assert_eq!(whole.0, parts);
    }

    /// Under one rate it is amount × days × rate / 365, exactly.
    #[test]
    fn under_one_rate_it_is_the_formula(a in amount(), bp in 800u32..2000, due in any_day(), days in 0i64..1000) {
        let rules = TaxRules { rates: vec![RatePeriod { from: day(-10_000), basis_points: bp }], thresholds: vec![] };
        let paid = due + chrono::Duration::days(days);
        prop_assert_eq!(exact_interest(a, due, paid, &rules).0, i128::from(a) * i128::from(days) * i128::from(bp));
    }

    /// More days or more arrears never cost less.
    #[test]
    fn interest_grows_with_days_and_arrears(a in amount(), b in amount(), due in any_day(), days in 0i64..900, more in 0i64..100) {
        let rules = TaxRules::statutory();
        let paid = due + chrono::Duration::days(days);
        let later = paid + chrono::Duration::days(more);
        prop_assert!(interest_due(a, due, paid, &rules) <= interest_due(a, due, later, &rules));
        let (small, big) = (a.min(b), a.max(b));
        prop_assert!(interest_due(small, due, paid, &rules) <= interest_due(big, due, paid, &rules));
    }

    /// Rounding is to whole złoty, at most 50 gr away from the exact sum,
    /// 50 gr and more up (art. 63 §1).
    #[test]
    fn rounding_is_to_the_nearest_zloty_half_up(units in 0i128..(1i128 << 80)) {
        let exact = ExactInterest(units);
        let r = i128::from(exact.rounded_to_zloty()) * UNITS_PER_GROSZ;
        prop_assert_eq!(exact.rounded_to_zloty() % 100, 0);
        prop_assert!(r - units <= 50 * UNITS_PER_GROSZ);
        prop_assert!(units - r < 50 * UNITS_PER_GROSZ);
    }

    /// Nothing charged at or below the threshold; above it, the rounded sum.
    #[test]
    fn the_threshold_waives_small_interest(a in amount(), due in any_day(), days in 0i64..400) {
        let rules = TaxRules::statutory();
        let paid = due + chrono::Duration::days(days);
        let rounded = exact_interest(a, due, paid, &rules).rounded_to_zloty();
        let charged = interest_due(a, due, paid, &rules);
        if rounded <= 870 { prop_assert_eq!(charged, 0) } else { prop_assert_eq!(charged, rounded) }
    }

    /// Art. 55 §2: the parts add up to what was paid (up to what is owed),
    /// neither exceeds what it pays, and they stand in proportion (within
    /// the grosz the rounding moves).
    #[test]
    fn a_payment_splits_in_proportion(p in 0i64..10_000_000, a in 0i64..10_000_000, i in 0i64..1_000_000) {
        let (to_a, to_i) = split_payment(p, a, i);
        prop_assert_eq!(to_a + to_i, p.min(a + i));
        prop_assert!((0..=a).contains(&to_a) && (0..=i).contains(&to_i));
        if p < a + i && a + i > 0 {
            let lhs = i128::from(to_a) * i128::from(a + i);
            let rhs = i128::from(p) * i128::from(a);
            prop_assert!((lhs - rhs).abs() * 2 <= i128::from(a + i));
        }
    }

    /// Art. 62 §1: every grosz goes somewhere, none above a liability's
    /// total, and a younger liability gets nothing while an older one is owed.
    #[test]
    fn an_unassigned_payment_fills_the_oldest_first(p in 0i64..1_000_000, totals in prop::collection::vec((0i64..200_000, 0i64..400), 0..8)) {
        let ids: Vec<String> = (0..totals.len()).map(|n| format!("L{n}")).collect();
        let owed: Vec<Outstanding<'_>> = totals.iter().zip(&ids).map(|((t, d), id)| Outstanding { id, effective_due_date: day(*d), total_grosze: *t }).collect();
        let (shares, left) = allocate_to_oldest(p, &owed);
        prop_assert_eq!(shares.iter().map(|s| s.1).sum::<i64>() + left, p);
        for (id, share) in &shares {
            let o = owed.iter().find(|o| o.id == id).unwrap();
            prop_assert!(*share <= o.total_grosze && *share > 0);
        }
        if shares.len() > 1 {
            for (id, share) in &shares[..shares.len() - 1] {
                let o = owed.iter().find(|o| o.id == id).unwrap();
                prop_assert_eq!(*share, o.total_grosze);
            }
        }
    }

    /// Paying the statement's total on its day settles the liability: the
    /// figure the app shows is exactly what clears the debt.
    #[test]
    fn paying_the_total_settles_it(a in amount(), due in any_day(), days in 0i64..900, early in prop::collection::vec((0i64..900, 1i64..100_000), 0..3)) {
        let rules = TaxRules::statutory();
        let as_of = due + chrono::Duration::days(days);
        let partial: Vec<BookedPayment> = early.iter().map(|(d, x)| BookedPayment { date: due + chrono::Duration::days(d % (days + 1)), amount_grosze: *x }).collect();
        let before = statement(&record(a, due, partial.clone()), &[], as_of, &rules);
        prop_assert_eq!(before.total_grosze, before.remaining_grosze + before.interest_grosze);
        let mut paid = partial;
        paid.push(BookedPayment { date: as_of, amount_grosze: before.total_grosze });
        let after = statement(&record(a, due, paid), &[], as_of, &rules);
        prop_assert_eq!(after.total_grosze, 0);
        prop_assert_eq!(after.status, LiabilityStatus::Paid);
    }

    /// Paid in full by the effective due date: no interest, whatever later.
    #[test]
    fn paid_on_time_costs_no_interest(a in amount(), nominal in any_day(), later in 0i64..2000) {
        let due = effective_due_date(nominal);
        let paid = vec![BookedPayment { date: due, amount_grosze: a }];
        let s = statement(&record(a, nominal, paid), &[], due + chrono::Duration::days(later), &TaxRules::statutory());
        prop_assert_eq!((s.remaining_grosze, s.interest_grosze), (0, 0));
    }

    /// Mod 97 catches every single changed digit of an account.
    #[test]
    fn an_nrb_with_one_digit_changed_fails(bban in "[0-9]{24}", pos in 0usize..26, delta in 1u8..10) {
        let nrb = format!("{}{bban}", nrb_check_digits(&bban).unwrap());
        prop_assert!(nrb_valid(&nrb));
        let mut bytes = nrb.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        prop_assert!(!nrb_valid(&String::from_utf8(bytes).unwrap()));
    }

    /// PESEL's weights are odd and not 5: one changed digit always shows;
    /// NIP's weights are not multiples of 11: likewise.
    #[test]
    fn pesel_and_nip_catch_one_changed_digit(digits in "[0-9]{10}", pos in 0usize..10, delta in 1u8..10) {
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let s: u32 = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3].iter().zip(&d).map(|(w, x)| w * x).sum();
        let pesel = format!("{digits}{}", (10 - s % 10) % 10);
        let mut changed = pesel.clone().into_bytes();
        changed[pos] = b'0' + (changed[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(changed).unwrap();
        if pesel_valid(&pesel) { prop_assert!(!pesel_valid(&changed)); }
        let nine = &digits[..9];
        let s: u32 = [6, 5, 7, 2, 3, 4, 5, 6, 7].iter().zip(nine.bytes()).map(|(w, b)| w * u32::from(b - b'0')).sum();
        if s % 11 != 10 {
            let nip = format!("{nine}{}", s % 11);
            prop_assert!(nip_valid(&nip));
            let mut bad = nip.into_bytes();
            let p = pos.min(9);
            bad[p] = b'0' + (bad[p] - b'0' + delta) % 10;
            prop_assert!(!nip_valid(&String::from_utf8(bad).unwrap()));
        }
    }

    /// Whatever the name, title and amount: nine fields, none with `|`,
    /// within their lengths and 160 in all; six digits of amount or 000000.
    #[test]
    fn the_zbp_payload_keeps_its_layout(name in "\\PC{0,60}", title in "\\PC{0,80}", amount in 0i64..100_000_000) {
        let recipient = TaxRecipient { name, nip: "1234563218".into() };
        let code = zbp_code(&recipient, "61109010140000071219812874", amount, &title).unwrap();
        let fields: Vec<&str> = code.payload.split('|').collect();
        prop_assert_eq!(fields.len(), 9);
        prop_assert!(code.payload.chars().count() <= PAYLOAD_MAX);
        prop_assert!(fields[4].chars().count() <= NAME_MAX && fields[5].chars().count() <= TITLE_MAX);
        prop_assert_eq!(fields[3].len(), 6);
        let in_code: i64 = fields[3].parse().unwrap();
        if amount <= 999_999 { prop_assert_eq!(in_code, amount) } else { prop_assert_eq!(in_code, 0) }
        prop_assert_eq!(code.amount_grosze.is_some(), amount <= 999_999);
        prop_assert_eq!(clean_field(fields[5], TITLE_MAX), fields[5]);
    }
}

/// The fixed example, end to end through the statement: a late
/// payment spanning two rate periods.
#[test]
fn the_worked_example_through_the_statement() {
    let due = NaiveDate::from_ymd_opt(2025, 3, 15).unwrap();
    let paid_on = NaiveDate::from_ymd_opt(2025, 6, 20).unwrap();
    let s = statement(&record(100_000, due, vec![]), &[], paid_on, &TaxRules::statutory());
    assert_eq!(s.interest_grosze, 3_700);
    let paid = vec![BookedPayment { date: paid_on, amount_grosze: 103_700 }];
    assert_eq!(statement(&record(100_000, due, paid), &[], paid_on, &TaxRules::statutory()).total_grosze, 0);
}
