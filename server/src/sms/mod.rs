//! Sending one text message: the transport the participatory budget uses
//! for its one-time codes (issue 15, docs/plans/issue-15.md §2.2 "SMS").
//! Nothing here knows about budgets: a message goes to one number, with an
//! idempotency id, and either the gateway took it or it says why not.
//!
//! - [`codes`]: [`codes::send_code`], the ending the budget's and the
//!   consultations' one-time-code routes share (send, log, 202);
//! - [`smsapi`]: the SMSAPI.pl client (`--sms smsapi`);
//! - [`log`]: the demo's stand-in, printing each message on the terminal
//!   (`--sms log`, only with `--demo`);
//! - [`NoSms`]: no gateway (`--sms none`, the default without `--demo`):
//!   every send is refused with [`SmsError::NotConfigured`].
//!
//! Personal data: a phone number and a message text (which holds a code)
//! never reach an error's text, a `Debug` print or a log line. Errors
//! carry only the gateway's numeric code and a reason written here.
//!
//! How the API is meant to answer each outcome (the budget's routes
//! decide; `sms_unavailable` is issue 15's error code, 503):
//! `Ok` → 202; [`SmsError::Refused`] with [`Refusal::InvalidNumber`] → 400
//! (the resident can fix the number); [`SmsError::NotConfigured`] and
//! [`SmsError::Temporary`] → `sms_unavailable`, with `Retry-After` when
//! known; any other refusal (the deployment's account: token, points,
//! sender name) → `sms_unavailable` too, and an operator must act (the
//! client logs it as a warning with the gateway's code).

pub mod codes;
pub mod log;
pub mod smsapi;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::{SmsArgs, SmsMode};

/// One text message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// E.164: `+` and the country code, e.g. `+48500600700`.
    pub to: String,
    pub text: String,
    /// The idempotency id (SMSAPI's `idx`): the same id for the same
    /// message sent again (a retry), a new one for a new message. 1–255
    /// characters out of `A-Z a-z 0-9 - _` (a UUID fits).
    pub idx: String,
}

// The number and the text (a code) never reach a log line, even a debug one.
impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage").field("to", &"***").field("text", &"***").field("idx", &self.idx).finish()
    }
}

/// The gateway took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSent {
    /// The gateway's id of the message, when it gave one.
    pub id: Option<String>,
    /// The gateway had already taken a message with this `idx` (a retry
    /// after an answer that was lost): it was not sent a second time.
    pub already_accepted: bool,
}

/// Why the gateway did not take the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// Sending again later may work: no answer in time, no connection,
    /// a 5xx, a 429, the gateway's "try again".
    #[error("the SMS gateway is unavailable ({reason}{})", code_suffix(*.code))]
    Temporary {
        reason: &'static str,
        /// The gateway's error code, when it gave one.
        code: Option<u32>,
        /// How long the gateway asked us to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// Sending the same message again will not work.
    #[error("the SMS gateway refused the message ({}{})", .reason.as_str(), code_suffix(*.code))]
    Refused { reason: Refusal, code: Option<u32> },
    /// The deployment has no SMS gateway (`--sms none`).
    #[error("no SMS gateway is configured (--sms none)")]
    NotConfigured,
}

fn code_suffix(code: Option<u32>) -> String {
    code.map(|c| format!(", code {c}")).unwrap_or_default()
}

impl SmsError {
    pub fn is_temporary(&self) -> bool {
        matches!(self, SmsError::Temporary { .. })
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SmsError::Temporary { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What a refusal is about: the number (the resident's to fix) or the
/// deployment's account (the operator's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a number the gateway sends to (malformed, landline, blacklisted).
    InvalidNumber,
    /// The token is wrong, expired, or not allowed from this address.
    Auth,
    /// The account has no points (credit) left.
    NoFunds,
    /// The sender name (`from`) is not one the account may use.
    Sender,
    /// The gateway did not accept the request's form (our bug, or theirs).
    BadRequest,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::InvalidNumber => "invalid number",
            Refusal::Auth => "authorisation failed",
            Refusal::NoFunds => "no points left on the account",
            Refusal::Sender => "sender name not allowed",
            Refusal::BadRequest => "bad request",
        }
    }
}

/// A way to send text messages.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends `message` once: calling again with the same `idx` after any
    /// failure does not send it twice where the gateway can tell.
    async fn send(&self, message: &SmsMessage) -> Result<SmsSent, SmsError>;

    /// `none`, `log` or `smsapi`, for log lines.
    fn provider(&self) -> &'static str;
}

/// `--sms none`: no gateway; every message is refused.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSms;

#[async_trait]
impl SmsGateway for NoSms {
    async fn send(&self, _message: &SmsMessage) -> Result<SmsSent, SmsError> {
        Err(SmsError::NotConfigured)
    }

    fn provider(&self) -> &'static str {
        "none"
    }
}

/// `+` and 8 to 15 digits, the first not 0 (ITU-T E.164: at most 15
/// digits with the country code).
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// An `idx` we send: 1–255 characters (SMSAPI's error 27 "IDX too long,
/// at most 255"), of a conservative alphabet.
pub fn is_valid_idx(idx: &str) -> bool {
    (1..=255).contains(&idx.len()) && idx.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The number as the terminal may show it: the country code and the last
/// three digits, `+48 *** *** 123`.
pub fn masked(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "***".into();
    }
    let last = &digits[digits.len() - 3..];
    match digits.strip_prefix("48") {
        Some(rest) if rest.len() == 9 => format!("+48 *** *** {last}"),
        _ => format!("+*** *** {last}"),
    }
}

/// The deployment's gateway as the command line asks (`--sms …`),
/// checked at start: `smsapi` needs `--sms-credentials` (read here, once),
/// `log` needs `--demo` (it prints codes on the terminal). Without
/// `--sms`: `log` with `--demo`, else `none`.
pub fn from_args(args: &SmsArgs, demo: bool) -> anyhow::Result<Arc<dyn SmsGateway>> {
    let mode = args.sms.unwrap_or(if demo { SmsMode::Log } else { SmsMode::None });
    if let Some(sender) = &args.sms_sender {
        smsapi::check_sender(sender)?;
    }
    Ok(match mode {
        SmsMode::None => Arc::new(NoSms),
        SmsMode::Log => {
            if !demo {
                anyhow::bail!(
                    "--sms log prints every message (and its code) on the terminal: it is allowed only with --demo; \
                     use --sms smsapi (or none)"
                );
            }
            Arc::new(log::LogSms::stderr())
        }
        SmsMode::Smsapi => {
            let file = args.sms_credentials.as_deref().ok_or_else(|| {
                anyhow::anyhow!("--sms smsapi needs --sms-credentials FILE (JSON {{\"token\": \"…\"}}: the SMSAPI OAuth token)")
            })?;
            let credentials = smsapi::Credentials::load(file)?;
            let timeout = Duration::from_millis(args.sms_timeout_ms.max(1));
            Arc::new(smsapi::SmsApi::new(&args.sms_url, credentials, args.sms_sender.clone(), timeout)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_prints_neither_number_nor_text() {
        let m = SmsMessage { to: "+48500600700".into(), text: "Kod: 123456".into(), idx: "req-1".into() };
        let debug = format!("{m:?}");
        assert!(!debug.contains("500600700") && !debug.contains("123456"), "{debug}");
        assert!(debug.contains("***") && debug.contains("req-1"), "{debug}");
        let pretty = format!("{m:#?}");
        assert!(!pretty.contains("500600700") && !pretty.contains("123456"), "{pretty}");
    }

    #[test]
    fn numbers_and_ids() {
        assert!(is_e164("+48500600700"));
        assert!(is_e164("+4915112345678"));
        for bad in ["48500600700", "+48 500 600 700", "+0500600700", "+4850", "+4850060070012345", "", "+"] {
            assert!(!is_e164(bad), "{bad}");
        }
        assert!(is_valid_idx("5f0c7e2a-0d5b-4c8e-9a31-2b7c1d4e6f80"));
        assert!(!is_valid_idx(""));
        assert!(!is_valid_idx(&"a".repeat(256)));
        assert!(!is_valid_idx("a|b"));
        assert_eq!(masked("+48500600789"), "+48 *** *** 789");
        assert_eq!(masked("+4915112345678"), "+*** *** 678");
        assert_eq!(masked("+1"), "***");
    }

    #[test]
    fn errors_say_what_without_personal_data() {
        let e = SmsError::Refused { reason: Refusal::InvalidNumber, code: Some(13) };
        assert_eq!(e.to_string(), "the SMS gateway refused the message (invalid number, code 13)");
        let t = SmsError::Temporary { reason: "timed out", code: None, retry_after: None };
        assert_eq!(t.to_string(), "the SMS gateway is unavailable (timed out)");
        assert!(t.is_temporary() && !e.is_temporary());
    }
}
