//! A report's status change tells the resident who made it and those who
//! follow it (issue 16: residents expect a push "when their report
//! changes"). Stored with the change, in its transaction, as an alert news
//! item's is: a status never changes without its notification. The fan-out
//! then picks the reporter (topic `my_reports`) and the followers
//! (`followed_reports`) by SQL (`NotificationStore::candidates`), each as
//! their subscription allows, with their quiet hours.
//!
//! The text carries the report's number, its new status and the officials'
//! public reply: never the description, the address or the photos, which
//! may hold what a push service should not carry.

use chrono::{DateTime, Utc};
use mm_protocol::notifications::{Link, NotificationClass, Target, Topic};
use mm_protocol::reports::{Report, ReportStatus, status_notification_title};

use super::fanout::FanOutJob;
use super::news::shortened;
use crate::store::notifications::NewNotification;

/// The notification `report`'s move to its current status sends.
pub fn notification_for(report: &Report, now: DateTime<Utc>) -> NewNotification {
    let reply = report.history.last().filter(|h| h.status == report.status).and_then(|h| h.public_reply.as_deref());
    let body = match reply.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reply) => shortened(reply),
        None => default_body(report.status).to_owned(),
    };
    // A duplicate's followers now follow the original: that is where the
    // news will be.
    let linked = match report.status {
        ReportStatus::Duplicate => report.duplicate_of.unwrap_or(report.id),
        _ => report.id,
    };
    NewNotification {
        class: NotificationClass::Normal,
        target: Target { topic: Topic::MyReports, event_category: None, areas: vec![] },
        title: status_notification_title(report.id, report.status),
        body,
        link: Some(Link::Report { id: linked }),
        report: Some(report.id),
        send_at: now,
        now,
        fan_out_job: FanOutJob::for_notification,
    }
}

fn default_body(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::New => "Zgłoszenie wróciło do rozpatrzenia.",
        ReportStatus::Accepted => "Urząd przyjął zgłoszenie do realizacji.",
        ReportStatus::InProgress => "Trwają prace.",
        ReportStatus::Resolved => "Urząd oznaczył zgłoszenie jako załatwione.",
        ReportStatus::Rejected => "Urząd odrzucił zgłoszenie; uzasadnienie jest w aplikacji.",
        ReportStatus::Duplicate => "Ktoś zgłosił to wcześniej: dalsze informacje będą przy tamtym zgłoszeniu.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use mm_protocol::geo::GeoPoint;
    use mm_protocol::reports::StatusChange;

    fn report(status: ReportStatus, reply: Option<&str>) -> Report {
        let at = Utc.with_ymd_and_hms(2027, 1, 12, 9, 0, 0).unwrap();
        Report {
            id: 41,
            category: "streetlight".into(),
            point: GeoPoint { lat: 51.03, lon: 17.15 },
            address: Some("ul. Główna 5, Radwanice".into()),
            description: "Lampa nie świeci, dzwonić 600 100 200".into(),
            answers: Default::default(),
            status,
            created_at: at,
            updated_at: at,
            photos: vec![],
            history: vec![StatusChange { status, at, public_reply: reply.map(str::to_owned) }],
            duplicate_of: (status == ReportStatus::Duplicate).then_some(7),
            case_reference: None,
            followers: 2,
            visibility: Default::default(),
        }
    }

    #[test]
    fn the_text_has_the_status_and_the_reply_never_the_description_or_address() {
        let now = Utc::now();
        let n = notification_for(&report(ReportStatus::InProgress, Some(" Ekipa będzie w czwartek. ")), now);
        assert_eq!(n.title, "Zgłoszenie nr 41: W realizacji");
        assert_eq!(n.body, "Ekipa będzie w czwartek.");
        assert_eq!((n.report, n.link), (Some(41), Some(Link::Report { id: 41 })));
        assert_eq!(n.target.topic, Topic::MyReports);
        for text in [&n.title, &n.body] {
            assert!(!text.contains("600") && !text.contains("Główna"), "{text}");
        }
        let plain = notification_for(&report(ReportStatus::Resolved, None), now);
        assert_eq!(plain.body, "Urząd oznaczył zgłoszenie jako załatwione.");
    }

    #[test]
    fn a_duplicate_links_to_the_original() {
        let n = notification_for(&report(ReportStatus::Duplicate, None), Utc::now());
        assert_eq!((n.report, n.link), (Some(41), Some(Link::Report { id: 7 })));
    }
}
