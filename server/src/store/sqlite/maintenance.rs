//! The clean-up `crate::maintenance` runs: raw photos re-processed, orphan
//! photos, stale idempotency rows and long-unseen devices deleted.
//! Deployment-wide: every gmina's rows, whatever the handle. A photo's file
//! is shared by every gmina that has a row for its content (the id is its
//! hash), so it goes only with the last row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::reports::{get_report, report_gmina, save_report};
use super::{SqliteStore, ts};
use crate::blobs::photo_key;
use crate::maintenance::MaintenanceStore;
use crate::reports::model::PhotoMeta;
use crate::store::StoreResult;

/// Statuses in which a report still changes (its followers wait for news).
const OPEN: &str = "('new', 'accepted', 'in_progress')";

#[async_trait]
impl MaintenanceStore for SqliteStore {
    async fn raw_photos(&self, limit: u32) -> StoreResult<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT id FROM photos_raw ORDER BY id LIMIT ?1")?;
            let ids = stmt
                .query_map([limit], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(ids)
        })
        .await
    }

    async fn replace_raw_photo(
        &self,
        id: &str,
        clean: Option<(PhotoMeta, Vec<u8>)>,
    ) -> StoreResult<()> {
        let id = id.to_owned();
        // The clean copy's bytes first, then the row: the row never names
        // missing or raw bytes once this commits (a copy of the same type
        // replaces the raw bytes under the same key).
        let clean = match clean {
            Some((meta, bytes)) => {
                self.shared.photos.put(&photo_key(&id, &meta.content_type), bytes, &meta.content_type).await?;
                Some(meta)
            }
            None => None,
        };
        let stale = self
            .write(move |tx| {
                let old: Option<String> = tx
                    .query_row("SELECT content_type FROM photos WHERE id = ?1 LIMIT 1", [&id], |r| r.get(0))
                    .optional()?;
                tx.execute("DELETE FROM photos_raw WHERE id = ?1", [&id])?;
                // Gone meanwhile: nothing names the copy just stored.
                let Some(old) = old else { return Ok(clean.map(|m| photo_key(&id, &m.content_type))) };
                let old_key = photo_key(&id, &old);
                match clean {
                    Some(meta) => {
                        tx.execute(
                            "UPDATE photos SET content_type = ?2, bytes = ?3, width = ?4, height = ?5 WHERE id = ?1",
                            params![id, meta.content_type, meta.bytes as i64, meta.width, meta.height],
                        )?;
                        Ok((old_key != photo_key(&id, &meta.content_type)).then_some(old_key))
                    }
                    None => {
                        tx.execute("DELETE FROM photos WHERE id = ?1", [&id])?;
                        Ok(Some(old_key))
                    }
                }
            })
            .await?;
        // After the commit: a crash before it leaves the old bytes, still named.
        if let Some(key) = stale {
            self.shared.photos.delete(&key).await?;
        }
        Ok(())
    }

    async fn collect_orphan_photos(
        &self,
        uploaded_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<u64> {
        let (rows, unnamed) = self.write(move |tx| {
            // The photos reports name, from the reports' own JSON (a scan of
            // every report, once a pass: milliseconds at a gmina's scale).
            // A gmina's photo row is an orphan when none of that gmina's
            // reports names it, nor any of its budget projects (their URLs,
            // `/api/v1/photos/{id}`; a raw id in rows from before).
            let gone: Vec<(String, String, String)> = tx
                .prepare_cached(
                    "SELECT gmina, id, content_type FROM photos
                     WHERE created_at < ?1 AND (gmina, id) NOT IN (
                         SELECT r.gmina, json_extract(j.value, '$.id')
                         FROM reports r, json_each(r.data, '$.photos') j
                         WHERE json_extract(j.value, '$.id') IS NOT NULL
                         UNION
                         SELECT b.gmina, CASE WHEN j.value LIKE '/api/v1/photos/%' THEN substr(j.value, 16) ELSE j.value END
                         FROM budget_projects b, json_each(b.photos) j
                         WHERE j.value IS NOT NULL)
                     LIMIT ?2",
                )?
                .query_map(params![ts(uploaded_before), limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            // The bytes go with the last row that names them (the id is the
            // hash of the bytes, so two gminas may hold the same photo).
            let mut unnamed = Vec::new();
            for (gmina, id, content_type) in &gone {
                tx.execute("DELETE FROM photos WHERE gmina = ?1 AND id = ?2", [gmina, id])?;
                let shared: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM photos WHERE id = ?1)", [id], |r| r.get(0))?;
                if shared {
                    continue;
                }
                tx.execute("DELETE FROM photos_raw WHERE id = ?1", [id])?;
                unnamed.push((id.clone(), content_type.clone()));
            }
            Ok((gone.len() as u64, unnamed))
        })
        .await?;
        // The rows first, then the bytes: a row never names missing bytes.
        // The same photo uploaded again between the two (its id is the
        // hash of its bytes) would lose its bytes; that needs an upload
        // abandoned for `Retention::orphan_photos` to come back within
        // these milliseconds (docs/DESIGN.md, "Several instances").
        for (id, content_type) in &unnamed {
            self.shared.photos.delete(&photo_key(id, content_type)).await?;
        }
        Ok(rows)
    }

    async fn collect_idempotency(&self, created_before: DateTime<Utc>) -> StoreResult<u64> {
        self.write(move |tx| {
            Ok(tx.execute(
                "DELETE FROM idempotency WHERE created_at < ?1",
                [ts(created_before)],
            )? as u64)
        })
        .await
    }

    async fn collect_devices(&self, seen_before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        self.write(move |tx| {
            let devices: Vec<String> = tx
                .prepare_cached(&format!(
                    "SELECT d.id FROM devices d
                     WHERE COALESCE(d.last_seen_at, d.created_at) < ?1
                       AND NOT EXISTS (SELECT 1 FROM reports r
                                       WHERE r.device_id = d.id AND r.status IN {OPEN})
                       AND NOT EXISTS (SELECT 1 FROM report_followers f JOIN reports r ON r.id = f.report_id
                                       WHERE f.device_id = d.id AND r.status IN {OPEN})
                     LIMIT ?2"
                ))?
                .query_map(params![ts(seen_before), limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for d in &devices {
                let followed: Vec<i64> = tx
                    .prepare_cached("SELECT report_id FROM report_followers WHERE device_id = ?1")?
                    .query_map([d], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                tx.execute("DELETE FROM report_followers WHERE device_id = ?1", [d])?;
                for id in followed {
                    let Some(g) = report_gmina(tx, id)? else { continue };
                    if let Some(mut report) = get_report(tx, &g, id)? {
                        let n: i64 = tx.query_row(
                            "SELECT COUNT(*) FROM report_followers WHERE report_id = ?1",
                            [id],
                            |r| r.get(0),
                        )?;
                        report.followers = n as u32;
                        // `updated_at` stays: nothing about the report changed.
                        save_report(tx, &g, &report)?;
                    }
                }
                tx.execute("UPDATE reports SET device_id = NULL WHERE device_id = ?1", [d])?;
                tx.execute("DELETE FROM devices WHERE id = ?1", [d])?;
            }
            Ok(devices.len() as u64)
        })
        .await
    }
}
