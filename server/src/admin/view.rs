//! How the back office renders. Every page is an askama template under
//! `server/templates/admin/`, checked at compile time, that escapes every
//! value unless it is marked safe; one layout (`base.html`) frames them all
//! with the skip link, the navigation for the official's role and the
//! language switch. Handlers return `Result<Page<T>, AdminError>`.
//!
//! - [`Html`]: the escaper `askama.toml` names for `.html` templates;
//! - [`Lang`] and [`PageCtx`]: the language, and the frame every page carries;
//! - [`Page`]: a rendered template as a response;
//! - [`AdminError`] and [`render_errors`]: one error type for every back
//!   office handler. The handler returns it; a middleware renders it as the
//!   error page (with the signed-in official's navigation) and logs it in
//!   the request's span, as axum's error-handling example does. A failing
//!   store call is a 500 page, never an empty list or a 404.

use std::fmt;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html as HtmlBody, IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::validation::FieldError;

use super::session::Staff;
use crate::error::AppError;
use crate::store::StoreError;

/// Escapes text for HTML element content and quoted attribute values with
/// the named entities the back office always used (`&amp; &lt; &gt;
/// &quot; &#39;`; askama's own escaper writes numeric ones), so a page
/// reads the same to every client after the move to templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, s: &str) -> fmt::Result {
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&s[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&s[last..])
    }
}

/// The official's language: Polish first, English by choice (a cookie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Pl,
    En,
}

impl Lang {
    /// Polish or English text, by the official's choice.
    pub fn t<'a>(self, pl: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Pl => pl,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    pub fn from_headers(h: &HeaderMap) -> Lang {
        match super::session::cookie(h, super::session::LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Pl,
        }
    }
}

/// One entry of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout needs of every page: the language, who is signed in
/// (`None` on the sign-in and public pages), where the page is, its title.
#[derive(Debug, Clone)]
pub struct PageCtx<'a> {
    pub lang: Lang,
    pub staff: Option<&'a Staff>,
    /// The page's address: the navigation marks its section, the language
    /// switch comes back to it.
    pub path: String,
    pub title: String,
    /// Wider than reading width (the report with its photos and actions,
    /// the map).
    pub wide: bool,
    /// The gmina a public page is of: its footer's link to the gmina's
    /// accessibility statement names it (a deployment of several needs it).
    pub gmina: Option<String>,
}

impl<'a> PageCtx<'a> {
    pub fn new(staff: &'a Staff, path: impl Into<String>, title: impl Into<String>) -> PageCtx<'a> {
        PageCtx { lang: staff.lang, staff: Some(staff), path: path.into(), title: title.into(), wide: false, gmina: None }
    }

    /// A page for anyone (sign-in, transparency).
    pub fn public(lang: Lang, path: impl Into<String>, title: impl Into<String>) -> PageCtx<'a> {
        PageCtx { lang, staff: None, path: path.into(), title: title.into(), wide: false, gmina: None }
    }

    pub fn wide(mut self) -> PageCtx<'a> {
        self.wide = true;
        self
    }

    /// A public page of `gmina` (its footer links the gmina's statement).
    pub fn of_gmina(mut self, gmina: &mm_protocol::gmina::Teryt) -> PageCtx<'a> {
        self.gmina = Some(gmina.to_string());
        self
    }

    /// The footer's link to the accessibility statement (deklaracja
    /// dostępności), with the page's gmina when it has one.
    pub fn statement_href(&self) -> String {
        match &self.gmina {
            Some(g) => format!("{}?gmina={g}", crate::accessibility::page::PATH),
            None => crate::accessibility::page::PATH.to_owned(),
        }
    }

    /// The signed-in official's CSRF token, for the page's forms.
    pub fn csrf(&self) -> &str {
        self.staff.map(|s| s.csrf.as_str()).unwrap_or_default()
    }

    /// Polish or English text.
    pub fn t<'s>(&self, pl: &'s str, en: &'s str) -> &'s str {
        self.lang.t(pl, en)
    }

    /// The sections this official's role may open, in menu order.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(s) = self.staff else { return Vec::new() };
        let t = |pl, en| self.lang.t(pl, en);
        let mut links: Vec<(&'static str, &'static str)> = Vec::new();
        if s.can_triage() {
            links.push(("/admin/reports", t("Zgłoszenia", "Reports")));
            links.push(("/admin/map", t("Mapa", "Map")));
        }
        if s.role.can_publish() {
            links.push(("/admin/news", t("Aktualności", "News")));
            links.push(("/admin/events", t("Wydarzenia", "Events")));
            links.push(("/admin/notifications", t("Powiadomienia", "Notifications")));
            links.push(("/admin/waste", t("Odpady", "Waste")));
        }
        if s.taxes {
            links.push(("/admin/taxes", t("Podatki", "Taxes")));
        }
        if s.is_admin() {
            links.push(("/admin/departments", t("Wydziały", "Departments")));
            links.push(("/admin/audit", t("Dziennik zdarzeń", "Audit log")));
            links.push(("/admin/categories", t("Kategorie", "Categories")));
            links.push(("/admin/accounts", t("Konta", "Accounts")));
            links.push(("/admin/settings", t("Ustawienia", "Settings")));
        }
        links.push(("/admin/two-factor", t("Logowanie i sesje", "Sign-in and sessions")));
        links
            .into_iter()
            .map(|(href, label)| NavLink { href, label, current: self.path.starts_with(href) })
            .collect()
    }

    /// The other language's code and name, for the switch.
    pub fn other_lang(&self) -> (&'static str, &'static str) {
        match self.lang {
            Lang::Pl => ("en", "English"),
            Lang::En => ("pl", "Polski"),
        }
    }

    /// This page's address as the language switch's `back` parameter.
    pub fn back(&self) -> String {
        form_urlencoded::byte_serialize(self.path.as_bytes()).collect()
    }
}

/// A rendered template with its status.
pub struct Page<T> {
    status: StatusCode,
    template: T,
}

impl<T: Template> Page<T> {
    pub fn ok(template: T) -> Page<T> {
        Page { status: StatusCode::OK, template }
    }

    /// A page that answers a refused form (400) with the form again.
    pub fn with_status(status: StatusCode, template: T) -> Page<T> {
        Page { status, template }
    }
}

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.template.render() {
            Ok(html) => (self.status, HtmlBody(html)).into_response(),
            Err(e) => AdminError::internal(format!("template: {e}")).into_response(),
        }
    }
}

/// What a back-office handler answers when it cannot do what was asked:
/// the status, the official's message in both languages and, for a
/// failure underneath (the database, a template), its cause for the log.
#[derive(Debug, Clone)]
pub struct AdminError {
    pub status: StatusCode,
    pl: String,
    en: String,
    cause: Option<String>,
}

pub type AdminResult<T> = Result<T, AdminError>;

impl AdminError {
    pub fn new(status: StatusCode, pl: impl Into<String>, en: impl Into<String>) -> AdminError {
        AdminError { status, pl: pl.into(), en: en.into(), cause: None }
    }

    /// 403: the role may not open the page or do this.
    pub fn forbidden() -> AdminError {
        AdminError::new(
            StatusCode::FORBIDDEN,
            "Nie masz uprawnień do tej strony lub operacji.",
            "Your role may not open this page or do this.",
        )
    }

    /// 403: a form without its CSRF token.
    pub fn csrf() -> AdminError {
        AdminError::new(
            StatusCode::FORBIDDEN,
            "Formularz wygasł lub nie pochodzi z tego panelu (brak tokenu CSRF). Otwórz stronę ponownie.",
            "The form expired or did not come from this back office (no CSRF token). Open the page again.",
        )
    }

    pub fn not_found(pl: impl Into<String>, en: impl Into<String>) -> AdminError {
        AdminError::new(StatusCode::NOT_FOUND, pl, en)
    }

    pub fn bad_request(pl: impl Into<String>, en: impl Into<String>) -> AdminError {
        AdminError::new(StatusCode::BAD_REQUEST, pl, en)
    }

    /// 500; `cause` goes to the log only.
    pub fn internal(cause: impl Into<String>) -> AdminError {
        AdminError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            pl: "Wystąpił błąd serwera. Nic nie zostało zmienione. Spróbuj ponownie za chwilę.".into(),
            en: "The server failed. Nothing was changed. Try again in a moment.".into(),
            cause: Some(cause.into()),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.t(&self.pl, &self.en)
    }
}

/// A store failure with the API's status and message for it (a conflict
/// stays a 409 with its text; a database failure is a 500).
impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        let cause = e.to_string();
        let api = AppError::from(e).into_api();
        let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        AdminError {
            status,
            pl: api.message.pl,
            en: api.message.en,
            cause: status.is_server_error().then_some(cause),
        }
    }
}

/// A field that failed its check: 400, naming the field.
impl From<FieldError> for AdminError {
    fn from(e: FieldError) -> AdminError {
        AdminError::bad_request(format!("{}: {}", e.field, e.pl), format!("{}: {}", e.field, e.en))
    }
}

impl IntoResponse for AdminError {
    /// A plain error page for now; [`render_errors`] renders it again in
    /// the official's language with their navigation, and logs it.
    fn into_response(self) -> Response {
        let mut resp = error_response(self.status, Lang::Pl, None, &self.pl);
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Who is signed in, as the `Staff` extractor found them, for the error
/// page: [`render_errors`] puts an empty slot into the request and reads it
/// back after the handler.
#[derive(Debug, Clone, Default)]
pub struct SignedIn(Arc<Mutex<Option<Staff>>>);

impl SignedIn {
    pub fn set(&self, staff: &Staff) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(staff.clone());
    }

    fn get(&self) -> Option<Staff> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The middleware that turns an [`AdminError`] into its page: in the
/// request's language, with the official's navigation, headers the
/// handler set (`Retry-After`, cookies) kept. Failures underneath are
/// logged with their cause here, once.
pub async fn render_errors(mut req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let path = req.uri().path().to_owned();
    let signed_in = SignedIn::default();
    req.extensions_mut().insert(signed_in.clone());
    let resp = next.run(req).await;
    let Some(err) = resp.extensions().get::<AdminError>().cloned() else {
        return resp;
    };
    if err.status.is_server_error() {
        tracing::error!(%path, status = err.status.as_u16(), cause = err.cause.as_deref().unwrap_or(""), "back office request failed");
    } else {
        tracing::debug!(%path, status = err.status.as_u16(), "back office request refused");
    }
    let staff = signed_in.get();
    let mut page = error_response(err.status, lang, staff.as_ref(), err.message(lang));
    for (k, v) in resp.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            page.headers_mut().append(k.clone(), v.clone());
        }
    }
    page
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    ctx: PageCtx<'a>,
    message: &'a str,
}

/// The error page: 403, 404, 409, 400, 500.
pub fn error_response(status: StatusCode, lang: Lang, staff: Option<&Staff>, message: &str) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("Brak dostępu", "Forbidden"),
        StatusCode::NOT_FOUND => lang.t("Nie znaleziono", "Not found"),
        _ => lang.t("Nie udało się", "That did not work"),
    };
    let ctx = PageCtx { lang, staff, path: "/admin".into(), title: title.into(), wide: false, gmina: None };
    match (ErrorPage { ctx, message }).render() {
        Ok(html) => (status, HtmlBody(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the error page failed to render");
            (status, "Błąd / Error").into_response()
        }
    }
}

/// The app's fallback: a browser asking for a page that does not exist
/// gets the back office's 404 page (with a title, the language, a way
/// back), an API client the JSON error.
pub async fn not_found(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let wants_html = !path.starts_with("/api/")
        && !path.starts_with("/open311")
        && headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return AppError::not_found().into_response();
    }
    let lang = Lang::from_headers(&headers);
    error_response(StatusCode::NOT_FOUND, lang, None, lang.t("Nie ma takiej strony.", "There is no such page."))
}

/// One `<option>` of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (value, label) pairs, `selected` marked.
pub fn choices<V: Into<String>, L: Into<String>>(items: impl IntoIterator<Item = (V, L)>, selected: &str) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(v, l)| {
            let value = v.into();
            Choice { selected: value == selected, value, label: l.into() }
        })
        .collect()
}

/// A time as officials read it: Warsaw, to the minute.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL_TZ).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_pages_always_did() {
        let mut out = String::new();
        askama::filters::Escaper::write_escaped_str(&Html, &mut out, r#"<a href="x">'&'</a> zażółć"#).unwrap();
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; zażółć");
    }
}
