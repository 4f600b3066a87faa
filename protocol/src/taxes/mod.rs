//! Local taxes (issue 14): the rules both the server and the app's core
//! compute with, so a balance shown offline is the balance the server
//! shows. Every rule cites its article; the sources are in
//! `../shared/reference/TAXES-PAYMENTS.md` and `docs/TAXES.md`.
//! OP = Ordynacja podatkowa (the Tax Ordinance).

pub mod kinds;
pub mod checksums;
pub mod due_date;
pub mod rates;
pub mod interest;
pub mod statement;
pub mod allocation;
pub mod zbp;
pub mod activation;
pub mod wire;

pub use kinds::LiabilityKind;
pub use rates::{RatePeriod, TaxRules, ThresholdPeriod};
pub use statement::{statement, view, Statement};
pub use wire::*;

/// Money on the wire and in every computation: integer grosze (1 zł = 100).
pub type Grosze = i64;
