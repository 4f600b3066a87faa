//! Schema versions, kept in `PRAGMA user_version`. Each entry of
//! [`MIGRATIONS`] upgrades from its index to the next version; never edit
//! one that has shipped, append a new one.
//!
//! Times in indexed columns are Unix seconds (UTC); entities are kept
//! whole as their wire JSON in `body`, with the columns queries need
//! beside it.

use rusqlite::Connection;

use crate::error::Error;

const MIGRATIONS: &[&str] = &[
    // 1: first schema.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE gmina (id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE localities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);

    CREATE TABLE news (
        id INTEGER PRIMARY KEY,
        priority INTEGER NOT NULL,          -- 0 normal, 1 important, 2 alert
        published_at INTEGER NOT NULL,
        expires_at INTEGER,
        body TEXT NOT NULL
    );
    CREATE INDEX news_by_rank ON news (priority DESC, published_at DESC);

    CREATE TABLE event_categories (id TEXT PRIMARY KEY, name_pl TEXT NOT NULL, body TEXT NOT NULL);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        category TEXT,
        place_name TEXT,
        all_day INTEGER NOT NULL,
        cancelled INTEGER NOT NULL,
        recurring INTEGER NOT NULL,
        body TEXT NOT NULL
    );

    -- Materialised occurrences: calendar screens read ranges of this with
    -- the index instead of expanding RRULEs on every query.
    CREATE TABLE event_occurrences (
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        PRIMARY KEY (event_id, starts_at)
    ) WITHOUT ROWID;
    CREATE INDEX event_occurrences_by_start ON event_occurrences (starts_at, ends_at, event_id);

    CREATE TABLE device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL,
        token TEXT NOT NULL,
        registered_at INTEGER NOT NULL
    );

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
        created_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        entity_id TEXT,
        UNIQUE (kind, entity_id)
    );

    -- Folded text (see search::fold), so the tokenizer needs no diacritic rules.
    CREATE VIRTUAL TABLE search_index USING fts5 (
        kind UNINDEXED, entity_id UNINDEXED, title, body,
        tokenize = 'unicode61'
    );
    "#,
    // 2: residents' reports (zgłoszenia): synced categories and public
    // reports with an R*Tree over their points, drafts, photos waiting to be
    // sent, my reports and the reports I follow.
    r#"
    CREATE TABLE report_categories (
        id TEXT PRIMARY KEY,
        name_pl TEXT NOT NULL,
        active INTEGER NOT NULL,
        body TEXT NOT NULL
    );

    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        category TEXT NOT NULL,
        status TEXT NOT NULL,
        open INTEGER NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        updated_at INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    -- "Near me" and the 30 m duplicate check: a box query on this index,
    -- then the exact distance on the few candidates.
    CREATE VIRTUAL TABLE reports_rtree USING rtree (id, min_lat, max_lat, min_lon, max_lon);

    CREATE TABLE report_drafts (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        body TEXT NOT NULL
    );

    -- One row per report made on this device. `request` is the NewReport
    -- (without photo ids); the outbox item with the idempotency key is
    -- `outbox_id` until the server acknowledges it (`server_id`).
    CREATE TABLE my_reports (
        local_id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'failed', 'sent')),
        outbox_id INTEGER,
        server_id INTEGER,
        request TEXT NOT NULL,
        error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
    );
    CREATE INDEX my_reports_by_server_id ON my_reports (server_id);

    -- Normalised photos (files under data_dir/photos, named by SHA-256),
    -- attached to a draft or to a report not yet acknowledged.
    CREATE TABLE report_photos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        draft_id TEXT REFERENCES report_drafts(id) ON DELETE CASCADE,
        local_report_id INTEGER REFERENCES my_reports(local_id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        uploaded_id TEXT,
        CHECK ((draft_id IS NULL) <> (local_report_id IS NULL))
    );
    CREATE INDEX report_photos_by_draft ON report_photos (draft_id);
    CREATE INDEX report_photos_by_report ON report_photos (local_report_id);
    CREATE INDEX report_photos_by_photo ON report_photos (photo_id);

    CREATE TABLE followed_reports (report_id INTEGER PRIMARY KEY, followed_at INTEGER NOT NULL);
    "#,
    // 3: the map (places): a narrow row with what the map's lists show
    // (needs is a bit mask of places::model::AccessNeed), the wire JSON apart
    // (so a box query reads few pages), an R*Tree over each geometry's
    // bounding box carrying the filter columns (so filtered-out candidates
    // are never looked up), and folded names for search (rowid = place id).
    r#"
    CREATE TABLE places (
        id INTEGER PRIMARY KEY,
        layer INTEGER NOT NULL,             -- 0 infrastructure, 1 attractions, 2 monuments, 3 bike paths
        category TEXT NOT NULL,
        name TEXT NOT NULL,
        lat REAL NOT NULL,                  -- the point, or a line's first point
        lon REAL NOT NULL,
        is_line INTEGER NOT NULL,
        wheelchair TEXT NOT NULL,
        needs INTEGER NOT NULL,
        address TEXT,
        opening_hours TEXT,
        length_m REAL NOT NULL
    );
    CREATE TABLE place_bodies (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE VIRTUAL TABLE places_rtree USING rtree (id, min_lat, max_lat, min_lon, max_lon, +needs, +layer);
    CREATE VIRTUAL TABLE places_fts USING fts5 (title, body, tokenize = 'unicode61');
    "#,
    // 4: local taxes (issue 14), personal data of the linked taxpayers only,
    // never in the sync feed: the taxpayers, their liabilities as the server
    // last stated them (`record` = LiabilityRecord JSON, `app_payments` =
    // [AppPaymentSummary] JSON), the gmina's rules and recipient (so interest
    // to today is recomputed offline), and the payments made on this device.
    // Unlinking deletes a taxpayer's rows of every table in one transaction.
    r#"
    CREATE TABLE tax_taxpayers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        linked_at INTEGER NOT NULL
    );

    CREATE TABLE tax_liabilities (
        id TEXT PRIMARY KEY,
        taxpayer TEXT NOT NULL REFERENCES tax_taxpayers(id) ON DELETE CASCADE,
        due_date TEXT NOT NULL,             -- nominal, YYYY-MM-DD (reminders scan it)
        record TEXT NOT NULL,
        app_payments TEXT NOT NULL
    );
    CREATE INDEX tax_liabilities_by_taxpayer ON tax_liabilities (taxpayer);

    CREATE TABLE tax_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        rules TEXT NOT NULL,                -- TaxRules JSON
        recipient TEXT NOT NULL,            -- TaxRecipient JSON
        payments_enabled INTEGER NOT NULL,
        fetched_at INTEGER NOT NULL
    );

    -- A payment made here. `idempotency_key` is its outbox item's key: every
    -- retry (after a lost answer, a killed app) sends the same one, so the
    -- server makes one payment. `server_id` once the server answered.
    CREATE TABLE tax_payments (
        id TEXT PRIMARY KEY,
        liability TEXT NOT NULL,
        taxpayer TEXT NOT NULL,
        amount_grosze INTEGER NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        outbox_id INTEGER,
        state TEXT NOT NULL CHECK (state IN ('queued', 'pending', 'paid', 'failed', 'expired', 'refused')),
        server_id TEXT,
        redirect_url TEXT,
        receipt_url TEXT,
        paid_at INTEGER,
        booked INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX tax_payments_by_taxpayer ON tax_payments (taxpayer);
    CREATE INDEX tax_payments_by_liability ON tax_payments (liability);
    "#,
    // 5: the participatory budget (issue 15): editions, projects and
    // results as fetched (wire JSON in `body`), the ballot drafts and what
    // became of each cast. The voter's identity is never in these tables:
    // it lives only in the outbox item's payload until the server answers.
    r#"
    CREATE TABLE budget_editions (
        id INTEGER PRIMARY KEY,
        year INTEGER NOT NULL,
        body TEXT NOT NULL                  -- Edition JSON
    );
    CREATE TABLE budget_projects (
        id INTEGER PRIMARY KEY,
        edition INTEGER NOT NULL,
        pool INTEGER NOT NULL,
        body TEXT NOT NULL                  -- Project JSON
    );
    CREATE INDEX budget_projects_by_edition ON budget_projects (edition, pool);
    CREATE TABLE budget_results (
        edition INTEGER PRIMARY KEY,
        body TEXT NOT NULL                  -- EditionResults JSON
    );
    -- When each list was last fetched: 'editions', 'projects:{edition}',
    -- 'results:{edition}'.
    CREATE TABLE budget_fetches (what TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL);

    -- The ballot as the resident picks, per edition (survives restarts).
    CREATE TABLE budget_ballot_drafts (
        edition INTEGER PRIMARY KEY,
        pools TEXT NOT NULL,                -- Vec<PoolChoice> JSON
        updated_at INTEGER NOT NULL
    );

    -- One cast per edition: queued (its outbox item holds the identity),
    -- cast (the receipt), or refused (the server's final answer).
    CREATE TABLE budget_casts (
        edition INTEGER PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('queued', 'cast', 'refused')),
        idempotency_key TEXT NOT NULL,
        outbox_id INTEGER,
        pools TEXT NOT NULL,                -- the normalised choices sent
        receipt TEXT,                       -- BallotReceipt JSON
        error TEXT,                         -- {code, message} JSON
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    "#,
    // 6: the budget's other writes and my ballot as the server keeps it;
    // consultations (issue 15). Identities (a signer's, a changer's) live
    // only in outbox payloads, as for the ballot; these tables hold what
    // the screens show.
    r#"
    -- My ballot as the server last told it (GET or PUT .../ballot).
    CREATE TABLE budget_my_ballots (
        edition INTEGER PRIMARY KEY,
        body TEXT NOT NULL,                 -- MyBallot JSON
        fetched_at INTEGER NOT NULL
    );
    -- A project submitted, a signature, an appeal, a ballot change: queued
    -- (its outbox item), done (the server's answer) or refused.
    CREATE TABLE budget_writes (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('project', 'signature', 'appeal', 'change')),
        edition INTEGER,
        project INTEGER,
        state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'refused')),
        outbox_id INTEGER,
        title TEXT NOT NULL,                -- what it is about, no identity
        answer TEXT,                        -- the server's answer JSON
        error TEXT,                         -- {code, message, field} JSON
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX budget_writes_by_kind ON budget_writes (kind, edition, project);

    CREATE TABLE consultations (
        id INTEGER PRIMARY KEY,
        opens_at INTEGER NOT NULL,
        body TEXT NOT NULL                  -- Consultation JSON
    );
    CREATE TABLE consultation_summaries (
        consultation INTEGER PRIMARY KEY,
        body TEXT NOT NULL                  -- PublicSummary JSON
    );
    -- 'list', 'summary:{id}'.
    CREATE TABLE consultation_fetches (what TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL);
    CREATE TABLE consultation_drafts (
        consultation INTEGER PRIMARY KEY,
        answers TEXT NOT NULL,              -- Answers JSON
        updated_at INTEGER NOT NULL
    );
    -- One response per consultation from this device: queued, sent, refused.
    CREATE TABLE consultation_responses (
        consultation INTEGER PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'refused')),
        outbox_id INTEGER,
        answers TEXT NOT NULL,              -- NormalAnswers JSON
        receipt TEXT,                       -- AnswerReceipt JSON
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    "#,
    // 7: notifications that reach the phone (issue 16): the server's feed
    // joins the notifications raised here (`feed_id` = the server's
    // notification id; `link` = its wire `Link` JSON), the device's
    // subscription as the resident last set it, and the push registration's
    // state. The push token itself lives only in the outbox item's payload
    // (a capability: whoever holds it can push to the phone).
    r#"
    ALTER TABLE notifications ADD COLUMN feed_id INTEGER;
    ALTER TABLE notifications ADD COLUMN link TEXT;
    CREATE UNIQUE INDEX notifications_by_feed_id ON notifications (feed_id);

    -- The subscription as the resident last set it: queued (its outbox
    -- item `outbox_id`), synced (the server holds it), refused (`error`).
    CREATE TABLE notification_subscription (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body TEXT NOT NULL,                 -- Subscription JSON
        state TEXT NOT NULL CHECK (state IN ('queued', 'synced', 'refused')),
        outbox_id INTEGER,
        error TEXT,                         -- {code, message} JSON
        updated_at INTEGER NOT NULL
    );

    -- Whether and how the server can push to this device (no token here).
    CREATE TABLE push_registration (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        transport TEXT,                     -- apns, fcm, web_push; NULL once removed
        state TEXT NOT NULL CHECK (state IN ('queued', 'registered', 'refused', 'removing', 'removed')),
        outbox_id INTEGER,
        error TEXT,                         -- {code, message} JSON
        updated_at INTEGER NOT NULL
    );
    "#,
    // 8: the waste-collection schedule (issue 16 §5–§6): the resident's
    // addresses (this device's data only: the server keeps none, so no
    // outbox), each one's schedule as last fetched, the dictionary. The
    // reminder preferences are a `meta` row (`waste_reminder_prefs`).
    r#"
    CREATE TABLE waste_addresses (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        locality TEXT NOT NULL,
        street TEXT,
        number TEXT NOT NULL,               -- as typed: 12, 12a, 12/3
        building TEXT CHECK (building IN ('single_family', 'multi_family')),
        state TEXT NOT NULL CHECK (state IN ('unchecked', 'known', 'unknown', 'building_type_needed')),
        created_at INTEGER NOT NULL
    );
    CREATE TABLE waste_schedules (
        address INTEGER PRIMARY KEY REFERENCES waste_addresses(id) ON DELETE CASCADE,
        body TEXT NOT NULL,                 -- ScheduleResponse JSON
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE waste_dictionary (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body TEXT NOT NULL,                 -- Vec<DictionaryEntry> JSON
        fetched_at INTEGER NOT NULL
    );
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        // A newer build wrote this file and the app was downgraded.
        return Err(Error::Storage {
            detail: format!("store schema {current} is newer than this build's {SCHEMA_VERSION}"),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "store migrated");
    }
    Ok(())
}
