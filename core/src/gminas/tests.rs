//! Many gminas on one device, over loopback HTTP and real store files: the
//! directory (and its offline copy), the choice across restarts, one store
//! per gmina, and each gmina's writes sent under its own name only.

use chrono::Utc;
use mm_protocol::devices::Platform;
use mm_protocol::geo::GeoPoint;
use serde_json::json;

use crate::testing::*;
use crate::{Core, CoreConfig, CoreError, GminaChoice, SyncOptions};

const SIECHNICE: &str = "0223083";
const CZERNICA: &str = "0223032";
const ZORAWINA: &str = "0223102";

fn config(dir: &tempfile::TempDir, url: &str, gmina: Option<&str>) -> CoreConfig {
    CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: gmina.map(|t| mm_protocol::gmina::Teryt::parse(t).unwrap()),
        server_url: Some(url.into()),
        platform: Platform::Cli,
        app_version: "1.2.3".into(),
        locale: Some("pl-PL".into()),
    }
}

fn directory(gminas: &[(&str, &str, &str, [f64; 4])]) -> Reply {
    let list: Vec<_> = gminas.iter().map(|(t, n, p, b)| gmina_summary(t, n, p, *b)).collect();
    Reply::Json(200, json!({ "gminas": list }))
}

fn three() -> Reply {
    directory(&[
        (CZERNICA, "Czernica", "wrocławski", [51.02, 17.15, 51.12, 17.32]),
        (SIECHNICE, "Siechnice", "wrocławski", [50.98, 17.0, 51.1, 17.2]),
        (ZORAWINA, "Żórawina", "wrocławski", [50.9, 16.9, 51.0, 17.1]),
    ])
}

fn registered(token: &str) -> Reply {
    Reply::Json(201, json!({"device_id": format!("dev-{token}"), "token": token}))
}

fn names(list: &crate::GminaList) -> Vec<&str> {
    list.gminas.iter().map(|g| g.name.as_str()).collect()
}

#[tokio::test]
async fn a_fresh_install_has_no_gmina_and_says_so_until_one_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, "http://127.0.0.1:9", None)).unwrap();
    assert_eq!(core.gmina_choice().unwrap(), GminaChoice::NotChosen);
    assert_eq!(core.current_gmina(), None);
    let e = core.news().visible(Utc::now()).unwrap_err();
    assert_eq!(e, CoreError::GminaNotChosen);
    assert_eq!(e.code(), "gmina_not_chosen");
    assert!(e.message().pl.contains("gminę"));
    let e = core.reports().create_draft("oswietlenie").unwrap_err();
    assert_eq!(e.code(), "gmina_not_chosen");
    let status = core.status().unwrap();
    assert_eq!((status.gmina, status.pending_writes), (None, 0), "the Settings screen still opens");
    // Nothing of a gmina exists before the choice.
    assert!(!dir.path().join("data/gminas").exists());

    let e = core.choose_gmina("0223086").unwrap_err();
    assert_eq!((e.code(), e.to_string().contains("teryt")), ("invalid_input", true));
    let chosen = core.choose_gmina(SIECHNICE).unwrap();
    assert_eq!(chosen, GminaChoice::Chosen { teryt: siechnice(), name: None });
    assert!(core.news().visible(Utc::now()).unwrap().is_empty());
    assert_eq!(core.status().unwrap().pending_writes, 1, "the registration is queued for that gmina");
    assert!(dir.path().join("data/gminas/0223083/mm.sqlite3").is_file());
    drop(core);

    // Remembered across a restart.
    let core = Core::open(config(&dir, "http://127.0.0.1:9", None)).unwrap();
    assert_eq!(core.current_gmina(), Some(siechnice()));
}

#[tokio::test]
async fn the_directory_is_searched_on_the_server_and_answered_offline_from_what_was_seen() {
    let server = FakeServer::start().await;
    server.reply(three()).reply(directory(&[(SIECHNICE, "Siechnice", "wrocławski", [50.98, 17.0, 51.1, 17.2])]));
    server.reply(Reply::Drop).reply(Reply::Drop).reply(Reply::Drop).reply(Reply::Drop);
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, None)).unwrap();

    let all = core.gminas("").await.unwrap();
    assert_eq!((names(&all), all.offline), (vec!["Czernica", "Siechnice", "Żórawina"], false));
    let here = core.gminas_at(GeoPoint { lat: 51.05, lon: 17.1 }).await.unwrap();
    assert_eq!(names(&here), vec!["Siechnice"], "the server's answer, as it gave it");
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/api/v1/gminas");
    assert_eq!(reqs[1].target, "/api/v1/gminas?lat=51.05&lon=17.1");
    assert!(reqs.iter().all(|r| r.header("MM-Gmina").is_none()), "the directory belongs to no gmina");

    // The server cannot be reached: the same questions from what was seen.
    let offline = core.gminas("zorawina").await.unwrap();
    assert_eq!((names(&offline), offline.offline), (vec!["Żórawina"], true));
    assert_eq!(names(&core.gminas("WROCŁ").await.unwrap()), vec!["Czernica", "Siechnice", "Żórawina"], "by powiat");
    assert_eq!(names(&core.gminas("022308").await.unwrap()), vec!["Siechnice"], "by TERYT");
    // Offline, by the boxes: both boxes hold this point.
    let here = core.gminas_at(GeoPoint { lat: 51.05, lon: 17.18 }).await.unwrap();
    assert_eq!((names(&here), here.offline), (vec!["Czernica", "Siechnice"], true));
    drop(core);

    // Kept across a restart; with nothing ever seen, offline is an error.
    let core = Core::open(config(&dir, "http://127.0.0.1:9", None)).unwrap();
    assert_eq!(core.gminas("sie").await.unwrap().gminas.len(), 1);
    let fresh = tempfile::tempdir().unwrap();
    let core = Core::open(config(&fresh, "http://127.0.0.1:9", None)).unwrap();
    assert_eq!(core.gminas("").await.unwrap_err().code(), "network");
}

#[tokio::test]
async fn a_server_error_is_not_hidden_behind_the_offline_copy() {
    let server = FakeServer::start().await;
    server.reply(three()).reply(Reply::Json(
        400,
        json!({"code": "invalid_query", "message": {"pl": "Zły punkt.", "en": "Bad point."}, "field": "lat"}),
    ));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    core.gminas("").await.unwrap();
    let e = core.gminas_at(GeoPoint { lat: 91.0, lon: 17.0 }).await.unwrap_err();
    assert_eq!(e.code(), "invalid_query");
}

#[tokio::test]
async fn with_exactly_one_gmina_the_first_sync_chooses_it_and_names_it_in_every_request() {
    let server = FakeServer::start().await;
    server
        .reply(directory(&[(SIECHNICE, "Siechnice", "wrocławski", [50.98, 17.0, 51.1, 17.2])]))
        .reply(registered("tok-s"))
        .reply(Reply::Json(200, page(vec![upsert(1, "gmina", gmina())], "1", false)));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    assert_eq!(core.gmina_choice().unwrap(), GminaChoice::NotChosen);
    core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!(
        core.gmina_choice().unwrap(),
        GminaChoice::Chosen { teryt: siechnice(), name: Some("Siechnice".into()) }
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].target, "/api/v1/gminas");
    assert_eq!((reqs[1].method.as_str(), reqs[1].target.as_str()), ("POST", "/api/v1/devices"));
    assert!(reqs[2].target.starts_with("/api/v1/sync"));
    for r in &reqs[1..] {
        assert_eq!(r.header("MM-Gmina"), Some(SIECHNICE), "{}", r.target);
    }
    assert!(core.contains_point(GeoPoint { lat: 51.1, lon: 17.1 }).unwrap());
    let feed = core.events().feed(None);
    assert!(feed.url.ends_with("/api/v1/calendar.ics?gmina=0223083"), "{}", feed.url);
}

#[tokio::test]
async fn with_several_gminas_and_none_chosen_sync_asks_for_the_choice() {
    let server = FakeServer::start().await;
    server.reply(three()).reply(three());
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    let e = core.sync(SyncOptions::default(), None).await.unwrap_err();
    assert_eq!(e.code(), "gmina_not_chosen");
    assert_eq!(core.choose_sole_gmina().await.unwrap(), GminaChoice::NotChosen);
    assert_eq!(server.requests().len(), 2, "only the directory was asked");
    assert!(!dir.path().join("data/gminas").exists());
}

#[tokio::test]
async fn a_server_from_before_the_directory_is_a_directory_of_its_one_gmina() {
    let server = FakeServer::start().await;
    server.reply(Reply::Json(
        404,
        json!({"code": "not_found", "message": {"pl": "Nie znaleziono.", "en": "Not found."}}),
    ));
    server.reply(Reply::Json(200, json!({"gmina": gmina(), "localities": [locality(1, "Siechnice")]})));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    assert_eq!(
        core.choose_sole_gmina().await.unwrap(),
        GminaChoice::Chosen { teryt: siechnice(), name: Some("Siechnice".into()) }
    );
    assert_eq!(server.requests()[1].target, "/api/v1/gmina");
}

/// The rule of the switch: each gmina keeps its own store, and what was
/// queued in one is sent with that gmina's `MM-Gmina` and device token
/// only, even while another is chosen.
#[tokio::test]
async fn switching_keeps_each_gminas_store_and_sends_each_outbox_under_its_own_name() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, Some(SIECHNICE))).unwrap();
    // Siechnice: registered, synced, and a follow typed offline.
    server
        .reply(registered("tok-s"))
        .reply(Reply::Json(200, page(vec![upsert(1, "gmina", gmina()), upsert(2, "news", news(1, "Siechnice news", "normal", "2020-01-01T10:00:00Z"))], "2", false)));
    core.sync(SyncOptions::default(), None).await.unwrap();
    core.reports().follow(41).unwrap();

    // Switch to Czernica: an empty store of its own.
    assert!(matches!(core.choose_gmina(CZERNICA).unwrap(), GminaChoice::Chosen { teryt, .. } if teryt.as_str() == CZERNICA));
    assert!(core.news().visible(Utc::now()).unwrap().is_empty());
    core.reports().follow(77).unwrap();
    let status = core.status().unwrap();
    assert_eq!((status.pending_writes, status.pending_writes_elsewhere), (2, 1), "Czernica's two, Siechnice's follow");
    // Czernica's registration and follow go first, under Czernica; then
    // Siechnice's follow, under Siechnice with Siechnice's token.
    server
        .reply(registered("tok-c"))
        .reply(Reply::Status(204))
        .reply(Reply::Status(204));
    let sent = core.flush_outbox().await.unwrap();
    assert_eq!((sent.sent, sent.pending), (2, 0), "the summary is the chosen gmina's");
    let reqs = server.requests();
    let flushed: Vec<_> = reqs[2..]
        .iter()
        .map(|r| (r.target.as_str(), r.header("MM-Gmina").unwrap_or("-"), r.header("authorization").unwrap_or("-")))
        .collect();
    assert_eq!(
        flushed,
        vec![
            ("/api/v1/devices", CZERNICA, "-"),
            ("/api/v1/reports/77/follow", CZERNICA, "Bearer tok-c"),
            ("/api/v1/reports/41/follow", SIECHNICE, "Bearer tok-s"),
        ]
    );
    drop(core);

    // Back to Siechnice after a restart: its news and its (sent) follow are there.
    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    assert_eq!(core.current_gmina().unwrap().as_str(), CZERNICA, "the last choice is remembered");
    core.choose_gmina(SIECHNICE).unwrap();
    let news = core.news().visible(Utc::now()).unwrap();
    assert_eq!(news.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), vec!["Siechnice news"]);
    assert_eq!(core.status().unwrap().pending_writes, 0);
    assert!(core.status().unwrap().device_registered);
}

/// A write queued in a gmina the resident then left, and an app restarted
/// since: found at the next start and sent, under its gmina's name.
#[tokio::test]
async fn a_write_left_behind_in_another_gmina_is_sent_after_a_restart() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(&dir, &server.url, Some(SIECHNICE))).unwrap();
    core.reports().follow(41).unwrap();
    core.choose_gmina(CZERNICA).unwrap();
    drop(core);

    let core = Core::open(config(&dir, &server.url, None)).unwrap();
    server
        .reply(registered("tok-c"))
        .reply(registered("tok-s"))
        .reply(Reply::Status(204));
    core.flush_outbox().await.unwrap();
    let reqs = server.requests();
    let flushed: Vec<_> = reqs.iter().map(|r| (r.target.as_str(), r.header("MM-Gmina").unwrap_or("-"))).collect();
    assert_eq!(
        flushed,
        vec![("/api/v1/devices", CZERNICA), ("/api/v1/devices", SIECHNICE), ("/api/v1/reports/41/follow", SIECHNICE)]
    );
}

/// An install from before issue 13 kept one store in `data_dir`: it becomes
/// its gmina's, with what it had queued.
#[tokio::test]
async fn the_single_store_of_an_older_install_becomes_its_gminas() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("photos")).unwrap();
    std::fs::write(data.join("photos/abc.jpg"), b"jpeg").unwrap();
    {
        let old = crate::store::Store::open(&data.join("mm.sqlite3")).unwrap();
        let g: mm_protocol::gmina::Gmina = serde_json::from_value(gmina()).unwrap();
        old.write(|tx| {
            crate::gmina::upsert(tx, &g)?;
            crate::store::meta::set(tx, crate::store::meta::SERVER_URL, "https://mm.example")
        })
        .unwrap();
        crate::reports::set_followed(&old, 41, true, Utc::now()).unwrap();
    }
    let core = Core::open(config(&dir, "http://127.0.0.1:9", None)).unwrap();
    assert_eq!(core.current_gmina(), Some(siechnice()));
    assert_eq!(core.server_url(), "https://mm.example");
    assert!(!data.join("mm.sqlite3").exists());
    assert!(data.join("gminas/0223083/mm.sqlite3").is_file());
    assert!(data.join("gminas/0223083/photos/abc.jpg").is_file());
    assert_eq!(core.status().unwrap().pending_writes, 2, "the follow, and a registration");
    assert_eq!(core.gmina().unwrap().unwrap().teryt, SIECHNICE);
}
