//! The schema the numbered `.sql` files build (`server/migrations/sqlite/`)
//! is the one the old in-code migrations built, object for object, and a
//! database at any older version migrates on to the current one.
//!
//! `data/schema-v10.txt` is `sqlite_master` of a fresh database at version
//! 10 as the in-code migrations left it (written by this test with
//! `MM_WRITE_SCHEMA=1` before the migrations moved into files).

use crate::common;

use std::path::Path;

use rusqlite::Connection;

const FIXTURE: &str = "tests/data/schema-v10.txt";

/// Every schema object with its SQL, in name order (the sequence table's
/// rows and anything SQLite makes for itself included).
fn schema(c: &Connection) -> String {
    let mut stmt = c
        .prepare("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} {} ON {}\n{}\n",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows.join("\n")
}

fn at_version(dir: &Path, version: usize) -> Connection {
    let mut c = Connection::open(dir.join("mm.sqlite")).unwrap();
    mm_server::store::sqlite::migrate_until(&mut c, version).unwrap();
    c
}

#[test]
fn the_sql_files_build_the_schema_the_code_built() {
    if !common::backend::sqlite_only("SQLite's migrations (server/migrations/sqlite)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = at_version(dir.path(), 10);
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 10);
    let got = schema(&c);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("MM_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(got == want, "the schema at version 10 differs from {FIXTURE}:\n{got}");
}

#[test]
fn the_ezd_outbox_becomes_the_job_queue_with_nothing_lost() {
    if !common::backend::sqlite_only("SQLite's migrations (server/migrations/sqlite)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = at_version(dir.path(), 10);
    c.execute_batch(
        "INSERT INTO reports (id, category, status, lat, lon, created_at, updated_at, private, data)
           VALUES (1, 'other', 'accepted', 51.0, 17.1, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '{}', '{}'),
                  (2, 'other', 'new', 51.0, 17.1, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '{}', '{}');
         INSERT INTO ezd_outbox (id, report_id, kind, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES
           (7, 1, 'register', 'done', 1, '2026-03-01T10:00:00.000000Z', NULL, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:01.000000Z'),
           (8, 1, 'case', 'pending', 3, '2026-03-01T11:00:00.000000Z', 'HTTP 503', '2026-03-01T10:05:00.000000Z', '2026-03-01T10:06:00.000000Z'),
           (9, 2, 'register', 'dead', 12, '2026-03-01T12:00:00.000000Z', 'HTTP 500 x', '2026-03-01T10:00:00.000000Z', '2026-03-01T12:00:00.000000Z');",
    )
    .unwrap();
    drop(c);
    let c = at_version(dir.path(), mm_server::store::sqlite::SCHEMA_VERSION);
    type Row = (i64, String, String, String, i64, String, Option<String>, String, Option<String>, String);
    let rows: Vec<Row> = c
        .prepare("SELECT id, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, waits_for, updated_at FROM jobs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let t = |s: &str| s.to_owned();
    assert_eq!(
        rows,
        vec![
            (7, t("ezd.register"), t(r#"{"report_id":1}"#), t("done"), 1, t("2026-03-01T10:00:00.000000Z"), None, t("ezd.register:1"), None, t("2026-03-01T10:00:01.000000Z")),
            (8, t("ezd.open_case"), t(r#"{"report_id":1}"#), t("pending"), 3, t("2026-03-01T11:00:00.000000Z"), Some(t("HTTP 503")), t("ezd.open_case:1"), Some(t("ezd.register:1")), t("2026-03-01T10:06:00.000000Z")),
            (9, t("ezd.register"), t(r#"{"report_id":2}"#), t("dead"), 12, t("2026-03-01T12:00:00.000000Z"), Some(t("HTTP 500 x")), t("ezd.register:2"), None, t("2026-03-01T12:00:00.000000Z")),
        ]
    );
    let outbox: i64 = c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ezd_outbox'", [], |r| r.get(0)).unwrap();
    assert_eq!(outbox, 0);
    // A new job continues after the carried-over ids.
    c.execute(
        "INSERT INTO jobs (gmina, kind, payload, next_attempt_at, created_at, updated_at) VALUES ('0223083', 'x', '{}', 'a', 'a', 'a')",
        [],
    )
    .unwrap();
    assert_eq!(c.last_insert_rowid(), 10);
}

#[test]
fn a_database_at_every_older_version_opens_and_migrates_on() {
    if !common::backend::sqlite_only("SQLite's migrations (server/migrations/sqlite)") {
        return;
    }
    for version in 0..mm_server::store::sqlite::SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        drop(at_version(dir.path(), version));
        let store = mm_server::store::SqliteStore::open(dir.path()).unwrap();
        drop(store);
        let c = Connection::open(dir.path().join("mm.sqlite")).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v as usize, mm_server::store::sqlite::SCHEMA_VERSION, "from {version}");
    }
}

/// Every table with a `gmina` column, and how many of its rows belong to
/// another gmina than `teryt`; and how many rows the table has.
fn rows_by_gmina(c: &Connection, teryt: &str) -> Vec<(String, i64, i64)> {
    let tables: Vec<String> = c
        .prepare(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'gmina') ORDER BY m.name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let (other, all): (i64, i64) = c
                .query_row(&format!("SELECT COUNT(*) FILTER (WHERE gmina IS NOT ?1), COUNT(*) FROM {t}"), [teryt], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            (t, other, all)
        })
        .collect()
}

/// A database at version 11 with a row in every table a gmina owns, as a
/// single-gmina server left it (Wrocław, to tell it from the fallback).
fn single_gmina_database(dir: &Path) {
    use mm_protocol::geo::{GeoPoint, Polygon};
    use mm_protocol::gmina::Gmina;
    let c = at_version(dir, 11);
    let at = "2026-03-01T10:00:00.000000Z";
    let t = chrono::DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&chrono::Utc);
    let gmina = Gmina {
        id: "gmina".into(),
        name: "Wrocław".into(),
        teryt: "0264011".into(),
        boundary: Polygon { rings: vec![vec![[17.0, 51.0], [17.2, 51.0], [17.2, 51.2], [17.0, 51.0]]] },
        center: GeoPoint { lat: 51.1, lon: 17.03 },
    };
    let input = mm_protocol::reports::NewReport {
        category: "other".into(),
        point: GeoPoint { lat: 51.1, lon: 17.03 },
        location_source: Default::default(),
        accuracy_m: None,
        address: None,
        description: "Stare zgłoszenie.".into(),
        answers: Default::default(),
        photo_ids: vec![],
        contact: None,
    };
    let report = mm_server::reports::workflow::new_report(1, &input, true, t);
    let mut event = mm_server::demo::siechnice(t.date_naive()).events.remove(0);
    event.category = Some("sport".into());
    let event = event.into_event(1, t);
    let mut place = mm_server::demo::places::siechnice_places().remove(0);
    place.osm_id = Some("node/1".into());
    let place = place.into_place(1, t);
    c.execute_batch(&format!(
        "INSERT INTO settings (key, value) VALUES ('map.tile_url', 'https://tiles/{{z}}/{{x}}/{{y}}.png');
         INSERT INTO gmina (id, data) VALUES ('gmina', '{gmina}');
         INSERT INTO localities (id, data) VALUES (1, '{{\"id\":1,\"name\":\"Wrocław\",\"kind\":\"town\",\"point\":{{\"lat\":51.1,\"lon\":17.03}}}}');
         INSERT INTO departments (id, name, created_at) VALUES (1, 'Drogi', '{at}');
         INSERT INTO users (id, login, role, password_hash, created_at, department_id) VALUES (1, 'urzednik', 'dispatcher', 'h', '{at}', 1);
         INSERT INTO sessions (token_hash, user_id, created_at, expires_at, kind) VALUES ('tok', 1, '{at}', '2099-01-01T00:00:00.000000Z', 'back_office');
         INSERT INTO devices (id, token_hash, platform, app_version, created_at, last_seen_at) VALUES ('dev-1', 'dev-hash', 'cli', '1.0', '{at}', '{at}');
         INSERT INTO idempotency (scope, key, request_hash, status, response, created_at) VALUES ('reports/dev-1', 'k', 'h', 201, '{{}}', '{at}');
         INSERT INTO event_categories (id, name_pl, name_en) VALUES ('sport', 'Sport', 'Sport');
         INSERT INTO events (id, category, starts_at, data) VALUES (1, 'sport', '{at}', '{event}');
         INSERT INTO news (id, title, body, priority, published_at, updated_at) VALUES (1, 'Stary komunikat', 'Treść', 'normal', '{at}', '{at}');
         INSERT INTO audit_log (at, actor, action, entity, entity_id, details) VALUES ('{at}', 'cli', 'news.create', 'news', '1', '{{}}');
         INSERT INTO photos (id, content_type, bytes, width, height, created_at) VALUES ('ph1', 'image/jpeg', 3, 1, 1, '{at}');
         INSERT INTO reports (id, category, status, lat, lon, created_at, updated_at, device_id, private, data, department_id, assignee_id)
             VALUES (1, 'other', 'new', 51.1, 17.03, '{at}', '{at}', 'dev-1', '{{}}', '{report}', 1, 1);
         INSERT INTO report_followers (report_id, device_id, since) VALUES (1, 'dev-1', '{at}');
         INSERT INTO report_notes (report_id, at, actor, status, note) VALUES (1, '{at}', 'urzednik', NULL, 'Notatka');
         INSERT INTO report_photos (report_id, photo_id) VALUES (1, 'ph1');
         INSERT INTO public_items (collection, id, seq, body) VALUES ('news', '1', 1000, '{{}}'), ('gmina', 'gmina', 1001, '{{}}');
         INSERT INTO ezd_category_classes (category, jrwa) VALUES ('other', '7000');
         INSERT INTO ezd_registrations (report_id, reference, case_id, case_state, updated_at) VALUES (1, 'MM/1', 'c1', 'open', '{at}');
         INSERT INTO places (id, layer, category, osm_id, min_lon, min_lat, max_lon, max_lat, data)
             VALUES (1, '{layer}', 'x', 'node/1', 17, 51, 17, 51, '{place}');
         INSERT INTO jobs (id, kind, payload, next_attempt_at, dedupe_key, created_at, updated_at)
             VALUES (5, 'ezd.register', '{{\"report_id\":1}}', '{at}', 'ezd.register:1', '{at}', '{at}');",
        gmina = serde_json::to_string(&gmina).unwrap(),
        event = serde_json::to_string(&event).unwrap().replace('\'', "''"),
        report = serde_json::to_string(&report).unwrap().replace('\'', "''"),
        place = serde_json::to_string(&place).unwrap().replace('\'', "''"),
        layer = place.layer.as_str(),
    ))
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_gmina_database_becomes_its_gminas_in_the_directory() {
    if !common::backend::sqlite_only("SQLite's migrations (server/migrations/sqlite)") {
        return;
    }
    use mm_protocol::gmina::Teryt;
    use mm_server::store::{ReportFilter, SessionKind, Store};
    let dir = tempfile::tempdir().unwrap();
    single_gmina_database(dir.path());
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(mm_server::store::SqliteStore::open(dir.path()).unwrap());
    let wroclaw = Teryt::parse("0264011").unwrap();
    assert_eq!(store.gmina_scope(), &wroclaw, "the store opens as the old gmina");

    // Every row of every table a gmina owns is the old gmina's.
    let c = Connection::open(dir.path().join("mm.sqlite")).unwrap();
    let tables = rows_by_gmina(&c, "0264011");
    let names: Vec<&str> = tables.iter().map(|(t, _, _)| t.as_str()).collect();
    let old_tables = [
        "audit_log", "departments", "devices", "event_categories", "events", "ezd_category_classes", "ezd_registrations",
        "idempotency", "jobs", "localities", "news", "photos", "places", "public_items", "report_categories", "reports",
        "settings", "users",
    ];
    for t in old_tables {
        assert!(names.contains(&t), "{t} has a gmina column: {names:?}");
    }
    for (t, other, all) in &tables {
        // Tables of later features (the taxes, 0014) start empty.
        assert!(*all > 0 || !old_tables.contains(&t.as_str()), "{t} kept its rows");
        assert_eq!(*other, 0, "{t}: rows of another gmina");
    }
    let fk: i64 = c.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 0, "every reference still points at a row");

    // The directory holds it; the app's gmina record is as it was.
    let all = store.list_gminas().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].teryt.clone(), all[0].name.as_str(), all[0].voivodeship.as_str()), (wroclaw.clone(), "Wrocław", "dolnośląskie"));
    let (gmina, localities) = store.gmina().await.unwrap();
    assert_eq!(gmina.unwrap().teryt, "0264011");
    assert_eq!(localities.len(), 1);

    // Its data reads back through its handle, and nothing through another's.
    assert_eq!(store.list_news().await.unwrap()[0].title, "Stary komunikat");
    assert!(store.get_report(1).await.unwrap().is_some());
    assert_eq!(store.get_event(1).await.unwrap().unwrap().category.as_deref(), Some("sport"));
    assert_eq!(store.get_place(1).await.unwrap().unwrap().osm_id.as_deref(), Some("node/1"));
    assert_eq!(store.setting("map.tile_url").await.unwrap().as_deref(), Some("https://tiles/{z}/{x}/{y}.png"));
    assert!(store.has_idempotency_key("reports/dev-1", "k").await.unwrap());
    assert_eq!(store.ezd_open_cases().await.unwrap().len(), 1);
    assert_eq!(store.list_departments().await.unwrap().len(), 1);
    assert_eq!(store.find_user("urzednik").await.unwrap().unwrap().gmina, wroclaw);
    assert_eq!(store.find_session("tok", SessionKind::BackOffice).await.unwrap().unwrap().gmina, wroclaw);
    assert_eq!(store.find_device("dev-hash").await.unwrap().unwrap().gmina, wroclaw);
    assert_eq!(store.log_page(0, 100).await.unwrap().0.iter().filter(|r| r.seq >= 1000).count(), 2);
    let other = store.for_gmina(&Teryt::parse("0223083").unwrap());
    assert!(other.get_report(1).await.unwrap().is_none());
    assert!(other.list_news().await.unwrap().is_empty());

    // New rows carry on after the old ids, in the old gmina.
    let d = mm_server::store::NewDevice {
        id: "dev-2".into(),
        token_hash: "dev-hash-2".into(),
        input: mm_protocol::devices::RegisterDevice {
            platform: mm_protocol::devices::Platform::Cli,
            app_version: "1.0.0".into(),
            locale: None,
            os_version: None,
            push_token: None,
        },
        created_at: chrono::Utc::now(),
    };
    store.register_device(None, d, mm_server::store::StoredResponse::created("{}".into())).await.unwrap();
    let mut input = mm_protocol::reports::NewReport {
        category: "other".into(),
        point: mm_protocol::geo::GeoPoint { lat: 51.1, lon: 17.03 },
        location_source: Default::default(),
        accuracy_m: None,
        address: None,
        description: "Nowe zgłoszenie.".into(),
        answers: Default::default(),
        photo_ids: vec![],
        contact: None,
    };
    input.description = "Nowe zgłoszenie po migracji.".into();
    let rec = mm_server::store::NewReportRecord { device_id: Some("dev-2".into()), idempotency: None, input, now: chrono::Utc::now() };
    let mm_server::store::Created::New(r) = store.create_report(rec).await.unwrap() else { panic!("new") };
    assert_eq!(r.id, 2);
    assert_eq!(store.list_reports(ReportFilter { limit: 10, ..Default::default() }).await.unwrap().len(), 2);
    // Every row the new writes made (a device, a report, its job and its
    // feed entry) carries the gmina: none was left unstamped.
    for (t, other, _) in rows_by_gmina(&c, "0264011") {
        assert_eq!(other, 0, "{t}: a row written after the migration is not the gmina's");
    }
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_opens_as_the_first_gmina_added() {
    // On both backends: a store, reopened, is the first gmina's.
    use mm_protocol::gmina::{Branding, Teryt};
    use mm_server::store::{Actor, GminaRecord};
    let dir = tempfile::tempdir().unwrap();
    let first = Teryt::parse("1465011").unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    {
        assert_eq!(store.gmina_scope().as_str(), "0223083", "the fallback while there is none");
        for (code, name) in [("1465011", "Warszawa"), ("0223083", "Siechnice")] {
            let g = GminaRecord {
                teryt: Teryt::parse(code).unwrap(),
                name: name.into(),
                powiat: String::new(),
                voivodeship: String::new(),
                boundary: None,
                center: None,
                branding: Branding::default(),
                settings: Default::default(),
            };
            store.add_gmina(Actor("cli".into()), g, chrono::Utc::now()).await.unwrap();
        }
        store.close().await.unwrap();
    }
    let store = guard.reopen(dir.path()).await;
    assert_eq!(store.gmina_scope(), &first);
    assert!(store.report_categories().await.unwrap().iter().any(|c| c.id == "other"), "a new gmina's defaults");
}

#[test]
fn a_database_that_never_named_its_gmina_becomes_the_fallback_gminas() {
    if !common::backend::sqlite_only("SQLite's migrations (server/migrations/sqlite)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = at_version(dir.path(), 11);
    c.execute_batch(
        "INSERT INTO news (id, title, body, priority, published_at, updated_at)
             VALUES (1, 'Komunikat', 'Treść', 'normal', '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z');",
    )
    .unwrap();
    drop(c);
    let c = at_version(dir.path(), mm_server::store::sqlite::SCHEMA_VERSION);
    let gminas: i64 = c.query_row("SELECT COUNT(*) FROM gminas", [], |r| r.get(0)).unwrap();
    assert_eq!(gminas, 0, "no gmina is made up");
    for (t, other, _) in rows_by_gmina(&c, "0223083") {
        assert_eq!(other, 0, "{t}: rows of another gmina than 0223083");
    }
    let news: String = c.query_row("SELECT gmina FROM news WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(news, "0223083");
}
