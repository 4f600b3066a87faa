//! The comparison step (R§2; Wieliczka 2023, Świecie 2024): MES+Add1's
//! outcome against greedy's on the full budget, without threshold, in the
//! same tie order. Each voter prefers the outcome in which more of the
//! projects they approved win; greedy's is kept only when strictly more
//! voters prefer it.
//!
//! This is pabulib-checker 1.0.8's `_apply_equalshares_comparison_step` in
//! its default mode `"satisfaction"` (approved winners per voter, every
//! voter counted, `prefers_greedy > prefers_mes`). One deliberate
//! difference: the checker breaks greedy's ties by the order of the
//! PROJECTS section (a stable sort by votes); we use the edition's tie
//! order, so the `.pb` export lists projects in that order for the two to
//! agree (docs/plans/issue-15.md §5).

use super::greedy::Greedy;
use super::mes::{Mes, Profile};
use super::{CountInput, TraceStep};

/// Which outcome the comparison kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Chosen {
    EqualShares,
    Greedy,
}

/// Voters preferring each outcome: (MES, greedy).
pub fn preferences(profile: &Profile, mes: &[usize], greedy: &[usize], projects: usize) -> (u64, u64) {
    let mut in_mes = vec![false; projects];
    let mut in_greedy = vec![false; projects];
    mes.iter().for_each(|&p| in_mes[p] = true);
    greedy.iter().for_each(|&p| in_greedy[p] = true);
    let (mut prefer_mes, mut prefer_greedy) = (0, 0);
    for (g, set) in profile.approvals.iter().enumerate() {
        let m = set.iter().filter(|&&p| in_mes[usize::from(p)]).count();
        let k = set.iter().filter(|&&p| in_greedy[usize::from(p)]).count();
        if m > k {
            prefer_mes += profile.weight[g];
        } else if k > m {
            prefer_greedy += profile.weight[g];
        }
    }
    (prefer_mes, prefer_greedy)
}

/// Keeps MES's outcome unless strictly more voters prefer greedy's.
/// Returns the selection (indices, selection order) and the trace: MES's
/// steps, greedy's when it wins, and the comparison.
pub fn choose(input: &CountInput, profile: &Profile, mes: Mes, greedy: Greedy) -> (Vec<usize>, Vec<TraceStep>) {
    let (prefer_mes, prefer_greedy) = preferences(profile, &mes.selected, &greedy.selected, input.projects.len());
    let chosen = if prefer_greedy > prefer_mes { Chosen::Greedy } else { Chosen::EqualShares };
    let ids = |s: &[usize]| s.iter().map(|&p| input.projects[p].id).collect::<Vec<_>>();
    let step = TraceStep::Comparison {
        equal_shares: ids(&mes.selected),
        greedy: ids(&greedy.selected),
        prefer_equal_shares: prefer_mes,
        prefer_greedy,
        chosen,
    };
    let mut trace = mes.trace;
    match chosen {
        Chosen::EqualShares => {
            trace.push(step);
            (mes.selected, trace)
        }
        Chosen::Greedy => {
            trace.push(step);
            trace.extend(greedy.trace);
            (greedy.selected, trace)
        }
    }
}
