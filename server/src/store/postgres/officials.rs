//! Officials' second factor and sessions (`store::officials`), as
//! `store/sqlite/officials.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde_json::json;

use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, parse_time, ts, write_tx};
use crate::store::{Actor, OfficialsStore, SessionInfo, SessionKind, SessionStage, StoreResult, TotpRecord};

/// The official's login and gmina, for an audit entry in their gmina's log.
async fn whose(tx: &Tx<'_>, user_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(tx
        .c
        .query_opt("SELECT login, gmina FROM users WHERE id = $1", &[&user_id])
        .await?
        .map(|r| (r.get(0), r.get(1))))
}

#[async_trait]
impl OfficialsStore for PostgresStore {
    async fn set_session_stage(&self, token_hash: &str, stage: SessionStage) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        write_tx!(self, |tx| {
            tx.c.execute("UPDATE sessions SET stage = $2 WHERE token_hash = $1", &[&token_hash, &stage.as_str()]).await?;
            Ok(())
        })
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        write_tx!(self, |tx| {
            tx.c.execute("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", &[&token_hash, &ts(now)]).await?;
            Ok(())
        })
    }

    async fn list_sessions(&self, user_id: i64, current: &str, now: DateTime<Utc>) -> StoreResult<Vec<SessionInfo>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT public_id, kind, stage, created_at, last_seen_at, expires_at, user_agent, address, token_hash = $3
                 FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, public_id",
                &[&user_id, &ts(now), &current],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionInfo {
                    public_id: r.get(0),
                    kind: if r.get::<_, &str>(1) == "api" { SessionKind::Api } else { SessionKind::BackOffice },
                    stage: SessionStage::parse(r.get(2)),
                    created_at: parse_time(r.get(3))?,
                    last_seen_at: opt_time(r.get(4))?,
                    expires_at: parse_time(r.get(5))?,
                    user_agent: r.get(6),
                    address: r.get(7),
                    current: r.get(8),
                })
            })
            .collect()
    }

    async fn revoke_session(&self, actor: Actor, user_id: i64, public_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let public_id = public_id.to_owned();
        write_tx!(self, |tx| {
            if public_id.is_empty() {
                return Ok(false);
            }
            let n = tx
                .c
                .execute("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2", &[&user_id, &public_id])
                .await?;
            if n > 0
                && let Some((login, g)) = whose(tx, user_id).await?
            {
                audit(tx, &g, &actor, now, "session.revoke", "user", Some(&user_id.to_string()), json!({ "login": login, "session": public_id }))
                    .await?;
            }
            Ok(n > 0)
        })
    }

    async fn revoke_other_sessions(&self, actor: Actor, user_id: i64, keep: Option<&str>, now: DateTime<Utc>) -> StoreResult<u64> {
        let keep = keep.unwrap_or_default().to_owned();
        write_tx!(self, |tx| {
            let n = tx.c.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", &[&user_id, &keep]).await?;
            if n > 0
                && let Some((login, g)) = whose(tx, user_id).await?
            {
                audit(tx, &g, &actor, now, "session.revoke_others", "user", Some(&user_id.to_string()), json!({ "login": login, "ended": n }))
                    .await?;
            }
            Ok(n)
        })
    }

    async fn totp(&self, user_id: i64) -> StoreResult<Option<TotpRecord>> {
        let row = self
            .reader()
            .await?
            .query_opt("SELECT secret, confirmed_at IS NOT NULL, last_step FROM official_totp WHERE user_id = $1", &[&user_id])
            .await?;
        Ok(row.map(|r| TotpRecord { sealed_secret: r.get(0), confirmed: r.get(1), last_step: r.get(2) }))
    }

    async fn begin_totp(&self, user_id: i64, sealed_secret: &str) -> StoreResult<bool> {
        let sealed = sealed_secret.to_owned();
        write_tx!(self, |tx| {
            let n = tx
                .c
                .execute(
                    "INSERT INTO official_totp (user_id, secret) VALUES ($1, $2)
                     ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = NULL
                     WHERE official_totp.confirmed_at IS NULL",
                    &[&user_id, &sealed],
                )
                .await?;
            Ok(n > 0)
        })
    }

    async fn confirm_totp(&self, actor: Actor, user_id: i64, step: i64, recovery_hashes: Vec<String>, now: DateTime<Utc>) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let n = tx
                .c
                .execute(
                    "UPDATE official_totp SET confirmed_at = $2, last_step = $3 WHERE user_id = $1 AND confirmed_at IS NULL",
                    &[&user_id, &ts(now), &step],
                )
                .await?;
            if n == 0 {
                return Ok(false);
            }
            tx.c.execute("DELETE FROM official_recovery_codes WHERE user_id = $1", &[&user_id]).await?;
            for h in &recovery_hashes {
                tx.c.execute("INSERT INTO official_recovery_codes (user_id, code_hash) VALUES ($1, $2)", &[&user_id, h])
                    .await?;
            }
            if let Some((login, g)) = whose(tx, user_id).await? {
                audit(tx, &g, &actor, now, "two_factor.enrol", "user", Some(&user_id.to_string()),
                    json!({ "login": login, "method": "totp", "recovery_codes": recovery_hashes.len() }))
                .await?;
            }
            Ok(true)
        })
    }

    async fn accept_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let n = tx
                .c
                .execute(
                    "UPDATE official_totp SET last_step = $2
                     WHERE user_id = $1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < $2)",
                    &[&user_id, &step],
                )
                .await?;
            Ok(n > 0)
        })
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let code_hash = code_hash.to_owned();
        write_tx!(self, |tx| {
            let n = tx
                .c
                .execute(
                    "UPDATE official_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                    &[&user_id, &code_hash, &ts(now)],
                )
                .await?;
            Ok(n > 0)
        })
    }

    async fn recovery_codes_left(&self, user_id: i64) -> StoreResult<u32> {
        let n: i64 = self
            .reader()
            .await?
            .query_one("SELECT COUNT(*) FROM official_recovery_codes WHERE user_id = $1 AND used_at IS NULL", &[&user_id])
            .await?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(0))
    }

    async fn remove_totp(&self, actor: Actor, user_id: i64, action: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let action = action.to_owned();
        write_tx!(self, |tx| {
            let n = tx.c.execute("DELETE FROM official_totp WHERE user_id = $1", &[&user_id]).await?;
            tx.c.execute("DELETE FROM official_recovery_codes WHERE user_id = $1", &[&user_id]).await?;
            if action == "two_factor.reset" {
                tx.c.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id]).await?;
            }
            if n > 0
                && let Some((login, g)) = whose(tx, user_id).await?
            {
                audit(tx, &g, &actor, now, &action, "user", Some(&user_id.to_string()), json!({ "login": login })).await?;
            }
            Ok(n > 0)
        })
    }

    async fn audit_sign_in(&self, user_id: i64, action: &str, details: serde_json::Value, now: DateTime<Utc>) -> StoreResult<()> {
        let action = action.to_owned();
        write_tx!(self, |tx| {
            if let Some((login, g)) = whose(tx, user_id).await? {
                audit(tx, &g, &Actor(login), now, &action, "user", Some(&user_id.to_string()), details).await?;
            }
            Ok(())
        })
    }
}
