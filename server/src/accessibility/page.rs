//! `GET /deklaracja-dostepnosci`: the gmina's statement, public, in Polish
//! (the template's language), laid out as the Minister's template is. A
//! gmina that has not filled it in: 404 with a page that says so.

use askama::Template;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::model::{AccessibilityStatement, Conformance};
use crate::admin::settings::gmina_settings;
use crate::admin::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::state::AppState;
use crate::tenant::Tenant;

/// Where the statement is (the template's usual Polish address).
pub const PATH: &str = "/deklaracja-dostepnosci";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(PATH, axum::routing::get(statement))
}

#[derive(Template)]
#[template(path = "accessibility/statement.html")]
struct StatementPage<'a> {
    ctx: PageCtx<'a>,
    s: AccessibilityStatement,
    full: bool,
    none: bool,
    items: Vec<String>,
    architecture: Vec<String>,
    /// The dates, ISO 8601 (empty: none).
    published: String,
    updated: String,
    prepared: String,
    reviewed: String,
    /// `tel:` without the spaces (RFC 3966).
    phone_href: String,
}

/// A date as the template writes it (ISO 8601, `<time datetime>`'s form).
pub fn iso(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

async fn statement(Tenant(state): Tenant) -> AdminResult<Response> {
    let settings = gmina_settings(&state).await?;
    let Some(s) = settings.accessibility else {
        return Err(AdminError::not_found(
            "Gmina nie opublikowała jeszcze deklaracji dostępności.",
            "The gmina has not published its accessibility statement yet.",
        ));
    };
    let ctx = PageCtx::public(Lang::Pl, PATH, format!("Deklaracja dostępności {}", s.website_name)).of_gmina(state.store.gmina_scope());
    let page = StatementPage {
        ctx,
        full: s.status == Conformance::Full,
        none: s.status == Conformance::None,
        items: s.non_accessible_items().into_iter().map(str::to_owned).collect(),
        architecture: s.architecture_paragraphs(),
        published: iso(s.published),
        updated: iso(s.updated),
        prepared: iso(s.prepared),
        reviewed: iso(s.reviewed),
        phone_href: s.contact_phone.chars().filter(|c| !matches!(c, ' ' | '(' | ')')).collect(),
        s,
    };
    Ok(Page::ok(page).into_response())
}
