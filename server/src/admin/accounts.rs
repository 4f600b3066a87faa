//! Admins' forms for officials' accounts: list, create (Argon2id hash of
//! the initial password, as `mm-server user add` makes it), role and
//! department, disable/enable, delete, password reset. Every change is in
//! the audit log (the store writes it); no page ever shows a password hash.
//!
//! An admin cannot demote, disable or delete their own account here, so
//! the back office cannot lose its last way in by a slip of the keyboard.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::auth::Role;

use super::html::{Lang, error_page, esc, options, page};
use super::session::{Form, Staff};
use crate::state::AppState;
use crate::store::Department;
use crate::store::backoffice::Account;

const ROLES: [Role; 4] = [Role::Admin, Role::Dispatcher, Role::Department, Role::Editor];

fn role_label(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::Admin => lang.t("administrator", "admin"),
        Role::Dispatcher => lang.t("dyspozytor (wszystkie zgłoszenia)", "dispatcher (all reports)"),
        Role::Department => lang.t("wydział (zgłoszenia wydziału)", "department (its reports)"),
        Role::Editor => lang.t("redaktor (aktualności, wydarzenia)", "editor (news, events)"),
    }
}

fn store_fail(staff: &Staff, e: crate::store::StoreError) -> Response {
    let api = crate::error::AppError::from(e).into_api();
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(status, staff.lang, Some(staff), staff.lang.t(&api.message.pl, &api.message.en))
}

fn bad(staff: &Staff, pl: &str, en: &str) -> Response {
    error_page(StatusCode::BAD_REQUEST, staff.lang, Some(staff), staff.lang.t(pl, en))
}

fn role_options(lang: Lang, selected: Option<Role>) -> String {
    let items: Vec<(String, String)> =
        ROLES.iter().map(|r| (r.as_str().to_owned(), role_label(lang, *r).to_owned())).collect();
    options(&items, selected.map(Role::as_str).unwrap_or("dispatcher"))
}

fn dept_options(lang: Lang, depts: &[Department], selected: Option<i64>) -> String {
    let mut items = vec![(String::new(), lang.t("— żaden —", "— none —").to_owned())];
    items.extend(depts.iter().map(|d| (d.id.to_string(), d.name.clone())));
    options(&items, &selected.map(|d| d.to_string()).unwrap_or_default())
}

/// A login: 1-100 characters, letters, digits and `. _ - @`, no spaces.
fn login_ok(l: &str) -> bool {
    !l.is_empty()
        && l.chars().count() <= 100
        && l.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// The new password and its repetition: at least 8 characters (as the
/// password change page asks), equal.
fn new_password(staff: &Staff, f: &Form) -> Result<String, Response> {
    let p = f.get("password").unwrap_or_default().to_owned();
    if p.chars().count() < 8 || p.len() > 1000 {
        return Err(bad(staff, "Hasło musi mieć co najmniej 8 znaków.", "The password needs at least 8 characters."));
    }
    if f.get("repeat") != Some(p.as_str()) {
        return Err(bad(staff, "Powtórzone hasło jest inne.", "The repeated password differs."));
    }
    Ok(p)
}

/// Argon2 behind the server's gate (None when it is busy or failed).
async fn hash(state: &AppState, p: String) -> Option<String> {
    state.passwords.hash(p).await.ok().flatten()
}

fn parse_dept(f: &Form, depts: &[Department]) -> Result<Option<i64>, ()> {
    match f.text("department") {
        None => Ok(None),
        Some(d) => d.parse::<i64>().ok().filter(|d| depts.iter().any(|x| x.id == *d)).map(Some).ok_or(()),
    }
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let (accounts, depts) = match (state.store.list_accounts().await, state.store.list_departments().await) {
        (Ok(a), Ok(d)) => (a, d),
        (Err(e), _) | (_, Err(e)) => return store_fail(&staff, e),
    };
    let dept_name = |id: Option<i64>| id.and_then(|i| depts.iter().find(|d| d.id == i)).map(|d| d.name.clone()).unwrap_or_default();
    let mut body = format!(
        r#"<table><caption>{cap}</caption><thead><tr><th scope="col">Login</th><th scope="col">{role}</th><th scope="col">{dept}</th><th scope="col">{st}</th><th scope="col">{since}</th></tr></thead><tbody>"#,
        cap = t("Konta urzędników", "Officials' accounts"),
        role = t("Rola", "Role"),
        dept = t("Wydział", "Department"),
        st = t("Stan", "State"),
        since = t("Utworzone", "Created"),
    );
    for a in &accounts {
        body.push_str(&format!(
            r#"<tr data-login="{login}"><td><a href="/admin/accounts/{id}">{login}</a></td><td>{role}</td><td>{dept}</td><td>{st}</td><td>{at}</td></tr>"#,
            id = a.id,
            login = esc(&a.login),
            role = a.role.as_str(),
            dept = esc(&dept_name(a.department_id)),
            st = if a.disabled { t("wyłączone", "disabled") } else { t("aktywne", "active") },
            at = a.created_at.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d"),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        r#"<h2>{h}</h2><form method="post" action="/admin/accounts" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="login">{ll}</label><input id="login" name="login" required maxlength="100" autocomplete="off">
<label for="role">{rl}</label><select id="role" name="role">{ro}</select>
<label for="department">{dl}</label><select id="department" name="department">{do}</select>
<label for="password">{pl}</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<label for="repeat">{rpl}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit">{s}</button></form>"#,
        h = t("Nowe konto", "New account"),
        csrf = staff.csrf,
        ll = t("Login nowego urzędnika", "New official's login"),
        rl = t("Rola", "Role"),
        ro = role_options(lang, None),
        dl = t("Wydział (dla roli „wydział”)", "Department (for the department role)"),
        do = dept_options(lang, &depts, None),
        pl = t("Hasło początkowe (co najmniej 8 znaków)", "Initial password (at least 8 characters)"),
        rpl = t("Powtórz hasło początkowe", "Repeat the initial password"),
        s = t("Utwórz konto", "Create the account"),
    ));
    page(lang, t("Konta urzędników", "Officials' accounts"), Some(&staff), "/admin/accounts", &body).into_response()
}

pub async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let login = f.text("login").unwrap_or_default();
    if !login_ok(&login) {
        return bad(&staff, "Login: 1-100 znaków, litery, cyfry oraz . _ - @.", "Login: 1-100 characters, letters, digits and . _ - @.");
    }
    let Some(role) = f.get("role").and_then(Role::parse) else {
        return bad(&staff, "Wybierz rolę.", "Choose a role.");
    };
    let depts = state.store.list_departments().await.unwrap_or_default();
    let Ok(dept) = parse_dept(&f, &depts) else {
        return bad(&staff, "Nie ma takiego wydziału.", "There is no such department.");
    };
    let pass = match new_password(&staff, &f) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(hash) = hash(&state, pass).await else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, staff.lang, Some(&staff), "argon2");
    };
    let id = match state.store.create_user(staff.actor(), &login, role, &hash).await {
        Ok(id) => id,
        Err(e) => return store_fail(&staff, e),
    };
    if dept.is_some()
        && let Err(e) = state.store.set_user_department(staff.actor(), &login, dept, state.clock.now()).await
    {
        return store_fail(&staff, e);
    }
    Redirect::to(&format!("/admin/accounts/{id}")).into_response()
}

async fn load(state: &AppState, staff: &Staff, id: i64) -> Result<Account, Response> {
    match state.store.get_account(id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(error_page(StatusCode::NOT_FOUND, staff.lang, Some(staff), staff.lang.t("Nie ma takiego konta.", "There is no such account."))),
        Err(e) => Err(store_fail(staff, e)),
    }
}

fn not_self(staff: &Staff, a: &Account) -> Result<(), Response> {
    if a.id == staff.user_id {
        Err(error_page(
            StatusCode::CONFLICT,
            staff.lang,
            Some(staff),
            staff.lang.t(
                "Własnego konta nie można tu wyłączyć, usunąć ani zmienić mu roli; poproś innego administratora.",
                "You cannot disable, delete or change the role of your own account here; ask another admin.",
            ),
        ))
    } else {
        Ok(())
    }
}

pub async fn edit(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let a = match load(&state, &staff, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let depts = state.store.list_departments().await.unwrap_or_default();
    let csrf = &staff.csrf;
    let mut body = format!(
        r#"<p><a href="/admin/accounts">{back}</a></p>
<dl class="facts"><dt>Login</dt><dd id="account-login">{login}</dd><dt>{rl}</dt><dd id="account-role">{role}</dd><dt>{sl}</dt><dd id="account-state">{st}</dd></dl>
<h2>{h1}</h2><form method="post" action="/admin/accounts/{id}" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="role">{rl}</label><select id="role" name="role">{ro}</select>
<label for="department">{dl}</label><select id="department" name="department">{do}</select>
<button type="submit">{save}</button></form>
<h2>{h2}</h2><form method="post" action="/admin/accounts/{id}/password" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="password">{pl}</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<label for="repeat">{rpl}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit">{reset}</button></form>"#,
        back = t("← Konta", "← Accounts"),
        login = esc(&a.login),
        rl = t("Rola", "Role"),
        role = a.role.as_str(),
        sl = t("Stan", "State"),
        st = if a.disabled { t("wyłączone", "disabled") } else { t("aktywne", "active") },
        h1 = t("Rola i wydział", "Role and department"),
        ro = role_options(lang, Some(a.role)),
        dl = t("Wydział", "Department"),
        do = dept_options(lang, &depts, a.department_id),
        save = t("Zapisz rolę i wydział", "Save role and department"),
        h2 = t("Nowe hasło", "Reset the password"),
        pl = t("Nowe hasło (co najmniej 8 znaków)", "New password (at least 8 characters)"),
        rpl = t("Powtórz nowe hasło", "Repeat the new password"),
        reset = t("Ustaw nowe hasło", "Set the new password"),
    );
    if a.id != staff.user_id {
        body.push_str(&format!(
            r#"<h2>{h3}</h2><form method="post" action="/admin/accounts/{id}/disable" class="stack">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="disabled" value="{to}">
<button type="submit">{toggle}</button></form>
<form method="post" action="/admin/accounts/{id}/delete" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<div class="check"><input id="confirm" name="confirm" type="checkbox" value="1" required><label for="confirm">{cl}</label></div>
<button type="submit" class="danger">{del}</button></form>"#,
            h3 = t("Wyłączenie i usunięcie", "Disable and delete"),
            to = if a.disabled { "0" } else { "1" },
            toggle = if a.disabled { t("Włącz konto", "Enable the account") } else { t("Wyłącz konto (kończy sesje)", "Disable the account (ends its sessions)") },
            cl = t("Potwierdzam usunięcie konta", "I confirm deleting the account"),
            del = t("Usuń konto", "Delete the account"),
        ));
    }
    page(lang, &format!("{} {}", t("Konto", "Account"), a.login), Some(&staff), "/admin/accounts", &body).into_response()
}

pub async fn update(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let a = match load(&state, &staff, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(role) = f.get("role").and_then(Role::parse) else {
        return bad(&staff, "Wybierz rolę.", "Choose a role.");
    };
    let depts = state.store.list_departments().await.unwrap_or_default();
    let Ok(dept) = parse_dept(&f, &depts) else {
        return bad(&staff, "Nie ma takiego wydziału.", "There is no such department.");
    };
    let now = state.clock.now();
    if role != a.role {
        if let Err(r) = not_self(&staff, &a) {
            return r;
        }
        if let Err(e) = state.store.set_user_role(staff.actor(), id, role, now).await {
            return store_fail(&staff, e);
        }
    }
    if dept != a.department_id
        && let Err(e) = state.store.set_user_department(staff.actor(), &a.login, dept, now).await
    {
        return store_fail(&staff, e);
    }
    Redirect::to(&format!("/admin/accounts/{id}")).into_response()
}

pub async fn reset_password(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let a = match load(&state, &staff, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let pass = match new_password(&staff, &f) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(hash) = hash(&state, pass).await else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, staff.lang, Some(&staff), "argon2");
    };
    // Ends every session and API token of the account (a reset answers a
    // suspected leak); the admin's own session stays even on their own account.
    match state.store.set_password(staff.actor(), a.id, &hash, Some(&staff.token_hash), state.clock.now()).await {
        Ok(()) => Redirect::to(&format!("/admin/accounts/{id}")).into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn disable(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let a = match load(&state, &staff, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(r) = not_self(&staff, &a) {
        return r;
    }
    match state.store.set_user_disabled(staff.actor(), id, f.flag("disabled"), state.clock.now()).await {
        Ok(()) => Redirect::to(&format!("/admin/accounts/{id}")).into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn delete(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let a = match load(&state, &staff, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(r) = not_self(&staff, &a) {
        return r;
    }
    if !f.flag("confirm") {
        return bad(&staff, "Zaznacz potwierdzenie usunięcia.", "Tick the confirmation to delete.");
    }
    match state.store.delete_user(staff.actor(), id, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/accounts").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}
