//! Paper ballots typed in by an official (issue 15 §7 item 2, R§3 "Paper
//! + online"): `GET|POST /admin/budget/editions/{id}/paper`.
//!
//! A card goes through the same path as an app's ballot
//! (`budget::casting::cast` with `Channel::Paper`): the same checks, the
//! same one-vote register, so a person who voted already (online or on
//! paper) is refused by the edition's duplicates policy and the page says
//! so plainly. The identity fields are the edition's setting: names and
//! the PESEL, or names and the address.
//!
//! Personal data: the PESEL is never written back into the page (after a
//! refusal the official types it again), a counted card clears the whole
//! form, and nothing typed reaches the log: `cast` keeps the identity in
//! its locals and the store only HMAC keys; errors name fields, never
//! values.

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mm_protocol::budget::model::{
    Address, BallotChannel, BallotInput, Choice, Edition, IdentityInput, IdentityMode, PoolChoice, ProjectStatus, VotingRule,
};

use super::{Errors, MAX_TEXT, edition_or_404, permit, say};
use crate::admin::session::{Form, Staff};
use crate::admin::taxes::zl;
use crate::admin::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::budget::casting::{self, Channel, Refusal};
use crate::state::AppState;
use crate::store::ballots::CastOutcome;
use crate::store::budget::ProjectFilter;
use crate::tenant::Tenant;

/// What the form keeps after a refusal: never the PESEL.
#[derive(Default)]
struct Typed {
    first_name: String,
    last_name: String,
    locality: String,
    street: String,
    house: String,
    flat: String,
    residence: bool,
    /// Project ids chosen, and points by project (cumulative).
    chosen: Vec<(i64, String)>,
}

struct ProjectChoice {
    id: i64,
    title: String,
    cost: String,
    chosen: bool,
    points: String,
}

struct PoolBox {
    id: i64,
    name: String,
    rule: String,
    projects: Vec<ProjectChoice>,
}

#[derive(Template)]
#[template(path = "admin/budget_paper.html")]
struct PaperPage<'a> {
    ctx: PageCtx<'a>,
    edition: i64,
    edition_title: String,
    pesel: bool,
    cumulative: bool,
    declaration: bool,
    /// Voting or counting: cards may be typed in.
    open: bool,
    localities: Vec<(i64, String)>,
    pools: Vec<PoolBox>,
    typed: Typed,
    errors: Errors,
    notice: Option<(String, bool)>,
}

impl PaperPage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn paper_page(
    state: &AppState,
    staff: &Staff,
    e: &Edition,
    status: StatusCode,
    typed: Typed,
    errors: Errors,
    notice: Option<(String, bool)>,
) -> AdminResult<Response> {
    let lang = staff.lang;
    let projects =
        state.store.projects(ProjectFilter { edition: Some(e.id), statuses: vec![ProjectStatus::OnBallot], ..Default::default() }).await?;
    let pools = e
        .pools
        .iter()
        .map(|pool| PoolBox {
            id: pool.id,
            name: pool.name.clone(),
            rule: say(lang, &e.settings.voting.message()),
            projects: projects
                .iter()
                .filter(|p| p.pool == pool.id)
                .map(|p| {
                    let mine = typed.chosen.iter().find(|(id, _)| *id == p.id);
                    ProjectChoice {
                        id: p.id,
                        title: match p.number {
                            Some(n) => format!("{n}. {}", p.title),
                            None => p.title.clone(),
                        },
                        cost: zl(p.cost_grosze),
                        chosen: mine.is_some(),
                        points: mine.map(|(_, pts)| pts.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    let (_, localities) = state.store.gmina().await?;
    let page = PaperPage {
        ctx: PageCtx::new(staff, format!("/admin/budget/editions/{}/paper", e.id), lang.t("Karta papierowa", "Paper ballot")),
        edition: e.id,
        edition_title: e.title.clone(),
        pesel: e.settings.identity == IdentityMode::Pesel,
        cumulative: matches!(e.settings.voting, VotingRule::Cumulative { .. }),
        declaration: e.settings.declaration_of_residence,
        open: casting::phase_allows(e.phase, &Channel::Paper { official: staff.actor() }),
        localities: localities.into_iter().map(|l| (l.id, l.name)).collect(),
        pools,
        typed,
        errors,
        notice,
    };
    Ok(Page::with_status(status, page).into_response())
}

/// `GET /admin/budget/editions/{id}/paper`.
pub async fn form(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let e = edition_or_404(&state, id, state.clock.now()).await?;
    paper_page(&state, &staff, &e, StatusCode::OK, Typed::default(), Errors::new(), None).await
}

fn channel_label(lang: Lang, c: BallotChannel) -> &'static str {
    match c {
        BallotChannel::Online => lang.t("przez aplikację", "in the app"),
        BallotChannel::Paper => lang.t("na karcie papierowej", "on a paper ballot"),
    }
}

/// The card as typed: the ballot, and what the form may show again.
fn read(f: &Form, e: &Edition) -> (BallotInput, Typed) {
    let get = |k: &str| f.get(k).unwrap_or_default().trim().to_owned();
    let cumulative = matches!(e.settings.voting, VotingRule::Cumulative { .. });
    let mut chosen = Vec::new();
    let mut pools = Vec::new();
    for pool in &e.pools {
        let mut choices = Vec::new();
        if cumulative {
            let prefix = format!("points.{}.", pool.id);
            for (k, v) in &f.0 {
                let Some(project) = k.strip_prefix(&prefix).and_then(|p| p.parse::<i64>().ok()) else {
                    continue;
                };
                let v = v.trim();
                if v.is_empty() || v == "0" {
                    continue;
                }
                // Points that do not parse reach `check_ballot` as none: it refuses them by position.
                choices.push(Choice { project, points: Some(v.parse().unwrap_or(0)) });
                chosen.push((project, v.chars().take(6).collect()));
            }
        } else {
            for v in f.all(&format!("pool.{}", pool.id)) {
                let Ok(project) = v.trim().parse::<i64>() else {
                    continue;
                };
                choices.push(Choice { project, points: None });
                chosen.push((project, String::new()));
            }
        }
        if !choices.is_empty() {
            pools.push(PoolChoice { pool: pool.id, projects: choices });
        }
    }
    let typed = Typed {
        first_name: get("first_name"),
        last_name: get("last_name"),
        locality: get("address.locality"),
        street: get("address.street"),
        house: get("address.house"),
        flat: get("address.flat"),
        residence: f.flag("residence_declared"),
        chosen,
    };
    let identity = match e.settings.identity {
        IdentityMode::Pesel => IdentityInput {
            first_name: typed.first_name.clone(),
            last_name: typed.last_name.clone(),
            pesel: Some(get("pesel")),
            address: None,
            phone: None,
        },
        IdentityMode::NameAddress => IdentityInput {
            first_name: typed.first_name.clone(),
            last_name: typed.last_name.clone(),
            pesel: None,
            address: Some(Address {
                // Not a number: no locality of the gmina (refused below).
                locality: typed.locality.parse().unwrap_or(-1),
                street: typed.street.clone(),
                house: typed.house.clone(),
                flat: Some(typed.flat.clone()).filter(|f| !f.is_empty()),
            }),
            phone: None,
        },
    };
    let residence_declared = typed.residence || !e.settings.declaration_of_residence;
    (BallotInput { identity, sms: None, residence_declared, pools }, typed)
}

/// `POST /admin/budget/editions/{id}/paper`.
pub async fn submit(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    let lang = staff.lang;
    let (input, typed) = read(&f, &e);
    let mut errors = Errors::new();
    let too_long = |s: &str| s.chars().count() > MAX_TEXT;
    for (field, value) in [
        ("first_name", &typed.first_name),
        ("last_name", &typed.last_name),
        ("address.street", &typed.street),
        ("address.house", &typed.house),
        ("address.flat", &typed.flat),
    ] {
        if too_long(value) {
            errors.insert(field.into(), lang.t("Najwyżej 200 znaków.", "At most 200 characters.").into());
        }
    }
    if f.get("pesel").is_some_and(too_long) {
        errors.insert("pesel".into(), say(lang, &mm_protocol::budget::identity::IdentityError { field: "pesel" }.message()));
    }
    if let Some(a) = &input.identity.address {
        let (_, localities) = state.store.gmina().await?;
        if !localities.iter().any(|l| l.id == a.locality) {
            errors.insert(
                "address.locality".into(),
                say(lang, &mm_protocol::budget::identity::IdentityError { field: "address.locality" }.message()),
            );
        }
    }
    if !errors.is_empty() {
        return paper_page(&state, &staff, &e, StatusCode::BAD_REQUEST, typed, errors, None).await;
    }
    let gmina = state.store.gmina_scope().clone();
    let channel = Channel::Paper { official: staff.actor() };
    let cast = casting::cast(state.store.as_ref(), &state.budget_keys, &gmina, id, &input, channel, now).await;
    drop(input);
    let (status, notice, errors, typed) = match cast {
        Ok(c) => match c.outcome {
            CastOutcome::Counted { ballot_id, .. } => {
                let text = format!("{} {ballot_id}.", lang.t("Karta zapisana i policzona: nr", "The ballot is stored and counts: no."));
                (StatusCode::OK, (text, false), Errors::new(), Typed::default())
            }
            CastOutcome::PaperRefusedDuplicate { first_channel, on, .. } | CastOutcome::AlreadyVoted { first_channel, on } => {
                let text = format!(
                    "{} {} {}. {}",
                    lang.t("Ta osoba już głosowała", "This person has voted already"),
                    channel_label(lang, first_channel),
                    on.format("%Y-%m-%d"),
                    lang.t(
                        "Ta karta nie jest liczona (zapisana w rejestrze jako duplikat).",
                        "This ballot does not count (recorded in the register as a duplicate).",
                    )
                );
                (StatusCode::CONFLICT, (text, true), Errors::new(), Typed::default())
            }
            CastOutcome::PaperVoidedBoth { first_channel, on, .. } => {
                let text = format!(
                    "{} {} {}. {}",
                    lang.t("Ta osoba już głosowała", "This person has voted already"),
                    channel_label(lang, first_channel),
                    on.format("%Y-%m-%d"),
                    lang.t(
                        "Zgodnie z uchwałą unieważniono obie karty tej osoby.",
                        "As the resolution says, both of this person's ballots are void.",
                    )
                );
                (StatusCode::CONFLICT, (text, true), Errors::new(), Typed::default())
            }
            CastOutcome::PhoneLimit | CastOutcome::Sms(_) | CastOutcome::Replayed { .. } => {
                return Err(AdminError::internal("paper ballot: an online-only outcome"));
            }
        },
        Err(Refusal::NotFound) => return Err(AdminError::not_found("Nie ma takiej edycji.", "No such edition.")),
        Err(Refusal::PhaseClosed) => {
            let text = lang.t(
                "Karty papierowe można wprowadzać w czasie głosowania i liczenia, przed publikacją wyników.",
                "Paper ballots may be typed in during voting and counting, before the results are published.",
            );
            (StatusCode::CONFLICT, (text.to_owned(), true), Errors::new(), typed)
        }
        Err(Refusal::Rule(r)) => (StatusCode::BAD_REQUEST, (say(lang, &r.message()), true), Errors::new(), typed),
        Err(Refusal::Identity(i)) => {
            let field = if i.field == "address" { "address.house" } else { i.field };
            let errors = Errors::from([(field.to_owned(), say(lang, &i.message()))]);
            let text = lang.t("Popraw dane głosującego.", "Correct the voter's details.").to_owned();
            (StatusCode::BAD_REQUEST, (text, true), errors, typed)
        }
        Err(Refusal::Locality) => {
            let i = mm_protocol::budget::identity::IdentityError { field: "address.locality" };
            let errors = Errors::from([("address.locality".to_owned(), say(lang, &i.message()))]);
            let text = lang.t("Popraw dane głosującego.", "Correct the voter's details.").to_owned();
            (StatusCode::BAD_REQUEST, (text, true), errors, typed)
        }
        Err(Refusal::SmsMissing) => return Err(AdminError::internal("paper ballot: asked for an SMS code")),
        Err(Refusal::Store(e)) => return Err(e.into()),
    };
    paper_page(&state, &staff, &e, status, typed, errors, Some(notice)).await
}
