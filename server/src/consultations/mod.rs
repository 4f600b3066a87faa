//! Consultations (surveys) of residents (issue 15, docs/plans/issue-15.md
//! §4): the resident's API in [`routes`]; who a respondent is in
//! [`respondent`]; the rules are the protocol's
//! (`mm_protocol::consultations`), the persistence `store::consultations`.

pub mod respondent;
pub mod routes;
