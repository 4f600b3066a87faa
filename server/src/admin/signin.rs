//! Sign-in (the one sign-in service, `auth::signin`, answered as pages),
//! sign-out, password change and the language switch.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use askama::Template;

use super::session::{Cookies, Form, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SigningIn, Staff, csrf_refused, same};
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::auth::password::Busy;
use crate::auth::password_policy;
use crate::auth::signin::{self, SignInError};
use crate::auth::token;
use crate::reports::ratelimit::ClientIp;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::{SessionKind, SessionStage};

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage<'a> {
    ctx: PageCtx<'a>,
    csrf: String,
    notice: Option<(String, bool)>,
}

fn login_page(state: &AppState, headers: &HeaderMap, status: StatusCode, message: Option<&str>) -> Response {
    let lang = Lang::from_headers(headers);
    let cookies = Cookies::of(state);
    // Keep the sign-in CSRF token across attempts; make one when missing.
    let csrf = cookies
        .get(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 43)
        .unwrap_or_else(token::new_token);
    let page = LoginPage {
        ctx: PageCtx::public(lang, "/admin/login", lang.t("Logowanie urzędnika", "Official sign-in")),
        notice: message.map(|m| (m.to_owned(), true)),
        csrf: csrf.clone(),
    };
    (
        [(header::SET_COOKIE, cookies.set(LOGIN_CSRF_COOKIE, &csrf, None))],
        Page::with_status(status, page),
    )
        .into_response()
}

pub async fn login_get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_page(&state, &headers, StatusCode::OK, None)
}

/// Whole minutes, rounded up, for a message.
fn minutes(d: chrono::Duration) -> i64 {
    ((d.num_seconds() + 59) / 60).max(1)
}

/// `POST /admin/login`: the same sign-in service as the API
/// (`auth::signin`), answered as pages.
pub async fn login_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let cookies = Cookies::of(&state);
    let form = Form::parse(&body);
    let expected = cookies.get(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    match form.get("csrf") {
        Some(t) if !expected.is_empty() && same(t, &expected) => {}
        _ => return csrf_refused(lang, None),
    }
    let login = form.text("login").unwrap_or_default();
    let pass = form.get("password").unwrap_or_default().to_owned();
    if login.is_empty() || login.chars().count() > 100 || pass.is_empty() || pass.len() > 1000 {
        return login_page(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            Some(lang.t("Podaj login i hasło.", "Enter your login and password.")),
        );
    }
    let from = signin::Client { ip: client, user_agent: crate::auth::routes::user_agent(&headers) };
    let signed_in = match signin::sign_in(&state, &login, &pass, from, SessionKind::BackOffice, None).await {
        Ok(s) => s,
        Err(e) => {
            let retry = e.retry_after_secs();
            let (status, msg) = match e {
                SignInError::InvalidCredentials => (
                    StatusCode::UNAUTHORIZED,
                    lang.t("Nieprawidłowy login lub hasło.", "Wrong login or password.").to_owned(),
                ),
                SignInError::Locked { retry_after } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    match lang {
                        Lang::Pl => format!(
                            "Logowanie na to konto z tego adresu jest zablokowane po zbyt wielu błędnych hasłach. Spróbuj za {} min.",
                            minutes(retry_after)
                        ),
                        Lang::En => format!(
                            "Signing in to this account from this address is locked after too many wrong passwords. Try again in {} min.",
                            minutes(retry_after)
                        ),
                    },
                ),
                SignInError::TooManyAttempts { retry_after } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    match lang {
                        Lang::Pl => format!("Zbyt wiele prób logowania. Spróbuj za {} min.", minutes(retry_after)),
                        Lang::En => format!("Too many sign-in attempts. Try again in {} min.", minutes(retry_after)),
                    },
                ),
                SignInError::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    lang.t("Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.", "The server is busy. Try again in a moment.")
                        .to_owned(),
                ),
                SignInError::Store(e) => return AdminError::from(e).into_response(),
                // Only the API's sign-in answers these; the back office asks next.
                SignInError::SecondFactorRequired | SignInError::SecondFactorNotEnrolled => {
                    return AdminError::internal("a back-office sign-in asked for its code").into_response();
                }
            };
            let mut resp = login_page(&state, &headers, status, Some(&msg));
            if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    };
    // A second factor due comes next; until then the session opens nothing else.
    let next = match signed_in.stage {
        SessionStage::Full => "/admin",
        SessionStage::SecondFactor => "/admin/login/code",
        SessionStage::Enrol => "/admin/two-factor/enrol",
    };
    let mut resp = Redirect::to(next).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookies
            .set(SESSION_COOKIE, &signed_in.token, Some(state.session_ttl.num_seconds()))
            .parse()
            .expect("cookie is ASCII"),
    );
    h.append(header::SET_COOKIE, cookies.set(LOGIN_CSRF_COOKIE, "", Some(0)).parse().expect("ascii"));
    resp
}

/// Sign-out, at any stage of the sign-in (a half-done one can be left too).
pub async fn logout(State(state): State<AppState>, staff: SigningIn, body: Bytes) -> Response {
    if let Err(e) = staff.posted(&body) {
        return e.into_response();
    }
    let _ = state.store.delete_session(&staff.token_hash).await;
    (
        [(header::SET_COOKIE, Cookies::of(&state).set(SESSION_COOKIE, "", Some(0)))],
        Redirect::to("/admin/login"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage<'a> {
    ctx: PageCtx<'a>,
    csrf: &'a str,
    notice: Option<(String, bool)>,
}

fn password_page<'a>(staff: &'a Staff, status: StatusCode, notice: Option<(&str, bool)>) -> Page<PasswordPage<'a>> {
    let ctx = PageCtx::new(staff, "/admin/password", staff.lang.t("Zmiana hasła", "Change password"));
    Page::with_status(status, PasswordPage { ctx, csrf: &staff.csrf, notice: notice.map(|(m, e)| (m.to_owned(), e)) })
}

pub async fn password_get(staff: Staff) -> Response {
    password_page(&staff, StatusCode::OK, None).into_response()
}

pub async fn password_post(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let form = staff.posted(&body)?;
    let t = |pl: &'static str, en: &'static str| staff.lang.t(pl, en);
    let refuse = |status, pl, en| Ok(password_page(&staff, status, Some((t(pl, en), true))).into_response());
    let current = form.get("current").unwrap_or_default().to_owned();
    let new = form.get("new").unwrap_or_default().to_owned();
    if let Err(e) = password_policy::check_new(&staff.login, &new) {
        return Ok(password_page(&staff, StatusCode::BAD_REQUEST, Some((staff.lang.t(&e.pl, &e.en), true))).into_response());
    }
    if form.get("repeat") != Some(new.as_str()) {
        return refuse(StatusCode::BAD_REQUEST, "Powtórzone hasło jest inne.", "The repeated password differs.");
    }
    let Some(user) = state.store.find_user(&staff.login).await? else {
        return Err(AdminError::forbidden());
    };
    const BUSY: (&str, &str) = ("Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.", "The server is busy. Try again in a moment.");
    match state.passwords.verify(current, Some(user.password_hash.clone())).await {
        Ok(true) => {}
        Ok(false) => {
            return refuse(StatusCode::BAD_REQUEST, "Obecne hasło jest nieprawidłowe.", "The current password is wrong.");
        }
        Err(Busy) => return refuse(StatusCode::SERVICE_UNAVAILABLE, BUSY.0, BUSY.1),
    }
    let hash = match state.passwords.hash(new).await {
        Ok(Some(h)) => h,
        Ok(None) => return Err(AdminError::internal("argon2 failed to hash")),
        Err(Busy) => return refuse(StatusCode::SERVICE_UNAVAILABLE, BUSY.0, BUSY.1),
    };
    // Every other session and API token of this account ends; this one stays.
    state
        .store
        .set_password(staff.actor(), user.id, &hash, Some(&staff.token_hash), state.clock.now())
        .await?;
    Ok(password_page(
        &staff,
        StatusCode::OK,
        Some((t("Hasło zostało zmienione. Inne sesje tego konta zostały zakończone.", "The password was changed. Every other session of this account has ended."), false)),
    )
    .into_response())
}

/// `GET /admin/lang?to=en&back=/admin/reports`: sets the language and goes
/// back to `back` when it is a local page, else to `/admin`. Any query is
/// accepted (never a 400 or 500).
pub async fn set_lang(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let mut to = "pl";
    let mut back = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "to" if v == "en" => to = "en",
            "back" => back = local_back(&v),
            _ => {}
        }
    }
    let location = back
        .and_then(|b| HeaderValue::from_str(&b).ok())
        .unwrap_or_else(|| HeaderValue::from_static("/admin"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, Cookies::of(&state).set(LANG_COOKIE, to, Some(365 * 86400))),
            (header::LOCATION, location.to_str().unwrap_or("/admin").to_owned()),
        ],
    )
        .into_response()
}

/// `back` when it names a page of the back office, the transparency page
/// or a budget edition's public results, with anything a `Location`
/// header cannot carry percent-encoded; None for anything else: another site (`//host`, `https://…`, `/\host`,
/// which browsers read as `//host`), control characters (CR/LF would split
/// the header) or white space.
fn local_back(back: &str) -> Option<String> {
    let under = |prefix: &str| {
        back.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    };
    if !(under("/admin") || under("/transparency") || under("/budget/editions"))
        || back.contains("//")
        || back.contains('\\')
        || back.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let mut out = String::with_capacity(back.len());
    for c in back.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::local_back;

    #[test]
    fn only_local_pages_go_back() {
        assert_eq!(local_back("/admin/reports").as_deref(), Some("/admin/reports"));
        assert_eq!(local_back("/transparency").as_deref(), Some("/transparency"));
        assert_eq!(local_back("/admin/zgłoszenia").as_deref(), Some("/admin/zg%C5%82oszenia"));
        for bad in ["//evil", "https://evil", "/\\evil", "/admin\r\nX: 1", "/admin.evil", "/admin/ x", "/admin//evil", "/other"] {
            assert_eq!(local_back(bad), None, "{bad:?}");
        }
    }
}
