//! `make bench`: the map in the core with 100,000 places in the local
//! store. Targets: a bounding-box query with an accessibility filter p99
//! under 2 ms; the nearest 20 under 1 ms; "open now" (issue 18) within 2×
//! of what it cost with the hand-written parser. Printed, never asserted.
//!
//! The places reach the store the way they do on a phone: by sync, from a
//! small loopback server that serves synthetic `GET /api/v1/sync` pages
//! (realistic mixes of wheelchair yes/limited/no/unknown, toilets, ramps,
//! opening hours). Then many queries at random spots in the same area.
//!
//! **Baseline in the same process.** Absolute times differ between
//! machines by 2× and more, so the five map queries are also answered by
//! an in-memory R-tree (`rstar`) over the same places, at the same spots,
//! with the same filters and the same exact (haversine) nearest order;
//! each figure is printed beside it as a ratio, with how many answers of
//! the two agree. The R-tree is what a map library would keep in memory:
//! the floor the store is measured against, not a rival design (it holds
//! no names, hours or cards, and is rebuilt on every start).
//!
//! "Open now" is measured twice: over the demo's places (the opening hours
//! of `server/src/demo/places.rs`, as many places per value as there) and
//! over the 100,000, where a third of the places carry one of a few
//! hundred distinct values in the canonical syntax (so that the old parser
//! read them all and the comparison is like for like).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

use mm_core::{AccessNeed, BoundingBox, Core, CoreConfig, GeoPoint, PlaceFilter, PlaceSummary, SyncOptions};
use mm_protocol::devices::Platform;
use mm_protocol::places::{Place, PlaceGeometry};
use serde_json::{Value, json};

const PLACES: u64 = 100_000;
const PAGE: u64 = 2_000;
const RUNS: usize = 5_000;
const OPEN_ALL_RUNS: usize = 20;
const DEMO_RUNS: usize = 5_000;
const CATEGORIES: [&str; 8] = [
    "school",
    "library",
    "office",
    "playground",
    "toilets",
    "parking",
    "sports",
    "attraction",
];
const WHEELCHAIR: [&str; 10] = [
    "yes", "yes", "yes", "limited", "no", "no", "unknown", "unknown", "unknown", "yes",
];

/// xorshift: reproducible points without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Inside Gmina Siechnice's rough box (~11 × 14 km).
    fn point(&mut self) -> (f64, f64) {
        (51.00 + 0.10 * self.next(), 17.05 + 0.20 * self.next())
    }
}

fn place(i: u64, rng: &mut Rng) -> Value {
    let (lat, lon) = rng.point();
    let category = CATEGORIES[(i % 8) as usize];
    let layer = if category == "attraction" {
        "attractions"
    } else {
        "infrastructure"
    };
    let mut access = json!({"wheelchair": WHEELCHAIR[(rng.next() * 10.0) as usize]});
    if rng.next() < 0.3 {
        access["toilets_wheelchair"] = json!(if rng.next() < 0.6 { "yes" } else { "no" });
    }
    if rng.next() < 0.2 {
        access["entrance_step_count"] = json!((rng.next() * 3.0) as u32);
    }
    if rng.next() < 0.1 {
        access["ramp"] = json!("yes");
    }
    let mut p = json!({"id": i + 1, "layer": layer, "category": category,
        "name": format!("Miejsce syntetyczne nr {i} – {category}"),
        "geometry": {"type": "point", "point": {"lat": lat, "lon": lon}},
        "address": "ul. Testowa 1, 55-011 Siechnice",
        "description_pl": "Opis syntetyczny miejsca na mapie gminy.",
        "accessibility": access, "updated_at": "2026-01-01T10:00:00Z"});
    if i.is_multiple_of(3) {
        p["opening_hours"] = json!(synthetic_hours(i / 3));
    }
    p
}

/// The opening hours of the demo places, with how many places carry each
/// (as in `server/src/demo/places.rs`).
const DEMO_HOURS: [(&str, usize); 16] = [
    ("24/7", 13),
    ("Mo-Fr 06:30-17:00; PH off", 5),
    ("Mo-Fr 07:00-17:00; PH off", 5),
    ("08:00-20:00", 4),
    ("Mo-Fr 08:00-18:00; PH off", 3),
    ("Mo,We,Fr 10:00-18:00; Tu,Th 08:00-16:00; Sa 09:00-13:00; PH off", 3),
    ("Mo-Su 08:00-21:00", 2),
    ("Mo-Fr 08:00-22:00; Sa,Su 09:00-21:00", 2),
    ("Mo-Su 07:00-21:00", 2),
    ("Mo 07:30-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off", 1),
    ("Mo-Fr 07:30-15:30; PH off", 1),
    ("Mo-Fr 08:00-20:00; Sa 09:00-14:00; PH off", 1),
    ("Tu 10:00-16:00; Th 10:00-16:00; PH off", 1),
    ("Tu,Th 12:00-18:00; PH off", 1),
    ("Apr-Oct Mo-Su 08:00-20:00", 1),
    ("Tu-Fr 10:00-18:00; Sa 08:00-14:00; PH off", 1),
];

/// The `n`-th synthetic value: the demo's values and a few hundred
/// variants of office, shop and night hours (opening 06:00–09:45, closing
/// 14:00–21:45, Saturdays, lunch breaks, past midnight).
fn synthetic_hours(n: u64) -> String {
    match n % 4 {
        0 => DEMO_HOURS[(n / 4 % 16) as usize].0.to_string(),
        1 => format!(
            "Mo-Fr {:02}:{:02}-{:02}:{:02}; Sa 09:00-13:00; PH off",
            6 + n / 4 % 4,
            n / 16 % 4 * 15,
            14 + n / 64 % 8,
            n / 512 % 4 * 15
        ),
        2 => format!(
            "Mo-Fr {:02}:00-12:00,13:00-{:02}:00; Sa,Su,PH off",
            7 + n / 4 % 3,
            15 + n / 12 % 4
        ),
        _ => format!("Mo-Th 10:00-22:00; Fr,Sa 10:00-{:02}:00; Su 12:00-20:00", 1 + n / 4 % 4),
    }
}

fn demo_page(cursor: u64) -> String {
    let mut rng = Rng(7);
    let mut changes = Vec::new();
    let mut i = 0u64;
    for (hours, count) in DEMO_HOURS {
        for _ in 0..count {
            let mut p = place(i, &mut rng);
            p["opening_hours"] = json!(hours);
            changes.push(json!({"op": "upsert", "seq": i + 1, "item": {"collection": "places", "data": p}}));
            i += 1;
        }
    }
    // Demo places without hours (bike paths, monuments, ...).
    for _ in 0..20 {
        let mut p = place(i, &mut rng);
        p.as_object_mut().unwrap().remove("opening_hours");
        changes.push(json!({"op": "upsert", "seq": i + 1, "item": {"collection": "places", "data": p}}));
        i += 1;
    }
    if cursor > 0 {
        changes.clear();
    }
    json!({"changes": changes, "next_cursor": i.to_string(), "has_more": false}).to_string()
}

/// Hourly instants over a week in June 2026 (CEST) and the Christmas week
/// of 2026 (CET, Wigilia and two holidays), Europe/Warsaw.
fn week_instants() -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for start in [
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 21, 0, 30, 0).unwrap(),
    ] {
        for h in 0..7 * 24 {
            out.push(start + chrono::Duration::hours(h));
        }
    }
    out
}

fn page(cursor: u64) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ cursor.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let end = (cursor + PAGE).min(PLACES);
    let changes: Vec<_> = (cursor..end)
        .map(|i| json!({"op": "upsert", "seq": i + 1, "item": {"collection": "places", "data": place(i, &mut rng)}}))
        .collect();
    json!({"changes": changes, "next_cursor": end.to_string(), "has_more": end < PLACES})
        .to_string()
}

/// The same places in an in-memory R-tree (`rstar`): the baseline.
mod baseline {
    use mm_core::{AccessNeed, BoundingBox, GeoPoint};
    use mm_protocol::reports::distance_m;
    use rstar::primitives::GeomWithData;
    use rstar::{AABB, RTree};

    /// Metres per degree of latitude on the sphere `distance_m` uses.
    const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
    /// How far a projected distance may be from the haversine one over a
    /// gmina (cos(lat) varies by under 0.1% across 0.1° of latitude).
    const SLACK: f64 = 0.01;

    pub struct Entry {
        pub id: i64,
        /// `AccessNeed::mask_of`, as the store keeps it beside the place.
        pub needs: i64,
        pub point: GeoPoint,
    }

    /// Points as `[lon · cos(lat₀), lat]`: a plane where Euclidean
    /// distance is ground distance to within [`SLACK`], so the tree's
    /// nearest-first walk can stand in for haversine order.
    pub struct Tree {
        tree: RTree<GeomWithData<[f64; 2], Entry>>,
        cos_lat0: f64,
    }

    pub fn mask(needs: &[AccessNeed]) -> i64 {
        needs.iter().fold(0, |m, n| m | n.bit())
    }

    impl Tree {
        pub fn new(entries: Vec<Entry>, lat0: f64) -> Tree {
            let cos_lat0 = lat0.to_radians().cos();
            let items = entries
                .into_iter()
                .map(|e| GeomWithData::new([e.point.lon * cos_lat0, e.point.lat], e))
                .collect();
            Tree { tree: RTree::bulk_load(items), cos_lat0 }
        }

        pub fn len(&self) -> usize {
            self.tree.size()
        }

        /// Ids of the places in `b` that meet every need in `mask`.
        pub fn in_box(&self, b: &BoundingBox, mask: i64) -> Vec<i64> {
            let envelope = AABB::from_corners(
                [b.min_lon * self.cos_lat0, b.min_lat],
                [b.max_lon * self.cos_lat0, b.max_lat],
            );
            self.tree
                .locate_in_envelope(&envelope)
                .filter(|e| e.data.needs & mask == mask && b.contains(e.data.point))
                .map(|e| e.data.id)
                .collect()
        }

        /// Ids of the `n` places nearest `from` meeting `mask`, nearest
        /// first by haversine distance, ties by id (the store's order).
        pub fn nearest(&self, from: GeoPoint, n: usize, mask: i64) -> Vec<i64> {
            let mut best: Vec<(f64, i64)> = Vec::with_capacity(n + 1);
            let q = [from.lon * self.cos_lat0, from.lat];
            for (e, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
                // Nothing further on can beat the n-th found so far.
                if best.len() == n && d2.sqrt() * M_PER_DEG * (1.0 - SLACK) > best[n - 1].0 {
                    break;
                }
                if e.data.needs & mask != mask {
                    continue;
                }
                let d = distance_m(from, e.data.point);
                let at = best.partition_point(|&(bd, bid)| (bd, bid) < (d, e.data.id));
                if at < n {
                    best.insert(at, (d, e.data.id));
                    best.truncate(n);
                }
            }
            best.into_iter().map(|(_, id)| id).collect()
        }
    }
}

/// The baseline's entries, read from the same sync pages the store got.
fn baseline_entries() -> Vec<baseline::Entry> {
    let mut out = Vec::with_capacity(PLACES as usize);
    let mut cursor = 0;
    while cursor < PLACES {
        let page: Value = serde_json::from_str(&page(cursor)).expect("a page the bench wrote");
        for change in page["changes"].as_array().expect("changes") {
            let p: Place = serde_json::from_value(change["item"]["data"].clone()).expect("a place");
            if let PlaceGeometry::Point { point } = p.geometry {
                out.push(baseline::Entry {
                    id: p.id,
                    needs: AccessNeed::mask_of(&p.accessibility, &p.category),
                    point,
                });
            }
        }
        cursor += PAGE;
    }
    out
}

/// A box answer, order aside: how many, and which (a sum of the ids).
fn box_answer(ids: impl IntoIterator<Item = i64>) -> (usize, i64) {
    ids.into_iter().fold((0, 0), |(n, sum), id| (n + 1, sum + id))
}

fn ids(list: &[PlaceSummary]) -> Vec<i64> {
    list.iter().map(|p| p.id).collect()
}

/// The store's figure beside the R-tree's at the same spots.
fn versus(store: &[Duration], mut tree: Vec<Duration>, agree: usize) {
    let mut store = store.to_vec();
    store.sort();
    tree.sort();
    let (s50, t50) = (percentile(&store, 0.5), percentile(&tree, 0.5));
    let (s99, t99) = (percentile(&store, 0.99), percentile(&tree, 0.99));
    println!(
        "  the R-tree at the same spots: median {t50:?}, p99 {t99:?}; store / R-tree = {:.1}x at the median, {:.1}x at p99; same answer in {agree} of {} runs",
        s50.as_secs_f64() / t50.as_secs_f64(),
        s99.as_secs_f64() / t99.as_secs_f64(),
        tree.len()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut times: Vec<Duration>, found: usize, target: &str) {
    times.sort();
    println!(
        "{what}: {} runs, median {:?}, p99 {:?}, max {:?}; {:.1} places per answer ({target})",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().unwrap(),
        found as f64 / times.len() as f64
    );
}

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || mm_e2e::fake_sync::serve(listener, page));

    let tmp = tempfile::tempdir()?;
    let core = Core::open(CoreConfig {
        data_dir: tmp.path().join("app"),
        gmina: Some(mm_e2e::siechnice()),
        server_url: Some(url),
        platform: Platform::Cli,
        app_version: "0.0.0".into(),
        locale: None,
    })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t = Instant::now();
    let s = rt.block_on(core.sync(
        SyncOptions {
            page_size: Some(PAGE as u32),
        },
        None,
    ))?;
    println!(
        "synced {} places in {} pages into the local store in {:.1} s ({} stored)",
        s.applied,
        s.pages,
        t.elapsed().as_secs_f64(),
        core.places().count()?
    );

    // A phone screen at street zoom: about 0.8 km × 1.2 km (≈ 650 places here).
    let screen = |lat: f64, lon: f64| BoundingBox {
        min_lat: lat - 0.0036,
        max_lat: lat + 0.0036,
        min_lon: lon - 0.0086,
        max_lon: lon + 0.0086,
    };
    let step_free = PlaceFilter {
        needs: vec![AccessNeed::StepFree],
        ..Default::default()
    };
    let step_free_toilet = PlaceFilter {
        needs: vec![AccessNeed::StepFree, AccessNeed::AccessibleToilet],
        ..Default::default()
    };
    let none = PlaceFilter::default();
    let mut rng = Rng(42);
    let (mut bbox_sf, mut bbox_sft, mut bbox_all, mut near, mut near_sf) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut f_sf, mut f_sft, mut f_all, mut f_near, mut f_near_sf) = (0, 0, 0, 0, 0);
    // Warm the page cache the way a map screen would have.
    for _ in 0..200 {
        let (lat, lon) = rng.point();
        core.places().in_box(screen(lat, lon), &step_free)?;
    }
    // Each query kind gets its own random spots, so none rides on the page
    // cache another one just warmed. The spots and answers are kept for
    // the R-tree.
    let mut spots: [Vec<(f64, f64)>; 5] = Default::default();
    let (mut a_sf, mut a_sft, mut a_all, mut a_near, mut a_near_sf) =
        (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..RUNS {
        let (lat, lon) = rng.point();
        spots[0].push((lat, lon));
        let t = Instant::now();
        let found = core.places().in_box(screen(lat, lon), &step_free)?;
        bbox_sf.push(t.elapsed());
        f_sf += found.len();
        a_sf.push(box_answer(ids(&found)));
        let (lat, lon) = rng.point();
        spots[1].push((lat, lon));
        let t = Instant::now();
        let found = core.places().in_box(screen(lat, lon), &step_free_toilet)?;
        bbox_sft.push(t.elapsed());
        f_sft += found.len();
        a_sft.push(box_answer(ids(&found)));
        let (lat, lon) = rng.point();
        spots[2].push((lat, lon));
        let t = Instant::now();
        let found = core.places().in_box(screen(lat, lon), &none)?;
        bbox_all.push(t.elapsed());
        f_all += found.len();
        a_all.push(box_answer(ids(&found)));
        let (lat, lon) = rng.point();
        spots[3].push((lat, lon));
        let t = Instant::now();
        let found = core.places().nearest(GeoPoint { lat, lon }, 20, &none)?;
        near.push(t.elapsed());
        f_near += found.len();
        a_near.push(ids(&found));
        let (lat, lon) = rng.point();
        spots[4].push((lat, lon));
        let t = Instant::now();
        let found = core.places().nearest(GeoPoint { lat, lon }, 20, &step_free)?;
        near_sf.push(t.elapsed());
        f_near_sf += found.len();
        a_near_sf.push(ids(&found));
    }
    // The baseline: the same places, spots and filters in an R-tree.
    let entries = baseline_entries();
    let t = Instant::now();
    let tree = baseline::Tree::new(entries, 51.05);
    println!(
        "baseline: {} places bulk-loaded into an in-memory R-tree (rstar) in {:.0} ms",
        tree.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let time_boxes = |spots: &[(f64, f64)], mask: i64, answers: &[(usize, i64)]| {
        let (mut times, mut agree) = (Vec::with_capacity(spots.len()), 0);
        for (&(lat, lon), want) in spots.iter().zip(answers) {
            let t = Instant::now();
            let found = tree.in_box(&screen(lat, lon), mask);
            times.push(t.elapsed());
            agree += usize::from(box_answer(found) == *want);
        }
        (times, agree)
    };
    let time_nearest = |spots: &[(f64, f64)], mask: i64, answers: &[Vec<i64>]| {
        let (mut times, mut agree) = (Vec::with_capacity(spots.len()), 0);
        for (&(lat, lon), want) in spots.iter().zip(answers) {
            let t = Instant::now();
            let found = tree.nearest(GeoPoint { lat, lon }, 20, mask);
            times.push(t.elapsed());
            agree += usize::from(found == *want);
        }
        (times, agree)
    };
    let sf = baseline::mask(&step_free.needs);
    let sft = baseline::mask(&step_free_toilet.needs);
    let t_sf = time_boxes(&spots[0], sf, &a_sf);
    let t_sft = time_boxes(&spots[1], sft, &a_sft);
    let t_all = time_boxes(&spots[2], 0, &a_all);
    let t_near = time_nearest(&spots[3], 0, &a_near);
    let t_near_sf = time_nearest(&spots[4], sf, &a_near_sf);

    println!("over {PLACES} places:");
    let what = "places_in_box, screen box, need step-free";
    report(what, bbox_sf.clone(), f_sf, "target p99 < 2 ms");
    versus(&bbox_sf, t_sf.0, t_sf.1);
    let what = "places_in_box, screen box, step-free + accessible toilet";
    report(what, bbox_sft.clone(), f_sft, "target p99 < 2 ms");
    versus(&bbox_sft, t_sft.0, t_sft.1);
    let what = "places_in_box, screen box, no filter";
    report(what, bbox_all.clone(), f_all, "for comparison");
    versus(&bbox_all, t_all.0, t_all.1);
    let what = "nearest_places 20, no filter";
    report(what, near.clone(), f_near, "target < 1 ms");
    versus(&near, t_near.0, t_near.1);
    let what = "nearest_places 20, need step-free";
    report(what, near_sf.clone(), f_near_sf, "target < 1 ms");
    versus(&near_sf, t_near_sf.0, t_near_sf.1);

    // "Open now" over the 100,000: a screen box, and the whole area.
    let instants = week_instants();
    let (mut open_screen, mut f_open_screen) = (vec![], 0);
    for run in 0..RUNS {
        let (lat, lon) = rng.point();
        let filter = PlaceFilter {
            open_at: Some(instants[run % instants.len()]),
            ..Default::default()
        };
        let t = Instant::now();
        f_open_screen += core.places().in_box(screen(lat, lon), &filter)?.len();
        open_screen.push(t.elapsed());
    }
    report(
        "places_in_box, screen box, open now",
        open_screen,
        f_open_screen,
        "within 2x of the old parser",
    );
    let gmina = BoundingBox {
        min_lat: 50.99,
        max_lat: 51.11,
        min_lon: 17.04,
        max_lon: 17.26,
    };
    let (mut open_all, mut f_open_all, mut all_all, mut f_all_all) = (vec![], 0, vec![], 0);
    for run in 0..OPEN_ALL_RUNS {
        let filter = PlaceFilter {
            open_at: Some(instants[(run * 13) % instants.len()]),
            ..Default::default()
        };
        let t = Instant::now();
        f_open_all += core.places().in_box(gmina, &filter)?.len();
        open_all.push(t.elapsed());
        let t = Instant::now();
        f_all_all += core.places().in_box(gmina, &none)?.len();
        all_all.push(t.elapsed());
    }
    report(
        "places_in_box, all 100,000 places, open now",
        open_all,
        f_open_all,
        "within 2x of the old parser",
    );
    report(
        "places_in_box, all 100,000 places, no filter",
        all_all,
        f_all_all,
        "for comparison",
    );

    // "Open now" over the demo's places and hours.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let demo_url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || mm_e2e::fake_sync::serve(listener, demo_page));
    let demo = Core::open(CoreConfig {
        data_dir: tmp.path().join("demo"),
        gmina: Some(mm_e2e::siechnice()),
        server_url: Some(demo_url),
        platform: Platform::Cli,
        app_version: "0.0.0".into(),
        locale: None,
    })?;
    rt.block_on(demo.sync(SyncOptions { page_size: None }, None))?;
    let (mut open_demo, mut f_open_demo) = (vec![], 0);
    for run in 0..DEMO_RUNS {
        let filter = PlaceFilter {
            open_at: Some(instants[run % instants.len()]),
            ..Default::default()
        };
        let t = Instant::now();
        f_open_demo += demo.places().in_box(gmina, &filter)?.len();
        open_demo.push(t.elapsed());
    }
    report(
        &format!("demo ({} places), open now, whole gmina", demo.places().count()?),
        open_demo,
        f_open_demo,
        "within 2x of the old parser",
    );
    Ok(())
}
