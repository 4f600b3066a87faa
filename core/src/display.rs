//! Texts for people, in the resident's language: dates and spans in the
//! gmina's time zone (Europe/Warsaw, whatever the phone's zone is),
//! distances, Polish plurals. Every shell (Android, iOS, the CLI) shows
//! these same strings; none of them formats a date range or a distance.
//!
//! The language is resolved once from `CoreConfig.locale`
//! ([`Language::from_locale`]): English for an `en` locale, Polish for
//! anything else (the app's first language).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use mm_protocol::LOCAL_TZ;
use serde::{Deserialize, Serialize};

/// The language of the texts the core hands out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Polish,
    English,
}

impl Language {
    /// `en`, `en-GB`, `en_US`, `EN`: English; anything else (or nothing): Polish.
    pub fn from_locale(locale: Option<&str>) -> Language {
        match locale.and_then(normalise_locale) {
            Some(l) if l.split('-').next().is_some_and(|lang| lang == "en") => Language::English,
            _ => Language::Polish,
        }
    }

    pub fn is_english(self) -> bool {
        self == Language::English
    }

    /// The text of the two that is in this language.
    pub fn pick<'a>(self, pl: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Polish => pl,
            Language::English => en,
        }
    }
}

/// A locale as BCP 47: `pl_PL` (iOS's `Locale.identifier`, POSIX) and
/// `pl-PL` (Android's `toLanguageTag`) are both `pl-PL`; an encoding or
/// modifier (`pl_PL.UTF-8@euro`) is dropped. `None` when nothing is left.
pub fn normalise_locale(locale: &str) -> Option<String> {
    let base = locale.trim().split(['.', '@']).next().unwrap_or_default();
    let mut parts = base.split(['-', '_']).filter(|p| !p.is_empty());
    let language = parts.next()?.to_ascii_lowercase();
    if !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = language;
    for p in parts {
        out.push('-');
        // Regions upper case (`PL`), scripts title case (`Latn`), as BCP 47 writes them.
        match p.len() {
            2 => out.push_str(&p.to_ascii_uppercase()),
            4 => {
                out.push_str(&p[..1].to_ascii_uppercase());
                out.push_str(&p[1..].to_ascii_lowercase());
            }
            _ => out.push_str(p),
        }
    }
    Some(out)
}

const MONTHS_PL: [&str; 12] = [
    "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTH_NAMES_PL: [&str; 12] = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
];
const MONTH_NAMES_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `pn`…`nd` / `Mon`…`Sun`.
pub fn weekday_short(w: Weekday, lang: Language) -> &'static str {
    let i = w.num_days_from_monday() as usize;
    match lang {
        Language::Polish => ["pn", "wt", "śr", "cz", "pt", "sb", "nd"][i],
        Language::English => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

/// `grudzień` / `December` for month 1–12 (an invalid month reads as its number).
pub fn month_name(month: u32, lang: Language) -> String {
    let names = match lang {
        Language::Polish => &MONTH_NAMES_PL,
        Language::English => &MONTH_NAMES_EN,
    };
    match month {
        1..=12 => names[month as usize - 1].to_owned(),
        other => other.to_string(),
    }
}

/// `wt 1 gru 2026` / `Tue 1 Dec 2026`.
pub fn date_text(d: NaiveDate, lang: Language) -> String {
    let months = match lang {
        Language::Polish => &MONTHS_PL,
        Language::English => &MONTHS_EN,
    };
    format!(
        "{} {} {} {}",
        weekday_short(d.weekday(), lang),
        d.day(),
        months[d.month0() as usize],
        d.year()
    )
}

/// `wt 1 gru 2026, 18:00`, Warsaw time.
pub fn datetime_text(t: DateTime<Utc>, lang: Language) -> String {
    let local = t.with_timezone(&LOCAL_TZ);
    format!(
        "{}, {:02}:{:02}",
        date_text(local.date_naive(), lang),
        local.hour(),
        local.minute()
    )
}

/// Money in grosze as people read it: `1 037,00 zł` (Polish: a space
/// between thousands, a decimal comma) / `PLN 1,037.00`. Integer
/// arithmetic only: no float ever touches an amount.
pub fn money_text(grosze: i64, lang: Language) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    let abs = grosze.unsigned_abs();
    let (zloty, gr) = (abs / 100, abs % 100);
    let digits = zloty.to_string();
    let separator = match lang {
        Language::Polish => ' ',
        Language::English => ',',
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    match lang {
        Language::Polish => format!("{sign}{grouped},{gr:02} zł"),
        Language::English => format!("{sign}PLN {grouped}.{gr:02}"),
    }
}

/// The Warsaw day an instant falls on.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&LOCAL_TZ).date_naive()
}

/// The last day of an all-day span: RFC 5545 ends are exclusive midnights,
/// so the day before the end (never before the first day).
pub fn last_day_inclusive(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> NaiveDate {
    local_day(ends_at - TimeDelta::seconds(1)).max(local_day(starts_at))
}

/// An occurrence's span, as every list and card shows it:
/// - same day: `wt 1 gru 2026, 18:00–20:00`;
/// - across days: `wt 1 gru 2026, 22:00 – śr 2 gru 2026, 02:00`;
/// - all day: `wt 1 gru 2026 (cały dzień)`, or the first and the last
///   day `wt 1 gru 2026 – czw 3 gru 2026 (cały dzień)` (the exclusive end
///   is not a day of the event).
pub fn when_text(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool, lang: Language) -> String {
    let (s, e) = (starts_at.with_timezone(&LOCAL_TZ), ends_at.with_timezone(&LOCAL_TZ));
    if all_day {
        let first = s.date_naive();
        let last = last_day_inclusive(starts_at, ends_at);
        let whole = lang.pick("cały dzień", "all day");
        if last == first {
            format!("{} ({whole})", date_text(first, lang))
        } else {
            format!("{} – {} ({whole})", date_text(first, lang), date_text(last, lang))
        }
    } else if e.date_naive() == s.date_naive() {
        format!("{}–{:02}:{:02}", datetime_text(starts_at, lang), e.hour(), e.minute())
    } else {
        format!("{} – {}", datetime_text(starts_at, lang), datetime_text(ends_at, lang))
    }
}

/// `850 m`, `1,2 km` (Polish decimal comma) / `1.2 km`.
pub fn format_distance(metres: f64, lang: Language) -> String {
    if !metres.is_finite() || metres < 0.0 {
        return "–".to_owned();
    }
    if metres < 999.5 {
        format!("{metres:.0} m")
    } else {
        let km = format!("{:.1} km", metres / 1000.0);
        match lang {
            Language::Polish => km.replace('.', ","),
            Language::English => km,
        }
    }
}

/// The Polish plural form for `n`: `one` for 1, `few` for 2–4, 22–24, …
/// (but not 12–14), `many` otherwise (0, 5–21, 25–31, …): 1 zdjęcie,
/// 3 zdjęcia, 5 zdjęć, 12 zdjęć, 22 zdjęcia.
pub fn polish_plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        few
    } else {
        many
    }
}

/// `n` with its noun: `3 zdjęcia` / `3 photos`. `pl` is (one, few, many),
/// `en` is (one, other).
pub fn count_text(n: u64, lang: Language, pl: (&str, &str, &str), en: (&str, &str)) -> String {
    let noun = match lang {
        Language::Polish => polish_plural(n, pl.0, pl.1, pl.2),
        Language::English if n == 1 => en.0,
        Language::English => en.1,
    };
    format!("{n} {noun}")
}

/// What a screen counts ("3 miejsca", "1 wydarzenie"): the nouns whose
/// plural forms the shells need, so none of them writes "1 miejsc".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noun {
    Place,
    BikePath,
    Event,
    SearchResult,
    Photo,
    Report,
}

impl Noun {
    /// (one, few, many) in Polish, (one, other) in English.
    fn forms(self) -> ((&'static str, &'static str, &'static str), (&'static str, &'static str)) {
        match self {
            Noun::Place => (("miejsce", "miejsca", "miejsc"), ("place", "places")),
            Noun::BikePath => (("ścieżka rowerowa", "ścieżki rowerowe", "ścieżek rowerowych"), ("bike path", "bike paths")),
            Noun::Event => (("wydarzenie", "wydarzenia", "wydarzeń"), ("event", "events")),
            Noun::SearchResult => (("wynik", "wyniki", "wyników"), ("result", "results")),
            Noun::Photo => (("zdjęcie", "zdjęcia", "zdjęć"), ("photo", "photos")),
            Noun::Report => (("zgłoszenie", "zgłoszenia", "zgłoszeń"), ("report", "reports")),
        }
    }
}

/// `n` and the noun in the right plural form: `5 miejsc`, `2 ścieżki rowerowe`, `1 event`.
pub fn noun_count(n: u64, noun: Noun, lang: Language) -> String {
    let (pl, en) = noun.forms();
    count_text(n, lang, pl, en)
}

/// A calendar page's title: `grudzień 2026` / `December 2026`.
pub fn month_title(year: i32, month: u32, lang: Language) -> String {
    format!("{} {year}", month_name(month, lang))
}

/// The first letter in upper case ("dostępne dla wózków" opening a line).
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The first letter in lower case (a label inside a running sentence).
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn polish_dates_in_warsaw_time() {
        let pl = Language::Polish;
        let start = t("2026-12-01T17:00:00Z");
        assert_eq!(datetime_text(start, pl), "wt 1 gru 2026, 18:00");
        assert_eq!(datetime_text(t("2026-07-01T16:00:00Z"), pl), "śr 1 lip 2026, 18:00");
        assert_eq!(when_text(start, t("2026-12-01T19:00:00Z"), false, pl), "wt 1 gru 2026, 18:00–20:00");
        let day = t("2026-11-30T23:00:00Z");
        let next = t("2026-12-01T23:00:00Z");
        assert_eq!(when_text(day, next, true, pl), "wt 1 gru 2026 (cały dzień)");
        assert_eq!(datetime_text(start, Language::English), "Tue 1 Dec 2026, 18:00");
    }

    /// Android showed "1 gru – 3 gru", iOS only the first day: the last day
    /// of a multi-day all-day event is the one before its exclusive end.
    #[test]
    fn a_multi_day_all_day_event_names_its_first_and_last_day() {
        let first = t("2026-11-30T23:00:00Z");
        let after_last = t("2026-12-03T23:00:00Z");
        assert_eq!(
            when_text(first, after_last, true, Language::Polish),
            "wt 1 gru 2026 – cz 3 gru 2026 (cały dzień)"
        );
        assert_eq!(
            when_text(first, after_last, true, Language::English),
            "Tue 1 Dec 2026 – Thu 3 Dec 2026 (all day)"
        );
        assert_eq!(last_day_inclusive(first, after_last), NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        // Across the autumn clock change the midnights are 23:00 and 22:00 UTC.
        let sat = t("2026-10-23T22:00:00Z");
        let mon = t("2026-10-25T23:00:00Z");
        assert_eq!(when_text(sat, mon, true, Language::Polish), "sb 24 paź 2026 – nd 25 paź 2026 (cały dzień)");
    }

    #[test]
    fn an_evening_across_midnight_shows_both_dates() {
        let s = t("2026-12-31T21:00:00Z");
        let e = t("2027-01-01T01:00:00Z");
        assert_eq!(when_text(s, e, false, Language::Polish), "cz 31 gru 2026, 22:00 – pt 1 sty 2027, 02:00");
    }

    #[test]
    fn distances_use_the_languages_decimal_mark() {
        assert_eq!(format_distance(0.0, Language::Polish), "0 m");
        assert_eq!(format_distance(849.6, Language::Polish), "850 m");
        assert_eq!(format_distance(999.4, Language::Polish), "999 m");
        assert_eq!(format_distance(999.6, Language::Polish), "1,0 km");
        assert_eq!(format_distance(1234.0, Language::Polish), "1,2 km");
        assert_eq!(format_distance(1234.0, Language::English), "1.2 km");
        assert_eq!(format_distance(f64::NAN, Language::English), "–");
    }

    #[test]
    fn polish_plurals() {
        let forms = |n| polish_plural(n, "zdjęcie", "zdjęcia", "zdjęć");
        let cases = [
            (0, "zdjęć"),
            (1, "zdjęcie"),
            (2, "zdjęcia"),
            (4, "zdjęcia"),
            (5, "zdjęć"),
            (11, "zdjęć"),
            (12, "zdjęć"),
            (14, "zdjęć"),
            (21, "zdjęć"),
            (22, "zdjęcia"),
            (101, "zdjęć"),
            (112, "zdjęć"),
            (122, "zdjęcia"),
        ];
        for (n, want) in cases {
            assert_eq!(forms(n), want, "{n}");
        }
        let photos = |n, lang| count_text(n, lang, ("zdjęcie", "zdjęcia", "zdjęć"), ("photo", "photos"));
        assert_eq!(photos(3, Language::Polish), "3 zdjęcia");
        assert_eq!(photos(1, Language::English), "1 photo");
        assert_eq!(photos(5, Language::English), "5 photos");
    }

    #[test]
    fn counted_nouns_take_the_polish_plural() {
        let pl = Language::Polish;
        assert_eq!(noun_count(1, Noun::Place, pl), "1 miejsce");
        assert_eq!(noun_count(3, Noun::Place, pl), "3 miejsca");
        assert_eq!(noun_count(5, Noun::Place, pl), "5 miejsc");
        assert_eq!(noun_count(0, Noun::BikePath, pl), "0 ścieżek rowerowych");
        assert_eq!(noun_count(22, Noun::BikePath, pl), "22 ścieżki rowerowe");
        assert_eq!(noun_count(12, Noun::Event, pl), "12 wydarzeń");
        assert_eq!(noun_count(2, Noun::SearchResult, pl), "2 wyniki");
        assert_eq!(noun_count(1, Noun::Report, Language::English), "1 report");
        assert_eq!(noun_count(4, Noun::Photo, Language::English), "4 photos");
        assert_eq!(month_title(2026, 12, pl), "grudzień 2026");
        assert_eq!(month_title(2027, 1, Language::English), "January 2027");
    }

    #[test]
    fn locales_are_normalised_and_resolve_a_language() {
        assert_eq!(normalise_locale("pl_PL").as_deref(), Some("pl-PL"));
        assert_eq!(normalise_locale("pl-PL").as_deref(), Some("pl-PL"));
        assert_eq!(normalise_locale("pl_pl.UTF-8@euro").as_deref(), Some("pl-PL"));
        assert_eq!(normalise_locale("zh_hant_TW").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(normalise_locale("  "), None);
        assert_eq!(Language::from_locale(Some("en_GB")), Language::English);
        assert_eq!(Language::from_locale(Some("EN")), Language::English);
        assert_eq!(Language::from_locale(Some("pl-PL")), Language::Polish);
        assert_eq!(Language::from_locale(Some("uk-UA")), Language::Polish);
        assert_eq!(Language::from_locale(None), Language::Polish);
    }
}
