//! Small helpers the templates' handlers share: inline JSON that cannot
//! leave its `<script>` element, query-value encoding, the error page
//! outside a handler (extractors, the header layer).

use axum::http::StatusCode;
use axum::response::Response;

use super::session::Staff;
use super::view::error_response;
pub use super::view::Lang;

/// JSON for a `<script type="application/json">` block. `<`, `>` and `&`
/// become `\u003c`, `\u003e` and `\u0026`, so no text can close the
/// element (`</script>`) or switch the HTML parser into its escaped states
/// (`<!--`, HTML §13.2.5.4); U+2028 and U+2029 become `\u2028` and
/// `\u2029` for older JavaScript parsers. These characters only ever occur
/// inside JSON strings, where the escapes mean the same characters.
pub fn json_for_script(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn qenc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A page with a status: 403, 404, 409, 400.
pub fn error_page(status: StatusCode, lang: Lang, staff: Option<&Staff>, msg: &str) -> Response {
    error_response(status, lang, staff, msg)
}
