//! Counting a pool's ballots into selected projects, in exact arithmetic
//! (integers and rationals; never floats: a test below reads this module's
//! sources for them).
//!
//! The rules and their reference implementations (R§2 of
//! `../shared/reference/BUDGET-CONSULTATIONS.md`):
//! - `greedy`: Polish greedy with skip and an optional vote threshold;
//!   pabutools 1.2.3 `greedy_utilitarian_welfare(sat_class=Cost_Sat)`.
//! - `mes`: the Method of Equal Shares with cost satisfaction and the Add1
//!   completion; pabutools 1.2.3 `method_of_equal_shares(sat_class=Cost_Sat,
//!   voter_budget_increment=..)`.
//! - `compare`: pabulib-checker 1.0.8's comparison step ("satisfaction").
//! - `tie`: the edition's tie-break order, the same in every step and round.
//! - `trace`: what the count did, step by step, for the published results.
//!
//! `protocol/tests/pabutools_crosscheck.rs` runs pabutools itself on random
//! instances and compares the selected sets.

pub mod compare;
pub mod greedy;
pub mod mes;
pub mod tie;
pub mod trace;

use serde::{Deserialize, Serialize};

pub use trace::{describe, Lang, TraceStep};

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

/// The default tie-break order (equalshares.net `tie-breaking.mdx`, R§2):
/// lower cost, then more votes, then the lot drawn before counting.
pub const DEFAULT_TIE: [TieKey; 3] = [TieKey::LowerCost, TieKey::MoreVotes, TieKey::Lot];

/// Add1's step per voter and round: one złoty (R§2 "1 currency unit").
pub const DEFAULT_INCREMENT_GROSZE: i64 = 100;

/// A pool's count: its amount, its projects on the ballot, the ballots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountInput {
    /// The pool's amount, grosze.
    pub budget: i64,
    pub projects: Vec<CountProject>,
    /// Identical ballots may be merged with `weight` (pabutools'
    /// multiplicity); the count merges them again anyway.
    pub ballots: Vec<CountBallot>,
    /// Must end with `TieKey::Lot`.
    pub tie: Vec<TieKey>,
    pub rule: CountingRule,
    /// Add1's step per voter and round, grosze (`DEFAULT_INCREMENT_GROSZE`).
    pub increment: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountProject {
    pub id: i64,
    /// Grosze, more than zero.
    pub cost: i64,
    /// Position drawn by lot before counting (lower wins); distinct.
    pub lot_rank: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountBallot {
    pub weight: u32,
    /// Indices into `CountInput::projects`.
    pub approvals: Vec<u16>,
    /// Cumulative ballots: points per entry of `approvals`; empty for
    /// approval and knapsack ballots.
    #[serde(default)]
    pub points: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountOutcome {
    /// Project ids in the order they were selected.
    pub selected: Vec<i64>,
    /// Grosze.
    pub spent: i64,
    /// Per project (index of `CountInput::projects`): the voters approving it.
    pub votes: Vec<u32>,
    /// Per project: the points given to it (zero for approval ballots).
    pub points: Vec<u32>,
    pub trace: Vec<TraceStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("the budget is negative")]
    NegativeBudget,
    #[error("project {index} costs zero or less")]
    NonPositiveCost { index: usize },
    #[error("project {index} repeats an id")]
    DuplicateProjectId { index: usize },
    #[error("project {index} repeats a lot rank")]
    DuplicateLotRank { index: usize },
    #[error("ballot {ballot} names a project that is not in the pool")]
    ProjectOutOfRange { ballot: usize },
    #[error("ballot {ballot} names a project twice")]
    DuplicateApproval { ballot: usize },
    #[error("ballot {ballot} has points that do not match its projects")]
    PointsMismatch { ballot: usize },
    #[error("the tie-break order is empty or does not end with a lot")]
    TieOrderNotTotal,
    #[error("the Add1 increment must be more than zero")]
    NonPositiveIncrement,
    #[error("the Method of Equal Shares counts approval ballots only")]
    EqualSharesWithPoints,
    #[error("more votes than a count can hold")]
    TooManyVotes,
}

/// Counts a pool.
pub fn count(input: &CountInput) -> Result<CountOutcome, CountError> {
    validate(input)?;
    let tally = tally(input)?;
    let order = tie::TieOrder::new(input, &tally);
    let (selected, trace) = match input.rule {
        CountingRule::Greedy { min_votes } => {
            let g = greedy::greedy(input, &tally, &order, min_votes);
            (g.selected, g.trace)
        }
        CountingRule::EqualSharesAdd1 { comparison } => {
            let profile = mes::Profile::new(input);
            let m = mes::equal_shares_add1(input, &profile, &order);
            if comparison {
                let g = greedy::greedy(input, &tally, &order, 0);
                compare::choose(input, &profile, m, g)
            } else {
                (m.selected, m.trace)
            }
        }
    };
    let spent = selected.iter().map(|&i| input.projects[i].cost).sum();
    Ok(CountOutcome {
        selected: selected.iter().map(|&i| input.projects[i].id).collect(),
        spent,
        votes: tally.votes.iter().map(|&v| v as u32).collect(),
        points: tally.points.iter().map(|&v| v as u32).collect(),
        trace,
    })
}

/// Votes and points per project, weighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub votes: Vec<u64>,
    pub points: Vec<u64>,
    /// Any ballot gave points: greedy orders by points then (R§2 points).
    pub cumulative: bool,
}

/// Sums the ballots per project. Fails when a sum does not fit the
/// outcome's `u32`.
pub fn tally(input: &CountInput) -> Result<Tally, CountError> {
    let n = input.projects.len();
    let mut votes = vec![0u64; n];
    let mut points = vec![0u64; n];
    let cumulative = input.ballots.iter().any(|b| !b.points.is_empty());
    for b in &input.ballots {
        let w = u64::from(b.weight);
        for (k, &p) in b.approvals.iter().enumerate() {
            votes[usize::from(p)] += w;
            if let Some(&pt) = b.points.get(k) {
                points[usize::from(p)] += w * u64::from(pt);
            }
        }
    }
    if votes.iter().chain(&points).any(|&v| v > u64::from(u32::MAX)) {
        return Err(CountError::TooManyVotes);
    }
    Ok(Tally { votes, points, cumulative })
}

fn validate(input: &CountInput) -> Result<(), CountError> {
    if input.budget < 0 {
        return Err(CountError::NegativeBudget);
    }
    if input.increment <= 0 {
        return Err(CountError::NonPositiveIncrement);
    }
    if input.tie.last() != Some(&TieKey::Lot) {
        return Err(CountError::TieOrderNotTotal);
    }
    let mut ids = std::collections::HashSet::new();
    let mut lots = std::collections::HashSet::new();
    for (index, p) in input.projects.iter().enumerate() {
        // A zero cost has no affordability (ρ = q / cost), and no pool
        // funds a project for free.
        if p.cost <= 0 {
            return Err(CountError::NonPositiveCost { index });
        }
        if !ids.insert(p.id) {
            return Err(CountError::DuplicateProjectId { index });
        }
        if !lots.insert(p.lot_rank) {
            return Err(CountError::DuplicateLotRank { index });
        }
    }
    let cumulative = input.ballots.iter().any(|b| !b.points.is_empty());
    let mut seen = vec![false; input.projects.len()];
    for (ballot, b) in input.ballots.iter().enumerate() {
        if cumulative && b.points.len() != b.approvals.len() {
            return Err(CountError::PointsMismatch { ballot });
        }
        for &p in &b.approvals {
            let p = usize::from(p);
            if p >= seen.len() {
                return Err(CountError::ProjectOutOfRange { ballot });
            }
            if seen[p] {
                return Err(CountError::DuplicateApproval { ballot });
            }
            seen[p] = true;
        }
        for &p in &b.approvals {
            seen[usize::from(p)] = false;
        }
    }
    if cumulative && matches!(input.rule, CountingRule::EqualSharesAdd1 { .. }) {
        return Err(CountError::EqualSharesWithPoints);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
