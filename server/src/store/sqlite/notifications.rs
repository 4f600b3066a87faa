//! The notifications' tables on SQLite (`migrations/sqlite/0020_notifications.sql`,
//! `store/notifications.rs`). Every write goes through the one writer, so
//! a fan-out's delivery ids are committed in order (the feed's cursor).

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::notifications::{
    Area, FeedItem, Link, NotificationClass, PushRegistration, QuietHours, Subscription, Target, Topic,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::jobs::enqueue_at;
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::jobs::NewJob;
use crate::store::notifications::{
    Candidate, ClaimedDelivery, DeliveryCounts, DeliveryOutcome, DeliveryResult, FanOut, NewNotification,
    NotificationStatus, NotificationStore, Recipient, StoredNotification, WELCOME_FEED_DAYS, WELCOME_FEED_MAX,
};
use crate::store::{Actor, IdempotencyKey, StoreError, StoreResult, StoredResponse};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("unreadable {what}").into())
}

fn class_str(c: NotificationClass) -> &'static str {
    match c {
        NotificationClass::Alert => "alert",
        NotificationClass::Normal => "normal",
    }
}

fn parse_class(s: &str) -> rusqlite::Result<NotificationClass> {
    match s {
        "alert" => Ok(NotificationClass::Alert),
        "normal" => Ok(NotificationClass::Normal),
        _ => Err(bad("class")),
    }
}

fn time_str(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn parse_time(s: &str) -> rusqlite::Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S").map_err(|_| bad("time"))
}

fn put_subscription(tx: &Transaction<'_>, g: &str, device: &str, sub: &Subscription, now: DateTime<Utc>) -> StoreResult<()> {
    // The child rows go with the parent (ON DELETE CASCADE), then come back.
    tx.prepare_cached("DELETE FROM notification_subscriptions WHERE device_id = ?1")?.execute(params![device])?;
    tx.prepare_cached(
        "INSERT INTO notification_subscriptions (device_id, gmina, data, quiet_from, quiet_to, whole_gmina, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        device,
        g,
        serde_json::to_string(sub)?,
        sub.quiet_hours.map(|q| time_str(q.from)),
        sub.quiet_hours.map(|q| time_str(q.to)),
        sub.areas.is_empty(),
        ts(now)
    ])?;
    let mut topic = tx.prepare_cached("INSERT OR IGNORE INTO notification_subscription_topics (device_id, topic) VALUES (?1, ?2)")?;
    for t in sub.topics.iter().chain([&Topic::Alerts]) {
        topic.execute(params![device, t.as_str()])?;
    }
    let mut category =
        tx.prepare_cached("INSERT OR IGNORE INTO notification_subscription_categories (device_id, category) VALUES (?1, ?2)")?;
    for c in &sub.event_categories {
        category.execute(params![device, c])?;
    }
    let mut area = tx.prepare_cached(
        "INSERT INTO notification_subscription_areas (device_id, n, kind, locality, lat, lon, radius_m)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (n, a) in sub.areas.iter().enumerate() {
        match *a {
            Area::Locality { id } => area.execute(params![device, n as i64, "locality", id, None::<f64>, None::<f64>, None::<i64>])?,
            Area::Around { point, radius_m } => {
                area.execute(params![device, n as i64, "around", None::<i64>, point.lat, point.lon, radius_m])?
            }
        };
    }
    Ok(())
}

fn registration(c: &Connection, g: &str, device: &str) -> StoreResult<Option<PushRegistration>> {
    let data: Option<String> = c
        .prepare_cached("SELECT data FROM push_registrations WHERE gmina = ?1 AND device_id = ?2")?
        .query_row(params![g, device], |r| r.get(0))
        .optional()?;
    Ok(match data {
        Some(d) => Some(serde_json::from_str(&d)?),
        None => None,
    })
}

const NOTIFICATION_COLUMNS: &str = "n.id, n.class, n.topic, n.event_category, n.title, n.body, n.link, n.areas, n.send_at, \
     n.status, n.recipients, n.sent_at, n.created_by, n.created_at, n.report";

fn notification_row(r: &Row<'_>) -> rusqlite::Result<StoredNotification> {
    notification_at(r, 0)
}

/// A notification from [`NOTIFICATION_COLUMNS`] starting at column `at`
/// (a feed row has the delivery's columns in front).
fn notification_at(r: &Row<'_>, at: usize) -> rusqlite::Result<StoredNotification> {
    let topic: String = r.get(at + 2)?;
    let link: Option<String> = r.get(at + 6)?;
    let areas: String = r.get(at + 7)?;
    let status: String = r.get(at + 9)?;
    let recipients: Option<i64> = r.get(at + 10)?;
    let sent_at: Option<String> = r.get(at + 11)?;
    Ok(StoredNotification {
        id: r.get(at)?,
        class: parse_class(&r.get::<_, String>(at + 1)?)?,
        target: Target {
            topic: Topic::parse(&topic).ok_or_else(|| bad("topic"))?,
            event_category: r.get(at + 3)?,
            areas: serde_json::from_str(&areas).map_err(|_| bad("areas"))?,
        },
        title: r.get(at + 4)?,
        body: r.get(at + 5)?,
        link: link.map(|l| serde_json::from_str::<Link>(&l)).transpose().map_err(|_| bad("link"))?,
        send_at: parse_ts(&r.get::<_, String>(at + 8)?)?,
        status: NotificationStatus::parse(&status).ok_or_else(|| bad("status"))?,
        recipients: recipients.map(|n| n as u32),
        sent_at: sent_at.as_deref().map(parse_ts).transpose()?,
        created_by: r.get(at + 12)?,
        created_at: parse_ts(&r.get::<_, String>(at + 13)?)?,
        report: r.get(at + 14)?,
        counts: DeliveryCounts::default(),
    })
}

fn counts(c: &Connection, id: i64) -> StoreResult<DeliveryCounts> {
    let mut out = DeliveryCounts::default();
    let mut st = c.prepare_cached(
        "SELECT status, COUNT(*), COUNT(read_at) FROM notification_deliveries WHERE notification = ?1 GROUP BY status",
    )?;
    let rows = st.query_map(params![id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
    for row in rows {
        let (status, n, read) = row?;
        out.add(&status, n as u32, read as u32);
    }
    Ok(out)
}

fn get_notification(c: &Connection, g: &str, id: i64) -> StoreResult<Option<StoredNotification>> {
    let n = c
        .prepare_cached(&format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.gmina = ?1 AND n.id = ?2"))?
        .query_row(params![g, id], notification_row)
        .optional()?;
    match n {
        Some(mut n) => {
            n.counts = counts(c, n.id)?;
            Ok(Some(n))
        }
        None => Ok(None),
    }
}

/// The area columns of `candidates`, or as many NULLs when the target has
/// no areas (every device is reached wherever it listens).
const AREA_COLUMNS: &str = "a.kind, a.locality, a.lat, a.lon, a.radius_m";
const NO_AREA_COLUMNS: &str = "NULL, NULL, NULL, NULL, NULL";

fn candidates(c: &Connection, g: &str, target: &Target, report: Option<i64>) -> StoreResult<Vec<Candidate>> {
    if let Some(report) = report {
        return report_candidates(c, g, report);
    }
    // Driven by the subscriptions of the gmina (a covering index, 0023)
    // and the topic's row (every subscription has its `alerts` row); the
    // areas joined only when the target has some and the device is not
    // whole-gmina. A device with no subscription row wants everything,
    // everywhere. A device's area rows come together: the join is a nested
    // loop over the subscription.
    let with_areas = !target.areas.is_empty();
    // Two statements, not a flag in the join: SQLite plans `ON ?4 AND …`
    // as a scan of the areas per row.
    let (area_columns, area_join) = if with_areas {
        (AREA_COLUMNS, "LEFT JOIN notification_subscription_areas a ON s.whole_gmina = 0 AND a.device_id = s.device_id")
    } else {
        (NO_AREA_COLUMNS, "")
    };
    let mut st = c.prepare_cached(&format!(
        "SELECT s.device_id, s.whole_gmina, s.quiet_from, s.quiet_to, {area_columns}
         FROM notification_subscriptions s
         JOIN notification_subscription_topics t ON t.device_id = s.device_id AND t.topic = ?2
         {area_join}
         WHERE s.gmina = ?1
           AND (?2 <> 'events' OR ?3 IS NULL
                OR NOT EXISTS (SELECT 1 FROM notification_subscription_categories k WHERE k.device_id = s.device_id)
                OR EXISTS (SELECT 1 FROM notification_subscription_categories k WHERE k.device_id = s.device_id AND k.category = ?3))
         UNION ALL
         SELECT d.id, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM devices d
         WHERE d.gmina = ?1 AND NOT EXISTS (SELECT 1 FROM notification_subscriptions s WHERE s.device_id = d.id)"
    ))?;
    let mut rows = st.query(params![g, target.topic.as_str(), target.event_category])?;
    let mut out: Vec<Candidate> = Vec::new();
    while let Some(r) = rows.next()? {
        let device_id: String = r.get(0)?;
        let area = match r.get::<_, Option<String>>(4)?.as_deref() {
            None => None,
            Some("locality") => Some(Area::Locality { id: r.get(5)? }),
            Some("around") => Some(Area::Around {
                point: GeoPoint { lat: r.get(6)?, lon: r.get(7)? },
                radius_m: r.get::<_, i64>(8)? as u32,
            }),
            Some(_) => return Err(bad("area").into()),
        };
        if let Some(last) = out.last_mut().filter(|c| c.device_id == device_id) {
            last.areas.extend(area);
            continue;
        }
        let quiet_hours = match (r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?) {
            (Some(f), Some(t)) => Some(QuietHours { from: parse_time(&f)?, to: parse_time(&t)? }),
            _ => None,
        };
        out.push(Candidate { device_id, areas: area.into_iter().collect(), quiet_hours });
    }
    Ok(out)
}

/// A report's reporter (if it wants `my_reports`) and its other followers
/// (if they want `followed_reports`; none for a withheld report), the
/// whole gmina being their area (`NotificationStore::candidates`).
fn report_candidates(c: &Connection, g: &str, report: i64) -> StoreResult<Vec<Candidate>> {
    let mut st = c.prepare_cached(
        "SELECT d.id, s.quiet_from, s.quiet_to FROM reports r
         JOIN devices d ON d.gmina = r.gmina
              AND (d.id = r.device_id
                   OR (r.visibility <> 'hidden'
                       AND d.id IN (SELECT f.device_id FROM report_followers f WHERE f.report_id = r.id)))
         LEFT JOIN notification_subscriptions s ON s.device_id = d.id
         WHERE r.gmina = ?1 AND r.id = ?2
           AND (s.device_id IS NULL
                OR EXISTS (SELECT 1 FROM notification_subscription_topics t WHERE t.device_id = d.id
                           AND t.topic = CASE WHEN d.id = r.device_id THEN 'my_reports' ELSE 'followed_reports' END))
         ORDER BY d.id",
    )?;
    let rows = st.query_map(params![g, report], |r| {
        let from: Option<String> = r.get(1)?;
        let to: Option<String> = r.get(2)?;
        let quiet_hours = match (from, to) {
            (Some(f), Some(t)) => Some(QuietHours { from: parse_time(&f)?, to: parse_time(&t)? }),
            _ => None,
        };
        Ok(Candidate { device_id: r.get(0)?, areas: Vec::new(), quiet_hours })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A new device's welcome feed (`WELCOME_FEED_DAYS`), in the transaction
/// that registers it.
pub(super) fn welcome_feed(tx: &Transaction<'_>, g: &str, device: &str, now: DateTime<Utc>) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO notification_deliveries (gmina, notification, device_id, transport, status, not_before)
         SELECT ?1, id, ?2, NULL, 'feed', sent_at FROM
             (SELECT id, sent_at FROM notifications
              WHERE gmina = ?1 AND status = 'sent' AND report IS NULL AND sent_at >= ?3
              ORDER BY sent_at DESC, id DESC LIMIT ?4)
         ORDER BY sent_at, id",
    )?
    .execute(params![g, device, ts(now - chrono::Duration::days(WELCOME_FEED_DAYS)), WELCOME_FEED_MAX])?;
    Ok(())
}

/// Also for an alert news item, in its own transaction (`content.rs`).
pub(super) fn create_notification(tx: &Transaction<'_>, g: &str, actor: &Actor, n: &NewNotification) -> StoreResult<i64> {
    tx.prepare_cached(
        "INSERT INTO notifications (gmina, class, topic, event_category, title, body, link, areas, send_at, status,
                                    created_by, created_at, report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'scheduled', ?10, ?11, ?12)",
    )?
    .execute(params![
        g,
        class_str(n.class),
        n.target.topic.as_str(),
        n.target.event_category,
        n.title,
        n.body,
        n.link.as_ref().map(serde_json::to_string).transpose()?,
        serde_json::to_string(&n.target.areas)?,
        ts(n.send_at),
        actor.0,
        ts(n.now),
        n.report
    ])?;
    let id = tx.last_insert_rowid();
    enqueue_at(tx, g, &(n.fan_out_job)(id), n.now, n.send_at.max(n.now))?;
    // A report's notification is part of its status change, audited as
    // `report.status` in this transaction.
    if n.report.is_none() {
        audit(tx, g, actor, n.now, "notification.create", "notification", Some(&id.to_string()), json!({
            "topic": n.target.topic.as_str(),
            "areas": n.target.areas.len(),
        }))?;
    }
    Ok(id)
}

fn fan_out(tx: &Transaction<'_>, g: &str, id: i64, recipients: &[Recipient], now: DateTime<Utc>) -> StoreResult<FanOut> {
    let status: Option<String> = tx
        .prepare_cached("SELECT status FROM notifications WHERE gmina = ?1 AND id = ?2")?
        .query_row(params![g, id], |r| r.get(0))
        .optional()?;
    match status.as_deref().and_then(NotificationStatus::parse) {
        None => return Err(StoreError::NotFound),
        Some(NotificationStatus::Sent) => return Ok(FanOut::AlreadySent),
        Some(NotificationStatus::Cancelled) => return Ok(FanOut::Cancelled),
        Some(NotificationStatus::Scheduled) => {}
    }
    // The device must still be of this gmina (it was when chosen); its push
    // registration, if any, is read now.
    let mut insert = tx.prepare_cached(
        "INSERT INTO notification_deliveries (gmina, notification, device_id, transport, status, not_before)
         SELECT ?1, ?2, d.id, r.transport, CASE WHEN r.transport IS NULL THEN 'feed' ELSE 'pending' END, ?4
         FROM devices d LEFT JOIN push_registrations r ON r.device_id = d.id
         WHERE d.id = ?3 AND d.gmina = ?1
         ON CONFLICT (notification, device_id) DO NOTHING",
    )?;
    let mut written = 0u32;
    for r in recipients {
        written += insert.execute(params![g, id, r.device_id, ts(r.not_before)])? as u32;
    }
    let to_push: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM notification_deliveries WHERE notification = ?1 AND status = 'pending'")?
        .query_row(params![id], |r| r.get(0))?;
    tx.prepare_cached("UPDATE notifications SET status = 'sent', recipients = ?3, sent_at = ?4 WHERE gmina = ?1 AND id = ?2")?
        .execute(params![g, id, written, ts(now)])?;
    Ok(FanOut::Sent { recipients: written, to_push: to_push as u32 })
}

fn claim_deliveries(
    tx: &Transaction<'_>,
    g: &str,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ClaimedDelivery>> {
    let claimed = tx
        .prepare_cached(
            "SELECT d.id, d.device_id, d.attempts, r.data
             FROM notification_deliveries d
             LEFT JOIN push_registrations r ON r.device_id = d.device_id AND r.gmina = d.gmina
             WHERE d.gmina = ?1 AND d.notification = ?2 AND d.status IN ('pending', 'sending') AND d.not_before <= ?3
             ORDER BY d.id LIMIT ?4",
        )?
        .query_map(params![g, id, ts(now), limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?, r.get::<_, Option<String>>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lease = tx.prepare_cached("UPDATE notification_deliveries SET status = 'sending', not_before = ?2 WHERE id = ?1")?;
    let mut out = Vec::with_capacity(claimed.len());
    for (delivery, device_id, attempts, data) in claimed {
        lease.execute(params![delivery, ts(lease_until)])?;
        let registration = match data {
            Some(d) => Some(serde_json::from_str(&d)?),
            None => None,
        };
        out.push(ClaimedDelivery { id: delivery, device_id, attempts, registration });
    }
    Ok(out)
}

fn record_deliveries(tx: &Transaction<'_>, g: &str, outcomes: &[DeliveryOutcome], now: DateTime<Utc>) -> StoreResult<()> {
    let mut done = tx.prepare_cached(
        "UPDATE notification_deliveries SET status = ?3, delivered_at = ?4, last_error = ?5, attempts = attempts + 1
         WHERE gmina = ?1 AND id = ?2",
    )?;
    let mut retry = tx.prepare_cached(
        "UPDATE notification_deliveries SET status = 'pending', not_before = ?3, last_error = ?4, attempts = attempts + 1
         WHERE gmina = ?1 AND id = ?2",
    )?;
    for o in outcomes {
        match &o.result {
            DeliveryResult::Delivered => {
                done.execute(params![g, o.id, "delivered", Some(ts(now)), None::<String>])?;
            }
            DeliveryResult::Retry { at, error } => {
                retry.execute(params![g, o.id, ts(*at), error])?;
            }
            DeliveryResult::Failed { error } => {
                done.execute(params![g, o.id, "failed", None::<String>, error])?;
            }
            DeliveryResult::Dead { error, registration: used } => {
                done.execute(params![g, o.id, "dead", None::<String>, error])?;
                if registration(tx, g, &o.device_id)?.as_ref() == Some(used) {
                    tx.prepare_cached("DELETE FROM push_registrations WHERE gmina = ?1 AND device_id = ?2")?
                        .execute(params![g, o.device_id])?;
                    audit(
                        tx,
                        g,
                        &Actor("system:push".into()),
                        now,
                        "push.dead_token",
                        "device",
                        Some(&o.device_id),
                        json!({ "transport": used.transport().as_str(), "delivery": o.id }),
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn schedule_deliveries(
    tx: &Transaction<'_>,
    g: &str,
    id: i64,
    job: fn(i64, DateTime<Utc>) -> NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<DateTime<Utc>>> {
    let next: Option<String> = tx
        .prepare_cached(
            "SELECT MIN(not_before) FROM notification_deliveries
             WHERE gmina = ?1 AND notification = ?2 AND status IN ('pending', 'sending')",
        )?
        .query_row(params![g, id], |r| r.get(0))?;
    let Some(next) = next else { return Ok(None) };
    let at = parse_ts(&next)?;
    enqueue_at(tx, g, &job(id, at), now, at.max(now))?;
    Ok(Some(at))
}

fn feed(c: &Connection, g: &str, device: &str, after: i64, limit: u32) -> StoreResult<(Vec<(i64, FeedItem)>, bool)> {
    let mut st = c.prepare_cached(&format!(
        "SELECT d.id, d.read_at IS NOT NULL, COALESCE(n.sent_at, n.created_at), {NOTIFICATION_COLUMNS}
         FROM notification_deliveries d JOIN notifications n ON n.gmina = d.gmina AND n.id = d.notification
         WHERE d.gmina = ?1 AND d.device_id = ?2 AND d.id > ?3 ORDER BY d.id LIMIT ?4"
    ))?;
    let mut items = st
        .query_map(params![g, device, after, i64::from(limit) + 1], |r| {
            let (cursor, read): (i64, bool) = (r.get(0)?, r.get(1)?);
            let sent_at = parse_ts(&r.get::<_, String>(2)?)?;
            let n = notification_at(r, 3)?;
            Ok((
                cursor,
                FeedItem {
                    id: n.id,
                    class: n.class,
                    topic: n.target.topic,
                    title: n.title,
                    body: n.body,
                    link: n.link,
                    sent_at,
                    read,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    Ok((items, more))
}

#[async_trait]
impl NotificationStore for SqliteStore {
    async fn put_subscription(&self, device: &str, sub: Subscription, now: DateTime<Utc>) -> StoreResult<()> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| put_subscription(tx, &g, &device, &sub, now)).await
    }

    async fn subscription(&self, device: &str) -> StoreResult<Option<Subscription>> {
        let (g, device) = (self.scope(), device.to_owned());
        self.read(move |c| {
            let data: Option<String> = c
                .prepare_cached("SELECT data FROM notification_subscriptions WHERE gmina = ?1 AND device_id = ?2")?
                .query_row(params![g, device], |r| r.get(0))
                .optional()?;
            Ok(match data {
                Some(d) => Some(serde_json::from_str(&d)?),
                None => None,
            })
        })
        .await
    }

    async fn put_push_registration(&self, device: &str, reg: PushRegistration, now: DateTime<Utc>) -> StoreResult<()> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO push_registrations (device_id, gmina, transport, data, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (device_id) DO UPDATE SET transport = excluded.transport, data = excluded.data,
                                                       updated_at = excluded.updated_at",
            )?
            .execute(params![device, g, reg.transport().as_str(), serde_json::to_string(&reg)?, ts(now)])?;
            Ok(())
        })
        .await
    }

    async fn delete_push_registration(&self, device: &str) -> StoreResult<bool> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| {
            Ok(tx
                .prepare_cached("DELETE FROM push_registrations WHERE gmina = ?1 AND device_id = ?2")?
                .execute(params![g, device])?
                > 0)
        })
        .await
    }

    async fn push_registration(&self, device: &str) -> StoreResult<Option<PushRegistration>> {
        let (g, device) = (self.scope(), device.to_owned());
        self.read(move |c| registration(c, &g, &device)).await
    }

    async fn drop_dead_registration(&self, device: &str, reg: &PushRegistration) -> StoreResult<bool> {
        let (g, device, reg) = (self.scope(), device.to_owned(), reg.clone());
        self.write(move |tx| {
            if registration(tx, &g, &device)?.as_ref() != Some(&reg) {
                return Ok(false);
            }
            tx.prepare_cached("DELETE FROM push_registrations WHERE gmina = ?1 AND device_id = ?2")?.execute(params![g, device])?;
            Ok(true)
        })
        .await
    }

    async fn create_notification(&self, actor: Actor, n: NewNotification) -> StoreResult<i64> {
        let g = self.scope();
        let id = self.write(move |tx| create_notification(tx, &g, &actor, &n)).await?;
        // Its fan-out job is due (now, or at its time: the worker wakes to
        // sleep until then).
        self.shared.jobs_ready.notify_one();
        Ok(id)
    }

    async fn create_notification_once(&self, actor: Actor, n: NewNotification, key: IdempotencyKey) -> StoreResult<(i64, bool)> {
        let g = self.scope();
        let created = self.write(move |tx| {
            // In the write's transaction, so two racing posts cannot both create.
            if let Some(stored) = super::devices::replay(tx, &g, &key)? {
                return Ok((stored.body.parse().map_err(|_| bad("idempotent answer"))?, false));
            }
            let id = create_notification(tx, &g, &actor, &n)?;
            super::devices::remember(tx, &g, &key, &StoredResponse::created(id.to_string()))?;
            Ok((id, true))
        })
        .await?;
        self.shared.jobs_ready.notify_one();
        Ok(created)
    }

    async fn notification(&self, id: i64) -> StoreResult<Option<StoredNotification>> {
        let g = self.scope();
        self.read(move |c| get_notification(c, &g, id)).await
    }

    async fn notifications(&self, limit: u32) -> StoreResult<Vec<StoredNotification>> {
        let g = self.scope();
        self.read(move |c| {
            let mut list = c
                .prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.gmina = ?1 AND n.report IS NULL
                     ORDER BY n.id DESC LIMIT ?2"
                ))?
                .query_map(params![g, limit], notification_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for n in &mut list {
                n.counts = counts(c, n.id)?;
            }
            Ok(list)
        })
        .await
    }

    async fn cancel_notification(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let g = self.scope();
        self.write(move |tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE notifications SET status = 'cancelled' WHERE gmina = ?1 AND id = ?2 AND status = 'scheduled'",
                )?
                .execute(params![g, id])?
                > 0;
            if changed {
                audit(tx, &g, &actor, now, "notification.cancel", "notification", Some(&id.to_string()), json!({}))?;
            }
            Ok(changed)
        })
        .await
    }

    async fn candidates(&self, target: &Target, report: Option<i64>) -> StoreResult<Vec<Candidate>> {
        let (g, target) = (self.scope(), target.clone());
        self.read(move |c| candidates(c, &g, &target, report)).await
    }

    async fn fan_out(&self, id: i64, recipients: Vec<Recipient>, now: DateTime<Utc>) -> StoreResult<FanOut> {
        let g = self.scope();
        self.write(move |tx| fan_out(tx, &g, id, &recipients, now)).await
    }

    async fn claim_deliveries(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let g = self.scope();
        self.write(move |tx| claim_deliveries(tx, &g, id, now, lease_until, limit)).await
    }

    async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| record_deliveries(tx, &g, &outcomes, now)).await
    }

    async fn schedule_deliveries(
        &self,
        id: i64,
        job: fn(i64, DateTime<Utc>) -> NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let g = self.scope();
        let at = self.write(move |tx| schedule_deliveries(tx, &g, id, job, now)).await?;
        if at.is_some() {
            self.shared.jobs_ready.notify_one();
        }
        Ok(at)
    }

    async fn feed(&self, device: &str, after: i64, limit: u32) -> StoreResult<(Vec<(i64, FeedItem)>, bool)> {
        let (g, device) = (self.scope(), device.to_owned());
        self.read(move |c| feed(c, &g, &device, after, limit)).await
    }

    async fn mark_read(&self, device: &str, ids: Vec<i64>, now: DateTime<Utc>) -> StoreResult<u32> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| {
            let mut st = tx.prepare_cached(
                "UPDATE notification_deliveries SET read_at = ?4
                 WHERE gmina = ?1 AND device_id = ?2 AND notification = ?3 AND read_at IS NULL",
            )?;
            let mut n = 0;
            for id in ids {
                n += st.execute(params![g, device, id, ts(now)])? as u32;
            }
            Ok(n)
        })
        .await
    }
}
