//! The budget's writes other than the ballot itself: a project submitted
//! (with its photos), a support signature, an appeal against a rejection,
//! and a change of a ballot already cast. Each is one outbox item (its
//! idempotency key makes a retry harmless) and one `budget_writes` row the
//! screens read: `queued`, `done` with the server's answer, or `refused`.
//!
//! A signature and a change carry the person's identity: as for a ballot
//! it lives only in the outbox item's payload, which is deleted with
//! `secure_delete` on once the server answers for good, and the WAL is
//! truncated after (`outbox::flush`).

use std::path::Path;

use chrono::{DateTime, Utc};
use mm_protocol::budget::model::{BallotReceipt, Project};
use mm_protocol::budget::wire::{
    AppealInput, BallotChangeRequest, MyBallot, NewProject, SignatureInput, SignatureReceipt,
};
use mm_protocol::error::ErrorCode;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::fetch::{self, SendError};
use super::model::{BudgetWrite, BudgetWriteKind, WriteState};
use super::store::{self as budget_store, StoredError};
use crate::display::Language;
use crate::error::{CoreError, Error};
use crate::outbox::Item;
use crate::reports::photos;
use crate::store::{from_ts, ts};
use crate::sync::client::{Http, HttpError};

/// What an outbox item of a budget write carries. `write` is the
/// `budget_writes` row.
#[derive(Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum WritePayload {
    /// `photos`: the normalised photos' local ids (files in
    /// `data_dir/photos`), uploaded before the project is posted.
    Project {
        write: i64,
        edition: i64,
        project: NewProject,
        photos: Vec<String>,
    },
    Signature {
        write: i64,
        project: i64,
        signature: SignatureInput,
    },
    Appeal {
        write: i64,
        project: i64,
        appeal: AppealInput,
    },
    Change {
        write: i64,
        edition: i64,
        change: BallotChangeRequest,
    },
}

impl WritePayload {
    fn write(&self) -> i64 {
        match self {
            WritePayload::Project { write, .. }
            | WritePayload::Signature { write, .. }
            | WritePayload::Appeal { write, .. }
            | WritePayload::Change { write, .. } => *write,
        }
    }
}

/// The server's answer to a write, applied where the item is deleted.
pub enum Answered {
    Project { write: i64, project: Project },
    Signature { write: i64, receipt: SignatureReceipt },
    Appeal { write: i64, project: Project },
    Change { write: i64, ballot: MyBallot },
}

#[derive(Deserialize)]
struct PhotoUploaded {
    photo_id: String,
}

fn bad_answer(what: &'static str) -> impl FnOnce(serde_json::Error) -> SendError {
    // Garbled: retried with the same key, which answers the same again.
    move |e| {
        SendError::Http(HttpError::Network(format!("bad {what} answer at line {} column {}", e.line(), e.column())))
    }
}

/// Sends the item: photos first for a project (content-addressed on the
/// server, so a retry uploads harmlessly), then the write with the item's
/// `Idempotency-Key`.
pub async fn send(http: &Http, base: &str, data_dir: &Path, token: &str, item: &Item) -> Result<Answered, SendError> {
    let payload: WritePayload = serde_json::from_str(&item.payload).map_err(|e| SendError::Local(e.into()))?;
    let key = item.idempotency_key.as_str();
    match payload {
        WritePayload::Project { write, edition, mut project, photos: local } => {
            project.photos.clear();
            for id in &local {
                let bytes = std::fs::read(photos::path_of(data_dir, id)).map_err(|e| SendError::Local(e.into()))?;
                let text = http.upload(base, "/photos", token, "image/jpeg", bytes).await.map_err(SendError::Http)?;
                let up: PhotoUploaded = serde_json::from_str(&text).map_err(bad_answer("photo"))?;
                project.photos.push(up.photo_id);
            }
            let text = http
                .post(base, &format!("/budget/editions/{edition}/projects"), key, Some(token), &body(&project)?)
                .await
                .map_err(SendError::Http)?;
            Ok(Answered::Project { write, project: serde_json::from_str(&text).map_err(bad_answer("project"))? })
        }
        WritePayload::Signature { write, project, signature } => {
            let text = http
                .post(base, &format!("/budget/projects/{project}/signatures"), key, Some(token), &body(&signature)?)
                .await
                .map_err(SendError::Http)?;
            Ok(Answered::Signature { write, receipt: serde_json::from_str(&text).map_err(bad_answer("signature"))? })
        }
        WritePayload::Appeal { write, project, appeal } => {
            let text = http
                .post(base, &format!("/budget/projects/{project}/appeal"), key, Some(token), &body(&appeal)?)
                .await
                .map_err(SendError::Http)?;
            Ok(Answered::Appeal { write, project: serde_json::from_str(&text).map_err(bad_answer("appeal"))? })
        }
        WritePayload::Change { write, edition, change } => {
            let text = http
                .write_json(
                    reqwest::Method::PUT,
                    base,
                    &format!("/budget/editions/{edition}/ballot"),
                    key,
                    Some(token),
                    &body(&change)?,
                )
                .await
                .map_err(SendError::Http)?;
            Ok(Answered::Change { write, ballot: serde_json::from_str(&text).map_err(bad_answer("ballot change"))? })
        }
    }
}

fn body(v: &impl Serialize) -> Result<String, SendError> {
    serde_json::to_string(v).map_err(|e| SendError::Local(e.into()))
}

/// Whether a write's failure is final though the generic rule would retry
/// it: every budget refusal of the request itself is (a locked SMS request
/// does not unlock for this code).
pub fn is_final(e: &HttpError) -> bool {
    fetch::is_final(e)
        || matches!(e, HttpError::Status { api: Some(api), .. } if matches!(api.code, ErrorCode::Conflict | ErrorCode::NotFound))
}

/// The server's answer: the row `done`, and what it says stored where the
/// screens read it (the project in the edition's list, my ballot).
pub fn done(tx: &Transaction<'_>, answered: &Answered, now: DateTime<Utc>) -> Result<(), Error> {
    budget_store::secure_delete(tx)?;
    let (write, answer, project) = match answered {
        Answered::Project { write, project } => (*write, serde_json::to_string(project)?, Some(project.id)),
        Answered::Signature { write, receipt } => (*write, serde_json::to_string(receipt)?, Some(receipt.project)),
        Answered::Appeal { write, project } => (*write, serde_json::to_string(project)?, Some(project.id)),
        Answered::Change { write, ballot } => (*write, serde_json::to_string(ballot)?, None),
    };
    tx.execute(
        "UPDATE budget_writes SET state = 'done', outbox_id = NULL, answer = ?2, error = NULL,
            project = coalesce(?3, project), updated_at = ?4 WHERE id = ?1",
        params![write, answer, project, ts(now)],
    )?;
    match answered {
        Answered::Project { project, .. } | Answered::Appeal { project, .. } => {
            tx.execute(
                "INSERT OR REPLACE INTO budget_projects (id, edition, pool, body) VALUES (?1, ?2, ?3, ?4)",
                params![project.id, project.edition, project.pool, serde_json::to_string(project)?],
            )?;
        }
        Answered::Change { ballot, .. } => {
            save_my_ballot(tx, ballot, now)?;
            adopt_cast(tx, &ballot.receipt, ballot.edition, now)?;
        }
        Answered::Signature { .. } => {}
    }
    Ok(())
}

/// A final refusal: kept on the row, the item (and any identity in it)
/// deleted at once.
pub fn refused(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    budget_store::secure_delete(tx)?;
    if let Some(write) = write_of(&item.payload) {
        tx.execute(
            "UPDATE budget_writes SET state = 'refused', outbox_id = NULL, error = ?2, updated_at = ?3 WHERE id = ?1",
            params![write, serde_json::to_string(&fetch::stored(error))?, ts(Utc::now())],
        )?;
    }
    tx.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
    Ok(())
}

/// A failure that will be retried: the reason shows beside `queued`.
pub fn waiting(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    budget_store::secure_delete(tx)?;
    if let Some(write) = write_of(&item.payload) {
        tx.execute(
            "UPDATE budget_writes SET error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'queued'",
            params![write, serde_json::to_string(&fetch::stored(error))?, ts(Utc::now())],
        )?;
    }
    Ok(())
}

fn write_of(payload: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Write {
        write: i64,
    }
    serde_json::from_str::<Write>(payload).ok().map(|w| w.write)
}

// ---- the table ----

/// A new row (`queued`, its outbox item given after: the payload names
/// the row, so the row comes first).
pub fn insert(
    tx: &Transaction<'_>,
    kind: BudgetWriteKind,
    edition: Option<i64>,
    project: Option<i64>,
    title: &str,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    tx.execute(
        "INSERT INTO budget_writes (kind, edition, project, state, title, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5)",
        params![kind.as_str(), edition, project, title, ts(now)],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn set_outbox(tx: &Transaction<'_>, write: i64, outbox_id: i64) -> Result<(), Error> {
    tx.execute("UPDATE budget_writes SET outbox_id = ?2 WHERE id = ?1", params![write, outbox_id])?;
    Ok(())
}

/// Queues a write: the row, then its item (one transaction, the caller's).
pub fn queue(
    tx: &Transaction<'_>,
    kind: BudgetWriteKind,
    edition: Option<i64>,
    project: Option<i64>,
    title: &str,
    payload: impl FnOnce(i64) -> WritePayload,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let write = insert(tx, kind, edition, project, title, now)?;
    let p = payload(write);
    debug_assert_eq!(p.write(), write);
    let outbox_id = crate::outbox::enqueue(tx, kind.outbox_kind(), &p, now)?;
    set_outbox(tx, write, outbox_id)?;
    Ok(write)
}

/// A row as stored.
#[derive(Debug, Clone)]
pub struct StoredWrite {
    pub id: i64,
    pub kind: BudgetWriteKind,
    pub edition: Option<i64>,
    pub project: Option<i64>,
    pub state: WriteState,
    pub title: String,
    pub answer: Option<String>,
    pub error: Option<StoredError>,
    pub created_at: DateTime<Utc>,
}

/// The row's columns, in `SELECT` order.
type Row = (i64, String, Option<i64>, Option<i64>, String, String, Option<String>, Option<String>, i64);

const COLUMNS: &str = "id, kind, edition, project, state, title, answer, error, created_at";

fn stored_write(r: Row) -> Result<StoredWrite, Error> {
    let (id, kind, edition, project, state, title, answer, error, created_at) = r;
    Ok(StoredWrite {
        id,
        kind: BudgetWriteKind::parse(&kind)
            .ok_or_else(|| Error::Storage { detail: format!("budget write kind {kind}") })?,
        edition,
        project,
        state: WriteState::parse(&state),
        title,
        answer,
        error: error.map(|e| serde_json::from_str(&e)).transpose()?,
        created_at: from_ts(created_at),
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

pub fn get(c: &Connection, id: i64) -> Result<Option<StoredWrite>, Error> {
    let r = c.query_row(&format!("SELECT {COLUMNS} FROM budget_writes WHERE id = ?1"), [id], row).optional()?;
    r.map(stored_write).transpose()
}

/// Newest first; of one edition when given (a signature or an appeal
/// belongs to its project's edition).
pub fn list(c: &Connection, edition: Option<i64>) -> Result<Vec<StoredWrite>, Error> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM budget_writes w WHERE ?1 IS NULL OR w.edition = ?1
            OR w.project IN (SELECT id FROM budget_projects WHERE edition = ?1)
         ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([edition], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(stored_write(r?)?);
    }
    Ok(out)
}

// ---- my ballot as the server keeps it ----

pub fn save_my_ballot(tx: &Transaction<'_>, b: &MyBallot, now: DateTime<Utc>) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO budget_my_ballots (edition, body, fetched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (edition) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        params![b.edition, serde_json::to_string(b)?, ts(now)],
    )?;
    Ok(())
}

pub fn my_ballot(c: &Connection, edition: i64) -> Result<Option<(MyBallot, DateTime<Utc>)>, Error> {
    let r: Option<(String, i64)> = c
        .query_row("SELECT body, fetched_at FROM budget_my_ballots WHERE edition = ?1", [edition], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    r.map(|(body, at)| Ok((serde_json::from_str(&body)?, from_ts(at)))).transpose()
}

/// The server has no ballot of this device in the edition (404).
pub fn forget_my_ballot(tx: &Transaction<'_>, edition: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM budget_my_ballots WHERE edition = ?1", [edition])?;
    Ok(())
}

/// A ballot the server knows but this device's store does not (cast before
/// a reinstall, or with the receipt code on another device): the cast row
/// as `cast`, so the ballot screen shows it and `cast` refuses a second.
pub fn adopt_cast(
    tx: &Transaction<'_>,
    receipt: &BallotReceipt,
    edition: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO budget_casts (edition, state, idempotency_key, outbox_id, pools, receipt, error, created_at, updated_at)
         VALUES (?1, 'cast', '', NULL, ?2, ?3, NULL, ?4, ?4)
         ON CONFLICT (edition) DO UPDATE SET state = 'cast', outbox_id = NULL, pools = excluded.pools,
            receipt = excluded.receipt, error = NULL, updated_at = excluded.updated_at
         WHERE budget_casts.state != 'queued'",
        params![edition, serde_json::to_string(&receipt.pools)?, serde_json::to_string(receipt)?, ts(now)],
    )?;
    Ok(())
}

/// The card of a write, in the resident's language.
pub fn card(w: &StoredWrite, lang: Language) -> BudgetWrite {
    let signature: Option<SignatureReceipt> = (w.kind == BudgetWriteKind::Signature)
        .then(|| w.answer.as_deref().and_then(|a| serde_json::from_str(a).ok()))
        .flatten();
    let project: Option<Project> = matches!(w.kind, BudgetWriteKind::Project | BudgetWriteKind::Appeal)
        .then(|| w.answer.as_deref().and_then(|a| serde_json::from_str(a).ok()))
        .flatten();
    BudgetWrite {
        id: w.id,
        kind: w.kind,
        kind_text: w.kind.label(lang).to_owned(),
        edition: w.edition.or(project.as_ref().map(|p| p.edition)),
        project: w.project,
        title: w.title.clone(),
        state: w.state,
        state_text: w.state.label(lang).to_owned(),
        project_status: project.as_ref().map(|p| p.status),
        signatures: signature.as_ref().map(|s| s.signatures),
        signatures_required: signature.as_ref().map(|s| s.required),
        error_code: w.error.as_ref().map(|e| e.code.clone()),
        error_text: w.error.as_ref().map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
        created_at: w.created_at,
    }
}
