//! [`BackOfficeStore`] on SQLite: accounts, a report's assignee, event
//! category edits, settings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use mm_protocol::events::EventCategory;
use mm_protocol::sync::Item;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::publish::{audit, get_setting, publish};
use super::{SqliteStore, parse_ts, ts};
use crate::store::backoffice::{Account, Assignee, BackOfficeStore};
use crate::store::{Conflict, Actor, StoreError, StoreResult};

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let role: String = r.get(2)?;
    Ok(Account {
        id: r.get(0)?,
        login: r.get(1)?,
        role: Role::parse(&role)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(2, role, rusqlite::types::Type::Text))?,
        department_id: r.get(3)?,
        disabled: r.get::<_, Option<String>>(4)?.is_some(),
        created_at: parse_ts(&r.get::<_, String>(5)?)?,
    })
}

const ACCOUNT_COLUMNS: &str = "id, login, role, department_id, disabled_at, created_at";

/// The login of gmina `g`'s user; another gmina's is not found.
fn login_of(c: &Connection, g: &str, user_id: i64) -> StoreResult<String> {
    c.query_row("SELECT login FROM users WHERE id = ?1 AND gmina = ?2", params![user_id, g], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Dispatchers, and `department` officials of the report's department;
/// never disabled accounts; only the report's gmina's (`?2`).
const ASSIGNABLE: &str = "SELECT u.id, u.login FROM users u, reports r
    WHERE r.id = ?1 AND r.gmina = ?2 AND u.gmina = r.gmina AND u.disabled_at IS NULL
      AND (u.role = 'dispatcher' OR (u.role = 'department' AND u.department_id = r.department_id))";

#[async_trait]
impl BackOfficeStore for SqliteStore {
    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE gmina = ?1 ORDER BY login"))?;
            Ok(stmt.query_map([g], account_row)?.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn get_account(&self, id: i64) -> StoreResult<Option<Account>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = ?1 AND gmina = ?2"),
                params![id, g],
                account_row,
            )
                .optional()?)
        })
        .await
    }

    async fn set_user_role(&self, actor: Actor, user_id: i64, role: Role, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let login = login_of(tx, &g, user_id)?;
            tx.execute("UPDATE users SET role = ?2 WHERE id = ?1", params![user_id, role.as_str()])?;
            audit(tx, &g, &actor, now, "user.role", "user", Some(&user_id.to_string()), json!({ "login": login, "role": role }))
        })
        .await
    }

    async fn set_user_disabled(&self, actor: Actor, user_id: i64, disabled: bool, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let login = login_of(tx, &g, user_id)?;
            tx.execute(
                "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
                params![user_id, disabled.then(|| ts(now))],
            )?;
            if disabled {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
            }
            let action = if disabled { "user.disable" } else { "user.enable" };
            audit(tx, &g, &actor, now, action, "user", Some(&user_id.to_string()), json!({ "login": login }))
        })
        .await
    }

    async fn delete_user(&self, actor: Actor, user_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let login = login_of(tx, &g, user_id)?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
            tx.execute("UPDATE reports SET assignee_id = NULL WHERE assignee_id = ?1", [user_id])?;
            tx.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
            audit(tx, &g, &actor, now, "user.delete", "user", Some(&user_id.to_string()), json!({ "login": login }))
        })
        .await
    }

    async fn assign_report_person(
        &self,
        actor: Actor,
        report_id: i64,
        user_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let before: Option<Option<i64>> = tx
                .query_row(
                    "SELECT assignee_id FROM reports WHERE id = ?1 AND gmina = ?2",
                    params![report_id, g],
                    |r| r.get(0),
                )
                .optional()?;
            let before = before.ok_or(StoreError::NotFound)?;
            let login = match user_id {
                None => None,
                Some(u) => {
                    let hit: Option<String> = tx
                        .query_row(&format!("{ASSIGNABLE} AND u.id = ?3"), params![report_id, g, u], |r| r.get(1))
                        .optional()?;
                    match hit {
                        Some(l) => Some(l),
                        None => {
                            return Err(StoreError::Conflict(Conflict::NotAssignable));
                        }
                    }
                }
            };
            tx.execute(
                "UPDATE reports SET assignee_id = ?2 WHERE id = ?1 AND gmina = ?3",
                params![report_id, user_id, g],
            )?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "report.assign_person",
                "report",
                Some(&report_id.to_string()),
                json!({ "from": before, "to": user_id, "login": login }),
            )
        })
        .await
    }

    async fn report_assignee(&self, report_id: i64) -> StoreResult<Option<Assignee>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT u.id, u.login FROM reports r JOIN users u ON u.id = r.assignee_id
                 WHERE r.id = ?1 AND r.gmina = ?2",
                params![report_id, g],
                |r| Ok(Assignee { user_id: r.get(0)?, login: r.get(1)? }),
            )
            .optional()?)
        })
        .await
    }

    async fn report_assignees(&self) -> StoreResult<Vec<(i64, Assignee)>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT r.id, u.id, u.login FROM reports r JOIN users u ON u.id = r.assignee_id WHERE r.gmina = ?1",
            )?;
            let rows = stmt.query_map([g], |r| Ok((r.get(0)?, Assignee { user_id: r.get(1)?, login: r.get(2)? })))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn assignable_users(&self, report_id: i64) -> StoreResult<Vec<Assignee>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare(&format!("{ASSIGNABLE} ORDER BY u.login"))?;
            let rows = stmt.query_map(params![report_id, g], |r| Ok(Assignee { user_id: r.get(0)?, login: r.get(1)? }))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn update_event_category(
        &self,
        actor: Actor,
        category: EventCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<EventCategory> {
        let g = self.scope();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE event_categories SET name_pl = ?2, name_en = ?3 WHERE id = ?1 AND gmina = ?4",
                params![category.id, category.name_pl, category.name_en, g],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            publish(tx, &g, &Item::EventCategories(category.clone()))?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "event_category.update",
                "event_category",
                Some(&category.id),
                json!({ "name_pl": category.name_pl, "name_en": category.name_en }),
            )?;
            Ok(category)
        })
        .await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let (key, g) = (key.to_owned(), self.scope());
        self.read(move |c| get_setting(c, &g, &key)).await
    }

    async fn put_setting(&self, actor: Actor, key: &str, value: Option<String>, now: DateTime<Utc>) -> StoreResult<()> {
        let (key, g) = (key.to_owned(), self.scope());
        self.write(move |tx| {
            match &value {
                Some(v) => super::publish::set_setting(tx, &g, &key, v)?,
                None => {
                    tx.execute("DELETE FROM settings WHERE gmina = ?1 AND key = ?2", [&g, &key])?;
                }
            }
            audit(tx, &g, &actor, now, "setting.update", "setting", Some(&key), json!({ "value": value }))
        })
        .await
    }
}
