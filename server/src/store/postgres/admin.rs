//! The back office's tables: departments, assignment, password changes,
//! the report list and statistics, as `store/sqlite/admin.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::ReportStatus;
use serde_json::json;

use super::publish::audit;
use super::reports::Args;
use super::{PostgresStore, count, ts, unique_violation, write_tx};
use crate::store::sqlite::decode_report;
use crate::store::{
    Actor, AdminReport, AdminReportFilter, AdminReportPage, AdminStore, CategoryReportStats, Conflict,
    Department, MonthReportStats, ReportMarker, StoreError, StoreResult,
};

async fn department_exists(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<bool> {
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND gmina = $2)", &[&id, &g]).await?.get(0))
}

/// When a report's history first says `resolved` (from the report's JSON,
/// read by PostgreSQL itself), for `reports` aliased as in the query.
pub(super) const FIRST_RESOLVED: &str = "(SELECT (h.value->>'at')::TIMESTAMPTZ
      FROM jsonb_array_elements(data::JSONB->'history') WITH ORDINALITY AS h(value, k)
      WHERE h.value->>'status' = 'resolved' ORDER BY h.k LIMIT 1)";

#[async_trait]
impl AdminStore for PostgresStore {
    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        let rows =
            self.reader().await?.query("SELECT id, name FROM departments WHERE gmina = $1 ORDER BY name", &[&self.scope()]).await?;
        Ok(rows.iter().map(|r| Department { id: r.get(0), name: r.get(1) }).collect())
    }

    async fn create_department(&self, actor: Actor, name: &str, now: DateTime<Utc>) -> StoreResult<Department> {
        let name = name.trim().to_owned();
        write_tx!(self, |tx, g| {
            let id: i64 = match tx
                .c
                .query_one(
                    "INSERT INTO departments (gmina, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                    &[&g, &name, &ts(now)],
                )
                .await
            {
                Ok(r) => r.get(0),
                Err(e) if unique_violation(&e, "departments_gmina_name_key") => {
                    return Err(StoreError::Conflict(Conflict::DepartmentExists));
                }
                Err(e) => return Err(e.into()),
            };
            audit(tx, g, &actor, now, "department.create", "department", Some(&id.to_string()), json!({ "name": name })).await?;
            Ok(Department { id, name })
        })
    }

    async fn set_user_department(&self, actor: Actor, login: &str, department: Option<i64>, now: DateTime<Utc>) -> StoreResult<()> {
        let login = login.to_owned();
        write_tx!(self, |tx, g| {
            if let Some(d) = department
                && !department_exists(&tx.c, g, d).await?
            {
                return Err(StoreError::UnknownReference { field: "department" });
            }
            let n = tx
                .c
                .execute("UPDATE users SET department_id = $2 WHERE login = $1 AND gmina = $3", &[&login, &department, &g])
                .await?;
            if n == 0 {
                return Err(StoreError::UnknownReference { field: "login" });
            }
            audit(tx, g, &actor, now, "user.department", "user", Some(&login), json!({ "department_id": department })).await
        })
    }

    async fn user_department(&self, user_id: i64) -> StoreResult<Option<i64>> {
        let row = self
            .reader()
            .await?
            .query_opt("SELECT department_id FROM users WHERE id = $1 AND gmina = $2", &[&user_id, &self.scope()])
            .await?;
        Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)))
    }

    async fn set_password(
        &self,
        actor: Actor,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (hash, keep) = (password_hash.to_owned(), keep.map(str::to_owned));
        write_tx!(self, |tx, g| {
            let n = tx
                .c
                .execute("UPDATE users SET password_hash = $2 WHERE id = $1 AND gmina = $3", &[&user_id, &hash, &g])
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            // A new password answers a suspected leak: every other session
            // and API token of the account ends with the old password.
            let ended = tx
                .c
                .execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2", &[&user_id, &keep])
                .await?;
            audit(tx, g, &actor, now, "user.password", "user", Some(&user_id.to_string()), json!({ "sessions_ended": ended }))
                .await
        })
    }

    async fn assign_report(
        &self,
        actor: Actor,
        id: i64,
        department: Option<i64>,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let before: Option<i64> = tx
                .c
                .query_opt("SELECT department_id FROM reports WHERE id = $1 AND gmina = $2 FOR UPDATE", &[&id, &g])
                .await?
                .ok_or(StoreError::NotFound)?
                .get(0);
            if let Some(d) = department
                && !department_exists(&tx.c, g, d).await?
            {
                return Err(StoreError::UnknownReference { field: "department" });
            }
            tx.c.execute("UPDATE reports SET department_id = $2 WHERE id = $1 AND gmina = $3", &[&id, &department, &g])
                .await?;
            let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
            if let Some(n) = &note {
                tx.c.execute(
                    "INSERT INTO report_notes (report_id, at, actor, status, note) VALUES ($1, $2, $3, NULL, $4)",
                    &[&id, &ts(now), &actor.0, n],
                )
                .await?;
            }
            audit(
                tx,
                g,
                &actor,
                now,
                "report.assign",
                "report",
                Some(&id.to_string()),
                json!({ "from": before, "to": department, "internal_note": note.is_some() }),
            )
            .await
        })
    }

    async fn report_department(&self, id: i64) -> StoreResult<Option<i64>> {
        let row = self
            .reader()
            .await?
            .query_opt("SELECT department_id FROM reports WHERE id = $1 AND gmina = $2", &[&id, &self.scope()])
            .await?;
        Ok(row.ok_or(StoreError::NotFound)?.get(0))
    }

    async fn admin_reports(&self, f: AdminReportFilter) -> StoreResult<AdminReportPage> {
        let c = self.reader().await?;
        let mut args = Args::default();
        let filter = admin_report_conditions(&self.scope(), &f, &mut args);
        let total: i64 = c.query_one(&format!("SELECT COUNT(*) FROM reports WHERE {filter}"), &args.refs()).await?.get(0);
        let order = crate::store::admin_report_order(f.sort);
        // LIMIT NULL: no limit.
        let limit = args.push(f.limit.map(i64::from));
        let offset = args.push(i64::from(f.offset));
        let rows = c
            .query(
                &format!("SELECT data, department_id FROM reports WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"),
                &args.refs(),
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| Ok(AdminReport { report: decode_report(r.get(0))?, department_id: r.get(1) }))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(AdminReportPage { rows, total: count(total) })
    }

    async fn admin_report_markers(&self, f: AdminReportFilter) -> StoreResult<Vec<ReportMarker>> {
        let c = self.reader().await?;
        let mut args = Args::default();
        let filter = admin_report_conditions(&self.scope(), &f, &mut args);
        let order = crate::store::admin_report_order(f.sort);
        let limit = args.push(f.limit.map(i64::from));
        let offset = args.push(i64::from(f.offset));
        let rows = c
            .query(
                &format!(
                    "SELECT id, category, status, lat, lon, created_at FROM reports
                     WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
                ),
                &args.refs(),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let status: &str = r.get(2);
                Ok(ReportMarker {
                    id: r.get(0),
                    category: r.get(1),
                    status: ReportStatus::parse(status)
                        .ok_or_else(|| StoreError::backend(format!("unknown report status {status:?}")))?,
                    point: GeoPoint { lat: r.get(3), lon: r.get(4) },
                    created_at: super::parse_time(r.get(5))?,
                })
            })
            .collect()
    }

    async fn report_stats(&self, since: DateTime<Utc>) -> StoreResult<Vec<CategoryReportStats>> {
        // The median is the middle row, or the mean of the two middle rows
        // (truncated, as SQLite's integer division), of each category.
        let rows = self
            .reader()
            .await?
            .query(
                &format!(
                    "WITH recent AS (
                         SELECT category, status, created_at, data FROM reports WHERE gmina = $2 AND created_at >= $1
                     ),
                     resolved AS (
                         SELECT category,
                                TRUNC(EXTRACT(EPOCH FROM ({FIRST_RESOLVED} - created_at::TIMESTAMPTZ)) / 60)::BIGINT AS minutes
                         FROM recent WHERE status = 'resolved'
                     ),
                     ranked AS (
                         SELECT category, minutes,
                                ROW_NUMBER() OVER (PARTITION BY category ORDER BY minutes) AS i,
                                COUNT(*) OVER (PARTITION BY category) AS n
                         FROM resolved WHERE minutes IS NOT NULL
                     ),
                     medians AS (
                         SELECT category, DIV(SUM(minutes), COUNT(*))::BIGINT AS median FROM ranked
                         WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY category
                     )
                     SELECT t.category, t.received, t.resolved, m.median
                     FROM (SELECT category, COUNT(*) AS received, COUNT(*) FILTER (WHERE status = 'resolved') AS resolved
                           FROM recent GROUP BY category) t
                     LEFT JOIN medians m ON m.category = t.category
                     ORDER BY t.category"
                ),
                &[&ts(since), &self.scope()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| CategoryReportStats {
                category: r.get(0),
                received: count(r.get(1)),
                resolved: count(r.get(2)),
                median_minutes_to_resolve: r.get(3),
            })
            .collect())
    }

    async fn report_stats_by_month(&self, months: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> StoreResult<Vec<MonthReportStats>> {
        super::transparency::by_month(&self.reader().await?, &self.scope(), &months).await
    }
}

/// The list's filters as one SQL condition over `reports`, its values in `args`.
fn admin_report_conditions(g: &str, f: &AdminReportFilter, args: &mut Args) -> String {
    let mut sql = format!("gmina = {}", args.push(g.to_owned()));
    if !f.statuses.is_empty() {
        let s: Vec<String> = f.statuses.iter().map(|s| s.as_str().to_owned()).collect();
        sql += &format!(" AND status = ANY({})", args.push(s));
    }
    if let Some(cat) = &f.category {
        sql += &format!(" AND category = {}", args.push(cat.clone()));
    }
    match f.department {
        Some(Some(d)) => sql += &format!(" AND department_id = {}", args.push(d)),
        Some(None) => sql.push_str(" AND department_id IS NULL"),
        None => {}
    }
    if let Some(s) = f.start {
        sql += &format!(" AND created_at >= {}", args.push(ts(s)));
    }
    if let Some(e) = f.end {
        sql += &format!(" AND created_at < {}", args.push(ts(e)));
    }
    if let Some(t) = f.text.as_ref().filter(|t| !t.trim().is_empty()) {
        let like = format!("%{}%", t.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let (id, like) = (args.push(t.trim().to_owned()), args.push(like));
        // ILIKE: SQLite's LIKE ignores the case of ASCII letters.
        sql += &format!(
            " AND (id::TEXT = {id} OR (data::JSONB->>'description') ILIKE {like}
               OR COALESCE(data::JSONB->>'address', '') ILIKE {like})"
        );
    }
    if let Some(cutoffs) = &f.overdue_before {
        use mm_protocol::reports::ReportStatus::*;
        let open: Vec<String> = [New, Accepted, InProgress, Resolved, Rejected, Duplicate]
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_owned())
            .collect();
        sql += &format!(" AND status = ANY({})", args.push(open));
        let mut any = vec!["FALSE".to_owned()];
        for (category, before) in cutoffs {
            any.push(format!("(category = {} AND created_at < {})", args.push(category.clone()), args.push(ts(*before))));
        }
        sql += &format!(" AND ({})", any.join(" OR "));
    }
    if let Some(user) = f.assignee {
        sql += &format!(" AND assignee_id = {}", args.push(user));
    }
    sql
}
