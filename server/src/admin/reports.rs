//! Triage: the report list (filters, sorting, paging, bulk actions, CSV),
//! the map, the detail page and its actions. Status moves go through the
//! store's workflow (`change_report_status`), the same code the API uses.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::reports::{Report, ReportCategory, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest};
use mm_protocol::validation::Validate;

use super::html::{Lang, error_page, esc, options, page, qenc};
use super::session::{Form, Staff};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AdminReportFilter, AdminReportPage, AdminReportSort, Department};

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

/// The mark next to a withheld report, wherever officials see it.
fn visibility_badge(lang: Lang, v: Visibility) -> String {
    if v.is_public() {
        String::new()
    } else {
        format!(r#" <span class="visibility v-{}">{}</span>"#, v.as_str(), visibility_label(lang, v))
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL_TZ).format("%Y-%m-%d %H:%M").to_string()
}

/// Open and older than its category's target time.
pub fn is_overdue(r: &Report, cats: &HashMap<String, ReportCategory>, now: DateTime<Utc>) -> bool {
    r.status.is_open()
        && cats
            .get(&r.category)
            .and_then(|c| c.target_hours)
            .is_some_and(|h| r.created_at + chrono::Duration::hours(i64::from(h)) < now)
}

fn store_err(staff: &Staff, e: crate::store::StoreError) -> Response {
    let api = AppError::from(e).into_api();
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let msg = match staff.lang {
        Lang::Pl => api.message.pl,
        Lang::En => api.message.en,
    };
    error_page(status, staff.lang, Some(staff), &msg)
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
    let window = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let filter = AdminReportFilter {
        statuses: ReportStatus::parse(&q.status).into_iter().collect(),
        category: Some(q.category.clone()).filter(|c| !c.is_empty()),
        department,
        start: day(&q.from),
        end: day(&q.to).map(|t| t + chrono::Duration::days(1)),
        text: Some(q.q.clone()).filter(|t| !t.is_empty()),
        overdue_before,
        assignee: q.mine.then_some(staff.user_id),
        sort,
        offset: window(offset),
        limit: limit.map(window),
    };
    state.store.admin_reports(filter).await
}

async fn lookups(state: &AppState) -> Result<(HashMap<String, ReportCategory>, Vec<Department>), crate::store::StoreError> {
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

fn filter_form(staff: &Staff, q: &ListQuery, cats: &HashMap<String, ReportCategory>, depts: &[Department], action: &str) -> String {
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let mut statuses = vec![(String::new(), t("wszystkie", "all").to_owned())];
    statuses.extend(ALL_STATUSES.iter().map(|s| (s.as_str().to_owned(), status_label(lang, *s).to_owned())));
    let mut cat_opts = vec![(String::new(), t("wszystkie", "all").to_owned())];
    let mut cl: Vec<_> = cats.values().collect();
    cl.sort_by(|a, b| a.id.cmp(&b.id));
    cat_opts.extend(cl.iter().map(|c| (c.id.clone(), lang.t(&c.name_pl, &c.name_en).to_owned())));
    let dept_field = if staff.all_reports() {
        let mut d = vec![
            (String::new(), t("wszystkie", "all").to_owned()),
            ("none".into(), t("nieprzypisane", "unassigned").to_owned()),
        ];
        d.extend(depts.iter().map(|x| (x.id.to_string(), x.name.clone())));
        format!(
            r#"<div><label for="f-department">{}</label><select id="f-department" name="department">{}</select></div>"#,
            t("Wydział", "Department"),
            options(&d, &q.department)
        )
    } else {
        String::new()
    };
    let sorts = [
        ("newest", t("najnowsze", "newest")),
        ("oldest", t("najstarsze", "oldest")),
        ("updated", t("ostatnio zmienione", "recently changed")),
        ("status", t("status", "status")),
        ("category", t("kategoria", "category")),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    format!(
        r#"<form method="get" action="{action}" class="filters" role="search" aria-label="{fl}">
<div><label for="f-q">{sq}</label><input id="f-q" name="q" type="search" value="{qv}"></div>
<div><label for="f-status">Status</label><select id="f-status" name="status">{so}</select></div>
<div><label for="f-category">{cat}</label><select id="f-category" name="category">{co}</select></div>
{dept_field}
<div><label for="f-from">{from}</label><input id="f-from" name="from" type="date" value="{fv}"></div>
<div><label for="f-to">{to}</label><input id="f-to" name="to" type="date" value="{tv}"></div>
<div class="check"><input id="f-overdue" name="overdue" type="checkbox" value="1"{ov}><label for="f-overdue">{od}</label></div>
<div class="check"><input id="f-mine" name="mine" type="checkbox" value="1"{mine}><label for="f-mine">{mel}</label></div>
<div><label for="f-sort">{sort}</label><select id="f-sort" name="sort">{sorto}</select></div>
<div><button type="submit">{apply}</button></div>
</form>"#,
        fl = t("Filtry zgłoszeń", "Report filters"),
        sq = t("Szukaj (opis, adres, numer)", "Search (description, address, number)"),
        qv = esc(&q.q),
        so = options(&statuses, &q.status),
        cat = t("Kategoria", "Category"),
        co = options(&cat_opts, &q.category),
        from = t("Od dnia", "From"),
        fv = esc(&q.from),
        to = t("Do dnia", "To"),
        tv = esc(&q.to),
        ov = if q.overdue { " checked" } else { "" },
        od = t("Tylko po terminie", "Overdue only"),
        mine = if q.mine { " checked" } else { "" },
        mel = t("Przypisane do mnie", "Assigned to me"),
        sort = t("Sortowanie", "Sort by"),
        sorto = options(&sorts, if q.sort.is_empty() { "newest" } else { &q.sort }),
        apply = t("Filtruj", "Filter"),
    )
}

pub async fn list(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = match lookups(&state).await {
        Ok(x) => x,
        Err(e) => return store_err(&staff, e),
    };
    // One page from the store; past the last page, the last page.
    let page_at = |n: usize| n.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let mut found = match filtered(&state, &staff, &q, &cats, page_at(q.page), Some(PAGE_SIZE)).await {
        Ok(r) => r,
        Err(e) => return store_err(&staff, e),
    };
    let total = usize::try_from(found.total).unwrap_or(usize::MAX);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let pageno = q.page.min(pages);
    if pageno < q.page {
        found = match filtered(&state, &staff, &q, &cats, page_at(pageno), Some(PAGE_SIZE)).await {
            Ok(r) => r,
            Err(e) => return store_err(&staff, e),
        };
    }
    let now = state.clock.now();
    let shown = found.rows.iter();
    let mut body = filter_form(&staff, &q, &cats, &depts, "/admin/reports");
    let qs = q.to_query();
    let csv_cut = if total > CSV_MAX_ROWS {
        format!(" ({} {CSV_MAX_ROWS})", t("pierwsze", "the first"))
    } else {
        String::new()
    };
    body.push_str(&format!(
        r#"<p class="count" role="status">{} {total}. <a href="/admin/reports.csv?{}">{}{csv_cut}</a> · <a href="/admin/map?{}">{}</a></p>"#,
        t("Znalezione zgłoszenia:", "Reports found:"),
        esc(&qs),
        t("Pobierz CSV", "Download CSV"),
        esc(&qs),
        t("Pokaż na mapie", "Show on the map"),
    ));
    body.push_str(&format!(
        r#"<form method="post" action="/admin/reports/bulk"><input type="hidden" name="csrf" value="{}">
<table class="reports"><caption>{}</caption><thead><tr>
<th scope="col"><span class="sr-only">{}</span></th><th scope="col">#</th><th scope="col">{}</th><th scope="col">Status</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        staff.csrf,
        t("Zgłoszenia mieszkańców", "Residents' reports"),
        t("Zaznacz", "Select"),
        t("Kategoria", "Category"),
        t("Wydział", "Department"),
        t("Osoba", "Person"),
        t("Przyjęto", "Received"),
        t("Termin", "Deadline"),
        t("Opis", "Description"),
    ));
    let people = super::assignee::assignees(&state).await;
    for r in shown {
        let rep = &r.report;
        let overdue = is_overdue(rep, &cats, now);
        let desc: String = rep.description.chars().take(80).collect();
        body.push_str(&format!(
            r#"<tr{cls}><td><input type="checkbox" name="id" value="{id}" id="sel-{id}"><label for="sel-{id}" class="sr-only">{sel} {id}</label></td><td><a href="/admin/reports/{id}">#{id}</a></td><td>{cat}</td><td><span class="status s-{st}">{stl}</span>{vis}</td><td>{dept}</td><td>{person}</td><td>{at}</td><td>{od}</td><td>{desc}</td></tr>"#,
            cls = if overdue { r#" class="overdue""# } else { "" },
            id = rep.id,
            sel = t("Zaznacz zgłoszenie", "Select report"),
            cat = esc(&cat_name(lang, &cats, &rep.category)),
            st = rep.status.as_str(),
            stl = status_label(lang, rep.status),
            vis = visibility_badge(lang, rep.visibility),
            dept = esc(&dept_name(&depts, r.department_id)),
            person = people.get(&rep.id).map(|a| esc(&a.login)).unwrap_or_default(),
            at = local(rep.created_at),
            od = if overdue { t("<strong>po terminie</strong>", "<strong>overdue</strong>") } else { "" },
            desc = esc(&desc),
        ));
    }
    if total == 0 {
        body.push_str(&format!(r#"<tr><td colspan="9">{}</td></tr>"#, t("Brak zgłoszeń.", "No reports.")));
    }
    body.push_str("</tbody></table>");
    // Bulk actions on the selection.
    let mut bulk = vec![
        ("accept".to_owned(), t("Przyjmij", "Accept").to_owned()),
        ("in_progress".to_owned(), t("W realizacji", "In progress").to_owned()),
        ("resolve".to_owned(), t("Załatw", "Resolve").to_owned()),
        ("reject".to_owned(), t("Odrzuć", "Reject").to_owned()),
    ];
    if staff.all_reports() {
        bulk.extend(depts.iter().map(|d| (format!("assign:{}", d.id), format!("{} {}", t("Przypisz do:", "Assign to:"), d.name))));
    }
    body.push_str(&format!(
        r#"<fieldset class="bulk"><legend>{}</legend>
<label for="bulk-action">{}</label><select id="bulk-action" name="action">{}</select>
<label for="bulk-reply">{}</label><textarea id="bulk-reply" name="public_reply" rows="2"></textarea>
<button type="submit">{}</button></fieldset></form>"#,
        t("Działanie na zaznaczonych", "Action on the selected"),
        t("Działanie", "Action"),
        options(&bulk, ""),
        t("Odpowiedź publiczna (opcjonalna)", "Public reply (optional)"),
        t("Wykonaj", "Apply"),
    ));
    // Paging.
    body.push_str(&format!(r#"<nav aria-label="{}" class="pages"><p>{} {pageno} / {pages}"#, t("Strony", "Pages"), t("Strona", "Page")));
    if pageno > 1 {
        body.push_str(&format!(r#" <a href="/admin/reports?{}&amp;page={}" rel="prev">{}</a>"#, esc(&qs), pageno - 1, t("Poprzednia", "Previous")));
    }
    if pageno < pages {
        body.push_str(&format!(r#" <a href="/admin/reports?{}&amp;page={}" rel="next">{}</a>"#, esc(&qs), pageno + 1, t("Następna", "Next")));
    }
    body.push_str("</p></nav>");
    page(lang, t("Zgłoszenia", "Reports"), Some(&staff), "/admin/reports", &body).into_response()
}

/// A CSV cell: quoted, and a leading `= + - @` defused (spreadsheet formulas).
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn csv(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = match lookups(&state).await {
        Ok(x) => x,
        Err(e) => return store_err(&staff, e),
    };
    let found = match filtered(&state, &staff, &q, &cats, 0, Some(CSV_MAX_ROWS)).await {
        Ok(r) => r,
        Err(e) => return store_err(&staff, e),
    };
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
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"zgloszenia.csv\"".to_owned()),
            // How many matched: more than the rows above means the export was cut.
            (header::HeaderName::from_static("x-total-count"), found.total.to_string()),
        ],
        out,
    )
        .into_response()
}

pub async fn map(State(state): State<AppState>, staff: Staff, RawQuery(raw): RawQuery) -> Response {
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let q = ListQuery::parse(raw.as_deref());
    let (cats, depts) = match lookups(&state).await {
        Ok(x) => x,
        Err(e) => return store_err(&staff, e),
    };
    let rows = match filtered(&state, &staff, &q, &cats, 0, Some(MAP_MAX_POINTS)).await {
        Ok(r) => r.rows,
        Err(e) => return store_err(&staff, e),
    };
    let now = state.clock.now();
    let points: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.report.id, "lat": r.report.point.lat, "lon": r.report.point.lon,
                "status": status_label(lang, r.report.status),
                "category": cat_name(lang, &cats, &r.report.category),
                "overdue": is_overdue(&r.report, &cats, now),
            })
        })
        .collect();
    // Category names are an admin's text: the JSON must not leave its <script>.
    let data = super::html::json_for_script(&points);
    // The tile URL is a setting (admins set it; MM_TILE_URL is the default); without it the map shows
    // the points on a plain background, which is enough to triage.
    let tiles = super::settings::tile_url(&state).await;
    let mut body = filter_form(&staff, &q, &cats, &depts, "/admin/map");
    body.push_str(&format!(
        r#"<link rel="stylesheet" href="/admin/assets/vendor/leaflet/leaflet.css">
<div id="map" class="map" data-tiles="{}" role="region" aria-label="{}"></div>
<script type="application/json" id="map-data">{data}</script>
<script src="/admin/assets/vendor/leaflet/leaflet.js"></script>
<script src="/admin/assets/admin-map.js"></script>
<table><caption>{}</caption><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">Status</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(&tiles),
        t("Mapa zgłoszeń", "Map of reports"),
        t("Zgłoszenia na mapie", "Reports on the map"),
        t("Kategoria", "Category"),
        t("Położenie", "Location"),
    ));
    for r in &rows {
        body.push_str(&format!(
            r#"<tr><td><a href="/admin/reports/{id}">#{id}</a></td><td>{}</td><td>{}</td><td>{:.5}, {:.5}</td></tr>"#,
            esc(&cat_name(lang, &cats, &r.report.category)),
            status_label(lang, r.report.status),
            r.report.point.lat,
            r.report.point.lon,
            id = r.report.id,
        ));
    }
    body.push_str("</tbody></table>");
    page(lang, t("Mapa zgłoszeń", "Map of reports"), Some(&staff), "/admin/map", &body).into_response()
}

/// Loads a report the official may handle: 404 unknown, 403 not theirs.
async fn guarded(state: &AppState, staff: &Staff, id: i64) -> Result<Option<i64>, Response> {
    if !staff.can_triage() {
        return Err(staff.forbidden());
    }
    let dept = match state.store.report_department(id).await {
        Ok(d) => d,
        Err(crate::store::StoreError::NotFound) => {
            return Err(error_page(StatusCode::NOT_FOUND, staff.lang, Some(staff), staff.lang.t("Nie ma takiego zgłoszenia.", "There is no such report.")));
        }
        Err(e) => return Err(store_err(staff, e)),
    };
    if !staff.may_handle(dept) {
        return Err(staff.forbidden());
    }
    Ok(dept)
}

pub async fn detail(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), "?");
    };
    let dept = match guarded(&state, &staff, id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let (cats, depts) = match lookups(&state).await {
        Ok(x) => x,
        Err(e) => return store_err(&staff, e),
    };
    let Ok(Some(int)) = state.store.report_internal(id).await else {
        return error_page(StatusCode::NOT_FOUND, lang, Some(&staff), "?");
    };
    let r = &int.report;
    let now = state.clock.now();
    let overdue = is_overdue(r, &cats, now);
    let cat = cats.get(&r.category);
    let mut answers = String::new();
    for (k, v) in &r.answers {
        let (label, value) = cat
            .and_then(|c| c.attributes.iter().find(|a| &a.code == k))
            .map(|a| {
                let val = a.values.iter().find(|x| &x.key == v).map(|x| lang.t(&x.name_pl, &x.name_en).to_owned()).unwrap_or_else(|| v.clone());
                (lang.t(&a.label_pl, &a.label_en).to_owned(), val)
            })
            .unwrap_or_else(|| (k.clone(), v.clone()));
        answers.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(&label), esc(&value)));
    }
    let contact = int
        .contact
        .as_ref()
        .map(|c| [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()].into_iter().flatten().map(esc).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let mut body = format!(
        r#"<p><a href="/admin/reports">{back}</a></p>
<section aria-labelledby="h-data"><h2 id="h-data">{data}</h2><dl class="facts">
<dt>Status</dt><dd><span class="status s-{st}">{stl}</span>{od}</dd>
<dt>{vl}</dt><dd id="visibility">{vis}</dd>
<dt>{cl}</dt><dd>{cat}</dd>
<dt>{dl}</dt><dd>{dept}</dd>
<dt>{rl}</dt><dd>{at}</dd>
<dt>{ll}</dt><dd>{lat:.5}, {lon:.5} ({src:?})</dd>
<dt>{al}</dt><dd>{addr}</dd>
<dt>{fl}</dt><dd id="followers">{followers}</dd>
<dt>{cr}</dt><dd>{case}</dd>
<dt>{dup}</dt><dd>{dupv}</dd>
<dt>{ctl}</dt><dd>{contact}</dd>
{answers}</dl>
<h3>{descl}</h3><p class="desc">{desc}</p>"#,
        back = t("← Lista zgłoszeń", "← Report list"),
        data = t("Dane zgłoszenia", "Report details"),
        st = r.status.as_str(),
        stl = status_label(lang, r.status),
        od = if overdue { t(" <strong>(po terminie)</strong>", " <strong>(overdue)</strong>") } else { "" },
        vl = t("Widoczność publiczna", "Public visibility"),
        vis = if r.visibility.is_public() { visibility_label(lang, r.visibility).to_owned() } else { visibility_badge(lang, r.visibility) },
        cl = t("Kategoria", "Category"),
        cat = esc(&cat_name(lang, &cats, &r.category)),
        dl = t("Wydział", "Department"),
        dept = esc(&dept_name(&depts, dept)),
        rl = t("Przyjęto", "Received"),
        at = local(r.created_at),
        ll = t("Położenie", "Location"),
        lat = r.point.lat,
        lon = r.point.lon,
        src = int.location_source,
        al = t("Adres", "Address"),
        addr = esc(r.address.as_deref().unwrap_or("")),
        fl = t("Obserwujący", "Followers"),
        followers = r.followers,
        cr = t("Znak sprawy", "Case reference"),
        case = esc(r.case_reference.as_deref().unwrap_or("")),
        dup = t("Duplikat zgłoszenia", "Duplicate of"),
        dupv = r.duplicate_of.map(|d| format!(r##"<a href="/admin/reports/{d}">#{d}</a>"##)).unwrap_or_default(),
        ctl = t("Kontakt", "Contact"),
        descl = t("Opis", "Description"),
        desc = esc(&r.description),
    );
    if !r.photos.is_empty() {
        body.push_str(&format!("<h3>{}</h3><ul class=\"photos\">", t("Zdjęcia", "Photos")));
        for (i, p) in r.photos.iter().enumerate() {
            // A withheld photo 404s at its public URL; officials get it here.
            let url = if r.visibility.is_public() { p.url.clone() } else { format!("/admin/reports/{id}/photos/{}", p.id) };
            body.push_str(&format!(r#"<li><a href="{u}"><img src="{u}" alt="{} {}" width="240"></a></li>"#, t("Zdjęcie", "Photo"), i + 1, u = esc(&url)));
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");
    body.push_str(&format!(
        r#"<section aria-labelledby="h-hist"><h2 id="h-hist">{}</h2><table><caption class="sr-only">{}</caption><thead><tr><th scope="col">{}</th><th scope="col">Status</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Historia (widoczna dla mieszkańca)", "History (as the resident sees it)"),
        t("Historia zgłoszenia", "Report history"),
        t("Kiedy", "When"),
        t("Odpowiedź publiczna", "Public reply"),
    ));
    for h in &r.history {
        body.push_str(&format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", local(h.at), status_label(lang, h.status), esc(h.public_reply.as_deref().unwrap_or(""))));
    }
    body.push_str("</tbody></table></section>");
    body.push_str(&format!(r#"<section aria-labelledby="h-notes"><h2 id="h-notes">{}</h2>"#, t("Notatki wewnętrzne", "Internal notes")));
    if int.notes.is_empty() {
        body.push_str(&format!("<p>{}</p>", t("Brak notatek.", "No notes.")));
    } else {
        body.push_str("<ul class=\"notes\">");
        for n in &int.notes {
            body.push_str(&format!("<li><strong>{}</strong> {} — {}</li>", esc(&n.actor), local(n.at), esc(&n.note)));
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");
    // Actions: only the moves the workflow allows from here.
    let mut acts: Vec<(String, String)> = Vec::new();
    for (key, to, pl, en) in [
        ("accept", ReportStatus::Accepted, "Przyjmij", "Accept"),
        ("in_progress", ReportStatus::InProgress, "W realizacji", "Set in progress"),
        ("resolve", ReportStatus::Resolved, "Załatw", "Resolve"),
        ("reject", ReportStatus::Rejected, "Odrzuć (podaj powód)", "Reject (give the reason)"),
        ("duplicate", ReportStatus::Duplicate, "Oznacz jako duplikat", "Mark as duplicate"),
        ("note", r.status, "Tylko notatka", "Note only"),
    ] {
        let ok = if key == "note" { true } else { r.status.can_move_to(to) };
        let ok = ok && (key != "duplicate" || staff.all_reports());
        if ok {
            acts.push((key.into(), t(pl, en).into()));
        }
    }
    body.push_str(&format!(
        r#"<section aria-labelledby="h-act"><h2 id="h-act">{h}</h2>
<form method="post" action="/admin/reports/{id}/action" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="action">{al}</label><select id="action" name="action">{ao}</select>
<label for="duplicate_of">{dl}</label><input id="duplicate_of" name="duplicate_of" type="number" min="1" inputmode="numeric">
<label for="public_reply">{pl}</label><textarea id="public_reply" name="public_reply" rows="3"></textarea>
<label for="internal_note">{nl}</label><textarea id="internal_note" name="internal_note" rows="2"></textarea>
<button type="submit">{s}</button>
</form>"#,
        h = t("Działania", "Actions"),
        csrf = staff.csrf,
        al = t("Działanie", "Action"),
        ao = options(&acts, ""),
        dl = t("Numer zgłoszenia pierwotnego (dla duplikatu)", "Original report number (for a duplicate)"),
        pl = t("Odpowiedź publiczna (widzi mieszkaniec)", "Public reply (the resident sees it)"),
        nl = t("Notatka wewnętrzna", "Internal note"),
        s = t("Zapisz", "Save"),
    ));
    if staff.all_reports() {
        let mut d = vec![(String::new(), t("— brak —", "— none —").to_owned())];
        d.extend(depts.iter().map(|x| (x.id.to_string(), x.name.clone())));
        body.push_str(&format!(
            r#"<form method="post" action="/admin/reports/{id}/assign" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="department">{dl}</label><select id="department" name="department">{opts}</select>
<label for="assign_note">{nl}</label><textarea id="assign_note" name="internal_note" rows="2"></textarea>
<button type="submit">{s}</button></form>"#,
            csrf = staff.csrf,
            dl = t("Przypisz do wydziału", "Assign to a department"),
            opts = options(&d, &dept.map(|x| x.to_string()).unwrap_or_default()),
            nl = t("Notatka wewnętrzna do przypisania", "Internal note for the assignment"),
            s = t("Przypisz", "Assign"),
        ));
    }
    body.push_str("</section>");
    body.push_str(&visibility_section(&staff, id, r.visibility, &int.visibility_log));
    body.push_str(&super::assignee::detail_section(&state, &staff, id).await);
    let title = format!("{} #{id}", t("Zgłoszenie", "Report"));
    page(lang, &title, Some(&staff), "/admin/reports", &body).into_response()
}

/// What the public sees of the report, the decisions so far, and the form
/// to change it (anyone who may handle the report).
fn visibility_section(staff: &Staff, id: i64, current: Visibility, log: &[crate::reports::model::VisibilityDecision]) -> String {
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let mut out = format!(
        r#"<section aria-labelledby="h-vis"><h2 id="h-vis">{}</h2><p>{}</p>"#,
        t("Widoczność publiczna", "Public visibility"),
        t(
            "Ukryj zgłoszenie, gdy zawiera dane osobowe (mieszkańca lub innej osoby), wizerunek, numer rejestracyjny albo treści obraźliwe. Urzędnicy i autor zgłoszenia nadal je widzą; rejestracja w EZD pozostaje bez zmian.",
            "Withhold a report that holds personal data (the resident's or someone else's), a face, a number plate or abusive content. Officials and the resident who made it still see it; its EZD record stays as it is.",
        ),
    );
    if !log.is_empty() {
        out.push_str(&format!(
            r#"<table class="visibility-log"><caption class="sr-only">{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            t("Decyzje o widoczności", "Visibility decisions"),
            t("Kiedy", "When"),
            t("Kto", "Who"),
            t("Widoczność", "Visibility"),
            t("Powód", "Reason"),
        ));
        for d in log {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                local(d.at),
                esc(&d.actor),
                visibility_label(lang, d.visibility),
                esc(&d.reason)
            ));
        }
        out.push_str("</tbody></table>");
    }
    let choices: Vec<(String, String)> = [Visibility::Public, Visibility::Redacted, Visibility::Hidden]
        .into_iter()
        .map(|v| (v.as_str().to_owned(), visibility_label(lang, v).to_owned()))
        .collect();
    out.push_str(&format!(
        r#"<form method="post" action="/admin/reports/{id}/visibility" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="visibility-choice">{vl}</label><select id="visibility-choice" name="visibility">{opts}</select>
<label for="visibility-reason">{rl}</label><textarea id="visibility-reason" name="reason" rows="2" required maxlength="1000" aria-describedby="visibility-hint"></textarea>
<p id="visibility-hint" class="hint">{hint}</p>
<button type="submit">{s}</button></form></section>"#,
        csrf = staff.csrf,
        vl = t("Co widzi publiczność", "What the public sees"),
        opts = options(&choices, current.as_str()),
        rl = t("Powód (trafia do dziennika zdarzeń)", "Reason (goes to the audit log)"),
        hint = t("Opisz powód, nie przepisując danych osobowych, np. „opis zawiera numer telefonu osoby trzeciej”.", "Give the reason without copying the personal data, e.g. “the description holds a third person's phone number”."),
        s = t("Zapisz widoczność", "Save the visibility"),
    ));
    out
}

/// `POST /admin/reports/{id}/visibility`: withhold or publish again.
pub async fn visibility(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = guarded(&state, &staff, id).await {
        return r;
    }
    let lang = staff.lang;
    let Some(visibility) = form.get("visibility").and_then(Visibility::parse) else {
        return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t("Wybierz widoczność.", "Choose the visibility."));
    };
    let change = VisibilityChangeRequest { visibility, reason: form.get("reason").unwrap_or("").to_owned() };
    if let Err(e) = change.validate() {
        return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), &format!("{}: {}", lang.t("Powód", "Reason"), lang.t(&e.pl, &e.en)));
    }
    match state.store.set_report_visibility(staff.actor(), id, change, state.clock.now()).await {
        Ok(_) => Redirect::to(&format!("/admin/reports/{id}")).into_response(),
        Err(e) => store_err(&staff, e),
    }
}

/// `GET /admin/reports/{id}/photos/{photo}`: a report's photo for the
/// officials who may handle the report, whatever the public sees of it.
pub async fn photo(State(state): State<AppState>, staff: Staff, Path((id, photo)): Path<(i64, String)>) -> Response {
    if let Err(r) = guarded(&state, &staff, id).await {
        return r;
    }
    let not_found = || error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), "?");
    if !matches!(state.store.report_has_photo(id, &photo).await, Ok(true)) {
        return not_found();
    }
    let Ok(Some((meta, bytes))) = state.store.photo(&photo).await else {
        return not_found();
    };
    let ct = if meta.content_type == "image/png" { "image/png" } else { "image/jpeg" };
    (
        [
            (header::CONTENT_TYPE, ct),
            // Withheld content stays out of shared caches.
            (header::CACHE_CONTROL, "private, no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
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

pub async fn action(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = guarded(&state, &staff, id).await {
        return r;
    }
    let lang = staff.lang;
    let action = form.get("action").unwrap_or("");
    if action == "duplicate" && !staff.all_reports() {
        return staff.forbidden();
    }
    // The officials' view: a report hidden from the public is still handled.
    let Ok(Some(report)) = state.store.report_internal(id).await.map(|r| r.map(|r| r.report)) else {
        return error_page(StatusCode::NOT_FOUND, lang, Some(&staff), "?");
    };
    let Some(change) = change_for(action, &form, report.status) else {
        return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t("Nieznane działanie.", "Unknown action."));
    };
    let now = state.clock.now();
    let res = if action == "note" {
        // A note without a move: stored as an assignment-free internal note.
        match change.internal_note.clone() {
            Some(n) => {
                let dept = state.store.report_department(id).await.ok().flatten();
                state.store.assign_report(staff.actor(), id, dept, Some(n), now).await
            }
            None => Ok(()),
        }
    } else {
        if let Err(e) = change.validate() {
            let msg = match lang { Lang::Pl => e.pl, Lang::En => e.en };
            return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), &msg);
        }
        state.store.change_report_status(staff.actor(), id, change, now).await.map(|_| ())
    };
    match res {
        Ok(()) => Redirect::to(&format!("/admin/reports/{id}")).into_response(),
        Err(e) => store_err(&staff, e),
    }
}

pub async fn assign(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.all_reports()) {
        return r;
    }
    let dept = form.get("department").and_then(|d| d.parse::<i64>().ok());
    match state.store.assign_report(staff.actor(), id, dept, form.text("internal_note"), state.clock.now()).await {
        Ok(()) => Redirect::to(&format!("/admin/reports/{id}")).into_response(),
        Err(e) => store_err(&staff, e),
    }
}

pub async fn bulk(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.can_triage()) {
        return r;
    }
    let lang = staff.lang;
    let ids: Vec<i64> = form.all("id").iter().filter_map(|i| i.parse().ok()).collect();
    let action = form.get("action").unwrap_or("").to_owned();
    let now = state.clock.now();
    let mut failed = Vec::new();
    // The move is the same for every selected report (notes and duplicates
    // are single-report actions), so it is checked once, before anything
    // changes, with the same rules as a single report's form and the API.
    let assign = action.strip_prefix("assign:");
    if assign.is_none() {
        let change = change_for(&action, &form, ReportStatus::New).filter(|_| !matches!(action.as_str(), "duplicate" | "note"));
        let Some(change) = change else {
            return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t("Nieznane działanie.", "Unknown action."));
        };
        if let Err(e) = change.validate() {
            return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t(&e.pl, &e.en));
        }
    } else if !staff.all_reports() {
        return staff.forbidden();
    }
    // Check every report first: one forbidden report refuses the lot.
    for id in &ids {
        if let Err(r) = guarded(&state, &staff, *id).await {
            return r;
        }
    }
    for id in &ids {
        let res = if let Some(d) = assign {
            state.store.assign_report(staff.actor(), *id, d.parse().ok(), None, now).await
        } else {
            let Ok(Some(int)) = state.store.report_internal(*id).await else { continue };
            match change_for(&action, &form, int.report.status) {
                Some(c) => state.store.change_report_status(staff.actor(), *id, c, now).await.map(|_| ()),
                None => return error_page(StatusCode::BAD_REQUEST, lang, Some(&staff), lang.t("Nieznane działanie.", "Unknown action.")),
            }
        };
        if res.is_err() {
            failed.push(id.to_string());
        }
    }
    if failed.is_empty() {
        Redirect::to("/admin/reports").into_response()
    } else {
        error_page(
            StatusCode::CONFLICT,
            lang,
            Some(&staff),
            &format!("{} {}", lang.t("Nie udało się zmienić zgłoszeń (niedozwolona zmiana statusu):", "Could not change these reports (move not allowed):"), failed.join(", ")),
        )
    }
}
