//! The budget in the core against a loopback HTTP server speaking the
//! plan's routes (`mm_protocol::budget::wire`), with a real store file.

use chrono::{Duration, Utc};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{
    BallotChannel, BallotReceipt, Choice, Edition, EditionSettings, IdentityMode, Phase, Pool, PoolChoice, PoolKind,
    Project, ProjectStatus, VotingRule,
};
use mm_protocol::budget::rules::PickHint;
use serde_json::{Value, json};

use super::model::CastState;
use super::test_fixture::*;
use crate::testing::*;
use crate::{Core, CoreError};

fn pool(id: i64, kind: PoolKind, amount_zl: i64) -> Pool {
    Pool {
        id,
        kind,
        name: format!("Pula {id}"),
        amount_grosze: amount_zl * 100,
        localities: vec![],
        residents: 5000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    }
}

/// Edition 7 (voting now, PESEL mode, approval 2–3 per pool, residence
/// declared): gmina-wide pool 1 (100 000 zł), area pool 2. Edition 8
/// (knapsack, voting now): pool 3 of 100 000 zł.
fn editions() -> Vec<Edition> {
    let now = Utc::now();
    let mut settings = EditionSettings {
        voting: VotingRule::Approval { min: 2, max: 3 },
        identity: IdentityMode::Pesel,
        ..EditionSettings::default()
    };
    let seven = Edition {
        id: 7,
        year: 2026,
        title: "Budżet Obywatelski 2026".into(),
        phase: Phase::Voting,
        dates: dates(now - Duration::days(1)),
        pools: vec![pool(1, PoolKind::GminaWide, 100_000), pool(2, PoolKind::Area, 50_000)],
        settings: settings.clone(),
        published_results: false,
        published_at: None,
    };
    settings.voting = VotingRule::Knapsack;
    let eight = Edition {
        id: 8,
        year: 2025,
        title: "Budżet 2025".into(),
        pools: vec![pool(3, PoolKind::GminaWide, 100_000)],
        settings,
        ..seven.clone()
    };
    vec![seven, eight]
}

fn project(id: i64, edition: i64, pool: i64, cost_zl: i64) -> Project {
    Project {
        id,
        edition,
        pool,
        number: Some(id as u32),
        title: format!("Projekt {id}"),
        description: "Opis.".into(),
        cost_grosze: cost_zl * 100,
        category: None,
        location: None,
        photos: vec![],
        status: ProjectStatus::OnBallot,
        rejection_reason: None,
        history: vec![],
    }
}

fn projects_of(edition: i64) -> Vec<Project> {
    match edition {
        7 => vec![
            project(11, 7, 1, 20_000),
            project(12, 7, 1, 30_000),
            project(13, 7, 1, 40_000),
            project(14, 7, 1, 50_000),
            project(21, 7, 2, 10_000),
        ],
        _ => vec![project(31, 8, 3, 60_000), project(32, 8, 3, 50_000), project(33, 8, 3, 30_000)],
    }
}

fn api_error(status: u16, code: &str, field: Option<&str>) -> Reply {
    Reply::Json(
        status,
        json!({"code": code, "message": {"pl": "Błąd po polsku.", "en": "Error in English."}, "field": field}),
    )
}

fn receipt(pools: Vec<PoolChoice>) -> Value {
    serde_json::to_value(BallotReceipt {
        ballot_id: 501,
        receipt_code: "K7M2WQXH9P".into(),
        cast_at: Utc::now(),
        channel: BallotChannel::Online,
        pools,
    })
    .unwrap()
}

fn ballot_posts(server: &FakeServer) -> Vec<Recorded> {
    server.requests().into_iter().filter(|r| r.target == "/api/v1/budget/editions/7/ballots").collect()
}

#[tokio::test]
async fn editions_and_projects_are_fetched_with_the_gmina_and_read_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    let reqs = server.requests();
    let list = reqs.iter().find(|r| r.target == "/api/v1/budget/editions").unwrap();
    assert_eq!(list.method, "GET");
    assert_eq!(list.header("mm-gmina"), Some("0223083"));
    assert_eq!(list.header("authorization"), Some("Bearer tok-1"));
    assert!(reqs.iter().any(|r| r.target == "/api/v1/budget/editions/7/projects"));
    drop(core);

    // Offline: a dead server, the same store.
    let core = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    let e = core.budget().editions().unwrap();
    assert_eq!(e.editions.iter().map(|e| e.id).collect::<Vec<_>>(), vec![7, 8]);
    assert!(e.fetched_at.is_some() && e.fetched_text.starts_with("Stan na"), "{}", e.fetched_text);
    let seven = &e.editions[0];
    assert_eq!(seven.phase, Phase::Voting);
    assert!(seven.voting_open && seven.phase_text.starts_with("Głosowanie do"), "{}", seven.phase_text);
    assert_eq!(seven.pools.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(seven.pools[0].amount_text, "100 000,00 zł");
    assert_eq!(seven.rule_text, "Wybierz od 2 do 3 projektów.");
    let p = core.budget().projects(7, Some(1)).unwrap();
    assert_eq!(p.projects.iter().map(|p| p.project.id).collect::<Vec<_>>(), vec![11, 12, 13, 14]);
    assert_eq!(p.projects[0].cost_text, "20 000,00 zł");
    assert_eq!(p.projects[0].status_text, "na karcie do głosowania");
    assert!(p.fetched_at.is_some());
    assert_eq!(core.budget().project(21).unwrap().pool_name, "Pula 2");
    assert!(matches!(core.budget().refresh().await, Err(CoreError::Network { .. })));
    assert_eq!(core.budget().editions().unwrap().editions.len(), 2, "a failed fetch keeps the last one");
    assert!(matches!(core.budget().edition(99), Err(CoreError::NotFound { .. })));
}

#[tokio::test]
async fn the_rule_is_enforced_as_you_pick() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    let b = core.budget();

    // Too few: one of at least two.
    let s = b.toggle(7, 11).unwrap();
    let p1 = &s.pools[0];
    assert_eq!(p1.chosen.iter().map(|c| c.project).collect::<Vec<_>>(), vec![11]);
    assert_eq!(p1.hint, PickHint::ChooseMore { more: 1 });
    assert!(p1.hint_text.contains("Wybierz jeszcze 1 projekt"), "{}", p1.hint_text);
    let review = b.review(7).unwrap();
    assert!(!review.ok);
    assert!(review.problems[0].text.contains("co najmniej 2"), "{:?}", review.problems);
    assert_eq!(review.problems[0].pool, Some(1));

    // Enough, then full: too many is refused and the draft stays.
    b.toggle(7, 12).unwrap();
    let s = b.toggle(7, 13).unwrap();
    assert_eq!(s.pools[0].hint, PickHint::Complete);
    assert!(s.pools[0].can_add.is_empty());
    let e = b.toggle(7, 14).unwrap_err();
    let CoreError::BallotRule { message, .. } = &e else { panic!("{e:?}") };
    assert!(message.pl.contains("za dużo"), "{}", message.pl);
    assert_eq!(e.code(), "ballot_rule");
    assert_eq!(b.ballot(7).unwrap().chosen, 3);
    assert!(b.review(7).unwrap().ok, "{:?}", b.review(7).unwrap().problems);

    // Toggling again removes.
    let s = b.toggle(7, 13).unwrap();
    assert_eq!(s.pools[0].hint, PickHint::MayAddMore);
    assert_eq!(s.pools[0].can_add, vec![13, 14]);

    // Over the pool (knapsack, 100 000 zł): 60 000 + 50 000 does not fit.
    let s = b.toggle(8, 31).unwrap();
    assert_eq!(s.pools[0].remaining_grosze, Some(4_000_000));
    assert_eq!(s.pools[0].remaining_text.as_deref(), Some("40 000,00 zł"));
    assert_eq!(s.pools[0].can_add, vec![33]);
    let e = b.toggle(8, 32).unwrap_err();
    let CoreError::BallotRule { message, .. } = &e else { panic!("{e:?}") };
    assert!(message.pl.contains("więcej niż kwota puli"), "{}", message.pl);
    assert_eq!(b.ballot(8).unwrap().chosen, 1);

    // Points only under the cumulative rule; clearing empties the draft.
    assert!(matches!(b.set_points(7, 11, 3), Err(CoreError::BallotRule { .. })));
    assert_eq!(b.clear(8, None).unwrap().chosen, 0);
}

#[tokio::test]
async fn the_draft_survives_reopening_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    core.budget().toggle(7, 12).unwrap();
    core.budget().toggle(7, 21).unwrap();
    drop(core);
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let s = core.budget().ballot(7).unwrap();
    assert_eq!(s.chosen, 2);
    assert_eq!(s.pools[0].chosen[0].project, 12);
    assert_eq!(s.pools[1].chosen[0].project, 21);
    assert!(core.budget().projects(7, None).unwrap().projects.iter().any(|p| p.project.id == 12 && p.chosen));
}

#[tokio::test]
async fn an_invalid_pesel_or_ballot_never_reaches_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    let b = core.budget();
    b.toggle(7, 11).unwrap();
    // Too few chosen: the ballot's field.
    let e = b.cast(7, voter(), None, true).await.unwrap_err();
    assert!(matches!(&e, CoreError::BallotRule { field: Some(f), .. } if f == "pools[0]"), "{e:?}");
    b.toggle(7, 12).unwrap();
    // Residence not declared.
    let e = b.cast(7, voter(), None, false).await.unwrap_err();
    assert!(matches!(&e, CoreError::BallotRule { field: Some(f), .. } if f == "residence_declared"), "{e:?}");
    // A PESEL with a wrong checksum.
    let mut bad = voter();
    bad.pesel = Some("44051401358".into());
    let e = b.cast(7, bad, None, true).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "pesel"), "{e:?}");
    assert_eq!(e.code(), "invalid_identity");
    assert!(!e.to_string().contains("44051401358"));
    assert!(ballot_posts(&server).is_empty());
    assert_eq!(core.status().unwrap().pending_writes, 0);
    assert!(b.my_ballot(7).unwrap().is_none());
}

#[tokio::test]
async fn a_ballot_cast_offline_is_sent_once_with_the_same_key_after_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    core.budget().toggle(7, 11).unwrap();
    core.budget().toggle(7, 12).unwrap();
    drop(core);

    // Offline: queued.
    let offline = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    let state = offline.budget().cast(7, voter(), None, true).await.unwrap();
    assert_eq!(state.state, CastState::Queued);
    assert_eq!(state.choices.iter().map(|c| c.project).collect::<Vec<_>>(), vec![11, 12]);
    // Casting again while queued queues nothing more.
    offline.budget().cast(7, voter(), None, true).await.unwrap();
    assert_eq!(offline.status().unwrap().pending_writes, 1);
    drop(offline);

    // Online: a 500 first, then the 201.
    let pools = vec![PoolChoice {
        pool: 1,
        projects: vec![Choice { project: 11, points: None }, Choice { project: 12, points: None }],
    }];
    server.reply(Reply::Status(500)).reply(Reply::Json(201, receipt(pools)));
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let mine = core.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!((mine.state, mine.error_code.as_deref()), (CastState::Queued, Some("network")));
    // Due now (the backoff after the network failure is spared once the
    // server answers again, as sync does).
    core.store.write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?)).unwrap();
    let flushed = core.flush_outbox().await.unwrap();
    assert_eq!(flushed.pending, 1, "retried later");
    let mine = core.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!(mine.state, CastState::Queued);
    assert_eq!(mine.error_code.as_deref(), Some("internal"));
    // Make it due now, as the backoff would later.
    core.store.write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?)).unwrap();
    let flushed = core.flush_outbox().await.unwrap();
    assert_eq!((flushed.sent, flushed.pending), (1, 0));

    let posts = ballot_posts(&server);
    assert_eq!(posts.len(), 2);
    let key = posts[0].header("idempotency-key").unwrap();
    assert_eq!(posts[1].header("idempotency-key"), Some(key));
    assert_eq!(posts[0].header("authorization"), Some("Bearer tok-1"));
    assert_eq!(posts[0].header("mm-gmina"), Some("0223083"));
    let body: Value = serde_json::from_str(&posts[1].body).unwrap();
    assert_eq!(body["identity"]["pesel"], PESEL);
    assert_eq!(body["residence_declared"], true);
    assert_eq!(body["pools"][0]["projects"][1]["project"], 12);

    let mine = core.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!(mine.state, CastState::Cast);
    assert_eq!(mine.receipt_code.as_deref(), Some("K7M2WQXH9P"));
    assert!(mine.cast_text.is_some() && mine.error_code.is_none());
    // Cast here already: no second ballot is queued.
    let e = core.budget().cast(7, voter(), None, true).await.unwrap_err();
    assert_eq!(e.code(), "already_voted");
    assert_eq!(ballot_posts(&server).len(), 2);
}

#[tokio::test]
async fn already_voted_is_a_typed_error_and_leaves_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    core.budget().toggle(7, 11).unwrap();
    core.budget().toggle(7, 12).unwrap();
    server.reply(api_error(409, "already_voted", None));
    let e = core.budget().cast(7, voter(), None, true).await.unwrap_err();
    assert!(
        matches!(&e, CoreError::Server { code: mm_protocol::error::ErrorCode::AlreadyVoted, .. }),
        "{e:?}"
    );
    assert_eq!(e.message().pl, "Błąd po polsku.");
    let status = core.status().unwrap();
    assert_eq!((status.pending_writes, status.failed_writes), (0, 0));
    let mine = core.budget().my_ballot(7).unwrap().unwrap();
    assert_eq!(mine.state, CastState::Refused);
    assert_eq!(mine.error_code.as_deref(), Some("already_voted"));
    assert_eq!(mine.error_text.as_deref(), Some("Błąd po polsku."));

    // The server's invalid_identity comes back typed, with its field.
    server.reply(api_error(400, "invalid_identity", Some("pesel")));
    let e = core.budget().cast(7, voter(), None, true).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "pesel"), "{e:?}");
    assert_eq!(core.status().unwrap().pending_writes, 0);
    assert_eq!(ballot_posts(&server).len(), 2, "two casts, each sent once");
}

#[tokio::test]
async fn no_pesel_is_left_in_the_store_files_after_sending() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    core.budget().toggle(7, 11).unwrap();
    core.budget().toggle(7, 12).unwrap();
    let pools = vec![PoolChoice {
        pool: 1,
        projects: vec![Choice { project: 11, points: None }, Choice { project: 12, points: None }],
    }];
    // A retry first (the row is rewritten), then the answer.
    server.reply(Reply::Status(503)).reply(Reply::Json(201, receipt(pools)));
    let state = core.budget().cast(7, voter(), None, true).await.unwrap();
    assert_eq!(state.state, CastState::Queued);
    assert!(contains(&store_bytes(&dir), PESEL.as_bytes()), "queued: the PESEL is in the outbox");
    core.store.write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?)).unwrap();
    core.flush_outbox().await.unwrap();
    assert_eq!(core.budget().my_ballot(7).unwrap().unwrap().state, CastState::Cast);
    let bytes = store_bytes(&dir);
    assert!(!contains(&bytes, PESEL.as_bytes()), "the PESEL is still in the store's files");
    assert!(!contains(&bytes, b"Kowalski"), "the name is still in the store's files");
    drop(core);
    let bytes = store_bytes(&dir);
    assert!(!contains(&bytes, PESEL.as_bytes()));
}

#[tokio::test]
async fn the_sms_code_is_asked_online_after_the_identity_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = fetched(&dir, &server, &editions(), projects_of).await;
    // A wrong phone never reaches the server.
    let e = core.budget().request_sms(7, voter(), "12345").await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidIdentity { field, .. } if field == "phone"), "{e:?}");
    server.reply(Reply::Json(202, json!({"request_id": "req-1", "expires_at": "2026-05-01T10:10:00Z"})));
    let issued = core.budget().request_sms(7, voter(), "600 100 200").await.unwrap();
    assert_eq!(issued.request_id, "req-1");
    let reqs: Vec<Recorded> =
        server.requests().into_iter().filter(|r| r.target == "/api/v1/budget/editions/7/sms-codes").collect();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert!(reqs[0].header("idempotency-key").is_some());
    let body: Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(body["phone"], "600 100 200");
    assert_eq!(body["identity"]["pesel"], PESEL);
    // Locked: a typed error with the minutes from Retry-After.
    server.reply(Reply::WithHeaders(
        429,
        vec![("retry-after", "540".into())],
        json!({"code": "sms_locked", "message": {"pl": "Zablokowano.", "en": "Locked."}}),
    ));
    let e = core.budget().request_sms(7, voter(), "600100200").await.unwrap_err();
    assert_eq!(e, CoreError::SmsLocked { minutes: 9 });
    // Nothing of it is stored.
    assert_eq!(core.status().unwrap().pending_writes, 0);
}

#[tokio::test]
async fn points_are_given_under_the_cumulative_rule_and_results_read_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let mut list = editions();
    list[1].settings.voting = VotingRule::Cumulative { points: 5, min_projects: 1, max_per_project: 3 };
    list[1].published_results = true;
    list[1].dates = dates(Utc::now() - Duration::days(30));
    let results = json!({"edition": 8, "published_at": "2025-07-01T10:00:00Z", "pools": [{
        "edition": 8, "pool": 3, "rule": {"rule": "greedy", "min_votes": 1},
        "counted_at": "2025-06-30T10:00:00Z", "ballots": 120, "budget_grosze": 10_000_000, "spent_grosze": 9_000_000,
        "projects": [
            {"project": 31, "votes": 40, "points": 90, "cost_grosze": 6_000_000, "selected": true},
            {"project": 32, "votes": 70, "points": 80, "cost_grosze": 5_000_000, "selected": false},
            {"project": 33, "votes": 30, "points": 60, "cost_grosze": 3_000_000, "selected": true}],
        "trace": [{"pl": "Projekt 31 wybrany.", "en": "Project 31 selected."}]}]});
    refresh_replies(&server, &list, projects_of);
    server.reply(Reply::Json(200, results));
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.budget().refresh().await.unwrap();
    drop(core);

    let core = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    let b = core.budget();
    let e = b.edition(8).unwrap();
    assert_eq!(e.phase, Phase::Results);
    assert!(!e.voting_open && e.results_published);
    let r = b.results(8).unwrap().unwrap();
    assert_eq!(r.pools[0].ballots, 120);
    assert_eq!(r.pools[0].spent_text, "90 000,00 zł");
    assert_eq!(r.pools[0].projects.iter().map(|p| (p.project, p.selected)).collect::<Vec<_>>(), vec![
        (31, true),
        (33, true),
        (32, false)
    ]);
    assert_eq!(r.pools[0].projects[0].title, "Projekt 31");
    assert_eq!(r.pools[0].trace, vec!["Projekt 31 wybrany.".to_owned()]);
    assert!(b.results(7).unwrap().is_none());

    // Points: 1 on adding, then up to 3 per project and 5 in all.
    let s = b.toggle(8, 31).unwrap();
    assert_eq!(s.pools[0].chosen[0].points, Some(1));
    assert_eq!(s.pools[0].remaining_points, Some(4));
    let s = b.set_points(8, 31, 3).unwrap();
    assert_eq!(s.pools[0].remaining_points, Some(2));
    assert!(matches!(b.set_points(8, 32, 4), Err(CoreError::BallotRule { .. })), "more than 3 on one project");
    b.set_points(8, 32, 2).unwrap();
    assert!(matches!(b.set_points(8, 33, 1), Err(CoreError::BallotRule { .. })), "more than 5 in all");
    let s = b.set_points(8, 31, 0).unwrap();
    assert_eq!(s.pools[0].chosen.iter().map(|c| (c.project, c.points)).collect::<Vec<_>>(), vec![(32, Some(2))]);
    // Voting is over: the review says so, and a cast is refused before the outbox.
    let review = b.review(8).unwrap();
    assert!(!review.ok && review.problems.iter().any(|p| p.text.contains("nie trwa")), "{:?}", review.problems);
    let e = b.cast(8, voter(), None, true).await.unwrap_err();
    assert_eq!(e.code(), "phase_closed");
    assert_eq!(core.status().unwrap().pending_writes, 0);
}

fn with_photos(edition: i64) -> Vec<Project> {
    let mut list = projects_of(edition);
    let photo = |c: char| format!("/api/v1/photos/{}", c.to_string().repeat(64));
    for p in &mut list {
        p.photos = match p.id {
            11 => vec![photo('a'), photo('b')],
            12 => vec![photo('c')],
            13 => vec![photo('d')],
            31 => vec![format!("https://evil.example/api/v1/photos/{}", "e".repeat(64))],
            _ => vec![],
        };
    }
    list
}

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// One refresh keeps the ballot's photos on the device (in the projects'
/// order), refusing an answer that is no photo or too large and never
/// asking another host; they read offline afterwards, and a photo not
/// kept is fetched on demand with the same checks.
#[tokio::test]
async fn project_photos_are_kept_at_refresh_and_read_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    refresh_replies(&server, &editions(), with_photos);
    server
        .reply(Reply::Bytes(200, "image/jpeg", JPEG.to_vec()))
        .reply(Reply::Bytes(200, "image/png", PNG.to_vec()))
        .reply(Reply::Bytes(200, "text/html", b"<html>not a photo</html>".to_vec()))
        .reply(Reply::Bytes(200, "image/jpeg", [JPEG, &vec![0; super::photos::PHOTO_MAX_BYTES][..]].concat()));
    let core = Core::open(config(&dir, &server.url)).unwrap();
    core.budget().refresh().await.unwrap();
    let photo_gets: Vec<String> =
        server.requests().into_iter().map(|r| r.target).filter(|t| t.contains("/photos/")).collect();
    assert_eq!(photo_gets.len(), 4, "{photo_gets:?}");
    assert!(photo_gets.iter().all(|t| !t.contains("eeee")), "another host's photo is not fetched");

    let p = core.budget().project(11).unwrap();
    assert_eq!(p.photo_paths.len(), 2);
    assert_eq!(std::fs::read(&p.photo_paths[0]).unwrap(), JPEG);
    assert_eq!(std::fs::read(&p.photo_paths[1]).unwrap(), PNG);
    assert!(p.photo_paths[0].starts_with(dir.path().to_str().unwrap()));
    assert!(core.budget().project(12).unwrap().photo_paths.is_empty(), "HTML is not kept");
    assert!(core.budget().project(13).unwrap().photo_paths.is_empty(), "too large is not kept");
    assert!(core.budget().project(31).unwrap().photo_paths.is_empty());

    // On demand: another host refused unasked; a bad answer refused again.
    let asked = server.requests().len();
    let e = core.budget().project_photo(31, 0).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "photos"), "{e:?}");
    assert_eq!(server.requests().len(), asked, "nothing fetched");
    server.reply(Reply::Bytes(200, "image/jpeg", b"<html>".to_vec()));
    let e = core.budget().project_photo(12, 0).await.unwrap_err();
    assert_eq!(e.code(), "unsupported_media_type", "{e:?}");
    server.reply(Reply::Bytes(200, "image/jpeg", JPEG.to_vec()));
    let path = core.budget().project_photo(13, 0).await.unwrap();
    assert_eq!(core.budget().project(13).unwrap().photo_paths, vec![path]);
    assert!(matches!(core.budget().project_photo(13, 1).await, Err(CoreError::NotFound { .. })));
    drop(core);
    drop(server);

    // Offline: the server gone, the kept photos still there, no fetch.
    let core = Core::open(config(&dir, "http://127.0.0.1:9")).unwrap();
    let p = core.budget().project(11).unwrap();
    assert_eq!(p.photo_paths.len(), 2);
    assert_eq!(core.budget().project_photo(11, 1).await.unwrap(), p.photo_paths[1]);
    assert!(matches!(core.budget().project_photo(12, 0).await, Err(CoreError::Network { .. })));
}
