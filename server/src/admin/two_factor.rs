//! Officials' second factor in the back office (issue 17, item 5; the
//! rules in `auth::second_factor`):
//!
//! - `GET|POST /admin/login/code`: the sign-in's second step, a TOTP code
//!   or a recovery code, for a session whose password was right;
//! - `GET /admin/two-factor/enrol`, `POST /admin/two-factor/confirm`:
//!   enrolment, a QR code of the `otpauth://` URI drawn as inline SVG and
//!   the secret as text, confirmed by a current code; the 10 recovery codes
//!   are then shown once (only their keyed hashes are kept);
//! - `GET /admin/two-factor`, `POST /admin/two-factor/disable`: the
//!   official's status, and turning it off (or starting over) with the
//!   password and a code;
//! - `POST /admin/accounts/{id}/two-factor/reset`: an admin removes an
//!   official's second factor (a lost phone), audited, ending their sessions.
//!
//! A session whose sign-in is not finished opens only the first two
//! (`session::NotSignedIn::Unfinished`), and sign-out.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qrcode::{Color, EcLevel, QrCode};

use super::session::{SigningIn, Staff};
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::auth::factor_key::RECOVERY_CODES;
use crate::auth::second_factor::{self, CodeError};
use crate::auth::totp;
use crate::reports::ratelimit::ClientIp;
use crate::state::AppState;
use crate::store::{SessionStage, UserRecord};
use crate::tenant::Tenant;

/// Whole minutes, rounded up, for a message.
fn minutes(d: chrono::Duration) -> i64 {
    ((d.num_seconds() + 59) / 60).max(1)
}

/// The account behind a session (enabled, of this deployment).
async fn user_of(state: &AppState, login: &str) -> AdminResult<UserRecord> {
    state.store.find_user(login).await?.ok_or_else(AdminError::forbidden)
}

/// The `otpauth://` URI as a QR code (ISO/IEC 18004, error correction M),
/// an SVG of one path with a 4-module quiet zone, labelled for assistive
/// technology (the secret is also on the page as text).
pub fn qr_svg(data: &str, label: &str) -> String {
    let Ok(code) = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let width = code.width();
    let size = width + 8;
    let mut d = String::new();
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    let label = label.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{px}\" height=\"{px}\" \
         role=\"img\" aria-label=\"{label}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/><path d=\"{d}\" fill=\"#000\"/></svg>",
        px = size * 5
    )
}

// ---- the sign-in's second step ----

#[derive(Template)]
#[template(path = "admin/two_factor_code.html")]
struct CodePage<'a> {
    ctx: PageCtx<'a>,
    csrf: String,
    notice: Option<(String, bool)>,
}

fn code_page(who: &SigningIn, status: StatusCode, notice: Option<String>) -> Response {
    let ctx = PageCtx::public(who.lang, "/admin/login/code", who.lang.t("Logowanie: drugi krok", "Sign-in: second step"));
    Page::with_status(status, CodePage { ctx, csrf: who.csrf.clone(), notice: notice.map(|n| (n, true)) }).into_response()
}

/// Where a session at `stage` belongs.
fn step_for(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Full => "/admin",
        SessionStage::SecondFactor => "/admin/login/code",
        SessionStage::Enrol => "/admin/two-factor/enrol",
    }
}

pub async fn code_get(who: SigningIn) -> Response {
    if who.stage != SessionStage::SecondFactor {
        return Redirect::to(step_for(who.stage)).into_response();
    }
    code_page(&who, StatusCode::OK, None)
}

/// The message for a refused code.
fn refusal(lang: Lang, e: &CodeError) -> (StatusCode, String) {
    match e {
        CodeError::Wrong => (
            StatusCode::UNAUTHORIZED,
            lang.t(
                "Nieprawidłowy kod albo już użyty. Poczekaj na następny kod w aplikacji.",
                "Wrong code, or used already. Wait for the app's next code.",
            )
            .to_owned(),
        ),
        CodeError::Locked { retry_after } | CodeError::TooManyAttempts { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            match lang {
                Lang::Pl => format!("Zbyt wiele błędnych kodów. Spróbuj za {} min.", minutes(*retry_after)),
                Lang::En => format!("Too many wrong codes. Try again in {} min.", minutes(*retry_after)),
            },
        ),
        CodeError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, lang.t("Błąd serwera.", "Server error.").to_owned()),
    }
}

/// `POST /admin/login/code`: `code` (TOTP) or `recovery_code`.
pub async fn code_post(Tenant(state): Tenant, ClientIp(client): ClientIp, who: SigningIn, body: Bytes) -> AdminResult<Response> {
    let form = who.posted(&body)?;
    if who.stage != SessionStage::SecondFactor {
        return Ok(Redirect::to(step_for(who.stage)).into_response());
    }
    let typed = form.text("code").or_else(|| form.text("recovery_code")).unwrap_or_default();
    if typed.is_empty() || typed.len() > 40 {
        let msg = who.lang.t("Wpisz kod.", "Enter the code.").to_owned();
        return Ok(code_page(&who, StatusCode::BAD_REQUEST, Some(msg)));
    }
    let user = user_of(&state, &who.login).await?;
    match second_factor::check_code(&state, &user, &typed, client).await {
        Ok(_) => {
            state.store.set_session_stage(&who.token_hash, SessionStage::Full).await?;
            Ok(Redirect::to("/admin").into_response())
        }
        Err(CodeError::Store(e)) => Err(e.into()),
        Err(e) => {
            let (status, msg) = refusal(who.lang, &e);
            let mut resp = code_page(&who, status, Some(msg));
            if let CodeError::Locked { retry_after } | CodeError::TooManyAttempts { retry_after } = e
                && let Ok(v) = axum::http::HeaderValue::from_str(&((retry_after.num_seconds()).max(1)).to_string())
            {
                resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
    }
}

// ---- enrolment ----

#[derive(Template)]
#[template(path = "admin/two_factor_enrol.html")]
struct EnrolPage<'a> {
    ctx: PageCtx<'a>,
    csrf: String,
    notice: Option<(String, bool)>,
    /// Inline SVG, made here from the URI (no user input in it).
    qr: String,
    secret: String,
    uri: String,
    /// Enrolment is the only way on (a second factor is required).
    required: bool,
}

async fn enrol_page(state: &AppState, who: &SigningIn, status: StatusCode, notice: Option<String>) -> AdminResult<Response> {
    let Some(secret) = second_factor::pending_secret(state, who.user_id).await? else {
        return Ok(Redirect::to("/admin/two-factor").into_response());
    };
    let issuer = match state.gminas.find(state.store.as_ref(), &who.gmina).await? {
        Some(g) => format!("Gmina {}", g.name),
        None => "mMieszkaniec".to_owned(),
    };
    let uri = totp::otpauth_uri(&issuer, &who.login, &secret);
    let lang = who.lang;
    let ctx = PageCtx::public(lang, "/admin/two-factor/enrol", lang.t("Weryfikacja dwuetapowa: konfiguracja", "Two-step sign-in: set-up"));
    let page = EnrolPage {
        ctx,
        csrf: who.csrf.clone(),
        notice: notice.map(|n| (n, true)),
        qr: qr_svg(&uri, lang.t("Kod QR do zeskanowania aplikacją uwierzytelniającą", "QR code to scan with an authenticator app")),
        secret: totp::grouped(&secret),
        uri,
        required: who.stage == SessionStage::Enrol,
    };
    Ok(Page::with_status(status, page).into_response())
}

/// `GET /admin/two-factor/enrol`: for a session that must enrol, or any
/// signed-in official without a second factor.
pub async fn enrol_get(Tenant(state): Tenant, who: SigningIn) -> AdminResult<Response> {
    if who.stage == SessionStage::SecondFactor {
        return Ok(Redirect::to(step_for(who.stage)).into_response());
    }
    enrol_page(&state, &who, StatusCode::OK, None).await
}

#[derive(Template)]
#[template(path = "admin/two_factor_codes.html")]
struct RecoveryCodesPage<'a> {
    ctx: PageCtx<'a>,
    codes: Vec<String>,
}

/// `POST /admin/two-factor/confirm`: `code`, the app's current code.
pub async fn confirm(Tenant(state): Tenant, who: SigningIn, body: Bytes) -> AdminResult<Response> {
    let form = who.posted(&body)?;
    if who.stage == SessionStage::SecondFactor {
        return Ok(Redirect::to(step_for(who.stage)).into_response());
    }
    let typed = form.text("code").unwrap_or_default();
    let user = user_of(&state, &who.login).await?;
    let Some(codes) = second_factor::confirm(&state, &user, &typed).await? else {
        let msg = who.lang.t(
            "Ten kod nie pasuje. Sprawdź, czy zegar telefonu jest dokładny, i wpisz bieżący kod.",
            "This code does not match. Check that the phone's clock is right, and enter the current code.",
        );
        return enrol_page(&state, &who, StatusCode::BAD_REQUEST, Some(msg.to_owned())).await;
    };
    if who.stage == SessionStage::Enrol {
        state.store.set_session_stage(&who.token_hash, SessionStage::Full).await?;
    }
    let lang = who.lang;
    let ctx = PageCtx::public(lang, "/admin/two-factor/codes", lang.t("Kody zapasowe", "Recovery codes"));
    let mut resp = Page::ok(RecoveryCodesPage { ctx, codes }).into_response();
    // Shown once: never kept by a browser or proxy cache.
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

// ---- status, disabling, an admin's reset ----

#[derive(Template)]
#[template(path = "admin/two_factor.html")]
struct StatusPage<'a> {
    ctx: PageCtx<'a>,
    notice: Option<(String, bool)>,
    enrolled: bool,
    required: bool,
    codes_left: u32,
    codes_total: usize,
}

async fn status_page(state: &AppState, staff: &Staff, status: StatusCode, notice: Option<(String, bool)>) -> AdminResult<Response> {
    let enrolled = second_factor::enrolled(state, staff.user_id).await?;
    let required = second_factor::required(state, staff.role, state.store.gmina_scope()).await?;
    let codes_left = if enrolled { state.store.recovery_codes_left(staff.user_id).await? } else { 0 };
    let ctx = PageCtx::new(staff, "/admin/two-factor", staff.lang.t("Weryfikacja dwuetapowa", "Two-step sign-in"));
    Ok(Page::with_status(status, StatusPage { ctx, notice, enrolled, required, codes_left, codes_total: RECOVERY_CODES })
        .into_response())
}

pub async fn status_get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    status_page(&state, &staff, StatusCode::OK, None).await
}

/// `POST /admin/two-factor/disable`: `password` and `code` (TOTP or
/// recovery). An official who must have a second factor is sent straight
/// to enrol a new one (re-enrolment), this session held at that step.
pub async fn disable(Tenant(state): Tenant, ClientIp(client): ClientIp, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let form = staff.posted(&body)?;
    let lang = staff.lang;
    let refuse = |status, msg: &str| (status, Some((msg.to_owned(), true)));
    let user = user_of(&state, &staff.login).await?;
    let password = form.get("password").unwrap_or_default().to_owned();
    let typed = form.text("code").unwrap_or_default();
    if password.is_empty() || password.len() > 1000 || typed.is_empty() || typed.len() > 40 {
        let (s, n) = refuse(StatusCode::BAD_REQUEST, lang.t("Podaj hasło i kod.", "Enter your password and a code."));
        return status_page(&state, &staff, s, n).await;
    }
    match state.passwords.verify(password, Some(user.password_hash.clone())).await {
        Ok(true) => {}
        Ok(false) => {
            let (s, n) = refuse(StatusCode::BAD_REQUEST, lang.t("Hasło jest nieprawidłowe.", "The password is wrong."));
            return status_page(&state, &staff, s, n).await;
        }
        Err(_) => {
            let (s, n) = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                lang.t("Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.", "The server is busy. Try again in a moment."),
            );
            return status_page(&state, &staff, s, n).await;
        }
    }
    match second_factor::check_code(&state, &user, &typed, client).await {
        Ok(_) => {}
        Err(CodeError::Store(e)) => return Err(e.into()),
        Err(e) => {
            let (status, msg) = refusal(lang, &e);
            return status_page(&state, &staff, status, Some((msg, true))).await;
        }
    }
    state.store.remove_totp(staff.actor(), staff.user_id, "two_factor.disable", state.clock.now()).await?;
    if second_factor::required(&state, staff.role, state.store.gmina_scope()).await? {
        state.store.set_session_stage(&staff.token_hash, SessionStage::Enrol).await?;
        return Ok(Redirect::to("/admin/two-factor/enrol").into_response());
    }
    let msg = lang.t("Weryfikacja dwuetapowa jest wyłączona.", "Two-step sign-in is off.");
    status_page(&state, &staff, StatusCode::OK, Some((msg.to_owned(), false))).await
}

/// `POST /admin/accounts/{id}/two-factor/reset` (admins): removes the
/// official's second factor and ends their sessions; they enrol again at
/// their next sign-in when one is required.
pub async fn reset(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let _ = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let Some(a) = state.store.get_account(id).await? else {
        return Err(AdminError::not_found("Nie ma takiego konta.", "There is no such account."));
    };
    state.store.remove_totp(staff.actor(), a.id, "two_factor.reset", state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_one_labelled_svg_path() {
        let svg = qr_svg("otpauth://totp/Gmina%20Siechnice:admin?secret=GEZDGNBV", "Kod <QR>");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\" aria-label=\"Kod &lt;QR>\""));
        // The top-left finder pattern: its first dark module at (4, 4).
        assert!(svg.contains("d=\"M4 4h1v1h-1z"));
    }
}
