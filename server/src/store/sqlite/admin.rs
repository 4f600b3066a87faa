//! The back office's tables: departments, which report each one handles,
//! which official belongs to which, and password changes. (The sign-in
//! counters moved to `auth.rs` with migration 8.)

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::ReportStatus;
use serde_json::json;

use super::publish::audit;
use super::{SqliteStore, ts};
use crate::store::{Conflict, 
    Actor, AdminReport, AdminReportFilter, AdminReportPage, AdminStore,
    CategoryReportStats, Department, MonthReportStats, ReportMarker, StoreError, StoreResult,
};

fn department_exists(c: &rusqlite::Connection, g: &str, id: i64) -> StoreResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM departments WHERE id = ?1 AND gmina = ?2)",
        params![id, g],
        |r| r.get(0),
    )?)
}

#[async_trait]
impl AdminStore for SqliteStore {
    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare("SELECT id, name FROM departments WHERE gmina = ?1 ORDER BY name")?;
            let rows = stmt.query_map([g], |r| {
                Ok(Department {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn create_department(
        &self,
        actor: Actor,
        name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Department> {
        let (name, g) = (name.trim().to_owned(), self.scope());
        self.write(move |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM departments WHERE gmina = ?1 AND name = ?2)",
                [&g, &name],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::Conflict(Conflict::DepartmentExists));
            }
            tx.execute(
                "INSERT INTO departments (gmina, name, created_at) VALUES (?1, ?2, ?3)",
                params![g, name, ts(now)],
            )?;
            let id = tx.last_insert_rowid();
            audit(
                tx,
                &g,
                &actor,
                now,
                "department.create",
                "department",
                Some(&id.to_string()),
                json!({ "name": name }),
            )?;
            Ok(Department { id, name })
        })
        .await
    }

    async fn set_user_department(
        &self,
        actor: Actor,
        login: &str,
        department: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (login, g) = (login.to_owned(), self.scope());
        self.write(move |tx| {
            if let Some(d) = department
                && !department_exists(tx, &g, d)?
            {
                return Err(StoreError::UnknownReference { field: "department" });
            }
            let n = tx.execute(
                "UPDATE users SET department_id = ?2 WHERE login = ?1 AND gmina = ?3",
                params![login, department, g],
            )?;
            if n == 0 {
                return Err(StoreError::UnknownReference { field: "login" });
            }
            audit(
                tx,
                &g,
                &actor,
                now,
                "user.department",
                "user",
                Some(&login),
                json!({ "department_id": department }),
            )
        })
        .await
    }

    async fn user_department(&self, user_id: i64) -> StoreResult<Option<i64>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c
                .query_row(
                    "SELECT department_id FROM users WHERE id = ?1 AND gmina = ?2",
                    params![user_id, g],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
        })
        .await
    }

    async fn set_password(
        &self,
        actor: Actor,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (hash, keep, g) = (password_hash.to_owned(), keep.map(str::to_owned), self.scope());
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND gmina = ?3",
                params![user_id, hash, g],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            // A new password answers a suspected leak: every other session
            // and API token of the account ends with the old password.
            let ended = tx.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
                params![user_id, keep],
            )?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "user.password",
                "user",
                Some(&user_id.to_string()),
                json!({ "sessions_ended": ended }),
            )
        })
        .await
    }

    async fn assign_report(
        &self,
        actor: Actor,
        id: i64,
        department: Option<i64>,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let before: Option<Option<i64>> = tx
                .query_row(
                    "SELECT department_id FROM reports WHERE id = ?1 AND gmina = ?2",
                    params![id, g],
                    |r| r.get(0),
                )
                .optional()?;
            let before = before.ok_or(StoreError::NotFound)?;
            if let Some(d) = department
                && !department_exists(tx, &g, d)?
            {
                return Err(StoreError::UnknownReference { field: "department" });
            }
            tx.execute(
                "UPDATE reports SET department_id = ?2 WHERE id = ?1 AND gmina = ?3",
                params![id, department, g],
            )?;
            let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
            if let Some(n) = &note {
                tx.execute(
                    "INSERT INTO report_notes (report_id, at, actor, status, note) VALUES (?1, ?2, ?3, NULL, ?4)",
                    params![id, ts(now), actor.0, n],
                )?;
            }
            audit(
                tx,
                &g,
                &actor,
                now,
                "report.assign",
                "report",
                Some(&id.to_string()),
                json!({ "from": before, "to": department, "internal_note": note.is_some() }),
            )
        })
        .await
    }

    async fn report_department(&self, id: i64) -> StoreResult<Option<i64>> {
        let g = self.scope();
        self.read(move |c| {
            let d: Option<Option<i64>> = c
                .query_row(
                    "SELECT department_id FROM reports WHERE id = ?1 AND gmina = ?2",
                    params![id, g],
                    |r| r.get(0),
                )
                .optional()?;
            d.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn admin_reports(&self, f: AdminReportFilter) -> StoreResult<AdminReportPage> {
        let g = self.scope();
        self.read(move |c| {
            let (filter, mut args) = admin_report_conditions(&g, &f);
            let total: i64 = c.query_row(
                &format!("SELECT COUNT(*) FROM reports WHERE {filter}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            let order = crate::store::admin_report_order(f.sort);
            // LIMIT -1: no limit (SQLite).
            args.push(f.limit.map_or(-1, i64::from).into());
            args.push(i64::from(f.offset).into());
            let mut stmt = c.prepare(&format!(
                "SELECT data, department_id FROM reports WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let rows = rows
                .into_iter()
                .map(|(data, department_id)| {
                    Ok(AdminReport {
                        report: super::reports::decode(&data)?,
                        department_id,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(AdminReportPage { rows, total: total as u64 })
        })
        .await
    }

    async fn admin_report_markers(&self, f: AdminReportFilter) -> StoreResult<Vec<ReportMarker>> {
        let g = self.scope();
        self.read(move |c| {
            let (filter, mut args) = admin_report_conditions(&g, &f);
            let order = crate::store::admin_report_order(f.sort);
            args.push(f.limit.map_or(-1, i64::from).into());
            args.push(i64::from(f.offset).into());
            let mut stmt = c.prepare(&format!(
                "SELECT id, category, status, lat, lon, created_at FROM reports
                 WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
            ))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args), |r| {
                    let status: String = r.get(2)?;
                    Ok(ReportMarker {
                        id: r.get(0)?,
                        category: r.get(1)?,
                        status: ReportStatus::parse(&status).ok_or_else(|| {
                            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, status.into())
                        })?,
                        point: GeoPoint { lat: r.get(3)?, lon: r.get(4)? },
                        created_at: super::parse_ts(&r.get::<_, String>(5)?)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn report_stats(&self, since: DateTime<Utc>) -> StoreResult<Vec<CategoryReportStats>> {
        let g = self.scope();
        self.read(move |c| {
            // The first resolution's time comes from the report's history
            // (JSON, read by SQLite itself); the median is the middle row,
            // or the mean of the two middle rows, of each category.
            let mut stmt = c.prepare_cached(
                "WITH recent AS (
                     SELECT category, status, created_at, data FROM reports WHERE gmina = ?2 AND created_at >= ?1
                 ),
                 resolved AS (
                     SELECT category,
                            CAST((unixepoch((SELECT json_extract(h.value, '$.at') FROM json_each(data, '$.history') h
                                             WHERE json_extract(h.value, '$.status') = 'resolved'
                                             ORDER BY CAST(h.key AS INTEGER) LIMIT 1), 'subsec')
                                  - unixepoch(created_at, 'subsec')) / 60 AS INTEGER) AS minutes
                     FROM recent WHERE status = 'resolved'
                 ),
                 ranked AS (
                     SELECT category, minutes,
                            ROW_NUMBER() OVER (PARTITION BY category ORDER BY minutes) AS i,
                            COUNT(*) OVER (PARTITION BY category) AS n
                     FROM resolved WHERE minutes IS NOT NULL
                 ),
                 medians AS (
                     SELECT category, SUM(minutes) / COUNT(*) AS median FROM ranked
                     WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY category
                 )
                 SELECT t.category, t.received, t.resolved, m.median
                 FROM (SELECT category, COUNT(*) AS received, SUM(status = 'resolved') AS resolved
                       FROM recent GROUP BY category) t
                 LEFT JOIN medians m ON m.category = t.category
                 ORDER BY t.category",
            )?;
            let rows = stmt
                .query_map([ts(since), g], |r| {
                    Ok(CategoryReportStats {
                        category: r.get(0)?,
                        received: r.get::<_, i64>(1)? as u64,
                        resolved: r.get::<_, i64>(2)? as u64,
                        median_minutes_to_resolve: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn report_stats_by_month(
        &self,
        months: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> StoreResult<Vec<MonthReportStats>> {
        let g = self.scope();
        self.read(move |c| super::transparency::by_month(c, &g, &months)).await
    }
}

/// The list's filters as one SQL condition over `reports`, with its values.
fn admin_report_conditions(g: &str, f: &AdminReportFilter) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = String::from("gmina = ?");
    let mut args: Vec<rusqlite::types::Value> = vec![g.to_owned().into()];
    if !f.statuses.is_empty() {
        let marks = vec!["?"; f.statuses.len()].join(", ");
        sql.push_str(&format!(" AND status IN ({marks})"));
        args.extend(f.statuses.iter().map(|s| s.as_str().to_owned().into()));
    }
    if let Some(cat) = &f.category {
        sql.push_str(" AND category = ?");
        args.push(cat.clone().into());
    }
    match f.department {
        Some(Some(d)) => {
            sql.push_str(" AND department_id = ?");
            args.push(d.into());
        }
        Some(None) => sql.push_str(" AND department_id IS NULL"),
        None => {}
    }
    if let Some(s) = f.start {
        sql.push_str(" AND created_at >= ?");
        args.push(ts(s).into());
    }
    if let Some(e) = f.end {
        sql.push_str(" AND created_at < ?");
        args.push(ts(e).into());
    }
    if let Some(t) = f.text.as_ref().filter(|t| !t.trim().is_empty()) {
        let like = format!(
            "%{}%",
            t.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push_str(
            " AND (CAST(id AS TEXT) = ? OR json_extract(data, '$.description') LIKE ? ESCAPE '\\'
               OR COALESCE(json_extract(data, '$.address'), '') LIKE ? ESCAPE '\\')",
        );
        args.push(t.trim().to_owned().into());
        args.push(like.clone().into());
        args.push(like.into());
    }
    if let Some(cutoffs) = &f.overdue_before {
        use mm_protocol::reports::ReportStatus::*;
        let open: Vec<&str> = [New, Accepted, InProgress, Resolved, Rejected, Duplicate]
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        sql.push_str(&format!(" AND status IN ({})", vec!["?"; open.len()].join(", ")));
        args.extend(open.into_iter().map(|s| s.to_owned().into()));
        let mut any = vec!["0".to_owned()];
        for (category, before) in cutoffs {
            any.push("(category = ? AND created_at < ?)".into());
            args.push(category.clone().into());
            args.push(ts(*before).into());
        }
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    if let Some(user) = f.assignee {
        sql.push_str(" AND assignee_id = ?");
        args.push(user.into());
    }
    (sql, args)
}
