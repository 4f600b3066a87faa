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

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::events::EventCategory;
use mm_protocol::reports::{AttributeType, AttributeValue, CategoryAttribute, ReportCategory};
use mm_protocol::validation::{FieldError, Validate};

use super::html::{Lang, error_page, esc, options, page};
use super::session::{Form, Staff};
use crate::events::model::CategoryInput;
use crate::reports::service::check_category;
use crate::state::AppState;

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

fn store_fail(staff: &Staff, e: crate::store::StoreError) -> Response {
    let api = crate::error::AppError::from(e).into_api();
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(status, staff.lang, Some(staff), staff.lang.t(&api.message.pl, &api.message.en))
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

pub async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let cats = match state.store.report_categories().await {
        Ok(c) => c,
        Err(e) => return store_fail(&staff, e),
    };
    let mut body = format!(
        r#"<p><a href="/admin/categories/new" class="button">{new}</a></p>
<table><caption>{cap}</caption><thead><tr><th scope="col">{id}</th><th scope="col">{name}</th><th scope="col">{q}</th><th scope="col">{target}</th><th scope="col">{act}</th></tr></thead><tbody>"#,
        new = t("Nowa kategoria zgłoszeń", "New report category"),
        cap = t("Kategorie zgłoszeń", "Report categories"),
        id = t("Identyfikator", "Id"),
        name = t("Nazwa", "Name"),
        q = t("Pytania", "Questions"),
        target = t("Termin (godziny)", "Target (hours)"),
        act = t("Aktywna", "Active"),
    );
    for c in &cats {
        body.push_str(&format!(
            r#"<tr data-category="{id}"><td><code>{id}</code></td><td><a href="/admin/categories/{id}">{name}</a></td><td>{q}</td><td>{target}</td><td>{active}</td></tr>"#,
            id = esc(&c.id),
            name = esc(lang.t(&c.name_pl, &c.name_en)),
            q = c.attributes.len(),
            target = c.target_hours.map(|h| h.to_string()).unwrap_or_else(|| "—".into()),
            active = if c.active { t("tak", "yes") } else { t("nie", "no") },
        ));
    }
    body.push_str("</tbody></table>");

    let events = state.store.list_categories().await.unwrap_or_default();
    body.push_str(&format!(
        r#"<h2 id="h-events">{h}</h2><table aria-labelledby="h-events"><thead><tr><th scope="col">{id}</th><th scope="col">{pl}</th><th scope="col">{en}</th></tr></thead><tbody>"#,
        h = t("Kategorie wydarzeń", "Event categories"),
        id = t("Identyfikator", "Id"),
        pl = t("Nazwa po polsku", "Polish name"),
        en = t("Nazwa po angielsku", "English name"),
    ));
    for c in &events {
        body.push_str(&format!(
            r#"<tr data-event-category="{id}"><td><code>{id}</code></td><td><a href="/admin/event-categories/{id}">{pl}</a></td><td>{en}</td></tr>"#,
            id = esc(&c.id),
            pl = esc(&c.name_pl),
            en = esc(&c.name_en),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&event_form(&staff, None, None));
    page(lang, t("Kategorie", "Categories"), Some(&staff), "/admin/categories", &body).into_response()
}

// ---------- report categories ----------

fn category_form(staff: &Staff, c: Option<&ReportCategory>, is_new: bool, error: Option<&str>) -> String {
    let lang = staff.lang;
    let t = |pl, en| lang.t(pl, en);
    let action = match c {
        Some(c) if !is_new => format!("/admin/categories/{}", esc(&c.id)),
        _ => "/admin/categories".into(),
    };
    let v = |f: fn(&ReportCategory) -> &str| esc(c.map(f).unwrap_or(""));
    let id_field = if is_new {
        format!(
            r#"<label for="id">{}</label><input id="id" name="id" required maxlength="64" pattern="[a-z0-9_]+" value="{}" aria-describedby="id-hint"><p id="id-hint" class="hint">{}</p>"#,
            t("Identyfikator (kod usługi Open311)", "Id (Open311 service code)"),
            v(|c| &c.id),
            t("Małe litery, cyfry i _, np. street_lamp. Nie można go później zmienić.", "Lowercase letters, digits and _, e.g. street_lamp. It cannot be changed later."),
        )
    } else {
        format!(r#"<p>{} <code>{}</code></p>"#, t("Identyfikator:", "Id:"), v(|c| &c.id))
    };
    let msg = error
        .map(|m| format!(r#"<p class="error" role="alert">{}</p>"#, esc(m)))
        .unwrap_or_default();
    let mut out = format!(
        r#"{msg}<form method="post" action="{action}" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
{id_field}
<label for="name_pl">{npl}</label><input id="name_pl" name="name_pl" required maxlength="200" value="{name_pl}">
<label for="name_en">{nen}</label><input id="name_en" name="name_en" required maxlength="200" value="{name_en}">
<label for="description_pl">{dpl}</label><textarea id="description_pl" name="description_pl" rows="3">{desc_pl}</textarea>
<label for="description_en">{den}</label><textarea id="description_en" name="description_en" rows="3">{desc_en}</textarea>
<label for="target_hours">{th}</label><input id="target_hours" name="target_hours" type="number" min="1" max="100000" inputmode="numeric" value="{target}">
<div class="check"><input id="active" name="active" type="checkbox" value="1"{active}><label for="active">{al}</label></div>
"#,
        csrf = staff.csrf,
        npl = t("Nazwa po polsku", "Polish name"),
        name_pl = v(|c| &c.name_pl),
        nen = t("Nazwa po angielsku", "English name"),
        name_en = v(|c| &c.name_en),
        dpl = t("Opis po polsku", "Polish description"),
        desc_pl = v(|c| &c.description_pl),
        den = t("Opis po angielsku", "English description"),
        desc_en = v(|c| &c.description_en),
        th = t("Termin załatwienia w godzinach (puste: brak)", "Target time in hours (empty: none)"),
        target = c.and_then(|c| c.target_hours).map(|h| h.to_string()).unwrap_or_default(),
        active = if c.is_none_or(|c| c.active) { " checked" } else { "" },
        al = t("Aktywna (przyjmuje nowe zgłoszenia)", "Active (takes new reports)"),
    );
    let attrs: &[CategoryAttribute] = c.map(|c| c.attributes.as_slice()).unwrap_or(&[]);
    let types = [
        ("string", t("tekst", "text")),
        ("number", t("liczba", "number")),
        ("single_choice", t("jeden wybór z listy", "single choice")),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    for i in 0..attrs.len() + EMPTY_SLOTS {
        let a = attrs.get(i);
        let values: String = a
            .map(|a| {
                a.values
                    .iter()
                    .map(|v| format!("{} | {} | {}\n", escape_part(&v.key), escape_part(&v.name_pl), escape_part(&v.name_en)))
                    .collect()
            })
            .unwrap_or_default();
        let remove = if a.is_some() {
            format!(
                r#"<div class="check"><input id="q{i}_remove" name="q{i}_remove" type="checkbox" value="1"><label for="q{i}_remove">{}</label></div>"#,
                t("Usuń to pytanie", "Remove this question")
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            r#"<fieldset class="stack question"><legend>{legend} {n}{newq}</legend>
<label for="q{i}_code">{cl}</label><input id="q{i}_code" name="q{i}_code" maxlength="64" pattern="[a-z0-9_]+" value="{code}">
<label for="q{i}_label_pl">{lpl}</label><input id="q{i}_label_pl" name="q{i}_label_pl" maxlength="200" value="{label_pl}">
<label for="q{i}_label_en">{len}</label><input id="q{i}_label_en" name="q{i}_label_en" maxlength="200" value="{label_en}">
<label for="q{i}_type">{tl}</label><select id="q{i}_type" name="q{i}_type">{topts}</select>
<div class="check"><input id="q{i}_required" name="q{i}_required" type="checkbox" value="1"{req}><label for="q{i}_required">{rl}</label></div>
<label for="q{i}_values">{vl}</label><textarea id="q{i}_values" name="q{i}_values" rows="3" aria-describedby="values-hint">{values}</textarea>
{remove}</fieldset>
"#,
            legend = t("Pytanie", "Question"),
            n = i + 1,
            newq = if a.is_none() { t(" (nowe, opcjonalne)", " (new, optional)") } else { "" },
            cl = t("Kod pytania (puste: pomiń)", "Question code (empty: skip)"),
            code = esc(a.map(|a| a.code.as_str()).unwrap_or("")),
            lpl = t("Treść pytania po polsku", "Question in Polish"),
            label_pl = esc(a.map(|a| a.label_pl.as_str()).unwrap_or("")),
            len = t("Treść pytania po angielsku", "Question in English"),
            label_en = esc(a.map(|a| a.label_en.as_str()).unwrap_or("")),
            tl = t("Rodzaj odpowiedzi", "Answer type"),
            topts = options(&types, a.map(|a| type_key(a.datatype)).unwrap_or("string")),
            req = if a.is_some_and(|a| a.required) { " checked" } else { "" },
            rl = t("Odpowiedź wymagana", "Answer required"),
            vl = t("Odpowiedzi do wyboru (jedna w wierszu)", "Choices (one per line)"),
            values = esc(&values),
        ));
    }
    out.push_str(&format!(
        r#"<p id="values-hint" class="hint">{}</p><button type="submit">{}</button></form>"#,
        t(
            "Odpowiedzi do wyboru tylko dla rodzaju „jeden wybór”, w postaci: klucz | nazwa po polsku | nazwa po angielsku. Więcej pustych pytań pojawi się po zapisaniu.",
            "Choices only for the single choice type, as: key | Polish name | English name. More empty questions appear after saving.",
        ),
        t("Zapisz kategorię", "Save the category"),
    ));
    out
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

fn form_page(staff: &Staff, status: StatusCode, c: Option<&ReportCategory>, is_new: bool, error: Option<&str>) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    let title = if is_new { t("Nowa kategoria zgłoszeń", "New report category") } else { t("Edycja kategorii zgłoszeń", "Edit report category") };
    let body = format!(
        r#"<p><a href="/admin/categories">{}</a></p>{}"#,
        t("← Kategorie", "← Categories"),
        category_form(staff, c, is_new, error)
    );
    (status, page(staff.lang, title, Some(staff), "/admin/categories", &body)).into_response()
}

pub async fn new(staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    form_page(&staff, StatusCode::OK, None, true, None)
}

pub async fn edit(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let cats = match state.store.report_categories().await {
        Ok(c) => c,
        Err(e) => return store_fail(&staff, e),
    };
    match cats.iter().find(|c| c.id == id) {
        Some(c) => form_page(&staff, StatusCode::OK, Some(c), false, None),
        None => error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej kategorii.", "There is no such category.")),
    }
}

async fn save(state: AppState, staff: Staff, id: Option<String>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let is_new = id.is_none();
    let id = id.unwrap_or_else(|| f.text("id").unwrap_or_default());
    let c = match category_from(&f, id.clone()) {
        Ok(c) => c,
        Err(e) => {
            let msg = field_msg(staff.lang, &e);
            return form_page(&staff, StatusCode::BAD_REQUEST, None, is_new, Some(&msg));
        }
    };
    if let Err(e) = check_category(&c) {
        let msg = field_msg(staff.lang, &e);
        return form_page(&staff, StatusCode::BAD_REQUEST, Some(&c), is_new, Some(&msg));
    }
    let now = state.clock.now();
    let res = if is_new {
        state.store.create_report_category(staff.actor(), c, now).await
    } else {
        state.store.update_report_category(staff.actor(), c, now).await
    };
    match res {
        Ok(c) => Redirect::to(&format!("/admin/categories/{}", c.id)).into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    save(state, staff, None, body).await
}

pub async fn update(State(state): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
    save(state, staff, Some(id), body).await
}

// ---------- event categories ----------

fn event_form(staff: &Staff, c: Option<&EventCategory>, error: Option<&str>) -> String {
    let t = |pl, en| staff.lang.t(pl, en);
    let msg = error
        .map(|m| format!(r#"<p class="error" role="alert">{}</p>"#, esc(m)))
        .unwrap_or_default();
    let (heading, action, id_field) = match c {
        Some(c) => (
            t("Zmiana nazwy kategorii wydarzeń", "Rename the event category"),
            format!("/admin/event-categories/{}", esc(&c.id)),
            format!(r#"<p>{} <code>{}</code></p>"#, t("Identyfikator:", "Id:"), esc(&c.id)),
        ),
        None => (
            t("Nowa kategoria wydarzeń", "New event category"),
            "/admin/event-categories".into(),
            format!(
                r#"<label for="ev-id">{}</label><input id="ev-id" name="id" required maxlength="64" pattern="[a-z0-9\-]+">"#,
                t("Identyfikator (małe litery, cyfry i -)", "Id (lowercase letters, digits and -)")
            ),
        ),
    };
    format!(
        r#"<h2>{heading}</h2>{msg}<form method="post" action="{action}" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
{id_field}
<label for="ev-name_pl">{pl}</label><input id="ev-name_pl" name="name_pl" required maxlength="100" value="{vpl}">
<label for="ev-name_en">{en}</label><input id="ev-name_en" name="name_en" required maxlength="100" value="{ven}">
<button type="submit">{s}</button></form>"#,
        csrf = staff.csrf,
        pl = t("Nazwa kategorii wydarzeń po polsku", "Event category name in Polish"),
        vpl = esc(c.map(|c| c.name_pl.as_str()).unwrap_or("")),
        en = t("Nazwa kategorii wydarzeń po angielsku", "Event category name in English"),
        ven = esc(c.map(|c| c.name_en.as_str()).unwrap_or("")),
        s = t("Zapisz kategorię wydarzeń", "Save the event category"),
    )
}

pub async fn event_edit(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let cats = state.store.list_categories().await.unwrap_or_default();
    let Some(c) = cats.iter().find(|c| c.id == id) else {
        return error_page(StatusCode::NOT_FOUND, staff.lang, Some(&staff), staff.lang.t("Nie ma takiej kategorii.", "There is no such category."));
    };
    let body = format!(
        r#"<p><a href="/admin/categories">{}</a></p>{}"#,
        staff.lang.t("← Kategorie", "← Categories"),
        event_form(&staff, Some(c), None)
    );
    page(staff.lang, staff.lang.t("Kategoria wydarzeń", "Event category"), Some(&staff), "/admin/categories", &body).into_response()
}

async fn event_save(state: AppState, staff: Staff, id: Option<String>, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let is_new = id.is_none();
    let input = CategoryInput {
        id: id.unwrap_or_else(|| f.text("id").unwrap_or_default()),
        name_pl: f.text("name_pl").unwrap_or_default(),
        name_en: f.text("name_en").unwrap_or_default(),
    };
    if let Err(e) = input.validate() {
        return error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), &field_msg(staff.lang, &e));
    }
    let now = state.clock.now();
    let res = if is_new {
        state.store.create_category(staff.actor(), input.into(), now).await
    } else {
        state.store.update_event_category(staff.actor(), input.into(), now).await
    };
    match res {
        Ok(_) => Redirect::to("/admin/categories").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

pub async fn event_create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    event_save(state, staff, None, body).await
}

pub async fn event_update(State(state): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> Response {
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
