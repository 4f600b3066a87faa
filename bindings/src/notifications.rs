//! Notifications that reach the phone (issue 16) across the boundary: the
//! subscription settings, the push registration, and the feed (which is
//! the `notifications()` list of `news.rs`: the server's items merged with
//! the alerts raised here, each with its `NotificationLink`).
//!
//! | screen | call |
//! |---|---|
//! | settings | `notification_settings()`, `set_notification_settings(edit)` (queued; `flush_outbox` or `sync` sends it) |
//! | push | `push_status()`, `register_push(registration)`, `unregister_push()` |
//! | the bell | `notifications()`, `mark_notification_read(id)` (queues the server's read mark) |
//!
//! Mapping only: the core checks the subscription with the protocol's
//! rules and keeps alerts on (no edit can turn them off); the switches,
//! their labels, the states and their texts are the core's. Quiet hours
//! cross as minutes after midnight, Warsaw time.

use chrono::{NaiveTime, Timelike};
use mm_core as core;

use crate::error::MmError;
use crate::object::MmCore;
use crate::records::{GeoPoint, ms};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NotificationTopic {
    /// Always on: the settings screen shows its switch on and disabled.
    Alerts,
    News,
    Events,
    MyReports,
    FollowedReports,
    Taxes,
    Budget,
    Consultations,
    Waste,
}

impl From<core::Topic> for NotificationTopic {
    fn from(t: core::Topic) -> Self {
        match t {
            core::Topic::Alerts => NotificationTopic::Alerts,
            core::Topic::News => NotificationTopic::News,
            core::Topic::Events => NotificationTopic::Events,
            core::Topic::MyReports => NotificationTopic::MyReports,
            core::Topic::FollowedReports => NotificationTopic::FollowedReports,
            core::Topic::Taxes => NotificationTopic::Taxes,
            core::Topic::Budget => NotificationTopic::Budget,
            core::Topic::Consultations => NotificationTopic::Consultations,
            core::Topic::Waste => NotificationTopic::Waste,
        }
    }
}

impl From<NotificationTopic> for core::Topic {
    fn from(t: NotificationTopic) -> Self {
        match t {
            NotificationTopic::Alerts => core::Topic::Alerts,
            NotificationTopic::News => core::Topic::News,
            NotificationTopic::Events => core::Topic::Events,
            NotificationTopic::MyReports => core::Topic::MyReports,
            NotificationTopic::FollowedReports => core::Topic::FollowedReports,
            NotificationTopic::Taxes => core::Topic::Taxes,
            NotificationTopic::Budget => core::Topic::Budget,
            NotificationTopic::Consultations => core::Topic::Consultations,
            NotificationTopic::Waste => core::Topic::Waste,
        }
    }
}

/// The language notifications are written in for this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NotificationLanguage {
    Polish,
    English,
}

impl From<core::Lang> for NotificationLanguage {
    fn from(l: core::Lang) -> Self {
        match l {
            core::Lang::Pl => NotificationLanguage::Polish,
            core::Lang::En => NotificationLanguage::English,
        }
    }
}

impl From<NotificationLanguage> for core::Lang {
    fn from(l: NotificationLanguage) -> Self {
        match l {
            NotificationLanguage::Polish => core::Lang::Pl,
            NotificationLanguage::English => core::Lang::En,
        }
    }
}

/// One topic's switch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TopicSwitch {
    pub topic: NotificationTopic,
    pub on: bool,
    /// False for alerts.
    pub can_turn_off: bool,
    pub label: String,
}

/// "Around my home": a point and a radius (100 m to 20 km).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AroundArea {
    pub point: GeoPoint,
    pub radius_m: u32,
}

/// Hours in which ordinary notifications wait (Warsaw wall clock, minutes
/// after midnight; `from` after `to` wraps midnight). Alerts ignore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct QuietHoursSetting {
    pub from_minute: u32,
    pub to_minute: u32,
}

fn minute(t: NaiveTime) -> u32 {
    t.hour() * 60 + t.minute()
}

fn time(field: &str, m: u32) -> Result<NaiveTime, MmError> {
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).ok_or_else(|| {
        core::CoreError::InvalidInput {
            field: field.into(),
            message: core::Message::new(
                "Minuta doby: od 0 do 1439.",
                "A minute of the day: 0 to 1439.",
            ),
        }
        .into()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SubscriptionState {
    /// Never set: every topic, the whole gmina.
    Default,
    Queued,
    Synced,
    Refused,
}

impl From<core::SettingsState> for SubscriptionState {
    fn from(s: core::SettingsState) -> Self {
        match s {
            core::SettingsState::Default => SubscriptionState::Default,
            core::SettingsState::Queued => SubscriptionState::Queued,
            core::SettingsState::Synced => SubscriptionState::Synced,
            core::SettingsState::Refused => SubscriptionState::Refused,
        }
    }
}

/// The settings screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NotificationSettings {
    /// Every topic, alerts first.
    pub topics: Vec<TopicSwitch>,
    /// With events on: only these categories; empty = every category.
    pub event_categories: Vec<String>,
    /// Localities by id; with `around`, empty both = the whole gmina.
    pub localities: Vec<i64>,
    pub around: Vec<AroundArea>,
    pub quiet_hours: Option<QuietHoursSetting>,
    pub language: NotificationLanguage,
    pub state: SubscriptionState,
    pub state_text: String,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    /// The sentence under the alert switch (the phone's settings still win).
    pub alerts_note: String,
    pub updated_at_ms: Option<i64>,
}

impl From<core::NotificationSettings> for NotificationSettings {
    fn from(s: core::NotificationSettings) -> Self {
        let sub = s.subscription;
        let mut localities = Vec::new();
        let mut around = Vec::new();
        for a in sub.areas {
            match a {
                core::Area::Locality { id } => localities.push(id),
                core::Area::Around { point, radius_m } => around.push(AroundArea {
                    point: point.into(),
                    radius_m,
                }),
            }
        }
        NotificationSettings {
            topics: s
                .topics
                .into_iter()
                .map(|t| TopicSwitch {
                    topic: t.topic.into(),
                    on: t.on,
                    can_turn_off: t.can_turn_off,
                    label: t.label,
                })
                .collect(),
            event_categories: sub.event_categories,
            localities,
            around,
            quiet_hours: sub.quiet_hours.map(|q| QuietHoursSetting {
                from_minute: minute(q.from),
                to_minute: minute(q.to),
            }),
            language: sub.lang.into(),
            state: s.state.into(),
            state_text: s.state_text,
            error_code: s.error_code,
            error_text: s.error_text,
            alerts_note: s.alerts_note,
            updated_at_ms: s.updated_at.map(ms),
        }
    }
}

/// What the settings screen sends back. `topics`: those switched on;
/// alerts are added by the core whatever this says.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NotificationSettingsEdit {
    pub topics: Vec<NotificationTopic>,
    pub event_categories: Vec<String>,
    pub localities: Vec<i64>,
    pub around: Vec<AroundArea>,
    pub quiet_hours: Option<QuietHoursSetting>,
    pub language: NotificationLanguage,
}

impl TryFrom<NotificationSettingsEdit> for core::SubscriptionEdit {
    type Error = MmError;

    fn try_from(e: NotificationSettingsEdit) -> Result<Self, MmError> {
        let areas = e
            .localities
            .into_iter()
            .map(|id| core::Area::Locality { id })
            .chain(e.around.into_iter().map(|a| core::Area::Around {
                point: a.point.into(),
                radius_m: a.radius_m,
            }))
            .collect();
        let quiet_hours = match e.quiet_hours {
            None => None,
            Some(q) => Some(core::QuietHours {
                from: time("quiet_hours.from_minute", q.from_minute)?,
                to: time("quiet_hours.to_minute", q.to_minute)?,
            }),
        };
        Ok(core::SubscriptionEdit {
            topics: e.topics.into_iter().map(Into::into).collect(),
            event_categories: e.event_categories,
            areas,
            quiet_hours,
            lang: e.language.into(),
        })
    }
}

/// What the shell got from its push service.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PushRegistrationInput {
    /// iOS: the device token as hex; `sandbox` for a development build.
    Apns { token_hex: String, sandbox: bool },
    /// Android with Google services: the FCM registration token.
    Fcm { token: String },
    /// Android without Google services: the UnifiedPush endpoint (https)
    /// and the Web Push keys (base64url).
    UnifiedPush {
        endpoint: String,
        p256dh: String,
        auth: String,
    },
}

impl From<PushRegistrationInput> for core::PushRegistration {
    fn from(r: PushRegistrationInput) -> Self {
        match r {
            PushRegistrationInput::Apns { token_hex, sandbox } => core::PushRegistration::Apns {
                token_hex,
                environment: if sandbox {
                    core::ApnsEnvironment::Sandbox
                } else {
                    core::ApnsEnvironment::Production
                },
            },
            PushRegistrationInput::Fcm { token } => core::PushRegistration::Fcm { token },
            PushRegistrationInput::UnifiedPush {
                endpoint,
                p256dh,
                auth,
            } => core::PushRegistration::WebPush {
                endpoint,
                p256dh,
                auth,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushTransport {
    Apns,
    Fcm,
    UnifiedPush,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushState {
    None,
    Queued,
    Registered,
    Refused,
    Removing,
    Removed,
}

impl From<core::PushState> for PushState {
    fn from(s: core::PushState) -> Self {
        match s {
            core::PushState::None => PushState::None,
            core::PushState::Queued => PushState::Queued,
            core::PushState::Registered => PushState::Registered,
            core::PushState::Refused => PushState::Refused,
            core::PushState::Removing => PushState::Removing,
            core::PushState::Removed => PushState::Removed,
        }
    }
}

/// The push registration as the settings screen shows it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushStatus {
    pub state: PushState,
    pub state_text: String,
    pub transport: Option<PushTransport>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub updated_at_ms: Option<i64>,
}

impl From<core::PushStatus> for PushStatus {
    fn from(s: core::PushStatus) -> Self {
        PushStatus {
            state: s.state.into(),
            state_text: s.state_text,
            transport: s.transport.map(|t| match t {
                core::Transport::Apns => PushTransport::Apns,
                core::Transport::Fcm => PushTransport::Fcm,
                core::Transport::WebPush => PushTransport::UnifiedPush,
            }),
            error_code: s.error_code,
            error_text: s.error_text,
            updated_at_ms: s.updated_at.map(ms),
        }
    }
}

#[uniffi::export]
impl MmCore {
    pub fn notification_settings(&self) -> Result<NotificationSettings, MmError> {
        Ok(self.core.notifications().settings()?.into())
    }

    /// Queues the edit (checked by the core first: `InvalidInput` naming
    /// the field, nothing queued); `flush_outbox` or `sync` sends it.
    pub fn set_notification_settings(
        &self,
        edit: NotificationSettingsEdit,
    ) -> Result<NotificationSettings, MmError> {
        let edit = core::SubscriptionEdit::try_from(edit)?;
        Ok(self.core.notifications().set_subscription(&edit)?.into())
    }

    pub fn push_status(&self) -> Result<PushStatus, MmError> {
        Ok(self.core.notifications().push_status()?.into())
    }

    /// Queues the registration (checked by the core first: an endpoint
    /// must be https); call again whenever the push service hands a new
    /// token.
    pub fn register_push(
        &self,
        registration: PushRegistrationInput,
    ) -> Result<PushStatus, MmError> {
        Ok(self
            .core
            .notifications()
            .register_push(registration.into())?
            .into())
    }

    /// Queues the removal; the feed still comes with each sync.
    pub fn unregister_push(&self) -> Result<PushStatus, MmError> {
        Ok(self.core.notifications().unregister_push()?.into())
    }
}
