//! Officials' sessions (issue 17, item 5): `GET /admin/sessions` lists the
//! official's own (back office and API), with when each began and was last
//! used, the browser shortened and the address's prefix (never a token or
//! its hash: each has a random public id); `POST /admin/sessions/revoke`
//! ends one (`session`) or every other (`others`). Admins do the same for
//! any official of their gmina under `/admin/accounts/{id}/sessions`.
//! Sessions are rows (`sessions`), read on every request, so an ended one
//! stops working at its next request.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use super::session::Staff;
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::store::{SessionInfo, SessionKind, SessionStage};
use crate::tenant::Tenant;

/// One session as the page shows it.
struct SessionRow {
    public_id: String,
    kind: &'static str,
    created: String,
    last_seen: String,
    browser: String,
    address: String,
    current: bool,
    unfinished: bool,
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage<'a> {
    ctx: PageCtx<'a>,
    rows: Vec<SessionRow>,
    /// Where the forms post: `/admin/sessions` or `/admin/accounts/{id}/sessions`.
    action: String,
    /// Whose sessions (another official's login, for an admin), and
    /// their account's page.
    whose: Option<String>,
    account_href: String,
}

/// A `User-Agent` as "browser on system", enough to tell sessions apart.
pub fn short_user_agent(ua: &str) -> String {
    let browser = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .into_iter()
        .find(|(k, _)| ua.contains(k))
        .map(|(_, n)| n);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| n);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}, {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        // A client that is no browser (the `mm` CLI, a script): its first word.
        (None, None) => ua.split([' ', '/']).next().unwrap_or_default().chars().take(30).collect(),
    }
}

/// Warsaw time to the minute; a dash when never.
fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".to_owned())
}

fn rows(lang: Lang, sessions: Vec<SessionInfo>) -> Vec<SessionRow> {
    sessions
        .into_iter()
        .map(|s| SessionRow {
            current: s.current,
            unfinished: s.stage != SessionStage::Full,
            kind: match s.kind {
                SessionKind::BackOffice => lang.t("panel", "back office"),
                SessionKind::Api => "API",
            },
            created: when(Some(s.created_at)),
            last_seen: when(s.last_seen_at),
            browser: s.user_agent.as_deref().map(short_user_agent).unwrap_or_default(),
            address: s.address.unwrap_or_default(),
            public_id: s.public_id,
        })
        .collect()
}

pub async fn list(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    let sessions = state.store.list_sessions(staff.user_id, &staff.token_hash, state.clock.now()).await?;
    let ctx = PageCtx::new(&staff, "/admin/sessions", staff.lang.t("Sesje", "Sessions"));
    let page = SessionsPage {
        rows: rows(staff.lang, sessions),
        action: "/admin/sessions".to_owned(),
        whose: None,
        account_href: String::new(),
        ctx,
    };
    Ok(Page::ok(page).into_response())
}

/// `POST /admin/sessions/revoke`: `session` (a public id) or `others`.
pub async fn revoke(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    let now = state.clock.now();
    if f.flag("others") {
        state.store.revoke_other_sessions(staff.actor(), staff.user_id, Some(&staff.token_hash), now).await?;
    } else if let Some(id) = f.text("session") {
        // Only among this official's own sessions: another's id matches nothing.
        state.store.revoke_session(staff.actor(), staff.user_id, &id, now).await?;
    }
    Ok(Redirect::to("/admin/sessions"))
}

/// `GET /admin/accounts/{id}/sessions` (admins).
pub async fn of_account(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let Some(a) = state.store.get_account(id).await? else {
        return Err(AdminError::not_found("Nie ma takiego konta.", "There is no such account."));
    };
    let sessions = state.store.list_sessions(a.id, &staff.token_hash, state.clock.now()).await?;
    let title = format!("{} {}", staff.lang.t("Sesje konta", "Sessions of"), a.login);
    let ctx = PageCtx::new(&staff, "/admin/accounts", title);
    let page = SessionsPage {
        rows: rows(staff.lang, sessions),
        action: format!("/admin/accounts/{id}/sessions"),
        whose: Some(a.login),
        account_href: format!("/admin/accounts/{id}"),
        ctx,
    };
    Ok(Page::ok(page).into_response())
}

/// `POST /admin/accounts/{id}/sessions/revoke` (admins): `session`, or
/// `others` for all of them (the admin's own current one stays when it is
/// their own account).
pub async fn revoke_of_account(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let Some(a) = state.store.get_account(id).await? else {
        return Err(AdminError::not_found("Nie ma takiego konta.", "There is no such account."));
    };
    let now = state.clock.now();
    if f.flag("others") {
        state.store.revoke_other_sessions(staff.actor(), a.id, Some(&staff.token_hash), now).await?;
    } else if let Some(sid) = f.text("session") {
        state.store.revoke_session(staff.actor(), a.id, &sid, now).await?;
    }
    Ok(Redirect::to(&format!("/admin/accounts/{id}/sessions")))
}

#[cfg(test)]
mod tests {
    use super::short_user_agent;

    #[test]
    fn user_agents_are_shortened() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(short_user_agent(chrome), "Chrome, Linux");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(short_user_agent(firefox), "Firefox, Windows");
        assert_eq!(short_user_agent("curl/8.5.0"), "curl");
    }
}
