//! The job queue's worker against a real SQLite store and an in-process
//! EZD that counts what it is asked: bounded concurrency per kind, woken
//! by a commit rather than by polling, `Retry-After` honoured, dead
//! letters after the last attempt, and a clean stop.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::NewReport;
use mm_server::ezd::bridge::{Bridge, BridgeConfig};
use mm_server::ezd::model::{CaseRequest, CaseState, Ezd, EzdError, OpenedCase, Registered, Registration};
use mm_server::jobs::{RetryPolicy, Worker};
use mm_server::state::Clock;
use mm_server::store::jobs::{JobFilter, JobState};
use mm_server::store::{Created, NewReportRecord, Store};

/// What the fake answers.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Ok,
    Busy,
    Fail,
}

struct CountingEzd {
    answer: Answer,
    delay: Duration,
    now: AtomicUsize,
    max: AtomicUsize,
    calls: AtomicUsize,
}

impl CountingEzd {
    fn new(answer: Answer, delay: Duration) -> Arc<CountingEzd> {
        Arc::new(CountingEzd { answer, delay, now: 0.into(), max: 0.into(), calls: 0.into() })
    }
}

#[async_trait]
impl Ezd for CountingEzd {
    async fn register(&self, reg: &Registration) -> Result<Registered, EzdError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        match self.answer {
            Answer::Ok => Ok(Registered { rpw_number: format!("RPW/{}/2026", reg.report.id), document_id: None }),
            Answer::Busy => Err(EzdError::Busy { message: "HTTP 429".into(), retry_after: Duration::from_secs(600) }),
            Answer::Fail => Err(EzdError::Temporary("HTTP 500".into())),
        }
    }
    async fn open_case(&self, c: &CaseRequest) -> Result<OpenedCase, EzdError> {
        Ok(OpenedCase { case_id: format!("case-{}", c.report_id), case_reference: None })
    }
    async fn case_state(&self, _case_id: &str) -> Result<Option<CaseState>, EzdError> {
        Ok(None)
    }
    fn polls(&self) -> bool {
        false
    }
}

/// The test backend's store, and what keeps its data for the test.
async fn store() -> (Arc<dyn Store>, (tempfile::TempDir, common::backend::StoreGuard)) {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    (store, (dir, guard))
}

async fn reports(s: &dyn Store, n: usize) {
    for i in 0..n {
        let input = NewReport {
            category: "other".into(),
            point: GeoPoint { lat: 51.0335, lon: 17.15 },
            location_source: Default::default(),
            accuracy_m: None,
            address: None,
            description: format!("Zgłoszenie numer {i} w teście kolejki."),
            answers: Default::default(),
            photo_ids: vec![],
            contact: None,
        };
        let rec = NewReportRecord { device_id: None, idempotency: None, input, now: Utc::now() };
        assert!(matches!(s.create_report(rec).await.unwrap(), Created::New(_)));
    }
}

fn bridge(s: &Arc<dyn Store>, ezd: Arc<CountingEzd>, concurrency: usize, max_attempts: u32) -> Bridge {
    let retry = RetryPolicy { base: Duration::from_millis(1), max: Duration::from_millis(2), max_attempts };
    Bridge::new(s.clone(), ezd, BridgeConfig { retry, concurrency, ..Default::default() }, Clock::system())
}

async fn count(s: &dyn Store, state: JobState) -> usize {
    s.jobs(JobFilter { state: Some(state), kind: Some("ezd.register".into()), limit: 10_000 }).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_runs_at_most_its_concurrency_at_once() {
    let (s, _dir) = store().await;
    reports(s.as_ref(), 24).await;
    let ezd = CountingEzd::new(Answer::Ok, Duration::from_millis(30));
    let attempts = bridge(&s, ezd.clone(), 4, 3).deliver_due().await.unwrap();
    assert_eq!(attempts, 24);
    assert_eq!(count(s.as_ref(), JobState::Done).await, 24);
    let max = ezd.max.load(Ordering::SeqCst);
    assert!((2..=4).contains(&max), "at most 4 at once, and more than one: {max}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_wakes_the_worker_which_never_polls_and_stops_when_told() {
    let (s, _dir) = store().await;
    let ezd = CountingEzd::new(Answer::Ok, Duration::ZERO);
    let mut worker = Worker::new(s.clone(), Clock::system());
    // It would poll once an hour: only the store's signal can wake it.
    worker.idle_max = Duration::from_secs(3600);
    bridge(&s, ezd.clone(), 4, 3).register_jobs(&mut worker);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = worker.spawn(async move {
        let _ = stopped.await;
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    reports(s.as_ref(), 3).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while count(s.as_ref(), JobState::Done).await < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the commit did not wake the worker");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), handle).await.expect("the worker stops").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_sets_the_next_attempt_and_the_last_attempt_dead_letters() {
    let (s, _dir) = store().await;
    reports(s.as_ref(), 1).await;
    let before = Utc::now();
    bridge(&s, CountingEzd::new(Answer::Busy, Duration::ZERO), 4, 3).deliver_due().await.unwrap();
    let job = &s.jobs(JobFilter { state: Some(JobState::Pending), kind: None, limit: 10 }).await.unwrap()[0];
    assert_eq!(job.attempts, 1);
    assert!(job.next_attempt_at >= before + chrono::Duration::seconds(600), "no sooner than Retry-After");
    assert!(job.last_error.as_deref().unwrap().contains("429"));

    let (s, _dir) = store().await;
    reports(s.as_ref(), 1).await;
    let ezd = CountingEzd::new(Answer::Fail, Duration::ZERO);
    let b = bridge(&s, ezd.clone(), 4, 3);
    for _ in 0..20 {
        b.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(ezd.calls.load(Ordering::SeqCst), 3, "exactly max_attempts attempts");
    let dead = s.jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: 10 }).await.unwrap();
    assert_eq!((dead.len(), dead[0].attempts), (1, 3));
}

#[tokio::test]
async fn the_old_ezd_page_redirects_to_the_job_queue() {
    let t = common::TestApp::new().await;
    let r = t.get("/admin/ezd").await;
    assert_eq!(r.status, axum::http::StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers.get("location").unwrap(), "/admin/jobs");
    // Without a session the queue itself sends to the sign-in page.
    assert!(t.get("/admin/jobs").await.status.is_redirection());
}
