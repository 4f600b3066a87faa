//! News and the bell across the boundary: the records and the `MmCore`
//! methods of the news list, one item and the notifications
//! (`core.news()` and `core.notifications()` in the core).

use chrono::Utc;
use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::ms;

/// How loudly a news item speaks; `Alert` is shown first and pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Priority {
    Normal,
    Important,
    Alert,
}

impl From<core::Priority> for Priority {
    fn from(p: core::Priority) -> Self {
        match p {
            core::Priority::Normal => Priority::Normal,
            core::Priority::Important => Priority::Important,
            core::Priority::Alert => Priority::Alert,
        }
    }
}

/// A news item or alert (aktualność, komunikat).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct News {
    pub id: i64,
    pub title: String,
    /// Plain text, paragraphs separated by blank lines.
    pub body: String,
    pub priority: Priority,
    pub published_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

impl From<core::News> for News {
    fn from(n: core::News) -> Self {
        News {
            id: n.id,
            title: n.title,
            body: n.body,
            priority: n.priority.into(),
            published_at_ms: ms(n.published_at),
            expires_at_ms: n.expires_at.map(ms),
            updated_at_ms: ms(n.updated_at),
        }
    }
}

/// Something the core raised for the resident (an alert arrived, …).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Notification {
    pub id: i64,
    /// `"alert"` now; more kinds later.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at_ms: i64,
    pub read: bool,
    /// The entity to open, e.g. the news id of an alert.
    pub entity_id: Option<String>,
    /// Where opening it leads (the core reads `kind` and `entity_id`).
    pub link: NotificationLink,
    /// Post it on the loudest channel (an alert: Android's high-importance
    /// channel, iOS's time-sensitive level).
    pub urgent: bool,
    /// It came (also) from the gmina's feed: marking it read tells the server.
    pub from_server: bool,
}

/// Where opening a notification leads.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum NotificationLink {
    /// A kind this core version does not know: opening only marks it read.
    Nowhere,
    NewsItem { news_id: i64 },
    /// A report, by its server id (one of mine or one I follow).
    Report { report_id: i64 },
    /// An event (from the gmina's feed).
    Event { event_id: i64 },
    /// A consultation (from the gmina's feed).
    Consultation { consultation_id: i64 },
    /// A page outside the app: always https (the core leads nowhere otherwise).
    Url { url: String },
}

impl From<core::NotificationLink> for NotificationLink {
    fn from(l: core::NotificationLink) -> Self {
        match l {
            core::NotificationLink::Nowhere => NotificationLink::Nowhere,
            core::NotificationLink::NewsItem { news_id } => NotificationLink::NewsItem { news_id },
            core::NotificationLink::Report { report_id } => NotificationLink::Report { report_id },
            core::NotificationLink::Event { event_id } => NotificationLink::Event { event_id },
            core::NotificationLink::Consultation { consultation_id } => {
                NotificationLink::Consultation { consultation_id }
            }
            core::NotificationLink::Url { url } => NotificationLink::Url { url },
        }
    }
}

impl From<core::Notification> for Notification {
    fn from(n: core::Notification) -> Self {
        Notification {
            link: n.link().into(),
            urgent: n.is_urgent(),
            from_server: n.feed_id.is_some(),
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            created_at_ms: ms(n.created_at),
            read: n.read,
            entity_id: n.entity_id,
        }
    }
}

#[uniffi::export]
impl MmCore {
    /// News screen: visible news, alerts first.
    pub fn news(&self) -> Result<Vec<News>, MmError> {
        all(self.core.news().visible(Utc::now()))
    }

    pub fn news_item(&self, id: i64) -> Result<News, MmError> {
        one(self.core.news().item(id))
    }

    pub fn notifications(&self) -> Result<Vec<Notification>, MmError> {
        all(self.core.notifications().list())
    }

    /// The badge on the bell icon; polled often, so it returns a number.
    pub fn unread_notification_count(&self) -> Result<u32, MmError> {
        Ok(self.core.notifications().unread_count()?)
    }

    pub fn mark_notification_read(&self, id: i64) -> Result<(), MmError> {
        Ok(self.core.notifications().mark_read(id)?)
    }
}
