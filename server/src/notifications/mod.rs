//! Notifications that reach the phone (issue 16, docs/plans/issue-16.md):
//! what a device subscribes to and how it is reached, the feed of what it
//! was sent, and the fan-out that turns one notification into deliveries.
//!
//! - [`routes`]: `/api/v1/notifications/...` and `/api/v1/push/registration`
//!   for devices;
//! - [`fanout`]: the `push.fanout` job: recipients chosen by SQL over the
//!   subscriptions (`store::notifications`), quiet hours applied, one
//!   delivery per device written once;
//! - [`deliver`]: the `push.deliver` job: the pending deliveries sent
//!   through the push services of the gmina ([`transports`]), results
//!   recorded, dead tokens dropped, retries honouring `Retry-After`;
//! - [`official`]: `/api/v1/notifications` for officials: send now or at a
//!   time, and the list with each one's deliveries;
//! - [`news`]: the notification an alert news item sends by itself;
//! - [`reports`]: the one a report's status change sends its reporter and
//!   followers.

pub mod deliver;
pub mod fanout;
pub mod news;
pub mod official;
pub mod reports;
pub mod routes;
pub mod transports;
