//! `make bench`: the core's duplicate check ("this may already be
//! reported": open reports of the same category within 30 m) with 100,000
//! reports in the local store. Target: under 2 ms. Printed, never asserted.
//!
//! The reports reach the store the way they do on a phone: by sync, from a
//! small loopback server that serves synthetic `GET /api/v1/sync` pages.
//! Then drafts at random points in the same area, and the median and p99
//! of `possible_duplicates` (and of a 500 m "near me" list) over many runs.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use mm_core::{Core, CoreConfig, GeoPoint, ReportDraftUpdate, SyncOptions};
use mm_protocol::devices::Platform;
use serde_json::json;

const REPORTS: u64 = 100_000;
const PAGE: u64 = 2_000;
const RUNS: usize = 2_000;
const CATEGORIES: [&str; 4] = ["street_lamp", "road_damage", "barrier", "other"];
const STATUSES: [&str; 6] = [
    "new",
    "accepted",
    "in_progress",
    "resolved",
    "rejected",
    "new",
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

fn page(cursor: u64) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ cursor.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let end = (cursor + PAGE).min(REPORTS);
    let changes: Vec<_> = (cursor..end)
        .map(|i| {
            let (lat, lon) = rng.point();
            json!({"op": "upsert", "seq": i + 1, "item": {"collection": "reports", "data": {
                "id": i + 1, "category": CATEGORIES[(i % 4) as usize], "point": {"lat": lat, "lon": lon},
                "description": format!("Zgłoszenie syntetyczne nr {i}: latarnia nie świeci, dziura w jezdni."),
                "status": STATUSES[(i % 6) as usize],
                "created_at": "2026-01-01T10:00:00Z", "updated_at": "2026-01-01T10:00:00Z",
                "history": [{"status": "new", "at": "2026-01-01T10:00:00Z"}], "followers": 0}}})
        })
        .collect();
    json!({"changes": changes, "next_cursor": end.to_string(), "has_more": end < REPORTS})
        .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
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
        "synced {} reports in {} pages into the local store in {:.1} s",
        s.applied,
        s.pages,
        t.elapsed().as_secs_f64()
    );

    let mut rng = Rng(42);
    let mut dup_times = Vec::with_capacity(RUNS);
    let mut near_times = Vec::with_capacity(RUNS / 4);
    let mut found = 0usize;
    let mut near_found = 0usize;
    for i in 0..RUNS {
        let draft = core.reports().create_draft(CATEGORIES[i % 4])?;
        let (lat, lon) = rng.point();
        core.reports().update_draft(
            &draft.id,
            ReportDraftUpdate {
                point: Some(GeoPoint { lat, lon }),
                ..Default::default()
            },
        )?;
        let t = Instant::now();
        let dups = core.reports().possible_duplicates(&draft.id)?;
        dup_times.push(t.elapsed());
        found += dups.len();
        if i % 4 == 0 {
            let t = Instant::now();
            near_found += core
                .reports().near(GeoPoint { lat, lon }, 500.0, None, false)?
                .len();
            near_times.push(t.elapsed());
        }
        core.reports().delete_draft(&draft.id)?;
    }
    dup_times.sort();
    near_times.sort();
    println!(
        "possible_duplicates (30 m, same category, open) over {} reports, {RUNS} runs: median {:?}, p99 {:?}, max {:?}; {:.2} hits per check (target < 2 ms)",
        REPORTS,
        percentile(&dup_times, 0.5),
        percentile(&dup_times, 0.99),
        dup_times.last().unwrap(),
        found as f64 / RUNS as f64
    );
    println!(
        "reports_near (500 m, any status) over {} reports, {} runs: median {:?}, p99 {:?}; {:.0} reports per list",
        REPORTS,
        near_times.len(),
        percentile(&near_times, 0.5),
        percentile(&near_times, 0.99),
        near_found as f64 / near_times.len() as f64
    );
    Ok(())
}
