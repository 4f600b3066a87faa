//! The transfer QR code of the Polish banks' association (Rekomendacja ZBP
//! dotycząca kodu dwuwymiarowego (2D), wersja 1.0, 3 Dec 2013): nine fields
//! joined by `|`, `NIP|PL|NRB|AMOUNT|NAME|TITLE|RES1|RES2|RES3`, at most 160
//! characters, printed as a QR code with error correction L in UTF-8.

use super::checksums::{nip_valid, nrb_valid};
use super::wire::{LiabilityRecord, TaxRecipient, ZbpCode};
use super::Grosze;

pub const NAME_MAX: usize = 20;
pub const TITLE_MAX: usize = 32;
pub const PAYLOAD_MAX: usize = 160;
/// Six digits of grosze: 9,999.99 zł. Above it the format has no amount:
/// `000000` leaves the amount to the payer.
pub const AMOUNT_MAX: Grosze = 999_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZbpError {
    #[error("the recipient's NIP does not check")]
    InvalidNip,
    #[error("the account (NRB) does not check")]
    InvalidAccount,
    #[error("a negative amount")]
    NegativeAmount,
}

/// Keeps what banking apps accept in the name and title (letters, Polish
/// ones too, digits, space and `, . / \ - @ # & * _`), drops the rest
/// (above all `|`, the separator), squeezes spaces, cuts to `max` characters.
pub fn clean_field(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| c.is_alphanumeric() || " ,./\\-@#&*_".contains(*c))
        .collect();
    let squeezed = kept.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    squeezed.chars().take(max).collect::<String>().trim_end().to_string()
}

/// The transfer title of a liability: kind, year, instalment and decision
/// (e.g. `Pod. nieruch. 2026 r.1 FN.3120.15.2026`), cut to 32 characters.
pub fn transfer_title(record: &LiabilityRecord) -> String {
    let instalment = if record.instalment > 0 { format!(" r.{}", record.instalment) } else { String::new() };
    clean_field(
        &format!("{} {}{} {}", record.kind.title_word(), record.year, instalment, record.decision),
        TITLE_MAX,
    )
}

/// The payload for paying `amount` to `account`. An amount above
/// [`AMOUNT_MAX`] cannot be encoded: the code carries `000000` and
/// `amount_grosze` is `None`, so the app shows the amount beside the code.
pub fn zbp_code(recipient: &TaxRecipient, account: &str, amount: Grosze, title: &str) -> Result<ZbpCode, ZbpError> {
    if !nip_valid(&recipient.nip) || recipient.nip.len() != 10 {
        return Err(ZbpError::InvalidNip);
    }
    if !nrb_valid(account) {
        return Err(ZbpError::InvalidAccount);
    }
    if amount < 0 {
        return Err(ZbpError::NegativeAmount);
    }
    let encoded = (amount <= AMOUNT_MAX).then_some(amount);
    let payload = format!(
        "{}|PL|{}|{:06}|{}|{}|||",
        recipient.nip,
        account,
        encoded.unwrap_or(0),
        clean_field(&recipient.name, NAME_MAX),
        clean_field(title, TITLE_MAX),
    );
    debug_assert!(payload.chars().count() <= PAYLOAD_MAX);
    Ok(ZbpCode { payload, amount_grosze: encoded })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gmina() -> TaxRecipient {
        TaxRecipient { name: "Gmina Siechnice".into(), nip: "1234563218".into() }
    }

    #[test]
    fn the_layout_of_the_recommendation() {
        let code = zbp_code(&gmina(), "61109010140000071219812874", 1200, "FV 1234/34/2012").unwrap();
        assert_eq!(code.payload, "1234563218|PL|61109010140000071219812874|001200|Gmina Siechnice|FV 1234/34/2012|||");
        assert_eq!(code.amount_grosze, Some(1200));
        assert_eq!(code.payload.split('|').count(), 9);
    }

    #[test]
    fn above_9999_99_the_payer_types_the_amount() {
        let code = zbp_code(&gmina(), "61109010140000071219812874", 1_000_000, "x").unwrap();
        assert!(code.payload.contains("|000000|"));
        assert_eq!(code.amount_grosze, None);
        let just = zbp_code(&gmina(), "61109010140000071219812874", 999_999, "x").unwrap();
        assert!(just.payload.contains("|999999|"));
    }

    #[test]
    fn unsafe_characters_and_lengths() {
        assert_eq!(clean_field("Urząd | Gminy \"Siechnice\" <script>", 40), "Urząd Gminy Siechnice script");
        assert_eq!(clean_field("Gmina Siechnice - Urząd Miejski", NAME_MAX).chars().count(), 20);
        assert_eq!(
            zbp_code(&gmina(), "61109010140000071219812875", 1, "x"),
            Err(ZbpError::InvalidAccount)
        );
        let bad_nip = TaxRecipient { nip: "1234563219".into(), ..gmina() };
        assert_eq!(zbp_code(&bad_nip, "61109010140000071219812874", 1, "x"), Err(ZbpError::InvalidNip));
    }
}
