//! The outbox: every resident write is stored here first, with an
//! idempotency key, and sent when the server can be reached. It survives
//! restarts; a retry carries the same key, so the server never does a write
//! twice (DESIGN.md, "Idempotency").
//!
//! A network failure, a 5xx, 408 or 429 is retried with exponential backoff
//! and jitter; any other 4xx means the server will never accept the write
//! as it is, so the item is marked `failed` and kept for the resident to see
//! (who may discard it or put it back in the queue: [`retry_failed`]).
//!
//! Except a 401 on a write that carries the device token: the server no
//! longer knows this install (its database was restored from a backup, the
//! device was collected), which no resident can fix. The dead token is
//! dropped, a new registration is queued ahead of everything, and the
//! write is sent again with the new token, once per flush.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use crate::devices;
use crate::error::{CoreError, Error};
use crate::store::{Store, ts};
use crate::{budget, consultations, notifications, reports, taxes};
use crate::sync::client::{Http, HttpError};

/// What a queued write does; the string is stored, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RegisterDevice,
    /// A report of mine (payload: its `local_id`): photos, then the report.
    SubmitReport,
    FollowReport,
    UnfollowReport,
    /// A tax payment made here (payload: its local id); the key makes the
    /// server create it once however often it is sent.
    TaxPayment,
    /// The server's side of unlinking a taxpayer (the device's copy is
    /// deleted at once, before this is sent).
    TaxUnlink,
    /// A participatory-budget ballot (payload: the edition and the whole
    /// request, identity included; deleted securely once answered).
    BudgetBallot,
    /// A project a resident submits (payload: `budget::writes::WritePayload`).
    BudgetProject,
    /// A support signature (the signer's identity: deleted securely once answered).
    BudgetSignature,
    /// An appeal against a project's rejection.
    BudgetAppeal,
    /// New choices for a ballot already cast (the voter's identity again).
    BudgetBallotChange,
    /// A consultation's answers (payload: `consultations::sync::AnswerPayload`).
    ConsultationAnswers,
    /// The device's notification subscription (payload: the whole
    /// `Subscription`; a newer edit replaces a queued one).
    PutSubscription,
    /// The push registration (payload: the `PushRegistration`, a
    /// capability: never logged, deleted with the item).
    PushRegister,
    /// The push registration's removal.
    PushUnregister,
    /// Feed items read on the device (payload: `FeedRead`).
    FeedRead,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RegisterDevice => "register_device",
            Kind::SubmitReport => "submit_report",
            Kind::FollowReport => "follow_report",
            Kind::UnfollowReport => "unfollow_report",
            Kind::TaxPayment => "tax_payment",
            Kind::TaxUnlink => "tax_unlink",
            Kind::BudgetBallot => "budget_ballot",
            Kind::BudgetProject => "budget_project",
            Kind::BudgetSignature => "budget_signature",
            Kind::BudgetAppeal => "budget_appeal",
            Kind::BudgetBallotChange => "budget_ballot_change",
            Kind::ConsultationAnswers => "consultation_answers",
            Kind::PutSubscription => "notification_subscription",
            Kind::PushRegister => "push_register",
            Kind::PushUnregister => "push_unregister",
            Kind::FeedRead => "notification_read",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "register_device" => Some(Kind::RegisterDevice),
            "submit_report" => Some(Kind::SubmitReport),
            "follow_report" => Some(Kind::FollowReport),
            "unfollow_report" => Some(Kind::UnfollowReport),
            "tax_payment" => Some(Kind::TaxPayment),
            "tax_unlink" => Some(Kind::TaxUnlink),
            "budget_ballot" => Some(Kind::BudgetBallot),
            "budget_project" => Some(Kind::BudgetProject),
            "budget_signature" => Some(Kind::BudgetSignature),
            "budget_appeal" => Some(Kind::BudgetAppeal),
            "budget_ballot_change" => Some(Kind::BudgetBallotChange),
            "consultation_answers" => Some(Kind::ConsultationAnswers),
            "notification_subscription" => Some(Kind::PutSubscription),
            "push_register" => Some(Kind::PushRegister),
            "push_unregister" => Some(Kind::PushUnregister),
            "notification_read" => Some(Kind::FeedRead),
            _ => None,
        }
    }


    /// A budget write other than the ballot (`budget::writes`).
    fn is_budget_write(self) -> bool {
        matches!(self, Kind::BudgetProject | Kind::BudgetSignature | Kind::BudgetAppeal | Kind::BudgetBallotChange)
    }

    /// A notifications write (`notifications::outbox`).
    fn is_notifications(self) -> bool {
        matches!(self, Kind::PutSubscription | Kind::PushRegister | Kind::PushUnregister | Kind::FeedRead)
    }

    /// Its payload holds a person's identity: deleted with `secure_delete`
    /// on, and the WAL truncated once it is answered.
    fn holds_identity(self) -> bool {
        matches!(
            self,
            Kind::BudgetBallot | Kind::BudgetSignature | Kind::BudgetBallotChange | Kind::ConsultationAnswers
        )
    }

    /// Whether the request carries the device's bearer token.
    fn needs_device_token(self) -> bool {
        !matches!(self, Kind::RegisterDevice)
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: String,
    pub payload: String,
    pub attempts: u32,
}

const BACKOFF_BASE: Duration = Duration::from_secs(2);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);

/// Delay before the next try after `attempts` failed ones (1 = the first
/// failure): 2 s doubling to at most an hour, then "equal jitter" (a
/// uniform draw in its upper half, `jitter` in 0..=1) so that phones that
/// failed together do not all retry in the same second.
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let full = BACKOFF_BASE.saturating_mul(1u32 << exp).min(BACKOFF_MAX);
    let jitter = jitter.clamp(0.0, 1.0);
    full.mul_f64(0.5 + 0.5 * jitter)
}

pub fn enqueue(
    tx: &Transaction<'_>,
    kind: Kind,
    payload: &impl Serialize,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    tx.execute(
        "INSERT INTO outbox (kind, idempotency_key, payload, next_attempt_at, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?4)",
        params![
            kind.as_str(),
            uuid::Uuid::new_v4().to_string(),
            serde_json::to_string(payload)?,
            ts(now)
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Pending items whose time has come: a registration first (every other
/// write needs its token), then oldest first (writes keep their order).
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Item>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, idempotency_key, payload, attempts FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ?1
         ORDER BY kind = 'register_device' DESC, id",
    )?;
    let rows = stmt.query_map([ts(now)], |r| {
        Ok(Item {
            id: r.get(0)?,
            kind: r.get(1)?,
            idempotency_key: r.get(2)?,
            payload: r.get(3)?,
            attempts: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether an item of `kind` is still queued; a failed one does not count
/// (it will never be sent by itself, so it must not hold back a new one).
pub fn has_pending(conn: &Connection, kind: Kind) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = ?1 AND state = 'pending')",
        [kind.as_str()],
        |r| r.get(0),
    )?)
}

/// Puts failed items back in the queue, due now, with their attempts
/// counted afresh: `only` one item, or every failed one. They keep their
/// idempotency key: the server refused them, so it holds nothing under it,
/// and should an earlier answer have been lost, the key still makes the
/// resend harmless. A report goes back to `queued`. Returns how many.
pub fn retry_failed(tx: &Transaction<'_>, only: Option<i64>, now: DateTime<Utc>) -> Result<u32, Error> {
    let failed: Vec<(i64, String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, kind, payload FROM outbox WHERE state = 'failed' AND (?1 IS NULL OR id = ?1)",
        )?;
        let rows = stmt.query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, kind, payload) in &failed {
        tx.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, ts(now)],
        )?;
        if Kind::parse(kind) == Some(Kind::SubmitReport) {
            let reports::sync::SubmitPayload { local_id } = serde_json::from_str(payload)?;
            reports::store::set_state(tx, local_id, reports::model::MyReportState::Queued, None)?;
        }
        if Kind::parse(kind) == Some(Kind::TaxPayment) {
            let taxes::fetch::PayPayload { payment } = serde_json::from_str(payload)?;
            tx.execute("UPDATE tax_payments SET state = 'queued' WHERE id = ?1 AND state = 'refused'", [payment])?;
        }
    }
    Ok(failed.len() as u32)
}

/// Makes items that wait only because the server could not be reached due
/// now; returns how many. Called once the server answered again: backoff
/// spares a failing server, not an absent network.
pub fn retry_network_failures(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<usize, Error> {
    Ok(tx.execute(
        "UPDATE outbox SET next_attempt_at = ?1
         WHERE state = 'pending' AND next_attempt_at > ?1 AND last_error LIKE 'network:%'",
        [ts(now)],
    )?)
}

/// Drops an item (the resident withdrew what it would send).
pub fn remove(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
    Ok(())
}

/// `(pending, failed)`.
pub fn counts(conn: &Connection) -> Result<(u32, u32), Error> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed') FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn schedule_retry(
    tx: &Transaction<'_>,
    item: &Item,
    now: DateTime<Utc>,
    error: &str,
) -> Result<(), Error> {
    let attempts = item.attempts + 1;
    let delay = backoff(attempts, rand::rng().random::<f64>());
    let next = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1));
    tx.execute(
        "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
        params![item.id, attempts, ts(next), error],
    )?;
    Ok(())
}

fn mark_failed(tx: &Transaction<'_>, item: &Item, error: &str) -> Result<(), Error> {
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, state = 'failed', last_error = ?2 WHERE id = ?1",
        params![item.id, error],
    )?;
    Ok(())
}

/// What one flush did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    pub sent: u32,
    pub pending: u32,
    pub failed: u32,
}

/// What a successful send brings back, applied in the transaction that
/// deletes the item.
enum Done {
    Device(String),
    /// Boxed: the largest by far, and rare beside the others.
    Report(Box<reports::sync::Acked>),
    /// The local payment's id and the server's answer.
    TaxPayment(Box<(String, mm_protocol::taxes::Payment)>),
    /// The edition and the server's receipt.
    BudgetBallot(Box<(i64, mm_protocol::budget::model::BallotReceipt)>),
    BudgetWrite(Box<budget::writes::Answered>),
    /// The consultation and the server's receipt.
    ConsultationAnswers(Box<(i64, mm_protocol::consultations::wire::AnswerReceipt)>),
    Notifications(notifications::outbox::Sent),
    Nothing,
}

enum Failure {
    Http(HttpError),
    Local(Error),
}

async fn send(
    store: &Store,
    http: &Http,
    base: &str,
    kind: Kind,
    item: &Item,
    token: Option<&str>,
) -> Result<Done, Failure> {
    match kind {
        Kind::RegisterDevice => http
            .post(base, "/devices", &item.idempotency_key, token, &item.payload)
            .await
            .map(Done::Device)
            .map_err(Failure::Http),
        Kind::SubmitReport => {
            let data_dir = store.path().parent().unwrap_or(std::path::Path::new("."));
            reports::sync::send_report(store, http, base, data_dir, token.unwrap_or_default(), item)
                .await
                .map(|acked| Done::Report(Box::new(acked)))
                .map_err(|e| match e {
                    reports::sync::SendError::Http(e) => Failure::Http(e),
                    reports::sync::SendError::Local(e) => Failure::Local(e),
                })
        }
        Kind::FollowReport | Kind::UnfollowReport => {
            let p: reports::sync::FollowPayload =
                serde_json::from_str(&item.payload).map_err(|e| Failure::Local(e.into()))?;
            let method = if kind == Kind::FollowReport {
                reqwest::Method::POST
            } else {
                reqwest::Method::DELETE
            };
            let path = format!("/reports/{}/follow", p.report_id);
            http.send(method, base, &path, &item.idempotency_key, token)
                .await
                .map(|_| Done::Nothing)
                .map_err(Failure::Http)
        }
        Kind::TaxPayment => taxes::fetch::send_payment(store, http, base, token.unwrap_or_default(), item)
            .await
            .map(|answer| answer.map_or(Done::Nothing, |a| Done::TaxPayment(Box::new(a))))
            .map_err(tax_failure),
        Kind::TaxUnlink => taxes::fetch::send_unlink(http, base, token.unwrap_or_default(), item)
            .await
            .map(|()| Done::Nothing)
            .map_err(tax_failure),
        Kind::BudgetBallot => budget::fetch::send_ballot(http, base, token.unwrap_or_default(), item)
            .await
            .map(|answer| Done::BudgetBallot(Box::new(answer)))
            .map_err(|e| match e {
                budget::fetch::SendError::Http(e) => Failure::Http(e),
                budget::fetch::SendError::Local(e) => Failure::Local(e),
            }),
        Kind::BudgetProject | Kind::BudgetSignature | Kind::BudgetAppeal | Kind::BudgetBallotChange => {
            let data_dir = store.path().parent().unwrap_or(std::path::Path::new("."));
            budget::writes::send(http, base, data_dir, token.unwrap_or_default(), item)
                .await
                .map(|answer| Done::BudgetWrite(Box::new(answer)))
                .map_err(|e| match e {
                    budget::fetch::SendError::Http(e) => Failure::Http(e),
                    budget::fetch::SendError::Local(e) => Failure::Local(e),
                })
        }
        Kind::ConsultationAnswers => consultations::sync::send(http, base, token.unwrap_or_default(), item)
            .await
            .map(|answer| Done::ConsultationAnswers(Box::new(answer)))
            .map_err(|e| match e {
                consultations::sync::SendError::Http(e) => Failure::Http(e),
                consultations::sync::SendError::Local(e) => Failure::Local(e),
            }),
        Kind::PutSubscription | Kind::PushRegister | Kind::PushUnregister | Kind::FeedRead => {
            notifications::outbox::send(http, base, token.unwrap_or_default(), kind, item)
                .await
                .map(Done::Notifications)
                .map_err(|e| match e {
                    notifications::outbox::SendError::Http(e) => Failure::Http(e),
                    notifications::outbox::SendError::Local(e) => Failure::Local(e),
                })
        }
    }
}

fn tax_failure(e: taxes::fetch::SendError) -> Failure {
    match e {
        taxes::fetch::SendError::Http(e) => Failure::Http(e),
        taxes::fetch::SendError::Local(e) => Failure::Local(e),
    }
}

/// Sends every due item in order. A network failure stops the flush (the
/// rest would fail the same way) without charging the others an attempt.
/// A 401 on a write with the device token registers the install again and
/// starts the pass over (once per flush; see the module's comment).
pub async fn flush(store: &Store, http: &Http, base: &str) -> Result<Flushed, Error> {
    let mut sent = 0;
    let mut registered_again = false;
    // A ballot's item holds the voter's identity: once it is answered, the
    // WAL that saw it is truncated.
    let mut ballot_done = false;
    'pass: loop {
        let items = store.read(|c| due(c, Utc::now()))?;
        if items.iter().any(|i| Kind::parse(&i.kind).is_some_and(Kind::holds_identity)) {
            // Whatever rewrites or deletes those rows from here on is zeroed.
            store.write(budget::store::secure_delete)?;
        }
        for item in items {
            let Some(kind) = Kind::parse(&item.kind) else {
                store.write(|tx| mark_failed(tx, &item, "unknown kind"))?;
                continue;
            };
            let token = if kind.needs_device_token() {
                store.read(devices::token)?
            } else {
                None
            };
            if kind.needs_device_token() && token.is_none() {
                // Registration comes first in the queue; wait for it.
                continue;
            }
            let result = send(store, http, base, kind, &item, token.as_deref()).await;
            match result {
                Ok(done) => {
                    let unused = store.write(|tx| {
                        let mut unused = Vec::new();
                        match &done {
                            Done::Device(body) => {
                                devices::save(tx, &serde_json::from_str(body)?, Utc::now())?
                            }
                            Done::Report(acked) => {
                                unused = reports::sync::acknowledge(tx, acked, Utc::now())?
                            }
                            Done::TaxPayment(answer) => {
                                taxes::store::update_from_server(tx, &answer.0, &answer.1, Utc::now())?
                            }
                            Done::BudgetBallot(answer) => {
                                budget::store::secure_delete(tx)?;
                                budget::store::cast_done(tx, answer.0, &answer.1, Utc::now())?;
                                ballot_done = true;
                            }
                            Done::BudgetWrite(answer) => {
                                budget::writes::done(tx, answer, Utc::now())?;
                                ballot_done |= kind.holds_identity();
                            }
                            Done::ConsultationAnswers(answer) => {
                                // A per-person consultation's item holds the identity.
                                consultations::sync::sent(tx, answer.0, &answer.1, Utc::now())?;
                                ballot_done = true;
                            }
                            Done::Notifications(sent) => notifications::outbox::done(tx, sent, Utc::now())?,
                            Done::Nothing => {}
                        }
                        tx.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
                        Ok(unused)
                    })?;
                    if !unused.is_empty() {
                        let data_dir = store.path().parent().unwrap_or(std::path::Path::new("."));
                        reports::delete_unused_files(store, data_dir, &unused);
                    }
                    sent += 1;
                }
                Err(Failure::Http(e)) if e.is_unauthorized() && kind.needs_device_token() && !registered_again => {
                    // The item stays pending and due, without an attempt charged.
                    tracing::warn!(id = item.id, kind = %item.kind, "the server does not know this device; registering again");
                    if store.write(|tx| devices::replace_dead_token(tx, Utc::now()))? {
                        registered_again = true;
                        continue 'pass;
                    }
                    let error = CoreError::from(Error::from(e));
                    store.write(|tx| {
                        if kind == Kind::SubmitReport {
                            reports::sync::record_failure(tx, &item.payload, &error, true)?;
                        }
                        if kind == Kind::TaxPayment {
                            taxes::fetch::record_failure(tx, &item.payload, &error, true)?;
                        }
                        if kind == Kind::BudgetBallot {
                            return budget::fetch::refused(tx, &item, &error);
                        }
                        if kind.is_budget_write() {
                            return budget::writes::refused(tx, &item, &error);
                        }
                        if kind == Kind::ConsultationAnswers {
                            return consultations::sync::refused(tx, &item, &error);
                        }
                        if kind.is_notifications() {
                            return notifications::outbox::refused(tx, kind, &item, &error);
                        }
                        mark_failed(tx, &item, &error.to_string())
                    })?;
                    ballot_done |= kind.holds_identity();
                }
                Err(Failure::Http(e))
                    if e.is_transient()
                        && !(kind == Kind::BudgetBallot && budget::fetch::is_final(&e))
                        && !(kind.is_budget_write() && budget::writes::is_final(&e))
                        && !(kind == Kind::ConsultationAnswers && consultations::sync::is_final(&e)) =>
                {
                    let network = matches!(e, HttpError::Network(_));
                    let error = CoreError::from(Error::from(e));
                    tracing::warn!(id = item.id, kind = %item.kind, code = error.code(), "outbox send failed; will retry");
                    store.write(|tx| {
                        if kind == Kind::SubmitReport {
                            reports::sync::record_failure(tx, &item.payload, &error, false)?;
                        }
                        if kind == Kind::TaxPayment {
                            taxes::fetch::record_failure(tx, &item.payload, &error, false)?;
                        }
                        if kind == Kind::BudgetBallot {
                            budget::fetch::waiting(tx, &item, &error)?;
                        }
                        if kind.is_budget_write() {
                            budget::writes::waiting(tx, &item, &error)?;
                        }
                        if kind == Kind::ConsultationAnswers {
                            consultations::sync::waiting(tx, &item, &error)?;
                        }
                        schedule_retry(tx, &item, Utc::now(), &error.to_string())
                    })?;
                    if network {
                        break;
                    }
                }
                Err(f) => {
                    let error = match f {
                        Failure::Http(e) => CoreError::from(Error::from(e)),
                        Failure::Local(e) => CoreError::from(e),
                    };
                    tracing::warn!(id = item.id, kind = %item.kind, code = error.code(), "outbox write rejected");
                    store.write(|tx| {
                        if kind == Kind::SubmitReport {
                            reports::sync::record_failure(tx, &item.payload, &error, true)?;
                        }
                        if kind == Kind::TaxPayment {
                            taxes::fetch::record_failure(tx, &item.payload, &error, true)?;
                        }
                        if kind == Kind::BudgetBallot {
                            // Final: kept on the cast, the identity deleted.
                            return budget::fetch::refused(tx, &item, &error);
                        }
                        if kind.is_budget_write() {
                            return budget::writes::refused(tx, &item, &error);
                        }
                        if kind == Kind::ConsultationAnswers {
                            return consultations::sync::refused(tx, &item, &error);
                        }
                        if kind.is_notifications() {
                            return notifications::outbox::refused(tx, kind, &item, &error);
                        }
                        mark_failed(tx, &item, &error.to_string())
                    })?;
                    ballot_done |= kind.holds_identity();
                }
            }
        }
        break;
    }
    if ballot_done {
        budget::store::scrub(store);
    }
    let (pending, failed) = store.read(counts)?;
    Ok(Flushed {
        sent,
        pending,
        failed,
    })
}

#[cfg(test)]
mod reliability_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_within_bounds() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(5, 1.0), Duration::from_secs(32));
        assert_eq!(backoff(30, 1.0), BACKOFF_MAX);
        assert_eq!(backoff(u32::MAX, 0.0), BACKOFF_MAX / 2);
        assert_eq!(backoff(0, 1.0), Duration::from_secs(2));
        for a in 1..40 {
            for j in [0.0, 0.3, 0.99, 1.0, -5.0, 7.0] {
                let full = BACKOFF_BASE
                    .saturating_mul(1u32 << (a - 1).min(20))
                    .min(BACKOFF_MAX);
                let d = backoff(a, j);
                assert!(d >= full / 2 && d <= full, "attempt {a} jitter {j}: {d:?}");
                assert!(backoff(a + 1, j) >= d, "never shrinks");
            }
        }
    }

    #[test]
    fn items_survive_a_reopen_and_retry_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let now = Utc::now();
        let key = {
            let store = Store::open(&path).unwrap();
            store
                .write(|tx| enqueue(tx, Kind::RegisterDevice, &serde_json::json!({"a": 1}), now))
                .unwrap();
            let item = store.read(|c| due(c, now)).unwrap().remove(0);
            store
                .write(|tx| schedule_retry(tx, &item, now, "network: refused"))
                .unwrap();
            item.idempotency_key
        };
        let store = Store::open(&path).unwrap();
        assert!(
            store.read(|c| due(c, now)).unwrap().is_empty(),
            "backed off"
        );
        assert_eq!(store.read(counts).unwrap(), (1, 0));
        let later = store.read(|c| due(c, now + TimeDelta::seconds(3))).unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].attempts, 1);
        assert_eq!(later[0].idempotency_key, key, "a retry keeps its key");
        assert!(uuid::Uuid::parse_str(&key).is_ok());
        store
            .write(|tx| mark_failed(tx, &later[0], "invalid_field"))
            .unwrap();
        assert_eq!(store.read(counts).unwrap(), (0, 1));
        assert!(
            store
                .read(|c| due(c, now + TimeDelta::days(1)))
                .unwrap()
                .is_empty()
        );
    }
}
