//! The map offline: a resident syncs the demo once, the server goes away,
//! and `mm places --near … --need step-free` still answers from the local
//! store, nearest first; search, a place's card and bike paths too.

use mm_e2e::{Mm, Server};
use serde_json::{Value, json};

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let r = 6_371_008.8f64;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[test]
fn places_answer_offline_after_one_sync() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    let sync = mm.json(&["sync"])?;
    assert_eq!(sync["skipped"], json!(0), "places are applied, not skipped: {sync}");
    assert!(server.stop()?.success());

    let (lat, lon) = (51.0335, 17.15);
    let near = mm.json(&["places", "--near", "51.0335,17.15", "--need", "step-free", "--json"])?;
    let near = near.as_array().expect("a list");
    assert!(near.len() >= 5, "demo places near Siechnice: {}", near.len());
    let distances: Vec<f64> = near.iter().map(|p| p["distance_m"].as_f64().expect("distance_m")).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first: {distances:?}");
    for p in near {
        assert_ne!(p["wheelchair"], json!("no"), "explicit no is never step-free: {p}");
        assert!(p["needs_met"].as_array().unwrap().contains(&json!("step_free")), "{p}");
        if p["is_line"] == json!(false) {
            let d = haversine_m(lat, lon, p["point"]["lat"].as_f64().unwrap(), p["point"]["lon"].as_f64().unwrap());
            assert!((d - p["distance_m"].as_f64().unwrap()).abs() < 1.0, "distance is the haversine one: {p}");
        }
    }
    // Without the need, more places (some are no or unknown).
    let all_near = mm.json(&["places", "--near", "51.0335,17.15", "--limit", "200"])?;
    let all_near = all_near.as_array().unwrap();
    assert!(all_near.len() >= 60, "the demo has ≥ 60 places: {}", all_near.len());
    assert!(all_near.iter().any(|p| p["wheelchair"] == json!("unknown")), "unknown stays unknown");
    let step_free_all = mm.json(&["places", "--near", "51.0335,17.15", "--need", "step-free", "--limit", "200"])?;
    assert!(step_free_all.as_array().unwrap().len() < all_near.len());

    let hits = mm.json(&["places", "search", "swietej", "katarzyny"])?;
    let hits: Vec<&Value> = hits.as_array().unwrap().iter().collect();
    let church = hits
        .iter()
        .find(|h| h["category"] == json!("monument") && h["name"].as_str().unwrap().contains("Kościół"))
        .unwrap_or_else(|| panic!("the church, found without diacritics: {hits:?}"));

    let id = church["id"].as_i64().unwrap().to_string();
    let card = mm.json(&["place", &id])?;
    assert_eq!(card["place"]["layer"], json!("monuments"));
    assert_eq!(card["category_name_pl"], json!("Zabytek"));

    let paths = mm.json(&["bike-paths"])?;
    let paths = paths.as_array().unwrap();
    assert!(paths.len() >= 3, "the demo's bike paths in the gmina's box: {paths:?}");
    assert!(paths.iter().all(|p| p["length_m"].as_f64().unwrap() > 100.0));

    // People's output reads Polish.
    let human = std::process::Command::new(mm_e2e::bin("mm"))
        .env("MM_GMINA", mm_e2e::DEMO_GMINA)
        .arg("--server").arg(&mm.server).arg("--data-dir").arg(&mm.data_dir)
        .args(["places", "--near", "51.0335,17.15", "--need", "step-free", "--limit", "3"])
        .output()?;
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains(" m  ") && text.contains("wejście bez schodów"), "Polish, with distances: {text}");
    Ok(())
}
