//! The report workflow as pure functions: no I/O, no SQL. A store loads
//! what a rule needs, calls it, and persists what it answers, in one
//! transaction; so every backend applies the same rules, and the rules are
//! tested here without a database (unit and property tests below).
//!
//! - [`new_report`]: a resident's input becomes a report (trimmed, blank
//!   answers dropped, each photo once, the first history entry);
//! - [`move_status`]: an official's move through the workflow
//!   ([`ReportStatus::can_move_to`]), duplicates and their followers, and
//!   what an accepted report opens in the EZD;
//! - [`change_visibility`], [`public_view`], [`owner_view`], [`may_follow`]:
//!   what the public, the reporter and followers may see of a withheld
//!   report (security review, finding 15).
//!
//! Errors carry no text: [`WorkflowError::message`] renders it at the edge.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use mm_protocol::error::{ErrorCode, Message};
use mm_protocol::reports::{
    AttributeType, NewReport, PhotoRef, Report, ReportCategory, ReportStatus, StatusChange,
    StatusChangeRequest, Visibility, VisibilityChangeRequest,
};
use mm_protocol::validation::{FieldError, Validate};
use serde_json::json;

use super::model::photo_url;
use crate::ezd::jobs::{OpenCase, RegisterReport};
use crate::jobs::new_job;
use crate::store::jobs::NewJob;

/// Why the workflow refuses a change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkflowError {
    /// The workflow has no such move (409 `conflict`).
    #[error("cannot move from {} to {}", .from.as_str(), .to.as_str())]
    NotAllowed { from: ReportStatus, to: ReportStatus },
    #[error("a report cannot duplicate itself")]
    DuplicateOfItself,
    #[error("the original report does not exist")]
    OriginalMissing,
    #[error("the original report is itself a duplicate")]
    OriginalIsDuplicate,
    /// A new report names a photo that was never uploaded.
    #[error("a photo was not uploaded")]
    PhotoMissing { photo_id: String },
    /// The request fails its own check (the contract's `Validate`, the
    /// same one every edge runs first).
    #[error("invalid {}", .0.field)]
    Invalid(FieldError),
}

impl WorkflowError {
    /// The wire code: a move the workflow does not allow conflicts with the
    /// report's state; anything else is a wrong field.
    pub fn code(&self) -> ErrorCode {
        match self {
            WorkflowError::NotAllowed { .. } => ErrorCode::Conflict,
            _ => ErrorCode::InvalidField,
        }
    }

    pub fn message(&self) -> Message {
        match self {
            WorkflowError::NotAllowed { from, to } => Message::new(
                format!("Nie można zmienić statusu z „{}” na „{}”.", from.label_pl(), to.label_pl()),
                format!("Cannot move from {} to {}.", from.as_str(), to.as_str()),
            ),
            WorkflowError::DuplicateOfItself => Message::new(
                "Zgłoszenie nie może być duplikatem samego siebie.",
                "A report cannot duplicate itself.",
            ),
            WorkflowError::OriginalMissing => {
                Message::new("Nie ma zgłoszenia o tym numerze.", "There is no report with this id.")
            }
            WorkflowError::OriginalIsDuplicate => Message::new(
                "Wskaż zgłoszenie pierwotne, nie inny duplikat.",
                "Name the original report, not another duplicate.",
            ),
            WorkflowError::PhotoMissing { photo_id } => Message::new(
                "Nie znaleziono przesłanego zdjęcia; prześlij je ponownie.",
                format!("Photo {photo_id} was not uploaded; upload it again."),
            ),
            WorkflowError::Invalid(e) => Message::new(e.pl.clone(), e.en.clone()),
        }
    }

    /// The field that was wrong, when one was.
    pub fn field(&self) -> Option<&str> {
        match self {
            WorkflowError::NotAllowed { .. } => None,
            WorkflowError::DuplicateOfItself
            | WorkflowError::OriginalMissing
            | WorkflowError::OriginalIsDuplicate => Some("duplicate_of"),
            WorkflowError::PhotoMissing { .. } => Some("photo_ids"),
            WorkflowError::Invalid(e) => Some(&e.field),
        }
    }
}

/// Text an official or a resident typed, trimmed; blank is none.
fn text(t: Option<&String>) -> Option<String> {
    t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A new report as stored: id from the store, status `new`, the resident's
/// text trimmed, blank answers dropped, each photo once (in the order
/// sent), the first history entry, and the reporting device (if any) as
/// its first follower. Always public: only an official withholds.
pub fn new_report(id: i64, input: &NewReport, device: bool, now: DateTime<Utc>) -> Report {
    let mut seen = HashSet::new();
    Report {
        id,
        category: input.category.clone(),
        point: input.point,
        address: text(input.address.as_ref()),
        description: input.description.trim().to_owned(),
        answers: input
            .answers
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect(),
        status: ReportStatus::New,
        created_at: now,
        updated_at: now,
        photos: input
            .photo_ids
            .iter()
            .filter(|p| seen.insert(p.as_str()))
            .map(|p| PhotoRef { id: p.clone(), url: photo_url(p) })
            .collect(),
        history: vec![StatusChange { status: ReportStatus::New, at: now, public_reply: None }],
        duplicate_of: None,
        case_reference: None,
        followers: u32::from(device),
        visibility: Visibility::Public,
    }
}

/// What a new report starts in outside systems, enqueued in its own
/// transaction: its registration in the EZD.
pub fn jobs_for_new_report(report: &Report) -> Vec<NewJob> {
    vec![new_job(&RegisterReport { report_id: report.id })]
}

/// What the store checks against stored data before a new report is
/// written: the category's questions (the contract's rule) and that every
/// photo was uploaded.
pub fn check_new_report(
    input: &NewReport,
    category: Option<&ReportCategory>,
    photo_exists: impl Fn(&str) -> bool,
) -> Result<(), WorkflowError> {
    input.validate_against(category).map_err(WorkflowError::Invalid)?;
    match input.photo_ids.iter().find(|p| !photo_exists(p)) {
        Some(p) => Err(WorkflowError::PhotoMissing { photo_id: p.clone() }),
        None => Ok(()),
    }
}

/// One allowed move, ready to persist in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMove {
    /// The report after the move: the new status, one more history entry
    /// (with the trimmed public reply), `updated_at` now; a duplicate has
    /// no followers left (they moved to the original).
    pub report: Report,
    /// For a duplicate: the original, touched now. Its follower count is
    /// the store's to recount once the followers moved.
    pub original: Option<Report>,
    /// For a duplicate: move every follower of `report` to `original`, so
    /// they keep hearing about the fix.
    pub move_followers: Option<FollowerMove>,
    /// The official's internal note (trimmed), kept with the new status.
    pub note: Option<String>,
    /// Acceptance opens a case in the EZD (once per report: a report
    /// reopened later keeps its case; the job's dedupe key sees to that).
    pub opens_case: bool,
    /// The audit log's details of the move.
    pub audit: serde_json::Value,
}

impl StatusMove {
    /// What the move starts in outside systems, enqueued in its own
    /// transaction: an acceptance opens the report's EZD case.
    pub fn jobs(&self) -> Vec<NewJob> {
        if self.opens_case { vec![new_job(&OpenCase { report_id: self.report.id })] } else { Vec::new() }
    }
}

/// Followers of `from` become followers of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerMove {
    pub from: i64,
    pub to: i64,
}

/// An official's move of `cur` (its original loaded when the move names
/// one). Checks the request (the contract's rules, as every edge does),
/// the workflow's graph, then the duplicate rules: not itself, the
/// original exists and is not a duplicate, so a duplicate always names an
/// original.
pub fn move_status(
    cur: &Report,
    original: Option<&Report>,
    change: &StatusChangeRequest,
    now: DateTime<Utc>,
) -> Result<StatusMove, WorkflowError> {
    change.validate().map_err(WorkflowError::Invalid)?;
    let from = cur.status;
    if !from.can_move_to(change.status) {
        return Err(WorkflowError::NotAllowed { from, to: change.status });
    }
    let reply = text(change.public_reply.as_ref());
    let note = text(change.internal_note.as_ref());
    let mut report = cur.clone();
    let mut moved_original = None;
    let mut move_followers = None;
    if let Some(original_id) = change.duplicate_of {
        if original_id == cur.id {
            return Err(WorkflowError::DuplicateOfItself);
        }
        let original = original.filter(|o| o.id == original_id).ok_or(WorkflowError::OriginalMissing)?;
        if original.status == ReportStatus::Duplicate {
            return Err(WorkflowError::OriginalIsDuplicate);
        }
        moved_original = Some(Report { updated_at: now, ..original.clone() });
        move_followers = Some(FollowerMove { from: cur.id, to: original_id });
        report.followers = 0;
    }
    report.status = change.status;
    report.duplicate_of = change.duplicate_of;
    report.updated_at = now;
    report.history.push(StatusChange { status: change.status, at: now, public_reply: reply.clone() });
    let audit = json!({
        "from": from,
        "to": change.status,
        "duplicate_of": change.duplicate_of,
        "public_reply": reply,
        "internal_note": note.is_some(),
    });
    Ok(StatusMove {
        report,
        original: moved_original,
        move_followers,
        note,
        opens_case: change.status == ReportStatus::Accepted,
        audit,
    })
}

/// An official's visibility decision, ready to persist.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibilityMove {
    /// The report with its new visibility; `updated_at` stays (it tells
    /// residents when the handling last moved, and this is not handling).
    pub report: Report,
    /// The reason, trimmed, for the report's visibility log.
    pub reason: String,
    pub audit: serde_json::Value,
}

/// What an official's decision changes: nothing (`None`) when the report
/// already has that visibility.
pub fn change_visibility(
    cur: &Report,
    change: &VisibilityChangeRequest,
) -> Result<Option<VisibilityMove>, WorkflowError> {
    change.validate().map_err(WorkflowError::Invalid)?;
    if cur.visibility == change.visibility {
        return Ok(None);
    }
    let reason = change.reason.trim().to_owned();
    let audit = json!({"from": cur.visibility, "to": change.visibility, "reason": reason});
    Ok(Some(VisibilityMove { report: Report { visibility: change.visibility, ..cur.clone() }, reason, audit }))
}

/// Which answers a redacted report keeps: single choices, whose values are
/// the category's own keys; anything typed by the resident goes.
pub fn public_answer(category: Option<&ReportCategory>, code: &str) -> bool {
    category.is_some_and(|c| {
        c.attributes.iter().any(|a| a.code == code && a.datatype == AttributeType::SingleChoice)
    })
}

/// What the public may see of a report: all of it, its redacted view, or
/// nothing.
pub fn public_view(r: &Report, category: Option<&ReportCategory>) -> Option<Report> {
    match r.visibility {
        Visibility::Public => Some(r.clone()),
        Visibility::Redacted => Some(r.redacted(|code| public_answer(category, code))),
        Visibility::Hidden => None,
    }
}

/// A withheld report as aggregate counts may use it: its redacted view,
/// still marked with its own visibility (never for content).
pub fn counted_view(r: &Report, category: Option<&ReportCategory>) -> Report {
    Report { visibility: r.visibility, ..r.redacted(|code| public_answer(category, code)) }
}

/// What the resident who made a report sees of it: their own words, with
/// the mark that the public does not; its photos only while they are
/// public (a withheld photo is served to no one but officials).
pub fn owner_view(r: Report) -> Report {
    if r.visibility.is_public() { r } else { Report { photos: Vec::new(), ..r } }
}

/// A hidden report may be followed only by the device that made it (to
/// everyone else it does not exist); unfollowing is always allowed.
pub fn may_follow(r: &Report, follow: bool, is_reporter: bool) -> bool {
    !follow || r.visibility != Visibility::Hidden || is_reporter
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use mm_protocol::geo::GeoPoint;
    use proptest::prelude::*;

    use super::*;

    const ALL: [ReportStatus; 6] = [
        ReportStatus::New,
        ReportStatus::Accepted,
        ReportStatus::InProgress,
        ReportStatus::Resolved,
        ReportStatus::Rejected,
        ReportStatus::Duplicate,
    ];

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap()
    }

    fn input() -> NewReport {
        NewReport {
            category: "street_lamp".into(),
            point: GeoPoint { lat: 51.03, lon: 17.15 },
            location_source: Default::default(),
            accuracy_m: None,
            address: Some("  ul. Jana Pawła II 1 ".into()),
            description: "  Latarnia nie świeci.\n".into(),
            answers: BTreeMap::from([("kind".into(), " not_lit ".into()), ("lamp_number".into(), "  ".into())]),
            photo_ids: vec!["a".repeat(64), "b".repeat(64), "a".repeat(64)],
            contact: None,
        }
    }

    fn change(status: ReportStatus) -> StatusChangeRequest {
        StatusChangeRequest {
            status,
            public_reply: Some("Powód.".into()),
            internal_note: None,
            duplicate_of: None,
        }
    }

    #[test]
    fn a_new_report_is_trimmed_with_each_photo_once_and_its_first_history_entry() {
        let r = new_report(7, &input(), true, at(0));
        assert_eq!(r.description, "Latarnia nie świeci.");
        assert_eq!(r.address.as_deref(), Some("ul. Jana Pawła II 1"));
        assert_eq!(r.answers, BTreeMap::from([("kind".into(), "not_lit".into())]));
        assert_eq!(r.photos.iter().map(|p| p.id.clone()).collect::<Vec<_>>(), vec!["a".repeat(64), "b".repeat(64)]);
        assert_eq!(r.photos[0].url, photo_url(&"a".repeat(64)));
        assert_eq!(r.history, vec![StatusChange { status: ReportStatus::New, at: at(0), public_reply: None }]);
        assert_eq!((r.status, r.followers, r.visibility), (ReportStatus::New, 1, Visibility::Public));
        assert_eq!(new_report(7, &input(), false, at(0)).followers, 0);
        let blank = NewReport { address: Some("   ".into()), ..input() };
        assert_eq!(new_report(1, &blank, false, at(0)).address, None);
    }

    #[test]
    fn a_missing_photo_is_named() {
        let e = check_new_report(&NewReport { answers: BTreeMap::from([("kind".into(), "not_lit".into())]), ..input() }, None, |p| p.starts_with('a'));
        // Without the category the contract's own check may refuse first;
        // with every photo present only the category speaks.
        match e {
            Err(WorkflowError::PhotoMissing { photo_id }) => assert_eq!(photo_id, "b".repeat(64)),
            Err(WorkflowError::Invalid(f)) => assert_eq!(f.field, "category"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn moves_follow_the_graph_with_their_texts() {
        let r = new_report(1, &input(), false, at(0));
        let e = move_status(&r, None, &change(ReportStatus::Resolved), at(1)).unwrap_err();
        assert_eq!(e, WorkflowError::NotAllowed { from: ReportStatus::New, to: ReportStatus::Resolved });
        assert_eq!(e.code(), ErrorCode::Conflict);
        assert_eq!(e.message().pl, "Nie można zmienić statusu z „Nowe” na „Załatwione”.");
        assert_eq!(e.message().en, "Cannot move from new to resolved.");
        let m = move_status(&r, None, &change(ReportStatus::Accepted), at(1)).unwrap();
        assert!(m.opens_case);
        assert_eq!(m.report.history.last().unwrap().public_reply.as_deref(), Some("Powód."));
        assert_eq!(m.audit["from"], "new");
        assert_eq!(m.audit["to"], "accepted");
        assert_eq!(m.audit["internal_note"], false);
    }

    #[test]
    fn duplicate_rules() {
        let mut a = new_report(1, &input(), true, at(0));
        let b = new_report(2, &input(), true, at(0));
        let dup = |of| StatusChangeRequest { duplicate_of: Some(of), ..change(ReportStatus::Duplicate) };
        assert_eq!(move_status(&a, None, &dup(1), at(1)).unwrap_err(), WorkflowError::DuplicateOfItself);
        assert_eq!(move_status(&a, None, &dup(2), at(1)).unwrap_err(), WorkflowError::OriginalMissing);
        let m = move_status(&a, Some(&b), &dup(2), at(1)).unwrap();
        assert_eq!(m.move_followers, Some(FollowerMove { from: 1, to: 2 }));
        assert_eq!((m.report.followers, m.report.duplicate_of), (0, Some(2)));
        assert_eq!(m.original.unwrap().updated_at, at(1));
        a.status = ReportStatus::Duplicate;
        let c = new_report(3, &input(), false, at(0));
        let e = move_status(&c, Some(&a), &dup(1), at(1)).unwrap_err();
        assert_eq!(e, WorkflowError::OriginalIsDuplicate);
        assert_eq!(WorkflowError::OriginalIsDuplicate.field(), Some("duplicate_of"));
    }

    #[test]
    fn a_rejection_without_a_reason_is_refused_by_the_workflow_too() {
        let r = new_report(1, &input(), false, at(0));
        let bare = StatusChangeRequest { public_reply: Some("  ".into()), ..change(ReportStatus::Rejected) };
        let e = move_status(&r, None, &bare, at(1)).unwrap_err();
        assert_eq!(e.field(), Some("public_reply"));
    }

    #[test]
    fn visibility_changes_and_views() {
        let r = new_report(1, &input(), false, at(0));
        let hide = VisibilityChangeRequest { visibility: Visibility::Hidden, reason: "  Dane osobowe. ".into() };
        let m = change_visibility(&r, &hide).unwrap().unwrap();
        assert_eq!((m.report.visibility, m.reason.as_str(), m.report.updated_at), (Visibility::Hidden, "Dane osobowe.", at(0)));
        assert_eq!(change_visibility(&m.report, &hide).unwrap(), None, "the same again changes nothing");
        assert_eq!(public_view(&m.report, None), None);
        assert!(!may_follow(&m.report, true, false) && may_follow(&m.report, true, true) && may_follow(&m.report, false, false));
        assert!(owner_view(m.report.clone()).photos.is_empty());
        let red = Report { visibility: Visibility::Redacted, ..r.clone() };
        let cat = ReportCategory {
            attributes: vec![mm_protocol::reports::CategoryAttribute {
                code: "kind".into(),
                label_pl: "R".into(),
                label_en: "K".into(),
                datatype: AttributeType::SingleChoice,
                required: true,
                values: vec![],
            }],
            ..crate::reports::model::default_categories()[0].clone()
        };
        let p = public_view(&red, Some(&cat)).unwrap();
        assert_eq!(p.answers.keys().collect::<Vec<_>>(), vec!["kind"]);
        assert!(p.photos.is_empty() && p.address.is_none());
        assert_eq!(public_view(&r, None).as_ref(), Some(&r));
    }

    fn status() -> impl Strategy<Value = ReportStatus> {
        proptest::sample::select(ALL.to_vec())
    }

    fn request() -> impl Strategy<Value = (ReportStatus, Option<String>, Option<String>, Option<usize>)> {
        (
            status(),
            proptest::option::of(prop_oneof![Just(String::new()), Just("  ".to_owned()), "[a-ząęł ]{1,20}"]),
            proptest::option::of("[a-z ]{0,10}"),
            proptest::option::of(0usize..6),
        )
    }

    proptest! {
        /// Any sequence of requested moves over a few reports: every move
        /// taken is an edge of the graph, history only grows (by one entry
        /// per move, the old entries untouched), a rejection always
        /// carries a reason, a duplicate always names an existing original
        /// that was not a duplicate when it was named, and followers are
        /// conserved (a duplicate's move to its original).
        #[test]
        fn no_move_leaves_the_workflow(moves in proptest::collection::vec((0usize..6, request()), 1..60)) {
            let mut reports: Vec<Report> = (0..6).map(|i| new_report(i as i64 + 1, &input(), true, at(0))).collect();
            // Followers as sets of devices, moved as the store moves them.
            let mut followers: Vec<std::collections::BTreeSet<u32>> = (0..6u32).map(|i| [i].into()).collect();
            for (step, (i, (to, reply, note, dup))) in moves.into_iter().enumerate() {
                let now = at(step as i64 + 1);
                let req = StatusChangeRequest { status: to, public_reply: reply, internal_note: note, duplicate_of: dup.map(|d| d as i64 + 1) };
                let cur = reports[i].clone();
                let original = dup.map(|d| reports[d].clone());
                let before_total: std::collections::BTreeSet<u32> = followers.iter().flatten().copied().collect();
                match move_status(&cur, original.as_ref(), &req, now) {
                    Ok(m) => {
                        prop_assert!(cur.status.can_move_to(m.report.status));
                        prop_assert_eq!(m.report.history.len(), cur.history.len() + 1);
                        prop_assert_eq!(&m.report.history[..cur.history.len()], &cur.history[..]);
                        prop_assert_eq!(m.report.history.last().unwrap().status, m.report.status);
                        if m.report.status == ReportStatus::Rejected {
                            prop_assert!(m.report.history.last().unwrap().public_reply.as_deref().is_some_and(|r| !r.trim().is_empty()));
                        }
                        prop_assert_eq!(m.opens_case, m.report.status == ReportStatus::Accepted);
                        if m.report.status == ReportStatus::Duplicate {
                            let o = m.original.as_ref().expect("a duplicate names its original");
                            prop_assert_ne!(o.id, m.report.id);
                            prop_assert_ne!(reports[o.id as usize - 1].status, ReportStatus::Duplicate);
                            prop_assert_eq!(m.report.duplicate_of, Some(o.id));
                            let fm = m.move_followers.unwrap();
                            let moved = std::mem::take(&mut followers[fm.from as usize - 1]);
                            followers[fm.to as usize - 1].extend(moved);
                            prop_assert_eq!(m.report.followers, 0);
                            reports[o.id as usize - 1] = o.clone();
                        } else {
                            prop_assert!(m.original.is_none() && m.move_followers.is_none());
                            prop_assert_eq!(m.report.duplicate_of, None);
                        }
                        reports[i] = m.report;
                    }
                    Err(e) => {
                        prop_assert!(!e.message().pl.is_empty() && !e.message().en.is_empty());
                        prop_assert_eq!(&reports[i], &cur, "a refused move changes nothing");
                    }
                }
                let after_total: std::collections::BTreeSet<u32> = followers.iter().flatten().copied().collect();
                prop_assert_eq!(before_total, after_total, "no follower is lost");
                for (k, r) in reports.iter().enumerate() {
                    if r.status == ReportStatus::Duplicate {
                        prop_assert!(followers[k].is_empty(), "a duplicate keeps no followers");
                        prop_assert!(r.duplicate_of.is_some());
                    }
                }
            }
        }

        /// A new report from any input: its text trimmed, no blank answer,
        /// no photo twice, one history entry.
        #[test]
        fn new_reports_are_clean(desc in "\\PC{0,40}", answers in proptest::collection::btree_map("[a-z]{1,5}", "[ a-z]{0,5}", 0..5),
                                 photos in proptest::collection::vec("[ab]{2}", 0..6), device in any::<bool>()) {
            let input = NewReport { description: desc.clone(), answers, photo_ids: photos.clone(), ..input() };
            let r = new_report(3, &input, device, at(0));
            prop_assert_eq!(r.description.as_str(), desc.trim());
            prop_assert!(r.answers.values().all(|v| !v.is_empty() && v.trim() == v));
            let ids: HashSet<_> = r.photos.iter().map(|p| &p.id).collect();
            prop_assert_eq!(ids.len(), r.photos.len());
            prop_assert_eq!(ids.len(), photos.iter().collect::<HashSet<_>>().len());
            prop_assert_eq!(r.history.len(), 1);
            prop_assert_eq!(r.followers, u32::from(device));
        }
    }
}
