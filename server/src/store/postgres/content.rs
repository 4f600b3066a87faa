//! Public content: news, events and their categories, the gmina and its
//! localities, as `store/sqlite/content.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::events::{Event, EventCategory, EventInput};
use mm_protocol::gmina::{Gmina, Locality};
use mm_protocol::news::{News, NewsInput, Priority};
use mm_protocol::sync::{Collection, Item};
use serde_json::json;
use tokio_postgres::Row;

use super::publish::{self, audit, get_setting, publish, set_setting, tombstone};
use super::{PostgresStore, Tx, opt_time, parse_time, ts, write_tx};
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

fn news_row(r: &Row) -> StoreResult<News> {
    Ok(News {
        id: r.get(0),
        title: r.get(1),
        body: r.get(2),
        priority: priority(r.get(3)),
        published_at: parse_time(r.get(4))?,
        expires_at: opt_time(r.get(5))?,
        updated_at: parse_time(r.get(6))?,
    })
}

const NEWS_COLUMNS: &str = "id, title, body, priority, published_at, expires_at, updated_at";

async fn get_news(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<News>> {
    c.query_opt(&format!("SELECT {NEWS_COLUMNS} FROM news WHERE id = $1 AND gmina = $2"), &[&id, &g]).await?.as_ref().map(news_row).transpose()
}

async fn write_news(tx: &Tx<'_>, g: &str, id: Option<i64>, input: NewsInput, now: DateTime<Utc>) -> StoreResult<News> {
    let published_at = ts(input.published_at.unwrap_or(now));
    let (priority, expires_at, updated_at) = (input.priority.as_str(), input.expires_at.map(ts), ts(now));
    let id = match id {
        None => tx
            .c
            .query_one(
                "INSERT INTO news (title, body, priority, published_at, expires_at, updated_at, gmina)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&input.title, &input.body, &priority, &published_at, &expires_at, &updated_at, &g],
            )
            .await?
            .get(0),
        Some(id) => {
            let n = tx
                .c
                .execute(
                    "UPDATE news SET title = $1, body = $2, priority = $3, published_at = $4, expires_at = $5,
                     updated_at = $6 WHERE gmina = $7 AND id = $8",
                    &[&input.title, &input.body, &priority, &published_at, &expires_at, &updated_at, &g, &id],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let news = get_news(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
    publish(tx, g, &Item::News(news.clone())).await?;
    Ok(news)
}

async fn get_event(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<Event>> {
    let row = c.query_opt("SELECT data FROM events WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
    Ok(row.map(|r| serde_json::from_str::<Event>(r.get(0))).transpose()?)
}

async fn category_exists(c: &impl GenericClient, g: &str, id: &str) -> StoreResult<bool> {
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM event_categories WHERE gmina = $1 AND id = $2)", &[&g, &id]).await?.get(0))
}

async fn write_event(tx: &Tx<'_>, g: &str, id: Option<i64>, input: EventInput, now: DateTime<Utc>) -> StoreResult<Event> {
    if let Some(cat) = &input.category
        && !category_exists(&tx.c, g, cat).await?
    {
        return Err(StoreError::UnknownReference { field: "category" });
    }
    let id = match id {
        // The id is assigned first; the JSON that carries it follows.
        None => tx
            .c
            .query_one(
                "INSERT INTO events (gmina, category, starts_at, data) VALUES ($1, $2, $3, '{}') RETURNING id",
                &[&g, &input.category, &ts(input.starts_at)],
            )
            .await?
            .get(0),
        Some(id) => {
            if get_event(&tx.c, g, id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    let event = input.into_event(id, now);
    tx.c.execute(
        "UPDATE events SET category = $1, starts_at = $2, data = $3 WHERE id = $4 AND gmina = $5",
        &[&event.category, &ts(event.starts_at), &serde_json::to_string(&event)?, &id, &g],
    )
    .await?;
    publish(tx, g, &Item::Events(event.clone())).await?;
    Ok(event)
}

async fn write_category(tx: &Tx<'_>, g: &str, c: &EventCategory) -> StoreResult<()> {
    if category_exists(&tx.c, g, &c.id).await? {
        return Err(StoreError::Conflict(Conflict::CategoryExists));
    }
    tx.c.execute(
        "INSERT INTO event_categories (gmina, id, name_pl, name_en) VALUES ($1, $2, $3, $4)",
        &[&g, &c.id, &c.name_pl, &c.name_en],
    )
    .await?;
    publish(tx, g, &Item::EventCategories(c.clone())).await?;
    Ok(())
}

#[async_trait]
impl ContentStore for PostgresStore {
    async fn list_news(&self) -> StoreResult<Vec<News>> {
        let rows = self
            .reader()
            .await?
            .query(
                &format!("SELECT {NEWS_COLUMNS} FROM news WHERE gmina = $1 ORDER BY published_at DESC, id DESC"),
                &[&self.scope()],
            )
            .await?;
        rows.iter().map(news_row).collect()
    }

    async fn get_news(&self, id: i64) -> StoreResult<Option<News>> {
        get_news(&self.reader().await?, &self.scope(), id).await
    }

    async fn create_news(&self, actor: Actor, input: NewsInput, now: DateTime<Utc>) -> StoreResult<News> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let news = write_news(tx, g, None, input, now).await?;
            if let Some(n) = crate::notifications::news::notification_for(&news, now) {
                super::notifications::create_notification(tx, g, &actor, &n).await?;
            }
            audit(tx, g, &actor, now, "news.create", "news", Some(&news.id.to_string()), json!({"title": news.title})).await?;
            Ok(news)
        })
    }

    async fn update_news(&self, actor: Actor, id: i64, input: NewsInput, now: DateTime<Utc>) -> StoreResult<News> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let news = write_news(tx, g, Some(id), input, now).await?;
            audit(tx, g, &actor, now, "news.update", "news", Some(&id.to_string()), json!({"title": news.title})).await?;
            Ok(news)
        })
    }

    async fn delete_news(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let old = get_news(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
            tx.c.execute("DELETE FROM news WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
            tombstone(tx, g, Collection::News, &id.to_string()).await?;
            audit(tx, g, &actor, now, "news.delete", "news", Some(&id.to_string()), json!({"title": old.title})).await
        })
    }

    async fn list_events(&self, category: Option<String>) -> StoreResult<Vec<Event>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT data FROM events WHERE gmina = $2 AND ($1::TEXT IS NULL OR category = $1) ORDER BY starts_at, id",
                &[&category, &self.scope()],
            )
            .await?;
        rows.iter().map(|r| serde_json::from_str(r.get(0)).map_err(StoreError::from)).collect()
    }

    async fn get_event(&self, id: i64) -> StoreResult<Option<Event>> {
        get_event(&self.reader().await?, &self.scope(), id).await
    }

    async fn create_event(&self, actor: Actor, input: EventInput, now: DateTime<Utc>) -> StoreResult<Event> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let e = write_event(tx, g, None, input, now).await?;
            audit(tx, g, &actor, now, "event.create", "event", Some(&e.id.to_string()), json!({"title": e.title})).await?;
            Ok(e)
        })
    }

    async fn update_event(&self, actor: Actor, id: i64, input: EventInput, now: DateTime<Utc>) -> StoreResult<Event> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let e = write_event(tx, g, Some(id), input, now).await?;
            audit(tx, g, &actor, now, "event.update", "event", Some(&id.to_string()), json!({"title": e.title})).await?;
            Ok(e)
        })
    }

    async fn delete_event(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let old = get_event(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
            tx.c.execute("DELETE FROM events WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
            tombstone(tx, g, Collection::Events, &id.to_string()).await?;
            audit(tx, g, &actor, now, "event.delete", "event", Some(&id.to_string()), json!({"title": old.title})).await
        })
    }

    async fn list_categories(&self) -> StoreResult<Vec<EventCategory>> {
        let rows = self
            .reader()
            .await?
            .query("SELECT id, name_pl, name_en FROM event_categories WHERE gmina = $1 ORDER BY id", &[&self.scope()])
            .await?;
        Ok(rows.iter().map(|r| EventCategory { id: r.get(0), name_pl: r.get(1), name_en: r.get(2) }).collect())
    }

    async fn create_category(&self, actor: Actor, category: EventCategory, now: DateTime<Utc>) -> StoreResult<EventCategory> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            write_category(tx, g, &category).await?;
            audit(
                tx,
                g,
                &actor,
                now,
                "event_category.create",
                "event_category",
                Some(&category.id),
                json!({"name_pl": category.name_pl, "name_en": category.name_en}),
            )
            .await?;
            Ok(category)
        })
    }

    async fn gmina(&self) -> StoreResult<(Option<Gmina>, Vec<Locality>)> {
        let (c, g) = (self.reader().await?, self.scope());
        // Only once its boundary and centre are known: the app checks
        // reports against them.
        let gmina = super::directory::get(&c, &g).await?.and_then(|r| {
            Some(Gmina { id: "gmina".into(), name: r.name, teryt: r.teryt.to_string(), boundary: r.boundary?, center: r.center? })
        });
        let rows = c.query("SELECT data FROM localities WHERE gmina = $1 ORDER BY id", &[&g]).await?;
        let localities = rows.iter().map(|r| serde_json::from_str(r.get(0))).collect::<Result<_, _>>()?;
        Ok((gmina, localities))
    }

    async fn load_demo(&self, data: DemoData, now: DateTime<Utc>) -> StoreResult<bool> {
        let teryt = self.gmina_scope().clone();
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            // Remembered in settings so a restart with --demo does not duplicate.
            if get_setting(&tx.c, g, DEMO_LOADED).await?.is_some() {
                return Ok(false);
            }
            // The demo's gmina is the handle's: its directory row gets the
            // demo's name, boundary and centre.
            let mut gmina = data.gmina.clone();
            gmina.teryt = g.to_owned();
            super::directory::put_demo_gmina(tx, &teryt, &gmina, now).await?;
            publish(tx, g, &Item::Gmina(gmina)).await?;
            for l in &data.localities {
                tx.c.execute(
                    "INSERT INTO localities (gmina, id, data) VALUES ($1, $2, $3)
                     ON CONFLICT (gmina, id) DO UPDATE SET data = excluded.data",
                    &[&g, &l.id, &serde_json::to_string(l)?],
                )
                .await?;
                publish(tx, g, &Item::Localities(l.clone())).await?;
            }
            for c in &data.categories {
                if !category_exists(&tx.c, g, &c.id).await? {
                    write_category(tx, g, c).await?;
                }
            }
            let (events, news) = (data.events.len(), data.news.len());
            for e in data.events {
                write_event(tx, g, None, e, now).await?;
            }
            for n in data.news {
                write_news(tx, g, None, n, now).await?;
            }
            set_setting(tx, g, DEMO_LOADED, &ts(now)).await?;
            tx.reference_changed();
            audit(
                tx,
                g,
                &Actor("demo".into()),
                now,
                "demo.load",
                "gmina",
                Some(&data.gmina.id),
                json!({"localities": data.localities.len(), "categories": data.categories.len(), "events": events, "news": news}),
            )
            .await?;
            Ok(true)
        })
    }
}
