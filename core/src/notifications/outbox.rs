//! What the notification writes in the outbox send, and how their answers
//! land: the subscription's PUT, the push registration's PUT and DELETE,
//! the feed's read marks (routes: `server/src/notifications/routes.rs`).

use chrono::{DateTime, Utc};
use mm_protocol::notifications::Subscription;
use rusqlite::Transaction;

use super::{registration, subscription};
use crate::error::{CoreError, Error};
use crate::outbox::{Item, Kind};
use crate::sync::client::{Http, HttpError};

/// A send's outcome, applied where the item is deleted.
pub(crate) enum Sent {
    Subscription {
        outbox_id: i64,
        subscription: Box<Subscription>,
    },
    Push {
        outbox_id: i64,
        removed: bool,
    },
    Read,
}

pub(crate) enum SendError {
    Http(HttpError),
    Local(Error),
}

pub(crate) async fn send(
    http: &Http,
    base: &str,
    token: &str,
    kind: Kind,
    item: &Item,
) -> Result<Sent, SendError> {
    let key = item.idempotency_key.as_str();
    match kind {
        Kind::PutSubscription => {
            let text = http
                .write_json(
                    reqwest::Method::PUT,
                    base,
                    "/notifications/subscription",
                    key,
                    Some(token),
                    &item.payload,
                )
                .await
                .map_err(SendError::Http)?;
            // The server answers what it stored; garbled: retried (a PUT
            // again is harmless).
            let subscription = serde_json::from_str(&text).map_err(|e| {
                SendError::Http(HttpError::Network(format!("bad subscription answer: {e}")))
            })?;
            Ok(Sent::Subscription {
                outbox_id: item.id,
                subscription: Box::new(subscription),
            })
        }
        Kind::PushRegister => {
            http.write_json(
                reqwest::Method::PUT,
                base,
                "/push/registration",
                key,
                Some(token),
                &item.payload,
            )
            .await
            .map_err(SendError::Http)?;
            Ok(Sent::Push {
                outbox_id: item.id,
                removed: false,
            })
        }
        Kind::PushUnregister => {
            http.send(
                reqwest::Method::DELETE,
                base,
                "/push/registration",
                key,
                Some(token),
            )
            .await
            .map_err(SendError::Http)?;
            Ok(Sent::Push {
                outbox_id: item.id,
                removed: true,
            })
        }
        Kind::FeedRead => {
            http.post(
                base,
                "/notifications/feed/read",
                key,
                Some(token),
                &item.payload,
            )
            .await
            .map_err(SendError::Http)?;
            Ok(Sent::Read)
        }
        _ => Err(SendError::Local(Error::internal(
            "not a notifications write",
        ))),
    }
}

pub(crate) fn done(tx: &Transaction<'_>, sent: &Sent, now: DateTime<Utc>) -> Result<(), Error> {
    match sent {
        Sent::Subscription {
            outbox_id,
            subscription,
        } => subscription::sent(tx, *outbox_id, subscription, now),
        Sent::Push { outbox_id, removed } => registration::sent(tx, *outbox_id, *removed, now),
        Sent::Read => Ok(()),
    }
}

/// A final refusal: kept on the row for the settings screen, the item
/// deleted (sending it again would be refused again; the resident changes
/// the settings instead). A refused read mark is dropped.
pub(crate) fn refused(
    tx: &Transaction<'_>,
    kind: Kind,
    item: &Item,
    error: &CoreError,
) -> Result<(), Error> {
    match kind {
        Kind::PutSubscription => subscription::refused(tx, item.id, error, Utc::now())?,
        Kind::PushRegister | Kind::PushUnregister => {
            registration::refused(tx, item.id, error, Utc::now())?
        }
        _ => {}
    }
    tx.execute("DELETE FROM outbox WHERE id = ?1", [item.id])?;
    Ok(())
}
