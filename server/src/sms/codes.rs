//! The ending both one-time-code routes share (issue 15): the budget's
//! `POST /budget/editions/{id}/sms-codes` (a ballot's code) and the
//! consultations' `POST /consultations/{id}/sms-codes` (a verified
//! person's answer). Each route checks its own rules and stores the code's
//! hash first; then [`send_code`] sends the text synchronously (never
//! through the job queue: its payload would hold the code at rest), logs
//! the outcome without the phone or the code, and answers 202 with
//! `SmsCodeIssued`, or 503 `sms_unavailable` (the stored hash is useless
//! without the code, so nothing needs taking back).

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use mm_protocol::budget::identity::NormalPhone;
use mm_protocol::budget::wire::SmsCodeIssued;
use mm_protocol::error::ErrorCode;

use super::SmsMessage;
use crate::error::{AppError, Json};
use crate::reports::ratelimit::{WriteError, address_key};
use crate::state::AppState;
use crate::store::ballots::SMS_CODE_MINUTES;
use crate::store::directory::DEFAULT_SMS_PER_HOUR;

/// What a code confirms: its text, its log lines and the refusal's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFor {
    /// A ballot in a budget edition.
    Ballot { edition: i64 },
    /// A verified person's answer to a consultation.
    Answer { consultation: i64 },
}

impl CodeFor {
    fn text(self, code: &str) -> String {
        match self {
            CodeFor::Ballot { .. } => format!("Kod do głosowania w budżecie obywatelskim: {code}. Nie podawaj go nikomu."),
            CodeFor::Answer { .. } => format!("Kod do konsultacji społecznych: {code}. Nie podawaj go nikomu."),
        }
    }

    /// 503 `sms_unavailable`; a voter may also vote at the office, a
    /// consultation has no such way, so its text does not offer one.
    fn unavailable(self) -> AppError {
        match self {
            CodeFor::Ballot { .. } => AppError::sms_unavailable(),
            CodeFor::Answer { .. } => AppError::new(
                ErrorCode::SmsUnavailable,
                "Nie można teraz wysłać kodu SMS. Spróbuj później. Nic nie zostało zapisane.",
                "The SMS code cannot be sent now. Try later. Nothing was stored.",
            ),
        }
    }
}

/// Codes one client address (an IPv6 /64, [`address_key`]) may ask for per
/// hour, across devices and purposes: devices are free to register, so
/// the per-device limit alone does not bound one client.
pub const SMS_PER_ADDRESS_HOUR: u32 = 20;

/// The address's bucket (`sms-address:…`), when the listener saw one.
pub fn address_bucket(ip: Option<IpAddr>) -> Option<(String, u32)> {
    ip.map(|ip| (format!("sms-address:{}", address_key(ip)), SMS_PER_ADDRESS_HOUR))
}

/// Charges the gmina's hourly SMS ceiling (`GminaSettings::sms_per_hour`,
/// a token bucket like every limit) for one code about to be sent: the
/// last check before a code is issued, so only codes sent count. Reaching
/// it is logged as an error for the operators (a campaign far above any
/// vote's rate, or abuse).
pub async fn charge_gmina_ceiling(state: &AppState) -> Result<(), WriteError> {
    let gmina = state.store.gmina_scope();
    let per_hour = state
        .gminas
        .find(state.store.as_ref(), gmina)
        .await?
        .map_or(DEFAULT_SMS_PER_HOUR, |g| g.settings.sms_per_hour());
    let bucket = vec![(format!("sms-gmina:{gmina}"), per_hour)];
    state.limits.admit_buckets(bucket, None, state.clock.now()).await.map_err(|wait| {
        tracing::error!(%gmina, per_hour, "SMS codes: the gmina's hourly ceiling was reached; codes refused");
        WriteError::RateLimited(wait)
    })
}

/// Sends `code` (whose hash the caller stored under `request_id`) to
/// `phone`, and answers 202 with the request id and the code's expiry
/// (`SMS_CODE_MINUTES` after `now`), or 503 `sms_unavailable` when the
/// gateway did not take it. The log lines name the gmina, the edition or
/// consultation and the outcome (the gateway's error has no personal data:
/// `sms` module's doc), never the phone or the code.
pub async fn send_code(
    state: &AppState,
    purpose: CodeFor,
    phone: &NormalPhone,
    code: &str,
    request_id: String,
    now: DateTime<Utc>,
) -> Result<Response, AppError> {
    let message = SmsMessage { to: phone.as_str().to_owned(), text: purpose.text(code), idx: request_id.clone() };
    let gmina = state.store.gmina_scope();
    match (state.sms.send(&message).await, purpose) {
        (Err(error), CodeFor::Ballot { edition }) => {
            tracing::warn!(%gmina, edition, error = %error, "budget SMS code not sent");
            return Err(purpose.unavailable());
        }
        (Err(error), CodeFor::Answer { consultation }) => {
            tracing::warn!(%gmina, consultation, error = %error, "consultation SMS code not sent");
            return Err(purpose.unavailable());
        }
        (Ok(_), CodeFor::Ballot { edition }) => tracing::info!(%gmina, edition, "budget SMS code sent"),
        (Ok(_), CodeFor::Answer { consultation }) => tracing::info!(%gmina, consultation, "consultation SMS code sent"),
    }
    let issued = SmsCodeIssued { request_id, expires_at: now + Duration::minutes(SMS_CODE_MINUTES) };
    Ok((StatusCode::ACCEPTED, Json(issued)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purpose_says_what_the_code_is_for_and_keeps_it_to_itself() {
        let ballot = CodeFor::Ballot { edition: 1 }.text("123456");
        let answer = CodeFor::Answer { consultation: 1 }.text("654321");
        assert!(ballot.contains("budżecie obywatelskim") && ballot.contains("123456"), "{ballot}");
        assert!(answer.contains("konsultacji") && answer.contains("654321"), "{answer}");
        for t in [ballot, answer] {
            assert!(t.contains("Nie podawaj go nikomu"), "{t}");
        }
        // Only the ballot's refusal offers the office (a paper ballot).
        let b = CodeFor::Ballot { edition: 1 }.unavailable().0;
        let a = CodeFor::Answer { consultation: 1 }.unavailable().0;
        assert_eq!((b.code, a.code), (ErrorCode::SmsUnavailable, ErrorCode::SmsUnavailable));
        assert!(b.message.pl.contains("w urzędzie") && !a.message.pl.contains("w urzędzie"));
    }
}
