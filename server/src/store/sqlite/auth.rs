//! Officials, their sessions, and the sign-in counters (`auth::signin`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::publish::audit;
use super::{SqliteStore, parse_ts, teryt, ts};
use crate::auth::signin::{self, Admission, Counter, SignInCounters, SignInPolicy, SignInStep};
use crate::store::{
    Actor, AuthStore, Conflict, NewSession, SessionKind, SessionRecord, SessionStage, StoreError, StoreResult, UserRecord,
};

fn role(s: String) -> rusqlite::Result<Role> {
    Role::parse(&s)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, s, rusqlite::types::Type::Text))
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn find_user(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        let login = login.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT id, login, role, password_hash, gmina FROM users WHERE login = ?1 AND disabled_at IS NULL",
                [login],
                |r| {
                    Ok(UserRecord {
                        id: r.get(0)?,
                        login: r.get(1)?,
                        role: role(r.get(2)?)?,
                        password_hash: r.get(3)?,
                        gmina: teryt(r.get(4)?)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    async fn create_user(
        &self,
        actor: Actor,
        login: &str,
        role: Role,
        password_hash: &str,
    ) -> StoreResult<i64> {
        let (login, hash, g) = (login.to_owned(), password_hash.to_owned(), self.scope());
        self.write(move |tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE login = ?1)", [&login], |r| r.get(0))?;
            if exists {
                return Err(StoreError::Conflict(Conflict::LoginTaken));
            }
            let now = Utc::now();
            tx.execute(
                "INSERT INTO users (login, role, password_hash, created_at, gmina) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![login, role.as_str(), hash, ts(now), g],
            )?;
            let id = tx.last_insert_rowid();
            audit(tx, &g, &actor, now, "user.add", "user", Some(&id.to_string()), json!({"login": login, "role": role}))?;
            Ok(id)
        })
        .await
    }

    async fn create_session(
        &self,
        user: &UserRecord,
        kind: SessionKind,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        start: NewSession,
    ) -> StoreResult<()> {
        let (user_id, login, token_hash) = (user.id, user.login.clone(), token_hash.to_owned());
        // The sign-in is audited in the user's gmina, whichever handle.
        let g = user.gmina.as_str().to_owned();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, kind, stage, public_id, last_seen_at,
                     user_agent, address)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?8, ?9)",
                params![
                    token_hash,
                    user_id,
                    ts(now),
                    ts(expires_at),
                    kind.as_str(),
                    start.stage.as_str(),
                    start.public_id,
                    start.user_agent,
                    start.address
                ],
            )?;
            // Expired sessions are useless; sweeping them here keeps the table small.
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(now - chrono::Duration::days(1))])?;
            audit(
                tx,
                &g,
                &Actor(login),
                now,
                "auth.login",
                "user",
                Some(&user_id.to_string()),
                json!({ "via": kind.as_str(), "stage": start.stage.as_str() }),
            )?;
            Ok(())
        })
        .await
    }

    async fn find_session(&self, token_hash: &str, kind: SessionKind) -> StoreResult<Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT u.id, u.login, u.role, s.expires_at, u.gmina, s.stage, s.last_seen_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.kind = ?2",
                params![token_hash, kind.as_str()],
                |r| {
                    Ok(SessionRecord {
                        user_id: r.get(0)?,
                        login: r.get(1)?,
                        role: role(r.get(2)?)?,
                        expires_at: parse_ts(&r.get::<_, String>(3)?)?,
                        gmina: teryt(r.get(4)?)?,
                        stage: SessionStage::parse(&r.get::<_, String>(5)?),
                        last_seen_at: opt_ts(r.get(6)?)?,
                    })
                },
            )
            .optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            Ok(())
        })
        .await
    }

    async fn sign_in_counters(
        &self,
        login: &str,
        address: &str,
        policy: SignInPolicy,
        now: DateTime<Utc>,
    ) -> StoreResult<SignInCounters> {
        let (login, address) = (login.to_owned(), address.to_owned());
        self.read(move |c| read_counters(c, &login, &address, now, policy)).await
    }

    async fn sign_in_step(
        &self,
        login: &str,
        address: &str,
        step: SignInStep,
        now: DateTime<Utc>,
    ) -> StoreResult<Admission> {
        let (login, address, g) = (login.to_owned(), address.to_owned(), self.scope());
        self.write(move |tx| {
            let policy = match step {
                SignInStep::Begin(p) => p,
                _ => SignInPolicy::default(),
            };
            purge_counters(tx, now, policy)?;
            let mut counters = read_counters(tx, &login, &address, now, policy)?;
            let before = counters.clone();
            let admission = signin::apply(step, &mut counters, now);
            if counters != before {
                write_counters(tx, &login, &address, &counters, now)?;
            }
            if let (SignInStep::Locked, Some(until)) = (step, counters.pair.locked_until) {
                // In the account's gmina's log; a login nobody has, in the handle's.
                let g: String = tx.query_row(
                    "SELECT COALESCE((SELECT gmina FROM users WHERE login = ?1), ?2)",
                    [&login, &g],
                    |r| r.get(0),
                )?;
                audit(
                    tx,
                    &g,
                    &Actor(login.clone()),
                    now,
                    "auth.locked",
                    "user",
                    Some(&login),
                    json!({ "failures": counters.pair.failures, "locked_until": until, "address": address }),
                )?;
            }
            Ok(admission)
        })
        .await
    }
}

/// Deletes every counter row that no longer matters. Each table has an
/// index on its expiry, so this costs little on every write.
fn purge_counters(tx: &Connection, now: DateTime<Utc>, policy: SignInPolicy) -> StoreResult<()> {
    let now_s = ts(now);
    for table in ["login_failures_by_address", "login_address_failures", "login_account_failures"] {
        tx.execute(&format!("DELETE FROM {table} WHERE expires_at <= ?1"), [&now_s])?;
    }
    tx.execute(
        "DELETE FROM login_trusted_addresses WHERE last_success_at < ?1",
        [ts(now - policy.trusted_for)],
    )?;
    Ok(())
}

pub(super) fn opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// The counters that have not expired (expired rows read as nothing).
fn read_counters(
    c: &Connection,
    login: &str,
    address: &str,
    now: DateTime<Utc>,
    policy: SignInPolicy,
) -> StoreResult<SignInCounters> {
    let now_s = ts(now);
    let pair = c
        .query_row(
            "SELECT failures, locked_until, expires_at FROM login_failures_by_address
             WHERE login = ?1 AND address = ?2 AND expires_at > ?3",
            params![login, address, now_s],
            |r| {
                Ok(Counter {
                    failures: r.get(0)?,
                    locked_until: opt_ts(r.get(1)?)?,
                    next_attempt_at: None,
                    expires_at: opt_ts(r.get(2)?)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default();
    let address_row = c
        .query_row(
            "SELECT failures, expires_at FROM login_address_failures WHERE address = ?1 AND expires_at > ?2",
            params![address, now_s],
            |r| Ok(Counter { failures: r.get(0)?, expires_at: opt_ts(r.get(1)?)?, ..Default::default() }),
        )
        .optional()?
        .unwrap_or_default();
    let account = c
        .query_row(
            "SELECT failures, next_attempt_at, expires_at FROM login_account_failures WHERE login = ?1 AND expires_at > ?2",
            params![login, now_s],
            |r| {
                Ok(Counter {
                    failures: r.get(0)?,
                    locked_until: None,
                    next_attempt_at: opt_ts(r.get(1)?)?,
                    expires_at: opt_ts(r.get(2)?)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default();
    let trusted = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM login_trusted_addresses WHERE login = ?1 AND address = ?2 AND last_success_at > ?3)",
        params![login, address, ts(now - policy.trusted_for)],
        |r| r.get(0),
    )?;
    Ok(SignInCounters { pair, address: address_row, account, trusted, trust_now: false })
}

/// Stores the counters; a counter with nothing left to remember is deleted.
fn write_counters(c: &Connection, login: &str, address: &str, k: &SignInCounters, now: DateTime<Utc>) -> StoreResult<()> {
    // Every live row has an expiry; a default one only when it is empty.
    let exp = |x: &Counter| ts(x.expires_at.unwrap_or(now));
    if k.pair.is_empty() {
        c.execute("DELETE FROM login_failures_by_address WHERE login = ?1 AND address = ?2", params![login, address])?;
    } else {
        c.execute(
            "INSERT INTO login_failures_by_address (login, address, failures, locked_until, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (login, address) DO UPDATE SET failures = excluded.failures,
                 locked_until = excluded.locked_until, expires_at = excluded.expires_at",
            params![login, address, k.pair.failures, k.pair.locked_until.map(ts), exp(&k.pair)],
        )?;
    }
    if k.address.is_empty() {
        c.execute("DELETE FROM login_address_failures WHERE address = ?1", [address])?;
    } else {
        c.execute(
            "INSERT INTO login_address_failures (address, failures, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (address) DO UPDATE SET failures = excluded.failures, expires_at = excluded.expires_at",
            params![address, k.address.failures, exp(&k.address)],
        )?;
    }
    if k.account.is_empty() {
        c.execute("DELETE FROM login_account_failures WHERE login = ?1", [login])?;
    } else {
        c.execute(
            "INSERT INTO login_account_failures (login, failures, next_attempt_at, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (login) DO UPDATE SET failures = excluded.failures,
                 next_attempt_at = excluded.next_attempt_at, expires_at = excluded.expires_at",
            params![login, k.account.failures, k.account.next_attempt_at.map(ts), exp(&k.account)],
        )?;
    }
    if k.trust_now {
        c.execute(
            "INSERT INTO login_trusted_addresses (login, address, last_success_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (login, address) DO UPDATE SET last_success_at = excluded.last_success_at",
            params![login, address, ts(now)],
        )?;
    }
    Ok(())
}
