//! `/transparency`, public: what residents reported and how long the town
//! hall took, at a glance. Charts (server-rendered SVG, [`super::charts`])
//! of the reports received and resolved and the median time to resolve,
//! per month over the last [`MONTHS`] months and per category over the
//! last 90 days; the same numbers as tables below them, for screen
//! readers and for anyone who wants the figures. Everything comes from
//! SQL aggregates, cached for [`TTL`].

use std::time::{Duration, Instant};

use askama::Template;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;

use super::charts::{self, Chart, Group};
use super::view::{AdminResult, Lang, Page, PageCtx};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::{CategoryReportStats, MonthReportStats, StoreResult};

/// How long the numbers are reused: the page is public, so a burst of
/// views must not each run the aggregates.
const TTL: Duration = Duration::from_secs(60);
/// How many calendar months (Warsaw), this one included, the monthly charts show.
pub const MONTHS: u32 = 6;
/// The window of the per-category numbers.
const DAYS: i64 = 90;

#[derive(Debug, Clone)]
struct Numbers {
    categories: Vec<CategoryReportStats>,
    months: Vec<MonthReportStats>,
}

/// The last computed numbers and when. The lock is held while computing,
/// so concurrent views on an expired cache wait for one computation. A
/// failure is not cached: the page says the server failed, and the next
/// view tries again.
#[derive(Clone, Default)]
pub struct TransparencyCache(std::sync::Arc<tokio::sync::Mutex<Option<(Instant, Numbers)>>>);

impl TransparencyCache {
    async fn numbers(&self, state: &AppState) -> StoreResult<Numbers> {
        let mut slot = self.0.lock().await;
        if let Some((at, n)) = slot.as_ref()
            && at.elapsed() < TTL
        {
            return Ok(n.clone());
        }
        let now = state.clock.now();
        let categories = state.store.report_stats(now - chrono::Duration::days(DAYS)).await?;
        let months = state.store.report_stats_by_month(month_windows(now.with_timezone(&LOCAL_TZ).date_naive(), MONTHS)).await?;
        let n = Numbers { categories, months };
        *slot = Some((Instant::now(), n.clone()));
        Ok(n)
    }
}

/// The last `count` calendar months in Warsaw up to the one holding
/// `today`, oldest first, as UTC instants (their length in UTC follows
/// DST, so each month is exactly its own days).
pub fn month_windows(today: NaiveDate, count: u32) -> Vec<(chrono::DateTime<Utc>, chrono::DateTime<Utc>)> {
    let first = today.with_day(1).unwrap_or(today);
    let start_of = |d: NaiveDate| {
        LOCAL_TZ
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()))
    };
    (0..count)
        .rev()
        .filter_map(|back| {
            let m = first.checked_sub_months(Months::new(back))?;
            let next = m.checked_add_months(Months::new(1))?;
            Some((start_of(m), start_of(next)))
        })
        .collect()
}

/// Minutes as the page reads them: hours under two days, else days.
pub fn duration_label(lang: Lang, minutes: Option<i64>) -> String {
    match minutes {
        None => "—".to_owned(),
        Some(m) if m < 48 * 60 => format!("{:.1} h", m as f64 / 60.0),
        Some(m) => format!("{:.1} {}", m as f64 / 1440.0, lang.t("dni", "days")),
    }
}

fn month_name(lang: Lang, start: chrono::DateTime<Utc>) -> String {
    const PL: [&str; 12] = ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"];
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let local = start.with_timezone(&LOCAL_TZ);
    let i = local.month0() as usize;
    format!("{} {}", lang.t(PL[i], EN[i]), local.year())
}

/// One row of a table under the charts.
struct Row {
    id: String,
    name: String,
    received: u64,
    resolved: u64,
    median: String,
    median_minutes: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/transparency.html")]
struct TransparencyPage<'a> {
    ctx: PageCtx<'a>,
    charts: Vec<Chart>,
    categories_empty: bool,
    rows: Vec<Row>,
    months: Vec<Row>,
}

pub async fn page(
    Tenant(state): Tenant,
    axum::Extension(cache): axum::Extension<TransparencyCache>,
    headers: HeaderMap,
) -> AdminResult<Response> {
    let lang = Lang::from_headers(&headers);
    let t = |pl, en| lang.t(pl, en);
    let cats = state.store.report_categories().await?;
    let numbers = cache.numbers(&state).await?;
    let mut per: std::collections::BTreeMap<String, CategoryReportStats> =
        numbers.categories.into_iter().map(|s| (s.category.clone(), s)).collect();
    let rows: Vec<Row> = cats
        .iter()
        .map(|c| {
            let (received, resolved, median) = per
                .remove(&c.id)
                .map(|s| (s.received, s.resolved, s.median_minutes_to_resolve))
                .unwrap_or_default();
            Row {
                id: c.id.clone(),
                name: lang.t(&c.name_pl, &c.name_en).to_owned(),
                received,
                resolved,
                median: duration_label(lang, median),
                median_minutes: median,
            }
        })
        .collect();
    let months: Vec<Row> = numbers
        .months
        .iter()
        .map(|m| Row {
            id: String::new(),
            name: month_name(lang, m.start),
            received: m.received,
            resolved: m.resolved,
            median: duration_label(lang, m.median_minutes_to_resolve),
            median_minutes: m.median_minutes_to_resolve,
        })
        .collect();
    let series = [t("przyjęte", "received").to_owned(), t("załatwione", "resolved").to_owned()];
    let mut charts = vec![
        charts::columns(
            "chart-months",
            t("Zgłoszenia w kolejnych miesiącach", "Reports month by month").to_owned(),
            t(
                "Liczba zgłoszeń przyjętych i załatwionych w każdym z ostatnich miesięcy; te same liczby są w tabeli poniżej.",
                "How many reports were received and resolved in each of the last months; the same numbers are in the table below.",
            )
            .to_owned(),
            &series,
            &months
                .iter()
                .map(|m| Group {
                    label: m.name.clone(),
                    values: vec![(m.received as f64, m.received.to_string()), (m.resolved as f64, m.resolved.to_string())],
                })
                .collect::<Vec<_>>(),
        ),
        charts::columns(
            "chart-month-median",
            t("Mediana czasu załatwienia w kolejnych miesiącach", "Median time to resolve month by month").to_owned(),
            t(
                "Połowa zgłoszeń załatwionych w danym miesiącu zajęła nie dłużej niż pokazany czas; kreska: brak załatwionych zgłoszeń.",
                "Half of the reports resolved in a month took no longer than the time shown; a dash: none resolved.",
            )
            .to_owned(),
            &[t("mediana", "median").to_owned()],
            &months
                .iter()
                .map(|m| Group { label: m.name.clone(), values: vec![(m.median_minutes.unwrap_or(0) as f64, m.median.clone())] })
                .collect::<Vec<_>>(),
        ),
    ];
    // Categories with reports in the window; the table lists them all.
    let active: Vec<&Row> = rows.iter().filter(|r| r.received > 0).collect();
    if !active.is_empty() {
        charts.push(charts::rows(
            "chart-categories",
            t("Zgłoszenia według kategorii, ostatnie 90 dni", "Reports by category, last 90 days").to_owned(),
            t(
                "Liczba zgłoszeń przyjętych i załatwionych w każdej kategorii w ostatnich 90 dniach; te same liczby są w tabeli poniżej.",
                "How many reports each category received and resolved in the last 90 days; the same numbers are in the table below.",
            )
            .to_owned(),
            &series,
            &active
                .iter()
                .map(|r| Group {
                    label: r.name.clone(),
                    values: vec![(r.received as f64, r.received.to_string()), (r.resolved as f64, r.resolved.to_string())],
                })
                .collect::<Vec<_>>(),
        ));
        charts.push(charts::rows(
            "chart-category-median",
            t("Mediana czasu załatwienia według kategorii, ostatnie 90 dni", "Median time to resolve by category, last 90 days").to_owned(),
            t(
                "Połowa zgłoszeń z danej kategorii została załatwiona w czasie nie dłuższym niż pokazany; kreska: brak załatwionych.",
                "Half of a category's reports were resolved within the time shown; a dash: none resolved.",
            )
            .to_owned(),
            &[t("mediana", "median").to_owned()],
            &active
                .iter()
                .map(|r| Group { label: r.name.clone(), values: vec![(r.median_minutes.unwrap_or(0) as f64, r.median.clone())] })
                .collect::<Vec<_>>(),
        ));
    }
    let ctx = PageCtx::public(lang, "/transparency", t("Przejrzystość: zgłoszenia", "Transparency: reports")).wide().of_gmina(state.store.gmina_scope());
    Ok(Page::ok(TransparencyPage { ctx, charts, categories_empty: active.is_empty(), rows, months }).into_response())
}
