//! The EZD bridge's tables (`ezd_registrations`, `ezd_category_classes`):
//! what each report became in the EZD, and the JRWA class per category.
//! The deliveries are jobs (`jobs.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::reports::{ReportCategory, StatusChange};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::publish::{audit, get_setting};
use super::reports::{change_status, get_category, get_report, save_report};
use super::{SqliteStore, ts};
use crate::store::ezd::{CaseOutcome, CaseRule, CaseState, EzdReport, EzdStore, OpenCase, OpenedCase, Registered};
use crate::store::{Actor, StoreError, StoreResult};

/// The official the EZD's own changes are made by, in the audit log.
const EZD: &str = "ezd";

fn report_context(c: &Connection, g: &str, report_id: i64) -> StoreResult<EzdReport> {
    let report = get_report(c, g, report_id)?.ok_or(StoreError::NotFound)?;
    let category_name = get_category(c, g, &report.category)?
        .map(|c: ReportCategory| c.name_pl)
        .unwrap_or_else(|| report.category.clone());
    let class: Option<(String, String)> = c
        .query_row(
            "SELECT jrwa, archival_category FROM ezd_category_classes WHERE gmina = ?1 AND category = ?2",
            [g, &report.category],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (jrwa, archival_category) = match class {
        Some(x) => x,
        None => (
            get_setting(c, g, "ezd_default_jrwa")?
                .unwrap_or_else(|| "7021".to_owned()),
            "B5".to_owned(),
        ),
    };
    let registered = c
        .query_row(
            "SELECT rpw_number, document_id FROM ezd_registrations
             WHERE report_id = ?1 AND gmina = ?2 AND rpw_number IS NOT NULL",
            params![report_id, g],
            |r| Ok(Registered { rpw_number: r.get(0)?, document_id: r.get(1)? }),
        )
        .optional()?;
    Ok(EzdReport { report, category_name, jrwa, archival_category, registered })
}

#[async_trait]
impl EzdStore for SqliteStore {
    async fn ezd_report(&self, report_id: i64) -> StoreResult<EzdReport> {
        let g = self.scope();
        self.read(move |c| report_context(c, &g, report_id)).await
    }

    async fn ezd_registered(
        &self,
        report_id: i64,
        reference: &str,
        r: Registered,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (reference, g) = (reference.to_owned(), self.scope());
        self.write(move |tx| {
            if get_report(tx, &g, report_id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            tx.prepare_cached(
                "INSERT INTO ezd_registrations (report_id, reference, rpw_number, document_id, updated_at, gmina)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (report_id) DO UPDATE SET rpw_number = excluded.rpw_number,
                     document_id = excluded.document_id, updated_at = excluded.updated_at",
            )?
            .execute(params![report_id, reference, r.rpw_number, r.document_id, ts(now), g])?;
            Ok(())
        })
        .await
    }

    async fn ezd_case_opened(&self, report_id: i64, c: OpenedCase, now: DateTime<Utc>) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            if get_report(tx, &g, report_id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            tx.execute(
                "UPDATE ezd_registrations SET case_id = ?2, case_reference = ?3,
                 case_state = COALESCE(case_state, 'open'), updated_at = ?4 WHERE report_id = ?1 AND gmina = ?5",
                params![report_id, c.case_id, c.case_reference, ts(now), g],
            )?;
            if let Some(znak) = &c.case_reference {
                let mut report = get_report(tx, &g, report_id)?.ok_or(StoreError::NotFound)?;
                if report.case_reference.as_deref() != Some(znak) {
                    report.case_reference = Some(znak.clone());
                    report.updated_at = now;
                    save_report(tx, &g, &report)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn ezd_open_cases(&self) -> StoreResult<Vec<OpenCase>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT report_id, case_id, case_reference, case_state FROM ezd_registrations
                 WHERE gmina = ?1 AND case_id IS NOT NULL AND case_state IS NOT NULL AND case_state <> 'closed'
                 ORDER BY report_id",
            )?;
            let rows = stmt
                .query_map([g], |r| {
                    Ok(OpenCase {
                        report_id: r.get(0)?,
                        case_id: r.get(1)?,
                        case_reference: r.get(2)?,
                        state: CaseState::parse(&r.get::<_, String>(3)?).unwrap_or(CaseState::Open),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn ezd_case_state(
        &self,
        report_id: i64,
        state: CaseState,
        rule: CaseRule,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            let (old, znak): (Option<String>, Option<String>) = tx
                .query_row(
                    "SELECT case_state, case_reference FROM ezd_registrations WHERE report_id = ?1 AND gmina = ?2",
                    params![report_id, g],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(StoreError::NotFound)?;
            if old.as_deref() == Some(state.as_str()) {
                return Ok(());
            }
            tx.execute(
                "UPDATE ezd_registrations SET case_state = ?2, updated_at = ?3 WHERE report_id = ?1",
                params![report_id, state.as_str(), ts(now)],
            )?;
            let report = get_report(tx, &g, report_id)?.ok_or(StoreError::NotFound)?;
            let znak = znak.unwrap_or_default();
            let actor = Actor(EZD.into());
            match rule(&report, state, &znak) {
                CaseOutcome::Move(change) => {
                    change_status(tx, &g, &actor, report_id, change, now)?;
                }
                CaseOutcome::PublicNote(reply) => {
                    let mut report = report;
                    report.history.push(StatusChange { status: report.status, at: now, public_reply: Some(reply) });
                    report.updated_at = now;
                    save_report(tx, &g, &report)?;
                    audit(
                        tx,
                        &g,
                        &actor,
                        now,
                        "report.case_state",
                        "report",
                        Some(&report_id.to_string()),
                        json!({ "case_state": state.as_str(), "case_reference": znak }),
                    )?;
                }
                CaseOutcome::Nothing => {}
            }
            Ok(())
        })
        .await
    }

    async fn ezd_set_category_class(
        &self,
        actor: Actor,
        category: String,
        jrwa: String,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let g = self.scope();
        self.write(move |tx| {
            if get_category(tx, &g, &category)?.is_none() {
                return Err(StoreError::UnknownReference { field: "category" });
            }
            tx.execute(
                "INSERT INTO ezd_category_classes (gmina, category, jrwa) VALUES (?1, ?2, ?3)
                 ON CONFLICT (gmina, category) DO UPDATE SET jrwa = excluded.jrwa",
                params![g, category, jrwa],
            )?;
            audit(tx, &g, &actor, now, "ezd.category_class", "report_category", Some(&category), json!({ "jrwa": jrwa }))?;
            Ok(())
        })
        .await
    }

    async fn ezd_category_classes(&self) -> StoreResult<Vec<(String, String)>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT c.id, COALESCE(k.jrwa, (SELECT value FROM settings WHERE gmina = ?1 AND key = 'ezd_default_jrwa'), '')
                 FROM report_categories c
                 LEFT JOIN ezd_category_classes k ON k.gmina = c.gmina AND k.category = c.id
                 WHERE c.gmina = ?1
                 ORDER BY c.position, c.id",
            )?;
            let rows = stmt
                .query_map([g], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
