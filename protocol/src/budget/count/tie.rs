//! The tie-break order (R§2 ties; equalshares.net `tie-breaking.mdx`): the
//! edition's keys in order, the same in every step and every Add1 round.
//! It ends with the lot drawn before counting, so it is total.

use std::cmp::Ordering;

use super::{CountInput, Tally, TieKey};

/// A total order of a pool's projects (indices): `Less` wins the tie.
#[derive(Debug, Clone)]
pub struct TieOrder {
    keys: Vec<TieKey>,
    cost: Vec<i64>,
    /// Votes, or points when the ballots are cumulative (R§2 points).
    score: Vec<u64>,
    lot: Vec<u32>,
}

impl TieOrder {
    pub fn new(input: &CountInput, tally: &Tally) -> Self {
        TieOrder {
            keys: input.tie.clone(),
            cost: input.projects.iter().map(|p| p.cost).collect(),
            score: if tally.cumulative { tally.points.clone() } else { tally.votes.clone() },
            lot: input.projects.iter().map(|p| p.lot_rank).collect(),
        }
    }

    /// Compares two projects by the keys: lower cost first, more votes
    /// first, lower lot rank first.
    pub fn cmp(&self, a: usize, b: usize) -> Ordering {
        for key in &self.keys {
            let o = match key {
                TieKey::LowerCost => self.cost[a].cmp(&self.cost[b]),
                TieKey::MoreVotes => self.score[b].cmp(&self.score[a]),
                TieKey::Lot => self.lot[a].cmp(&self.lot[b]),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        // Distinct lot ranks (validated) make this unreachable for a == b
        // only; the index keeps the order total in any case.
        a.cmp(&b)
    }

    /// The winner of a tie among `tied` (not empty).
    pub fn first(&self, tied: &[usize]) -> usize {
        let mut best = tied[0];
        for &p in &tied[1..] {
            if self.cmp(p, best) == Ordering::Less {
                best = p;
            }
        }
        best
    }
}
