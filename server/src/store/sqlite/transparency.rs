//! `/transparency`'s monthly numbers as SQL aggregates: nothing is decoded
//! into reports (security finding 19), one query for every month.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::ts;
use crate::store::{MonthReportStats, StoreResult};

/// Per month `(start, end)`: reports received in it, reports whose first
/// resolution (from the report's history, read by SQLite itself) falls in
/// it and that are resolved still, and the median minutes from receipt to
/// that first resolution (the middle row, or the mean of the two middle
/// rows). Times in the history are compared as instants (`unixepoch`),
/// since their text has a varying number of fractional digits.
pub(super) fn by_month(c: &Connection, g: &str, months: &[(DateTime<Utc>, DateTime<Utc>)]) -> StoreResult<Vec<MonthReportStats>> {
    let Some(first) = months.iter().map(|m| m.0).min() else {
        return Ok(Vec::new());
    };
    let windows = serde_json::to_string(&months.iter().map(|(s, e)| [ts(*s), ts(*e)]).collect::<Vec<_>>())?;
    let mut stmt = c.prepare_cached(
        "WITH months AS (
             SELECT CAST(key AS INTEGER) AS i, json_extract(value, '$[0]') AS start, json_extract(value, '$[1]') AS end
             FROM json_each(?1)
         ),
         received AS (
             SELECT m.i, COUNT(r.id) AS n FROM months m
             LEFT JOIN reports r ON r.gmina = ?3 AND r.created_at >= m.start AND r.created_at < m.end
             GROUP BY m.i
         ),
         firsts AS (
             SELECT unixepoch(created_at, 'subsec') AS created,
                    unixepoch((SELECT json_extract(h.value, '$.at') FROM json_each(data, '$.history') h
                               WHERE json_extract(h.value, '$.status') = 'resolved'
                               ORDER BY CAST(h.key AS INTEGER) LIMIT 1), 'subsec') AS resolved
             FROM reports WHERE gmina = ?3 AND status = 'resolved' AND updated_at >= ?2
         ),
         resolved AS (
             SELECT m.i, CAST((f.resolved - f.created) / 60 AS INTEGER) AS minutes
             FROM firsts f JOIN months m
               ON f.resolved >= unixepoch(m.start, 'subsec') AND f.resolved < unixepoch(m.end, 'subsec')
         ),
         ranked AS (
             SELECT i, minutes, ROW_NUMBER() OVER (PARTITION BY i ORDER BY minutes) AS k,
                    COUNT(*) OVER (PARTITION BY i) AS n
             FROM resolved
         ),
         medians AS (
             SELECT i, MAX(n) AS n, SUM(minutes) / COUNT(*) AS median FROM ranked
             WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY i
         )
         SELECT m.i, rc.n, COALESCE(md.n, 0), md.median
         FROM months m JOIN received rc ON rc.i = m.i LEFT JOIN medians md ON md.i = m.i
         ORDER BY m.i",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![windows, ts(first), g], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<i64>>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, received, resolved, median)| {
            let (start, _) = *months.get(usize::try_from(i).ok()?)?;
            Some(MonthReportStats {
                start,
                received: received.max(0) as u64,
                resolved: resolved.max(0) as u64,
                median_minutes_to_resolve: median,
            })
        })
        .collect())
}
