//! The records of the notification settings and the push registration, as
//! the shells get them (with their texts, in the resident's language).

use chrono::{DateTime, Utc};
use mm_protocol::notifications::{Area, Lang, QuietHours, Subscription, Topic, Transport};
use serde::{Deserialize, Serialize};

use crate::display::Language;

/// What the resident changes on the settings screen. Alerts are not in
/// it: they are always on (the Warszawa 19115 rule, plan §0), so the core
/// adds them to every subscription it queues; `Topic::Alerts` here changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionEdit {
    /// The topics wanted besides alerts.
    pub topics: Vec<Topic>,
    /// With `events`: only these categories; empty = every category.
    pub event_categories: Vec<String>,
    /// Localities and "around a point" circles; empty = the whole gmina.
    pub areas: Vec<Area>,
    pub quiet_hours: Option<QuietHours>,
    pub lang: Lang,
}

impl From<&Subscription> for SubscriptionEdit {
    fn from(s: &Subscription) -> Self {
        SubscriptionEdit {
            topics: s
                .topics
                .iter()
                .copied()
                .filter(|t| *t != Topic::Alerts)
                .collect(),
            event_categories: s.event_categories.clone(),
            areas: s.areas.clone(),
            quiet_hours: s.quiet_hours,
            lang: s.lang,
        }
    }
}

impl SubscriptionEdit {
    /// The subscription it makes: alerts first, then the topics in their
    /// canonical order, each once.
    pub fn to_subscription(&self) -> Subscription {
        let topics = Topic::ALL
            .into_iter()
            .filter(|t| *t == Topic::Alerts || self.topics.contains(t))
            .collect();
        Subscription {
            topics,
            event_categories: self.event_categories.clone(),
            areas: self.areas.clone(),
            quiet_hours: self.quiet_hours,
            lang: self.lang,
        }
    }
}

/// Where the device's subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsState {
    /// Never set here nor fetched: the server's default (every topic, the
    /// whole gmina) holds.
    Default,
    /// Changed here, waiting in the outbox.
    Queued,
    /// The server holds it.
    Synced,
    /// The server refused it (`error_code`, `error_text`).
    Refused,
}

impl SettingsState {
    pub(crate) fn parse(s: &str) -> SettingsState {
        match s {
            "queued" => SettingsState::Queued,
            "synced" => SettingsState::Synced,
            "refused" => SettingsState::Refused,
            _ => SettingsState::Default,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            SettingsState::Default => lang.pick("Ustawienia domyślne", "Default settings"),
            SettingsState::Queued => lang.pick("Czeka na wysłanie", "Waiting to be sent"),
            SettingsState::Synced => lang.pick("Zapisane na serwerze", "Saved on the server"),
            SettingsState::Refused => {
                lang.pick("Nie przyjęte przez serwer", "Not accepted by the server")
            }
        }
    }
}

/// One topic's switch on the settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSetting {
    pub topic: Topic,
    pub on: bool,
    /// False for alerts: the switch is shown on and disabled.
    pub can_turn_off: bool,
    pub label: String,
}

/// The settings screen: the subscription, its switches and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub subscription: Subscription,
    /// Every topic in order, alerts first.
    pub topics: Vec<TopicSetting>,
    pub state: SettingsState,
    pub state_text: String,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    /// The sentence the settings screen shows under the alert switch.
    pub alerts_note: String,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The topic's name on the settings screen.
pub fn topic_label(topic: Topic, lang: Language) -> &'static str {
    match topic {
        Topic::Alerts => lang.pick("Alerty", "Alerts"),
        Topic::News => lang.pick("Aktualności", "News"),
        Topic::Events => lang.pick("Wydarzenia", "Events"),
        Topic::MyReports => lang.pick("Moje zgłoszenia", "My reports"),
        Topic::FollowedReports => lang.pick("Obserwowane zgłoszenia", "Followed reports"),
        Topic::Taxes => lang.pick("Podatki i opłaty", "Taxes and fees"),
        Topic::Budget => lang.pick("Budżet obywatelski", "Participatory budget"),
        Topic::Consultations => lang.pick("Konsultacje społeczne", "Public consultations"),
        Topic::Waste => lang.pick("Odbiór odpadów", "Waste collection"),
    }
}

/// Where the device's push registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushState {
    /// Never registered here: the feed (pulled with each sync) is all.
    None,
    /// Waiting in the outbox.
    Queued,
    /// The server pushes to this device.
    Registered,
    /// The server refused it (e.g. an endpoint that is not https).
    Refused,
    /// Removal waiting in the outbox.
    Removing,
    /// Removed: no pushes; the feed still arrives with each sync.
    Removed,
}

impl PushState {
    pub(crate) fn parse(s: &str) -> PushState {
        match s {
            "queued" => PushState::Queued,
            "registered" => PushState::Registered,
            "refused" => PushState::Refused,
            "removing" => PushState::Removing,
            "removed" => PushState::Removed,
            _ => PushState::None,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            PushState::None => lang.pick(
                "Powiadomienia push nie są włączone",
                "Push notifications are not on",
            ),
            PushState::Queued => lang.pick(
                "Rejestracja czeka na wysłanie",
                "Registration waiting to be sent",
            ),
            PushState::Registered => {
                lang.pick("Powiadomienia push włączone", "Push notifications on")
            }
            PushState::Refused => lang.pick(
                "Serwer nie przyjął rejestracji",
                "The server refused the registration",
            ),
            PushState::Removing => {
                lang.pick("Wyłączanie czeka na wysłanie", "Removal waiting to be sent")
            }
            PushState::Removed => {
                lang.pick("Powiadomienia push wyłączone", "Push notifications off")
            }
        }
    }
}

/// The push registration as the settings screen shows it (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushStatus {
    pub state: PushState,
    pub state_text: String,
    pub transport: Option<Transport>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}
