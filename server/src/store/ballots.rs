//! The participatory budget's ballots and its one-vote register (issue 15,
//! docs/plans/issue-15.md §2.2): "one vote per person per edition,
//! atomically, across channels". The caller (the API, the paper-entry
//! page) loads the edition, runs `mm_protocol::budget::rules::check_ballot`
//! and computes the keys (`budget::identity`); the store decides, in one
//! transaction, by the register's primary key alone: of any number of
//! concurrent casts for one voter key, one inserts the register row.
//!
//! No identity reaches the store, only HMAC keys. Scoped to the handle's
//! gmina like every tenant table; a paper card an official types writes
//! the audit log (ids only) in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy};

use mm_protocol::budget::wire::SignatureReceipt;

use super::{Actor, IdempotencyKey, StoreResult, StoredResponse};
use crate::budget::identity::{EditionKey, PhoneKey, VoterKey};

/// SMS codes live this long (plan §2.2).
pub const SMS_CODE_MINUTES: i64 = 10;
/// Wrong tries that lock an SMS request.
pub const SMS_MAX_WRONG: u32 = 5;
/// Expired SMS codes are deleted this long after they expire.
pub const SMS_KEEP_HOURS: i64 = 24;

/// The edition's rules the register applies (from `EditionSettings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotPolicy {
    pub duplicates: DuplicatePolicy,
    /// Most voters one phone may vote for (0: no cap).
    pub max_voters_per_phone: u8,
    pub allow_change: bool,
}

/// One chosen project (approval: `points` 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BallotChoice {
    pub pool: i64,
    pub project: i64,
    pub points: u16,
}

/// A device's `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotIdempotency {
    pub key: String,
    pub request_hash: String,
}

/// The SMS code a ballot is cast with: the request and the code's hash
/// (`budget::identity::sms_code_hash`). `Debug` hides the hash: with the
/// request id, a million tries give the code back.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsUse {
    pub request_id: String,
    pub code_hash: String,
}

impl std::fmt::Debug for SmsUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsUse").field("request_id", &self.request_id).field("code_hash", &"***").finish()
    }
}

/// A ballot to cast. `edition` is an edition of the handle's gmina; the
/// choices were checked by `check_ballot`.
#[derive(Debug, Clone)]
pub struct NewBallot {
    pub edition: i64,
    pub policy: BallotPolicy,
    pub voter_key: VoterKey,
    /// The phone the voter confirmed (counts against the cap); taken from
    /// the SMS request when `sms` is given.
    pub phone_key: Option<PhoneKey>,
    pub channel: BallotChannel,
    /// The voting device (online).
    pub device: Option<String>,
    /// The official who typed a paper card.
    pub entered_by: Option<Actor>,
    pub residence_declared: bool,
    pub choices: Vec<BallotChoice>,
    /// The edition's secret: the store derives the new ballot's receipt
    /// hash from its id (`EditionKey::receipt_hash`), known only after
    /// the insert.
    pub receipt_key: EditionKey,
    /// Online ballots: the device's retry key (needs `device`).
    pub idempotency: Option<BallotIdempotency>,
    /// Required when the edition confirms voters by SMS: consumed in the
    /// same transaction.
    pub sms: Option<SmsUse>,
    pub now: DateTime<Utc>,
}

/// What `cast_ballot` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastOutcome {
    /// The ballot counts.
    Counted { ballot_id: i64, cast_at: DateTime<Utc> },
    /// An online ballot of someone already in the register: nothing
    /// written. The first ballot's channel and day (Warsaw), for the
    /// official's message "głosował(a) już {kanał} {data}".
    AlreadyVoted { first_channel: BallotChannel, on: NaiveDate },
    /// `FirstCounts`: the card is stored as `refused_duplicate`, the first
    /// ballot counts.
    PaperRefusedDuplicate { ballot_id: i64, first_channel: BallotChannel, on: NaiveDate },
    /// `VoidAll`: the card is stored as `void_duplicate` and the person's
    /// counted ballot is void too.
    PaperVoidedBoth { ballot_id: i64, first_channel: BallotChannel, on: NaiveDate },
    /// The phone has voted for `max_voters_per_phone` people: nothing written.
    PhoneLimit,
    /// The device's retried key: the first answer (derive the receipt
    /// code again from the id).
    Replayed { ballot_id: i64, cast_at: DateTime<Utc> },
    /// The SMS code did not pass (its wrong try is counted); nothing else written.
    Sms(SmsCheck),
}

/// Which ballot `change_ballot` changes: the device's own, or the one a
/// receipt code names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotOwner {
    Device(String),
    Receipt(String),
}

/// A change of an online ballot while voting is open (the caller checks the
/// phase), when the edition allows changes.
#[derive(Debug, Clone)]
pub struct BallotChange {
    pub edition: i64,
    pub policy: BallotPolicy,
    pub voter_key: VoterKey,
    pub owner: BallotOwner,
    pub choices: Vec<BallotChoice>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    Changed { ballot_id: i64, changed_at: DateTime<Utc> },
    /// The edition does not allow changes, or the ballot is not a counted
    /// online ballot of this voter and owner.
    Refused,
}

/// A ballot's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotState {
    Counted,
    VoidDuplicate,
    RefusedDuplicate,
    Replaced,
}

impl BallotState {
    pub fn as_str(self) -> &'static str {
        match self {
            BallotState::Counted => "counted",
            BallotState::VoidDuplicate => "void_duplicate",
            BallotState::RefusedDuplicate => "refused_duplicate",
            BallotState::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<BallotState> {
        Some(match s {
            "counted" => BallotState::Counted,
            "void_duplicate" => BallotState::VoidDuplicate,
            "refused_duplicate" => BallotState::RefusedDuplicate,
            "replaced" => BallotState::Replaced,
            _ => return None,
        })
    }
}

pub fn channel_str(c: BallotChannel) -> &'static str {
    match c {
        BallotChannel::Online => "online",
        BallotChannel::Paper => "paper",
    }
}

pub fn parse_channel(s: &str) -> Option<BallotChannel> {
    match s {
        "online" => Some(BallotChannel::Online),
        "paper" => Some(BallotChannel::Paper),
        _ => None,
    }
}

/// The day (Warsaw) of an instant, as an official is told it.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&mm_protocol::LOCAL_TZ).date_naive()
}

/// A stored ballot, as its voter may see it (no keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBallot {
    pub id: i64,
    pub edition: i64,
    pub channel: BallotChannel,
    pub state: BallotState,
    pub residence_declared: bool,
    pub cast_at: DateTime<Utc>,
    pub changed_at: Option<DateTime<Utc>>,
    /// Sorted by pool, then project.
    pub choices: Vec<BallotChoice>,
}

/// A project's votes (ballots choosing it) and points, counted ballots only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectTally {
    pub project: i64,
    pub votes: u32,
    pub points: u32,
}

/// Identical ballots of a pool, merged (pabutools' multiplicity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedBallot {
    /// `(project, points)` sorted by project.
    pub choices: Vec<(i64, u16)>,
    pub weight: u32,
}

/// What a pool is counted from: its counted ballots, grouped and sorted
/// (by choices), and the SHA-256 (hex) of that list in a fixed text form
/// (`input_text`), which `budget_counts.input_sha256` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountBallots {
    pub ballots: Vec<GroupedBallot>,
    pub input_sha256: String,
}

impl CountBallots {
    /// Groups `(ballot, project, points)` rows (ordered by ballot, then
    /// project) and hashes them.
    pub fn from_rows(rows: impl IntoIterator<Item = (i64, i64, u16)>) -> CountBallots {
        let mut per_ballot: Vec<Vec<(i64, u16)>> = Vec::new();
        let mut last = None;
        for (ballot, project, points) in rows {
            if last != Some(ballot) {
                per_ballot.push(Vec::new());
                last = Some(ballot);
            }
            per_ballot.last_mut().expect("pushed above").push((project, points));
        }
        let mut grouped: std::collections::BTreeMap<Vec<(i64, u16)>, u32> = std::collections::BTreeMap::new();
        for mut c in per_ballot {
            c.sort_unstable();
            *grouped.entry(c).or_default() += 1;
        }
        let ballots: Vec<GroupedBallot> =
            grouped.into_iter().map(|(choices, weight)| GroupedBallot { choices, weight }).collect();
        use sha2::Digest;
        let digest = sha2::Sha256::digest(input_text(&ballots).as_bytes());
        CountBallots { ballots, input_sha256: digest.iter().map(|b| format!("{b:02x}")).collect() }
    }
}

/// The hashed form: one line per group, `weight:project=points,...`.
pub fn input_text(ballots: &[GroupedBallot]) -> String {
    let mut out = String::new();
    for b in ballots {
        out.push_str(&b.weight.to_string());
        out.push(':');
        let cells: Vec<String> = b.choices.iter().map(|(p, pts)| format!("{p}={pts}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// One counted ballot of a pool for the Pabulib file (`results.pb`): its
/// channel and its choices there. No key, no id: the caller gets the
/// ballots in voter-key order (an HMAC, so the order says nothing about
/// time or person) and numbers them `v1..vn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbRow {
    pub channel: BallotChannel,
    /// `(project, points)` sorted by project.
    pub choices: Vec<(i64, u16)>,
}

impl PbRow {
    /// Groups `(ballot, channel, project, points)` rows, consecutive per
    /// ballot, keeping their order.
    pub fn from_rows(rows: impl IntoIterator<Item = (i64, BallotChannel, i64, u16)>) -> Vec<PbRow> {
        let mut out: Vec<PbRow> = Vec::new();
        let mut last = None;
        for (ballot, channel, project, points) in rows {
            if last != Some(ballot) {
                out.push(PbRow { channel, choices: Vec::new() });
                last = Some(ballot);
            }
            out.last_mut().expect("pushed above").choices.push((project, points));
        }
        out
    }
}

/// An SMS code to keep (its hash) for a request. `Debug` hides the hash
/// (as [`SmsUse`]'s).
#[derive(Clone)]
pub struct NewSmsCode {
    /// The request id (a UUID), sent back with the code.
    pub request_id: String,
    pub edition: i64,
    pub phone_key: PhoneKey,
    pub voter_key: VoterKey,
    pub code_hash: String,
    pub device: Option<String>,
    pub now: DateTime<Utc>,
}

impl std::fmt::Debug for NewSmsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSmsCode")
            .field("request_id", &self.request_id)
            .field("edition", &self.edition)
            .field("phone_key", &self.phone_key)
            .field("voter_key", &self.voter_key)
            .field("code_hash", &"***")
            .field("device", &self.device)
            .field("now", &self.now)
            .finish()
    }
}

/// What checking an SMS code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsCheck {
    /// Right, now used: the phone it was sent to.
    Ok { phone_key: PhoneKey },
    /// Wrong (counted): tries left before the request locks.
    Wrong { left: u32 },
    /// Too many wrong tries: the request is dead (ask for a new code after
    /// `until`, when it would have expired anyway).
    Locked { until: DateTime<Utc> },
    /// Expired, used already, unknown, or of another voter.
    Expired,
}

/// A support signature (`signer_key`: a key of the signer's identity for
/// this project, never the identity) from a device with its retry key.
#[derive(Debug, Clone)]
pub struct NewSignature {
    pub project: i64,
    pub signer_key: Vec<u8>,
    pub channel: BallotChannel,
    pub idempotency: IdempotencyKey,
    /// The signatures its pool requires, for the receipt.
    pub required: u32,
    pub now: DateTime<Utc>,
}

/// What `sign_project` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Signed {
    /// Counted now; the receipt as stored under the key.
    New(SignatureReceipt),
    /// The key was seen: its first answer.
    Replayed(StoredResponse),
}

/// What `purge_ballots` deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BallotPurge {
    pub sms_codes: u64,
    /// Editions whose register, phones and voter keys were deleted.
    pub editions: u64,
}

#[async_trait]
pub trait BallotStore: Send + Sync {
    /// Casts a ballot in one transaction, answered after COMMIT:
    /// (1) a retried idempotency key answers `Replayed` (another request
    /// under the key: `IdempotencyConflict`); (2) the SMS code, when
    /// given, is checked and used; (3) `INSERT INTO budget_register ... ON
    /// CONFLICT DO NOTHING` decides: the row inserted → (4) the phone cap
    /// as a conditional upsert (`PhoneLimit`: nothing stays) and (5) the
    /// ballot and its choices, `Counted`. The row existed → online:
    /// `AlreadyVoted`, nothing written; paper per `policy.duplicates` (R§3
    /// "Paper + online"): `FirstCounts` stores the card refused,
    /// `VoidAll` stores it void and voids the counted ballot (once void,
    /// later cards are refused). Unknown edition: `NotFound`.
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<CastOutcome>;
    /// `cast_ballot`, but only while the edition's [`generation`] is
    /// still `generation` (checked in the cast's transaction, where
    /// `cast_ballot` checks that the edition exists): `None` when it moved
    /// on (the edition, a pool or a project was written since the caller
    /// read it; nothing written: load again and check again).
    ///
    /// [`generation`]: BallotStore::edition_generation
    async fn cast_ballot_at(&self, ballot: NewBallot, generation: i64) -> StoreResult<Option<CastOutcome>>;
    /// `cast_ballot_at` for an online ballot whose device (`ballot.device`)
    /// the caller may have taken from a cache (`casting::VotingCache`):
    /// the same transaction also checks that the device still exists in
    /// the gmina under `token_hash`, so a deleted device or a replaced
    /// token is refused at once (`UnknownReference { field: "device" }`,
    /// nothing written).
    async fn cast_online_ballot_at(
        &self,
        ballot: NewBallot,
        generation: i64,
        token_hash: String,
    ) -> StoreResult<Option<CastOutcome>>;
    /// The edition's generation: a number that moves on with every update
    /// or delete of the edition, its pools or its projects (not an insert:
    /// see migration SQLite 0018), by any writer (database triggers,
    /// migrations SQLite 0018 / PostgreSQL 0008). `None`: no such edition
    /// in the handle's gmina.
    async fn edition_generation(&self, edition: i64) -> StoreResult<Option<i64>>;
    /// How many voters have cast with this phone in the edition (the cap's
    /// counter), to refuse an SMS code the cap would refuse anyway.
    async fn phone_voters(&self, edition: i64, phone_key: PhoneKey) -> StoreResult<u32>;
    /// A support signature with the device's retry key, in one
    /// transaction: a retried key answers the first answer (another
    /// request under it: `IdempotencyConflict`); otherwise as
    /// `BudgetStore::add_signature` (`NotFound`, `Conflict::PhaseClosed`
    /// unless the project is submitted or under verification,
    /// `Conflict::AlreadySigned`), and the receipt is remembered under
    /// the key.
    async fn sign_project(&self, signature: NewSignature) -> StoreResult<Signed>;
    /// Replaces a counted online ballot's choices in place (state stays
    /// counted; `changed_at` set). No such ballot: `NotFound`.
    async fn change_ballot(&self, change: BallotChange) -> StoreResult<ChangeOutcome>;
    /// The device's latest ballot in the edition.
    async fn ballot_by_device(&self, edition: i64, device: &str) -> StoreResult<Option<StoredBallot>>;
    /// The ballot whose receipt code hashes to `receipt_hash`.
    async fn ballot_by_receipt(&self, edition: i64, receipt_hash: &str) -> StoreResult<Option<StoredBallot>>;
    /// Votes and points per project of `pool`, counted ballots only, in
    /// project order (projects nobody chose are absent).
    async fn tallies(&self, edition: i64, pool: i64) -> StoreResult<Vec<ProjectTally>>;
    /// The counted ballots choosing in `pool`, grouped, with their hash.
    async fn count_input(&self, edition: i64, pool: i64) -> StoreResult<CountBallots>;
    /// The counted ballots choosing in `pool`, one row each, ordered by
    /// voter key (ballots whose key was purged last, by id), for the
    /// Pabulib export. The keys themselves are not returned.
    async fn pb_rows(&self, edition: i64, pool: i64) -> StoreResult<Vec<PbRow>>;
    /// Keeps a new SMS code's hash (expires in `SMS_CODE_MINUTES`).
    async fn issue_sms_code(&self, code: NewSmsCode) -> StoreResult<()>;
    /// Checks a code of `request_id` for `voter_key`, counting a wrong
    /// try atomically; right → used (once).
    async fn check_sms_code(
        &self,
        edition: i64,
        request_id: &str,
        voter_key: VoterKey,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SmsCheck>;
    /// SMS codes a day after they expired; the register, phones, SMS
    /// codes and ballots' voter keys of editions past their retention
    /// (`voting_to` + `retention_years`, R§3 RODO). The handle's gmina.
    async fn purge_ballots(&self, now: DateTime<Utc>) -> StoreResult<BallotPurge>;
}
