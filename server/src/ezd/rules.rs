//! What the EZD's answers do to a report, as pure functions: a closed case
//! resolves the report; a suspension or resumption (which the report
//! workflow has no status for) reaches the resident as a public note in
//! the report's history, once per transition. The store applies the
//! outcome in the transaction that records the case's state.

use mm_protocol::reports::{Report, ReportStatus, StatusChangeRequest};

use super::model::{CaseOutcome, CaseState};

/// The official the EZD's own moves are made by, in the audit log.
pub const ACTOR: &str = "ezd";

/// What `state`, the case's new state, does to `r` (`case_ref`: the znak
/// sprawy, empty when the EZD gave none).
pub fn on_case_state(r: &Report, state: CaseState, case_ref: &str) -> CaseOutcome {
    match state {
        CaseState::Closed if r.status.can_move_to(ReportStatus::Resolved) => {
            CaseOutcome::Move(StatusChangeRequest {
                status: ReportStatus::Resolved,
                public_reply: Some(format!(
                    "Sprawa {case_ref} została zakończona w urzędzie. / Case {case_ref} was closed by the office."
                )),
                internal_note: Some("Zakończono w EZD / closed in the EZD".into()),
                duplicate_of: None,
            })
        }
        CaseState::Suspended | CaseState::Resumed if r.status.is_open() => {
            let note = if state == CaseState::Suspended {
                format!("Sprawa {case_ref} została zawieszona w urzędzie. / Case {case_ref} was suspended by the office.")
            } else {
                format!("Sprawa {case_ref} została wznowiona w urzędzie. / Case {case_ref} was resumed by the office.")
            };
            // The same note twice in a row says nothing new (a case that
            // went suspended -> open -> suspended in the EZD).
            let last = r.history.iter().rev().find_map(|h| h.public_reply.as_deref());
            if last == Some(note.as_str()) { CaseOutcome::Nothing } else { CaseOutcome::PublicNote(note) }
        }
        _ => CaseOutcome::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use mm_protocol::geo::GeoPoint;
    use mm_protocol::reports::{NewReport, StatusChange};

    use super::*;
    use crate::reports::workflow;

    fn report(status: ReportStatus) -> Report {
        let input = NewReport {
            category: "other".into(),
            point: GeoPoint { lat: 51.0, lon: 17.1 },
            location_source: Default::default(),
            accuracy_m: None,
            address: None,
            description: "Dziura.".into(),
            answers: Default::default(),
            photo_ids: vec![],
            contact: None,
        };
        let mut r = workflow::new_report(1, &input, false, DateTime::from_timestamp(0, 0).unwrap());
        r.status = status;
        r
    }

    #[test]
    fn a_closed_case_resolves_an_open_report_and_leaves_a_closed_one() {
        match on_case_state(&report(ReportStatus::InProgress), CaseState::Closed, "GKM.7021.1.2026") {
            CaseOutcome::Move(c) => {
                assert_eq!(c.status, ReportStatus::Resolved);
                assert!(c.public_reply.unwrap().contains("GKM.7021.1.2026"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(on_case_state(&report(ReportStatus::Resolved), CaseState::Closed, "X"), CaseOutcome::Nothing);
        assert_eq!(on_case_state(&report(ReportStatus::New), CaseState::Open, "X"), CaseOutcome::Nothing);
    }

    #[test]
    fn a_suspension_becomes_one_public_note() {
        let mut r = report(ReportStatus::Accepted);
        let CaseOutcome::PublicNote(n) = on_case_state(&r, CaseState::Suspended, "Z") else { panic!() };
        assert!(n.contains("zawieszona") && n.contains("suspended"));
        r.history.push(StatusChange { status: r.status, at: r.created_at, public_reply: Some(n) });
        assert_eq!(on_case_state(&r, CaseState::Suspended, "Z"), CaseOutcome::Nothing, "not twice in a row");
        assert!(matches!(on_case_state(&r, CaseState::Resumed, "Z"), CaseOutcome::PublicNote(_)));
        assert_eq!(on_case_state(&report(ReportStatus::Rejected), CaseState::Suspended, "Z"), CaseOutcome::Nothing);
    }

    #[test]
    fn the_resolving_move_passes_the_workflow() {
        let r = report(ReportStatus::Accepted);
        let CaseOutcome::Move(c) = on_case_state(&r, CaseState::Closed, "Z") else { panic!() };
        assert!(workflow::move_status(&r, None, &c, r.created_at).is_ok());
    }
}
