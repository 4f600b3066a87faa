//! The budget on the wire (`/api/v1/budget/...`, `docs/plans/issue-15.md`
//! §2.3, bodies in `mm_protocol::budget::wire`): the public lists the core
//! caches, the SMS code request, and the ballot the outbox sends.

use chrono::Utc;
use mm_protocol::budget::model::{BallotInput, BallotReceipt, Edition, Project};
use mm_protocol::budget::wire::{EditionResults, MyBallot, SmsCodeIssued, SmsCodeRequest};
use mm_protocol::error::ErrorCode;
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::store::{self, StoredError};
use crate::error::{CoreError, Error};
use crate::outbox::Item;
use crate::sync::client::{Http, HttpError};

/// Outbox payload of a ballot: the edition and the whole request body,
/// identity included. It exists only in the outbox item, which is deleted
/// (securely) once the server answers for good.
#[derive(Serialize, Deserialize)]
pub struct BallotPayload {
    pub edition: i64,
    pub ballot: BallotInput,
}

fn bad_answer(what: &str) -> impl FnOnce(serde_json::Error) -> HttpError + '_ {
    // Without serde's message: it quotes the value.
    move |e| HttpError::Network(format!("bad {what} answer at line {} column {}", e.line(), e.column()))
}

/// A public read, with the device token when there is one (the server may
/// answer a device more, e.g. its own ballot's state).
async fn get(http: &Http, base: &str, path: &str, token: Option<&str>) -> Result<String, HttpError> {
    match token {
        Some(t) => http.get_authed(base, path, t).await,
        None => http.get(base, path, &[]).await,
    }
}

/// `GET /budget/editions`.
pub async fn editions(http: &Http, base: &str, token: Option<&str>) -> Result<Vec<Edition>, HttpError> {
    let text = get(http, base, "/budget/editions", token).await?;
    serde_json::from_str(&text).map_err(bad_answer("editions"))
}

/// `GET /budget/editions/{id}/projects`.
pub async fn projects(http: &Http, base: &str, token: Option<&str>, edition: i64) -> Result<Vec<Project>, HttpError> {
    let text = get(http, base, &format!("/budget/editions/{edition}/projects"), token).await?;
    serde_json::from_str(&text).map_err(bad_answer("projects"))
}

/// `GET /budget/editions/{id}/results`; `None` before publication (404
/// `results_not_published`).
pub async fn results(
    http: &Http,
    base: &str,
    token: Option<&str>,
    edition: i64,
) -> Result<Option<EditionResults>, HttpError> {
    match get(http, base, &format!("/budget/editions/{edition}/results"), token).await {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(bad_answer("results")),
        Err(HttpError::Status { status: 404, api }) if api.as_ref().is_none_or(|a| a.code == ErrorCode::ResultsNotPublished) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `GET /budget/editions/{id}/ballot[?receipt=]` (device token): the
/// ballot this device (or the receipt code) cast; `None` on 404.
pub async fn my_ballot(
    http: &Http,
    base: &str,
    token: &str,
    edition: i64,
    receipt: Option<&str>,
) -> Result<Option<MyBallot>, HttpError> {
    let mut path = format!("/budget/editions/{edition}/ballot");
    if let Some(code) = receipt {
        // A receipt code is letters and digits; anything else is refused
        // before it reaches a URL.
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Ok(None);
        }
        path.push_str(&format!("?receipt={code}"));
    }
    match http.get_authed(base, &path, token).await {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(bad_answer("my ballot")),
        Err(HttpError::Status { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `POST /budget/editions/{id}/sms-codes` → 202 `SmsCodeIssued`.
pub async fn request_sms(
    http: &Http,
    base: &str,
    token: &str,
    edition: i64,
    body: &SmsCodeRequest,
) -> Result<SmsCodeIssued, HttpError> {
    let body = serde_json::to_string(body).map_err(|e| HttpError::Network(format!("body: {:?}", e.classify())))?;
    // A retried request gets the first answer, not a second SMS.
    let key = uuid::Uuid::new_v4().to_string();
    let text = http.post(base, &format!("/budget/editions/{edition}/sms-codes"), &key, Some(token), &body).await?;
    serde_json::from_str(&text).map_err(bad_answer("sms code"))
}

pub enum SendError {
    Http(HttpError),
    Local(Error),
}

/// The outbox sends a ballot: `POST /budget/editions/{id}/ballots` with the
/// item's `Idempotency-Key` → 201 `BallotReceipt`.
pub async fn send_ballot(http: &Http, base: &str, token: &str, item: &Item) -> Result<(i64, BallotReceipt), SendError> {
    let BallotPayload { edition, ballot } =
        serde_json::from_str(&item.payload).map_err(|e| SendError::Local(e.into()))?;
    let body = serde_json::to_string(&ballot).map_err(|e| SendError::Local(e.into()))?;
    let text = http
        .post(base, &format!("/budget/editions/{edition}/ballots"), &item.idempotency_key, Some(token), &body)
        .await
        .map_err(SendError::Http)?;
    let receipt = serde_json::from_str(&text).map_err(bad_answer("ballot")).map_err(SendError::Http)?;
    Ok((edition, receipt))
}

/// Whether a ballot's failure is the server's last word, though the
/// generic rule would retry it: a locked SMS request (429) will not
/// unlock for this ballot's code, and every budget refusal is final.
pub fn is_final(e: &HttpError) -> bool {
    let api = match e {
        HttpError::Status { api: Some(api), .. } | HttpError::Throttled { api: Some(api), .. } => api,
        _ => return !e.is_transient(),
    };
    matches!(
        api.code,
        ErrorCode::AlreadyVoted
            | ErrorCode::BallotRule
            | ErrorCode::InvalidIdentity
            | ErrorCode::InvalidSmsCode
            | ErrorCode::SmsLocked
            | ErrorCode::PhoneLimit
            | ErrorCode::PhaseClosed
    ) || !e.is_transient()
}

fn edition_of(payload: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Edition {
        edition: i64,
    }
    serde_json::from_str::<Edition>(payload).ok().map(|e| e.edition)
}

pub(crate) fn stored(error: &CoreError) -> StoredError {
    let field = match error {
        CoreError::Server { field, .. } | CoreError::BallotRule { field, .. } => field.clone(),
        CoreError::InvalidIdentity { field, .. } => Some(field.clone()),
        _ => None,
    };
    StoredError { code: error.code().to_owned(), message: error.message(), field }
}

/// A final refusal: kept on the cast, and the item (the identity with it)
/// deleted at once; the resident may cast again with what they fix.
pub fn refused(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    store::secure_delete(tx)?;
    if let Some(edition) = edition_of(&item.payload) {
        store::cast_refused(tx, edition, &stored(error), Utc::now())?;
    }
    tx.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
    Ok(())
}

/// A failure that will be retried: the reason shows beside `queued`.
pub fn waiting(tx: &Transaction<'_>, item: &Item, error: &CoreError) -> Result<(), Error> {
    store::secure_delete(tx)?;
    if let Some(edition) = edition_of(&item.payload) {
        store::cast_waiting(tx, edition, &stored(error), Utc::now())?;
    }
    Ok(())
}

/// The stored refusal as the error `cast` returns (the same variant as
/// the server's answer gave).
pub fn as_error(e: &StoredError) -> CoreError {
    match e.code.as_str() {
        "ballot_rule" => CoreError::BallotRule { field: e.field.clone(), message: e.message.clone() },
        "invalid_identity" => CoreError::InvalidIdentity {
            field: e.field.clone().unwrap_or_else(|| "identity".into()),
            message: e.message.clone(),
        },
        "network" => CoreError::Network { detail: "the ballot waits in the outbox".into() },
        code => CoreError::Server {
            code: serde_json::from_value(serde_json::Value::String(code.to_owned())).unwrap_or(ErrorCode::Unknown),
            message: e.message.clone(),
            field: e.field.clone(),
        },
    }
}
