//! Admins' forms for report categories (names, descriptions, target time,
//! active flag, the extra questions) and event categories. They call the
//! same store methods and checks as the API (`check_category`,
//! `CategoryInput::validate`), so sync, Open311 and the audit log see a
//! form's change exactly as an API call's.
//!
//! Questions are fieldsets of plain fields, no JavaScript: every existing
//! question (however many) plus two empty slots; a slot left without a code
//! is ignored. Choice values are one per line: `key | nazwa | English name`,
//! with `\|` and `\\` for a `|` or `\` inside a part, so any key the API
//! accepts survives an unchanged save.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::events::EventCategory;
use mm_protocol::reports::{AttributeType, AttributeValue, CategoryAttribute, ReportCategory};
use mm_protocol::validation::{FieldError, Validate};

use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Choice, Lang, Page, PageCtx, choices};
use crate::events::model::CategoryInput;
use crate::reports::service::check_category;
use crate::state::AppState;
use crate::tenant::Tenant;

const EMPTY_SLOTS: usize = 2;

/// One part of a choice line, with `\` and `|` escaped.
fn escape_part(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|")
}

/// Splits a choice line at its unescaped `|`, unescaping `\|` and `\\`
/// (a `\` before anything else stays as it is); parts are trimmed.
fn split_choice(line: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('|' | '\\')) => {
                parts.last_mut().expect("one part").push(chars.next().expect("peeked"));
            }
            '|' => parts.push(String::new()),
            c => parts.last_mut().expect("one part").push(c),
        }
    }
    parts.iter().map(|p| p.trim().to_owned()).collect()
}

/// The question numbers a posted form carries (`q{n}_code`), in order.
fn question_slots(f: &Form) -> Vec<usize> {
    let mut slots: Vec<usize> = f
        .0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix('q')?.strip_suffix("_code")?.parse().ok())
        .collect();
    slots.sort_unstable();
    slots.dedup();
    slots
}

fn field_msg(lang: Lang, e: &FieldError) -> String {
    format!("{}: {}", e.field, lang.t(&e.pl, &e.en))
}

fn type_key(t: AttributeType) -> &'static str {
    match t {
        AttributeType::String => "string",
        AttributeType::Number => "number",
        AttributeType::SingleChoice => "single_choice",
    }
}

// ---------- the list ----------

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage<'a> {
    ctx: PageCtx<'a>,
    categories: Vec<ReportCategory>,
    event_categories: Vec<EventCategory>,
    /// The form below the list makes a new event category.
    no_category: Option<EventCategory>,
}

pub async fn list(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let categories = state.store.report_categories().await?;
    let event_categories = state.store.list_categories().await?;
    let ctx = PageCtx::new(&staff, "/admin/categories", staff.lang.t("Kategorie", "Categories"));
    Ok(Page::ok(CategoriesPage { ctx, categories, event_categories, no_category: None }).into_response())
}

// ---------- report categories ----------

/// One question's fieldset: an existing question or an empty slot.
struct Question {
    /// The slot's number in the field names (`q{i}_code`).
    i: usize,
    /// As people count (legend).
    n: usize,
    existing: bool,
    code: String,
    label_pl: String,
    label_en: String,
    types: Vec<Choice>,
    required: bool,
    /// `key | nazwa | name` lines.
    values: String,
}

#[derive(Template)]
#[template(path = "admin/category_form.html")]
struct CategoryFormPage<'a> {
    ctx: PageCtx<'a>,
    /// What the form shows (blank for a new category).
    c: ReportCategory,
    is_new: bool,
    target_hours: String,
    active: bool,
    questions: Vec<Question>,
    error: Option<String>,
}

fn blank_category() -> ReportCategory {
    ReportCategory {
        id: String::new(),
        name_pl: String::new(),
        name_en: String::new(),
        description_pl: String::new(),
        description_en: String::new(),
        attributes: Vec::new(),
        target_hours: None,
        active: true,
    }
}

fn questions(lang: Lang, attrs: &[CategoryAttribute]) -> Vec<Question> {
    let types = [
        ("string", lang.t("tekst", "text")),
        ("number", lang.t("liczba", "number")),
        ("single_choice", lang.t("jeden wybór z listy", "single choice")),
    ];
    (0..attrs.len() + EMPTY_SLOTS)
        .map(|i| {
            let a = attrs.get(i);
            Question {
                i,
                n: i + 1,
                existing: a.is_some(),
                code: a.map(|a| a.code.clone()).unwrap_or_default(),
                label_pl: a.map(|a| a.label_pl.clone()).unwrap_or_default(),
                label_en: a.map(|a| a.label_en.clone()).unwrap_or_default(),
                types: choices(types, a.map(|a| type_key(a.datatype)).unwrap_or("string")),
                required: a.is_some_and(|a| a.required),
                values: a
                    .map(|a| {
                        a.values
                            .iter()
                            .map(|v| [escape_part(&v.key), escape_part(&v.name_pl), escape_part(&v.name_en)].join(" | ") + "\n")
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn form_page(staff: &Staff, status: StatusCode, c: Option<&ReportCategory>, is_new: bool, error: Option<String>) -> Response {
    let lang = staff.lang;
    let title = if is_new { lang.t("Nowa kategoria zgłoszeń", "New report category") } else { lang.t("Edycja kategorii zgłoszeń", "Edit report category") };
    let c = c.cloned().unwrap_or_else(blank_category);
    let page = CategoryFormPage {
        ctx: PageCtx::new(staff, "/admin/categories", title),
        is_new,
        target_hours: c.target_hours.map(|h| h.to_string()).unwrap_or_default(),
        active: c.active,
        questions: questions(lang, &c.attributes),
        error,
        c,
    };
    Page::with_status(status, page).into_response()
}

pub async fn new(staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    Ok(form_page(&staff, StatusCode::OK, None, true, None))
}

fn no_category() -> AdminError {
    AdminError::not_found("Nie ma takiej kategorii.", "There is no such category.")
}

pub async fn edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let cats = state.store.report_categories().await?;
    let c = cats.iter().find(|c| c.id == id).ok_or_else(no_category)?;
    Ok(form_page(&staff, StatusCode::OK, Some(c), false, None))
}

/// Reads the form into a category (checked afterwards by `check_category`).
fn category_from(f: &Form, id: String) -> Result<ReportCategory, FieldError> {
    let target_hours = match f.text("target_hours") {
        None => None,
        Some(h) => Some(h.parse::<u32>().map_err(|_| {
            FieldError::new("target_hours", "Podaj liczbę godzin.", "Enter a number of hours.")
        })?),
    };
    let mut attributes = Vec::new();
    for i in question_slots(f) {
        let k = |s: &str| format!("q{i}_{s}");
        let Some(code) = f.text(&k("code")) else { continue };
        if f.flag(&k("remove")) {
            continue;
        }
        let datatype = match f.get(&k("type")).unwrap_or("string") {
            "number" => AttributeType::Number,
            "single_choice" => AttributeType::SingleChoice,
            _ => AttributeType::String,
        };
        let values = f
            .get(&k("values"))
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut parts = split_choice(l).into_iter();
                let key = parts.next().unwrap_or_default();
                let name_pl = parts.next().filter(|s| !s.is_empty()).unwrap_or_else(|| key.clone());
                let name_en = parts.next().filter(|s| !s.is_empty()).unwrap_or_else(|| name_pl.clone());
                AttributeValue { key, name_pl, name_en }
            })
            .collect();
        attributes.push(CategoryAttribute {
            code,
            label_pl: f.text(&k("label_pl")).unwrap_or_default(),
            label_en: f.text(&k("label_en")).unwrap_or_default(),
            datatype,
            required: f.flag(&k("required")),
            values,
        });
    }
    Ok(ReportCategory {
        id,
        name_pl: f.text("name_pl").unwrap_or_default(),
        name_en: f.text("name_en").unwrap_or_default(),
        description_pl: f.text("description_pl").unwrap_or_default(),
        description_en: f.text("description_en").unwrap_or_default(),
        attributes,
        target_hours,
        active: f.flag("active"),
    })
}

async fn save(state: AppState, staff: Staff, id: Option<String>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let is_new = id.is_none();
    let id = id.unwrap_or_else(|| f.text("id").unwrap_or_default());
    let c = match category_from(&f, id.clone()) {
        Ok(c) => c,
        Err(e) => return Ok(form_page(&staff, StatusCode::BAD_REQUEST, None, is_new, Some(field_msg(staff.lang, &e)))),
    };
    if let Err(e) = check_category(&c) {
        return Ok(form_page(&staff, StatusCode::BAD_REQUEST, Some(&c), is_new, Some(field_msg(staff.lang, &e))));
    }
    let now = state.clock.now();
    let saved = if is_new {
        state.store.create_report_category(staff.actor(), c, now).await?
    } else {
        state.store.update_report_category(staff.actor(), c, now).await?
    };
    Ok(Redirect::to(&format!("/admin/categories/{}", saved.id)).into_response())
}

pub async fn create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    save(state, staff, None, body).await
}

pub async fn update(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>, body: Bytes) -> AdminResult<Response> {
    save(state, staff, Some(id), body).await
}

// ---------- event categories ----------

#[derive(Template)]
#[template(path = "admin/event_category.html")]
struct EventCategoryPage<'a> {
    ctx: PageCtx<'a>,
    category: Option<EventCategory>,
}

pub async fn event_edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let category = state.store.list_categories().await?.into_iter().find(|c| c.id == id).ok_or_else(no_category)?;
    let ctx = PageCtx::new(&staff, "/admin/categories", staff.lang.t("Kategoria wydarzeń", "Event category"));
    Ok(Page::ok(EventCategoryPage { ctx, category: Some(category) }).into_response())
}

async fn event_save(state: AppState, staff: Staff, id: Option<String>, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let is_new = id.is_none();
    let input = CategoryInput {
        id: id.unwrap_or_else(|| f.text("id").unwrap_or_default()),
        name_pl: f.text("name_pl").unwrap_or_default(),
        name_en: f.text("name_en").unwrap_or_default(),
    };
    input.validate()?;
    let now = state.clock.now();
    if is_new {
        state.store.create_category(staff.actor(), input.into(), now).await?;
    } else {
        state.store.update_event_category(staff.actor(), input.into(), now).await?;
    }
    Ok(Redirect::to("/admin/categories"))
}

pub async fn event_create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    event_save(state, staff, None, body).await
}

pub async fn event_update(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>, body: Bytes) -> AdminResult<Redirect> {
    event_save(state, staff, Some(id), body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_parts_escape_and_split_back() {
        for key in ["a|b", "back\\slash", "\\|", "x | y", "end\\", "<&>", "zwykły"] {
            let line = format!("{} | {} | {}", escape_part(key), escape_part("Nazwa | PL"), escape_part("Name"));
            assert_eq!(split_choice(&line), vec![key.to_owned(), "Nazwa | PL".to_owned(), "Name".to_owned()], "{line}");
        }
        // Hand-typed lines keep working, a lone backslash included.
        assert_eq!(split_choice(" k | n\\a "), vec!["k".to_owned(), "n\\a".to_owned()]);
    }
}
