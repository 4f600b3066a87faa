//! The participatory budget's pure rules: `check_ballot` as a table and as
//! properties (an accepted ballot keeps every limit; `pool_state`'s
//! `can_add` is exactly what `check_ballot` would take), the identity's
//! normalisation (PESEL, names, addresses, phones), `phase_at` across the
//! dates, `may_move`, `validate_settings`, and `Debug` hiding identities.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mm_protocol::budget::count::{CountingRule, TieKey};
use mm_protocol::budget::identity::{
    normalise, normalise_phone, phone_message, MOBILE_PREFIXES, register_message, IdentityKey, NormalIdentity,
};
use mm_protocol::budget::model::*;
use mm_protocol::budget::rules::{check_ballot, pool_state, BallotError, NormalBallot, PickHint};
use proptest::prelude::*;

// ---------------------------------------------------------------- fixtures

const GMINA: i64 = 1;
const AREA_A: i64 = 2;
const AREA_B: i64 = 3;

fn pool(id: i64, kind: PoolKind, amount_grosze: i64) -> Pool {
    Pool {
        id,
        kind,
        name: format!("Pula {id}"),
        amount_grosze,
        localities: if kind == PoolKind::Area { vec![id * 10] } else { vec![] },
        residents: 9000,
        signatures_required: 9,
        counting: CountingRule::Greedy { min_votes: 1 },
    }
}

fn project(id: i64, pool: i64, cost_zl: i64, status: ProjectStatus) -> Project {
    Project {
        id,
        edition: 1,
        pool,
        number: Some(id as u32),
        title: format!("Projekt {id}"),
        description: String::new(),
        cost_grosze: cost_zl * 100,
        category: None,
        location: None,
        photos: vec![],
        status,
        rejection_reason: None,
        history: vec![],
    }
}

/// Gmina-wide pool 1 (1,000 zł: 101..=105 on the ballot, 106 rejected),
/// area pools 2 (500 zł: 201..=203) and 3 (500 zł: 301..=302).
fn edition() -> (Vec<Pool>, Vec<Project>) {
    use ProjectStatus::*;
    let pools = vec![pool(GMINA, PoolKind::GminaWide, 100_000), pool(AREA_A, PoolKind::Area, 50_000), pool(AREA_B, PoolKind::Area, 50_000)];
    let projects = vec![
        project(101, GMINA, 400, OnBallot),
        project(102, GMINA, 300, OnBallot),
        project(103, GMINA, 300, OnBallot),
        project(104, GMINA, 200, OnBallot),
        project(105, GMINA, 100, OnBallot),
        project(106, GMINA, 100, Rejected),
        project(201, AREA_A, 300, OnBallot),
        project(202, AREA_A, 200, OnBallot),
        project(203, AREA_A, 100, OnBallot),
        project(301, AREA_B, 250, OnBallot),
        project(302, AREA_B, 250, OnBallot),
    ];
    (pools, projects)
}

fn approval(min: u8, max: u8) -> EditionSettings {
    EditionSettings { voting: VotingRule::Approval { min, max }, ..Default::default() }
}

fn knapsack() -> EditionSettings {
    EditionSettings { voting: VotingRule::Knapsack, ..Default::default() }
}

fn cumulative(points: u16, min_projects: u8, max_per_project: u16) -> EditionSettings {
    EditionSettings { voting: VotingRule::Cumulative { points, min_projects, max_per_project }, ..Default::default() }
}

/// A project and its points, as a test writes a choice.
type Pick = (i64, Option<u16>);

fn ballot_of(pools: &[(i64, &[Pick])]) -> BallotInput {
    BallotInput {
        identity: IdentityInput::default(),
        sms: None,
        residence_declared: true,
        pools: pools
            .iter()
            .map(|(pool, cs)| PoolChoice {
                pool: *pool,
                projects: cs.iter().map(|&(project, points)| Choice { project, points }).collect(),
            })
            .collect(),
    }
}

/// Approval/knapsack choices (no points).
fn ballot(pools: &[(i64, &[i64])]) -> BallotInput {
    let with: Vec<(i64, Vec<Pick>)> =
        pools.iter().map(|(p, ids)| (*p, ids.iter().map(|&i| (i, None)).collect())).collect();
    let refs: Vec<(i64, &[Pick])> = with.iter().map(|(p, v)| (*p, v.as_slice())).collect();
    ballot_of(&refs)
}

// ------------------------------------------------------------ check_ballot

#[test]
fn check_ballot_table() {
    use BallotError::*;
    let (pools, projects) = edition();
    let undeclared = {
        let mut b = ballot(&[(GMINA, &[101])]);
        b.residence_declared = false;
        b
    };
    let cases: Vec<(&str, EditionSettings, BallotInput, Result<(), BallotError>)> = vec![
        ("one in range", approval(1, 3), ballot(&[(GMINA, &[101])]), Ok(())),
        ("max exactly", approval(1, 3), ballot(&[(GMINA, &[101, 102, 103])]), Ok(())),
        ("too many", approval(1, 3), ballot(&[(GMINA, &[101, 102, 103, 104])]), Err(TooMany { pool: GMINA, max: 3 })),
        ("too few", approval(2, 3), ballot(&[(GMINA, &[101])]), Err(TooFew { pool: GMINA, min: 2 })),
        ("an empty pool is skipped", approval(2, 3), ballot(&[(GMINA, &[101, 102]), (AREA_A, &[])]), Ok(())),
        ("empty ballot", approval(1, 3), ballot(&[(GMINA, &[])]), Err(EmptyBallot)),
        ("no pools", approval(1, 3), ballot(&[]), Err(EmptyBallot)),
        ("unknown project", approval(1, 3), ballot(&[(GMINA, &[101, 999])]), Err(UnknownProject { pool: GMINA, index: 1 })),
        ("unknown pool", approval(1, 3), ballot(&[(77, &[101])]), Err(UnknownPool { pool: 77 })),
        ("not on the ballot", approval(1, 3), ballot(&[(GMINA, &[106])]), Err(ProjectNotOnBallot { pool: GMINA, index: 0 })),
        ("another pool's project", approval(1, 3), ballot(&[(GMINA, &[101, 201])]), Err(WrongPool { pool: GMINA, index: 1 })),
        ("duplicate", approval(1, 3), ballot(&[(GMINA, &[101, 102, 101])]), Err(DuplicateProject { pool: GMINA, index: 2 })),
        ("pool twice", approval(1, 3), ballot(&[(GMINA, &[101]), (GMINA, &[102])]), Err(DuplicatePool { pool: GMINA })),
        ("one area pool", approval(1, 3), ballot(&[(GMINA, &[101]), (AREA_A, &[201])]), Ok(())),
        (
            "two area pools",
            approval(1, 3),
            ballot(&[(AREA_A, &[201]), (AREA_B, &[301])]),
            Err(TooManyAreaPools { max: 1 }),
        ),
        (
            "two area pools allowed",
            EditionSettings { area_pools_per_ballot: 2, ..approval(1, 3) },
            ballot(&[(AREA_A, &[201]), (AREA_B, &[301])]),
            Ok(()),
        ),
        ("residence not declared", approval(1, 3), undeclared.clone(), Err(ResidenceNotDeclared)),
        (
            "residence not required",
            EditionSettings { declaration_of_residence: false, ..approval(1, 3) },
            undeclared,
            Ok(()),
        ),
        ("knapsack fits exactly", knapsack(), ballot(&[(GMINA, &[101, 102, 103])]), Ok(())),
        ("knapsack over the pool", knapsack(), ballot(&[(GMINA, &[101, 102, 103, 105])]), Err(OverPool { pool: GMINA })),
        ("knapsack takes no points", knapsack(), ballot_of(&[(GMINA, &[(101, Some(1))])]), Err(PointsPerProject { pool: GMINA, index: 0 })),
        ("approval takes no points", approval(1, 3), ballot_of(&[(GMINA, &[(101, Some(1))])]), Err(PointsPerProject { pool: GMINA, index: 0 })),
        ("points ok", cumulative(5, 2, 3), ballot_of(&[(GMINA, &[(101, Some(3)), (102, Some(2))])]), Ok(())),
        ("points sum over", cumulative(5, 2, 3), ballot_of(&[(GMINA, &[(101, Some(3)), (102, Some(3))])]), Err(PointsSum { pool: GMINA, points: 5 })),
        ("points per project over", cumulative(5, 1, 3), ballot_of(&[(GMINA, &[(101, Some(4))])]), Err(PointsPerProject { pool: GMINA, index: 0 })),
        ("zero points", cumulative(5, 1, 3), ballot_of(&[(GMINA, &[(101, Some(0))])]), Err(PointsPerProject { pool: GMINA, index: 0 })),
        ("missing points", cumulative(5, 1, 3), ballot_of(&[(GMINA, &[(101, None)])]), Err(PointsPerProject { pool: GMINA, index: 0 })),
        ("too few projects", cumulative(5, 2, 3), ballot_of(&[(GMINA, &[(101, Some(3))])]), Err(TooFewProjects { pool: GMINA, min: 2 })),
        // Errors that adding cannot fix come before those it can.
        (
            "too many before too few",
            approval(2, 2),
            ballot(&[(GMINA, &[101]), (AREA_A, &[201, 202, 203])]),
            Err(TooMany { pool: AREA_A, max: 2 }),
        ),
    ];
    for (name, s, b, want) in cases {
        let got = check_ballot(&s, &pools, &projects, &b).map(|_| ());
        assert_eq!(got, want, "{name}");
        if let Err(e) = got {
            let m = e.message();
            assert!(!m.pl.is_empty() && !m.en.is_empty(), "{name}");
            assert!(e.field(&b).is_some(), "{name}: no field");
        }
    }
}

#[test]
fn an_accepted_ballot_comes_back_sorted_without_empty_pools() {
    let (pools, projects) = edition();
    let b = ballot(&[(AREA_A, &[203, 201]), (GMINA, &[105, 101]), (AREA_B, &[])]);
    let n = check_ballot(&approval(1, 3), &pools, &projects, &b).unwrap();
    assert_eq!(
        n,
        NormalBallot {
            pools: vec![
                PoolChoice { pool: GMINA, projects: vec![Choice { project: 101, points: None }, Choice { project: 105, points: None }] },
                PoolChoice { pool: AREA_A, projects: vec![Choice { project: 201, points: None }, Choice { project: 203, points: None }] },
            ]
        }
    );
    assert_eq!(n.choices().count(), 4);
}

#[test]
fn error_fields_point_into_the_ballot() {
    let b = ballot(&[(GMINA, &[101]), (AREA_A, &[201, 999])]);
    let e = BallotError::UnknownProject { pool: AREA_A, index: 1 };
    assert_eq!(e.field(&b).as_deref(), Some("pools[1].projects[1]"));
    assert_eq!(BallotError::TooFew { pool: AREA_A, min: 2 }.field(&b).as_deref(), Some("pools[1]"));
    assert_eq!(BallotError::ResidenceNotDeclared.field(&b).as_deref(), Some("residence_declared"));
    // Errors carry ids and positions, never what the voter typed.
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json, serde_json::json!({"error": "unknown_project", "pool": AREA_A, "index": 1}));
}

#[test]
fn pool_state_for_the_ballot_screen() {
    let (pools, projects) = edition();
    // Knapsack: 1,000 zł; 101 (400) and 102 (300) chosen leave 300 zł.
    let b = ballot(&[(GMINA, &[101, 102])]);
    let st = pool_state(&knapsack(), &pools, &projects, &b, GMINA).unwrap();
    assert_eq!(st.chosen, 2);
    assert_eq!(st.remaining_grosze, Some(30_000));
    assert_eq!(st.remaining_points, None);
    assert_eq!(st.can_add, vec![103, 104, 105]);
    assert_eq!(st.hint, PickHint::MayAddMore);

    // Approval 2..=2: one chosen asks for one more; two is complete.
    let st = pool_state(&approval(2, 2), &pools, &projects, &ballot(&[(GMINA, &[101])]), GMINA).unwrap();
    assert_eq!(st.hint, PickHint::ChooseMore { more: 1 });
    assert_eq!(st.can_add, vec![102, 103, 104, 105]);
    let st = pool_state(&approval(2, 2), &pools, &projects, &ballot(&[(GMINA, &[101, 102])]), GMINA).unwrap();
    assert_eq!(st.hint, PickHint::Complete);
    assert!(st.can_add.is_empty());

    // Cumulative: 5 points, 3 given.
    let b = ballot_of(&[(GMINA, &[(101, Some(3))])]);
    let st = pool_state(&cumulative(5, 1, 3), &pools, &projects, &b, GMINA).unwrap();
    assert_eq!(st.remaining_points, Some(2));
    assert_eq!(st.can_add, vec![102, 103, 104, 105]);

    // Nothing chosen: skipped; unknown pool: none.
    let st = pool_state(&approval(1, 3), &pools, &projects, &ballot(&[]), AREA_B).unwrap();
    assert_eq!(st.hint, PickHint::Skipped);
    assert_eq!(st.can_add, vec![301, 302]);
    assert!(pool_state(&approval(1, 3), &pools, &projects, &ballot(&[]), 77).is_none());
    for h in [PickHint::Skipped, PickHint::Complete, PickHint::ChooseMore { more: 2 }, PickHint::AreaLimitReached { max: 1 }] {
        assert!(!h.message().pl.is_empty());
    }
}

// -------------------------------------------------------------- properties

fn settings_strategy() -> impl Strategy<Value = EditionSettings> {
    let voting = prop_oneof![
        (0u8..4, 0u8..5).prop_map(|(min, max)| VotingRule::Approval { min, max }),
        Just(VotingRule::Knapsack),
        (0u16..8, 0u8..4, 0u16..5).prop_map(|(points, min_projects, max_per_project)| VotingRule::Cumulative {
            points,
            min_projects,
            max_per_project
        }),
    ];
    (voting, 0u8..3, any::<bool>()).prop_map(|(voting, area_pools_per_ballot, declaration_of_residence)| EditionSettings {
        voting,
        area_pools_per_ballot,
        declaration_of_residence,
        ..Default::default()
    })
}

/// Ballots drawn over the edition's projects and a few unknown ids, with
/// duplicates, wrong pools, missing or odd points.
fn ballot_strategy() -> impl Strategy<Value = BallotInput> {
    let choice = (
        prop_oneof![Just(101i64), Just(102), Just(103), Just(104), Just(105), Just(106), Just(201), Just(202), Just(203), Just(301), Just(302), Just(999)],
        prop_oneof![3 => Just(None), 2 => (0u16..5).prop_map(Some)],
    )
        .prop_map(|(project, points)| Choice { project, points });
    let pool_choice = (prop_oneof![5 => Just(GMINA), 3 => Just(AREA_A), 3 => Just(AREA_B), 1 => Just(77i64)], prop::collection::vec(choice, 0..5))
        .prop_map(|(pool, projects)| PoolChoice { pool, projects });
    (prop::collection::vec(pool_choice, 0..4), any::<bool>()).prop_map(|(pools, residence_declared)| BallotInput {
        identity: IdentityInput::default(),
        sms: None,
        residence_declared,
        pools,
    })
}

/// Ballots likelier to be valid: each pool once, its own projects.
fn plausible_ballot_strategy() -> impl Strategy<Value = BallotInput> {
    let pick = |ids: Vec<i64>| prop::sample::subsequence(ids.clone(), 0..=ids.len()).prop_shuffle();
    (
        pick(vec![101, 102, 103, 104, 105]),
        pick(vec![201, 202, 203]),
        pick(vec![301, 302]),
        prop::collection::vec(0u16..4, 5),
    )
        .prop_map(|(g, a, b, points)| {
            let mk = |pool: i64, ids: Vec<i64>| PoolChoice {
                pool,
                projects: ids.iter().zip(&points).map(|(&project, &p)| Choice { project, points: Some(p) }).collect(),
            };
            BallotInput { identity: IdentityInput::default(), sms: None, residence_declared: true, pools: vec![mk(GMINA, g), mk(AREA_A, a), mk(AREA_B, b)] }
        })
}

/// The ballot as a shell builds it when the resident taps `project` in `pool`.
fn with_added(b: &BallotInput, s: &EditionSettings, pool: i64, project: i64) -> BallotInput {
    let mut b = b.clone();
    let points = matches!(s.voting, VotingRule::Cumulative { .. }).then_some(1);
    let c = Choice { project, points };
    match b.pools.iter_mut().find(|p| p.pool == pool) {
        Some(pc) => pc.projects.push(c),
        None => b.pools.push(PoolChoice { pool, projects: vec![c] }),
    }
    b
}

/// Points as the rule wants them: kept under cumulative, dropped otherwise.
fn fit_points(mut b: BallotInput, s: &EditionSettings) -> BallotInput {
    if !matches!(s.voting, VotingRule::Cumulative { .. }) {
        for pc in &mut b.pools {
            for c in &mut pc.projects {
                c.points = None;
            }
        }
    }
    b
}

fn assert_keeps_limits(s: &EditionSettings, pools: &[Pool], projects: &[Project], n: &NormalBallot) -> Result<(), TestCaseError> {
    let mut areas = 0;
    for pc in &n.pools {
        let pool = pools.iter().find(|p| p.id == pc.pool).unwrap();
        prop_assert!(!pc.projects.is_empty());
        prop_assert!(pc.projects.windows(2).all(|w| w[0].project < w[1].project), "sorted, no duplicates");
        if pool.kind == PoolKind::Area {
            areas += 1;
        }
        let chosen: Vec<&Project> = pc.projects.iter().map(|c| projects.iter().find(|p| p.id == c.project).unwrap()).collect();
        prop_assert!(chosen.iter().all(|p| p.pool == pool.id && p.status == ProjectStatus::OnBallot));
        let n = pc.projects.len();
        match s.voting {
            VotingRule::Approval { min, max } => prop_assert!(n >= usize::from(min) && n <= usize::from(max)),
            VotingRule::Knapsack => prop_assert!(chosen.iter().map(|p| p.cost_grosze).sum::<i64>() <= pool.amount_grosze),
            VotingRule::Cumulative { points, min_projects, max_per_project } => {
                let given: Vec<u16> = pc.projects.iter().map(|c| c.points.unwrap()).collect();
                prop_assert!(given.iter().all(|&p| p >= 1 && p <= max_per_project));
                prop_assert!(given.iter().map(|&p| u32::from(p)).sum::<u32>() <= u32::from(points));
                prop_assert!(n >= usize::from(min_projects));
            }
        }
    }
    prop_assert!(areas <= usize::from(s.area_pools_per_ballot));
    prop_assert!(!n.pools.is_empty());
    Ok(())
}

fn accepts(r: &Result<NormalBallot, BallotError>) -> bool {
    match r {
        Ok(_) => true,
        Err(e) => e.is_incomplete(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever comes in, an accepted ballot never exceeds a pool, the
    /// maximum, the points, or the area pools allowed.
    #[test]
    fn an_accepted_ballot_keeps_every_limit(s in settings_strategy(), b in ballot_strategy()) {
        let (pools, projects) = edition();
        if let Ok(n) = check_ballot(&s, &pools, &projects, &b) {
            assert_keeps_limits(&s, &pools, &projects, &n)?;
            prop_assert!(b.residence_declared || !s.declaration_of_residence);
        }
    }

    #[test]
    fn an_accepted_plausible_ballot_keeps_every_limit(s in settings_strategy(), b in plausible_ballot_strategy()) {
        let (pools, projects) = edition();
        let b = fit_points(b, &s);
        if let Ok(n) = check_ballot(&s, &pools, &projects, &b) {
            assert_keeps_limits(&s, &pools, &projects, &n)?;
        }
    }

    /// `can_add` is exactly the projects whose addition `check_ballot`
    /// takes (accepted, or refused only for something still incomplete).
    #[test]
    fn can_add_is_what_check_ballot_takes(s in settings_strategy(), b in prop_oneof![ballot_strategy(), plausible_ballot_strategy()], pool in prop_oneof![Just(GMINA), Just(AREA_A), Just(AREA_B)]) {
        let (pools, projects) = edition();
        let b = fit_points(b, &s);
        let st = pool_state(&s, &pools, &projects, &b, pool).unwrap();
        for p in projects.iter().map(|p| p.id).chain([999]) {
            let takes = accepts(&check_ballot(&s, &pools, &projects, &with_added(&b, &s, pool, p)));
            prop_assert_eq!(st.can_add.contains(&p), takes, "project {} pool {} ballot {:?}", p, pool, b);
        }
    }

    /// Every accepted form of one number normalises the same.
    #[test]
    fn a_phone_in_any_accepted_form_normalises_the_same(range in 0usize..13, rest in 0u32..10_000_000, form in 0usize..7) {
        let d = format!("{}{rest:07}", MOBILE_PREFIXES[range]);
        let typed = match form {
            0 => d.clone(),
            1 => format!("{} {} {}", &d[..3], &d[3..6], &d[6..]),
            2 => format!("{}-{}-{}", &d[..3], &d[3..6], &d[6..]),
            3 => format!("+48 {d}"),
            4 => format!("0048{d}"),
            5 => format!("48{d}"),
            _ => format!("(+48) {}-{}-{}", &d[..3], &d[3..6], &d[6..]),
        };
        let n = normalise_phone(&typed).unwrap();
        prop_assert_eq!(n.as_str(), format!("+48{d}"));
    }
}

// ----------------------------------------------------------- identity

/// A PESEL's check digit for its first ten digits.
fn with_check_digit(ten: &str) -> String {
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let s: u32 = ten.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{ten}{}", (10 - s % 10) % 10)
}

fn person(pesel: Option<&str>, address: Option<Address>) -> IdentityInput {
    IdentityInput {
        first_name: "Jan".into(),
        last_name: "Kowalski".into(),
        pesel: pesel.map(String::from),
        address,
        phone: None,
    }
}

fn address(street: &str, house: &str, flat: Option<&str>) -> Address {
    Address { locality: 20, street: street.into(), house: house.into(), flat: flat.map(String::from) }
}

#[test]
fn pesel_with_spaces_checksum_and_date() {
    let pesel = "44051401359";
    let n = normalise(IdentityMode::Pesel, &person(Some(" 440 514 013 59 "), None)).unwrap();
    assert_eq!(n.key, IdentityKey::Pesel(pesel.into()));
    // A wrong check digit.
    assert_eq!(normalise(IdentityMode::Pesel, &person(Some("44051401358"), None)).unwrap_err().field, "pesel");
    // The checksum holds but 30 February 1990 does not exist.
    let feb30 = with_check_digit("9002300123");
    assert_eq!(normalise(IdentityMode::Pesel, &person(Some(&feb30), None)).unwrap_err().field, "pesel");
    // A child born in 2012 (month + 20).
    let child = with_check_digit("1222150123");
    assert!(normalise(IdentityMode::Pesel, &person(Some(&child), None)).is_ok());
    for bad in [None, Some(""), Some("4405140135"), Some("440514013591"), Some("4405140135x")] {
        assert_eq!(normalise(IdentityMode::Pesel, &person(bad, None)).unwrap_err().field, "pesel", "{bad:?}");
    }
}

#[test]
fn names_typed_differently_normalise_the_same() {
    let online = IdentityInput { first_name: "  Zażółć ".into(), last_name: "Gęślą  -  Jaźń".into(), ..person(Some("44051401359"), None) };
    // Decomposed letters (NFD), tabs and no ogonki, as an official might type them.
    let nfd = IdentityInput { first_name: "Zaz\u{307}o\u{301}ł\u{0107}".into(), last_name: "Gęślą\t-Jaźń".into(), ..online.clone() };
    let paper = IdentityInput { first_name: "ZAZOLC".into(), last_name: "gesla-jazn".into(), ..online.clone() };
    let a = normalise(IdentityMode::Pesel, &online).unwrap();
    for other in [&nfd, &paper] {
        let b = normalise(IdentityMode::Pesel, other).unwrap();
        assert_eq!((&a.first_name, &a.last_name), (&b.first_name, &b.last_name));
    }
    assert_eq!(a.first_name, "zazolc");
    assert_eq!(a.last_name, "gesla-jazn");
    assert_eq!(
        normalise(IdentityMode::Pesel, &IdentityInput { last_name: "Maria  Anna  Nowak- Kowalska".into(), ..online.clone() }).unwrap().last_name,
        "maria anna nowak-kowalska"
    );
    for bad in ["", "   ", "J4n", "Jan\u{0}", "-", "jan@example.com"] {
        let e = normalise(IdentityMode::Pesel, &IdentityInput { first_name: bad.into(), ..online.clone() }).unwrap_err();
        assert_eq!(e.field, "first_name", "{bad:?}");
    }
    assert_eq!(
        normalise(IdentityMode::Pesel, &IdentityInput { last_name: "x".repeat(101), ..online.clone() }).unwrap_err().field,
        "last_name"
    );
    // O'Brien with a typographic apostrophe is O'Brien.
    let ob = |s: &str| normalise(IdentityMode::Pesel, &IdentityInput { last_name: s.into(), ..online.clone() }).unwrap().last_name;
    assert_eq!(ob("O’Brien"), ob("o'brien"));
}

#[test]
fn addresses_typed_differently_key_the_same() {
    let key = |a: Address| {
        let n = normalise(IdentityMode::NameAddress, &person(None, Some(a))).unwrap();
        register_message(5, &n)
    };
    let reference = key(address("Główna", "12a", None));
    for (street, house, flat) in [
        ("ul. Główna", "12 A", None),
        ("ul.Glowna", "12A", Some("")),
        ("  ULICA  główna ", " 12 a ", Some("  ")),
        ("Ul Główna", "12a", None),
    ] {
        assert_eq!(key(address(street, house, flat)), reference, "{street:?} {house:?} {flat:?}");
    }
    assert_ne!(key(address("Główna", "12a", Some("3"))), reference);
    assert_ne!(key(address("Ulańska", "12a", None)), reference);
    let n = normalise(IdentityMode::NameAddress, &person(None, Some(address("Ul. 3 Maja", "7 b", Some("m 2"))))).unwrap();
    assert_eq!(
        n.key,
        IdentityKey::Address { locality: 20, street: "3 maja".into(), house: "7B".into(), flat: "M2".into() }
    );
    // A village without streets.
    assert!(normalise(IdentityMode::NameAddress, &person(None, Some(address("", "15", None)))).is_ok());

    let field = |a: Option<Address>| normalise(IdentityMode::NameAddress, &person(None, a)).unwrap_err().field;
    assert_eq!(field(None), "address");
    assert_eq!(field(Some(Address { locality: 0, ..address("Główna", "1", None) })), "address.locality");
    assert_eq!(field(Some(address("Główna", " ", None))), "address.house");
    assert_eq!(field(Some(address("Główna", "1;", None))), "address.house");
    assert_eq!(field(Some(address("Główna", "1", Some("2#")))), "address.flat");
    assert_eq!(field(Some(address("Główna\u{1f}", "1", None))), "address.street");
}

#[test]
fn pesel_mode_keys_on_the_pesel_alone() {
    let a = normalise(IdentityMode::Pesel, &person(Some("44051401359"), None)).unwrap();
    let b = normalise(
        IdentityMode::Pesel,
        &IdentityInput { first_name: "Janina".into(), ..person(Some("44051401359"), None) },
    )
    .unwrap();
    assert_eq!(register_message(1, &a), register_message(1, &b));
    assert_ne!(register_message(1, &a), register_message(2, &a));
    assert_eq!(register_message(1, &a), b"mm-bo-v1\x1f1\x1fpesel\x1f44051401359");
}

#[test]
fn phones_in_every_accepted_form() {
    for typed in [
        "601234567",
        "601 234 567",
        "601-234-567",
        "+48601234567",
        "+48 601 234 567",
        "0048601234567",
        "0048 601-234-567",
        "48601234567",
        "48 601 234 567",
        "(+48) 601 234 567",
    ] {
        assert_eq!(normalise_phone(typed).map(|p| p.as_str().to_string()).as_deref(), Some("+48601234567"), "{typed}");
    }
    for bad in ["", "60123456", "6012345678", "0601234567", "060123456", "+49601234567", "+4860123456x", "601.234.567", "+48 0601234567"] {
        assert!(normalise_phone(bad).is_none(), "{bad}");
    }
    // Not mobile numbers: a Wrocław landline, premium-rate 703, free-phone
    // 800, and the unassigned 99x (SMS-pumping targets and dead ends).
    for not_mobile in ["71 123 45 67", "+48 703 123 456", "800 123 456", "991234567", "123456789"] {
        assert!(normalise_phone(not_mobile).is_none(), "{not_mobile}");
    }
    for mobile in ["450 123 456", "500 600 700", "889 123 456", "730 000 000"] {
        assert!(normalise_phone(mobile).is_some(), "{mobile}");
    }
    let p = normalise_phone("601 234 567").unwrap();
    assert_eq!(phone_message(3, &p), b"mm-bo-v1\x1f3\x1fphone\x1f+48601234567");
    let with_phone = IdentityInput { phone: Some("601 234 567 ".into()), ..person(Some("44051401359"), None) };
    assert_eq!(normalise(IdentityMode::Pesel, &with_phone).unwrap().phone, Some(p));
    let bad_phone = IdentityInput { phone: Some("123".into()), ..person(Some("44051401359"), None) };
    assert_eq!(normalise(IdentityMode::Pesel, &bad_phone).unwrap_err().field, "phone");
}

#[test]
fn identity_errors_have_messages_for_each_field() {
    for field in ["first_name", "last_name", "pesel", "address", "address.locality", "address.street", "address.house", "address.flat", "phone"] {
        let e = mm_protocol::budget::identity::IdentityError { field };
        assert_ne!(e.message(), mm_protocol::budget::identity::IdentityError { field: "?" }.message(), "{field}");
    }
}

// --------------------------------------------------------------- redaction

#[test]
fn debug_never_prints_an_identity() {
    let secrets = ["Zażółć", "Kowalski", "44051401359", "Główna", "12a", "601234567", "1234", "SECRETRCPT", "zazolc", "kowalski", "glowna"];
    let input = IdentityInput {
        first_name: "Zażółć".into(),
        last_name: "Kowalski".into(),
        pesel: Some("44051401359".into()),
        address: Some(address("Główna", "12a", Some("1234"))),
        phone: Some("601234567".into()),
    };
    let b = BallotInput {
        identity: input.clone(),
        sms: Some(SmsProof { request_id: "req-1".into(), code: "1234".into() }),
        residence_declared: true,
        pools: vec![PoolChoice { pool: 1, projects: vec![Choice { project: 101, points: None }] }],
    };
    let receipt = BallotReceipt {
        ballot_id: 9,
        receipt_code: "SECRETRCPT".into(),
        cast_at: at(5),
        channel: BallotChannel::Online,
        pools: vec![],
    };
    let normal_pesel = normalise(IdentityMode::Pesel, &input).unwrap();
    let normal_addr = normalise(IdentityMode::NameAddress, &input).unwrap();
    let texts = [
        format!("{input:?}"),
        format!("{input:#?}"),
        format!("{b:?}"),
        format!("{:?}", input.address.as_ref().unwrap()),
        format!("{:?}", b.sms.as_ref().unwrap()),
        format!("{receipt:?}"),
        format!("{normal_pesel:?}"),
        format!("{normal_addr:?}"),
        format!("{:?}", normal_addr.key),
        format!("{:?}", normal_addr.phone),
    ];
    for text in &texts {
        assert!(text.contains("***"), "{text}");
        for s in secrets {
            assert!(!text.contains(s), "{s} in {text}");
        }
    }
    // What is not personal stays readable.
    assert!(texts[2].contains("101") && texts[2].contains("req-1"));
    let _: &NormalIdentity = &normal_pesel;
}

// ------------------------------------------------------------------ phases

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

fn dates() -> PhaseDates {
    PhaseDates {
        submission_from: at(2),
        submission_to: at(10),
        verification_to: at(15),
        appeal_to: at(18),
        voting_from: at(20),
        voting_to: at(25),
    }
}

#[test]
fn phase_at_across_the_dates() {
    let d = dates();
    let s = Duration::seconds(1);
    let cases = [
        (at(1), false, Phase::Announced),
        (at(2) - s, false, Phase::Announced),
        (at(2), false, Phase::Submission),
        (at(10) - s, false, Phase::Submission),
        (at(10), false, Phase::Verification),
        (at(16), false, Phase::Verification),
        (at(19), false, Phase::Verification),
        (at(20) - s, false, Phase::Verification),
        (at(20), false, Phase::Voting),
        (at(25) - s, false, Phase::Voting),
        (at(25), false, Phase::Counting),
        (at(28), false, Phase::Counting),
        (at(28), true, Phase::Results),
        // A flag set too early (a wrong clock) shows no result while the vote runs.
        (at(22), true, Phase::Voting),
    ];
    for (now, published, want) in cases {
        assert_eq!(phase_at(&d, published, now), want, "{now} {published}");
    }
    assert!(d.may_appeal(at(18) - s));
    assert!(!d.may_appeal(at(18)));
    assert_eq!(d.validate(), Ok(()));
    let bad = PhaseDates { voting_from: at(17), ..d };
    assert_eq!(bad.validate().unwrap_err().field, "dates.voting_from");
    let bad = PhaseDates { voting_to: at(20), ..d };
    assert_eq!(bad.validate().unwrap_err().field, "dates.voting_to");
}

// ---------------------------------------------------------------- may_move

#[test]
fn may_move_table() {
    use ProjectStatus::*;
    let all = [Submitted, UnderVerification, Rejected, Appealed, OnBallot, Selected, NotSelected];
    let allowed = [
        (Submitted, UnderVerification),
        (UnderVerification, OnBallot),
        (UnderVerification, Rejected),
        (Rejected, Appealed),
        (Appealed, OnBallot),
        (Appealed, Rejected),
        (OnBallot, Selected),
        (OnBallot, NotSelected),
    ];
    for from in all {
        for to in all {
            assert_eq!(ProjectStatus::may_move(from, to), allowed.contains(&(from, to)), "{from:?} -> {to:?}");
        }
    }
}

// ------------------------------------------------------- validate_settings

/// Name, settings, pools, and the refused field and reason (or none).
type SettingsCase<'a> = (&'a str, EditionSettings, Vec<Pool>, Option<(&'a str, SettingsReason)>);

#[test]
fn validate_settings_table() {
    let (pools, _) = edition();
    let mes = |p: Pool| Pool { counting: CountingRule::EqualSharesAdd1 { comparison: false }, ..p };
    let with_pool = |f: &dyn Fn(Pool) -> Pool| {
        let mut ps = pools.clone();
        ps[1] = f(ps[1].clone());
        ps
    };
    let ok = EditionSettings::default();
    let cases: Vec<SettingsCase<'_>> = vec![
        ("defaults", ok.clone(), pools.clone(), None),
        ("approval 0..0", approval(0, 0), pools.clone(), Some(("voting.max", SettingsReason::Zero))),
        ("approval 3..2", approval(3, 2), pools.clone(), Some(("voting.min", SettingsReason::MinAboveMax))),
        ("approval 2..2", approval(2, 2), pools.clone(), None),
        ("knapsack", knapsack(), with_pool(&mes), None),
        ("cumulative", cumulative(10, 1, 5), pools.clone(), None),
        ("cumulative no points", cumulative(0, 0, 0), pools.clone(), Some(("voting.points", SettingsReason::Zero))),
        ("cumulative per project above all", cumulative(3, 1, 4), pools.clone(), Some(("voting.max_per_project", SettingsReason::MinAboveMax))),
        ("MES with points", cumulative(10, 1, 5), with_pool(&mes), Some(("pools[1].counting", SettingsReason::EqualSharesNeedsApproval))),
        ("MES with approval", ok.clone(), with_pool(&mes), None),
        (
            "signatures at 0.1 %",
            ok.clone(),
            with_pool(&|p| Pool { residents: 9999, signatures_required: 9, ..p }),
            None,
        ),
        (
            "signatures above 0.1 %",
            ok.clone(),
            with_pool(&|p| Pool { residents: 9999, signatures_required: 10, ..p }),
            Some(("pools[1].signatures_required", SettingsReason::SignaturesAboveLimit { limit: 9 })),
        ),
        (
            "an area under 1,000 requires none",
            ok.clone(),
            with_pool(&|p| Pool { residents: 999, signatures_required: 1, ..p }),
            Some(("pools[1].signatures_required", SettingsReason::SignaturesAboveLimit { limit: 0 })),
        ),
        ("grosze in a pool", ok.clone(), with_pool(&|p| Pool { amount_grosze: 100_050, ..p }), Some(("pools[1].amount_grosze", SettingsReason::NotWholeZloty))),
        ("a zero pool", ok.clone(), with_pool(&|p| Pool { amount_grosze: 0, ..p }), Some(("pools[1].amount_grosze", SettingsReason::NotPositive))),
        ("a negative pool", ok.clone(), with_pool(&|p| Pool { amount_grosze: -100, ..p }), Some(("pools[1].amount_grosze", SettingsReason::NotPositive))),
        ("an area without localities", ok.clone(), with_pool(&|p| Pool { localities: vec![], ..p }), Some(("pools[1].localities", SettingsReason::NoLocalities))),
        ("the same pool twice", ok.clone(), with_pool(&|p| Pool { id: GMINA, ..p }), Some(("pools[1].id", SettingsReason::DuplicatePool))),
        ("no pools", ok.clone(), vec![], Some(("pools", SettingsReason::NoPools))),
        (
            "tie-break without the lot",
            EditionSettings { tie_break: vec![TieKey::LowerCost, TieKey::MoreVotes], ..ok.clone() },
            pools.clone(),
            Some(("tie_break", SettingsReason::TieBreakWithoutLot)),
        ),
        (
            "tie-break lot only",
            EditionSettings { tie_break: vec![TieKey::Lot], ..ok.clone() },
            pools.clone(),
            None,
        ),
        (
            "tie-break repeated",
            EditionSettings { tie_break: vec![TieKey::Lot, TieKey::Lot], ..ok.clone() },
            pools.clone(),
            Some(("tie_break", SettingsReason::TieBreakRepeated)),
        ),
        (
            "Add1 step in grosze",
            EditionSettings { add1_increment_grosze: 50, ..ok.clone() },
            pools.clone(),
            Some(("add1_increment_grosze", SettingsReason::NotWholeZloty)),
        ),
        (
            "no area pool per ballot",
            EditionSettings { area_pools_per_ballot: 0, ..ok.clone() },
            pools.clone(),
            Some(("area_pools_per_ballot", SettingsReason::Zero)),
        ),
        (
            "SMS with no voter per phone",
            EditionSettings { sms: true, max_voters_per_phone: 0, ..ok.clone() },
            pools.clone(),
            Some(("max_voters_per_phone", SettingsReason::Zero)),
        ),
        (
            "no retention",
            EditionSettings { retention_years: 0, ..ok.clone() },
            pools.clone(),
            Some(("retention_years", SettingsReason::Zero)),
        ),
    ];
    for (name, s, ps, want) in cases {
        let got = validate_settings(&s, &ps);
        match want {
            None => assert_eq!(got, Ok(()), "{name}"),
            Some((field, reason)) => {
                let e = got.expect_err(name);
                assert_eq!((e.field.as_str(), e.reason), (field, reason), "{name}");
                assert!(!e.message().pl.is_empty() && !e.message().en.is_empty());
            }
        }
    }
    assert_eq!(validate_amount("cost_grosze", 12_345_600), Ok(()));
    assert_eq!(validate_amount("cost_grosze", 12_345_601).unwrap_err().reason, SettingsReason::NotWholeZloty);
    assert_eq!(max_signatures(25_000), 25);
}

#[test]
fn settings_defaults() {
    let s = EditionSettings::default();
    assert_eq!(s.tie_break, vec![TieKey::LowerCost, TieKey::MoreVotes, TieKey::Lot]);
    assert_eq!((s.max_voters_per_phone, s.add1_increment_grosze, s.retention_years, s.area_pools_per_ballot), (5, 100, 5, 1));
    assert_eq!(s.identity, IdentityMode::NameAddress);
    assert!(s.declaration_of_residence);
    let rule_texts = [approval(1, 3).voting, approval(2, 2).voting, knapsack().voting, cumulative(10, 2, 5).voting].map(|v| v.message());
    assert_eq!(rule_texts[0].pl, "Wybierz od 1 do 3 projektów.");
    assert_eq!(rule_texts[1].pl, "Wybierz 2 projekty.");
}
