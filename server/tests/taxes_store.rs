//! The taxes store (issue 14, `store/taxes.rs`) on the test backend
//! (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`): imports are
//! idempotent, activation codes link one device once and lock a guessing
//! device out, a device sees only its own taxpayers, gminas see nothing of
//! each other, payments are idempotent and move only while pending.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::backend::open_store;
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::{LOCK_MINUTES, MAX_FAILED_TRIES};
use mm_protocol::taxes::{BookedPayment, LiabilityKind, LiabilityRecord, PaymentStatus, RatePeriod, TaxRules, Taxpayer};
use mm_server::store::jobs::NewJob;
use mm_server::store::taxes::{
    ImportCounts, ImportRowError, ImportedTaxpayer, LinkOutcome, NewPayment, PaymentFilter, PaymentUpdate, TaxBatch,
};
use mm_server::store::{Actor, Store, StoreError};
use mm_server::taxes::codes::hash_code;

const A: &str = "0223083";
const B: &str = "0223011";
/// The account of every test liability (a valid NRB).
const NRB: &str = "61109010140000071219812874";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn official() -> Actor {
    Actor("tax-official".into())
}

fn teryt(code: &str) -> Teryt {
    Teryt::parse(code).unwrap()
}

/// The handles of gminas A and B of a fresh store.
async fn gminas(root: &dyn Store) -> (Arc<dyn Store>, Arc<dyn Store>) {
    root.add_gmina(official(), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    root.add_gmina(official(), common::gmina_record(B, "Kobierzyce"), t0()).await.unwrap();
    (root.for_gmina(&teryt(A)), root.for_gmina(&teryt(B)))
}

fn taxpayer(id: &str, name: &str, code: Option<&str>) -> ImportedTaxpayer {
    ImportedTaxpayer {
        taxpayer: Taxpayer { id: id.into(), name: name.into() },
        code_hash: code.map(|c| hash_code(&teryt(A), c)),
        code_expires_at: code.map(|_| t0() + Duration::days(90)),
    }
}

fn liability(id: &str, taxpayer: &str, amount: i64) -> LiabilityRecord {
    LiabilityRecord {
        id: id.into(),
        taxpayer: taxpayer.into(),
        kind: LiabilityKind::Property,
        year: 2026,
        instalment: 1,
        decision: "FN.3120.1.2026".into(),
        due_date: NaiveDate::from_ymd_opt(2026, 3, 16).unwrap(),
        amount_grosze: amount,
        account: NRB.into(),
        payments: vec![],
    }
}

/// Two taxpayers (a household: P1 and P2) and a stranger (P3), with codes.
fn batch() -> TaxBatch {
    TaxBatch {
        taxpayers: vec![
            taxpayer("P1", "Anna Nowak", Some("AAAABBBBCCCC")),
            taxpayer("P2", "Jan Nowak", Some("DDDDEEEEFFFF")),
            taxpayer("P3", "Obcy Sąsiad", Some("GGGGHHHHJJJJ")),
        ],
        liabilities: vec![
            liability("L1", "P1", 103_700),
            liability("L2", "P1", 5_000),
            liability("L3", "P2", 12_345),
            liability("L4", "P3", 99_900),
        ],
        booked_references: vec![],
    }
}

fn code(c: &str) -> String {
    hash_code(&teryt(A), c)
}

async fn imported(s: &dyn Store) {
    let run = s.import_taxes(official(), "file:test.json", batch(), vec![], false, t0()).await.unwrap();
    assert!(!run.refused);
}

async fn linked(s: &dyn Store, device: &str, c: &str) -> Taxpayer {
    match s.link_device(device, &code(c), t0()).await.unwrap() {
        LinkOutcome::Linked(t) => t,
        other => panic!("not linked: {other:?}"),
    }
}

fn new_payment(device: &str, liability: &str, amount: i64, key: &str, hash: &str) -> NewPayment {
    NewPayment {
        id: format!("pay-{key}-{hash}"),
        device_id: device.into(),
        liability: liability.into(),
        amount_grosze: amount,
        provider: "sandbox".into(),
        idempotency_key: key.into(),
        request_hash: hash.into(),
        now: t0(),
    }
}

#[tokio::test]
async fn the_same_batch_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let first = a.import_taxes(official(), "file:x.json", batch(), vec![], false, t0()).await.unwrap();
    assert_eq!(
        first.counts,
        ImportCounts { taxpayers_created: 3, liabilities_created: 4, ..Default::default() }
    );
    let second = a.import_taxes(official(), "file:x.json", batch(), vec![], false, t0() + Duration::hours(1)).await.unwrap();
    assert_eq!(second.counts, ImportCounts { unchanged: 7, ..Default::default() });

    // A booked payment and a renamed taxpayer are changes, counted as such.
    let mut changed = batch();
    changed.taxpayers[0].taxpayer.name = "Anna Nowak-Kowalska".into();
    changed.liabilities[0].payments = vec![BookedPayment { date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(), amount_grosze: 100 }];
    let third = a.import_taxes(official(), "http", changed.clone(), vec![], false, t0()).await.unwrap();
    assert_eq!(third.counts, ImportCounts { taxpayers_updated: 1, liabilities_updated: 1, unchanged: 5, ..Default::default() });
    let (p1, ls, _) = a.taxpayer_for_official(official(), "P1", t0()).await.unwrap().unwrap();
    assert_eq!(p1.name, "Anna Nowak-Kowalska");
    assert_eq!(ls.iter().find(|l| l.id == "L1").unwrap(), &changed.liabilities[0]);

    let runs = a.import_runs(10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].counts, third.counts, "newest first");
    assert_eq!(runs[0].source, "http");
}

#[tokio::test]
async fn a_refused_batch_is_recorded_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let errors = vec![ImportRowError { line: 7, reason: "bad NRB checksum".into() }];
    let run = a.import_taxes(official(), "file:bad.csv", batch(), errors.clone(), true, t0()).await.unwrap();
    assert!(run.refused);
    assert_eq!(run.counts, ImportCounts::default());
    assert!(a.all_taxpayers().await.unwrap().is_empty());
    let runs = a.import_runs(10).await.unwrap();
    assert_eq!((runs.len(), runs[0].refused, &runs[0].errors), (1, true, &errors));

    // A liability of a taxpayer nobody knows: the whole batch fails.
    let mut orphan = batch();
    orphan.liabilities.push(liability("L9", "NOBODY", 100));
    let e = a.import_taxes(official(), "file:x", orphan, vec![], false, t0()).await.unwrap_err();
    assert!(matches!(e, StoreError::UnknownReference { field: "taxpayer" }), "{e:?}");
    assert!(a.all_taxpayers().await.unwrap().is_empty(), "nothing of it stays");
}

#[tokio::test]
async fn a_code_links_one_device_once_and_only_while_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;

    assert_eq!(linked(a.as_ref(), "dev-1", "AAAABBBBCCCC").await.id, "P1");
    // Used: another device (or the same one again) gets nothing.
    assert!(matches!(
        a.link_device("dev-2", &code("AAAABBBBCCCC"), t0()).await.unwrap(),
        LinkOutcome::Invalid { failures: 1 }
    ));
    // Unknown.
    assert!(matches!(a.link_device("dev-2", &code("ZZZZZZZZZZZZ"), t0()).await.unwrap(), LinkOutcome::Invalid { .. }));
    // Revoked.
    a.revoke_activation_codes(official(), "P3", t0()).await.unwrap();
    assert!(matches!(a.link_device("dev-2", &code("GGGGHHHHJJJJ"), t0()).await.unwrap(), LinkOutcome::Invalid { .. }));
    // Expired.
    assert!(matches!(
        a.link_device("dev-3", &code("DDDDEEEEFFFF"), t0() + Duration::days(91)).await.unwrap(),
        LinkOutcome::Invalid { failures: 1 }
    ));
    // A fresh code for P3 works, and replaced the earlier one.
    a.issue_activation_code(official(), "P3", &code("KKKKMMMMNNNN"), t0() + Duration::days(90), t0()).await.unwrap();
    assert_eq!(linked(a.as_ref(), "dev-3", "KKKKMMMMNNNN").await.id, "P3");
    assert!(matches!(
        a.issue_activation_code(official(), "NOBODY", &code("PPPPQQQQRRRR"), t0(), t0()).await,
        Err(StoreError::NotFound)
    ));
    // A household: the second spouse's code on the same device.
    assert_eq!(linked(a.as_ref(), "dev-1", "DDDDEEEEFFFF").await.id, "P2");
    let ids: Vec<String> = a.device_taxpayers("dev-1").await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["P1", "P2"]);

    // Revoking a taxpayer's codes also unlinks their devices.
    a.revoke_activation_codes(official(), "P3", t0()).await.unwrap();
    assert!(a.device_taxpayers("dev-3").await.unwrap().is_empty());
}

#[tokio::test]
async fn five_wrong_codes_lock_the_device_for_fifteen_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;
    let wrong = code("WWWWWWWWWWWW");
    for i in 1..=MAX_FAILED_TRIES {
        let at = t0() + Duration::seconds(i as i64);
        assert_eq!(a.link_device("dev-1", &wrong, at).await.unwrap(), LinkOutcome::Invalid { failures: i });
    }
    let last = t0() + Duration::seconds(MAX_FAILED_TRIES as i64);
    let until = last + Duration::minutes(LOCK_MINUTES);
    // Locked: even the right code is not looked up.
    assert_eq!(
        a.link_device("dev-1", &code("AAAABBBBCCCC"), last + Duration::minutes(1)).await.unwrap(),
        LinkOutcome::Locked { until }
    );
    assert_eq!(
        a.link_device("dev-1", &code("AAAABBBBCCCC"), until - Duration::seconds(1)).await.unwrap(),
        LinkOutcome::Locked { until }
    );
    // Another device is not locked.
    assert_eq!(linked(a.as_ref(), "dev-2", "DDDDEEEEFFFF").await.id, "P2");
    // After the lock, the right code works (and the code was never used).
    assert!(matches!(a.link_device("dev-1", &code("AAAABBBBCCCC"), until).await.unwrap(), LinkOutcome::Linked(_)));

    // Failures spread over more than the window do not lock.
    for i in 0..(MAX_FAILED_TRIES as i64 + 2) {
        let at = t0() + Duration::minutes(4 * i);
        assert!(matches!(a.link_device("dev-9", &wrong, at).await.unwrap(), LinkOutcome::Invalid { .. }), "try {i}");
    }
}

#[tokio::test]
async fn a_device_sees_only_its_own_liabilities_until_it_unlinks() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;
    assert!(a.device_liabilities("dev-1", None).await.unwrap().is_empty(), "unlinked: nothing");
    linked(a.as_ref(), "dev-1", "AAAABBBBCCCC").await;
    linked(a.as_ref(), "dev-1", "DDDDEEEEFFFF").await;
    linked(a.as_ref(), "dev-2", "GGGGHHHHJJJJ").await;

    let ids = |v: Vec<(LiabilityRecord, Vec<_>)>| v.into_iter().map(|(l, _)| l.id).collect::<Vec<_>>();
    assert_eq!(ids(a.device_liabilities("dev-1", None).await.unwrap()), ["L1", "L2", "L3"]);
    assert_eq!(ids(a.device_liabilities("dev-1", Some("L3")).await.unwrap()), ["L3"]);
    assert!(a.device_liabilities("dev-1", Some("L4")).await.unwrap().is_empty(), "the stranger's");
    assert!(a.device_liabilities("dev-1", Some("NOPE")).await.unwrap().is_empty());
    assert_eq!(ids(a.device_liabilities("dev-2", None).await.unwrap()), ["L4"]);

    assert!(a.unlink_device("dev-1", Some("P2"), t0()).await.unwrap());
    assert!(!a.unlink_device("dev-1", Some("P2"), t0()).await.unwrap(), "nothing left to unlink");
    assert_eq!(ids(a.device_liabilities("dev-1", None).await.unwrap()), ["L1", "L2"]);
    assert!(a.unlink_device("dev-1", None, t0()).await.unwrap());
    assert!(a.device_liabilities("dev-1", None).await.unwrap().is_empty());
    assert!(a.device_taxpayers("dev-1").await.unwrap().is_empty());
    assert_eq!(ids(a.device_liabilities("dev-2", None).await.unwrap()), ["L4"], "others keep theirs");
}

#[tokio::test]
async fn another_gminas_handle_sees_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;
    linked(a.as_ref(), "dev-1", "AAAABBBBCCCC").await;
    let p = a.create_payment(new_payment("dev-1", "L1", 500, "k1", "h1"), None).await.unwrap().unwrap();

    assert!(b.all_taxpayers().await.unwrap().is_empty());
    assert!(b.import_runs(10).await.unwrap().is_empty());
    assert!(b.taxpayer_for_official(official(), "P1", t0()).await.unwrap().is_none());
    assert!(b.search_taxpayers(official(), "Nowak", 10, t0()).await.unwrap().is_empty());
    assert!(b.device_liabilities("dev-1", None).await.unwrap().is_empty());
    assert!(b.device_taxpayers("dev-1").await.unwrap().is_empty());
    assert!(b.payment(&p.id).await.unwrap().is_none());
    assert!(b.device_payment("dev-1", &p.id).await.unwrap().is_none());
    assert!(b.payments(PaymentFilter::default()).await.unwrap().is_empty());
    assert!(matches!(b.update_payment(&p.id, PaymentUpdate::Expired, t0()).await, Err(StoreError::NotFound)));
    assert!(matches!(b.revoke_activation_codes(official(), "P1", t0()).await, Err(StoreError::NotFound)));
    // A's code is no code in B (and B's try counts against the device in B only).
    assert!(matches!(b.link_device("dev-2", &code("DDDDEEEEFFFF"), t0()).await.unwrap(), LinkOutcome::Invalid { .. }));
    // B's payment on A's liability: unknown there.
    assert!(matches!(
        b.create_payment(new_payment("dev-1", "L1", 500, "k2", "h"), None).await,
        Err(StoreError::NotFound)
    ));
    // B's rules are its own.
    b.set_tax_rate(official(), RatePeriod { from: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(), basis_points: 999 }, t0())
        .await
        .unwrap();
    assert_eq!(a.tax_rules().await.unwrap(), TaxRules::statutory());

    // A is as it was.
    assert_eq!(a.payment(&p.id).await.unwrap().unwrap().status, PaymentStatus::Pending);
    assert_eq!(a.device_taxpayers("dev-1").await.unwrap().len(), 1);
    assert_eq!(a.all_taxpayers().await.unwrap().len(), 3);
}

#[tokio::test]
async fn rules_start_statutory_and_an_officials_rate_adds_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    assert_eq!(a.tax_rules().await.unwrap(), TaxRules::statutory());
    let from = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    a.set_tax_rate(official(), RatePeriod { from, basis_points: 1000 }, t0()).await.unwrap();
    a.set_tax_rate(official(), RatePeriod { from, basis_points: 990 }, t0()).await.unwrap();
    let rules = a.tax_rules().await.unwrap();
    assert_eq!(rules.rates.len(), TaxRules::statutory().rates.len() + 1);
    assert_eq!(rules.rates.last().unwrap(), &RatePeriod { from, basis_points: 990 }, "replaced, not added twice");
    assert_eq!(rules.rate_on(from), 990);
    assert_eq!(rules.thresholds, TaxRules::statutory().thresholds);
    let audit = a.list_audit(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "taxes.rate"));
}

#[tokio::test]
async fn payments_are_idempotent_move_only_while_pending_and_get_booked() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;
    linked(a.as_ref(), "dev-1", "AAAABBBBCCCC").await;

    let job = NewJob { kind: "payments.register", payload: "{}".into(), dedupe_key: Some("payments.register:x".into()), waits_for: None };
    let first = a.create_payment(new_payment("dev-1", "L1", 10_000, "key-1", "h1"), Some(job.clone())).await.unwrap().unwrap();
    assert_eq!((first.status, first.taxpayer.as_str(), first.booked), (PaymentStatus::Pending, "P1", false));
    // The same key again (the app killed before the answer): the first payment.
    let again = a.create_payment(new_payment("dev-1", "L1", 10_000, "key-1", "h1"), Some(job)).await.unwrap();
    assert_eq!(again, Err(first.clone()));
    // The same key with another body: a conflict.
    assert!(matches!(
        a.create_payment(new_payment("dev-1", "L1", 20_000, "key-1", "h2"), None).await,
        Err(StoreError::IdempotencyConflict)
    ));
    // Another device's or nobody's liability: unknown.
    assert!(matches!(a.create_payment(new_payment("dev-1", "L4", 1, "key-2", "h"), None).await, Err(StoreError::NotFound)));
    assert!(matches!(a.create_payment(new_payment("dev-2", "L1", 1, "key-3", "h"), None).await, Err(StoreError::NotFound)));
    assert_eq!(a.payments(PaymentFilter::default()).await.unwrap().len(), 1);

    assert!(a.update_payment(&first.id, PaymentUpdate::Registered { token: "tok".into() }, t0()).await.unwrap());
    let paid_at = t0() + Duration::minutes(3);
    assert!(a.update_payment(&first.id, PaymentUpdate::Paid { order_id: 42, at: paid_at }, paid_at).await.unwrap());
    // A late or repeated notification moves nothing.
    assert!(!a.update_payment(&first.id, PaymentUpdate::Failed { reason: "late".into() }, paid_at).await.unwrap());
    assert!(!a.update_payment(&first.id, PaymentUpdate::Expired, paid_at).await.unwrap());
    assert!(!a.update_payment(&first.id, PaymentUpdate::Paid { order_id: 43, at: paid_at }, paid_at).await.unwrap());
    // A flag is recorded whatever the status.
    assert!(a.update_payment(&first.id, PaymentUpdate::Flag { reason: "amount differs".into() }, paid_at).await.unwrap());
    let p = a.device_payment("dev-1", &first.id).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.gateway_token.as_deref(), p.gateway_order_id, p.paid_at, p.flag.as_deref()),
        (PaymentStatus::Paid, Some("tok"), Some(42), Some(paid_at), Some("amount differs"))
    );
    assert!(a.device_payment("dev-2", &first.id).await.unwrap().is_none(), "not dev-2's");
    let (_, app) = a.device_liabilities("dev-1", Some("L1")).await.unwrap().remove(0);
    assert_eq!(app, vec![p.summary()]);

    // Reconciliation: paid and not booked.
    let unbooked = PaymentFilter { unbooked_paid_before: Some(paid_at + Duration::days(3)), ..Default::default() };
    assert_eq!(a.payments(unbooked.clone()).await.unwrap().len(), 1);
    assert_eq!(a.payments(PaymentFilter { flagged_only: true, ..Default::default() }).await.unwrap().len(), 1);
    assert!(a.payments(PaymentFilter { status: Some(PaymentStatus::Pending), ..Default::default() }).await.unwrap().is_empty());

    // The tax system books it.
    let mut booked = batch();
    booked.booked_references = vec![first.id.clone(), "unknown-ref".into()];
    let run = a.import_taxes(official(), "http", booked.clone(), vec![], false, t0()).await.unwrap();
    assert_eq!(run.counts.payments_booked, 1);
    assert!(a.payment(&first.id).await.unwrap().unwrap().booked);
    assert!(a.payments(unbooked).await.unwrap().is_empty());
    let run = a.import_taxes(official(), "http", booked, vec![], false, t0()).await.unwrap();
    assert_eq!(run.counts.payments_booked, 0, "booked once");

    // A pending one goes stale.
    let second = a.create_payment(new_payment("dev-1", "L2", 100, "key-9", "h9"), None).await.unwrap().unwrap();
    let stale = a.stale_pending_payments(t0() + Duration::hours(1)).await.unwrap();
    assert_eq!(stale.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [second.id.as_str()]);
    assert!(a.update_payment(&second.id, PaymentUpdate::Expired, t0()).await.unwrap());
    assert!(a.stale_pending_payments(t0() + Duration::hours(1)).await.unwrap().is_empty());
}

#[tokio::test]
async fn officials_reads_are_audited_by_id_only() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    imported(a.as_ref()).await;
    let found = a.search_taxpayers(official(), "nowak", 10, t0()).await.unwrap();
    assert_eq!(found.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["P1", "P2"], "folded");
    assert_eq!(a.search_taxpayers(official(), "P3", 10, t0()).await.unwrap().len(), 1, "by id prefix");
    assert_eq!(a.search_taxpayers(official(), "sasiad", 10, t0()).await.unwrap().len(), 1, "without diacritics");
    a.taxpayer_for_official(official(), "P2", t0()).await.unwrap().unwrap();
    let n = a.issue_activation_codes(official(), vec![("P1".into(), code("AAAA2222BBBB"))], t0() + Duration::days(90), t0()).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(linked(a.as_ref(), "dev-1", "AAAA2222BBBB").await.id, "P1");

    let audit = a.list_audit(50).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for wanted in ["taxes.import", "taxes.search", "taxes.lookup", "taxes.codes_issued"] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
    let lookup = audit.iter().find(|e| e.action == "taxes.lookup").unwrap();
    assert_eq!(lookup.entity_id.as_deref(), Some("P2"));
    let all = format!("{audit:?}");
    for secret in ["Nowak", "nowak", "Sąsiad", "103700", "AAAABBBBCCCC", &code("AAAABBBBCCCC")] {
        assert!(!all.contains(secret), "{secret} in the audit log");
    }
}

/// A pull still retrying when the next slot begins (a `Retry-After` from
/// the tax system, or an outage longer than the slot) is not joined by a
/// second pull beside it: the next slot's job is enqueued only once the
/// first is done, and the other gmina's schedule is not held up by it.
#[tokio::test]
async fn the_next_slots_pull_waits_for_the_unfinished_one() {
    use mm_server::jobs::new_job;
    use mm_server::taxes::pull::PullTaxes;

    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let slot = |minutes_later: i64| new_job(&PullTaxes::for_time(t0() + Duration::minutes(minutes_later), 60));

    assert!(a.enqueue_tax_job(slot(0), t0()).await.unwrap(), "the first slot's pull");
    assert!(!a.enqueue_tax_job(slot(1), t0()).await.unwrap(), "the same slot: deduplicated");
    let first = root.due_jobs(vec!["taxes.pull"], t0(), 10).await.unwrap().jobs;
    assert_eq!(first.len(), 1);
    // The tax system answered 429 with a long Retry-After: the job waits.
    root.job_failed(first[0].id, "HTTP 429".into(), Some(t0() + Duration::minutes(75)), t0()).await.unwrap();

    let next = t0() + Duration::minutes(61);
    assert!(!a.enqueue_tax_job(slot(61), next).await.unwrap(), "the next slot, while the first still retries");
    assert!(b.enqueue_tax_job(slot(61), next).await.unwrap(), "another gmina is not held up");
    assert_eq!(root.due_jobs(vec!["taxes.pull"], t0() + Duration::minutes(80), 10).await.unwrap().jobs.len(), 2);

    root.job_done(first[0].id, t0() + Duration::minutes(76)).await.unwrap();
    assert!(a.enqueue_tax_job(slot(61), t0() + Duration::minutes(76)).await.unwrap(), "after it, the next slot");
}
