//! `/admin/settings/accessibility` (admins): the gmina's accessibility
//! statement (`accessibility::AccessibilityStatement`), kept in the
//! gmina's settings and published at `/deklaracja-dostepnosci`. A form
//! with problems saves nothing and comes back (400) with every wrong field
//! marked (`aria-invalid`, its message by `aria-describedby`) and a
//! summary that screen readers announce (`role="alert"`).

use askama::Template;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use mm_protocol::LOCAL_TZ;

use super::session::{Form, Staff};
use super::settings::gmina_settings;
use super::view::{AdminError, AdminResult, Choice, Lang, Page, PageCtx, choices};
use crate::accessibility::model::{AccessibilityStatement, Conformance, LINE_MAX, TEXT_MAX, URL_MAX};
use crate::accessibility::page::{PATH, iso};
use crate::tenant::Tenant;

/// One field of the form.
struct Field {
    name: &'static str,
    label: &'static str,
    /// `text`, `url`, `email`, `tel`, `date`, `textarea`, `select`.
    kind: &'static str,
    value: String,
    hint: &'static str,
    required: bool,
    max: usize,
    error: Option<String>,
    /// `aria-describedby`: the hint and the error, those it has.
    described: String,
}

#[derive(Template)]
#[template(path = "admin/statement.html")]
struct StatementForm<'a> {
    ctx: PageCtx<'a>,
    fields: Vec<Field>,
    statuses: Vec<Choice>,
    notice: Option<(String, bool)>,
    public: String,
}

/// The form's values: the statement's, or as typed.
type Typed = Vec<(&'static str, String)>;

fn typed_of(s: &AccessibilityStatement) -> Typed {
    vec![
        ("entity", s.entity.clone()),
        ("website_name", s.website_name.clone()),
        ("website_url", s.website_url.clone()),
        ("published", iso(s.published)),
        ("updated", iso(s.updated)),
        ("status", s.status.as_str().to_owned()),
        ("non_accessible", s.non_accessible.clone()),
        ("prepared", iso(s.prepared)),
        ("reviewed", iso(s.reviewed)),
        ("auditor", s.auditor.clone()),
        ("contact_name", s.contact_name.clone()),
        ("contact_email", s.contact_email.clone()),
        ("contact_phone", s.contact_phone.clone()),
        ("architecture", s.architecture.clone()),
        ("android_url", s.android_url.clone()),
        ("ios_url", s.ios_url.clone()),
    ]
}

fn fields(lang: Lang, typed: &Typed, errors: &[(&'static str, String)]) -> Vec<Field> {
    let t = |pl, en| lang.t(pl, en);
    let value = |n: &str| typed.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let error = |n: &str| errors.iter().find(|(k, _)| *k == n).map(|(_, e)| e.clone());
    let f = |name: &'static str, label: &'static str, kind: &'static str, hint: &'static str, required: bool| {
        let error = error(name);
        let mut described = Vec::new();
        if !hint.is_empty() {
            described.push(format!("s-{name}-hint"));
        }
        if error.is_some() {
            described.push(format!("s-{name}-error"));
        }
        Field {
            name,
            label,
            kind,
            value: value(name),
            hint,
            required,
            max: match kind {
                "textarea" => TEXT_MAX,
                "url" => URL_MAX,
                _ => LINE_MAX,
            },
            error,
            described: described.join(" "),
        }
    };
    vec![
        f("entity", t("Nazwa podmiotu publicznego", "The public body's name"), "text", t("Np. Gmina Siechnice.", "E.g. Gmina Siechnice."), true),
        f("website_name", t("Nazwa strony internetowej", "The website's name"), "text", "", true),
        f("website_url", t("Adres strony internetowej", "The website's address"), "url", "", true),
        f("published", t("Data publikacji strony", "The website's publication date"), "date", "", true),
        f("updated", t("Data ostatniej istotnej aktualizacji", "The last significant update"), "date", t("Puste: bez aktualizacji.", "Empty: no update since."), false),
        f("status", t("Status zgodności z ustawą", "Conformance with the act"), "select", "", true),
        f(
            "non_accessible",
            t("Treści niedostępne i powody", "Non-accessible content and why"),
            "textarea",
            t("Jedna pozycja w wierszu: co jest niedostępne i dlaczego (także wyłączenia z art. 3 ust. 2 ustawy). Puste tylko przy statusie „zgodna”.", "One item a line: what is not accessible and why (also the exemptions of art. 3(2) of the act). Empty only when fully compliant."),
            false,
        ),
        f("prepared", t("Data sporządzenia deklaracji", "The date the statement was prepared"), "date", "", true),
        f("reviewed", t("Data ostatniego przeglądu deklaracji", "The statement's last review"), "date", t("Puste: bez przeglądu.", "Empty: not reviewed since."), false),
        f("auditor", t("Podmiot zewnętrzny, który ocenił dostępność", "The outside body that assessed it"), "text", t("Puste: deklaracja na podstawie samooceny.", "Empty: the statement rests on a self-assessment."), false),
        f("contact_name", t("Osoba kontaktowa", "Contact person"), "text", "", true),
        f("contact_email", t("Adres e-mail", "E-mail address"), "email", "", true),
        f("contact_phone", t("Telefon", "Phone"), "tel", t("Np. +48 71 786 09 01.", "E.g. +48 71 786 09 01."), true),
        f(
            "architecture",
            t("Dostępność architektoniczna urzędu", "The town hall's architectural accessibility"),
            "textarea",
            t("Wejścia, podjazdy, windy, toalety, parking, pętla indukcyjna, pies asystujący, tłumacz PJM. Akapity oddziel pustym wierszem.", "Entrances, ramps, lifts, toilets, parking, hearing loop, assistance dogs, sign language interpreter. Separate paragraphs with a blank line."),
            true,
        ),
        f("android_url", t("Aplikacja na Androida (adres w sklepie)", "The Android app (store address)"), "url", t("Puste: nieopublikowana.", "Empty: not published."), false),
        f("ios_url", t("Aplikacja na iOS (adres w sklepie)", "The iOS app (store address)"), "url", t("Puste: nieopublikowana.", "Empty: not published."), false),
    ]
}

fn statuses(lang: Lang, current: &str) -> Vec<Choice> {
    choices(Conformance::ALL.map(|c| (c.as_str(), lang.t(c.label_pl(), c.label_en()))), current)
}

fn render(staff: &Staff, status: StatusCode, typed: &Typed, errors: &[(&'static str, String)], notice: Option<(String, bool)>, gmina: String) -> AdminResult<Response> {
    let lang = staff.lang;
    let ctx = PageCtx::new(staff, "/admin/settings/accessibility", lang.t("Deklaracja dostępności", "Accessibility statement"));
    let current = typed.iter().find(|(k, _)| *k == "status").map(|(_, v)| v.as_str()).unwrap_or("partial");
    let page = StatementForm { ctx, fields: fields(lang, typed, errors), statuses: statuses(lang, current), notice, public: format!("{PATH}?gmina={gmina}") };
    Ok(Page::with_status(status, page).into_response())
}

pub async fn get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let s = gmina_settings(&state).await?.accessibility.unwrap_or_default();
    render(&staff, StatusCode::OK, &typed_of(&s), &[], None, state.store.gmina_scope().to_string())
}

/// A date field: empty is none; anything else must be a date.
fn date(f: &Form, k: &'static str, bad: &mut Vec<&'static str>) -> Option<NaiveDate> {
    let v = f.get(k).unwrap_or_default().trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            bad.push(k);
            None
        }
    }
}

pub async fn post(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let text = |k: &str| f.get(k).unwrap_or_default().trim().to_owned();
    // Multi-line fields keep their lines, without the browser's \r.
    let lines = |k: &str| f.get(k).unwrap_or_default().replace("\r\n", "\n").trim().to_owned();
    let mut bad_dates = Vec::new();
    let status = Conformance::parse(&text("status"));
    let s = AccessibilityStatement {
        entity: text("entity"),
        website_name: text("website_name"),
        website_url: text("website_url"),
        published: date(&f, "published", &mut bad_dates),
        updated: date(&f, "updated", &mut bad_dates),
        status: status.unwrap_or_default(),
        non_accessible: lines("non_accessible"),
        prepared: date(&f, "prepared", &mut bad_dates),
        reviewed: date(&f, "reviewed", &mut bad_dates),
        auditor: text("auditor"),
        contact_name: text("contact_name"),
        contact_email: text("contact_email"),
        contact_phone: text("contact_phone"),
        architecture: lines("architecture"),
        android_url: text("android_url"),
        ios_url: text("ios_url"),
    };
    let today = state.clock.now().with_timezone(&LOCAL_TZ).date_naive();
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    if status.is_none() {
        errors.push(("status", lang.t("Wybierz status zgodności.", "Choose the conformance status.").to_owned()));
    }
    for k in &bad_dates {
        errors.push((k, lang.t("Data w postaci RRRR-MM-DD.", "A date as YYYY-MM-DD.").to_owned()));
    }
    for p in s.problems(today) {
        if !errors.iter().any(|(k, _)| *k == p.field) {
            errors.push((p.field, lang.t(p.pl, p.en).to_owned()));
        }
    }
    let gmina = state.store.gmina_scope().to_string();
    if !errors.is_empty() {
        let mut typed: Typed = typed_of(&s);
        // What was typed, not what parsed: a bad date stays to be corrected.
        for (k, v) in typed.iter_mut() {
            if let Some(raw) = f.get(k) {
                *v = raw.to_owned();
            }
        }
        let notice = Some((lang.t("Nic nie zapisano: popraw zaznaczone pola.", "Nothing was saved: correct the marked fields.").to_owned(), true));
        return render(&staff, StatusCode::BAD_REQUEST, &typed, &errors, notice, gmina);
    }
    let Some(mut record) = state.store.gmina_record(state.store.gmina_scope()).await? else {
        return Err(AdminError::not_found("Nie ma takiej gminy.", "No such gmina."));
    };
    record.settings.accessibility = Some(s.clone());
    state.store.update_gmina(staff.actor(), record, state.clock.now()).await?;
    state.gminas.invalidate();
    let notice = Some((lang.t("Zapisano i opublikowano deklarację.", "The statement was saved and published.").to_owned(), false));
    render(&staff, StatusCode::OK, &typed_of(&s), &[], notice, gmina)
}
