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
use crate::store::{Conflict, Actor, ContentStore, StoreError, StoreResult};

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

fn get_news(c: &Connection, id: i64) -> StoreResult<Option<News>> {
    Ok(c.query_row(
        &format!("SELECT {NEWS_COLUMNS} FROM news WHERE id = ?1"),
        [id],
        news_row,
    )
    .optional()?)
}

fn write_news(
    tx: &Transaction<'_>,
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
        ts(now)
    ];
    let id = match id {
        None => {
            tx.execute(
                "INSERT INTO news (title, body, priority, published_at, expires_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                values,
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            let n = tx.execute(
                "UPDATE news SET title = ?1, body = ?2, priority = ?3, published_at = ?4, expires_at = ?5,
                 updated_at = ?6 WHERE id = ?7",
                rusqlite::params_from_iter(values.iter().copied().chain([&id as &dyn rusqlite::ToSql])),
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let news = get_news(tx, id)?.ok_or(StoreError::NotFound)?;
    publish(tx, &Item::News(news.clone()))?;
    Ok(news)
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<String> {
    r.get(0)
}

fn decode_event(data: String) -> StoreResult<Event> {
    Ok(serde_json::from_str(&data)?)
}

fn get_event(c: &Connection, id: i64) -> StoreResult<Option<Event>> {
    c.query_row("SELECT data FROM events WHERE id = ?1", [id], event_row)
        .optional()?
        .map(decode_event)
        .transpose()
}

fn category_exists(c: &Connection, id: &str) -> StoreResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM event_categories WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

fn write_event(
    tx: &Transaction<'_>,
    id: Option<i64>,
    input: EventInput,
    now: DateTime<Utc>,
) -> StoreResult<Event> {
    if let Some(cat) = &input.category
        && !category_exists(tx, cat)?
    {
        return Err(StoreError::UnknownReference { field: "category" });
    }
    let id = match id {
        None => {
            // The id is assigned first; the JSON that carries it follows.
            tx.execute(
                "INSERT INTO events (category, starts_at, data) VALUES (?1, ?2, '{}')",
                params![input.category, ts(input.starts_at)],
            )?;
            tx.last_insert_rowid()
        }
        Some(id) => {
            if get_event(tx, id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let event = input.into_event(id, now);
    tx.execute(
        "UPDATE events SET category = ?1, starts_at = ?2, data = ?3 WHERE id = ?4",
        params![
            event.category,
            ts(event.starts_at),
            serde_json::to_string(&event)?,
            id
        ],
    )?;
    publish(tx, &Item::Events(event.clone()))?;
    Ok(event)
}

fn write_category(tx: &Transaction<'_>, c: &EventCategory) -> StoreResult<()> {
    if category_exists(tx, &c.id)? {
        return Err(StoreError::Conflict(Conflict::CategoryExists));
    }
    tx.execute(
        "INSERT INTO event_categories (id, name_pl, name_en) VALUES (?1, ?2, ?3)",
        params![c.id, c.name_pl, c.name_en],
    )?;
    publish(tx, &Item::EventCategories(c.clone()))?;
    Ok(())
}

#[async_trait]
impl ContentStore for SqliteStore {
    async fn list_news(&self) -> StoreResult<Vec<News>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {NEWS_COLUMNS} FROM news ORDER BY published_at DESC, id DESC"
            ))?;
            Ok(stmt.query_map([], news_row)?.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn get_news(&self, id: i64) -> StoreResult<Option<News>> {
        self.read(move |c| get_news(c, id)).await
    }

    async fn create_news(
        &self,
        actor: Actor,
        input: NewsInput,
        now: DateTime<Utc>,
    ) -> StoreResult<News> {
        self.write(move |tx| {
            let news = write_news(tx, None, input, now)?;
            audit(
                tx,
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
        self.write(move |tx| {
            let news = write_news(tx, Some(id), input, now)?;
            audit(
                tx,
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
        self.write(move |tx| {
            let old = get_news(tx, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM news WHERE id = ?1", [id])?;
            tombstone(tx, Collection::News, &id.to_string())?;
            audit(
                tx,
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
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT data FROM events WHERE ?1 IS NULL OR category = ?1 ORDER BY starts_at, id",
            )?;
            let rows = stmt
                .query_map([category], event_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(decode_event).collect()
        })
        .await
    }

    async fn get_event(&self, id: i64) -> StoreResult<Option<Event>> {
        self.read(move |c| get_event(c, id)).await
    }

    async fn create_event(
        &self,
        actor: Actor,
        input: EventInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Event> {
        self.write(move |tx| {
            let e = write_event(tx, None, input, now)?;
            audit(
                tx,
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
        self.write(move |tx| {
            let e = write_event(tx, Some(id), input, now)?;
            audit(
                tx,
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
        self.write(move |tx| {
            let old = get_event(tx, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM events WHERE id = ?1", [id])?;
            tombstone(tx, Collection::Events, &id.to_string())?;
            audit(
                tx,
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
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT id, name_pl, name_en FROM event_categories ORDER BY id")?;
            let rows = stmt.query_map([], |r| {
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
        self.write(move |tx| {
            write_category(tx, &category)?;
            audit(
                tx,
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
        self.read(|c| {
            let gmina: Option<String> = c
                .query_row("SELECT data FROM gmina LIMIT 1", [], |r| r.get(0))
                .optional()?;
            let gmina = gmina.map(|s| serde_json::from_str(&s)).transpose()?;
            let mut stmt = c.prepare_cached("SELECT data FROM localities ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
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
        self.write_then(move |tx| {
            // Remembered in settings so a restart with --demo does not duplicate.
            if get_setting(tx, DEMO_LOADED)?.is_some() {
                return Ok(false);
            }
            tx.execute(
                "INSERT OR REPLACE INTO gmina (id, data) VALUES (?1, ?2)",
                params![data.gmina.id, serde_json::to_string(&data.gmina)?],
            )?;
            publish(tx, &Item::Gmina(data.gmina.clone()))?;
            for l in &data.localities {
                tx.execute(
                    "INSERT OR REPLACE INTO localities (id, data) VALUES (?1, ?2)",
                    params![l.id, serde_json::to_string(l)?],
                )?;
                publish(tx, &Item::Localities(l.clone()))?;
            }
            for c in &data.categories {
                if !category_exists(tx, &c.id)? {
                    write_category(tx, c)?;
                }
            }
            let (events, news) = (data.events.len(), data.news.len());
            for e in data.events {
                write_event(tx, None, e, now)?;
            }
            for n in data.news {
                write_news(tx, None, n, now)?;
            }
            set_setting(tx, DEMO_LOADED, &ts(now))?;
            audit(
                tx,
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
