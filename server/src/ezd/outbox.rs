//! The transactional outbox of the EZD bridge and the bridge's tables.
//!
//! [`enqueue_registration`] and [`enqueue_case`] take the report's own
//! transaction, so an outbox row exists exactly when the report (or its
//! acceptance) was committed: a crash can lose neither one without the other.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::reports::{Report, ReportStatus, StatusChange};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::model::{CaseOutcome, CaseState, OpenedCase, Registered};
use crate::store::sqlite::{SqliteStore, parse_ts, ts};
use crate::store::{Actor, StoreError, StoreResult};

/// Migration: the outbox, what each report became in the EZD, and the JRWA
/// class per report category (set by officials; `ezd_default_jrwa` in
/// `settings` for categories without one).
pub const SCHEMA: &str = r#"
    CREATE TABLE ezd_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id INTEGER NOT NULL REFERENCES reports(id),
        -- 'register' (RPW entry) or 'case' (sprawa on acceptance)
        kind TEXT NOT NULL,
        -- 'pending', 'done' or 'dead' (dead letter: needs an official)
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (report_id, kind)
    );
    CREATE INDEX ezd_outbox_due ON ezd_outbox(state, next_attempt_at);
    CREATE TABLE ezd_registrations (
        report_id INTEGER PRIMARY KEY REFERENCES reports(id),
        -- Our idempotency reference, searched for before creating anything.
        reference TEXT NOT NULL UNIQUE,
        rpw_number TEXT,
        document_id TEXT,
        case_id TEXT,
        -- znak sprawy, e.g. GKM.7021.15.2026
        case_reference TEXT,
        case_state TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX ezd_registrations_open_cases ON ezd_registrations(case_state);
    CREATE TABLE ezd_category_classes (
        category TEXT PRIMARY KEY REFERENCES report_categories(id),
        jrwa TEXT NOT NULL,
        archival_category TEXT NOT NULL DEFAULT 'B5'
    );
    INSERT OR IGNORE INTO settings (key, value) VALUES ('ezd_default_jrwa', '7021');
"#;

pub const REGISTER: &str = "register";
pub const CASE: &str = "case";

/// The idempotency reference of a report's registration: stable, unique
/// per report and per database (the creation time tells two databases'
/// report 1 apart).
pub fn reference(report_id: i64, created_at: DateTime<Utc>) -> String {
    format!("MM-ZGL-{report_id}-{}", created_at.format("%Y%m%d%H%M%S"))
}

/// Called in the transaction that inserts the report.
pub fn enqueue_registration(tx: &Transaction, report: &Report) -> StoreResult<()> {
    let now = ts(report.created_at);
    tx.prepare_cached(
        "INSERT OR IGNORE INTO ezd_registrations (report_id, reference, updated_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![report.id, reference(report.id, report.created_at), now])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO ezd_outbox (report_id, kind, next_attempt_at, created_at, updated_at)
         VALUES (?1, 'register', ?2, ?2, ?2)",
    )?
    .execute(params![report.id, now])?;
    Ok(())
}

/// Called in the transaction of a status change: acceptance opens a case
/// (once; a report reopened later keeps its case).
pub fn enqueue_case(
    tx: &Transaction,
    report_id: i64,
    status: ReportStatus,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if status != ReportStatus::Accepted {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO ezd_outbox (report_id, kind, next_attempt_at, created_at, updated_at)
         VALUES (?1, 'case', ?2, ?2, ?2)",
    )?
    .execute(params![report_id, ts(now)])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct OutboxJob {
    pub id: i64,
    pub report_id: i64,
    pub kind: String,
    pub attempts: u32,
    pub reference: String,
}

/// Everything a job needs about its report.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub report: Report,
    pub category_name: String,
    pub jrwa: String,
    pub archival_category: String,
    pub registered: Option<Registered>,
}

#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub id: i64,
    pub report_id: i64,
    pub kind: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct OpenCase {
    pub report_id: i64,
    pub case_id: String,
    pub case_reference: Option<String>,
    pub state: CaseState,
}

#[async_trait]
pub trait EzdStore: Send + Sync {
    /// Pending jobs due by `now`, oldest first; a case waits for its
    /// report's registration.
    async fn ezd_due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboxJob>>;
    async fn ezd_context(&self, report_id: i64) -> StoreResult<JobContext>;
    async fn ezd_registered(
        &self,
        job: i64,
        report_id: i64,
        r: Registered,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Stores the case; with a case reference, publishes it on the report.
    async fn ezd_case_opened(
        &self,
        job: i64,
        report_id: i64,
        c: OpenedCase,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    async fn ezd_failed(
        &self,
        job: i64,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn ezd_open_cases(&self) -> StoreResult<Vec<OpenCase>>;
    /// A case's new state from the EZD; a closed case resolves the report.
    async fn ezd_case_state(
        &self,
        report_id: i64,
        state: CaseState,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn ezd_dead_letters(&self) -> StoreResult<Vec<DeadLetter>>;
    /// Puts a dead letter back in the queue, due now (audited).
    async fn ezd_retry(&self, actor: Actor, job: i64, now: DateTime<Utc>) -> StoreResult<()>;
    /// Sets the JRWA class of a report category (audited).
    async fn ezd_set_category_class(
        &self,
        actor: Actor,
        category: String,
        jrwa: String,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn ezd_category_classes(&self) -> StoreResult<Vec<(String, String)>>;
}

fn context(c: &Connection, report_id: i64) -> StoreResult<JobContext> {
    let report =
        crate::store::sqlite::reports::get_report(c, report_id)?.ok_or(StoreError::NotFound)?;
    let cat: Option<String> = c
        .query_row(
            "SELECT data FROM report_categories WHERE id = ?1",
            [&report.category],
            |r| r.get(0),
        )
        .optional()?;
    let category_name = cat
        .and_then(|d| serde_json::from_str::<mm_protocol::reports::ReportCategory>(&d).ok())
        .map(|c| c.name_pl)
        .unwrap_or_else(|| report.category.clone());
    let class: Option<(String, String)> = c
        .query_row(
            "SELECT jrwa, archival_category FROM ezd_category_classes WHERE category = ?1",
            [&report.category],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (jrwa, archival_category) = match class {
        Some(x) => x,
        None => (
            c.query_row(
                "SELECT value FROM settings WHERE key = 'ezd_default_jrwa'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| "7021".to_owned()),
            "B5".to_owned(),
        ),
    };
    let registered = c
        .query_row(
            "SELECT rpw_number, document_id FROM ezd_registrations WHERE report_id = ?1 AND rpw_number IS NOT NULL",
            [report_id],
            |r| Ok(Registered { rpw_number: r.get(0)?, document_id: r.get(1)? }),
        )
        .optional()?;
    Ok(JobContext {
        report,
        category_name,
        jrwa,
        archival_category,
        registered,
    })
}

fn mark_done(tx: &Transaction, job: i64, now: DateTime<Utc>) -> StoreResult<()> {
    tx.execute(
        "UPDATE ezd_outbox SET state = 'done', attempts = attempts + 1, last_error = NULL, updated_at = ?2 WHERE id = ?1",
        params![job, ts(now)],
    )?;
    Ok(())
}

#[async_trait]
impl EzdStore for SqliteStore {
    async fn ezd_due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboxJob>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.id, o.report_id, o.kind, o.attempts, g.reference
                 FROM ezd_outbox o JOIN ezd_registrations g ON g.report_id = o.report_id
                 WHERE o.state = 'pending' AND o.next_attempt_at <= ?1
                   AND (o.kind = 'register' OR g.rpw_number IS NOT NULL)
                 ORDER BY o.next_attempt_at, o.id LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![ts(now), limit], |r| {
                    Ok(OutboxJob {
                        id: r.get(0)?,
                        report_id: r.get(1)?,
                        kind: r.get(2)?,
                        attempts: r.get(3)?,
                        reference: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn ezd_context(&self, report_id: i64) -> StoreResult<JobContext> {
        self.read(move |c| context(c, report_id)).await
    }

    async fn ezd_registered(
        &self,
        job: i64,
        report_id: i64,
        r: Registered,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE ezd_registrations SET rpw_number = ?2, document_id = ?3, updated_at = ?4 WHERE report_id = ?1",
                params![report_id, r.rpw_number, r.document_id, ts(now)],
            )?;
            mark_done(tx, job, now)
        })
        .await
    }

    async fn ezd_case_opened(
        &self,
        job: i64,
        report_id: i64,
        c: OpenedCase,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE ezd_registrations SET case_id = ?2, case_reference = ?3,
                 case_state = COALESCE(case_state, 'open'), updated_at = ?4 WHERE report_id = ?1",
                params![report_id, c.case_id, c.case_reference, ts(now)],
            )?;
            if let Some(znak) = &c.case_reference {
                use crate::store::sqlite::reports::{get_report, save_report};
                let mut report = get_report(tx, report_id)?.ok_or(StoreError::NotFound)?;
                if report.case_reference.as_deref() != Some(znak) {
                    report.case_reference = Some(znak.clone());
                    report.updated_at = now;
                    save_report(tx, &report)?;
                }
            }
            mark_done(tx, job, now)
        })
        .await
    }

    async fn ezd_failed(
        &self,
        job: i64,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let (state, next) = match retry_at {
                Some(t) => ("pending", ts(t)),
                None => ("dead", ts(now)),
            };
            tx.execute(
                "UPDATE ezd_outbox SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                 last_error = ?4, updated_at = ?5 WHERE id = ?1 AND state = 'pending'",
                params![job, state, next, error, ts(now)],
            )?;
            Ok(())
        })
        .await
    }

    async fn ezd_open_cases(&self) -> StoreResult<Vec<OpenCase>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT report_id, case_id, case_reference, case_state FROM ezd_registrations
                 WHERE case_id IS NOT NULL AND case_state IS NOT NULL AND case_state <> 'closed'
                 ORDER BY report_id",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(OpenCase {
                        report_id: r.get(0)?,
                        case_id: r.get(1)?,
                        case_reference: r.get(2)?,
                        state: CaseState::parse(&r.get::<_, String>(3)?).unwrap_or(CaseState::Open),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn ezd_case_state(
        &self,
        report_id: i64,
        state: CaseState,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let (old, znak): (Option<String>, Option<String>) = tx.query_row(
                "SELECT case_state, case_reference FROM ezd_registrations WHERE report_id = ?1",
                [report_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if old.as_deref() == Some(state.as_str()) {
                return Ok(());
            }
            tx.execute(
                "UPDATE ezd_registrations SET case_state = ?2, updated_at = ?3 WHERE report_id = ?1",
                params![report_id, state.as_str(), ts(now)],
            )?;
            let report = crate::store::sqlite::reports::get_report(tx, report_id)?.ok_or(StoreError::NotFound)?;
            let znak = znak.unwrap_or_default();
            let actor = Actor(super::rules::ACTOR.into());
            match super::rules::on_case_state(&report, state, &znak) {
                CaseOutcome::Move(change) => {
                    crate::store::sqlite::reports::change_status(tx, &actor, report_id, change, now)?;
                }
                CaseOutcome::PublicNote(reply) => {
                    let mut report = report;
                    report.history.push(StatusChange { status: report.status, at: now, public_reply: Some(reply) });
                    report.updated_at = now;
                    crate::store::sqlite::reports::save_report(tx, &report)?;
                    crate::store::sqlite::publish::audit(
                        tx,
                        &actor,
                        now,
                        "report.case_state",
                        "report",
                        Some(&report_id.to_string()),
                        json!({ "case_state": state.as_str(), "case_reference": znak }),
                    )?;
                }
                CaseOutcome::Nothing => {}
            }
            Ok(())
        })
        .await
    }

    async fn ezd_dead_letters(&self) -> StoreResult<Vec<DeadLetter>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, report_id, kind, attempts, last_error, updated_at FROM ezd_outbox
                 WHERE state = 'dead' ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(DeadLetter {
                        id: r.get(0)?,
                        report_id: r.get(1)?,
                        kind: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                        updated_at: parse_ts(&r.get::<_, String>(5)?)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn ezd_retry(&self, actor: Actor, job: i64, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE ezd_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
                 WHERE id = ?1 AND state = 'dead'",
                params![job, ts(now)],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            crate::store::sqlite::publish::audit(tx, &actor, now, "ezd.retry", "ezd_outbox", Some(&job.to_string()), json!({}))?;
            Ok(())
        })
        .await
    }

    async fn ezd_set_category_class(
        &self,
        actor: Actor,
        category: String,
        jrwa: String,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let known: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM report_categories WHERE id = ?1)",
                [&category],
                |r| r.get(0),
            )?;
            if !known {
                return Err(StoreError::UnknownReference { field: "category" });
            }
            tx.execute(
                "INSERT INTO ezd_category_classes (category, jrwa) VALUES (?1, ?2)
                 ON CONFLICT (category) DO UPDATE SET jrwa = excluded.jrwa",
                params![category, jrwa],
            )?;
            crate::store::sqlite::publish::audit(
                tx,
                &actor,
                now,
                "ezd.category_class",
                "report_category",
                Some(&category),
                json!({ "jrwa": jrwa }),
            )?;
            Ok(())
        })
        .await
    }

    async fn ezd_category_classes(&self) -> StoreResult<Vec<(String, String)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT c.id, COALESCE(k.jrwa, (SELECT value FROM settings WHERE key = 'ezd_default_jrwa'), '')
                 FROM report_categories c LEFT JOIN ezd_category_classes k ON k.category = c.id
                 ORDER BY c.position, c.id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
