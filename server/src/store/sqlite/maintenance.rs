//! The clean-up `crate::maintenance` runs: raw photos re-processed, orphan
//! photos, stale idempotency rows and long-unseen devices deleted.
//! Deployment-wide: every gmina's rows, whatever the handle. A photo's file
//! is shared by every gmina that has a row for its content (the id is its
//! hash), so it goes only with the last row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::reports::{get_report, photo_path, report_gmina, save_report, write_atomically};
use super::{SqliteStore, ts};
use crate::maintenance::MaintenanceStore;
use crate::reports::model::PhotoMeta;
use crate::store::{StoreError, StoreResult};

/// Statuses in which a report still changes (its followers wait for news).
const OPEN: &str = "('new', 'accepted', 'in_progress')";

fn remove_file(path: &std::path::Path) -> StoreResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::backend(format!("cannot delete a photo: {e}"))),
    }
}

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
        let dir = self.shared.photos_dir.clone();
        let stale = self
            .write(move |tx| {
                let old: Option<String> = tx
                    .query_row("SELECT content_type FROM photos WHERE id = ?1 LIMIT 1", [&id], |r| r.get(0))
                    .optional()?;
                tx.execute("DELETE FROM photos_raw WHERE id = ?1", [&id])?;
                let Some(old) = old else { return Ok(None) };
                let old_path = photo_path(&dir, &id, &old);
                match clean {
                    Some((meta, bytes)) => {
                        let path = photo_path(&dir, &id, &meta.content_type);
                        // The file first, then the row: the row never names
                        // a missing or raw file once this commits.
                        write_atomically(&path, &bytes, true)
                            .map_err(|e| StoreError::backend(format!("cannot store a photo: {e}")))?;
                        tx.execute(
                            "UPDATE photos SET content_type = ?2, bytes = ?3, width = ?4, height = ?5 WHERE id = ?1",
                            params![id, meta.content_type, meta.bytes as i64, meta.width, meta.height],
                        )?;
                        Ok((old_path != path).then_some(old_path))
                    }
                    None => {
                        tx.execute("DELETE FROM photos WHERE id = ?1", [&id])?;
                        Ok(Some(old_path))
                    }
                }
            })
            .await?;
        // After the commit: a crash before it leaves the old file, still named.
        if let Some(path) = stale {
            remove_file(&path)?;
        }
        Ok(())
    }

    async fn collect_orphan_photos(
        &self,
        uploaded_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<u64> {
        let dir = self.shared.photos_dir.clone();
        self.write(move |tx| {
            // The photos reports name, from the reports' own JSON (a scan of
            // every report, once a pass: milliseconds at a gmina's scale).
            // A gmina's photo row is an orphan when none of that gmina's
            // reports names it.
            let gone: Vec<(String, String, String)> = tx
                .prepare_cached(
                    "SELECT gmina, id, content_type FROM photos
                     WHERE created_at < ?1 AND (gmina, id) NOT IN (
                         SELECT r.gmina, json_extract(j.value, '$.id')
                         FROM reports r, json_each(r.data, '$.photos') j
                         WHERE json_extract(j.value, '$.id') IS NOT NULL)
                     LIMIT ?2",
                )?
                .query_map(params![ts(uploaded_before), limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            for (gmina, id, content_type) in &gone {
                tx.execute("DELETE FROM photos WHERE gmina = ?1 AND id = ?2", [gmina, id])?;
                let shared: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM photos WHERE id = ?1)", [id], |r| r.get(0))?;
                if shared {
                    continue;
                }
                tx.execute("DELETE FROM photos_raw WHERE id = ?1", [id])?;
                // Under the writer lock, so no upload re-inserts this id
                // between the row going and the file going.
                remove_file(&photo_path(&dir, id, content_type))?;
            }
            Ok(gone.len() as u64)
        })
        .await
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
