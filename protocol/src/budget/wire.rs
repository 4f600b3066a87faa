//! The budget's HTTP contract (`docs/plans/issue-15.md` §2.3): the request
//! and answer bodies of `/api/v1/budget/...` that [`super::model`] does not
//! already define. The core and the server both compile this file, so the
//! routes cannot drift from the app. Each type names the route that uses it.
//!
//! Bodies that carry a voter's identity or a proposer's contact print `***`
//! in `Debug` (the model's `Redacted`): they must never reach a log line.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{
    BallotReceipt, Edition, IdentityInput, PoolChoice, PoolResult, ProjectLocation, ProjectStatus, Redacted, SmsProof,
};
use crate::taxes::Grosze;

/// `GET /api/v1/budget/editions` (public): every edition of the gmina,
/// newest first, each with its `id`, its `phase` as of the answer, its
/// dates, settings and `pools` (each with its `id`, name, kind and amount).
pub type EditionsResponse = Vec<Edition>;

/// `GET /api/v1/budget/editions/{id}/projects?pool=&status=` (public): the
/// query. The answer is `Vec<Project>` (`model::Project`), by pool and then
/// ballot number (or id before numbers are drawn).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectsQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
}

/// `POST /api/v1/budget/editions/{id}/sms-codes` (device token,
/// `Idempotency-Key`): send a one-time code to `phone` for the voter
/// `identity` (checked as for a ballot: `invalid_identity`, `phone_limit`,
/// `sms_locked`, `sms_unavailable`). Answer: 202 [`SmsCodeIssued`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsCodeRequest {
    pub identity: IdentityInput,
    /// A Polish mobile number (`+48` and 9 digits; `0048`, `48`, spaces and
    /// dashes accepted: `identity::normalise_phone`).
    pub phone: String,
}

impl fmt::Debug for SmsCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsCodeRequest").field("identity", &self.identity).field("phone", &Redacted).finish()
    }
}

/// The 202 answer of `POST /api/v1/budget/editions/{id}/sms-codes`: the
/// ballot (or signature) then carries `SmsProof { request_id, code }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsCodeIssued {
    pub request_id: String,
    /// The code is refused after this instant (10 minutes after sending).
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/budget/editions/{id}/projects` (device token,
/// `Idempotency-Key`, submission phase only: else `phase_closed`): a
/// resident's proposal. Answer: 201 `model::Project` (status `submitted`).
/// The contact stays on the server (officials' verification only); it is
/// never published.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProject {
    pub pool: i64,
    pub title: String,
    pub description: String,
    /// The proposer's estimate, whole złoty in grosze (the office verifies
    /// it and may set its own).
    pub cost_grosze: Grosze,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ProjectLocation>,
    /// Photo ids from `POST /api/v1/photos` (cleaned as reports' photos).
    #[serde(default)]
    pub photos: Vec<String>,
    pub contact: ProposerContact,
}

impl fmt::Debug for NewProject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewProject")
            .field("pool", &self.pool)
            .field("title", &self.title)
            .field("cost_grosze", &self.cost_grosze)
            .field("category", &self.category)
            .field("photos", &self.photos.len())
            .field("contact", &self.contact)
            .finish_non_exhaustive()
    }
}

/// How the office reaches a proposer (`NewProject.contact`): private.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposerContact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl fmt::Debug for ProposerContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProposerContact")
            .field("name", &Redacted)
            .field("email", &self.email.as_ref().map(|_| Redacted))
            .field("phone", &self.phone.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// `POST /api/v1/budget/projects/{id}/signatures` (device token,
/// `Idempotency-Key`): a resident supports a submitted project (the list of
/// signatures, art. 5a ust. 7 pkt 1 u.s.g.). The identity is checked as for
/// a ballot and kept only as a key; the same signer twice is 409. Answer:
/// 201 [`SignatureReceipt`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureInput {
    pub identity: IdentityInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsProof>,
    #[serde(default)]
    pub residence_declared: bool,
}

impl fmt::Debug for SignatureInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureInput")
            .field("identity", &self.identity)
            .field("sms", &self.sms)
            .field("residence_declared", &self.residence_declared)
            .finish()
    }
}

/// The 201 answer of `POST /api/v1/budget/projects/{id}/signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureReceipt {
    pub project: i64,
    pub signed_at: DateTime<Utc>,
    /// Signatures the project has now, and how many its pool requires.
    pub signatures: u32,
    pub required: u32,
}

/// `POST /api/v1/budget/projects/{id}/appeal` (the proposer's device token,
/// `Idempotency-Key`, until `dates.appeal_to`): an appeal against a
/// rejection (R§3 ust. 7 pkt 2). Answer: 200 `model::Project` (`appealed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealInput {
    pub text: String,
}

/// `GET /api/v1/budget/editions/{id}/ballot[?receipt=]` (device token, or
/// the receipt code): the ballot this device (or receipt) cast, and whether
/// it may still be changed (`settings.allow_change` and voting open).
/// 404 `not_found` when there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyBallot {
    pub edition: i64,
    pub receipt: BallotReceipt,
    pub may_change: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/budget/editions/{id}/ballot` (device token or receipt code,
/// `Idempotency-Key`): new choices for a ballot already cast, while
/// [`MyBallot::may_change`]. Checked by `rules::check_ballot` as a new one
/// (`ballot_rule`); answer: 200 [`MyBallot`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BallotChange {
    pub pools: Vec<PoolChoice>,
    /// From another device than the one that cast it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
}

impl fmt::Debug for BallotChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BallotChange")
            .field("pools", &self.pools)
            .field("receipt_code", &self.receipt_code.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// `PUT /api/v1/budget/editions/{id}/ballot`'s body: the [`BallotChange`]
/// and the voter's identity again. The register changes a ballot only for
/// the same voter key (a receipt code alone, shown over a shoulder, must
/// not let another person change the vote). Answer: 200 [`MyBallot`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BallotChangeRequest {
    #[serde(flatten)]
    pub change: BallotChange,
    pub identity: IdentityInput,
}

impl fmt::Debug for BallotChangeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BallotChangeRequest").field("change", &self.change).field("identity", &self.identity).finish()
    }
}

/// `GET /api/v1/budget/editions/{id}/results` (public; 404
/// `results_not_published` before publication): every pool's count.
/// `results.json` is this body too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditionResults {
    pub edition: i64,
    pub published_at: DateTime<Utc>,
    /// One per pool, by pool id.
    pub pools: Vec<PoolResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::model::Address;

    fn identity() -> IdentityInput {
        IdentityInput {
            first_name: "Jan".into(),
            last_name: "Kowalski".into(),
            pesel: Some("44051401359".into()),
            address: Some(Address { locality: 7, street: "Polna".into(), house: "1".into(), flat: None }),
            phone: Some("+48600100200".into()),
        }
    }

    #[test]
    fn personal_fields_print_stars() {
        let sms = SmsCodeRequest { identity: identity(), phone: "600100200".into() };
        let sig = SignatureInput {
            identity: identity(),
            sms: Some(SmsProof { request_id: "r1".into(), code: "123456".into() }),
            residence_declared: true,
        };
        let project = NewProject {
            pool: 1,
            title: "Ławki".into(),
            description: "d".into(),
            cost_grosze: 100_000,
            category: None,
            location: None,
            photos: vec![],
            contact: ProposerContact {
                name: "Anna Nowak".into(),
                email: Some("anna@example.pl".into()),
                phone: Some("600300400".into()),
            },
        };
        let change = BallotChange { pools: vec![], receipt_code: Some("ABCDEFGHJK".into()) };
        let request = BallotChangeRequest { change: change.clone(), identity: identity() };
        for text in
            [format!("{sms:?}"), format!("{sig:?}"), format!("{project:?}"), format!("{change:?}"), format!("{request:?}")]
        {
            for secret in
                ["44051401359", "Kowalski", "Polna", "600100200", "123456", "Anna", "anna@", "600300400", "ABCDEFGHJK"]
            {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }

    #[test]
    fn bodies_are_snake_case_and_round_trip() {
        let issued: SmsCodeIssued =
            serde_json::from_str(r#"{"request_id":"r1","expires_at":"2026-05-01T10:10:00Z"}"#).unwrap();
        assert_eq!(issued.request_id, "r1");
        let req = SmsCodeRequest { identity: identity(), phone: "600100200".into() };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["identity"]["first_name"], "Jan");
        assert_eq!(serde_json::from_value::<SmsCodeRequest>(v).unwrap(), req);
        let q: ProjectsQuery = serde_json::from_str(r#"{"pool":3,"status":"on_ballot"}"#).unwrap();
        assert_eq!(q, ProjectsQuery { pool: Some(3), status: Some(ProjectStatus::OnBallot) });
        let appeal: AppealInput = serde_json::from_str(r#"{"text":"Proszę"}"#).unwrap();
        assert_eq!(appeal.text, "Proszę");
        let sig: SignatureInput = serde_json::from_str(r#"{"identity":{"first_name":"A","last_name":"B"}}"#).unwrap();
        assert!(sig.sms.is_none() && !sig.residence_declared);
        // The change is flat on the wire: `pools`, `receipt_code`, `identity`.
        let request = BallotChangeRequest {
            change: BallotChange { pools: vec![], receipt_code: Some("R".into()) },
            identity: identity(),
        };
        let v = serde_json::to_value(&request).unwrap();
        assert_eq!(v["receipt_code"], "R");
        assert_eq!(v["identity"]["last_name"], "Kowalski");
        assert!(v.get("change").is_none(), "{v}");
        assert_eq!(serde_json::from_value::<BallotChangeRequest>(v).unwrap(), request);
    }
}
