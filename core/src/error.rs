//! Errors in two layers (application-services' habit): [`Error`] inside
//! the core, where each module says what went wrong in its own terms
//! (SQLite, JSON, I/O, HTTP, a check the resident can fix), and the public
//! [`CoreError`] at the edge, with stable codes and the texts the resident
//! reads. One table, `From<&Error> for CoreError`, decides the mapping.
//! Neither messages nor `detail` carry personal data: serde's message quotes
//! the offending value (a draft holds contact data), so it never gets past
//! the table.

use mm_protocol::error::{ErrorCode, Message};
use serde::Serialize;

use crate::sync::client::HttpError;

/// What failed inside the core. Modules return it; [`crate::Core`] turns it
/// into a [`CoreError`] through the table below.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Our own stored JSON (or a server's answer) did not parse.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// No answer, or an error answer, from the server.
    #[error("http: {0:?}")]
    Http(HttpError),
    /// A check the resident (or the shell) can fix: a draft's missing
    /// answer, a point outside the gmina, a reversed box. Names the field.
    #[error("invalid input in {field}: {}", message.en)]
    InvalidInput { field: String, message: Message },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("invalid server url")]
    InvalidServerUrl { url: String },
    /// No gmina chosen yet: a gmina's data, and every request that belongs
    /// to one, wait for the resident's choice (`Core::choose_gmina`).
    #[error("no gmina chosen")]
    GminaNotChosen,
    /// The store file is of a newer build (the app was downgraded).
    #[error("storage: {detail}")]
    Storage { detail: String },
    #[error("internal: {detail}")]
    Internal { detail: String },
}

impl Error {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal {
            detail: detail.to_string(),
        }
    }

    /// The public code and text, as the table gives them (tests check both).
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        CoreError::from(self).code()
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> Message {
        CoreError::from(self).message()
    }

    pub(crate) fn invalid(field: &str, pl: impl Into<String>, en: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: Message::new(pl, en),
        }
    }
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Self {
        Error::Http(e)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CoreError {
    /// The server could not be reached (offline, DNS, timeout, dropped connection).
    #[error("network: {detail}")]
    Network { detail: String },
    /// The server answered with an error (`ApiError` body, or a bare status).
    #[error("server: {}: {}", code.as_str(), message.en)]
    Server {
        code: ErrorCode,
        message: Message,
        field: Option<String>,
    },
    #[error("invalid input in {field}: {}", message.en)]
    InvalidInput { field: String, message: Message },
    #[error("not found: {what}")]
    NotFound { what: String },
    /// The local database failed (an I/O error, a locked file).
    #[error("storage: {detail}")]
    Storage { detail: String },
    /// The device has no room left for the store or a photo.
    #[error("storage full: {detail}")]
    StorageFull { detail: String },
    /// The store file is damaged (or not a database at all).
    #[error("storage corrupt: {detail}")]
    StorageCorrupt { detail: String },
    #[error("invalid server url: {url}")]
    InvalidServerUrl { url: String },
    /// No gmina chosen yet (a fresh install of a deployment with several):
    /// the shells show the gmina picker.
    #[error("no gmina chosen")]
    GminaNotChosen,
    #[error("internal: {detail}")]
    Internal { detail: String },
    /// Too many wrong activation codes from this device (5 within 15
    /// minutes, `mm_protocol::taxes::activation`): try again in `minutes`.
    #[error("activation locked for {minutes} min")]
    ActivationLocked { minutes: u32 },
    /// A taxes call that needs a linked taxpayer on this device (`mm taxes
    /// link CODE` first).
    #[error("no taxpayer linked")]
    TaxesNotLinked,
    /// A budget ballot breaks the edition's rules (`mm_protocol::budget::
    /// rules::check_ballot`), found by the core before queueing it or by the
    /// server (`ballot_rule`); `field` is the ballot's (`pools[i]`,
    /// `pools[i].projects[j]`, `residence_declared`).
    #[error("ballot rule in {field:?}: {}", message.en)]
    BallotRule { field: Option<String>, message: Message },
    /// A voter's identity that does not check (`identity::normalise`, or the
    /// server's `invalid_identity`): `field` is `pesel`, `first_name`,
    /// `address.house`… — never the value.
    #[error("invalid identity in {field}: {}", message.en)]
    InvalidIdentity { field: String, message: Message },
    /// Too many wrong SMS codes for a request (`sms_locked`, 429): try again
    /// in `minutes`.
    #[error("sms locked for {minutes} min")]
    SmsLocked { minutes: u32 },
    /// No collection zone of the gmina covers the address (the server's
    /// schedule route answered 404): check the locality, street and number.
    #[error("no waste-collection zone for this address")]
    WasteAddressUnknown,
    /// A house and a block of flats at this address are collected on
    /// different days: add it again with its building type.
    #[error("the waste-collection zone depends on the building type")]
    WasteBuildingTypeNeeded,
}

impl CoreError {
    /// Stable snake_case code: shells and scripts branch on it. For
    /// `Server` it is the server's own code (`invalid_cursor`, `rate_limited`…),
    /// which is just as stable (see `mm_protocol::error::ErrorCode`).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Network { .. } => "network",
            CoreError::Server { code, .. } => code.as_str(),
            CoreError::InvalidInput { .. } => "invalid_input",
            CoreError::NotFound { .. } => "not_found",
            CoreError::Storage { .. } => "storage",
            CoreError::StorageFull { .. } => "storage_full",
            CoreError::StorageCorrupt { .. } => "storage_corrupt",
            CoreError::InvalidServerUrl { .. } => "invalid_server_url",
            CoreError::GminaNotChosen => "gmina_not_chosen",
            CoreError::Internal { .. } => "internal",
            CoreError::ActivationLocked { .. } => "activation_locked",
            CoreError::TaxesNotLinked => "taxes_not_linked",
            CoreError::BallotRule { .. } => "ballot_rule",
            CoreError::InvalidIdentity { .. } => "invalid_identity",
            CoreError::SmsLocked { .. } => "sms_locked",
            CoreError::WasteAddressUnknown => "waste_address_unknown",
            CoreError::WasteBuildingTypeNeeded => "waste_building_type_needed",
        }
    }

    /// What the resident reads, Polish first. `detail` fields stay out of it:
    /// they are for logs and may name files or hosts.
    pub fn message(&self) -> Message {
        match self {
            CoreError::Network { .. } => Message::new(
                "Brak połączenia z serwerem gminy. Spróbuj ponownie później.",
                "Cannot reach the municipality's server. Try again later.",
            ),
            CoreError::Server { message, .. } => message.clone(),
            CoreError::InvalidInput { message, .. } => message.clone(),
            CoreError::NotFound { .. } => Message::new("Nie znaleziono.", "Not found."),
            CoreError::Storage { .. } => Message::new(
                "Błąd pamięci urządzenia. Sprawdź wolne miejsce i spróbuj ponownie.",
                "The device storage failed. Check free space and try again.",
            ),
            CoreError::StorageFull { .. } => Message::new(
                "Pamięć urządzenia jest pełna: zwolnij miejsce i spróbuj ponownie.",
                "The device storage is full: free some space and try again.",
            ),
            CoreError::StorageCorrupt { .. } => Message::new(
                "Dane aplikacji na urządzeniu są uszkodzone. Wyczyść dane aplikacji; zgłoszenia wysłane do gminy nie przepadną.",
                "The app's data on this device is damaged. Clear the app's data; reports sent to the municipality are not lost.",
            ),
            CoreError::InvalidServerUrl { .. } => Message::new(
                "Nieprawidłowy adres serwera: podaj adres zaczynający się od https:// (http:// tylko dla tego urządzenia).",
                "Invalid server address: give one starting with https:// (http:// only for this device).",
            ),
            CoreError::GminaNotChosen => Message::new(
                "Wybierz swoją gminę.",
                "Choose your municipality (gmina).",
            ),
            CoreError::Internal { .. } => internal_message(),
            CoreError::ActivationLocked { minutes } => Message::new(
                format!("Zbyt wiele błędnych kodów. Spróbuj ponownie za {minutes} min."),
                format!("Too many wrong codes. Try again in {minutes} min."),
            ),
            CoreError::TaxesNotLinked => Message::new(
                "Najpierw połącz aplikację z kontem podatnika kodem aktywacyjnym z decyzji podatkowej.",
                "First link the app to a taxpayer with the activation code from the tax decision.",
            ),
            CoreError::BallotRule { message, .. } | CoreError::InvalidIdentity { message, .. } => message.clone(),
            CoreError::SmsLocked { minutes } => Message::new(
                format!("Zbyt wiele błędnych kodów SMS. Spróbuj ponownie za {minutes} min."),
                format!("Too many wrong SMS codes. Try again in {minutes} min."),
            ),
            CoreError::WasteAddressUnknown => Message::new(
                "Gmina nie ma harmonogramu odbioru odpadów dla tego adresu. Sprawdź miejscowość, ulicę i numer.",
                "The municipality has no waste-collection schedule for this address. Check the locality, street and number.",
            ),
            CoreError::WasteBuildingTypeNeeded => Message::new(
                "Pod tym adresem domy i bloki mają różne terminy odbioru: podaj rodzaj zabudowy (jednorodzinna czy wielorodzinna).",
                "Houses and blocks of flats at this address are collected on different days: say which it is.",
            ),
        }
    }

    /// An error the server's table would give, raised by the core before
    /// asking (a malformed activation code, payments off in this gmina).
    pub(crate) fn server(code: ErrorCode, pl: impl Into<String>, en: impl Into<String>) -> Self {
        CoreError::Server { code, message: Message::new(pl, en), field: None }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        CoreError::NotFound { what: what.into() }
    }
}

impl CoreError {
    /// A calendar day a shell sent that is not `YYYY-MM-DD`.
    pub fn invalid_day(field: &str) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            message: Message::new("Nieprawidłowa data: oczekiwano RRRR-MM-DD.", "Invalid date: expected YYYY-MM-DD."),
        }
    }

    /// An instant a shell sent that is out of range.
    pub fn invalid_instant(field: &str) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            message: Message::new("Nieprawidłowy czas.", "Invalid time."),
        }
    }
}

/// "Something unexpected failed", for a failure that reached the shell
/// without a `CoreError` (a panic across the boundary).
pub fn internal_message() -> Message {
    Message::new(
        "Wystąpił nieoczekiwany błąd aplikacji.",
        "An unexpected error occurred in the app.",
    )
}

/// The one table from the inner error to the public one.
impl From<&Error> for CoreError {
    fn from(e: &Error) -> Self {
        match e {
            Error::Sqlite(e) => sqlite(e),
            Error::Json(e) => CoreError::Internal {
                // serde's Display quotes the value it choked on: only the
                // kind and the position go out.
                detail: format!("json: {:?} error at line {} column {}", e.classify(), e.line(), e.column()),
            },
            Error::Io(e) => io(e),
            Error::Http(e) => http(e),
            Error::InvalidInput { field, message } => CoreError::InvalidInput {
                field: field.clone(),
                message: message.clone(),
            },
            Error::NotFound { what } => CoreError::NotFound { what: what.clone() },
            Error::InvalidServerUrl { url } => CoreError::InvalidServerUrl { url: url.clone() },
            Error::GminaNotChosen => CoreError::GminaNotChosen,
            Error::Storage { detail } => CoreError::Storage { detail: detail.clone() },
            Error::Internal { detail } => CoreError::Internal { detail: detail.clone() },
        }
    }
}

impl From<Error> for CoreError {
    fn from(e: Error) -> Self {
        CoreError::from(&e)
    }
}

fn sqlite(e: &rusqlite::Error) -> CoreError {
    use rusqlite::ErrorCode as Code;
    let detail = e.to_string();
    match e.sqlite_error_code() {
        Some(Code::DiskFull) => CoreError::StorageFull { detail },
        Some(Code::DatabaseCorrupt | Code::NotADatabase) => CoreError::StorageCorrupt { detail },
        // A value of the wrong type in our own table: a bug, not the disk.
        None if matches!(e, rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..)) => {
            CoreError::Internal { detail }
        }
        _ => CoreError::Storage { detail },
    }
}

fn io(e: &std::io::Error) -> CoreError {
    // ENOSPC (28) and EDQUOT (122 on Linux, 69 on Apple): no room left.
    let full = e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(28));
    // The kind and the OS code, not the text: an I/O message can name a path.
    let detail = match e.raw_os_error() {
        Some(code) => format!("{:?} (os error {code})", e.kind()),
        None => format!("{:?}", e.kind()),
    };
    if full {
        CoreError::StorageFull { detail }
    } else {
        CoreError::Storage { detail }
    }
}

fn http(e: &HttpError) -> CoreError {
    match e {
        HttpError::Throttled { api, retry_after_secs } => match api {
            Some(api) if api.code == ErrorCode::ActivationLocked => CoreError::ActivationLocked {
                minutes: retry_after_secs
                    .map(|s| s.div_ceil(60).max(1) as u32)
                    .unwrap_or(mm_protocol::taxes::activation::LOCK_MINUTES as u32),
            },
            // Without Retry-After: the SMS code's own lifetime (10 min).
            Some(api) if api.code == ErrorCode::SmsLocked => CoreError::SmsLocked {
                minutes: retry_after_secs.map(|s| s.div_ceil(60).max(1) as u32).unwrap_or(10),
            },
            Some(api) => CoreError::Server { code: api.code, message: api.message.clone(), field: api.field.clone() },
            None => http(&HttpError::Status { status: 429, api: None }),
        },
        HttpError::Network(detail) => CoreError::Network { detail: detail.clone() },
        HttpError::Status { api: Some(api), .. } if api.code == ErrorCode::BallotRule => {
            CoreError::BallotRule { field: api.field.clone(), message: api.message.clone() }
        }
        HttpError::Status { api: Some(api), .. } if api.code == ErrorCode::InvalidIdentity => CoreError::InvalidIdentity {
            field: api.field.clone().unwrap_or_else(|| "identity".into()),
            message: api.message.clone(),
        },
        HttpError::Status { api: Some(api), .. } => CoreError::Server {
            code: api.code,
            message: api.message.clone(),
            field: api.field.clone(),
        },
        HttpError::Status { status, api: None } => {
            let status = *status;
            let code = match status {
                400 => ErrorCode::InvalidQuery,
                401 => ErrorCode::Unauthorized,
                403 => ErrorCode::Forbidden,
                404 => ErrorCode::NotFound,
                405 => ErrorCode::MethodNotAllowed,
                409 => ErrorCode::Conflict,
                413 => ErrorCode::PayloadTooLarge,
                415 => ErrorCode::UnsupportedMediaType,
                429 => ErrorCode::RateLimited,
                503 => ErrorCode::Unavailable,
                500..=599 => ErrorCode::Internal,
                _ => ErrorCode::Unknown,
            };
            CoreError::Server {
                code,
                message: Message::new(
                    format!("Serwer gminy odpowiedział błędem (HTTP {status})."),
                    format!("The municipality's server answered with an error (HTTP {status})."),
                ),
                field: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case() {
        let m = Message::new("a", "b");
        let cases = [
            (CoreError::Network { detail: "x".into() }, "network"),
            (
                CoreError::Server {
                    code: ErrorCode::InvalidCursor,
                    message: m.clone(),
                    field: None,
                },
                "invalid_cursor",
            ),
            (
                CoreError::InvalidInput {
                    field: "f".into(),
                    message: m.clone(),
                },
                "invalid_input",
            ),
            (
                CoreError::NotFound {
                    what: "news 1".into(),
                },
                "not_found",
            ),
            (
                CoreError::Storage {
                    detail: "disk".into(),
                },
                "storage",
            ),
            (CoreError::StorageFull { detail: "disk".into() }, "storage_full"),
            (CoreError::StorageCorrupt { detail: "file".into() }, "storage_corrupt"),
            (
                CoreError::InvalidServerUrl {
                    url: "ftp://x".into(),
                },
                "invalid_server_url",
            ),
            (CoreError::GminaNotChosen, "gmina_not_chosen"),
            (CoreError::BallotRule { field: Some("pools[0]".into()), message: m.clone() }, "ballot_rule"),
            (CoreError::InvalidIdentity { field: "pesel".into(), message: m.clone() }, "invalid_identity"),
            (CoreError::SmsLocked { minutes: 10 }, "sms_locked"),
            (CoreError::WasteAddressUnknown, "waste_address_unknown"),
            (CoreError::WasteBuildingTypeNeeded, "waste_building_type_needed"),
            (
                CoreError::Internal {
                    detail: "bug".into(),
                },
                "internal",
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            let msg = e.message();
            assert!(!msg.pl.is_empty() && !msg.en.is_empty());
        }
    }

    #[test]
    fn messages_never_leak_details() {
        let e = CoreError::Storage {
            detail: "/home/jan.kowalski/db: disk I/O error".into(),
        };
        assert!(!e.message().pl.contains("kowalski"));
        assert!(!e.message().en.contains("kowalski"));
        let e = CoreError::Network {
            detail: "10.1.2.3 refused".into(),
        };
        assert!(!e.message().en.contains("10.1.2.3"));

        // `detail` too: a draft's contact data that failed to parse, and an
        // I/O error on a file named after the resident, stay out of it.
        let secret = "jan.kowalski@example.pl";
        let json = serde_json::from_str::<Vec<u32>>(&format!("[\"{secret}\"]")).unwrap_err();
        assert!(json.to_string().contains(secret), "serde quotes the value");
        let e = CoreError::from(Error::Json(json));
        assert_eq!(e.code(), "internal");
        let CoreError::Internal { detail } = &e else { panic!("{e:?}") };
        assert!(!detail.contains(secret) && !detail.contains("kowalski"), "{detail}");
        assert!(!e.to_string().contains(secret));
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "/data/jan.kowalski/photo.jpg");
        let e = CoreError::from(Error::Io(io));
        let CoreError::Storage { detail } = &e else { panic!("{e:?}") };
        assert!(!detail.contains("kowalski"), "{detail}");
    }

    fn sqlite_failure(code: i32) -> Error {
        Error::Sqlite(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    #[test]
    fn disk_full_and_a_corrupt_database_are_told_apart() {
        let full = CoreError::from(sqlite_failure(rusqlite::ffi::SQLITE_FULL));
        let corrupt = CoreError::from(sqlite_failure(rusqlite::ffi::SQLITE_CORRUPT));
        let not_db = CoreError::from(sqlite_failure(rusqlite::ffi::SQLITE_NOTADB));
        let other = CoreError::from(sqlite_failure(rusqlite::ffi::SQLITE_IOERR));
        assert_eq!(full.code(), "storage_full");
        assert!(full.message().pl.contains("zwolnij miejsce"), "{}", full.message().pl);
        assert_eq!((corrupt.code(), not_db.code()), ("storage_corrupt", "storage_corrupt"));
        assert!(corrupt.message().pl.contains("uszkodzone"));
        assert_ne!(full.message(), corrupt.message());
        assert_eq!(other.code(), "storage");
        let enospc = CoreError::from(Error::Io(std::io::Error::from_raw_os_error(28)));
        assert_eq!(enospc.code(), "storage_full");
    }

    #[test]
    fn the_table_keeps_fields_and_server_texts() {
        let e = CoreError::from(Error::invalid("point", "Poza gminą.", "Outside."));
        assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "point"));
        let e = CoreError::from(Error::Http(HttpError::Status { status: 503, api: None }));
        assert_eq!(e.code(), "unavailable");
        let e = CoreError::from(Error::Http(HttpError::Network("refused".into())));
        assert_eq!(e.code(), "network");
        assert_eq!(CoreError::from(Error::not_found("news 1")).code(), "not_found");
    }

    #[test]
    fn server_errors_pass_the_servers_message_through() {
        let e = CoreError::Server {
            code: ErrorCode::InvalidField,
            message: Message::new("Zła wersja.", "Bad version."),
            field: Some("app_version".into()),
        };
        assert_eq!(e.message().pl, "Zła wersja.");
    }
}
