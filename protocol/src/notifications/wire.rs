//! The HTTP bodies of notifications (plan §2): the device's subscription
//! and feed, and the back office's draft. Each type names its route.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Area, Link, NotificationClass, Subscription, Target, Topic};
use super::rules::{check_payload, validate_areas, validate_texts, PayloadTooLarge};
use crate::validation::{required_text, FieldError, Validate};

/// `PUT /api/v1/notifications/subscription` (device token,
/// `Idempotency-Key`): the whole subscription, replacing the last one (the
/// core's outbox sends them in order, so the last write wins).
/// `GET` answers the same body.
pub type SubscriptionPut = Subscription;

/// One notification in a device's feed (`GET /api/v1/notifications/feed`):
/// every notification the device was sent, pushed or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedItem {
    /// The notification's id (the same for every device it went to).
    pub id: i64,
    pub class: NotificationClass,
    pub topic: Topic,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    pub sent_at: DateTime<Utc>,
    pub read: bool,
}

/// `GET /api/v1/notifications/feed?after=CURSOR&limit=N`: oldest first
/// after the cursor; `next_cursor` goes into the next request; `more` says
/// whether to ask again now. `read` is as of the fetch: only the device
/// itself marks its items read (`FeedRead`), so an item is not sent again
/// when it is marked; the device keeps its own marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub next_cursor: String,
    pub more: bool,
}

/// `POST /api/v1/notifications/feed/read` (device token, `Idempotency-Key`):
/// these notifications were opened on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedRead {
    pub ids: Vec<i64>,
}

/// At most this many ids per read mark.
pub const FEED_READ_MAX: usize = 500;

impl Validate for FeedRead {
    fn validate(&self) -> Result<(), FieldError> {
        if self.ids.is_empty() || self.ids.len() > FEED_READ_MAX {
            return Err(FieldError::new(
                "ids",
                format!("Podaj od 1 do {FEED_READ_MAX} powiadomień."),
                format!("Give 1 to {FEED_READ_MAX} notifications."),
            ));
        }
        Ok(())
    }
}

/// A notification an official composes (`POST /admin/api/notifications`
/// and the back office's form): the text, where it leads, whom it is for,
/// and when it goes (`None` = now). Alerts are the `alerts` topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationDraft {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    pub topic: Topic,
    /// With `events`: the event's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_category: Option<String>,
    /// Empty = the whole gmina.
    #[serde(default)]
    pub areas: Vec<Area>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_at: Option<DateTime<Utc>>,
}

impl NotificationDraft {
    pub fn class(&self) -> NotificationClass {
        self.topic.class()
    }

    pub fn target(&self) -> Target {
        Target { topic: self.topic, event_category: self.event_category.clone(), areas: self.areas.clone() }
    }

    /// The payload's size, or why it does not fit every transport (the
    /// back office answers `payload_too_large`).
    pub fn check_payload(&self) -> Result<usize, PayloadTooLarge> {
        check_payload(&self.title, &self.body, self.link.as_ref())
    }
}

impl Validate for NotificationDraft {
    fn validate(&self) -> Result<(), FieldError> {
        validate_texts(&self.title, &self.body)?;
        if let Some(link) = &self.link {
            link.validate()?;
        }
        if let Some(c) = &self.event_category {
            if self.topic != Topic::Events {
                return Err(FieldError::new(
                    "event_category",
                    "Kategorię wydarzenia podaje się tylko dla tematu „wydarzenia”.",
                    "An event category goes only with the events topic.",
                ));
            }
            required_text("event_category", c, 64)?;
        }
        validate_areas(&self.areas)
    }
}
