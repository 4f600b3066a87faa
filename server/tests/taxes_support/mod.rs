//! What the taxes API's and payments' tests share: two gminas (Siechnice
//! and Czernica) with taxpayers, liabilities and activation codes imported
//! through the store as an adapter would, devices, and the log lines a
//! test wrote (to look for personal data in them).
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use chrono::{Duration, NaiveDate, Utc};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::checksums::nrb_check_digits;
use mm_protocol::taxes::{LiabilityKind, LiabilityRecord, Taxpayer};
use mm_server::gmina::setup::{self, NewGmina};
use mm_server::store::taxes::{ImportedTaxpayer, TaxBatch};
use mm_server::store::{Actor, Store};
use mm_server::taxes::codes::{hash_code, new_code};
use serde_json::{Value, json};

use crate::common::{Resp, TestApp};

pub const A: &str = "0223083";
pub const B: &str = "0223032";
/// A valid NIP (weights 6,5,7,2,3,4,5,6,7: the sum mod 11 is the last digit).
pub const NIP: &str = "8961059613";

/// Figures and names whose appearance in a log line is a leak. The
/// taxpayer ids look like PESELs, as some tax systems' references are.
pub const TP_A1: &str = "44051401359";
pub const TP_A2: &str = "02270803628";
pub const TP_B1: &str = "85121207419";
pub const NAME_A1: &str = "Zofia Wężykowska";
pub const NAME_A2: &str = "Bartłomiej Żurawski";
pub const NAME_B1: &str = "Kazimierz Czernicki";
/// 98 765,43 zł, due 15 March 2025: overdue, with interest.
pub const AMOUNT_A1: i64 = 9_876_543;
pub const AMOUNT_A2: i64 = 4_321_987;
pub const AMOUNT_B1: i64 = 7_654_329;

/// A 26-digit NRB that checks (mod 97), at PKO BP's sort code.
pub fn account(n: u32) -> String {
    let bban = format!("10201026{n:016}");
    format!("{}{bban}", nrb_check_digits(&bban).unwrap())
}

pub fn liability(id: &str, taxpayer: &str, amount: i64, due: NaiveDate) -> LiabilityRecord {
    LiabilityRecord {
        id: id.into(),
        taxpayer: taxpayer.into(),
        kind: LiabilityKind::Property,
        year: 2025,
        instalment: 1,
        decision: format!("FN.3120.{id}"),
        due_date: due,
        amount_grosze: amount,
        account: account(id.bytes().map(u32::from).sum()),
        payments: vec![],
    }
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The world of a test: both gminas, their taxpayers and codes.
pub struct World {
    pub t: TestApp,
    /// Activation codes (normalised): A1's, A2's, B1's.
    pub code_a1: String,
    pub code_a2: String,
    pub code_b1: String,
}

async fn add_gmina(t: &TestApp, teryt: &str, name: &str) {
    setup::add(
        t.store.as_ref(),
        NewGmina {
            teryt: teryt.into(),
            name: name.into(),
            powiat: "wrocławski".into(),
            voivodeship: "dolnośląskie".into(),
            boundary: None,
            admin_login: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let teryt = Teryt::parse(teryt).unwrap();
    let mut g = t.store.gmina_record(&teryt).await.unwrap().unwrap();
    g.settings.tax_recipient_name = Some(format!("Gmina {name}"));
    g.settings.tax_recipient_nip = Some(NIP.into());
    t.store.update_gmina(Actor("test".into()), g, Utc::now()).await.unwrap();
    t.state.gminas.invalidate();
}

async fn import(store: &Arc<dyn Store>, taxpayers: Vec<(&str, &str, String)>, liabilities: Vec<LiabilityRecord>) {
    let gmina = store.gmina_scope().clone();
    let batch = TaxBatch {
        taxpayers: taxpayers
            .into_iter()
            .map(|(id, name, code)| ImportedTaxpayer {
                taxpayer: Taxpayer { id: id.into(), name: name.into() },
                code_hash: Some(hash_code(&gmina, &code)),
                code_expires_at: Some(Utc::now() + Duration::days(90)),
            })
            .collect(),
        liabilities,
        booked_references: vec![],
    };
    let run = store.import_taxes(Actor("test".into()), "file:test.json", batch, vec![], false, Utc::now()).await.unwrap();
    assert!(!run.refused && run.errors.is_empty(), "{run:?}");
}

impl World {
    pub async fn new() -> World {
        Self::on(TestApp::new().await).await
    }

    pub async fn on(t: TestApp) -> World {
        add_gmina(&t, A, "Siechnice").await;
        add_gmina(&t, B, "Czernica").await;
        let (code_a1, code_a2, code_b1) = (new_code(), new_code(), new_code());
        let a = t.store.for_gmina(&Teryt::parse(A).unwrap());
        let b = t.store.for_gmina(&Teryt::parse(B).unwrap());
        import(
            &a,
            vec![(TP_A1, NAME_A1, code_a1.clone()), (TP_A2, NAME_A2, code_a2.clone())],
            vec![
                liability("L-A1-1", TP_A1, AMOUNT_A1, d(2025, 3, 15)),
                liability("L-A1-2", TP_A1, 50_000, d(2030, 5, 15)),
                liability("L-A2-1", TP_A2, AMOUNT_A2, d(2025, 3, 15)),
            ],
        )
        .await;
        import(&b, vec![(TP_B1, NAME_B1, code_b1.clone())], vec![liability("L-B1-1", TP_B1, AMOUNT_B1, d(2025, 3, 15))]).await;
        World { t, code_a1, code_a2, code_b1 }
    }

    /// A request in `gmina` (`MM-Gmina`), with a device token, a JSON body
    /// and an idempotency key when given.
    pub async fn call(
        &self,
        gmina: Option<&str>,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(g) = gmina {
            b = b.header("MM-Gmina", g);
        }
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(k) = key {
            b = b.header("idempotency-key", k);
        }
        let req = match body {
            Some(v) => b.header("content-type", "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.t.send(req).await
    }

    /// A device of `gmina`; its token.
    pub async fn device(&self, gmina: &str) -> String {
        let r = self
            .call(Some(gmina), "POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"})), None)
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// A device of `gmina` linked with `code`.
    pub async fn linked(&self, gmina: &str, code: &str) -> String {
        let token = self.device(gmina).await;
        let r = self.call(None, "POST", "/api/v1/taxes/link", Some(&token), Some(json!({"code": code})), None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        token
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.call(None, "GET", uri, Some(token), None, None).await
    }
}

pub use crate::common::logs::Logs;
