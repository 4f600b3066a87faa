//! `/api/v1/budget/...`: the participatory budget for residents (issue 15,
//! docs/plans/issue-15.md §2.3, docs/BUDGET.md). Public reads of editions
//! and projects (never a proposer's device or contact: `model::Project`
//! has no field for them); a device's writes: a project, a support
//! signature, an appeal, an SMS code, a ballot and its change.
//!
//! No identity, phone or code reaches a log line or an error body: the
//! request bodies print `***` in `Debug`, refusals name the field only,
//! and the log lines say gmina, edition and outcome.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::budget::identity::{normalise, normalise_phone};
use mm_protocol::budget::model::{
    BallotChannel, BallotInput, BallotReceipt, Choice, Edition, IdentityInput, Phase, PoolChoice, Project, ProjectStatus, VotingRule,
    validate_amount,
};
use mm_protocol::budget::rules::check_ballot;
use mm_protocol::budget::wire::{
    AppealInput, BallotChangeRequest, MyBallot, NewProject, ProjectsQuery, SignatureInput, SignatureReceipt, SmsCodeIssued,
    SmsCodeRequest,
};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::reports::MAX_PHOTOS;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::casting::{self, Channel};
use super::identity::{new_sms_code, receipt_hash, sms_code_hash};
use crate::auth::token::sha256_hex;
use crate::devices::{Device, idempotency};
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::reports::model::photo_url;
use crate::reports::ratelimit::{ClientIp, WriteError};
use crate::sms;
use crate::sms::codes::{CodeFor, send_code};
use crate::state::AppState;
use crate::store::ballots::{
    BallotChange as StoreChange, BallotOwner, ChangeOutcome, NewSignature, NewSmsCode, Signed, StoredBallot,
};
use crate::store::budget::{NewProject as StoreProject, ProjectFilter, ProposerContact, Submitted};
use crate::store::{Conflict, IdempotencyKey, StoreError};
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(editions))
        .routes(routes!(edition))
        .routes(routes!(projects, submit_project))
        .routes(routes!(project))
        .routes(routes!(sign))
        .routes(routes!(appeal))
        .routes(routes!(sms_code))
        .routes(routes!(cast_ballot))
        .routes(routes!(my_ballot, change_ballot))
}

/// The budget's store conflicts with their own codes (`phase_closed`), the
/// rest as every store error.
fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(Conflict::PhaseClosed) => AppError::phase_closed(),
        other => other.into(),
    }
}

async fn the_edition(state: &AppState, id: i64) -> ApiResult<Edition> {
    state.store.edition(id, state.clock.now()).await?.ok_or_else(AppError::not_found)
}

/// Takes one token of each named bucket (`ballot`, `sms`), or 429.
async fn charge(state: &AppState, buckets: Vec<(String, u32)>, retry: Option<&str>) -> Result<(), WriteError> {
    state.limits.admit_buckets(buckets, retry, state.clock.now()).await.map_err(WriteError::RateLimited)
}

/// Every edition of the gmina, newest first: each with its `id`, `phase`
/// (as of now), dates, public settings and `pools` (each with its `id`).
#[utoipa::path(get, path = "/budget/editions", tag = "budget", responses((status = 200, body = Vec<Edition>)))]
pub async fn editions(Tenant(state): Tenant) -> ApiResult<Json<Vec<Edition>>> {
    Ok(Json(state.store.editions(state.clock.now()).await?))
}

/// One edition; 404 for another gmina's.
#[utoipa::path(get, path = "/budget/editions/{id}", tag = "budget", params(("id" = i64, Path)),
    responses((status = 200, body = Edition), (status = 404, body = ApiError)))]
pub async fn edition(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<Edition>> {
    Ok(Json(the_edition(&state, id).await?))
}

/// `?pool=&status=` as strings, parsed strictly.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProjectsParams {
    /// A pool of the edition.
    pub pool: Option<String>,
    /// submitted, under_verification, rejected, appealed, on_ballot, selected, not_selected.
    pub status: Option<String>,
}

impl ProjectsParams {
    fn parse(&self) -> ApiResult<ProjectsQuery> {
        let pool = match self.pool.as_deref() {
            None | Some("") => None,
            Some(p) => Some(p.parse::<i64>().map_err(|_| AppError::invalid_query("pool", "pool must be a pool id."))?),
        };
        let status = match self.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(
                serde_json::from_value::<ProjectStatus>(serde_json::Value::String(s.to_owned()))
                    .map_err(|_| AppError::invalid_query("status", "unknown project status"))?,
            ),
        };
        Ok(ProjectsQuery { pool, status })
    }
}

/// The edition's projects, by pool and then ballot number (id before
/// numbering). Every status is public (a submitted project is listed so
/// residents can sign it); the proposer is never shown.
#[utoipa::path(get, path = "/budget/editions/{id}/projects", tag = "budget", params(("id" = i64, Path), ProjectsParams),
    responses((status = 200, body = Vec<Project>), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn projects(
    Tenant(state): Tenant,
    Path(id): Path<i64>,
    Query(q): Query<ProjectsParams>,
) -> ApiResult<Json<Vec<Project>>> {
    let q = q.parse()?;
    let e = the_edition(&state, id).await?;
    let filter = ProjectFilter { edition: Some(e.id), pool: q.pool, statuses: q.status.into_iter().collect(), proposer_device: None };
    let mut list = state.store.projects(filter).await?;
    list.sort_by_key(|p| (p.pool, p.number.map_or(u32::MAX, |n| n), p.id));
    Ok(Json(list))
}

/// One project with its public history; 404 for another gmina's.
#[utoipa::path(get, path = "/budget/projects/{id}", tag = "budget", params(("id" = i64, Path)),
    responses((status = 200, body = Project), (status = 404, body = ApiError)))]
pub async fn project(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<Project>> {
    let (p, _private) = state.store.project(id).await?.ok_or_else(AppError::not_found)?;
    Ok(Json(p))
}

fn text_field(field: &str, value: &str, max: usize) -> ApiResult<()> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("Pole {field} jest puste albo za długie (najwyżej {max} znaków)."),
            format!("The field {field} is empty or too long (at most {max} characters)."),
        )
        .with_field(field));
    }
    Ok(())
}

/// The proposal's photo ids (uploaded by `POST /api/v1/photos`, cleaned
/// there) as the URLs a project lists: at most `reports::MAX_PHOTOS`, each
/// one uploaded (`invalid_field` on `photos` otherwise), each once.
async fn project_photos(state: &AppState, ids: &[String]) -> ApiResult<Vec<String>> {
    if ids.len() > MAX_PHOTOS {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!("Najwyżej {MAX_PHOTOS} zdjęć."),
            format!("At most {MAX_PHOTOS} photos."),
        )
        .with_field("photos"));
    }
    let mut urls: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let content_addressed = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !content_addressed || !state.store.photo_exists(id).await? {
            return Err(AppError::new(
                ErrorCode::InvalidField,
                "Nie znaleziono przesłanego zdjęcia; prześlij je ponownie.",
                "A photo was not uploaded; upload it again.",
            )
            .with_field("photos"));
        }
        let url = photo_url(id);
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    Ok(urls)
}

/// A resident's proposal, in the submission phase only (`phase_closed`
/// otherwise). The contact stays private. Needs an `Idempotency-Key`.
#[utoipa::path(post, path = "/budget/editions/{id}/projects", tag = "budget", request_body = NewProject,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 201, body = Project), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, description = "phase_closed, idempotency_conflict", body = ApiError)))]
pub async fn submit_project(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<NewProject>,
) -> ApiResult<Response> {
    let key = idempotency::key(&headers, &format!("budget-projects/{}", device.id), &input)?.ok_or_else(idempotency::required)?;
    let e = the_edition(&state, id).await?;
    text_field("title", &input.title, 200)?;
    text_field("description", &input.description, 10_000)?;
    text_field("contact.name", &input.contact.name, 200)?;
    validate_amount("cost_grosze", input.cost_grosze)?;
    if !e.pools.iter().any(|p| p.id == input.pool) {
        return Err(AppError::not_found().with_field("pool"));
    }
    let p = StoreProject {
        edition: e.id,
        pool: input.pool,
        title: input.title.trim().to_owned(),
        description: input.description.trim().to_owned(),
        cost_grosze: input.cost_grosze,
        category: input.category.clone(),
        location: input.location.clone(),
        photos: project_photos(&state, &input.photos).await?,
        contact: Some(ProposerContact { name: input.contact.name.clone(), email: input.contact.email.clone(), phone: input.contact.phone.clone() }),
    };
    match state.store.submit_project(&device.id, p, Some(key), state.clock.now()).await.map_err(store_error)? {
        Submitted::New(p) => {
            tracing::info!(gmina = %state.store.gmina_scope(), edition = e.id, project = p.id, "budget project submitted");
            Ok((StatusCode::CREATED, Json(p)).into_response())
        }
        Submitted::Replayed(stored) => Ok(stored.into_response()),
    }
}

/// A resident's support signature (art. 5a ust. 7 pkt 1 u.s.g.), the
/// identity checked as for a ballot and kept as a key only; 409 for the
/// same signer twice, `phase_closed` once verification is over.
#[utoipa::path(post, path = "/budget/projects/{id}/signatures", tag = "budget", request_body = SignatureInput,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 201, body = SignatureReceipt), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn sign(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<SignatureInput>,
) -> ApiResult<Response> {
    let retry_key = idempotency::required_raw(&headers)?;
    let now = state.clock.now();
    let (p, _) = state.store.project(id).await?.ok_or_else(AppError::not_found)?;
    let e = the_edition(&state, p.edition).await?;
    let identity = normalise(e.settings.identity, &input.identity)?;
    casting::require_locality(state.store.as_ref(), &identity).await?;
    let signer_key = state.budget_keys.edition(state.store.gmina_scope(), e.id).signer(&identity, id);
    drop(identity);
    // A retry is the same signer for the same project; its hash is of the
    // signer's key, never of the identity typed (a PESEL's hash can be
    // brute-forced).
    let idempotency = IdempotencyKey {
        scope: format!("budget-signatures/{}", device.id),
        key: retry_key,
        request_hash: sha256_hex(&signer_key),
    };
    let required = e.pools.iter().find(|pl| pl.id == p.pool).map_or(0, |pl| pl.signatures_required);
    let signature = NewSignature { project: id, signer_key, channel: BallotChannel::Online, idempotency, required, now };
    match state.store.sign_project(signature).await.map_err(store_error)? {
        Signed::New(receipt) => {
            tracing::info!(gmina = %state.store.gmina_scope(), edition = e.id, project = id, "budget project signed");
            Ok((StatusCode::CREATED, Json(receipt)).into_response())
        }
        Signed::Replayed(stored) => Ok(stored.into_response()),
    }
}

/// The proposer's appeal against a rejection, from the device that
/// submitted the project, until `dates.appeal_to` (`phase_closed` after);
/// 404 from any other device.
#[utoipa::path(post, path = "/budget/projects/{id}/appeal", tag = "budget", request_body = AppealInput,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 200, body = Project), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn appeal(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<AppealInput>,
) -> ApiResult<Json<Project>> {
    idempotency::required_raw(&headers)?;
    text_field("text", &input.text, 10_000)?;
    let p = state.store.appeal(&device.id, id, input.text.trim().to_owned(), state.clock.now()).await.map_err(store_error)?;
    tracing::info!(gmina = %state.store.gmina_scope(), project = id, "budget appeal");
    Ok(Json(p))
}

/// SMS codes per device per hour.
pub const SMS_PER_DEVICE_HOUR: u32 = 10;
/// SMS codes per phone per hour (3 per 10 minutes at most in a burst).
pub const SMS_PER_PHONE_HOUR: u32 = 6;
/// Ballots (and changes) per device per hour: a family shares a phone.
pub const BALLOTS_PER_DEVICE_HOUR: u32 = 30;

/// Sends a one-time code to `phone` for the voter `identity` (voting phase
/// of an SMS edition). The code's hash is stored, then the SMS is sent
/// synchronously after the commit (never through the job queue: its
/// payload would hold the code); a gateway failure is 503
/// `sms_unavailable` (the stored hash is useless without the code).
#[utoipa::path(post, path = "/budget/editions/{id}/sms-codes", tag = "budget", request_body = SmsCodeRequest,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 202, body = SmsCodeIssued), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, description = "phase_closed", body = ApiError),
        (status = 429, body = ApiError), (status = 503, description = "sms_unavailable", body = ApiError)))]
pub async fn sms_code(
    Tenant(state): Tenant,
    device: Device,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<SmsCodeRequest>,
) -> Result<Response, WriteError> {
    idempotency::required_raw(&headers)?;
    let now = state.clock.now();
    let e = the_edition(&state, id).await?;
    if e.phase != Phase::Voting {
        return Err(AppError::phase_closed().into());
    }
    if !e.settings.sms {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "Ta edycja nie potwierdza głosów kodem SMS.",
            "This edition does not confirm ballots by SMS.",
        )
        .into());
    }
    let identity = normalise(e.settings.identity, &input.identity).map_err(AppError::from)?;
    casting::require_locality(state.store.as_ref(), &identity).await?;
    let phone = normalise_phone(&input.phone)
        .ok_or_else(|| AppError::from(mm_protocol::budget::identity::IdentityError { field: "phone" }))?;
    let key = state.budget_keys.edition(state.store.gmina_scope(), e.id);
    let voter_key = key.voter(&identity);
    drop(identity);
    let phone_key = key.phone(&phone);
    let phone_bucket = format!("sms-phone:{}:{}", e.id, sha256_hex(phone_key.as_bytes()));
    let mut asker = vec![(format!("sms-device:{}", device.id), SMS_PER_DEVICE_HOUR)];
    asker.extend(sms::codes::address_bucket(ip));
    charge(&state, asker, None).await?;
    // A phone the cap would refuse at the cast gets no code (and costs no
    // SMS); the cast checks the cap again in its transaction. After the
    // device's limit, so asking cannot probe phones quickly; before the
    // phone's, which guards the phone against being flooded with SMS and
    // so counts only codes sent.
    let cap = e.settings.max_voters_per_phone;
    if cap > 0 && state.store.phone_voters(e.id, phone_key).await.map_err(AppError::from)? >= u32::from(cap) {
        tracing::info!(gmina = %state.store.gmina_scope(), edition = id, "budget SMS code refused: phone limit");
        return Err(AppError::phone_limit().into());
    }
    charge(&state, vec![(phone_bucket, SMS_PER_PHONE_HOUR)], None).await?;
    sms::codes::charge_gmina_ceiling(&state).await?;
    let request_id = uuid::Uuid::new_v4().to_string();
    let code = new_sms_code();
    state
        .store
        .issue_sms_code(NewSmsCode {
            request_id: request_id.clone(),
            edition: e.id,
            phone_key,
            voter_key,
            code_hash: sms_code_hash(&request_id, &code),
            device: Some(device.id.clone()),
            now,
        })
        .await
        .map_err(AppError::from)?;
    Ok(send_code(&state, CodeFor::Ballot { edition: e.id }, &phone, &code, request_id, now).await?)
}

/// Casts a ballot. Checks, in order, each refusing with nothing written:
/// the phase (409 `phase_closed`), the rules (400 `ballot_rule` naming the
/// field; an unknown pool or project 404 `not_found`), the identity (400
/// `invalid_identity`), the SMS code (400 `invalid_sms_code`, 429
/// `sms_locked` with `Retry-After`), then the register (409
/// `already_voted`, 409 `phone_limit`). A retried `Idempotency-Key` answers
/// the first receipt again.
#[utoipa::path(post, path = "/budget/editions/{id}/ballots", tag = "budget", request_body = BallotInput,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 201, body = BallotReceipt), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, description = "phase_closed, already_voted, phone_limit", body = ApiError),
        (status = 429, description = "sms_locked, rate_limited", body = ApiError)))]
pub async fn cast_ballot(
    Tenant(state): Tenant,
    device: casting::VotingDevice,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<BallotInput>,
) -> Result<Response, WriteError> {
    let key = idempotency::required_raw(&headers)?;
    charge(&state, vec![(format!("ballot:{}", device.id), BALLOTS_PER_DEVICE_HOUR)], Some(&format!("ballot/{}/{key}", device.id)))
        .await?;
    let now = state.clock.now();
    let gmina = state.store.gmina_scope().clone();
    let channel = Channel::Online { device: device.id.clone(), idempotency: Some(key), token_hash: Some(device.token_hash) };
    let cast = casting::cast_cached(state.store.as_ref(), &state.voting, &state.budget_keys, &gmina, id, &input, channel, now)
        .await
        .map_err(|r| r.into_error(&input))?;
    if let Some(refusal) = casting::online_refusal(&cast.outcome, now) {
        tracing::info!(gmina = %gmina, edition = id, outcome = outcome_name(&cast.outcome), "budget ballot refused");
        return Ok(refusal);
    }
    let replayed = matches!(cast.outcome, crate::store::ballots::CastOutcome::Replayed { .. });
    tracing::info!(gmina = %gmina, edition = id, replayed, "budget ballot counted");
    let receipt = cast.receipt.ok_or_else(AppError::internal)?;
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

fn outcome_name(o: &crate::store::ballots::CastOutcome) -> &'static str {
    use crate::store::ballots::CastOutcome::*;
    match o {
        Counted { .. } => "counted",
        AlreadyVoted { .. } => "already_voted",
        PaperRefusedDuplicate { .. } => "paper_refused_duplicate",
        PaperVoidedBoth { .. } => "paper_voided_both",
        PhoneLimit => "phone_limit",
        Replayed { .. } => "replayed",
        Sms(_) => "sms",
    }
}

/// `?receipt=` (a ballot's receipt code, from another device).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptParams {
    pub receipt: Option<String>,
}

/// What a voter sees of a stored ballot.
fn my_ballot_view(state: &AppState, e: &Edition, b: StoredBallot, now: DateTime<Utc>) -> MyBallot {
    let key = state.budget_keys.edition(state.store.gmina_scope(), e.id);
    let cumulative = matches!(e.settings.voting, VotingRule::Cumulative { .. });
    let mut pools: Vec<PoolChoice> = Vec::new();
    for c in &b.choices {
        let choice = Choice { project: c.project, points: cumulative.then_some(c.points) };
        match pools.last_mut() {
            Some(p) if p.pool == c.pool => p.projects.push(choice),
            _ => pools.push(PoolChoice { pool: c.pool, projects: vec![choice] }),
        }
    }
    let may_change = e.settings.allow_change
        && e.phase == Phase::Voting
        && b.channel == BallotChannel::Online
        && b.state == crate::store::ballots::BallotState::Counted;
    let _ = now;
    MyBallot {
        edition: e.id,
        receipt: BallotReceipt { ballot_id: b.id, receipt_code: key.receipt_code(b.id), cast_at: b.cast_at, channel: b.channel, pools },
        may_change,
        changed_at: b.changed_at,
    }
}

/// The ballot this device cast in the edition, or the one `?receipt=`
/// names; 404 when there is none.
#[utoipa::path(get, path = "/budget/editions/{id}/ballot", tag = "budget", params(("id" = i64, Path), ReceiptParams),
    security(("device" = [])),
    responses((status = 200, body = MyBallot), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn my_ballot(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    Query(q): Query<ReceiptParams>,
) -> ApiResult<Json<MyBallot>> {
    let now = state.clock.now();
    let e = the_edition(&state, id).await?;
    let b = match q.receipt.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => state.store.ballot_by_receipt(e.id, &receipt_hash(code)).await?,
        None => state.store.ballot_by_device(e.id, &device.id).await?,
    };
    let b = b.ok_or_else(AppError::not_found)?;
    Ok(Json(my_ballot_view(&state, &e, b, now)))
}


/// New choices for a ballot already cast (this device's, or the one whose
/// `receipt_code` is given) by the same voter (`identity`), while voting
/// is open and the edition allows changes; checked by `check_ballot` as a
/// new one. 409 `conflict` when the edition does not allow changes, the
/// ballot is not an online one still counted, or the identity is another.
#[utoipa::path(put, path = "/budget/editions/{id}/ballot", tag = "budget", request_body = BallotChangeRequest,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses((status = 200, body = MyBallot), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, description = "phase_closed; change refused", body = ApiError)))]
pub async fn change_ballot(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<BallotChangeRequest>,
) -> Result<Response, WriteError> {
    let key = idempotency::required_raw(&headers)?;
    charge(&state, vec![(format!("ballot:{}", device.id), BALLOTS_PER_DEVICE_HOUR)], Some(&format!("ballot-change/{}/{key}", device.id)))
        .await?;
    let now = state.clock.now();
    let ballot = casting::load(state.store.as_ref(), id, now).await.map_err(AppError::from)?.ok_or_else(AppError::not_found)?;
    let e = &ballot.edition;
    if e.phase != Phase::Voting {
        return Err(AppError::phase_closed().into());
    }
    let as_input =
        BallotInput { identity: IdentityInput::default(), sms: None, residence_declared: true, pools: input.change.pools.clone() };
    let normal = check_ballot(&e.settings, &e.pools, &ballot.projects, &as_input)
        .map_err(|err| AppError::ballot_rule(&err, &as_input))?;
    let identity = normalise(e.settings.identity, &input.identity).map_err(AppError::from)?;
    let voter_key = state.budget_keys.edition(state.store.gmina_scope(), e.id).voter(&identity);
    drop(identity);
    let owner = match input.change.receipt_code.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => BallotOwner::Receipt(receipt_hash(code)),
        None => BallotOwner::Device(device.id.clone()),
    };
    let change =
        StoreChange { edition: e.id, policy: casting::policy(e), voter_key, owner: owner.clone(), choices: casting::choices(&normal), now };
    match state.store.change_ballot(change).await.map_err(AppError::from)? {
        ChangeOutcome::Changed { .. } => {}
        ChangeOutcome::Refused => {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "Tego głosu nie można zmienić.",
                "This ballot cannot be changed.",
            )
            .into());
        }
    }
    tracing::info!(gmina = %state.store.gmina_scope(), edition = id, "budget ballot changed");
    let stored = match &owner {
        BallotOwner::Receipt(h) => state.store.ballot_by_receipt(e.id, h).await,
        BallotOwner::Device(d) => state.store.ballot_by_device(e.id, d).await,
    }
    .map_err(AppError::from)?
    .ok_or_else(AppError::not_found)?;
    Ok(Json(my_ballot_view(&state, e, stored, now)).into_response())
}
