//! The participatory budget's store (issue 15, `store/budget.rs`) on the
//! test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! an edition's life from submission to published results, each status
//! move as `ProjectStatus::may_move` allows with its history row, every
//! official's write audited with ids only, refused writes changing
//! nothing, and gminas seeing nothing of each other.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::backend::open_store;
use mm_protocol::budget::count::{CountOutcome, CountingRule, TraceStep};
use mm_protocol::budget::model::{
    BallotChannel, EditionSettings, Phase, PhaseDates, Pool, PoolKind, Project, ProjectLocation,
    ProjectStatus,
};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use mm_server::store::budget::{
    Decision, Deciding, NewEdition, NewProject, PoolCount, ProjectFilter, ProposerContact, Submitted, Verification,
};
use mm_server::store::{Actor, Conflict, IdempotencyKey, Store, StoreError};

const A: &str = "0223083";
const B: &str = "0223011";
/// One złoty in grosze.
const ZL: i64 = 100;

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 10, 0, 0).unwrap()
}

/// Submission in March, verification in April, appeals until 15 May,
/// voting 1–15 June.
fn dates() -> PhaseDates {
    PhaseDates {
        submission_from: at(3, 1),
        submission_to: at(4, 1),
        verification_to: at(5, 1),
        appeal_to: at(5, 15),
        voting_from: at(6, 1),
        voting_to: at(6, 15),
    }
}

fn official() -> Actor {
    Actor("bo-official".into())
}

fn teryt(code: &str) -> Teryt {
    Teryt::parse(code).unwrap()
}

async fn gminas(root: &dyn Store) -> (Arc<dyn Store>, Arc<dyn Store>) {
    root.add_gmina(official(), common::gmina_record(A, "Siechnice"), at(1, 1)).await.unwrap();
    root.add_gmina(official(), common::gmina_record(B, "Kobierzyce"), at(1, 1)).await.unwrap();
    (root.for_gmina(&teryt(A)), root.for_gmina(&teryt(B)))
}

fn pool(name: &str, kind: PoolKind, signatures: u32) -> Pool {
    Pool {
        id: 0,
        kind,
        name: name.into(),
        amount_grosze: 100_000 * ZL,
        localities: if kind == PoolKind::Area { vec![1] } else { vec![] },
        residents: 25_000,
        signatures_required: signatures,
        counting: CountingRule::Greedy { min_votes: 1 },
    }
}

/// An edition of gmina `s` with a gmina-wide pool (no signatures needed)
/// and an area pool (2 signatures needed).
async fn edition(s: &dyn Store) -> (i64, i64, i64) {
    let e = s
        .create_edition(
            official(),
            NewEdition { year: 2026, title: "BO 2026".into(), dates: dates(), settings: EditionSettings::default() },
            at(2, 1),
        )
        .await
        .unwrap();
    let wide = s.upsert_pool(official(), e.id, pool("Ogólnogminna", PoolKind::GminaWide, 0), at(2, 1)).await.unwrap();
    let area = s.upsert_pool(official(), e.id, pool("Radwanice", PoolKind::Area, 2), at(2, 1)).await.unwrap();
    (e.id, wide.id, area.id)
}

fn new_project(edition: i64, pool: i64, title: &str) -> NewProject {
    NewProject {
        edition,
        pool,
        title: title.into(),
        description: format!("{title}: opis"),
        cost_grosze: 20_000 * ZL,
        category: Some("zieleń".into()),
        location: Some(ProjectLocation::Point(GeoPoint { lat: 51.03, lon: 17.13 })),
        photos: vec![],
        contact: Some(ProposerContact { name: "Anna Nowak".into(), email: Some("anna@example.pl".into()), phone: None }),
    }
}

async fn submit(s: &dyn Store, device: &str, edition: i64, pool: i64, title: &str) -> Project {
    match s.submit_project(device, new_project(edition, pool, title), None, at(3, 10)).await.unwrap() {
        Submitted::New(p) => p,
        other => panic!("not new: {other:?}"),
    }
}

fn assessment(decision: Decision) -> Verification {
    Verification { legal: true, feasible: true, estimate_grosze: Some(25_000 * ZL), department: Some("WIK".into()), decision }
}

fn statuses(p: &Project) -> Vec<ProjectStatus> {
    p.history.iter().map(|h| h.status).collect()
}

#[tokio::test]
async fn an_edition_runs_from_submission_to_published_results() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, wide, area) = edition(a.as_ref()).await;

    let ed = a.edition(e, at(3, 10)).await.unwrap().unwrap();
    assert_eq!(ed.phase, Phase::Submission);
    assert_eq!(ed.pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Ogólnogminna", "Radwanice"]);
    assert!(!ed.published_results);
    assert_eq!(a.editions(at(3, 10)).await.unwrap(), vec![ed]);

    // Submission only in its phase.
    let early = a.submit_project("dev-1", new_project(e, wide, "Za wcześnie"), None, at(2, 20)).await.unwrap_err();
    assert!(matches!(early, StoreError::Conflict(Conflict::PhaseClosed)), "{early:?}");
    let other_pool = a.submit_project("dev-1", new_project(e, 999_999, "Zła pula"), None, at(3, 10)).await.unwrap_err();
    assert!(matches!(other_pool, StoreError::UnknownReference { field: "pool" }), "{other_pool:?}");

    let benches = submit(a.as_ref(), "dev-1", e, wide, "Ławki").await;
    let park = submit(a.as_ref(), "dev-2", e, wide, "Park").await;
    let path = submit(a.as_ref(), "dev-3", e, area, "Ścieżka").await;
    let bad = submit(a.as_ref(), "dev-4", e, wide, "Lądowisko").await;
    assert_eq!((benches.status, benches.number), (ProjectStatus::Submitted, None));
    assert_eq!(statuses(&benches), [ProjectStatus::Submitted]);
    let (_, private) = a.project(benches.id).await.unwrap().unwrap();
    assert_eq!(private.proposer_device.as_deref(), Some("dev-1"));
    assert_eq!(private.contact.as_ref().unwrap().name, "Anna Nowak");

    // Verified onto the ballot: through review, the estimate becomes the
    // cost, numbered 1, 2 in the edition.
    let on = a.verify_project(official(), benches.id, assessment(Decision::OnBallot), at(4, 5)).await.unwrap();
    assert_eq!(on.status, ProjectStatus::OnBallot);
    assert_eq!(statuses(&on), [ProjectStatus::Submitted, ProjectStatus::UnderVerification, ProjectStatus::OnBallot]);
    assert_eq!((on.number, on.cost_grosze), (Some(1), 25_000 * ZL));
    let reviewed = a.verify_project(official(), park.id, assessment(Decision::Review), at(4, 5)).await.unwrap();
    assert_eq!((reviewed.status, reviewed.number), (ProjectStatus::UnderVerification, None));
    let park_on = a.verify_project(official(), park.id, assessment(Decision::OnBallot), at(4, 6)).await.unwrap();
    assert_eq!(park_on.number, Some(2));

    // The area pool needs 2 signatures before the ballot.
    assert_eq!(a.add_signature(path.id, vec![1; 32], BallotChannel::Online, at(3, 11)).await.unwrap(), 1);
    let short = a.verify_project(official(), path.id, assessment(Decision::OnBallot), at(4, 6)).await.unwrap_err();
    assert!(matches!(short, StoreError::Conflict(Conflict::NotEnoughSignatures)), "{short:?}");
    assert_eq!(a.project(path.id).await.unwrap().unwrap().0, path, "the refused verification left nothing");
    assert_eq!(a.add_signature(path.id, vec![2; 32], BallotChannel::Paper, at(3, 12)).await.unwrap(), 2);

    // Rejected, appealed, accepted: on the ballot with the next number.
    let rejected = a
        .verify_project(official(), path.id, assessment(Decision::Reject { reason: "Teren prywatny".into() }), at(4, 7))
        .await
        .unwrap();
    assert_eq!((rejected.status, rejected.rejection_reason.as_deref()), (ProjectStatus::Rejected, Some("Teren prywatny")));
    assert_eq!(rejected.history.last().unwrap().note.as_deref(), Some("Teren prywatny"));
    // Only the proposer's device may appeal.
    let stranger = a.appeal("dev-1", path.id, "To nie tak".into(), at(5, 2)).await.unwrap_err();
    assert!(matches!(stranger, StoreError::NotFound), "{stranger:?}");
    let appealed = a.appeal("dev-3", path.id, "Teren jest gminny, działka 12/3".into(), at(5, 2)).await.unwrap();
    assert_eq!(appealed.status, ProjectStatus::Appealed);
    assert!(appealed.history.iter().all(|h| h.note.as_deref() != Some("Teren jest gminny, działka 12/3")), "the appeal text stays private");
    assert_eq!(a.project(path.id).await.unwrap().unwrap().1.appeal.as_deref(), Some("Teren jest gminny, działka 12/3"));
    let accepted = a.decide_appeal(official(), path.id, true, None, at(5, 10)).await.unwrap();
    assert_eq!((accepted.status, accepted.number, accepted.rejection_reason.clone()), (ProjectStatus::OnBallot, Some(3), None));
    assert_eq!(
        statuses(&accepted),
        [
            ProjectStatus::Submitted,
            ProjectStatus::UnderVerification,
            ProjectStatus::Rejected,
            ProjectStatus::Appealed,
            ProjectStatus::OnBallot
        ]
    );

    // Rejected, appealed, refused: rejected again with the new reason; and
    // no appeal after appeal_to.
    a.verify_project(official(), bad.id, assessment(Decision::Reject { reason: "Niewykonalny".into() }), at(4, 8)).await.unwrap();
    a.appeal("dev-4", bad.id, "Proszę o ponowną ocenę".into(), at(5, 3)).await.unwrap();
    let refused = a.decide_appeal(official(), bad.id, false, Some("Podtrzymano".into()), at(5, 12)).await.unwrap();
    assert_eq!((refused.status, refused.rejection_reason.as_deref()), (ProjectStatus::Rejected, Some("Podtrzymano")));
    let late = a.appeal("dev-4", bad.id, "Jeszcze raz".into(), at(5, 16)).await.unwrap_err();
    assert!(matches!(late, StoreError::Conflict(Conflict::PhaseClosed)), "{late:?}");
    // Once rejected on appeal, there is no second appeal even in time.
    // (`may_move` alone allows Rejected → Appealed; the store allows one appeal.)
    let again = a.appeal("dev-4", bad.id, "Jeszcze raz".into(), at(5, 13)).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(Conflict::ProjectStatus)), "{again:?}");
    assert_eq!(a.project(bad.id).await.unwrap().unwrap().0.status, ProjectStatus::Rejected);

    // Filters.
    let on_ballot = a
        .projects(ProjectFilter { edition: Some(e), statuses: vec![ProjectStatus::OnBallot], ..Default::default() })
        .await
        .unwrap();
    assert_eq!(on_ballot.iter().map(|p| p.number.unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
    let area_only = a.projects(ProjectFilter { pool: Some(area), ..Default::default() }).await.unwrap();
    assert_eq!(area_only.iter().map(|p| p.id).collect::<Vec<_>>(), [path.id]);
    let mine = a.projects(ProjectFilter { proposer_device: Some("dev-2".into()), ..Default::default() }).await.unwrap();
    assert_eq!(mine.iter().map(|p| p.id).collect::<Vec<_>>(), [park.id]);

    // Lot once per pool, naming exactly the pool's ballot.
    let wrong = a.draw_lot(official(), e, wide, vec![benches.id], at(6, 16)).await.unwrap_err();
    assert!(matches!(wrong, StoreError::UnknownReference { field: "order" }), "{wrong:?}");
    let lot = a.draw_lot(official(), e, wide, vec![park.id, benches.id], at(6, 16)).await.unwrap();
    assert_eq!((lot.order.as_slice(), lot.drawn_by.as_str()), ([park.id, benches.id].as_slice(), "bo-official"));
    let twice = a.draw_lot(official(), e, wide, vec![benches.id, park.id], at(6, 16)).await.unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(Conflict::LotDrawn)), "{twice:?}");
    assert_eq!(a.lot(e, wide).await.unwrap().unwrap().order, [park.id, benches.id], "the first lot stays");

    // Counting only after the vote; publishing only when every pool is counted.
    let outcome = |selected: Vec<i64>| CountOutcome {
        spent: 25_000 * ZL * selected.len() as i64,
        selected,
        votes: vec![10, 7],
        points: vec![0, 0],
        trace: vec![TraceStep::Selected { project: benches.id, votes: 10, points: 0, cost: 25_000 * ZL, left: 75_000 * ZL }],
    };
    let count = |pool: i64, selected: Vec<i64>| PoolCount {
        edition: e,
        pool,
        rule: CountingRule::Greedy { min_votes: 1 },
        input_sha256: "ab".repeat(32),
        outcome: outcome(selected),
    };
    let early = a.save_count(official(), count(wide, vec![park.id]), at(6, 10)).await.unwrap_err();
    assert!(matches!(early, StoreError::Conflict(Conflict::PhaseClosed)), "{early:?}");
    a.save_count(official(), count(wide, vec![park.id]), at(6, 16)).await.unwrap();
    let recount = a.save_count(official(), count(wide, vec![benches.id]), at(6, 16)).await.unwrap();
    let latest = a.latest_count(e, wide).await.unwrap().unwrap();
    assert_eq!((latest.id, latest.outcome.clone()), (recount, outcome(vec![benches.id])), "the recount is the latest, trace kept");
    assert_eq!(latest.input_sha256, "ab".repeat(32));
    let half = a.publish_results(official(), e, at(6, 17)).await.unwrap_err();
    assert!(matches!(half, StoreError::Conflict(Conflict::NotCounted)), "{half:?}");
    assert_eq!(a.project(benches.id).await.unwrap().unwrap().0.status, ProjectStatus::OnBallot, "nothing moved");
    a.save_count(official(), count(area, vec![path.id]), at(6, 16)).await.unwrap();
    let published = a.publish_results(official(), e, at(6, 17)).await.unwrap();
    assert!(published.published_results);
    assert_eq!(published.phase, Phase::Results);
    let status = |id| {
        let a = a.clone();
        async move { a.project(id).await.unwrap().unwrap().0.status }
    };
    assert_eq!(status(benches.id).await, ProjectStatus::Selected);
    assert_eq!(status(park.id).await, ProjectStatus::NotSelected);
    assert_eq!(status(path.id).await, ProjectStatus::Selected);
    assert_eq!(status(bad.id).await, ProjectStatus::Rejected, "off the ballot: untouched");
    let again = a.publish_results(official(), e, at(6, 18)).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(Conflict::ResultsPublished)), "{again:?}");
    let late_count = a.save_count(official(), count(wide, vec![]), at(6, 18)).await.unwrap_err();
    assert!(matches!(late_count, StoreError::Conflict(Conflict::ResultsPublished)), "{late_count:?}");

    // Every official write is audited with ids only.
    let audit = a.list_audit(500).await.unwrap();
    let budget: Vec<_> = audit.iter().filter(|e| e.action.starts_with("budget.")).collect();
    let count_of = |action: &str| budget.iter().filter(|e| e.action == action).count();
    assert_eq!(count_of("budget.edition"), 1);
    assert_eq!(count_of("budget.pool"), 2);
    assert_eq!(count_of("budget.verify"), 5, "benches, park twice, path rejected, bad rejected");
    assert_eq!(count_of("budget.appeal"), 2, "one upheld, one refused; the second appeal of bad refused before any decision");
    assert_eq!(count_of("budget.lot"), 1, "the refused lots wrote nothing");
    assert_eq!(count_of("budget.count"), 3);
    assert_eq!(count_of("budget.publish"), 1);
    for entry in &budget {
        assert_eq!(entry.actor, "bo-official");
        assert!(entry.entity_id.as_deref().unwrap().parse::<i64>().is_ok(), "{entry:?}");
        let details = entry.details.to_string();
        for personal in ["Anna", "anna@", "Teren", "działka", "Podtrzymano", "Ławki", "dev-"] {
            assert!(!details.contains(personal), "{personal} in {details}");
        }
    }
}

#[tokio::test]
async fn refused_moves_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, wide, _) = edition(a.as_ref()).await;
    let p = submit(a.as_ref(), "dev-1", e, wide, "Ławki").await;
    let audit_before = a.list_audit(500).await.unwrap().len();

    // Submitted: no appeal, no appeal decision.
    let before = a.project(p.id).await.unwrap().unwrap();
    for e in [
        a.appeal("dev-1", p.id, "x".into(), at(4, 2)).await.unwrap_err(),
        a.decide_appeal(official(), p.id, true, None, at(4, 2)).await.unwrap_err(),
        a.decide_appeal(official(), p.id, false, Some("x".into()), at(4, 2)).await.unwrap_err(),
    ] {
        assert!(matches!(e, StoreError::Conflict(Conflict::ProjectStatus)), "{e:?}");
    }
    assert_eq!(a.project(p.id).await.unwrap().unwrap(), before);

    // On the ballot: never back to rejected or review, no appeal.
    a.verify_project(official(), p.id, assessment(Decision::OnBallot), at(4, 3)).await.unwrap();
    let before = a.project(p.id).await.unwrap().unwrap();
    let audit_mid = a.list_audit(500).await.unwrap().len();
    for e in [
        a.verify_project(official(), p.id, assessment(Decision::Reject { reason: "x".into() }), at(4, 4)).await.unwrap_err(),
        a.verify_project(official(), p.id, assessment(Decision::Review), at(4, 4)).await.unwrap_err(),
        a.verify_project(official(), p.id, assessment(Decision::OnBallot), at(4, 4)).await.unwrap_err(),
        a.appeal("dev-1", p.id, "x".into(), at(4, 4)).await.unwrap_err(),
        a.decide_appeal(official(), p.id, true, None, at(4, 4)).await.unwrap_err(),
    ] {
        assert!(matches!(e, StoreError::Conflict(Conflict::ProjectStatus)), "{e:?}");
    }
    assert_eq!(a.project(p.id).await.unwrap().unwrap(), before, "status, number, cost, history unchanged");
    assert_eq!(a.list_audit(500).await.unwrap().len(), audit_mid, "no audit row for a refused move");
    assert_eq!(audit_mid, audit_before + 1);

    // Signatures only before the decision.
    let late = a.add_signature(p.id, vec![9; 32], BallotChannel::Online, at(4, 5)).await.unwrap_err();
    assert!(matches!(late, StoreError::Conflict(Conflict::PhaseClosed)), "{late:?}");
    assert_eq!(a.project(p.id).await.unwrap().unwrap().1.signatures, 0);
}

/// The edition's dates bound the department's decisions in the store
/// itself (`decision_closed`): a verification until `verification_to`, an
/// appeal's decision until `voting_from`; a refusal names the date and
/// changes nothing, audit included.
#[tokio::test]
async fn decisions_keep_to_the_editions_dates() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, wide, _) = edition(a.as_ref()).await;
    let [p, q, r] = [
        submit(a.as_ref(), "dev-p", e, wide, "Ławki").await,
        submit(a.as_ref(), "dev-q", e, wide, "Park").await,
        submit(a.as_ref(), "dev-r", e, wide, "Ścieżka").await,
    ];
    let second = Duration::seconds(1);
    let closed = |e: StoreError, decision: Deciding, until: DateTime<Utc>| {
        assert!(
            matches!(e, StoreError::Conflict(Conflict::DecisionClosed { decision: d, until: u }) if d == decision && u == until),
            "{e:?}"
        );
    };

    // Verification: allowed up to a second before `verification_to`.
    for x in [&q, &r] {
        let reject = assessment(Decision::Reject { reason: "Teren prywatny".into() });
        a.verify_project(official(), x.id, reject, dates().verification_to - second).await.unwrap();
    }
    let before = a.project(p.id).await.unwrap().unwrap();
    let audit = a.list_audit(500).await.unwrap().len();
    for decision in [Decision::Review, Decision::OnBallot, Decision::Reject { reason: "x".into() }] {
        for now in [dates().verification_to, dates().appeal_to, dates().voting_to + Duration::days(1)] {
            let refused = a.verify_project(official(), p.id, assessment(decision.clone()), now).await.unwrap_err();
            closed(refused, Deciding::Verification, dates().verification_to);
        }
    }
    assert_eq!(a.project(p.id).await.unwrap().unwrap(), before, "nothing changed");
    assert_eq!(a.list_audit(500).await.unwrap().len(), audit, "nothing audited");

    // Appeals: lodged until `appeal_to`, decided until `voting_from`.
    a.appeal("dev-q", q.id, "Teren jest gminny.".into(), dates().appeal_to - second).await.unwrap();
    a.appeal("dev-r", r.id, "Teren jest gminny.".into(), dates().appeal_to - second).await.unwrap();
    let upheld = a.decide_appeal(official(), q.id, true, None, dates().voting_from - second).await.unwrap();
    assert_eq!(upheld.status, ProjectStatus::OnBallot);
    let before = a.project(r.id).await.unwrap().unwrap();
    let audit = a.list_audit(500).await.unwrap().len();
    for (accept, reason) in [(true, None), (false, Some("Podtrzymano".to_owned()))] {
        for now in [dates().voting_from, dates().voting_to] {
            let refused = a.decide_appeal(official(), r.id, accept, reason.clone(), now).await.unwrap_err();
            closed(refused, Deciding::Appeal, dates().voting_from);
        }
    }
    assert_eq!(a.project(r.id).await.unwrap().unwrap(), before, "nothing changed");
    assert_eq!(before.0.status, ProjectStatus::Appealed);
    assert_eq!(a.list_audit(500).await.unwrap().len(), audit, "nothing audited");
}

#[tokio::test]
async fn the_same_signer_signs_once() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, _, area) = edition(a.as_ref()).await;
    let p = submit(a.as_ref(), "dev-1", e, area, "Ścieżka").await;
    let q = submit(a.as_ref(), "dev-2", e, area, "Plac zabaw").await;
    assert_eq!(a.add_signature(p.id, vec![7; 32], BallotChannel::Online, at(3, 11)).await.unwrap(), 1);
    // Online then paper: the key, not the channel, decides.
    let twice = a.add_signature(p.id, vec![7; 32], BallotChannel::Paper, at(3, 12)).await.unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(Conflict::AlreadySigned)), "{twice:?}");
    assert_eq!(a.project(p.id).await.unwrap().unwrap().1.signatures, 1);
    // The same person may support another project.
    assert_eq!(a.add_signature(q.id, vec![7; 32], BallotChannel::Online, at(3, 12)).await.unwrap(), 1);
    let unknown = a.add_signature(999_999, vec![7; 32], BallotChannel::Online, at(3, 12)).await.unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound), "{unknown:?}");
}

#[tokio::test]
async fn a_retried_submission_returns_the_same_project() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let (e, wide, _) = edition(a.as_ref()).await;
    let key = |hash: &str| IdempotencyKey { scope: "budget_projects".into(), key: "k-1".into(), request_hash: hash.into() };
    let Submitted::New(first) =
        a.submit_project("dev-1", new_project(e, wide, "Ławki"), Some(key("h1")), at(3, 10)).await.unwrap()
    else {
        panic!("not new")
    };
    let replay = a.submit_project("dev-1", new_project(e, wide, "Ławki"), Some(key("h1")), at(3, 11)).await.unwrap();
    let Submitted::Replayed(stored) = replay else { panic!("not replayed: {replay:?}") };
    assert_eq!(stored.status, 201);
    let replayed: Project = serde_json::from_str(&stored.body).unwrap();
    assert_eq!(replayed, first);
    assert_eq!(a.projects(ProjectFilter::default()).await.unwrap().len(), 1, "one project");
    let other = a.submit_project("dev-1", new_project(e, wide, "Inne"), Some(key("h2")), at(3, 11)).await.unwrap_err();
    assert!(matches!(other, StoreError::IdempotencyConflict), "{other:?}");
    // Gmina B's key space is its own: the same key there is a new request
    // (and A's edition is not B's: NotFound).
    let in_b = b.submit_project("dev-1", new_project(e, wide, "Ławki"), Some(key("h1")), at(3, 11)).await.unwrap_err();
    assert!(matches!(in_b, StoreError::NotFound), "{in_b:?}");
    assert_eq!(a.projects(ProjectFilter::default()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_edition_is_locked_once_voting_started() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, wide, _) = edition(a.as_ref()).await;
    let mut later = dates();
    later.voting_to = at(6, 20);
    let settings = EditionSettings { allow_change: true, ..Default::default() };
    let changed = a.update_edition(official(), e, "BO 2026 (zmiana)".into(), later, settings.clone(), at(5, 31)).await.unwrap();
    assert_eq!((changed.title.as_str(), changed.dates.voting_to, changed.settings.allow_change), ("BO 2026 (zmiana)", at(6, 20), true));

    let before = a.edition(e, at(6, 2)).await.unwrap().unwrap();
    let audit_before = a.list_audit(500).await.unwrap().len();
    let locked = a.update_edition(official(), e, "Inny".into(), dates(), EditionSettings::default(), at(6, 1)).await.unwrap_err();
    assert!(matches!(locked, StoreError::Conflict(Conflict::EditionLocked)), "{locked:?}");
    let mut bigger = before.pools[0].clone();
    bigger.amount_grosze *= 2;
    let pool_locked = a.upsert_pool(official(), e, bigger, at(6, 2)).await.unwrap_err();
    assert!(matches!(pool_locked, StoreError::Conflict(Conflict::EditionLocked)), "{pool_locked:?}");
    let new_pool = a.upsert_pool(official(), e, pool("Nowa", PoolKind::GminaWide, 0), at(6, 2)).await.unwrap_err();
    assert!(matches!(new_pool, StoreError::Conflict(Conflict::EditionLocked)), "{new_pool:?}");
    assert_eq!(a.edition(e, at(6, 2)).await.unwrap().unwrap(), before);
    assert_eq!(before.pools[0].id, wide);
    assert_eq!(a.list_audit(500).await.unwrap().len(), audit_before);
}

#[tokio::test]
async fn gminas_see_and_touch_nothing_of_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let (e, wide, area) = edition(a.as_ref()).await;
    let p = submit(a.as_ref(), "dev-1", e, area, "Ławki").await;
    a.add_signature(p.id, vec![1; 32], BallotChannel::Online, at(3, 11)).await.unwrap();
    let before_edition = a.edition(e, at(3, 12)).await.unwrap().unwrap();
    let before_project = a.project(p.id).await.unwrap().unwrap();
    let audit_before = a.list_audit(500).await.unwrap().len();

    // Invisible.
    assert!(b.editions(at(3, 12)).await.unwrap().is_empty());
    assert!(b.edition(e, at(3, 12)).await.unwrap().is_none());
    assert!(b.project(p.id).await.unwrap().is_none());
    assert!(b.projects(ProjectFilter { edition: Some(e), ..Default::default() }).await.unwrap().is_empty());
    assert!(b.projects(ProjectFilter::default()).await.unwrap().is_empty());
    assert!(b.lot(e, wide).await.unwrap().is_none());
    assert!(b.latest_count(e, wide).await.unwrap().is_none());

    // Untouchable: NotFound.
    let outcome = CountOutcome { selected: vec![], spent: 0, votes: vec![], points: vec![], trace: vec![] };
    let count = PoolCount {
        edition: e,
        pool: wide,
        rule: CountingRule::Greedy { min_votes: 1 },
        input_sha256: "00".repeat(32),
        outcome,
    };
    let errors = vec![
        b.update_edition(official(), e, "x".into(), dates(), EditionSettings::default(), at(3, 12)).await.unwrap_err(),
        b.upsert_pool(official(), e, pool("x", PoolKind::GminaWide, 0), at(3, 12)).await.unwrap_err(),
        b.upsert_pool(official(), e, Pool { id: wide, ..pool("x", PoolKind::GminaWide, 0) }, at(3, 12)).await.unwrap_err(),
        b.submit_project("dev-9", new_project(e, wide, "x"), None, at(3, 12)).await.unwrap_err(),
        b.add_signature(p.id, vec![2; 32], BallotChannel::Online, at(3, 12)).await.unwrap_err(),
        b.verify_project(official(), p.id, assessment(Decision::Review), at(4, 2)).await.unwrap_err(),
        b.appeal("dev-1", p.id, "x".into(), at(4, 2)).await.unwrap_err(),
        b.decide_appeal(official(), p.id, true, None, at(4, 2)).await.unwrap_err(),
        b.draw_lot(official(), e, wide, vec![], at(6, 16)).await.unwrap_err(),
        b.save_count(official(), count.clone(), at(6, 16)).await.unwrap_err(),
        b.publish_results(official(), e, at(6, 17)).await.unwrap_err(),
    ];
    for (i, e) in errors.iter().enumerate() {
        assert!(matches!(e, StoreError::NotFound), "call {i}: {e:?}");
    }
    // B's own pool id does not reach into A's edition either.
    let (_, b_wide, _) = edition(b.as_ref()).await;
    let cross = a.submit_project("dev-1", new_project(e, b_wide, "x"), None, at(3, 12)).await.unwrap_err();
    assert!(matches!(cross, StoreError::UnknownReference { field: "pool" }), "{cross:?}");

    assert_eq!(a.edition(e, at(3, 12)).await.unwrap().unwrap(), before_edition);
    assert_eq!(a.project(p.id).await.unwrap().unwrap(), before_project);
    assert_eq!(a.list_audit(500).await.unwrap().len(), audit_before, "A's audit log has nothing of B's tries");
    assert!(b.list_audit(500).await.unwrap().iter().all(|e| e.entity_id.as_deref() != Some(&p.id.to_string())));
}

#[tokio::test]
async fn proposers_contact_data_goes_after_the_retention_period() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let (e, wide, _) = edition(a.as_ref()).await;
    let p = submit(a.as_ref(), "dev-1", e, wide, "Ławki").await;
    let (eb, b_wide, _) = edition(b.as_ref()).await;
    let q = submit(b.as_ref(), "dev-2", eb, b_wide, "Park").await;
    // Default retention: 5 years after voting_to (15 June 2026).
    assert_eq!(root.purge_budget(Utc.with_ymd_and_hms(2031, 6, 15, 9, 0, 0).unwrap()).await.unwrap(), 0);
    assert!(a.project(p.id).await.unwrap().unwrap().1.contact.is_some());
    let after = Utc.with_ymd_and_hms(2031, 6, 15, 10, 0, 0).unwrap() + Duration::seconds(1);
    assert_eq!(root.purge_budget(after).await.unwrap(), 2, "every gmina's");
    let (project, private) = a.project(p.id).await.unwrap().unwrap();
    assert_eq!((private.contact, private.proposer_device), (None, None));
    assert_eq!(project, p, "the public project stays");
    assert!(b.project(q.id).await.unwrap().unwrap().1.contact.is_none());
    assert_eq!(root.purge_budget(after).await.unwrap(), 0);
}

#[tokio::test]
async fn racing_officials_and_signers_leave_one_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let (e, wide, area) = edition(a.as_ref()).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(submit(a.as_ref(), &format!("dev-{i}"), e, wide, &format!("Projekt {i}")).await.id);
    }

    // Every project onto the ballot at once: numbers 1..=12, each once.
    let tasks: Vec<_> = ids
        .iter()
        .map(|&id| {
            let a = a.clone();
            tokio::spawn(async move { a.verify_project(official(), id, assessment(Decision::OnBallot), at(4, 5)).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap().number.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<u32>>());

    // The same project decided twice at once: one move, one refusal.
    let p = submit(a.as_ref(), "dev-x", e, wide, "Spór").await;
    let racing: Vec<_> = [Decision::OnBallot, Decision::Reject { reason: "Nie".into() }]
        .into_iter()
        .map(|d| {
            let a = a.clone();
            tokio::spawn(async move { a.verify_project(official(), p.id, assessment(d), at(4, 6)).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in racing {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| matches!(o, Err(StoreError::Conflict(Conflict::ProjectStatus)))), "{outcomes:?}");
    assert_eq!(a.project(p.id).await.unwrap().unwrap().0.history.len(), 3, "submitted, under verification, one decision");

    // One signer from many devices at once: one signature.
    let q = submit(a.as_ref(), "dev-y", e, area, "Ścieżka").await;
    let signing: Vec<_> = (0..10)
        .map(|_| {
            let a = a.clone();
            tokio::spawn(async move { a.add_signature(q.id, vec![5; 32], BallotChannel::Online, at(3, 20)).await })
        })
        .collect();
    let mut signed = 0;
    for t in signing {
        match t.await.unwrap() {
            Ok(_) => signed += 1,
            Err(StoreError::Conflict(Conflict::AlreadySigned)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(signed, 1);
    assert_eq!(a.project(q.id).await.unwrap().unwrap().1.signatures, 1);
}
