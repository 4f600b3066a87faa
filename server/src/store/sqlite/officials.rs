//! Officials' second factor and sessions (`store::officials`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

use super::auth::opt_ts;
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::{Actor, OfficialsStore, SessionInfo, SessionKind, SessionStage, StoreResult, TotpRecord};

/// The official's login and gmina, for an audit entry in their gmina's log.
fn whose(tx: &Transaction<'_>, user_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(tx
        .query_row("SELECT login, gmina FROM users WHERE id = ?1", [user_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

#[async_trait]
impl OfficialsStore for SqliteStore {
    async fn set_session_stage(&self, token_hash: &str, stage: SessionStage) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute("UPDATE sessions SET stage = ?2 WHERE token_hash = ?1", params![token_hash, stage.as_str()])?;
            Ok(())
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1", params![token_hash, ts(now)])?;
            Ok(())
        })
        .await
    }

    async fn list_sessions(&self, user_id: i64, current: &str, now: DateTime<Utc>) -> StoreResult<Vec<SessionInfo>> {
        let current = current.to_owned();
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT public_id, kind, stage, created_at, last_seen_at, expires_at, user_agent, address, token_hash = ?3
                 FROM sessions WHERE user_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC, public_id",
            )?;
            let rows = st.query_map(params![user_id, ts(now), current], |r| {
                Ok(SessionInfo {
                    public_id: r.get(0)?,
                    kind: if r.get::<_, String>(1)? == "api" { SessionKind::Api } else { SessionKind::BackOffice },
                    stage: SessionStage::parse(&r.get::<_, String>(2)?),
                    created_at: parse_ts(&r.get::<_, String>(3)?)?,
                    last_seen_at: opt_ts(r.get(4)?)?,
                    expires_at: parse_ts(&r.get::<_, String>(5)?)?,
                    user_agent: r.get(6)?,
                    address: r.get(7)?,
                    current: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn revoke_session(&self, actor: Actor, user_id: i64, public_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let public_id = public_id.to_owned();
        self.write(move |tx| {
            if public_id.is_empty() {
                return Ok(false);
            }
            let n = tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND public_id = ?2", params![user_id, public_id])?;
            if n > 0
                && let Some((login, g)) = whose(tx, user_id)?
            {
                audit(tx, &g, &actor, now, "session.revoke", "user", Some(&user_id.to_string()), json!({ "login": login, "session": public_id }))?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn revoke_other_sessions(&self, actor: Actor, user_id: i64, keep: Option<&str>, now: DateTime<Utc>) -> StoreResult<u64> {
        let keep = keep.unwrap_or_default().to_owned();
        self.write(move |tx| {
            let n = tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2", params![user_id, keep])?;
            if n > 0
                && let Some((login, g)) = whose(tx, user_id)?
            {
                audit(tx, &g, &actor, now, "session.revoke_others", "user", Some(&user_id.to_string()), json!({ "login": login, "ended": n }))?;
            }
            Ok(n as u64)
        })
        .await
    }

    async fn totp(&self, user_id: i64) -> StoreResult<Option<TotpRecord>> {
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT secret, confirmed_at IS NOT NULL, last_step FROM official_totp WHERE user_id = ?1",
                [user_id],
                |r| Ok(TotpRecord { sealed_secret: r.get(0)?, confirmed: r.get(1)?, last_step: r.get(2)? }),
            )
            .optional()?)
        })
        .await
    }

    async fn begin_totp(&self, user_id: i64, sealed_secret: &str) -> StoreResult<bool> {
        let sealed = sealed_secret.to_owned();
        self.write(move |tx| {
            let n = tx.execute(
                "INSERT INTO official_totp (user_id, secret) VALUES (?1, ?2)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = NULL
                 WHERE official_totp.confirmed_at IS NULL",
                params![user_id, sealed],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn confirm_totp(&self, actor: Actor, user_id: i64, step: i64, recovery_hashes: Vec<String>, now: DateTime<Utc>) -> StoreResult<bool> {
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE official_totp SET confirmed_at = ?2, last_step = ?3 WHERE user_id = ?1 AND confirmed_at IS NULL",
                params![user_id, ts(now), step],
            )?;
            if n == 0 {
                return Ok(false);
            }
            tx.execute("DELETE FROM official_recovery_codes WHERE user_id = ?1", [user_id])?;
            for h in &recovery_hashes {
                tx.execute("INSERT INTO official_recovery_codes (user_id, code_hash) VALUES (?1, ?2)", params![user_id, h])?;
            }
            if let Some((login, g)) = whose(tx, user_id)? {
                audit(tx, &g, &actor, now, "two_factor.enrol", "user", Some(&user_id.to_string()),
                    json!({ "login": login, "method": "totp", "recovery_codes": recovery_hashes.len() }))?;
            }
            Ok(true)
        })
        .await
    }

    async fn accept_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE official_totp SET last_step = ?2
                 WHERE user_id = ?1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?2)",
                params![user_id, step],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let code_hash = code_hash.to_owned();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE official_recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
                params![user_id, code_hash, ts(now)],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn recovery_codes_left(&self, user_id: i64) -> StoreResult<u32> {
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM official_recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
                [user_id],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn remove_totp(&self, actor: Actor, user_id: i64, action: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let action = action.to_owned();
        self.write(move |tx| {
            let n = tx.execute("DELETE FROM official_totp WHERE user_id = ?1", [user_id])?;
            tx.execute("DELETE FROM official_recovery_codes WHERE user_id = ?1", [user_id])?;
            if action == "two_factor.reset" {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
            }
            if n > 0
                && let Some((login, g)) = whose(tx, user_id)?
            {
                audit(tx, &g, &actor, now, &action, "user", Some(&user_id.to_string()), json!({ "login": login }))?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn audit_sign_in(&self, user_id: i64, action: &str, details: serde_json::Value, now: DateTime<Utc>) -> StoreResult<()> {
        let action = action.to_owned();
        self.write(move |tx| {
            if let Some((login, g)) = whose(tx, user_id)? {
                audit(tx, &g, &Actor(login), now, &action, "user", Some(&user_id.to_string()), details)?;
            }
            Ok(())
        })
        .await
    }
}
