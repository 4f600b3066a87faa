//! Open311 answers in JSON or XML, written from typed records
//! ([`super::model`]), and Open311 errors (`[{code, description}]`, XML
//! `<errors><error>…`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::model::ErrorEntry;
use super::xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Splits `services.json` into (`services`, Json); `None` for another extension.
pub fn split(file: &str) -> Option<(&str, Format)> {
    if let Some(stem) = file.strip_suffix(".json") {
        Some((stem, Format::Json))
    } else {
        file.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
    }
}

/// The document's text: JSON, or XML whose root element is `root` (an
/// array's items take the name GeoReport v2 gives them under that root).
pub fn write<T: Serialize + ?Sized>(format: Format, root: &str, v: &T) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string(v).map_err(|e| e.to_string()),
        Format::Xml => xml::to_string(root, v).map_err(|e| e.to_string()),
    }
}

pub fn respond<T: Serialize + ?Sized>(status: StatusCode, format: Format, root: &str, v: &T) -> Response {
    let ct = match format {
        Format::Json => "application/json; charset=utf-8",
        Format::Xml => "text/xml; charset=utf-8",
    };
    match write(format, root, v) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
            body,
        )
            .into_response(),
        // Our records have no shape either writer refuses; this is a bug.
        Err(e) => {
            tracing::error!(error = %e, root, "an Open311 document could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An Open311 error: 400 bad input, 403 bad `api_key`, 404 unknown, and
/// (outside the spec, same shape) 429 and 500.
#[derive(Debug)]
pub struct Open311Error {
    pub status: StatusCode,
    pub description: String,
    pub format: Format,
    pub retry_after: Option<u64>,
}

impl Open311Error {
    pub fn new(status: StatusCode, description: impl Into<String>, format: Format) -> Self {
        Open311Error {
            status,
            description: description.into(),
            format,
            retry_after: None,
        }
    }
    pub fn bad(description: impl Into<String>, format: Format) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description, format)
    }
    pub fn not_found(description: impl Into<String>, format: Format) -> Self {
        Self::new(StatusCode::NOT_FOUND, description, format)
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let v = [ErrorEntry {
            code: self.status.as_u16(),
            description: &self.description,
        }];
        let mut r = respond(self.status, self.format, "errors", &v);
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}
