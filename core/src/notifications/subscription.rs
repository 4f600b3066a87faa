//! The device's subscription (plan §4): kept here so the settings screen
//! works offline, changed only through the outbox (`PUT
//! /api/v1/notifications/subscription`). A PUT replaces the whole
//! subscription (RFC 9110 §9.2.2: idempotent), so a retried send is
//! harmless and the last edit wins; an edit supersedes one still queued.

use chrono::{DateTime, Utc};
use mm_protocol::notifications::{Lang, Subscription, Topic};
use mm_protocol::validation::Validate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::model::{
    NotificationSettings, SettingsState, SubscriptionEdit, TopicSetting, topic_label,
};
use crate::budget::fetch::stored;
use crate::budget::store::StoredError;
use crate::display::Language;
use crate::error::{CoreError, Error};
use crate::outbox::{self, Kind};
use crate::store::{from_ts, ts};

/// The row as stored.
pub(crate) struct Stored {
    pub subscription: Subscription,
    pub state: SettingsState,
    pub error: Option<StoredError>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn get(c: &Connection) -> Result<Option<Stored>, Error> {
    let row: Option<(String, String, Option<String>, i64)> = c
        .query_row(
            "SELECT body, state, error, updated_at FROM notification_subscription WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(body, state, error, at)| {
        Ok(Stored {
            subscription: serde_json::from_str(&body)?,
            state: SettingsState::parse(&state),
            error: error.map(|e| serde_json::from_str(&e)).transpose()?,
            updated_at: from_ts(at),
        })
    })
    .transpose()
}

/// Whether this device wants notifications of `topic`, as its settings
/// stand here (queued edits included): the server's default (every topic)
/// until it has any. What the core raises by itself follows it as the
/// server's fan-out does (`NotificationStore::candidates`).
pub(crate) fn wants(c: &Connection, topic: Topic) -> Result<bool, Error> {
    Ok(get(c)?.is_none_or(|s| s.subscription.topics.contains(&topic)))
}

/// Checks the edit with the protocol's rules (the server checks again),
/// then stores it and queues its PUT, superseding one still queued; in the
/// caller's transaction. Invalid: `invalid_input` naming the field, nothing
/// stored or queued.
pub(crate) fn queue(
    tx: &Transaction<'_>,
    edit: &SubscriptionEdit,
    now: DateTime<Utc>,
) -> Result<Subscription, Error> {
    let sub = edit.to_subscription();
    sub.validate()
        .map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
    // The older PUT would be overwritten by this one anyway; sending both
    // costs a request and shows the server a state the resident left.
    tx.execute(
        "DELETE FROM outbox WHERE kind = ?1 AND state IN ('pending', 'failed')",
        [Kind::PutSubscription.as_str()],
    )?;
    let outbox_id = outbox::enqueue(tx, Kind::PutSubscription, &sub, now)?;
    tx.execute(
        "INSERT INTO notification_subscription (id, body, state, outbox_id, error, updated_at)
         VALUES (1, ?1, 'queued', ?2, NULL, ?3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, state = 'queued', outbox_id = excluded.outbox_id,
            error = NULL, updated_at = excluded.updated_at",
        params![serde_json::to_string(&sub)?, outbox_id, ts(now)],
    )?;
    Ok(sub)
}

/// The server took the PUT of outbox item `outbox_id` and answered `sub`.
/// A later edit queued meanwhile stays queued.
pub(crate) fn sent(
    tx: &Transaction<'_>,
    outbox_id: i64,
    sub: &Subscription,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE notification_subscription SET body = ?2, state = 'synced', outbox_id = NULL, error = NULL, updated_at = ?3
         WHERE outbox_id = ?1",
        params![outbox_id, serde_json::to_string(sub)?, ts(now)],
    )?;
    Ok(())
}

/// The server refused the PUT of item `outbox_id` for good.
pub(crate) fn refused(
    tx: &Transaction<'_>,
    outbox_id: i64,
    error: &CoreError,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE notification_subscription SET state = 'refused', outbox_id = NULL, error = ?2, updated_at = ?3
         WHERE outbox_id = ?1",
        params![outbox_id, serde_json::to_string(&stored(error))?, ts(now)],
    )?;
    Ok(())
}

/// The server's copy, fetched with the sync: stored unless an edit made
/// here still waits (the resident's newer choice wins: it is sent next).
pub(crate) fn fetched(
    tx: &Transaction<'_>,
    sub: &Subscription,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO notification_subscription (id, body, state, outbox_id, error, updated_at)
         VALUES (1, ?1, 'synced', NULL, NULL, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, state = 'synced', error = NULL,
            updated_at = excluded.updated_at
         WHERE notification_subscription.state != 'queued'",
        params![serde_json::to_string(sub)?, ts(now)],
    )?;
    Ok(())
}

/// Whether an edit waits to be sent (then the server's copy is not fetched).
pub(crate) fn is_queued(c: &Connection) -> Result<bool, Error> {
    Ok(get(c)?.is_some_and(|s| s.state == SettingsState::Queued))
}

/// The settings screen.
pub(crate) fn settings(c: &Connection, lang: Language) -> Result<NotificationSettings, Error> {
    let stored = get(c)?;
    let default_lang = if lang.is_english() {
        Lang::En
    } else {
        Lang::Pl
    };
    let (subscription, state, error, updated_at) = match stored {
        Some(s) => (s.subscription, s.state, s.error, Some(s.updated_at)),
        None => (
            Subscription::new_device(default_lang),
            SettingsState::Default,
            None,
            None,
        ),
    };
    let topics = mm_protocol::notifications::Topic::ALL
        .into_iter()
        .map(|t| TopicSetting {
            topic: t,
            on: subscription.wants(t),
            can_turn_off: t != mm_protocol::notifications::Topic::Alerts,
            label: topic_label(t, lang).to_owned(),
        })
        .collect();
    Ok(NotificationSettings {
        subscription,
        topics,
        state,
        state_text: state.label(lang).to_owned(),
        error_code: error.as_ref().map(|e| e.code.clone()),
        error_text: error.as_ref().map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
        alerts_note: lang
            .pick(
                "Alertów (np. o przerwie w dostawie wody) nie można wyłączyć w aplikacji. Ustawienia powiadomień telefonu nadal mają pierwszeństwo; oficjalne ostrzeżenia wysyłają też Alert RCB i RSO.",
                "Alerts (e.g. a water cut) cannot be turned off in the app. The phone's own notification settings still win; official warnings also come through Alert RCB and RSO.",
            )
            .to_owned(),
        updated_at,
    })
}
