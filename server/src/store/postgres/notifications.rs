//! The notifications' tables on PostgreSQL, as `store/sqlite/notifications.rs`.
//! A gmina's fan-outs take a transaction-level advisory lock, so the
//! delivery ids of one device (its feed's cursor) commit in order: a feed
//! read never skips a delivery committed after a later id.

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::geo::GeoPoint;
use mm_protocol::notifications::{
    Area, FeedItem, Link, NotificationClass, PushRegistration, QuietHours, Subscription, Target, Topic,
};
use serde_json::json;
use tokio_postgres::Row;

use super::jobs::enqueue_at;
use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, parse_time, ts, write_tx};
use crate::store::jobs::NewJob;
use crate::store::notifications::{
    Candidate, ClaimedDelivery, DeliveryCounts, DeliveryOutcome, DeliveryResult, FanOut, NewNotification,
    NotificationStatus, NotificationStore, Recipient, StoredNotification, WELCOME_FEED_DAYS, WELCOME_FEED_MAX,
};
use crate::store::{Actor, IdempotencyKey, StoreError, StoreResult, StoredResponse};

fn bad(what: &str) -> StoreError {
    StoreError::backend(format!("a stored {what} does not parse"))
}

fn class_str(c: NotificationClass) -> &'static str {
    match c {
        NotificationClass::Alert => "alert",
        NotificationClass::Normal => "normal",
    }
}

fn parse_class(s: &str) -> StoreResult<NotificationClass> {
    match s {
        "alert" => Ok(NotificationClass::Alert),
        "normal" => Ok(NotificationClass::Normal),
        _ => Err(bad("class")),
    }
}

fn time_str(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn parse_clock(s: &str) -> StoreResult<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S").map_err(|_| bad("time"))
}

const NOTIFICATION_COLUMNS: &str = "n.id, n.class, n.topic, n.event_category, n.title, n.body, n.link, n.areas, n.send_at, \
     n.status, n.recipients, n.sent_at, n.created_by, n.created_at, n.report";

/// A notification from [`NOTIFICATION_COLUMNS`] starting at column `at`.
fn notification_at(r: &Row, at: usize) -> StoreResult<StoredNotification> {
    let topic: String = r.get(at + 2);
    let link: Option<String> = r.get(at + 6);
    let areas: String = r.get(at + 7);
    let status: String = r.get(at + 9);
    let recipients: Option<i64> = r.get(at + 10);
    Ok(StoredNotification {
        id: r.get(at),
        class: parse_class(&r.get::<_, String>(at + 1))?,
        target: Target {
            topic: Topic::parse(&topic).ok_or_else(|| bad("topic"))?,
            event_category: r.get(at + 3),
            areas: serde_json::from_str(&areas).map_err(|_| bad("areas"))?,
        },
        title: r.get(at + 4),
        body: r.get(at + 5),
        link: link.map(|l| serde_json::from_str::<Link>(&l)).transpose().map_err(|_| bad("link"))?,
        send_at: parse_time(&r.get::<_, String>(at + 8))?,
        status: NotificationStatus::parse(&status).ok_or_else(|| bad("status"))?,
        recipients: recipients.map(|n| n as u32),
        sent_at: opt_time(r.get(at + 11))?,
        created_by: r.get(at + 12),
        created_at: parse_time(&r.get::<_, String>(at + 13))?,
        report: r.get(at + 14),
        counts: DeliveryCounts::default(),
    })
}

async fn counts(c: &impl GenericClient, id: i64) -> StoreResult<DeliveryCounts> {
    let st = c
        .prepare_cached(
            "SELECT status, COUNT(*), COUNT(read_at) FROM notification_deliveries WHERE notification = $1 GROUP BY status",
        )
        .await?;
    let mut out = DeliveryCounts::default();
    for row in c.query(&st, &[&id]).await? {
        let (status, n, read): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        out.add(&status, n as u32, read as u32);
    }
    Ok(out)
}

async fn registration(c: &impl GenericClient, g: &str, device: &str, lock: &str) -> StoreResult<Option<PushRegistration>> {
    let st = c
        .prepare_cached(&format!("SELECT data FROM push_registrations WHERE gmina = $1 AND device_id = $2 {lock}"))
        .await?;
    match c.query_opt(&st, &[&g, &device]).await? {
        Some(row) => Ok(Some(serde_json::from_str(&row.get::<_, String>(0))?)),
        None => Ok(None),
    }
}

async fn put_subscription(tx: &Tx<'_>, g: &str, device: &str, sub: &Subscription, now: DateTime<Utc>) -> StoreResult<()> {
    let c = &tx.c;
    c.execute("DELETE FROM notification_subscriptions WHERE device_id = $1", &[&device]).await?;
    let st = c
        .prepare_cached(
            "INSERT INTO notification_subscriptions (device_id, gmina, data, quiet_from, quiet_to, whole_gmina, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await?;
    c.execute(
        &st,
        &[
            &device,
            &g,
            &serde_json::to_string(sub)?,
            &sub.quiet_hours.map(|q| time_str(q.from)),
            &sub.quiet_hours.map(|q| time_str(q.to)),
            &sub.areas.is_empty(),
            &ts(now),
        ],
    )
    .await?;
    let mut topics: Vec<&str> = sub.topics.iter().map(|t| t.as_str()).collect();
    topics.push(Topic::Alerts.as_str());
    topics.sort_unstable();
    topics.dedup();
    c.execute(
        "INSERT INTO notification_subscription_topics (device_id, topic) SELECT $1, t FROM UNNEST($2::TEXT[]) AS u (t)",
        &[&device, &topics],
    )
    .await?;
    let mut categories = sub.event_categories.clone();
    categories.sort_unstable();
    categories.dedup();
    c.execute(
        "INSERT INTO notification_subscription_categories (device_id, category) SELECT $1, k FROM UNNEST($2::TEXT[]) AS u (k)",
        &[&device, &categories],
    )
    .await?;
    for (n, a) in sub.areas.iter().enumerate() {
        let n = n as i32;
        match *a {
            Area::Locality { id } => {
                c.execute(
                    "INSERT INTO notification_subscription_areas (device_id, n, kind, locality) VALUES ($1, $2, 'locality', $3)",
                    &[&device, &n, &id],
                )
                .await?
            }
            Area::Around { point, radius_m } => {
                c.execute(
                    "INSERT INTO notification_subscription_areas (device_id, n, kind, lat, lon, radius_m)
                     VALUES ($1, $2, 'around', $3, $4, $5)",
                    &[&device, &n, &point.lat, &point.lon, &(radius_m as i32)],
                )
                .await?
            }
        };
    }
    Ok(())
}

async fn candidates(c: &impl GenericClient, g: &str, target: &Target, report: Option<i64>) -> StoreResult<Vec<Candidate>> {
    if let Some(report) = report {
        return report_candidates(c, g, report).await;
    }
    // As SQLite's (`sqlite/notifications.rs` `candidates`, indexes in
    // 0013); a device's area rows may come apart here, so they are
    // gathered by device.
    let with_areas = !target.areas.is_empty();
    let (area_columns, area_join) = if with_areas {
        ("a.kind, a.locality, a.lat, a.lon, a.radius_m", "LEFT JOIN notification_subscription_areas a ON NOT s.whole_gmina AND a.device_id = s.device_id")
    } else {
        ("NULL::TEXT, NULL::BIGINT, NULL::DOUBLE PRECISION, NULL::DOUBLE PRECISION, NULL::INTEGER", "")
    };
    let st = c
        .prepare_cached(&format!(
            "SELECT s.device_id, s.whole_gmina, s.quiet_from, s.quiet_to, {area_columns}
             FROM notification_subscriptions s
             JOIN notification_subscription_topics t ON t.device_id = s.device_id AND t.topic = $2
             {area_join}
             WHERE s.gmina = $1
               AND ($2 <> 'events' OR $3::TEXT IS NULL
                    OR NOT EXISTS (SELECT 1 FROM notification_subscription_categories k WHERE k.device_id = s.device_id)
                    OR EXISTS (SELECT 1 FROM notification_subscription_categories k WHERE k.device_id = s.device_id AND k.category = $3))
             UNION ALL
             SELECT d.id, TRUE, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM devices d
             WHERE d.gmina = $1 AND NOT EXISTS (SELECT 1 FROM notification_subscriptions s WHERE s.device_id = d.id)"
        ))
        .await?;
    let topic = target.topic.as_str();
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in c.query(&st, &[&g, &topic, &target.event_category]).await? {
        let device_id: String = row.get(0);
        let area = match row.get::<_, Option<String>>(4).as_deref() {
            None => None,
            Some("locality") => Some(Area::Locality { id: row.get(5) }),
            Some("around") => Some(Area::Around {
                point: GeoPoint { lat: row.get(6), lon: row.get(7) },
                radius_m: row.get::<_, i32>(8) as u32,
            }),
            Some(_) => return Err(bad("area")),
        };
        if let Some(&i) = seen.get(&device_id) {
            out[i].areas.extend(area);
            continue;
        }
        let (from, to): (Option<String>, Option<String>) = (row.get(2), row.get(3));
        let quiet_hours = match (from, to) {
            (Some(f), Some(t)) => Some(QuietHours { from: parse_clock(&f)?, to: parse_clock(&t)? }),
            _ => None,
        };
        if area.is_some() {
            seen.insert(device_id.clone(), out.len());
        }
        out.push(Candidate { device_id, areas: area.into_iter().collect(), quiet_hours });
    }
    Ok(out)
}

/// A report's reporter (if it wants `my_reports`) and its other followers
/// (if they want `followed_reports`; none for a withheld report), the
/// whole gmina being their area (`NotificationStore::candidates`).
async fn report_candidates(c: &impl GenericClient, g: &str, report: i64) -> StoreResult<Vec<Candidate>> {
    let st = c
        .prepare_cached(
            "SELECT d.id, s.quiet_from, s.quiet_to FROM reports r
             JOIN devices d ON d.gmina = r.gmina
                  AND (d.id = r.device_id
                       OR (r.visibility <> 'hidden'
                           AND d.id IN (SELECT f.device_id FROM report_followers f WHERE f.report_id = r.id)))
             LEFT JOIN notification_subscriptions s ON s.device_id = d.id
             WHERE r.gmina = $1 AND r.id = $2
               AND (s.device_id IS NULL
                    OR EXISTS (SELECT 1 FROM notification_subscription_topics t WHERE t.device_id = d.id
                               AND t.topic = CASE WHEN d.id = r.device_id THEN 'my_reports' ELSE 'followed_reports' END))
             ORDER BY d.id",
        )
        .await?;
    let mut out = Vec::new();
    for row in c.query(&st, &[&g, &report]).await? {
        let (from, to): (Option<String>, Option<String>) = (row.get(1), row.get(2));
        let quiet_hours = match (from, to) {
            (Some(f), Some(t)) => Some(QuietHours { from: parse_clock(&f)?, to: parse_clock(&t)? }),
            _ => None,
        };
        out.push(Candidate { device_id: row.get(0), areas: Vec::new(), quiet_hours });
    }
    Ok(out)
}

/// A new device's welcome feed (`WELCOME_FEED_DAYS`), in the transaction
/// that registers it. Its delivery ids may interleave with a fan-out
/// committing meanwhile: harmless, the device has no cursor yet.
pub(super) async fn welcome_feed(tx: &Tx<'_>, g: &str, device: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO notification_deliveries (gmina, notification, device_id, transport, status, not_before)
             SELECT $1, id, $2, NULL, 'feed', sent_at FROM
                 (SELECT id, sent_at FROM notifications
                  WHERE gmina = $1 AND status = 'sent' AND report IS NULL AND sent_at >= $3
                  ORDER BY sent_at DESC, id DESC LIMIT $4) AS recent
             ORDER BY sent_at, id",
        )
        .await?;
    let since = ts(now - chrono::Duration::days(WELCOME_FEED_DAYS));
    tx.c.execute(&st, &[&g, &device, &since, &WELCOME_FEED_MAX]).await?;
    Ok(())
}

/// Also for an alert news item, in its own transaction (`content.rs`).
pub(super) async fn create_notification(tx: &Tx<'_>, g: &str, actor: &Actor, n: &NewNotification) -> StoreResult<i64> {
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO notifications (gmina, class, topic, event_category, title, body, link, areas, send_at, status,
                                        created_by, created_at, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, $12) RETURNING id",
        )
        .await?;
    let link = n.link.as_ref().map(serde_json::to_string).transpose()?;
    let row = tx
        .c
        .query_one(
            &st,
            &[
                &g,
                &class_str(n.class),
                &n.target.topic.as_str(),
                &n.target.event_category,
                &n.title,
                &n.body,
                &link,
                &serde_json::to_string(&n.target.areas)?,
                &ts(n.send_at),
                &actor.0,
                &ts(n.now),
                &n.report,
            ],
        )
        .await?;
    let id: i64 = row.get(0);
    enqueue_at(tx, g, &(n.fan_out_job)(id), n.now, n.send_at.max(n.now)).await?;
    // A report's notification is part of its status change, audited as
    // `report.status` in this transaction.
    if n.report.is_none() {
        let detail = json!({ "topic": n.target.topic.as_str(), "areas": n.target.areas.len() });
        audit(tx, g, actor, n.now, "notification.create", "notification", Some(&id.to_string()), detail).await?;
    }
    Ok(id)
}

async fn fan_out(tx: &Tx<'_>, g: &str, id: i64, recipients: &[Recipient], now: DateTime<Utc>) -> StoreResult<FanOut> {
    let c = &tx.c;
    // One fan-out of a gmina at a time: delivery ids commit in order.
    c.execute("SELECT pg_advisory_xact_lock(hashtext('mm_notifications:' || $1))", &[&g]).await?;
    let status: Option<String> = c
        .query_opt("SELECT status FROM notifications WHERE gmina = $1 AND id = $2 FOR UPDATE", &[&g, &id])
        .await?
        .map(|r| r.get(0));
    match status.as_deref().and_then(NotificationStatus::parse) {
        None => return Err(StoreError::NotFound),
        Some(NotificationStatus::Sent) => return Ok(FanOut::AlreadySent),
        Some(NotificationStatus::Cancelled) => return Ok(FanOut::Cancelled),
        Some(NotificationStatus::Scheduled) => {}
    }
    let devices: Vec<&str> = recipients.iter().map(|r| r.device_id.as_str()).collect();
    let not_before: Vec<String> = recipients.iter().map(|r| ts(r.not_before)).collect();
    // In the order given (`WITH ORDINALITY`), so ids follow it as on SQLite.
    let written = c
        .execute(
            "INSERT INTO notification_deliveries (gmina, notification, device_id, transport, status, not_before)
             SELECT $1, $2, d.id, r.transport, CASE WHEN r.transport IS NULL THEN 'feed' ELSE 'pending' END, u.not_before
             FROM UNNEST($3::TEXT[], $4::TEXT[]) WITH ORDINALITY AS u (device, not_before, k)
             JOIN devices d ON d.id = u.device AND d.gmina = $1
             LEFT JOIN push_registrations r ON r.device_id = d.id
             ORDER BY u.k
             ON CONFLICT (notification, device_id) DO NOTHING",
            &[&g, &id, &devices, &not_before],
        )
        .await? as u32;
    let to_push: i64 = c
        .query_one("SELECT COUNT(*) FROM notification_deliveries WHERE notification = $1 AND status = 'pending'", &[&id])
        .await?
        .get(0);
    c.execute(
        "UPDATE notifications SET status = 'sent', recipients = $3, sent_at = $4 WHERE gmina = $1 AND id = $2",
        &[&g, &id, &i64::from(written), &ts(now)],
    )
    .await?;
    Ok(FanOut::Sent { recipients: written, to_push: to_push as u32 })
}

async fn claim_deliveries(
    tx: &Tx<'_>,
    g: &str,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ClaimedDelivery>> {
    // `SKIP LOCKED`: senders on other instances claim other rows, none waits.
    let rows = tx
        .c
        .query(
            "WITH due AS (
                 SELECT id FROM notification_deliveries
                 WHERE gmina = $1 AND notification = $2 AND status IN ('pending', 'sending') AND not_before <= $3
                 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
             UPDATE notification_deliveries d SET status = 'sending', not_before = $5
             FROM due WHERE d.id = due.id
             RETURNING d.id, d.device_id, d.attempts,
                       (SELECT r.data FROM push_registrations r WHERE r.device_id = d.device_id AND r.gmina = d.gmina)",
            &[&g, &id, &ts(now), &i64::from(limit), &ts(lease_until)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let data: Option<String> = r.get(3);
        let registration = match data {
            Some(d) => Some(serde_json::from_str(&d)?),
            None => None,
        };
        out.push(ClaimedDelivery { id: r.get(0), device_id: r.get(1), attempts: r.get::<_, i32>(2) as u32, registration });
    }
    out.sort_by_key(|d| d.id);
    Ok(out)
}

async fn record_deliveries(tx: &Tx<'_>, g: &str, outcomes: &[DeliveryOutcome], now: DateTime<Utc>) -> StoreResult<()> {
    let c = &tx.c;
    let done = c
        .prepare_cached(
            "UPDATE notification_deliveries SET status = $3, delivered_at = $4, last_error = $5, attempts = attempts + 1
             WHERE gmina = $1 AND id = $2",
        )
        .await?;
    let retry = c
        .prepare_cached(
            "UPDATE notification_deliveries SET status = 'pending', not_before = $3, last_error = $4, attempts = attempts + 1
             WHERE gmina = $1 AND id = $2",
        )
        .await?;
    for o in outcomes {
        match &o.result {
            DeliveryResult::Delivered => {
                c.execute(&done, &[&g, &o.id, &"delivered", &Some(ts(now)), &None::<String>]).await?;
            }
            DeliveryResult::Retry { at, error } => {
                c.execute(&retry, &[&g, &o.id, &ts(*at), error]).await?;
            }
            DeliveryResult::Failed { error } => {
                c.execute(&done, &[&g, &o.id, &"failed", &None::<String>, error]).await?;
            }
            DeliveryResult::Dead { error, registration: used } => {
                c.execute(&done, &[&g, &o.id, &"dead", &None::<String>, error]).await?;
                if registration(c, g, &o.device_id, "FOR UPDATE").await?.as_ref() == Some(used) {
                    c.execute("DELETE FROM push_registrations WHERE gmina = $1 AND device_id = $2", &[&g, &o.device_id])
                        .await?;
                    audit(
                        tx,
                        g,
                        &Actor("system:push".into()),
                        now,
                        "push.dead_token",
                        "device",
                        Some(&o.device_id),
                        json!({ "transport": used.transport().as_str(), "delivery": o.id }),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}

async fn schedule_deliveries(
    tx: &Tx<'_>,
    g: &str,
    id: i64,
    job: fn(i64, DateTime<Utc>) -> NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<DateTime<Utc>>> {
    let next: Option<String> = tx
        .c
        .query_one(
            "SELECT MIN(not_before) FROM notification_deliveries
             WHERE gmina = $1 AND notification = $2 AND status IN ('pending', 'sending')",
            &[&g, &id],
        )
        .await?
        .get(0);
    let Some(next) = next else { return Ok(None) };
    let at = parse_time(&next)?;
    enqueue_at(tx, g, &job(id, at), now, at.max(now)).await?;
    Ok(Some(at))
}

#[async_trait]
impl NotificationStore for PostgresStore {
    async fn put_subscription(&self, device: &str, sub: Subscription, now: DateTime<Utc>) -> StoreResult<()> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| { put_subscription(tx, g, &device, &sub, now).await })
    }

    async fn subscription(&self, device: &str) -> StoreResult<Option<Subscription>> {
        let c = self.reader().await?;
        let row = c
            .query_opt("SELECT data FROM notification_subscriptions WHERE gmina = $1 AND device_id = $2", &[&self.scope(), &device])
            .await?;
        match row {
            Some(r) => Ok(Some(serde_json::from_str(&r.get::<_, String>(0))?)),
            None => Ok(None),
        }
    }

    async fn put_push_registration(&self, device: &str, reg: PushRegistration, now: DateTime<Utc>) -> StoreResult<()> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| {
            tx.c.execute(
                "INSERT INTO push_registrations (device_id, gmina, transport, data, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (device_id) DO UPDATE SET transport = excluded.transport, data = excluded.data,
                                                       updated_at = excluded.updated_at",
                &[&device, &g, &reg.transport().as_str(), &serde_json::to_string(&reg)?, &ts(now)],
            )
            .await?;
            Ok(())
        })
    }

    async fn delete_push_registration(&self, device: &str) -> StoreResult<bool> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| {
            Ok(tx.c.execute("DELETE FROM push_registrations WHERE gmina = $1 AND device_id = $2", &[&g, &device]).await? > 0)
        })
    }

    async fn push_registration(&self, device: &str) -> StoreResult<Option<PushRegistration>> {
        registration(&self.reader().await?, &self.scope(), device, "").await
    }

    async fn drop_dead_registration(&self, device: &str, reg: &PushRegistration) -> StoreResult<bool> {
        let (device, reg) = (device.to_owned(), reg.clone());
        write_tx!(self, |tx, g| {
            if registration(&tx.c, g, &device, "FOR UPDATE").await?.as_ref() != Some(&reg) {
                return Ok(false);
            }
            tx.c.execute("DELETE FROM push_registrations WHERE gmina = $1 AND device_id = $2", &[&g, &device]).await?;
            Ok(true)
        })
    }

    async fn create_notification(&self, actor: Actor, n: NewNotification) -> StoreResult<i64> {
        write_tx!(self, |tx, g| { create_notification(tx, g, &actor, &n).await })
    }

    async fn create_notification_once(&self, actor: Actor, n: NewNotification, key: IdempotencyKey) -> StoreResult<(i64, bool)> {
        write_tx!(self, |tx, g| {
            // `replay` takes the key's advisory lock: two racing posts cannot both create.
            if let Some(stored) = super::devices::replay(tx, g, &key).await? {
                return Ok((stored.body.parse().map_err(|_| bad("idempotent answer"))?, false));
            }
            let id = create_notification(tx, g, &actor, &n).await?;
            super::devices::remember(tx, g, &key, &StoredResponse::created(id.to_string())).await?;
            Ok((id, true))
        })
    }

    async fn notification(&self, id: i64) -> StoreResult<Option<StoredNotification>> {
        let c = self.reader().await?;
        let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.gmina = $1 AND n.id = $2");
        match c.query_opt(&sql, &[&self.scope(), &id]).await? {
            Some(row) => {
                let mut n = notification_at(&row, 0)?;
                n.counts = counts(&c, n.id).await?;
                Ok(Some(n))
            }
            None => Ok(None),
        }
    }

    async fn notifications(&self, limit: u32) -> StoreResult<Vec<StoredNotification>> {
        let c = self.reader().await?;
        let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.gmina = $1 AND n.report IS NULL \
             ORDER BY n.id DESC LIMIT $2");
        let mut out = Vec::new();
        for row in c.query(&sql, &[&self.scope(), &i64::from(limit)]).await? {
            let mut n = notification_at(&row, 0)?;
            n.counts = counts(&c, n.id).await?;
            out.push(n);
        }
        Ok(out)
    }

    async fn cancel_notification(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        write_tx!(self, |tx, g| {
            let changed = tx
                .c
                .execute(
                    "UPDATE notifications SET status = 'cancelled' WHERE gmina = $1 AND id = $2 AND status = 'scheduled'",
                    &[&g, &id],
                )
                .await?
                > 0;
            if changed {
                audit(tx, g, &actor, now, "notification.cancel", "notification", Some(&id.to_string()), json!({})).await?;
            }
            Ok(changed)
        })
    }

    async fn candidates(&self, target: &Target, report: Option<i64>) -> StoreResult<Vec<Candidate>> {
        candidates(&self.reader().await?, &self.scope(), target, report).await
    }

    async fn fan_out(&self, id: i64, recipients: Vec<Recipient>, now: DateTime<Utc>) -> StoreResult<FanOut> {
        write_tx!(self, |tx, g| { fan_out(tx, g, id, &recipients, now).await })
    }

    async fn claim_deliveries(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        write_tx!(self, |tx, g| { claim_deliveries(tx, g, id, now, lease_until, limit).await })
    }

    async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| { record_deliveries(tx, g, &outcomes, now).await })
    }

    async fn schedule_deliveries(
        &self,
        id: i64,
        job: fn(i64, DateTime<Utc>) -> NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        write_tx!(self, |tx, g| { schedule_deliveries(tx, g, id, job, now).await })
    }

    async fn feed(&self, device: &str, after: i64, limit: u32) -> StoreResult<(Vec<(i64, FeedItem)>, bool)> {
        let c = self.reader().await?;
        let sql = format!(
            "SELECT d.id, d.read_at IS NOT NULL, COALESCE(n.sent_at, n.created_at), {NOTIFICATION_COLUMNS}
             FROM notification_deliveries d JOIN notifications n ON n.gmina = d.gmina AND n.id = d.notification
             WHERE d.gmina = $1 AND d.device_id = $2 AND d.id > $3 ORDER BY d.id LIMIT $4"
        );
        let rows = c.query(&sql, &[&self.scope(), &device, &after, &(i64::from(limit) + 1)]).await?;
        let mut items = Vec::new();
        for r in rows.iter().take(limit as usize) {
            let n = notification_at(r, 3)?;
            let item = FeedItem {
                id: n.id,
                class: n.class,
                topic: n.target.topic,
                title: n.title,
                body: n.body,
                link: n.link,
                sent_at: parse_time(&r.get::<_, String>(2))?,
                read: r.get(1),
            };
            items.push((r.get::<_, i64>(0), item));
        }
        Ok((items, rows.len() > limit as usize))
    }

    async fn mark_read(&self, device: &str, ids: Vec<i64>, now: DateTime<Utc>) -> StoreResult<u32> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| {
            Ok(tx
                .c
                .execute(
                    "UPDATE notification_deliveries SET read_at = $4
                     WHERE gmina = $1 AND device_id = $2 AND notification = ANY($3) AND read_at IS NULL",
                    &[&g, &device, &ids, &ts(now)],
                )
                .await? as u32)
        })
    }
}
