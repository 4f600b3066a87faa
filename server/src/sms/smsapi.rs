//! The SMSAPI.pl client (`--sms smsapi`): one message per request to the
//! "legacy" endpoint `POST {base}/sms.do`, the one SMSAPI's own clients
//! use for sending SMS.
//!
//! What the request and the answers look like, and where that is from:
//! - `POST /sms.do`, host `api.smsapi.pl`, `Authorization: Bearer <token>`
//!   (OAuth 2.0 token from the customer panel): SMSAPI's documentation
//!   (smsapi.pl/docs, "Autoryzacja"), and smsapi-go `smsapi.go`
//!   (`BaseUrlPl = "https://api.smsapi.pl/"`, `Bearer` header).
//! - A form body (`application/x-www-form-urlencoded`) with `format=json`:
//!   smsapi-php-client `LegacyRequestMapper` (POST, that content type,
//!   `format=json` added to every legacy call); the Python client sends the
//!   same fields as form data.
//! - Fields `to`, `message`, `from`, `encoding`, `idx`, `check_idx`:
//!   smsapi-python-client `sms/api.py` (`sms_parameters`) and smsapi-go
//!   `sms.go` (`Sms` struct); `encoding=utf-8` is the PHP client's default
//!   (`SendSmsBag::$encoding`). `idx` is our id of the message; with
//!   `check_idx=1` SMSAPI refuses a second message with an id it has
//!   already accepted (error 53, below), which makes a retry safe.
//! - `to` as digits with the country code and without `+` (`48500600700`):
//!   the form SMSAPI answers with in `number` (smsapi-go testdata
//!   `sms/collection.json`: `"number": "48100200300"`). Whether `+48…` is
//!   also accepted: UNVERIFIED, so we never send the `+`.
//! - Success: HTTP 200, `{"count": 1, "list": [{"id", "points", "number",
//!   "date_sent", "submitted_number", "status", …}]}` (smsapi-go testdata
//!   `sms/collection.json`, `SmsResultCollection`).
//! - Failure: `{"error": <code>, "message": "…"}`, with HTTP 200 on this
//!   endpoint (smsapi-php-client `LegacyResponseMapper`: a 200 whose body
//!   has `error` and `message` is an error; any other status is an error
//!   too; smsapi-go `CheckError`: an `error` code other than 0 is an error
//!   whatever the status). Error 13 carries `invalid_numbers`
//!   (smsapi-go testdata `sms/invalid_recipient.json`), which we never read:
//!   it holds the number.
//! - Codes (smsapi.pl/statusy-wiadomosci "Kody błędów" for 8–28; the
//!   rest from the lists copied into open-source SMSAPI integrations,
//!   e.g. a Ruby `SmsApi::Mappings::ERRORS` and a PHP `$errorCodesToMsg`,
//!   not from SMSAPI's page itself, so UNVERIFIED against it):
//!   8 error in the request; 11 message missing or too long; 12 more parts
//!   than `max_parts`; 13 no valid numbers (wrong, landline, blacklisted);
//!   14 bad sender name; 18 wrong number of parameters; 20 wrong number of
//!   `idx`; 27 `idx` longer than 255; 32 foreign numbers not allowed;
//!   33 no valid numbers; 52 too many messages to one number (10 in 60 s);
//!   53 `idx` not unique (already accepted, with `check_idx=1`);
//!   57 number on the account's blacklist; 101 wrong or missing
//!   authorisation; 102 wrong login or password; 103 no points left;
//!   105 address not allowed (IP filter); 110 service not on the account;
//!   200 sending failed, try again; 201 internal error; 202 too many
//!   requests at once, try again; 203 too many requests, try later;
//!   999 internal error.
//! - Which HTTP status SMSAPI puts on an authorisation failure under a
//!   bearer token (401, or 200 with error 101): UNVERIFIED; both are read
//!   as a refusal for authorisation.
//! - `Retry-After` on a 429: UNVERIFIED that SMSAPI sends one; read when
//!   present (seconds).

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Deserialize;

use super::{Refusal, SmsError, SmsGateway, SmsMessage, SmsSent, is_e164, is_valid_idx};

/// Where SMSAPI.pl answers (`--sms-url` default).
pub const DEFAULT_URL: &str = "https://api.smsapi.pl";

/// The longest wait a `Retry-After` may ask for that we pass on.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `--sms-credentials FILE`: `{"token": "…"}`, the OAuth token made in
/// SMSAPI's panel ("Tokeny API"), with the right to send SMS.
#[derive(Clone, Deserialize)]
pub struct Credentials {
    pub token: String,
}

// The token never reaches a log line, even a debug one.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

impl Credentials {
    /// Reads the file once, at start. Its content is never in an error.
    pub fn load(path: &Path) -> anyhow::Result<Credentials> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the SMS credentials {}: {e}", path.display()))?;
        let creds: Credentials = serde_json::from_str(&text).map_err(|_| {
            anyhow::anyhow!("{} is not SMS credentials: JSON {{\"token\": \"…\"}} expected", path.display())
        })?;
        let token = creds.token.trim();
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            anyhow::bail!("the token in {} is empty or holds spaces or other characters a token has not", path.display());
        }
        Ok(Credentials { token: token.to_owned() })
    }
}

/// A sender name (`from`) as SMSAPI takes one: at most 11 characters
/// (smsapi.pl/docs, "Wprowadzenie": "z własnej nazwy (maksymalnie 11
/// znaków)"), registered in the panel first (error 14 otherwise). Letters,
/// digits, spaces, `-`, `.` here; which others SMSAPI allows: UNVERIFIED.
pub fn check_sender(sender: &str) -> anyhow::Result<()> {
    let ok = !sender.trim().is_empty()
        && sender.chars().count() <= 11
        && sender.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.'));
    if !ok {
        anyhow::bail!("--sms-sender must be 1 to 11 letters, digits, spaces, '-' or '.' (a sender name registered at SMSAPI)");
    }
    Ok(())
}

/// An SMSAPI endpoint (`https://api.smsapi.pl`, or a test fake).
pub struct SmsApi {
    endpoint: String,
    /// `Bearer <token>`, marked sensitive (never printed by `Debug`).
    authorization: HeaderValue,
    sender: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for SmsApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsApi").field("endpoint", &self.endpoint).field("sender", &self.sender).finish_non_exhaustive()
    }
}

impl SmsApi {
    /// `timeout` bounds each request, connection included: a resident
    /// waits for the code, so it is seconds.
    pub fn new(base_url: &str, credentials: Credentials, sender: Option<String>, timeout: Duration) -> anyhow::Result<SmsApi> {
        let url = reqwest::Url::parse(base_url).map_err(|e| anyhow::anyhow!("--sms-url is not a URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            anyhow::bail!("--sms-url must be an https:// (or, for a test, http://) address");
        }
        if let Some(s) = &sender {
            check_sender(s)?;
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", credentials.token))
            .map_err(|_| anyhow::anyhow!("the SMS token cannot be sent in a header"))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build()?;
        Ok(SmsApi { endpoint: format!("{}/sms.do", base_url.trim_end_matches('/')), authorization, sender, http })
    }

    /// The form body of one message (UTF-8, percent-encoded).
    fn body(&self, m: &SmsMessage) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        // E.164 without the `+` (see the module's notes).
        form.append_pair("to", m.to.trim_start_matches('+'));
        form.append_pair("message", &m.text);
        if let Some(from) = &self.sender {
            form.append_pair("from", from);
        }
        form.append_pair("encoding", "utf-8");
        form.append_pair("format", "json");
        form.append_pair("idx", &m.idx);
        form.append_pair("check_idx", "1");
        form.finish()
    }
}

#[async_trait]
impl SmsGateway for SmsApi {
    async fn send(&self, m: &SmsMessage) -> Result<SmsSent, SmsError> {
        // Refused here rather than spend a request (and points) on it.
        if !is_e164(&m.to) {
            return Err(refused(Refusal::InvalidNumber, None));
        }
        if m.text.trim().is_empty() || !is_valid_idx(&m.idx) {
            return Err(refused(Refusal::BadRequest, None));
        }
        let resp = self
            .http
            .post(&self.endpoint)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(self.body(m))
            .send()
            .await
            .map_err(|e| temporary(if e.is_timeout() { "timed out" } else { "no connection" }, None, None))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(temporary(if e.is_timeout() { "timed out" } else { "the answer broke off" }, None, None)),
        };
        let outcome = interpret(status.as_u16(), retry_after, &body);
        if let Err(e) = &outcome {
            // The gateway's code and our reason only: never the number,
            // the text or the gateway's message (it may quote the number).
            tracing::warn!(provider = "smsapi", status = status.as_u16(), error = %e, "SMS not sent");
        }
        outcome
    }

    fn provider(&self) -> &'static str {
        "smsapi"
    }
}

fn temporary(reason: &'static str, code: Option<u32>, retry_after: Option<Duration>) -> SmsError {
    SmsError::Temporary { reason, code, retry_after }
}

fn refused(reason: Refusal, code: Option<u32>) -> SmsError {
    SmsError::Refused { reason, code }
}

#[derive(Deserialize)]
struct Sent {
    #[serde(default)]
    list: Vec<SentItem>,
}

#[derive(Deserialize)]
struct SentItem {
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// The answer's meaning, from the status, `Retry-After` and the body.
pub fn interpret(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<SmsSent, SmsError> {
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    // An `error` field is SMSAPI's answer whatever the status (smsapi-go
    // `CheckError`); a number, or in the newer REST answers a string.
    let error = value.as_ref().and_then(|v| v.get("error")).filter(|e| !e.is_null());
    if let Some(error) = error {
        let code = error.as_u64().or_else(|| error.as_str().and_then(|s| s.trim().parse().ok()));
        match code.and_then(|c| u32::try_from(c).ok()) {
            Some(0) => {}
            Some(c) => return classify(c, status, retry_after),
            None if matches!(status, 401 | 403) => return Err(refused(Refusal::Auth, None)),
            None if status == 429 || status >= 500 => {}
            None => return Err(refused(Refusal::BadRequest, None)),
        }
    }
    match status {
        429 => return Err(temporary("too many requests (429)", None, retry_after)),
        401 | 403 => return Err(refused(Refusal::Auth, None)),
        s if s >= 500 => return Err(temporary("the gateway failed (5xx)", None, retry_after)),
        s if !(200..300).contains(&s) => return Err(refused(Refusal::BadRequest, None)),
        _ => {}
    }
    // A 2xx that is not the expected answer: the message may or may not
    // have gone; a retry with the same `idx` is safe (error 53 then).
    let sent = value.and_then(|v| serde_json::from_value::<Sent>(v).ok());
    match sent.and_then(|s| s.list.into_iter().next()) {
        Some(item) => Ok(SmsSent {
            id: item.id.map(|id| match id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
            already_accepted: false,
        }),
        None => Err(temporary("an answer that is not SMSAPI's", None, None)),
    }
}

/// SMSAPI's error codes (the module's notes say where each is from).
fn classify(code: u32, status: u16, retry_after: Option<Duration>) -> Result<SmsSent, SmsError> {
    Err(match code {
        // Already accepted under this idx (check_idx=1): the earlier
        // attempt went through and its answer was lost. Not sent twice.
        53 => return Ok(SmsSent { id: None, already_accepted: true }),
        13 | 32 | 33 | 57 => refused(Refusal::InvalidNumber, Some(code)),
        101 | 102 | 105 | 110 => refused(Refusal::Auth, Some(code)),
        103 => refused(Refusal::NoFunds, Some(code)),
        14 => refused(Refusal::Sender, Some(code)),
        52 => temporary("too many messages to this number", Some(code), retry_after.or(Some(Duration::from_secs(60)))),
        200 | 201 | 202 | 203 | 999 => temporary("the gateway asks to try again", Some(code), retry_after),
        _ if status == 429 => temporary("too many requests (429)", Some(code), retry_after),
        _ if status >= 500 => temporary("the gateway failed (5xx)", Some(code), retry_after),
        _ => refused(Refusal::BadRequest, Some(code)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let ok = br#"{"count":1,"list":[{"id":"17","points":0.16,"number":"48500600700","status":"QUEUE"}]}"#;
        assert_eq!(interpret(200, None, ok), Ok(SmsSent { id: Some("17".into()), already_accepted: false }));
        let e = |code: u32| format!(r#"{{"error":{code},"message":"x"}}"#).into_bytes();
        assert_eq!(interpret(200, None, &e(13)), Err(refused(Refusal::InvalidNumber, Some(13))));
        assert_eq!(interpret(200, None, &e(101)), Err(refused(Refusal::Auth, Some(101))));
        assert_eq!(interpret(401, None, &e(101)), Err(refused(Refusal::Auth, Some(101))));
        assert_eq!(interpret(200, None, &e(103)), Err(refused(Refusal::NoFunds, Some(103))));
        assert_eq!(interpret(200, None, &e(8)), Err(refused(Refusal::BadRequest, Some(8))));
        assert!(interpret(200, None, &e(202)).unwrap_err().is_temporary());
        assert_eq!(interpret(200, None, &e(53)), Ok(SmsSent { id: None, already_accepted: true }));
        assert_eq!(interpret(200, None, br#"{"error":"13","message":"x"}"#), Err(refused(Refusal::InvalidNumber, Some(13))));
        assert_eq!(interpret(401, None, br#"{"error":"invalid_token"}"#), Err(refused(Refusal::Auth, None)));
        assert!(interpret(500, None, b"<html>").unwrap_err().is_temporary());
        let r = interpret(429, Some(Duration::from_secs(7)), b"").unwrap_err();
        assert_eq!(r.retry_after(), Some(Duration::from_secs(7)));
        assert!(interpret(200, None, b"OK:17:0.16").unwrap_err().is_temporary());
        assert_eq!(interpret(404, None, b"").unwrap_err(), refused(Refusal::BadRequest, None));
    }

    #[test]
    fn senders() {
        assert!(check_sender("Siechnice").is_ok());
        assert!(check_sender("UG Siechnic").is_ok());
        assert!(check_sender("Gmina Siechnice").is_err(), "12 characters");
        assert!(check_sender("").is_err());
        assert!(check_sender("Żórawina").is_err());
    }
}
