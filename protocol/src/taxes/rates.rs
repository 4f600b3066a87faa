//! The dated figures the interest rules use: the rate of interest on tax
//! arrears and the threshold below which none is charged. Data, not code:
//! the server stores them per gmina, publishes them to the app, and an
//! official adds a row when the NBP lombard rate moves (art. 56c OP: the new
//! rate applies from the day the lombard rate changes).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Grosze;

/// The basic rate (art. 56 §1 OP) in force from `from` until the next
/// period, in basis points a year (1450 = 14.5%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatePeriod {
    pub from: NaiveDate,
    pub basis_points: u32,
}

/// The threshold of art. 54 §1 pkt 5 OP (three times the fee for a
/// registered letter) from `from`: interest not exceeding it is not charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThresholdPeriod {
    pub from: NaiveDate,
    pub grosze: Grosze,
}

/// A gmina's dated rates and thresholds, each sorted by `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRules {
    pub rates: Vec<RatePeriod>,
    pub thresholds: Vec<ThresholdPeriod>,
}

/// Why a table cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("the rate table is empty")]
    NoRates,
    #[error("two periods start on {0}")]
    DuplicateStart(NaiveDate),
    #[error("a rate of {0} basis points is not a plausible interest rate")]
    ImplausibleRate(u32),
    #[error("a threshold of {0} grosze is negative")]
    NegativeThreshold(Grosze),
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a valid date in the table")
}

impl TaxRules {
    /// The statutory table as of this writing (TAXES-PAYMENTS.md §1, each
    /// row with its source there); the seed of every new gmina. The rate
    /// from 5 Mar 2026 is derived from the lombard rate (4.25% × 2 + 2).
    pub fn statutory() -> TaxRules {
        let rates = [
            (d(2014, 10, 9), 800),
            (d(2022, 2, 9), 850),
            (d(2022, 3, 9), 1000),
            (d(2022, 4, 7), 1200),
            (d(2022, 5, 6), 1350),
            (d(2022, 6, 9), 1500),
            (d(2022, 7, 8), 1600),
            (d(2022, 9, 8), 1650),
            (d(2023, 9, 7), 1500),
            (d(2023, 10, 5), 1450),
            (d(2025, 5, 8), 1350),
            (d(2025, 7, 3), 1300),
            (d(2025, 9, 4), 1250),
            (d(2025, 10, 9), 1200),
            (d(2025, 11, 6), 1150),
            (d(2025, 12, 4), 1100),
            (d(2026, 3, 5), 1050),
        ]
        .into_iter()
        .map(|(from, basis_points)| RatePeriod { from, basis_points })
        .collect();
        // 3 × 2.90 zł since 1 Feb 2014 (Poczta Polska's registered letter).
        let thresholds = vec![ThresholdPeriod { from: d(2014, 2, 1), grosze: 870 }];
        TaxRules { rates, thresholds }
    }

    /// The table sorted, or why it cannot be used.
    pub fn validated(mut self) -> Result<TaxRules, RulesError> {
        if self.rates.is_empty() {
            return Err(RulesError::NoRates);
        }
        self.rates.sort_by_key(|r| r.from);
        self.thresholds.sort_by_key(|t| t.from);
        for w in self.rates.windows(2) {
            if w[0].from == w[1].from {
                return Err(RulesError::DuplicateStart(w[0].from));
            }
        }
        for w in self.thresholds.windows(2) {
            if w[0].from == w[1].from {
                return Err(RulesError::DuplicateStart(w[0].from));
            }
        }
        // The floor is 8% (art. 56 §1); 100% a year is beyond any rate seen.
        if let Some(r) = self.rates.iter().find(|r| r.basis_points == 0 || r.basis_points > 10_000) {
            return Err(RulesError::ImplausibleRate(r.basis_points));
        }
        if let Some(t) = self.thresholds.iter().find(|t| t.grosze < 0) {
            return Err(RulesError::NegativeThreshold(t.grosze));
        }
        Ok(self)
    }

    /// The rate in force on `day` (the first period's before the table starts).
    pub fn rate_on(&self, day: NaiveDate) -> u32 {
        self.rates.iter().rev().find(|r| r.from <= day).or(self.rates.first()).map_or(0, |r| r.basis_points)
    }

    /// The threshold in force on `day` (none before the table starts).
    pub fn threshold_on(&self, day: NaiveDate) -> Grosze {
        self.thresholds.iter().rev().find(|t| t.from <= day).map_or(0, |t| t.grosze)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statutory_table_is_valid_and_dated() {
        let rules = TaxRules::statutory().validated().unwrap();
        assert_eq!(rules.rate_on(d(2025, 5, 7)), 1450);
        assert_eq!(rules.rate_on(d(2025, 5, 8)), 1350);
        assert_eq!(rules.rate_on(d(2010, 1, 1)), 800);
        assert_eq!(rules.threshold_on(d(2026, 1, 1)), 870);
    }

    #[test]
    fn bad_tables_are_refused() {
        let mut r = TaxRules::statutory();
        r.rates.push(RatePeriod { from: d(2022, 2, 9), basis_points: 900 });
        assert_eq!(r.validated(), Err(RulesError::DuplicateStart(d(2022, 2, 9))));
        let empty = TaxRules { rates: vec![], thresholds: vec![] };
        assert_eq!(empty.validated(), Err(RulesError::NoRates));
    }
}
