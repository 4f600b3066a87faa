//! Paying a liability through the gmina's payment gateway (issue 14,
//! docs/TAXES.md "Payments"): the Przelewy24 REST protocol, the built-in
//! sandbox gateway `make run` uses, the status notifications, receipts.
//!
//! - [`p24`]: the Przelewy24 REST v1 client (register, verify, `sign`);
//! - [`sandbox`]: a gateway inside the server speaking the same protocol;
//! - [`routes`]: creating and reading payments, the gateway's notification;
//! - [`receipt`]: the printable confirmation and the payer's return page;
//! - [`expire`]: pending payments past the gateway's time limit.

pub mod expire;
pub mod p24;
pub mod receipt;
pub mod routes;
pub mod sandbox;

use mm_protocol::gmina::Teryt;

use p24::{Credentials, CredentialsFile, P24Client};

/// The deployment's payment gateway (`--payments sandbox|p24`).
pub struct Gateway {
    /// `p24` or `sandbox`, stored with each payment.
    pub provider: &'static str,
    pub client: P24Client,
    pub credentials: CredentialsFile,
    /// Minutes the payer has to finish (P24's `timeLimit`, 1–99).
    pub time_limit_minutes: u32,
}

impl Gateway {
    /// The gmina's account, `None` when that gmina takes no gateway payments.
    pub fn credentials_for(&self, gmina: &Teryt) -> Option<&Credentials> {
        self.credentials.for_gmina(gmina.as_str())
    }

    /// How long after its creation a pending payment is given up: the
    /// payer's time limit, plus an hour for a notification P24 retries.
    pub fn expiry(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.time_limit_minutes.max(1)) + 60)
    }
}

/// HTML text escaping for the few pages built here (receipt, return page,
/// the sandbox's payer page).
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1 037,00 zł`: grosze as Polish text (a non-breaking space between thousands).
pub(crate) fn format_zloty(grosze: i64) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    let g = grosze.unsigned_abs();
    let digits = (g / 100).to_string();
    let mut zl = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            zl.push('\u{a0}');
        }
        zl.push(c);
    }
    format!("{sign}{zl},{:02}\u{a0}zł", g % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn zloty_and_escaping() {
        assert_eq!(super::format_zloty(103_700), "1\u{a0}037,00\u{a0}zł");
        assert_eq!(super::format_zloty(5), "0,05\u{a0}zł");
        assert_eq!(super::format_zloty(123_456_789), "1\u{a0}234\u{a0}567,89\u{a0}zł");
        assert_eq!(super::escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
