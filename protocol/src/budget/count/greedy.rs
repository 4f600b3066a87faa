//! Polish greedy (R§2; CONSUL `Budget::Result`): projects by votes (points
//! for cumulative ballots), most first, ties by the edition's order; take
//! each that still fits, skip those that do not. Projects below the
//! threshold are not eligible (the checker reads
//! `min_project_score_threshold` as "at least"). Pure `i64`.
//!
//! pabutools' `greedy_utilitarian_welfare(sat_class=Cost_Sat)` orders by
//! satisfaction per cost = votes, and funds zero-vote projects that fit: so
//! does `min_votes = 0`.

use super::tie::TieOrder;
use super::{CountInput, Tally, TraceStep};

pub struct Greedy {
    /// Indices in selection order.
    pub selected: Vec<usize>,
    pub trace: Vec<TraceStep>,
}

pub fn greedy(input: &CountInput, tally: &Tally, tie: &TieOrder, min_votes: u32) -> Greedy {
    let score = if tally.cumulative { &tally.points } else { &tally.votes };
    let mut order: Vec<usize> = (0..input.projects.len()).collect();
    order.sort_by(|&a, &b| score[b].cmp(&score[a]).then_with(|| tie.cmp(a, b)));
    let mut left = input.budget;
    let mut selected = Vec::new();
    let mut trace = Vec::new();
    for p in order {
        let project = input.projects[p].id;
        let votes = tally.votes[p] as u32;
        let cost = input.projects[p].cost;
        if tally.votes[p] < u64::from(min_votes) {
            trace.push(TraceStep::BelowThreshold { project, votes, min_votes });
        } else if cost <= left {
            left -= cost;
            selected.push(p);
            trace.push(TraceStep::Selected { project, votes, points: tally.points[p] as u32, cost, left });
        } else {
            trace.push(TraceStep::Skipped { project, votes, points: tally.points[p] as u32, cost, left });
        }
    }
    Greedy { selected, trace }
}
