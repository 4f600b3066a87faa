//! The participatory budget (budżet obywatelski, issue 15,
//! docs/plans/issue-15.md): [`identity`] turns a voter's normalised
//! identity into the keys the one-vote register holds (never the identity
//! itself); the store is `store::ballots` and `store::budget`.

pub mod casting;
pub mod count;
pub mod identity;
pub mod page;
pub mod results;
pub mod routes;
