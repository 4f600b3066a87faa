//! The taxes feature's tables, as `store/sqlite/taxes.rs`, shared by
//! instances: a batch is read and written set-wise (`UNNEST`, one round
//! trip per chunk rather than per row), a code is taken by one `UPDATE ...
//! RETURNING` (two devices racing for it: one wins), a device's tries are
//! serialised by an advisory lock (the lock-out counts every one), and a
//! retried payment key inserts once (`ON CONFLICT DO NOTHING`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::taxes::activation::{LOCK_MINUTES, MAX_FAILED_TRIES};
use mm_protocol::taxes::{
    AppPaymentSummary, BookedPayment, LiabilityKind, LiabilityRecord, PaymentStatus, RatePeriod, TaxRules, Taxpayer,
    ThresholdPeriod,
};
use mm_protocol::text::fold;
use serde_json::json;
use tokio_postgres::Row;

use super::jobs::enqueue;
use super::publish::audit;
use super::{PostgresStore, Tx, count, opt_time, parse_time, ts, write_tx};
use crate::store::jobs::NewJob;
use crate::store::taxes::{
    ImportCounts, ImportRowError, ImportRun, LinkOutcome, NewPayment, PaymentFilter, PaymentRecord, PaymentUpdate,
    TaxBatch, TaxStore, lock_state,
};
use crate::store::{Actor, StoreError, StoreResult};

/// Rows per `UNNEST` statement of an import.
const CHUNK: usize = 5_000;

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| StoreError::backend(format!("a stored day does not parse: {e}")))
}

fn small(n: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::backend(format!("a stored {what} is out of range")))
}

async fn rules(c: &impl GenericClient, g: &str) -> StoreResult<TaxRules> {
    let rates = c
        .query("SELECT from_date, basis_points FROM tax_rates WHERE gmina = $1 ORDER BY from_date", &[&g])
        .await?
        .iter()
        .map(|r| Ok(RatePeriod { from: parse_day(r.get(0))?, basis_points: small(r.get(1), "rate")? }))
        .collect::<StoreResult<Vec<_>>>()?;
    let thresholds = c
        .query("SELECT from_date, grosze FROM tax_thresholds WHERE gmina = $1 ORDER BY from_date", &[&g])
        .await?
        .iter()
        .map(|r| Ok(ThresholdPeriod { from: parse_day(r.get(0))?, grosze: r.get(1) }))
        .collect::<StoreResult<Vec<_>>>()?;
    let statutory = TaxRules::statutory();
    Ok(TaxRules {
        rates: if rates.is_empty() { statutory.rates } else { rates },
        thresholds: if thresholds.is_empty() { statutory.thresholds } else { thresholds },
    })
}

/// Copies the statutory table into the gmina's rows before its first change.
async fn seed_rules(tx: &Tx<'_>, g: &str) -> StoreResult<()> {
    let current = rules(&tx.c, g).await?;
    for r in current.rates {
        tx.c.execute(
            "INSERT INTO tax_rates (gmina, from_date, basis_points) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&g, &day(r.from), &i64::from(r.basis_points)],
        )
        .await?;
    }
    for t in current.thresholds {
        tx.c.execute(
            "INSERT INTO tax_thresholds (gmina, from_date, grosze) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&g, &day(t.from), &t.grosze],
        )
        .await?;
    }
    Ok(())
}

const LIABILITY_COLUMNS: &str =
    "l.id, l.taxpayer, l.kind, l.year, l.instalment, l.decision, l.due_date, l.amount_grosze, l.account, l.payments";

fn liability(r: &Row) -> StoreResult<LiabilityRecord> {
    let kind: &str = r.get(2);
    let payments: &str = r.get(9);
    Ok(LiabilityRecord {
        id: r.get(0),
        taxpayer: r.get(1),
        kind: LiabilityKind::parse(kind).ok_or_else(|| StoreError::backend("a stored liability kind is unknown"))?,
        year: i32::try_from(r.get::<_, i64>(3)).map_err(|_| StoreError::backend("a stored year is out of range"))?,
        instalment: small(r.get(4), "instalment")?,
        decision: r.get(5),
        due_date: parse_day(r.get(6))?,
        amount_grosze: r.get(7),
        account: r.get(8),
        payments: serde_json::from_str::<Vec<BookedPayment>>(payments)?,
    })
}

const PAYMENT_COLUMNS: &str = "id, device_id, taxpayer, liability, amount_grosze, status, provider, gateway_token, \
     gateway_order_id, flag, booked, created_at, updated_at, paid_at";

fn payment(r: &Row) -> StoreResult<PaymentRecord> {
    let status: &str = r.get(5);
    Ok(PaymentRecord {
        id: r.get(0),
        device_id: r.get(1),
        taxpayer: r.get(2),
        liability: r.get(3),
        amount_grosze: r.get(4),
        status: PaymentStatus::parse(status).ok_or_else(|| StoreError::backend("a stored payment status is unknown"))?,
        provider: r.get(6),
        gateway_token: r.get(7),
        gateway_order_id: r.get(8),
        flag: r.get(9),
        booked: r.get::<_, i64>(10) != 0,
        created_at: parse_time(r.get(11))?,
        updated_at: parse_time(r.get(12))?,
        paid_at: opt_time(r.get(13))?,
    })
}

async fn get_payment(c: &impl GenericClient, g: &str, id: &str) -> StoreResult<Option<PaymentRecord>> {
    c.query_opt(&format!("SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1 AND id = $2"), &[&g, &id])
        .await?
        .as_ref()
        .map(payment)
        .transpose()
}

async fn get_taxpayer(c: &impl GenericClient, g: &str, id: &str) -> StoreResult<Option<Taxpayer>> {
    Ok(c.query_opt("SELECT id, name FROM tax_taxpayers WHERE gmina = $1 AND id = $2", &[&g, &id])
        .await?
        .map(|r| Taxpayer { id: r.get(0), name: r.get(1) }))
}

const RUN_COLUMNS: &str = "id, source, started_at, taxpayers_created, taxpayers_updated, liabilities_created, \
     liabilities_updated, unchanged, payments_booked, errors, refused";

fn import_run(r: &Row) -> StoreResult<ImportRun> {
    let errors: Vec<serde_json::Value> = serde_json::from_str(r.get(9))?;
    Ok(ImportRun {
        id: r.get(0),
        source: r.get(1),
        started_at: parse_time(r.get(2))?,
        counts: ImportCounts {
            taxpayers_created: count(r.get(3)),
            taxpayers_updated: count(r.get(4)),
            liabilities_created: count(r.get(5)),
            liabilities_updated: count(r.get(6)),
            unchanged: count(r.get(7)),
            payments_booked: count(r.get(8)),
        },
        errors: errors
            .into_iter()
            .map(|e| ImportRowError {
                line: e["line"].as_u64().unwrap_or(0),
                reason: e["reason"].as_str().unwrap_or("").to_owned(),
            })
            .collect(),
        refused: r.get::<_, i64>(10) != 0,
    })
}

fn errors_json(errors: &[ImportRowError]) -> String {
    serde_json::Value::Array(errors.iter().map(|e| json!({"line": e.line, "reason": e.reason})).collect()).to_string()
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Writes the batch (the caller's transaction) and counts what changed.
async fn write_batch(tx: &Tx<'_>, g: &str, batch: &TaxBatch, now: DateTime<Utc>) -> StoreResult<ImportCounts> {
    let mut counts = ImportCounts::default();
    let at = ts(now);

    // Taxpayers: what is stored of the batch's, then the new and the renamed.
    let ids: Vec<&str> = batch.taxpayers.iter().map(|t| t.taxpayer.id.as_str()).collect();
    let mut stored: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for r in tx.c.query("SELECT id, name FROM tax_taxpayers WHERE gmina = $1 AND id = ANY($2)", &[&g, &chunk]).await? {
            stored.insert(r.get(0), r.get(1));
        }
    }
    let mut write: (Vec<&str>, Vec<&str>) = (vec![], vec![]);
    let mut renamed: Vec<&str> = vec![];
    for t in &batch.taxpayers {
        match stored.get(&t.taxpayer.id) {
            None => counts.taxpayers_created += 1,
            Some(name) if *name != t.taxpayer.name => renamed.push(&t.taxpayer.id),
            Some(_) => continue,
        }
        write.0.push(&t.taxpayer.id);
        write.1.push(&t.taxpayer.name);
    }
    for (ids, names) in write.0.chunks(CHUNK).zip(write.1.chunks(CHUNK)) {
        tx.c.execute(
            "INSERT INTO tax_taxpayers (gmina, id, name, created_at, updated_at)
             SELECT $1, i, n, $4, $4 FROM UNNEST($2::TEXT[], $3::TEXT[]) AS b(i, n)
             ON CONFLICT (gmina, id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
            &[&g, &ids, &names, &at],
        )
        .await?;
    }
    // Codes the tax system printed: a new one replaces the unused others.
    let mut recoded: Vec<&str> = vec![];
    for t in &batch.taxpayers {
        let (Some(hash), Some(expires)) = (&t.code_hash, t.code_expires_at) else { continue };
        let new = tx
            .c
            .execute(
                "INSERT INTO tax_activation_codes (gmina, code_hash, taxpayer, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&g, hash, &t.taxpayer.id, &at, &ts(expires)],
            )
            .await?
            > 0;
        if new {
            tx.c.execute(
                "UPDATE tax_activation_codes SET revoked_at = $4 WHERE gmina = $1 AND taxpayer = $2
                   AND code_hash <> $3 AND used_at IS NULL AND revoked_at IS NULL",
                &[&g, &t.taxpayer.id, hash, &at],
            )
            .await?;
            if stored.contains_key(&t.taxpayer.id) {
                recoded.push(&t.taxpayer.id);
            }
        }
    }
    for t in &batch.taxpayers {
        if !stored.contains_key(&t.taxpayer.id) {
            continue;
        }
        if renamed.contains(&t.taxpayer.id.as_str()) || recoded.contains(&t.taxpayer.id.as_str()) {
            counts.taxpayers_updated += 1;
        } else {
            counts.unchanged += 1;
        }
    }

    // Liabilities: every taxpayer named must exist.
    let mut owners: Vec<&str> = batch.liabilities.iter().map(|l| l.taxpayer.as_str()).collect();
    owners.sort_unstable();
    owners.dedup();
    let mut known = 0usize;
    for chunk in owners.chunks(CHUNK) {
        let n: i64 = tx
            .c
            .query_one("SELECT COUNT(*) FROM tax_taxpayers WHERE gmina = $1 AND id = ANY($2)", &[&g, &chunk])
            .await?
            .get(0);
        known += usize::try_from(n).unwrap_or(0);
    }
    if known != owners.len() {
        return Err(StoreError::UnknownReference { field: "taxpayer" });
    }
    let ids: Vec<&str> = batch.liabilities.iter().map(|l| l.id.as_str()).collect();
    let mut stored: HashMap<String, LiabilityRecord> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for r in tx
            .c
            .query(&format!("SELECT {LIABILITY_COLUMNS} FROM tax_liabilities l WHERE l.gmina = $1 AND l.id = ANY($2)"), &[
                &g, &chunk,
            ])
            .await?
        {
            let l = liability(&r)?;
            stored.insert(l.id.clone(), l);
        }
    }
    let mut changed: Vec<&LiabilityRecord> = vec![];
    for l in &batch.liabilities {
        match stored.get(&l.id) {
            Some(s) if s == l => counts.unchanged += 1,
            Some(_) => {
                counts.liabilities_updated += 1;
                changed.push(l);
            }
            None => {
                counts.liabilities_created += 1;
                changed.push(l);
            }
        }
    }
    for chunk in changed.chunks(CHUNK) {
        let col = |f: fn(&LiabilityRecord) -> String| chunk.iter().map(|l| f(l)).collect::<Vec<String>>();
        let num = |f: fn(&LiabilityRecord) -> i64| chunk.iter().map(|l| f(l)).collect::<Vec<i64>>();
        tx.c.execute(
            "INSERT INTO tax_liabilities (gmina, id, taxpayer, kind, year, instalment, decision, due_date,
                 amount_grosze, account, payments, created_at, updated_at)
             SELECT $1, i, t, k, y, n, d, due, a, acc, p, $12, $12
               FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[], $7::TEXT[], $8::TEXT[],
                           $9::BIGINT[], $10::TEXT[], $11::TEXT[]) AS b(i, t, k, y, n, d, due, a, acc, p)
             ON CONFLICT (gmina, id) DO UPDATE SET taxpayer = excluded.taxpayer, kind = excluded.kind,
                 year = excluded.year, instalment = excluded.instalment, decision = excluded.decision,
                 due_date = excluded.due_date, amount_grosze = excluded.amount_grosze,
                 account = excluded.account, payments = excluded.payments, updated_at = excluded.updated_at",
            &[
                &g,
                &col(|l| l.id.clone()),
                &col(|l| l.taxpayer.clone()),
                &col(|l| l.kind.as_str().to_owned()),
                &num(|l| i64::from(l.year)),
                &num(|l| i64::from(l.instalment)),
                &col(|l| l.decision.clone()),
                &col(|l| day(l.due_date)),
                &num(|l| l.amount_grosze),
                &col(|l| l.account.clone()),
                &chunk.iter().map(|l| serde_json::to_string(&l.payments)).collect::<Result<Vec<String>, _>>()?,
                &at,
            ],
        )
        .await?;
    }
    if !batch.booked_references.is_empty() {
        counts.payments_booked += tx
            .c
            .execute(
                "UPDATE tax_payments SET booked = 1, updated_at = $3 WHERE gmina = $1 AND id = ANY($2) AND booked = 0",
                &[&g, &batch.booked_references, &at],
            )
            .await?;
    }
    Ok(counts)
}

async fn failures_since(c: &impl GenericClient, g: &str, device: &str, since: DateTime<Utc>) -> StoreResult<Vec<DateTime<Utc>>> {
    c.query(
        "SELECT at FROM tax_activation_failures WHERE gmina = $1 AND device_id = $2 AND at > $3 ORDER BY at DESC",
        &[&g, &device, &ts(since)],
    )
    .await?
    .iter()
    .map(|r| parse_time(r.get(0)))
    .collect()
}

async fn revoke_unused_codes(tx: &Tx<'_>, g: &str, taxpayer: &str, at: &str) -> StoreResult<()> {
    tx.c.execute(
        "UPDATE tax_activation_codes SET revoked_at = $3 WHERE gmina = $1 AND taxpayer = $2
           AND used_at IS NULL AND revoked_at IS NULL",
        &[&g, &taxpayer, &at],
    )
    .await?;
    Ok(())
}

async fn issue_code(
    tx: &Tx<'_>,
    g: &str,
    taxpayer: &str,
    hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if get_taxpayer(&tx.c, g, taxpayer).await?.is_none() {
        return Err(StoreError::NotFound);
    }
    let at = ts(now);
    revoke_unused_codes(tx, g, taxpayer, &at).await?;
    tx.c.execute(
        "INSERT INTO tax_activation_codes (gmina, code_hash, taxpayer, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (gmina, code_hash) DO UPDATE SET taxpayer = excluded.taxpayer, created_at = excluded.created_at,
             expires_at = excluded.expires_at, used_at = NULL, used_by = NULL, revoked_at = NULL",
        &[&g, &hash, &taxpayer, &at, &ts(expires_at)],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl TaxStore for PostgresStore {
    async fn tax_rules(&self) -> StoreResult<TaxRules> {
        rules(&self.reader().await?, &self.scope()).await
    }

    async fn set_tax_rate(&self, actor: Actor, period: RatePeriod, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('tax_rules:' || $1))", &[&g]).await?;
            seed_rules(tx, g).await?;
            tx.c.execute(
                "INSERT INTO tax_rates (gmina, from_date, basis_points) VALUES ($1, $2, $3)
                 ON CONFLICT (gmina, from_date) DO UPDATE SET basis_points = excluded.basis_points",
                &[&g, &day(period.from), &i64::from(period.basis_points)],
            )
            .await?;
            audit(tx, g, &actor, now, "taxes.rate", "tax_rules", Some(&day(period.from)), json!({})).await
        })
    }

    async fn set_tax_threshold(&self, actor: Actor, period: ThresholdPeriod, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('tax_rules:' || $1))", &[&g]).await?;
            seed_rules(tx, g).await?;
            tx.c.execute(
                "INSERT INTO tax_thresholds (gmina, from_date, grosze) VALUES ($1, $2, $3)
                 ON CONFLICT (gmina, from_date) DO UPDATE SET grosze = excluded.grosze",
                &[&g, &day(period.from), &period.grosze],
            )
            .await?;
            audit(tx, g, &actor, now, "taxes.threshold", "tax_rules", Some(&day(period.from)), json!({})).await
        })
    }

    async fn import_taxes(
        &self,
        actor: Actor,
        source: &str,
        batch: TaxBatch,
        errors: Vec<ImportRowError>,
        refused: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportRun> {
        let source = source.to_owned();
        write_tx!(self, |tx, g| {
            // One import of a gmina at a time: two would count each other's rows.
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('tax_import:' || $1))", &[&g]).await?;
            let counts = if refused { ImportCounts::default() } else { write_batch(tx, g, &batch, now).await? };
            let id: i64 = tx
                .c
                .query_one(
                    "INSERT INTO tax_import_runs (gmina, source, started_at, taxpayers_created, taxpayers_updated,
                         liabilities_created, liabilities_updated, unchanged, payments_booked, errors, refused)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    &[
                        &g,
                        &source,
                        &ts(now),
                        &signed(counts.taxpayers_created),
                        &signed(counts.taxpayers_updated),
                        &signed(counts.liabilities_created),
                        &signed(counts.liabilities_updated),
                        &signed(counts.unchanged),
                        &signed(counts.payments_booked),
                        &errors_json(&errors),
                        &i64::from(refused),
                    ],
                )
                .await?
                .get(0);
            audit(tx, g, &actor, now, "taxes.import", "tax_import_run", Some(&id.to_string()), json!({"refused": refused}))
                .await?;
            Ok(ImportRun { id, source, started_at: now, counts, errors, refused })
        })
    }

    async fn import_runs(&self, limit: u32) -> StoreResult<Vec<ImportRun>> {
        self.reader()
            .await?
            .query(
                &format!("SELECT {RUN_COLUMNS} FROM tax_import_runs WHERE gmina = $1 ORDER BY id DESC LIMIT $2"),
                &[&self.scope(), &i64::from(limit)],
            )
            .await?
            .iter()
            .map(import_run)
            .collect()
    }

    async fn taxpayer_for_official(
        &self,
        actor: Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>> {
        let id = id.to_owned();
        write_tx!(self, |tx, g| {
            let Some(taxpayer) = get_taxpayer(&tx.c, g, &id).await? else {
                return Ok(None);
            };
            let liabilities = tx
                .c
                .query(
                    &format!(
                        "SELECT {LIABILITY_COLUMNS} FROM tax_liabilities l WHERE l.gmina = $1 AND l.taxpayer = $2
                         ORDER BY l.due_date, l.id"
                    ),
                    &[&g, &id],
                )
                .await?
                .iter()
                .map(liability)
                .collect::<StoreResult<Vec<_>>>()?;
            let payments = tx
                .c
                .query(
                    &format!(
                        "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1 AND taxpayer = $2
                         ORDER BY created_at DESC, id"
                    ),
                    &[&g, &id],
                )
                .await?
                .iter()
                .map(payment)
                .collect::<StoreResult<Vec<_>>>()?;
            audit(tx, g, &actor, now, "taxes.lookup", "taxpayer", Some(&id), json!({})).await?;
            Ok(Some((taxpayer, liabilities, payments)))
        })
    }

    async fn search_taxpayers(&self, actor: Actor, query: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>> {
        let query = query.trim().to_owned();
        write_tx!(self, |tx, g| {
            audit(tx, g, &actor, now, "taxes.search", "taxpayer", None, json!({"query_chars": query.chars().count()}))
                .await?;
            if query.is_empty() {
                return Ok(vec![]);
            }
            let folded = fold(&query);
            let rows = tx.c.query("SELECT id, name FROM tax_taxpayers WHERE gmina = $1 ORDER BY id", &[&g]).await?;
            Ok(rows
                .iter()
                .map(|r| Taxpayer { id: r.get(0), name: r.get(1) })
                .filter(|t| t.id.starts_with(&query) || fold(&t.name).contains(&folded))
                .take(limit as usize)
                .collect())
        })
    }

    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>> {
        Ok(self
            .reader()
            .await?
            .query("SELECT id, name FROM tax_taxpayers WHERE gmina = $1 ORDER BY id", &[&self.scope()])
            .await?
            .iter()
            .map(|r| Taxpayer { id: r.get(0), name: r.get(1) })
            .collect())
    }

    async fn issue_activation_code(
        &self,
        actor: Actor,
        taxpayer: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (taxpayer, hash) = (taxpayer.to_owned(), code_hash.to_owned());
        write_tx!(self, |tx, g| {
            issue_code(tx, g, &taxpayer, &hash, expires_at, now).await?;
            audit(tx, g, &actor, now, "taxes.code_issued", "taxpayer", Some(&taxpayer), json!({})).await
        })
    }

    async fn issue_activation_codes(
        &self,
        actor: Actor,
        codes: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        write_tx!(self, |tx, g| {
            for (taxpayer, hash) in &codes {
                issue_code(tx, g, taxpayer, hash, expires_at, now).await?;
            }
            audit(tx, g, &actor, now, "taxes.codes_issued", "taxpayer", None, json!({"count": codes.len()})).await?;
            Ok(codes.len() as u64)
        })
    }

    async fn revoke_activation_codes(&self, actor: Actor, taxpayer: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let taxpayer = taxpayer.to_owned();
        write_tx!(self, |tx, g| {
            if get_taxpayer(&tx.c, g, &taxpayer).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            revoke_unused_codes(tx, g, &taxpayer, &ts(now)).await?;
            tx.c.execute("DELETE FROM tax_device_links WHERE gmina = $1 AND taxpayer = $2", &[&g, &taxpayer]).await?;
            audit(tx, g, &actor, now, "taxes.code_revoked", "taxpayer", Some(&taxpayer), json!({})).await
        })
    }

    async fn link_device(&self, device_id: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<LinkOutcome> {
        let (device, hash) = (device_id.to_owned(), code_hash.to_owned());
        write_tx!(self, |tx, g| {
            // A device's tries one at a time (across instances): each is counted.
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('tax_link:' || $1 || ':' || $2))", &[&g, &device]).await?;
            let recent = failures_since(&tx.c, g, &device, now - Duration::minutes(2 * LOCK_MINUTES)).await?;
            if let Some(until) = lock_state(&recent, now) {
                return Ok(LinkOutcome::Locked { until });
            }
            let at = ts(now);
            let taxpayer: Option<String> = tx
                .c
                .query_opt(
                    "UPDATE tax_activation_codes SET used_at = $3, used_by = $4 WHERE gmina = $1 AND code_hash = $2
                       AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3 RETURNING taxpayer",
                    &[&g, &hash, &at, &device],
                )
                .await?
                .map(|r| r.get(0));
            let Some(taxpayer) = taxpayer else {
                tx.c.execute(
                    "DELETE FROM tax_activation_failures WHERE gmina = $1 AND device_id = $2 AND at <= $3",
                    &[&g, &device, &ts(now - Duration::days(1))],
                )
                .await?;
                tx.c.execute(
                    "INSERT INTO tax_activation_failures (gmina, device_id, at) VALUES ($1, $2, $3)",
                    &[&g, &device, &at],
                )
                .await?;
                let failures = failures_since(&tx.c, g, &device, now - Duration::minutes(LOCK_MINUTES)).await?.len();
                let failures = u32::try_from(failures).unwrap_or(u32::MAX).min(MAX_FAILED_TRIES);
                return Ok(LinkOutcome::Invalid { failures });
            };
            tx.c.execute(
                "INSERT INTO tax_device_links (gmina, device_id, taxpayer, linked_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&g, &device, &taxpayer, &at],
            )
            .await?;
            tx.c.execute("DELETE FROM tax_activation_failures WHERE gmina = $1 AND device_id = $2", &[&g, &device]).await?;
            let taxpayer = get_taxpayer(&tx.c, g, &taxpayer).await?.ok_or(StoreError::NotFound)?;
            Ok(LinkOutcome::Linked(taxpayer))
        })
    }

    async fn unlink_device(&self, device_id: &str, taxpayer: Option<&str>, _now: DateTime<Utc>) -> StoreResult<bool> {
        let (device, taxpayer) = (device_id.to_owned(), taxpayer.map(str::to_owned));
        write_tx!(self, |tx, g| {
            let n = tx
                .c
                .execute(
                    "DELETE FROM tax_device_links WHERE gmina = $1 AND device_id = $2 AND ($3::TEXT IS NULL OR taxpayer = $3)",
                    &[&g, &device, &taxpayer],
                )
                .await?;
            Ok(n > 0)
        })
    }

    async fn device_taxpayers(&self, device_id: &str) -> StoreResult<Vec<Taxpayer>> {
        Ok(self
            .reader()
            .await?
            .query(
                "SELECT t.id, t.name FROM tax_taxpayers t
                   JOIN tax_device_links d ON d.gmina = t.gmina AND d.taxpayer = t.id
                  WHERE t.gmina = $1 AND d.device_id = $2 ORDER BY t.id",
                &[&self.scope(), &device_id],
            )
            .await?
            .iter()
            .map(|r| Taxpayer { id: r.get(0), name: r.get(1) })
            .collect())
    }

    async fn device_liabilities(
        &self,
        device_id: &str,
        only: Option<&str>,
    ) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>> {
        let c = self.reader().await?;
        let g = self.scope();
        let liabilities = c
            .query(
                &format!(
                    "SELECT {LIABILITY_COLUMNS} FROM tax_liabilities l
                       JOIN tax_device_links d ON d.gmina = l.gmina AND d.taxpayer = l.taxpayer
                      WHERE l.gmina = $1 AND d.device_id = $2 AND ($3::TEXT IS NULL OR l.id = $3)
                      ORDER BY l.due_date, l.id"
                ),
                &[&g, &device_id, &only],
            )
            .await?
            .iter()
            .map(liability)
            .collect::<StoreResult<Vec<_>>>()?;
        let ids: Vec<&str> = liabilities.iter().map(|l| l.id.as_str()).collect();
        let mut payments: HashMap<String, Vec<AppPaymentSummary>> = HashMap::new();
        if !ids.is_empty() {
            for r in c
                .query(
                    &format!(
                        "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1 AND liability = ANY($2)
                         ORDER BY created_at DESC, id"
                    ),
                    &[&g, &ids],
                )
                .await?
            {
                let p = payment(&r)?;
                payments.entry(p.liability.clone()).or_default().push(p.summary());
            }
        }
        Ok(liabilities
            .into_iter()
            .map(|l| {
                let app = payments.remove(&l.id).unwrap_or_default();
                (l, app)
            })
            .collect())
    }

    async fn create_payment(&self, p: NewPayment, job: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>> {
        write_tx!(self, |tx, g| {
            let first = async |tx: &Tx<'_>| -> StoreResult<Option<(String, String)>> {
                Ok(tx
                    .c
                    .query_opt(
                        "SELECT id, request_hash FROM tax_payments WHERE gmina = $1 AND device_id = $2 AND idempotency_key = $3",
                        &[&g, &p.device_id, &p.idempotency_key],
                    )
                    .await?
                    .map(|r| (r.get(0), r.get(1))))
            };
            let replay = async |tx: &Tx<'_>, (id, hash): (String, String)| {
                if hash != p.request_hash {
                    return Err(StoreError::IdempotencyConflict);
                }
                Ok(Err(get_payment(&tx.c, g, &id).await?.ok_or(StoreError::NotFound)?))
            };
            if let Some(f) = first(tx).await? {
                return replay(tx, f).await;
            }
            let taxpayer: String = tx
                .c
                .query_opt(
                    "SELECT l.taxpayer FROM tax_liabilities l
                       JOIN tax_device_links d ON d.gmina = l.gmina AND d.taxpayer = l.taxpayer
                      WHERE l.gmina = $1 AND d.device_id = $2 AND l.id = $3",
                    &[&g, &p.device_id, &p.liability],
                )
                .await?
                .ok_or(StoreError::NotFound)?
                .get(0);
            let at = ts(p.now);
            let inserted = tx
                .c
                .execute(
                    "INSERT INTO tax_payments (id, gmina, device_id, taxpayer, liability, amount_grosze, status, provider,
                         idempotency_key, request_hash, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $10)
                     ON CONFLICT (gmina, device_id, idempotency_key) DO NOTHING",
                    &[
                        &p.id,
                        &g,
                        &p.device_id,
                        &taxpayer,
                        &p.liability,
                        &p.amount_grosze,
                        &p.provider,
                        &p.idempotency_key,
                        &p.request_hash,
                        &at,
                    ],
                )
                .await?;
            if inserted == 0 {
                // The same key committed by a concurrent request meanwhile.
                let f = first(tx).await?.ok_or(StoreError::NotFound)?;
                return replay(tx, f).await;
            }
            if let Some(job) = &job {
                enqueue(tx, g, job, p.now).await?;
            }
            Ok(Ok(get_payment(&tx.c, g, &p.id).await?.ok_or(StoreError::NotFound)?))
        })
    }

    async fn payment(&self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        get_payment(&self.reader().await?, &self.scope(), id).await
    }

    async fn device_payment(&self, device_id: &str, id: &str) -> StoreResult<Option<PaymentRecord>> {
        Ok(get_payment(&self.reader().await?, &self.scope(), id).await?.filter(|p| p.device_id == device_id))
    }

    async fn update_payment(&self, id: &str, update: PaymentUpdate, now: DateTime<Utc>) -> StoreResult<bool> {
        let id = id.to_owned();
        write_tx!(self, |tx, g| {
            // FOR UPDATE: a notification and an expiry at once, one after the other.
            let row = tx
                .c
                .query_opt(&format!("SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1 AND id = $2 FOR UPDATE"), &[
                    &g, &id,
                ])
                .await?
                .ok_or(StoreError::NotFound)?;
            let p = payment(&row)?;
            let at = ts(now);
            let what = match &update {
                PaymentUpdate::Flag { reason } => {
                    tx.c.execute(
                        "UPDATE tax_payments SET flag = $3, updated_at = $4 WHERE gmina = $1 AND id = $2",
                        &[&g, &id, reason, &at],
                    )
                    .await?;
                    "flag"
                }
                _ if p.status.is_final() => return Ok(false),
                PaymentUpdate::Registered { token } => {
                    tx.c.execute(
                        "UPDATE tax_payments SET gateway_token = $3, updated_at = $4 WHERE gmina = $1 AND id = $2",
                        &[&g, &id, token, &at],
                    )
                    .await?;
                    "registered"
                }
                PaymentUpdate::Paid { order_id, at: paid_at } => {
                    tx.c.execute(
                        "UPDATE tax_payments SET status = 'paid', gateway_order_id = $3, paid_at = $4, updated_at = $5
                         WHERE gmina = $1 AND id = $2",
                        &[&g, &id, order_id, &ts(*paid_at), &at],
                    )
                    .await?;
                    "paid"
                }
                PaymentUpdate::Failed { reason } => {
                    tx.c.execute(
                        "UPDATE tax_payments SET status = 'failed', failure_reason = $3, updated_at = $4
                         WHERE gmina = $1 AND id = $2",
                        &[&g, &id, reason, &at],
                    )
                    .await?;
                    "failed"
                }
                PaymentUpdate::Expired => {
                    tx.c.execute(
                        "UPDATE tax_payments SET status = 'expired', updated_at = $3 WHERE gmina = $1 AND id = $2",
                        &[&g, &id, &at],
                    )
                    .await?;
                    "expired"
                }
            };
            audit(tx, g, &Actor(p.provider.clone()), now, &format!("payments.{what}"), "payment", Some(&id), json!({}))
                .await?;
            Ok(true)
        })
    }

    async fn payments(&self, filter: PaymentFilter) -> StoreResult<Vec<PaymentRecord>> {
        let limit = i64::from(if filter.limit == 0 { 100 } else { filter.limit });
        self.reader()
            .await?
            .query(
                &format!(
                    "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1
                       AND ($2::TEXT IS NULL OR status = $2)
                       AND ($3::TEXT IS NULL OR (status = 'paid' AND booked = 0 AND paid_at < $3))
                       AND (NOT $4 OR flag IS NOT NULL)
                     ORDER BY created_at DESC, id LIMIT $5"
                ),
                &[
                    &self.scope(),
                    &filter.status.map(|s| s.as_str()),
                    &filter.unbooked_paid_before.map(ts),
                    &filter.flagged_only,
                    &limit,
                ],
            )
            .await?
            .iter()
            .map(payment)
            .collect()
    }

    async fn stale_pending_payments(&self, before: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>> {
        self.reader()
            .await?
            .query(
                &format!(
                    "SELECT {PAYMENT_COLUMNS} FROM tax_payments WHERE gmina = $1 AND status = 'pending' AND created_at < $2
                     ORDER BY created_at"
                ),
                &[&self.scope(), &ts(before)],
            )
            .await?
            .iter()
            .map(payment)
            .collect()
    }

    async fn enqueue_tax_job(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<bool> {
        write_tx!(self, |tx, g| {
            // One unfinished job of a kind per gmina (see the SQLite store);
            // the lock keeps two instances' schedulers from each seeing none
            // at a slot's boundary and enqueueing two slots.
            tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('mm_tax_job:' || $1 || ':' || $2))", &[&g, &job.kind])
                .await?;
            let unfinished: bool = tx
                .c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM jobs WHERE gmina = $1 AND kind = $2 AND state = 'pending')",
                    &[&g, &job.kind],
                )
                .await?
                .get(0);
            if unfinished {
                return Ok(false);
            }
            enqueue(tx, g, &job, now).await
        })
    }
}
