//! How a payment is divided (Tax Ordinance): between the arrears and the
//! interest of one liability (art. 55 §2), and between liabilities when the
//! payer named none (art. 62 §1).

use chrono::NaiveDate;

use super::Grosze;

/// A payment of `payment` on a liability with `arrears` and `interest` due
/// on the payment day, split in the proportion the two stand in (art. 55
/// §2 OP: neither the payer nor the office may choose another split).
/// Returns (to arrears, to interest); what exceeds both is an overpayment
/// and goes to neither. The arrears' share is rounded half up to a grosz.
pub fn split_payment(payment: Grosze, arrears: Grosze, interest: Grosze) -> (Grosze, Grosze) {
    let payment = payment.max(0);
    let (arrears, interest) = (arrears.max(0), interest.max(0));
    if payment >= arrears + interest {
        return (arrears, interest);
    }
    if interest == 0 {
        return (payment, 0);
    }
    let owed = i128::from(arrears) + i128::from(interest);
    let to_arrears = ((2 * i128::from(payment) * i128::from(arrears) + owed) / (2 * owed)) as Grosze;
    (to_arrears, payment - to_arrears)
}

/// A liability competing for an unassigned payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding<'a> {
    pub id: &'a str,
    pub effective_due_date: NaiveDate,
    /// Arrears plus interest as of the payment day.
    pub total_grosze: Grosze,
}

/// A payment that names no liability goes to the oldest arrears first
/// (art. 62 §1 OP), then the next; ties by id for a stable answer. Returns
/// how much goes to each, and what is left over (an overpayment).
pub fn allocate_to_oldest(payment: Grosze, outstanding: &[Outstanding<'_>]) -> (Vec<(String, Grosze)>, Grosze) {
    let mut order: Vec<&Outstanding<'_>> = outstanding.iter().filter(|o| o.total_grosze > 0).collect();
    order.sort_by(|a, b| a.effective_due_date.cmp(&b.effective_due_date).then(a.id.cmp(b.id)));
    let mut left = payment.max(0);
    let mut shares = Vec::new();
    for o in order {
        if left == 0 {
            break;
        }
        let share = left.min(o.total_grosze);
        shares.push((o.id.to_string(), share));
        left -= share;
    }
    (shares, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_payment_is_split_in_proportion() {
        // 1000 zł arrears and 37 zł interest, 518.50 zł paid: half of each.
        assert_eq!(split_payment(51_850, 100_000, 3_700), (50_000, 1_850));
        assert_eq!(split_payment(200_000, 100_000, 3_700), (100_000, 3_700));
        assert_eq!(split_payment(10_000, 100_000, 0), (10_000, 0));
    }

    #[test]
    fn an_unassigned_payment_goes_to_the_oldest_first() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 15).unwrap();
        let owed = [
            Outstanding { id: "b", effective_due_date: d(5), total_grosze: 5_000 },
            Outstanding { id: "a", effective_due_date: d(3), total_grosze: 3_000 },
            Outstanding { id: "c", effective_due_date: d(9), total_grosze: 9_000 },
        ];
        let (shares, left) = allocate_to_oldest(7_000, &owed);
        assert_eq!(shares, vec![("a".to_string(), 3_000), ("b".to_string(), 4_000)]);
        assert_eq!(left, 0);
        assert_eq!(allocate_to_oldest(20_000, &owed).1, 3_000);
    }
}
