//! What a resident subscribes to, how a device is reached, and the classes
//! of notification with the knobs each push service is given for them.

use std::fmt;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::budget::model::Redacted;
use crate::geo::GeoPoint;

/// The protocol's one language switch (Polish first, English second).
pub use crate::budget::count::Lang;

/// What a notification is about. A subscription lists the topics it wants;
/// [`Topic::Alerts`] is always among them: the Warszawa 19115 rule
/// (`NOTIFICATIONS-WASTE.md` §5): local-threat warnings go to every
/// resident of the area, and the app offers no switch to turn them off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Alerts (a water cut, a flood warning): cannot be turned off.
    Alerts,
    News,
    /// Events; narrowed by the subscription's `event_categories`.
    Events,
    /// The resident's own reports changing status.
    MyReports,
    /// Reports the resident follows.
    FollowedReports,
    /// Tax instalments coming due.
    Taxes,
    /// The participatory budget (budżet obywatelski).
    Budget,
    /// Public consultations (konsultacje społeczne).
    Consultations,
    /// Waste-collection schedule changes (reminders are local, not pushed).
    Waste,
}

impl Topic {
    pub const ALL: [Topic; 9] = [
        Topic::Alerts,
        Topic::News,
        Topic::Events,
        Topic::MyReports,
        Topic::FollowedReports,
        Topic::Taxes,
        Topic::Budget,
        Topic::Consultations,
        Topic::Waste,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Alerts => "alerts",
            Topic::News => "news",
            Topic::Events => "events",
            Topic::MyReports => "my_reports",
            Topic::FollowedReports => "followed_reports",
            Topic::Taxes => "taxes",
            Topic::Budget => "budget",
            Topic::Consultations => "consultations",
            Topic::Waste => "waste",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The class a notification of this topic is sent with.
    pub fn class(self) -> NotificationClass {
        match self {
            Topic::Alerts => NotificationClass::Alert,
            _ => NotificationClass::Normal,
        }
    }
}

/// Smallest and largest "around my home" radius, in metres: below 100 m a
/// GPS fix is noise, above 20 km it is the whole gmina and more.
pub const RADIUS_MIN_M: u32 = 100;
pub const RADIUS_MAX_M: u32 = 20_000;
/// Areas one subscription (or one notification) may name.
pub const MAX_AREAS: usize = 20;
/// Event categories one subscription may name.
pub const MAX_EVENT_CATEGORIES: usize = 50;

/// Where a subscription listens, or where a notification is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Area {
    /// A locality (miejscowość) of the gmina, by its id in `localities`.
    Locality { id: i64 },
    /// A circle: "around my home" on a subscription, a drawn area on a
    /// notification.
    Around { point: GeoPoint, radius_m: u32 },
}

/// Hours in which ordinary notifications wait (Europe/Warsaw wall clock,
/// `from` inclusive, `to` exclusive; `22:00`–`07:00` wraps midnight).
/// Alerts ignore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00:00"))]
    pub from: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "07:00:00"))]
    pub to: NaiveTime,
}

/// What one device wants to hear about (`PUT /api/v1/notifications/subscription`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// Must contain `alerts` (see [`Topic::Alerts`]).
    pub topics: Vec<Topic>,
    /// With `events`: only these categories (`EventCategory.id`); empty
    /// means every category.
    #[serde(default)]
    pub event_categories: Vec<String>,
    /// Empty means the whole gmina.
    #[serde(default)]
    pub areas: Vec<Area>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// The language notifications are written in for this device.
    pub lang: Lang,
}

impl Subscription {
    /// What a new device starts with: every topic, the whole gmina, no
    /// quiet hours.
    pub fn new_device(lang: Lang) -> Subscription {
        Subscription { topics: Topic::ALL.to_vec(), event_categories: Vec::new(), areas: Vec::new(), quiet_hours: None, lang }
    }

    pub fn wants(&self, topic: Topic) -> bool {
        topic == Topic::Alerts || self.topics.contains(&topic)
    }
}

/// Whom a notification is for: the topic, for events their category, and
/// the areas (empty = the whole gmina).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub topic: Topic,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_category: Option<String>,
    #[serde(default)]
    pub areas: Vec<Area>,
}

/// The push services, as a device registration names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Apple Push Notification service (iOS).
    Apns,
    /// Firebase Cloud Messaging HTTP v1 (Android with Google services).
    Fcm,
    /// Web Push (RFC 8030/8291/8292): UnifiedPush on Android without Google
    /// services, and browsers.
    WebPush,
}

impl Transport {
    pub const ALL: [Transport; 3] = [Transport::Apns, Transport::Fcm, Transport::WebPush];

    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Apns => "apns",
            Transport::Fcm => "fcm",
            Transport::WebPush => "web_push",
        }
    }
}

/// Which APNs host a token belongs to: a development build's token is
/// refused by production with `400 BadDeviceToken` (Apple) and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApnsEnvironment {
    /// `api.sandbox.push.apple.com`
    Sandbox,
    /// `api.push.apple.com`
    Production,
}

/// How the server reaches one device (`PUT /api/v1/push/registration`).
/// Tokens, endpoints and keys are capabilities: anyone holding them can
/// push to the phone, so `Debug` prints none of them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum PushRegistration {
    /// The device token iOS hands the app, as lowercase or uppercase hex.
    Apns { token_hex: String, environment: ApnsEnvironment },
    /// The FCM registration token.
    Fcm { token: String },
    /// A Web Push subscription (UnifiedPush endpoint): the endpoint URL,
    /// the client's P-256 public key (`p256dh`, uncompressed, base64url)
    /// and its 16-byte `auth` secret (base64url), RFC 8291 §3.
    WebPush { endpoint: String, p256dh: String, auth: String },
}

impl PushRegistration {
    pub fn transport(&self) -> Transport {
        match self {
            PushRegistration::Apns { .. } => Transport::Apns,
            PushRegistration::Fcm { .. } => Transport::Fcm,
            PushRegistration::WebPush { .. } => Transport::WebPush,
        }
    }
}

impl fmt::Debug for PushRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushRegistration::Apns { environment, .. } => {
                f.debug_struct("Apns").field("token_hex", &Redacted).field("environment", environment).finish()
            }
            PushRegistration::Fcm { .. } => f.debug_struct("Fcm").field("token", &Redacted).finish(),
            PushRegistration::WebPush { .. } => f
                .debug_struct("WebPush")
                .field("endpoint", &Redacted)
                .field("p256dh", &Redacted)
                .field("auth", &Redacted)
                .finish(),
        }
    }
}

/// How loudly a notification arrives. Only alerts are loud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationClass {
    Alert,
    Normal,
}

/// What each push service is told for one class (plan §0, reference §6),
/// so that the three transports read one table and cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassKnobs {
    /// FCM `android.priority`: `high` may wake a dozing phone (and FCM
    /// demotes apps whose high-priority messages show nothing).
    pub fcm_priority: &'static str,
    /// FCM `android.notification.channel_id`, and the Android channel the
    /// UnifiedPush receiver posts on: the user owns a channel's importance
    /// once it exists, so alerts have their own high-importance channel.
    pub android_channel_id: &'static str,
    /// `apns-priority`: 10 = deliver now, 5 = power-aware (Apple).
    pub apns_priority: u8,
    /// `aps.interruption-level` (iOS 15+): `time-sensitive` breaks through
    /// Focus; `critical` needs an entitlement Apple grants rarely.
    pub apns_interruption_level: &'static str,
    /// Web Push `Urgency` header (RFC 8030 §5.3).
    pub web_push_urgency: &'static str,
    /// `apns-expiration` (from now), FCM `android.ttl`, Web Push `TTL`
    /// (RFC 8030 §5.2), in seconds.
    pub ttl_secs: u32,
}

pub const ANDROID_CHANNEL_ALERTS: &str = "alerts";
pub const ANDROID_CHANNEL_GENERAL: &str = "general";

const ALERT_KNOBS: ClassKnobs = ClassKnobs {
    fcm_priority: "high",
    android_channel_id: ANDROID_CHANNEL_ALERTS,
    apns_priority: 10,
    apns_interruption_level: "time-sensitive",
    web_push_urgency: "high",
    // An alert a day late is news, not an alert.
    ttl_secs: 24 * 3600,
};

const NORMAL_KNOBS: ClassKnobs = ClassKnobs {
    fcm_priority: "normal",
    android_channel_id: ANDROID_CHANNEL_GENERAL,
    apns_priority: 5,
    apns_interruption_level: "active",
    web_push_urgency: "normal",
    // A phone off over a weekend still gets Friday's news.
    ttl_secs: 72 * 3600,
};

/// The knobs of a class.
pub const fn knobs(class: NotificationClass) -> &'static ClassKnobs {
    match class {
        NotificationClass::Alert => &ALERT_KNOBS,
        NotificationClass::Normal => &NORMAL_KNOBS,
    }
}

/// What opening a notification shows in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    News { id: i64 },
    Event { id: i64 },
    Report { id: i64 },
    Consultation { id: i64 },
    /// An https page outside the app.
    Url { url: String },
}
