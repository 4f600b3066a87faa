//! Publishing: news (with `alert` priority) and events (with recurrence),
//! through the same store calls as the API, so sync and the audit log see
//! them the same way.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::events::{Event, EventInput};
use mm_protocol::news::{News, NewsInput, Priority};
use mm_protocol::validation::{FieldError, Validate};

use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Choice, Lang, Page, PageCtx, choices};
use crate::state::AppState;
use crate::tenant::Tenant;

fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL_TZ).format("%Y-%m-%dT%H:%M").to_string()
}

/// `<input type="datetime-local">` is Warsaw time.
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let n = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    LOCAL_TZ.from_local_datetime(&n).earliest().map(|t| t.with_timezone(&Utc))
}

// ---------- events ----------

fn event_to_input(e: &Event) -> EventInput {
    EventInput {
        title: e.title.clone(),
        description: e.description.clone(),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        all_day: e.all_day,
        place_name: e.place_name.clone(),
        point: e.point,
        category: e.category.clone(),
        organiser: e.organiser.clone(),
        image_url: e.image_url.clone(),
        accessibility: e.accessibility.clone(),
        cancelled: e.cancelled,
        rrule: e.rrule.clone(),
    }
}

/// An event as the list shows it.
struct EventRow {
    id: i64,
    title: String,
    starts: String,
    cancelled: bool,
    rrule: String,
}

#[derive(Template)]
#[template(path = "admin/events.html")]
struct EventsPage<'a> {
    ctx: PageCtx<'a>,
    events: Vec<EventRow>,
}

pub async fn events(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    let events = state
        .store
        .list_events(None)
        .await?
        .into_iter()
        .rev()
        .map(|e| EventRow {
            id: e.id,
            title: e.title,
            starts: local_input(e.starts_at).replace('T', " "),
            cancelled: e.cancelled,
            rrule: e.rrule.unwrap_or_default(),
        })
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/events", staff.lang.t("Wydarzenia", "Events"));
    Ok(Page::ok(EventsPage { ctx, events }).into_response())
}

/// The event form's fields as the form shows them.
#[derive(Default)]
struct EventFields {
    title: String,
    description: String,
    starts_at: String,
    ends_at: String,
    all_day: bool,
    place_name: String,
    organiser: String,
    rrule: String,
    cancelled: bool,
}

#[derive(Template)]
#[template(path = "admin/event_form.html")]
struct EventFormPage<'a> {
    ctx: PageCtx<'a>,
    /// The event's id when editing (the form posts there and offers deletion).
    id: Option<i64>,
    f: EventFields,
    categories: Vec<Choice>,
}

async fn event_form(state: &AppState, staff: &Staff, e: Option<&Event>) -> AdminResult<Response> {
    let lang = staff.lang;
    let i = e.map(event_to_input);
    let selected = i.as_ref().and_then(|i| i.category.clone()).unwrap_or_default();
    let categories = choices(
        std::iter::once((String::new(), lang.t("— brak —", "— none —").to_owned())).chain(
            state.store.list_categories().await?.into_iter().map(|c| (c.id.clone(), lang.t(&c.name_pl, &c.name_en).to_owned())),
        ),
        &selected,
    );
    let f = i
        .map(|i| EventFields {
            title: i.title,
            description: i.description,
            starts_at: local_input(i.starts_at),
            ends_at: local_input(i.ends_at),
            all_day: i.all_day,
            place_name: i.place_name.unwrap_or_default(),
            organiser: i.organiser.unwrap_or_default(),
            rrule: i.rrule.unwrap_or_default(),
            cancelled: i.cancelled,
        })
        .unwrap_or_default();
    let title = if e.is_some() { lang.t("Edycja wydarzenia", "Edit event") } else { lang.t("Nowe wydarzenie", "New event") };
    let ctx = PageCtx::new(staff, "/admin/events", title);
    Ok(Page::ok(EventFormPage { ctx, id: e.map(|e| e.id), f, categories }).into_response())
}

pub async fn event_new(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    event_form(&state, &staff, None).await
}

fn no_event() -> AdminError {
    AdminError::not_found("Nie ma takiego wydarzenia.", "There is no such event.")
}

pub async fn event_edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    let e = state.store.get_event(id).await?.ok_or_else(no_event)?;
    event_form(&state, &staff, Some(&e)).await
}

/// The event the form describes. The form shows only some of an event's
/// fields; the rest (the map point, the picture, the accessibility notes,
/// and whatever `EventInput` gains later) come from `existing`, so saving
/// an edit never erases what the form cannot show. A new event starts
/// without them.
fn event_input(f: &Form, existing: Option<EventInput>) -> Result<EventInput, FieldError> {
    let time = |k: &'static str| {
        f.get(k).and_then(parse_local).ok_or_else(|| FieldError::new(k, "Podaj datę i godzinę.", "Enter a date and time."))
    };
    let starts_at = time("starts_at")?;
    let ends_at = time("ends_at")?;
    let kept = existing.unwrap_or(EventInput {
        title: String::new(),
        description: String::new(),
        starts_at,
        ends_at,
        all_day: false,
        place_name: None,
        point: None,
        category: None,
        organiser: None,
        image_url: None,
        accessibility: None,
        cancelled: false,
        rrule: None,
    });
    // Only the fields the form has; `..kept` carries every other one.
    Ok(EventInput {
        title: f.text("title").unwrap_or_default(),
        description: f.text("description").unwrap_or_default(),
        starts_at,
        ends_at,
        all_day: f.flag("all_day"),
        place_name: f.text("place_name"),
        category: f.text("category"),
        organiser: f.text("organiser"),
        cancelled: f.flag("cancelled"),
        rrule: f.text("rrule"),
        ..kept
    })
}

pub async fn event_save(Tenant(state): Tenant, staff: Staff, id: Option<Path<i64>>, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    staff.permit(staff.role.can_publish())?;
    let existing = match &id {
        Some(Path(id)) => Some(state.store.get_event(*id).await?.ok_or_else(no_event)?.to_input()),
        None => None,
    };
    let input = event_input(&form, existing)?;
    input.validate()?;
    let now = state.clock.now();
    match id {
        Some(Path(id)) => state.store.update_event(staff.actor(), id, input, now).await?,
        None => state.store.create_event(staff.actor(), input, now).await?,
    };
    Ok(Redirect::to("/admin/events"))
}

pub async fn event_update(state: Tenant, staff: Staff, id: Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    event_save(state, staff, Some(id), body).await
}

pub async fn event_create(state: Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    event_save(state, staff, None, body).await
}

pub async fn event_delete(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    staff.posted(&body)?;
    staff.permit(staff.role.can_publish())?;
    state.store.delete_event(staff.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to("/admin/events"))
}

// ---------- news ----------

fn priority_key(p: Priority) -> &'static str {
    match p {
        Priority::Normal => "normal",
        Priority::Important => "important",
        Priority::Alert => "alert",
    }
}

fn priority_label(lang: Lang, p: Priority) -> &'static str {
    match p {
        Priority::Normal => lang.t("zwykły", "normal"),
        Priority::Important => lang.t("ważny", "important"),
        Priority::Alert => lang.t("alert (ostrzeżenie, powiadomienie)", "alert (warning, push)"),
    }
}

/// A news item as the list shows it.
struct NewsRow {
    id: i64,
    title: String,
    priority: &'static str,
    published: String,
}

#[derive(Template)]
#[template(path = "admin/news.html")]
struct NewsPage<'a> {
    ctx: PageCtx<'a>,
    news: Vec<NewsRow>,
}

pub async fn news(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    let lang = staff.lang;
    let news = state
        .store
        .list_news()
        .await?
        .into_iter()
        .map(|n| NewsRow {
            id: n.id,
            title: n.title,
            priority: priority_label(lang, n.priority),
            published: local_input(n.published_at).replace('T', " "),
        })
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/news", lang.t("Aktualności", "News"));
    Ok(Page::ok(NewsPage { ctx, news }).into_response())
}

#[derive(Template)]
#[template(path = "admin/news_form.html")]
struct NewsFormPage<'a> {
    ctx: PageCtx<'a>,
    /// The article's id when editing.
    id: Option<i64>,
    title: String,
    body: String,
    priorities: Vec<Choice>,
    published_at: String,
    expires_at: String,
}

fn news_form(staff: &Staff, n: Option<&News>) -> Response {
    let lang = staff.lang;
    let prio = n.map(|n| n.priority).unwrap_or(Priority::Normal);
    let priorities = choices([Priority::Normal, Priority::Important, Priority::Alert].map(|p| (priority_key(p), priority_label(lang, p))), priority_key(prio));
    let title = if n.is_some() { lang.t("Edycja wiadomości", "Edit article") } else { lang.t("Nowa wiadomość", "New article") };
    let page = NewsFormPage {
        ctx: PageCtx::new(staff, "/admin/news", title),
        id: n.map(|n| n.id),
        title: n.map(|n| n.title.clone()).unwrap_or_default(),
        body: n.map(|n| n.body.clone()).unwrap_or_default(),
        priorities,
        published_at: n.map(|n| local_input(n.published_at)).unwrap_or_default(),
        expires_at: n.and_then(|n| n.expires_at).map(local_input).unwrap_or_default(),
    };
    Page::ok(page).into_response()
}

pub async fn news_new(staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    Ok(news_form(&staff, None))
}

pub async fn news_edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    staff.permit(staff.role.can_publish())?;
    let n = state
        .store
        .get_news(id)
        .await?
        .ok_or_else(|| AdminError::not_found("Nie ma takiej wiadomości.", "There is no such article."))?;
    Ok(news_form(&staff, Some(&n)))
}

async fn news_save(state: AppState, staff: Staff, id: Option<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.role.can_publish())?;
    let input = NewsInput {
        title: f.text("title").unwrap_or_default(),
        body: f.text("body").unwrap_or_default(),
        priority: match f.get("priority") {
            Some("alert") => Priority::Alert,
            Some("important") => Priority::Important,
            _ => Priority::Normal,
        },
        published_at: f.get("published_at").and_then(parse_local),
        expires_at: f.get("expires_at").and_then(parse_local),
    };
    input.validate()?;
    let now = state.clock.now();
    match id {
        Some(id) => state.store.update_news(staff.actor(), id, input, now).await?,
        None => state.store.create_news(staff.actor(), input, now).await?,
    };
    Ok(Redirect::to("/admin/news"))
}

pub async fn news_create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    news_save(state, staff, None, body).await
}

pub async fn news_update(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    news_save(state, staff, Some(id), body).await
}

pub async fn news_delete(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    staff.posted(&body)?;
    staff.permit(staff.role.can_publish())?;
    state.store.delete_news(staff.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to("/admin/news"))
}
