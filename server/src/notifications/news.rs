//! A news item published as an alert notifies by itself (issue 16 §2: "news
//! marked `alert` notify by themselves"): its notification is stored with
//! the news item, in the same transaction, so an alert is never published
//! without one. Only when the item is created; editing an alert does not
//! send it again.

use chrono::{DateTime, Utc};
use mm_protocol::news::{News, Priority};
use mm_protocol::notifications::{Link, NotificationClass, Target, Topic};

use super::fanout::FanOutJob;
use crate::store::notifications::NewNotification;

/// Characters of the news body a push carries; the phone opens the item
/// for the rest (every service's payload limit stays far off).
pub const BODY_CHARS: usize = 240;

/// The notification a new news item sends, if it is an alert: to every
/// device of the gmina, at its publication time.
pub fn notification_for(news: &News, now: DateTime<Utc>) -> Option<NewNotification> {
    if news.priority != Priority::Alert {
        return None;
    }
    Some(NewNotification {
        class: NotificationClass::Alert,
        target: Target { topic: Topic::Alerts, event_category: None, areas: vec![] },
        title: news.title.chars().take(120).collect(),
        body: shortened(&news.body),
        link: Some(Link::News { id: news.id }),
        report: None,
        send_at: news.published_at.max(now),
        now,
        fan_out_job: FanOutJob::for_notification,
    })
}

pub(crate) fn shortened(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() <= BODY_CHARS {
        return body.to_owned();
    }
    let mut out: String = body.chars().take(BODY_CHARS - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_at_a_character_not_a_byte() {
        let body = "ż".repeat(500);
        let s = shortened(&body);
        assert_eq!(s.chars().count(), BODY_CHARS);
        assert!(s.ends_with('…'));
        assert_eq!(shortened(" krótko "), "krótko");
    }
}
