//! The HTTP edge of every error: an [`AppError`] becomes the wire's
//! `ApiError` JSON with the status its code goes with. Internal details are
//! logged, never sent (they could carry personal data).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mm_protocol::error::{ApiError, ErrorCode, Message};
use mm_protocol::validation::FieldError;

use crate::store::StoreError;

/// A failed request, ready to be answered.
#[derive(Debug)]
pub struct AppError(pub ApiError);

pub type ApiResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, pl: impl Into<String>, en: impl Into<String>) -> Self {
        AppError(ApiError::new(code, Message::new(pl, en)))
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Nie znaleziono.", "Not found.")
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "Zaloguj się, aby to zrobić.",
            "Sign in to do this.",
        )
    }

    pub fn token_expired() -> Self {
        Self::new(
            ErrorCode::TokenExpired,
            "Sesja wygasła. Zaloguj się ponownie.",
            "The session has expired. Sign in again.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Nie masz uprawnień do tej operacji.",
            "Your role may not do this.",
        )
    }

    pub fn invalid_query(field: &str, en: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::InvalidQuery,
            "Nieprawidłowy parametr zapytania.",
            en,
        )
        .with_field(field)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "Wystąpił błąd serwera. Nic nie zostało zmienione.",
            "The server failed. Nothing was changed.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "Usługa jest chwilowo niedostępna.",
            "The service is temporarily unavailable.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            "Ta metoda nie jest obsługiwana pod tym adresem.",
            "This method is not allowed here.",
        )
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            ErrorCode::PayloadTooLarge,
            "Treść żądania jest za duża (maksymalnie 1 MiB).",
            "The request body is too large (at most 1 MiB).",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.0)).into_response()
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict { pl, en } => AppError::new(ErrorCode::Conflict, pl, en),
            StoreError::UnknownReference { field } => AppError::new(
                ErrorCode::InvalidField,
                "Wskazany obiekt nie istnieje.",
                format!("The referenced {field} does not exist."),
            )
            .with_field(field),
            StoreError::Invalid(e) => AppError::from(e),
            StoreError::IdempotencyConflict => AppError::new(
                ErrorCode::IdempotencyConflict,
                "Ten klucz idempotencji użyto już dla innego żądania.",
                "This Idempotency-Key was already used for another request.",
            ),
            other => {
                tracing::error!(error = %other, "storage failed");
                AppError::internal()
            }
        }
    }
}

/// axum rejects a body before the handler runs; answer in our format.
/// The 1 MiB limit surfaces here as a failed body read with status 413.
impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match &r {
            JsonRejection::MissingJsonContentType(_) => AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Wyślij treść jako application/json.",
                "Send the body as application/json.",
            ),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::payload_too_large()
            }
            JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => AppError::new(
                ErrorCode::MalformedJson,
                "Nieprawidłowy JSON w treści żądania.",
                // body_text names the path and the reason, e.g. "title: invalid type".
                format!("Malformed JSON: {}", r.body_text()),
            ),
            _ => AppError::new(
                ErrorCode::MalformedJson,
                "Nie udało się odczytać treści żądania.",
                format!("Could not read the body: {}", r.body_text()),
            ),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::new(
            ErrorCode::InvalidQuery,
            "Nieprawidłowe parametry zapytania.",
            format!("Invalid query: {}", r.body_text()),
        )
    }
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::not_found()
    }
}

/// `Json<T>` whose rejection is an [`AppError`].
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Query<T>` whose rejection is an [`AppError`].
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// `Path<T>` whose rejection is an [`AppError`] (a malformed id is an unknown one).
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);
