//! A new edition and its settings (issue 15 §7 item 2, docs/BUDGET.md):
//!
//! - `GET /admin/budget/editions/new`, `POST /admin/budget/editions`: a
//!   new edition (it starts with no pool: [`super::pools`] adds them);
//! - `GET|POST /admin/budget/editions/{id}/settings`: its title, dated
//!   phases and settings, while voting has not started (the store refuses
//!   after: `Conflict::EditionLocked`, the ballot must not change under
//!   the voters);
//! - [`public_results_url`]: the edition page's link to the public results
//!   page once they are published.
//!
//! Checked by `PhaseDates::validate` and `validate_settings` (the
//! protocol's, the same the apps trust); every field that does not parse
//! and each rule's first problem are shown by their field, Polish first,
//! and nothing is saved while any is. The form's field names are the
//! protocol's paths (`voting.max`, `dates.voting_from`), so an error's
//! `field` names its input.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Duration, Utc};
use mm_protocol::budget::count::TieKey;
use mm_protocol::budget::model::{
    DuplicatePolicy, EditionSettings, IdentityMode, PhaseDates, SettingsReason, VotingRule, validate_settings,
};
use mm_protocol::gmina::Teryt;

use super::{Errors, MAX_TEXT, edition_or_404, local_input, parse_local, permit, say};
use crate::admin::session::{Form, Staff};
use crate::admin::view::{AdminResult, Lang, Page, PageCtx};
use crate::store::budget::{NewEdition, edition_locked};
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

/// The dates' fields, in the order of the phases.
const DATE_FIELDS: [&str; 6] =
    ["dates.submission_from", "dates.submission_to", "dates.verification_to", "dates.appeal_to", "dates.voting_from", "dates.voting_to"];

/// The tie-break keys' slots (`tie_break.0` …).
const TIE_SLOTS: usize = 3;

/// The form as typed (strings), keyed by the protocol's paths.
#[derive(Default)]
pub(super) struct EditionForm {
    pub year: String,
    pub title: String,
    /// In [`DATE_FIELDS`] order.
    pub dates: [String; 6],
    /// `approval`, `cumulative` or `knapsack`.
    pub voting: String,
    pub approval_min: String,
    pub approval_max: String,
    pub points: String,
    pub min_projects: String,
    pub max_per_project: String,
    pub area_pools_per_ballot: String,
    /// `pesel` or `name_address`.
    pub identity: String,
    pub sms: bool,
    pub max_voters_per_phone: String,
    pub declaration_of_residence: bool,
    /// `first_counts` or `void_all`.
    pub duplicates: String,
    pub allow_change: bool,
    /// `lower_cost`, `more_votes`, `lot` or empty, per slot.
    pub tie_break: Vec<String>,
    pub retention_years: String,
}

fn tie_name(k: TieKey) -> &'static str {
    match k {
        TieKey::LowerCost => "lower_cost",
        TieKey::MoreVotes => "more_votes",
        TieKey::Lot => "lot",
    }
}

impl EditionForm {
    fn of(year: i32, title: &str, d: &PhaseDates, s: &EditionSettings) -> EditionForm {
        let mut f = EditionForm {
            year: year.to_string(),
            title: title.to_owned(),
            dates: [d.submission_from, d.submission_to, d.verification_to, d.appeal_to, d.voting_from, d.voting_to].map(local_input),
            area_pools_per_ballot: s.area_pools_per_ballot.to_string(),
            identity: match s.identity {
                IdentityMode::Pesel => "pesel",
                IdentityMode::NameAddress => "name_address",
            }
            .into(),
            sms: s.sms,
            max_voters_per_phone: s.max_voters_per_phone.to_string(),
            declaration_of_residence: s.declaration_of_residence,
            duplicates: match s.duplicates {
                DuplicatePolicy::FirstCounts => "first_counts",
                DuplicatePolicy::VoidAll => "void_all",
            }
            .into(),
            allow_change: s.allow_change,
            tie_break: s.tie_break.iter().map(|k| tie_name(*k).to_owned()).collect(),
            retention_years: s.retention_years.to_string(),
            // Sensible values for the rules not chosen, should the official switch.
            approval_min: "1".into(),
            approval_max: "3".into(),
            points: "10".into(),
            min_projects: "1".into(),
            max_per_project: "5".into(),
            ..Default::default()
        };
        f.voting = match s.voting {
            VotingRule::Approval { min, max } => {
                (f.approval_min, f.approval_max) = (min.to_string(), max.to_string());
                "approval"
            }
            VotingRule::Cumulative { points, min_projects, max_per_project } => {
                (f.points, f.min_projects, f.max_per_project) = (points.to_string(), min_projects.to_string(), max_per_project.to_string());
                "cumulative"
            }
            VotingRule::Knapsack => "knapsack",
        }
        .into();
        f.tie_break.resize(TIE_SLOTS, String::new());
        f
    }

    fn parse(f: &Form) -> EditionForm {
        let get = |k: &str| f.get(k).unwrap_or_default().to_owned();
        EditionForm {
            year: get("year").trim().to_owned(),
            title: get("title"),
            dates: DATE_FIELDS.map(get),
            voting: get("voting.kind"),
            approval_min: get("voting.min"),
            approval_max: get("voting.max"),
            points: get("voting.points"),
            min_projects: get("voting.min_projects"),
            max_per_project: get("voting.max_per_project"),
            area_pools_per_ballot: get("area_pools_per_ballot"),
            identity: get("identity"),
            sms: f.flag("sms"),
            max_voters_per_phone: get("max_voters_per_phone"),
            declaration_of_residence: f.flag("declaration_of_residence"),
            duplicates: get("duplicates"),
            allow_change: f.flag("allow_change"),
            tie_break: (0..TIE_SLOTS).map(|i| get(&format!("tie_break.{i}"))).collect(),
            retention_years: get("retention_years"),
        }
    }

    /// The edition the form describes, with the settings the form does not
    /// show kept from `base`; or every field that does not parse.
    fn build(&self, lang: Lang, base: &EditionSettings) -> Result<(i32, String, PhaseDates, EditionSettings), Errors> {
        let mut p = Problems { lang, errors: Errors::new() };
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            p.bad("title", "Podaj tytuł edycji.", "Enter the edition's title.");
        } else if title.chars().count() > MAX_TEXT {
            p.bad("title", "Tytuł może mieć najwyżej 200 znaków.", "The title may have at most 200 characters.");
        }
        let year = self.year.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            p.bad("year", "Podaj rok (2000–2100).", "Enter the year (2000–2100).");
        }
        let mut dates = [None; 6];
        for (i, field) in DATE_FIELDS.iter().enumerate() {
            dates[i] = parse_local(&self.dates[i]);
            if dates[i].is_none() {
                p.bad(field, "Podaj datę i godzinę (RRRR-MM-DD GG:MM).", "Enter a date and time (YYYY-MM-DD HH:MM).");
            }
        }
        let voting = match self.voting.as_str() {
            "approval" => {
                VotingRule::Approval { min: p.byte("voting.min", &self.approval_min), max: p.byte("voting.max", &self.approval_max) }
            }
            "cumulative" => VotingRule::Cumulative {
                points: p.short("voting.points", &self.points),
                min_projects: p.byte("voting.min_projects", &self.min_projects),
                max_per_project: p.short("voting.max_per_project", &self.max_per_project),
            },
            "knapsack" => VotingRule::Knapsack,
            _ => {
                p.bad("voting.kind", "Wybierz sposób głosowania.", "Choose how residents vote.");
                VotingRule::Knapsack
            }
        };
        let area_pools_per_ballot = p.byte("area_pools_per_ballot", &self.area_pools_per_ballot);
        let max_voters_per_phone = p.byte("max_voters_per_phone", &self.max_voters_per_phone);
        let retention_years = p.byte("retention_years", &self.retention_years);
        let identity = match self.identity.as_str() {
            "pesel" => IdentityMode::Pesel,
            "name_address" => IdentityMode::NameAddress,
            _ => {
                p.bad("identity", "Wybierz sposób potwierdzania tożsamości.", "Choose how voters prove who they are.");
                IdentityMode::NameAddress
            }
        };
        let duplicates = match self.duplicates.as_str() {
            "first_counts" => DuplicatePolicy::FirstCounts,
            "void_all" => DuplicatePolicy::VoidAll,
            _ => {
                p.bad("duplicates", "Wybierz, co z drugim głosem tej samej osoby.", "Choose what happens to a second ballot.");
                DuplicatePolicy::FirstCounts
            }
        };
        let mut tie_break = Vec::new();
        for key in &self.tie_break {
            match key.as_str() {
                "" => {}
                "lower_cost" => tie_break.push(TieKey::LowerCost),
                "more_votes" => tie_break.push(TieKey::MoreVotes),
                "lot" => tie_break.push(TieKey::Lot),
                _ => p.bad("tie_break", "Nieznane kryterium remisu.", "Unknown tie-break key."),
            }
        }
        let dates = match dates {
            [Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)] => {
                Some(PhaseDates { submission_from: a, submission_to: b, verification_to: c, appeal_to: d, voting_from: e, voting_to: f })
            }
            _ => None,
        };
        match (year, dates, p.errors.is_empty()) {
            (Some(year), Some(dates), true) => {
                let settings = EditionSettings {
                    voting,
                    area_pools_per_ballot,
                    identity,
                    sms: self.sms,
                    max_voters_per_phone,
                    declaration_of_residence: self.declaration_of_residence,
                    duplicates,
                    allow_change: self.allow_change,
                    tie_break,
                    retention_years,
                    ..base.clone()
                };
                Ok((year, title, dates, settings))
            }
            _ => Err(p.errors),
        }
    }
}

/// The fields that did not parse, the first message per field.
struct Problems {
    lang: Lang,
    errors: Errors,
}

impl Problems {
    fn bad(&mut self, field: &str, pl: &str, en: &str) {
        self.errors.entry(field.to_owned()).or_insert_with(|| self.lang.t(pl, en).to_owned());
    }

    /// A whole number 0–255 (the rule checks the range that matters).
    fn byte(&mut self, field: &str, s: &str) -> u8 {
        s.trim().parse().unwrap_or_else(|_| {
            self.bad(field, "Podaj liczbę całkowitą od 0 do 255.", "Enter a whole number from 0 to 255.");
            0
        })
    }

    /// A whole number 0–65535.
    fn short(&mut self, field: &str, s: &str) -> u16 {
        s.trim().parse().unwrap_or_else(|_| {
            self.bad(field, "Podaj liczbę całkowitą od 0 do 65535.", "Enter a whole number from 0 to 65535.");
            0
        })
    }
}

/// The protocol's checks, each problem by its field: the dates' order and
/// the settings against the edition's pools (none yet for a new edition:
/// `NoPools` waits for the pools' form).
pub(super) fn check(lang: Lang, dates: &PhaseDates, settings: &EditionSettings, pools: &[mm_protocol::budget::model::Pool]) -> Errors {
    let mut errors = Errors::new();
    if let Err(e) = dates.validate() {
        errors.insert(e.field.clone(), say(lang, &e.message()));
    }
    // `NoPools` waits for the pools' form; a pool's problem is the form's message here.
    if let Err(e) = validate_settings(settings, pools)
        && e.reason != SettingsReason::NoPools
    {
        let field = if e.field.starts_with("pools[") { "form".to_owned() } else { e.field.clone() };
        errors.insert(field, say(lang, &e.message()));
    }
    errors
}

#[derive(Template)]
#[template(path = "admin/budget_edition_form.html")]
struct FormPage<'a> {
    ctx: PageCtx<'a>,
    /// 0 for a new one.
    id: i64,
    form: EditionForm,
    errors: Errors,
    /// Voting has started: shown, not editable.
    locked: bool,
    date_labels: Vec<(&'static str, &'static str, String)>,
    tie_keys: Vec<(&'static str, &'static str)>,
}

impl FormPage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn form_page(staff: &Staff, status: StatusCode, id: i64, form: EditionForm, errors: Errors, locked: bool) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    let labels = [
        t("Nabór projektów od", "Submission from"),
        t("Nabór projektów do", "Submission until"),
        t("Weryfikacja do", "Verification until"),
        t("Odwołania do", "Appeals until"),
        t("Głosowanie od", "Voting from"),
        t("Głosowanie do", "Voting until"),
    ];
    let date_labels = DATE_FIELDS.iter().zip(labels).zip(&form.dates).map(|((f, l), v)| (*f, l, v.clone())).collect();
    let tie_keys = vec![
        ("lower_cost", t("niższy koszt", "lower cost")),
        ("more_votes", t("więcej głosów", "more votes")),
        ("lot", t("losowanie", "lot")),
    ];
    let (path, title) = if id > 0 {
        (format!("/admin/budget/editions/{id}/settings"), t("Ustawienia edycji", "Edition settings"))
    } else {
        ("/admin/budget/editions/new".to_owned(), t("Nowa edycja budżetu obywatelskiego", "New participatory budget edition"))
    };
    let ctx = PageCtx::new(staff, path, title);
    Page::with_status(status, FormPage { ctx, id, form, errors, locked, date_labels, tie_keys }).into_response()
}

/// The public results page of edition `id` (`budget::page`), for the
/// edition page's link once the results are published. It names the
/// gmina by its TERYT because a deployment serving several gminas cannot
/// tell whose edition an id is otherwise (`tenant::resolve`, no session on
/// a public page); `gmina` is the official's session's gmina, which the
/// `Staff` extractor has checked is the one the request is scoped to.
pub(super) fn public_results_url(gmina: &Teryt, id: i64) -> String {
    format!("/budget/editions/{id}?gmina={gmina}")
}

/// `GET /admin/budget/editions/new`: next year's edition, with the
/// defaults (`EditionSettings::default`) and phases a month apart.
pub async fn new(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let start = now + Duration::days(30);
    let month = Duration::days(30);
    let dates = PhaseDates {
        submission_from: start,
        submission_to: start + month,
        verification_to: start + month * 2,
        appeal_to: start + month * 2 + Duration::days(14),
        voting_from: start + month * 3,
        voting_to: start + month * 3 + Duration::days(14),
    };
    let year = (now + Duration::days(365)).with_timezone(&mm_protocol::LOCAL_TZ).year();
    let form = EditionForm::of(year, "", &dates, &EditionSettings::default());
    Ok(form_page(&staff, StatusCode::OK, 0, form, Errors::new(), false))
}

/// `POST /admin/budget/editions`.
pub async fn create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let lang = staff.lang;
    let form = EditionForm::parse(&f);
    let built = form.build(lang, &EditionSettings::default()).and_then(|(year, title, dates, settings)| {
        let errors = check(lang, &dates, &settings, &[]);
        if errors.is_empty() { Ok(NewEdition { year, title, dates, settings }) } else { Err(errors) }
    });
    match built {
        Ok(new) => {
            let e = state.store.create_edition(staff.actor(), new, state.clock.now()).await?;
            Ok(Redirect::to(&format!("/admin/budget/editions/{}", e.id)).into_response())
        }
        Err(errors) => Ok(form_page(&staff, StatusCode::BAD_REQUEST, 0, form, errors, false)),
    }
}

/// `GET /admin/budget/editions/{id}/settings`.
pub async fn edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    let form = EditionForm::of(e.year, &e.title, &e.dates, &e.settings);
    Ok(form_page(&staff, StatusCode::OK, id, form, Errors::new(), edition_locked(&e.dates, now)))
}

/// `POST /admin/budget/editions/{id}/settings`: the year stays (it names
/// the edition in the public lists and the results' files).
pub async fn update(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let now: DateTime<Utc> = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    let lang = staff.lang;
    let mut form = EditionForm::parse(&f);
    form.year = e.year.to_string();
    let locked = edition_locked(&e.dates, now);
    let built = form.build(lang, &e.settings).and_then(|(_, title, dates, settings)| {
        let errors = check(lang, &dates, &settings, &e.pools);
        if errors.is_empty() { Ok((title, dates, settings)) } else { Err(errors) }
    });
    let (title, dates, settings) = match built {
        Ok(b) => b,
        Err(errors) => return Ok(form_page(&staff, StatusCode::BAD_REQUEST, id, form, errors, locked)),
    };
    match state.store.update_edition(staff.actor(), id, title, dates, settings, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/budget/editions/{id}")).into_response()),
        Err(StoreError::Conflict(Conflict::EditionLocked)) => {
            let errors = Errors::from([(
                "form".to_owned(),
                lang.t(
                    "Głosowanie już się rozpoczęło: ustawień edycji nie można zmienić.",
                    "Voting has started: the edition's settings cannot change.",
                )
                .to_owned(),
            )]);
            Ok(form_page(&staff, StatusCode::CONFLICT, id, form, errors, true))
        }
        Err(e) => Err(e.into()),
    }
}
