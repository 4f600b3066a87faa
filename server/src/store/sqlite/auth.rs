//! Officials and their sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::{Actor, AuthStore, SessionRecord, StoreError, StoreResult, UserRecord};

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
                "SELECT id, login, role, password_hash FROM users WHERE login = ?1 AND disabled_at IS NULL",
                [login],
                |r| {
                    Ok(UserRecord {
                        id: r.get(0)?,
                        login: r.get(1)?,
                        role: role(r.get(2)?)?,
                        password_hash: r.get(3)?,
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
        let (login, hash) = (login.to_owned(), password_hash.to_owned());
        self.write(move |tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE login = ?1)", [&login], |r| r.get(0))?;
            if exists {
                return Err(StoreError::Conflict {
                    pl: "Konto o tym loginie już istnieje.".into(),
                    en: "An account with this login already exists.".into(),
                });
            }
            let now = Utc::now();
            tx.execute(
                "INSERT INTO users (login, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![login, role.as_str(), hash, ts(now)],
            )?;
            let id = tx.last_insert_rowid();
            audit(tx, &actor, now, "user.add", "user", Some(&id.to_string()), json!({"login": login, "role": role}))?;
            Ok(id)
        })
        .await
    }

    async fn create_session(
        &self,
        user: &UserRecord,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (user_id, login, token_hash) = (user.id, user.login.clone(), token_hash.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user_id, ts(now), ts(expires_at)],
            )?;
            // Expired sessions are useless; sweeping them here keeps the table small.
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(now - chrono::Duration::days(1))])?;
            audit(tx, &Actor(login), now, "auth.login", "user", Some(&user_id.to_string()), json!({}))?;
            Ok(())
        })
        .await
    }

    async fn find_session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT u.id, u.login, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(SessionRecord {
                        user_id: r.get(0)?,
                        login: r.get(1)?,
                        role: role(r.get(2)?)?,
                        expires_at: parse_ts(&r.get::<_, String>(3)?)?,
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
}
