//! Budget fixtures the API suites share.

use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{Pool, PoolKind};

/// A gmina-wide pool of 1,000,000 zł for 9,000 residents, no signatures
/// required, counted greedily from one vote (`upsert_pool` gives its id).
pub fn gmina_wide_pool(name: &str) -> Pool {
    Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: name.into(),
        amount_grosze: 100_000_000,
        localities: vec![],
        residents: 9000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    }
}
