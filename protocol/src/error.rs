//! The error body every `/api/v1` endpoint answers with on failure.
//! `code` is stable (clients branch on it); `message` is for people,
//! Polish first.

use serde::{Deserialize, Serialize};

/// A failed request, as sent on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: Message,
    /// The request field that was wrong, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// User-facing text in both languages of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub pl: String,
    pub en: String,
}

impl Message {
    pub fn new(pl: impl Into<String>, en: impl Into<String>) -> Self {
        Self { pl: pl.into(), en: en.into() }
    }
}

/// Stable machine codes. Never rename one: apps in the field branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON, or not the JSON this endpoint takes.
    MalformedJson,
    /// A field failed validation (see `field`).
    InvalidField,
    /// A query parameter is missing or malformed.
    InvalidQuery,
    /// The sync cursor is not one this server issued.
    InvalidCursor,
    /// The body is larger than this endpoint accepts.
    PayloadTooLarge,
    UnsupportedMediaType,
    /// No credentials, or credentials this server does not know.
    Unauthorized,
    /// The token was valid once but has expired; sign in again.
    TokenExpired,
    /// Wrong login or password.
    InvalidCredentials,
    /// Signed in, but this role may not do this.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The same Idempotency-Key was used with a different request.
    IdempotencyConflict,
    /// The change conflicts with the current state.
    Conflict,
    RateLimited,
    /// The server could not do it; nothing was changed.
    Internal,
    Unavailable,
    /// A photo with more pixels than `reports::PHOTO_MAX_PIXELS` (a
    /// "decompression bomb" is a few KB that claim gigapixels).
    ImageTooLarge,
    /// Claims to be a JPEG or PNG but does not decode as one.
    ImageUnreadable,
    /// A deployment of several gminas, and the request named none
    /// (`MM-Gmina` header, `gmina` query, Open311 `jurisdiction_id`).
    GminaRequired,
    /// The request named a gmina this deployment does not serve.
    UnknownGmina,
    /// The named gmina is not a TERYT code (7 digits, e.g. 0223083).
    InvalidGmina,
    /// The tax activation code is not one this gmina issued, or it has
    /// expired or was used (one answer for all: no oracle).
    InvalidActivationCode,
    /// Too many wrong activation codes from this device: wait (Retry-After).
    ActivationLocked,
    /// The gmina has no payment gateway configured (pay by transfer).
    PaymentsDisabled,
    /// The payment gateway did not answer or refused; nothing was charged.
    GatewayUnavailable,
    /// The budget edition or consultation is not in the phase this needs
    /// (voting closed, submission not open yet…).
    PhaseClosed,
    /// This person has already voted in this budget edition (any channel).
    AlreadyVoted,
    /// The ballot breaks the edition's rules (`budget::rules::BallotError`;
    /// `field` = `pools[i]` or `pools[i].projects[j]`).
    BallotRule,
    /// The voter's identity does not check (`field` = `pesel`, `first_name`…;
    /// a wrong PESEL checksum and an impossible birth date alike).
    InvalidIdentity,
    /// The SMS code is wrong or expired.
    InvalidSmsCode,
    /// Too many wrong SMS codes for this request: wait (Retry-After).
    SmsLocked,
    /// This phone number has confirmed as many voters as the edition allows.
    PhoneLimit,
    /// The edition needs SMS codes and none can be sent now (no gateway
    /// configured, or the gateway failed); nothing was stored.
    SmsUnavailable,
    /// The budget's results are not published yet.
    ResultsNotPublished,
    /// This device or person has already answered the consultation.
    AlreadyAnswered,
    /// An answer breaks the consultation's question (`field` = `questions[i]`).
    InvalidAnswer,
    /// The account signs in with a second factor: send `one_time_code`
    /// (a TOTP code or a recovery code), or it was wrong or used (401).
    SecondFactorRequired,
    /// The account must have a second factor and has none: enrol in the
    /// back office first (403).
    SecondFactorNotEnrolled,
    /// A code from a newer server that this build does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MalformedJson | InvalidField | InvalidQuery | InvalidCursor | GminaRequired | InvalidGmina
            | InvalidActivationCode | BallotRule | InvalidIdentity | InvalidSmsCode | InvalidAnswer => 400,
            Unauthorized | TokenExpired | InvalidCredentials | SecondFactorRequired => 401,
            Forbidden | SecondFactorNotEnrolled => 403,
            NotFound | UnknownGmina | ResultsNotPublished => 404,
            MethodNotAllowed => 405,
            IdempotencyConflict | Conflict | PhaseClosed | AlreadyVoted | PhoneLimit | AlreadyAnswered => 409,
            PayloadTooLarge | ImageTooLarge => 413,
            UnsupportedMediaType | ImageUnreadable => 415,
            RateLimited | ActivationLocked | SmsLocked => 429,
            Internal | Unknown => 500,
            // 503, not 502: with `--sms none` there is no upstream to blame,
            // and either way the resident can only try later (Retry-After).
            Unavailable | PaymentsDisabled | SmsUnavailable => 503,
            GatewayUnavailable => 502,
        }
    }

    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedJson => "malformed_json",
            InvalidField => "invalid_field",
            InvalidQuery => "invalid_query",
            InvalidCursor => "invalid_cursor",
            PayloadTooLarge => "payload_too_large",
            UnsupportedMediaType => "unsupported_media_type",
            Unauthorized => "unauthorized",
            TokenExpired => "token_expired",
            InvalidCredentials => "invalid_credentials",
            Forbidden => "forbidden",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            IdempotencyConflict => "idempotency_conflict",
            Conflict => "conflict",
            RateLimited => "rate_limited",
            Internal => "internal",
            Unavailable => "unavailable",
            ImageTooLarge => "image_too_large",
            ImageUnreadable => "image_unreadable",
            GminaRequired => "gmina_required",
            UnknownGmina => "unknown_gmina",
            InvalidGmina => "invalid_gmina",
            InvalidActivationCode => "invalid_activation_code",
            ActivationLocked => "activation_locked",
            PaymentsDisabled => "payments_disabled",
            GatewayUnavailable => "gateway_unavailable",
            PhaseClosed => "phase_closed",
            AlreadyVoted => "already_voted",
            BallotRule => "ballot_rule",
            InvalidIdentity => "invalid_identity",
            InvalidSmsCode => "invalid_sms_code",
            SmsLocked => "sms_locked",
            PhoneLimit => "phone_limit",
            SmsUnavailable => "sms_unavailable",
            ResultsNotPublished => "results_not_published",
            AlreadyAnswered => "already_answered",
            InvalidAnswer => "invalid_answer",
            SecondFactorRequired => "second_factor_required",
            SecondFactorNotEnrolled => "second_factor_not_enrolled",
            Unknown => "unknown",
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: Message) -> Self {
        Self { code, message, field: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<crate::validation::FieldError> for ApiError {
    fn from(e: crate::validation::FieldError) -> Self {
        ApiError {
            code: ErrorCode::InvalidField,
            message: Message::new(e.pl, e.en),
            field: Some(e.field),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message.en)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in [
            ErrorCode::MalformedJson,
            ErrorCode::InvalidCursor,
            ErrorCode::TokenExpired,
            ErrorCode::GminaRequired,
            ErrorCode::UnknownGmina,
            ErrorCode::InvalidGmina,
            ErrorCode::PhaseClosed,
            ErrorCode::AlreadyVoted,
            ErrorCode::BallotRule,
            ErrorCode::InvalidIdentity,
            ErrorCode::InvalidSmsCode,
            ErrorCode::SmsLocked,
            ErrorCode::PhoneLimit,
            ErrorCode::SmsUnavailable,
            ErrorCode::ResultsNotPublished,
            ErrorCode::AlreadyAnswered,
            ErrorCode::InvalidAnswer,
            ErrorCode::SecondFactorRequired,
            ErrorCode::SecondFactorNotEnrolled,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn the_budget_and_consultation_codes_have_their_statuses() {
        use ErrorCode::*;
        for (code, status) in [
            (PhaseClosed, 409),
            (AlreadyVoted, 409),
            (BallotRule, 400),
            (InvalidIdentity, 400),
            (InvalidSmsCode, 400),
            (SmsLocked, 429),
            (PhoneLimit, 409),
            (SmsUnavailable, 503),
            (ResultsNotPublished, 404),
            (AlreadyAnswered, 409),
            (InvalidAnswer, 400),
        ] {
            assert_eq!(code.http_status(), status, "{}", code.as_str());
        }
    }

    #[test]
    fn unknown_codes_from_newer_servers_still_parse() {
        let e: ApiError = serde_json::from_str(
            r#"{"code":"brand_new","message":{"pl":"x","en":"y"}}"#,
        )
        .unwrap();
        assert_eq!(e.code, ErrorCode::Unknown);
    }
}
