//! What every handler shares: the store and the few settings that tests
//! need to change (the clock, the session lifetime).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::devices::tokens::DeviceTokens;
use crate::auth::password::PasswordGate;
use crate::auth::signin::SignInPolicy;
use crate::budget::identity::BudgetKeys;
use crate::config::PublicUrl;
use crate::gmina::directory::DirectoryCache;
use crate::payments::Gateway;
use crate::payments::sandbox::Sandbox;
use crate::reports::boundary::BoundaryCache;
use crate::reports::ratelimit::{Limits, RateLimiter};
use crate::reports::reference::ReferenceCache;
use crate::sms::{NoSms, SmsGateway};
use crate::store::Store;

/// "Now", injectable so tests can move time (token expiry, news visibility).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Scoped to one gmina: the deployment's default one in the router's
    /// state, the request's in a handler's (`tenant::Tenant`).
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    /// How long an official's token lives: 12 h (docs/DESIGN.md).
    pub session_ttl: Duration,
    /// Residents' write limits (reports, photos, follows, Open311 POST).
    pub limits: Arc<RateLimiter>,
    /// The deployment's gminas (`tenant` resolves every request with it).
    pub gminas: Arc<DirectoryCache>,
    /// Each gmina's boundary, for "is this report inside the gmina?".
    pub boundary: Arc<BoundaryCache>,
    /// Each gmina's report categories and name, for listings
    /// (reloaded when the store's `reference_version` moves on).
    pub reference: Arc<ReferenceCache>,
    /// Derives device tokens (`devices::tokens`); `main` loads the key.
    pub device_tokens: Arc<DeviceTokens>,
    /// Seals officials' TOTP secrets and hashes their recovery codes
    /// (`auth::factor_key`); `main` loads the key, tests keep an ephemeral one.
    pub factor_key: Arc<crate::auth::factor_key::FactorKey>,
    /// Whether admins must have a second factor
    /// (`auth::second_factor::required`). Always true in a server: `main`
    /// has no way to change it. Only the in-process tests written before
    /// the second factor turn it off, so that their admins still sign in
    /// with a password alone; the second factor's own tests, the browser
    /// tests and the e2e tests run with it on.
    pub second_factor_for_admins: bool,
    /// Where residents and officials reach this server (`--public-url`).
    pub public_url: PublicUrl,
    /// Bounds concurrent Argon2 work (every password hash and check).
    pub passwords: Arc<PasswordGate>,
    /// Officials' sign-in limits (lock-out, per-address limit, slow-down).
    pub sign_in: SignInPolicy,
    /// The payment gateway (`--payments`); `None`: transfers only.
    pub payments: Option<Arc<Gateway>>,
    /// The built-in sandbox gateway's transactions (`--payments sandbox`).
    pub sandbox: Option<Arc<Sandbox>>,
    /// The SMS gateway (`--sms`); `NoSms` refuses every message.
    pub sms: Arc<dyn SmsGateway>,
    /// The participatory budget's master key (`budget::identity`): voter,
    /// phone and receipt keys derive from it. `main` loads it
    /// (`MM_BUDGET_KEY` or `DATA_DIR/budget-identity.key`); tests keep an
    /// ephemeral one.
    pub budget_keys: Arc<BudgetKeys>,
    /// The budget's editions in voting, for online ballots (`budget::casting`).
    pub voting: Arc<crate::budget::casting::VotingCache>,
    /// Which Web Push endpoints a device may register: https to public
    /// addresses only, unless `--push-allow-loopback` (tests).
    pub push_endpoints: mm_protocol::notifications::EndpointPolicy,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            clock: Clock::system(),
            session_ttl: Duration::hours(12),
            limits: Arc::new(RateLimiter::new(Limits::default())),
            gminas: Arc::new(DirectoryCache::default()),
            boundary: Arc::new(BoundaryCache::default()),
            reference: Arc::new(ReferenceCache::default()),
            device_tokens: Arc::new(DeviceTokens::ephemeral()),
            factor_key: Arc::new(crate::auth::factor_key::FactorKey::ephemeral()),
            second_factor_for_admins: true,
            public_url: PublicUrl::for_addr(([127, 0, 0, 1], 8080).into()),
            passwords: Arc::new(PasswordGate::default()),
            sign_in: SignInPolicy::default(),
            payments: None,
            sandbox: None,
            sms: Arc::new(NoSms),
            budget_keys: Arc::new(BudgetKeys::ephemeral()),
            voting: Arc::default(),
            push_endpoints: Default::default(),
        }
    }
}
