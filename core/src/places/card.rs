//! The map's values in words, for the place card, the list below the map
//! and the filter labels, so a screen reader reads sentences and never a
//! symbol or a colour. Unknown is said as such ("brak danych", no data),
//! never shown as yes or no.
//!
//! The card's lines follow the order of the Android card (the more
//! complete of the two shells'): name, category, length, open now with
//! today's hours, wheelchair, toilet, steps and ramp, hearing loop, the
//! other aids when known, parking, the notes per disability in the
//! resident's language (Polish when there is none), address, phone,
//! monument data, description.

use std::collections::BTreeMap;

use mm_protocol::places::{Layer, Tri, Wheelchair};
use serde::{Deserialize, Serialize};

use super::model::{AccessNeed, BikePathSummary, PlaceDetail, PlaceSummary};
use crate::display::{self, Language};

/// What a card line says, for a shell that styles or groups lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardLineKind {
    Name,
    Category,
    Length,
    /// Open now (and today's hours), or "no data".
    Hours,
    /// How the app read opening hours written another way (`pn-pt 8-16`
    /// read as `Mo-Fr 08:00-16:00`), or that it could not read them.
    HoursReading,
    Wheelchair,
    Toilet,
    Steps,
    HearingLoop,
    TactilePaving,
    Braille,
    SignLanguage,
    ChangingTable,
    Parking,
    /// A note per disability (`wheelchair:description:pl`, …).
    Note,
    Address,
    Phone,
    MonumentRegister,
    MonumentPeriod,
    Description,
}

/// One sentence of a place's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLine {
    pub kind: CardLineKind,
    pub text: String,
}

/// A layer's name (the filter's toggles).
pub fn layer_label(l: Layer, lang: Language) -> &'static str {
    let (pl, en) = super::layer_names(l);
    lang.pick(pl, en)
}

/// A need's name (the filter's checkboxes: "I need …").
pub fn need_label(n: AccessNeed, lang: Language) -> &'static str {
    match n {
        AccessNeed::StepFree => lang.pick("Wejście bez schodów", "Step-free entrance"),
        AccessNeed::AccessibleToilet => lang.pick("Toaleta dla osób z niepełnosprawnościami", "Accessible toilet"),
        AccessNeed::HearingLoop => lang.pick("Pętla indukcyjna", "Hearing loop"),
        AccessNeed::TactilePaving => lang.pick("Ścieżka dotykowa", "Tactile paving"),
        AccessNeed::Braille => lang.pick("Oznaczenia w brajlu", "Braille signage"),
        AccessNeed::SignLanguage => lang.pick("Obsługa w języku migowym (PJM)", "Sign language (PJM) staff"),
        AccessNeed::ChangingTable => lang.pick("Przewijak", "Changing table"),
        AccessNeed::DisabledParking => lang.pick(
            "Miejsca parkingowe dla osób z niepełnosprawnościami",
            "Disabled parking",
        ),
    }
}

/// Wheelchair access in words, lower case (a part of a sentence).
pub fn wheelchair_label(w: Wheelchair, lang: Language) -> &'static str {
    match w {
        Wheelchair::Yes => lang.pick("dostępne dla wózków", "wheelchair accessible"),
        Wheelchair::Limited => lang.pick("częściowo dostępne dla wózków", "partly wheelchair accessible"),
        Wheelchair::No => lang.pick("niedostępne dla wózków", "not wheelchair accessible"),
        Wheelchair::Unknown => lang.pick("dostępność dla wózków: brak danych", "wheelchair access: no data"),
    }
}

/// Yes / no / no data.
pub fn tri_label(t: Tri, lang: Language) -> &'static str {
    match t {
        Tri::Yes => lang.pick("tak", "yes"),
        Tri::No => lang.pick("nie", "no"),
        Tri::Unknown => lang.pick("brak danych", "no data"),
    }
}

/// "Otwarte teraz" / "Teraz zamknięte" / "Godziny otwarcia: brak danych".
pub fn open_now_label(open: Option<bool>, lang: Language) -> &'static str {
    match open {
        Some(true) => lang.pick("Otwarte teraz", "Open now"),
        Some(false) => lang.pick("Teraz zamknięte", "Closed now"),
        None => lang.pick("Godziny otwarcia: brak danych", "Opening hours: no data"),
    }
}

fn steps(count: Option<u32>, ramp: Tri, lang: Language) -> String {
    let steps = match count {
        None => lang.pick("Stopnie przy wejściu: brak danych", "Steps at the entrance: no data").to_owned(),
        Some(0) => lang.pick("Wejście bez stopni", "No steps at the entrance").to_owned(),
        Some(n) => format!("{}{n}", lang.pick("Stopnie przy wejściu: ", "Steps at the entrance: ")),
    };
    format!("{steps}{}{}", lang.pick(", podjazd: ", ", ramp: "), tri_label(ramp, lang))
}

/// A marker or list row as one sentence: name, category, wheelchair,
/// open now, distance, address.
pub fn summary_text(p: &PlaceSummary, lang: Language) -> String {
    let mut parts = vec![
        p.name.clone(),
        lang.pick(&p.category_name_pl, &p.category_name_en).to_owned(),
        wheelchair_label(p.wheelchair, lang).to_owned(),
    ];
    if let Some(open) = p.open_now {
        parts.push(display::lower_first(open_now_label(Some(open), lang)));
    }
    if let Some(d) = p.distance_m {
        parts.push(display::format_distance(d, lang));
    }
    if let Some(a) = &p.address {
        parts.push(a.clone());
    }
    parts.join(", ")
}

/// A bike path as one sentence: name, "bike path", length.
pub fn bike_path_text(b: &BikePathSummary, lang: Language) -> String {
    format!(
        "{}, {}, {}",
        b.name,
        lang.pick("ścieżka rowerowa", "bike path"),
        display::format_distance(b.length_m, lang)
    )
}

/// The card, one sentence a line, in the order of the module's doc.
pub fn card(d: &PlaceDetail, lang: Language) -> Vec<CardLine> {
    let p = &d.place;
    let a = &p.accessibility;
    let mut lines = Vec::new();
    let mut add = |kind, text: String| lines.push(CardLine { kind, text });
    add(CardLineKind::Name, p.name.clone());
    add(CardLineKind::Category, lang.pick(&d.category_name_pl, &d.category_name_en).to_owned());
    if let Some(l) = d.length_m {
        add(CardLineKind::Length, format!("{}{}", lang.pick("Długość: ", "Length: "), display::format_distance(l, lang)));
    }
    if p.layer != Layer::BikePaths {
        let today = if d.hours_today.is_empty() {
            String::new()
        } else {
            format!("{}{})", lang.pick(" (dziś ", " (today "), d.hours_today.join(", "))
        };
        add(CardLineKind::Hours, format!("{}{today}", open_now_label(d.open_now, lang)));
        match (&p.opening_hours, &d.opening_hours_reading, &d.opening_hours_error) {
            (Some(raw), Some(reading), _) => add(
                CardLineKind::HoursReading,
                format!("{}{raw}{}{reading}", lang.pick("Godziny: ", "Hours: "), lang.pick(", czyli ", ", read as ")),
            ),
            (Some(raw), None, Some(_)) => add(
                CardLineKind::HoursReading,
                format!(
                    "{}{raw}{}",
                    lang.pick("Godziny: ", "Hours: "),
                    lang.pick(" (godziny nieznane: nie da się ich odczytać)", " (hours unknown: they cannot be read)")
                ),
            ),
            _ => {}
        }
        add(CardLineKind::Wheelchair, display::capitalise(wheelchair_label(a.wheelchair, lang)));
        add(
            CardLineKind::Toilet,
            format!(
                "{}{}",
                lang.pick("Toaleta dla osób z niepełnosprawnościami: ", "Accessible toilet: "),
                tri_label(a.toilets_wheelchair, lang)
            ),
        );
        add(CardLineKind::Steps, steps(a.entrance_step_count, a.ramp, lang));
        add(
            CardLineKind::HearingLoop,
            format!("{}{}", lang.pick("Pętla indukcyjna: ", "Hearing loop: "), tri_label(a.hearing_loop, lang)),
        );
        // The other aids only when known: a list of "no data" helps nobody.
        for (kind, label, v) in [
            (CardLineKind::TactilePaving, lang.pick("Ścieżka dotykowa: ", "Tactile paving: "), a.tactile_paving),
            (CardLineKind::Braille, lang.pick("Oznaczenia w brajlu: ", "Braille signage: "), a.braille),
            (CardLineKind::SignLanguage, lang.pick("Obsługa w PJM: ", "Sign language staff: "), a.sign_language),
            (CardLineKind::ChangingTable, lang.pick("Przewijak: ", "Changing table: "), a.changing_table),
        ] {
            if v != Tri::Unknown {
                add(kind, format!("{label}{}", tri_label(v, lang)));
            }
        }
        if let Some(n) = a.disabled_parking_spaces {
            add(
                CardLineKind::Parking,
                format!(
                    "{}{n}",
                    lang.pick("Miejsca parkingowe dla osób z niepełnosprawnościami: ", "Disabled parking spaces: ")
                ),
            );
        }
    }
    for note in notes(&a.notes, lang) {
        add(CardLineKind::Note, note);
    }
    if let Some(addr) = &p.address {
        add(CardLineKind::Address, format!("{}{addr}", lang.pick("Adres: ", "Address: ")));
    }
    if let Some(phone) = &p.contact.phone {
        add(CardLineKind::Phone, format!("{}{phone}", lang.pick("Telefon: ", "Phone: ")));
    }
    if let Some(m) = &p.monument {
        if let Some(r) = &m.register_number {
            add(
                CardLineKind::MonumentRegister,
                format!("{}{r}", lang.pick("Nr w rejestrze zabytków: ", "Monument register no.: ")),
            );
        }
        if let Some(period) = &m.period {
            add(CardLineKind::MonumentPeriod, format!("{}{period}", lang.pick("Okres: ", "Period: ")));
        }
    }
    let description = match lang {
        Language::English if !p.description_en.trim().is_empty() => &p.description_en,
        _ => &p.description_pl,
    };
    if !description.trim().is_empty() {
        add(CardLineKind::Description, description.clone());
    }
    lines
}

/// Whom a note concerns, in the order they are read.
const TOPICS: [&str; 3] = ["wheelchair", "blind", "deaf"];

/// Notes per disability (`wheelchair:description:pl`, `deaf:…`,
/// `blind:…`): the resident's language, else Polish, else any; each led by
/// whom it concerns; wheelchair, blind, deaf, then the rest by name.
pub fn notes(notes: &BTreeMap<String, String>, lang: Language) -> Vec<String> {
    let mut by_topic: Vec<(&str, Vec<(&String, &String)>)> = Vec::new();
    let mut keys: Vec<&String> = notes.keys().collect();
    keys.sort();
    for k in keys {
        let topic = k.split(":description").next().unwrap_or(k);
        match by_topic.iter_mut().find(|(t, _)| *t == topic) {
            Some((_, entries)) => entries.push((k, &notes[k])),
            None => by_topic.push((topic, vec![(k, &notes[k])])),
        }
    }
    let rank = |t: &str| TOPICS.iter().position(|x| *x == t).unwrap_or(TOPICS.len());
    by_topic.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    let wanted = lang.pick("pl", "en");
    by_topic
        .into_iter()
        .filter_map(|(topic, entries)| {
            let text = entries
                .iter()
                .find(|(k, _)| k.ends_with(&format!(":{wanted}")))
                .or_else(|| entries.iter().find(|(k, _)| k.ends_with(":pl")))
                .or_else(|| entries.first())
                .map(|(_, v)| v.as_str())?;
            let who = match topic {
                "wheelchair" => lang.pick("Dla osób na wózku", "For wheelchair users"),
                "blind" => lang.pick("Dla osób niewidomych", "For blind people"),
                "deaf" => lang.pick("Dla osób głuchych", "For deaf people"),
                _ => lang.pick("Uwagi", "Notes"),
            };
            Some(format!("{who}: {text}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_follow_the_language_fall_back_to_polish_and_keep_their_order() {
        let notes: BTreeMap<String, String> = [
            ("deaf:description:pl", "Pętla indukcyjna w sali obsługi."),
            ("wheelchair:description:pl", "Wejście główne bez progów."),
            ("wheelchair:description:en", "Step-free main entrance."),
            ("blind:description:pl", "Ścieżka dotykowa od przystanku."),
            ("parking:description:pl", "Dwa miejsca przy wejściu."),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            super::notes(&notes, Language::Polish),
            [
                "Dla osób na wózku: Wejście główne bez progów.",
                "Dla osób niewidomych: Ścieżka dotykowa od przystanku.",
                "Dla osób głuchych: Pętla indukcyjna w sali obsługi.",
                "Uwagi: Dwa miejsca przy wejściu.",
            ]
        );
        let en = super::notes(&notes, Language::English);
        assert_eq!(en[0], "For wheelchair users: Step-free main entrance.");
        assert_eq!(en[2], "For deaf people: Pętla indukcyjna w sali obsługi.", "Polish when there is no English note");
    }

    #[test]
    fn labels_in_both_languages_and_unknown_is_no_data() {
        assert_eq!(layer_label(Layer::Monuments, Language::Polish), "Zabytki");
        assert_eq!(layer_label(Layer::BikePaths, Language::English), "Bike paths");
        assert_eq!(need_label(AccessNeed::StepFree, Language::Polish), "Wejście bez schodów");
        assert_eq!(need_label(AccessNeed::SignLanguage, Language::English), "Sign language (PJM) staff");
        assert_eq!(wheelchair_label(Wheelchair::Unknown, Language::Polish), "dostępność dla wózków: brak danych");
        assert_eq!(tri_label(Tri::Unknown, Language::English), "no data");
        for n in AccessNeed::ALL {
            assert!(!need_label(n, Language::Polish).is_empty() && !need_label(n, Language::English).is_empty());
        }
    }
}
