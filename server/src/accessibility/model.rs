//! The statement's fields, as a gmina's settings keep them, and their
//! checks. What art. 10 ust. 2 of the act of 4 April 2019 (Dz.U. 2019 poz.
//! 848) asks a statement to hold, in the order of the Minister's template:
//! the entity and its website, the dates of publication and of the last
//! update, the status of conformance with the non-accessible content and
//! why, when and how the statement was prepared, the contact for requests
//! and the procedure, the building's architectural accessibility and the
//! mobile apps.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Status zgodności (the template's three sentences).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformance {
    /// "zgodna": every requirement of the act's annex is met.
    Full,
    /// "częściowo zgodna": with the non-accessible content listed.
    #[default]
    Partial,
    /// "niezgodna".
    None,
}

impl Conformance {
    pub const ALL: [Conformance; 3] = [Conformance::Full, Conformance::Partial, Conformance::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Conformance::Full => "full",
            Conformance::Partial => "partial",
            Conformance::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Conformance> {
        Conformance::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The template's adjective.
    pub fn label_pl(self) -> &'static str {
        match self {
            Conformance::Full => "zgodna",
            Conformance::Partial => "częściowo zgodna",
            Conformance::None => "niezgodna",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Conformance::Full => "fully compliant",
            Conformance::Partial => "partially compliant",
            Conformance::None => "not compliant",
        }
    }
}

/// Deklaracja dostępności of a gmina's website and apps
/// (`GminaSettings::accessibility`). Absent keys take their defaults, so
/// stored gminas need no migration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessibilityStatement {
    /// Nazwa podmiotu publicznego: "Gmina Siechnice".
    pub entity: String,
    /// The website the statement is of, its name and address.
    pub website_name: String,
    pub website_url: String,
    /// Data publikacji strony internetowej.
    pub published: Option<NaiveDate>,
    /// Data ostatniej istotnej aktualizacji (none: not updated since).
    pub updated: Option<NaiveDate>,
    pub status: Conformance,
    /// The non-accessible content, one item a line, each with its reason
    /// ("what: why", e.g. "mapa zgłoszeń: … wyłączenie z art. 3 ust. 2").
    pub non_accessible: String,
    /// Data sporządzenia deklaracji.
    pub prepared: Option<NaiveDate>,
    /// Data ostatniego przeglądu deklaracji (none: not reviewed since).
    pub reviewed: Option<NaiveDate>,
    /// Empty: the entity's self-assessment; else the auditor who assessed.
    pub auditor: String,
    /// Osoba kontaktowa, e-mail, telefon (requests and complaints).
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// Dostępność architektoniczna: the town hall's entrances, lifts,
    /// parking, hearing loops, an interpreter of Polish sign language
    /// (paragraphs, blank-line separated).
    pub architecture: String,
    /// The mobile apps' store pages (empty: none published there).
    pub android_url: String,
    pub ios_url: String,
}

/// The longest one-line field.
pub const LINE_MAX: usize = 200;
/// The longest address.
pub const URL_MAX: usize = 500;
/// The longest multi-line field.
pub const TEXT_MAX: usize = 5000;

/// A field that was wrong, and the message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub pl: &'static str,
    pub en: &'static str,
}

fn problem(field: &'static str, pl: &'static str, en: &'static str) -> Problem {
    Problem { field, pl, en }
}

fn line_ok(s: &str) -> bool {
    let n = s.chars().count();
    (1..=LINE_MAX).contains(&n) && !s.chars().any(char::is_control)
}

fn text_ok(s: &str, required: bool) -> bool {
    (!required || !s.trim().is_empty())
        && s.chars().count() <= TEXT_MAX
        && !s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// http(s), no spaces or quotes: it lands in an `href`.
pub fn url_ok(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > "https://".len()
        && u.len() <= URL_MAX
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\'))
}

/// A plain address (local@domain.tld), at most 254 characters (RFC 5321).
pub fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | ',' | ';'))
        && !domain.contains('@')
}

/// Digits with the usual separators (`+48 71 786 09 01`), 9 to 15 digits
/// (E.164 has at most 15).
pub fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (9..=15).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')')) && p.len() <= 30
}

impl AccessibilityStatement {
    /// The non-accessible content, one item a line, blank lines dropped.
    pub fn non_accessible_items(&self) -> Vec<&str> {
        self.non_accessible.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }

    /// The architectural accessibility's paragraphs.
    pub fn architecture_paragraphs(&self) -> Vec<String> {
        paragraphs(&self.architecture)
    }

    /// Every problem, in the form's order; empty: it may be published.
    /// `today` (Warsaw): no date may be in the future.
    pub fn problems(&self, today: NaiveDate) -> Vec<Problem> {
        let mut out = Vec::new();
        if !line_ok(&self.entity) {
            out.push(problem("entity", "Podaj nazwę podmiotu (do 200 znaków).", "Give the entity's name (at most 200 characters)."));
        }
        if !line_ok(&self.website_name) {
            out.push(problem("website_name", "Podaj nazwę strony (do 200 znaków).", "Give the website's name (at most 200 characters)."));
        }
        if !url_ok(&self.website_url) {
            out.push(problem("website_url", "Adres strony musi zaczynać się od https:// (lub http://).", "The website's address must start with https:// (or http://)."));
        }
        let future = |d: Option<NaiveDate>| d.is_some_and(|d| d > today);
        match self.published {
            None => out.push(problem("published", "Podaj datę publikacji strony.", "Give the date the website was published.")),
            Some(_) if future(self.published) => {
                out.push(problem("published", "Data publikacji nie może być w przyszłości.", "The publication date cannot be in the future."))
            }
            _ => {}
        }
        if future(self.updated) {
            out.push(problem("updated", "Data aktualizacji nie może być w przyszłości.", "The update date cannot be in the future."));
        } else if let (Some(p), Some(u)) = (self.published, self.updated)
            && u < p
        {
            out.push(problem("updated", "Data aktualizacji nie może być wcześniejsza niż data publikacji.", "The update cannot be earlier than the publication."));
        }
        let items = self.non_accessible_items();
        if !text_ok(&self.non_accessible, false) || items.iter().any(|l| l.chars().count() > 500) {
            out.push(problem("non_accessible", "Każda pozycja do 500 znaków, razem do 5000.", "Each item at most 500 characters, 5000 in all."));
        } else if self.status == Conformance::Full && !items.is_empty() {
            out.push(problem("non_accessible", "Strona zgodna nie ma treści niedostępnych: usuń listę albo zmień status.", "A fully compliant website has no non-accessible content: clear the list or change the status."));
        } else if self.status != Conformance::Full && items.is_empty() {
            out.push(problem("non_accessible", "Wymień treści niedostępne i powód każdej (art. 10 ust. 2 pkt 2 ustawy).", "List the non-accessible content and why, each (art. 10(2)(2) of the act)."));
        }
        match self.prepared {
            None => out.push(problem("prepared", "Podaj datę sporządzenia deklaracji.", "Give the date the statement was prepared.")),
            Some(_) if future(self.prepared) => {
                out.push(problem("prepared", "Data sporządzenia nie może być w przyszłości.", "The preparation date cannot be in the future."))
            }
            _ => {}
        }
        if future(self.reviewed) {
            out.push(problem("reviewed", "Data przeglądu nie może być w przyszłości.", "The review date cannot be in the future."));
        } else if let (Some(p), Some(r)) = (self.prepared, self.reviewed)
            && r < p
        {
            out.push(problem("reviewed", "Przegląd nie może być wcześniejszy niż sporządzenie deklaracji.", "The review cannot be earlier than the preparation."));
        }
        if !self.auditor.is_empty() && !line_ok(&self.auditor) {
            out.push(problem("auditor", "Nazwa audytora do 200 znaków.", "The auditor's name at most 200 characters."));
        }
        if !line_ok(&self.contact_name) {
            out.push(problem("contact_name", "Podaj osobę kontaktową (do 200 znaków).", "Give the contact person (at most 200 characters)."));
        }
        if !email_ok(&self.contact_email) {
            out.push(problem("contact_email", "Podaj adres e-mail, np. dostepnosc@gmina.pl.", "Give an e-mail address, e.g. dostepnosc@gmina.pl."));
        }
        if !phone_ok(&self.contact_phone) {
            out.push(problem("contact_phone", "Podaj numer telefonu (9 do 15 cyfr, np. +48 71 786 09 01).", "Give a phone number (9 to 15 digits, e.g. +48 71 786 09 01)."));
        }
        if !text_ok(&self.architecture, true) {
            out.push(problem("architecture", "Opisz dostępność architektoniczną urzędu (do 5000 znaków).", "Describe the town hall's architectural accessibility (at most 5000 characters)."));
        }
        if !self.android_url.is_empty() && !url_ok(&self.android_url) {
            out.push(problem("android_url", "Adres aplikacji musi zaczynać się od https://.", "The app's address must start with https://."));
        }
        if !self.ios_url.is_empty() && !url_ok(&self.ios_url) {
            out.push(problem("ios_url", "Adres aplikacji musi zaczynać się od https://.", "The app's address must start with https://."));
        }
        out
    }
}

/// Text split at blank lines, each paragraph's lines joined.
fn paragraphs(s: &str) -> Vec<String> {
    s.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn good() -> AccessibilityStatement {
        crate::accessibility::demo::siechnice()
    }

    #[test]
    fn the_demo_statement_passes() {
        assert_eq!(good().problems(day("2026-12-03")), vec![]);
    }

    /// What spoils one field of a good statement.
    type Spoil = Box<dyn Fn(&mut AccessibilityStatement)>;

    #[test]
    fn each_bad_field_is_named() {
        let today = day("2026-12-03");
        let cases: Vec<(&str, Spoil)> = vec![
            ("entity", Box::new(|s| s.entity = String::new())),
            ("entity", Box::new(|s| s.entity = "x".repeat(LINE_MAX + 1))),
            ("entity", Box::new(|s| s.entity = "Gmina\u{7}".into())),
            ("website_name", Box::new(|s| s.website_name = String::new())),
            ("website_url", Box::new(|s| s.website_url = "javascript:alert(1)".into())),
            ("website_url", Box::new(|s| s.website_url = "https://a b".into())),
            ("website_url", Box::new(|s| s.website_url = "https://x\"onmouseover=\"".into())),
            ("published", Box::new(|s| s.published = None)),
            // (The update is cleared, or it would come before the publication too.)
            ("published", Box::new(|s| {
                s.published = Some(day("2026-12-04"));
                s.updated = None;
            })),
            ("updated", Box::new(|s| s.updated = Some(day("2000-01-01")))),
            ("updated", Box::new(|s| s.updated = Some(day("2027-01-01")))),
            ("non_accessible", Box::new(|s| s.non_accessible = "  \n ".into())),
            ("non_accessible", Box::new(|s| s.status = Conformance::Full)),
            ("non_accessible", Box::new(|s| s.non_accessible = "x".repeat(501))),
            ("prepared", Box::new(|s| s.prepared = None)),
            ("prepared", Box::new(|s| s.prepared = Some(day("2026-12-31")))),
            ("reviewed", Box::new(|s| s.reviewed = Some(day("2000-01-01")))),
            ("auditor", Box::new(|s| s.auditor = "x".repeat(LINE_MAX + 1))),
            ("contact_name", Box::new(|s| s.contact_name = " ".repeat(0))),
            ("contact_email", Box::new(|s| s.contact_email = "dostepnosc".into())),
            ("contact_email", Box::new(|s| s.contact_email = "a@b".into())),
            ("contact_email", Box::new(|s| s.contact_email = "a b@c.pl".into())),
            ("contact_email", Box::new(|s| s.contact_email = "a@b.pl, c@d.pl".into())),
            ("contact_phone", Box::new(|s| s.contact_phone = "12345".into())),
            ("contact_phone", Box::new(|s| s.contact_phone = "+48 71 786 09 01 wew.".into())),
            ("architecture", Box::new(|s| s.architecture = "\n".into())),
            ("architecture", Box::new(|s| s.architecture = "x".repeat(TEXT_MAX + 1))),
            ("android_url", Box::new(|s| s.android_url = "market://details?id=x".into())),
            ("ios_url", Box::new(|s| s.ios_url = "ftp://x".into())),
        ];
        for (field, spoil) in cases {
            let mut s = good();
            spoil(&mut s);
            let fields: Vec<&str> = s.problems(today).iter().map(|p| p.field).collect();
            assert_eq!(fields, vec![field], "{s:?}");
        }
    }

    #[test]
    fn full_conformance_needs_no_list_and_optional_fields_may_be_empty() {
        let mut s = good();
        s.status = Conformance::Full;
        s.non_accessible.clear();
        s.updated = None;
        s.reviewed = None;
        s.auditor.clear();
        s.android_url.clear();
        s.ios_url.clear();
        assert_eq!(s.problems(day("2026-12-03")), vec![]);
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(paragraphs("a\nb\r\n\r\n\n c \n"), vec!["a b".to_owned(), "c".to_owned()]);
    }

    #[test]
    fn statuses_round_trip() {
        for c in Conformance::ALL {
            assert_eq!(Conformance::parse(c.as_str()), Some(c));
        }
        assert_eq!(Conformance::parse("zgodna"), None);
    }
}
