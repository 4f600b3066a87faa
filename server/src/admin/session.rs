//! Officials' browser sessions: the session cookie (HttpOnly,
//! SameSite=Strict, `Secure` and `__Host-` when the public URL is https),
//! CSRF tokens, the `Staff` extractor that every back-office page takes,
//! and form bodies.
//!
//! The session token is made like the API's bearer token (stored as
//! SHA-256 in `sessions`, 12 h) but is a session of another kind: neither
//! works in place of the other. The CSRF token is derived from it
//! (SHA-256 of "csrf:" + token), so it needs no storage and an attacker
//! without the cookie cannot compute it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::auth::Role;

use super::html::{Lang, error_page};
use super::view::{AdminError, SignedIn};
use crate::auth::token::{hash_token, sha256_hex};
use crate::state::AppState;
use crate::store::{Actor, SessionKind, SessionRecord, SessionStage};

pub const SESSION_COOKIE: &str = "mm_session";
pub const LANG_COOKIE: &str = "mm_lang";
/// The sign-in form's own CSRF token (double submit: cookie = field).
pub const LOGIN_CSRF_COOKIE: &str = "mm_login_csrf";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The back office's cookies, as the public URL (`--public-url`) decides.
/// Over https every cookie is `Secure`, and the session and sign-in cookies
/// carry the `__Host-` prefix, which browsers accept only with `Secure`,
/// `Path=/` and no `Domain` (RFC 6265bis §4.1.3.2): a sibling subdomain
/// cannot set or shadow them. Over plain http (local use, the tests) they
/// keep their plain names. A proxy's `X-Forwarded-Proto` changes nothing.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn of(state: &AppState) -> Cookies {
        Cookies { secure: state.public_url.is_https() }
    }

    /// The name `base` goes by (the language choice is not a secret and
    /// keeps its plain name).
    pub fn name(self, base: &str) -> String {
        if self.secure && base != LANG_COOKIE { format!("__Host-{base}") } else { base.to_owned() }
    }

    /// The request's cookie `base`, under the name it goes by.
    pub fn get(self, headers: &HeaderMap, base: &str) -> Option<String> {
        cookie(headers, &self.name(base))
    }

    /// A `Set-Cookie` value for `base` (HttpOnly, SameSite=Strict, Path=/).
    pub fn set(self, base: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{}={value}; Path=/; HttpOnly; SameSite=Strict", self.name(base));
        if let Some(a) = max_age {
            c.push_str(&format!("; Max-Age={a}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

pub fn csrf_for(token: &str) -> String {
    sha256_hex(format!("csrf:{token}").as_bytes())
}

/// Compares without an early exit, so timing does not leak the token.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in official, as a back-office page sees them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    pub department: Option<i64>,
    /// May see tax data: an admin, or an official of the gmina's tax
    /// department (`admin::taxes::may_see_taxes`).
    pub taxes: bool,
    pub csrf: String,
    pub token_hash: String,
    pub lang: Lang,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor(self.login.clone())
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May open the report list (which a department user sees narrowed).
    pub fn can_triage(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Dispatcher | Role::Department)
    }

    /// Sees and handles every report (assigns, merges duplicates).
    pub fn all_reports(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Dispatcher)
    }

    /// May open and act on a report assigned to `department`.
    pub fn may_handle(&self, department: Option<i64>) -> bool {
        self.all_reports()
            || (self.role == Role::Department
                && self.department.is_some()
                && self.department == department)
    }

    pub fn forbidden(&self) -> Response {
        error_page(
            StatusCode::FORBIDDEN,
            self.lang,
            Some(self),
            self.lang.t(
                "Nie masz uprawnień do tej strony lub operacji.",
                "Your role may not open this page or do this.",
            ),
        )
    }

    /// `Ok` when `ok`, else 403: `staff.permit(staff.is_admin())?`.
    pub fn permit(&self, ok: bool) -> Result<(), AdminError> {
        if ok { Ok(()) } else { Err(AdminError::forbidden()) }
    }

    /// Parses a posted form and checks its CSRF token (403 without it).
    pub fn posted(&self, body: &[u8]) -> Result<Form, AdminError> {
        let form = Form::parse(body);
        match form.get("csrf") {
            Some(t) if same(t, &self.csrf) => Ok(form),
            _ => Err(AdminError::csrf()),
        }
    }

    /// As [`Staff::posted`], answered as a response (pages not yet on templates).
    #[allow(clippy::result_large_err, reason = "the refusal is the handler's answer, returned at once; a Box would only move it to the heap")]
    pub fn form(&self, body: &[u8]) -> Result<Form, Response> {
        let form = Form::parse(body);
        match form.get("csrf") {
            Some(t) if same(t, &self.csrf) => Ok(form),
            _ => Err(csrf_refused(self.lang, Some(self))),
        }
    }
}

pub fn csrf_refused(lang: Lang, staff: Option<&Staff>) -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        lang,
        staff,
        lang.t(
            "Formularz wygasł lub nie pochodzi z tego panelu (brak tokenu CSRF). Otwórz stronę ponownie.",
            "The form expired or did not come from this back office (no CSRF token). Open the page again.",
        ),
    )
}

/// Without a session: pages send the browser to the sign-in form; posts
/// are refused. A session of another gmina than the one the request names
/// finds nothing (404): that gmina has no page of this official's.
pub enum NotSignedIn {
    Out { is_get: bool },
    /// The password was right but the sign-in is not finished: pages send
    /// the browser to the step due, posts are refused.
    Unfinished { stage: SessionStage, is_get: bool },
    OtherGmina(Lang),
    Failed(crate::error::AppError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::Out { is_get: true } => Redirect::to("/admin/login").into_response(),
            NotSignedIn::Out { is_get: false } => (StatusCode::FORBIDDEN, "Zaloguj się / Sign in").into_response(),
            NotSignedIn::Unfinished { stage, is_get: true } => Redirect::to(match stage {
                SessionStage::Enrol => "/admin/two-factor/enrol",
                _ => "/admin/login/code",
            })
            .into_response(),
            NotSignedIn::Unfinished { is_get: false, .. } => {
                (StatusCode::FORBIDDEN, "Dokończ logowanie / Finish signing in").into_response()
            }
            NotSignedIn::OtherGmina(lang) => {
                error_page(StatusCode::NOT_FOUND, lang, None, lang.t("Nie znaleziono.", "Not found."))
            }
            NotSignedIn::Failed(e) => e.into_response(),
        }
    }
}

/// The session the request's cookie names, unexpired and of the gmina
/// the request is for, with that gmina's state.
async fn session_of(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(SessionRecord, String, String, AppState), NotSignedIn> {
    let is_get = parts.method == axum::http::Method::GET;
    let token = Cookies::of(state)
        .get(&parts.headers, SESSION_COOKIE)
        .filter(|t| !t.is_empty())
        .ok_or(NotSignedIn::Out { is_get })?;
    let tenant = crate::tenant::resolve(parts, state).await.map_err(NotSignedIn::Failed)?;
    let state = tenant.state.clone();
    let token_hash = hash_token(&token);
    let session = state
        .store
        .find_session(&token_hash, SessionKind::BackOffice)
        .await
        .ok()
        .flatten()
        .filter(|s| s.expires_at > state.clock.now())
        .ok_or(NotSignedIn::Out { is_get })?;
    if &session.gmina != state.store.gmina_scope() {
        return Err(NotSignedIn::OtherGmina(Lang::from_headers(&parts.headers)));
    }
    // "Last seen" on the sessions page, written at most once a minute.
    let now = state.clock.now();
    if session.last_seen_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        let _ = state.store.touch_session(&token_hash, now).await;
    }
    Ok((session, token, token_hash, state))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_get = parts.method == axum::http::Method::GET;
        let out = NotSignedIn::Out { is_get };
        let (session, token, token_hash, state) = session_of(parts, state).await?;
        let state = &state;
        // A sign-in half done opens only its next step (admin::two_factor).
        match session.stage {
            SessionStage::Full => {}
            stage => return Err(NotSignedIn::Unfinished { stage, is_get }),
        }
        let department = state
            .store
            .user_department(session.user_id)
            .await
            .map_err(|_| out)?;
        let taxes = crate::admin::taxes::may_see_taxes(state, session.role, department)
            .await
            .map_err(|_| NotSignedIn::Out { is_get })?;
        let staff = Staff {
            user_id: session.user_id,
            login: session.login,
            role: session.role,
            department,
            taxes,
            csrf: csrf_for(&token),
            token_hash,
            lang: Lang::from_headers(&parts.headers),
        };
        // The error page, should the handler fail, shows this official's menu.
        if let Some(slot) = parts.extensions.get::<SignedIn>() {
            slot.set(&staff);
        }
        Ok(staff)
    }
}

/// An official whose session may be at any stage: the pages of the sign-in's
/// second step and of enrolment take this, and check the stage themselves.
#[derive(Debug, Clone)]
pub struct SigningIn {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    pub gmina: mm_protocol::gmina::Teryt,
    pub stage: SessionStage,
    pub csrf: String,
    pub token_hash: String,
    pub lang: Lang,
}

impl SigningIn {
    /// Parses a posted form and checks its CSRF token (403 without it).
    pub fn posted(&self, body: &[u8]) -> Result<Form, AdminError> {
        let form = Form::parse(body);
        match form.get("csrf") {
            Some(t) if same(t, &self.csrf) => Ok(form),
            _ => Err(AdminError::csrf()),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor(self.login.clone())
    }
}

impl FromRequestParts<AppState> for SigningIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (session, token, token_hash, _) = session_of(parts, state).await?;
        Ok(SigningIn {
            user_id: session.user_id,
            login: session.login,
            role: session.role,
            gmina: session.gmina,
            stage: session.stage,
            csrf: csrf_for(&token),
            token_hash,
            lang: Lang::from_headers(&parts.headers),
        })
    }
}

/// An `application/x-www-form-urlencoded` body, repeated keys kept
/// (bulk actions post `id` once per selected report).
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    /// The value, trimmed; None when missing or blank.
    pub fn text(&self, k: &str) -> Option<String> {
        self.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect()
    }

    pub fn flag(&self, k: &str) -> bool {
        self.get(k).is_some_and(|v| v == "on" || v == "1" || v == "true")
    }
}
