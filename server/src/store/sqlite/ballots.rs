//! The budget's ballots and one-vote register on SQLite
//! (`store/ballots.rs`). Every cast goes through the group-committing
//! writer (`writer.rs`): its own SAVEPOINT inside a batch's transaction,
//! answered after COMMIT, a handful of cached statements per ballot. One
//! writer serialises the register's `INSERT ... ON CONFLICT DO NOTHING`,
//! whose `changes()` says who was first.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Months, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::devices::{remember, replay};
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::budget::identity::{PhoneKey, VoterKey};
use crate::store::ballots::{
    BallotChange, BallotChoice, BallotOwner, BallotPurge, BallotState, BallotStore, CastOutcome, ChangeOutcome,
    CountBallots, NewBallot, NewSignature, NewSmsCode, PbRow, ProjectTally, SMS_CODE_MINUTES, SMS_KEEP_HOURS, SMS_MAX_WRONG,
    Signed, SmsCheck, StoredBallot, channel_str, local_day, parse_channel,
};
use crate::store::budget::parse_status;
use crate::store::{Conflict, StoreError, StoreResult, StoredResponse};
use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy, ProjectStatus};
use mm_protocol::budget::wire::SignatureReceipt;

fn bad(what: &str) -> StoreError {
    StoreError::backend(format!("a stored {what} does not parse"))
}

/// The edition's generation (migration 0018), `None` when the gmina has
/// no such edition.
fn generation(c: &Connection, g: &str, edition: i64) -> StoreResult<Option<i64>> {
    Ok(c.prepare_cached("SELECT generation FROM budget_editions WHERE gmina = ?1 AND id = ?2")?
        .query_row(params![g, edition], |r| r.get(0))
        .optional()?)
}

fn edition_exists(c: &Connection, g: &str, edition: i64) -> StoreResult<()> {
    generation(c, g, edition)?.map(|_| ()).ok_or(StoreError::NotFound)
}

/// A support signature with its retry key (`BallotStore::sign_project`).
fn sign(tx: &Transaction<'_>, g: &str, s: &NewSignature) -> StoreResult<Signed> {
    if let Some(stored) = replay(tx, g, &s.idempotency)? {
        return Ok(Signed::Replayed(stored));
    }
    let status: String = tx
        .prepare_cached("SELECT status FROM budget_projects WHERE gmina = ?1 AND id = ?2")?
        .query_row(params![g, s.project], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound)?;
    if !matches!(parse_status(&status)?, ProjectStatus::Submitted | ProjectStatus::UnderVerification) {
        return Err(StoreError::Conflict(Conflict::PhaseClosed));
    }
    let inserted = tx
        .prepare_cached(
            "INSERT INTO budget_signatures (gmina, project, signer_key, channel, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![g, s.project, s.signer_key, channel_str(s.channel), ts(s.now)])?;
    if inserted == 0 {
        return Err(StoreError::Conflict(Conflict::AlreadySigned));
    }
    let signatures: u32 = tx
        .prepare_cached("SELECT COUNT(*) FROM budget_signatures WHERE gmina = ?1 AND project = ?2")?
        .query_row(params![g, s.project], |r| r.get(0))?;
    let receipt = SignatureReceipt { project: s.project, signed_at: s.now, signatures, required: s.required };
    remember(tx, g, &s.idempotency, &StoredResponse::created(serde_json::to_string(&receipt)?))?;
    Ok(Signed::New(receipt))
}

/// Checks and, when right, uses an SMS code; a wrong try is counted.
pub(super) fn check_sms(
    tx: &Transaction<'_>,
    g: &str,
    edition: i64,
    request_id: &str,
    voter_key: &VoterKey,
    code_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<SmsCheck> {
    type CodeRow = (Vec<u8>, String, String, i64, Option<String>, Vec<u8>);
    let row: Option<CodeRow> = tx
        .prepare_cached(
            "SELECT voter_key, code_hash, expires_at, attempts, used_at, phone_key FROM budget_sms_codes
             WHERE gmina = ?1 AND id = ?2 AND edition = ?3",
        )?
        .query_row(params![g, request_id, edition], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()?;
    let Some((voter, hash, expires, attempts, used, phone)) = row else {
        return Ok(SmsCheck::Expired);
    };
    let expires_at = parse_ts(&expires)?;
    if used.is_some() || expires_at <= now {
        return Ok(SmsCheck::Expired);
    }
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    if attempts >= SMS_MAX_WRONG {
        return Ok(SmsCheck::Locked { until: expires_at });
    }
    if voter != voter_key.as_bytes() || hash != code_hash {
        tx.prepare_cached("UPDATE budget_sms_codes SET attempts = attempts + 1 WHERE gmina = ?1 AND id = ?2")?
            .execute(params![g, request_id])?;
        let left = SMS_MAX_WRONG - attempts - 1;
        return Ok(if left == 0 { SmsCheck::Locked { until: expires_at } } else { SmsCheck::Wrong { left } });
    }
    tx.prepare_cached("UPDATE budget_sms_codes SET used_at = ?3 WHERE gmina = ?1 AND id = ?2")?
        .execute(params![g, request_id, ts(now)])?;
    Ok(SmsCheck::Ok { phone_key: PhoneKey::from_slice(&phone).ok_or_else(|| bad("phone key"))? })
}

fn insert_choices(tx: &Transaction<'_>, g: &str, ballot: i64, choices: &[BallotChoice]) -> StoreResult<()> {
    if choices.is_empty() {
        return Ok(());
    }
    // One statement for the ballot's choices (cached per count).
    let marks: Vec<String> = (0..choices.len())
        .map(|i| format!("(?1, ?2, ?{}, ?{}, ?{})", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i))
        .collect();
    let sql = format!(
        "INSERT INTO budget_ballot_choices (gmina, ballot, pool, project, points) VALUES {}",
        marks.join(", ")
    );
    let mut values: Vec<rusqlite::types::Value> = vec![g.to_owned().into(), ballot.into()];
    for c in choices {
        values.extend([c.pool.into(), c.project.into(), i64::from(c.points).into()]);
    }
    tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
    Ok(())
}

/// The next ballot id: the writer is the only one, so it is the one the
/// insert below takes (AUTOINCREMENT: above every id ever handed out).
fn next_ballot_id(tx: &Transaction<'_>) -> StoreResult<i64> {
    Ok(tx
        .prepare_cached(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'budget_ballots'), 0),
                        COALESCE((SELECT MAX(id) FROM budget_ballots), 0)) + 1",
        )?
        .query_row([], |r| r.get(0))?)
}

fn insert_ballot(tx: &Transaction<'_>, g: &str, id: i64, b: &NewBallot, state: BallotState) -> StoreResult<()> {
    let (key, hash) = match &b.idempotency {
        Some(i) if b.device.is_some() => (Some(i.key.as_str()), Some(i.request_hash.as_str())),
        _ => (None, None),
    };
    tx.prepare_cached(
        "INSERT INTO budget_ballots (id, gmina, edition, voter_key, channel, state, device, entered_by,
             residence_declared, receipt_hash, idem_key, request_hash, cast_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        id,
        g,
        b.edition,
        b.voter_key.as_bytes(),
        channel_str(b.channel),
        state.as_str(),
        b.device,
        b.entered_by.as_ref().map(|a| a.0.as_str()),
        b.residence_declared,
        b.receipt_key.receipt_hash(id),
        key,
        hash,
        ts(b.now)
    ])?;
    insert_choices(tx, g, id, &b.choices)
}

/// The register's row of `b`'s voter, inserted by this cast, names its
/// counted ballot `id` (inserted just before: the foreign key holds at once).
fn link_register(tx: &Transaction<'_>, g: &str, b: &NewBallot, id: i64) -> StoreResult<()> {
    tx.prepare_cached("UPDATE budget_register SET ballot = ?4 WHERE gmina = ?1 AND edition = ?2 AND voter_key = ?3")?
        .execute(params![g, b.edition, b.voter_key.as_bytes(), id])?;
    Ok(())
}

/// `cast`, only while the edition's generation is `expected` (`None`:
/// it moved on, nothing written).
fn cast_at(tx: &Transaction<'_>, g: &str, b: &NewBallot, expected: i64) -> StoreResult<Option<CastOutcome>> {
    match generation(tx, g, b.edition)? {
        None => Err(StoreError::NotFound),
        Some(now) if now != expected => Ok(None),
        Some(_) => cast_checked(tx, g, b).map(Some),
    }
}

/// `cast_at` for an online ballot, and only while `b.device` still holds
/// `token_hash` in the gmina (the device may come from the caller's cache:
/// a deleted device or a replaced token is refused here, in the cast's own
/// transaction, by one primary-key read in the writer).
fn cast_online_at(
    tx: &Transaction<'_>,
    g: &str,
    b: &NewBallot,
    expected: i64,
    token_hash: &str,
) -> StoreResult<Option<CastOutcome>> {
    let device_ok = match &b.device {
        Some(device) => tx
            .prepare_cached("SELECT 1 FROM devices WHERE id = ?1 AND gmina = ?2 AND token_hash = ?3")?
            .query_row(params![device, g, token_hash], |_| Ok(()))
            .optional()?
            .is_some(),
        None => false,
    };
    if !device_ok {
        return Err(StoreError::UnknownReference { field: "device" });
    }
    cast_at(tx, g, b, expected)
}

fn cast(tx: &Transaction<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    edition_exists(tx, g, b.edition)?;
    cast_checked(tx, g, b)
}

/// The cast once the edition is known to exist.
fn cast_checked(tx: &Transaction<'_>, g: &str, b: &NewBallot) -> StoreResult<CastOutcome> {
    if let (Some(device), Some(idem)) = (&b.device, &b.idempotency) {
        let first: Option<(i64, Option<String>, String)> = tx
            .prepare_cached(
                "SELECT id, request_hash, cast_at FROM budget_ballots
                 WHERE gmina = ?1 AND edition = ?2 AND device = ?3 AND idem_key = ?4",
            )?
            .query_row(params![g, b.edition, device, idem.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((ballot_id, hash, cast_at)) = first {
            if hash.as_deref() != Some(idem.request_hash.as_str()) {
                return Err(StoreError::IdempotencyConflict);
            }
            return Ok(CastOutcome::Replayed { ballot_id, cast_at: parse_ts(&cast_at)? });
        }
    }
    let mut phone = b.phone_key;
    if let Some(sms) = &b.sms {
        match check_sms(tx, g, b.edition, &sms.request_id, &b.voter_key, &sms.code_hash, b.now)? {
            SmsCheck::Ok { phone_key } => phone = Some(phone_key),
            other => return Ok(CastOutcome::Sms(other)),
        }
    }
    let id = next_ballot_id(tx)?;
    // The register's row names its ballot only once the ballot exists
    // (`link_register`): a row naming a ballot not yet inserted is a
    // pending deferred foreign-key violation, and while one is pending
    // SQLite resolves it on each insert into `budget_ballots` by scanning
    // `budget_register` whole (no index on its `ballot`): a scan of every
    // voter so far per ballot, most of the server's CPU at 20,000 ballots
    // (docs/BENCHMARKS.md "Participatory budget").
    let inserted = tx
        .prepare_cached(
            "INSERT INTO budget_register (gmina, edition, voter_key, state, ballot, phone_key, first_channel, first_at)
             VALUES (?1, ?2, ?3, 'counted', NULL, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            g,
            b.edition,
            b.voter_key.as_bytes(),
            phone.as_ref().map(|p| p.as_bytes()),
            channel_str(b.channel),
            ts(b.now)
        ])?
        == 1;
    if inserted {
        if let (Some(p), cap @ 1..) = (phone, b.policy.max_voters_per_phone) {
            let counted = tx
                .prepare_cached(
                    "INSERT INTO budget_phones (gmina, edition, phone_key, voters) VALUES (?1, ?2, ?3, 1)
                     ON CONFLICT (gmina, edition, phone_key) DO UPDATE SET voters = voters + 1
                     WHERE budget_phones.voters < ?4",
                )?
                .execute(params![g, b.edition, p.as_bytes(), i64::from(cap)])?
                == 1;
            if !counted {
                // Nothing of this cast stays (the writer is serial: no one
                // saw the row).
                tx.prepare_cached("DELETE FROM budget_register WHERE gmina = ?1 AND edition = ?2 AND voter_key = ?3")?
                    .execute(params![g, b.edition, b.voter_key.as_bytes()])?;
                return Ok(CastOutcome::PhoneLimit);
            }
        }
        insert_ballot(tx, g, id, b, BallotState::Counted)?;
        link_register(tx, g, b, id)?;
        audit_paper(tx, g, b, id, BallotState::Counted)?;
        return Ok(CastOutcome::Counted { ballot_id: id, cast_at: b.now });
    }
    let (state, first_channel, first_at, counted): (String, String, String, Option<i64>) = tx
        .prepare_cached(
            "SELECT state, first_channel, first_at, ballot FROM budget_register
             WHERE gmina = ?1 AND edition = ?2 AND voter_key = ?3",
        )?
        .query_row(params![g, b.edition, b.voter_key.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let first_channel = parse_channel(&first_channel).ok_or_else(|| bad("channel"))?;
    let on = local_day(parse_ts(&first_at)?);
    if b.channel == BallotChannel::Online {
        return Ok(CastOutcome::AlreadyVoted { first_channel, on });
    }
    if b.policy.duplicates == DuplicatePolicy::VoidAll && state == "counted" {
        tx.prepare_cached(
            "UPDATE budget_register SET state = 'void' WHERE gmina = ?1 AND edition = ?2 AND voter_key = ?3",
        )?
        .execute(params![g, b.edition, b.voter_key.as_bytes()])?;
        if let Some(first) = counted {
            tx.prepare_cached(
                "UPDATE budget_ballots SET state = 'void_duplicate' WHERE gmina = ?1 AND id = ?2 AND state = 'counted'",
            )?
            .execute(params![g, first])?;
        }
        insert_ballot(tx, g, id, b, BallotState::VoidDuplicate)?;
        audit_paper(tx, g, b, id, BallotState::VoidDuplicate)?;
        return Ok(CastOutcome::PaperVoidedBoth { ballot_id: id, first_channel, on });
    }
    insert_ballot(tx, g, id, b, BallotState::RefusedDuplicate)?;
    audit_paper(tx, g, b, id, BallotState::RefusedDuplicate)?;
    Ok(CastOutcome::PaperRefusedDuplicate { ballot_id: id, first_channel, on })
}

/// An official's paper card: audited (ids and the outcome only).
fn audit_paper(tx: &Transaction<'_>, g: &str, b: &NewBallot, id: i64, state: BallotState) -> StoreResult<()> {
    match &b.entered_by {
        Some(actor) => audit(
            tx,
            g,
            actor,
            b.now,
            "budget_paper_ballot",
            "budget_ballot",
            Some(&id.to_string()),
            json!({ "edition": b.edition, "state": state.as_str() }),
        ),
        None => Ok(()),
    }
}

fn change(tx: &Transaction<'_>, g: &str, ch: &BallotChange) -> StoreResult<ChangeOutcome> {
    edition_exists(tx, g, ch.edition)?;
    let (column, value) = match &ch.owner {
        BallotOwner::Device(d) => ("device", d.as_str()),
        BallotOwner::Receipt(h) => ("receipt_hash", h.as_str()),
    };
    let found: Option<(i64, Option<Vec<u8>>, String, String)> = tx
        .prepare_cached(&format!(
            "SELECT id, voter_key, state, channel FROM budget_ballots
             WHERE gmina = ?1 AND edition = ?2 AND {column} = ?3 ORDER BY id DESC LIMIT 1"
        ))?
        .query_row(params![g, ch.edition, value], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((id, voter, state, channel)) = found else {
        return Err(StoreError::NotFound);
    };
    if !ch.policy.allow_change
        || voter.as_deref() != Some(ch.voter_key.as_bytes())
        || state != BallotState::Counted.as_str()
        || channel != channel_str(BallotChannel::Online)
    {
        return Ok(ChangeOutcome::Refused);
    }
    tx.prepare_cached("DELETE FROM budget_ballot_choices WHERE gmina = ?1 AND ballot = ?2")?.execute(params![g, id])?;
    insert_choices(tx, g, id, &ch.choices)?;
    tx.prepare_cached("UPDATE budget_ballots SET changed_at = ?3 WHERE gmina = ?1 AND id = ?2")?
        .execute(params![g, id, ts(ch.now)])?;
    Ok(ChangeOutcome::Changed { ballot_id: id, changed_at: ch.now })
}

fn ballot_where(c: &Connection, g: &str, edition: i64, column: &str, value: &str) -> StoreResult<Option<StoredBallot>> {
    let row: Option<(i64, String, String, bool, String, Option<String>)> = c
        .prepare_cached(&format!(
            "SELECT id, channel, state, residence_declared, cast_at, changed_at FROM budget_ballots
             WHERE gmina = ?1 AND edition = ?2 AND {column} = ?3 ORDER BY id DESC LIMIT 1"
        ))?
        .query_row(params![g, edition, value], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()?;
    let Some((id, channel, state, residence_declared, cast_at, changed_at)) = row else {
        return Ok(None);
    };
    let choices = c
        .prepare_cached(
            "SELECT pool, project, points FROM budget_ballot_choices WHERE gmina = ?1 AND ballot = ?2
             ORDER BY pool, project",
        )?
        .query_map(params![g, id], |r| {
            Ok(BallotChoice { pool: r.get(0)?, project: r.get(1)?, points: r.get::<_, i64>(2)? as u16 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StoredBallot {
        id,
        edition,
        channel: parse_channel(&channel).ok_or_else(|| bad("channel"))?,
        state: BallotState::parse(&state).ok_or_else(|| bad("ballot state"))?,
        residence_declared,
        cast_at: parse_ts(&cast_at)?,
        changed_at: changed_at.as_deref().map(parse_ts).transpose()?,
        choices,
    }))
}

/// Past `voting_to` + `retention_years` (settings JSON; 5 when absent).
pub(crate) fn past_retention(voting_to: &str, settings: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let to = DateTime::parse_from_rfc3339(voting_to).map_err(|_| bad("voting_to"))?.with_timezone(&Utc);
    let years = serde_json::from_str::<serde_json::Value>(settings)?
        .get("retention_years")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(5);
    let until = to.checked_add_months(Months::new(12 * years as u32)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    Ok(until < now)
}

fn purge(tx: &Transaction<'_>, g: &str, now: DateTime<Utc>) -> StoreResult<BallotPurge> {
    let sms_codes = tx.execute(
        "DELETE FROM budget_sms_codes WHERE gmina = ?1 AND expires_at < ?2",
        params![g, ts(now - Duration::hours(SMS_KEEP_HOURS))],
    )? as u64;
    let editions: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, voting_to, settings FROM budget_editions WHERE gmina = ?1")?
        .query_map(params![g], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut purged = 0;
    for (id, voting_to, settings) in editions {
        if !past_retention(&voting_to, &settings, now)? {
            continue;
        }
        let mut n = 0;
        for sql in [
            "DELETE FROM budget_register WHERE gmina = ?1 AND edition = ?2",
            "DELETE FROM budget_phones WHERE gmina = ?1 AND edition = ?2",
            "DELETE FROM budget_sms_codes WHERE gmina = ?1 AND edition = ?2",
            "UPDATE budget_ballots SET voter_key = NULL WHERE gmina = ?1 AND edition = ?2 AND voter_key IS NOT NULL",
        ] {
            n += tx.execute(sql, params![g, id])?;
        }
        if n > 0 {
            purged += 1;
        }
    }
    Ok(BallotPurge { sms_codes, editions: purged })
}

#[async_trait]
impl BallotStore for SqliteStore {
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<CastOutcome> {
        let g = self.scope();
        self.write(move |tx| cast(tx, &g, &ballot)).await
    }

    async fn cast_ballot_at(&self, ballot: NewBallot, generation_: i64) -> StoreResult<Option<CastOutcome>> {
        let g = self.scope();
        self.write(move |tx| cast_at(tx, &g, &ballot, generation_)).await
    }

    async fn cast_online_ballot_at(
        &self,
        ballot: NewBallot,
        generation_: i64,
        token_hash: String,
    ) -> StoreResult<Option<CastOutcome>> {
        let g = self.scope();
        self.write(move |tx| cast_online_at(tx, &g, &ballot, generation_, &token_hash)).await
    }

    async fn edition_generation(&self, edition: i64) -> StoreResult<Option<i64>> {
        let g = self.scope();
        self.read(move |c| generation(c, &g, edition)).await
    }

    async fn phone_voters(&self, edition: i64, phone_key: PhoneKey) -> StoreResult<u32> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT voters FROM budget_phones WHERE gmina = ?1 AND edition = ?2 AND phone_key = ?3")?
                .query_row(params![g, edition, phone_key.as_bytes()], |r| r.get::<_, i64>(0))
                .optional()?
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
        })
        .await
    }

    async fn sign_project(&self, signature: NewSignature) -> StoreResult<Signed> {
        let g = self.scope();
        self.write(move |tx| sign(tx, &g, &signature)).await
    }

    async fn change_ballot(&self, change_: BallotChange) -> StoreResult<ChangeOutcome> {
        let g = self.scope();
        self.write(move |tx| change(tx, &g, &change_)).await
    }

    async fn ballot_by_device(&self, edition: i64, device: &str) -> StoreResult<Option<StoredBallot>> {
        let (g, device) = (self.scope(), device.to_owned());
        self.read(move |c| ballot_where(c, &g, edition, "device", &device)).await
    }

    async fn ballot_by_receipt(&self, edition: i64, receipt_hash: &str) -> StoreResult<Option<StoredBallot>> {
        let (g, hash) = (self.scope(), receipt_hash.to_owned());
        self.read(move |c| ballot_where(c, &g, edition, "receipt_hash", &hash)).await
    }

    async fn tallies(&self, edition: i64, pool: i64) -> StoreResult<Vec<ProjectTally>> {
        let g = self.scope();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT c.project, COUNT(*), SUM(c.points) FROM budget_ballot_choices c
                 JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                 WHERE c.gmina = ?1 AND c.pool = ?2 AND b.edition = ?3 AND b.state = 'counted'
                 GROUP BY c.project ORDER BY c.project",
            )?
            .query_map(params![g, pool, edition], |r| {
                Ok(ProjectTally { project: r.get(0)?, votes: r.get::<_, i64>(1)? as u32, points: r.get::<_, i64>(2)? as u32 })
            })?
            .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn count_input(&self, edition: i64, pool: i64) -> StoreResult<CountBallots> {
        let g = self.scope();
        self.read(move |c| {
            let rows = c
                .prepare_cached(
                    "SELECT c.ballot, c.project, c.points FROM budget_ballot_choices c
                     JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                     WHERE c.gmina = ?1 AND c.pool = ?2 AND b.edition = ?3 AND b.state = 'counted'
                     ORDER BY c.ballot, c.project",
                )?
                .query_map(params![g, pool, edition], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)? as u16))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CountBallots::from_rows(rows))
        })
        .await
    }

    async fn pb_rows(&self, edition: i64, pool: i64) -> StoreResult<Vec<PbRow>> {
        let g = self.scope();
        self.read(move |c| {
            // BLOBs compare as bytes, as PostgreSQL's bytea: one order on both.
            let rows = c
                .prepare_cached(
                    "SELECT b.id, b.channel, c.project, c.points FROM budget_ballot_choices c
                     JOIN budget_ballots b ON b.gmina = c.gmina AND b.id = c.ballot
                     WHERE c.gmina = ?1 AND c.pool = ?2 AND b.edition = ?3 AND b.state = 'counted'
                     ORDER BY b.voter_key IS NULL, b.voter_key, b.id, c.project",
                )?
                .query_map(params![g, pool, edition], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)? as u16))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut parsed = Vec::with_capacity(rows.len());
            for (ballot, channel, project, points) in rows {
                parsed.push((ballot, parse_channel(&channel).ok_or_else(|| bad("channel"))?, project, points));
            }
            Ok(PbRow::from_rows(parsed))
        })
        .await
    }

    async fn issue_sms_code(&self, code: NewSmsCode) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            edition_exists(tx, &g, code.edition)?;
            tx.prepare_cached(
                "INSERT INTO budget_sms_codes (gmina, id, edition, phone_key, voter_key, code_hash, created_at,
                     expires_at, attempts, device)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
            )?
            .execute(params![
                g,
                code.request_id,
                code.edition,
                code.phone_key.as_bytes(),
                code.voter_key.as_bytes(),
                code.code_hash,
                ts(code.now),
                ts(code.now + Duration::minutes(SMS_CODE_MINUTES)),
                code.device
            ])?;
            Ok(())
        })
        .await
    }

    async fn check_sms_code(
        &self,
        edition: i64,
        request_id: &str,
        voter_key: VoterKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SmsCheck> {
        let (g, request_id, code_hash) = (self.scope(), request_id.to_owned(), code_hash.to_owned());
        self.write(move |tx| check_sms(tx, &g, edition, &request_id, &voter_key, &code_hash, now)).await
    }

    async fn purge_ballots(&self, now: DateTime<Utc>) -> StoreResult<BallotPurge> {
        let g = self.scope();
        self.write(move |tx| purge(tx, &g, now)).await
    }
}
