//! `/transparency`'s monthly numbers as SQL aggregates, as
//! `store/sqlite/transparency.rs`: nothing is decoded into reports.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::admin::FIRST_RESOLVED;
use super::{count, ts};
use crate::store::{MonthReportStats, StoreResult};

/// Per month `(start, end)`: reports received in it, reports whose first
/// resolution falls in it and that are resolved still, and the median
/// minutes from receipt to that first resolution. Times in the history
/// are compared as instants, since their text has a varying number of
/// fractional digits.
pub(super) async fn by_month(
    c: &impl GenericClient,
    g: &str,
    months: &[(DateTime<Utc>, DateTime<Utc>)],
) -> StoreResult<Vec<MonthReportStats>> {
    let Some(first) = months.iter().map(|m| m.0).min() else {
        return Ok(Vec::new());
    };
    let starts: Vec<String> = months.iter().map(|m| ts(m.0)).collect();
    let ends: Vec<String> = months.iter().map(|m| ts(m.1)).collect();
    let rows = c
        .query(
            &format!(
                "WITH months AS (
                     SELECT (m.i - 1)::BIGINT AS i, m.start, m.end_ FROM UNNEST($1::TEXT[], $2::TEXT[]) WITH ORDINALITY AS m(start, end_, i)
                 ),
                 received AS (
                     SELECT m.i, COUNT(r.id) AS n FROM months m
                     LEFT JOIN reports r ON r.gmina = $4 AND r.created_at >= m.start AND r.created_at < m.end_
                     GROUP BY m.i
                 ),
                 firsts AS (
                     SELECT created_at::TIMESTAMPTZ AS created, {FIRST_RESOLVED} AS resolved
                     FROM reports WHERE gmina = $4 AND status = 'resolved' AND updated_at >= $3
                 ),
                 resolved AS (
                     SELECT m.i, TRUNC(EXTRACT(EPOCH FROM (f.resolved - f.created)) / 60)::BIGINT AS minutes
                     FROM firsts f JOIN months m
                       ON f.resolved >= m.start::TIMESTAMPTZ AND f.resolved < m.end_::TIMESTAMPTZ
                 ),
                 ranked AS (
                     SELECT i, minutes, ROW_NUMBER() OVER (PARTITION BY i ORDER BY minutes) AS k,
                            COUNT(*) OVER (PARTITION BY i) AS n
                     FROM resolved
                 ),
                 medians AS (
                     SELECT i, MAX(n) AS n, DIV(SUM(minutes), COUNT(*))::BIGINT AS median FROM ranked
                     WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY i
                 )
                 SELECT m.i, rc.n, COALESCE(md.n, 0)::BIGINT, md.median
                 FROM months m JOIN received rc ON rc.i = m.i LEFT JOIN medians md ON md.i = m.i
                 ORDER BY m.i"
            ),
            &[&starts, &ends, &ts(first), &g],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let (start, _) = *months.get(usize::try_from(r.get::<_, i64>(0)).ok()?)?;
            Some(MonthReportStats {
                start,
                received: count(r.get(1)),
                resolved: count(r.get(2)),
                median_minutes_to_resolve: r.get(3),
            })
        })
        .collect())
}
