//! The consultations on the wire (`/api/v1/consultations/...`): the
//! public list and summaries the core caches, the answers the outbox
//! sends (with who answers, for a per-person consultation), and the
//! request for an SMS code.

use chrono::Utc;
use mm_protocol::consultations::wire::{AnswerReceipt, PublicSummary};
use mm_protocol::budget::model::{IdentityInput, SmsProof};
use mm_protocol::budget::wire::{SmsCodeIssued, SmsCodeRequest};
use mm_protocol::consultations::{AnswerSubmission, Answers, Consultation};
use mm_protocol::error::ErrorCode;
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::store;
use crate::budget::fetch::stored;
use crate::error::{CoreError, Error};
use crate::outbox::Item;
use crate::sync::client::{Http, HttpError};

/// Outbox payload: the consultation, the answers as checked and, for a
/// per-person consultation, the identity and the SMS proof. The identity
/// lives only here (never in `consultation_responses`), so the item is
/// deleted with `secure_delete` on once answered (`Kind::holds_identity`).
/// Items queued before the identity existed read with none.
#[derive(Serialize, Deserialize)]
pub struct AnswerPayload {
    pub consultation: i64,
    pub answers: Answers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsProof>,
}

pub enum SendError {
    Http(HttpError),
    Local(Error),
}

fn bad_answer(what: &str) -> impl FnOnce(serde_json::Error) -> HttpError + '_ {
    // Without serde's message: it may quote a value.
    move |e| HttpError::Network(format!("bad {what} answer at line {} column {}", e.line(), e.column()))
}

/// `GET /consultations`.
pub async fn list(http: &Http, base: &str) -> Result<Vec<Consultation>, HttpError> {
    let text = http.get(base, "/consultations", &[]).await?;
    serde_json::from_str(&text).map_err(bad_answer("consultations"))
}

/// `GET /consultations/{id}/summary`; `None` before publication.
pub async fn summary(http: &Http, base: &str, id: i64) -> Result<Option<PublicSummary>, HttpError> {
    match http.get(base, &format!("/consultations/{id}/summary"), &[]).await {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(bad_answer("summary")),
        Err(HttpError::Status { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The outbox sends the answers: `POST /consultations/{id}/responses`
/// with the item's `Idempotency-Key` → 201 `AnswerReceipt`.
pub async fn send(http: &Http, base: &str, token: &str, item: &Item) -> Result<(i64, AnswerReceipt), SendError> {
    let AnswerPayload { consultation, answers, identity, sms } =
        serde_json::from_str(&item.payload).map_err(|e| SendError::Local(e.into()))?;
    // Per device the body is the answers alone, as before the identity.
    let submission = AnswerSubmission { answers: answers.answers, identity, sms };
    let body = serde_json::to_string(&submission).map_err(|e| SendError::Local(e.into()))?;
    let text = http
        .post(base, &format!("/consultations/{consultation}/responses"), &item.idempotency_key, Some(token), &body)
        .await
        .map_err(SendError::Http)?;
    let receipt = serde_json::from_str(&text).map_err(bad_answer("response")).map_err(SendError::Http)?;
    Ok((consultation, receipt))
}

/// `POST /consultations/{id}/sms-codes` → 202 `SmsCodeIssued`. Not
/// through the outbox: the resident waits for the SMS, and a code asked
/// offline would arrive when no one looks. A fresh key per request: a
/// retried request gets the first answer, not a second SMS.
pub async fn request_sms(
    http: &Http,
    base: &str,
    token: &str,
    id: i64,
    body: &SmsCodeRequest,
) -> Result<SmsCodeIssued, HttpError> {
    let body = serde_json::to_string(body).map_err(|e| HttpError::Network(format!("body: {:?}", e.classify())))?;
    let key = uuid::Uuid::new_v4().to_string();
    let text = http.post(base, &format!("/consultations/{id}/sms-codes"), &key, Some(token), &body).await?;
    serde_json::from_str(&text).map_err(bad_answer("sms code"))
}

/// Refusals the generic rule would retry but that will not change: the
/// same identity or SMS code sent again is refused again (a locked code,
/// 429 `sms_locked`, too: the person asks for a new one).
pub fn is_final(e: &HttpError) -> bool {
    match e {
        HttpError::Status { api: Some(api), .. } | HttpError::Throttled { api: Some(api), .. } => {
            matches!(
                api.code,
                ErrorCode::AlreadyAnswered
                    | ErrorCode::PhaseClosed
                    | ErrorCode::InvalidAnswer
                    | ErrorCode::InvalidIdentity
                    | ErrorCode::InvalidSmsCode
                    | ErrorCode::SmsLocked
            ) || !e.is_transient()
        }
        _ => !e.is_transient(),
    }
}

fn consultation_of(payload: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Of {
        consultation: i64,
    }
    serde_json::from_str::<Of>(payload).ok().map(|o| o.consultation)
}

pub fn sent(tx: &Transaction<'_>, id: i64, receipt: &AnswerReceipt, now: chrono::DateTime<Utc>) -> Result<(), Error> {
    store::response_sent(tx, id, receipt, now)?;
    store::delete_draft(tx, id)
}

/// A final refusal: kept on the response, the item deleted.
pub fn refused(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    if let Some(id) = consultation_of(&item.payload) {
        store::response_refused(tx, id, &stored(error), Utc::now())?;
    }
    tx.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
    Ok(())
}

pub fn waiting(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    if let Some(id) = consultation_of(&item.payload) {
        store::response_waiting(tx, id, &stored(error), Utc::now())?;
    }
    Ok(())
}
