//! The participatory budget (budżet obywatelski, art. 5a ust. 3–7 of the act
//! on gmina self-government): editions and their settings, the ballot's
//! rules, voters' identities, counting (greedy, the Method of Equal Shares
//! with Add1) and the Pabulib export. Pure rules; the server and the core
//! both run them. See `../shared/reference/BUDGET-CONSULTATIONS.md` and
//! `docs/plans/issue-15.md`.

pub mod model;
pub mod rules;
pub mod identity;
pub mod count;
pub mod pabulib;
pub mod wire;
