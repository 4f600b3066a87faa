//! `--sms log` (only with `--demo`): nothing is sent; each message is
//! printed on the terminal, the way the demo prints the tax activation
//! code (`main.rs`), so whoever tries the demo can type the code in.
//!
//! Printed with `eprintln!`, never through `tracing`: a code must not reach
//! the log pipeline (files, a collector), which is kept; the terminal is not.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Refusal, SmsError, SmsGateway, SmsMessage, SmsSent, is_e164, masked};

/// Where the lines go: stderr, or a test's buffer.
type Sink = Arc<dyn Fn(&str) + Send + Sync>;

pub struct LogSms {
    sink: Sink,
}

impl LogSms {
    /// Prints on stderr.
    pub fn stderr() -> LogSms {
        LogSms { sink: Arc::new(print_line) }
    }

    /// Hands each line to `sink` instead (tests).
    pub fn with_sink(sink: impl Fn(&str) + Send + Sync + 'static) -> LogSms {
        LogSms { sink: Arc::new(sink) }
    }

    /// The line for `m`: the number masked, the text whole (it is what the
    /// demo's user needs to read).
    pub fn line(m: &SmsMessage) -> String {
        format!("  SMS (demo, niewysłany / not sent) do / to {}: {}\n", masked(&m.to), m.text)
    }
}

// The one place the library prints: the demo's codes belong on the
// terminal and nowhere else (see the module's notes).
#[allow(clippy::print_stderr)]
fn print_line(line: &str) {
    eprintln!("{line}");
}

#[async_trait]
impl SmsGateway for LogSms {
    async fn send(&self, m: &SmsMessage) -> Result<SmsSent, SmsError> {
        // As the real gateway would: a malformed number is refused.
        if !is_e164(&m.to) {
            return Err(SmsError::Refused { reason: Refusal::InvalidNumber, code: None });
        }
        (self.sink)(&Self::line(m));
        Ok(SmsSent { id: Some(format!("log-{}", m.idx)), already_accepted: false })
    }

    fn provider(&self) -> &'static str {
        "log"
    }
}
