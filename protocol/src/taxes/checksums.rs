//! Check digits of the numbers a tax liability carries: the bank account
//! (NRB, the Polish IBAN without `PL`), PESEL and NIP. A bank app refuses a
//! transfer QR whose NIP or account does not check, so neither the import
//! nor the QR accepts one.

/// Digits only, or `None` when anything but digits and spaces (and, for an
/// account, a leading `PL`) is there.
fn digits(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '0'..='9' => out.push(c as u8 - b'0'),
            ' ' | '-' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The 26 digits of an NRB written with or without spaces or `PL`, or
/// `None` when it is not 26 digits with valid check digits.
pub fn normalise_nrb(s: &str) -> Option<String> {
    let trimmed = s.trim();
    let body = trimmed.strip_prefix("PL").or_else(|| trimmed.strip_prefix("pl")).unwrap_or(trimmed);
    let d = digits(body)?;
    if d.len() != 26 {
        return None;
    }
    let text: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    nrb_valid(&text).then_some(text)
}

/// ISO 13616 mod 97 over the NRB's IBAN form: the 24-digit BBAN, then `PL`
/// as 25 21, then the two check digits; valid when the remainder is 1.
pub fn nrb_valid(nrb26: &str) -> bool {
    let Some(d) = digits(nrb26) else { return false };
    if d.len() != 26 || nrb26.len() != 26 {
        return false;
    }
    let rearranged = d[2..].iter().copied().chain([2, 5, 2, 1]).chain(d[..2].iter().copied());
    mod97(rearranged) == 1
}

/// The two check digits that make `bban24` (sort code and account, 24
/// digits) a valid NRB: 98 − (BBAN ‖ "252100" mod 97).
pub fn nrb_check_digits(bban24: &str) -> Option<String> {
    let d = digits(bban24)?;
    if d.len() != 24 {
        return None;
    }
    let r = mod97(d.iter().copied().chain([2, 5, 2, 1, 0, 0]));
    Some(format!("{:02}", 98 - r))
}

fn mod97(digits: impl Iterator<Item = u8>) -> u32 {
    digits.fold(0u32, |acc, x| (acc * 10 + u32::from(x)) % 97)
}

/// PESEL: weights 1,3,7,9,1,3,7,9,1,3 on the first ten digits; the
/// eleventh is (10 − S mod 10) mod 10; and the birth date it encodes
/// (month +80 for the 1800s, +20 for the 2000s, +40, +60 after) exists.
pub fn pesel_valid(pesel: &str) -> bool {
    let Some(d) = digits(pesel) else { return false };
    if d.len() != 11 || pesel.len() != 11 {
        return false;
    }
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let s: u32 = W.iter().zip(&d).map(|(w, x)| w * u32::from(*x)).sum();
    if (10 - s % 10) % 10 != u32::from(d[10]) {
        return false;
    }
    let yy = i32::from(d[0]) * 10 + i32::from(d[1]);
    let mm = u32::from(d[2]) * 10 + u32::from(d[3]);
    let dd = u32::from(d[4]) * 10 + u32::from(d[5]);
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        _ => return false,
    };
    chrono::NaiveDate::from_ymd_opt(century + yy, month, dd).is_some()
}

/// NIP: weights 6,5,7,2,3,4,5,6,7 on the first nine digits; S mod 11 is
/// the tenth (a remainder of 10 is never issued). Dashes are allowed.
pub fn nip_valid(nip: &str) -> bool {
    let Some(d) = digits(nip) else { return false };
    if d.len() != 10 {
        return false;
    }
    const W: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    let s: u32 = W.iter().zip(&d).map(|(w, x)| w * u32::from(*x)).sum();
    s % 11 != 10 && s % 11 == u32::from(d[9])
}

/// The ten digits of a NIP written with dashes or spaces.
pub fn normalise_nip(nip: &str) -> Option<String> {
    let d = digits(nip.trim())?;
    let text: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    nip_valid(&text).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_account_checks() {
        // TAXES-PAYMENTS.md §6: PL61109010140000071219812874.
        assert!(nrb_valid("61109010140000071219812874"));
        assert_eq!(nrb_check_digits("109010140000071219812874").as_deref(), Some("61"));
        assert_eq!(
            normalise_nrb("PL61 1090 1014 0000 0712 1981 2874").as_deref(),
            Some("61109010140000071219812874")
        );
        assert!(!nrb_valid("62109010140000071219812874"));
        assert!(!nrb_valid("6110901014000007121981287"));
        assert!(!nrb_valid("61 109010140000071219812874"));
    }

    #[test]
    fn pesel_and_nip() {
        assert!(pesel_valid("44051401359"));
        assert!(!pesel_valid("44051401358"));
        assert!(!pesel_valid("4405140135"));
        assert!(pesel_valid("02270803624")); // 8 July 2002
        assert!(!pesel_valid("02330803620")); // month 13 of the 2000s
        assert!(nip_valid("1234563218"));
        assert!(!nip_valid("1234563219"));
        assert_eq!(normalise_nip("123-456-32-18").as_deref(), Some("1234563218"));
    }
}
