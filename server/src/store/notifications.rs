//! What notifications keep (issue 16, docs/plans/issue-16.md §2): each
//! device's subscription and push registration, the notifications
//! officials send, and one delivery per (notification, device), which is
//! also that device's feed.
//!
//! Recipients are chosen by SQL over the subscriptions (topic, event
//! category, gmina), never by the push services' topics; only the areas'
//! geometry (a circle against a circle or a locality's point) is finished
//! in Rust by `protocol::notifications::matches`, the pure reference, on
//! the rows the SQL kept ([`choose_recipients`]).
//!
//! A fan-out is idempotent: deliveries are unique per (notification,
//! device), so a fan-out retried after a crash adds nothing. Scoped to the
//! handle's gmina like every tenant table; an official's send is audited
//! in the same transaction, with ids only.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Locality;
use mm_protocol::notifications::{
    Area, FeedItem, Link, NotificationClass, PushRegistration, QuietHours, Subscription, Target, areas_reach,
};

use super::jobs::NewJob;
use super::{Actor, IdempotencyKey, StoreResult};

/// A notification to store (`create_notification`), already validated
/// (`NotificationDraft::validate`, `check_payload`).
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub class: NotificationClass,
    pub target: Target,
    pub title: String,
    pub body: String,
    pub link: Option<Link>,
    /// About one report (a status change, `notifications::reports`): its
    /// recipients are the report's reporter and followers, not the gmina's
    /// subscribers. `None`: an official's broadcast.
    pub report: Option<i64>,
    /// When it goes (the fan-out job's due time); `now` for "send now".
    pub send_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// The fan-out job for the new notification's id, enqueued in the same
    /// transaction, due at `send_at`: a notification is never stored
    /// without the job that sends it.
    pub fan_out_job: fn(i64) -> NewJob,
}

/// Where a notification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationStatus {
    /// Waiting for `send_at`.
    Scheduled,
    /// Recipients chosen, deliveries written.
    Sent,
    /// Withdrawn before it went.
    Cancelled,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Scheduled => "scheduled",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationStatus> {
        [NotificationStatus::Scheduled, NotificationStatus::Sent, NotificationStatus::Cancelled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// How many deliveries of a notification are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: u32,
    pub delivered: u32,
    pub failed: u32,
    pub dead: u32,
    /// No push registration: the feed only.
    pub feed: u32,
    pub read: u32,
}

impl DeliveryCounts {
    /// Adds `n` deliveries in `status` (the stored word), `read` of them read.
    pub fn add(&mut self, status: &str, n: u32, read: u32) {
        self.read += read;
        match status {
            // `sending`: claimed by a sender now (or by one that crashed,
            // until its lease runs out): still on its way.
            "pending" | "sending" => self.pending += n,
            "delivered" => self.delivered += n,
            "failed" => self.failed += n,
            "dead" => self.dead += n,
            _ => self.feed += n,
        }
    }
}

/// A stored notification, as the back office lists it.
#[derive(Debug, Clone)]
pub struct StoredNotification {
    pub id: i64,
    pub class: NotificationClass,
    pub target: Target,
    pub title: String,
    pub body: String,
    pub link: Option<Link>,
    /// See [`NewNotification::report`].
    pub report: Option<i64>,
    pub send_at: DateTime<Utc>,
    pub status: NotificationStatus,
    /// Set once sent.
    pub recipients: Option<u32>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub counts: DeliveryCounts,
}

/// A device the SQL kept for a target: its subscription's areas (empty =
/// the whole gmina, also for a device with no subscription).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub device_id: String,
    pub areas: Vec<Area>,
    /// When ordinary notifications wait (`deliver_at`).
    pub quiet_hours: Option<QuietHours>,
}

/// What `fan_out` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanOut {
    /// Deliveries written now: how many, and how many of them go to a push
    /// service (the rest are feed only).
    Sent { recipients: u32, to_push: u32 },
    /// Sent before (a retried job): nothing written.
    AlreadySent,
    /// Cancelled before it went: nothing written.
    Cancelled,
}

/// One recipient chosen for a notification, with when it may be pushed
/// (quiet hours, computed by the caller with `deliver_at`).
#[derive(Debug, Clone)]
pub struct Recipient {
    pub device_id: String,
    pub not_before: DateTime<Utc>,
}

/// A delivery claimed for sending (`claim_deliveries`), with how to reach
/// its device now (`None`: the registration was removed since the fan-out).
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub device_id: String,
    /// Sends tried before this one.
    pub attempts: u32,
    pub registration: Option<PushRegistration>,
}

/// What became of one send (`record_deliveries`).
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryResult {
    /// The service took it.
    Delivered,
    /// Try again, not before `at` (backoff or the service's `Retry-After`).
    Retry { at: DateTime<Utc>, error: String },
    /// Given up: our fault, no transport, or too many attempts.
    Failed { error: String },
    /// The service said the registration is dead: the delivery ends and
    /// `registration` (the one used) is removed unless the device has
    /// registered another since; audited as `push.dead_token` (no token).
    Dead { error: String, registration: PushRegistration },
}

/// One delivery's result.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryOutcome {
    pub id: i64,
    pub device_id: String,
    pub result: DeliveryResult,
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Replaces the device's subscription (validated by the caller).
    async fn put_subscription(&self, device: &str, sub: Subscription, now: DateTime<Utc>) -> StoreResult<()>;
    /// The device's subscription; `None` = never set (the default applies).
    async fn subscription(&self, device: &str) -> StoreResult<Option<Subscription>>;
    /// Replaces the device's push registration (validated by the caller).
    async fn put_push_registration(&self, device: &str, reg: PushRegistration, now: DateTime<Utc>) -> StoreResult<()>;
    /// Removes it; true when there was one.
    async fn delete_push_registration(&self, device: &str) -> StoreResult<bool>;
    async fn push_registration(&self, device: &str) -> StoreResult<Option<PushRegistration>>;
    /// Drops `reg` after its service said the token is dead, unless the
    /// device has registered another since (true when dropped).
    async fn drop_dead_registration(&self, device: &str, reg: &PushRegistration) -> StoreResult<bool>;

    /// Stores a notification (scheduled) and enqueues its fan-out job,
    /// audited as `notification.create`.
    async fn create_notification(&self, actor: Actor, n: NewNotification) -> StoreResult<i64>;
    /// As [`NotificationStore::create_notification`], once per `key` (the
    /// back office's form carries one): a form posted again (a double
    /// click, a reload, a retry after a timeout) answers the first
    /// notification's id and stores nothing; `created` says which. The
    /// key with another request is `IdempotencyConflict`.
    async fn create_notification_once(&self, actor: Actor, n: NewNotification, key: IdempotencyKey) -> StoreResult<(i64, bool)>;
    async fn notification(&self, id: i64) -> StoreResult<Option<StoredNotification>>;
    /// Officials' broadcasts (and alert news items'), the newest first; a
    /// report's status notifications are the report's history, not listed.
    async fn notifications(&self, limit: u32) -> StoreResult<Vec<StoredNotification>>;
    /// Cancels a scheduled notification (false when it already went).
    async fn cancel_notification(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<bool>;

    /// The gmina's devices whose subscription wants `target`'s topic (and
    /// event category), with their areas; the caller finishes the areas
    /// with [`choose_recipients`]. With `report`: that report's reporter if
    /// it wants `my_reports` and its other followers if they want
    /// `followed_reports` (a withheld report's followers are told nothing:
    /// they may no longer see it), whatever their areas.
    async fn candidates(&self, target: &Target, report: Option<i64>) -> StoreResult<Vec<Candidate>>;
    /// Writes one delivery per recipient and marks the notification sent,
    /// in one transaction (idempotent: see [`FanOut`]).
    async fn fan_out(&self, id: i64, recipients: Vec<Recipient>, now: DateTime<Utc>) -> StoreResult<FanOut>;

    /// Claims up to `limit` of notification `id`'s deliveries due for a
    /// push (`pending` with `not_before` ≤ `now`, or `sending` whose
    /// claimer's lease ran out: it crashed), oldest first: each becomes
    /// `sending` with `not_before = lease_until`, so no other sender takes
    /// it meanwhile, and a crashed sender's claims come back by themselves.
    async fn claim_deliveries(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records sends' results in one transaction (a retry counts an attempt).
    async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>, now: DateTime<Utc>) -> StoreResult<()>;
    /// When notification `id`'s next delivery comes due (the earliest
    /// `not_before` of its `pending` and `sending` ones), with `job(id, at)`
    /// enqueued for then in the same transaction; `None`: nothing left.
    async fn schedule_deliveries(
        &self,
        id: i64,
        job: fn(i64, DateTime<Utc>) -> NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// The device's feed after `after` (a delivery id), oldest first, at
    /// most `limit`, with whether more follow.
    async fn feed(&self, device: &str, after: i64, limit: u32) -> StoreResult<(Vec<(i64, FeedItem)>, bool)>;
    /// Marks these notifications read on the device (ids not in its feed
    /// are ignored); how many changed.
    async fn mark_read(&self, device: &str, ids: Vec<i64>, now: DateTime<Utc>) -> StoreResult<u32>;
}

/// What a device finds in its feed the moment it registers: the gmina's
/// broadcasts sent in the last `WELCOME_FEED_DAYS` days, at most
/// `WELCOME_FEED_MAX` (the newest), as feed entries that are not pushed. A
/// resident who installs the app during a water cut sees the alert that
/// went an hour before; a new device otherwise only hears what is sent
/// after it registered. A report's notifications were someone else's and
/// never come.
pub const WELCOME_FEED_DAYS: i64 = 7;
/// See [`WELCOME_FEED_DAYS`].
pub const WELCOME_FEED_MAX: i64 = 20;

/// The candidates a target's areas reach (`protocol::notifications::
/// areas_reach`, the area half of `matches`; topic and category were
/// decided by the SQL), given the gmina's localities for their points.
pub fn choose_recipients(target: &Target, candidates: Vec<Candidate>, localities: &[Locality]) -> Vec<Candidate> {
    if target.areas.is_empty() {
        return candidates;
    }
    let point = |id: i64| -> Option<GeoPoint> { localities.iter().find(|l| l.id == id).map(|l| l.point) };
    candidates.into_iter().filter(|c| areas_reach(&c.areas, &target.areas, point)).collect()
}
