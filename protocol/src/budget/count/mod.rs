//! Counting a pool's ballots into selected projects, in exact arithmetic
//! (integers and rationals; never floats).

use serde::{Deserialize, Serialize};

/// How a pool is counted: a setting of the edition, from the council's
/// resolution (R§2 of the reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum CountingRule {
    /// Greedy by votes: take each project that still fits, skip those that
    /// do not; projects below `min_votes` are not eligible.
    Greedy { min_votes: u32 },
    /// The Method of Equal Shares with the Add1 completion; `comparison`
    /// adds the step that keeps greedy's outcome when more voters prefer it.
    EqualSharesAdd1 { comparison: bool },
}

/// One key of the tie-break order, applied in the order the edition's
/// settings list them. A lot must come last, so the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TieKey {
    LowerCost,
    MoreVotes,
    Lot,
}
