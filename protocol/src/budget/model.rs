//! The participatory budget on the wire: editions, their phases and
//! settings, pools, projects, the ballot a resident casts, its receipt and
//! the published results. Plain data; the rules over it are in
//! `rules.rs` (the ballot) and `identity.rs` (who votes), and
//! [`validate_settings`] here (what an official may set).
//!
//! Money is integer grosze; pool amounts and project costs are whole złoty
//! (`docs/plans/issue-15.md` §0: Pabulib files and Add1 count in złoty).
//! Every type that carries a voter's identity prints `***` in `Debug`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::count::{CountingRule, TieKey};
use crate::error::Message;
use crate::geo::{GeoPoint, Polygon};
use crate::taxes::Grosze;

/// One edition of the budget (a year's call, vote and results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Edition {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// As of the answer's time ([`phase_at`]); a client recomputes it from
    /// `dates` as time passes.
    pub phase: Phase,
    pub dates: PhaseDates,
    pub pools: Vec<Pool>,
    pub settings: PublicSettings,
    pub published_results: bool,
    /// When the results were published (absent before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
}

/// The phases' boundaries. Each `*_to` is the first instant after its
/// phase (half-open intervals), so one date both ends a phase and can
/// start the next. The council's resolution (art. 5a ust. 7 u.s.g.) sets
/// them; `PhaseDates::validate` checks their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseDates {
    pub submission_from: DateTime<Utc>,
    pub submission_to: DateTime<Utc>,
    /// Officials assess legality, feasibility and formal compliance
    /// (art. 5a ust. 7 pkt 2).
    pub verification_to: DateTime<Utc>,
    /// Last instant (exclusive) to appeal against a rejection.
    pub appeal_to: DateTime<Utc>,
    pub voting_from: DateTime<Utc>,
    pub voting_to: DateTime<Utc>,
}

impl PhaseDates {
    /// `submission_from ≤ submission_to ≤ verification_to ≤ appeal_to ≤
    /// voting_from < voting_to`.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let order = [
            ("dates.submission_to", self.submission_from, self.submission_to),
            ("dates.verification_to", self.submission_to, self.verification_to),
            ("dates.appeal_to", self.verification_to, self.appeal_to),
            ("dates.voting_from", self.appeal_to, self.voting_from),
        ];
        for (field, earlier, later) in order {
            if later < earlier {
                return Err(SettingsError::new(field, SettingsReason::DatesOutOfOrder));
            }
        }
        if self.voting_to <= self.voting_from {
            return Err(SettingsError::new("dates.voting_to", SettingsReason::DatesOutOfOrder));
        }
        Ok(())
    }

    /// A rejected project's proposer may still appeal.
    pub fn may_appeal(&self, now: DateTime<Utc>) -> bool {
        now < self.appeal_to
    }
}

/// Where an edition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Published, submission not open yet.
    Announced,
    Submission,
    /// Verification, the appeal window (R§3, ust. 7 pkt 2) and any days
    /// before the vote opens.
    Verification,
    Voting,
    /// Voting closed; counting and checking until the results are published.
    Counting,
    /// Results published.
    Results,
}

/// The phase at `now`. Results only once published (and never before the
/// vote closes, whatever the flag says: the store refuses to publish
/// earlier, and a device with a wrong clock must not show a "result" while
/// the vote runs).
pub fn phase_at(dates: &PhaseDates, published: bool, now: DateTime<Utc>) -> Phase {
    if now < dates.submission_from {
        Phase::Announced
    } else if now < dates.submission_to {
        Phase::Submission
    } else if now < dates.voting_from {
        Phase::Verification
    } else if now < dates.voting_to {
        Phase::Voting
    } else if published {
        Phase::Results
    } else {
        Phase::Counting
    }
}

/// Whether a pool is for the whole gmina or one area (osiedle, sołectwo;
/// art. 5a ust. 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    GminaWide,
    Area,
}

/// A pool of money voted on separately (the whole gmina's, or an area's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pool {
    pub id: i64,
    pub kind: PoolKind,
    pub name: String,
    /// Whole złoty (`% 100 == 0`), positive.
    pub amount_grosze: Grosze,
    /// Localities (ids of the gmina's `localities`) of an area pool; empty
    /// for the gmina-wide pool.
    #[serde(default)]
    pub localities: Vec<i64>,
    /// Residents of the pool's area, for the signature cap.
    pub residents: u32,
    /// Support signatures a project needs to go on the ballot: at most
    /// 0.1 % of `residents` (art. 5a ust. 7 pkt 1), [`max_signatures`].
    pub signatures_required: u32,
    pub counting: CountingRule,
}

/// The most signatures a resolution may require: 0.1 % of the area's
/// residents, rounded down (art. 5a ust. 7 pkt 1; an area under 1,000
/// residents requires none, as Płock counts per osiedle, R§3).
pub fn max_signatures(residents: u32) -> u32 {
    residents / 1000
}

/// A project as everyone sees it. Who proposed it is not here: the server
/// keeps the proposer (device, contact) private.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: i64,
    pub edition: i64,
    pub pool: i64,
    /// Its number on the ballot, once it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    pub title: String,
    pub description: String,
    /// Whole złoty (after verification: the officials' estimate).
    pub cost_grosze: Grosze,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ProjectLocation>,
    /// Photo URLs: paths on the gmina's server (`/api/v1/photos/{id}`, the
    /// content-addressed photos of `POST /api/v1/photos`).
    #[serde(default)]
    pub photos: Vec<String>,
    pub status: ProjectStatus,
    /// Why it was rejected (published: the decision is public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// Oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// Where a project is, WGS84: a point (a bench) or an area (a park).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProjectLocation {
    Point(GeoPoint),
    /// Rings of `[lon, lat]` (RFC 7946 order, as `geo::Polygon`).
    Area(Polygon),
}

/// A project's way from submission to the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Submitted,
    UnderVerification,
    Rejected,
    /// The proposer appealed against the rejection (art. 5a ust. 7 pkt 2).
    Appealed,
    OnBallot,
    /// Chosen for funding (at publication).
    Selected,
    NotSelected,
}

impl ProjectStatus {
    /// The only moves allowed: submitted → under verification → on the
    /// ballot or rejected; rejected → appealed (within `appeal_to`, which
    /// the caller checks with [`PhaseDates::may_appeal`]); appealed → on
    /// the ballot or rejected; on the ballot → selected or not, at
    /// publication. Nothing else, and never back.
    pub fn may_move(from: ProjectStatus, to: ProjectStatus) -> bool {
        use ProjectStatus::*;
        matches!(
            (from, to),
            (Submitted, UnderVerification)
                | (UnderVerification, OnBallot | Rejected)
                | (Rejected, Appealed)
                | (Appealed, OnBallot | Rejected)
                | (OnBallot, Selected | NotSelected)
        )
    }
}

/// One step of a project's history (published with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub status: ProjectStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How residents vote in each pool (R§2 input formats; per pool as CONSUL's
/// headings and Decidim's min–max projects, R§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VotingRule {
    /// Choose between `min` and `max` projects of a pool.
    Approval { min: u8, max: u8 },
    /// Give up to `points` points in a pool, 1 to `max_per_project` to each
    /// project chosen, to at least `min_projects` projects.
    Cumulative { points: u16, min_projects: u8, max_per_project: u16 },
    /// Choose any projects whose costs together fit in the pool.
    Knapsack,
}

impl VotingRule {
    /// The rule as a resident reads it above a pool.
    pub fn message(&self) -> Message {
        match *self {
            VotingRule::Approval { min, max } if min == max => Message::new(
                format!("Wybierz {max} {}.", projects_pl(u32::from(max))),
                format!("Choose {max} project{}.", plural_en(u32::from(max))),
            ),
            VotingRule::Approval { min, max } => Message::new(
                format!("Wybierz od {min} do {max} projektów."),
                format!("Choose from {min} to {max} projects."),
            ),
            VotingRule::Cumulative { points, min_projects, max_per_project } => Message::new(
                format!(
                    "Rozdziel do {points} punktów, najwyżej {max_per_project} na projekt, między co najmniej {min_projects} {}.",
                    if min_projects == 1 { "projekt" } else { "projekty" }
                ),
                format!(
                    "Give up to {points} points, at most {max_per_project} per project, to at least {min_projects} project{}.",
                    plural_en(u32::from(min_projects))
                ),
            ),
            VotingRule::Knapsack => Message::new(
                "Wybierz projekty, których łączny koszt mieści się w kwocie puli.",
                "Choose projects whose total cost fits in the pool's amount.",
            ),
        }
    }
}

/// "projekt", "projekty", "projektów" as Polish counts them.
pub(crate) fn projects_pl(n: u32) -> &'static str {
    if n == 1 {
        "projekt"
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        "projekty"
    } else {
        "projektów"
    }
}

pub(crate) fn plural_en(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How voters prove who they are (R§3 PESEL rulings: name and address
/// suffice; PESEL collection was annulled by voivodes and abused in
/// Ciechanów).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentityMode {
    /// Names and PESEL; the PESEL alone keys the one-vote register.
    Pesel,
    /// Names and the address (locality, street, house, flat).
    NameAddress,
}

/// A second ballot of the same person, across channels (R§3 "Paper +
/// online": the council's resolution decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// The first ballot counts, later ones are refused (Racibórz, Kielce).
    FirstCounts,
    /// Voting twice voids every ballot of that person (Warsaw, Jaworzno).
    VoidAll,
}

/// An edition's rules. All of it is public (no secret is a setting), so
/// the same type goes to residents as [`PublicSettings`]. Missing fields in
/// JSON take the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EditionSettings {
    /// The same rule in every pool.
    pub voting: VotingRule,
    /// In how many area pools one ballot may choose (default 1).
    pub area_pools_per_ballot: u8,
    pub identity: IdentityMode,
    /// A code by SMS before an online ballot counts.
    pub sms: bool,
    /// How many voters one phone number may confirm (Wrocław: 5, R§3).
    pub max_voters_per_phone: u8,
    /// The voter declares living in the gmina (art. 25 k.c.; no meldunek).
    pub declaration_of_residence: bool,
    pub duplicates: DuplicatePolicy,
    /// A voter may change an online ballot while voting is open.
    pub allow_change: bool,
    /// Applied in order; must end with `Lot` so the order is total (R§2).
    pub tie_break: Vec<TieKey>,
    /// Add1's step per voter per round: 1 zł (R§2, pabutools'
    /// `voter_budget_increment=1`).
    pub add1_increment_grosze: Grosze,
    /// Years after `voting_to` the register's keys are kept (RODO, category
    /// B5, R§3).
    pub retention_years: u8,
}

/// What residents see of the settings: all of them.
pub type PublicSettings = EditionSettings;

impl Default for EditionSettings {
    fn default() -> Self {
        EditionSettings {
            voting: VotingRule::Approval { min: 1, max: 3 },
            area_pools_per_ballot: 1,
            // Name and address by default: the PESEL is legally contested (R§3).
            identity: IdentityMode::NameAddress,
            sms: false,
            max_voters_per_phone: 5,
            declaration_of_residence: true,
            duplicates: DuplicatePolicy::FirstCounts,
            allow_change: false,
            tie_break: default_tie_break(),
            add1_increment_grosze: 100,
            retention_years: 5,
        }
    }
}

/// Lower cost, then more votes, then the lot drawn before counting.
pub fn default_tie_break() -> Vec<TieKey> {
    vec![TieKey::LowerCost, TieKey::MoreVotes, TieKey::Lot]
}

/// A setting an official cannot save, and why. `field` is the form's path
/// (`voting.max`, `pools[2].signatures_required`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason:?}")]
pub struct SettingsError {
    pub field: String,
    pub reason: SettingsReason,
}

impl SettingsError {
    pub fn new(field: impl Into<String>, reason: SettingsReason) -> Self {
        SettingsError { field: field.into(), reason }
    }

    pub fn message(&self) -> Message {
        self.reason.message()
    }
}

/// Why a setting is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsReason {
    /// The minimum exceeds the maximum.
    MinAboveMax,
    /// Must be at least 1.
    Zero,
    /// Must be positive.
    NotPositive,
    /// Money must be whole złoty.
    NotWholeZloty,
    /// More signatures than 0.1 % of the residents (art. 5a ust. 7 pkt 1).
    SignaturesAboveLimit { limit: u32 },
    /// The Method of Equal Shares counts approvals: not cumulative points.
    EqualSharesNeedsApproval,
    /// The tie-break order must end with the lot (and name it once).
    TieBreakWithoutLot,
    /// A tie-break key listed twice.
    TieBreakRepeated,
    /// The phases' dates are not in order.
    DatesOutOfOrder,
    /// Two pools with the same id.
    DuplicatePool,
    /// An area pool names no locality.
    NoLocalities,
    /// No pool at all.
    NoPools,
}

impl SettingsReason {
    pub fn message(self) -> Message {
        use SettingsReason::*;
        match self {
            MinAboveMax => Message::new("Minimum nie może być większe od maksimum.", "The minimum cannot exceed the maximum."),
            Zero => Message::new("Wartość musi wynosić co najmniej 1.", "The value must be at least 1."),
            NotPositive => Message::new("Kwota musi być dodatnia.", "The amount must be positive."),
            NotWholeZloty => Message::new("Kwota musi być w pełnych złotych (bez groszy).", "The amount must be whole złoty (no grosze)."),
            SignaturesAboveLimit { limit } => Message::new(
                format!("Liczba podpisów poparcia nie może przekraczać 0,1% mieszkańców obszaru ({limit}; art. 5a ust. 7 pkt 1 ustawy o samorządzie gminnym)."),
                format!("Support signatures may not exceed 0.1% of the area's residents ({limit}; art. 5a(7)(1) of the Act on gmina self-government)."),
            ),
            EqualSharesNeedsApproval => Message::new(
                "Metoda równych udziałów działa tylko z głosowaniem na projekty (bez punktów).",
                "The Method of Equal Shares works only with approval or knapsack ballots (no points).",
            ),
            TieBreakWithoutLot => Message::new(
                "Kolejność rozstrzygania remisów musi kończyć się losowaniem.",
                "The tie-break order must end with the lot.",
            ),
            TieBreakRepeated => Message::new(
                "Każde kryterium rozstrzygania remisów można podać tylko raz.",
                "Each tie-break key may be listed only once.",
            ),
            DatesOutOfOrder => Message::new(
                "Daty etapów są w złej kolejności (zgłaszanie, weryfikacja, odwołania, głosowanie).",
                "The phases' dates are out of order (submission, verification, appeals, voting).",
            ),
            DuplicatePool => Message::new("Dwie pule mają ten sam identyfikator.", "Two pools have the same id."),
            NoLocalities => Message::new("Pula obszarowa musi obejmować co najmniej jedną miejscowość.", "An area pool must cover at least one locality."),
            NoPools => Message::new("Edycja musi mieć co najmniej jedną pulę.", "An edition needs at least one pool."),
        }
    }
}

/// Checks what an official sets for an edition and its pools (the back
/// office refuses to save otherwise).
pub fn validate_settings(s: &EditionSettings, pools: &[Pool]) -> Result<(), SettingsError> {
    let err = |field: &str, reason| Err(SettingsError::new(field, reason));
    match s.voting {
        VotingRule::Approval { min, max } => {
            if max < 1 {
                return err("voting.max", SettingsReason::Zero);
            }
            if min > max {
                return err("voting.min", SettingsReason::MinAboveMax);
            }
        }
        VotingRule::Cumulative { points, min_projects, max_per_project } => {
            if points < 1 {
                return err("voting.points", SettingsReason::Zero);
            }
            if max_per_project < 1 {
                return err("voting.max_per_project", SettingsReason::Zero);
            }
            if max_per_project > points {
                return err("voting.max_per_project", SettingsReason::MinAboveMax);
            }
            // Each chosen project takes at least one point.
            if u16::from(min_projects) > points {
                return err("voting.min_projects", SettingsReason::MinAboveMax);
            }
        }
        VotingRule::Knapsack => {}
    }
    if s.area_pools_per_ballot < 1 && pools.iter().any(|p| p.kind == PoolKind::Area) {
        return err("area_pools_per_ballot", SettingsReason::Zero);
    }
    if s.sms && s.max_voters_per_phone < 1 {
        return err("max_voters_per_phone", SettingsReason::Zero);
    }
    if s.tie_break.last() != Some(&TieKey::Lot) {
        return err("tie_break", SettingsReason::TieBreakWithoutLot);
    }
    for (i, k) in s.tie_break.iter().enumerate() {
        if s.tie_break[..i].contains(k) {
            return err("tie_break", SettingsReason::TieBreakRepeated);
        }
    }
    validate_amount("add1_increment_grosze", s.add1_increment_grosze)?;
    if s.retention_years < 1 {
        return err("retention_years", SettingsReason::Zero);
    }
    if pools.is_empty() {
        return err("pools", SettingsReason::NoPools);
    }
    for (i, p) in pools.iter().enumerate() {
        let field = |name: &str| format!("pools[{i}].{name}");
        if pools[..i].iter().any(|q| q.id == p.id) {
            return Err(SettingsError::new(field("id"), SettingsReason::DuplicatePool));
        }
        validate_amount(&field("amount_grosze"), p.amount_grosze)?;
        let limit = max_signatures(p.residents);
        if p.signatures_required > limit {
            return Err(SettingsError::new(field("signatures_required"), SettingsReason::SignaturesAboveLimit { limit }));
        }
        if p.kind == PoolKind::Area && p.localities.is_empty() {
            return Err(SettingsError::new(field("localities"), SettingsReason::NoLocalities));
        }
        if matches!(p.counting, CountingRule::EqualSharesAdd1 { .. })
            && matches!(s.voting, VotingRule::Cumulative { .. })
        {
            return Err(SettingsError::new(field("counting"), SettingsReason::EqualSharesNeedsApproval));
        }
    }
    Ok(())
}

/// A pool's amount, a project's cost or Add1's step: positive, whole złoty.
pub fn validate_amount(field: &str, grosze: Grosze) -> Result<(), SettingsError> {
    if grosze <= 0 {
        return Err(SettingsError::new(field, SettingsReason::NotPositive));
    }
    if grosze % 100 != 0 {
        return Err(SettingsError::new(field, SettingsReason::NotWholeZloty));
    }
    Ok(())
}

/// `POST /budget/editions/{id}/ballots` (and a paper card as an official
/// types it in).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BallotInput {
    pub identity: IdentityInput,
    /// Required when the edition's `sms` is on (online only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsProof>,
    /// The voter declares living in the gmina.
    #[serde(default)]
    pub residence_declared: bool,
    /// One entry per pool voted in; a pool with no choice is skipped.
    pub pools: Vec<PoolChoice>,
}

impl fmt::Debug for BallotInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BallotInput")
            .field("identity", &self.identity)
            .field("sms", &self.sms)
            .field("residence_declared", &self.residence_declared)
            .field("pools", &self.pools)
            .finish()
    }
}

/// Who votes, as typed. Names are required in both modes (checked, never
/// stored); `pesel` in PESEL mode, `address` in name-and-address mode;
/// `phone` when the edition sends SMS codes.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityInput {
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pesel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl fmt::Debug for IdentityInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityInput")
            .field("first_name", &Redacted)
            .field("last_name", &Redacted)
            .field("pesel", &self.pesel.as_ref().map(|_| Redacted))
            .field("address", &self.address)
            .field("phone", &self.phone.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// Where a voter lives (name-and-address mode).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// A locality of the gmina (its id in `localities`).
    pub locality: i64,
    /// Empty in a village without street names.
    #[serde(default)]
    pub street: String,
    pub house: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat: Option<String>,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("locality", &Redacted)
            .field("street", &Redacted)
            .field("house", &Redacted)
            .field("flat", &self.flat.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// The SMS code the voter received (`POST …/sms-codes` answered the
/// request id).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsProof {
    pub request_id: String,
    pub code: String,
}

impl fmt::Debug for SmsProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsProof").field("request_id", &self.request_id).field("code", &Redacted).finish()
    }
}

/// What `Debug` prints for a personal field.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The choices in one pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolChoice {
    pub pool: i64,
    pub projects: Vec<Choice>,
}

/// One project chosen; `points` only under the cumulative rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    pub project: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u16>,
}

/// How a ballot came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BallotChannel {
    Online,
    /// A paper card typed in by an official.
    Paper,
}

/// The answer to a counted ballot. `receipt_code` lets its holder see and
/// (when the edition allows) change the ballot, so `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BallotReceipt {
    pub ballot_id: i64,
    pub receipt_code: String,
    pub cast_at: DateTime<Utc>,
    pub channel: BallotChannel,
    /// The choices as counted (normalised: sorted, empty pools left out).
    pub pools: Vec<PoolChoice>,
}

impl fmt::Debug for BallotReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BallotReceipt")
            .field("ballot_id", &self.ballot_id)
            .field("receipt_code", &Redacted)
            .field("cast_at", &self.cast_at)
            .field("channel", &self.channel)
            .field("pools", &self.pools)
            .finish()
    }
}

/// One pool's published result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolResult {
    pub edition: i64,
    pub pool: i64,
    pub rule: CountingRule,
    pub counted_at: DateTime<Utc>,
    /// Ballots with at least one choice in this pool.
    pub ballots: u32,
    pub budget_grosze: Grosze,
    pub spent_grosze: Grosze,
    /// Every project on the pool's ballot.
    pub projects: Vec<ProjectResult>,
    /// The count explained step by step, one sentence each in Polish and
    /// English (`count::trace::describe` of each step).
    #[serde(default)]
    pub trace: Vec<Message>,
}

/// One project's votes and whether it was selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectResult {
    pub project: i64,
    /// Ballots that chose it.
    pub votes: u32,
    /// Points given to it (cumulative rule; equal to `votes` otherwise).
    pub points: u32,
    pub cost_grosze: Grosze,
    pub selected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polish_plurals() {
        assert_eq!(projects_pl(1), "projekt");
        assert_eq!(projects_pl(3), "projekty");
        assert_eq!(projects_pl(5), "projektów");
        assert_eq!(projects_pl(12), "projektów");
        assert_eq!(projects_pl(22), "projekty");
    }

    #[test]
    fn settings_take_their_defaults_from_partial_json() {
        let s: EditionSettings = serde_json::from_str(r#"{"voting":{"kind":"knapsack"}}"#).unwrap();
        assert_eq!(s.voting, VotingRule::Knapsack);
        assert_eq!(s.max_voters_per_phone, 5);
        assert_eq!(s.tie_break, default_tie_break());
        let json = serde_json::to_value(EditionSettings::default()).unwrap();
        assert_eq!(json["voting"], serde_json::json!({"kind": "approval", "min": 1, "max": 3}));
        assert_eq!(json["identity"], "name_address");
    }

    #[test]
    fn a_location_is_tagged() {
        let p = ProjectLocation::Point(GeoPoint { lat: 51.03, lon: 17.13 });
        assert_eq!(serde_json::to_value(&p).unwrap(), serde_json::json!({"type": "point", "lat": 51.03, "lon": 17.13}));
        let a: ProjectLocation = serde_json::from_str(r#"{"type":"area","rings":[[[17.0,51.0],[17.1,51.0],[17.1,51.1],[17.0,51.0]]]}"#).unwrap();
        assert!(matches!(a, ProjectLocation::Area(_)));
    }
}
