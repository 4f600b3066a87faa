//! The projects' queue of an edition and a project's page (issue 15 §7
//! item 2; art. 5a ust. 7 pkt 2 u.s.g.: the department assesses legality,
//! feasibility and formal compliance, a rejection may be appealed once):
//!
//! - `GET /admin/budget/editions/{id}/projects?status=`: the edition's
//!   projects, filtered by status;
//! - `GET /admin/budget/projects/{id}`: the project, its public history,
//!   what only officials see (the assessment, the appeal's text, the
//!   proposer's contact, the signatures), and the forms its status allows;
//! - `POST /admin/budget/projects/{id}/verify`: the assessment (legal,
//!   feasible, the department's cost estimate) and the decision: into
//!   verification, on the ballot (legal and feasible only), or rejected
//!   with its published reason;
//! - `POST /admin/budget/projects/{id}/appeal`: the decision on the
//!   proposer's appeal: upheld (on the ballot) or dismissed (rejected
//!   again, with the reason). The store allows one appeal per project.
//!
//! The store moves the status as `ProjectStatus::may_move` allows and
//! audits each decision (`budget.verify`, `budget.appeal`, ids only).
//!
//! Decisions keep to the edition's dates (the council's resolution sets
//! them, art. 5a ust. 7 pkt 2): a verification decision until
//! `verification_to` (the list of admitted projects is due then, and the
//! appeal window counts from it; deciding early, while submission runs,
//! shortens nobody's time); an appeal's decision until `voting_from` (an
//! appeal may come until `appeal_to`, so one lodged on the last day must
//! still be decidable; from the vote on the ballot is fixed). Outside
//! them: 409 with the dates, nothing changed. The rule is the store's
//! (`store::budget::decision_closed`, checked in the decision's
//! transaction); the forms ask it before reading their fields.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::budget::model::{Project, ProjectStatus, validate_amount};

use super::{Errors, MAX_LONG_TEXT, MAX_TEXT, edition_or_404, parse_zloty, permit, say, zloty_input};
use crate::admin::session::{Form, Staff};
use crate::admin::taxes::zl;
use crate::admin::view::{AdminError, AdminResult, Lang, Page, PageCtx, local};
use crate::state::AppState;
use crate::store::budget::{Decision, Deciding, ProjectFilter, check_decision_open, ProjectPrivate, Verification, appealed_before, parse_status, status_name};
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

const STATUSES: [ProjectStatus; 7] = [
    ProjectStatus::Submitted,
    ProjectStatus::UnderVerification,
    ProjectStatus::Rejected,
    ProjectStatus::Appealed,
    ProjectStatus::OnBallot,
    ProjectStatus::Selected,
    ProjectStatus::NotSelected,
];

pub(super) fn status_label(lang: Lang, s: ProjectStatus) -> &'static str {
    match s {
        ProjectStatus::Submitted => lang.t("zgłoszony", "submitted"),
        ProjectStatus::UnderVerification => lang.t("w weryfikacji", "under verification"),
        ProjectStatus::Rejected => lang.t("odrzucony", "rejected"),
        ProjectStatus::Appealed => lang.t("odwołanie", "appealed"),
        ProjectStatus::OnBallot => lang.t("na karcie do głosowania", "on the ballot"),
        ProjectStatus::Selected => lang.t("wybrany do realizacji", "selected"),
        ProjectStatus::NotSelected => lang.t("niewybrany", "not selected"),
    }
}

// ---------------------------------------------------------------------------
// The queue

struct Row {
    id: i64,
    number: String,
    title: String,
    pool: String,
    cost: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/budget_projects.html")]
struct QueuePage<'a> {
    ctx: PageCtx<'a>,
    edition: i64,
    edition_title: String,
    /// Value, label, selected.
    filters: Vec<(&'static str, String, bool)>,
    rows: Vec<Row>,
}

/// `GET /admin/budget/editions/{id}/projects?status=`.
pub async fn queue(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, RawQuery(q): RawQuery) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let e = edition_or_404(&state, id, state.clock.now()).await?;
    let lang = staff.lang;
    let wanted = q
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).filter(|(k, _)| k == "status").map(|(_, v)| v.into_owned()).collect())
        .unwrap_or_else(Vec::<String>::new);
    // An unknown status is no filter at all rather than an error page.
    let statuses: Vec<ProjectStatus> = wanted.iter().filter_map(|s| parse_status(s).ok()).collect();
    let projects = state.store.projects(ProjectFilter { edition: Some(id), statuses: statuses.clone(), ..Default::default() }).await?;
    let rows = projects
        .iter()
        .map(|p| Row {
            id: p.id,
            number: p.number.map(|n| n.to_string()).unwrap_or_default(),
            title: p.title.clone(),
            pool: e.pools.iter().find(|x| x.id == p.pool).map(|x| x.name.clone()).unwrap_or_default(),
            cost: zl(p.cost_grosze),
            status: status_label(lang, p.status),
        })
        .collect();
    let mut filters = vec![("", lang.t("wszystkie", "all").to_owned(), statuses.is_empty())];
    filters.extend(STATUSES.iter().map(|s| (status_name(*s), status_label(lang, *s).to_owned(), statuses.contains(s))));
    let ctx = PageCtx::new(&staff, format!("/admin/budget/editions/{id}/projects"), lang.t("Projekty", "Projects")).wide();
    Ok(Page::ok(QueuePage { ctx, edition: id, edition_title: e.title.clone(), filters, rows }).into_response())
}

// ---------------------------------------------------------------------------
// The project's page

#[derive(Template)]
#[template(path = "admin/budget_project.html")]
struct ProjectPage<'a> {
    ctx: PageCtx<'a>,
    p: Project,
    private: ProjectPrivate,
    edition_title: String,
    pool: String,
    status: &'static str,
    cost: String,
    /// When, status label, note.
    history: Vec<(String, &'static str, String)>,
    /// The assessment as typed back on error, or as stored.
    form: VerifyForm,
    errors: Errors,
    notice: Option<(String, bool)>,
    may_verify: bool,
    may_review: bool,
    may_decide_appeal: bool,
    /// A second appeal will be refused: the project was appealed once.
    appealed_once: bool,
}

impl ProjectPage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// The verification form as typed.
#[derive(Default)]
struct VerifyForm {
    legal: bool,
    feasible: bool,
    estimate: String,
    department: String,
    /// `review`, `ballot` or `reject`.
    decision: String,
    reason: String,
}

async fn project_or_404(state: &AppState, id: i64) -> AdminResult<(Project, ProjectPrivate)> {
    state.store.project(id).await?.ok_or_else(|| AdminError::not_found("Nie ma takiego projektu.", "No such project."))
}

async fn project_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    status: StatusCode,
    form: Option<VerifyForm>,
    errors: Errors,
    notice: Option<(String, bool)>,
) -> AdminResult<Response> {
    let (p, private) = project_or_404(state, id).await?;
    let e = edition_or_404(state, p.edition, state.clock.now()).await?;
    let lang = staff.lang;
    let form = form.unwrap_or_else(|| {
        let v = private.verification.clone().unwrap_or_default();
        VerifyForm {
            legal: v.legal,
            feasible: v.feasible,
            estimate: v.estimate_grosze.map(zloty_input).unwrap_or_default(),
            department: v.department.unwrap_or_default(),
            decision: String::new(),
            reason: String::new(),
        }
    });
    let history = p.history.iter().map(|h| (local(h.at), status_label(lang, h.status), h.note.clone().unwrap_or_default())).collect();
    let page = ProjectPage {
        ctx: PageCtx::new(staff, format!("/admin/budget/projects/{id}"), p.title.clone()).wide(),
        edition_title: e.title.clone(),
        pool: e.pools.iter().find(|x| x.id == p.pool).map(|x| x.name.clone()).unwrap_or_default(),
        status: status_label(lang, p.status),
        cost: zl(p.cost_grosze),
        history,
        form,
        errors,
        notice,
        may_verify: matches!(p.status, ProjectStatus::Submitted | ProjectStatus::UnderVerification),
        may_review: p.status == ProjectStatus::Submitted,
        may_decide_appeal: p.status == ProjectStatus::Appealed,
        appealed_once: appealed_before(&p),
        private,
        p,
    };
    Ok(Page::with_status(status, page).into_response())
}

/// `GET /admin/budget/projects/{id}`.
pub async fn page(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    project_page(&state, &staff, id, StatusCode::OK, None, Errors::new(), None).await
}

/// A move the store refused, as the project's page with the reason (409).
async fn refused(state: &AppState, staff: &Staff, id: i64, e: StoreError, form: Option<VerifyForm>) -> AdminResult<Response> {
    let lang = staff.lang;
    let text: String = match &e {
        StoreError::Conflict(Conflict::ProjectStatus) => lang.t(
            "Projekt w tym stanie nie może przejść do wybranego (np. odwołanie już rozpatrzono albo projekt jest już na karcie).",
            "The project's status does not allow this (e.g. the appeal was decided already, or it is on the ballot).",
        )
        .into(),
        StoreError::Conflict(Conflict::NotEnoughSignatures) => lang
            .t("Projekt ma za mało podpisów poparcia, by trafić na kartę.", "The project has too few support signatures for the ballot.").into(),
        StoreError::Conflict(Conflict::EditionLocked | Conflict::PhaseClosed) => {
            lang.t("Ten etap edycji jest już zamknięty.", "This phase of the edition is closed.").into()
        }
        StoreError::Conflict(c @ Conflict::DecisionClosed { .. }) => say(lang, &c.message()),
        StoreError::NotFound => return Err(AdminError::not_found("Nie ma takiego projektu.", "No such project.")),
        _ => return Err(e.into()),
    };
    project_page(state, staff, id, StatusCode::CONFLICT, form, Errors::new(), Some((text, true))).await
}

/// A reason as typed: required (`field`), at most [`MAX_LONG_TEXT`].
fn reason(lang: Lang, f: &Form, errors: &mut Errors) -> Option<String> {
    match f.text("reason") {
        None => {
            errors.insert(
                "reason".into(),
                lang.t("Podaj uzasadnienie (zostanie opublikowane).", "Enter the reason (it is published).").into(),
            );
            None
        }
        Some(r) if r.chars().count() > MAX_LONG_TEXT => {
            errors.insert(
                "reason".into(),
                lang.t("Uzasadnienie może mieć najwyżej 2000 znaków.", "The reason may have at most 2000 characters.").into(),
            );
            None
        }
        Some(r) => Some(r),
    }
}

/// `POST /admin/budget/projects/{id}/verify`.
pub async fn verify(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let (p, _) = project_or_404(&state, id).await?;
    let lang = staff.lang;
    let form = VerifyForm {
        legal: f.flag("legal"),
        feasible: f.flag("feasible"),
        estimate: f.get("estimate").unwrap_or_default().trim().to_owned(),
        department: f.get("department").unwrap_or_default().trim().to_owned(),
        decision: f.get("decision").unwrap_or_default().to_owned(),
        reason: f.get("reason").unwrap_or_default().to_owned(),
    };
    let now = state.clock.now();
    let e = edition_or_404(&state, p.edition, now).await?;
    // The store refuses it too; first, so that nobody mends the form's
    // fields for a decision that can no longer be taken.
    if let Err(e) = check_decision_open(&e.dates, Deciding::Verification, now) {
        return refused(&state, &staff, id, e, Some(form)).await;
    }
    let mut errors = Errors::new();
    let estimate = if form.estimate.is_empty() {
        None
    } else {
        match parse_zloty(&form.estimate) {
            None => {
                errors.insert(
                    "estimate".into(),
                    lang.t("Podaj kwotę w złotych (np. 150000).", "Enter the amount in złoty (e.g. 150000).").into(),
                );
                None
            }
            Some(g) => {
                if let Err(e) = validate_amount("estimate", g) {
                    errors.insert("estimate".into(), say(lang, &e.message()));
                }
                Some(g)
            }
        }
    };
    if form.department.chars().count() > MAX_TEXT {
        errors.insert("department".into(), lang.t("Najwyżej 200 znaków.", "At most 200 characters.").into());
    }
    let decision = match form.decision.as_str() {
        "review" => Some(Decision::Review),
        "ballot" if !(form.legal && form.feasible) => {
            errors.insert(
                "decision".into(),
                lang.t(
                    "Na kartę trafia tylko projekt zgodny z prawem i wykonalny.",
                    "Only a legal and feasible project goes on the ballot.",
                )
                .into(),
            );
            None
        }
        "ballot" => Some(Decision::OnBallot),
        "reject" => reason(lang, &f, &mut errors).map(|reason| Decision::Reject { reason }),
        _ => {
            errors.insert("decision".into(), lang.t("Wybierz decyzję.", "Choose the decision.").into());
            None
        }
    };
    let (Some(decision), true) = (decision, errors.is_empty()) else {
        return project_page(&state, &staff, id, StatusCode::BAD_REQUEST, Some(form), errors, None).await;
    };
    let department = if form.department.is_empty() { None } else { Some(form.department.clone()) };
    let v = Verification { legal: form.legal, feasible: form.feasible, estimate_grosze: estimate, department, decision };
    match state.store.verify_project(staff.actor(), id, v, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/budget/projects/{id}")).into_response()),
        Err(e) => refused(&state, &staff, id, e, Some(form)).await,
    }
}

/// `POST /admin/budget/projects/{id}/appeal` with `decision` `uphold` (on
/// the ballot) or `dismiss` (rejected again, `reason` published).
pub async fn appeal(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let (p, _) = project_or_404(&state, id).await?;
    let lang = staff.lang;
    let now = state.clock.now();
    let e = edition_or_404(&state, p.edition, now).await?;
    if let Err(e) = check_decision_open(&e.dates, Deciding::Appeal, now) {
        return refused(&state, &staff, id, e, None).await;
    }
    let mut errors = Errors::new();
    let decided = match f.get("decision") {
        Some("uphold") => Some((true, None)),
        Some("dismiss") => reason(lang, &f, &mut errors).map(|r| (false, Some(r))),
        _ => {
            errors.insert("appeal".into(), lang.t("Wybierz rozstrzygnięcie odwołania.", "Choose the appeal's outcome.").into());
            None
        }
    };
    let Some((accept, reason)) = decided else {
        return project_page(&state, &staff, id, StatusCode::BAD_REQUEST, None, errors, None).await;
    };
    match state.store.decide_appeal(staff.actor(), id, accept, reason, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/budget/projects/{id}")).into_response()),
        Err(e) => refused(&state, &staff, id, e, None).await,
    }
}
