//! The demo's statement (`mm-server --demo`, Gmina Siechnice): what a
//! gmina fills in, with this app's honest list of what is not yet
//! accessible. The address, phone and e-mail are the demo's, not the town
//! hall's real ones.

use chrono::NaiveDate;

use super::model::{AccessibilityStatement, Conformance};

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

pub fn siechnice() -> AccessibilityStatement {
    AccessibilityStatement {
        entity: "Gmina Siechnice".into(),
        website_name: "mMieszkaniec Gminy Siechnice".into(),
        website_url: "https://mmieszkaniec.siechnice.example.pl".into(),
        published: day(2026, 3, 2),
        updated: day(2026, 12, 3),
        status: Conformance::Partial,
        non_accessible: "Mapy zgłoszeń i wyników budżetu obywatelskiego: podkład mapy (kafelki OpenStreetMap) nie ma odpowiednika tekstowego; te same dane są w tabelach i listach obok mapy (wyłączenie map z art. 3 ust. 2 ustawy).\n\
            Zdjęcia dołączone do zgłoszeń: nie mają opisów alternatywnych, bo dodają je mieszkańcy (treści osób trzecich, wyłączenie z art. 3 ust. 2 ustawy); zgłoszenie opisuje je słowami.\n\
            Aplikacja na iOS: nie przeszła jeszcze testu z czytnikiem ekranu VoiceOver na urządzeniu; sprawdzenie planujemy do końca I kwartału 2027 r."
            .into(),
        prepared: day(2026, 12, 3),
        reviewed: None,
        auditor: String::new(),
        contact_name: "Anna Nowak, koordynatorka do spraw dostępności".into(),
        contact_email: "dostepnosc@siechnice.example.pl".into(),
        contact_phone: "+48 71 786 09 01".into(),
        architecture: "Urząd Miejski w Siechnicach, ul. Jana Pawła II 12, 55-011 Siechnice.\n\n\
            Do budynku prowadzi wejście główne od ul. Jana Pawła II, bez progów, z podjazdem dla wózków o nachyleniu 6%. Drzwi otwierają się automatycznie.\n\n\
            Biuro obsługi mieszkańców jest na parterze; na piętra prowadzi winda z komunikatami głosowymi i przyciskami w alfabecie Braille'a. Toaleta dostosowana do potrzeb osób z niepełnosprawnościami jest na parterze.\n\n\
            Przed budynkiem są dwa miejsca parkingowe dla osób z niepełnosprawnościami. Do budynku można wejść z psem asystującym i psem przewodnikiem.\n\n\
            W biurze obsługi mieszkańców jest pętla indukcyjna. Tłumacza polskiego języka migowego można zamówić co najmniej 3 dni robocze przed wizytą, pisząc na adres dostepnosc@siechnice.example.pl; można też skorzystać z tłumacza online przez stronę urzędu."
            .into(),
        android_url: "https://play.google.com/store/apps/details?id=pl.mmieszkaniec.app".into(),
        ios_url: String::new(),
    }
}
