//! The participatory budget and consultations through the core, end to
//! end (issue 15 §7 item 5): the real `mm-server --demo` (its SMS codes
//! sent to a fake SMSAPI, so the test can read them) and the real `mm`.
//!
//! Covered: voting through `mm` with the SMS code, the receipt code from
//! the server (`mm budget ballot`), a second vote refused (`already_voted`),
//! the ballot changed (`mm budget change`), a project submitted into an
//! edition in its submission phase, a consultation answered twice (the
//! second refused), and answers given while the server is down, sent once
//! when it is back (`mm sync`), counted once by the server.

use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, Duration, Utc};
use mm_e2e::fake_sms::FakeSms;
use mm_e2e::{DEMO_GMINA, Mm, Server};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{EditionSettings, PhaseDates, Pool, PoolKind};
use mm_protocol::gmina::Teryt;
use mm_server::store::budget::NewEdition;
use mm_server::store::{Actor, SqliteStore, Store};
use serde_json::Value;

const PHONE: &str = "600100200";

/// An edition in its submission phase now, with one gmina-wide pool (the
/// demo's are in voting and finished). Its id.
async fn submission_edition(data: &Path) -> i64 {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data).unwrap());
    let store = store.for_gmina(&Teryt::parse(DEMO_GMINA).unwrap());
    let now = Utc::now();
    let dates = PhaseDates {
        submission_from: now - Duration::days(2),
        submission_to: now + Duration::days(20),
        verification_to: now + Duration::days(40),
        appeal_to: now + Duration::days(50),
        voting_from: now + Duration::days(60),
        voting_to: now + Duration::days(70),
    };
    let year = now.year() + 1;
    let e = store
        .create_edition(
            Actor("e2e".into()),
            NewEdition { year, title: format!("Budżet {year} (e2e)"), dates, settings: EditionSettings::default() },
            now,
        )
        .await
        .unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Pula ogólnogminna".into(),
        amount_grosze: 500_000 * 100,
        localities: vec![],
        residents: 10_000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    };
    store.upsert_pool(Actor("e2e".into()), e.id, pool, now).await.unwrap();
    e.id
}

/// Responses the server stored for a consultation.
async fn responses(data: &Path, consultation: i64) -> usize {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data).unwrap());
    let store = store.for_gmina(&Teryt::parse(DEMO_GMINA).unwrap());
    store.responses(consultation).await.unwrap().len()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The identity flags of a voter (name and address, the demo's setting).
fn identity(locality: i64) -> Vec<String> {
    [
        "--first-name",
        "Jan",
        "--last-name",
        "Testowy",
        "--locality",
        &locality.to_string(),
        "--street",
        "Polna",
        "--house",
        "1",
        "--phone",
        PHONE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run(mm: &Mm, args: &[&str], more: &[String]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(more.iter().map(String::as_str));
    mm.run(&all).unwrap()
}

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn vote_change_submit_and_answer_through_mm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sms = rt.block_on(FakeSms::start());
    let env = sms.server_env(dir.path());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // First run: the demo loads; the second device caches the consultations.
    let first = Server::start_with(&data, true, &env).unwrap();
    let addr = first.addr();
    let app = Mm::new(&dir.path().join("app"), &first.url);
    let other = Mm::new(&dir.path().join("other"), &first.url);
    let list = json(&other.run(&["consultations"]).unwrap());
    let open = list["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["accepts_answers"] == true)
        .unwrap_or_else(|| panic!("an open consultation in the demo: {list}"));
    let consultation = open["id"].as_i64().unwrap();
    let before = {
        let _ = first.stop();
        rt.block_on(responses(&data, consultation))
    };
    let submission = rt.block_on(submission_edition(&data));

    // The server is down: the other device answers from its cache; queued.
    let r = json(
        &other
            .run(&["survey", &consultation.to_string(), "--single", "czestosc=2", "--text", "nazwa=Park Odrzański"])
            .unwrap(),
    );
    assert_eq!(r["state"], "queued", "{r}");
    assert_eq!(json(&other.run(&["status"]).unwrap())["pending_writes"], 1);

    // Back, at the same address: one sync delivers it.
    let server = Server::start_at(&data, true, &addr, &env).unwrap();
    json(&other.run(&["sync"]).unwrap());
    let d = json(&other.run(&["consultations", "show", &consultation.to_string()]).unwrap());
    assert_eq!(d["response"]["state"], "sent", "{d}");
    assert_eq!(json(&other.run(&["status"]).unwrap())["pending_writes"], 0);
    json(&other.run(&["sync"]).unwrap());

    // ---- the budget ----
    let editions = json(&app.run(&["budget"]).unwrap());
    let edition = editions["editions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["voting_open"] == true && e["sms_required"] == true && e["allow_change"] == true)
        .unwrap_or_else(|| panic!("the demo's open edition: {editions}"));
    let id = edition["id"].as_i64().unwrap();
    let wide = edition["pools"].as_array().unwrap().iter().find(|p| p["kind"] == "gmina_wide").unwrap()["id"]
        .as_i64()
        .unwrap();
    let projects =
        json(&app.run(&["budget", "projects", "--edition", &id.to_string(), "--pool", &wide.to_string()]).unwrap());
    let on_ballot: Vec<i64> = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["project"]["status"] == "on_ballot")
        .map(|p| p["project"]["id"].as_i64().unwrap())
        .collect();
    assert!(on_ballot.len() >= 2, "{projects}");
    let gmina: Value = mm_e2e::reqwest::blocking_client()
        .get(format!("{}/api/v1/gmina", server.url))
        .header("MM-Gmina", DEMO_GMINA)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let locality = gmina["localities"][0]["id"].as_i64().unwrap();
    let who = identity(locality);
    let edition_arg = id.to_string();

    // The SMS code, read where the fake gateway got it.
    let issued = json(&run(&app, &["budget", "sms", "--edition", &edition_arg], &who));
    let request = issued["request_id"].as_str().unwrap().to_owned();
    let code = sms.last_to(&format!("48{PHONE}")).and_then(|m| m.code()).expect("the SMS with the code");
    let first_choice = on_ballot[0].to_string();
    let vote = [
        "budget",
        "vote",
        "--edition",
        &edition_arg,
        "--project",
        &first_choice,
        "--declare-residence",
        "--sms-request",
        &request,
        "--sms-code",
        &code,
    ];
    let cast = json(&run(&app, &vote, &who));
    assert_eq!(cast["state"], "cast", "{cast}");
    let receipt = cast["receipt_code"].as_str().unwrap().to_owned();
    assert!(receipt.len() >= 8, "{receipt}");

    // The server's own record of it, with the same receipt.
    let mine = json(&app.run(&["budget", "ballot", &edition_arg]).unwrap());
    assert_eq!(mine["receipt_code"], receipt.as_str());
    assert_eq!(mine["may_change"], true);
    assert_eq!(mine["choices"][0]["project"], on_ballot[0]);

    // Again: already voted, nothing sent.
    let again = run(&app, &vote, &who);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already_voted"), "{}", stderr(&again));

    // The change: to the second project, by the same voter.
    let second = on_ballot[1].to_string();
    let changed = json(&run(&app, &["budget", "change", "--edition", &edition_arg, "--project", &second], &who));
    assert_eq!(changed["state"], "cast", "{changed}");
    assert_eq!(changed["choices"].as_array().unwrap().len(), 1);
    assert_eq!(changed["choices"][0]["project"], on_ballot[1]);
    assert!(changed["change"].is_null(), "{changed}");
    let mine = json(&app.run(&["budget", "ballot", &edition_arg]).unwrap());
    assert_eq!(mine["choices"][0]["project"], on_ballot[1]);
    assert!(mine["changed_at"].is_string(), "{mine}");
    // Another person cannot change it with the receipt code alone.
    let mut stranger = identity(locality);
    stranger[3] = "Obcy".into();
    let refused = run(&app, &["budget", "change", "--edition", &edition_arg, "--project", &first_choice], &stranger);
    assert!(!refused.status.success());
    let mine = json(&app.run(&["budget", "ballot", &edition_arg]).unwrap());
    assert_eq!(mine["choices"][0]["project"], on_ballot[1], "unchanged");

    // A project into the edition in submission.
    let editions = json(&app.run(&["budget"]).unwrap());
    let pool =
        editions["editions"].as_array().unwrap().iter().find(|x| x["id"] == submission).unwrap()["pools"][0]["id"]
            .to_string();
    let submitted = json(
        &app.run(&[
            "budget",
            "submit",
            "--edition",
            &submission.to_string(),
            "--pool",
            &pool,
            "--title",
            "Ławki nad Odrą",
            "--description",
            "Pięć ławek przy ścieżce.",
            "--cost-zl",
            "15000",
            "--lat",
            "51.03",
            "--lon",
            "17.15",
            "--contact-name",
            "Anna Testowa",
        ])
        .unwrap(),
    );
    assert_eq!(submitted["state"], "done", "{submitted}");
    assert_eq!(submitted["project_status"], "submitted");
    let project = submitted["project"].as_i64().unwrap();
    let p = json(&app.run(&["budget", "project", &project.to_string()]).unwrap());
    assert_eq!(p["project"]["title"], "Ławki nad Odrą");
    // Collecting signatures; not rejected, so nothing to appeal (the core's flags, as the phones show them).
    assert_eq!((p["can_sign"].as_bool(), p["can_appeal"].as_bool()), (Some(true), Some(false)), "{p}");
    let public: Value = mm_e2e::reqwest::blocking_client()
        .get(format!("{}/api/v1/budget/projects/{project}", server.url))
        .header("MM-Gmina", DEMO_GMINA)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(!public.to_string().contains("Anna Testowa"), "the contact is never public: {public}");
    // A cost that is not whole złoty never leaves the device.
    let mine_before = json(&app.run(&["budget", "mine"]).unwrap()).as_array().unwrap().len();
    let bad = app
        .run(&[
            "budget",
            "submit",
            "--edition",
            &submission.to_string(),
            "--pool",
            "999999",
            "--title",
            "x",
            "--description",
            "y",
            "--cost-zl",
            "10",
            "--contact-name",
            "A",
        ])
        .unwrap();
    assert!(!bad.status.success() && stderr(&bad).contains("invalid_input"), "{}", stderr(&bad));
    assert_eq!(json(&app.run(&["budget", "mine"]).unwrap()).as_array().unwrap().len(), mine_before);

    // ---- a consultation answered twice ----
    let c = consultation.to_string();
    let r = json(&app.run(&["survey", &c, "--single", "czestosc=0", "--multiple", "potrzeby=1,3"]).unwrap());
    assert_eq!(r["state"], "sent", "{r}");
    let again = app.run(&["survey", &c, "--single", "czestosc=1"]).unwrap();
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already_answered"), "{}", stderr(&again));
    // A third device: an option past the question's is refused before
    // anything is queued.
    let third = Mm::new(&dir.path().join("third"), &server.url);
    let bad = third.run(&["survey", &c, "--single", "czestosc=99"]).unwrap();
    assert!(!bad.status.success() && stderr(&bad).contains("invalid_input"), "{}", stderr(&bad));
    assert_eq!(json(&third.run(&["status"]).unwrap())["pending_writes"], 0);

    let _ = server.stop();
    assert_eq!(rt.block_on(responses(&data, consultation)), before + 2, "each device's answers counted once");
}
