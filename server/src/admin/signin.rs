//! Sign-in (the one sign-in service, `auth::signin`, answered as pages),
//! sign-out, password change and the language switch.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::html::{Lang, error_page, esc, page};
use super::session::{Cookies, Form, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Staff, csrf_refused, same};
use crate::auth::password::Busy;
use crate::auth::signin::{self, SignInError};
use crate::auth::token;
use crate::reports::ratelimit::ClientIp;
use crate::state::AppState;
use crate::store::SessionKind;

fn login_form(lang: Lang, csrf: &str, message: Option<&str>) -> String {
    let t = |pl, en| lang.t(pl, en);
    let msg = message
        .map(|m| format!(r#"<p class="error" role="alert">{}</p>"#, esc(m)))
        .unwrap_or_default();
    format!(
        r#"{msg}<form method="post" action="/admin/login" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="login">{l}</label>
<input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">{p}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{s}</button>
</form>"#,
        l = t("Login", "Login"),
        p = t("Hasło", "Password"),
        s = t("Zaloguj", "Sign in"),
    )
}

fn login_page(state: &AppState, headers: &HeaderMap, status: StatusCode, message: Option<&str>) -> Response {
    let lang = Lang::from_headers(headers);
    let cookies = Cookies::of(state);
    // Keep the sign-in CSRF token across attempts; make one when missing.
    let csrf = cookies
        .get(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 43)
        .unwrap_or_else(token::new_token);
    let body = login_form(lang, &csrf, message);
    (
        status,
        [(header::SET_COOKIE, cookies.set(LOGIN_CSRF_COOKIE, &csrf, None))],
        page(lang, lang.t("Logowanie urzędnika", "Official sign-in"), None, "/admin/login", &body),
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
    let signed_in = match signin::sign_in(&state, &login, &pass, client, SessionKind::BackOffice).await {
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
                SignInError::Store(e) => {
                    tracing::error!(error = %e, "sign-in failed in the store");
                    return error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, None, "database");
                }
            };
            let mut resp = login_page(&state, &headers, status, Some(&msg));
            if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    };
    let mut resp = Redirect::to("/admin").into_response();
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

pub async fn logout(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    let _ = state.store.delete_session(&staff.token_hash).await;
    (
        [(header::SET_COOKIE, Cookies::of(&state).set(SESSION_COOKIE, "", Some(0)))],
        Redirect::to("/admin/login"),
    )
        .into_response()
}

fn password_page(staff: &Staff, status: StatusCode, message: Option<(&str, bool)>) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    let msg = message
        .map(|(m, err)| {
            format!(
                r#"<p class="{}" role="{}">{}</p>"#,
                if err { "error" } else { "ok" },
                if err { "alert" } else { "status" },
                esc(m)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"{msg}<form method="post" action="/admin/password" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="current">{c}</label><input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="new">{n}</label><input id="new" name="new" type="password" autocomplete="new-password" minlength="8" required>
<label for="repeat">{r}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit">{s}</button>
</form>"#,
        csrf = staff.csrf,
        c = t("Obecne hasło", "Current password"),
        n = t("Nowe hasło (co najmniej 8 znaków)", "New password (at least 8 characters)"),
        r = t("Powtórz nowe hasło", "Repeat the new password"),
        s = t("Zmień hasło", "Change password"),
    );
    (status, page(staff.lang, t("Zmiana hasła", "Change password"), Some(staff), "/admin/password", &body))
        .into_response()
}

pub async fn password_get(staff: Staff) -> Response {
    password_page(&staff, StatusCode::OK, None)
}

pub async fn password_post(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let form = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let t = |pl: &'static str, en: &'static str| staff.lang.t(pl, en);
    let current = form.get("current").unwrap_or_default().to_owned();
    let new = form.get("new").unwrap_or_default().to_owned();
    if new.chars().count() < 8 || new.len() > 1000 {
        return password_page(&staff, StatusCode::BAD_REQUEST, Some((t("Nowe hasło musi mieć co najmniej 8 znaków.", "The new password needs at least 8 characters."), true)));
    }
    if form.get("repeat") != Some(new.as_str()) {
        return password_page(&staff, StatusCode::BAD_REQUEST, Some((t("Powtórzone hasło jest inne.", "The repeated password differs."), true)));
    }
    let user = match state.store.find_user(&staff.login).await {
        Ok(Some(u)) => u,
        _ => return staff.forbidden(),
    };
    let busy = || {
        password_page(
            &staff,
            StatusCode::SERVICE_UNAVAILABLE,
            Some((t("Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.", "The server is busy. Try again in a moment."), true)),
        )
    };
    match state.passwords.verify(current, Some(user.password_hash.clone())).await {
        Ok(true) => {}
        Ok(false) => {
            return password_page(&staff, StatusCode::BAD_REQUEST, Some((t("Obecne hasło jest nieprawidłowe.", "The current password is wrong."), true)));
        }
        Err(Busy) => return busy(),
    }
    let hash = match state.passwords.hash(new).await {
        Ok(Some(h)) => h,
        Ok(None) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, staff.lang, Some(&staff), "argon2"),
        Err(Busy) => return busy(),
    };
    // Every other session and API token of this account ends; this one stays.
    if state
        .store
        .set_password(staff.actor(), user.id, &hash, Some(&staff.token_hash), state.clock.now())
        .await
        .is_err()
    {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, staff.lang, Some(&staff), "database");
    }
    password_page(
        &staff,
        StatusCode::OK,
        Some((t("Hasło zostało zmienione. Inne sesje tego konta zostały zakończone.", "The password was changed. Every other session of this account has ended."), false)),
    )
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

/// `back` when it names a page of the back office or the transparency
/// page, with anything a `Location` header cannot carry percent-encoded;
/// None for anything else: another site (`//host`, `https://…`, `/\host`,
/// which browsers read as `//host`), control characters (CR/LF would split
/// the header) or white space.
fn local_back(back: &str) -> Option<String> {
    let under = |prefix: &str| {
        back.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    };
    if !(under("/admin") || under("/transparency"))
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
