//! The push registration (plan §4): the token or UnifiedPush endpoint the
//! shell got from its push service, sent through the outbox (`PUT
//! /api/v1/push/registration`), and its removal (`DELETE`). Both replace
//! the server's one registration of the device, so retries are harmless
//! and the last one wins; a new one supersedes one still queued.
//!
//! The token, the endpoint and the keys are capabilities (whoever holds
//! them can push to the phone): they live only in the outbox item's
//! payload, never in a table or a log line (`PushRegistration`'s `Debug`
//! redacts them). The row keeps the transport and the state.

use chrono::{DateTime, Utc};
use mm_protocol::notifications::{EndpointPolicy, PushRegistration, Transport};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::model::{PushState, PushStatus};
use crate::budget::fetch::stored;
use crate::budget::store::StoredError;
use crate::display::Language;
use crate::error::{CoreError, Error};
use crate::outbox::{self, Kind};
use crate::store::{from_ts, ts};

/// Loopback push endpoints are let through only when the server itself
/// is on loopback: a test machine, where the server runs with
/// `--push-allow-loopback` (it refuses them otherwise). A phone talking to
/// a real server never has a reason to name its own loopback.
pub(crate) fn policy(server_url: &str) -> EndpointPolicy {
    let host = server_url
        .split_once("://")
        .map_or(server_url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .map_or(host, |(h, port)| if port.contains(']') { host } else { h });
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    EndpointPolicy {
        allow_loopback: loopback,
    }
}

fn stop_queued(tx: &Transaction<'_>) -> Result<(), Error> {
    // An older PUT or DELETE would be overridden by this one anyway.
    tx.execute(
        "DELETE FROM outbox WHERE kind IN (?1, ?2) AND state IN ('pending', 'failed')",
        [Kind::PushRegister.as_str(), Kind::PushUnregister.as_str()],
    )?;
    Ok(())
}

fn set_row(
    tx: &Transaction<'_>,
    transport: Option<Transport>,
    state: &str,
    outbox_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO push_registration (id, transport, state, outbox_id, error, updated_at)
         VALUES (1, ?1, ?2, ?3, NULL, ?4)
         ON CONFLICT (id) DO UPDATE SET transport = excluded.transport, state = excluded.state,
            outbox_id = excluded.outbox_id, error = NULL, updated_at = excluded.updated_at",
        params![transport.map(Transport::as_str), state, outbox_id, ts(now)],
    )?;
    Ok(())
}

/// Checks the registration (the protocol's rules: an APNs token of hex
/// digits, a Web Push endpoint on https with a 65-byte `p256dh` and a
/// 16-byte `auth`), then queues it. Invalid: `invalid_input`, nothing queued.
pub(crate) fn queue(
    tx: &Transaction<'_>,
    reg: PushRegistration,
    policy: EndpointPolicy,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    reg.validate_with(policy)
        .map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
    let reg = reg.normalised();
    stop_queued(tx)?;
    let outbox_id = outbox::enqueue(tx, Kind::PushRegister, &reg, now)?;
    set_row(tx, Some(reg.transport()), "queued", Some(outbox_id), now)
}

/// Queues the removal: no more pushes; the feed still comes with the sync.
pub(crate) fn queue_removal(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<(), Error> {
    stop_queued(tx)?;
    let outbox_id = outbox::enqueue(tx, Kind::PushUnregister, &serde_json::json!({}), now)?;
    let transport = status_row(tx)?.and_then(|r| r.transport);
    set_row(tx, transport, "removing", Some(outbox_id), now)
}

/// The server took item `outbox_id` (a PUT or a DELETE).
pub(crate) fn sent(
    tx: &Transaction<'_>,
    outbox_id: i64,
    removed: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (state, transport) = if removed {
        ("removed", "NULL")
    } else {
        ("registered", "transport")
    };
    tx.execute(
        &format!(
            "UPDATE push_registration SET state = ?2, transport = {transport}, outbox_id = NULL, error = NULL,
                updated_at = ?3 WHERE outbox_id = ?1"
        ),
        params![outbox_id, state, ts(now)],
    )?;
    Ok(())
}

pub(crate) fn refused(
    tx: &Transaction<'_>,
    outbox_id: i64,
    error: &CoreError,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE push_registration SET state = 'refused', outbox_id = NULL, error = ?2, updated_at = ?3
         WHERE outbox_id = ?1",
        params![outbox_id, serde_json::to_string(&stored(error))?, ts(now)],
    )?;
    Ok(())
}

struct Row {
    transport: Option<Transport>,
    state: PushState,
    error: Option<StoredError>,
    updated_at: DateTime<Utc>,
}

fn status_row(c: &Connection) -> Result<Option<Row>, Error> {
    let row: Option<(Option<String>, String, Option<String>, i64)> = c
        .query_row(
            "SELECT transport, state, error, updated_at FROM push_registration WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(transport, state, error, at)| {
        Ok(Row {
            transport: transport.and_then(|t| Transport::ALL.into_iter().find(|x| x.as_str() == t)),
            state: PushState::parse(&state),
            error: error.map(|e| serde_json::from_str(&e)).transpose()?,
            updated_at: from_ts(at),
        })
    })
    .transpose()
}

/// Whether the server pushes to this device (or will once the queued
/// registration is sent) through a service whose message the phone shows
/// by itself: APNs and FCM carry a displayed notification, so the feed's
/// items and what a sync raises that the server also sends are not passed
/// to the shell to post again. A Web Push (UnifiedPush) message is only
/// data to the app, which syncs and posts what the core passes it: there
/// the core passes everything, as without push.
pub(crate) fn pushes(c: &Connection) -> Result<bool, Error> {
    Ok(status_row(c)?.is_some_and(|r| {
        matches!(r.state, PushState::Registered | PushState::Queued)
            && matches!(r.transport, Some(Transport::Apns | Transport::Fcm))
    }))
}

pub(crate) fn status(c: &Connection, lang: Language) -> Result<PushStatus, Error> {
    Ok(match status_row(c)? {
        None => PushStatus {
            state: PushState::None,
            state_text: PushState::None.label(lang).to_owned(),
            transport: None,
            error_code: None,
            error_text: None,
            updated_at: None,
        },
        Some(r) => PushStatus {
            state: r.state,
            state_text: r.state.label(lang).to_owned(),
            transport: r.transport,
            error_code: r.error.as_ref().map(|e| e.code.clone()),
            error_text: r
                .error
                .as_ref()
                .map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
            updated_at: Some(r.updated_at),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_only_with_a_loopback_server() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:80",
            "http://127.0.0.1",
        ] {
            assert!(policy(url).allow_loopback, "{url}");
        }
        for url in [
            "https://mmieszkaniec.siechnice.gmina.pl",
            "http://10.0.0.1:8080",
            "https://127.0.0.1.nip.io",
        ] {
            assert!(!policy(url).allow_loopback, "{url}");
        }
    }
}
