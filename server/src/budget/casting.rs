//! The one path a ballot takes into the one-vote register (issue 15,
//! docs/plans/issue-15.md §2.2–2.3, docs/BUDGET.md "The check order"),
//! for an online ballot (`POST /api/v1/budget/editions/{id}/ballots`) and
//! for a paper card an official types in (the back office): load the
//! edition, its pools and projects; the phase; `check_ballot`; the
//! identity (`identity::normalise`) and its keys; the SMS proof; then the
//! store, whose register key alone decides.
//!
//! Every refusal before the store writes nothing. A wrong SMS code is
//! counted by the store (five lock the request) and nothing else is
//! written. Nothing personal is logged: the identity lives in this
//! function's locals only, and the keys are HMACs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use chrono::{DateTime, Utc};
use mm_protocol::budget::identity::{IdentityError, IdentityKey, NormalIdentity, normalise};
use mm_protocol::budget::model::{BallotChannel, BallotInput, BallotReceipt, Edition, Phase, Project, phase_at};
use mm_protocol::error::ErrorCode;
use mm_protocol::budget::rules::{BallotError, NormalBallot, check_ballot};
use mm_protocol::gmina::Teryt;

use crate::auth::extract::bearer;
use crate::auth::token::{hash_token, sha256_hex};
use crate::devices::auth::device_by_token;
use crate::state::AppState;
use crate::budget::identity::{BudgetKeys, EditionKey, VoterKey, sms_code_hash};
use crate::error::AppError;
use crate::store::ballots::{BallotChoice, BallotIdempotency, BallotPolicy, CastOutcome, NewBallot, SmsCheck, SmsUse};
use crate::store::budget::ProjectFilter;
use crate::store::{Actor, Store, StoreError};

/// Who casts, and how.
#[derive(Debug, Clone)]
pub enum Channel {
    /// A resident's device; `idempotency` is its `Idempotency-Key`;
    /// `token_hash` the hash of the token the request came with, checked
    /// again in the cast's transaction (`VotingDevice`: the device may
    /// come from a cache). `None`: the device was read just now.
    Online { device: String, idempotency: Option<String>, token_hash: Option<String> },
    /// A paper card typed in by `official` (no SMS; duplicates per the
    /// edition's `duplicates` policy).
    Paper { official: Actor },
}

/// Why a ballot was refused before the register was asked. Each maps to
/// one 4xx (`into_error`); none wrote anything.
#[derive(Debug)]
pub enum Refusal {
    /// No such edition in this gmina.
    NotFound,
    /// Not in the voting phase (paper: voting or counting).
    PhaseClosed,
    Rule(BallotError),
    Identity(IdentityError),
    /// A name-and-address voter's locality is not one of the gmina's.
    Locality,
    /// The edition confirms by SMS and the ballot carries no code.
    SmsMissing,
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}

impl Refusal {
    /// The API's answer; `ballot` names the field of a rule's error.
    pub fn into_error(self, ballot: &BallotInput) -> AppError {
        match self {
            Refusal::NotFound => AppError::not_found(),
            Refusal::PhaseClosed => AppError::phase_closed(),
            Refusal::Rule(e) => AppError::ballot_rule(&e, ballot),
            Refusal::Identity(e) => e.into(),
            Refusal::Locality => locality_error(),
            Refusal::SmsMissing => AppError::invalid_sms_code().with_field("sms"),
            // The cast's transaction found the device gone or its token
            // replaced: the token is no longer valid (as the `Device`
            // extractor answers an unknown token).
            Refusal::Store(StoreError::UnknownReference { field: DEVICE }) => AppError::unauthorized(),
            Refusal::Store(e) => e.into(),
        }
    }
}

/// What the store did with a ballot that passed the checks, and the
/// receipt when it counts (or is a replay of one that does).
#[derive(Debug)]
pub struct Cast {
    pub outcome: CastOutcome,
    pub receipt: Option<BallotReceipt>,
}

/// The edition with everything a ballot is checked against, and the
/// edition's generation read before them (`BallotStore::edition_generation`):
/// the register casts only while it is still that one.
pub struct Ballot {
    pub generation: i64,
    pub edition: Edition,
    pub projects: Vec<Project>,
}

impl Ballot {
    /// The phase at `now`, from the dates (a cached edition's `phase` is
    /// the one of the time it was read).
    pub fn phase_at(&self, now: DateTime<Utc>) -> Phase {
        let e = &self.edition;
        phase_at(&e.dates, e.published_at.is_some() || e.published_results, now)
    }
}

/// The edition (of the store's gmina) and all its projects; `None` when
/// the gmina has no such edition.
pub async fn load(store: &dyn Store, edition: i64, now: DateTime<Utc>) -> Result<Option<Ballot>, StoreError> {
    // The generation first: a write between it and the reads below makes
    // the register refuse this load (conservative), never accept a stale one.
    let Some(generation) = store.edition_generation(edition).await? else { return Ok(None) };
    let Some(edition) = store.edition(edition, now).await? else { return Ok(None) };
    let projects = store.projects(ProjectFilter { edition: Some(edition.id), ..Default::default() }).await?;
    Ok(Some(Ballot { generation, edition, projects }))
}

/// The editions in voting with their projects, in memory, so an online
/// ballot reads nothing before the register's transaction (docs/BENCHMARKS.md
/// "Participatory budget": the same ~15 reads per ballot before).
///
/// Why it cannot serve a stale rule: (1) an entry is used only while its
/// dates say voting (the phase is computed at each use, so at `voting_to`
/// the next ballot loads again and is refused); while voting, the store
/// refuses to change the edition's dates, settings and pools
/// (`Conflict::EditionLocked`), and results cannot be published; (2) the
/// projects can still change (a verification, an appeal decided late), and
/// every update or delete of the edition, a pool or a project moves the
/// edition's generation on (database triggers, so writes by another
/// instance or the CLI count too): the register's transaction casts only
/// while it is the entry's (`cast_ballot_at`), else the entry is dropped
/// and the ballot checked again on a fresh load; (3) a ballot the cached
/// data would refuse is checked again on a fresh load before it is refused
/// (so a pool or project inserted since, which the triggers do not count,
/// is found).
#[derive(Default)]
pub struct VotingCache {
    entries: std::sync::Mutex<HashMap<(Teryt, i64), Arc<Ballot>>>,
    /// The voting devices by their token's hash ([`VotingDevice`]).
    devices: std::sync::Mutex<HashMap<(Teryt, String), (String, Instant)>>,
}

/// The store's `UnknownReference` field of a device the cast's
/// transaction no longer finds under the request's token.
const DEVICE: &str = "device";

/// How long a device read for a ballot is used without reading it again.
/// Not what keeps a revoked token out (the cast's transaction checks the
/// token on every ballot, `BallotStore::cast_online_ballot_at`): it keeps
/// `last_seen_at` moving (`devices::auth`, a day's granularity) and the
/// held entries few.
const DEVICE_TTL: Duration = Duration::from_secs(300);

/// Held devices at most; all are dropped when full (each is read again
/// once, at the cost of one read).
const DEVICES_HELD: usize = 100_000;

impl VotingCache {
    fn get(&self, gmina: &Teryt, edition: i64, now: DateTime<Utc>) -> Option<Arc<Ballot>> {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (gmina.clone(), edition);
        match entries.get(&key) {
            Some(b) if b.phase_at(now) == Phase::Voting => Some(b.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Keeps `ballot` if its edition is in voting at `now` (nothing else is
    /// ever read from here).
    fn put(&self, gmina: &Teryt, ballot: &Arc<Ballot>, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (gmina.clone(), ballot.edition.id);
        if ballot.phase_at(now) == Phase::Voting {
            entries.insert(key, ballot.clone());
        } else {
            entries.remove(&key);
        }
    }

    fn forget(&self, gmina: &Teryt, edition: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.remove(&(gmina.clone(), edition));
    }

    fn device(&self, gmina: &Teryt, token_hash: &str) -> Option<String> {
        let mut devices = self.devices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (gmina.clone(), token_hash.to_owned());
        match devices.get(&key) {
            Some((id, at)) if at.elapsed() < DEVICE_TTL => Some(id.clone()),
            Some(_) => {
                devices.remove(&key);
                None
            }
            None => None,
        }
    }

    fn remember_device(&self, gmina: &Teryt, token_hash: &str, id: &str) {
        let mut devices = self.devices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if devices.len() >= DEVICES_HELD {
            devices.clear();
        }
        devices.insert((gmina.clone(), token_hash.to_owned()), (id.to_owned(), Instant::now()));
    }

    fn forget_device(&self, gmina: &Teryt, token_hash: &str) {
        let mut devices = self.devices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        devices.remove(&(gmina.clone(), token_hash.to_owned()));
    }

    /// How many devices are held (tests).
    pub fn devices_held(&self) -> usize {
        self.devices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// How many editions are held (tests).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The device of an online ballot, by the request's bearer token, as the
/// `Device` extractor finds it but held in `AppState::voting` for
/// [`DEVICE_TTL`]: a ballot then makes no read before the register's
/// transaction (docs/BENCHMARKS.md "Participatory budget": one reader
/// hand-off, or one PostgreSQL round trip, per ballot before). A held
/// device is never trusted on its own: the cast's transaction checks that
/// the device still holds this token (`Channel::Online::token_hash`), so a
/// deleted device or a replaced token is refused at once and dropped here.
#[derive(Debug, Clone)]
pub struct VotingDevice {
    pub id: String,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for VotingDevice {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(AppError::unauthorized)?.to_owned();
        let tenant = crate::tenant::resolve(parts, state).await?;
        let state = &tenant.state;
        let gmina = state.store.gmina_scope();
        let token_hash = hash_token(&token);
        if let Some(id) = state.voting.device(gmina, &token_hash) {
            return Ok(VotingDevice { id, token_hash });
        }
        let device = device_by_token(state, &token).await?.ok_or_else(AppError::unauthorized)?;
        state.voting.remember_device(gmina, &token_hash, &device.id);
        Ok(VotingDevice { id: device.id, token_hash })
    }
}

/// Loads the edition fresh for a cast, or `NotFound`.
async fn fresh(store: &dyn Store, edition: i64, now: DateTime<Utc>) -> Result<Arc<Ballot>, Refusal> {
    Ok(Arc::new(load(store, edition, now).await?.ok_or(Refusal::NotFound)?))
}

/// A name-and-address voter's locality must be one of the gmina's
/// (`identity::normalise` leaves this to the caller, who knows the gmina);
/// true for every other identity. Read fresh each time: the gmina's
/// localities are no part of the edition's generation.
pub async fn locality_in_gmina(store: &dyn Store, identity: &NormalIdentity) -> Result<bool, StoreError> {
    let IdentityKey::Address { locality, .. } = &identity.key else { return Ok(true) };
    let (_, localities) = store.gmina().await?;
    Ok(localities.iter().any(|l| l.id == *locality))
}

/// `locality_in_gmina` for a route: 400 `invalid_identity` naming
/// `address.locality` ([`locality_error`]).
pub async fn require_locality(store: &dyn Store, identity: &NormalIdentity) -> Result<(), AppError> {
    if locality_in_gmina(store, identity).await? { Ok(()) } else { Err(locality_error()) }
}

/// The refusal of a locality not in the gmina (`locality_in_gmina`).
pub fn locality_error() -> AppError {
    AppError::new(
        ErrorCode::InvalidIdentity,
        "Ta miejscowość nie należy do gminy: wybierz miejscowość z listy.",
        "This locality is not in the gmina: choose the locality from the list.",
    )
    .with_field("address.locality")
}

/// Whether `channel` may cast now: online only while voting is open;
/// paper cards collected in the boxes may be typed in until the count
/// (voting or counting, never once results are published).
pub fn phase_allows(phase: Phase, channel: &Channel) -> bool {
    match channel {
        Channel::Online { .. } => phase == Phase::Voting,
        Channel::Paper { .. } => matches!(phase, Phase::Voting | Phase::Counting),
    }
}

/// The ballot's choices as the store keeps them (approval: 1 point).
pub fn choices(normal: &NormalBallot) -> Vec<BallotChoice> {
    normal.choices().map(|(pool, c)| BallotChoice { pool, project: c.project, points: c.points.unwrap_or(1) }).collect()
}

/// The policy the register applies, from the edition's settings.
pub fn policy(edition: &Edition) -> BallotPolicy {
    let s = &edition.settings;
    BallotPolicy { duplicates: s.duplicates, max_voters_per_phone: s.max_voters_per_phone, allow_change: s.allow_change }
}

/// A retried ballot's fingerprint: the voter key and the normalised
/// choices, never the identity as typed (a hash of a PESEL could be
/// brute-forced over the ~10^9 valid ones).
fn request_hash(voter: &VoterKey, normal: &NormalBallot, residence: bool) -> String {
    let mut bytes = voter.as_bytes().to_vec();
    bytes.extend_from_slice(serde_json::to_string(normal).unwrap_or_default().as_bytes());
    bytes.push(u8::from(residence));
    sha256_hex(&bytes)
}

/// The receipt of a counted (or replayed) ballot.
pub fn receipt(key: &EditionKey, ballot_id: i64, cast_at: DateTime<Utc>, channel: BallotChannel, normal: &NormalBallot) -> BallotReceipt {
    BallotReceipt { ballot_id, receipt_code: key.receipt_code(ballot_id), cast_at, channel, pools: normal.pools.clone() }
}

/// How many times a cast loads the edition again because its generation
/// moved on under it, before it casts without the check (as a cast did
/// before the cache: an official's write between the load and the cast).
const FRESH_TRIES: usize = 3;

/// Casts `input` in edition `edition` of `gmina` (the store is scoped to
/// it), the edition loaded fresh. The checks, in order, each refusing with
/// nothing written: the edition (404), the phase (`phase_closed`),
/// `check_ballot` (an unknown pool or project `not_found`, every other
/// rule `ballot_rule`), the identity (`invalid_identity`; a name-and-address
/// voter's locality one of the gmina's), an online SMS edition's code
/// present (`invalid_sms_code`); then the store checks that the edition
/// did not change since it was read, the code (wrong, locked, expired:
/// `CastOutcome::Sms`) and the register (`AlreadyVoted`, `PhoneLimit`,
/// paper duplicates) in one transaction.
pub async fn cast(
    store: &dyn Store,
    keys: &BudgetKeys,
    gmina: &Teryt,
    edition: i64,
    input: &BallotInput,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<Cast, Refusal> {
    cast_with(store, None, keys, gmina, edition, input, channel, now).await
}

/// `cast` with the edition from `cache` when it holds it in voting (an
/// online ballot: nothing is read before the register's transaction).
#[allow(clippy::too_many_arguments)]
pub async fn cast_cached(
    store: &dyn Store,
    cache: &VotingCache,
    keys: &BudgetKeys,
    gmina: &Teryt,
    edition: i64,
    input: &BallotInput,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<Cast, Refusal> {
    cast_with(store, Some(cache), keys, gmina, edition, input, channel, now).await
}

#[allow(clippy::too_many_arguments)]
async fn cast_with(
    store: &dyn Store,
    cache: Option<&VotingCache>,
    keys: &BudgetKeys,
    gmina: &Teryt,
    edition: i64,
    input: &BallotInput,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<Cast, Refusal> {
    // The store keeps microseconds: the first answer must equal a replay's.
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    let mut cached = cache.and_then(|c| c.get(gmina, edition, now));
    let mut tries = 0;
    loop {
        let from_cache = cached.is_some();
        let ballot = match cached.take() {
            Some(b) => b,
            None => {
                let b = fresh(store, edition, now).await?;
                if let Some(c) = cache {
                    c.put(gmina, &b, now);
                }
                b
            }
        };
        let checked = tries < FRESH_TRIES;
        match cast_loaded(store, keys, gmina, &ballot, input, channel.clone(), now, checked).await {
            Err(refusal @ Refusal::Store(StoreError::UnknownReference { field: DEVICE })) => {
                if let (Some(c), Channel::Online { token_hash: Some(h), .. }) = (cache, &channel) {
                    c.forget_device(gmina, h);
                }
                return Err(refusal);
            }
            // Refused on what the cache held: refuse only on a fresh load.
            Err(_) if from_cache => continue,
            Err(refusal) => return Err(refusal),
            Ok(Some(cast)) => return Ok(cast),
            Ok(None) => {
                if let Some(c) = cache {
                    c.forget(gmina, edition);
                }
                tries += 1;
            }
        }
    }
}

/// One try against `ballot`; `None` when the store found the edition's
/// generation moved on (nothing written). `checked` false: cast without
/// comparing generations.
#[allow(clippy::too_many_arguments)]
async fn cast_loaded(
    store: &dyn Store,
    keys: &BudgetKeys,
    gmina: &Teryt,
    ballot: &Ballot,
    input: &BallotInput,
    channel: Channel,
    now: DateTime<Utc>,
    checked: bool,
) -> Result<Option<Cast>, Refusal> {
    let e = &ballot.edition;
    if !phase_allows(ballot.phase_at(now), &channel) {
        return Err(Refusal::PhaseClosed);
    }
    let normal = check_ballot(&e.settings, &e.pools, &ballot.projects, input).map_err(Refusal::Rule)?;
    let identity = normalise(e.settings.identity, &input.identity).map_err(Refusal::Identity)?;
    if !locality_in_gmina(store, &identity).await? {
        return Err(Refusal::Locality);
    }
    let key = keys.edition(gmina, e.id);
    let voter_key = key.voter(&identity);
    drop(identity);
    let online = matches!(channel, Channel::Online { .. });
    let sms = match (&input.sms, online && e.settings.sms) {
        (_, false) => None,
        (None, true) => return Err(Refusal::SmsMissing),
        (Some(p), true) => Some(SmsUse { request_id: p.request_id.clone(), code_hash: sms_code_hash(&p.request_id, &p.code) }),
    };
    let mut token_hash = None;
    let (device, entered_by, idempotency, wire_channel) = match channel {
        Channel::Online { device, idempotency, token_hash: h } => {
            token_hash = h;
            let idem = idempotency.map(|k| BallotIdempotency {
                key: k,
                request_hash: request_hash(&voter_key, &normal, input.residence_declared),
            });
            (Some(device), None, idem, BallotChannel::Online)
        }
        Channel::Paper { official } => (None, Some(official), None, BallotChannel::Paper),
    };
    let new = NewBallot {
        edition: e.id,
        policy: policy(e),
        voter_key,
        phone_key: None,
        channel: wire_channel,
        device,
        entered_by,
        residence_declared: input.residence_declared,
        choices: choices(&normal),
        receipt_key: key.clone(),
        idempotency,
        sms,
        now,
    };
    // Unchecked (`FRESH_TRIES` generations moved on under this request)
    // casts without the device's check too: each try before checked it.
    let outcome = if checked {
        let cast = match token_hash {
            Some(h) => store.cast_online_ballot_at(new, ballot.generation, h).await?,
            None => store.cast_ballot_at(new, ballot.generation).await?,
        };
        match cast {
            Some(o) => o,
            None => return Ok(None),
        }
    } else {
        store.cast_ballot(new).await?
    };
    let receipt = match &outcome {
        CastOutcome::Counted { ballot_id, cast_at } | CastOutcome::Replayed { ballot_id, cast_at } => {
            Some(receipt(&key, *ballot_id, *cast_at, wire_channel, &normal))
        }
        _ => None,
    };
    Ok(Some(Cast { outcome, receipt }))
}

/// The API's refusal of an online ballot the store did not count.
pub fn online_refusal(outcome: &CastOutcome, now: DateTime<Utc>) -> Option<axum::response::Response> {
    use axum::response::IntoResponse;
    Some(match outcome {
        CastOutcome::Counted { .. } | CastOutcome::Replayed { .. } => return None,
        CastOutcome::AlreadyVoted { .. }
        | CastOutcome::PaperRefusedDuplicate { .. }
        | CastOutcome::PaperVoidedBoth { .. } => AppError::already_voted().into_response(),
        CastOutcome::PhoneLimit => AppError::phone_limit().into_response(),
        CastOutcome::Sms(check) => sms_refusal(check, now),
    })
}

/// A code that did not pass: wrong or expired is 400 `invalid_sms_code`,
/// a locked request 429 `sms_locked` with `Retry-After`.
pub fn sms_refusal(check: &SmsCheck, now: DateTime<Utc>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match check {
        SmsCheck::Locked { until } => AppError::sms_locked((*until - now).num_seconds()),
        _ => AppError::invalid_sms_code().with_field("sms.code").into_response(),
    }
}
