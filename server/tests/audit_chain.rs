//! The audit log as a hash chain per gmina (issue 17, item 5;
//! `mm_server::audit::chain`), on both stores: written through the store
//! it verifies; an edit or a deletion made with SQL behind the server's
//! back is named on the entry it hit; writers running at once (several
//! transactions on PostgreSQL) still make one chain per gmina; a chain
//! rewritten whole passes the walk but loses the head recorded before;
//! and the rows of a database from before the chain are chained by its
//! migration.

use crate::common;

use std::sync::Arc;

use chrono::Utc;
use common::TestApp;
use common::backend::SqlValue;
use mm_protocol::auth::Role;
use mm_protocol::news::NewsInput;
use mm_server::audit::chain::Failure;
use mm_server::audit::verify::{verify, verify_chain};
use mm_server::store::{Actor, Store};

const SIECHNICE: &str = "0223083";
const CZERNICA: &str = "0223032";

fn official() -> Actor {
    Actor("chain-official".into())
}

fn news(title: &str) -> NewsInput {
    NewsInput { title: title.into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None }
}

/// `n` audited writes (news) on `store`.
async fn write_news(store: &dyn Store, n: usize) {
    for i in 0..n {
        store.create_news(official(), news(&format!("Komunikat {i}")), Utc::now()).await.unwrap();
    }
}

/// The ids of the gmina's entries, oldest first.
fn ids(t: &TestApp, gmina: &str) -> Vec<i64> {
    t.sql()
        .texts(&format!("SELECT CAST(id AS TEXT) FROM audit_log WHERE gmina = '{gmina}' ORDER BY id"))
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_chain_of_several_entries_verifies() {
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 5).await;
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    assert!(r.intact(), "{r}");
    assert_eq!(r.checked, 5);
    let head = r.head.clone().unwrap();
    assert_eq!((head.id, head.seq), (*ids(&t, SIECHNICE).last().unwrap(), 5));
    // The head is the stored hash of the last entry, as an auditor records it.
    let stored = t.sql().text("SELECT hash FROM audit_log WHERE id = ?1", &[SqlValue::Int(head.id)]).unwrap();
    assert_eq!(head.hash, stored);
    assert!(r.to_string().contains(&format!("sha256 {stored}")), "{r}");
    // Nothing personal in what is printed: no login, no detail.
    assert!(!r.to_string().contains("chain-official") && !r.to_string().contains("Komunikat"), "{r}");
}

#[tokio::test]
async fn editing_one_entrys_details_names_exactly_that_entry() {
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 6).await;
    let ids = ids(&t, SIECHNICE);
    let victim = ids[3];
    let changed = t.sql().execute(
        "UPDATE audit_log SET details = ?1 WHERE id = ?2",
        &[SqlValue::from("{\"title\":\"Inny komunikat\"}"), SqlValue::Int(victim)],
    );
    assert_eq!(changed, 1);
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    let b = r.broken.clone().expect("the edit shows");
    assert_eq!((b.id, &b.failure), (victim, &Failure::ContentEdited), "{r}");
    assert_eq!(b.action, "news.create");
    assert_eq!(r.checked, 3, "the three entries before it passed");
    assert_eq!(r.head.as_ref().map(|h| h.id), Some(ids[2]));
    let line = r.to_string();
    assert!(line.contains(&format!("entry id {victim}")) && line.contains("content_edited"), "{line}");
    assert!(!line.contains("Inny komunikat") && !line.contains("chain-official"), "{line}");
}

#[tokio::test]
async fn deleting_a_middle_entry_is_detected() {
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 5).await;
    let ids = ids(&t, SIECHNICE);
    t.sql().execute("DELETE FROM audit_log WHERE id = ?1", &[SqlValue::Int(ids[2])]);
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    let b = r.broken.clone().expect("the deletion shows");
    assert_eq!((b.id, b.failure), (ids[3], Failure::EntryDeleted { missing: 1 }), "{r}");
    assert_eq!(r.checked, 2);
}

#[tokio::test]
async fn a_link_rewired_onto_another_predecessor_is_named() {
    // The entry's own hash recomputed after its `prev_hash` was changed
    // (content and hash agree), so only the link check can catch it.
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 4).await;
    let ids = ids(&t, SIECHNICE);
    let page = t.store.audit_chain_page(0, 100).await.unwrap();
    let e = page.iter().find(|e| e.id == ids[2]).unwrap();
    let genesis = mm_server::audit::chain::GENESIS;
    let fields = mm_server::audit::chain::Fields {
        gmina: &e.gmina,
        seq: e.seq.unwrap(),
        at: &e.at,
        actor: &e.actor,
        action: &e.action,
        entity: &e.entity,
        entity_id: e.entity_id.as_deref(),
        details: &e.details,
    };
    let hash = mm_server::audit::chain::entry_hash(&fields, genesis);
    t.sql().execute(
        "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
        &[SqlValue::from(genesis), SqlValue::from(hash), SqlValue::Int(ids[2])],
    );
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    let b = r.broken.clone().unwrap();
    assert_eq!((b.id, b.failure), (ids[2], Failure::LinkBroken), "{r}");
}

#[tokio::test]
async fn a_row_inserted_behind_the_servers_back_is_named() {
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 2).await;
    t.sql().execute(
        "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details)
         VALUES (?1, '2026-12-03T12:00:00.000000Z', 'intruz', 'news.delete', 'news', '1', '{}')",
        &[SqlValue::from(SIECHNICE)],
    );
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    assert_eq!(r.broken.map(|b| b.failure), Some(Failure::NotChained));
    assert_eq!(r.checked, 2);
}

/// What the chain cannot catch alone: someone with write access to the
/// database edits an entry and recomputes every hash after it. The walk
/// passes; the head recorded before the rewrite is no longer in the chain.
#[tokio::test]
async fn a_rewritten_chain_verifies_but_loses_the_recorded_head() {
    let t = TestApp::new().await;
    write_news(t.store.as_ref(), 3).await;
    let recorded = verify_chain(t.store.as_ref()).await.unwrap().head.unwrap().hash;
    write_news(t.store.as_ref(), 2).await;
    let v = verify(t.store.clone(), None, &[recorded.to_uppercase()]).await.unwrap();
    assert!(v.intact(), "{v}");
    assert_eq!(v.chains[0].recorded.iter().map(|h| h.seq).collect::<Vec<_>>(), vec![3]);
    assert!(v.to_string().contains(&format!("recorded head sha256 {recorded} found")), "{v}");

    // The rewrite: entry 2's details changed, then 2..5 hashed again.
    let mut prev = mm_server::audit::chain::GENESIS.to_owned();
    for mut e in t.store.audit_chain_page(0, 100).await.unwrap() {
        let seq = e.seq.unwrap();
        if seq == 2 {
            e.details = "{\"title\":\"Przepisany\"}".into();
        }
        let fields = e.fields(seq);
        let hash = mm_server::audit::chain::entry_hash(&fields, &prev);
        t.sql().execute(
            "UPDATE audit_log SET details = ?1, prev_hash = ?2, hash = ?3 WHERE id = ?4",
            &[SqlValue::from(&e.details), SqlValue::from(&prev), SqlValue::from(&hash), SqlValue::Int(e.id)],
        );
        prev = hash;
    }
    assert!(verify_chain(t.store.as_ref()).await.unwrap().intact(), "a full rewrite passes the walk");
    let v = verify(t.store.clone(), None, std::slice::from_ref(&recorded)).await.unwrap();
    assert!(!v.intact());
    assert_eq!(v.missing, vec![recorded.clone()]);
    assert!(v.to_string().contains("recorded_head_missing"), "{v}");
}

/// Many audited writes at once, in two gminas: on PostgreSQL each is a
/// transaction of its own on its own connection, all racing for the same
/// chain heads; every chain must still come out whole, one entry per write.
/// (Without the chain lock of `publish::append_audit` this fails on
/// PostgreSQL: two accounts' entries chain onto one head.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audited_writes_make_one_valid_chain_per_gmina() {
    let t = TestApp::new().await;
    let now = Utc::now();
    t.store.add_gmina(official(), common::gmina_record(SIECHNICE, "Siechnice"), now).await.unwrap();
    t.store.add_gmina(official(), common::gmina_record(CZERNICA, "Czernica"), now).await.unwrap();
    let siechnice = t.store.for_gmina(&mm_protocol::gmina::Teryt::parse(SIECHNICE).unwrap());
    let czernica = t.store.for_gmina(&mm_protocol::gmina::Teryt::parse(CZERNICA).unwrap());
    let before_s = siechnice.list_audit(100_000).await.unwrap().len();
    let before_c = czernica.list_audit(100_000).await.unwrap().len();
    let (tasks, each) = (12, 5);
    let barrier = Arc::new(tokio::sync::Barrier::new(tasks));
    let mut handles = Vec::new();
    for i in 0..tasks {
        let store: Arc<dyn Store> = if i % 3 == 0 { czernica.clone() } else { siechnice.clone() };
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            for j in 0..each {
                // An account publishes nothing, so only the chain's own
                // lock orders it; news also takes the publication lock.
                if j % 2 == 0 {
                    let login = format!("urzednik-{i}-{j}");
                    store.create_user(official(), &login, Role::Editor, "$argon2id$test").await.unwrap();
                } else {
                    store.create_news(official(), news(&format!("Komunikat {i}/{j}")), Utc::now()).await.unwrap();
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let reports = verify(t.store.clone(), None, &[]).await.unwrap().chains;
    assert_eq!(reports.len(), 2, "{reports:?}");
    for r in &reports {
        assert!(r.intact(), "{r}");
    }
    let by = |g: &str| reports.iter().find(|r| r.gmina.to_string() == g).unwrap().checked as usize;
    assert_eq!(by(SIECHNICE), before_s + 8 * each);
    assert_eq!(by(CZERNICA), before_c + 4 * each);
    // One entry per place: no two writers chained onto the same head.
    let dupes = t.sql().int(
        "SELECT COUNT(*) FROM (SELECT gmina, prev_hash FROM audit_log GROUP BY gmina, prev_hash HAVING COUNT(*) > 1) AS d",
        &[],
    );
    assert_eq!(dupes, 0);
}

/// A database from before the chain (SQLite at version 23, its audit rows
/// written by SQL as that server wrote them) is chained by migration 24,
/// each gmina in id order, and entries written afterwards go on from there.
#[tokio::test]
async fn the_migration_chains_the_entries_already_there() {
    if !common::backend::sqlite_only("SQLite's migration 24 (PostgreSQL's 14 runs the same Rust step)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    {
        let mut c = rusqlite::Connection::open(dir.path().join("mm.sqlite")).unwrap();
        mm_server::store::sqlite::migrate_until(&mut c, 23).unwrap();
        for (i, g) in [SIECHNICE, CZERNICA, SIECHNICE, SIECHNICE, CZERNICA].iter().enumerate() {
            c.execute(
                "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details)
                 VALUES (?1, ?2, 'admin', 'news.create', 'news', ?3, '{\"title\":\"x\"}')",
                rusqlite::params![g, format!("2026-01-0{}T10:00:00.000000Z", i + 1), i.to_string()],
            )
            .unwrap();
        }
    }
    let store: Arc<dyn Store> = Arc::new(mm_server::store::SqliteStore::open(dir.path()).unwrap());
    let reports = verify(store.clone(), None, &[]).await.unwrap().chains;
    let checked: Vec<(String, u64, bool)> = reports.iter().map(|r| (r.gmina.to_string(), r.checked, r.intact())).collect();
    assert_eq!(checked, vec![(CZERNICA.into(), 2, true), (SIECHNICE.into(), 3, true)]);
    write_news(store.as_ref(), 2).await;
    let r = verify_chain(store.as_ref()).await.unwrap();
    assert!(r.intact(), "{r}");
    assert_eq!((r.checked, r.head.unwrap().seq), (5, 5));
}

/// PostgreSQL's migration 14 on a database from before it: the chain
/// columns and what later migrations added dropped, and the version set
/// back to 13 (as that server left the schema), entries of two gminas
/// written without a hash; reopened, the store chains them in id order.
#[tokio::test]
async fn the_postgres_migration_chains_the_entries_already_there() {
    if common::backend::backend() != common::backend::Backend::Postgres {
        eprintln!("skipped: PostgreSQL's migration 14 (run with MM_TEST_BACKEND=postgres)");
        return;
    }
    let t = TestApp::new().await;
    t.sql().batch(
        // Back to version 13: migration 14's columns, and what 15 and 16
        // (which run again after it) made.
        "ALTER TABLE audit_log DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash;
         DROP INDEX notification_deliveries_due;
         DROP TABLE official_recovery_codes, official_totp;
         ALTER TABLE sessions DROP COLUMN stage, DROP COLUMN public_id, DROP COLUMN last_seen_at,
             DROP COLUMN user_agent, DROP COLUMN address;
         UPDATE mm_schema_version SET version = 13;",
    );
    for (i, g) in [SIECHNICE, CZERNICA, SIECHNICE, SIECHNICE, CZERNICA].iter().enumerate() {
        t.sql().execute(
            "INSERT INTO audit_log (gmina, at, actor, action, entity, entity_id, details)
             VALUES (?1, ?2, 'admin', 'news.create', 'news', ?3, '{\"title\":\"x\"}')",
            &[SqlValue::from(*g), SqlValue::from(format!("2026-01-0{}T10:00:00.000000Z", i + 1)), SqlValue::from(i.to_string())],
        );
    }
    let t = t.restart().await;
    assert_eq!(t.sql().int("SELECT version FROM mm_schema_version", &[]), mm_server::store::postgres::SCHEMA_VERSION as i64);
    let reports = verify(t.store.clone(), None, &[]).await.unwrap().chains;
    let checked: Vec<(String, u64, bool)> = reports.iter().map(|r| (r.gmina.to_string(), r.checked, r.intact())).collect();
    assert_eq!(checked, vec![(CZERNICA.into(), 2, true), (SIECHNICE.into(), 3, true)]);
    write_news(t.store.as_ref(), 2).await;
    let r = verify_chain(t.store.as_ref()).await.unwrap();
    assert!(r.intact(), "{r}");
    assert_eq!((r.checked, r.head.unwrap().seq), (5, 5));
}
