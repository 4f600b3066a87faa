//! Unit tests of the count: the R§1 example, the rules' invariants as
//! properties, validation, and the no-floats rule.

use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;

use super::mes::{equal_shares, Profile};
use super::tie::TieOrder;
use super::*;

fn project(id: i64, zloty: i64, lot_rank: u32) -> CountProject {
    CountProject { id, cost: zloty * 100, lot_rank }
}

fn approval(approvals: &[u16]) -> CountBallot {
    CountBallot { weight: 1, approvals: approvals.to_vec(), points: Vec::new() }
}

/// R§1's minimal example: budget 500,000 zł, four projects, six voters.
fn example(rule: CountingRule) -> CountInput {
    CountInput {
        budget: 500_000 * 100,
        projects: vec![project(1, 300_000, 0), project(2, 250_000, 1), project(3, 150_000, 2), project(4, 50_000, 3)],
        ballots: vec![
            approval(&[0, 1]),
            approval(&[0, 2]),
            approval(&[1, 2]),
            approval(&[0]),
            approval(&[0, 2]),
            approval(&[1, 3]),
        ],
        tie: DEFAULT_TIE.to_vec(),
        rule,
        increment: DEFAULT_INCREMENT_GROSZE,
    }
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

#[test]
fn the_reference_example_selects_1_3_4_under_every_rule() {
    // R§1: greedy and MES+Add1 both select {1,3,4} (VERIFIED there with
    // pabutools and the checker).
    for rule in [
        CountingRule::Greedy { min_votes: 0 },
        CountingRule::Greedy { min_votes: 1 },
        CountingRule::EqualSharesAdd1 { comparison: false },
        CountingRule::EqualSharesAdd1 { comparison: true },
    ] {
        let out = count(&example(rule.clone())).unwrap();
        assert_eq!(sorted(out.selected.clone()), vec![1, 3, 4], "{rule:?}");
        assert_eq!(out.spent, 500_000 * 100);
        assert_eq!(out.votes, vec![4, 3, 3, 1]);
    }
}

#[test]
fn greedy_skips_what_does_not_fit_and_respects_the_threshold() {
    let out = count(&example(CountingRule::Greedy { min_votes: 2 })).unwrap();
    // 1 (4 votes) fits, 2 (3 votes, 150,000 zł cheaper 3 first by the tie
    // order) ... project 4 has one vote: below the threshold.
    assert_eq!(out.selected, vec![1, 3]);
    assert!(out.trace.contains(&TraceStep::BelowThreshold { project: 4, votes: 1, min_votes: 2 }));
    assert!(out.trace.iter().any(|s| matches!(s, TraceStep::Skipped { project: 2, .. })));
}

#[test]
fn the_tie_order_decides_equal_votes() {
    let mut input = example(CountingRule::Greedy { min_votes: 0 });
    // Projects 2 and 3 have 3 votes each: lower cost first picks 3.
    input.budget = 300_000 * 100 + 250_000 * 100;
    assert_eq!(count(&input).unwrap().selected, vec![1, 3, 4]);
    // Lot alone: project 2's lot rank is lower, so it goes first.
    input.tie = vec![TieKey::Lot];
    assert_eq!(count(&input).unwrap().selected, vec![1, 2]);
}

#[test]
fn validation_refuses_bad_input() {
    let base = example(CountingRule::Greedy { min_votes: 0 });
    type Change = Box<dyn Fn(&mut CountInput)>;
    let cases: Vec<(Change, CountError)> = vec![
        (Box::new(|i| i.budget = -1), CountError::NegativeBudget),
        (Box::new(|i| i.projects[2].cost = 0), CountError::NonPositiveCost { index: 2 }),
        (Box::new(|i| i.projects[1].id = 1), CountError::DuplicateProjectId { index: 1 }),
        (Box::new(|i| i.projects[3].lot_rank = 0), CountError::DuplicateLotRank { index: 3 }),
        (Box::new(|i| i.ballots[4].approvals.push(9)), CountError::ProjectOutOfRange { ballot: 4 }),
        (Box::new(|i| i.ballots[1].approvals.push(0)), CountError::DuplicateApproval { ballot: 1 }),
        (Box::new(|i| i.tie = vec![]), CountError::TieOrderNotTotal),
        (Box::new(|i| i.tie = vec![TieKey::Lot, TieKey::LowerCost]), CountError::TieOrderNotTotal),
        (Box::new(|i| i.increment = 0), CountError::NonPositiveIncrement),
        (Box::new(|i| i.ballots[0].points = vec![3, 2]), CountError::PointsMismatch { ballot: 1 }),
        (
            Box::new(|i| {
                i.rule = CountingRule::EqualSharesAdd1 { comparison: false };
                for b in &mut i.ballots {
                    b.points = vec![1; b.approvals.len()];
                }
            }),
            CountError::EqualSharesWithPoints,
        ),
        (Box::new(|i| i.ballots[0].weight = u32::MAX), CountError::TooManyVotes),
    ];
    for (change, want) in cases {
        let mut input = base.clone();
        change(&mut input);
        assert_eq!(count(&input).unwrap_err(), want);
    }
}

#[test]
fn cumulative_ballots_count_by_points() {
    let mut input = example(CountingRule::Greedy { min_votes: 0 });
    input.ballots = vec![
        CountBallot { weight: 1, approvals: vec![1, 3], points: vec![5, 1] },
        CountBallot { weight: 2, approvals: vec![0], points: vec![2] },
    ];
    let out = count(&input).unwrap();
    // Project 2 has 5 points, project 1 has 4: 2 first, then 1 does not fit.
    assert_eq!(out.points, vec![4, 5, 0, 1]);
    assert_eq!(out.selected, vec![2, 4, 3]);
}

#[test]
fn the_trace_reads_in_polish_and_english() {
    let out = count(&example(CountingRule::EqualSharesAdd1 { comparison: true })).unwrap();
    let pick = out.trace.iter().find(|s| matches!(s, TraceStep::MesPick { .. })).unwrap();
    let pl = describe(pick, Lang::Pl);
    assert!(pl.starts_with("Projekt "), "{pl}");
    assert!(pl.contains(" zł"), "{pl}");
    assert!(describe(pick, Lang::En).starts_with("Project "));
    let json = serde_json::to_value(pick).unwrap();
    assert_eq!(json["step"], "mes_pick");
    assert!(json["payment"]["exact"].as_str().unwrap().contains('/'));
    assert!(out.trace.iter().any(|s| matches!(s, TraceStep::Comparison { .. })));
    let step = TraceStep::MesPick {
        project: 12,
        cost: 600_000,
        rho: "1/143".into(),
        payment: trace::Money { exact: "4196/1".into(), grosze: 4196 },
        rich: 143,
        poor: 3,
        left: 1_234_567,
    };
    assert_eq!(
        describe(&step, Lang::Pl),
        "Projekt 12 (6 000,00 zł): 143 zwolenników zapłaciło po 41,96 zł, 3 oddało całe pozostałe środki; w puli zostaje 12 345,67 zł."
    );
    assert_eq!(
        describe(&step, Lang::En),
        "Project 12 (PLN 6,000.00): 143 supporters paid PLN 41.96 each, 3 gave all they had left; PLN 12,345.67 left in the pool."
    );
}

#[test]
fn the_counting_rule_keeps_its_wire_form() {
    let json = serde_json::to_string(&CountingRule::EqualSharesAdd1 { comparison: true }).unwrap();
    assert_eq!(json, r#"{"rule":"equal_shares_add1","comparison":true}"#);
    assert_eq!(serde_json::to_string(&TieKey::LowerCost).unwrap(), r#""lower_cost""#);
}

#[test]
fn no_floats_in_the_count() {
    // docs/plans/issue-15.md §0: counting is exact; a float would round.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/budget/count");
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in ["f64", "f32", " as f"] {
            assert!(!text.contains(needle), "{} holds {needle:?}", path.display());
        }
        read += 1;
    }
    assert!(read >= 6);
}

/// Random small instances for the properties.
fn instances() -> impl Strategy<Value = CountInput> {
    (1usize..9, 0usize..30).prop_flat_map(|(n, voters)| {
        (
            prop::collection::vec(1i64..20, n),
            prop::collection::vec((1u32..4, prop::collection::btree_set(0..n as u16, 0..=n)), voters),
            0i64..100,
            Just(n),
        )
            .prop_map(|(costs, ballots, share, n)| {
                let total: i64 = costs.iter().sum::<i64>() * 1000;
                CountInput {
                    budget: total * share / 100,
                    projects: (0..n).map(|i| CountProject { id: 100 + i as i64, cost: costs[i] * 1000, lot_rank: (n - i) as u32 }).collect(),
                    ballots: ballots
                        .into_iter()
                        .map(|(weight, set)| CountBallot { weight, approvals: set.into_iter().collect(), points: vec![] })
                        .collect(),
                    tie: DEFAULT_TIE.to_vec(),
                    rule: CountingRule::EqualSharesAdd1 { comparison: false },
                    increment: 1000,
                }
            })
    })
}

fn index_of(input: &CountInput, id: i64) -> usize {
    input.projects.iter().position(|p| p.id == id).unwrap()
}

proptest! {
    #[test]
    fn greedy_never_overspends_and_skips_only_what_does_not_fit(mut input in instances(), min_votes in 0u32..4) {
        input.rule = CountingRule::Greedy { min_votes };
        let out = count(&input).unwrap();
        prop_assert!(out.spent <= input.budget);
        let left = input.budget - out.spent;
        for (i, p) in input.projects.iter().enumerate() {
            if !out.selected.contains(&p.id) && out.votes[i] >= min_votes {
                prop_assert!(p.cost > left, "an eligible project fits in what is left");
            }
            if out.selected.contains(&p.id) {
                prop_assert!(out.votes[i] >= min_votes);
            }
        }
    }

    #[test]
    fn mes_payments_stay_within_budgets_and_pay_each_cost(input in instances()) {
        let tally = tally(&input).unwrap();
        let tie = TieOrder::new(&input, &tally);
        let profile = Profile::new(&input);
        prop_assume!(profile.voters > 0);
        let start = BigRational::new(BigInt::from(input.budget), BigInt::from(profile.voters));
        let picks = equal_shares(&input, &profile, &tie, &start);
        // Replay the payments voter group by voter group.
        let mut money = vec![start.clone(); profile.weight.len()];
        for pick in &picks {
            let mut paid = BigRational::from_integer(BigInt::from(0));
            for &g in &profile.supporters[pick.project] {
                let g = g as usize;
                let pay = if money[g] < pick.payment { money[g].clone() } else { pick.payment.clone() };
                prop_assert!(pay >= BigRational::from_integer(BigInt::from(0)));
                money[g] -= &pay;
                paid += pay * BigInt::from(profile.weight[g]);
            }
            prop_assert_eq!(paid, BigRational::from_integer(BigInt::from(input.projects[pick.project].cost)));
        }
        let spent: i64 = picks.iter().map(|p| input.projects[p.project].cost).sum();
        prop_assert!(spent <= input.budget);
    }

    #[test]
    fn add1_is_feasible_and_equals_plain_mes_when_that_is_exhaustive(input in instances()) {
        let out = count(&input).unwrap();
        prop_assert!(out.spent <= input.budget);
        let tally = tally(&input).unwrap();
        let tie = TieOrder::new(&input, &tally);
        let profile = Profile::new(&input);
        prop_assume!(profile.voters > 0);
        let start = BigRational::new(BigInt::from(input.budget), BigInt::from(profile.voters));
        let plain: Vec<usize> = equal_shares(&input, &profile, &tie, &start).iter().map(|p| p.project).collect();
        let plain_spent: i64 = plain.iter().map(|&p| input.projects[p].cost).sum();
        let exhaustive = (0..input.projects.len())
            .all(|p| plain.contains(&p) || profile.support[p] == 0 || input.projects[p].cost > input.budget - plain_spent);
        if exhaustive {
            let ids: Vec<i64> = plain.iter().map(|&p| input.projects[p].id).collect();
            prop_assert_eq!(&out.selected, &ids);
        }
        for id in &out.selected {
            prop_assert!(out.votes[index_of(&input, *id)] > 0);
        }
    }

    #[test]
    fn the_tie_order_is_total(input in instances()) {
        let tally = tally(&input).unwrap();
        let tie = TieOrder::new(&input, &tally);
        let n = input.projects.len();
        for a in 0..n {
            for b in 0..n {
                prop_assert_eq!(tie.cmp(a, b) == std::cmp::Ordering::Equal, a == b);
                prop_assert_eq!(tie.cmp(a, b), tie.cmp(b, a).reverse());
            }
        }
    }

    #[test]
    fn the_comparison_returns_one_of_the_two_outcomes(mut input in instances()) {
        input.rule = CountingRule::EqualSharesAdd1 { comparison: true };
        let with = count(&input).unwrap();
        input.rule = CountingRule::EqualSharesAdd1 { comparison: false };
        let mes = count(&input).unwrap();
        input.rule = CountingRule::Greedy { min_votes: 0 };
        let greedy = count(&input).unwrap();
        prop_assert!(with.selected == mes.selected || with.selected == greedy.selected);
    }
}
