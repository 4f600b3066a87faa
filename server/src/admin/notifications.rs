//! The back office's notifications pages (issue 16 point 2,
//! docs/plans/issue-16.md §2): what officials send to residents' phones.
//!
//! - `GET /admin/notifications`: the sent and scheduled list, newest first,
//!   with each one's deliveries by status;
//! - `GET /admin/notifications/{id}`: one notification, its counts per
//!   status and, while it waits for its time, `POST
//!   /admin/notifications/{id}/cancel`;
//! - `GET /admin/notifications/new`, `POST /admin/notifications`: the
//!   compose form. The post either previews (re-renders the form with how
//!   many devices it would reach, counted by the fan-out's own choice,
//!   `notifications::fanout::count_recipients`) or sends: the draft is the
//!   API's `NotificationDraft`, checked as `POST /api/v1/notifications`
//!   checks it (texts, link, areas of this gmina, a payload every push
//!   service takes, a send time from now to a year ahead); any problem
//!   re-renders the form with what was typed and the message by its field,
//!   and nothing is stored.
//!
//! Who: whoever may publish news (admins and editors, `Role::can_publish`,
//! as `Official::require_publisher` for the API); others 403; another
//! gmina's notification 404 (the store is scoped). Every form carries the
//! CSRF token; the compose form also carries a key of its own, so a form
//! posted twice (a double click, a reload) stores one notification
//! (`create_notification_once`). The store audits each send and cancel
//! with ids only; the log here names ids and the topic, never the text.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::error::ApiError;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Locality;
use mm_protocol::notifications::{
    Area, Link, NotificationClass, NotificationDraft, Target, Topic, Transport, limit,
    local_to_utc, payload_bytes,
};
use mm_protocol::validation::Validate;

use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx, local};
use crate::auth::token::{new_token, sha256_hex};
use crate::notifications::fanout::{FanOutJob, count_recipients};
use crate::notifications::official::SEND_AHEAD_MAX_DAYS;
use crate::state::AppState;
use crate::store::notifications::{NewNotification, NotificationStatus, StoredNotification};
use crate::store::{IdempotencyKey, ReportFilter};
use crate::tenant::Tenant;

/// How many notifications the list shows.
const LIST_MAX: u32 = 200;
/// How many recent items each of the link picker's selects offers.
const RECENT_MAX: usize = 30;
/// The idempotency table's scope for the compose form's key.
const FORM_SCOPE: &str = "admin.notification";

/// Whoever may publish news may send notifications (the API's rule).
fn permit(staff: &Staff) -> AdminResult<()> {
    staff.permit(staff.role.can_publish())
}

fn not_found() -> AdminError {
    AdminError::not_found("Nie ma takiego powiadomienia.", "No such notification.")
}

fn topic_label(lang: Lang, t: Topic) -> &'static str {
    match t {
        Topic::Alerts => lang.t("alerty", "alerts"),
        Topic::News => lang.t("aktualności", "news"),
        Topic::Events => lang.t("wydarzenia", "events"),
        Topic::MyReports => lang.t("moje zgłoszenia", "my reports"),
        Topic::FollowedReports => lang.t("obserwowane zgłoszenia", "followed reports"),
        Topic::Taxes => lang.t("podatki", "taxes"),
        Topic::Budget => lang.t("budżet obywatelski", "participatory budget"),
        Topic::Consultations => lang.t("konsultacje społeczne", "public consultations"),
        Topic::Waste => lang.t("odbiór odpadów", "waste collection"),
    }
}

/// The topics an official composes for. "My reports" and "followed
/// reports" are about one resident's reports: the server writes those
/// itself when a report changes, nobody broadcasts them. Alerts are chosen
/// by the class.
const COMPOSE_TOPICS: [Topic; 6] = [
    Topic::News,
    Topic::Events,
    Topic::Taxes,
    Topic::Budget,
    Topic::Consultations,
    Topic::Waste,
];

fn class_label(lang: Lang, c: NotificationClass) -> &'static str {
    match c {
        NotificationClass::Alert => lang.t("alert", "alert"),
        NotificationClass::Normal => lang.t("zwykłe", "normal"),
    }
}

fn status_label(lang: Lang, s: NotificationStatus) -> &'static str {
    match s {
        NotificationStatus::Scheduled => lang.t("zaplanowane", "scheduled"),
        NotificationStatus::Sent => lang.t("wysłane", "sent"),
        NotificationStatus::Cancelled => lang.t("anulowane", "cancelled"),
    }
}

/// A distance as officials read it: metres below a kilometre, else km
/// with a Polish decimal comma.
fn distance(m: u32) -> String {
    if m < 1000 {
        format!("{m} m")
    } else {
        format!(
            "{} km",
            format!("{:.1}", f64::from(m) / 1000.0).replace('.', ",")
        )
    }
}

/// The areas in words: locality names, circles by radius and centre, or
/// the whole gmina.
fn areas_in_words(lang: Lang, areas: &[Area], localities: &[Locality]) -> String {
    if areas.is_empty() {
        return lang.t("cała gmina", "the whole gmina").to_owned();
    }
    areas
        .iter()
        .map(|a| match a {
            Area::Locality { id } => localities
                .iter()
                .find(|l| l.id == *id)
                .map(|l| l.name.clone())
                .unwrap_or_else(|| format!("{} #{id}", lang.t("miejscowość", "locality"))),
            Area::Around { point, radius_m } => format!(
                "{} {} {} {:.5}, {:.5}",
                lang.t("okrąg", "circle of"),
                distance(*radius_m),
                lang.t("wokół", "around"),
                point.lat,
                point.lon
            ),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn link_in_words(lang: Lang, link: Option<&Link>) -> String {
    match link {
        None => lang.t("brak", "none").to_owned(),
        Some(Link::News { id }) => format!("{} #{id}", lang.t("aktualność", "news item")),
        Some(Link::Event { id }) => format!("{} #{id}", lang.t("wydarzenie", "event")),
        Some(Link::Report { id }) => format!("{} #{id}", lang.t("zgłoszenie", "report")),
        Some(Link::Consultation { id }) => {
            format!("{} #{id}", lang.t("konsultacje", "consultation"))
        }
        Some(Link::Url { url }) => url.clone(),
    }
}

// ---------------------------------------------------------------------------
// GET /admin/notifications

/// One notification as the list and the detail page show it.
struct Row {
    id: i64,
    title: String,
    body: String,
    alert: bool,
    class: &'static str,
    topic: String,
    areas: String,
    link: String,
    send_at: String,
    status: &'static str,
    scheduled: bool,
    /// Empty until it is sent.
    recipients: String,
    pending: u32,
    delivered: u32,
    failed: u32,
    dead: u32,
    feed: u32,
    read: u32,
    created_by: String,
}

impl Row {
    fn of(lang: Lang, n: StoredNotification, localities: &[Locality]) -> Row {
        let mut topic = topic_label(lang, n.target.topic).to_owned();
        if let Some(c) = &n.target.event_category {
            topic = format!("{topic} ({c})");
        }
        Row {
            id: n.id,
            alert: n.class == NotificationClass::Alert,
            class: class_label(lang, n.class),
            topic,
            areas: areas_in_words(lang, &n.target.areas, localities),
            link: link_in_words(lang, n.link.as_ref()),
            send_at: local(n.send_at),
            status: status_label(lang, n.status),
            scheduled: n.status == NotificationStatus::Scheduled,
            recipients: n.recipients.map(|r| r.to_string()).unwrap_or_default(),
            pending: n.counts.pending,
            delivered: n.counts.delivered,
            failed: n.counts.failed,
            dead: n.counts.dead,
            feed: n.counts.feed,
            read: n.counts.read,
            created_by: n.created_by,
            title: n.title,
            body: n.body,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct ListPage<'a> {
    ctx: PageCtx<'a>,
    rows: Vec<Row>,
}

pub async fn list(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&staff)?;
    let (_, localities) = state.store.gmina().await?;
    let rows = state
        .store
        .notifications(LIST_MAX)
        .await?
        .into_iter()
        .map(|n| Row::of(staff.lang, n, &localities))
        .collect();
    let ctx = PageCtx::new(
        &staff,
        "/admin/notifications",
        staff.lang.t("Powiadomienia", "Notifications"),
    )
    .wide();
    Ok(Page::ok(ListPage { ctx, rows }).into_response())
}

// ---------------------------------------------------------------------------
// GET /admin/notifications/{id}, POST /admin/notifications/{id}/cancel

#[derive(Template)]
#[template(path = "admin/notification.html")]
struct DetailPage<'a> {
    ctx: PageCtx<'a>,
    n: Row,
}

pub async fn detail(
    Tenant(state): Tenant,
    staff: Staff,
    Path(id): Path<i64>,
) -> AdminResult<Response> {
    permit(&staff)?;
    let n = state.store.notification(id).await?.ok_or_else(not_found)?;
    let (_, localities) = state.store.gmina().await?;
    let n = Row::of(staff.lang, n, &localities);
    let ctx = PageCtx::new(
        &staff,
        format!("/admin/notifications/{id}"),
        format!("{} #{id}", staff.lang.t("Powiadomienie", "Notification")),
    );
    Ok(Page::ok(DetailPage { ctx, n }).into_response())
}

pub async fn cancel(
    Tenant(state): Tenant,
    staff: Staff,
    Path(id): Path<i64>,
    body: Bytes,
) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&staff)?;
    // Another gmina's id is not found: the store is scoped.
    state.store.notification(id).await?.ok_or_else(not_found)?;
    if !state
        .store
        .cancel_notification(staff.actor(), id, state.clock.now())
        .await?
    {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            "To powiadomienie zostało już wysłane albo anulowane.",
            "This notification was already sent or cancelled.",
        ));
    }
    tracing::info!(gmina = %state.store.gmina_scope(), notification = id, "notification cancelled");
    Ok(Redirect::to(&format!("/admin/notifications/{id}")).into_response())
}

// ---------------------------------------------------------------------------
// The compose form

/// The form as typed (strings, so a refused form comes back as it was).
#[derive(Debug, Default, Clone)]
struct ComposeForm {
    title: String,
    body: String,
    /// `alert` or `normal`.
    class: String,
    topic: String,
    event_category: String,
    /// Ticked locality ids.
    localities: Vec<i64>,
    /// The drawn circle: centre and radius in metres; all empty = none.
    lat: String,
    lon: String,
    radius: String,
    /// `none`, `news`, `event`, `report`, `consultation` or `url`.
    link_kind: String,
    link_news: String,
    link_event: String,
    link_report: String,
    link_consultation: String,
    link_url: String,
    /// `now` or `at`.
    when: String,
    /// `YYYY-MM-DDTHH:MM`, Europe/Warsaw (`<input type="datetime-local">`).
    send_at: String,
    confirm_alert: bool,
    /// The form's own idempotency key (see the module's doc).
    key: String,
}

/// A problem with the form: the field it belongs to and its message.
type Problem = (&'static str, String);

impl ComposeForm {
    fn parse(f: &Form) -> ComposeForm {
        let get = |k: &str| f.get(k).unwrap_or_default().to_owned();
        ComposeForm {
            title: get("title"),
            body: get("body"),
            class: get("class"),
            topic: get("topic"),
            event_category: get("event_category"),
            localities: f
                .all("locality")
                .iter()
                .filter_map(|v| v.parse().ok())
                .collect(),
            lat: get("lat").trim().to_owned(),
            lon: get("lon").trim().to_owned(),
            radius: get("radius").trim().to_owned(),
            link_kind: get("link_kind"),
            link_news: get("link_news"),
            link_event: get("link_event"),
            link_report: get("link_report"),
            link_consultation: get("link_consultation"),
            link_url: get("link_url").trim().to_owned(),
            when: get("when"),
            send_at: get("send_at").trim().to_owned(),
            confirm_alert: f.flag("confirm_alert"),
            key: get("key"),
        }
    }

    fn is_alert(&self) -> bool {
        self.class == "alert"
    }

    /// The draft the form describes, or the first field that does not
    /// parse (`NotificationDraft::validate` and the handler check the rest).
    fn draft(&self, lang: Lang, now: DateTime<Utc>) -> Result<NotificationDraft, Problem> {
        let topic = if self.is_alert() {
            Topic::Alerts
        } else {
            Topic::parse(&self.topic)
                .filter(|t| COMPOSE_TOPICS.contains(t))
                .ok_or((
                    "topic",
                    lang.t("Wybierz temat.", "Choose a topic.").to_owned(),
                ))?
        };
        let event_category = (topic == Topic::Events && !self.event_category.trim().is_empty())
            .then(|| self.event_category.trim().to_owned());
        let mut areas: Vec<Area> = self
            .localities
            .iter()
            .map(|&id| Area::Locality { id })
            .collect();
        if let Some(circle) = self.circle(lang)? {
            areas.push(circle);
        }
        let id = |s: &str| -> Result<i64, Problem> {
            s.trim().parse().map_err(|_| {
                (
                    "link",
                    lang.t(
                        "Wybierz, do czego prowadzi odnośnik.",
                        "Choose what the link leads to.",
                    )
                    .to_owned(),
                )
            })
        };
        let link = match self.link_kind.as_str() {
            "news" => Some(Link::News {
                id: id(&self.link_news)?,
            }),
            "event" => Some(Link::Event {
                id: id(&self.link_event)?,
            }),
            "report" => Some(Link::Report {
                id: id(&self.link_report)?,
            }),
            "consultation" => Some(Link::Consultation {
                id: id(&self.link_consultation)?,
            }),
            "url" => Some(Link::Url {
                url: self.link_url.clone(),
            }),
            _ => None,
        };
        let send_at = match self.when.as_str() {
            "at" => {
                let bad = (
                    "send_at",
                    lang.t(
                        "Podaj datę i godzinę wysyłki (RRRR-MM-DD GG:MM).",
                        "Enter the send date and time (YYYY-MM-DD HH:MM).",
                    )
                    .to_owned(),
                );
                let naive = NaiveDateTime::parse_from_str(&self.send_at, "%Y-%m-%dT%H:%M")
                    .or_else(|_| NaiveDateTime::parse_from_str(&self.send_at, "%Y-%m-%dT%H:%M:%S"))
                    .map_err(|_| bad)?;
                // The official types Warsaw wall-clock time; stored as UTC.
                let at = local_to_utc(naive);
                if at < now - Duration::minutes(5) || at > now + Duration::days(SEND_AHEAD_MAX_DAYS)
                {
                    return Err((
                        "send_at",
                        lang.t(
                            "Podaj czas wysyłki od teraz do roku naprzód.",
                            "Give a send time from now to a year ahead.",
                        )
                        .to_owned(),
                    ));
                }
                Some(at)
            }
            _ => None,
        };
        Ok(NotificationDraft {
            title: self.title.trim().to_owned(),
            body: self.body.trim().to_owned(),
            link,
            topic,
            event_category,
            areas,
            send_at,
        })
    }

    /// The drawn circle, when its three fields are filled.
    fn circle(&self, lang: Lang) -> Result<Option<Area>, Problem> {
        if self.lat.is_empty() && self.lon.is_empty() && self.radius.is_empty() {
            return Ok(None);
        }
        let num = |s: &str| {
            s.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
        };
        let msg = lang.t(
            "Okrąg to środek (szerokość i długość geograficzna) i promień w metrach; wybierz punkt na mapie albo wpisz liczby.",
            "A circle is a centre (latitude and longitude) and a radius in metres; pick a point on the map or type the numbers.",
        );
        match (
            num(&self.lat),
            num(&self.lon),
            self.radius.parse::<u32>().ok(),
        ) {
            (Some(lat), Some(lon), Some(radius_m)) => Ok(Some(Area::Around {
                point: GeoPoint { lat, lon },
                radius_m,
            })),
            _ => Err(("circle", msg.to_owned())),
        }
    }
}

/// `NotificationDraft::validate`'s field as the form's: `title`, `body`,
/// `event_category`, `link`, `circle` for a circle's point or radius,
/// `localities` for the rest of the areas.
fn form_field(path: &str) -> &'static str {
    match path {
        "title" => "title",
        "body" => "body",
        "event_category" => "event_category",
        p if p.starts_with("link") => "link",
        p if p.starts_with("areas") && (p.contains(".point") || p.contains("radius")) => "circle",
        p if p.starts_with("areas") => "localities",
        _ => "form",
    }
}

/// The bytes the title and text may take together in the smallest push
/// payload (what the form's counter counts against), in UTF-8 as the
/// payload is measured (`payload_bytes`).
fn text_budget() -> usize {
    let smallest = Transport::ALL.into_iter().map(limit).min().unwrap_or(0);
    smallest.saturating_sub(payload_bytes("", "", None))
}

/// What the counter shows before any script runs: the title's and text's
/// bytes as JSON escapes them (a quote or a newline takes two), as
/// `payload_bytes` counts them.
fn text_bytes(title: &str, body: &str) -> usize {
    let json = |s: &str| serde_json::to_string(s).map_or(0, |j| j.len().saturating_sub(2));
    json(title.trim()) + json(body.trim())
}

/// One choice of a select or of the localities' checkboxes.
struct Item {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin/notification_form.html")]
struct ComposePage<'a> {
    ctx: PageCtx<'a>,
    form: ComposeForm,
    errors: BTreeMap<&'static str, String>,
    /// "Reaches about N devices", after a preview.
    preview: Option<String>,
    topics: Vec<Item>,
    categories: Vec<Item>,
    localities: Vec<Item>,
    news: Vec<Item>,
    events: Vec<Item>,
    reports: Vec<Item>,
    consultations: Vec<Item>,
    budget: usize,
    used: usize,
    /// The tile template of the map (empty: no background).
    tiles: String,
    /// The gmina's boundary and localities, as inert JSON.
    gmina: String,
}

impl ComposePage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// `aria-describedby` for a field with an error.
    fn described(&self, field: &str, id: &str) -> String {
        if self.errors.contains_key(field) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{id}-error\"")
        } else {
            String::new()
        }
    }
}

/// The preview's sentence (Polish: "do 1 urządzenia", "do 5 urządzeń").
fn preview_text(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Pl => format!(
            "Dotrze teraz do około {n} {}.",
            if n == 1 { "urządzenia" } else { "urządzeń" }
        ),
        Lang::En => format!(
            "Reaches about {n} device{} now.",
            if n == 1 { "" } else { "s" }
        ),
    }
}

fn items(list: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Item> {
    list.into_iter()
        .map(|(value, label)| Item {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

async fn compose_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: ComposeForm,
    errors: BTreeMap<&'static str, String>,
    preview: Option<usize>,
) -> AdminResult<Response> {
    let lang = staff.lang;
    let (_, gmina_localities) = state.store.gmina().await?;
    let topics = items(
        COMPOSE_TOPICS
            .iter()
            .map(|t| (t.as_str().to_owned(), topic_label(lang, *t).to_owned())),
        &form.topic,
    );
    let categories = items(
        std::iter::once((String::new(), lang.t("— każda —", "— any —").to_owned())).chain(
            state
                .store
                .list_categories()
                .await?
                .into_iter()
                .map(|c| (c.id, lang.t(&c.name_pl, &c.name_en).to_owned())),
        ),
        form.event_category.trim(),
    );
    let localities = gmina_localities
        .iter()
        .map(|l| Item {
            value: l.id.to_string(),
            label: l.name.clone(),
            selected: form.localities.contains(&l.id),
        })
        .collect();
    let pick = |label: &str| (String::new(), format!("— {label} —"));
    let mut news = state.store.list_news().await?;
    news.sort_by_key(|n| std::cmp::Reverse(n.published_at));
    let news = items(
        std::iter::once(pick(lang.t("wybierz", "choose"))).chain(
            news.into_iter().take(RECENT_MAX).map(|n| {
                (
                    n.id.to_string(),
                    format!("#{} {} ({})", n.id, n.title, local(n.published_at)),
                )
            }),
        ),
        form.link_news.trim(),
    );
    let mut events = state.store.list_events(None).await?;
    events.sort_by_key(|e| std::cmp::Reverse(e.starts_at));
    let events = items(
        std::iter::once(pick(lang.t("wybierz", "choose"))).chain(
            events.into_iter().take(RECENT_MAX).map(|e| {
                (
                    e.id.to_string(),
                    format!("#{} {} ({})", e.id, e.title, local(e.starts_at)),
                )
            }),
        ),
        form.link_event.trim(),
    );
    // Reports are residents' words: the picker shows the number and the
    // category only, as the report list's first columns do.
    let reports = state
        .store
        .list_reports(ReportFilter {
            limit: RECENT_MAX as u32,
            ..Default::default()
        })
        .await?;
    let reports = items(
        std::iter::once(pick(lang.t("wybierz", "choose"))).chain(reports.into_iter().map(|r| {
            (
                r.id.to_string(),
                format!("#{} {} ({})", r.id, r.category, local(r.created_at)),
            )
        })),
        form.link_report.trim(),
    );
    let consultations = items(
        std::iter::once(pick(lang.t("wybierz", "choose"))).chain(
            state
                .store
                .consultations(false)
                .await?
                .into_iter()
                .take(RECENT_MAX)
                .map(|c| (c.id.to_string(), format!("#{} {}", c.id, c.title))),
        ),
        form.link_consultation.trim(),
    );
    let gmina = super::reports::gmina_json(state).await?;
    let used = text_bytes(&form.title, &form.body);
    let preview = preview.map(|n| preview_text(lang, n));
    let ctx = PageCtx::new(
        staff,
        "/admin/notifications/new",
        lang.t("Nowe powiadomienie", "New notification"),
    )
    .wide();
    let page = ComposePage {
        ctx,
        form,
        errors,
        preview,
        topics,
        categories,
        localities,
        news,
        events,
        reports,
        consultations,
        budget: text_budget(),
        used,
        tiles: super::settings::tile_url(state).await,
        gmina,
    };
    Ok(Page::with_status(status, page).into_response())
}

pub async fn new(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&staff)?;
    let form = ComposeForm {
        class: "normal".into(),
        topic: Topic::News.as_str().into(),
        link_kind: "none".into(),
        when: "now".into(),
        send_at: (state.clock.now() + Duration::hours(1))
            .with_timezone(&LOCAL_TZ)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        key: new_token(),
        ..Default::default()
    };
    compose_page(&state, &staff, StatusCode::OK, form, BTreeMap::new(), None).await
}

/// Checks the form whole: the draft's own rules, the localities are this
/// gmina's, the payload fits every push service, an alert is confirmed.
async fn check(
    state: &AppState,
    lang: Lang,
    form: &ComposeForm,
    sending: bool,
) -> AdminResult<Result<NotificationDraft, Problem>> {
    let draft = match form.draft(lang, state.clock.now()) {
        Ok(d) => d,
        Err(p) => return Ok(Err(p)),
    };
    if let Err(e) = draft.validate() {
        return Ok(Err((form_field(&e.field), lang.t(&e.pl, &e.en).to_owned())));
    }
    if let Err(e) = draft.check_payload() {
        let api = ApiError::from(e);
        return Ok(Err((
            "body",
            lang.t(&api.message.pl, &api.message.en).to_owned(),
        )));
    }
    let (_, localities) = state.store.gmina().await?;
    if draft
        .areas
        .iter()
        .any(|a| matches!(a, Area::Locality { id } if !localities.iter().any(|l| l.id == *id)))
    {
        return Ok(Err((
            "localities",
            lang.t(
                "Nie ma takiej miejscowości w gminie.",
                "No such locality in the gmina.",
            )
            .to_owned(),
        )));
    }
    // An alert ignores quiet hours and cannot be muted in the app (the
    // Warszawa 19115 rule, NOTIFICATIONS-WASTE.md §5): say so, and send
    // only once the official has confirmed it.
    if sending && form.is_alert() && !form.confirm_alert {
        return Ok(Err((
            "confirm_alert",
            lang.t(
                "Alert przychodzi także w godzinach ciszy i mieszkańcy nie mogą go wyłączyć. Potwierdź, że to alert, albo wybierz powiadomienie zwykłe.",
                "An alert also arrives in quiet hours and residents cannot turn it off. Confirm that this is an alert, or choose a normal notification.",
            )
            .to_owned(),
        )));
    }
    Ok(Ok(draft))
}

/// `POST /admin/notifications`: `action=preview` re-renders the form with
/// the recipient count; otherwise the notification is stored with its
/// fan-out job and the browser goes to its page.
pub async fn create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&staff)?;
    let lang = staff.lang;
    let mut form = ComposeForm::parse(&f);
    let sending = f.get("action") != Some("preview");
    if form.key.is_empty() || form.key.len() > 100 {
        // A form from before this page had keys, or not from it at all.
        form.key = new_token();
        let errors = BTreeMap::from([(
            "form",
            lang.t(
                "Formularz wygasł. Sprawdź go i wyślij ponownie.",
                "The form expired. Check it and send it again.",
            )
            .to_owned(),
        )]);
        return compose_page(&state, &staff, StatusCode::BAD_REQUEST, form, errors, None).await;
    }
    let draft = match check(&state, lang, &form, sending).await? {
        Ok(d) => d,
        Err((field, msg)) => {
            return compose_page(
                &state,
                &staff,
                StatusCode::BAD_REQUEST,
                form,
                BTreeMap::from([(field, msg)]),
                None,
            )
            .await;
        }
    };
    if !sending {
        let n = count_recipients(state.store.as_ref(), &draft.target()).await?;
        return compose_page(
            &state,
            &staff,
            StatusCode::OK,
            form,
            BTreeMap::new(),
            Some(n),
        )
        .await;
    }
    let now = state.clock.now();
    let send_at = draft.send_at.unwrap_or(now).max(now);
    let request =
        serde_json::to_string(&draft).map_err(|e| AdminError::internal(format!("draft: {e}")))?;
    let key = IdempotencyKey {
        // Per official: one official's key never answers another's post.
        scope: format!("{FORM_SCOPE}:{}", staff.user_id),
        key: form.key.clone(),
        request_hash: sha256_hex(request.as_bytes()),
    };
    let target: Target = draft.target();
    let n = NewNotification {
        class: draft.class(),
        target,
        title: draft.title.clone(),
        body: draft.body.clone(),
        link: draft.link.clone(),
        report: None,
        send_at,
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let (id, created) = state
        .store
        .create_notification_once(staff.actor(), n, key)
        .await?;
    if created {
        tracing::info!(gmina = %state.store.gmina_scope(), notification = id, topic = draft.topic.as_str(), "notification queued from the back office");
    }
    Ok(Redirect::to(&format!("/admin/notifications/{id}")).into_response())
}
