//! `/api/v1/consultations/...`: the gmina's consultations for residents.
//! Public reads (drafts are 404), one answer per device or per verified
//! person (the consultation's `respondents`), the summary once published
//! with approved free texts only (Decidim's `PublishAnswersHelper`, R§5).
//!
//! The store's arbiter is a respondent key (`respondent`): an HMAC under
//! the consultation's own secret of the device id, or of the person's
//! identity as a budget edition's voter proves it (PESEL and names, or
//! names and address, as `Verification::identity` says; a code by SMS
//! when `Verification::sms`). So the key stored says nothing about the
//! device or person to anyone without the server's master key, and
//! differs between consultations. Nothing of an answer or an identity is
//! logged; the idempotency hash is of the key and the answers, never of
//! the identity as typed (a hash of a PESEL could be brute-forced).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::budget::identity::{IdentityError, normalise, normalise_phone};
use mm_protocol::budget::wire::{SmsCodeIssued, SmsCodeRequest};
use mm_protocol::consultations::{
    AnswerError, AnswerSubmission, Consultation, ConsultationStatus, NormalAnswers, RespondentRule,
    check_answers, tally,
};
// One definition of the answers on both sides (the core reads these).
use mm_protocol::consultations::wire::{AnswerReceipt, PublicSummary, PublicText};
use mm_protocol::error::{ApiError, ErrorCode, Message};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::respondent::RespondentKey;
use crate::auth::token::sha256_hex;
use crate::budget::identity::{new_sms_code, sms_code_hash};
use crate::devices::{Device, idempotency};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::reports::ratelimit::{ClientIp, WriteError};
use crate::sms;
use crate::sms::codes::{CodeFor, send_code};
use crate::state::AppState;
use crate::store::ballots::SmsUse;
use crate::store::consultations::{Answered, ModerationState, NewResponse, NewSmsCode, SmsRefusal};
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(answer))
        .routes(routes!(sms_code))
        .routes(routes!(summary))
}

/// SMS codes one device may ask for in an hour (as the budget's).
pub const SMS_PER_DEVICE_HOUR: u32 = 5;
/// SMS codes one phone may receive in an hour.
pub const SMS_PER_PHONE_HOUR: u32 = 3;
/// Answers one device may send to verified-person consultations in an
/// hour: each tells whether that person has answered, so the tries are few.
pub const VERIFIED_ANSWERS_PER_DEVICE_HOUR: u32 = 30;

/// As residents see it: the status the dates give (`status_at`).
fn public_view(mut c: Consultation, now: DateTime<Utc>) -> Consultation {
    c.status = c.status_at(now);
    c
}

/// The consultation if residents may see it (not a draft), else 404.
async fn public(state: &AppState, id: i64) -> ApiResult<Consultation> {
    state.store.consultation(id).await?.filter(Consultation::is_public).ok_or_else(AppError::not_found)
}

fn invalid_answer(e: &AnswerError) -> AppError {
    AppError::invalid_answer(e.field(), Message::new(e.reason.pl(), e.reason.en()))
}

fn not_published() -> AppError {
    AppError::new(
        ErrorCode::ResultsNotPublished,
        "Wyniki tej konsultacji nie zostały jeszcze opublikowane.",
        "This consultation's results are not published yet.",
    )
}

/// A second answer of the same respondent, worded for who the respondent is.
fn already_answered(rule: RespondentRule) -> AppError {
    match rule {
        RespondentRule::PerDevice => AppError::new(
            ErrorCode::AlreadyAnswered,
            "Z tego urządzenia już odpowiedziano w tej konsultacji. Można odpowiedzieć tylko raz.",
            "This device has already answered this consultation. One answer per device.",
        ),
        RespondentRule::PerVerifiedPerson => AppError::new(
            ErrorCode::AlreadyAnswered,
            "Ta osoba już odpowiedziała w tej konsultacji. Każdy może odpowiedzieć tylko raz.",
            "This person has already answered this consultation. One answer per person.",
        ),
    }
}

/// An identity sent to a consultation that asks for none: refused, so
/// that no personal data is sent where it is not needed.
fn identity_not_asked(field: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidField,
        "Ta konsultacja nie wymaga potwierdzenia tożsamości: nie wysyłaj danych osobowych.",
        "This consultation does not verify identity: send no personal data.",
    )
    .with_field(field)
}

fn sms_not_asked() -> AppError {
    AppError::new(
        ErrorCode::InvalidField,
        "Ta konsultacja nie potwierdza odpowiedzi kodem SMS.",
        "This consultation does not confirm answers by SMS.",
    )
}

/// The respondent of `input` in `c`, and the SMS proof the store checks:
/// the device, or the person the identity names (400 `invalid_identity`
/// naming the field; an SMS consultation's answer without a code 400
/// `invalid_sms_code`).
pub fn respondent(
    state: &AppState,
    c: &Consultation,
    device: &Device,
    input: &AnswerSubmission,
) -> ApiResult<(RespondentKey, Option<SmsUse>)> {
    let key = state.budget_keys.consultation(state.store.gmina_scope(), c.id);
    match c.respondents {
        RespondentRule::PerDevice => {
            if input.identity.is_some() {
                return Err(identity_not_asked("identity"));
            }
            if input.sms.is_some() {
                return Err(identity_not_asked("sms"));
            }
            Ok((key.device(&device.id), None))
        }
        RespondentRule::PerVerifiedPerson => {
            let typed = input.identity.as_ref().ok_or(IdentityError { field: "identity" })?;
            let person = normalise(c.verification.identity, typed)?;
            let who = key.person(&person);
            drop(person);
            let sms = match (&input.sms, c.verification.sms) {
                (_, false) => None,
                (None, true) => return Err(AppError::invalid_sms_code().with_field("sms")),
                (Some(p), true) => {
                    Some(SmsUse { request_id: p.request_id.clone(), code_hash: sms_code_hash(&p.request_id, &p.code) })
                }
            };
            Ok((who, sms))
        }
    }
}

/// Takes one token of each named bucket, or 429.
async fn charge(state: &AppState, buckets: Vec<(String, u32)>, retry: Option<&str>) -> Result<(), WriteError> {
    state.limits.admit_buckets(buckets, retry, state.clock.now()).await.map_err(WriteError::RateLimited)
}

/// The gmina's consultations (drafts never), newest opening first.
#[utoipa::path(get, path = "/consultations", tag = "consultations",
    responses((status = 200, body = Vec<Consultation>)))]
pub async fn list(Tenant(state): Tenant) -> ApiResult<Json<Vec<Consultation>>> {
    let now = state.clock.now();
    Ok(Json(state.store.consultations(false).await?.into_iter().map(|c| public_view(c, now)).collect()))
}

/// One consultation; 404 for a draft or another gmina's.
#[utoipa::path(get, path = "/consultations/{id}", tag = "consultations", params(("id" = i64, Path)),
    responses((status = 200, body = Consultation), (status = 404, body = ApiError)))]
pub async fn one(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<Consultation>> {
    Ok(Json(public_view(public(&state, id).await?, state.clock.now())))
}

/// A retried answer's fingerprint: the respondent key and the normalised
/// answers (never the identity as typed).
#[derive(Serialize)]
struct AnswerFingerprint<'a> {
    respondent: String,
    answers: &'a NormalAnswers,
}

/// Answers a consultation, once per device or per verified person (the
/// consultation's `respondents`). Checks, in order, each refusing with
/// nothing written: the Idempotency-Key (400), the consultation (404), its
/// dates (409 `phase_closed`), the answers (400 `invalid_answer` with
/// `questions[i]`), who answers (400 `invalid_identity` naming the field;
/// an identity sent to a per-device one 400 `invalid_field`; a missing
/// SMS code 400 `invalid_sms_code`), then the store: the same
/// Idempotency-Key and body answer as the first time; another answer of
/// the respondent 409 `already_answered`; a wrong or expired SMS code 400
/// `invalid_sms_code`, too many 429 `sms_locked`.
#[utoipa::path(post, path = "/consultations/{id}/responses", tag = "consultations", request_body = AnswerSubmission,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses(
        (status = 201, body = AnswerReceipt),
        (status = 400, description = "invalid_answer, invalid_identity, invalid_sms_code, invalid_field", body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, description = "already_answered, phase_closed, idempotency_conflict", body = ApiError),
        (status = 429, description = "sms_locked, rate_limited", body = ApiError),
    ))]
pub async fn answer(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<AnswerSubmission>,
) -> Result<Response, WriteError> {
    if !headers.contains_key(idempotency::HEADER) {
        return Err(idempotency::required().into());
    }
    let c = public(&state, id).await?;
    let now = state.clock.now();
    if !c.accepts_answers_at(now) {
        return Err(AppError::phase_closed().into());
    }
    let answers = check_answers(&c, &input.answers()).map_err(|e| invalid_answer(&e))?;
    let (who, sms) = respondent(&state, &c, &device, &input)?;
    let fingerprint = AnswerFingerprint { respondent: sha256_hex(&who.0), answers: &answers };
    let idem = idempotency::key(&headers, &format!("consultations:{}", device.id), &fingerprint)?
        .ok_or_else(idempotency::required)?;
    if c.respondents == RespondentRule::PerVerifiedPerson {
        let retry = format!("consultation/{}/{}", device.id, idem.key);
        charge(&state, vec![(format!("consultation-answer:{}", device.id), VERIFIED_ANSWERS_PER_DEVICE_HOUR)], Some(&retry))
            .await?;
    }
    let new = NewResponse { consultation: id, respondent_key: who.to_vec(), answers, now, idempotency: Some(idem), sms };
    let receipt = match state.store.answer(new).await {
        Ok(Answered::New { id }) => AnswerReceipt { id: Some(id), replayed: false },
        Ok(Answered::Replayed { id }) => AnswerReceipt { id, replayed: true },
        Ok(Answered::Sms(SmsRefusal::Locked { until })) => return Ok(AppError::sms_locked((until - now).num_seconds())),
        Ok(Answered::Sms(_)) => return Err(AppError::invalid_sms_code().with_field("sms.code").into()),
        Err(StoreError::Conflict(Conflict::AlreadyAnswered)) => return Err(already_answered(c.respondents).into()),
        Err(StoreError::Conflict(Conflict::ConsultationClosed)) => return Err(AppError::phase_closed().into()),
        Err(e) => return Err(AppError::from(e).into()),
    };
    tracing::info!(gmina = %state.store.gmina_scope(), consultation = id, replayed = receipt.replayed, "consultation answered");
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// Sends a one-time code to `phone` for the person `identity`, for a
/// verified-person consultation that asks for one (else 400) while it
/// takes answers (else 409 `phase_closed`). The code's hash is stored,
/// bound to the person's respondent key, then the SMS is sent
/// synchronously (never through the job queue: its payload would hold
/// the code); a gateway failure is 503 `sms_unavailable`.
#[utoipa::path(post, path = "/consultations/{id}/sms-codes", tag = "consultations", request_body = SmsCodeRequest,
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
    let c = public(&state, id).await?;
    let now = state.clock.now();
    if !c.accepts_answers_at(now) {
        return Err(AppError::phase_closed().into());
    }
    if c.respondents != RespondentRule::PerVerifiedPerson || !c.verification.sms {
        return Err(sms_not_asked().into());
    }
    let person = normalise(c.verification.identity, &input.identity).map_err(AppError::from)?;
    let phone = normalise_phone(&input.phone).ok_or_else(|| AppError::from(IdentityError { field: "phone" }))?;
    let key = state.budget_keys.consultation(state.store.gmina_scope(), c.id);
    let who = key.person(&person);
    drop(person);
    let phone_bucket = format!("sms-phone:c{}:{}", c.id, sha256_hex(&key.phone(&phone)));
    let mut buckets = vec![(format!("sms-device:{}", device.id), SMS_PER_DEVICE_HOUR), (phone_bucket, SMS_PER_PHONE_HOUR)];
    buckets.extend(sms::codes::address_bucket(ip));
    charge(&state, buckets, None).await?;
    sms::codes::charge_gmina_ceiling(&state).await?;
    let request_id = uuid::Uuid::new_v4().to_string();
    let code = new_sms_code();
    state
        .store
        .issue_consultation_sms_code(NewSmsCode {
            request_id: request_id.clone(),
            consultation: c.id,
            respondent_key: who.to_vec(),
            code_hash: sms_code_hash(&request_id, &code),
            now,
        })
        .await
        .map_err(AppError::from)?;
    Ok(send_code(&state, CodeFor::Answer { consultation: c.id }, &phone, &code, request_id, now).await?)
}

/// The results once the consultation is published (after it closed):
/// counts per question and the free texts a moderator approved.
#[utoipa::path(get, path = "/consultations/{id}/summary", tag = "consultations", params(("id" = i64, Path)),
    responses((status = 200, body = PublicSummary), (status = 404, description = "not_found, results_not_published", body = ApiError)))]
pub async fn summary(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<PublicSummary>> {
    let c = public(&state, id).await?;
    if c.status != ConsultationStatus::Published {
        return Err(not_published());
    }
    let responses = state.store.responses(id).await?;
    let summary = tally(&c, responses.iter().map(|r| &r.answers));
    let texts = state
        .store
        .text_answers(id, ModerationState::Approved)
        .await?
        .into_iter()
        .map(|t| PublicText { question: t.question, text: t.text })
        .collect();
    Ok(Json(PublicSummary { summary, texts }))
}
