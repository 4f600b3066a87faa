//! `mm places [--near|--box] [filters]`, `mm places search TEXT`,
//! `mm place ID`, `mm bike-paths [--box]`: the map, from the local store.

use chrono::Utc;
use mm_core::{
    AccessNeed, BikePathSummary, BoundingBox, Core, CoreError, GeoPoint, Layer, Message, PlaceDetail,
    PlaceFilter, PlaceSummary, display, need_label, wheelchair_label,
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
        .collect::<Result<Vec<_>, _>>()?;
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
        // No --layer: any layer.
        layers: (!layers.is_empty()).then_some(layers),
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

fn print_summary(p: &PlaceSummary) {
    let distance = match p.distance_m {
        Some(d) => format!("{}  ", display::format_distance(d, format::LANG)),
        None => String::new(),
    };
    let open = match p.open_now {
        Some(true) => ", otwarte",
        Some(false) => ", zamknięte",
        None => "",
    };
    println!("{:>6}  {distance}{} ({}){open}", p.id, p.name, p.category_name_pl);
    // The core's labels, lower case inside the line.
    let needs: Vec<String> = p.needs_met.iter().map(|n| display::lower_first(need_label(*n, format::LANG))).collect();
    let mut line = wheelchair_label(p.wheelchair, format::LANG).to_string();
    if !needs.is_empty() {
        line.push_str("; ");
        line.push_str(&needs.join(", "));
    }
    println!("        {line}");
    if let Some(a) = &p.address {
        println!("        {a}");
    }
}

pub fn place(core: &Core, out: &Output, id: i64) -> Result<(), CoreError> {
    let d = core.places().detail(id, Utc::now())?;
    out.show(&d, print_detail);
    Ok(())
}

/// The core's card, line by line, then what only a terminal shows: the
/// position, the hours as written and when they next change, the website.
fn print_detail(d: &PlaceDetail) {
    let p = &d.place;
    for line in &d.card {
        println!("{}", line.text);
    }
    println!();
    println!("Warstwa: {}", d.layer_name_pl);
    if let Some(anchor) = p.geometry.anchor() {
        println!("Położenie: {:.5}, {:.5}", anchor.lat, anchor.lon);
    }
    if let Some(h) = &p.opening_hours {
        match &d.opening_hours_reading {
            Some(reading) => println!("Godziny otwarcia: {h} (odczytane jako: {reading})"),
            None => println!("Godziny otwarcia: {h}"),
        }
        if let (Some(open), Some(t)) = (d.open_now, d.next_change) {
            println!("{} {}", if open { "Otwarte do" } else { "Otwarcie" }, format::datetime(t));
        }
    }
    if let Some(w) = &p.contact.website {
        println!("WWW: {w}");
    }
}

pub fn bike_paths(core: &Core, out: &Output, bbox: Option<[f64; 4]>) -> Result<(), CoreError> {
    let list = core.places().bike_paths_in_box(bbox_or_gmina(core, bbox)?)?;
    out.show(&list, |list: &Vec<BikePathSummary>| {
        if list.is_empty() {
            println!("Brak ścieżek rowerowych.");
        }
        for p in list {
            println!("{:>6}  {}  {}", p.id, p.name, p.length_text);
        }
    });
    Ok(())
}
