//! HTML building blocks: escaping, the page frame (skip link, navigation,
//! language switch), Polish first with an English switch.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::session::Staff;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Pl,
    En,
}

impl Lang {
    /// Polish or English text, by the official's choice.
    pub fn t<'a>(self, pl: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Pl => pl,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    pub fn from_headers(h: &axum::http::HeaderMap) -> Lang {
        match super::session::cookie(h, super::session::LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Pl,
        }
    }
}

/// A whole page. `staff` = None for the sign-in and public pages.
pub fn page(lang: Lang, title: &str, staff: Option<&Staff>, path: &str, body: &str) -> Html<String> {
    let t = |pl, en| lang.t(pl, en);
    let mut nav = String::new();
    if let Some(s) = staff {
        let mut links: Vec<(&str, &str)> = Vec::new();
        if s.can_triage() {
            links.push(("/admin/reports", t("Zgłoszenia", "Reports")));
            links.push(("/admin/map", t("Mapa", "Map")));
        }
        if s.role.can_publish() {
            links.push(("/admin/news", t("Aktualności", "News")));
            links.push(("/admin/events", t("Wydarzenia", "Events")));
        }
        if s.is_admin() {
            links.push(("/admin/departments", t("Wydziały", "Departments")));
            links.push(("/admin/audit", t("Dziennik zdarzeń", "Audit log")));
            links.push(("/admin/categories", t("Kategorie", "Categories")));
            links.push(("/admin/accounts", t("Konta", "Accounts")));
            links.push(("/admin/settings", t("Ustawienia", "Settings")));
        }
        links.push(("/admin/password", t("Zmiana hasła", "Change password")));
        nav.push_str(&format!(
            r#"<nav aria-label="{}"><ul>"#,
            t("Menu główne", "Main menu")
        ));
        for (href, label) in links {
            let current = if path.starts_with(href) { r#" aria-current="page""# } else { "" };
            nav.push_str(&format!(r#"<li><a href="{href}"{current}>{label}</a></li>"#));
        }
        nav.push_str("</ul></nav>");
        nav.push_str(&format!(
            r#"<form method="post" action="/admin/logout" class="inline"><input type="hidden" name="csrf" value="{}"><span class="who">{} ({})</span> <button type="submit">{}</button></form>"#,
            s.csrf,
            esc(&s.login),
            s.role.as_str(),
            t("Wyloguj", "Sign out")
        ));
    }
    let (other, other_label) = match lang {
        Lang::Pl => ("en", "English"),
        Lang::En => ("pl", "Polski"),
    };
    Html(format!(
        r##"<!doctype html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · mMieszkaniec</title>
<link rel="stylesheet" href="/admin/assets/admin.css">
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header>
<p class="brand"><a href="/admin">mMieszkaniec</a></p>
{nav}
<p class="lang"><a href="/admin/lang?to={other}&amp;back={back}" lang="{other}">{other_label}</a></p>
</header>
<main id="main" tabindex="-1">
<h1>{title}</h1>
{body}
</main>
</body>
</html>"##,
        code = lang.code(),
        title = esc(title),
        skip = t("Przejdź do treści", "Skip to content"),
        back = qenc(path),
    ))
}

/// A page with a status: 403, 404, 409, 400.
pub fn error_page(status: StatusCode, lang: Lang, staff: Option<&Staff>, msg: &str) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => lang.t("Brak dostępu", "Forbidden"),
        StatusCode::NOT_FOUND => lang.t("Nie znaleziono", "Not found"),
        _ => lang.t("Nie udało się", "That did not work"),
    };
    let body = format!(
        r#"<p role="alert">{}</p><p><a href="/admin">{}</a></p>"#,
        esc(msg),
        lang.t("Wróć do panelu", "Back to the back office")
    );
    (status, page(lang, title, staff, "/admin", &body)).into_response()
}

/// `<option>`s with one selected.
pub fn options(items: &[(String, String)], selected: &str) -> String {
    items
        .iter()
        .map(|(v, label)| {
            let sel = if v == selected { " selected" } else { "" };
            format!(r#"<option value="{}"{sel}>{}</option>"#, esc(v), esc(label))
        })
        .collect()
}
