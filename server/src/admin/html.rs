//! The helpers of pages whose body is still built by hand: the EZD page
//! (`ezd/admin.rs`) until the job queue's `/admin/jobs` page replaces it.
//! Their frame and error page come from the same templates as every other
//! page ([`super::view`]); new pages use templates, not these.

use askama::Template;
use askama::filters::Escaper;
use axum::http::StatusCode;
use axum::response::{Html, Response};

use super::session::Staff;
use super::view::{Choice, PageCtx, choices, error_response};
pub use super::view::Lang;

/// Escapes text for HTML element content and quoted attribute values, as
/// the templates do.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = super::view::Html.write_escaped_str(&mut out, s);
    out
}

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

#[derive(Template)]
#[template(path = "admin/legacy.html")]
struct LegacyPage<'a> {
    ctx: PageCtx<'a>,
    body: &'a str,
}

/// A whole page around a body its caller built and escaped. `staff` =
/// None for the sign-in and public pages.
pub fn page(lang: Lang, title: &str, staff: Option<&Staff>, path: &str, body: &str) -> Html<String> {
    let ctx = PageCtx { lang, staff, path: path.into(), title: title.into(), wide: false };
    Html(LegacyPage { ctx, body }.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page failed to render");
        String::from("Błąd / Error")
    }))
}

/// A page with a status: 403, 404, 409, 400.
pub fn error_page(status: StatusCode, lang: Lang, staff: Option<&Staff>, msg: &str) -> Response {
    error_response(status, lang, staff, msg)
}

#[derive(Template)]
#[template(path = "admin/legacy_options.html")]
struct LegacyOptions {
    items: Vec<Choice>,
}

/// `<option>`s with one selected.
pub fn options(items: &[(String, String)], selected: &str) -> String {
    LegacyOptions { items: choices(items.iter().cloned(), selected) }.render().unwrap_or_default()
}
