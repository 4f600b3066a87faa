//! The consultations' tables on SQLite (`migrations/sqlite/0017_consultations.sql`,
//! `store/consultations.rs`). Answers go through the group-committing
//! writer; the one writer serialises `consultation_respondents`'
//! `INSERT ... ON CONFLICT DO NOTHING`, whose `changes()` says who was first.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::consultations::{Consultation, ConsultationStatus, NormalAnswers};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::ballots::{SMS_CODE_MINUTES, SMS_KEEP_HOURS, SMS_MAX_WRONG, SmsUse};
use crate::store::consultations::{
    Answered, ConsultationResponse, ConsultationStore, ModerationState, NewResponse, NewSmsCode, SmsRefusal, TextAnswer,
    local_date, with_row,
};
use crate::store::{Actor, Conflict, StoreError, StoreResult};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("unreadable {what}").into())
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("date"))
}

const COLUMNS: &str = "id, status, data";

fn consultation_row(r: &Row<'_>) -> rusqlite::Result<Consultation> {
    let status: String = r.get(1)?;
    let data: String = r.get(2)?;
    let c: Consultation = serde_json::from_str(&data).map_err(|_| bad("consultation"))?;
    Ok(with_row(c, r.get(0)?, ConsultationStatus::parse(&status).ok_or_else(|| bad("status"))?))
}

fn get(c: &Connection, g: &str, id: i64) -> StoreResult<Option<Consultation>> {
    Ok(c.prepare_cached(&format!("SELECT {COLUMNS} FROM consultations WHERE gmina = ?1 AND id = ?2"))?
        .query_row(params![g, id], consultation_row)
        .optional()?)
}

fn answered(c: &Connection, g: &str, id: i64) -> StoreResult<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM consultation_respondents WHERE gmina = ?1 AND consultation = ?2 LIMIT 1")?
        .query_row(params![g, id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn save(tx: &Transaction<'_>, g: &str, actor: &Actor, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation> {
    let at = ts(now);
    let (id, status, action) = if c.id <= 0 {
        let status = ConsultationStatus::Draft;
        let data = serde_json::to_string(&with_row(c.clone(), 0, status))?;
        tx.prepare_cached(
            "INSERT INTO consultations (gmina, status, data, opens_at, closes_at, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![g, status.as_str(), data, ts(c.opens_at), ts(c.closes_at), actor.0, at])?;
        (tx.last_insert_rowid(), status, "consultation.create")
    } else {
        let stored = get(tx, g, c.id)?.ok_or(StoreError::NotFound)?;
        if answered(tx, g, c.id)? {
            return Err(StoreError::Conflict(Conflict::ConsultationLocked));
        }
        let data = serde_json::to_string(&with_row(c.clone(), c.id, stored.status))?;
        tx.prepare_cached(
            "UPDATE consultations SET data = ?3, opens_at = ?4, closes_at = ?5, updated_at = ?6
             WHERE gmina = ?1 AND id = ?2",
        )?
        .execute(params![g, c.id, data, ts(c.opens_at), ts(c.closes_at), at])?;
        (c.id, stored.status, "consultation.update")
    };
    audit(tx, g, actor, now, action, "consultation", Some(&id.to_string()), json!({}))?;
    Ok(with_row(c, id, status))
}

fn set_status(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    to: ConsultationStatus,
    now: DateTime<Utc>,
) -> StoreResult<Consultation> {
    let c = get(tx, g, id)?.ok_or(StoreError::NotFound)?;
    if !c.may_move_at(to, now) {
        return Err(StoreError::Conflict(Conflict::ConsultationStatus));
    }
    if to == ConsultationStatus::Draft && answered(tx, g, id)? {
        return Err(StoreError::Conflict(Conflict::ConsultationLocked));
    }
    tx.prepare_cached("UPDATE consultations SET status = ?3, updated_at = ?4 WHERE gmina = ?1 AND id = ?2")?
        .execute(params![g, id, to.as_str(), ts(now)])?;
    audit(
        tx,
        g,
        actor,
        now,
        "consultation.status",
        "consultation",
        Some(&id.to_string()),
        json!({ "from": c.status.as_str(), "to": to.as_str() }),
    )?;
    Ok(with_row(c, id, to))
}

fn answer(tx: &Transaction<'_>, g: &str, r: &NewResponse) -> StoreResult<Answered> {
    let c = get(tx, g, r.consultation)?.ok_or(StoreError::NotFound)?;
    if !c.accepts_answers_at(r.now) {
        return Err(StoreError::Conflict(Conflict::ConsultationClosed));
    }
    let (idem_key, request_hash) = match &r.idempotency {
        Some(k) => (Some(k.key.as_str()), Some(k.request_hash.as_str())),
        None => (None, None),
    };
    // The arbiter: one row per respondent, whoever comes first.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO consultation_respondents (gmina, consultation, respondent_key, idem_key, request_hash)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![g, r.consultation, r.respondent_key, idem_key, request_hash])?;
    if inserted == 0 {
        let (key, hash): (Option<String>, Option<String>) = tx
            .prepare_cached(
                "SELECT idem_key, request_hash FROM consultation_respondents
                 WHERE gmina = ?1 AND consultation = ?2 AND respondent_key = ?3",
            )?
            .query_row(params![g, r.consultation, r.respondent_key], |row| Ok((row.get(0)?, row.get(1)?)))?;
        return match (&r.idempotency, key) {
            (Some(k), Some(stored)) if k.key == stored => {
                if hash.as_deref() != Some(k.request_hash.as_str()) {
                    return Err(StoreError::IdempotencyConflict);
                }
                let id: Option<String> = tx
                    .prepare_cached(
                        "SELECT id FROM consultation_responses
                         WHERE gmina = ?1 AND consultation = ?2 AND respondent_key = ?3",
                    )?
                    .query_row(params![g, r.consultation, r.respondent_key], |row| row.get(0))
                    .optional()?;
                Ok(Answered::Replayed { id })
            }
            _ => Err(StoreError::Conflict(Conflict::AlreadyAnswered)),
        };
    }
    if let Some(sms) = &r.sms
        && let Some(refused) = check_sms(tx, g, r, sms)?
    {
        // Not answered after all: the respondent may try again.
        tx.prepare_cached(
            "DELETE FROM consultation_respondents WHERE gmina = ?1 AND consultation = ?2 AND respondent_key = ?3",
        )?
        .execute(params![g, r.consultation, r.respondent_key])?;
        return Ok(Answered::Sms(refused));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let answers = serde_json::to_string(&r.answers)?;
    if c.anonymous {
        // No key, no time: the date only (R§5, LimeSurvey's anonymized responses).
        tx.prepare_cached(
            "INSERT INTO consultation_responses (gmina, id, consultation, submitted_on, answers)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![g, id, r.consultation, day(local_date(r.now)), answers])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO consultation_responses (gmina, id, consultation, submitted_at, respondent_key, answers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![g, id, r.consultation, ts(r.now), r.respondent_key, answers])?;
    }
    for (question, text) in r.answers.texts() {
        if text.trim().is_empty() {
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO consultation_texts (gmina, id, consultation, response, question, text, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
        )?
        .execute(params![g, uuid::Uuid::new_v4().to_string(), r.consultation, id, question, text])?;
    }
    Ok(Answered::New { id })
}

/// Checks and uses `sms` for the respondent of `r`; `Some` refusal when it
/// does not pass (a wrong try counted), as `sqlite/ballots.rs` does for a
/// ballot.
fn check_sms(tx: &Transaction<'_>, g: &str, r: &NewResponse, sms: &SmsUse) -> StoreResult<Option<SmsRefusal>> {
    type CodeRow = (Vec<u8>, String, String, i64, Option<String>);
    let row: Option<CodeRow> = tx
        .prepare_cached(
            "SELECT respondent_key, code_hash, expires_at, attempts, used_at FROM consultation_sms_codes
             WHERE gmina = ?1 AND id = ?2 AND consultation = ?3",
        )?
        .query_row(params![g, sms.request_id, r.consultation], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
        })
        .optional()?;
    let Some((key, hash, expires, attempts, used)) = row else {
        return Ok(Some(SmsRefusal::Expired));
    };
    let expires_at = parse_ts(&expires)?;
    if used.is_some() || expires_at <= r.now {
        return Ok(Some(SmsRefusal::Expired));
    }
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    if attempts >= SMS_MAX_WRONG {
        return Ok(Some(SmsRefusal::Locked { until: expires_at }));
    }
    if key != r.respondent_key || hash != sms.code_hash {
        tx.prepare_cached("UPDATE consultation_sms_codes SET attempts = attempts + 1 WHERE gmina = ?1 AND id = ?2")?
            .execute(params![g, sms.request_id])?;
        let left = SMS_MAX_WRONG - attempts - 1;
        return Ok(Some(if left == 0 { SmsRefusal::Locked { until: expires_at } } else { SmsRefusal::Wrong { left } }));
    }
    tx.prepare_cached("UPDATE consultation_sms_codes SET used_at = ?3 WHERE gmina = ?1 AND id = ?2")?
        .execute(params![g, sms.request_id, ts(r.now)])?;
    Ok(None)
}

/// The gmina's codes a day past their expiry; how many went.
fn purge_sms_codes(tx: &Transaction<'_>, g: &str, now: DateTime<Utc>) -> StoreResult<u64> {
    let n = tx
        .prepare_cached("DELETE FROM consultation_sms_codes WHERE gmina = ?1 AND expires_at < ?2")?
        .execute(params![g, ts(now - Duration::hours(SMS_KEEP_HOURS))])?;
    Ok(n as u64)
}

fn issue_sms_code(tx: &Transaction<'_>, g: &str, code: &NewSmsCode) -> StoreResult<()> {
    get(tx, g, code.consultation)?.ok_or(StoreError::NotFound)?;
    purge_sms_codes(tx, g, code.now)?;
    tx.prepare_cached(
        "INSERT INTO consultation_sms_codes (gmina, id, consultation, respondent_key, code_hash, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        g,
        code.request_id,
        code.consultation,
        code.respondent_key,
        code.code_hash,
        ts(code.now + Duration::minutes(SMS_CODE_MINUTES))
    ])?;
    Ok(())
}

fn response_row(r: &Row<'_>) -> rusqlite::Result<ConsultationResponse> {
    let on: Option<String> = r.get(1)?;
    let at = r.get::<_, Option<String>>(2)?.map(|s| parse_ts(&s)).transpose()?;
    let answers: String = r.get(4)?;
    let submitted_on = match (on, at) {
        (Some(d), _) => parse_day(&d)?,
        (None, Some(t)) => local_date(t),
        (None, None) => return Err(bad("submitted")),
    };
    Ok(ConsultationResponse {
        id: r.get(0)?,
        submitted_on,
        submitted_at: at,
        respondent_key: r.get(3)?,
        answers: serde_json::from_str::<NormalAnswers>(&answers).map_err(|_| bad("answers"))?,
    })
}

const TEXT_COLUMNS: &str = "id, consultation, response, question, text, state, moderated_by, moderated_at";

fn text_row(r: &Row<'_>) -> rusqlite::Result<TextAnswer> {
    let state: String = r.get(5)?;
    Ok(TextAnswer {
        id: r.get(0)?,
        consultation: r.get(1)?,
        response: r.get(2)?,
        question: r.get(3)?,
        text: r.get(4)?,
        state: ModerationState::parse(&state).ok_or_else(|| bad("state"))?,
        moderated_by: r.get(6)?,
        moderated_at: r.get::<_, Option<String>>(7)?.map(|s| parse_ts(&s)).transpose()?,
    })
}

fn moderate(tx: &Transaction<'_>, g: &str, actor: &Actor, id: &str, approve: bool, now: DateTime<Utc>) -> StoreResult<TextAnswer> {
    let state = if approve { ModerationState::Approved } else { ModerationState::Rejected };
    let changed = tx
        .prepare_cached(
            "UPDATE consultation_texts SET state = ?3, moderated_by = ?4, moderated_at = ?5 WHERE gmina = ?1 AND id = ?2",
        )?
        .execute(params![g, id, state.as_str(), actor.0, ts(now)])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    let text = tx
        .prepare_cached(&format!("SELECT {TEXT_COLUMNS} FROM consultation_texts WHERE gmina = ?1 AND id = ?2"))?
        .query_row(params![g, id], text_row)?;
    audit(
        tx,
        g,
        actor,
        now,
        "consultation.moderate",
        "consultation_text",
        Some(id),
        json!({ "consultation": text.consultation, "state": state.as_str() }),
    )?;
    Ok(text)
}

#[async_trait]
impl ConsultationStore for SqliteStore {
    async fn consultations(&self, include_drafts: bool) -> StoreResult<Vec<Consultation>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM consultations WHERE gmina = ?1 AND (?2 OR status <> 'draft')
                 ORDER BY opens_at DESC, id DESC"
            ))?
            .query_map(params![g, include_drafts], consultation_row)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn consultation(&self, id: i64) -> StoreResult<Option<Consultation>> {
        let g = self.scope();
        self.read(move |c| get(c, &g, id)).await
    }

    async fn save_consultation(&self, actor: Actor, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation> {
        let g = self.scope();
        self.write(move |tx| save(tx, &g, &actor, c, now)).await
    }

    async fn set_status(
        &self,
        actor: Actor,
        id: i64,
        to: ConsultationStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<Consultation> {
        let g = self.scope();
        self.write(move |tx| set_status(tx, &g, &actor, id, to, now)).await
    }

    async fn answer(&self, response: NewResponse) -> StoreResult<Answered> {
        let g = self.scope();
        self.write(move |tx| answer(tx, &g, &response)).await
    }

    async fn issue_consultation_sms_code(&self, code: NewSmsCode) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| issue_sms_code(tx, &g, &code)).await
    }

    async fn purge_consultation_sms_codes(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let g = self.scope();
        self.write(move |tx| purge_sms_codes(tx, &g, now)).await
    }

    async fn responses(&self, consultation: i64) -> StoreResult<Vec<ConsultationResponse>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, submitted_on, submitted_at, respondent_key, answers FROM consultation_responses
                 WHERE gmina = ?1 AND consultation = ?2 ORDER BY submitted_on, submitted_at, id",
            )?
            .query_map(params![g, consultation], response_row)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn text_answers(&self, consultation: i64, state: ModerationState) -> StoreResult<Vec<TextAnswer>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {TEXT_COLUMNS} FROM consultation_texts WHERE gmina = ?1 AND consultation = ?2 AND state = ?3
                 ORDER BY question, id"
            ))?
            .query_map(params![g, consultation, state.as_str()], text_row)?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn moderate(&self, actor: Actor, text: &str, approve: bool, now: DateTime<Utc>) -> StoreResult<TextAnswer> {
        let (g, text) = (self.scope(), text.to_owned());
        self.write(move |tx| moderate(tx, &g, &actor, &text, approve, now)).await
    }
}
