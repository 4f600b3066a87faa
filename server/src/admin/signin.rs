//! Sign-in, sign-out, password change and the language switch.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;

use super::html::{Lang, error_page, esc, page};
use super::session::{
    Form, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Staff, cookie, csrf_refused, same,
    set_cookie,
};
use crate::auth::{password, token};
use crate::state::AppState;

/// Wrong passwords in a row before the account locks, and for how long.
pub const MAX_FAILURES: u32 = 5;
pub const LOCK_MINUTES: i64 = 15;

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

fn login_page(headers: &HeaderMap, status: StatusCode, message: Option<&str>) -> Response {
    let lang = Lang::from_headers(headers);
    // Keep the sign-in CSRF token across attempts; make one when missing.
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 43)
        .unwrap_or_else(token::new_token);
    let body = login_form(lang, &csrf, message);
    (
        status,
        [(header::SET_COOKIE, set_cookie(headers, LOGIN_CSRF_COOKIE, &csrf, None))],
        page(lang, lang.t("Logowanie urzędnika", "Official sign-in"), None, "/admin/login", &body),
    )
        .into_response()
}

pub async fn login_get(headers: HeaderMap) -> Response {
    login_page(&headers, StatusCode::OK, None)
}

pub async fn login_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = Lang::from_headers(&headers);
    let form = Form::parse(&body);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    match form.get("csrf") {
        Some(t) if !expected.is_empty() && same(t, &expected) => {}
        _ => return csrf_refused(lang, None),
    }
    let login = form.text("login").unwrap_or_default();
    let pass = form.get("password").unwrap_or_default().to_owned();
    if login.is_empty() || login.chars().count() > 100 || pass.is_empty() || pass.len() > 1000 {
        return login_page(
            &headers,
            StatusCode::BAD_REQUEST,
            Some(lang.t("Podaj login i hasło.", "Enter your login and password.")),
        );
    }
    let now = state.clock.now();
    let locked = |until: chrono::DateTime<chrono::Utc>| {
        let mins = ((until - now).num_seconds() + 59) / 60;
        login_page(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some(&match lang {
                Lang::Pl => format!("Konto jest zablokowane po zbyt wielu błędnych hasłach. Spróbuj za {mins} min."),
                Lang::En => format!("The account is locked after too many wrong passwords. Try again in {mins} min."),
            }),
        )
    };
    match state.store.login_failures(&login).await {
        Ok(f) => {
            if let Some(until) = f.locked_until.filter(|u| *u > now) {
                return locked(until);
            }
        }
        Err(_) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, None, "database"),
    }
    let user = match state.store.find_user(&login).await {
        Ok(u) => u,
        Err(_) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, None, "database"),
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || password::verify(&pass, stored.as_deref()))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok => u,
        _ => {
            let f = state
                .store
                .record_login_failure(&login, now, MAX_FAILURES, Duration::minutes(LOCK_MINUTES))
                .await;
            if let Ok(Some(until)) = f.map(|f| f.locked_until) {
                return locked(until);
            }
            return login_page(
                &headers,
                StatusCode::UNAUTHORIZED,
                Some(lang.t("Nieprawidłowy login lub hasło.", "Wrong login or password.")),
            );
        }
    };
    let _ = state.store.clear_login_failures(&login).await;
    let tok = token::new_token();
    let expires_at = now + state.session_ttl;
    if state
        .store
        .create_session(&user, &token::hash_token(&tok), now, expires_at)
        .await
        .is_err()
    {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, None, "database");
    }
    let mut resp = Redirect::to("/admin").into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, &tok, Some(state.session_ttl.num_seconds()))
            .parse()
            .expect("cookie is ASCII"),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&headers, LOGIN_CSRF_COOKIE, "", Some(0)).parse().expect("ascii"),
    );
    resp
}

pub async fn logout(State(state): State<AppState>, staff: Staff, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = staff.form(&body) {
        return r;
    }
    let _ = state.store.delete_session(&staff.token_hash).await;
    (
        [(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, "", Some(0)))],
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
    let stored = user.password_hash.clone();
    let res = tokio::task::spawn_blocking(move || {
        if password::verify(&current, Some(&stored)) { password::hash(&new).ok() } else { None }
    })
    .await
    .ok()
    .flatten();
    let Some(hash) = res else {
        return password_page(&staff, StatusCode::BAD_REQUEST, Some((t("Obecne hasło jest nieprawidłowe.", "The current password is wrong."), true)));
    };
    if state.store.set_password(staff.actor(), user.id, &hash, state.clock.now()).await.is_err() {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, staff.lang, Some(&staff), "database");
    }
    password_page(&staff, StatusCode::OK, Some((t("Hasło zostało zmienione.", "The password was changed."), false)))
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    back: Option<String>,
}

/// `GET /admin/lang?to=en&back=/admin/reports`: only local pages as `back`.
pub async fn set_lang(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let to = if q.to == "en" { "en" } else { "pl" };
    let back = q
        .back
        .filter(|b| (b.starts_with("/admin") || b.starts_with("/transparency")) && !b.contains("//"))
        .unwrap_or_else(|| "/admin".into());
    let _ = Html("");
    (
        [(header::SET_COOKIE, set_cookie(&headers, LANG_COOKIE, to, Some(365 * 86400)))],
        Redirect::to(&back),
    )
        .into_response()
}
