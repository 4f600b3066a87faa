//! The one public error type. Module errors convert into it at the edge;
//! it decides what the resident reads. Messages carry no personal data.

use mm_protocol::error::{ErrorCode, Message};
use serde::Serialize;

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
    /// The local database failed (disk full, corrupt file).
    #[error("storage: {detail}")]
    Storage { detail: String },
    #[error("invalid server url: {url}")]
    InvalidServerUrl { url: String },
    #[error("internal: {detail}")]
    Internal { detail: String },
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
            CoreError::InvalidServerUrl { .. } => "invalid_server_url",
            CoreError::Internal { .. } => "internal",
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
            CoreError::InvalidServerUrl { .. } => Message::new(
                "Nieprawidłowy adres serwera: podaj adres zaczynający się od http:// lub https://.",
                "Invalid server address: give one starting with http:// or https://.",
            ),
            CoreError::Internal { .. } => Message::new(
                "Wystąpił nieoczekiwany błąd aplikacji.",
                "An unexpected error occurred in the app.",
            ),
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        CoreError::NotFound { what: what.into() }
    }

    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        CoreError::Internal {
            detail: detail.to_string(),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Storage {
            detail: e.to_string(),
        }
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        // Our own stored JSON failed to parse: a bug, not the resident's problem.
        CoreError::Internal {
            detail: format!("json: {e}"),
        }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Storage {
            detail: e.to_string(),
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
            (
                CoreError::InvalidServerUrl {
                    url: "ftp://x".into(),
                },
                "invalid_server_url",
            ),
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
