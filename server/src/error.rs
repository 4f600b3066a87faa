//! The HTTP edge of every error: an [`AppError`] becomes the wire's
//! `ApiError` JSON with the status its code goes with. Internal details are
//! logged, never sent (they could carry personal data): the response
//! carries its cause as an extension, and [`log_app_errors`] logs it inside
//! the request's span (axum's `error-handling` example), so converting an
//! error never logs as a side effect.

use std::sync::Arc;

use axum::extract::Request;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mm_protocol::budget::identity::IdentityError;
use mm_protocol::budget::model::{BallotInput, SettingsError};
use mm_protocol::budget::rules::BallotError;
use mm_protocol::error::{ApiError, ErrorCode, Message};
use mm_protocol::validation::FieldError;

use crate::admin::view::local;
use crate::store::budget::Deciding;
use crate::store::{Conflict, StoreError};

/// A failed request, ready to be answered: what the client reads, and the
/// internal cause (for the log only) when there is one.
#[derive(Debug)]
pub struct AppError(pub ApiError, Option<Cause>);

/// The internal cause of an error answer, put into the response's
/// extensions for [`log_app_errors`].
#[derive(Debug, Clone)]
pub struct Cause(pub Arc<StoreError>);

pub type ApiResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, pl: impl Into<String>, en: impl Into<String>) -> Self {
        AppError(ApiError::new(code, Message::new(pl, en)), None)
    }

    /// The answer alone, for an edge that renders it its own way (a page,
    /// Open311's format); the cause, dropped here, is logged first.
    pub fn into_api(self) -> ApiError {
        if let Some(Cause(e)) = &self.1 {
            tracing::error!(error = %e, "storage failed");
        }
        self.0
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

    /// 503 with Retry-After: the server sheds a request it has no turn
    /// for (`--max-in-flight`). The code is `unavailable`, which the core
    /// already retries from its outbox.
    pub fn overloaded(retry_after_secs: u32) -> Response {
        let mut r = Self::new(
            ErrorCode::Unavailable,
            "Serwer jest chwilowo przeciążony. Nic nie zostało zmienione; spróbuj ponownie za chwilę.",
            "The server is overloaded for the moment. Nothing was changed; try again shortly.",
        )
        .into_response();
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
        r
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
        let mut response = (status, axum::Json(self.0)).into_response();
        if let Some(cause) = self.1 {
            response.extensions_mut().insert(cause);
        }
        response
    }
}

/// Logs the cause of every error answer that has one, in the request's
/// span (the layer sits inside `TraceLayer`).
pub async fn log_app_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(Cause(e)) = response.extensions().get::<Cause>() {
        tracing::error!(error = %e, "storage failed");
    }
    response
}

/// The participatory budget's and the consultations' answers (issue 15;
/// codes and statuses in `mm_protocol::error::ErrorCode`).
impl AppError {
    pub fn phase_closed() -> Self {
        Self::new(
            ErrorCode::PhaseClosed,
            "Ten etap jest zamknięty: sprawdź daty w harmonogramie.",
            "This phase is closed: check the dates in the timetable.",
        )
    }

    /// One answer for every channel: the voter learns no more than that a
    /// ballot of this identity exists.
    pub fn already_voted() -> Self {
        Self::new(
            ErrorCode::AlreadyVoted,
            "Głos tej osoby w tej edycji budżetu został już oddany.",
            "This person has already voted in this budget edition.",
        )
    }

    /// A ballot that breaks the edition's rules; an unknown pool or project
    /// is `not_found` (the plan's order of checks), the rest `ballot_rule`.
    /// The field is the ballot's position (`pools[i].projects[j]`).
    pub fn ballot_rule(e: &BallotError, ballot: &BallotInput) -> Self {
        let code = match e {
            BallotError::UnknownPool { .. } | BallotError::UnknownProject { .. } => ErrorCode::NotFound,
            _ => ErrorCode::BallotRule,
        };
        let m = e.message();
        let err = Self::new(code, m.pl, m.en);
        match e.field(ballot) {
            Some(f) => err.with_field(f),
            None => err,
        }
    }

    pub fn invalid_sms_code() -> Self {
        Self::new(
            ErrorCode::InvalidSmsCode,
            "Nieprawidłowy lub nieważny kod SMS. Sprawdź go albo poproś o nowy.",
            "The SMS code is wrong or has expired. Check it or ask for a new one.",
        )
    }

    /// 429 with Retry-After (as the tax activation's lock).
    pub fn sms_locked(retry_after_secs: i64) -> Response {
        let mut r = Self::new(
            ErrorCode::SmsLocked,
            "Za dużo błędnych kodów SMS. Poproś o nowy kod za kilka minut.",
            "Too many wrong SMS codes. Ask for a new code in a few minutes.",
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }

    pub fn phone_limit() -> Self {
        Self::new(
            ErrorCode::PhoneLimit,
            "Tym numerem telefonu potwierdzono już największą dozwoloną liczbę głosów.",
            "This phone number has already confirmed as many votes as allowed.",
        )
        .with_field("phone")
    }

    pub fn sms_unavailable() -> Self {
        Self::new(
            ErrorCode::SmsUnavailable,
            "Nie można teraz wysłać kodu SMS. Spróbuj później albo zagłosuj w urzędzie. Nic nie zostało zapisane.",
            "The SMS code cannot be sent now. Try later or vote at the office. Nothing was stored.",
        )
    }

    pub fn results_not_published() -> Self {
        Self::new(
            ErrorCode::ResultsNotPublished,
            "Wyniki tej edycji nie zostały jeszcze opublikowane.",
            "This edition's results are not published yet.",
        )
    }

    pub fn already_answered() -> Self {
        Self::new(
            ErrorCode::AlreadyAnswered,
            "W tej konsultacji już udzielono odpowiedzi.",
            "This consultation has already been answered.",
        )
    }

    /// `field` = `questions[i]`; the consultation's rules word the reason.
    pub fn invalid_answer(field: impl Into<String>, message: Message) -> Self {
        Self::new(ErrorCode::InvalidAnswer, message.pl, message.en).with_field(field)
    }
}

/// The field only, never the value typed (personal data).
impl From<IdentityError> for AppError {
    fn from(e: IdentityError) -> Self {
        let m = e.message();
        AppError::new(ErrorCode::InvalidIdentity, m.pl, m.en).with_field(e.field)
    }
}

/// An edition's settings an official cannot save (`validate_settings`).
impl From<SettingsError> for AppError {
    fn from(e: SettingsError) -> Self {
        let m = e.message();
        AppError::new(ErrorCode::InvalidField, m.pl, m.en).with_field(e.field)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError(e.into(), None)
    }
}

/// What a stored-data conflict tells the user (the store names it; the
/// edge words it).
impl Conflict {
    pub fn message(self) -> Message {
        let (pl, en) = match self {
            // Dates in Warsaw time, as the edition's form shows them.
            Conflict::DecisionClosed { decision, until } => {
                let (pl, en) = match decision {
                    Deciding::Verification => (
                        "Weryfikacja projektów tej edycji zakończyła się",
                        "The verification of this edition's projects ended on",
                    ),
                    Deciding::Appeal => (
                        "Odwołania można było rozpatrywać do rozpoczęcia głosowania:",
                        "Appeals could be decided until the vote opened:",
                    ),
                };
                let until = local(until);
                return Message::new(format!("{pl} {until}."), format!("{en} {until}."));
            }
            Conflict::CategoryExists => {
                ("Kategoria o tym identyfikatorze już istnieje.", "A category with this id already exists.")
            }
            Conflict::LoginTaken => ("Konto o tym loginie już istnieje.", "An account with this login already exists."),
            Conflict::DepartmentExists => {
                ("Wydział o tej nazwie już istnieje.", "A department with this name already exists.")
            }
            Conflict::OsmIdTaken => ("Inne miejsce ma już ten identyfikator OSM.", "Another place already has this OSM id."),
            Conflict::NotAssignable => (
                "Tej osobie nie można przypisać zgłoszenia: przypisz dyspozytora albo urzędnika wydziału zgłoszenia.",
                "This person cannot take the report: assign a dispatcher or an official of the report's department.",
            ),
            Conflict::GminaExists => {
                ("Gmina o tym kodzie TERYT już jest w systemie.", "A gmina with this TERYT code already exists.")
            }
            Conflict::EditionLocked => (
                "Głosowanie w tej edycji już się rozpoczęło: jej ustawień, dat i pul nie można zmienić.",
                "Voting in this edition has started: its settings, dates and pools cannot change.",
            ),
            Conflict::PhaseClosed => (
                "Ten etap budżetu obywatelskiego jest zamknięty albo jeszcze się nie rozpoczął.",
                "This phase of the participatory budget is closed or has not started yet.",
            ),
            Conflict::AlreadySigned => (
                "Ta osoba już poparła ten projekt.",
                "This person has already signed support for this project.",
            ),
            Conflict::ProjectStatus => (
                "Obecny status projektu nie pozwala na tę zmianę.",
                "The project's current status does not allow this change.",
            ),
            Conflict::NotEnoughSignatures => (
                "Projekt nie ma wymaganej liczby podpisów poparcia (art. 5a ust. 7 pkt 1 ustawy o samorządzie gminnym).",
                "The project lacks the required support signatures (art. 5a(7)(1) of the Act on gmina self-government).",
            ),
            Conflict::LotDrawn => (
                "Losowanie kolejności dla tej puli już się odbyło.",
                "The lot for this pool has already been drawn.",
            ),
            Conflict::NotCounted => (
                "Nie wszystkie pule tej edycji zostały policzone.",
                "Not every pool of this edition has been counted.",
            ),
            Conflict::ResultsPublished => (
                "Wyniki tej edycji zostały już opublikowane.",
                "The results of this edition have already been published.",
            ),
            Conflict::AlreadyAnswered => (
                "W tej konsultacji już udzielono odpowiedzi.",
                "This consultation has already been answered.",
            ),
            Conflict::ConsultationClosed => (
                "Ta konsultacja nie przyjmuje teraz odpowiedzi: sprawdź jej daty.",
                "This consultation does not accept answers now: check its dates.",
            ),
            Conflict::ConsultationLocked => (
                "Ta konsultacja ma już odpowiedzi: jej pytań i ustawień nie można zmienić.",
                "This consultation already has answers: its questions and settings cannot change.",
            ),
            Conflict::ConsultationStatus => (
                "Obecny status konsultacji nie pozwala na tę zmianę.",
                "The consultation's current status does not allow this change.",
            ),
        };
        Message::new(pl, en)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict(c) => {
                let m = c.message();
                AppError::new(ErrorCode::Conflict, m.pl, m.en)
            }
            StoreError::Workflow(w) => {
                let m = w.message();
                let e = AppError::new(w.code(), m.pl, m.en);
                match w.field() {
                    Some(f) => e.with_field(f),
                    None => e,
                }
            }
            StoreError::UnknownReference { field } => AppError::new(
                ErrorCode::InvalidField,
                "Wskazany obiekt nie istnieje.",
                format!("The referenced {field} does not exist."),
            )
            .with_field(field),
            StoreError::IdempotencyConflict => AppError::new(
                ErrorCode::IdempotencyConflict,
                "Ten klucz idempotencji użyto już dla innego żądania.",
                "This Idempotency-Key was already used for another request.",
            ),
            other @ StoreError::Backend(_) => {
                let mut e = AppError::internal();
                e.1 = Some(Cause(Arc::new(other)));
                e
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

/// `Query<T>` whose rejection is an [`AppError`]. The `gmina` parameter
/// belongs to the request's routing (`tenant`), not to the endpoint, so it
/// is taken out first: an endpoint that refuses unknown parameters still
/// takes `?gmina=`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        let names_gmina = form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == mm_protocol::gmina::GMINA_QUERY);
        if !names_gmina {
            let axum::extract::Query(v) = axum::extract::Query::try_from_uri(&parts.uri)?;
            return Ok(Query(v));
        }
        let endpoints: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .filter(|(k, _)| k != mm_protocol::gmina::GMINA_QUERY)
            .collect();
        let rest = form_urlencoded::Serializer::new(String::new()).extend_pairs(endpoints).finish();
        let uri: axum::http::Uri = format!("/?{rest}").parse().map_err(|_| AppError::invalid_query("query", "Unreadable query."))?;
        let axum::extract::Query(v) = axum::extract::Query::try_from_uri(&uri)?;
        Ok(Query(v))
    }
}

/// `Path<T>` whose rejection is an [`AppError`] (a malformed id is an unknown one).
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;
    use mm_protocol::budget::model::{Choice, IdentityInput, PoolChoice};

    fn ballot() -> BallotInput {
        BallotInput {
            identity: IdentityInput::default(),
            sms: None,
            residence_declared: true,
            pools: vec![PoolChoice { pool: 4, projects: vec![Choice { project: 40, points: None }, Choice { project: 99, points: None }] }],
        }
    }

    #[test]
    fn an_unknown_project_is_not_found_and_a_broken_rule_is_ballot_rule() {
        let e = AppError::ballot_rule(&BallotError::UnknownProject { pool: 4, index: 1 }, &ballot());
        assert_eq!((e.code(), e.0.field.as_deref()), (ErrorCode::NotFound, Some("pools[0].projects[1]")));
        let e = AppError::ballot_rule(&BallotError::TooMany { pool: 4, max: 1 }, &ballot());
        assert_eq!((e.code(), e.0.field.as_deref()), (ErrorCode::BallotRule, Some("pools[0]")));
        assert_eq!(e.code().http_status(), 400);
    }

    #[test]
    fn an_identity_error_names_the_field_only() {
        let e: AppError = IdentityError { field: "pesel" }.into();
        assert_eq!((e.code(), e.0.field.as_deref()), (ErrorCode::InvalidIdentity, Some("pesel")));
    }

    #[test]
    fn the_sms_lock_says_when_to_retry() {
        let r = AppError::sms_locked(90);
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "90");
    }
}
