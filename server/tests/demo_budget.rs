//! `--demo`'s participatory budget (issue 15, item 9), on the test backend
//! (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`): last year's
//! edition published with its ballots and its pools counted greedily, with
//! equal shares + Add1 and with the comparison step; this year's in
//! voting; this year's green budget in its submission phase (projects
//! submitted, one with some signatures, one under verification; signing
//! through the API); Czernica's in voting; loaded once; no generated PESEL
//! in the database file.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Utc};
use common::TestApp;
use common::backend::sqlite_only;
use mm_protocol::LOCAL_TZ;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{IdentityMode, Phase, ProjectStatus};
use mm_protocol::consultations::{ConsultationStatus, RespondentRule};
use mm_protocol::gmina::Teryt;
use axum::http::StatusCode;
use mm_server::store::Store;
use mm_server::store::budget::ProjectFilter;
use serde_json::{Value, json};
use mm_server::store::consultations::ModerationState;

async fn started() -> TestApp {
    let t = TestApp::new().await;
    let store = t.store.clone() as Arc<dyn Store>;
    let clock = t.state.clock.clone();
    let began = Instant::now();
    mm_server::demo::start(store.clone(), clock.clone(), &t.state.budget_keys, false)
        .await
        .unwrap();
    mm_server::demo::start_neighbour(store, clock, false)
        .await
        .unwrap();
    eprintln!("demo start (both gminas): {:?}", began.elapsed());
    t
}

fn siechnice(t: &TestApp) -> Arc<dyn Store> {
    let teryt = mm_server::demo::czernica::siechnice_record().teryt;
    if t.store.gmina_scope() == &teryt {
        t.store.clone()
    } else {
        t.store.for_gmina(&teryt)
    }
}

fn czernica(t: &TestApp) -> Arc<dyn Store> {
    t.store
        .for_gmina(&mm_server::demo::czernica::record().teryt)
}

#[tokio::test]
async fn the_demo_has_a_published_edition_and_one_in_voting() {
    let t = started().await;
    let s = siechnice(&t);
    let now = Utc::now();
    let year = now.with_timezone(&LOCAL_TZ).year();
    let editions = s.editions(now).await.unwrap();
    assert_eq!(editions.len(), 3, "{editions:?}");
    // The one in voting is listed first (the apps' and tests' "this year's").
    assert_eq!(editions[0].phase, Phase::Voting, "{editions:?}");

    let done = editions
        .iter()
        .find(|e| e.year == year - 1)
        .expect("last year's");
    assert_eq!(done.phase, Phase::Results);
    assert!(done.published_results);
    assert_eq!(done.settings.identity, IdentityMode::Pesel);
    assert_eq!(done.pools.len(), 3);
    let mut rules = Vec::new();
    let mut differs = false;
    for pool in &done.pools {
        let count = s
            .latest_count(done.id, pool.id)
            .await
            .unwrap()
            .expect("counted");
        assert_eq!(count.rule, pool.counting);
        assert!(!count.outcome.trace.is_empty(), "trace stored");
        assert!(
            s.lot(done.id, pool.id).await.unwrap().is_some(),
            "lot drawn"
        );
        rules.push(count.rule.clone());
        // What greedy would have chosen: by votes, each that still fits.
        let projects = s
            .projects(ProjectFilter {
                edition: Some(done.id),
                pool: Some(pool.id),
                ..Default::default()
            })
            .await
            .unwrap();
        let tallies = s.tallies(done.id, pool.id).await.unwrap();
        let votes = |id: i64| {
            tallies
                .iter()
                .find(|x| x.project == id)
                .map_or(0, |x| x.votes)
        };
        let mut by_votes: Vec<_> = projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Rejected)
            .collect();
        by_votes.sort_by_key(|p| std::cmp::Reverse(votes(p.id)));
        let mut left = pool.amount_grosze;
        let mut greedy = HashSet::new();
        for p in by_votes {
            if p.cost_grosze <= left {
                left -= p.cost_grosze;
                greedy.insert(p.id);
            }
        }
        let selected: HashSet<i64> = projects
            .iter()
            .filter(|p| p.status == ProjectStatus::Selected)
            .map(|p| p.id)
            .collect();
        assert_eq!(
            selected,
            count
                .outcome
                .selected
                .iter()
                .copied()
                .collect::<HashSet<_>>(),
            "published = counted"
        );
        if matches!(pool.counting, CountingRule::EqualSharesAdd1 { .. }) && selected != greedy {
            differs = true;
        }
    }
    assert!(rules.contains(&CountingRule::Greedy { min_votes: 1 }));
    assert!(rules.contains(&CountingRule::EqualSharesAdd1 { comparison: false }));
    assert!(rules.contains(&CountingRule::EqualSharesAdd1 { comparison: true }));
    assert!(
        differs,
        "equal shares and greedy differ in at least one pool"
    );
    let projects = s
        .projects(ProjectFilter {
            edition: Some(done.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(projects.iter().filter(|p| p.number.is_some()).count() >= 18);
    assert!(
        projects
            .iter()
            .any(|p| p.status == ProjectStatus::Rejected && p.rejection_reason.is_some())
    );

    // Ballots: every voter chose in the gmina-wide pool.
    let wide = done
        .pools
        .iter()
        .find(|p| p.kind == mm_protocol::budget::model::PoolKind::GminaWide)
        .unwrap();
    let ballots: u32 = s
        .count_input(done.id, wide.id)
        .await
        .unwrap()
        .ballots
        .iter()
        .map(|b| b.weight)
        .sum();
    assert!(ballots >= 1_000, "{ballots} ballots");

    let open = editions
        .iter()
        .find(|e| e.year == year && e.phase == Phase::Voting)
        .expect("this year's");
    assert_eq!(open.phase, Phase::Voting);
    assert!(open.settings.sms && open.settings.allow_change);
    assert_eq!(open.settings.identity, IdentityMode::NameAddress);
    let on_ballot = s
        .projects(ProjectFilter {
            edition: Some(open.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        on_ballot
            .iter()
            .all(|p| p.status == ProjectStatus::OnBallot)
            && on_ballot.len() >= 6
    );
    for pool in &open.pools {
        assert!(
            s.tallies(open.id, pool.id).await.unwrap().is_empty(),
            "no ballots yet"
        );
    }

    // Consultations: one open per device, one open per person, one published, with answers and moderated texts.
    let cs = s.consultations(false).await.unwrap();
    assert_eq!(cs.len(), 3);
    let open = cs
        .iter()
        .find(|c| c.accepts_answers_at(now))
        .expect("an open consultation");
    assert!(open.anonymous);
    assert_eq!(open.respondents, RespondentRule::PerDevice, "the per-device one found first");
    let per_person = cs
        .iter()
        .find(|c| c.respondents == RespondentRule::PerVerifiedPerson)
        .expect("a per-person consultation");
    assert!(per_person.accepts_answers_at(now));
    assert_eq!(per_person.verification.identity, IdentityMode::NameAddress);
    assert!(!per_person.verification.sms, "the demo texts no codes");
    assert!(s.responses(per_person.id).await.unwrap().is_empty());
    let published = cs
        .iter()
        .find(|c| c.status == ConsultationStatus::Published)
        .expect("a published one");
    assert!(!s.responses(published.id).await.unwrap().is_empty());
    for state in [ModerationState::Approved, ModerationState::Pending] {
        assert!(
            !s.text_answers(published.id, state)
                .await
                .unwrap()
                .is_empty(),
            "{state:?}"
        );
    }

    let c = czernica(&t).editions(now).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].phase, Phase::Voting);
}

#[tokio::test]
async fn a_second_start_loads_nothing_twice_and_gminas_stay_apart() {
    let t = started().await;
    let store = t.store.clone() as Arc<dyn Store>;
    mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, false)
        .await
        .unwrap();
    mm_server::demo::start_neighbour(store, t.state.clock.clone(), false)
        .await
        .unwrap();
    let now = Utc::now();
    let s = siechnice(&t);
    let c = czernica(&t);
    assert_eq!(s.editions(now).await.unwrap().len(), 3);
    assert_eq!(c.editions(now).await.unwrap().len(), 1);
    // Czernica's handle sees none of Siechnice's editions.
    for e in s.editions(now).await.unwrap() {
        assert!(c.edition(e.id, now).await.unwrap().is_none());
        assert!(
            c.projects(ProjectFilter {
                edition: Some(e.id),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
        );
    }
    // A gmina without the demo has no edition.
    let other = Teryt::parse("0223011").unwrap();
    assert!(
        t.store
            .for_gmina(&other)
            .editions(now)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn no_generated_pesel_reaches_the_database_file() {
    if !sqlite_only("looks into the SQLite file") {
        return;
    }
    let t = started().await;
    let pesels: HashSet<Vec<u8>> = mm_server::demo::budget::voter_pesels()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    assert_eq!(pesels.len(), mm_server::demo::budget::VOTERS);
    let mut files = 0;
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with(mm_server::store::sqlite::DB_FILE) {
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path).unwrap();
        let found = bytes.windows(11).any(|w| pesels.contains(w));
        assert!(!found, "a generated PESEL in {name}");
    }
    assert!(files >= 1, "the database file");
}

/// The budget part alone, as a first start loads it (printed; the brief
/// keeps it under ~3 s on SQLite in a debug build, asserted loosely so a
/// busy machine does not fail the suite).
#[tokio::test]
async fn the_budget_demo_loads_quickly() {
    let t = TestApp::new().await;
    let record = mm_server::demo::czernica::siechnice_record();
    let now = Utc::now();
    t.store
        .add_gmina(mm_server::store::Actor("demo".into()), record.clone(), now)
        .await
        .unwrap();
    let s = if t.store.gmina_scope() == &record.teryt {
        t.store.clone()
    } else {
        t.store.for_gmina(&record.teryt)
    };
    let began = Instant::now();
    assert!(
        mm_server::demo::budget::load_siechnice(s.clone(), &t.state.budget_keys, now)
            .await
            .unwrap()
    );
    let took = began.elapsed();
    eprintln!("budget demo (Siechnice): {took:?}");
    assert!(took.as_secs() < 30, "{took:?}");
    assert!(
        !mm_server::demo::budget::load_siechnice(s.clone(), &t.state.budget_keys, now)
            .await
            .unwrap(),
        "once"
    );
}

/// `demo::start` is given the deployment's budget keys: a voter of last
/// year's edition, keyed again from the typed identity by the real
/// derivation (`AppState.budget_keys`), is in its register, and the
/// receipt code the real keys give opens that voter's ballot.
#[tokio::test]
async fn demo_voters_are_keyed_with_the_deployments_budget_key() {
    use mm_protocol::budget::identity::normalise;
    use mm_protocol::budget::model::BallotChannel;
    use mm_server::demo::budget::{voter_identity, voter_pesels};
    use mm_server::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};

    let t = started().await;
    let s = siechnice(&t);
    let now = Utc::now();
    let year = now.with_timezone(&LOCAL_TZ).year();
    let done = s.editions(now).await.unwrap().into_iter().find(|e| e.year == year - 1).expect("last year's");
    let key = t.state.budget_keys.edition(s.gmina_scope(), done.id);
    let pesels = voter_pesels();
    let pool = done.pools[0].id;
    let project = s
        .projects(ProjectFilter { edition: Some(done.id), pool: Some(pool), ..Default::default() })
        .await
        .unwrap()[0]
        .id;
    let policy = BallotPolicy {
        duplicates: done.settings.duplicates,
        max_voters_per_phone: done.settings.max_voters_per_phone,
        allow_change: false,
    };
    let ballot = |voter_key| NewBallot {
        edition: done.id,
        policy,
        voter_key,
        phone_key: None,
        channel: BallotChannel::Online,
        device: Some("test-device".into()),
        entered_by: None,
        residence_declared: true,
        choices: vec![BallotChoice { pool, project, points: 1 }],
        receipt_key: key.clone(),
        idempotency: None,
        sms: None,
        now,
    };
    for i in [0usize, 7, 1_000] {
        let identity = normalise(IdentityMode::Pesel, &voter_identity(i, &pesels[i])).unwrap();
        let outcome = s.cast_ballot(ballot(key.voter(&identity))).await.unwrap();
        let CastOutcome::AlreadyVoted { .. } = outcome else {
            panic!("demo voter {i} not recognised by the real key: {outcome:?}")
        };
    }
    // Another key (as the throwaway one was) does not find them.
    let other = mm_server::budget::identity::BudgetKeys::ephemeral().edition(s.gmina_scope(), done.id);
    let identity = normalise(IdentityMode::Pesel, &voter_identity(3, &pesels[3])).unwrap();
    let outcome = s.cast_ballot(NewBallot { receipt_key: other.clone(), ..ballot(other.voter(&identity)) }).await.unwrap();
    assert!(matches!(outcome, CastOutcome::Counted { .. }), "{outcome:?}");
    // Receipts: the real key's code of a demo ballot opens it.
    let mut opened = 0;
    for id in 1..=20 {
        if let Some(b) = s.ballot_by_receipt(done.id, &key.receipt_hash(id)).await.unwrap() {
            assert_eq!(b.id, id);
            opened += 1;
        }
    }
    assert!(opened > 0, "no demo ballot opened by a receipt of the real key");

    // The open demo consultation's respondents are demo devices keyed with
    // the same keys: demo-device-0 has answered, a new device has not.
    use mm_protocol::consultations::{ConsultationStatus, check_answers};
    use mm_server::store::consultations::{Answered, NewResponse};
    let open = s
        .consultations(false)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.status == ConsultationStatus::Open && c.accepts_answers_at(now))
        .expect("an open demo consultation");
    let ck = t.state.budget_keys.consultation(s.gmina_scope(), open.id);
    let answers = check_answers(&open, &mm_server::demo::consultations::answers(0)).unwrap();
    let response = |device: &str| NewResponse {
        consultation: open.id,
        respondent_key: ck.device(device).to_vec(),
        answers: answers.clone(),
        now,
        idempotency: None,
        sms: None,
    };
    let again = s.answer(response("demo-device-0")).await;
        assert!(
            matches!(again, Err(mm_server::store::StoreError::Conflict(mm_server::store::Conflict::AlreadyAnswered))),
            "{again:?}"
        );
        assert!(matches!(s.answer(response("a-new-device")).await.unwrap(), Answered::New { .. }));
}

/// This year's green budget is in its submission phase: its projects as
/// residents submitted them, one with some support signatures, one with
/// the department, listed by the API after the edition in voting; a
/// resident signs through the API, and a demo signer signing again is
/// told they have signed (the demo keys signers as the API does).
#[tokio::test]
async fn the_green_budget_takes_projects_and_signatures_now() {
    use mm_server::demo::budget::{GREEN_SIGNATURES, GREEN_SIGNED, signer_identity};

    let t = started().await;
    let s = siechnice(&t);
    let now = Utc::now();
    let teryt = mm_server::demo::czernica::siechnice_record().teryt;
    let editions = s.editions(now).await.unwrap();
    let green = editions
        .iter()
        .find(|e| e.phase == Phase::Submission)
        .expect("an edition in its submission phase");
    assert!(green.title.contains("Zielony"), "{}", green.title);
    assert!(green.dates.validate().is_ok());
    assert_eq!(green.settings.identity, IdentityMode::NameAddress);
    assert_eq!(green.pools.len(), 1);
    assert_eq!(green.pools[0].signatures_required, GREEN_SIGNATURES);
    let projects = s
        .projects(ProjectFilter { edition: Some(green.id), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(projects.len(), 4, "{projects:?}");
    let under: Vec<_> = projects.iter().filter(|p| p.status == ProjectStatus::UnderVerification).collect();
    assert_eq!(under.len(), 1, "one with the department");
    assert!(
        projects
            .iter()
            .filter(|p| p.id != under[0].id)
            .all(|p| p.status == ProjectStatus::Submitted && p.number.is_none()),
        "the others just submitted"
    );
    let mut signatures = Vec::new();
    for p in &projects {
        let (_, private) = s.project(p.id).await.unwrap().unwrap();
        assert!(private.proposer_device.is_some());
        signatures.push((p.id, private.signatures));
    }
    let of = |id: i64| signatures.iter().find(|(p, _)| *p == id).unwrap().1;
    assert_eq!(of(under[0].id), GREEN_SIGNATURES, "its signatures collected");
    let signed: Vec<i64> = signatures.iter().filter(|(_, n)| *n == GREEN_SIGNED).map(|(p, _)| *p).collect();
    assert_eq!(signed.len(), 1, "{signatures:?}");
    assert_eq!(signatures.iter().filter(|(_, n)| *n == 0).count(), 2, "{signatures:?}");
    let signed = signed[0];

    // The resident API lists it, after the edition in voting.
    let r = t.get(&format!("/api/v1/budget/editions?gmina={teryt}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let listed: Vec<Value> = r.json().as_array().unwrap().clone();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert_eq!(listed[0]["phase"], "voting", "the edition in voting first");
    let entry = listed.iter().find(|e| e["id"] == green.id).expect("listed");
    assert_eq!(entry["phase"], "submission");
    let r = t.get(&format!("/api/v1/budget/editions/{}/projects?gmina={teryt}", green.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let statuses: Vec<String> =
        r.json().as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses.iter().filter(|s| *s == "under_verification").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "submitted").count(), 3, "{statuses:?}");

    // Signing through the API: a new resident is counted, a demo signer again is not.
    let r = t
        .call("POST", &format!("/api/v1/devices?gmina={teryt}"), None, Some(json!({"platform": "android", "app_version": "1.0.0"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let sign = |key: &'static str, identity: Value| {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/v1/budget/projects/{signed}/signatures?gmina={teryt}"))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json!({ "identity": identity }).to_string()))
            .unwrap();
        t.send(req)
    };
    let newcomer = json!({"first_name": "Hanna", "last_name": "Testowa",
        "address": {"locality": 1, "street": "Parkowa", "house": "12"}});
    let r = sign("g1", newcomer).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["signatures"], GREEN_SIGNED + 1);
    // Signer 15 is the first of the signed project's (the first project took 0..15).
    let demo_signer = serde_json::to_value(signer_identity(GREEN_SIGNATURES as usize)).unwrap();
    let r = sign("g2", demo_signer).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(s.project(signed).await.unwrap().unwrap().1.signatures, GREEN_SIGNED + 1, "nothing added");
}

/// The demo's projects come with photos (a playground, a park, a bike
/// path) in last year's edition and in this year's, listed as URLs on the
/// gmina's server that answer a JPEG to anyone.
#[tokio::test]
async fn demo_projects_have_photos_that_the_api_serves() {
    let t = started().await;
    let s = siechnice(&t);
    let now = Utc::now();
    let year = now.with_timezone(&LOCAL_TZ).year();
    let teryt = mm_server::demo::czernica::siechnice_record().teryt;
    // The maintenance pass keeps them though no report names them (their
    // upload dates are months old): budget projects name them.
    let collected = t.store.collect_orphan_photos(now, 10_000).await.unwrap();
    assert_eq!(collected, 0, "no demo photo is an orphan");
    let editions = s.editions(now).await.unwrap();
    for y in [year - 1, year] {
        let e = editions
            .iter()
            .find(|e| e.year == y && e.phase != Phase::Submission)
            .expect("the edition");
        let r = t.get(&format!("/api/v1/budget/editions/{}/projects?gmina={teryt}", e.id)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let projects = r.json().as_array().unwrap().clone();
        let with: Vec<&Value> = projects.iter().filter(|p| !p["photos"].as_array().unwrap().is_empty()).collect();
        assert!(with.len() >= 3, "{y}: {} projects with photos", with.len());
        assert!(with.len() < projects.len(), "{y}: not every project has a photo");
        assert!(with.iter().any(|p| p["photos"].as_array().unwrap().len() == 2), "{y}: one with two");
        let mut seen = HashSet::new();
        for p in &with {
            for url in p["photos"].as_array().unwrap() {
                let url = url.as_str().unwrap();
                assert!(url.starts_with("/api/v1/photos/"), "{url}");
                assert!(seen.insert(url.to_owned()), "{url} twice: every photo differs");
            }
        }
        let first = with[0]["photos"][0].as_str().unwrap();
        let r = t.get(&format!("{first}?gmina={teryt}")).await;
        assert_eq!(r.status, StatusCode::OK, "{first}");
        assert_eq!(r.headers["content-type"], "image/jpeg");
        assert_eq!(&r.bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    }
}
