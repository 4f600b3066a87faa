//! The budget tests' shared fixture (`tests.rs`, `writes_tests.rs`): a core
//! on a real store file talking to a loopback `FakeServer`, with the
//! editions and projects a test describes fetched into the store, and the
//! voter and phase dates both use.

use chrono::{DateTime, Duration, Utc};
use mm_protocol::budget::model::{Edition, IdentityInput, PhaseDates, Project};

use crate::testing::*;
use crate::Core;

/// A valid PESEL (checksum and date), fictional.
pub const PESEL: &str = "44051401359";

/// An edition's phases around its voting: submission 90–60 days before,
/// verification to 20 and appeals to 10 days before, voting for 14 days.
pub fn dates(voting_from: DateTime<Utc>) -> PhaseDates {
    PhaseDates {
        submission_from: voting_from - Duration::days(90),
        submission_to: voting_from - Duration::days(60),
        verification_to: voting_from - Duration::days(20),
        appeal_to: voting_from - Duration::days(10),
        voting_from,
        voting_to: voting_from + Duration::days(14),
    }
}

pub fn voter() -> IdentityInput {
    IdentityInput {
        first_name: "Jan".into(),
        last_name: "Kowalski".into(),
        pesel: Some(PESEL.into()),
        address: None,
        phone: None,
    }
}

/// Queues the answers of a refresh: the registration, `editions`, then
/// each edition's `projects_of`, in order.
pub fn refresh_replies(server: &FakeServer, editions: &[Edition], projects_of: impl Fn(i64) -> Vec<Project>) {
    server
        .reply(registered())
        .reply(Reply::Json(200, serde_json::to_value(editions).unwrap()));
    for e in editions {
        server.reply(Reply::Json(200, serde_json::to_value(projects_of(e.id)).unwrap()));
    }
}

/// A core on a store in `dir` that has fetched `editions` and their
/// projects from `server`.
pub async fn fetched(
    dir: &tempfile::TempDir,
    server: &FakeServer,
    editions: &[Edition],
    projects_of: impl Fn(i64) -> Vec<Project>,
) -> Core {
    refresh_replies(server, editions, projects_of);
    let core = Core::open(config(dir, &server.url)).unwrap();
    core.budget().refresh().await.unwrap();
    core
}
