//! The back office's consultations pages (issue 15 items 6 and 8,
//! docs/CONSULTATIONS.md) and the public summary page.
//!
//! - `GET /admin/consultations`: the gmina's consultations, drafts too;
//! - `GET /admin/consultations/new`, `POST /admin/consultations`: a new
//!   draft; `GET|POST /admin/consultations/{id}`: edit (the store refuses
//!   once anyone answered); checked by `validate_consultation`, each
//!   problem shown by its field, nothing saved on error;
//! - `POST /admin/consultations/{id}/status`: open, close, publish, back to
//!   draft (`set_status`, as `Consultation::may_move_at` allows);
//! - `GET /admin/consultations/{id}/results`: per question its counts
//!   (protocol `tally`) and an SVG bar chart (`admin::charts`), Borda sums
//!   for rankings, the number of free texts with a link to moderation;
//! - `GET /admin/consultations/{id}/results.csv`: the answers, one row per
//!   respondent (protocol `csv_header`/`csv_row`), UTF-8 with a BOM and
//!   `;` between cells (what Excel in a Polish locale opens right);
//! - `GET /admin/consultations/{id}/moderation`, `POST
//!   .../moderation/{text}`: pending free texts, approve or reject;
//! - `GET /consultations/{id}?gmina=`: the public summary once published
//!   (404 before): counts, charts of the choice questions, approved texts.
//!
//! Who: admins and the officials of the department the gmina's settings
//! name (`GminaSettings::consultations_department`, by default
//! "Konsultacje społeczne"; `/admin/settings`); everyone else 403, another gmina's consultation 404 (the store is
//! scoped). Every form carries the CSRF token; the store writes the audit
//! log in the same transaction (ids only).

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::budget::model::IdentityMode;
use mm_protocol::consultations::csv::{UTF8_BOM, csv_header, csv_line_with, csv_row};
use mm_protocol::consultations::{
    Consultation, ConsultationArea, ConsultationStatus, Question, QuestionKind, RespondentRule, Summary, Tally, Verification,
    tally, validate_consultation,
};

use super::charts::{self, Chart, Group};
use super::session::{Form, Staff};
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx, local};
use crate::state::AppState;
use crate::store::consultations::{ModerationState, TextAnswer};
use crate::store::directory::GminaSettings;
use crate::tenant::Tenant;

/// The CSV's separator: `;`, as Excel in a Polish locale splits columns.
const CSV_SEPARATOR: char = ';';

/// Empty question slots the form offers below the stored questions.
const EMPTY_SLOTS: usize = 1;

/// Admins, and officials of the consultations department.
async fn permit(state: &AppState, staff: &Staff) -> AdminResult<()> {
    super::settings::permit_department(state, staff, GminaSettings::consultations_department).await
}

fn not_found() -> AdminError {
    AdminError::not_found("Nie ma takich konsultacji.", "No such consultation.")
}

async fn find(state: &AppState, id: i64) -> AdminResult<Consultation> {
    state.store.consultation(id).await?.ok_or_else(not_found)
}

fn status_label(lang: Lang, s: ConsultationStatus) -> &'static str {
    match s {
        ConsultationStatus::Draft => lang.t("szkic", "draft"),
        ConsultationStatus::Open => lang.t("ogłoszone", "open"),
        ConsultationStatus::Closed => lang.t("zamknięte", "closed"),
        ConsultationStatus::Published => lang.t("wyniki opublikowane", "results published"),
    }
}

// ---------------------------------------------------------------------------
// GET /admin/consultations

struct Row {
    id: i64,
    title: String,
    status: &'static str,
    dates: String,
}

#[derive(Template)]
#[template(path = "admin/consultations.html")]
struct ListPage<'a> {
    ctx: PageCtx<'a>,
    rows: Vec<Row>,
}

pub async fn list(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let rows = state
        .store
        .consultations(true)
        .await?
        .into_iter()
        .map(|c| Row {
            id: c.id,
            title: c.title.clone(),
            status: status_label(staff.lang, c.status_at(now)),
            dates: format!("{} – {}", local(c.opens_at), local(c.closes_at)),
        })
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/consultations", staff.lang.t("Konsultacje społeczne", "Public consultations"));
    Ok(Page::ok(ListPage { ctx, rows }).into_response())
}

// ---------------------------------------------------------------------------
// The form

/// One question as the form holds it (strings, as typed).
#[derive(Default, Clone)]
struct QuestionForm {
    id: String,
    kind: String,
    text: String,
    help: String,
    required: bool,
    /// Options, or a matrix's rows, one per line.
    options: String,
    /// A matrix's columns, one per line.
    columns: String,
    /// `max` (multiple), `rank_max` (ranking) or the text limit.
    limit: String,
    /// A matrix with several columns per row.
    multiple: bool,
}

#[derive(Default)]
struct ConsultationForm {
    title: String,
    description: String,
    opens_at: String,
    closes_at: String,
    /// Locality ids, separated by commas; empty: the whole gmina.
    localities: String,
    respondents: String,
    /// `Verification::identity`: `pesel` or `name_address`.
    identity: String,
    /// `Verification::sms`.
    sms: bool,
    anonymous: bool,
    questions: Vec<QuestionForm>,
}

/// `YYYY-MM-DDTHH:MM` in Warsaw time, as `<input type="datetime-local">` sends it.
fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&LOCAL_TZ).format("%Y-%m-%dT%H:%M").to_string()
}

fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    LOCAL_TZ.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

impl ConsultationForm {
    fn of(c: &Consultation) -> ConsultationForm {
        let localities = match &c.area {
            Some(ConsultationArea::Localities(ids)) => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
            _ => String::new(),
        };
        let questions = c
            .questions
            .iter()
            .map(|q| {
                let mut f = QuestionForm {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    help: q.help.clone(),
                    required: q.required,
                    ..Default::default()
                };
                let (kind, options, limit) = match &q.kind {
                    QuestionKind::Single { options } => ("single", options.join("\n"), String::new()),
                    QuestionKind::Multiple { options, max } => ("multiple", options.join("\n"), max.to_string()),
                    QuestionKind::Ranking { options, rank_max } => ("ranking", options.join("\n"), rank_max.to_string()),
                    QuestionKind::Matrix { rows, columns, multiple } => {
                        f.columns = columns.join("\n");
                        f.multiple = *multiple;
                        ("matrix", rows.join("\n"), String::new())
                    }
                    QuestionKind::ShortText { max_chars } => ("short_text", String::new(), max_chars.to_string()),
                    QuestionKind::LongText { max_chars } => ("long_text", String::new(), max_chars.to_string()),
                };
                f.kind = kind.into();
                f.options = options;
                f.limit = limit;
                f
            })
            .collect();
        ConsultationForm {
            title: c.title.clone(),
            description: c.description.clone(),
            opens_at: local_input(c.opens_at),
            closes_at: local_input(c.closes_at),
            localities,
            respondents: match c.respondents {
                RespondentRule::PerDevice => "per_device".into(),
                RespondentRule::PerVerifiedPerson => "per_verified_person".into(),
            },
            identity: match c.verification.identity {
                IdentityMode::Pesel => "pesel".into(),
                IdentityMode::NameAddress => "name_address".into(),
            },
            sms: c.verification.sms,
            anonymous: c.anonymous,
            questions,
        }
    }

    fn parse(f: &Form) -> ConsultationForm {
        let get = |k: &str| f.get(k).unwrap_or_default().to_owned();
        let mut questions = Vec::new();
        for i in 0..mm_protocol::consultations::model::MAX_QUESTIONS + EMPTY_SLOTS {
            let k = |name: &str| format!("q{i}_{name}");
            if f.get(&k("kind")).is_none() {
                break;
            }
            let q = QuestionForm {
                id: get(&k("id")).trim().to_owned(),
                kind: get(&k("kind")),
                text: get(&k("text")),
                help: get(&k("help")),
                required: f.flag(&k("required")),
                options: get(&k("options")),
                columns: get(&k("columns")),
                limit: get(&k("limit")).trim().to_owned(),
                multiple: f.flag(&k("multiple")),
            };
            // An untouched empty slot is no question.
            if q.id.is_empty() && q.text.trim().is_empty() && q.options.trim().is_empty() {
                continue;
            }
            questions.push(q);
        }
        ConsultationForm {
            title: get("title"),
            description: get("description"),
            opens_at: get("opens_at"),
            closes_at: get("closes_at"),
            localities: get("localities"),
            respondents: get("respondents"),
            identity: get("identity"),
            sms: f.flag("sms"),
            anonymous: f.flag("anonymous"),
            questions,
        }
    }

    /// The consultation the form describes, or the first field that does
    /// not parse (`validate_consultation` checks the rest).
    fn build(&self, id: i64, attachments: Vec<mm_protocol::consultations::Attachment>) -> Result<Consultation, (String, String, String)> {
        let bad = |field: &str, pl: &str, en: &str| (field.to_owned(), pl.to_owned(), en.to_owned());
        let date = |field: &str, s: &str| {
            parse_local(s).ok_or_else(|| bad(field, "Podaj datę i godzinę (RRRR-MM-DD GG:MM).", "Enter a date and time (YYYY-MM-DD HH:MM)."))
        };
        let opens_at = date("opens_at", &self.opens_at)?;
        let closes_at = date("closes_at", &self.closes_at)?;
        let area = if self.localities.trim().is_empty() {
            None
        } else {
            let ids: Result<Vec<i64>, _> =
                self.localities.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect();
            Some(ConsultationArea::Localities(ids.map_err(|_| {
                bad("localities", "Identyfikatory miejscowości to liczby rozdzielone przecinkami.", "Locality ids are numbers separated by commas.")
            })?))
        };
        let respondents = match self.respondents.as_str() {
            "per_verified_person" => RespondentRule::PerVerifiedPerson,
            _ => RespondentRule::PerDevice,
        };
        let mut questions = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let field = format!("q{i}");
            let limit = || -> Result<u16, (String, String, String)> {
                q.limit.parse::<u16>().map_err(|_| bad(&field, "Podaj limit jako liczbę.", "Enter the limit as a number."))
            };
            let kind = match q.kind.as_str() {
                "single" => QuestionKind::Single { options: lines(&q.options) },
                "multiple" => QuestionKind::Multiple { options: lines(&q.options), max: limit()? },
                "ranking" => QuestionKind::Ranking { options: lines(&q.options), rank_max: limit()? },
                "matrix" => QuestionKind::Matrix { rows: lines(&q.options), columns: lines(&q.columns), multiple: q.multiple },
                "short_text" => QuestionKind::ShortText { max_chars: limit()? },
                "long_text" => QuestionKind::LongText { max_chars: limit()? },
                _ => return Err(bad(&field, "Wybierz rodzaj pytania.", "Choose the question's kind.")),
            };
            questions.push(Question { id: q.id.clone(), text: q.text.trim().to_owned(), help: q.help.trim().to_owned(), required: q.required, kind });
        }
        Ok(Consultation {
            id,
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            opens_at,
            closes_at,
            area,
            attachments,
            questions,
            respondents,
            verification: Verification {
                identity: if self.identity == "pesel" { IdentityMode::Pesel } else { IdentityMode::NameAddress },
                sms: self.sms,
            },
            anonymous: self.anonymous,
            status: ConsultationStatus::Draft,
        })
    }
}

/// `validate_consultation`'s field path as the form's field: `title`,
/// `closes_at`, `localities`, `q{i}` for `questions[i]…`, else `form`.
fn form_field(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("questions[") {
        if let Some((i, _)) = rest.split_once(']') {
            return format!("q{i}");
        }
        return "questions".into();
    }
    match path {
        "title" | "description" | "opens_at" | "closes_at" | "questions" => path.into(),
        p if p.starts_with("area") => "localities".into(),
        _ => "form".into(),
    }
}

#[derive(Template)]
#[template(path = "admin/consultations_form.html")]
struct FormPage<'a> {
    ctx: PageCtx<'a>,
    /// 0 for a new one.
    id: i64,
    form: ConsultationForm,
    /// The form field → its message.
    errors: BTreeMap<String, String>,
    kinds: Vec<(&'static str, &'static str)>,
}

impl FormPage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn form_page(staff: &Staff, status: StatusCode, id: i64, mut form: ConsultationForm, errors: BTreeMap<String, String>) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    for _ in 0..EMPTY_SLOTS {
        form.questions.push(QuestionForm { kind: "single".into(), required: true, ..Default::default() });
    }
    let kinds = vec![
        ("single", t("jednokrotny wybór", "single choice")),
        ("multiple", t("wielokrotny wybór", "multiple choice")),
        ("ranking", t("ranking", "ranking")),
        ("matrix", t("macierz", "matrix")),
        ("short_text", t("krótki tekst", "short text")),
        ("long_text", t("długi tekst", "long text")),
    ];
    let (path, title) = if id > 0 {
        (format!("/admin/consultations/{id}"), t("Edycja konsultacji", "Edit the consultation"))
    } else {
        ("/admin/consultations/new".to_owned(), t("Nowe konsultacje", "New consultation"))
    };
    let ctx = PageCtx::new(staff, path, title);
    Page::with_status(status, FormPage { ctx, id, form, errors, kinds }).into_response()
}

pub async fn new(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let form = ConsultationForm {
        opens_at: local_input(now + chrono::Duration::days(7)),
        closes_at: local_input(now + chrono::Duration::days(28)),
        respondents: "per_device".into(),
        ..Default::default()
    };
    Ok(form_page(&staff, StatusCode::OK, 0, form, BTreeMap::new()))
}

pub async fn edit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let c = find(&state, id).await?;
    Ok(form_page(&staff, StatusCode::OK, id, ConsultationForm::of(&c), BTreeMap::new()))
}

pub async fn create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    save(state, staff, 0, body).await
}

pub async fn update(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    save(state, staff, id, body).await
}

async fn save(state: AppState, staff: Staff, id: i64, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let attachments = if id > 0 { find(&state, id).await?.attachments } else { Vec::new() };
    let form = ConsultationForm::parse(&f);
    let lang = staff.lang;
    let checked = form.build(id, attachments).and_then(|c| match validate_consultation(&c) {
        Ok(()) => Ok(c),
        Err(e) => Err((form_field(&e.field), e.reason.pl(), e.reason.en())),
    });
    match checked {
        Ok(c) => {
            let saved = state.store.save_consultation(staff.actor(), c, state.clock.now()).await?;
            Ok(Redirect::to(&format!("/admin/consultations/{}/results", saved.id)).into_response())
        }
        Err((field, pl, en)) => {
            let errors = BTreeMap::from([(field, lang.t(&pl, &en).to_owned())]);
            Ok(form_page(&staff, StatusCode::BAD_REQUEST, id, form, errors))
        }
    }
}

/// `POST /admin/consultations/{id}/status` with `to`.
pub async fn status(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    find(&state, id).await?;
    let Some(to) = f.get("to").and_then(ConsultationStatus::parse) else {
        return Err(AdminError::bad_request("Nieznany status.", "Unknown status."));
    };
    state.store.set_status(staff.actor(), id, to, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/consultations/{id}/results")).into_response())
}

// ---------------------------------------------------------------------------
// Results (the back office's and the public one)

/// A matrix's columns, and per row its label and counts.
type MatrixCounts = (Vec<String>, Vec<(String, Vec<u64>)>);

/// One question's results as a page shows them.
struct QuestionResult {
    text: String,
    answered: u64,
    /// Label and count (for a ranking: its Borda sum), the table under the chart.
    table: Vec<(String, u64)>,
    /// The matrix's columns and per row its counts.
    matrix: Option<MatrixCounts>,
    chart: Option<Chart>,
    is_text: bool,
    is_ranking: bool,
}

fn results(lang: Lang, c: &Consultation, summary: &Summary) -> Vec<QuestionResult> {
    let t = |pl, en| lang.t(pl, en);
    c.questions
        .iter()
        .zip(&summary.questions)
        .map(|(q, s)| {
            let bars = |labels: &[String], counts: &[u64], what: &str| {
                let groups: Vec<Group> = labels
                    .iter()
                    .zip(counts)
                    .map(|(l, n)| Group { label: l.clone(), values: vec![(*n as f64, n.to_string())] })
                    .collect();
                let desc = labels.iter().zip(counts).map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join("; ");
                charts::rows("q", format!("{} ({what})", q.text), desc, &[what.to_owned()], &groups)
            };
            let mut r = QuestionResult {
                text: q.text.clone(),
                answered: s.answered,
                table: Vec::new(),
                matrix: None,
                chart: None,
                is_text: q.kind.is_text(),
                is_ranking: false,
            };
            match (&q.kind, &s.tally) {
                (QuestionKind::Single { options }, Tally::Single { counts })
                | (QuestionKind::Multiple { options, .. }, Tally::Multiple { counts }) => {
                    r.table = options.iter().cloned().zip(counts.iter().copied()).collect();
                    r.chart = Some(bars(options, counts, t("odpowiedzi", "answers")));
                }
                (QuestionKind::Ranking { options, .. }, Tally::Ranking { borda, .. }) => {
                    r.is_ranking = true;
                    r.table = options.iter().cloned().zip(borda.iter().copied()).collect();
                    r.chart = Some(bars(options, borda, t("punkty Bordy", "Borda points")));
                }
                (QuestionKind::Matrix { rows, columns, .. }, Tally::Matrix { cells }) => {
                    r.matrix = Some((columns.clone(), rows.iter().cloned().zip(cells.iter().cloned()).collect()));
                }
                _ => {}
            }
            r
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/consultations_results.html")]
struct ResultsPage<'a> {
    ctx: PageCtx<'a>,
    id: i64,
    title: String,
    status: &'static str,
    respondents: u64,
    questions: Vec<QuestionResult>,
    pending: usize,
    /// The status buttons this consultation may take now: (value, label).
    moves: Vec<(&'static str, &'static str)>,
}

pub async fn results_page(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let c = find(&state, id).await?;
    let now = state.clock.now();
    let t = |pl, en| staff.lang.t(pl, en);
    let responses = state.store.responses(id).await?;
    let summary = tally(&c, responses.iter().map(|r| &r.answers));
    let pending = state.store.text_answers(id, ModerationState::Pending).await?.len();
    let moves = [
        (ConsultationStatus::Open, "open", t("Ogłoś", "Open")),
        (ConsultationStatus::Closed, "closed", t("Zamknij", "Close")),
        (ConsultationStatus::Published, "published", t("Opublikuj wyniki", "Publish the results")),
        (ConsultationStatus::Draft, "draft", t("Cofnij do szkicu", "Back to draft")),
    ]
    .into_iter()
    .filter(|(to, _, _)| c.may_move_at(*to, now))
    .map(|(_, v, l)| (v, l))
    .collect();
    let ctx = PageCtx::new(&staff, format!("/admin/consultations/{id}/results"), c.title.clone());
    let page = ResultsPage {
        ctx,
        id,
        title: c.title.clone(),
        status: status_label(staff.lang, c.status_at(now)),
        respondents: summary.respondents,
        questions: results(staff.lang, &c, &summary),
        pending,
        moves,
    };
    Ok(Page::ok(page).into_response())
}

/// `GET /admin/consultations/{id}/results.csv`.
pub async fn results_csv(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let c = find(&state, id).await?;
    let mut out = String::from(UTF8_BOM);
    out.push_str(&csv_line_with(&csv_header(&c), CSV_SEPARATOR));
    for r in state.store.responses(id).await? {
        let respondent = r.respondent_key.as_deref().map(|k| k.iter().map(|b| format!("{b:02x}")).collect::<String>());
        // Anonymous answers keep the date only; the others their local time.
        let submitted = match (c.anonymous, r.submitted_at) {
            (false, Some(at)) => at.with_timezone(&LOCAL_TZ).format("%Y-%m-%d %H:%M:%S").to_string(),
            _ => r.submitted_on.to_string(),
        };
        out.push_str(&csv_line_with(&csv_row(&c, &r.answers, respondent.as_deref(), &submitted), CSV_SEPARATOR));
    }
    let disposition = format!("attachment; filename=\"konsultacje-{id}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        out,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Moderation

#[derive(Template)]
#[template(path = "admin/consultations_moderation.html")]
struct ModerationPage<'a> {
    ctx: PageCtx<'a>,
    id: i64,
    /// (question's text, the answer).
    pending: Vec<(String, TextAnswer)>,
}

pub async fn moderation(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let c = find(&state, id).await?;
    let pending = state
        .store
        .text_answers(id, ModerationState::Pending)
        .await?
        .into_iter()
        .map(|a| {
            let q = c.question_index(&a.question).map(|i| c.questions[i].text.clone()).unwrap_or_else(|| a.question.clone());
            (q, a)
        })
        .collect();
    let ctx = PageCtx::new(&staff, format!("/admin/consultations/{id}/moderation"), staff.lang.t("Moderacja odpowiedzi", "Moderating answers"));
    Ok(Page::ok(ModerationPage { ctx, id, pending }).into_response())
}

/// `POST /admin/consultations/{id}/moderation/{text}` with `decision`
/// `approve` or `reject`.
pub async fn moderate(
    Tenant(state): Tenant,
    staff: Staff,
    Path((id, text)): Path<(i64, String)>,
    body: Bytes,
) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    find(&state, id).await?;
    let approve = match f.get("decision") {
        Some("approve") => true,
        Some("reject") => false,
        _ => return Err(AdminError::bad_request("Zatwierdź albo odrzuć.", "Approve or reject.")),
    };
    // The text must be this consultation's (the store checks the gmina).
    let ours = [ModerationState::Pending, ModerationState::Approved, ModerationState::Rejected];
    let mut found = false;
    for s in ours {
        if state.store.text_answers(id, s).await?.iter().any(|a| a.id == text) {
            found = true;
            break;
        }
    }
    if !found {
        return Err(AdminError::not_found("Nie ma takiej odpowiedzi.", "No such answer."));
    }
    state.store.moderate(staff.actor(), &text, approve, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/admin/consultations/{id}/moderation")).into_response())
}

// ---------------------------------------------------------------------------
// GET /consultations/{id}?gmina=: the public summary

#[derive(Template)]
#[template(path = "admin/consultations_public.html")]
struct PublicPage<'a> {
    ctx: PageCtx<'a>,
    description: String,
    respondents: u64,
    questions: Vec<QuestionResult>,
    /// Per text question: its text and the approved answers.
    texts: Vec<(String, Vec<String>)>,
}

pub async fn public(Tenant(state): Tenant, Path(id): Path<i64>, headers: HeaderMap) -> AdminResult<Response> {
    let lang = Lang::from_headers(&headers);
    let c = state.store.consultation(id).await?.filter(|c| c.status == ConsultationStatus::Published).ok_or_else(not_found)?;
    let responses = state.store.responses(id).await?;
    let summary = tally(&c, responses.iter().map(|r| &r.answers));
    let approved = state.store.text_answers(id, ModerationState::Approved).await?;
    let texts = c
        .questions
        .iter()
        .filter(|q| q.kind.is_text())
        .map(|q| (q.text.clone(), approved.iter().filter(|a| a.question == q.id).map(|a| a.text.clone()).collect()))
        .collect();
    let ctx = PageCtx::public(lang, format!("/consultations/{id}"), c.title.clone()).of_gmina(state.store.gmina_scope());
    let page = PublicPage {
        ctx,
        description: c.description.clone(),
        respondents: summary.respondents,
        questions: results(lang, &c, &summary),
        texts,
    };
    Ok(Page::ok(page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_paths_name_form_fields() {
        assert_eq!(form_field("questions[2].options[1]"), "q2");
        assert_eq!(form_field("area[0]"), "localities");
        assert_eq!(form_field("closes_at"), "closes_at");
        assert_eq!(form_field("attachments[0].url"), "form");
    }

    #[test]
    fn local_times_round_trip() {
        let t = parse_local("2026-03-01T10:30").unwrap();
        assert_eq!(local_input(t), "2026-03-01T10:30");
    }
}
