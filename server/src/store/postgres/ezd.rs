//! The EZD bridge's tables, as `store/sqlite/ezd.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::reports::StatusChange;
use serde_json::json;

use super::publish::{self, audit};
use super::reports::{change_status, get_category, get_report, save_report};
use super::{PostgresStore, ts, write_tx};
use crate::store::ezd::{CaseOutcome, CaseRule, CaseState, EzdReport, EzdStore, OpenCase, OpenedCase, Registered};
use crate::store::{Actor, StoreError, StoreResult};

/// The official the EZD's own changes are made by, in the audit log.
const EZD: &str = "ezd";

async fn report_context(c: &impl GenericClient, g: &str, report_id: i64) -> StoreResult<EzdReport> {
    let report = get_report(c, g, report_id).await?.ok_or(StoreError::NotFound)?;
    let category_name =
        get_category(c, g, &report.category).await.ok().flatten().map(|c| c.name_pl).unwrap_or_else(|| report.category.clone());
    let class = c
        .query_opt(
            "SELECT jrwa, archival_category FROM ezd_category_classes WHERE gmina = $1 AND category = $2",
            &[&g, &report.category],
        )
        .await?;
    let (jrwa, archival_category) = match class {
        Some(r) => (r.get(0), r.get(1)),
        None => (
            c.query_opt("SELECT value FROM settings WHERE gmina = $1 AND key = 'ezd_default_jrwa'", &[&g])
                .await?
                .map(|r| r.get(0))
                .unwrap_or_else(|| "7021".to_owned()),
            "B5".to_owned(),
        ),
    };
    let registered = c
        .query_opt(
            "SELECT rpw_number, document_id FROM ezd_registrations
             WHERE report_id = $1 AND gmina = $2 AND rpw_number IS NOT NULL",
            &[&report_id, &g],
        )
        .await?
        .map(|r| Registered { rpw_number: r.get(0), document_id: r.get(1) });
    Ok(EzdReport { report, category_name, jrwa, archival_category, registered })
}

#[async_trait]
impl EzdStore for PostgresStore {
    async fn ezd_report(&self, report_id: i64) -> StoreResult<EzdReport> {
        report_context(&self.reader().await?, &self.scope(), report_id).await
    }

    async fn ezd_registered(&self, report_id: i64, reference: &str, r: Registered, now: DateTime<Utc>) -> StoreResult<()> {
        let reference = reference.to_owned();
        write_tx!(self, |tx, g| {
            if get_report(&tx.c, g, report_id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            tx.c.execute(
                "INSERT INTO ezd_registrations (report_id, reference, rpw_number, document_id, updated_at, gmina)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (report_id) DO UPDATE SET rpw_number = excluded.rpw_number,
                     document_id = excluded.document_id, updated_at = excluded.updated_at",
                &[&report_id, &reference, &r.rpw_number, &r.document_id, &ts(now), &g],
            )
            .await?;
            Ok(())
        })
    }

    async fn ezd_case_opened(&self, report_id: i64, c: OpenedCase, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            if get_report(&tx.c, g, report_id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            tx.c.execute(
                "UPDATE ezd_registrations SET case_id = $2, case_reference = $3,
                 case_state = COALESCE(case_state, 'open'), updated_at = $4 WHERE report_id = $1 AND gmina = $5",
                &[&report_id, &c.case_id, &c.case_reference, &ts(now), &g],
            )
            .await?;
            if let Some(znak) = &c.case_reference {
                let mut report = get_report(&tx.c, g, report_id).await?.ok_or(StoreError::NotFound)?;
                if report.case_reference.as_deref() != Some(znak) {
                    report.case_reference = Some(znak.clone());
                    report.updated_at = now;
                    save_report(tx, g, &report).await?;
                }
            }
            Ok(())
        })
    }

    async fn ezd_open_cases(&self) -> StoreResult<Vec<OpenCase>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT report_id, case_id, case_reference, case_state FROM ezd_registrations
                 WHERE gmina = $1 AND case_id IS NOT NULL AND case_state IS NOT NULL AND case_state <> 'closed'
                 ORDER BY report_id",
                &[&self.scope()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| OpenCase {
                report_id: r.get(0),
                case_id: r.get(1),
                case_reference: r.get(2),
                state: CaseState::parse(r.get(3)).unwrap_or(CaseState::Open),
            })
            .collect())
    }

    async fn ezd_case_state(&self, report_id: i64, state: CaseState, rule: CaseRule, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            let row = tx
                .c
                .query_opt(
                    "SELECT case_state, case_reference FROM ezd_registrations WHERE report_id = $1 AND gmina = $2",
                    &[&report_id, &g],
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            let (old, znak): (Option<String>, Option<String>) = (row.get(0), row.get(1));
            if old.as_deref() == Some(state.as_str()) {
                return Ok(());
            }
            tx.c.execute(
                "UPDATE ezd_registrations SET case_state = $2, updated_at = $3 WHERE report_id = $1",
                &[&report_id, &state.as_str(), &ts(now)],
            )
            .await?;
            let report = get_report(&tx.c, g, report_id).await?.ok_or(StoreError::NotFound)?;
            let znak = znak.unwrap_or_default();
            let actor = Actor(EZD.into());
            match rule(&report, state, &znak) {
                CaseOutcome::Move(change) => {
                    change_status(tx, g, &actor, report_id, change, now).await?;
                }
                CaseOutcome::PublicNote(reply) => {
                    let mut report = report;
                    report.history.push(StatusChange { status: report.status, at: now, public_reply: Some(reply) });
                    report.updated_at = now;
                    save_report(tx, g, &report).await?;
                    audit(
                        tx,
                        g,
                        &actor,
                        now,
                        "report.case_state",
                        "report",
                        Some(&report_id.to_string()),
                        json!({ "case_state": state.as_str(), "case_reference": znak }),
                    )
                    .await?;
                }
                CaseOutcome::Nothing => {}
            }
            Ok(())
        })
    }

    async fn ezd_set_category_class(&self, actor: Actor, category: String, jrwa: String, now: DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx, g| {
            let known: bool = tx
                .c
                .query_one("SELECT EXISTS (SELECT 1 FROM report_categories WHERE gmina = $1 AND id = $2)", &[&g, &category])
                .await?
                .get(0);
            if !known {
                return Err(StoreError::UnknownReference { field: "category" });
            }
            tx.c.execute(
                "INSERT INTO ezd_category_classes (gmina, category, jrwa) VALUES ($1, $2, $3)
                 ON CONFLICT (gmina, category) DO UPDATE SET jrwa = excluded.jrwa",
                &[&g, &category, &jrwa],
            )
            .await?;
            audit(tx, g, &actor, now, "ezd.category_class", "report_category", Some(&category), json!({ "jrwa": jrwa })).await
        })
    }

    async fn ezd_category_classes(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT c.id, COALESCE(k.jrwa, (SELECT value FROM settings WHERE gmina = $1 AND key = 'ezd_default_jrwa'), '')
                 FROM report_categories c
                 LEFT JOIN ezd_category_classes k ON k.gmina = c.gmina AND k.category = c.id
                 WHERE c.gmina = $1
                 ORDER BY c.position, c.id",
                &[&self.scope()],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
