//! `core.notifications()`: the bell (what the core raised and what the
//! server sent), the subscription settings and the push registration.

use std::sync::Arc;

use chrono::Utc;
use mm_protocol::notifications::{PushRegistration, Subscription};

use super::model::{NotificationSettings, PushStatus, SubscriptionEdit};
use super::{Notification, feed, registration, subscription};
use crate::error::{CoreError, Error};
use crate::store::Store;
use crate::sync::client::Http;
use crate::sync::model::SyncListener;
use crate::{Core, devices, notifications};

/// What the core raised for the resident; from `Core::notifications`.
pub struct NotificationsApi<'a> {
    pub(crate) core: &'a Core,
}

impl NotificationsApi<'_> {
    /// Newest first: alerts and report changes raised here, and the
    /// server's feed, each once.
    pub fn list(&self) -> Result<Vec<Notification>, CoreError> {
        Ok(self.core.store.read(notifications::list)?)
    }

    /// The badge on the bell: how many notifications are unread.
    pub fn unread_count(&self) -> Result<u32, CoreError> {
        Ok(self.core.store.read(notifications::unread_count)?)
    }

    /// Marks one read; one that came from the server's feed queues the read
    /// mark for it (sent by the next flush or sync).
    pub fn mark_read(&self, id: i64) -> Result<(), CoreError> {
        Ok(self
            .core
            .store
            .write(|tx| feed::mark_read(tx, id, Utc::now()))?)
    }

    // ---- the subscription ----

    /// The settings screen: the subscription as last set here or fetched,
    /// each topic's switch (alerts on and fixed), where it stands.
    pub fn settings(&self) -> Result<NotificationSettings, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| subscription::settings(c, lang))?)
    }

    /// Changes the subscription: checked with the protocol's rules (at most
    /// 20 areas, radii of 100 m to 20 km, quiet hours that start and end at
    /// different times), stored, and queued for the server (alerts stay on
    /// whatever the edit says). Invalid: `invalid_input` naming the field,
    /// nothing stored or queued.
    pub fn set_subscription(
        &self,
        edit: &SubscriptionEdit,
    ) -> Result<NotificationSettings, CoreError> {
        self.core
            .store
            .write(|tx| subscription::queue(tx, edit, Utc::now()).map(|_| ()))?;
        self.settings()
    }

    // ---- the push registration ----

    pub fn push_status(&self) -> Result<PushStatus, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| registration::status(c, lang))?)
    }

    /// Registers the token or UnifiedPush endpoint the shell got from its
    /// push service; queued for the server. Invalid (an endpoint that is
    /// not https, a `p256dh` that is not a P-256 point): `invalid_input`,
    /// nothing queued.
    pub fn register_push(&self, registration: PushRegistration) -> Result<PushStatus, CoreError> {
        let policy = registration::policy(&self.core.server_url());
        self.core
            .store
            .write(|tx| registration::queue(tx, registration, policy, Utc::now()))?;
        self.push_status()
    }

    /// Stops pushes to this device (queued); the feed still comes with the sync.
    pub fn unregister_push(&self) -> Result<PushStatus, CoreError> {
        self.core
            .store
            .write(|tx| registration::queue_removal(tx, Utc::now()))?;
        self.push_status()
    }
}

/// The sync's part for notifications, after the pull: the server's copy of
/// the subscription (unless an edit waits to be sent) and the feed. Never
/// fails the sync: what cannot be fetched now is fetched by the next one.
/// New feed items go to the listener only when the server does not push to
/// this device (the phone showed a pushed one already).
pub(crate) async fn refresh(
    store: &Store,
    http: &Http,
    base: &str,
    listener: Option<&Arc<dyn SyncListener>>,
) {
    let Ok(Some(token)) = store.read(devices::token) else {
        return;
    };
    if let Err(e) = refresh_subscription(store, http, base, &token).await {
        tracing::warn!(
            code = CoreError::from(&e).code(),
            "cannot fetch the notification subscription; will retry"
        );
    }
    match feed::pull(store, http, base).await {
        Ok(new) => {
            let pushed = store.read(registration::pushes).unwrap_or(false);
            if let (Some(l), false) = (listener, pushed) {
                for n in new {
                    l.on_notification(n);
                }
            }
        }
        // The server does not know this install (its database was restored,
        // the device collected): as for a write (`outbox`), the dead token is
        // dropped and a registration queued, so the next sync has a feed.
        Err(Error::Http(h)) if h.is_unauthorized() => {
            tracing::warn!("the server does not know this device; registering again");
            if let Err(e) = store.write(|tx| devices::replace_dead_token(tx, Utc::now())) {
                tracing::warn!(
                    code = CoreError::from(&e).code(),
                    "cannot queue a new registration"
                );
            }
        }
        Err(e) => tracing::warn!(
            code = CoreError::from(&e).code(),
            "cannot fetch the notification feed; will retry"
        ),
    }
}

async fn refresh_subscription(
    store: &Store,
    http: &Http,
    base: &str,
    token: &str,
) -> Result<(), Error> {
    if store.read(subscription::is_queued)? {
        return Ok(());
    }
    let text = http
        .get_authed(base, "/notifications/subscription", token)
        .await?;
    let sub: Subscription = serde_json::from_str(&text)?;
    store.write(|tx| subscription::fetched(tx, &sub, Utc::now()))
}
