//! Push notifications (issue 16, `docs/plans/issue-16.md` §1): what a
//! resident subscribes to, the push registration of a device, the classes
//! that set each service's knobs, and the pure reference for "who gets
//! this". Pure rules: the core checks a subscription before it queues it,
//! the server checks it again and resolves recipients by SQL that is
//! property-tested against [`rules::matches`].
//!
//! - [`model`]: topics, areas, quiet hours, the subscription, the push
//!   registration (APNs, FCM, Web Push/UnifiedPush), classes and links.
//! - [`rules`]: validation, payload size per service, quiet hours in
//!   Europe/Warsaw, `matches`, and the address check of push endpoints.
//! - [`wire`]: the bodies of `/api/v1/notifications/...` and the back
//!   office's draft.

pub mod model;
pub mod rules;
pub mod wire;

#[cfg(test)]
mod tests;

pub use model::{
    knobs, ApnsEnvironment, Area, ClassKnobs, Lang, Link, NotificationClass, PushRegistration, QuietHours, Subscription, Target,
    Topic, Transport, MAX_AREAS, RADIUS_MAX_M, RADIUS_MIN_M,
};
pub use rules::{
    areas_reach, check_payload, deliver_at, fits, in_quiet_hours, is_public_ip, limit, local_to_utc, matches, payload_bytes,
    validate_endpoint, EndpointPolicy, PayloadTooLarge,
};
pub use wire::{FeedItem, FeedPage, FeedRead, NotificationDraft, SubscriptionPut};
