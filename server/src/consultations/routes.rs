//! `/api/v1/consultations/...`: the gmina's consultations for residents.
//! Public reads (drafts are 404), one answer per device, the summary once
//! published with approved free texts only (Decidim's
//! `PublishAnswersHelper`, R§5).
//!
//! One answer per device: the store's arbiter is a respondent key, the
//! HMAC of the device id under a key of this consultation, so the key
//! stored says nothing about the device to anyone without the server's
//! secret, and differs between consultations. Nothing of an answer is
//! logged.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use mm_protocol::consultations::{
    AnswerError, Answers, Consultation, ConsultationStatus, RespondentRule, Summary, check_answers, tally,
};
use mm_protocol::error::{ApiError, ErrorCode, Message};
use mm_protocol::gmina::Teryt;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::devices::{Device, idempotency};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::state::AppState;
use crate::store::consultations::{Answered, ModerationState, NewResponse};
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(answer))
        .routes(routes!(summary))
}

/// What an answer's 201 (and its replay) says. `id` is absent in
/// anonymous mode on a replay: nothing leads from the device to its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnswerReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The same request came before; nothing new was stored.
    pub replayed: bool,
}

/// A free-text answer a moderator approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicText {
    /// The question's id.
    pub question: String,
    pub text: String,
}

/// The published summary: counts, and approved texts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicSummary {
    pub summary: Summary,
    pub texts: Vec<PublicText>,
}

/// The respondent key of a device for one consultation:
/// `HMAC(k_c, device_id)` with `k_c = HMAC(s_d, "consultation:" teryt ":" id)`,
/// `s_d` the device's server-derived secret (its token, `DeviceTokens`,
/// never stored: the database keeps only its hash).
// TODO(issue 15): derive k_c from `AppState.budget_keys` (plan §4, "k_c
// derived like k_e" with "consultation:"), which needs a
// `BudgetKeys::consultation(gmina, id)` in `budget/identity.rs` (its master
// key is private there). Until then a change of the device-token key gives
// every device a new respondent key (a second answer); switch before any
// consultation runs in production, since switching does the same once.
pub fn respondent_key(device_secret: &str, gmina: &Teryt, consultation: i64, device_id: &str) -> Vec<u8> {
    let mac = |key: &[u8], parts: &[&[u8]]| {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    };
    let k_c = mac(
        device_secret.as_bytes(),
        &[b"consultation:", gmina.as_str().as_bytes(), b":", consultation.to_string().as_bytes()],
    );
    mac(&k_c, &[device_id.as_bytes()])
}

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

fn verified_only() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "Ta konsultacja wymaga potwierdzenia tożsamości, którego aplikacja jeszcze nie obsługuje.",
        "This consultation requires a verified identity, which the app does not support yet.",
    )
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

/// Answers a consultation, once per device. The same Idempotency-Key and
/// body answer as the first time; another answer of the device is 409
/// `already_answered`; outside its dates 409 `phase_closed`; an answer
/// that breaks a question 400 `invalid_answer` with `questions[i]`.
#[utoipa::path(post, path = "/consultations/{id}/responses", tag = "consultations", request_body = Answers,
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    security(("device" = [])),
    responses(
        (status = 201, body = AnswerReceipt), (status = 400, description = "invalid_answer", body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, description = "already_answered, phase_closed, idempotency_conflict", body = ApiError),
    ))]
pub async fn answer(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(input): Json<Answers>,
) -> ApiResult<Response> {
    let idem = idempotency::key(&headers, &format!("consultations:{}", device.id), &input)?.ok_or_else(|| {
        AppError::new(ErrorCode::InvalidField, "Brak nagłówka Idempotency-Key.", "The Idempotency-Key header is required.")
            .with_field("Idempotency-Key")
    })?;
    let c = public(&state, id).await?;
    let now = state.clock.now();
    if c.respondents == RespondentRule::PerVerifiedPerson {
        return Err(verified_only());
    }
    if !c.accepts_answers_at(now) {
        return Err(AppError::phase_closed());
    }
    let answers = check_answers(&c, &input).map_err(|e| invalid_answer(&e))?;
    let secret = state.device_tokens.token_for(&device.id);
    let key = respondent_key(&secret, state.store.gmina_scope(), id, &device.id);
    let new = NewResponse { consultation: id, respondent_key: key, answers, now, idempotency: Some(idem) };
    let receipt = match state.store.answer(new).await {
        Ok(Answered::New { id }) => AnswerReceipt { id: Some(id), replayed: false },
        Ok(Answered::Replayed { id }) => AnswerReceipt { id, replayed: true },
        Err(StoreError::Conflict(Conflict::AlreadyAnswered)) => return Err(AppError::already_answered()),
        Err(StoreError::Conflict(Conflict::ConsultationClosed)) => return Err(AppError::phase_closed()),
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respondent_keys_differ_by_device_consultation_and_gmina() {
        let g = Teryt::parse("0223083").unwrap();
        let h = Teryt::parse("0223011").unwrap();
        let k = respondent_key("secret", &g, 1, "dev-1");
        assert_eq!(k, respondent_key("secret", &g, 1, "dev-1"));
        assert_eq!(k.len(), 32);
        for other in [
            respondent_key("secret", &g, 2, "dev-1"),
            respondent_key("secret", &g, 1, "dev-2"),
            respondent_key("secret", &h, 1, "dev-1"),
            respondent_key("other", &g, 1, "dev-1"),
        ] {
            assert_ne!(k, other);
        }
    }
}
