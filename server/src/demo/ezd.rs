//! The demo's stand-in for the town hall's EZD. The demo reports go
//! through the real bridge (`ezd::bridge`: the outbox, registration, case
//! opening) into this adapter, which answers as an EZD RP would: an RPW
//! number for each registration and a case reference (znak sprawy,
//! `DEPT.JRWA.N.YEAR`) for each accepted report. So they get their case
//! references by the same path as real reports, and none of them ever
//! reaches the EZD the server is configured with. One report is refused,
//! to show a dead letter.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::ezd::model::{CaseRequest, CaseState, Ezd, EzdError, OpenedCase, Registered, Registration};

pub struct DemoEzd {
    /// Report id -> the symbol of the department its case goes to.
    pub symbols: HashMap<i64, &'static str>,
    /// The report whose registration the EZD refuses.
    pub refuse: Option<i64>,
    /// Numbers given so far: (RPW, cases).
    counters: Mutex<(u32, u32)>,
}

impl DemoEzd {
    pub fn new(symbols: HashMap<i64, &'static str>, refuse: Option<i64>) -> DemoEzd {
        DemoEzd { symbols, refuse, counters: Mutex::new((0, 0)) }
    }

    fn next(&self, case: bool) -> u32 {
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let n = if case { &mut c.1 } else { &mut c.0 };
        *n += 1;
        *n
    }
}

#[async_trait]
impl Ezd for DemoEzd {
    async fn register(&self, reg: &Registration) -> Result<Registered, EzdError> {
        if self.refuse == Some(reg.report.id) {
            return Err(EzdError::Rejected(
                "EZD RP 422: metadane przesyłki niekompletne (brak adresu nadawcy) / incomplete metadata".into(),
            ));
        }
        let year = reg.received_at.format("%Y");
        Ok(Registered { rpw_number: format!("RPW/{}/{year}", 100 + self.next(false)), document_id: Some(format!("demo-doc-{}", reg.report.id)) })
    }

    async fn open_case(&self, case: &CaseRequest) -> Result<OpenedCase, EzdError> {
        let symbol = self.symbols.get(&case.report_id).copied().unwrap_or("OR");
        Ok(OpenedCase {
            case_id: format!("demo-case-{}", case.report_id),
            case_reference: Some(format!("{symbol}.{}.{}.{}", case.jrwa, 10 + self.next(true), case.year)),
        })
    }

    async fn case_state(&self, _case_id: &str) -> Result<Option<CaseState>, EzdError> {
        Ok(None)
    }

    fn polls(&self) -> bool {
        false
    }
}
