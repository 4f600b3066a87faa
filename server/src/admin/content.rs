//! Publishing: news (with `alert` priority) and events (with recurrence),
//! through the same store calls as the API, so sync and the audit log see
//! them the same way.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::events::{Event, EventInput};
use mm_protocol::news::{News, NewsInput, Priority};
use mm_protocol::validation::{FieldError, Validate};

use super::html::{Lang, error_page, esc, options, page};
use super::session::{Form, Staff};
use crate::state::AppState;

fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL_TZ).format("%Y-%m-%dT%H:%M").to_string()
}

/// `<input type="datetime-local">` is Warsaw time.
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let n = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    LOCAL_TZ.from_local_datetime(&n).earliest().map(|t| t.with_timezone(&Utc))
}

fn bad_field(staff: &Staff, e: FieldError) -> Response {
    let msg = match staff.lang {
        Lang::Pl => e.pl,
        Lang::En => e.en,
    };
    error_page(StatusCode::BAD_REQUEST, staff.lang, Some(staff), &format!("{}: {msg}", e.field))
}

fn store_fail(staff: &Staff, e: crate::store::StoreError) -> Response {
    let api = crate::error::AppError::from(e).into_api();
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(status, staff.lang, Some(staff), staff.lang.t(&api.message.pl, &api.message.en))
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

pub async fn events(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let list = state.store.list_events(None).await.unwrap_or_default();
    let mut body = format!(r#"<p><a href="/admin/events/new" class="button">{}</a></p><table><caption>{}</caption><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Nowe wydarzenie", "New event"), t("Wydarzenia", "Events"), t("Tytuł", "Title"), t("Początek", "Starts"), t("Uwagi", "Notes"));
    for e in list.iter().rev() {
        body.push_str(&format!(r#"<tr><td>{id}</td><td><a href="/admin/events/{id}">{}</a></td><td>{}</td><td>{}{}</td></tr>"#,
            esc(&e.title), local_input(e.starts_at).replace('T', " "),
            if e.cancelled { t("odwołane ", "cancelled ") } else { "" },
            esc(e.rrule.as_deref().unwrap_or("")), id = e.id));
    }
    body.push_str("</tbody></table>");
    page(staff.lang, t("Wydarzenia", "Events"), Some(&staff), "/admin/events", &body).into_response()
}

fn event_form(staff: &Staff, state_cats: &[(String, String)], e: Option<&Event>) -> String {
    let t = |pl, en| staff.lang.t(pl, en);
    let owned = e.map(event_to_input);
    let i = owned.as_ref();
    let action = e.map(|e| format!("/admin/events/{}", e.id)).unwrap_or_else(|| "/admin/events".into());
    let mut cats = vec![(String::new(), t("— brak —", "— none —").to_owned())];
    cats.extend(state_cats.iter().cloned());
    let v = |f: fn(&EventInput) -> Option<&str>| esc(i.and_then(f).unwrap_or(""));
    let mut out = format!(
        r#"<form method="post" action="{action}" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="title">{tl}</label><input id="title" name="title" required maxlength="200" value="{title}">
<label for="description">{dl}</label><textarea id="description" name="description" rows="4">{desc}</textarea>
<label for="starts_at">{sl}</label><input id="starts_at" name="starts_at" type="datetime-local" required value="{starts}">
<label for="ends_at">{el}</label><input id="ends_at" name="ends_at" type="datetime-local" required value="{ends}">
<div class="check"><input id="all_day" name="all_day" type="checkbox" value="1"{ad}><label for="all_day">{adl}</label></div>
<label for="place_name">{pl}</label><input id="place_name" name="place_name" value="{place}">
<label for="category">{cl}</label><select id="category" name="category">{co}</select>
<label for="organiser">{ol}</label><input id="organiser" name="organiser" value="{org}">
<label for="rrule">{rl}</label><input id="rrule" name="rrule" placeholder="FREQ=WEEKLY;BYDAY=SA;COUNT=4" value="{rrule}">
<div class="check"><input id="cancelled" name="cancelled" type="checkbox" value="1"{cc}><label for="cancelled">{ccl}</label></div>
<button type="submit">{s}</button>
</form>"#,
        csrf = staff.csrf,
        tl = t("Tytuł", "Title"),
        title = esc(i.map(|i| i.title.as_str()).unwrap_or("")),
        dl = t("Opis", "Description"),
        desc = esc(i.map(|i| i.description.as_str()).unwrap_or("")),
        sl = t("Początek (czas polski)", "Starts (Polish time)"),
        starts = i.map(|i| local_input(i.starts_at)).unwrap_or_default(),
        el = t("Koniec (czas polski)", "Ends (Polish time)"),
        ends = i.map(|i| local_input(i.ends_at)).unwrap_or_default(),
        ad = if i.is_some_and(|i| i.all_day) { " checked" } else { "" },
        adl = t("Całodniowe", "All day"),
        pl = t("Miejsce", "Place"),
        place = v(|i| i.place_name.as_deref()),
        cl = t("Kategoria", "Category"),
        co = options(&cats, i.and_then(|i| i.category.as_deref()).unwrap_or("")),
        ol = t("Organizator", "Organiser"),
        org = v(|i| i.organiser.as_deref()),
        rl = t("Powtarzanie (RRULE, RFC 5545)", "Recurrence (RRULE, RFC 5545)"),
        rrule = v(|i| i.rrule.as_deref()),
        cc = if i.is_some_and(|i| i.cancelled) { " checked" } else { "" },
        ccl = t("Odwołane", "Cancelled"),
        s = t("Opublikuj", "Publish"),
    );
    if let Some(e) = e {
        out.push_str(&format!(
            r#"<form method="post" action="/admin/events/{}/delete"><input type="hidden" name="csrf" value="{}"><button type="submit" class="danger">{}</button></form>"#,
            e.id, staff.csrf, t("Usuń wydarzenie", "Delete the event")
        ));
    }
    out
}

async fn event_cats(state: &AppState, lang: Lang) -> Vec<(String, String)> {
    state.store.list_categories().await.unwrap_or_default().into_iter()
        .map(|c| (c.id.clone(), lang.t(&c.name_pl, &c.name_en).to_owned())).collect()
}

pub async fn event_new(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let cats = event_cats(&state, staff.lang).await;
    let body = event_form(&staff, &cats, None);
    page(staff.lang, staff.lang.t("Nowe wydarzenie", "New event"), Some(&staff), "/admin/events", &body).into_response()
}

pub async fn event_edit(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let Ok(Some(e)) = state.store.get_event(id).await else {
        return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), "?");
    };
    let cats = event_cats(&state, staff.lang).await;
    let body = event_form(&staff, &cats, Some(&e));
    page(staff.lang, staff.lang.t("Edycja wydarzenia", "Edit event"), Some(&staff), "/admin/events", &body).into_response()
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

pub async fn event_save(State(state): State<AppState>, staff: Staff, id: Option<Path<i64>>, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let existing = match &id {
        Some(Path(id)) => match state.store.get_event(*id).await {
            Ok(Some(e)) => Some(e.to_input()),
            Ok(None) => return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), "?"),
            Err(e) => return store_fail(&staff, e),
        },
        None => None,
    };
    let input = match event_input(&form, existing).and_then(|i| i.validate().map(|_| i)) {
        Ok(i) => i,
        Err(e) => return bad_field(&staff, e),
    };
    let now = state.clock.now();
    let res = match id {
        Some(Path(id)) => state.store.update_event(staff.actor(), id, input, now).await,
        None => state.store.create_event(staff.actor(), input, now).await,
    };
    match res {
        Ok(_) => Redirect::to("/admin/events").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn event_update(state: State<AppState>, staff: Staff, id: Path<i64>, body: Bytes) -> Response {
    event_save(state, staff, Some(id), body).await
}

pub async fn event_create(state: State<AppState>, staff: Staff, body: Bytes) -> Response {
    event_save(state, staff, None, body).await
}

pub async fn event_delete(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    match state.store.delete_event(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/events").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

// ---------- news ----------

pub async fn news(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let list = state.store.list_news().await.unwrap_or_default();
    let mut body = format!(r#"<p><a href="/admin/news/new" class="button">{}</a></p><table><caption>{}</caption><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Nowa wiadomość", "New article"), t("Aktualności", "News"), t("Tytuł", "Title"), t("Priorytet", "Priority"), t("Publikacja", "Published"));
    for n in &list {
        body.push_str(&format!(r#"<tr><td>{id}</td><td><a href="/admin/news/{id}">{}</a></td><td>{:?}</td><td>{}</td></tr>"#,
            esc(&n.title), n.priority, local_input(n.published_at).replace('T', " "), id = n.id));
    }
    body.push_str("</tbody></table>");
    page(staff.lang, t("Aktualności", "News"), Some(&staff), "/admin/news", &body).into_response()
}

fn news_form(staff: &Staff, n: Option<&News>) -> String {
    let t = |pl, en| staff.lang.t(pl, en);
    let owned = n.map(|n| NewsInput { title: n.title.clone(), body: n.body.clone(), priority: n.priority, published_at: Some(n.published_at), expires_at: n.expires_at });
    let i = owned.as_ref();
    let action = n.map(|n| format!("/admin/news/{}", n.id)).unwrap_or_else(|| "/admin/news".into());
    let prio = i.map(|i| match i.priority { Priority::Normal => "normal", Priority::Important => "important", Priority::Alert => "alert" }).unwrap_or("normal");
    let prios = [("normal", t("zwykły", "normal")), ("important", t("ważny", "important")), ("alert", t("alert (ostrzeżenie, powiadomienie)", "alert (warning, push)"))].map(|(a, b)| (a.to_owned(), b.to_owned()));
    let mut out = format!(
        r#"<form method="post" action="{action}" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="title">{tl}</label><input id="title" name="title" required maxlength="200" value="{title}">
<label for="body">{bl}</label><textarea id="body" name="body" rows="8" required>{body}</textarea>
<label for="priority">{pl}</label><select id="priority" name="priority">{po}</select>
<label for="published_at">{pal}</label><input id="published_at" name="published_at" type="datetime-local" value="{pa}">
<label for="expires_at">{eal}</label><input id="expires_at" name="expires_at" type="datetime-local" value="{ea}">
<button type="submit">{s}</button></form>"#,
        csrf = staff.csrf,
        tl = t("Tytuł", "Title"),
        title = esc(i.map(|i| i.title.as_str()).unwrap_or("")),
        bl = t("Treść", "Body"),
        body = esc(i.map(|i| i.body.as_str()).unwrap_or("")),
        pl = t("Priorytet", "Priority"),
        po = options(&prios, prio),
        pal = t("Publikacja od (puste: teraz)", "Publish from (empty: now)"),
        pa = i.and_then(|i| i.published_at).map(local_input).unwrap_or_default(),
        eal = t("Wygasa (opcjonalnie)", "Expires (optional)"),
        ea = i.and_then(|i| i.expires_at).map(local_input).unwrap_or_default(),
        s = t("Opublikuj", "Publish"),
    );
    if let Some(n) = n {
        out.push_str(&format!(r#"<form method="post" action="/admin/news/{}/delete"><input type="hidden" name="csrf" value="{}"><button type="submit" class="danger">{}</button></form>"#, n.id, staff.csrf, t("Usuń wiadomość", "Delete the article")));
    }
    out
}

pub async fn news_new(staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let body = news_form(&staff, None);
    page(staff.lang, staff.lang.t("Nowa wiadomość", "New article"), Some(&staff), "/admin/news", &body).into_response()
}

pub async fn news_edit(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>) -> Response {
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let Ok(Some(n)) = state.store.get_news(id).await else {
        return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), "?");
    };
    let body = news_form(&staff, Some(&n));
    page(staff.lang, staff.lang.t("Edycja wiadomości", "Edit article"), Some(&staff), "/admin/news", &body).into_response()
}

async fn news_save(state: AppState, staff: Staff, id: Option<i64>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    let input = NewsInput {
        title: f.text("title").unwrap_or_default(),
        body: f.text("body").unwrap_or_default(),
        priority: match f.get("priority") { Some("alert") => Priority::Alert, Some("important") => Priority::Important, _ => Priority::Normal },
        published_at: f.get("published_at").and_then(parse_local),
        expires_at: f.get("expires_at").and_then(parse_local),
    };
    if let Err(e) = input.validate() {
        return bad_field(&staff, e);
    }
    let now = state.clock.now();
    let res = match id {
        Some(id) => state.store.update_news(staff.actor(), id, input, now).await,
        None => state.store.create_news(staff.actor(), input, now).await,
    };
    match res {
        Ok(_) => Redirect::to("/admin/news").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn news_create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    news_save(state, staff, None, body).await
}

pub async fn news_update(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    news_save(state, staff, Some(id), body).await
}

pub async fn news_delete(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    if let Err(r) = staff.require(staff.role.can_publish()) {
        return r;
    }
    match state.store.delete_news(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/news").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}
