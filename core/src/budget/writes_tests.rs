//! My ballot from the server, its change, project submission, signatures
//! and appeals in the core, against a loopback HTTP server speaking the
//! plan's routes, with a real store file.

use chrono::{Duration, Utc};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{
    BallotChannel, BallotReceipt, Choice, Edition, EditionSettings, IdentityMode, PhaseDates, Pool, PoolChoice, PoolKind,
    Project, ProjectStatus, VotingRule,
};
use mm_protocol::geo::GeoPoint;
use serde_json::{Value, json};

use super::model::{BudgetWriteKind, CastState, ProjectSubmission, WriteState};
use super::test_fixture::*;
use crate::testing::*;
use crate::Core;

fn pool(id: i64) -> Pool {
    Pool {
        id,
        kind: PoolKind::GminaWide,
        name: format!("Pula {id}"),
        amount_grosze: 100_000 * 100,
        localities: vec![],
        residents: 5000,
        signatures_required: 10,
        counting: CountingRule::Greedy { min_votes: 1 },
    }
}

/// Built from JSON so fields the wire adds with a default need no change here.
fn edition(id: i64, dates: PhaseDates, allow_change: bool) -> Edition {
    let settings = EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 2 },
        identity: IdentityMode::Pesel,
        allow_change,
        ..EditionSettings::default()
    };
    serde_json::from_value(json!({
        "id": id, "year": 2026, "title": format!("Edycja {id}"), "phase": "voting",
        "dates": dates, "pools": [pool(id * 10)], "settings": settings, "published_results": false,
    }))
    .unwrap()
}

/// 7: voting now, changes allowed. 8: voting now, no changes. 9: in
/// submission (its projects: 91 submitted, 92 rejected, appeals open).
fn editions() -> Vec<Edition> {
    let now = Utc::now();
    let mut submission = dates(now + Duration::days(70));
    submission.submission_from = now - Duration::days(5);
    submission.submission_to = now + Duration::days(5);
    submission.verification_to = now + Duration::days(20);
    submission.appeal_to = now + Duration::days(30);
    submission.voting_from = now + Duration::days(40);
    submission.voting_to = now + Duration::days(50);
    vec![
        edition(7, dates(now - Duration::days(1)), true),
        edition(8, dates(now - Duration::days(1)), false),
        edition(9, submission, false),
    ]
}

fn project(id: i64, edition: i64, status: ProjectStatus) -> Project {
    Project {
        id,
        edition,
        pool: edition * 10,
        number: None,
        title: format!("Projekt {id}"),
        description: "Opis.".into(),
        cost_grosze: 20_000 * 100,
        category: None,
        location: None,
        photos: vec![],
        status,
        rejection_reason: None,
        history: vec![],
    }
}

fn projects_of(edition: i64) -> Vec<Project> {
    match edition {
        9 => vec![project(91, 9, ProjectStatus::Submitted), project(92, 9, ProjectStatus::Rejected)],
        e => vec![project(e * 10 + 1, e, ProjectStatus::OnBallot), project(e * 10 + 2, e, ProjectStatus::OnBallot)],
    }
}

fn api_error(status: u16, code: &str) -> Reply {
    Reply::Json(status, json!({"code": code, "message": {"pl": "Błąd po polsku.", "en": "Error in English."}}))
}

fn receipt(edition: i64, projects: &[i64]) -> BallotReceipt {
    BallotReceipt {
        ballot_id: 501,
        receipt_code: "K7M2WQXH9P".into(),
        cast_at: Utc::now(),
        channel: BallotChannel::Online,
        pools: vec![PoolChoice {
            pool: edition * 10,
            projects: projects.iter().map(|p| Choice { project: *p, points: None }).collect(),
        }],
    }
}

fn my_ballot(edition: i64, projects: &[i64], may_change: bool) -> Value {
    json!({"edition": edition, "receipt": receipt(edition, projects), "may_change": may_change})
}

fn to(server: &FakeServer, target: &str) -> Vec<Recorded> {
    server.requests().into_iter().filter(|r| r.target == target).collect()
}

fn due_now(core: &Core) {
    core.store.write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?)).unwrap();
}

async fn cast(core: &Core, server: &FakeServer, edition: i64, projects: &[i64]) {
    for p in projects {
        core.budget().toggle(edition, *p).unwrap();
    }
    server.reply(Reply::Json(201, serde_json::to_value(receipt(edition, projects)).unwrap()));
    let s = core.budget().cast(edition, voter(), None, true).await.unwrap();
    assert_eq!(s.state, CastState::Cast);
}

#[tokio::test]
async fn my_ballot_comes_from_the_server_with_its_receipt_and_reads_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    // None cast here, none on the server: 404.
    server.reply(api_error(404, "not_found"));
    assert!(core.budget().check_my_ballot(7, None).await.unwrap().is_none());
    assert!(core.budget().my_ballot(7).unwrap().is_none());

    // Cast before a reinstall: the server knows it, the device adopts it.
    server.reply(Reply::Json(200, my_ballot(7, &[71], true)));
    let mine = core.budget().check_my_ballot(7, None).await.unwrap().unwrap();
    assert_eq!(mine.state, CastState::Cast);
    assert_eq!(mine.receipt_code.as_deref(), Some("K7M2WQXH9P"));
    assert!(mine.may_change && mine.checked_at.is_some());
    assert_eq!(mine.choices.iter().map(|c| c.project).collect::<Vec<_>>(), vec![71]);
    let get = to(&server, "/api/v1/budget/editions/7/ballot");
    assert_eq!(get.len(), 2);
    assert_eq!(get[1].header("authorization"), Some("Bearer tok-1"));
    assert_eq!(get[1].method, "GET");
    // So a second cast is refused before anything is queued.
    core.budget().toggle(7, 72).unwrap();
    assert_eq!(core.budget().cast(7, voter(), None, true).await.unwrap_err().code(), "already_voted");
    assert_eq!(core.status().unwrap().pending_writes, 0);

    // By receipt code (another device's ballot); a code with other
    // characters never reaches a URL.
    server.reply(Reply::Json(200, my_ballot(7, &[72], false)));
    core.budget().check_my_ballot(7, Some("ABCDEF1234".into())).await.unwrap().unwrap();
    assert!(server.requests().last().unwrap().target.ends_with("/ballot?receipt=ABCDEF1234"));
    let before = server.requests().len();
    assert!(core.budget().check_my_ballot(7, Some("A&x=1".into())).await.unwrap().is_none());
    assert_eq!(server.requests().len(), before);
    drop(core);

    // Offline: what was last told.
    let offline = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    assert_eq!(offline.budget().check_my_ballot(7, None).await.unwrap_err().code(), "network");
    let mine = offline.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!(mine.receipt_code.as_deref(), Some("K7M2WQXH9P"));
    assert_eq!(mine.choices.iter().map(|c| c.project).collect::<Vec<_>>(), vec![72]);
}

#[tokio::test]
async fn a_change_follows_the_rules_and_is_sent_once_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;

    // Not cast yet: nothing to change.
    core.budget().toggle(7, 71).unwrap();
    assert_eq!(core.budget().change_ballot(7, voter(), None).await.unwrap_err().code(), "not_found");
    core.budget().clear(7, None).unwrap();
    cast(&core, &server, 7, &[71]).await;

    // An edition without changes refuses before anything is queued.
    cast(&core, &server, 8, &[81]).await;
    assert_eq!(core.budget().change_ballot(8, voter(), None).await.unwrap_err().code(), "conflict");
    // The rule: an empty draft is not a ballot; a bad PESEL is refused.
    core.budget().clear(7, None).unwrap();
    assert_eq!(core.budget().change_ballot(7, voter(), None).await.unwrap_err().code(), "ballot_rule");
    core.budget().toggle(7, 72).unwrap();
    let mut bad = voter();
    bad.pesel = Some("44051401358".into());
    assert_eq!(core.budget().change_ballot(7, bad, None).await.unwrap_err().code(), "invalid_identity");
    assert_eq!(core.status().unwrap().pending_writes, 0);
    assert!(core.budget().writes(None).unwrap().is_empty());

    // A 503, then the 200: the same key both times; the PESEL gone after.
    server.reply(Reply::Status(503)).reply(Reply::Json(200, my_ballot(7, &[72], true)));
    let s = core.budget().change_ballot(7, voter(), None).await.unwrap();
    let change = s.change.clone().unwrap();
    assert_eq!((change.kind, change.state), (BudgetWriteKind::Change, WriteState::Queued));
    // A second change while one waits is refused.
    assert_eq!(core.budget().change_ballot(7, voter(), None).await.unwrap_err().code(), "conflict");
    due_now(&core);
    core.flush_outbox().await.unwrap();
    let puts = to(&server, "/api/v1/budget/editions/7/ballot");
    assert_eq!(puts.len(), 2);
    assert!(puts.iter().all(|p| p.method == "PUT"));
    assert_eq!(puts[0].header("idempotency-key"), puts[1].header("idempotency-key"));
    let body: Value = serde_json::from_str(&puts[1].body).unwrap();
    assert_eq!(body["pools"][0]["projects"][0]["project"], 72);
    assert_eq!(body["identity"]["pesel"], PESEL);
    assert!(body.get("change").is_none(), "flat on the wire: {body}");

    let mine = core.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!(mine.state, CastState::Cast);
    assert_eq!(mine.choices.iter().map(|c| c.project).collect::<Vec<_>>(), vec![72]);
    assert!(mine.change.is_none() && mine.may_change);
    assert_eq!(core.budget().writes(Some(7)).unwrap()[0].state, WriteState::Done);
    let bytes = store_bytes(&dir);
    assert!(!contains(&bytes, PESEL.as_bytes()) && !contains(&bytes, b"Kowalski"));

    // The server's refusal is final and typed; the item goes.
    server.reply(api_error(409, "conflict"));
    let e = core.budget().change_ballot(7, voter(), None).await.unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert_eq!(e.message().pl, "Błąd po polsku.");
    let status = core.status().unwrap();
    assert_eq!((status.pending_writes, status.failed_writes), (0, 0));
    assert_eq!(core.budget().my_ballot(7).unwrap().unwrap().change.unwrap().state, WriteState::Refused);
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn submission(pool: i64) -> ProjectSubmission {
    ProjectSubmission {
        pool,
        title: " Ławki w parku ".into(),
        description: "Pięć ławek.".into(),
        cost_grosze: 15_000 * 100,
        category: Some("zieleń".into()),
        location: Some(GeoPoint { lon: 17.15, lat: 51.03 }),
        photos: vec![png()],
        contact_name: "Anna Nowak".into(),
        contact_email: Some("anna@example.pl".into()),
        contact_phone: None,
    }
}

#[tokio::test]
async fn a_project_is_checked_then_submitted_once_with_its_photo() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    // Voting, not submission.
    assert_eq!(core.budget().submit_project(7, submission(70)).await.unwrap_err().code(), "phase_closed");
    for (bad, field) in [
        (ProjectSubmission { cost_grosze: 15_000 * 100 + 50, ..submission(90) }, "cost_grosze"),
        (ProjectSubmission { title: "  ".into(), ..submission(90) }, "title"),
        (ProjectSubmission { contact_name: String::new(), ..submission(90) }, "contact.name"),
        (ProjectSubmission { location: Some(GeoPoint { lon: 200.0, lat: 51.0 }), ..submission(90) }, "location"),
        (submission(70), "pool"),
        (ProjectSubmission { photos: vec![vec![0xFF, 0xD8, 0xFF]; 6], ..submission(90) }, "photos"),
    ] {
        let e = core.budget().submit_project(9, bad).await.unwrap_err();
        assert!(matches!(&e, crate::CoreError::InvalidInput { field: f, .. } if f == field), "{field}: {e:?}");
    }
    assert_eq!(core.status().unwrap().pending_writes, 0);

    // A network drop on the post, then the 201; the photo first each time.
    let mut answer = project(93, 9, ProjectStatus::Submitted);
    answer.title = "Ławki w parku".into();
    server
        .reply(Reply::Json(201, json!({"photo_id": "ph-1"})))
        .reply(Reply::Drop)
        .reply(Reply::Json(201, json!({"photo_id": "ph-1"})))
        .reply(Reply::Json(201, serde_json::to_value(&answer).unwrap()));
    let w = core.budget().submit_project(9, submission(90)).await.unwrap();
    assert_eq!((w.kind, w.state, w.title.as_str()), (BudgetWriteKind::Project, WriteState::Queued, "Ławki w parku"));
    due_now(&core);
    core.flush_outbox().await.unwrap();
    let posts: Vec<Recorded> =
        to(&server, "/api/v1/budget/editions/9/projects").into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].header("idempotency-key"), posts[1].header("idempotency-key"));
    let body: Value = serde_json::from_str(&posts[1].body).unwrap();
    assert_eq!(body["photos"], json!(["ph-1"]));
    assert_eq!(body["location"], json!({"type": "point", "lon": 17.15, "lat": 51.03}));
    assert_eq!(body["contact"]["name"], "Anna Nowak");
    assert_eq!(body["cost_grosze"], 1_500_000);
    let uploads = to(&server, "/api/v1/photos");
    assert_eq!(uploads[0].header("content-type"), Some("image/jpeg"));

    let w = core.budget().write(w.id).unwrap();
    assert_eq!((w.state, w.project, w.project_status), (WriteState::Done, Some(93), Some(ProjectStatus::Submitted)));
    // Proposed here: once rejected (an official's decision, fetched), this device is offered the appeal.
    assert!(core.budget().editions().unwrap().editions.iter().any(|e| e.id == 9 && e.submission_open));
    assert!(!core.budget().project(93).unwrap().can_appeal, "not rejected");
    let mut rejected = answer.clone();
    rejected.status = ProjectStatus::Rejected;
    core.store.write(|tx| crate::budget::store::save_projects(tx, 9, &[rejected.clone()], Utc::now())).unwrap();
    assert!(core.budget().project(93).unwrap().can_appeal, "mine and rejected");
    // The answer joins the edition's list (offline too).
    assert!(core.budget().projects(9, None).unwrap().projects.iter().any(|p| p.project.id == 93));
}

#[tokio::test]
async fn a_signature_and_an_appeal_each_go_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    // On the ballot: too late to sign; not rejected: no appeal. What the
    // project offers is what `sign` and `appeal` would say.
    assert!(!core.budget().project(71).unwrap().can_sign);
    assert!(core.budget().project(91).unwrap().can_sign);
    assert!(!core.budget().project(92).unwrap().can_appeal, "rejected, but not proposed from here");
    assert_eq!(core.budget().sign(71, voter(), None, true).await.unwrap_err().code(), "phase_closed");
    assert_eq!(core.budget().appeal(91, "Proszę o ponowną ocenę.").await.unwrap_err().code(), "conflict");
    // The residence must be declared (the edition's setting).
    assert_eq!(core.budget().sign(91, voter(), None, false).await.unwrap_err().code(), "invalid_input");
    assert_eq!(core.budget().appeal(92, "   ").await.unwrap_err().code(), "invalid_input");
    assert_eq!(core.status().unwrap().pending_writes, 0);

    server.reply(Reply::Json(201, json!({"project": 91, "signed_at": Utc::now(), "signatures": 4, "required": 10})));
    let w = core.budget().sign(91, voter(), None, true).await.unwrap();
    assert_eq!((w.state, w.signatures, w.signatures_required), (WriteState::Done, Some(4), Some(10)));
    // Signed from here already: refused before anything is queued, and no longer offered.
    assert_eq!(core.budget().sign(91, voter(), None, true).await.unwrap_err().code(), "conflict");
    assert!(!core.budget().project(91).unwrap().can_sign);
    let bytes = store_bytes(&dir);
    assert!(!contains(&bytes, PESEL.as_bytes()), "the signer's PESEL stays in the store's files");

    let mut appealed = project(92, 9, ProjectStatus::Appealed);
    appealed.rejection_reason = Some("Koszt".into());
    server.reply(Reply::Status(500)).reply(Reply::Json(200, serde_json::to_value(&appealed).unwrap()));
    let w = core.budget().appeal(92, "Proszę o ponowną ocenę.").await.unwrap();
    assert_eq!(w.state, WriteState::Queued);
    assert_eq!(core.budget().appeal(92, "Jeszcze raz.").await.unwrap_err().code(), "conflict");
    due_now(&core);
    core.flush_outbox().await.unwrap();
    let posts = to(&server, "/api/v1/budget/projects/92/appeal");
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].header("idempotency-key"), posts[1].header("idempotency-key"));
    assert_eq!(serde_json::from_str::<Value>(&posts[0].body).unwrap(), json!({"text": "Proszę o ponowną ocenę."}));
    assert_eq!(core.budget().write(w.id).unwrap().project_status, Some(ProjectStatus::Appealed));
    assert_eq!(core.budget().project(92).unwrap().project.status, ProjectStatus::Appealed);
    assert_eq!(core.budget().writes(Some(9)).unwrap().len(), 2);
    assert_eq!(to(&server, "/api/v1/budget/projects/91/signatures").len(), 1);
}
