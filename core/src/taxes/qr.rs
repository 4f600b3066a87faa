//! The ZBP transfer payload as a QR code (Rekomendacja ZBP dotycząca kodu
//! dwuwymiarowego 2D): error correction L, the payload's UTF-8 bytes in
//! byte mode as one segment (no ECI header: the recommendation names the
//! encoding, and banking apps read the bytes as UTF-8), the smallest
//! version that holds it. Handed out as a module matrix; the shells (and
//! `mm taxes qr`) draw it with a quiet zone of 4 modules.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::Error;

/// Modules per side and the modules, row-major, `true` = dark.
pub fn matrix(payload: &str) -> Result<(u32, Vec<bool>), Error> {
    let code = encode(payload)?;
    let size = code.width() as u32;
    let modules = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    Ok((size, modules))
}

fn encode(payload: &str) -> Result<QrCode, Error> {
    let data = payload.as_bytes();
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        if bits.push_byte_data(data).is_ok() && bits.push_terminator(EcLevel::L).is_ok() {
            return QrCode::with_bits(bits, EcLevel::L).map_err(Error::internal);
        }
    }
    Err(Error::internal("the transfer payload does not fit a QR code"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zbp_payload_is_a_small_square_in_byte_mode() {
        let payload = "1234563218|PL|61109010140000071219812874|103700|Gmina Siechnice|Pod. nieruch. 2025 r.1 FN.3120|||";
        let (size, modules) = matrix(payload).unwrap();
        assert_eq!(modules.len(), (size * size) as usize);
        // 97 bytes in byte mode at level L: version 5 (37 modules) holds 106.
        assert_eq!(size, 37);
        assert_eq!(encode(payload).unwrap().error_correction_level(), EcLevel::L);
        // The finder pattern's top row in the corner: 7 dark modules.
        assert!(modules[..7].iter().all(|&m| m));
        assert!(!modules[7]);
    }
}
