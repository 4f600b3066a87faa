//! The budget's ballots and one-vote register on PostgreSQL, as
//! `store/sqlite/ballots.rs`: one transaction per cast, cached statements.
//! Concurrent casts for one voter key meet at the register's primary key:
//! `INSERT ... ON CONFLICT DO NOTHING RETURNING` gives a row to one of
//! them; the others wait for its COMMIT and get none. A paper card that
//! voids a counted ballot locks the register row first (`FOR UPDATE`).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use serde_json::json;

use super::devices::{remember, replay};
use super::publish::audit;
use super::{PostgresStore, Tx, parse_time, opt_time, ts, write_tx};
use crate::budget::identity::{PhoneKey, VoterKey};
use crate::store::ballots::{
    BallotChange, BallotChoice, BallotOwner, BallotPurge, BallotState, BallotStore, CastOutcome, ChangeOutcome,
    CountBallots, NewBallot, NewSignature, NewSmsCode, PbRow, ProjectTally, SMS_CODE_MINUTES, SMS_KEEP_HOURS, SMS_MAX_WRONG,
    Signed, SmsCheck, StoredBallot, channel_str, local_day, parse_channel,
};
use crate::store::budget::parse_status;
use crate::store::sqlite::ballots_past_retention as past_retention;
use crate::store::{Conflict, StoreError, StoreResult, StoredResponse};
use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy, ProjectStatus};
use mm_protocol::budget::wire::SignatureReceipt;

fn bad(what: &str) -> StoreError {
    StoreError::backend(format!("a stored {what} does not parse"))
}

/// The edition's generation (migration 0008), `None` when the gmina has
/// no such edition.
async fn generation(c: &impl GenericClient, g: &str, edition: i64) -> StoreResult<Option<i64>> {
    let st = c.prepare_cached("SELECT generation FROM budget_editions WHERE gmina = $1 AND id = $2").await?;
    Ok(c.query_opt(&st, &[&g, &edition]).await?.map(|r| r.get(0)))
}

async fn edition_exists(c: &impl GenericClient, g: &str, edition: i64) -> StoreResult<()> {
    generation(c, g, edition).await?.map(|_| ()).ok_or(StoreError::NotFound)
}

/// A support signature with its retry key (`BallotStore::sign_project`).
/// `replay` locks the key first, so two racing retries meet there; two
/// keys of one signer meet at the signatures' primary key.
async fn sign(tx: &Tx<'_>, g: &str, s: &NewSignature) -> StoreResult<Signed> {
    if let Some(stored) = replay(tx, g, &s.idempotency).await? {
        return Ok(Signed::Replayed(stored));
    }
    let st = tx.c.prepare_cached("SELECT status FROM budget_projects WHERE gmina = $1 AND id = $2").await?;
    let status: String = tx.c.query_opt(&st, &[&g, &s.project]).await?.ok_or(StoreError::NotFound)?.get(0);
    if !matches!(parse_status(&status)?, ProjectStatus::Submitted | ProjectStatus::UnderVerification) {
        return Err(StoreError::Conflict(Conflict::PhaseClosed));
    }
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO budget_signatures (gmina, project, signer_key, channel, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let inserted = tx.c.execute(&st, &[&g, &s.project, &s.signer_key, &channel_str(s.channel), &ts(s.now)]).await?;
    if inserted == 0 {
        return Err(StoreError::Conflict(Conflict::AlreadySigned));
    }
    let st = tx.c.prepare_cached("SELECT COUNT(*) FROM budget_signatures WHERE gmina = $1 AND project = $2").await?;
    let signatures = u32::try_from(tx.c.query_one(&st, &[&g, &s.project]).await?.get::<_, i64>(0)).unwrap_or(u32::MAX);
    let receipt = SignatureReceipt { project: s.project, signed_at: s.now, signatures, required: s.required };
    remember(tx, g, &s.idempotency, &StoredResponse::created(serde_json::to_string(&receipt)?)).await?;
    Ok(Signed::New(receipt))
}

/// Checks and, when right, uses an SMS code; a wrong try is counted. The
/// row is locked, so concurrent tries count one by one.
async fn check_sms(
    tx: &Tx<'_>,
    g: &str,
    edition: i64,
    request_id: &str,
    voter_key: &VoterKey,
    code_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<SmsCheck> {
    let st = tx
        .c
        .prepare_cached(
            "SELECT voter_key, code_hash, expires_at, attempts, used_at, phone_key FROM budget_sms_codes
             WHERE gmina = $1 AND id = $2 AND edition = $3 FOR UPDATE",
        )
        .await?;
    let Some(row) = tx.c.query_opt(&st, &[&g, &request_id, &edition]).await? else {
        return Ok(SmsCheck::Expired);
    };
    let voter: Vec<u8> = row.get(0);
    let hash: String = row.get(1);
    let expires_at = parse_time(row.get(2))?;
    let attempts = u32::try_from(row.get::<_, i64>(3)).unwrap_or(u32::MAX);
    let used: Option<String> = row.get(4);
    let phone: Vec<u8> = row.get(5);
    if used.is_some() || expires_at <= now {
        return Ok(SmsCheck::Expired);
    }
    if attempts >= SMS_MAX_WRONG {
        return Ok(SmsCheck::Locked { until: expires_at });
    }
    if voter != voter_key.as_bytes() || hash != code_hash {
        let st = tx.c.prepare_cached("UPDATE budget_sms_codes SET attempts = attempts + 1 WHERE gmina = $1 AND id = $2").await?;
        tx.c.execute(&st, &[&g, &request_id]).await?;
        let left = SMS_MAX_WRONG - attempts - 1;
        return Ok(if left == 0 { SmsCheck::Locked { until: expires_at } } else { SmsCheck::Wrong { left } });
    }
    let st = tx.c.prepare_cached("UPDATE budget_sms_codes SET used_at = $3 WHERE gmina = $1 AND id = $2").await?;
    tx.c.execute(&st, &[&g, &request_id, &ts(now)]).await?;
    Ok(SmsCheck::Ok { phone_key: PhoneKey::from_slice(&phone).ok_or_else(|| bad("phone key"))? })
}

async fn insert_choices(tx: &Tx<'_>, g: &str, ballot: i64, choices: &[BallotChoice]) -> StoreResult<()> {
    if choices.is_empty() {
        return Ok(());
    }
    let pools: Vec<i64> = choices.iter().map(|c| c.pool).collect();
    let projects: Vec<i64> = choices.iter().map(|c| c.project).collect();
    let points: Vec<i64> = choices.iter().map(|c| i64::from(c.points)).collect();
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO budget_ballot_choices (gmina, ballot, pool, project, points)
             SELECT $1, $2, * FROM UNNEST($3::BIGINT[], $4::BIGINT[], $5::BIGINT[])",
        )
        .await?;
    tx.c.execute(&st, &[&g, &ballot, &pools, &projects, &points]).await?;
    Ok(())
}

async fn insert_ballot(tx: &Tx<'_>, g: &str, id: i64, b: &NewBallot, state: BallotState) -> StoreResult<()> {
    let (key, hash) = match &b.idempotency {
        Some(i) if b.device.is_some() => (Some(i.key.as_str()), Some(i.request_hash.as_str())),
        _ => (None, None),
    };
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO budget_ballots (id, gmina, edition, voter_key, channel, state, device, entered_by,
                 residence_declared, receipt_hash, idem_key, request_hash, cast_at)
             OVERRIDING SYSTEM VALUE
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .await?;
    tx.c.execute(
        &st,
        &[
            &id,
            &g,
            &b.edition,
            &b.voter_key.as_bytes(),
            &channel_str(b.channel),
            &state.as_str(),
            &b.device,
            &b.entered_by.as_ref().map(|a| a.0.as_str()),
            &i64::from(b.residence_declared),
            &b.receipt_key.receipt_hash(id),
            &key,
            &hash,
            &ts(b.now),
        ],
    )
    .await?;
    insert_choices(tx, g, id, &b.choices).await
}

/// An official's paper card: audited (ids and the outcome only).
async fn audit_paper(tx: &Tx<'_>, g: &str, b: &NewBallot, id: i64, state: BallotState) -> StoreResult<()> {
    match &b.entered_by {
        Some(actor) => {
            audit(
                tx,
                g,
                actor,
                b.now,
                "budget_paper_ballot",
                "budget_ballot",
                Some(&id.to_string()),
                json!({ "edition": b.edition, "state": state.as_str() }),
            )
            .await
        }
        None => Ok(()),
    }
}

/// `cast`, only while the edition's generation is `expected` (`None`:
/// it moved on, nothing written).
async fn cast_at(tx: &Tx<'_>, g: &str, b: &NewBallot, expected: i64) -> StoreResult<Option<CastOutcome>> {
    match generation(&tx.c, g, b.edition).await? {
        None => Err(StoreError::NotFound),
        Some(now) if now != expected => Ok(None),
        Some(_) => cast_checked(tx, g, b).await.map(Some),
    }
}

/// `cast_at` for an online ballot in fewer round trips (each one is a
/// wait on a 2-core machine shared with PostgreSQL's backends,
/// docs/BENCHMARKS.md): one statement reads the edition's generation,
/// checks that the device still holds `token_hash` (the caller may have
/// taken the device from a cache), looks up the retry key and draws the
/// new ballot's id (a draw that goes unused leaves a gap, as a register
/// conflict always did). Then, with no SMS code and no phone cap to apply,
/// one statement inserts the register row and, only when it was inserted,
/// the ballot and its choices; otherwise `cast_checked`'s steps.
async fn cast_online_at(
    tx: &Tx<'_>,
    g: &str,
    b: &NewBallot,
    expected: i64,
    token_hash: &str,
) -> StoreResult<Option<CastOutcome>> {
    let Some(device) = b.device.as_deref() else {
        return Err(StoreError::UnknownReference { field: "device" });
    };
    let idem_key = b.idempotency.as_ref().map(|i| i.key.as_str());
    let st = tx
        .c
        .prepare_cached(
            "SELECT e.generation,
                    EXISTS (SELECT 1 FROM devices d WHERE d.id = $3 AND d.gmina = $1 AND d.token_hash = $4),
                    b.id, b.request_hash, b.cast_at,
                    nextval(pg_get_serial_sequence('budget_ballots', 'id'))
               FROM budget_editions e
               LEFT JOIN budget_ballots b
                 ON b.gmina = e.gmina AND b.edition = e.id AND b.device = $3 AND b.idem_key = $5
              WHERE e.gmina = $1 AND e.id = $2",
        )
        .await?;
    let Some(row) = tx.c.query_opt(&st, &[&g, &b.edition, &device, &token_hash, &idem_key]).await? else {
        return Err(StoreError::NotFound);
    };
    if !row.get::<_, bool>(1) {
        return Err(StoreError::UnknownReference { field: "device" });
    }
    if row.get::<_, i64>(0) != expected {
        return Ok(None);
    }
    if let (Some(first), Some(idem)) = (row.get::<_, Option<i64>>(2), &b.idempotency) {
        if row.get::<_, Option<&str>>(3) != Some(idem.request_hash.as_str()) {
            return Err(StoreError::IdempotencyConflict);
        }
        let cast_at: Option<&str> = row.get(4);
        let cast_at = parse_time(cast_at.ok_or_else(|| bad("ballot time"))?)?;
        return Ok(Some(CastOutcome::Replayed { ballot_id: first, cast_at }));
    }
    if b.sms.is_some() || b.phone_key.is_some() || b.channel != BallotChannel::Online {
        // The SMS code and the phone cap decide between the register and
        // the ballot: the general steps (the retry key is known unused).
        return cast_after_replay(tx, g, b).await.map(Some);
    }
    let id: i64 = row.get(5);
    let pools: Vec<i64> = b.choices.iter().map(|c| c.pool).collect();
    let projects: Vec<i64> = b.choices.iter().map(|c| c.project).collect();
    let points: Vec<i64> = b.choices.iter().map(|c| i64::from(c.points)).collect();
    let (key, hash) = match &b.idempotency {
        Some(i) => (Some(i.key.as_str()), Some(i.request_hash.as_str())),
        None => (None, None),
    };
    // The register's row decides (one of any number of concurrent casts
    // gets it); the ballot and its choices are inserted only from its
    // RETURNING, so a voter already registered writes nothing.
    let st = tx
        .c
        .prepare_cached(
            "WITH r AS (
                 INSERT INTO budget_register (gmina, edition, voter_key, state, ballot, phone_key, first_channel, first_at)
                 VALUES ($1::TEXT, $2::BIGINT, $3::BYTEA, 'counted', $4::BIGINT, NULL, $5::TEXT, $6::TEXT)
                 ON CONFLICT DO NOTHING RETURNING ballot
             ), ins AS (
                 INSERT INTO budget_ballots (id, gmina, edition, voter_key, channel, state, device, entered_by,
                     residence_declared, receipt_hash, idem_key, request_hash, cast_at)
                 OVERRIDING SYSTEM VALUE
                 SELECT r.ballot, $1::TEXT, $2::BIGINT, $3::BYTEA, $5::TEXT, 'counted', $7::TEXT, NULL,
                        $8::BIGINT, $9::TEXT, $10::TEXT, $11::TEXT, $6::TEXT FROM r
             ), ch AS (
                 INSERT INTO budget_ballot_choices (gmina, ballot, pool, project, points)
                 SELECT $1::TEXT, r.ballot, u.pool, u.project, u.points
                   FROM r, UNNEST($12::BIGINT[], $13::BIGINT[], $14::BIGINT[]) AS u (pool, project, points)
             )
             SELECT ballot FROM r",
        )
        .await?;
    let inserted = tx
        .c
        .query_opt(
            &st,
            &[
                &g,
                &b.edition,
                &b.voter_key.as_bytes(),
                &id,
                &channel_str(b.channel),
                &ts(b.now),
                &device,
                &i64::from(b.residence_declared),
                &b.receipt_key.receipt_hash(id),
                &key,
                &hash,
                &pools,
                &projects,
                &points,
            ],
        )
        .await?;
    if inserted.is_some() {
        return Ok(Some(CastOutcome::Counted { ballot_id: id, cast_at: b.now }));
    }
    registered_before(tx, g, b).await.map(Some)
}

async fn cast(tx: &Tx<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    edition_exists(&tx.c, g, b.edition).await?;
    cast_checked(tx, g, b).await
}

/// The cast once the edition is known to exist.
async fn cast_checked(tx: &Tx<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    if let (Some(device), Some(idem)) = (&b.device, &b.idempotency) {
        let st = tx
            .c
            .prepare_cached(
                "SELECT id, request_hash, cast_at FROM budget_ballots
                 WHERE gmina = $1 AND edition = $2 AND device = $3 AND idem_key = $4",
            )
            .await?;
        if let Some(r) = tx.c.query_opt(&st, &[&g, &b.edition, device, &idem.key]).await? {
            if r.get::<_, Option<&str>>(1) != Some(idem.request_hash.as_str()) {
                return Err(StoreError::IdempotencyConflict);
            }
            return Ok(CastOutcome::Replayed { ballot_id: r.get(0), cast_at: parse_time(r.get(2))? });
        }
    }
    cast_after_replay(tx, g, b).await
}

/// `cast_checked` once the retry key is known unused.
async fn cast_after_replay(tx: &Tx<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    let mut phone = b.phone_key;
    if let Some(sms) = &b.sms {
        match check_sms(tx, g, b.edition, &sms.request_id, &b.voter_key, &sms.code_hash, b.now).await? {
            SmsCheck::Ok { phone_key } => phone = Some(phone_key),
            other => return Ok(CastOutcome::Sms(other)),
        }
    }
    let phone_bytes = phone.as_ref().map(|p| p.as_bytes());
    // The arbiter: one of any number of concurrent casts gets the row.
    let st = tx
        .c
        .prepare_cached(
            "INSERT INTO budget_register (gmina, edition, voter_key, state, ballot, phone_key, first_channel, first_at)
             VALUES ($1, $2, $3, 'counted', nextval(pg_get_serial_sequence('budget_ballots', 'id')), $4, $5, $6)
             ON CONFLICT DO NOTHING RETURNING ballot",
        )
        .await?;
    let inserted = tx
        .c
        .query_opt(&st, &[&g, &b.edition, &b.voter_key.as_bytes(), &phone_bytes, &channel_str(b.channel), &ts(b.now)])
        .await?;
    if let Some(row) = inserted {
        let id: i64 = row.get(0);
        if let (Some(p), cap @ 1..) = (phone, b.policy.max_voters_per_phone) {
            let st = tx
                .c
                .prepare_cached(
                    "INSERT INTO budget_phones (gmina, edition, phone_key, voters) VALUES ($1, $2, $3, 1)
                     ON CONFLICT (gmina, edition, phone_key) DO UPDATE SET voters = budget_phones.voters + 1
                     WHERE budget_phones.voters < $4 RETURNING voters",
                )
                .await?;
            let counted = tx.c.query_opt(&st, &[&g, &b.edition, &p.as_bytes(), &i64::from(cap)]).await?.is_some();
            if !counted {
                // Nothing of this cast stays: casts waiting on the row
                // then insert theirs.
                let st = tx
                    .c
                    .prepare_cached("DELETE FROM budget_register WHERE gmina = $1 AND edition = $2 AND voter_key = $3")
                    .await?;
                tx.c.execute(&st, &[&g, &b.edition, &b.voter_key.as_bytes()]).await?;
                return Ok(CastOutcome::PhoneLimit);
            }
        }
        insert_ballot(tx, g, id, b, BallotState::Counted).await?;
        audit_paper(tx, g, b, id, BallotState::Counted).await?;
        return Ok(CastOutcome::Counted { ballot_id: id, cast_at: b.now });
    }
    registered_before(tx, g, b).await
}

/// The cast of a voter the register already holds: online `AlreadyVoted`
/// (nothing written), paper per `policy.duplicates`.
async fn registered_before(tx: &Tx<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    let st = tx
        .c
        .prepare_cached(
            "SELECT state, first_channel, first_at, ballot FROM budget_register
             WHERE gmina = $1 AND edition = $2 AND voter_key = $3 FOR UPDATE",
        )
        .await?;
    let row = tx
        .c
        .query_opt(&st, &[&g, &b.edition, &b.voter_key.as_bytes()])
        .await?
        .ok_or_else(|| StoreError::backend("the register's row went away during a cast; try again"))?;
    let state: String = row.get(0);
    let first_channel = parse_channel(row.get(1)).ok_or_else(|| bad("channel"))?;
    let on = local_day(parse_time(row.get(2))?);
    let counted: Option<i64> = row.get(3);
    if b.channel == BallotChannel::Online {
        return Ok(CastOutcome::AlreadyVoted { first_channel, on });
    }
    let st = tx.c.prepare_cached("SELECT nextval(pg_get_serial_sequence('budget_ballots', 'id'))").await?;
    let id: i64 = tx.c.query_one(&st, &[]).await?.get(0);
    if b.policy.duplicates == DuplicatePolicy::VoidAll && state == "counted" {
        let st = tx
            .c
            .prepare_cached("UPDATE budget_register SET state = 'void' WHERE gmina = $1 AND edition = $2 AND voter_key = $3")
            .await?;
        tx.c.execute(&st, &[&g, &b.edition, &b.voter_key.as_bytes()]).await?;
        if let Some(first) = counted {
            let st = tx
                .c
                .prepare_cached(
                    "UPDATE budget_ballots SET state = 'void_duplicate' WHERE gmina = $1 AND id = $2 AND state = 'counted'",
                )
                .await?;
            tx.c.execute(&st, &[&g, &first]).await?;
        }
        insert_ballot(tx, g, id, b, BallotState::VoidDuplicate).await?;
        audit_paper(tx, g, b, id, BallotState::VoidDuplicate).await?;
        return Ok(CastOutcome::PaperVoidedBoth { ballot_id: id, first_channel, on });
    }
    insert_ballot(tx, g, id, b, BallotState::RefusedDuplicate).await?;
    audit_paper(tx, g, b, id, BallotState::RefusedDuplicate).await?;
    Ok(CastOutcome::PaperRefusedDuplicate { ballot_id: id, first_channel, on })
}

async fn change(tx: &Tx<'_>, g: &str, ch: &BallotChange) -> StoreResult<ChangeOutcome> {
    edition_exists(&tx.c, g, ch.edition).await?;
    let (column, value) = match &ch.owner {
        BallotOwner::Device(d) => ("device", d.as_str()),
        BallotOwner::Receipt(h) => ("receipt_hash", h.as_str()),
    };
    let sql = format!(
        "SELECT id, voter_key, state, channel FROM budget_ballots
         WHERE gmina = $1 AND edition = $2 AND {column} = $3 ORDER BY id DESC LIMIT 1 FOR UPDATE"
    );
    let Some(row) = tx.c.query_opt(&sql, &[&g, &ch.edition, &value]).await? else {
        return Err(StoreError::NotFound);
    };
    let id: i64 = row.get(0);
    let voter: Option<Vec<u8>> = row.get(1);
    let state: &str = row.get(2);
    let channel: &str = row.get(3);
    if !ch.policy.allow_change
        || voter.as_deref() != Some(ch.voter_key.as_bytes())
        || state != BallotState::Counted.as_str()
        || channel != channel_str(BallotChannel::Online)
    {
        return Ok(ChangeOutcome::Refused);
    }
    tx.c.execute("DELETE FROM budget_ballot_choices WHERE gmina = $1 AND ballot = $2", &[&g, &id]).await?;
    insert_choices(tx, g, id, &ch.choices).await?;
    tx.c.execute("UPDATE budget_ballots SET changed_at = $3 WHERE gmina = $1 AND id = $2", &[&g, &id, &ts(ch.now)])
        .await?;
    Ok(ChangeOutcome::Changed { ballot_id: id, changed_at: ch.now })
}

async fn ballot_where(
    c: &impl GenericClient,
    g: &str,
    edition: i64,
    column: &str,
    value: &str,
) -> StoreResult<Option<StoredBallot>> {
    let sql = format!(
        "SELECT id, channel, state, residence_declared, cast_at, changed_at FROM budget_ballots
         WHERE gmina = $1 AND edition = $2 AND {column} = $3 ORDER BY id DESC LIMIT 1"
    );
    let Some(r) = c.query_opt(&sql, &[&g, &edition, &value]).await? else {
        return Ok(None);
    };
    let id: i64 = r.get(0);
    let choices = c
        .query(
            "SELECT pool, project, points FROM budget_ballot_choices WHERE gmina = $1 AND ballot = $2
             ORDER BY pool, project",
            &[&g, &id],
        )
        .await?
        .iter()
        .map(|c| BallotChoice { pool: c.get(0), project: c.get(1), points: c.get::<_, i64>(2) as u16 })
        .collect();
    Ok(Some(StoredBallot {
        id,
        edition,
        channel: parse_channel(r.get(1)).ok_or_else(|| bad("channel"))?,
        state: BallotState::parse(r.get(2)).ok_or_else(|| bad("ballot state"))?,
        residence_declared: r.get::<_, i64>(3) != 0,
        cast_at: parse_time(r.get(4))?,
        changed_at: opt_time(r.get(5))?,
        choices,
    }))
}

async fn purge(tx: &Tx<'_>, g: &str, now: DateTime<Utc>) -> StoreResult<BallotPurge> {
    let sms_codes = tx
        .c
        .execute(
            "DELETE FROM budget_sms_codes WHERE gmina = $1 AND expires_at < $2",
            &[&g, &ts(now - Duration::hours(SMS_KEEP_HOURS))],
        )
        .await?;
    let editions = tx.c.query("SELECT id, voting_to, settings FROM budget_editions WHERE gmina = $1", &[&g]).await?;
    let mut purged = 0;
    for r in editions {
        let id: i64 = r.get(0);
        if !past_retention(r.get(1), r.get(2), now)? {
            continue;
        }
        let mut n = 0;
        for sql in [
            "DELETE FROM budget_register WHERE gmina = $1 AND edition = $2",
            "DELETE FROM budget_phones WHERE gmina = $1 AND edition = $2",
            "DELETE FROM budget_sms_codes WHERE gmina = $1 AND edition = $2",
            "UPDATE budget_ballots SET voter_key = NULL WHERE gmina = $1 AND edition = $2 AND voter_key IS NOT NULL",
        ] {
            n += tx.c.execute(sql, &[&g, &id]).await?;
        }
        if n > 0 {
            purged += 1;
        }
    }
    Ok(BallotPurge { sms_codes, editions: purged })
}

#[async_trait]
impl BallotStore for PostgresStore {
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<CastOutcome> {
        write_tx!(self, |tx, g| { cast(tx, g, &ballot).await })
    }

    async fn cast_ballot_at(&self, ballot: NewBallot, generation_: i64) -> StoreResult<Option<CastOutcome>> {
        write_tx!(self, |tx, g| { cast_at(tx, g, &ballot, generation_).await })
    }

    async fn cast_online_ballot_at(
        &self,
        ballot: NewBallot,
        generation_: i64,
        token_hash: String,
    ) -> StoreResult<Option<CastOutcome>> {
        write_tx!(self, |tx, g| { cast_online_at(tx, g, &ballot, generation_, &token_hash).await })
    }

    async fn edition_generation(&self, edition: i64) -> StoreResult<Option<i64>> {
        generation(&self.reader().await?, &self.scope(), edition).await
    }

    async fn phone_voters(&self, edition: i64, phone_key: PhoneKey) -> StoreResult<u32> {
        let c = self.reader().await?;
        let st = c.prepare_cached("SELECT voters FROM budget_phones WHERE gmina = $1 AND edition = $2 AND phone_key = $3").await?;
        let row = c.query_opt(&st, &[&self.scope(), &edition, &phone_key.as_bytes()]).await?;
        Ok(row.map_or(0, |r| u32::try_from(r.get::<_, i64>(0)).unwrap_or(u32::MAX)))
    }

    async fn sign_project(&self, signature: NewSignature) -> StoreResult<Signed> {
        write_tx!(self, |tx, g| { sign(tx, g, &signature).await })
    }

    async fn change_ballot(&self, change_: BallotChange) -> StoreResult<ChangeOutcome> {
        write_tx!(self, |tx, g| { change(tx, g, &change_).await })
    }

    async fn ballot_by_device(&self, edition: i64, device: &str) -> StoreResult<Option<StoredBallot>> {
        ballot_where(&self.reader().await?, &self.scope(), edition, "device", device).await
    }

    async fn ballot_by_receipt(&self, edition: i64, receipt_hash: &str) -> StoreResult<Option<StoredBallot>> {
        ballot_where(&self.reader().await?, &self.scope(), edition, "receipt_hash", receipt_hash).await
    }

    async fn tallies(&self, edition: i64, pool: i64) -> StoreResult<Vec<ProjectTally>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT c.project, COUNT(*), SUM(c.points)::BIGINT FROM budget_ballot_choices c
                 JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                 WHERE c.gmina = $1 AND c.pool = $2 AND b.edition = $3 AND b.state = 'counted'
                 GROUP BY c.project ORDER BY c.project",
                &[&self.scope(), &pool, &edition],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| ProjectTally { project: r.get(0), votes: r.get::<_, i64>(1) as u32, points: r.get::<_, i64>(2) as u32 })
            .collect())
    }

    async fn count_input(&self, edition: i64, pool: i64) -> StoreResult<CountBallots> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT c.ballot, c.project, c.points FROM budget_ballot_choices c
                 JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                 WHERE c.gmina = $1 AND c.pool = $2 AND b.edition = $3 AND b.state = 'counted'
                 ORDER BY c.ballot, c.project",
                &[&self.scope(), &pool, &edition],
            )
            .await?;
        Ok(CountBallots::from_rows(
            rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1), r.get::<_, i64>(2) as u16)),
        ))
    }

    async fn pb_rows(&self, edition: i64, pool: i64) -> StoreResult<Vec<PbRow>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT b.id, b.channel, c.project, c.points FROM budget_ballot_choices c
                 JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                 WHERE c.gmina = $1 AND c.pool = $2 AND b.edition = $3 AND b.state = 'counted'
                 ORDER BY b.voter_key IS NULL, b.voter_key, b.id, c.project",
                &[&self.scope(), &pool, &edition],
            )
            .await?;
        let mut parsed = Vec::with_capacity(rows.len());
        for r in &rows {
            let channel = parse_channel(r.get(1)).ok_or_else(|| bad("channel"))?;
            parsed.push((r.get::<_, i64>(0), channel, r.get::<_, i64>(2), r.get::<_, i64>(3) as u16));
        }
        Ok(PbRow::from_rows(parsed))
    }

    async fn issue_sms_code(&self, code: NewSmsCode) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            edition_exists(&tx.c, g, code.edition).await?;
            tx.c.execute(
                "INSERT INTO budget_sms_codes (gmina, id, edition, phone_key, voter_key, code_hash, created_at,
                     expires_at, attempts, device)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)",
                &[
                    &g,
                    &code.request_id,
                    &code.edition,
                    &code.phone_key.as_bytes(),
                    &code.voter_key.as_bytes(),
                    &code.code_hash,
                    &ts(code.now),
                    &ts(code.now + Duration::minutes(SMS_CODE_MINUTES)),
                    &code.device,
                ],
            )
            .await?;
            Ok(())
        })
    }

    async fn check_sms_code(
        &self,
        edition: i64,
        request_id: &str,
        voter_key: VoterKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SmsCheck> {
        let (request_id, code_hash) = (request_id.to_owned(), code_hash.to_owned());
        write_tx!(self, |tx, g| { check_sms(tx, g, edition, &request_id, &voter_key, &code_hash, now).await })
    }

    async fn purge_ballots(&self, now: DateTime<Utc>) -> StoreResult<BallotPurge> {
        write_tx!(self, |tx, g| { purge(tx, g, now).await })
    }
}
