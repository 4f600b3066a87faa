//! The adapter for EZD RP Integrator API v2 (NASK). Paths, bodies and
//! answers follow `ezdrp-integrator-api-v2.json`; every path begins with
//! `/ezdrp/integrator/v2`.
//!
//! Authentication: a token from the SSO's `/connect/token` with
//! `grant_type=api_credentials`, `client_id = "api_" + base64(sha256(host))`,
//! `scope=api.ezdrp.gov.pl`, the institution `pid`, the API key id `aki`, a
//! timestamp `rt` and `akh = base64(sha256(rt + apiKey))`; then every call
//! carries `Authorization: Bearer …` and `SID` (the technical user's post).
//!
//! A registration (idempotent by our reference, which is the document's
//! file name and so the RPW entry's title):
//! 1. `POST /rpw/_search` for the reference: found, resume from step 4;
//! 2. `POST /obiegi/{idObieg}/dokumenty` uploads the report document;
//! 3. `POST /dokumenty/{id}/rpw` registers it: `RPW/{n}/{yyyy}`;
//! 4. `PUT /rpw/{n}/{yyyy}/metadane` (a PUT: repeatable);
//! 5. `POST /rpw/{n}/{yyyy}/zalaczniki` for each photo the entry lacks.
//!
//! A case: `POST /sprawy/_search` by the reference in the title, else
//! `POST /sprawy` under the JRWA class; then the document goes into the
//! case (`POST /sprawy/{id}/dokumenty`) unless it is there already.
//! Its state: `GET /sprawy/{id}` (`statusEnum`: 3 suspended, 4 closed,
//! 5 resumed).

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::model::{Attachment, CaseRequest, CaseState, Ezd, EzdError, OpenedCase, Registered, Registration};

pub const PREFIX: &str = "/ezdrp/integrator/v2";

/// `--ezd-credentials FILE`: JSON with these fields.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    /// The institution's id (`pid`).
    pub pid: String,
    /// The API key's id (`aki`).
    pub aki: String,
    pub api_key: String,
    /// The technical user's post (`SID` header).
    pub sid: String,
    /// The workflow (obieg) whose task receives uploaded documents.
    pub obieg_id: String,
    /// The SSO's base URL; the API's when absent.
    #[serde(default)]
    pub sso_url: Option<String>,
}

impl Credentials {
    pub fn load(path: &Path) -> anyhow::Result<Credentials> {
        let text = std::fs::read_to_string(path)?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// `client_id = "api_" + base64(sha256(host))`.
pub fn client_id(host: &str) -> String {
    format!("api_{}", B64.encode(Sha256::digest(host.as_bytes())))
}

/// `akh = base64(sha256(rt + apiKey))`.
pub fn akh(rt: &str, api_key: &str) -> String {
    B64.encode(Sha256::digest(format!("{rt}{api_key}").as_bytes()))
}

struct Token {
    value: String,
    until: std::time::Instant,
}

pub struct RpApi {
    base: String,
    host: String,
    creds: Credentials,
    http: reqwest::Client,
    token: Mutex<Option<Token>>,
}

fn temporary(e: impl std::fmt::Display) -> EzdError {
    EzdError::Temporary(e.to_string())
}

impl RpApi {
    pub fn new(url: &str, creds: Credentials, timeout: Duration) -> anyhow::Result<RpApi> {
        let parsed = reqwest::Url::parse(url)?;
        let host = parsed.host_str().ok_or_else(|| anyhow::anyhow!("no host in {url}"))?.to_owned();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(RpApi { base: url.trim_end_matches('/').to_owned(), host, creds, http, token: Mutex::new(None) })
    }

    async fn bearer(&self) -> Result<String, EzdError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref()
            && t.until > std::time::Instant::now()
        {
            return Ok(t.value.clone());
        }
        let rt = Utc::now().timestamp().to_string();
        let sso = self.creds.sso_url.clone().unwrap_or_else(|| self.base.clone());
        let form = [
            ("grant_type", "api_credentials".to_owned()),
            ("client_id", client_id(&self.host)),
            ("scope", "api.ezdrp.gov.pl".to_owned()),
            ("pid", self.creds.pid.clone()),
            ("aki", self.creds.aki.clone()),
            ("rt", rt.clone()),
            ("akh", akh(&rt, &self.creds.api_key)),
        ];
        let resp = self
            .http
            .post(format!("{}/connect/token", sso.trim_end_matches('/')))
            .form(&form)
            .send()
            .await
            .map_err(temporary)?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(temporary)?;
        if !status.is_success() {
            return Err(classify(status, &body));
        }
        let value = body["access_token"].as_str().ok_or_else(|| temporary("no access_token"))?.to_owned();
        let secs = body["expires_in"].as_u64().unwrap_or(300).saturating_sub(30).max(1);
        *slot = Some(Token { value: value.clone(), until: std::time::Instant::now() + Duration::from_secs(secs) });
        Ok(value)
    }

    async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// One call with the bearer and SID; JSON in, JSON (or nothing) out.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, EzdError> {
        self.send(method, path, |r| match &body {
            Some(b) => r.json(b),
            None => r,
        })
        .await
    }

    async fn upload(&self, path: &str, field: &str, file: &Attachment) -> Result<Value, EzdError> {
        let field = field.to_owned();
        self.send(Method::POST, path, |r| {
            let part = reqwest::multipart::Part::bytes(file.bytes.clone())
                .file_name(file.name.clone())
                .mime_str(&file.content_type)
                .unwrap_or_else(|_| reqwest::multipart::Part::bytes(file.bytes.clone()).file_name(file.name.clone()));
            r.multipart(reqwest::multipart::Form::new().part(field.clone(), part))
        })
        .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<Value, EzdError> {
        let token = self.bearer().await?;
        let req = self
            .http
            .request(method, format!("{}{PREFIX}{path}", self.base))
            .bearer_auth(token)
            .header("SID", &self.creds.sid);
        let resp = build(req).send().await.map_err(temporary)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, Utc::now()));
        let text = resp.text().await.map_err(temporary)?;
        if status == StatusCode::UNAUTHORIZED {
            self.forget_token().await;
        }
        answer(status, &text, retry_after)
    }

    /// The RPW entry with our reference, if any: (number, document id, the
    /// names of its attachments).
    async fn find_rpw(&self, reference: &str) -> Result<Option<RpwEntry>, EzdError> {
        let mut page = 1;
        loop {
            let body = self
                .call(Method::POST, "/rpw/_search", Some(json!({"searchValue": reference, "page": page, "pageSize": 50})))
                .await?;
            if let Some(found) = rpw_in_page(&body, reference)? {
                return Ok(Some(found));
            }
            if body["pageInfo"]["isNextPageExists"].as_bool() != Some(true) || page >= 20 {
                return Ok(None);
            }
            page += 1;
        }
    }
}

/// An EZD RP answer: the status and body as received (and the wait a 429
/// or 503 named) into the JSON answer or the error to retry or report.
pub fn answer(status: StatusCode, text: &str, retry_after: Option<Duration>) -> Result<Value, EzdError> {
    let parsed = if text.trim().is_empty() { Ok(Value::Null) } else { serde_json::from_str::<Value>(text) };
    match parsed {
        Ok(body) if status.is_success() => Ok(body),
        Ok(body) => Err(with_retry_after(classify(status, &body), status, retry_after)),
        // A success that is not JSON (a proxy's or the EZD's HTML
        // maintenance page answering 200) says nothing about the
        // request: an error for this attempt, never an answer.
        Err(_) if status.is_success() => Err(EzdError::Temporary(format!(
            "HTTP {} with an unparseable body (not JSON)",
            status.as_u16()
        ))),
        Err(_) => Err(with_retry_after(classify(status, &Value::Null), status, retry_after)),
    }
}

/// The entry with `reference` in one page of `POST /rpw/_search`, if any:
/// (RPW number, document id, the names of its attachments).
pub type RpwEntry = (String, Option<String>, Vec<String>);

pub fn rpw_in_page(body: &Value, reference: &str) -> Result<Option<RpwEntry>, EzdError> {
    let lista = body["lista"].as_array().ok_or_else(|| temporary("no lista in the RPW search answer"))?;
    for e in lista {
        if e["czyUsuniety"].as_bool() == Some(true) || !e["tytul"].as_str().unwrap_or("").contains(reference) {
            continue;
        }
        let names = e["zalaczniki"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|z| z["nazwa"].as_str().map(str::to_owned))
            .collect();
        let numer = e["numerRPW"].as_str().unwrap_or_default().to_owned();
        return Ok(Some((numer, e["idPismo"].as_str().map(str::to_owned), names)));
    }
    Ok(None)
}

/// `RPW/{n}/{yyyy}` into its path parts.
pub fn rpw_parts(numer: &str) -> Option<(String, String)> {
    let mut it = numer.split('/');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some("RPW"), Some(n), Some(y), None) if !n.is_empty() && !y.is_empty() => Some((n.to_owned(), y.to_owned())),
        _ => None,
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date; a date in
/// the past is no wait. Capped at a day, so a wrong clock cannot park a job.
pub fn retry_after(value: &str, now: chrono::DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let secs = match value.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            (at.with_timezone(&Utc) - now).num_seconds().max(0) as u64
        }
    };
    Some(Duration::from_secs(secs.min(24 * 3600)))
}

/// A 429 or 503 that named its wait is retried no sooner than that.
fn with_retry_after(e: EzdError, status: StatusCode, retry_after: Option<Duration>) -> EzdError {
    match (e, retry_after) {
        (EzdError::Temporary(message), Some(retry_after))
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE =>
        {
            EzdError::Busy { message, retry_after }
        }
        (e, _) => e,
    }
}

/// 5xx, 408 and 429 are worth retrying soon; other 4xx need a person.
fn classify(status: StatusCode, body: &Value) -> EzdError {
    let detail = body["detail"]
        .as_str()
        .or_else(|| body["message"].as_str())
        .or_else(|| body["title"].as_str())
        .or_else(|| body["error"].as_str())
        .unwrap_or("");
    let msg = format!("HTTP {} {detail}", status.as_u16()).trim().to_owned();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::UNAUTHORIZED {
        EzdError::Temporary(msg)
    } else {
        EzdError::Rejected(msg)
    }
}

/// A case's state from `GET /sprawy/{id}`: `statusEnum` (`StatusSprawyIntegrator`)
/// 3 suspended, 4 closed, 5 resumed; the document's other states are open.
/// An answer without a known `statusEnum` is an error for this poll and
/// never a state, so a garbled answer cannot move (flap) a case.
pub fn case_state_of(body: &Value) -> Result<CaseState, EzdError> {
    /// The document's values, without 0 ("all", a search filter).
    const KNOWN: [i64; 15] = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 16, 17, 18];
    match body.get("statusEnum").and_then(Value::as_i64) {
        Some(3) => Ok(CaseState::Suspended),
        Some(4) => Ok(CaseState::Closed),
        Some(5) => Ok(CaseState::Resumed),
        Some(n) if KNOWN.contains(&n) => Ok(CaseState::Open),
        Some(n) => Err(EzdError::Temporary(format!("unknown statusEnum {n} in the case answer"))),
        None => Err(EzdError::Temporary("no statusEnum in the case answer".into())),
    }
}

#[async_trait]
impl Ezd for RpApi {
    async fn register(&self, reg: &Registration) -> Result<Registered, EzdError> {
        let (document, photos) = reg.attachments.split_first().ok_or_else(|| EzdError::Rejected("no document".into()))?;
        let (numer, document_id, present) = match self.find_rpw(&reg.reference).await? {
            Some(found) => found,
            None => {
                let up = self.upload(&format!("/obiegi/{}/dokumenty", self.creds.obieg_id), "file", document).await?;
                let id = up["lista"][0]["idDokumentPrzestrzeni"]
                    .as_str()
                    .ok_or_else(|| temporary("no idDokumentPrzestrzeni in the upload answer"))?
                    .to_owned();
                let rpw = self.call(Method::POST, &format!("/dokumenty/{id}/rpw"), Some(json!({}))).await?;
                let numer = rpw["numerRpw"].as_str().ok_or_else(|| temporary("no numerRpw in the answer"))?.to_owned();
                (numer, Some(id), vec![])
            }
        };
        let (n, year) = rpw_parts(&numer).ok_or_else(|| EzdError::Rejected(format!("unexpected RPW number {numer}")))?;
        let r = &reg.report;
        let metadata = json!({
            // The dictionary values (sposób dostarczenia, rodzaj, typ,
            // dostęp) are the office's own ids from
            // `GET /rpw/{numer}/{rok}/metadane`; these are their names.
            "metadaneSystemowe": {
                "dataWplywu": reg.received_at.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d").to_string(),
                "sposobDostarczenia": "aplikacja mobilna mMieszkaniec",
                "rodzajDokumentu": "zgłoszenie",
                "typDokumentu": "pismo",
                "dostep": "niepubliczny",
                // Residents report through the app without a sender record.
                "czyAnonimowy": true,
                "znakNaPismie": reg.reference,
                "uwagi": format!("Zgłoszenie nr {}: {}. {}", r.id, reg.category_name, r.description),
            },
            "metadaneNiesystemowe": [
                {"id": "mm-reference", "wartosc": reg.reference},
                {"id": "mm-category", "wartosc": r.category},
                {"id": "mm-location", "wartosc": format!("{},{}", r.point.lat, r.point.lon)},
            ],
            "adresaci": [],
        });
        self.call(Method::PUT, &format!("/rpw/{n}/{year}/metadane"), Some(metadata)).await?;
        for photo in photos.iter().filter(|p| !present.contains(&p.name)) {
            self.upload(&format!("/rpw/{n}/{year}/zalaczniki"), "file", photo).await?;
        }
        Ok(Registered { rpw_number: numer, document_id })
    }

    async fn open_case(&self, c: &CaseRequest) -> Result<OpenedCase, EzdError> {
        let found = self
            .call(
                Method::POST,
                "/sprawy/_search",
                Some(json!({"status": 0, "tytulSprawy": c.reference})),
            )
            .await?;
        // Without a list the search did not answer: creating a case now
        // could make a second one.
        let lista = found["lista"].as_array().ok_or_else(|| temporary("no lista in the case search answer"))?;
        let existing = lista.iter().find(|s| {
            s["czyUsuniety"].as_bool() != Some(true) && s["tytul"].as_str().unwrap_or("").contains(&c.reference)
        });
        let (id, znak) = match existing {
            Some(s) => (s["idSprawa"].as_str().unwrap_or_default().to_owned(), s["znak"].as_str().map(str::to_owned)),
            None => {
                let suffix = format!(" [{}]", c.reference);
                let mut title: String = c.title.chars().take(500 - suffix.chars().count()).collect();
                title.push_str(&suffix);
                let created = self
                    .call(
                        Method::POST,
                        "/sprawy",
                        Some(json!({
                            "idWykaz": c.jrwa,
                            "tytul": title,
                            "kategoriaArchiwalna": c.archival_category,
                            // 0: the next number in the class and year,
                            // as the EZD's own register assigns it.
                            "numer": 0,
                            "rokZalozenia": c.year,
                        })),
                    )
                    .await?;
                (created["idSprawa"].as_str().unwrap_or_default().to_owned(), created["znak"].as_str().map(str::to_owned))
            }
        };
        if id.is_empty() {
            return Err(temporary("no idSprawa in the answer"));
        }
        let docs = self.call(Method::GET, &format!("/sprawy/{id}/dokumenty?page=1&pageSize=10"), None).await?;
        if docs["lista"].as_array().is_none_or(|l| l.is_empty()) {
            let doc = c.document.clone();
            self.send(Method::POST, &format!("/sprawy/{id}/dokumenty"), move |r| {
                let part = reqwest::multipart::Part::bytes(doc.bytes.clone()).file_name(doc.name.clone());
                r.multipart(reqwest::multipart::Form::new().part("files", part))
            })
            .await?;
        }
        Ok(OpenedCase { case_id: id, case_reference: znak.filter(|z| !z.is_empty()) })
    }

    async fn case_state(&self, case_id: &str) -> Result<Option<CaseState>, EzdError> {
        let s = self.call(Method::GET, &format!("/sprawy/{case_id}"), None).await?;
        case_state_of(&s).map(Some)
    }

    fn polls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_values_follow_the_manual() {
        // base64(sha256("ezd.example.gov.pl")), computed independently with
        // `printf %s ezd.example.gov.pl | sha256sum | xxd -r -p | base64`.
        assert_eq!(client_id("ezd.example.gov.pl"), "api_dmYEVh1hqsbhEmnPPjhMrZMTlT4wwHfx1Ca5dwWIVtg=");
        assert_eq!(akh("1700000000", "key"), "QaF12MT5wWjDSVdnRJzsG8+4bYmfz324SBhNPJ7fdy0=");
        assert_ne!(akh("1700000000", "key"), akh("1700000001", "key"));
    }

    #[test]
    fn finding_18_an_unparseable_case_answer_is_an_error_not_a_state() {
        assert_eq!(case_state_of(&json!({"statusEnum": 3})).unwrap(), CaseState::Suspended);
        assert_eq!(case_state_of(&json!({"statusEnum": 4})).unwrap(), CaseState::Closed);
        assert_eq!(case_state_of(&json!({"statusEnum": 5})).unwrap(), CaseState::Resumed);
        assert_eq!(case_state_of(&json!({"statusEnum": 1})).unwrap(), CaseState::Open);
        for garbled in [
            Value::String("<html>maintenance</html>".into()),
            Value::Null,
            json!({}),
            json!({"statusEnum": "3"}),
            json!({"statusEnum": 0}),
            json!({"statusEnum": 99}),
            json!([{"statusEnum": 3}]),
        ] {
            assert!(case_state_of(&garbled).is_err(), "{garbled} must not be a state");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Sun, 01 Mar 2026 10:01:30 GMT", now), Some(Duration::from_secs(90)));
        assert_eq!(retry_after("Sun, 01 Mar 2026 09:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("99999999", now), Some(Duration::from_secs(24 * 3600)));
        let busy = with_retry_after(EzdError::Temporary("HTTP 429".into()), StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(5)));
        assert!(matches!(busy, EzdError::Busy { retry_after, .. } if retry_after == Duration::from_secs(5)));
        let plain = with_retry_after(EzdError::Temporary("HTTP 500".into()), StatusCode::INTERNAL_SERVER_ERROR, Some(Duration::from_secs(5)));
        assert!(matches!(plain, EzdError::Temporary(_)));
    }

    #[test]
    fn rpw_numbers_split() {
        assert_eq!(rpw_parts("RPW/15/2026"), Some(("15".into(), "2026".into())));
        assert_eq!(rpw_parts("RPW/15"), None);
        assert_eq!(rpw_parts("XYZ/1/2026"), None);
    }
}
