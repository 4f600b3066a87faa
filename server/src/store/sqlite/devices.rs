//! Residents' devices, and the idempotency table their writes share. A
//! device row holds its token's SHA-256 only; no response stored here
//! carries a token (`devices::tokens`).

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

use chrono::{DateTime, Utc};

use super::{SqliteStore, parse_ts, teryt, ts};
use crate::store::{
    DeviceStore, IdempotencyKey, KnownDevice, NewDevice, StoreError, StoreResult, StoredResponse,
};

/// The stored response for a retried key; `IdempotencyConflict` when the key
/// came with another request. Run inside the write's transaction so two
/// racing retries cannot both write.
/// Keys are gmina `g`'s: the same key sent to two gminas is two requests.
pub fn replay(tx: &Transaction<'_>, g: &str, k: &IdempotencyKey) -> StoreResult<Option<StoredResponse>> {
    let found: Option<(String, i64, String)> = tx
        .query_row(
            "SELECT request_hash, status, response FROM idempotency WHERE gmina = ?1 AND scope = ?2 AND key = ?3",
            params![g, k.scope, k.key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match found {
        Some((hash, status, body)) if hash == k.request_hash => Ok(Some(StoredResponse {
            status: status as u16,
            body,
        })),
        Some(_) => Err(StoreError::IdempotencyConflict),
        None => Ok(None),
    }
}

pub fn remember(
    tx: &Transaction<'_>,
    g: &str,
    k: &IdempotencyKey,
    response: &StoredResponse,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO idempotency (gmina, scope, key, request_hash, status, response, created_at)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            k.scope,
            k.key,
            k.request_hash,
            response.status as i64,
            response.body,
            ts(Utc::now()),
            g
        ],
    )?;
    Ok(())
}

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn register_device(
        &self,
        idempotency: Option<IdempotencyKey>,
        device: NewDevice,
        response: StoredResponse,
    ) -> StoreResult<StoredResponse> {
        let g = self.scope();
        self.write(move |tx| {
            if let Some(k) = &idempotency
                && let Some(stored) = replay(tx, &g, k)?
            {
                return Ok(stored);
            }
            let d = &device.input;
            tx.execute(
                "INSERT INTO devices (id, token_hash, platform, app_version, locale, os_version, push_token, created_at,
                     last_seen_at, gmina)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
                params![
                    device.id,
                    device.token_hash,
                    d.platform.as_str(),
                    d.app_version,
                    d.locale,
                    d.os_version,
                    d.push_token,
                    ts(device.created_at),
                    g
                ],
            )?;
            super::notifications::welcome_feed(tx, &g, &device.id, device.created_at)?;
            if let Some(k) = &idempotency {
                remember(tx, &g, k, &response)?;
            }
            Ok(response)
        })
        .await
    }

    async fn find_device(&self, token_hash: &str) -> StoreResult<Option<KnownDevice>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, last_seen_at, gmina FROM devices WHERE token_hash = ?1",
            )?;
            let row: Option<(String, Option<String>, String)> = stmt
                .query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            row.map(|(id, seen, gmina)| -> StoreResult<KnownDevice> {
                Ok(KnownDevice {
                    id,
                    gmina: teryt(gmina)?,
                    last_seen_at: seen.as_deref().map(parse_ts).transpose()?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn touch_device(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let (id, g) = (id.to_owned(), self.scope());
        self.write(move |tx| {
            tx.prepare_cached("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND gmina = ?3")?
                .execute(params![id, ts(now), g])?;
            Ok(())
        })
        .await
    }

    async fn set_device_token_hash(&self, id: &str, token_hash: &str) -> StoreResult<bool> {
        let (id, token_hash, g) = (id.to_owned(), token_hash.to_owned(), self.scope());
        self.write(move |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND gmina = ?2)",
                [&id, &g],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE devices SET token_hash = ?2 WHERE id = ?1 AND gmina = ?3 AND token_hash <> ?2",
                params![id, token_hash, g],
            )?;
            Ok(exists)
        })
        .await
    }
}
