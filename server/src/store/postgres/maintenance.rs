//! The clean-up `crate::maintenance` runs, as `store/sqlite/maintenance.rs`.
//! Deployment-wide: every gmina's rows, whatever the handle. A photo's file
//! is shared by every gmina that has a row for its content (the id is its
//! hash), so it goes only with the last row.
//! Where SQLite's single writer keeps an upload from re-inserting a photo
//! between its row and its file going, the photo's row lock does here
//! (`FOR UPDATE`, and `save_photo` inserts after the file is written).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::reports::{get_report, report_gmina, save_report};
use super::{PostgresStore, publish, ts, write_tx};
use crate::maintenance::MaintenanceStore;
use crate::reports::model::PhotoMeta;
use crate::blobs::photo_key;
use crate::store::StoreResult;

/// Statuses in which a report still changes (its followers wait for news).
const OPEN: &str = "('new', 'accepted', 'in_progress')";

#[async_trait]
impl MaintenanceStore for PostgresStore {
    async fn raw_photos(&self, limit: u32) -> StoreResult<Vec<String>> {
        let rows = self.reader().await?.query("SELECT id FROM photos_raw ORDER BY id LIMIT $1", &[&i64::from(limit)]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn replace_raw_photo(&self, id: &str, clean: Option<(PhotoMeta, Vec<u8>)>) -> StoreResult<()> {
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
        let stale = write_tx!(self, |tx| {
            let old: Option<String> = tx
                .c
                .query_opt("SELECT content_type FROM photos WHERE id = $1 LIMIT 1 FOR UPDATE", &[&id])
                .await?
                .map(|r| r.get(0));
            tx.c.execute("DELETE FROM photos_raw WHERE id = $1", &[&id]).await?;
            // Gone meanwhile: nothing names the copy just stored.
            let Some(old) = old else { return Ok(clean.map(|m| photo_key(&id, &m.content_type))) };
            let old_key = photo_key(&id, &old);
            match clean {
                Some(meta) => {
                    tx.c.execute(
                        "UPDATE photos SET content_type = $2, bytes = $3, width = $4, height = $5 WHERE id = $1",
                        &[
                            &id,
                            &meta.content_type,
                            &i64::try_from(meta.bytes).unwrap_or(i64::MAX),
                            &i64::from(meta.width),
                            &i64::from(meta.height),
                        ],
                    )
                    .await?;
                    Ok((old_key != photo_key(&id, &meta.content_type)).then_some(old_key))
                }
                None => {
                    tx.c.execute("DELETE FROM photos WHERE id = $1", &[&id]).await?;
                    Ok(Some(old_key))
                }
            }
        })?;
        // After the commit: a crash before it leaves the old bytes, still named.
        if let Some(key) = stale {
            self.shared.photos.delete(&key).await?;
        }
        Ok(())
    }

    async fn collect_orphan_photos(&self, uploaded_before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        let (rows, unnamed) = write_tx!(self, |tx| {
            // A gmina's photo row is an orphan when none of that gmina's
            // reports names it (from the reports' own JSON), nor any of its
            // budget projects (their URLs, `/api/v1/photos/{id}`).
            let gone: Vec<(String, String, String)> = tx
                .c
                .query(
                    "SELECT gmina, id, content_type FROM photos
                     WHERE created_at < $1 AND (gmina, id) NOT IN (
                         SELECT r.gmina, p->>'id'
                         FROM reports r, jsonb_array_elements(COALESCE(r.data::JSONB->'photos', '[]'::JSONB)) p
                         WHERE p->>'id' IS NOT NULL
                         UNION
                         SELECT b.gmina, regexp_replace(u, '^/api/v1/photos/', '')
                         FROM budget_projects b, jsonb_array_elements_text(COALESCE(b.photos::JSONB, '[]'::JSONB)) u)
                     LIMIT $2 FOR UPDATE",
                    &[&ts(uploaded_before), &i64::from(limit)],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
            // The bytes go with the last row that names them.
            let mut unnamed = Vec::new();
            for (gmina, id, content_type) in &gone {
                tx.c.execute("DELETE FROM photos WHERE gmina = $1 AND id = $2", &[gmina, id]).await?;
                let shared: bool =
                    tx.c.query_one("SELECT EXISTS (SELECT 1 FROM photos WHERE id = $1)", &[id]).await?.get(0);
                if shared {
                    continue;
                }
                tx.c.execute("DELETE FROM photos_raw WHERE id = $1", &[id]).await?;
                unnamed.push((id.clone(), content_type.clone()));
            }
            Ok((gone.len() as u64, unnamed))
        })?;
        // The rows first, then the bytes (as the SQLite store).
        for (id, content_type) in &unnamed {
            self.shared.photos.delete(&photo_key(id, content_type)).await?;
        }
        Ok(rows)
    }

    async fn collect_idempotency(&self, created_before: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            Ok(tx.c.execute("DELETE FROM idempotency WHERE created_at < $1", &[&ts(created_before)]).await?)
        })
    }

    async fn collect_devices(&self, seen_before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            publish::lock(tx).await?;
            let devices: Vec<String> = tx
                .c
                .query(
                    &format!(
                        "SELECT d.id FROM devices d
                         WHERE COALESCE(d.last_seen_at, d.created_at) < $1
                           AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.device_id = d.id AND r.status IN {OPEN})
                           AND NOT EXISTS (SELECT 1 FROM report_followers f JOIN reports r ON r.id = f.report_id
                                           WHERE f.device_id = d.id AND r.status IN {OPEN})
                         LIMIT $2"
                    ),
                    &[&ts(seen_before), &i64::from(limit)],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            for d in &devices {
                let followed: Vec<i64> = tx
                    .c
                    .query("SELECT report_id FROM report_followers WHERE device_id = $1", &[d])
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                tx.c.execute("DELETE FROM report_followers WHERE device_id = $1", &[d]).await?;
                for id in followed {
                    let Some(g) = report_gmina(&tx.c, id).await? else { continue };
                    if let Some(mut report) = get_report(&tx.c, &g, id).await? {
                        let n: i64 =
                            tx.c.query_one("SELECT COUNT(*) FROM report_followers WHERE report_id = $1", &[&id]).await?.get(0);
                        report.followers = u32::try_from(n).unwrap_or(u32::MAX);
                        // `updated_at` stays: nothing about the report changed.
                        save_report(tx, &g, &report).await?;
                    }
                }
                tx.c.execute("UPDATE reports SET device_id = NULL WHERE device_id = $1", &[d]).await?;
                tx.c.execute("DELETE FROM devices WHERE id = $1", &[d]).await?;
            }
            Ok(devices.len() as u64)
        })
    }
}
