//! The one sign-in service for officials: `POST /api/v1/auth/login` and the
//! back office's `POST /admin/login` both call [`sign_in`], so they share
//! one lock-out and one rate limit (security review 2026-12, findings 1-3).
//!
//! # What is counted, and why
//!
//! Wrong passwords are counted under three keys. The client address is the
//! socket's (no proxy header is trusted), IPv4 as it is and IPv6 by its /64
//! ([`address_key`]).
//!
//! 1. **One login from one address.** After [`SignInPolicy::lock_after`] (5)
//!    wrong passwords within [`SignInPolicy::window`] (15 min), that login is
//!    locked *for that address* for [`SignInPolicy::lock_for`] (15 min).
//!    Anyone on the internet can lock themselves out of an account, but not
//!    the official: an address that has not failed still signs in.
//! 2. **One address, any logins.** After [`SignInPolicy::address_limit`] (30)
//!    wrong passwords in a window, the address may not try any login until
//!    the window ends. This stops password spraying (one guess each against
//!    many logins), which the first key cannot see.
//! 3. **One account, any addresses.** A botnet can stay under both limits by
//!    using many addresses. So once an account has seen
//!    [`SignInPolicy::account_slowdown_after`] (10) wrong passwords in a
//!    window, attempts on it are *spaced out* instead of refused: each one
//!    takes the next free slot, [`SignInPolicy::account_spacing`] (2 s)
//!    after the previous, and the server holds the answer until its slot (a
//!    server-side delay, the "proof" the attacker must pay, without holding
//!    an Argon2 slot). Whoever would have to wait longer than
//!    [`SignInPolicy::max_delay`] (10 s) gets 429 with `Retry-After`. That
//!    caps guessing at one password per 2 s per account, about 1,800 an
//!    hour, for any number of addresses, while the account itself is never
//!    locked: an official who keeps trying gets a slot. Addresses the account
//!    signed in from before (within [`SignInPolicy::trusted_for`], 30 days)
//!    are never spaced out, so officials at their usual desk notice nothing.
//!
//! Every attempt is counted as a failure *before* Argon2 runs, in the same
//! transaction that checks the limits, and taken back when the password was
//! right or when the server was too busy to check it. So parallel attempts
//! cannot slip past a limit, and the checks cost no Argon2 work: a refused
//! attempt costs one read. Argon2 itself runs behind
//! [`PasswordGate`](super::password::PasswordGate) (finding 2).
//!
//! The counters live in the database, so several server instances share
//! them. Every counter row expires (at the end of its window, lock or
//! slot) and each write deletes the expired ones, so random logins cannot
//! grow the tables without bound. An unknown login is counted exactly like
//! a known one, so the answers do not tell which logins exist.
//!
//! A request without a socket address (only when the app runs in-process
//! without connect info, as some tests do) counts as the one address
//! `unknown`: the limits still apply, shared by all such requests.

use std::net::IpAddr;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use mm_protocol::error::ErrorCode;

use super::password::Busy;
use super::second_factor::{self, CodeError};
use super::token;
use crate::error::AppError;
use crate::reports::ratelimit::address_key;
use crate::state::AppState;
use crate::store::{NewSession, SessionKind, SessionStage, StoreError, UserRecord};

/// The limits of officials' sign-in (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    /// Wrong passwords for one login from one address before it locks.
    pub lock_after: u32,
    /// How long such a lock lasts.
    pub lock_for: Duration,
    /// How long failures are remembered (every counter's window).
    pub window: Duration,
    /// Wrong passwords from one address, any logins, per window.
    pub address_limit: u32,
    /// Wrong passwords for one account, any addresses, per window, before
    /// attempts from addresses it never signed in from are spaced out.
    pub account_slowdown_after: u32,
    /// The gap between two such attempts on one account.
    pub account_spacing: Duration,
    /// The longest a spaced-out attempt waits; beyond it, 429.
    pub max_delay: Duration,
    /// How long an address the account signed in from stays known.
    pub trusted_for: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            lock_after: 5,
            lock_for: Duration::minutes(15),
            window: Duration::minutes(15),
            address_limit: 30,
            account_slowdown_after: 10,
            account_spacing: Duration::seconds(2),
            max_delay: Duration::seconds(10),
            trusted_for: Duration::days(30),
        }
    }
}

/// One counter row: failures in its window, and until when it matters.
/// A row that has expired reads as the default (nothing counted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counter {
    pub failures: u32,
    /// A lock (one login from one address).
    pub locked_until: Option<DateTime<Utc>>,
    /// The next free slot (one account, when spaced out).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the row stops mattering and may be deleted.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Counter {
    /// Nothing left to remember: the row can go.
    pub fn is_empty(&self) -> bool {
        self.failures == 0 && self.locked_until.is_none() && self.next_attempt_at.is_none()
    }

    fn count(&mut self, now: DateTime<Utc>, window: Duration) {
        if self.failures == 0 {
            self.expires_at = Some(now + window);
        }
        self.failures += 1;
    }

    fn take_back(&mut self) {
        self.failures = self.failures.saturating_sub(1);
    }

    /// Keeps the row until its lock and its next slot have passed.
    fn cover(&mut self) {
        let later = [self.expires_at, self.locked_until, self.next_attempt_at].into_iter().flatten().max();
        self.expires_at = later;
    }
}

/// The counters one attempt is decided by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignInCounters {
    /// This login from this address.
    pub pair: Counter,
    /// This address, any logins.
    pub address: Counter,
    /// This login, any addresses.
    pub account: Counter,
    /// The account signed in from this address recently.
    pub trusted: bool,
    /// Set by a success: remember this address for the account.
    pub trust_now: bool,
}

/// What happens to the counters.
#[derive(Debug, Clone, Copy)]
pub enum SignInStep {
    /// Check the limits; when admitted, count the attempt as a failure.
    Begin(SignInPolicy),
    /// The server was too busy to check the password: it does not count.
    Undo { lock_after: u32 },
    /// The password was right.
    Succeeded,
    /// The password was wrong and this attempt locked the pair (audited).
    Locked,
}

/// The answer to [`SignInStep::Begin`] (the other steps answer `Recorded`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Admission {
    /// Go ahead after `delay`; a wrong password locks the pair until
    /// `locks_until` when set.
    Admitted { delay: Duration, locks_until: Option<DateTime<Utc>> },
    /// This login is locked for this address.
    Locked { until: DateTime<Utc> },
    /// Too many wrong passwords from this address.
    AddressLimited { until: DateTime<Utc> },
    /// The account's next free slot is too far away.
    Throttled { until: DateTime<Utc> },
    Recorded,
}

/// Applies `step` to the counters of one attempt. The store runs this in
/// the transaction that reads and writes them, so the decision and the
/// counting are one atomic step.
pub fn apply(step: SignInStep, c: &mut SignInCounters, now: DateTime<Utc>) -> Admission {
    match step {
        SignInStep::Begin(p) => {
            if let Some(until) = c.pair.locked_until.filter(|u| *u > now) {
                return Admission::Locked { until };
            }
            if c.address.failures >= p.address_limit {
                let until = c.address.expires_at.unwrap_or(now + p.window);
                return Admission::AddressLimited { until };
            }
            let mut delay = Duration::zero();
            if !c.trusted && c.account.failures >= p.account_slowdown_after {
                let slot = c.account.next_attempt_at.map_or(now, |s| s.max(now));
                if slot - now > p.max_delay {
                    return Admission::Throttled { until: slot };
                }
                delay = slot - now;
                c.account.next_attempt_at = Some(slot + p.account_spacing);
            }
            c.pair.count(now, p.window);
            c.address.count(now, p.window);
            c.account.count(now, p.window);
            let locks_until = (c.pair.failures >= p.lock_after).then(|| now + delay + p.lock_for);
            c.pair.locked_until = locks_until;
            for counter in [&mut c.pair, &mut c.address, &mut c.account] {
                counter.cover();
            }
            Admission::Admitted { delay, locks_until }
        }
        SignInStep::Undo { lock_after } => {
            c.pair.take_back();
            if c.pair.failures < lock_after {
                c.pair.locked_until = None;
            }
            c.address.take_back();
            c.account.take_back();
            Admission::Recorded
        }
        SignInStep::Succeeded => {
            c.pair = Counter::default();
            c.address.take_back();
            c.account.take_back();
            c.trust_now = true;
            Admission::Recorded
        }
        SignInStep::Locked => Admission::Recorded,
    }
}

/// The key a client is counted under (see the module documentation).
pub fn client_key(client: Option<IpAddr>) -> String {
    client.map_or_else(|| "unknown".to_owned(), address_key)
}

/// A signed-in official and their new token.
#[derive(Debug)]
pub struct SignedIn {
    pub user: UserRecord,
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// How far the sign-in got (`auth::second_factor`): a back-office
    /// session may still owe a code or an enrolment; an API one never does.
    pub stage: SessionStage,
}

/// Where a sign-in comes from, for the official's list of sessions.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// An address as the sessions page shows it: IPv4 by its /24, IPv6 by its
/// /48, enough to tell the office from home, not to locate a person.
pub fn address_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => address_prefix(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

#[derive(Debug)]
pub enum SignInError {
    /// Wrong login or password (the same answer for an unknown login).
    InvalidCredentials,
    /// This login is locked for this address.
    Locked { retry_after: Duration },
    /// Too many wrong passwords from this address, or the account's
    /// attempts are spaced out and the next slot is too far away.
    TooManyAttempts { retry_after: Duration },
    /// Every Argon2 slot is busy: try again in a second.
    Busy,
    /// The API: the account has a second factor and no (or a wrong) code came.
    SecondFactorRequired,
    /// The API: the account must have a second factor and has not enrolled.
    SecondFactorNotEnrolled,
    Store(StoreError),
}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Store(e)
    }
}

impl SignInError {
    /// Whole seconds to wait, at least 1, for `Retry-After` (RFC 9110 §10.2.3).
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            SignInError::Locked { retry_after } | SignInError::TooManyAttempts { retry_after } => {
                Some(((retry_after.num_milliseconds() + 999) / 1000).max(1))
            }
            SignInError::Busy => Some(1),
            _ => None,
        }
    }
}

/// The API's answer: 401, 429 or 503 with `Retry-After`.
impl IntoResponse for SignInError {
    fn into_response(self) -> Response {
        let retry = self.retry_after_secs();
        let err = match self {
            SignInError::InvalidCredentials => AppError::new(
                ErrorCode::InvalidCredentials,
                "Nieprawidłowy login lub hasło.",
                "Wrong login or password.",
            ),
            SignInError::Locked { .. } => AppError::new(
                ErrorCode::RateLimited,
                "Logowanie na to konto z tego adresu jest zablokowane po zbyt wielu błędnych hasłach. Spróbuj później.",
                "Signing in to this account from this address is locked after too many wrong passwords. Try again later.",
            ),
            SignInError::TooManyAttempts { .. } => AppError::new(
                ErrorCode::RateLimited,
                "Zbyt wiele prób logowania. Spróbuj ponownie później.",
                "Too many sign-in attempts. Try again later.",
            ),
            SignInError::Busy => AppError::new(
                ErrorCode::Unavailable,
                "Serwer jest chwilowo zajęty. Spróbuj ponownie za chwilę.",
                "The server is busy. Try again in a moment.",
            ),
            SignInError::SecondFactorRequired => AppError::new(
                ErrorCode::SecondFactorRequired,
                "Podaj kod z aplikacji uwierzytelniającej lub kod zapasowy (one_time_code); ten był nieprawidłowy albo już użyty.",
                "Send the authenticator app's code or a recovery code (one_time_code); this one was wrong or used already.",
            ),
            SignInError::SecondFactorNotEnrolled => AppError::new(
                ErrorCode::SecondFactorNotEnrolled,
                "To konto musi mieć drugi składnik logowania: najpierw zaloguj się w panelu urzędnika i go skonfiguruj.",
                "This account must have a second factor: sign in to the back office and set it up first.",
            ),
            SignInError::Store(e) => AppError::from(e),
        };
        let mut resp = err.into_response();
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Signs an official in: checks the limits, then the password (behind the
/// Argon2 gate), then creates a session of `kind`. A back-office session
/// of an official who has (or must have) a second factor starts at that
/// step (`auth::second_factor`); an API session is made only once
/// `one_time_code` checks, since a bearer token has no page to send its
/// holder to.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    from: Client,
    kind: SessionKind,
    one_time_code: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let client = from.ip;
    let address = client_key(client);
    let policy = state.sign_in;
    let now = state.clock.now();
    // A cheap read first: a refused attempt costs no write and no Argon2.
    let mut seen = state.store.sign_in_counters(login, &address, policy, now).await?;
    refused(apply(SignInStep::Begin(policy), &mut seen, now), now)?;
    // Then check and count in one transaction, so parallel attempts cannot
    // all pass a limit that only one of them had room for.
    let admission = state.store.sign_in_step(login, &address, SignInStep::Begin(policy), now).await?;
    refused(admission, now)?;
    let Admission::Admitted { delay, locks_until } = admission else {
        return Err(SignInError::Store(StoreError::backend("unexpected sign-in step")));
    };
    if delay > Duration::zero() {
        tokio::time::sleep(delay.to_std().unwrap_or_default()).await;
    }
    let user = state.store.find_user(login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let right = match state.passwords.verify(password.to_owned(), stored).await {
        Ok(right) => right,
        Err(Busy) => {
            let undo = SignInStep::Undo { lock_after: policy.lock_after };
            state.store.sign_in_step(login, &address, undo, state.clock.now()).await?;
            return Err(SignInError::Busy);
        }
    };
    let now = state.clock.now();
    match user {
        Some(user) if right => {
            state.store.sign_in_step(login, &address, SignInStep::Succeeded, now).await?;
            let mut stage = second_factor::stage_after_password(state, &user).await?;
            if kind == SessionKind::Api {
                match (stage, one_time_code) {
                    (SessionStage::Full, _) => {}
                    (SessionStage::Enrol, _) => return Err(SignInError::SecondFactorNotEnrolled),
                    (SessionStage::SecondFactor, None) => return Err(SignInError::SecondFactorRequired),
                    (SessionStage::SecondFactor, Some(code)) => {
                        match second_factor::check_code(state, &user, code, client).await {
                            Ok(_) => stage = SessionStage::Full,
                            Err(CodeError::Wrong) => return Err(SignInError::SecondFactorRequired),
                            Err(CodeError::Locked { retry_after }) => return Err(SignInError::Locked { retry_after }),
                            Err(CodeError::TooManyAttempts { retry_after }) => {
                                return Err(SignInError::TooManyAttempts { retry_after });
                            }
                            Err(CodeError::Store(e)) => return Err(SignInError::Store(e)),
                        }
                    }
                }
            }
            let token = token::new_token();
            let now = state.clock.now();
            let expires_at = now + state.session_ttl;
            let start = NewSession {
                stage,
                public_id: token::new_token()[..16].to_owned(),
                user_agent: from.user_agent.map(|ua| ua.chars().take(200).collect()),
                address: client.map(address_prefix),
            };
            state.store.create_session(&user, kind, &token::hash_token(&token), now, expires_at, start).await?;
            Ok(SignedIn { user, token, expires_at, stage })
        }
        _ => match locks_until {
            Some(until) => {
                state.store.sign_in_step(login, &address, SignInStep::Locked, now).await?;
                Err(SignInError::Locked { retry_after: until - now })
            }
            None => Err(SignInError::InvalidCredentials),
        },
    }
}

fn refused(a: Admission, now: DateTime<Utc>) -> Result<(), SignInError> {
    match a {
        Admission::Admitted { .. } | Admission::Recorded => Ok(()),
        Admission::Locked { until } => Err(SignInError::Locked { retry_after: until - now }),
        Admission::AddressLimited { until } | Admission::Throttled { until } => {
            Err(SignInError::TooManyAttempts { retry_after: until - now })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begin(c: &mut SignInCounters, now: DateTime<Utc>) -> Admission {
        apply(SignInStep::Begin(SignInPolicy::default()), c, now)
    }

    #[test]
    fn the_fifth_failure_locks_the_pair_and_a_success_clears_it() {
        let now = Utc::now();
        let mut c = SignInCounters::default();
        for _ in 0..4 {
            assert!(matches!(begin(&mut c, now), Admission::Admitted { locks_until: None, .. }));
        }
        assert!(matches!(begin(&mut c, now), Admission::Admitted { locks_until: Some(_), .. }));
        assert!(matches!(begin(&mut c, now), Admission::Locked { .. }));
        // The fifth was right after all: the success clears the lock.
        let mut ok = c.clone();
        ok.pair.failures = 5;
        apply(SignInStep::Succeeded, &mut ok, now);
        assert_eq!(ok.pair, Counter::default());
        assert!(ok.trust_now);
    }

    #[test]
    fn an_undone_attempt_leaves_the_counters_as_they_were() {
        let now = Utc::now();
        let mut c = SignInCounters::default();
        for _ in 0..4 {
            begin(&mut c, now);
        }
        let before = c.clone();
        begin(&mut c, now);
        apply(SignInStep::Undo { lock_after: 5 }, &mut c, now);
        assert_eq!(c.pair.failures, before.pair.failures);
        assert_eq!(c.pair.locked_until, None);
        assert_eq!(c.address.failures, before.address.failures);
    }

    #[test]
    fn an_account_under_attack_spaces_out_unknown_addresses_only() {
        let now = Utc::now();
        let p = SignInPolicy::default();
        let attacked = SignInCounters {
            account: Counter { failures: p.account_slowdown_after, ..Default::default() },
            ..Default::default()
        };
        let mut c = attacked.clone();
        assert_eq!(begin(&mut c, now), Admission::Admitted { delay: Duration::zero(), locks_until: None });
        assert_eq!(c.account.next_attempt_at, Some(now + p.account_spacing));
        // Each next one (from other addresses) waits for its slot; once the
        // wait would pass max_delay, it is refused.
        let from_elsewhere = |c: &mut SignInCounters| {
            c.pair = Counter::default();
            c.address = Counter::default();
            begin(c, now)
        };
        assert!(matches!(from_elsewhere(&mut c), Admission::Admitted { delay, .. } if delay == p.account_spacing));
        let mut waits = 1;
        while let Admission::Admitted { delay, .. } = from_elsewhere(&mut c) {
            assert!(delay <= p.max_delay);
            waits += 1;
        }
        assert_eq!(waits, (p.max_delay.num_seconds() / p.account_spacing.num_seconds()) as usize);
        // A known address is never spaced out.
        let mut known = SignInCounters { trusted: true, ..c.clone() };
        assert!(matches!(begin(&mut known, now), Admission::Admitted { delay, .. } if delay.is_zero()));
    }

    #[test]
    fn an_address_is_limited_across_logins() {
        let now = Utc::now();
        let p = SignInPolicy::default();
        let mut c = SignInCounters {
            address: Counter { failures: p.address_limit, expires_at: Some(now + p.window), ..Default::default() },
            ..Default::default()
        };
        assert_eq!(begin(&mut c, now), Admission::AddressLimited { until: now + p.window });
    }
}
