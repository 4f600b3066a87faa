//! Triage: the report list (filters, sorting, paging, bulk actions, CSV),
//! the map, the detail page and its actions. Status moves go through the
//! store's workflow (`change_report_status`), the same code the API uses.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::consultations::csv::csv_cell_escape;
use mm_protocol::reports::{LocationSource, Report, ReportCategory, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest};
use mm_protocol::validation::Validate;

use super::html::{json_for_script, qenc};
use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Choice, Lang, Page, PageCtx, choices, local};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::jobs::JobKind;
use crate::store::jobs::{JobFilter, JobState};
use crate::store::{AdminReportFilter, AdminReportPage, AdminReportSort, Department, ReportMarker};

const PAGE_SIZE: usize = 50;
/// The most rows one CSV export carries (the newest by the chosen order);
/// the `X-Total-Count` header and the list say when more matched.
pub const CSV_MAX_ROWS: usize = 10_000;
/// The most points the map shows (the newest by the chosen order).
const MAP_MAX_POINTS: usize = 2000;
const ALL_STATUSES: [ReportStatus; 6] = [
    ReportStatus::New,
    ReportStatus::Accepted,
    ReportStatus::InProgress,
    ReportStatus::Resolved,
    ReportStatus::Rejected,
    ReportStatus::Duplicate,
];

fn status_label(lang: Lang, s: ReportStatus) -> &'static str {
    match lang {
        Lang::Pl => s.label_pl(),
        Lang::En => s.label_en(),
    }
}

fn visibility_label(lang: Lang, v: Visibility) -> &'static str {
    match v {
        Visibility::Public => lang.t("publiczne", "public"),
        Visibility::Redacted => lang.t("treść i zdjęcia ukryte przed publicznym widokiem", "content and photos withheld from the public"),
        Visibility::Hidden => lang.t("całe ukryte przed publicznym widokiem", "withheld from the public entirely"),
    }
}

/// A report's status as the pages show it, with its mark when withheld.
struct StatusView {
    key: &'static str,
    label: &'static str,
    /// The visibility's key and label, when not public.
    withheld: Option<(&'static str, &'static str)>,
}

fn status_view(lang: Lang, r: &Report) -> StatusView {
    StatusView {
        key: r.status.as_str(),
        label: status_label(lang, r.status),
        withheld: (!r.visibility.is_public()).then(|| (r.visibility.as_str(), visibility_label(lang, r.visibility))),
    }
}

/// Open and older than its category's target time.
pub fn is_overdue(r: &Report, cats: &HashMap<String, ReportCategory>, now: DateTime<Utc>) -> bool {
    overdue(r.status, &r.category, r.created_at, cats, now)
}

fn overdue(
    status: ReportStatus,
    category: &str,
    created_at: DateTime<Utc>,
    cats: &HashMap<String, ReportCategory>,
    now: DateTime<Utc>,
) -> bool {
    status.is_open()
        && cats
            .get(category)
            .and_then(|c| c.target_hours)
            .is_some_and(|h| created_at + chrono::Duration::hours(i64::from(h)) < now)
}

/// The list's query, as typed in the filter form.
#[derive(Debug, Default, Clone)]
struct ListQuery {
    status: String,
    category: String,
    department: String,
    from: String,
    to: String,
    overdue: bool,
    /// Only reports assigned to the signed-in official personally.
    mine: bool,
    q: String,
    sort: String,
    page: usize,
}

impl ListQuery {
    fn parse(raw: Option<&str>) -> ListQuery {
        let f = Form::parse(raw.unwrap_or("").as_bytes());
        let s = |k: &str| f.get(k).unwrap_or("").trim().to_owned();
        ListQuery {
            status: s("status"),
            category: s("category"),
            department: s("department"),
            from: s("from"),
            to: s("to"),
            overdue: f.flag("overdue"),
            mine: f.flag("mine"),
            q: s("q"),
            sort: s("sort"),
            page: f.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1),
        }
    }

    /// The query string without `page` (for paging and CSV links).
    fn to_query(&self) -> String {
        let mut parts = vec![];
        for (k, v) in [
            ("status", &self.status),
            ("category", &self.category),
            ("department", &self.department),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", qenc(v)));
            }
        }
        if self.overdue {
            parts.push("overdue=1".into());
        }
        if self.mine {
            parts.push("mine=1".into());
        }
        parts.join("&")
    }
}

fn day(s: &str) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    LOCAL_TZ
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Runs the filters, the order and the window (`offset`, at most `limit`
/// rows) in the store; a department user only ever sees their department.
async fn filtered(
    state: &AppState,
    staff: &Staff,
    q: &ListQuery,
    cats: &HashMap<String, ReportCategory>,
    offset: usize,
    limit: Option<usize>,
) -> Result<AdminReportPage, crate::store::StoreError> {
    let window = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let filter = AdminReportFilter { offset: window(offset), limit: limit.map(window), ..list_filter(state, staff, q, cats) };
    state.store.admin_reports(filter).await
}

/// The filters and the order an official chose, over every report they
/// may see (no window).
fn list_filter(state: &AppState, staff: &Staff, q: &ListQuery, cats: &HashMap<String, ReportCategory>) -> AdminReportFilter {
    let department = if staff.all_reports() {
        match q.department.as_str() {
            "" => None,
            "none" => Some(None),
            d => d.parse().ok().map(Some),
        }
    } else {
        // No department: nothing to see.
        Some(Some(staff.department.unwrap_or(-1)))
    };
    let now = state.clock.now();
    // Overdue: older than the category's target (`is_overdue`), as cutoffs.
    let overdue_before = q.overdue.then(|| {
        cats.values()
            .filter_map(|c| c.target_hours.map(|h| (c.id.clone(), now - chrono::Duration::hours(i64::from(h)))))
            .collect()
    });
    let sort = match q.sort.as_str() {
        "oldest" => AdminReportSort::Oldest,
        "updated" => AdminReportSort::RecentlyUpdated,
        "status" => AdminReportSort::Status,
        "category" => AdminReportSort::Category,
        _ => AdminReportSort::Newest,
    };
    AdminReportFilter {
        statuses: ReportStatus::parse(&q.status).into_iter().collect(),
        category: Some(q.category.clone()).filter(|c| !c.is_empty()),
        department,
        start: day(&q.from),
        end: day(&q.to).map(|t| t + chrono::Duration::days(1)),
        text: Some(q.q.clone()).filter(|t| !t.is_empty()),
        overdue_before,
        assignee: q.mine.then_some(staff.user_id),
        sort,
        offset: 0,
        limit: None,
    }
}

async fn lookups(state: &AppState) -> AdminResult<(HashMap<String, ReportCategory>, Vec<Department>)> {
    let cats = state
        .store
        .report_categories()
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    Ok((cats, state.store.list_departments().await?))
}

fn cat_name(lang: Lang, cats: &HashMap<String, ReportCategory>, id: &str) -> String {
    cats.get(id)
        .map(|c| lang.t(&c.name_pl, &c.name_en).to_owned())
        .unwrap_or_else(|| id.to_owned())
}

fn dept_name(depts: &[Department], id: Option<i64>) -> String {
    id.and_then(|i| depts.iter().find(|d| d.id == i))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// The filter form's fields and choices.
struct Filters {
    /// The list or the map.
    action: &'static str,
    q: String,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    /// For those who see every department's reports.
    departments: Option<Vec<Choice>>,
    from: String,
    to: String,
    overdue: bool,
    mine: bool,
    sorts: Vec<Choice>,
}

fn filters(staff: &Staff, q: &ListQuery, cats: &HashMap<String, ReportCategory>, depts: &[Department], action: &'static str) -> Filters {
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let statuses = choices(
        std::iter::once(("", t("wszystkie", "all"))).chain(ALL_STATUSES.iter().map(|s| (s.as_str(), status_label(lang, *s)))),
        &q.status,
    );
    let mut cl: Vec<_> = cats.values().collect();
    cl.sort_by(|a, b| a.id.cmp(&b.id));
    let categories = choices(
        std::iter::once((String::new(), t("wszystkie", "all").to_owned()))
            .chain(cl.iter().map(|c| (c.id.clone(), lang.t(&c.name_pl, &c.name_en).to_owned()))),
        &q.category,
    );
    let departments = staff.all_reports().then(|| {
        choices(
            [(String::new(), t("wszystkie", "all").to_owned()), ("none".to_owned(), t("nieprzypisane", "unassigned").to_owned())]
                .into_iter()
                .chain(depts.iter().map(|x| (x.id.to_string(), x.name.clone()))),
            &q.department,
        )
    });
    let sorts = choices(
        [
            ("newest", t("najnowsze", "newest")),
            ("oldest", t("najstarsze", "oldest")),
            ("updated", t("ostatnio zmienione", "recently changed")),
            ("status", t("status", "status")),
            ("category", t("kategoria", "category")),
        ],
        if q.sort.is_empty() { "newest" } else { &q.sort },
    );
    Filters {
        action,
        q: q.q.clone(),
        statuses,
        categories,
        departments,
        from: q.from.clone(),
        to: q.to.clone(),
        overdue: q.overdue,
        mine: q.mine,
        sorts,
    }
}

/// One row of the list.
struct ListRow {
    id: i64,
    category: String,
    status: StatusView,
    department: String,
    person: String,
    received: String,
    overdue: bool,
    /// The first 80 characters.
    description: String,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ListPage<'a> {
    ctx: PageCtx<'a>,
    filters: Filters,
    total: usize,
    /// The list's query without `page` (paging, CSV and map links).
    qs: String,
    /// More matched than one CSV export carries.
    csv_cut: bool,
    csv_max: usize,
    rows: Vec<ListRow>,
    bulk: Vec<Choice>,
    page: usize,
    pages: usize,
}

pub async fn list(Tenant(state): Tenant, staff: Staff, RawQuery(raw): RawQuery) -> AdminResult<Response> {
    staff.permit(staff.can_triage())?;
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = lookups(&state).await?;
    // One page from the store; past the last page, the last page.
    let page_at = |n: usize| n.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let mut found = filtered(&state, &staff, &q, &cats, page_at(q.page), Some(PAGE_SIZE)).await?;
    let total = usize::try_from(found.total).unwrap_or(usize::MAX);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = q.page.min(pages);
    if page < q.page {
        found = filtered(&state, &staff, &q, &cats, page_at(page), Some(PAGE_SIZE)).await?;
    }
    let now = state.clock.now();
    let people = super::assignee::assignees(&state).await?;
    let rows = found
        .rows
        .iter()
        .map(|r| {
            let rep = &r.report;
            ListRow {
                id: rep.id,
                category: cat_name(lang, &cats, &rep.category),
                status: status_view(lang, rep),
                department: dept_name(&depts, r.department_id),
                person: people.get(&rep.id).map(|a| a.login.clone()).unwrap_or_default(),
                received: local(rep.created_at),
                overdue: is_overdue(rep, &cats, now),
                description: rep.description.chars().take(80).collect(),
            }
        })
        .collect();
    let mut bulk = vec![
        ("accept".to_owned(), t("Przyjmij", "Accept").to_owned()),
        ("in_progress".to_owned(), t("W realizacji", "In progress").to_owned()),
        ("resolve".to_owned(), t("Załatw", "Resolve").to_owned()),
        ("reject".to_owned(), t("Odrzuć", "Reject").to_owned()),
    ];
    if staff.all_reports() {
        bulk.extend(depts.iter().map(|d| (format!("assign:{}", d.id), [t("Przypisz do:", "Assign to:"), d.name.as_str()].join(" "))));
    }
    let page = ListPage {
        ctx: PageCtx::new(&staff, "/admin/reports", t("Zgłoszenia", "Reports")),
        filters: filters(&staff, &q, &cats, &depts, "/admin/reports"),
        total,
        qs: q.to_query(),
        csv_cut: total > CSV_MAX_ROWS,
        csv_max: CSV_MAX_ROWS,
        rows,
        bulk: choices(bulk, ""),
        page,
        pages,
    };
    Ok(Page::ok(page).into_response())
}

/// A CSV cell: quoted, and a formula defused the one way every export
/// does (`csv_cell_escape`: a leading `= + - @`, their full-width forms,
/// or a tab or CR, also after leading spaces; OWASP "CSV Injection").
fn csv_cell(s: &str) -> String {
    format!("\"{}\"", csv_cell_escape(s).replace('"', "\"\""))
}

pub async fn csv(Tenant(state): Tenant, staff: Staff, RawQuery(raw): RawQuery) -> AdminResult<Response> {
    staff.permit(staff.can_triage())?;
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = lookups(&state).await?;
    let found = filtered(&state, &staff, &q, &cats, 0, Some(CSV_MAX_ROWS)).await?;
    let now = state.clock.now();
    let mut out = String::from("id,created_at,category,status,department,lat,lon,address,description,overdue,followers\r\n");
    for r in found.rows {
        let p = &r.report;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\r\n",
            p.id,
            p.created_at.to_rfc3339(),
            csv_cell(&p.category),
            p.status.as_str(),
            csv_cell(&dept_name(&depts, r.department_id)),
            p.point.lat,
            p.point.lon,
            csv_cell(p.address.as_deref().unwrap_or("")),
            csv_cell(&p.description),
            is_overdue(p, &cats, now),
            p.followers,
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"zgloszenia.csv\"".to_owned()),
            // How many matched: more than the rows above means the export was cut.
            (header::HeaderName::from_static("x-total-count"), found.total.to_string()),
        ],
        out,
    )
        .into_response())
}

/// The gmina's boundary (outer ring, `[lon, lat]`) and localities for the
/// maps, drawn whether or not tiles load: inert JSON for a
/// `<script type="application/json">` block.
pub(super) async fn gmina_json(state: &AppState) -> AdminResult<String> {
    let (gmina, localities) = state.store.gmina().await?;
    let data = serde_json::json!({
        "name": gmina.as_ref().map(|g| g.name.clone()),
        "center": gmina.as_ref().map(|g| [g.center.lat, g.center.lon]),
        "boundary": gmina.as_ref().map(|g| g.boundary.rings.clone()).unwrap_or_default(),
        "localities": localities.iter().map(|l| serde_json::json!({"name": l.name, "lat": l.point.lat, "lon": l.point.lon})).collect::<Vec<_>>(),
    });
    Ok(json_for_script(&data))
}

/// One report in the map's table.
struct MapRow {
    id: i64,
    category: String,
    status: &'static str,
    location: String,
}

#[derive(Template)]
#[template(path = "admin/map.html")]
struct MapPage<'a> {
    ctx: PageCtx<'a>,
    filters: Filters,
    /// The tile template (empty: no background).
    tiles: String,
    /// The markers (`MapData`), as inert JSON.
    points: String,
    gmina: String,
    /// The markers drawn; `cut`: more matched than the map draws.
    shown: usize,
    cut: bool,
    max: usize,
    /// One page of the table beside the map, in the map's order.
    rows: Vec<MapRow>,
    /// The filters' query without `page`.
    qs: String,
    page: usize,
    pages: usize,
}

/// The map's data: each label once, and each marker as a short array
/// `[id, lat, lon, status, category, overdue]` whose status and category
/// index the label lists. 2,000 markers stay about 70 KB, a tenth of the
/// same points as objects with their labels repeated.
#[derive(serde::Serialize)]
struct MapData {
    statuses: Vec<&'static str>,
    categories: Vec<String>,
    points: Vec<(i64, f64, f64, usize, usize, u8)>,
}

impl MapData {
    fn new(lang: Lang, cats: &HashMap<String, ReportCategory>, markers: &[ReportMarker], now: DateTime<Utc>) -> MapData {
        let statuses = ALL_STATUSES.iter().map(|s| status_label(lang, *s)).collect();
        let mut categories: Vec<String> = Vec::new();
        let mut category_at: HashMap<&str, usize> = HashMap::new();
        // Six decimals of a degree: 11 cm, finer than any phone's GPS.
        let round = |x: f64| (x * 1e6).round() / 1e6;
        let points = markers
            .iter()
            .map(|m| {
                let category = *category_at.entry(m.category.as_str()).or_insert_with(|| {
                    categories.push(cat_name(lang, cats, &m.category));
                    categories.len() - 1
                });
                let status = ALL_STATUSES.iter().position(|s| *s == m.status).unwrap_or(0);
                let overdue = overdue(m.status, &m.category, m.created_at, cats, now);
                (m.id, round(m.point.lat), round(m.point.lon), status, category, u8::from(overdue))
            })
            .collect();
        MapData { statuses, categories, points }
    }
}

pub async fn map(Tenant(state): Tenant, staff: Staff, RawQuery(raw): RawQuery) -> AdminResult<Response> {
    staff.permit(staff.can_triage())?;
    let lang = staff.lang;
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = lookups(&state).await?;
    // One more than drawn, to say when the filters matched more.
    let mut filter = list_filter(&state, &staff, &q, &cats);
    filter.limit = Some(u32::try_from(MAP_MAX_POINTS + 1).unwrap_or(u32::MAX));
    let mut markers = state.store.admin_report_markers(filter).await?;
    let cut = markers.len() > MAP_MAX_POINTS;
    markers.truncate(MAP_MAX_POINTS);
    let data = MapData::new(lang, &cats, &markers, state.clock.now());
    // The table is the map's text alternative, a page at a time; past the
    // last page, the last page.
    let pages = markers.len().div_ceil(PAGE_SIZE).max(1);
    let page = q.page.min(pages);
    let rows = markers
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|m| MapRow {
            id: m.id,
            category: cat_name(lang, &cats, &m.category),
            status: status_label(lang, m.status),
            location: format!("{:.5}, {:.5}", m.point.lat, m.point.lon),
        })
        .collect();
    let page = MapPage {
        ctx: PageCtx::new(&staff, "/admin/map", lang.t("Mapa zgłoszeń", "Map of reports")).wide(),
        filters: filters(&staff, &q, &cats, &depts, "/admin/map"),
        tiles: super::settings::tile_url(&state).await,
        // Category names are an admin's text: the JSON must not leave its <script>.
        points: json_for_script(&data),
        gmina: gmina_json(&state).await?,
        shown: markers.len(),
        cut,
        max: MAP_MAX_POINTS,
        rows,
        qs: q.to_query(),
        page,
        pages,
    };
    Ok(Page::ok(page).into_response())
}

/// Checks that the official may handle report `id`: 404 unknown, 403 not
/// theirs; its department when they may.
async fn guarded(state: &AppState, staff: &Staff, id: i64) -> AdminResult<Option<i64>> {
    staff.permit(staff.can_triage())?;
    let dept = match state.store.report_department(id).await {
        Ok(d) => d,
        Err(crate::store::StoreError::NotFound) => return Err(no_report()),
        Err(e) => return Err(e.into()),
    };
    staff.permit(staff.may_handle(dept))?;
    Ok(dept)
}

fn no_report() -> AdminError {
    AdminError::not_found("Nie ma takiego zgłoszenia.", "There is no such report.")
}

/// The statuses a report is still being handled in.
const OPEN: [ReportStatus; 3] = [ReportStatus::New, ReportStatus::Accepted, ReportStatus::InProgress];

/// The report after this one: the next open report below it in the list's
/// default order (newest first) that this official may handle, and after
/// the last one, the newest again. `None` when no other is open.
async fn next_open(state: &AppState, staff: &Staff, r: &Report) -> AdminResult<Option<i64>> {
    let department = if staff.all_reports() { None } else { Some(Some(staff.department.unwrap_or(-1))) };
    let filter = |end: Option<DateTime<Utc>>| AdminReportFilter {
        statuses: OPEN.to_vec(),
        department,
        end,
        sort: AdminReportSort::Newest,
        limit: Some(2),
        ..Default::default()
    };
    for end in [Some(r.created_at), None] {
        // Markers: two short rows, no count of every open report.
        let two = state.store.admin_report_markers(filter(end)).await?;
        if let Some(next) = two.iter().map(|m| m.id).find(|id| *id != r.id) {
            return Ok(Some(next));
        }
    }
    Ok(None)
}

/// Where a report stands in the EZD, for the report page.
struct EzdView {
    /// `registered`, `pending` or `failed` (a CSS class).
    key: &'static str,
    label: String,
    /// The last error of a delivery that needs an official.
    error: Option<String>,
}

/// The registration (RPW number), or why there is none yet: waiting in
/// the outbox, or a dead letter that needs a retry.
async fn ezd_view(state: &AppState, lang: Lang, id: i64) -> AdminResult<EzdView> {
    let registered = state.store.ezd_report(id).await?.registered;
    // Dead letters are few (an official clears them), so a scan is cheap.
    let dead = state
        .store
        .jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: 10_000 })
        .await?
        .into_iter()
        .find(|d| d.report_id() == Some(id) && d.kind.starts_with("ezd."));
    Ok(match (registered, dead) {
        (_, Some(d)) => EzdView {
            key: "failed",
            label: if d.kind == JobKind::EzdOpenCase.as_str() {
                lang.t("sprawa nie została założona", "the case was not opened").to_owned()
            } else {
                lang.t("niedostarczone", "not delivered").to_owned()
            },
            error: Some(d.last_error.unwrap_or_default()),
        },
        (Some(r), None) => EzdView { key: "registered", label: [lang.t("zarejestrowane", "registered"), r.rpw_number.as_str()].join(" "), error: None },
        (None, None) => EzdView { key: "pending", label: lang.t("czeka na rejestrację", "waiting to be registered").to_owned(), error: None },
    })
}

struct PhotoView {
    url: String,
    /// As people count, for the alt text.
    n: usize,
}

/// A line of the history, the notes or the visibility decisions.
struct LogLine {
    at: String,
    who: String,
    status: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage<'a> {
    ctx: PageCtx<'a>,
    id: i64,
    status: StatusView,
    overdue: bool,
    visibility: &'static str,
    category: String,
    department: String,
    received: String,
    location: String,
    lat: f64,
    lon: f64,
    address: String,
    followers: u32,
    case_reference: Option<String>,
    ezd: EzdView,
    duplicate_of: Option<i64>,
    contact: String,
    answers: Vec<(String, String)>,
    description: String,
    photos: Vec<PhotoView>,
    tiles: String,
    gmina: String,
    next: Option<i64>,
    actions: Vec<Choice>,
    /// For those who assign departments.
    departments: Option<Vec<Choice>>,
    assignee: Option<String>,
    people: Vec<Choice>,
    history: Vec<LogLine>,
    notes: Vec<LogLine>,
    visibility_log: Vec<LogLine>,
    visibilities: Vec<Choice>,
}

pub async fn detail(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>) -> AdminResult<Response> {
    let id = id.parse::<i64>().map_err(|_| no_report())?;
    let dept = guarded(&state, &staff, id).await?;
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let (cats, depts) = lookups(&state).await?;
    let int = state.store.report_internal(id).await?.ok_or_else(no_report)?;
    let r = &int.report;
    let cat = cats.get(&r.category);
    let answers = r
        .answers
        .iter()
        .map(|(k, v)| {
            cat.and_then(|c| c.attributes.iter().find(|a| &a.code == k))
                .map(|a| {
                    let val = a.values.iter().find(|x| &x.key == v).map(|x| lang.t(&x.name_pl, &x.name_en).to_owned()).unwrap_or_else(|| v.clone());
                    (lang.t(&a.label_pl, &a.label_en).to_owned(), val)
                })
                .unwrap_or_else(|| (k.clone(), v.clone()))
        })
        .collect();
    let contact = int
        .contact
        .as_ref()
        .map(|c| [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let source = match int.location_source {
        LocationSource::Gps => t("GPS telefonu", "the phone's GPS"),
        LocationSource::Pin => t("pinezka na mapie", "a pin on the map"),
    };
    // Only the moves the workflow allows from here.
    let mut actions: Vec<(&str, &str)> = Vec::new();
    for (key, to, pl, en) in [
        ("accept", ReportStatus::Accepted, "Przyjmij", "Accept"),
        ("in_progress", ReportStatus::InProgress, "W realizacji", "Set in progress"),
        ("resolve", ReportStatus::Resolved, "Załatw", "Resolve"),
        ("reject", ReportStatus::Rejected, "Odrzuć (podaj powód)", "Reject (give the reason)"),
        ("duplicate", ReportStatus::Duplicate, "Oznacz jako duplikat", "Mark as duplicate"),
        ("note", r.status, "Tylko notatka", "Note only"),
    ] {
        let ok = if key == "note" { true } else { r.status.can_move_to(to) };
        if ok && (key != "duplicate" || staff.all_reports()) {
            actions.push((key, t(pl, en)));
        }
    }
    let assignee = state.store.report_assignee(id).await?;
    let people = choices(
        std::iter::once((String::new(), t("— nikt —", "— nobody —").to_owned()))
            .chain(state.store.assignable_users(id).await?.into_iter().map(|p| (p.user_id.to_string(), p.login))),
        &assignee.as_ref().map(|a| a.user_id.to_string()).unwrap_or_default(),
    );
    let page = ReportPage {
        // The language switch comes back to this report.
        ctx: PageCtx::new(&staff, format!("/admin/reports/{id}"), format!("{} #{id}", t("Zgłoszenie", "Report"))).wide(),
        id,
        status: status_view(lang, r),
        overdue: is_overdue(r, &cats, state.clock.now()),
        visibility: visibility_label(lang, r.visibility),
        category: cat_name(lang, &cats, &r.category),
        department: dept_name(&depts, dept),
        received: local(r.created_at),
        location: format!("{:.5}, {:.5} ({source})", r.point.lat, r.point.lon),
        lat: r.point.lat,
        lon: r.point.lon,
        address: r.address.clone().unwrap_or_default(),
        followers: r.followers,
        case_reference: r.case_reference.clone(),
        ezd: ezd_view(&state, lang, id).await?,
        duplicate_of: r.duplicate_of,
        contact,
        answers,
        description: r.description.clone(),
        // A withheld photo 404s at its public URL; officials get it here.
        photos: r
            .photos
            .iter()
            .enumerate()
            .map(|(i, p)| PhotoView {
                url: if r.visibility.is_public() { p.url.clone() } else { format!("/admin/reports/{id}/photos/{}", p.id) },
                n: i + 1,
            })
            .collect(),
        tiles: super::settings::tile_url(&state).await,
        gmina: gmina_json(&state).await?,
        next: next_open(&state, &staff, r).await?,
        actions: choices(actions, ""),
        departments: staff.all_reports().then(|| {
            choices(
                std::iter::once((String::new(), t("— brak —", "— none —").to_owned()))
                    .chain(depts.iter().map(|x| (x.id.to_string(), x.name.clone()))),
                &dept.map(|x| x.to_string()).unwrap_or_default(),
            )
        }),
        assignee: assignee.map(|a| a.login),
        people,
        history: r
            .history
            .iter()
            .map(|h| LogLine { at: local(h.at), who: String::new(), status: status_label(lang, h.status), text: h.public_reply.clone().unwrap_or_default() })
            .collect(),
        notes: int.notes.iter().map(|n| LogLine { at: local(n.at), who: n.actor.clone(), status: "", text: n.note.clone() }).collect(),
        visibility_log: int
            .visibility_log
            .iter()
            .map(|d| LogLine { at: local(d.at), who: d.actor.clone(), status: visibility_label(lang, d.visibility), text: d.reason.clone() })
            .collect(),
        visibilities: choices(
            [Visibility::Public, Visibility::Redacted, Visibility::Hidden].map(|v| (v.as_str(), visibility_label(lang, v))),
            r.visibility.as_str(),
        ),
    };
    Ok(Page::ok(page).into_response())
}

/// `POST /admin/reports/{id}/visibility`: withhold or publish again.
pub async fn visibility(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    guarded(&state, &staff, id).await?;
    let Some(visibility) = form.get("visibility").and_then(Visibility::parse) else {
        return Err(AdminError::bad_request("Wybierz widoczność.", "Choose the visibility."));
    };
    let change = VisibilityChangeRequest { visibility, reason: form.get("reason").unwrap_or("").to_owned() };
    change
        .validate()
        .map_err(|e| AdminError::bad_request(format!("Powód: {}", e.pl), format!("Reason: {}", e.en)))?;
    state.store.set_report_visibility(staff.actor(), id, change, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/reports/{id}")))
}

/// `GET /admin/reports/{id}/photos/{photo}`: a report's photo for the
/// officials who may handle the report, whatever the public sees of it.
pub async fn photo(Tenant(state): Tenant, staff: Staff, Path((id, photo)): Path<(i64, String)>) -> AdminResult<Response> {
    guarded(&state, &staff, id).await?;
    let not_found = || AdminError::not_found("Nie ma takiego zdjęcia.", "There is no such photo.");
    if !state.store.report_has_photo(id, &photo).await? {
        return Err(not_found());
    }
    let (meta, bytes) = state.store.photo(&photo).await?.ok_or_else(not_found)?;
    let ct = if meta.content_type == "image/png" { "image/png" } else { "image/jpeg" };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            // Withheld content stays out of shared caches.
            (header::CACHE_CONTROL, "private, no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

/// Turns a form's action into a workflow move.
fn change_for(action: &str, form: &Form, current: ReportStatus) -> Option<StatusChangeRequest> {
    let status = match action {
        "accept" => ReportStatus::Accepted,
        "in_progress" => ReportStatus::InProgress,
        "resolve" => ReportStatus::Resolved,
        "reject" => ReportStatus::Rejected,
        "duplicate" => ReportStatus::Duplicate,
        "note" => current,
        _ => return None,
    };
    Some(StatusChangeRequest {
        status,
        public_reply: form.text("public_reply"),
        internal_note: form.text("internal_note"),
        duplicate_of: (status == ReportStatus::Duplicate)
            .then(|| form.get("duplicate_of").and_then(|d| d.trim().parse().ok()))
            .flatten(),
    })
}

fn unknown_action() -> AdminError {
    AdminError::bad_request("Nieznane działanie.", "Unknown action.")
}

/// A status change refused by its check: 400 with the check's words.
fn refused(e: mm_protocol::validation::FieldError) -> AdminError {
    AdminError::bad_request(e.pl, e.en)
}

pub async fn action(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    guarded(&state, &staff, id).await?;
    let action = form.get("action").unwrap_or("");
    if action == "duplicate" && !staff.all_reports() {
        return Err(AdminError::forbidden());
    }
    // The officials' view: a report hidden from the public is still handled.
    let report = state.store.report_internal(id).await?.ok_or_else(no_report)?.report;
    let change = change_for(action, &form, report.status).ok_or_else(unknown_action)?;
    let now = state.clock.now();
    if action == "note" {
        // A note without a move: stored as an assignment-free internal note.
        if let Some(n) = change.internal_note.clone() {
            let dept = state.store.report_department(id).await?;
            state.store.assign_report(staff.actor(), id, dept, Some(n), now).await?;
        }
    } else {
        change.validate().map_err(refused)?;
        state.store.change_report_status(staff.actor(), id, change, now).await?;
    }
    Ok(Redirect::to(&format!("/admin/reports/{id}")))
}

pub async fn assign(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    staff.permit(staff.all_reports())?;
    let dept = form.get("department").and_then(|d| d.parse::<i64>().ok());
    state.store.assign_report(staff.actor(), id, dept, form.text("internal_note"), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/reports/{id}")))
}

pub async fn bulk(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let form = staff.posted(&body)?;
    staff.permit(staff.can_triage())?;
    let ids: Vec<i64> = form.all("id").iter().filter_map(|i| i.parse().ok()).collect();
    let action = form.get("action").unwrap_or("").to_owned();
    let now = state.clock.now();
    let mut failed = Vec::new();
    // The move is the same for every selected report (notes and duplicates
    // are single-report actions), so it is checked once, before anything
    // changes, with the same rules as a single report's form and the API.
    let assign = action.strip_prefix("assign:");
    if assign.is_none() {
        let change = change_for(&action, &form, ReportStatus::New)
            .filter(|_| !matches!(action.as_str(), "duplicate" | "note"))
            .ok_or_else(unknown_action)?;
        change.validate().map_err(refused)?;
    } else {
        staff.permit(staff.all_reports())?;
    }
    // Check every report first: one forbidden report refuses the lot.
    for id in &ids {
        guarded(&state, &staff, *id).await?;
    }
    for id in &ids {
        let res = if let Some(d) = assign {
            state.store.assign_report(staff.actor(), *id, d.parse().ok(), None, now).await
        } else {
            let Some(int) = state.store.report_internal(*id).await? else { continue };
            let change = change_for(&action, &form, int.report.status).ok_or_else(unknown_action)?;
            state.store.change_report_status(staff.actor(), *id, change, now).await.map(|_| ())
        };
        if res.is_err() {
            failed.push(id.to_string());
        }
    }
    if failed.is_empty() {
        Ok(Redirect::to("/admin/reports"))
    } else {
        let ids = failed.join(", ");
        Err(AdminError::new(
            axum::http::StatusCode::CONFLICT,
            format!("Nie udało się zmienić zgłoszeń (niedozwolona zmiana statusu): {ids}"),
            format!("Could not change these reports (move not allowed): {ids}"),
        ))
    }
}
