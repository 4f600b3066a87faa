//! The consultations' tables on PostgreSQL, as `store/sqlite/consultations.rs`.
//! Concurrent answers of one respondent meet at
//! `consultation_respondents`' primary key: `INSERT ... ON CONFLICT DO
//! NOTHING RETURNING` gives a row to one of them; the others wait for its
//! COMMIT and get none. An answer holds its consultation's row `FOR SHARE`
//! and an official's edit or status move `FOR UPDATE`, so neither sees the
//! other half done (an edit never slips in beside the first answer, an
//! answer never lands after the close committed).
//!
//! Residual risk of the anonymous mode (0007_consultations.sql): heap order
//! can pair a respondent row with the response written beside it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::consultations::{Consultation, ConsultationStatus, NormalAnswers};
use serde_json::json;
use tokio_postgres::Row;

use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, parse_time, ts, write_tx};
use crate::store::ballots::{SMS_CODE_MINUTES, SMS_KEEP_HOURS, SMS_MAX_WRONG, SmsUse};
use crate::store::consultations::{
    Answered, ConsultationResponse, ConsultationStore, ModerationState, NewResponse, NewSmsCode, SmsRefusal, TextAnswer,
    local_date, with_row,
};
use crate::store::{Actor, Conflict, StoreError, StoreResult};

fn bad(what: &str) -> StoreError {
    StoreError::backend(format!("a stored {what} does not parse"))
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("date"))
}

const COLUMNS: &str = "id, status, data";

fn consultation_row(r: &Row) -> StoreResult<Consultation> {
    let c: Consultation = serde_json::from_str(r.get::<_, &str>(2)).map_err(|_| bad("consultation"))?;
    let status = ConsultationStatus::parse(r.get(1)).ok_or_else(|| bad("status"))?;
    Ok(with_row(c, r.get(0), status))
}

/// The consultation, its row locked as `lock` says (`""`, `FOR SHARE`, `FOR UPDATE`).
async fn get(c: &impl GenericClient, g: &str, id: i64, lock: &str) -> StoreResult<Option<Consultation>> {
    let st = c.prepare_cached(&format!("SELECT {COLUMNS} FROM consultations WHERE gmina = $1 AND id = $2 {lock}")).await?;
    c.query_opt(&st, &[&g, &id]).await?.as_ref().map(consultation_row).transpose()
}

async fn answered(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<bool> {
    let st = c
        .prepare_cached("SELECT 1 FROM consultation_respondents WHERE gmina = $1 AND consultation = $2 LIMIT 1")
        .await?;
    Ok(c.query_opt(&st, &[&g, &id]).await?.is_some())
}

async fn save(tx: &Tx<'_>, g: &str, actor: &Actor, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation> {
    let at = ts(now);
    let (id, status, action) = if c.id <= 0 {
        let status = ConsultationStatus::Draft;
        let data = serde_json::to_string(&with_row(c.clone(), 0, status))?;
        let st = tx
            .c
            .prepare_cached(
                "INSERT INTO consultations (gmina, status, data, opens_at, closes_at, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .await?;
        let row = tx
            .c
            .query_one(&st, &[&g, &status.as_str(), &data, &ts(c.opens_at), &ts(c.closes_at), &actor.0, &at])
            .await?;
        (row.get::<_, i64>(0), status, "consultation.create")
    } else {
        let stored = get(&tx.c, g, c.id, "FOR UPDATE").await?.ok_or(StoreError::NotFound)?;
        if answered(&tx.c, g, c.id).await? {
            return Err(StoreError::Conflict(Conflict::ConsultationLocked));
        }
        let data = serde_json::to_string(&with_row(c.clone(), c.id, stored.status))?;
        let st = tx
            .c
            .prepare_cached(
                "UPDATE consultations SET data = $3, opens_at = $4, closes_at = $5, updated_at = $6
                 WHERE gmina = $1 AND id = $2",
            )
            .await?;
        tx.c.execute(&st, &[&g, &c.id, &data, &ts(c.opens_at), &ts(c.closes_at), &at]).await?;
        (c.id, stored.status, "consultation.update")
    };
    audit(tx, g, actor, now, action, "consultation", Some(&id.to_string()), json!({})).await?;
    Ok(with_row(c, id, status))
}

async fn set_status(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    to: ConsultationStatus,
    now: DateTime<Utc>,
) -> StoreResult<Consultation> {
    let c = get(&tx.c, g, id, "FOR UPDATE").await?.ok_or(StoreError::NotFound)?;
    if !c.may_move_at(to, now) {
        return Err(StoreError::Conflict(Conflict::ConsultationStatus));
    }
    if to == ConsultationStatus::Draft && answered(&tx.c, g, id).await? {
        return Err(StoreError::Conflict(Conflict::ConsultationLocked));
    }
    let st = tx
        .c
        .prepare_cached("UPDATE consultations SET status = $3, updated_at = $4 WHERE gmina = $1 AND id = $2")
        .await?;
    tx.c.execute(&st, &[&g, &id, &to.as_str(), &ts(now)]).await?;
    audit(
        tx,
        g,
        actor,
        now,
        "consultation.status",
        "consultation",
        Some(&id.to_string()),
        json!({ "from": c.status.as_str(), "to": to.as_str() }),
    )
    .await?;
    Ok(with_row(c, id, to))
}

/// Checks and uses `sms` for the respondent of `r`; `Some` refusal when it
/// does not pass (a wrong try counted), as `postgres/ballots.rs` does.
async fn check_sms(tx: &Tx<'_>, g: &str, r: &NewResponse, sms: &SmsUse) -> StoreResult<Option<SmsRefusal>> {
    let st = tx
        .c
        .prepare_cached(
            "SELECT respondent_key, code_hash, expires_at, attempts, used_at FROM consultation_sms_codes
             WHERE gmina = $1 AND id = $2 AND consultation = $3 FOR UPDATE",
        )
        .await?;
    let Some(row) = tx.c.query_opt(&st, &[&g, &sms.request_id, &r.consultation]).await? else {
        return Ok(Some(SmsRefusal::Expired));
    };
    let key: Vec<u8> = row.get(0);
    let hash: String = row.get(1);
    let expires_at = parse_time(row.get(2))?;
    let attempts = u32::try_from(row.get::<_, i64>(3)).unwrap_or(u32::MAX);
    let used: Option<String> = row.get(4);
    if used.is_some() || expires_at <= r.now {
        return Ok(Some(SmsRefusal::Expired));
    }
    if attempts >= SMS_MAX_WRONG {
        return Ok(Some(SmsRefusal::Locked { until: expires_at }));
    }
    if key != r.respondent_key || hash != sms.code_hash {
        let st = tx
            .c
            .prepare_cached("UPDATE consultation_sms_codes SET attempts = attempts + 1 WHERE gmina = $1 AND id = $2")
            .await?;
        tx.c.execute(&st, &[&g, &sms.request_id]).await?;
        let left = SMS_MAX_WRONG - attempts - 1;
        return Ok(Some(if left == 0 { SmsRefusal::Locked { until: expires_at } } else { SmsRefusal::Wrong { left } }));
    }
    let st = tx.c.prepare_cached("UPDATE consultation_sms_codes SET used_at = $3 WHERE gmina = $1 AND id = $2").await?;
    tx.c.execute(&st, &[&g, &sms.request_id, &ts(r.now)]).await?;
    Ok(None)
}

/// The gmina's codes a day past their expiry; how many went.
async fn purge_sms_codes(tx: &Tx<'_>, g: &str, now: DateTime<Utc>) -> StoreResult<u64> {
    let st = tx.c.prepare_cached("DELETE FROM consultation_sms_codes WHERE gmina = $1 AND expires_at < $2").await?;
    Ok(tx.c.execute(&st, &[&g, &ts(now - Duration::hours(SMS_KEEP_HOURS))]).await?)
}

async fn issue_sms_code(tx: &Tx<'_>, g: &str, code: &NewSmsCode) -> StoreResult<()> {
    get(&tx.c, g, code.consultation, "FOR SHARE").await?.ok_or(StoreError::NotFound)?;
    purge_sms_codes(tx, g, code.now).await?;
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO consultation_sms_codes (gmina, id, consultation, respondent_key, code_hash, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    tx.c.execute(
        &st,
        &[
            &g,
            &code.request_id,
            &code.consultation,
            &code.respondent_key,
            &code.code_hash,
            &ts(code.now + Duration::minutes(SMS_CODE_MINUTES)),
        ],
    )
    .await?;
    Ok(())
}

async fn answer(tx: &Tx<'_>, g: &str, r: &NewResponse) -> StoreResult<Answered> {
    let c = get(&tx.c, g, r.consultation, "FOR SHARE").await?.ok_or(StoreError::NotFound)?;
    if !c.accepts_answers_at(r.now) {
        return Err(StoreError::Conflict(Conflict::ConsultationClosed));
    }
    let (idem_key, request_hash) = match &r.idempotency {
        Some(k) => (Some(k.key.as_str()), Some(k.request_hash.as_str())),
        None => (None, None),
    };
    // The arbiter: one row per respondent, whoever commits first.
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO consultation_respondents (gmina, consultation, respondent_key, idem_key, request_hash)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
        )
        .await?;
    let inserted = tx.c.query_opt(&st, &[&g, &r.consultation, &r.respondent_key, &idem_key, &request_hash]).await?;
    if inserted.is_none() {
        let st = tx
            .c
            .prepare_cached(
                "SELECT idem_key, request_hash FROM consultation_respondents
                 WHERE gmina = $1 AND consultation = $2 AND respondent_key = $3",
            )
            .await?;
        let row = tx.c.query_one(&st, &[&g, &r.consultation, &r.respondent_key]).await?;
        let (key, hash): (Option<String>, Option<String>) = (row.get(0), row.get(1));
        return match (&r.idempotency, key) {
            (Some(k), Some(stored)) if k.key == stored => {
                if hash.as_deref() != Some(k.request_hash.as_str()) {
                    return Err(StoreError::IdempotencyConflict);
                }
                let st = tx
                    .c
                    .prepare_cached(
                        "SELECT id FROM consultation_responses
                         WHERE gmina = $1 AND consultation = $2 AND respondent_key = $3",
                    )
                    .await?;
                let id = tx.c.query_opt(&st, &[&g, &r.consultation, &r.respondent_key]).await?.map(|row| row.get(0));
                Ok(Answered::Replayed { id })
            }
            _ => Err(StoreError::Conflict(Conflict::AlreadyAnswered)),
        };
    }
    if let Some(sms) = &r.sms
        && let Some(refused) = check_sms(tx, g, r, sms).await?
    {
        // Not answered after all: the respondent may try again (a
        // concurrent answer waiting on this row inserts it then).
        let st = tx
            .c
            .prepare_cached(
                "DELETE FROM consultation_respondents WHERE gmina = $1 AND consultation = $2 AND respondent_key = $3",
            )
            .await?;
        tx.c.execute(&st, &[&g, &r.consultation, &r.respondent_key]).await?;
        return Ok(Answered::Sms(refused));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let answers = serde_json::to_string(&r.answers)?;
    if c.anonymous {
        // No key, no time: the date only (R§5, LimeSurvey's anonymized responses).
        let st = tx
            .c
            .prepare_cached(
                "INSERT INTO consultation_responses (gmina, id, consultation, submitted_on, answers)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .await?;
        tx.c.execute(&st, &[&g, &id, &r.consultation, &day(local_date(r.now)), &answers]).await?;
    } else {
        let st = tx
            .c
            .prepare_cached(
                "INSERT INTO consultation_responses (gmina, id, consultation, submitted_at, respondent_key, answers)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .await?;
        tx.c.execute(&st, &[&g, &id, &r.consultation, &ts(r.now), &r.respondent_key, &answers]).await?;
    }
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO consultation_texts (gmina, id, consultation, response, question, text, state)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
        )
        .await?;
    for (question, text) in r.answers.texts() {
        if text.trim().is_empty() {
            continue;
        }
        let text_id = uuid::Uuid::new_v4().to_string();
        tx.c.execute(&st, &[&g, &text_id, &r.consultation, &id, &question, &text]).await?;
    }
    Ok(Answered::New { id })
}

fn response_row(r: &Row) -> StoreResult<ConsultationResponse> {
    let on: Option<String> = r.get(1);
    let at = opt_time(r.get(2))?;
    let submitted_on = match (on, at) {
        (Some(d), _) => parse_day(&d)?,
        (None, Some(t)) => local_date(t),
        (None, None) => return Err(bad("submitted")),
    };
    Ok(ConsultationResponse {
        id: r.get(0),
        submitted_on,
        submitted_at: at,
        respondent_key: r.get(3),
        answers: serde_json::from_str::<NormalAnswers>(r.get::<_, &str>(4)).map_err(|_| bad("answers"))?,
    })
}

const TEXT_COLUMNS: &str = "id, consultation, response, question, text, state, moderated_by, moderated_at";

fn text_row(r: &Row) -> StoreResult<TextAnswer> {
    Ok(TextAnswer {
        id: r.get(0),
        consultation: r.get(1),
        response: r.get(2),
        question: r.get(3),
        text: r.get(4),
        state: ModerationState::parse(r.get(5)).ok_or_else(|| bad("state"))?,
        moderated_by: r.get(6),
        moderated_at: opt_time(r.get(7))?,
    })
}

async fn moderate(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    id: &str,
    approve: bool,
    now: DateTime<Utc>,
) -> StoreResult<TextAnswer> {
    let state = if approve { ModerationState::Approved } else { ModerationState::Rejected };
    let st = tx
        .c
        .prepare_cached(&format!(
            "UPDATE consultation_texts SET state = $3, moderated_by = $4, moderated_at = $5
             WHERE gmina = $1 AND id = $2 RETURNING {TEXT_COLUMNS}"
        ))
        .await?;
    let row = tx.c.query_opt(&st, &[&g, &id, &state.as_str(), &actor.0, &ts(now)]).await?.ok_or(StoreError::NotFound)?;
    let text = text_row(&row)?;
    audit(
        tx,
        g,
        actor,
        now,
        "consultation.moderate",
        "consultation_text",
        Some(id),
        json!({ "consultation": text.consultation, "state": state.as_str() }),
    )
    .await?;
    Ok(text)
}

#[async_trait]
impl ConsultationStore for PostgresStore {
    async fn consultations(&self, include_drafts: bool) -> StoreResult<Vec<Consultation>> {
        let c = self.reader().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM consultations WHERE gmina = $1 AND ($2 OR status <> 'draft')
                 ORDER BY opens_at DESC, id DESC"
            ))
            .await?;
        c.query(&st, &[&self.scope(), &include_drafts]).await?.iter().map(consultation_row).collect()
    }

    async fn consultation(&self, id: i64) -> StoreResult<Option<Consultation>> {
        get(&self.reader().await?, &self.scope(), id, "").await
    }

    async fn save_consultation(&self, actor: Actor, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation> {
        write_tx!(self, |tx, g| { save(tx, g, &actor, c, now).await })
    }

    async fn set_status(
        &self,
        actor: Actor,
        id: i64,
        to: ConsultationStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<Consultation> {
        write_tx!(self, |tx, g| { set_status(tx, g, &actor, id, to, now).await })
    }

    async fn answer(&self, response: NewResponse) -> StoreResult<Answered> {
        write_tx!(self, |tx, g| { answer(tx, g, &response).await })
    }

    async fn issue_consultation_sms_code(&self, code: NewSmsCode) -> StoreResult<()> {
        write_tx!(self, |tx, g| { issue_sms_code(tx, g, &code).await })
    }

    async fn purge_consultation_sms_codes(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx, g| { purge_sms_codes(tx, g, now).await })
    }

    async fn responses(&self, consultation: i64) -> StoreResult<Vec<ConsultationResponse>> {
        let c = self.reader().await?;
        // COLLATE "C": byte order, as SQLite's.
        let st = c
            .prepare_cached(
                "SELECT id, submitted_on, submitted_at, respondent_key, answers FROM consultation_responses
                 WHERE gmina = $1 AND consultation = $2
                 ORDER BY submitted_on COLLATE \"C\", submitted_at COLLATE \"C\", id COLLATE \"C\"",
            )
            .await?;
        c.query(&st, &[&self.scope(), &consultation]).await?.iter().map(response_row).collect()
    }

    async fn text_answers(&self, consultation: i64, state: ModerationState) -> StoreResult<Vec<TextAnswer>> {
        let c = self.reader().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT {TEXT_COLUMNS} FROM consultation_texts WHERE gmina = $1 AND consultation = $2 AND state = $3
                 ORDER BY question COLLATE \"C\", id COLLATE \"C\""
            ))
            .await?;
        c.query(&st, &[&self.scope(), &consultation, &state.as_str()]).await?.iter().map(text_row).collect()
    }

    async fn moderate(&self, actor: Actor, text: &str, approve: bool, now: DateTime<Utc>) -> StoreResult<TextAnswer> {
        let text = text.to_owned();
        write_tx!(self, |tx, g| { moderate(tx, g, &actor, &text, approve, now).await })
    }
}
