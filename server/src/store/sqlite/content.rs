//! Public content: news, events and their categories, the gmina and its
//! localities. Each write publishes the entity to the sync log and records
//! the official's change in the audit log, in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::events::{Event, EventCategory, EventInput};
use mm_protocol::gmina::{Gmina, Locality};
use mm_protocol::news::{News, NewsInput, Priority};
use mm_protocol::sync::{Collection, Item};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::publish::{audit, get_setting, publish, set_setting, tombstone};
use super::{SqliteStore, parse_ts, ts};
use crate::demo::DemoData;
use crate::store::{Actor, Conflict, ContentStore, StoreError, StoreResult, Tenancy};

const DEMO_LOADED: &str = "demo_loaded";

fn priority(s: &str) -> Priority {
    match s {
        "alert" => Priority::Alert,
        "important" => Priority::Important,
        _ => Priority::Normal,
    }
}

fn news_row(r: &Row<'_>) -> rusqlite::Result<News> {
    Ok(News {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        priority: priority(&r.get::<_, String>(3)?),
        published_at: parse_ts(&r.get::<_, String>(4)?)?,
        expires_at: r
            .get::<_, Option<String>>(5)?
            .map(|s| parse_ts(&s))
            .transpose()?,
        updated_at: parse_ts(&r.get::<_, String>(6)?)?,
    })
}

const NEWS_COLUMNS: &str = "id, title, body, priority, published_at, expires_at, updated_at";

fn get_news(c: &Connection, g: &str, id: i64) -> StoreResult<Option<News>> {
    Ok(c.query_row(
        &format!("SELECT {NEWS_COLUMNS} FROM news WHERE id = ?1 AND gmina = ?2"),
        params![id, g],
        news_row,
    )
    .optional()?)
}

fn write_news(
    tx: &Transaction<'_>,
    g: &str,
    id: Option<i64>,
    input: NewsInput,
    now: DateTime<Utc>,
) -> StoreResult<News> {
    let published_at = input.published_at.unwrap_or(now);
    let values = params![
        input.title,
        input.body,
        input.priority.as_str(),
        ts(published_at),
        input.expires_at.map(ts),
        ts(now),
        g
    ];
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO news (title, body, priority, published_at, expires_at, updated_at, gmina)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                values,
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            let n = tx.execute(
                "UPDATE news SET title = ?1, body = ?2, priority = ?3, published_at = ?4, expires_at = ?5,
                 updated_at = ?6 WHERE gmina = ?7 AND id = ?8",
                rusqlite::params_from_iter(values.iter().copied().chain([&id as &dyn rusqlite::ToSql])),
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let news = get_news(tx, g, id)?.ok_or(StoreError::NotFound)?;
    publish(tx, g, &Item::News(news.clone()))?;
    Ok(news)
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<String> {
    r.get(0)
}

fn decode_event(data: String) -> StoreResult<Event> {
    Ok(serde_json::from_str(&data)?)
}

fn get_event(c: &Connection, g: &str, id: i64) -> StoreResult<Option<Event>> {
    c.query_row("SELECT data FROM events WHERE id = ?1 AND gmina = ?2", params![id, g], event_row)
        .optional()?
        .map(decode_event)
        .transpose()
}

fn category_exists(c: &Connection, g: &str, id: &str) -> StoreResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM event_categories WHERE gmina = ?1 AND id = ?2)",
        [g, id],
        |r| r.get(0),
    )?)
}

fn write_event(
    tx: &Transaction<'_>,
    g: &str,
    id: Option<i64>,
    input: EventInput,
    now: DateTime<Utc>,
) -> StoreResult<Event> {
    if let Some(cat) = &input.category
        && !category_exists(tx, g, cat)?
    {
        return Err(StoreError::UnknownReference { field: "category" });
    }
    let id = match id {
        None => {
            // The id is assigned first; the JSON that carries it follows.
            tx.execute(
                "INSERT INTO events (gmina, category, starts_at, data) VALUES (?1, ?2, ?3, '{}')",
                params![g, input.category, ts(input.starts_at)],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            if get_event(tx, g, id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let event = input.into_event(id, now);
    tx.execute(
        "UPDATE events SET category = ?1, starts_at = ?2, data = ?3 WHERE id = ?4 AND gmina = ?5",
        params![
            event.category,
            ts(event.starts_at),
            serde_json::to_string(&event)?,
            id,
            g
        ],
    )?;
    publish(tx, g, &Item::Events(event.clone()))?;
    Ok(event)
}

fn write_category(tx: &Transaction<'_>, g: &str, c: &EventCategory) -> StoreResult<()> {
    if category_exists(tx, g, &c.id)? {
        return Err(StoreError::Conflict(Conflict::CategoryExists));
    }
    tx.execute(
        "INSERT INTO event_categories (gmina, id, name_pl, name_en) VALUES (?1, ?2, ?3, ?4)",
        params![g, c.id, c.name_pl, c.name_en],
    )?;
    publish(tx, g, &Item::EventCategories(c.clone()))?;
    Ok(())
}

#[async_trait]
impl ContentStore for SqliteStore {
    async fn list_news(&self) -> StoreResult<Vec<News>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {NEWS_COLUMNS} FROM news WHERE gmina = ?1 ORDER BY published_at DESC, id DESC"
            ))?;
            Ok(stmt.query_map([g], news_row)?.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn get_news(&self, id: i64) -> StoreResult<Option<News>> {
        let g = self.scope();
        self.read(move |c| get_news(c, &g, id)).await
    }

    async fn create_news(
        &self,
        actor: Actor,
        input: NewsInput,
        now: DateTime<Utc>,
    ) -> StoreResult<News> {
        let g = self.scope();
        self.write(move |tx| {
            let news = write_news(tx, &g, None, input, now)?;
            if let Some(n) = crate::notifications::news::notification_for(&news, now) {
                super::notifications::create_notification(tx, &g, &actor, &n)?;
            }
            audit(
                tx,
                &g,
                &actor,
                now,
                "news.create",
                "news",
                Some(&news.id.to_string()),
                json!({"title": news.title}),
            )?;
            Ok(news)
        })
        .await
    }

    async fn update_news(
        &self,
        actor: Actor,
        id: i64,
        input: NewsInput,
        now: DateTime<Utc>,
    ) -> StoreResult<News> {
        let g = self.scope();
        self.write(move |tx| {
            let news = write_news(tx, &g, Some(id), input, now)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "news.update",
                "news",
                Some(&id.to_string()),
                json!({"title": news.title}),
            )?;
            Ok(news)
        })
        .await
    }

    async fn delete_news(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let old = get_news(tx, &g, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM news WHERE id = ?1 AND gmina = ?2", params![id, g])?;
            tombstone(tx, &g, Collection::News, &id.to_string())?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "news.delete",
                "news",
                Some(&id.to_string()),
                json!({"title": old.title}),
            )?;
            Ok(())
        })
        .await
    }

    async fn list_events(&self, category: Option<String>) -> StoreResult<Vec<Event>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT data FROM events WHERE gmina = ?1 AND (?2 IS NULL OR category = ?2) ORDER BY starts_at, id",
            )?;
            let rows = stmt
                .query_map(params![g, category], event_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(decode_event).collect()
        })
        .await
    }

    async fn get_event(&self, id: i64) -> StoreResult<Option<Event>> {
        let g = self.scope();
        self.read(move |c| get_event(c, &g, id)).await
    }

    async fn create_event(
        &self,
        actor: Actor,
        input: EventInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Event> {
        let g = self.scope();
        self.write(move |tx| {
            let e = write_event(tx, &g, None, input, now)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "event.create",
                "event",
                Some(&e.id.to_string()),
                json!({"title": e.title}),
            )?;
            Ok(e)
        })
        .await
    }

    async fn update_event(
        &self,
        actor: Actor,
        id: i64,
        input: EventInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Event> {
        let g = self.scope();
        self.write(move |tx| {
            let e = write_event(tx, &g, Some(id), input, now)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "event.update",
                "event",
                Some(&id.to_string()),
                json!({"title": e.title}),
            )?;
            Ok(e)
        })
        .await
    }

    async fn delete_event(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let old = get_event(tx, &g, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM events WHERE id = ?1 AND gmina = ?2", params![id, g])?;
            tombstone(tx, &g, Collection::Events, &id.to_string())?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "event.delete",
                "event",
                Some(&id.to_string()),
                json!({"title": old.title}),
            )?;
            Ok(())
        })
        .await
    }

    async fn list_categories(&self) -> StoreResult<Vec<EventCategory>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, name_pl, name_en FROM event_categories WHERE gmina = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([g], |r| {
                Ok(EventCategory {
                    id: r.get(0)?,
                    name_pl: r.get(1)?,
                    name_en: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn create_category(
        &self,
        actor: Actor,
        category: EventCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<EventCategory> {
        let g = self.scope();
        self.write(move |tx| {
            write_category(tx, &g, &category)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "event_category.create",
                "event_category",
                Some(&category.id),
                json!({"name_pl": category.name_pl, "name_en": category.name_en}),
            )?;
            Ok(category)
        })
        .await
    }

    async fn gmina(&self) -> StoreResult<(Option<Gmina>, Vec<Locality>)> {
        let g = self.scope();
        self.read(move |c| {
            // Only once its boundary and centre are known: the app checks
            // reports against them.
            let gmina = super::directory::get(c, &g)?.and_then(|r| {
                Some(Gmina {
                    id: "gmina".into(),
                    name: r.name,
                    teryt: r.teryt.to_string(),
                    boundary: r.boundary?,
                    center: r.center?,
                })
            });
            let mut stmt = c.prepare_cached("SELECT data FROM localities WHERE gmina = ?1 ORDER BY id")?;
            let rows = stmt
                .query_map([&g], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let localities = rows
                .iter()
                .map(|s| serde_json::from_str(s))
                .collect::<Result<_, _>>()?;
            Ok((gmina, localities))
        })
        .await
    }

    async fn load_demo(&self, data: DemoData, now: DateTime<Utc>) -> StoreResult<bool> {
        let teryt = self.gmina_scope().clone();
        let g = self.scope();
        self.write_then(move |tx| {
            // Remembered in settings so a restart with --demo does not duplicate.
            if get_setting(tx, &g, DEMO_LOADED)?.is_some() {
                return Ok(false);
            }
            // The demo's gmina is the handle's: its directory row gets the
            // demo's name, boundary and centre.
            let mut gmina = data.gmina.clone();
            gmina.teryt = g.clone();
            super::directory::put_demo_gmina(tx, &teryt, &gmina, now)?;
            publish(tx, &g, &Item::Gmina(gmina))?;
            for l in &data.localities {
                tx.execute(
                    "INSERT OR REPLACE INTO localities (gmina, id, data) VALUES (?1, ?2, ?3)",
                    params![g, l.id, serde_json::to_string(l)?],
                )?;
                publish(tx, &g, &Item::Localities(l.clone()))?;
            }
            for c in &data.categories {
                if !category_exists(tx, &g, &c.id)? {
                    write_category(tx, &g, c)?;
                }
            }
            let (events, news) = (data.events.len(), data.news.len());
            for e in data.events {
                write_event(tx, &g, None, e, now)?;
            }
            for n in data.news {
                write_news(tx, &g, None, n, now)?;
            }
            set_setting(tx, &g, DEMO_LOADED, &ts(now))?;
            audit(
                tx,
                &g,
                &Actor("demo".into()),
                now,
                "demo.load",
                "gmina",
                Some(&data.gmina.id),
                json!({"localities": data.localities.len(), "categories": data.categories.len(), "events": events, "news": news}),
            )?;
            Ok(true)
        }, self.reference_changed())
        .await
    }
}
