//! A liability's balance on a given day: what was paid, the arrears left,
//! the interest to that day and the total that settles it. The server
//! answers with it and the app recomputes it offline, from the same code.

use chrono::NaiveDate;

use super::allocation::split_payment;
use super::due_date::effective_due_date;
use super::interest::interest_due;
use super::rates::TaxRules;
use super::wire::{AppPaymentSummary, LiabilityRecord, LiabilityStatus, LiabilityView, PaymentStatus, TaxRecipient};
use super::zbp::{transfer_title, zbp_code, ZbpError};
use super::Grosze;

/// The figures of a [`super::wire::LiabilityView`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    pub effective_due_date: NaiveDate,
    pub paid_grosze: Grosze,
    pub remaining_grosze: Grosze,
    pub interest_grosze: Grosze,
    pub total_grosze: Grosze,
    pub status: LiabilityStatus,
}

/// The balance of `record` as of `as_of`. Counted: the payments the tax
/// system booked up to that day, and the app's payments the gateway
/// confirmed that the tax system has not booked yet (so a resident who
/// paid does not see the debt again while the office books it).
///
/// Each payment after the due date first meets the interest accrued to its
/// day (rounded, subject to the threshold) and is split between arrears
/// and interest in proportion (art. 55 §2 OP); interest then runs on the
/// arrears left from the day after. Unpaid interest is carried, not
/// charged interest on (art. 53 §1 OP: interest runs on tax arrears).
pub fn statement(
    record: &LiabilityRecord,
    app_payments: &[AppPaymentSummary],
    as_of: NaiveDate,
    rules: &TaxRules,
) -> Statement {
    let due = effective_due_date(record.due_date);
    let mut payments: Vec<(NaiveDate, Grosze, bool)> =
        record.payments.iter().map(|p| (p.date, p.amount_grosze, false)).collect();
    payments.extend(
        app_payments
            .iter()
            .filter(|p| p.status == PaymentStatus::Paid && !p.booked)
            .filter_map(|p| Some((p.paid_on?, p.amount_grosze, true))),
    );
    payments.retain(|(date, amount, _)| *date <= as_of && *amount > 0);
    payments.sort_by_key(|(date, _, _)| *date);

    let mut arrears = record.amount_grosze.max(0);
    let mut unpaid_interest: Grosze = 0;
    let mut interest_from = due;
    let mut paid: Grosze = 0;
    let mut awaiting_booking = false;
    for (date, amount, in_app) in payments {
        paid += amount;
        awaiting_booking |= in_app;
        if arrears == 0 && unpaid_interest == 0 {
            continue;
        }
        let interest_now = unpaid_interest + interest_due(arrears, interest_from, date, rules);
        let (to_arrears, to_interest) = split_payment(amount, arrears, interest_now);
        arrears -= to_arrears;
        unpaid_interest = interest_now - to_interest;
        interest_from = interest_from.max(date);
    }
    let interest = unpaid_interest + interest_due(arrears, interest_from, as_of, rules);
    let total = arrears + interest;
    let status = if total == 0 {
        if awaiting_booking {
            LiabilityStatus::PaidAwaitingBooking
        } else {
            LiabilityStatus::Paid
        }
    } else if as_of > due {
        LiabilityStatus::Overdue
    } else {
        LiabilityStatus::Upcoming
    };
    Statement {
        effective_due_date: due,
        paid_grosze: paid,
        remaining_grosze: arrears,
        interest_grosze: interest,
        total_grosze: total,
        status,
    }
}

/// The liability as the API sends it: its statement as of `as_of` and the
/// QR payload for paying its total then (to its own account).
pub fn view(
    record: LiabilityRecord,
    mut app_payments: Vec<AppPaymentSummary>,
    as_of: NaiveDate,
    rules: &TaxRules,
    recipient: &TaxRecipient,
) -> Result<LiabilityView, ZbpError> {
    let s = statement(&record, &app_payments, as_of, rules);
    let zbp = zbp_code(recipient, &record.account, s.total_grosze, &transfer_title(&record))?;
    app_payments.sort_by(|a, b| b.paid_on.cmp(&a.paid_on).then(b.id.cmp(&a.id)));
    Ok(LiabilityView {
        record,
        app_payments,
        effective_due_date: s.effective_due_date,
        paid_grosze: s.paid_grosze,
        remaining_grosze: s.remaining_grosze,
        interest_grosze: s.interest_grosze,
        total_grosze: s.total_grosze,
        status: s.status,
        zbp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxes::kinds::LiabilityKind;
    use crate::taxes::wire::BookedPayment;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn record(payments: Vec<BookedPayment>) -> LiabilityRecord {
        LiabilityRecord {
            id: "L1".into(),
            taxpayer: "T1".into(),
            kind: LiabilityKind::Property,
            year: 2025,
            instalment: 1,
            decision: "FN.3120.1.2025".into(),
            due_date: d(2025, 3, 15),
            amount_grosze: 100_000,
            account: "61109010140000071219812874".into(),
            payments,
        }
    }

    #[test]
    fn unpaid_the_reference_example_owes_37_zloty_on_20_june() {
        let s = statement(&record(vec![]), &[], d(2025, 6, 20), &TaxRules::statutory());
        assert_eq!(s.effective_due_date, d(2025, 3, 17));
        assert_eq!((s.remaining_grosze, s.interest_grosze, s.total_grosze), (100_000, 3_700, 103_700));
        assert_eq!(s.status, LiabilityStatus::Overdue);
    }

    #[test]
    fn paid_in_full_late_settles_arrears_and_interest() {
        let paid = vec![BookedPayment { date: d(2025, 6, 20), amount_grosze: 103_700 }];
        let s = statement(&record(paid), &[], d(2025, 7, 1), &TaxRules::statutory());
        assert_eq!((s.remaining_grosze, s.interest_grosze, s.status), (0, 0, LiabilityStatus::Paid));
    }

    #[test]
    fn half_paid_late_leaves_half_of_each() {
        let paid = vec![BookedPayment { date: d(2025, 6, 20), amount_grosze: 51_850 }];
        let s = statement(&record(paid), &[], d(2025, 6, 20), &TaxRules::statutory());
        assert_eq!((s.remaining_grosze, s.interest_grosze), (50_000, 1_850));
    }

    #[test]
    fn paid_on_time_and_a_payment_in_the_app_awaiting_booking() {
        let on_time = vec![BookedPayment { date: d(2025, 3, 17), amount_grosze: 100_000 }];
        assert_eq!(statement(&record(on_time), &[], d(2026, 1, 1), &TaxRules::statutory()).status, LiabilityStatus::Paid);
        let app = AppPaymentSummary {
            id: "p".into(),
            amount_grosze: 100_000,
            status: PaymentStatus::Paid,
            paid_on: Some(d(2025, 3, 10)),
            booked: false,
        };
        let s = statement(&record(vec![]), &[app], d(2025, 4, 1), &TaxRules::statutory());
        assert_eq!((s.total_grosze, s.status), (0, LiabilityStatus::PaidAwaitingBooking));
        assert_eq!(statement(&record(vec![]), &[], d(2025, 3, 1), &TaxRules::statutory()).status, LiabilityStatus::Upcoming);
    }
}
