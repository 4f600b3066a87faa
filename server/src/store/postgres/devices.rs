//! Residents' devices, and the idempotency table their writes share, as
//! `store/sqlite/devices.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::{PostgresStore, Tx, opt_time, teryt, ts, write_tx};
use crate::store::{DeviceStore, IdempotencyKey, KnownDevice, NewDevice, StoreError, StoreResult, StoredResponse};

/// The stored response for a retried key; `IdempotencyConflict` when the
/// key came with another request. Takes a lock on the key for the rest of
/// the transaction first, so two racing retries (on any instances) cannot
/// both write: the second waits, then finds the first's answer.
/// Keys are gmina `g`'s: the same key sent to two gminas is two requests.
pub async fn replay(tx: &Tx<'_>, g: &str, k: &IdempotencyKey) -> StoreResult<Option<StoredResponse>> {
    tx.c.execute(
        "SELECT pg_advisory_xact_lock(hashtext('mm_idem:' || $1 || ':' || $2 || ':' || $3))",
        &[&g, &k.scope, &k.key],
    )
    .await?;
    let found = tx
        .c
        .query_opt(
            "SELECT request_hash, status, response FROM idempotency WHERE gmina = $1 AND scope = $2 AND key = $3",
            &[&g, &k.scope, &k.key],
        )
        .await?;
    match found {
        Some(r) if r.get::<_, String>(0) == k.request_hash => {
            Ok(Some(StoredResponse { status: u16::try_from(r.get::<_, i64>(1)).unwrap_or(500), body: r.get(2) }))
        }
        Some(_) => Err(StoreError::IdempotencyConflict),
        None => Ok(None),
    }
}

pub async fn remember(tx: &Tx<'_>, g: &str, k: &IdempotencyKey, response: &StoredResponse) -> StoreResult<()> {
    tx.c.execute(
        "INSERT INTO idempotency (gmina, scope, key, request_hash, status, response, created_at)
         VALUES ($7, $1, $2, $3, $4, $5, $6)",
        &[&k.scope, &k.key, &k.request_hash, &i64::from(response.status), &response.body, &ts(Utc::now()), &g],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn register_device(
        &self,
        idempotency: Option<IdempotencyKey>,
        device: NewDevice,
        response: StoredResponse,
    ) -> StoreResult<StoredResponse> {
        write_tx!(self, |tx, g| {
            if let Some(k) = &idempotency
                && let Some(stored) = replay(tx, g, k).await?
            {
                return Ok(stored);
            }
            let d = &device.input;
            tx.c.execute(
                "INSERT INTO devices (id, token_hash, platform, app_version, locale, os_version, push_token, created_at,
                     last_seen_at, gmina)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
                &[
                    &device.id,
                    &device.token_hash,
                    &d.platform.as_str(),
                    &d.app_version,
                    &d.locale,
                    &d.os_version,
                    &d.push_token,
                    &ts(device.created_at),
                    &g,
                ],
            )
            .await?;
            super::notifications::welcome_feed(tx, g, &device.id, device.created_at).await?;
            if let Some(k) = &idempotency {
                remember(tx, g, k, &response).await?;
            }
            Ok(response)
        })
    }

    async fn find_device(&self, token_hash: &str) -> StoreResult<Option<KnownDevice>> {
        let row = self
            .reader()
            .await?
            .query_opt("SELECT id, last_seen_at, gmina FROM devices WHERE token_hash = $1", &[&token_hash])
            .await?;
        row.map(|r| Ok(KnownDevice { id: r.get(0), gmina: teryt(r.get(2))?, last_seen_at: opt_time(r.get(1))? })).transpose()
    }

    async fn touch_device(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let id = id.to_owned();
        write_tx!(self, |tx, g| {
            tx.c.execute("UPDATE devices SET last_seen_at = $2 WHERE id = $1 AND gmina = $3", &[&id, &ts(now), &g])
                .await?;
            Ok(())
        })
    }

    async fn set_device_token_hash(&self, id: &str, token_hash: &str) -> StoreResult<bool> {
        let (id, token_hash) = (id.to_owned(), token_hash.to_owned());
        write_tx!(self, |tx, g| {
            let exists = device_exists(&tx.c, g, &id).await?;
            tx.c.execute(
                "UPDATE devices SET token_hash = $2 WHERE id = $1 AND gmina = $3 AND token_hash <> $2",
                &[&id, &token_hash, &g],
            )
            .await?;
            Ok(exists)
        })
    }
}

/// Whether gmina `g` has a device with this id.
pub async fn device_exists(c: &impl GenericClient, g: &str, id: &str) -> StoreResult<bool> {
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1 AND gmina = $2)", &[&id, &g]).await?.get(0))
}
