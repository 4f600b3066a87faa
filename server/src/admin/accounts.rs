//! Admins' forms for officials' accounts: list, create (Argon2id hash of
//! the initial password, as `mm-server user add` makes it), role and
//! department, disable/enable, delete, password reset. Every change is in
//! the audit log (the store writes it); no page ever shows a password hash.
//!
//! An admin cannot demote, disable or delete their own account here, so
//! the back office cannot lose its last way in by a slip of the keyboard.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::auth::Role;

use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Choice, Lang, Page, PageCtx, choices};
use crate::auth::password_policy;
use crate::state::AppState;
use crate::tenant::Tenant;
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

fn bad(pl: &str, en: &str) -> AdminError {
    AdminError::bad_request(pl, en)
}

fn role_options(lang: Lang, selected: Option<Role>) -> Vec<Choice> {
    choices(ROLES.iter().map(|r| (r.as_str(), role_label(lang, *r))), selected.map(Role::as_str).unwrap_or("dispatcher"))
}

fn dept_options(lang: Lang, depts: &[Department], selected: Option<i64>) -> Vec<Choice> {
    choices(
        std::iter::once((String::new(), lang.t("— żaden —", "— none —").to_owned()))
            .chain(depts.iter().map(|d| (d.id.to_string(), d.name.clone()))),
        &selected.map(|d| d.to_string()).unwrap_or_default(),
    )
}

/// A login: 1-100 characters, letters, digits and `. _ - @`, no spaces.
fn login_ok(l: &str) -> bool {
    !l.is_empty()
        && l.chars().count() <= 100
        && l.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// The new password of `login` ([`password_policy::check_new`], the
/// server's one rule) and its repetition, equal.
fn new_password(login: &str, f: &Form) -> AdminResult<String> {
    let p = f.get("password").unwrap_or_default().to_owned();
    password_policy::check_new(login, &p).map_err(|e| bad(&e.pl, &e.en))?;
    if f.get("repeat") != Some(p.as_str()) {
        return Err(bad("Powtórzone hasło jest inne.", "The repeated password differs."));
    }
    Ok(p)
}

/// Argon2 behind the server's gate: 503 when it is busy.
async fn hash(state: &AppState, p: String) -> AdminResult<String> {
    match state.passwords.hash(p).await {
        Ok(Some(h)) => Ok(h),
        Ok(None) => Err(AdminError::internal("argon2 failed to hash")),
        Err(_) => Err(AdminError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.",
            "The server is busy. Try again in a moment.",
        )),
    }
}

fn parse_dept(f: &Form, depts: &[Department]) -> Result<Option<i64>, ()> {
    match f.text("department") {
        None => Ok(None),
        Some(d) => d.parse::<i64>().ok().filter(|d| depts.iter().any(|x| x.id == *d)).map(Some).ok_or(()),
    }
}

/// An account as the list shows it.
struct AccountRow {
    id: i64,
    login: String,
    role: &'static str,
    department: String,
    disabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage<'a> {
    ctx: PageCtx<'a>,
    accounts: Vec<AccountRow>,
    roles: Vec<Choice>,
    departments: Vec<Choice>,
}

pub async fn list(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let accounts = state.store.list_accounts().await?;
    let depts = state.store.list_departments().await?;
    let dept_name = |id: Option<i64>| id.and_then(|i| depts.iter().find(|d| d.id == i)).map(|d| d.name.clone()).unwrap_or_default();
    let accounts = accounts
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            role: a.role.as_str(),
            department: dept_name(a.department_id),
            disabled: a.disabled,
            created: a.created_at.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d").to_string(),
            login: a.login,
        })
        .collect();
    let page = AccountsPage {
        ctx: PageCtx::new(&staff, "/admin/accounts", lang.t("Konta urzędników", "Officials' accounts")),
        accounts,
        roles: role_options(lang, None),
        departments: dept_options(lang, &depts, None),
    };
    Ok(Page::ok(page).into_response())
}

pub async fn create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let login = f.text("login").unwrap_or_default();
    if !login_ok(&login) {
        return Err(bad("Login: 1-100 znaków, litery, cyfry oraz . _ - @.", "Login: 1-100 characters, letters, digits and . _ - @."));
    }
    let Some(role) = f.get("role").and_then(Role::parse) else {
        return Err(bad("Wybierz rolę.", "Choose a role."));
    };
    let depts = state.store.list_departments().await?;
    let Ok(dept) = parse_dept(&f, &depts) else {
        return Err(bad("Nie ma takiego wydziału.", "There is no such department."));
    };
    let hash = hash(&state, new_password(&login, &f)?).await?;
    let id = state.store.create_user(staff.actor(), &login, role, &hash).await?;
    if dept.is_some() {
        state.store.set_user_department(staff.actor(), &login, dept, state.clock.now()).await?;
    }
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

async fn load(state: &AppState, id: i64) -> AdminResult<Account> {
    state
        .store
        .get_account(id)
        .await?
        .ok_or_else(|| AdminError::not_found("Nie ma takiego konta.", "There is no such account."))
}

fn not_self(staff: &Staff, a: &Account) -> AdminResult<()> {
    if a.id == staff.user_id {
        Err(AdminError::new(
            StatusCode::CONFLICT,
            "Własnego konta nie można tu wyłączyć, usunąć ani zmienić mu roli; poproś innego administratora.",
            "You cannot disable, delete or change the role of your own account here; ask another admin.",
        ))
    } else {
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountPage<'a> {
    ctx: PageCtx<'a>,
    a: Account,
    is_self: bool,
    roles: Vec<Choice>,
    departments: Vec<Choice>,
    /// The official has a second factor (`admin::two_factor::reset`).
    two_factor: bool,
}

pub async fn edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let a = load(&state, id).await?;
    let lang = staff.lang;
    let depts = state.store.list_departments().await?;
    let page = AccountPage {
        ctx: PageCtx::new(&staff, "/admin/accounts", format!("{} {}", lang.t("Konto", "Account"), a.login)),
        is_self: a.id == staff.user_id,
        roles: role_options(lang, Some(a.role)),
        departments: dept_options(lang, &depts, a.department_id),
        two_factor: crate::auth::second_factor::enrolled(&state, a.id).await?,
        a,
    };
    Ok(Page::ok(page).into_response())
}

pub async fn update(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let a = load(&state, id).await?;
    let Some(role) = f.get("role").and_then(Role::parse) else {
        return Err(bad("Wybierz rolę.", "Choose a role."));
    };
    let depts = state.store.list_departments().await?;
    let Ok(dept) = parse_dept(&f, &depts) else {
        return Err(bad("Nie ma takiego wydziału.", "There is no such department."));
    };
    let now = state.clock.now();
    if role != a.role {
        not_self(&staff, &a)?;
        state.store.set_user_role(staff.actor(), id, role, now).await?;
    }
    if dept != a.department_id {
        state.store.set_user_department(staff.actor(), &a.login, dept, now).await?;
    }
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

pub async fn reset_password(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let a = load(&state, id).await?;
    let hash = hash(&state, new_password(&a.login, &f)?).await?;
    // Ends every session and API token of the account (a reset answers a
    // suspected leak); the admin's own session stays even on their own account.
    state.store.set_password(staff.actor(), a.id, &hash, Some(&staff.token_hash), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

pub async fn disable(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let a = load(&state, id).await?;
    not_self(&staff, &a)?;
    state.store.set_user_disabled(staff.actor(), id, f.flag("disabled"), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

pub async fn delete(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let a = load(&state, id).await?;
    not_self(&staff, &a)?;
    if !f.flag("confirm") {
        return Err(bad("Zaznacz potwierdzenie usunięcia.", "Tick the confirmation to delete."));
    }
    state.store.delete_user(staff.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to("/admin/accounts"))
}
