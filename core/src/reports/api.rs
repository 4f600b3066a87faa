//! `core.reports()`: the reporting flow (categories, drafts, photos,
//! review, submit), my reports, public reports and follows.

use chrono::Utc;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{Report, ReportCategory};

use super::flow::{self, BARRIER_CATEGORY, ReportRules, ReportStep};
use super::model::{
    DraftProblem, MyReport, MyReportState, PhotoInfo, ReportDetail, ReportDraft, ReportDraftUpdate, ReportReview,
    ReportSummary,
};
use crate::error::{CoreError, Error};
use crate::{Core, outbox, places, reports};

/// Residents' reports; from `Core::reports`.
pub struct ReportsApi<'a> {
    pub(crate) core: &'a Core,
}

impl ReportsApi<'_> {
    /// Active report categories with their questions, by Polish name.
    pub fn categories(&self) -> Result<Vec<ReportCategory>, CoreError> {
        Ok(self.core.store.read(reports::store::categories)?)
    }

    /// Public reports within `radius_m` (1 m..50 km) of `point`, nearest
    /// first, from the local store.
    pub fn near(
        &self,
        point: GeoPoint,
        radius_m: f64,
        category: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<ReportSummary>, CoreError> {
        Ok(self.core.store.read(|c| reports::near(c, point, radius_m, category, open_only))?)
    }

    /// One public report as last synced, with its history.
    pub fn get(&self, id: i64) -> Result<Report, CoreError> {
        self.core
            .store
            .read(|c| reports::store::report(c, id))?
            .ok_or_else(|| CoreError::not_found(format!("report {id}")))
    }

    /// A new, empty draft, stored at once.
    pub fn create_draft(&self, category: &str) -> Result<ReportDraft, CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::create_draft(&t.store, &t.dir, category, Utc::now())?)
    }

    pub fn update_draft(&self, id: &str, update: ReportDraftUpdate) -> Result<ReportDraft, CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::update_draft(&t.store, &t.dir, id, update, Utc::now())?)
    }

    /// Normalises the photo on the device (JPEG, longest edge ≤ 2048 px,
    /// every bit of metadata dropped) and attaches it to the draft; at
    /// most 5. Not a JPEG/PNG, or too large: `invalid_input`.
    pub fn add_photo(&self, draft_id: &str, bytes: Vec<u8>) -> Result<PhotoInfo, CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::add_photo(&t.store, &t.dir, draft_id, &bytes, Utc::now())?)
    }

    pub fn remove_photo(&self, draft_id: &str, photo_id: &str) -> Result<(), CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::remove_photo(&t.store, &t.dir, draft_id, photo_id)?)
    }

    /// Unfinished drafts, most recently changed first.
    pub fn drafts(&self) -> Result<Vec<ReportDraft>, CoreError> {
        let t = self.core.store.get()?;
        Ok(t.store.read(|c| reports::store::drafts(c, &t.dir))?)
    }

    pub fn draft(&self, id: &str) -> Result<ReportDraft, CoreError> {
        let t = self.core.store.get()?;
        Ok(t.store.read(|c| reports::store::draft(c, &t.dir, id))?)
    }

    pub fn delete_draft(&self, id: &str) -> Result<(), CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::delete_draft(&t.store, &t.dir, id)?)
    }

    /// Every check the device can make: texts, the category and its
    /// questions, the point inside the synced gmina boundary.
    /// `invalid_input` names the field.
    pub fn validate_draft(&self, id: &str) -> Result<(), CoreError> {
        Ok(self.core.store.read(|c| reports::validate(c, id))?)
    }

    /// "This may already be reported": open reports of the draft's category
    /// within 30 m of its point, nearest first.
    pub fn possible_duplicates(&self, draft_id: &str) -> Result<Vec<ReportSummary>, CoreError> {
        Ok(self.core.store.read(|c| reports::possible_duplicates(c, draft_id))?)
    }

    /// The review screen: the draft, its category, the first problem (as
    /// data, with the step that fixes it) and the possible duplicates.
    pub fn review(&self, draft_id: &str) -> Result<ReportReview, CoreError> {
        let t = self.core.store.get()?;
        let data_dir = &t.dir;
        Ok(t.store.read(|c| {
            let draft = reports::store::draft(c, data_dir, draft_id)?;
            let problem = match reports::validate(c, draft_id) {
                Ok(()) => None,
                Err(e @ Error::InvalidInput { .. }) => {
                    let public = CoreError::from(&e);
                    let Error::InvalidInput { field, message } = e else { unreachable!() };
                    Some(DraftProblem {
                        code: public.code().to_owned(),
                        step: ReportStep::for_field(Some(&field)),
                        field,
                        message,
                    })
                }
                Err(e) => return Err(e),
            };
            Ok(ReportReview {
                possible_duplicates: reports::possible_duplicates(c, draft_id)?,
                category: reports::store::category(c, &draft.category)?,
                draft,
                problem,
            })
        })?)
    }

    /// A public report's screen: the report, its category, whether this
    /// device follows it.
    pub fn detail(&self, id: i64) -> Result<ReportDetail, CoreError> {
        Ok(self.core.store.read(|c| {
            let report = reports::store::report(c, id)?.ok_or_else(|| Error::not_found(format!("report {id}")))?;
            Ok(ReportDetail {
                category: reports::store::category(c, &report.category)?,
                followed: reports::store::is_followed(c, id)?,
                report,
            })
        })?)
    }

    /// "Zgłoś barierę" from a place's card: a draft of an architectural
    /// barrier pinned at the place (a pin, no accuracy), its name as the
    /// start of the description, its address (or name) as the address.
    /// The resident confirms the pin first (the location step).
    pub fn start_barrier_report(&self, place_id: i64) -> Result<ReportDraft, CoreError> {
        let place = self.core.store.read(|c| places::store::get(c, place_id))?
            .ok_or_else(|| CoreError::not_found(format!("place {place_id}")))?;
        let point = place.geometry.anchor().ok_or_else(|| CoreError::not_found(format!("place {place_id}")))?;
        let draft = self.create_draft(BARRIER_CATEGORY)?;
        let update = ReportDraftUpdate {
            point: Some(point),
            location_source: Some(mm_protocol::reports::LocationSource::Pin),
            description: Some(place.name.clone()),
            address: Some(place.address.unwrap_or(place.name)),
            ..Default::default()
        };
        self.update_draft(&draft.id, update).inspect_err(|_| {
            let _ = self.delete_draft(&draft.id);
        })
    }

    /// The limits the screens state (photos, description length) with
    /// their hints, in the core's language.
    pub fn rules(&self) -> ReportRules {
        flow::rules(self.core.language)
    }

    /// Validates, then queues the report (fresh idempotency key) and
    /// deletes the draft, in one transaction. Sent by the next
    /// [`Core::flush_outbox`] or [`Core::sync`].
    pub fn submit_draft(&self, id: &str) -> Result<MyReport, CoreError> {
        let t = self.core.store.get()?;
        Ok(flow::dress(reports::submit(&t.store, id, Utc::now())?, self.core.language))
    }

    /// Reports made on this device: queued, sending, failed and sent (with
    /// the synced status, history and replies), newest first.
    pub fn mine(&self) -> Result<Vec<MyReport>, CoreError> {
        let list = self.core.store.read(reports::store::my_reports)?;
        Ok(list.into_iter().map(|r| flow::dress(r, self.core.language)).collect())
    }

    pub fn my_report(&self, local_id: i64) -> Result<MyReport, CoreError> {
        let r = self.core.store.read(|c| reports::store::my_report(c, local_id))?;
        Ok(flow::dress(r, self.core.language))
    }

    /// Drops a report the server refused (or one not tried yet).
    pub fn discard_failed(&self, local_id: i64) -> Result<(), CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::discard(&t.store, &t.dir, local_id)?)
    }

    /// A refused report back as a draft, photos included, to fix and submit again.
    pub fn edit_failed(&self, local_id: i64) -> Result<ReportDraft, CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::failed_to_draft(&t.store, &t.dir, local_id, Utc::now())?)
    }

    /// A report the server refused, back in the queue as it was (same
    /// idempotency key), for a refusal that has gone away since (the
    /// category reopened, a limit passed). Sent by the next flush or sync.
    pub fn retry_failed(&self, local_id: i64) -> Result<(), CoreError> {
        Ok(self.core.store.write(|tx| match reports::store::state_of(tx, local_id)? {
            (MyReportState::Failed, Some(item)) => {
                outbox::retry_failed(tx, Some(item), Utc::now())?;
                Ok(())
            }
            _ => Err(Error::invalid(
                "local_id",
                "Ponowić można tylko zgłoszenie odrzucone przez serwer.",
                "Only a report the server refused can be sent again.",
            )),
        })?)
    }

    /// Follows a public report (through the outbox): its status changes
    /// notify from the next sync on.
    pub fn follow(&self, id: i64) -> Result<(), CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::set_followed(&t.store, id, true, Utc::now())?)
    }

    pub fn unfollow(&self, id: i64) -> Result<(), CoreError> {
        let t = self.core.store.get()?;
        Ok(reports::set_followed(&t.store, id, false, Utc::now())?)
    }

    /// Reports this device follows, as last synced.
    pub fn followed(&self) -> Result<Vec<Report>, CoreError> {
        Ok(self.core.store.read(reports::store::followed)?)
    }
}
