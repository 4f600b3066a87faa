//! Open311 answers in JSON or XML from one `serde_json::Value`, and
//! Open311 errors (`[{code, description}]`, XML `<errors><error>…`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::validation::is_xml_char;
use serde_json::{Value, json};

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

/// Element names of list items inside a parent (GeoReport v2's XML).
fn item_name(parent: &str) -> &'static str {
    match parent {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "services" => "service",
        "errors" => "error",
        _ => "request",
    }
}

/// Escapes text for element content. A character outside XML 1.0's `Char`
/// production cannot be written at all, not even as a character
/// reference, so it is dropped: stored text from before the edge refused
/// it must not make the whole feed malformed for every consumer.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !is_xml_char(c) => {}
            c => out.push(c),
        }
    }
}

fn element(name: &str, v: &Value, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => escape(s, out),
        Value::Array(items) => {
            let child = item_name(name);
            for i in items {
                element(child, i, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                element(k, v, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// The document: `root` holds the value (an array's items take the name
/// GeoReport v2 gives them under that root).
pub fn xml(root: &str, v: &Value) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    element(root, v, &mut out);
    out
}

pub fn respond(status: StatusCode, format: Format, root: &str, v: &Value) -> Response {
    let (ct, body) = match format {
        Format::Json => ("application/json; charset=utf-8", v.to_string()),
        Format::Xml => ("text/xml; charset=utf-8", xml(root, v)),
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
        body,
    )
        .into_response()
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
        let v = json!([{"code": self.status.as_u16(), "description": self.description}]);
        let mut r = respond(self.status, self.format, "errors", &v);
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_names_list_items_and_escapes() {
        let v = json!([{"code": 400, "description": "a < b & c"}]);
        assert_eq!(
            xml("errors", &v),
            r#"<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code><description>a &lt; b &amp; c</description></error></errors>"#
        );
    }

    #[test]
    fn characters_outside_the_xml_char_production_are_dropped() {
        let v = json!({"description": "a\u{FFFE}b\u{FFFF}c\u{1}d\te\u{FFFD}"});
        assert_eq!(
            xml("request", &v),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><request><description>abcd\te\u{FFFD}</description></request>"
        );
    }
}
