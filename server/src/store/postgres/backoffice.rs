//! [`BackOfficeStore`] on PostgreSQL: accounts, a report's assignee, event
//! category edits, settings, as `store/sqlite/backoffice.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::auth::Role;
use mm_protocol::events::EventCategory;
use mm_protocol::sync::Item;
use serde_json::json;
use tokio_postgres::Row;

use super::auth::role;
use super::publish::{self, audit, get_setting, publish};
use super::{PostgresStore, parse_time, ts, write_tx};
use crate::store::backoffice::{Account, Assignee, BackOfficeStore};
use crate::store::{Actor, Conflict, StoreError, StoreResult};

fn account_row(r: &Row) -> StoreResult<Account> {
    Ok(Account {
        id: r.get(0),
        login: r.get(1),
        role: role(r.get(2))?,
        department_id: r.get(3),
        disabled: r.get::<_, Option<String>>(4).is_some(),
        created_at: parse_time(r.get(5))?,
    })
}

const ACCOUNT_COLUMNS: &str = "id, login, role, department_id, disabled_at, created_at";

/// The login of gmina `g`'s user; another gmina's is not found.
async fn login_of(c: &impl GenericClient, g: &str, user_id: i64) -> StoreResult<String> {
    Ok(c.query_opt("SELECT login FROM users WHERE id = $1 AND gmina = $2", &[&user_id, &g])
        .await?
        .ok_or(StoreError::NotFound)?
        .get(0))
}

/// Dispatchers, and `department` officials of the report's department;
/// never disabled accounts; only the report's gmina's (`$2`).
const ASSIGNABLE: &str = "SELECT u.id, u.login FROM users u, reports r
    WHERE r.id = $1 AND r.gmina = $2 AND u.gmina = r.gmina AND u.disabled_at IS NULL
      AND (u.role = 'dispatcher' OR (u.role = 'department' AND u.department_id = r.department_id))";

fn assignee(r: &Row) -> Assignee {
    Assignee { user_id: r.get(0), login: r.get(1) }
}

#[async_trait]
impl BackOfficeStore for PostgresStore {
    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows = self.reader().await?.query(&format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE gmina = $1 ORDER BY login"), &[&self.scope()]).await?;
        rows.iter().map(account_row).collect()
    }

    async fn get_account(&self, id: i64) -> StoreResult<Option<Account>> {
        let row = self.reader().await?.query_opt(&format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1 AND gmina = $2"), &[&id, &self.scope()]).await?;
        row.as_ref().map(account_row).transpose()
    }

    async fn set_user_role(&self, actor: Actor, user_id: i64, role: Role, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let login = login_of(&tx.c, g, user_id).await?;
            tx.c.execute("UPDATE users SET role = $2 WHERE id = $1", &[&user_id, &role.as_str()]).await?;
            audit(tx, g, &actor, now, "user.role", "user", Some(&user_id.to_string()), json!({ "login": login, "role": role })).await
        })
    }

    async fn set_user_disabled(&self, actor: Actor, user_id: i64, disabled: bool, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let login = login_of(&tx.c, g, user_id).await?;
            tx.c.execute("UPDATE users SET disabled_at = $2 WHERE id = $1", &[&user_id, &disabled.then(|| ts(now))]).await?;
            if disabled {
                tx.c.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id]).await?;
            }
            let action = if disabled { "user.disable" } else { "user.enable" };
            audit(tx, g, &actor, now, action, "user", Some(&user_id.to_string()), json!({ "login": login })).await
        })
    }

    async fn delete_user(&self, actor: Actor, user_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let login = login_of(&tx.c, g, user_id).await?;
            tx.c.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id]).await?;
            tx.c.execute("UPDATE reports SET assignee_id = NULL WHERE assignee_id = $1", &[&user_id]).await?;
            tx.c.execute("DELETE FROM users WHERE id = $1", &[&user_id]).await?;
            audit(tx, g, &actor, now, "user.delete", "user", Some(&user_id.to_string()), json!({ "login": login })).await
        })
    }

    async fn assign_report_person(&self, actor: Actor, report_id: i64, user_id: Option<i64>, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let before: Option<i64> = tx
                .c
                .query_opt("SELECT assignee_id FROM reports WHERE id = $1 AND gmina = $2 FOR UPDATE", &[&report_id, &g])
                .await?
                .ok_or(StoreError::NotFound)?
                .get(0);
            let login: Option<String> = match user_id {
                None => None,
                Some(u) => match tx.c.query_opt(&format!("{ASSIGNABLE} AND u.id = $3"), &[&report_id, &g, &u]).await? {
                    Some(r) => Some(r.get(1)),
                    None => return Err(StoreError::Conflict(Conflict::NotAssignable)),
                },
            };
            tx.c.execute("UPDATE reports SET assignee_id = $2 WHERE id = $1 AND gmina = $3", &[&report_id, &user_id, &g])
                .await?;
            audit(
                tx,
                g,
                &actor,
                now,
                "report.assign_person",
                "report",
                Some(&report_id.to_string()),
                json!({ "from": before, "to": user_id, "login": login }),
            )
            .await
        })
    }

    async fn report_assignee(&self, report_id: i64) -> StoreResult<Option<Assignee>> {
        let row = self
            .reader()
            .await?
            .query_opt(
                "SELECT u.id, u.login FROM reports r JOIN users u ON u.id = r.assignee_id WHERE r.id = $1 AND r.gmina = $2",
                &[&report_id, &self.scope()],
            )
            .await?;
        Ok(row.as_ref().map(assignee))
    }

    async fn report_assignees(&self) -> StoreResult<Vec<(i64, Assignee)>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT r.id, u.id, u.login FROM reports r JOIN users u ON u.id = r.assignee_id WHERE r.gmina = $1",
                &[&self.scope()],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), Assignee { user_id: r.get(1), login: r.get(2) })).collect())
    }

    async fn assignable_users(&self, report_id: i64) -> StoreResult<Vec<Assignee>> {
        let rows = self.reader().await?.query(&format!("{ASSIGNABLE} ORDER BY u.login"), &[&report_id, &self.scope()]).await?;
        Ok(rows.iter().map(assignee).collect())
    }

    async fn update_event_category(&self, actor: Actor, category: EventCategory, now: DateTime<Utc>) -> StoreResult<EventCategory> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let n = tx
                .c
                .execute(
                    "UPDATE event_categories SET name_pl = $2, name_en = $3 WHERE id = $1 AND gmina = $4",
                    &[&category.id, &category.name_pl, &category.name_en, &g],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            publish(tx, g, &Item::EventCategories(category.clone())).await?;
            audit(
                tx,
                g,
                &actor,
                now,
                "event_category.update",
                "event_category",
                Some(&category.id),
                json!({ "name_pl": category.name_pl, "name_en": category.name_en }),
            )
            .await?;
            Ok(category)
        })
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        get_setting(&self.reader().await?, &self.scope(), key).await
    }

    async fn put_setting(&self, actor: Actor, key: &str, value: Option<String>, now: DateTime<Utc>) -> StoreResult<()> {
        let key = key.to_owned();
        write_tx!(self, |tx, g| {
            match &value {
                Some(v) => publish::set_setting(tx, g, &key, v).await?,
                None => {
                    tx.c.execute("DELETE FROM settings WHERE gmina = $1 AND key = $2", &[&g, &key]).await?;
                }
            }
            audit(tx, g, &actor, now, "setting.update", "setting", Some(&key), json!({ "value": value })).await
        })
    }
}
