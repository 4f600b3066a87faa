//! Officials, their sessions, and the sign-in counters (`auth::signin`),
//! as `store/sqlite/auth.rs`. The counters live in the database, so every
//! instance counts the same failures (no sticky sessions).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::auth::Role;
use serde_json::json;

use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, parse_time, teryt, ts, unique_violation, write_tx};
use crate::auth::signin::{self, Admission, Counter, SignInCounters, SignInPolicy, SignInStep};
use crate::store::{
    Actor, AuthStore, Conflict, NewSession, SessionKind, SessionRecord, SessionStage, StoreError, StoreResult, UserRecord,
};

pub(super) fn role(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::backend(format!("unknown role {s:?}")))
}

fn failures(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[async_trait]
impl AuthStore for PostgresStore {
    async fn find_user(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        let row = self
            .reader()
            .await?
            .query_opt(
                "SELECT id, login, role, password_hash, gmina FROM users WHERE login = $1 AND disabled_at IS NULL",
                &[&login],
            )
            .await?;
        row.map(|r| {
            Ok(UserRecord {
                id: r.get(0),
                login: r.get(1),
                role: role(r.get(2))?,
                password_hash: r.get(3),
                gmina: teryt(r.get(4))?,
            })
        })
            .transpose()
    }

    async fn create_user(&self, actor: Actor, login: &str, role: Role, password_hash: &str) -> StoreResult<i64> {
        let (login, hash) = (login.to_owned(), password_hash.to_owned());
        write_tx!(self, |tx, g| {
            let now = Utc::now();
            // Two instances adding the same login: the unique index decides.
            let id: i64 = match tx
                .c
                .query_one(
                    "INSERT INTO users (login, role, password_hash, created_at, gmina) VALUES ($1, $2, $3, $4, $5)
                     RETURNING id",
                    &[&login, &role.as_str(), &hash, &ts(now), &g],
                )
                .await
            {
                Ok(r) => r.get(0),
                Err(e) if unique_violation(&e, "users_login_key") => {
                    return Err(StoreError::Conflict(Conflict::LoginTaken));
                }
                Err(e) => return Err(e.into()),
            };
            audit(tx, g, &actor, now, "user.add", "user", Some(&id.to_string()), json!({"login": login, "role": role}))
                .await?;
            Ok(id)
        })
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
        write_tx!(self, |tx| {
            tx.c.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, kind, stage, public_id, last_seen_at,
                     user_agent, address)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $3, $8, $9)",
                &[
                    &token_hash,
                    &user_id,
                    &ts(now),
                    &ts(expires_at),
                    &kind.as_str(),
                    &start.stage.as_str(),
                    &start.public_id,
                    &start.user_agent,
                    &start.address,
                ],
            )
            .await?;
            // Expired sessions are useless; sweeping them here keeps the table small.
            tx.c.execute("DELETE FROM sessions WHERE expires_at < $1", &[&ts(now - chrono::Duration::days(1))])
                .await?;
            audit(tx, &g, &Actor(login), now, "auth.login", "user", Some(&user_id.to_string()), json!({ "via": kind.as_str(), "stage": start.stage.as_str() }))
                .await
        })
    }

    async fn find_session(&self, token_hash: &str, kind: SessionKind) -> StoreResult<Option<SessionRecord>> {
        let row = self
            .reader()
            .await?
            .query_opt(
                "SELECT u.id, u.login, u.role, s.expires_at, u.gmina, s.stage, s.last_seen_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.kind = $2",
                &[&token_hash, &kind.as_str()],
            )
            .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.get(0),
                login: r.get(1),
                role: role(r.get(2))?,
                expires_at: parse_time(r.get(3))?,
                gmina: teryt(r.get(4))?,
                stage: SessionStage::parse(r.get(5)),
                last_seen_at: opt_time(r.get(6))?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        write_tx!(self, |tx| {
            tx.c.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).await?;
            Ok(())
        })
    }

    async fn sign_in_counters(
        &self,
        login: &str,
        address: &str,
        policy: SignInPolicy,
        now: DateTime<Utc>,
    ) -> StoreResult<SignInCounters> {
        read_counters(&self.reader().await?, login, address, now, policy).await
    }

    async fn sign_in_step(&self, login: &str, address: &str, step: SignInStep, now: DateTime<Utc>) -> StoreResult<Admission> {
        let (login, address) = (login.to_owned(), address.to_owned());
        write_tx!(self, |tx, g| {
            let policy = match step {
                SignInStep::Begin(p) => p,
                _ => SignInPolicy::default(),
            };
            // One sign-in step at a time per login, whichever instance
            // takes it: the counters are read, changed and written whole.
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('mm_sign_in:' || $1))", &[&login]).await?;
            purge_counters(tx, now, policy).await?;
            let mut counters = read_counters(&tx.c, &login, &address, now, policy).await?;
            let before = counters.clone();
            let admission = signin::apply(step, &mut counters, now);
            if counters != before {
                write_counters(tx, &login, &address, &counters, now).await?;
            }
            if let (SignInStep::Locked, Some(until)) = (step, counters.pair.locked_until) {
                // In the account's gmina's log; a login nobody has, in the handle's.
                let g: String = tx
                    .c
                    .query_one("SELECT COALESCE((SELECT gmina FROM users WHERE login = $1), $2)", &[&login, &g])
                    .await?
                    .get(0);
                audit(
                    tx,
                    &g,
                    &Actor(login.clone()),
                    now,
                    "auth.locked",
                    "user",
                    Some(&login),
                    json!({ "failures": counters.pair.failures, "locked_until": until, "address": address }),
                )
                .await?;
            }
            Ok(admission)
        })
    }
}

/// Deletes every counter row that no longer matters.
async fn purge_counters(tx: &Tx<'_>, now: DateTime<Utc>, policy: SignInPolicy) -> StoreResult<()> {
    let now_s = ts(now);
    for table in ["login_failures_by_address", "login_address_failures", "login_account_failures"] {
        tx.c.execute(&format!("DELETE FROM {table} WHERE expires_at <= $1"), &[&now_s]).await?;
    }
    tx.c.execute("DELETE FROM login_trusted_addresses WHERE last_success_at < $1", &[&ts(now - policy.trusted_for)])
        .await?;
    Ok(())
}

/// The counters that have not expired (expired rows read as nothing).
async fn read_counters(
    c: &impl GenericClient,
    login: &str,
    address: &str,
    now: DateTime<Utc>,
    policy: SignInPolicy,
) -> StoreResult<SignInCounters> {
    let now_s = ts(now);
    let pair = match c
        .query_opt(
            "SELECT failures, locked_until, expires_at FROM login_failures_by_address
             WHERE login = $1 AND address = $2 AND expires_at > $3",
            &[&login, &address, &now_s],
        )
        .await?
    {
        Some(r) => Counter {
            failures: failures(r.get(0)),
            locked_until: opt_time(r.get(1))?,
            next_attempt_at: None,
            expires_at: opt_time(r.get(2))?,
        },
        None => Counter::default(),
    };
    let address_row = match c
        .query_opt(
            "SELECT failures, expires_at FROM login_address_failures WHERE address = $1 AND expires_at > $2",
            &[&address, &now_s],
        )
        .await?
    {
        Some(r) => Counter { failures: failures(r.get(0)), expires_at: opt_time(r.get(1))?, ..Default::default() },
        None => Counter::default(),
    };
    let account = match c
        .query_opt(
            "SELECT failures, next_attempt_at, expires_at FROM login_account_failures WHERE login = $1 AND expires_at > $2",
            &[&login, &now_s],
        )
        .await?
    {
        Some(r) => Counter {
            failures: failures(r.get(0)),
            locked_until: None,
            next_attempt_at: opt_time(r.get(1))?,
            expires_at: opt_time(r.get(2))?,
        },
        None => Counter::default(),
    };
    let trusted: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM login_trusted_addresses WHERE login = $1 AND address = $2 AND last_success_at > $3)",
            &[&login, &address, &ts(now - policy.trusted_for)],
        )
        .await?
        .get(0);
    Ok(SignInCounters { pair, address: address_row, account, trusted, trust_now: false })
}

/// Stores the counters; a counter with nothing left to remember is deleted.
async fn write_counters(tx: &Tx<'_>, login: &str, address: &str, k: &SignInCounters, now: DateTime<Utc>) -> StoreResult<()> {
    let exp = |x: &Counter| ts(x.expires_at.unwrap_or(now));
    let c = &tx.c;
    if k.pair.is_empty() {
        c.execute("DELETE FROM login_failures_by_address WHERE login = $1 AND address = $2", &[&login, &address]).await?;
    } else {
        c.execute(
            "INSERT INTO login_failures_by_address (login, address, failures, locked_until, expires_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (login, address) DO UPDATE SET failures = excluded.failures,
                 locked_until = excluded.locked_until, expires_at = excluded.expires_at",
            &[&login, &address, &i64::from(k.pair.failures), &k.pair.locked_until.map(ts), &exp(&k.pair)],
        )
        .await?;
    }
    if k.address.is_empty() {
        c.execute("DELETE FROM login_address_failures WHERE address = $1", &[&address]).await?;
    } else {
        c.execute(
            "INSERT INTO login_address_failures (address, failures, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (address) DO UPDATE SET failures = excluded.failures, expires_at = excluded.expires_at",
            &[&address, &i64::from(k.address.failures), &exp(&k.address)],
        )
        .await?;
    }
    if k.account.is_empty() {
        c.execute("DELETE FROM login_account_failures WHERE login = $1", &[&login]).await?;
    } else {
        c.execute(
            "INSERT INTO login_account_failures (login, failures, next_attempt_at, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (login) DO UPDATE SET failures = excluded.failures,
                 next_attempt_at = excluded.next_attempt_at, expires_at = excluded.expires_at",
            &[&login, &i64::from(k.account.failures), &k.account.next_attempt_at.map(ts), &exp(&k.account)],
        )
        .await?;
    }
    if k.trust_now {
        c.execute(
            "INSERT INTO login_trusted_addresses (login, address, last_success_at) VALUES ($1, $2, $3)
             ON CONFLICT (login, address) DO UPDATE SET last_success_at = excluded.last_success_at",
            &[&login, &address, &ts(now)],
        )
        .await?;
    }
    Ok(())
}
