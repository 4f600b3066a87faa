//! `make bench` (issue 14): interest to a day for 100,000 liabilities, as
//! the app's core computes it offline (`mm_protocol::taxes::statement`,
//! the code `core.taxes().screen` runs per liability, over the statutory
//! dated rates). Target: under 50 ms in release. Median of 5 runs, printed,
//! never asserted.
//!
//! The liabilities: four kinds, due dates spread over 2023–2026 (so many
//! cross the rate changes), amounts from 10 zł to 20,000 zł, a third
//! partly paid (booked), a tenth paid in the app and awaiting booking.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use mm_protocol::taxes::statement::statement;
use mm_protocol::taxes::{
    AppPaymentSummary, BookedPayment, LiabilityKind, LiabilityRecord, PaymentStatus, TaxRules,
};

const LIABILITIES: usize = 100_000;
const RUNS: usize = 5;

/// xorshift: reproducible figures without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn main() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let kinds = [LiabilityKind::Property, LiabilityKind::Agricultural, LiabilityKind::Transport, LiabilityKind::WasteFee];
    let data: Vec<(LiabilityRecord, Vec<AppPaymentSummary>)> = (0..LIABILITIES)
        .map(|i| {
            let due = start + Days::new(rng.below(1_400));
            let amount = 1_000 + rng.below(2_000_000) as i64;
            let payments = if i % 3 == 0 {
                vec![BookedPayment { date: due + Days::new(rng.below(400)), amount_grosze: amount / 2 }]
            } else {
                vec![]
            };
            let app = if i % 10 == 0 {
                vec![AppPaymentSummary {
                    id: format!("P{i}"),
                    amount_grosze: amount / 3,
                    status: PaymentStatus::Paid,
                    paid_on: Some(due + Days::new(rng.below(200))),
                    booked: false,
                }]
            } else {
                vec![]
            };
            let record = LiabilityRecord {
                id: format!("L{i}"),
                taxpayer: format!("T{}", i / 4),
                kind: kinds[i % kinds.len()],
                year: 2025,
                instalment: (i % 4) as u32 + 1,
                decision: format!("FN.3120.{i}.2025"),
                due_date: due,
                amount_grosze: amount,
                account: "61109010140000071219812874".into(),
                payments,
            };
            (record, app)
        })
        .collect();
    let rules = TaxRules::statutory();

    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut checksum: i64 = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let mut interest: i64 = 0;
        for (record, app) in &data {
            interest += statement(record, app, as_of, &rules).interest_grosze;
        }
        times.push(t.elapsed());
        checksum = std::hint::black_box(interest);
    }
    times.sort();
    let median = times[RUNS / 2];
    let build = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "taxes core: interest to {as_of} for {LIABILITIES} liabilities: median {:.1} ms of {RUNS} runs ({build} build; target < 50 ms in release); total interest {checksum} gr",
        median.as_secs_f64() * 1000.0
    );
}
