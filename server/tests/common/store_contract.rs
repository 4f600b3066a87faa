//! The store's contract, written once, that every backend must pass (the
//! habit of matrix-sdk's `statestore_integration_tests!`): idempotent
//! replay and conflict; every public write published in its own
//! transaction with `seq` only growing; an audit row for every official's
//! write; exactly one registration per report and one EZD case per
//! accepted report; followers conserved by a duplicate; visibility changes
//! published with the change; dead letters and their retry; group-committed
//! writes that fail alone; changes to the categories and the gmina seen by
//! their cache at once; the directory of gminas; and tenancy: what one
//! gmina's handle writes, another gmina's handle neither sees nor touches.
//!
//! Shared by `store_contract.rs` (SQLite) and `store_contract_postgres.rs`;
//! a backend joins with one line:
//! `store_contract_tests!(name, async { Backend { store, keep } });`, or
//! with a future of `Option<Backend>` when it may be absent here (`None`
//! skips, see `common/postgres.rs` for when that is allowed).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mm_protocol::auth::Role;
use mm_protocol::devices::{Platform, RegisterDevice};
use mm_protocol::events::EventCategory;
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Branding, Teryt};
use mm_protocol::news::NewsInput;
use mm_protocol::reports::{
    NewReport, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest,
};
use mm_server::reports::model::PhotoMeta;
use mm_server::reports::workflow::WorkflowError;
use mm_server::store::ezd::{CaseState, OpenedCase, Registered};
use mm_server::store::jobs::{JobFilter, JobRow, JobState};
use mm_server::store::{
    Actor, AdminReportFilter, Conflict, Created, GminaRecord, GminaSettings, IdempotencyKey, NearFilter, NewDevice,
    NewReportRecord, ReportFilter, SessionKind, Store, StoreError, StoredResponse,
};

/// A store under test, and whatever keeps it alive (a temp dir, a server).
pub struct Backend {
    pub store: Arc<dyn Store>,
    /// Never read: held so the backend lives as long as the test.
    #[allow(dead_code)]
    pub keep: Box<dyn std::any::Any + Send>,
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn official() -> Actor {
    Actor("contract-official".into())
}

/// A registered device with this id (its token hash `hash-<id>`).
pub async fn device(s: &dyn Store, id: &str) -> String {
    let d = NewDevice {
        id: id.into(),
        token_hash: format!("hash-{id}"),
        input: RegisterDevice {
            platform: Platform::Cli,
            app_version: "1.0.0".into(),
            locale: None,
            os_version: None,
            push_token: None,
        },
        created_at: now(),
    };
    s.register_device(None, d, StoredResponse::created("{}".into())).await.unwrap();
    id.to_owned()
}

fn input(description: &str) -> NewReport {
    NewReport {
        category: "other".into(),
        point: GeoPoint { lat: 51.0335, lon: 17.15 },
        location_source: Default::default(),
        accuracy_m: None,
        address: Some("ul. Kolejowa 1".into()),
        description: description.into(),
        answers: Default::default(),
        photo_ids: vec![],
        contact: None,
    }
}

async fn report(s: &dyn Store, device: Option<&str>, description: &str) -> i64 {
    let rec = NewReportRecord { device_id: device.map(str::to_owned), idempotency: None, input: input(description), now: now() };
    match s.create_report(rec).await.unwrap() {
        Created::New(r) => r.id,
        other => panic!("{other:?}"),
    }
}

fn to(status: ReportStatus) -> StatusChangeRequest {
    StatusChangeRequest { status, public_reply: Some("Odpowiedź.".into()), internal_note: None, duplicate_of: None }
}

async fn jobs_of(s: &dyn Store, kind: &str, report: i64) -> Vec<JobRow> {
    s.jobs(JobFilter { state: None, kind: Some(kind.into()), limit: 10_000 })
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.report_id() == Some(report))
        .collect()
}

async fn audit_len(s: &dyn Store) -> usize {
    s.list_audit(100_000).await.unwrap().len()
}

/// The log row of a report, if any: (seq, body).
async fn logged(s: &dyn Store, id: i64) -> Option<(u64, Option<String>)> {
    let (rows, _) = s.log_page(0, 100_000).await.unwrap();
    rows.into_iter().find(|r| r.collection == "reports" && r.id == id.to_string()).map(|r| (r.seq, r.body))
}

pub async fn idempotent_replay_and_conflict(b: Backend) {
    let s = b.store.as_ref();
    let d = device(s, "dev-idem").await;
    let key = |hash: &str| IdempotencyKey { scope: format!("reports/{d}"), key: "k-1".into(), request_hash: hash.into() };
    let rec = |hash: &str| NewReportRecord {
        device_id: Some(d.clone()),
        idempotency: Some(key(hash)),
        input: input("Latarnia nie świeci."),
        now: now(),
    };
    let Created::New(first) = s.create_report(rec("h1")).await.unwrap() else { panic!("the first is new") };
    let seq = s.max_seq();
    match s.create_report(rec("h1")).await.unwrap() {
        Created::Replayed(stored) => {
            assert_eq!(stored.status, 201);
            assert_eq!(serde_json::from_str::<mm_protocol::reports::Report>(&stored.body).unwrap(), first);
        }
        other => panic!("a retry replays: {other:?}"),
    }
    assert!(matches!(s.create_report(rec("h2")).await, Err(StoreError::IdempotencyConflict)));
    assert_eq!(s.max_seq(), seq, "neither the replay nor the conflict wrote");
    assert!(s.has_idempotency_key(&format!("reports/{d}"), "k-1").await.unwrap());
    assert_eq!(jobs_of(s, "ezd.register", first.id).await.len(), 1);
}

pub async fn publications_share_the_write_and_seq_only_grows(b: Backend) {
    let s = b.store.as_ref();
    let before = s.max_seq();
    let id = report(s, None, "Dziura w jezdni.").await;
    let (seq1, body) = logged(s, id).await.expect("published with the report");
    assert!(seq1 > before && s.max_seq() >= seq1);
    assert!(body.unwrap().contains("Dziura w jezdni."));
    s.change_report_status(official(), id, to(ReportStatus::Accepted), now()).await.unwrap();
    let (seq2, body) = logged(s, id).await.unwrap();
    assert!(seq2 > seq1, "a change gets a later seq");
    assert!(body.unwrap().contains("\"accepted\""));
    // A refused write publishes nothing.
    let max = s.max_seq();
    let e = s.change_report_status(official(), id, to(ReportStatus::New), now()).await.unwrap_err();
    assert!(matches!(e, StoreError::Workflow(WorkflowError::NotAllowed { .. })), "{e:?}");
    assert_eq!(s.max_seq(), max);
    // The log reads back in seq order.
    let (rows, _) = s.log_page(0, 100_000).await.unwrap();
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
}

pub async fn every_officials_write_is_audited(b: Backend) {
    let s = b.store.as_ref();
    let id = report(s, None, "Latarnia nie świeci.").await;
    let mut n = audit_len(s).await;
    s.change_report_status(official(), id, to(ReportStatus::Accepted), now()).await.unwrap();
    n += 1;
    assert_eq!(audit_len(s).await, n, "a status change adds one audit row");
    let hide = VisibilityChangeRequest { visibility: Visibility::Hidden, reason: "Dane osobowe.".into() };
    s.set_report_visibility(official(), id, hide.clone(), now()).await.unwrap();
    n += 1;
    assert_eq!(audit_len(s).await, n, "a visibility change adds one");
    s.set_report_visibility(official(), id, hide, now()).await.unwrap();
    assert_eq!(audit_len(s).await, n, "the same visibility again changes nothing");
    let news = NewsInput { title: "Komunikat".into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None };
    s.create_news(official(), news, now()).await.unwrap();
    n += 1;
    assert_eq!(audit_len(s).await, n, "news adds one");
    let dept = s.create_department(official(), "Drogi i mosty", now()).await.unwrap();
    n += 1;
    assert_eq!(audit_len(s).await, n, "a department adds one");
    s.assign_report(official(), id, Some(dept.id), None, now()).await.unwrap();
    n += 1;
    assert_eq!(audit_len(s).await, n, "an assignment adds one");
    let last = &s.list_audit(1).await.unwrap()[0];
    assert_eq!(last.actor, "contract-official");
    // A refused write audits nothing.
    let _ = s.change_report_status(official(), id, to(ReportStatus::New), now()).await.unwrap_err();
    assert_eq!(audit_len(s).await, n);
}

pub async fn one_registration_per_report_and_one_case_per_accepted_report(b: Backend) {
    let s = b.store.as_ref();
    let id = report(s, None, "Znak drogowy przewrócony.").await;
    let other = report(s, None, "Inny znak drogowy.").await;
    assert_eq!(jobs_of(s, "ezd.register", id).await.len(), 1);
    assert_eq!(jobs_of(s, "ezd.open_case", id).await.len(), 0, "no case before acceptance");
    s.change_report_status(official(), id, to(ReportStatus::Accepted), now()).await.unwrap();
    s.change_report_status(official(), id, to(ReportStatus::Resolved), now()).await.unwrap();
    s.change_report_status(official(), id, to(ReportStatus::Accepted), now()).await.unwrap();
    let cases = jobs_of(s, "ezd.open_case", id).await;
    assert_eq!(cases.len(), 1, "reopened, it keeps its one case");
    assert_eq!(jobs_of(s, "ezd.register", id).await.len(), 1);
    assert_eq!(jobs_of(s, "ezd.open_case", other).await.len(), 0);
    // The case waits for the registration.
    let kinds = vec!["ezd.register", "ezd.open_case"];
    let due = s.due_jobs(kinds.clone(), now() + Duration::seconds(1), 10_000).await.unwrap();
    assert!(due.jobs.iter().all(|j| j.id != cases[0].id), "not due before its registration is done");
    let reg = jobs_of(s, "ezd.register", id).await[0].id;
    s.job_done(reg, now()).await.unwrap();
    let due = s.due_jobs(kinds, now() + Duration::seconds(1), 10_000).await.unwrap();
    assert!(due.jobs.iter().any(|j| j.id == cases[0].id), "due once it is");
}

pub async fn a_duplicates_followers_move_to_the_original(b: Backend) {
    let s = b.store.as_ref();
    let (d1, d2, d3) = (device(s, "dev-f1").await, device(s, "dev-f2").await, device(s, "dev-f3").await);
    let original = report(s, Some(&d1), "Oryginał zgłoszenia.").await;
    let dup = report(s, Some(&d2), "Duplikat zgłoszenia.").await;
    s.set_following(&d3, dup, true, now()).await.unwrap();
    s.set_following(&d1, dup, true, now()).await.unwrap();
    let change = StatusChangeRequest { duplicate_of: Some(original), ..to(ReportStatus::Duplicate) };
    let moved = s.change_report_status(official(), dup, change, now()).await.unwrap();
    assert_eq!((moved.status, moved.followers, moved.duplicate_of), (ReportStatus::Duplicate, 0, Some(original)));
    let o = s.get_report(original).await.unwrap().unwrap();
    assert_eq!(o.followers, 3, "d1 once, d2 and d3 moved over");
    for d in [&d1, &d2, &d3] {
        assert!(s.device_reports(d).await.unwrap().iter().any(|r| r.id == original), "{d} follows the original");
    }
    // Never a duplicate of a duplicate.
    let third = report(s, None, "Trzecie zgłoszenie.").await;
    let change = StatusChangeRequest { duplicate_of: Some(dup), ..to(ReportStatus::Duplicate) };
    let e = s.change_report_status(official(), third, change, now()).await.unwrap_err();
    assert!(matches!(e, StoreError::Workflow(WorkflowError::OriginalIsDuplicate)), "{e:?}");
}

pub async fn visibility_changes_publish_with_the_change(b: Backend) {
    let s = b.store.as_ref();
    let id = report(s, None, "Numer telefonu 600 100 200 w opisie.").await;
    let (seq0, _) = logged(s, id).await.unwrap();
    let hide = VisibilityChangeRequest { visibility: Visibility::Hidden, reason: "Dane osobowe.".into() };
    let r = s.set_report_visibility(official(), id, hide, now()).await.unwrap();
    assert_eq!(r.visibility, Visibility::Hidden);
    let (seq1, body) = logged(s, id).await.unwrap();
    assert!(seq1 > seq0 && body.is_none(), "a hidden report is a tombstone");
    assert!(s.get_report(id).await.unwrap().is_none());
    let redact = VisibilityChangeRequest { visibility: Visibility::Redacted, reason: "Opis usunięty.".into() };
    s.set_report_visibility(official(), id, redact, now()).await.unwrap();
    let (seq2, body) = logged(s, id).await.unwrap();
    let body = body.expect("a redacted report is published");
    assert!(seq2 > seq1 && !body.contains("600 100 200"), "{body}");
    // The officials' view keeps the words.
    assert!(s.report_internal(id).await.unwrap().unwrap().report.description.contains("600 100 200"));
}

pub async fn dead_letters_and_retry(b: Backend) {
    let s = b.store.as_ref();
    let id = report(s, None, "Ławka złamana.").await;
    let job = jobs_of(s, "ezd.register", id).await.remove(0);
    assert_eq!((job.state, job.attempts), (JobState::Pending, 0));
    let later = now() + Duration::minutes(5);
    s.job_failed(job.id, "temporary: HTTP 503".into(), Some(later), now()).await.unwrap();
    let j = s.job(job.id).await.unwrap().unwrap();
    assert_eq!((j.state, j.attempts, j.last_error.as_deref()), (JobState::Pending, 1, Some("temporary: HTTP 503")));
    let due = s.due_jobs(vec!["ezd.register"], now(), 10_000).await.unwrap();
    assert!(due.jobs.iter().all(|d| d.id != job.id), "not before its next attempt");
    assert!(due.next_at.is_some_and(|t| t <= later));
    s.job_failed(job.id, "rejected: HTTP 400".into(), None, now()).await.unwrap();
    let dead = s.jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: 100 }).await.unwrap();
    assert!(dead.iter().any(|d| d.id == job.id && d.attempts == 2));
    assert!(s.due_jobs(vec!["ezd.register"], later, 10_000).await.unwrap().jobs.iter().all(|d| d.id != job.id));
    let audits = audit_len(s).await;
    s.retry_job(official(), job.id, now()).await.unwrap();
    let j = s.job(job.id).await.unwrap().unwrap();
    assert_eq!((j.state, j.attempts), (JobState::Pending, 0));
    assert_eq!(audit_len(s).await, audits + 1);
    let entry = &s.list_audit(1).await.unwrap()[0];
    assert_eq!((entry.action.as_str(), entry.entity_id.as_deref()), ("ezd.retry", Some(job.id.to_string().as_str())));
    assert!(matches!(s.retry_job(official(), job.id, now()).await, Err(StoreError::NotFound)), "only a dead letter");
    s.job_done(job.id, now()).await.unwrap();
    assert_eq!(s.job(job.id).await.unwrap().unwrap().state, JobState::Done);
    let counts = s.job_counts().await.unwrap();
    assert!(counts.iter().any(|(k, st, n)| k == "ezd.register" && *st == JobState::Done && *n >= 1));
}

pub async fn concurrent_writes_commit_together_and_fail_alone(b: Backend) {
    let s = b.store.clone();
    let id = report(s.as_ref(), None, "Wspólny zapis.").await;
    let audits = audit_len(s.as_ref()).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            if i % 4 == 0 {
                // Refused by the workflow: must leave nothing behind.
                s.change_report_status(official(), id, to(ReportStatus::Resolved), now()).await.map(|_| ())
            } else {
                let news = NewsInput { title: format!("Komunikat {i}"), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None };
                s.create_news(official(), news, now()).await.map(|_| ())
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Workflow(_)) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 30);
    assert_eq!(audit_len(s.as_ref()).await, audits + 30);
    assert_eq!(s.list_news().await.unwrap().iter().filter(|n| n.title.starts_with("Komunikat ")).count(), 30);
    assert_eq!(s.get_report(id).await.unwrap().unwrap().status, ReportStatus::New);
}

/// A cache of the report categories and the gmina sees every committed
/// change to them at its next read: the store's `reference_version`
/// moves on after each, even when the writer stopped waiting for the
/// answer (a client that hung up).
pub async fn reference_data_changes_reach_the_cache(b: Backend) {
    use mm_server::reports::reference::ReferenceCache;
    let s = b.store.as_ref();
    let cache = ReferenceCache::default();
    let first = cache.get(s).await.unwrap();
    assert!(first.category("other").is_some());
    assert_eq!(first.gmina_name, None);
    let again = cache.get(s).await.unwrap();
    assert!(Arc::ptr_eq(&first, &again), "nothing changed: the same snapshot");

    let mut lamp = first.category("street_lamp").unwrap().clone();
    let v = s.reference_version().await.unwrap();
    lamp.name_pl = "Oświetlenie uliczne".into();
    s.update_report_category(official(), lamp.clone(), now()).await.unwrap();
    assert_ne!(s.reference_version().await.unwrap(), v);
    assert_eq!(cache.get(s).await.unwrap().category("street_lamp").unwrap().name_pl, "Oświetlenie uliczne");

    let mut bench = lamp.clone();
    bench.id = "bench".into();
    bench.name_pl = "Zniszczona ławka".into();
    s.create_report_category(official(), bench.clone(), now()).await.unwrap();
    assert_eq!(cache.get(s).await.unwrap().category("bench").unwrap().name_pl, "Zniszczona ławka");

    // The writer gives up after the first poll, once the write is queued.
    let v = s.reference_version().await.unwrap();
    let mut tree = bench.clone();
    tree.id = "tree".into();
    let mut abandoned = s.create_report_category(official(), tree, now());
    std::future::poll_fn(|cx| {
        let _ = abandoned.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    drop(abandoned);
    // The version moves after COMMIT (on PostgreSQL a statement of its
    // own, so that a cache reading the new version reads committed data):
    // wait for the version, then the data must be there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.reference_version().await.unwrap() == v {
        assert!(std::time::Instant::now() < deadline, "the abandoned write never moved the version");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(s.report_categories().await.unwrap().iter().any(|c| c.id == "tree"), "the version moved before the write committed");
    assert!(cache.get(s).await.unwrap().category("tree").is_some());

    let demo = mm_server::demo::siechnice(now().date_naive());
    assert!(s.load_demo(demo, now()).await.unwrap());
    assert_eq!(cache.get(s).await.unwrap().gmina_name.as_deref(), Some("Gmina Siechnice"));
}

// ---------------------------------------------------------------------------
// Many gminas (issue 13).

fn teryt(code: &str) -> Teryt {
    Teryt::parse(code).unwrap()
}

fn gmina_record(code: &str, name: &str) -> GminaRecord {
    GminaRecord {
        teryt: teryt(code),
        name: name.into(),
        powiat: "wrocławski".into(),
        voivodeship: "dolnośląskie".into(),
        boundary: Some(Polygon { rings: vec![vec![[17.0, 51.0], [17.2, 51.0], [17.2, 51.1], [17.0, 51.0]]] }),
        center: Some(GeoPoint { lat: 51.05, lon: 17.1 }),
        branding: Branding { coat_of_arms_url: None, primary_color: "#AA0000".into(), on_primary_color: "#FFFFFF".into() },
        settings: GminaSettings { ezd_base_url: Some("https://ezd.example".into()), ..Default::default() },
    }
}

/// Two gminas added to the backend's deployment, and a handle of each.
async fn two_gminas(root: &dyn Store) -> (Arc<dyn Store>, Arc<dyn Store>) {
    root.add_gmina(official(), gmina_record("0223083", "Siechnice"), now()).await.unwrap();
    root.add_gmina(official(), gmina_record("0223011", "Kobierzyce"), now()).await.unwrap();
    (root.for_gmina(&teryt("0223083")), root.for_gmina(&teryt("0223011")))
}

fn news_input(title: &str) -> NewsInput {
    NewsInput { title: title.into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None }
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>, what: &str) {
    assert!(matches!(r, Err(StoreError::NotFound)), "{what}: {r:?}");
}

/// The log rows of a handle's gmina.
async fn feed(s: &dyn Store) -> Vec<(String, String)> {
    s.log_page(0, 100_000).await.unwrap().0.into_iter().map(|r| (r.collection, r.id)).collect()
}

pub async fn the_directory_adds_lists_and_refuses_a_taken_code(b: Backend) {
    let s = b.store.as_ref();
    let before = s.list_gminas().await.unwrap().len();
    let a = gmina_record("0223083", "Siechnice");
    assert_eq!(s.add_gmina(official(), a.clone(), now()).await.unwrap(), a);
    s.add_gmina(official(), gmina_record("0223011", "Kobierzyce"), now()).await.unwrap();
    let all = s.list_gminas().await.unwrap();
    assert_eq!(all.len(), before + 2);
    assert_eq!(all[before], a, "in the order added, every field kept");
    assert_eq!(all[before + 1].teryt, teryt("0223011"));
    assert_eq!(s.gmina_record(&teryt("0223083")).await.unwrap(), Some(a.clone()));
    assert_eq!(s.gmina_record(&teryt("1465011")).await.unwrap(), None);
    let again = s.add_gmina(official(), gmina_record("0223083", "Inna"), now()).await;
    assert!(matches!(again, Err(StoreError::Conflict(Conflict::GminaExists))), "{again:?}");
    assert_eq!(s.list_gminas().await.unwrap().len(), before + 2);

    let mut renamed = a.clone();
    renamed.name = "Gmina Siechnice".into();
    renamed.settings.payment_provider = Some("przelewy24".into());
    s.update_gmina(official(), renamed.clone(), now()).await.unwrap();
    assert_eq!(s.gmina_record(&teryt("0223083")).await.unwrap(), Some(renamed));
    not_found(s.update_gmina(official(), gmina_record("1465011", "Warszawa"), now()).await, "an unknown gmina");

    // The directory is the deployment's: every handle sees the same.
    let other = s.for_gmina(&teryt("0223011"));
    assert_eq!(other.gmina_scope(), &teryt("0223011"));
    assert_eq!(other.list_gminas().await.unwrap().len(), before + 2);
    // A new gmina starts with the default report categories and its own
    // gmina record for the app.
    assert!(other.report_categories().await.unwrap().iter().any(|c| c.id == "other"));
    let (g, _) = other.gmina().await.unwrap();
    assert_eq!(g.map(|g| g.teryt), Some("0223011".to_owned()));
}

pub async fn a_gminas_content_is_invisible_and_untouchable_from_another(b: Backend) {
    let (a, bh) = two_gminas(b.store.as_ref()).await;
    let (a, bh) = (a.as_ref(), bh.as_ref());

    // News.
    let n = a.create_news(official(), news_input("Komunikat A"), now()).await.unwrap();
    assert!(bh.get_news(n.id).await.unwrap().is_none());
    assert!(bh.list_news().await.unwrap().is_empty());
    not_found(bh.update_news(official(), n.id, news_input("Przejęty"), now()).await, "update another's news");
    not_found(bh.delete_news(official(), n.id, now()).await, "delete another's news");
    assert_eq!(a.get_news(n.id).await.unwrap().unwrap().title, "Komunikat A");

    // Event categories: the same id in both; events.
    let sport = EventCategory { id: "sport".into(), name_pl: "Sport".into(), name_en: "Sport".into() };
    a.create_category(official(), sport.clone(), now()).await.unwrap();
    bh.create_category(official(), sport.clone(), now()).await.unwrap();
    let taken = a.create_category(official(), sport.clone(), now()).await;
    assert!(matches!(taken, Err(StoreError::Conflict(Conflict::CategoryExists))), "{taken:?}");
    let mut renamed = sport.clone();
    renamed.name_pl = "Sport B".into();
    bh.update_event_category(official(), renamed, now()).await.unwrap();
    assert_eq!(a.list_categories().await.unwrap().iter().find(|c| c.id == "sport").unwrap().name_pl, "Sport");
    let mut event = mm_server::demo::siechnice(now().date_naive()).events.remove(0);
    event.category = Some("sport".into());
    let e = a.create_event(official(), event.clone(), now()).await.unwrap();
    assert!(bh.get_event(e.id).await.unwrap().is_none());
    assert!(bh.list_events(None).await.unwrap().is_empty());
    not_found(bh.update_event(official(), e.id, event.clone(), now()).await, "update another's event");
    not_found(bh.delete_event(official(), e.id, now()).await, "delete another's event");
    assert!(a.get_event(e.id).await.unwrap().is_some());

    // Report categories: the same id in both, each its own.
    let mut lamp = a.report_categories().await.unwrap().into_iter().find(|c| c.id == "street_lamp").unwrap();
    lamp.name_pl = "Latarnie A".into();
    a.update_report_category(official(), lamp.clone(), now()).await.unwrap();
    let b_lamp = bh.report_categories().await.unwrap().into_iter().find(|c| c.id == "street_lamp").unwrap();
    assert_ne!(b_lamp.name_pl, "Latarnie A");
    let mut bench = lamp.clone();
    bench.id = "bench".into();
    a.create_report_category(official(), bench.clone(), now()).await.unwrap();
    bh.create_report_category(official(), bench.clone(), now()).await.unwrap();

    // Devices and reports.
    let d = device(a, "dev-a").await;
    let known = b.store.find_device("hash-dev-a").await.unwrap().unwrap();
    assert_eq!(known.gmina, teryt("0223083"), "a device carries its gmina");
    let r = report(a, Some(&d), "Latarnia A nie świeci.").await;
    assert!(bh.get_report(r).await.unwrap().is_none());
    assert!(bh.report_internal(r).await.unwrap().is_none());
    let all = ReportFilter { limit: 1000, include_hidden: true, ..Default::default() };
    assert!(bh.list_reports(all.clone()).await.unwrap().is_empty());
    let near = NearFilter { lat: 51.0335, lon: 17.15, radius_m: 5000.0, category: None, open_only: false, limit: 100 };
    assert!(bh.near_reports(near.clone()).await.unwrap().is_empty());
    assert_eq!(a.near_reports(near).await.unwrap().len(), 1);
    assert!(bh.device_reports(&d).await.unwrap().is_empty());
    let admin = AdminReportFilter { limit: Some(100), ..Default::default() };
    assert_eq!(bh.admin_reports(admin.clone()).await.unwrap().total, 0);
    assert_eq!(a.admin_reports(admin).await.unwrap().total, 1);
    assert!(bh.report_stats(now() - Duration::days(1)).await.unwrap().is_empty());
    let month = vec![(now() - Duration::days(1), now() + Duration::days(1))];
    assert_eq!(bh.report_stats_by_month(month.clone()).await.unwrap()[0].received, 0);
    assert_eq!(a.report_stats_by_month(month).await.unwrap()[0].received, 1);
    not_found(bh.change_report_status(official(), r, to(ReportStatus::Accepted), now()).await, "another's status");
    let hide = VisibilityChangeRequest { visibility: Visibility::Hidden, reason: "Dane osobowe.".into() };
    not_found(bh.set_report_visibility(official(), r, hide, now()).await, "another's visibility");
    not_found(bh.set_following("dev-b", r, true, now()).await, "following another's report");
    not_found(bh.report_department(r).await, "another's department");
    not_found(bh.assign_report(official(), r, None, None, now()).await, "assigning another's report");
    not_found(bh.assign_report_person(official(), r, None, now()).await, "assigning another's report to a person");
    not_found(bh.ezd_report(r).await, "another's report for the EZD");
    assert!(bh.report_assignee(r).await.unwrap().is_none());
    assert!(bh.assignable_users(r).await.unwrap().is_empty());
    // A device of A cannot report through B.
    let through_b = NewReportRecord { device_id: Some(d.clone()), idempotency: None, input: input("Przez gminę B."), now: now() };
    let through_b = bh.create_report(through_b).await;
    assert!(matches!(through_b, Err(StoreError::UnknownReference { field: "device" })), "{through_b:?}");
    assert_eq!(a.get_report(r).await.unwrap().unwrap().status, ReportStatus::New, "untouched");
    // B can neither re-key nor touch A's device.
    assert!(!bh.set_device_token_hash(&d, "hash-stolen").await.unwrap());
    bh.touch_device(&d, now() + Duration::days(400)).await.unwrap();
    let known = b.store.find_device("hash-dev-a").await.unwrap().expect("A's token still works");
    assert!(known.last_seen_at.unwrap() < now() + Duration::days(1), "B touched A's device");

    // The EZD: what A's report became there is A's.
    let rpw = || Registered { rpw_number: "RPW/1/2026".into(), document_id: None };
    let case = || OpenedCase { case_id: "c-1".into(), case_reference: Some("OR.7021.1.2026".into()) };
    not_found(bh.ezd_registered(r, "MM-ZGL-x", rpw(), now()).await, "registering another's report");
    not_found(bh.ezd_case_opened(r, case(), now()).await, "opening a case for another's report");
    a.ezd_registered(r, "MM-ZGL-x", rpw(), now()).await.unwrap();
    a.ezd_case_opened(r, case(), now()).await.unwrap();
    assert_eq!(a.ezd_open_cases().await.unwrap().len(), 1);
    assert!(bh.ezd_open_cases().await.unwrap().is_empty());
    let closing = bh.ezd_case_state(r, CaseState::Closed, mm_server::ezd::rules::on_case_state, now()).await;
    not_found(closing, "closing another's case");
    a.ezd_set_category_class(official(), "other".into(), "7000".into(), now()).await.unwrap();
    let class = |classes: Vec<(String, String)>| classes.into_iter().find(|(c, _)| c == "other").unwrap().1;
    assert_eq!(class(a.ezd_category_classes().await.unwrap()), "7000");
    assert_eq!(class(bh.ezd_category_classes().await.unwrap()), "7021", "B keeps the default class");
    assert_eq!(a.ezd_report(r).await.unwrap().registered.map(|x| x.rpw_number).as_deref(), Some("RPW/1/2026"));

    // The same idempotency key in both gminas: two reports.
    let key = IdempotencyKey { scope: "reports/anon".into(), key: "k-same".into(), request_hash: "h".into() };
    let rec = || NewReportRecord { device_id: None, idempotency: Some(key.clone()), input: input("Ten sam klucz."), now: now() };
    let Created::New(ra) = a.create_report(rec()).await.unwrap() else { panic!("new in A") };
    let Created::New(rb) = bh.create_report(rec()).await.unwrap() else { panic!("new in B, not A's replay") };
    assert_ne!(ra.id, rb.id);
    assert!(matches!(a.create_report(rec()).await.unwrap(), Created::Replayed(_)));

    // Photos: a row per gmina (the id is the content's hash).
    let meta = PhotoMeta {
        id: "ab".repeat(32),
        content_type: "image/jpeg".into(),
        bytes: 3,
        width: 1,
        height: 1,
        created_at: now(),
    };
    assert!(a.save_photo(meta.clone(), vec![1, 2, 3]).await.unwrap());
    assert!(a.photo_exists(&meta.id).await.unwrap());
    assert!(!bh.photo_exists(&meta.id).await.unwrap());
    assert!(bh.photo(&meta.id).await.unwrap().is_none());
    assert!(a.photo(&meta.id).await.unwrap().is_some());

    // Places: the same OSM id in both; another's place by id is not found.
    let mut place = mm_server::demo::places::siechnice_places().remove(0);
    place.osm_id = Some("node/42".into());
    let p = a.create_place(official(), place.clone(), now()).await.unwrap();
    let pb = bh.create_place(official(), place.clone(), now()).await.unwrap();
    assert_ne!(p.id, pb.id);
    assert!(bh.get_place(p.id).await.unwrap().is_none());
    not_found(bh.update_place(official(), p.id, place.clone(), now()).await, "update another's place");
    not_found(bh.delete_place(official(), p.id, now()).await, "delete another's place");
    assert_eq!(bh.list_places(Default::default()).await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![pb.id]);
    assert!(a.get_place(p.id).await.unwrap().is_some());

    // Departments: the same name in both; another's cannot be used.
    let da = a.create_department(official(), "Drogi", now()).await.unwrap();
    let db = bh.create_department(official(), "Drogi", now()).await.unwrap();
    assert_eq!(bh.list_departments().await.unwrap(), vec![db.clone()]);
    let own = report(bh, None, "Zgłoszenie B").await;
    let foreign = bh.assign_report(official(), own, Some(da.id), None, now()).await;
    assert!(matches!(foreign, Err(StoreError::UnknownReference { field: "department" })), "{foreign:?}");

    // The sync feed: B's holds nothing of A's, A's holds it all.
    let fa = feed(a).await;
    let fb = feed(bh).await;
    for item in [("news", n.id.to_string()), ("events", e.id.to_string()), ("reports", r.to_string()), ("places", p.id.to_string())] {
        let item = (item.0.to_owned(), item.1);
        assert!(fa.contains(&item), "A's feed has {item:?}");
        assert!(!fb.contains(&item), "B's feed has A's {item:?}");
    }
    assert!(fb.contains(&("reports".to_owned(), own.to_string())));
    assert!(fb.contains(&("event_categories".to_owned(), "sport".to_owned())));

    // The audit log.
    let audit_b = bh.list_audit(100_000).await.unwrap();
    assert!(!audit_b.iter().any(|x| x.action == "news.create"), "B's audit has A's news");
    assert!(a.list_audit(100_000).await.unwrap().iter().any(|x| x.action == "news.create"));

    // Jobs: A's report's registration is A's; the worker claims every
    // gmina's and learns whose.
    let ja = jobs_of(a, "ezd.register", r).await;
    assert_eq!(ja.len(), 1);
    assert_eq!(ja[0].gmina, teryt("0223083"));
    assert!(jobs_of(bh, "ezd.register", r).await.is_empty());
    assert!(bh.job(ja[0].id).await.unwrap().is_none());
    assert!(!bh.job_counts().await.unwrap().is_empty(), "B's own reports enqueued B's jobs");
    let due = b.store.due_jobs(vec!["ezd.register"], now() + Duration::minutes(1), 1000).await.unwrap();
    let claimed = due.jobs.iter().find(|j| j.id == ja[0].id).expect("claimed whatever the handle");
    assert_eq!(claimed.gmina, teryt("0223083"));
    assert!(due.jobs.iter().any(|j| j.gmina == teryt("0223011")));
    b.store.job_failed(ja[0].id, "HTTP 500".into(), None, now()).await.unwrap();
    not_found(bh.retry_job(official(), ja[0].id, now()).await, "retrying another's dead letter");
    a.retry_job(official(), ja[0].id, now()).await.unwrap();

    // Settings.
    a.put_setting(official(), "map.tile_url", Some("https://a/{z}/{x}/{y}.png".into()), now()).await.unwrap();
    assert_eq!(bh.setting("map.tile_url").await.unwrap(), None);
}

pub async fn officials_and_their_sessions_carry_their_gmina(b: Backend) {
    let root = b.store.as_ref();
    let (a, bh) = two_gminas(root).await;
    let id = a.create_user(official(), "urzednik-a", Role::Dispatcher, "hash").await.unwrap();
    let user = root.find_user("urzednik-a").await.unwrap().expect("found from any handle");
    assert_eq!((user.id, &user.gmina), (id, &teryt("0223083")));
    assert_eq!(bh.find_user("urzednik-a").await.unwrap().map(|u| u.gmina), Some(teryt("0223083")));
    let taken = bh.create_user(official(), "urzednik-a", Role::Dispatcher, "hash").await;
    assert!(matches!(taken, Err(StoreError::Conflict(Conflict::LoginTaken))), "logins are the deployment's: {taken:?}");
    bh.create_session(&user, SessionKind::BackOffice, "token-a", now(), now() + Duration::hours(1), mm_server::store::NewSession::full()).await.unwrap();
    let session = root.find_session("token-a", SessionKind::BackOffice).await.unwrap().unwrap();
    assert_eq!(session.gmina, teryt("0223083"));

    assert!(bh.get_account(id).await.unwrap().is_none());
    assert!(!bh.list_accounts().await.unwrap().iter().any(|x| x.id == id));
    assert!(a.list_accounts().await.unwrap().iter().any(|x| x.id == id));
    not_found(bh.set_user_role(official(), id, Role::Admin, now()).await, "another's official's role");
    not_found(bh.set_user_disabled(official(), id, true, now()).await, "disabling another's official");
    not_found(bh.delete_user(official(), id, now()).await, "deleting another's official");
    not_found(bh.set_password(official(), id, "x", None, now()).await, "another's official's password");
    assert_eq!(bh.user_department(id).await.unwrap(), None);
    let moved = bh.set_user_department(official(), "urzednik-a", None, now()).await;
    assert!(matches!(moved, Err(StoreError::UnknownReference { field: "login" })), "{moved:?}");
    assert_eq!(a.get_account(id).await.unwrap().unwrap().role, Role::Dispatcher, "untouched");
    assert!(root.find_session("token-a", SessionKind::BackOffice).await.unwrap().is_some(), "not ended");
}

/// The budget (issue 15, `store/budget.rs`): every official's write
/// audited with ids only, in the write's transaction (a refused move writes
/// no audit row); and gmina B's handle neither sees nor moves A's edition,
/// pools or projects.
pub async fn a_budget_is_audited_and_kept_to_its_gmina(b: Backend) {
    use mm_protocol::budget::count::CountingRule;
    use mm_protocol::budget::model::{EditionSettings, PhaseDates, Pool, PoolKind, ProjectStatus};
    use mm_server::store::budget::{Decision, NewEdition, NewProject, ProjectFilter, Submitted, Verification};

    let root = b.store;
    let (a, bh) = two_gminas(root.as_ref()).await;
    let t = now();
    let dates = PhaseDates {
        submission_from: t - Duration::days(1),
        submission_to: t + Duration::days(10),
        verification_to: t + Duration::days(20),
        appeal_to: t + Duration::days(25),
        voting_from: t + Duration::days(30),
        voting_to: t + Duration::days(40),
    };
    let before = audit_len(a.as_ref()).await;
    let e = a
        .create_edition(official(), NewEdition { year: 2026, title: "BO".into(), dates, settings: EditionSettings::default() }, t)
        .await
        .unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Ogólnogminna".into(),
        amount_grosze: 10_000_000,
        localities: vec![],
        residents: 0,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    };
    let pool = a.upsert_pool(official(), e.id, pool, t).await.unwrap();
    let project = NewProject {
        edition: e.id,
        pool: pool.id,
        title: "Ławki".into(),
        description: "Dziesięć ławek".into(),
        cost_grosze: 2_000_000,
        category: None,
        location: None,
        photos: vec![],
        contact: None,
    };
    let Submitted::New(p) = a.submit_project("contract-dev", project, None, t).await.unwrap() else { panic!("not new") };
    assert_eq!(audit_len(a.as_ref()).await, before + 2, "a resident's submission is not an official's write");
    let verify = |d| Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: d };
    a.verify_project(official(), p.id, verify(Decision::OnBallot), t).await.unwrap();
    assert_eq!(audit_len(a.as_ref()).await, before + 3);
    let refused = a.verify_project(official(), p.id, verify(Decision::Review), t).await;
    assert!(matches!(refused, Err(StoreError::Conflict(Conflict::ProjectStatus))), "{refused:?}");
    assert_eq!(audit_len(a.as_ref()).await, before + 3, "a refused move is not audited");
    for entry in a.list_audit(3).await.unwrap() {
        assert!(entry.action.starts_with("budget."), "{entry:?}");
        assert!(entry.entity_id.unwrap().parse::<i64>().is_ok());
        assert!(!entry.details.to_string().contains("Ławki"));
    }

    assert!(bh.edition(e.id, t).await.unwrap().is_none());
    assert!(bh.project(p.id).await.unwrap().is_none());
    assert!(bh.projects(ProjectFilter::default()).await.unwrap().is_empty());
    let moved = bh.verify_project(official(), p.id, verify(Decision::Reject { reason: "x".into() }), t).await;
    assert!(matches!(moved, Err(StoreError::NotFound)), "{moved:?}");
    let locked = bh.update_edition(official(), e.id, "x".into(), dates, EditionSettings::default(), t).await;
    assert!(matches!(locked, Err(StoreError::NotFound)), "{locked:?}");
    assert_eq!(a.project(p.id).await.unwrap().unwrap().0.status, ProjectStatus::OnBallot);
    assert_eq!(a.edition(e.id, t).await.unwrap().unwrap().title, "BO");
}

/// One contract test against a fresh backend from `$open`.
// Unused where `common` is compiled without the contract's suites
// (the `security_amplifiers` binary).
#[allow(unused_macros)]
macro_rules! contract_test {
    ($test:ident, $open:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            let Some(backend) = Option::<Backend>::from($open.await) else { return };
            super::$test(backend).await;
        }
    };
}

/// Every contract test against the backend `$open` makes (an expression
/// giving a future of [`Backend`]), in a module named `$name`.
#[allow(unused_macros)]
macro_rules! store_contract_tests {
    ($name:ident, $open:expr) => {
        mod $name {
            use super::*;
            contract_test!(idempotent_replay_and_conflict, $open);
            contract_test!(publications_share_the_write_and_seq_only_grows, $open);
            contract_test!(every_officials_write_is_audited, $open);
            contract_test!(one_registration_per_report_and_one_case_per_accepted_report, $open);
            contract_test!(a_duplicates_followers_move_to_the_original, $open);
            contract_test!(visibility_changes_publish_with_the_change, $open);
            contract_test!(dead_letters_and_retry, $open);
            contract_test!(concurrent_writes_commit_together_and_fail_alone, $open);
            contract_test!(reference_data_changes_reach_the_cache, $open);
            contract_test!(the_directory_adds_lists_and_refuses_a_taken_code, $open);
            contract_test!(a_gminas_content_is_invisible_and_untouchable_from_another, $open);
            contract_test!(officials_and_their_sessions_carry_their_gmina, $open);
            contract_test!(a_budget_is_audited_and_kept_to_its_gmina, $open);
        }
    };
}
