//! `mm places [--near|--box] [filters]`, `mm places search TEXT`,
//! `mm place ID`, `mm bike-paths [--box]`: the map, from the local store.

use chrono::Utc;
use mm_core::{
    AccessNeed, BikePathSummary, BoundingBox, Core, CoreError, GeoPoint, Layer, Message, PlaceDetail,
    PlaceFilter, PlaceSummary, Tri, Wheelchair,
};

use crate::args::{PlacesAction, PlacesQuery};
use crate::format;
use crate::output::Output;

fn usage(field: &str, pl: String, en: String) -> CoreError {
    CoreError::InvalidInput { field: field.into(), message: Message::new(pl, en) }
}

fn bbox_or_gmina(core: &Core, bbox: Option<[f64; 4]>) -> Result<BoundingBox, CoreError> {
    match bbox {
        Some([min_lat, min_lon, max_lat, max_lon]) => Ok(BoundingBox { min_lat, min_lon, max_lat, max_lon }),
        None => core.places().gmina_bbox()?.ok_or_else(|| {
            usage(
                "box",
                "Brak obszaru gminy: uruchom `mm sync` albo podaj --box.".into(),
                "No gmina area yet: run `mm sync` or give --box.".into(),
            )
        }),
    }
}

fn filter(q: &PlacesQuery) -> Result<PlaceFilter, CoreError> {
    let layers = q
        .layers
        .iter()
        .map(|l| {
            Layer::parse(&l.replace('-', "_")).ok_or_else(|| {
                usage(
                    "layer",
                    format!("Nieznana warstwa „{l}” (infrastructure, attractions, monuments, bike_paths)."),
                    format!("Unknown layer \"{l}\" (infrastructure, attractions, monuments, bike_paths)."),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let needs = q
        .needs
        .iter()
        .map(|n| {
            AccessNeed::parse(n).ok_or_else(|| {
                let all: Vec<String> = AccessNeed::ALL.iter().map(|n| n.as_str().replace('_', "-")).collect();
                usage(
                    "need",
                    format!("Nieznana potrzeba „{n}” ({}).", all.join(", ")),
                    format!("Unknown need \"{n}\" ({}).", all.join(", ")),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(PlaceFilter {
        layers,
        categories: q.categories.clone(),
        needs,
        open_at: q.open_now.then(Utc::now),
        limit: q.limit,
    })
}

pub fn places(core: &Core, out: &Output, action: Option<PlacesAction>, q: PlacesQuery) -> Result<(), CoreError> {
    let list = match action {
        Some(PlacesAction::Search { text }) => core.places().search(&text.join(" "), q.limit.unwrap_or(20))?,
        None => {
            let f = filter(&q)?;
            match q.near {
                Some((lat, lon)) => core.places().nearest(GeoPoint { lat, lon }, q.limit.unwrap_or(20), &f)?,
                None => core.places().in_box(bbox_or_gmina(core, q.bbox)?, &f)?,
            }
        }
    };
    out.show(&list, |list| {
        if list.is_empty() {
            println!("Brak miejsc.");
        }
        for p in list {
            print_summary(p);
        }
    });
    Ok(())
}

fn wheelchair_pl(w: Wheelchair) -> &'static str {
    match w {
        Wheelchair::Yes => "dostępne dla wózków",
        Wheelchair::Limited => "częściowo dostępne dla wózków",
        Wheelchair::No => "niedostępne dla wózków",
        Wheelchair::Unknown => "dostępność nieznana",
    }
}

fn need_pl(n: AccessNeed) -> &'static str {
    match n {
        AccessNeed::StepFree => "wejście bez schodów",
        AccessNeed::AccessibleToilet => "toaleta dla niepełnosprawnych",
        AccessNeed::HearingLoop => "pętla indukcyjna",
        AccessNeed::TactilePaving => "ścieżka dotykowa",
        AccessNeed::Braille => "oznaczenia w brajlu",
        AccessNeed::SignLanguage => "obsługa w PJM",
        AccessNeed::ChangingTable => "przewijak",
        AccessNeed::DisabledParking => "miejsca parkingowe dla niepełnosprawnych",
    }
}

fn print_summary(p: &PlaceSummary) {
    let distance = match p.distance_m {
        Some(d) if d < 1000.0 => format!("{d:.0} m  "),
        Some(d) => format!("{:.1} km  ", d / 1000.0),
        None => String::new(),
    };
    let open = match p.open_now {
        Some(true) => ", otwarte",
        Some(false) => ", zamknięte",
        None => "",
    };
    println!("{:>6}  {distance}{} ({}){open}", p.id, p.name, p.category_name_pl);
    let needs: Vec<&str> = p.needs_met.iter().map(|n| need_pl(*n)).collect();
    let mut line = wheelchair_pl(p.wheelchair).to_string();
    if !needs.is_empty() {
        line.push_str("; ");
        line.push_str(&needs.join(", "));
    }
    println!("        {line}");
    if let Some(a) = &p.address {
        println!("        {a}");
    }
}

fn tri_pl(t: Tri) -> &'static str {
    match t {
        Tri::Yes => "tak",
        Tri::No => "nie",
        Tri::Unknown => "brak danych",
    }
}

pub fn place(core: &Core, out: &Output, id: i64) -> Result<(), CoreError> {
    let d = core.places().detail(id, Utc::now())?;
    out.show(&d, print_detail);
    Ok(())
}

fn print_detail(d: &PlaceDetail) {
    let p = &d.place;
    println!("{} ({}, {})", p.name, d.category_name_pl, d.layer_name_pl);
    if let Some(a) = &p.address {
        println!("Adres: {a}");
    }
    if let Some(anchor) = p.geometry.anchor() {
        println!("Położenie: {:.5}, {:.5}", anchor.lat, anchor.lon);
    }
    if let Some(l) = d.length_m {
        println!("Długość: {:.1} km", l / 1000.0);
    }
    if let Some(h) = &p.opening_hours {
        println!("Godziny otwarcia: {h}");
        match (d.open_now, &d.opening_hours_error) {
            (Some(open), _) => {
                let state = if open { "Teraz otwarte" } else { "Teraz zamknięte" };
                match d.next_change {
                    Some(t) => println!("{state}, {} {}", if open { "do" } else { "otwarcie" }, format::datetime(t)),
                    None => println!("{state}"),
                }
                if !d.hours_today.is_empty() {
                    println!("Dziś: {}", d.hours_today.join(", "));
                }
            }
            (None, Some(_)) => println!("(godzin nie da się odczytać automatycznie)"),
            _ => {}
        }
    }
    let a = &p.accessibility;
    println!("Dostępność:");
    println!("  wózek: {}", wheelchair_pl(a.wheelchair));
    println!("  toaleta dla niepełnosprawnych: {}", tri_pl(a.toilets_wheelchair));
    match a.entrance_step_count {
        Some(n) => println!("  stopnie przy wejściu: {n}"),
        None => println!("  stopnie przy wejściu: brak danych"),
    }
    println!("  podjazd: {}", tri_pl(a.ramp));
    if let Some(n) = a.disabled_parking_spaces {
        println!("  miejsca parkingowe dla niepełnosprawnych: {n}");
    }
    println!("  pętla indukcyjna: {}", tri_pl(a.hearing_loop));
    println!("  ścieżka dotykowa: {}", tri_pl(a.tactile_paving));
    println!("  brajl: {}", tri_pl(a.braille));
    println!("  obsługa w PJM: {}", tri_pl(a.sign_language));
    println!("  przewijak: {}", tri_pl(a.changing_table));
    for (k, v) in &a.notes {
        if k.ends_with(":pl") {
            println!("  {k}: {v}");
        }
    }
    if let Some(m) = &p.monument {
        if let Some(r) = &m.register_number {
            println!("Rejestr zabytków: {r}");
        }
        if let Some(period) = &m.period {
            println!("Okres: {period}");
        }
    }
    if let Some(phone) = &p.contact.phone {
        println!("Telefon: {phone}");
    }
    if let Some(w) = &p.contact.website {
        println!("WWW: {w}");
    }
    if !p.description_pl.is_empty() {
        println!();
        println!("{}", p.description_pl);
    }
}

pub fn bike_paths(core: &Core, out: &Output, bbox: Option<[f64; 4]>) -> Result<(), CoreError> {
    let list = core.places().bike_paths_in_box(bbox_or_gmina(core, bbox)?)?;
    out.show(&list, |list: &Vec<BikePathSummary>| {
        if list.is_empty() {
            println!("Brak ścieżek rowerowych.");
        }
        for p in list {
            println!("{:>6}  {}  {:.1} km", p.id, p.name, p.length_m / 1000.0);
        }
    });
    Ok(())
}
