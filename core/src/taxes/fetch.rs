//! The taxes API on the wire (`/api/v1/taxes/...`, DESIGN of issue 14):
//! what the core asks online (link, the liabilities, a payment's state, a
//! receipt) and what the outbox sends (a payment, an unlink). Every answer
//! is personal data: none of it goes to a log line.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::taxes::{CreatePayment, LiabilitiesResponse, LinkRequest, Payment, Taxpayer};
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::store::{self, Settings, StoredError, StoredLiability};
use crate::error::{CoreError, Error};
use crate::outbox::{self, Item};
use crate::store::Store;
use crate::sync::client::{Http, HttpError};

/// Outbox payload of a payment: the local payment's id (the row holds the
/// liability and the amount; a payment dropped by an unlink is not sent).
#[derive(Debug, Serialize, Deserialize)]
pub struct PayPayload {
    pub payment: String,
}

/// Outbox payload of an unlink: one taxpayer, or all (`None`).
#[derive(Debug, Serialize, Deserialize)]
pub struct UnlinkPayload {
    pub taxpayer: Option<String>,
}

fn bad_answer(what: &str) -> impl FnOnce(serde_json::Error) -> HttpError + '_ {
    // Without serde's message: it quotes the value, which is personal data here.
    move |e| HttpError::Network(format!("bad {what} answer at line {} column {}", e.line(), e.column()))
}

/// `POST /taxes/link`: the taxpayer the code belongs to.
pub async fn link(http: &Http, base: &str, token: &str, code: &str) -> Result<Taxpayer, HttpError> {
    let body = serde_json::to_string(&LinkRequest { code: code.to_owned() }).unwrap_or_default();
    // The key only makes a retried request harmless; a code links once.
    let key = uuid::Uuid::new_v4().to_string();
    let text = http.post(base, "/taxes/link", &key, Some(token), &body).await?;
    serde_json::from_str(&text).map_err(bad_answer("link"))
}

/// `GET /taxes/liabilities?as_of=`.
pub async fn liabilities(http: &Http, base: &str, token: &str, as_of: NaiveDate) -> Result<LiabilitiesResponse, HttpError> {
    let text = http.get_authed(base, &format!("/taxes/liabilities?as_of={as_of}"), token).await?;
    serde_json::from_str(&text).map_err(bad_answer("liabilities"))
}

/// `GET /taxes/payments/{id}`.
pub async fn payment(http: &Http, base: &str, token: &str, server_id: &str) -> Result<Payment, HttpError> {
    let text = http.get_authed(base, &format!("/taxes/payments/{}", path_segment(server_id)), token).await?;
    serde_json::from_str(&text).map_err(bad_answer("payment"))
}

/// `GET /taxes/payments/{id}/receipt`: a printable HTML page.
pub async fn receipt(http: &Http, base: &str, token: &str, server_id: &str) -> Result<String, HttpError> {
    http.get_authed(base, &format!("/taxes/payments/{}/receipt", path_segment(server_id)), token).await
}

/// Ids are the server's or the tax system's: kept to what a path segment
/// carries as is.
fn path_segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect()
}

/// Taxpayers whose unlink is queued and not sent yet: a refresh must not
/// bring them back. `None` inside: everything is being unlinked.
pub fn unlinking(c: &Connection) -> Result<BTreeSet<Option<String>>, Error> {
    let mut stmt = c.prepare_cached("SELECT payload FROM outbox WHERE kind = ?1 AND state = 'pending'")?;
    let rows = stmt.query_map([outbox::Kind::TaxUnlink.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = BTreeSet::new();
    for payload in rows {
        let p: UnlinkPayload = serde_json::from_str(&payload?)?;
        out.insert(p.taxpayer);
    }
    Ok(out)
}

/// Stores a liabilities answer: the rules and recipient, the taxpayers (one
/// the server no longer lists is deleted with all its rows), the
/// liabilities, and what the server knows of payments made here.
pub fn apply(tx: &Transaction<'_>, resp: &LiabilitiesResponse, now: DateTime<Utc>) -> Result<(), Error> {
    store::save_settings(
        tx,
        &Settings {
            rules: resp.rules.clone(),
            recipient: resp.recipient.clone(),
            payments_enabled: resp.payments_enabled,
            fetched_at: now,
        },
    )?;
    let unlinking = unlinking(tx)?;
    if unlinking.contains(&None) {
        return Ok(());
    }
    let kept = |taxpayer: &str| !unlinking.contains(&Some(taxpayer.to_owned()));
    let listed: BTreeSet<&str> = resp.taxpayers.iter().map(|t| t.id.as_str()).filter(|t| kept(t)).collect();
    for t in store::taxpayers(tx)? {
        if !listed.contains(t.id.as_str()) {
            store::delete_taxpayers(tx, Some(&t.id))?;
        }
    }
    for t in resp.taxpayers.iter().filter(|t| listed.contains(t.id.as_str())) {
        store::upsert_taxpayer(tx, t, now)?;
    }
    let list: Vec<StoredLiability> = resp
        .liabilities
        .iter()
        .filter(|l| listed.contains(l.record.taxpayer.as_str()))
        .map(|l| StoredLiability { record: l.record.clone(), app_payments: l.app_payments.clone() })
        .collect();
    store::replace_liabilities(tx, &list)?;
    for s in list.iter().flat_map(|l| &l.app_payments) {
        store::update_summary(tx, s, now)?;
    }
    Ok(())
}

/// The outbox sends a payment: `POST /taxes/payments` with the item's key.
/// `None`: the payment is gone (its taxpayer was unlinked), nothing to send.
pub async fn send_payment(
    store: &Store,
    http: &Http,
    base: &str,
    token: &str,
    item: &Item,
) -> Result<Option<(String, Payment)>, SendError> {
    let PayPayload { payment: local_id } = serde_json::from_str(&item.payload).map_err(|e| SendError::Local(e.into()))?;
    let Some(p) = store.read(|c| store::payment(c, &local_id)).map_err(SendError::Local)? else {
        return Ok(None);
    };
    let body = serde_json::to_string(&CreatePayment { liability: p.liability, amount_grosze: p.amount_grosze })
        .map_err(|e| SendError::Local(e.into()))?;
    let text = http
        .post(base, "/taxes/payments", &item.idempotency_key, Some(token), &body)
        .await
        .map_err(SendError::Http)?;
    let answer: Payment = serde_json::from_str(&text).map_err(bad_answer("payment")).map_err(SendError::Http)?;
    Ok(Some((local_id, answer)))
}

/// The outbox sends an unlink: `DELETE /taxes/link[/{taxpayer}]`. A 404
/// means the server holds no such link any more: done as well.
pub async fn send_unlink(http: &Http, base: &str, token: &str, item: &Item) -> Result<(), SendError> {
    let UnlinkPayload { taxpayer } = serde_json::from_str(&item.payload).map_err(|e| SendError::Local(e.into()))?;
    let path = match taxpayer {
        Some(t) => format!("/taxes/link/{}", path_segment(&t)),
        None => "/taxes/link".to_owned(),
    };
    match http.send(reqwest::Method::DELETE, base, &path, &item.idempotency_key, Some(token)).await {
        Ok(_) | Err(HttpError::Status { status: 404, .. }) => Ok(()),
        Err(e) => Err(SendError::Http(e)),
    }
}

pub enum SendError {
    Http(HttpError),
    Local(Error),
}

/// A payment's send failed: the reason is kept on the payment; `refused`
/// when the server will never take it as it is.
pub fn record_failure(tx: &Transaction<'_>, payload: &str, error: &CoreError, refused: bool) -> Result<(), Error> {
    let Ok(PayPayload { payment }) = serde_json::from_str(payload) else {
        return Ok(());
    };
    let stored = StoredError { code: error.code().to_owned(), message: error.message() };
    store::record_failure(tx, &payment, &stored, refused, Utc::now())
}
