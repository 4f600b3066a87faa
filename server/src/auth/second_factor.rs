//! Who must sign in with a second factor, and the check of a typed code
//! (a TOTP code, RFC 6238, or a recovery code), shared by the back office
//! (`admin::two_factor`) and `POST /api/v1/auth/login`.
//!
//! - Admins must always have one; officials of other roles when their
//!   gmina's settings say so (`GminaSettings::two_factor_for_all`). An
//!   official who has enrolled is asked for a code whatever the policy.
//! - Codes are counted like passwords, by the same counters and rules
//!   (`auth::signin`), under the key `second-factor:LOGIN` so that code
//!   failures and password failures do not mix, with a stricter
//!   [`CODE_POLICY`]: after 5 wrong codes from an address that login is
//!   locked there for 15 minutes, and once an account has seen 5 wrong
//!   codes from anywhere, attempts from addresses it never completed a
//!   sign-in from get one slot per TOTP step (30 s). With 3 codes accepted
//!   per attempt (the ±1 step window) that is at most 1 chance in 333,333
//!   per 30 s for someone who already has the password, every failure in
//!   the audit log.
//! - A code's step is recorded in the same statement that accepts it
//!   (`OfficialsStore::accept_totp_step`), so a code, once used, is refused
//!   (RFC 6238 §5.2), even by two requests at once.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use mm_protocol::auth::Role;
use serde_json::json;

use super::factor_key::{is_recovery_code, new_recovery_code, RECOVERY_CODES};
use super::signin::{Admission, SignInPolicy, SignInStep, apply, client_key};
use super::totp;
use crate::state::AppState;
use crate::store::{SessionStage, StoreError, StoreResult, UserRecord};
use mm_protocol::gmina::Teryt;

/// The limits on codes (see the module documentation).
pub const CODE_POLICY: SignInPolicy = SignInPolicy {
    lock_after: 5,
    lock_for: Duration::minutes(15),
    window: Duration::minutes(15),
    address_limit: 30,
    account_slowdown_after: 5,
    account_spacing: Duration::seconds(totp::STEP_SECONDS),
    max_delay: Duration::seconds(10),
    trusted_for: Duration::days(30),
};

/// The counters' key for an official's codes.
fn counter_key(login: &str) -> String {
    format!("second-factor:{login}")
}

/// Whether an official of `role` in `gmina` must have a second factor.
pub async fn required(state: &AppState, role: Role, gmina: &Teryt) -> StoreResult<bool> {
    if role == Role::Admin && state.second_factor_for_admins {
        return Ok(true);
    }
    let record = state.gminas.find(state.store.as_ref(), gmina).await?;
    Ok(record.and_then(|g| g.settings.two_factor_for_all).unwrap_or(false))
}

/// Whether the official has confirmed a TOTP enrolment.
pub async fn enrolled(state: &AppState, user_id: i64) -> StoreResult<bool> {
    Ok(state.store.totp(user_id).await?.is_some_and(|t| t.confirmed))
}

/// Where a right password leaves the official.
pub async fn stage_after_password(state: &AppState, user: &UserRecord) -> StoreResult<SessionStage> {
    if enrolled(state, user.id).await? {
        Ok(SessionStage::SecondFactor)
    } else if required(state, user.role, &user.gmina).await? {
        Ok(SessionStage::Enrol)
    } else {
        Ok(SessionStage::Full)
    }
}

/// Which kind of code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUsed {
    Totp,
    /// A recovery code, with how many are left.
    Recovery { left: u32 },
}

#[derive(Debug)]
pub enum CodeError {
    /// Wrong, used before, or not a code.
    Wrong,
    /// Too many wrong codes for this login from this address.
    Locked { retry_after: Duration },
    /// Too many wrong codes from this address, or the account's attempts
    /// are spaced out and the next slot is too far away.
    TooManyAttempts { retry_after: Duration },
    Store(StoreError),
}

impl From<StoreError> for CodeError {
    fn from(e: StoreError) -> Self {
        CodeError::Store(e)
    }
}

fn refused(a: Admission, now: DateTime<Utc>) -> Result<(), CodeError> {
    match a {
        Admission::Admitted { .. } | Admission::Recorded => Ok(()),
        Admission::Locked { until } => Err(CodeError::Locked { retry_after: until - now }),
        Admission::AddressLimited { until } | Admission::Throttled { until } => {
            Err(CodeError::TooManyAttempts { retry_after: until - now })
        }
    }
}

/// Checks `typed` as the second factor of `user` (enrolled), counted and
/// audited; a used recovery code or TOTP step is spent.
pub async fn check_code(
    state: &AppState,
    user: &UserRecord,
    typed: &str,
    client: Option<IpAddr>,
) -> Result<CodeUsed, CodeError> {
    let key = counter_key(&user.login);
    let address = client_key(client);
    let now = state.clock.now();
    let mut seen = state.store.sign_in_counters(&key, &address, CODE_POLICY, now).await?;
    refused(apply(SignInStep::Begin(CODE_POLICY), &mut seen, now), now)?;
    let admission = state.store.sign_in_step(&key, &address, SignInStep::Begin(CODE_POLICY), now).await?;
    refused(admission, now)?;
    let Admission::Admitted { delay, locks_until } = admission else {
        return Err(CodeError::Store(StoreError::backend("unexpected sign-in step")));
    };
    if delay > Duration::zero() {
        tokio::time::sleep(delay.to_std().unwrap_or_default()).await;
    }
    let now = state.clock.now();
    let (used, reason) = if is_recovery_code(typed) {
        let hash = state.factor_key.recovery_hash(typed);
        if state.store.use_recovery_code(user.id, &hash, now).await? {
            (Some(CodeUsed::Recovery { left: state.store.recovery_codes_left(user.id).await? }), "")
        } else {
            (None, "recovery_code")
        }
    } else {
        match state.store.totp(user.id).await? {
            Some(t) if t.confirmed => match state.factor_key.open(user.id, &t.sealed_secret) {
                Some(secret) => {
                    let now_step = totp::step_at(now.timestamp());
                    // A code of a step already used matches nothing here.
                    match totp::verify(&secret, typed, now_step, t.last_step) {
                        Some(step) if state.store.accept_totp_step(user.id, step).await? => (Some(CodeUsed::Totp), ""),
                        Some(_) => (None, "replayed"),
                        None if totp::verify(&secret, typed, now_step, None).is_some() => (None, "replayed"),
                        None => (None, "wrong"),
                    }
                }
                None => {
                    tracing::error!(user = user.id, "a TOTP secret does not open: another two-factor key?");
                    (None, "unreadable_secret")
                }
            },
            _ => (None, "not_enrolled"),
        }
    };
    match used {
        Some(used) => {
            state.store.sign_in_step(&key, &address, SignInStep::Succeeded, now).await?;
            let (action, details) = match used {
                CodeUsed::Totp => ("auth.second_factor", json!({ "method": "totp" })),
                CodeUsed::Recovery { left } => ("auth.recovery_code_used", json!({ "method": "recovery_code", "left": left })),
            };
            state.store.audit_sign_in(user.id, action, details, now).await?;
            Ok(used)
        }
        None => {
            state
                .store
                .audit_sign_in(user.id, "auth.second_factor_failed", json!({ "reason": reason, "address": address }), now)
                .await?;
            match locks_until {
                Some(until) => {
                    state.store.sign_in_step(&key, &address, SignInStep::Locked, now).await?;
                    Err(CodeError::Locked { retry_after: until - now })
                }
                None => Err(CodeError::Wrong),
            }
        }
    }
}

/// A new enrolment's secret, sealed and stored as pending; or the pending
/// one, so reloading the page keeps the QR code the official may have
/// scanned. None when the official has a confirmed enrolment.
pub async fn pending_secret(state: &AppState, user_id: i64) -> StoreResult<Option<Vec<u8>>> {
    if let Some(t) = state.store.totp(user_id).await? {
        if t.confirmed {
            return Ok(None);
        }
        if let Some(secret) = state.factor_key.open(user_id, &t.sealed_secret) {
            return Ok(Some(secret));
        }
    }
    let secret = totp::new_secret();
    if !state.store.begin_totp(user_id, &state.factor_key.seal(user_id, &secret)).await? {
        return Ok(None);
    }
    Ok(Some(secret))
}

/// Confirms the pending enrolment with its first code; the recovery codes
/// to show once, or None when the code is not the pending secret's.
pub async fn confirm(state: &AppState, user: &UserRecord, typed: &str) -> StoreResult<Option<Vec<String>>> {
    let Some(t) = state.store.totp(user.id).await?.filter(|t| !t.confirmed) else {
        return Ok(None);
    };
    let Some(secret) = state.factor_key.open(user.id, &t.sealed_secret) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let Some(step) = totp::verify(&secret, typed, totp::step_at(now.timestamp()), None) else {
        return Ok(None);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes = codes.iter().map(|c| state.factor_key.recovery_hash(c)).collect();
    let actor = crate::store::Actor(user.login.clone());
    if !state.store.confirm_totp(actor, user.id, step, hashes, now).await? {
        return Ok(None);
    }
    Ok(Some(codes))
}
