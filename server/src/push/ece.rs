//! RFC 8291 message encryption for Web Push, in the RFC 8188 `aes128gcm`
//! content coding, on ring (the tree's TLS crypto): its P-256 ECDH is
//! several times faster than RustCrypto's, and an alert's fan-out encrypts
//! one message per Web Push device (`make bench-push`).
//!
//! Per message (RFC 8291 §3.1, §3.4, §4):
//! 1. a new ECDH key pair (`as_private`, `as_public`) and a random 16-byte
//!    salt;
//! 2. `ecdh_secret` = ECDH(`as_private`, `ua_public`);
//! 3. `PRK_key` = HKDF-Extract(`auth_secret`, `ecdh_secret`);
//!    `IKM` = HKDF-Expand(`PRK_key`, "WebPush: info" ‖ 0x00 ‖ `ua_public` ‖
//!    `as_public`, 32);
//! 4. `PRK` = HKDF-Extract(`salt`, `IKM`); `CEK` = HKDF-Expand(`PRK`,
//!    "Content-Encoding: aes128gcm" ‖ 0x00, 16); `NONCE` = HKDF-Expand(`PRK`,
//!    "Content-Encoding: nonce" ‖ 0x00, 12);
//! 5. one record: AES-128-GCM(`CEK`, `NONCE`, cleartext ‖ 0x02), the
//!    delimiter of the last record (RFC 8188 §2), no further padding;
//! 6. the body: `salt` ‖ `rs` (u32, big-endian) ‖ `idlen` = 65 ‖ `keyid` =
//!    `as_public` ‖ the record.
//!
//! The receiver in `tests/src/fake_webpush.rs` decrypts with another
//! implementation (`web-push-native`, RustCrypto), and so does this
//! module's test.

use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
use ring::hkdf::{HKDF_SHA256, KeyType, Prk, Salt};
use ring::rand::{SecureRandom, SystemRandom};

/// The record size announced in the header (RFC 8188 §2.1): the one
/// record must fit, and 4096 is the size every push service takes.
const RECORD_SIZE: u32 = 4096;
/// An uncompressed P-256 point (SEC 1 §2.3.3).
const PUBLIC_KEY_LEN: usize = 65;

/// Why a message could not be encrypted.
#[derive(Debug, PartialEq, Eq)]
pub enum EceError {
    /// `ua_public` is not a point on P-256, or `auth` is not 16 bytes.
    BadSubscriptionKey,
    /// Cleartext, delimiter and tag do not fit one record.
    TooLong,
    /// The random source or a primitive failed.
    Crypto,
}

/// The `aes128gcm` body of `cleartext` for the subscription whose
/// `p256dh` is `ua_public` (65 bytes) and whose secret is `auth`.
pub fn encrypt(cleartext: &[u8], ua_public: &[u8], auth: &[u8]) -> Result<Vec<u8>, EceError> {
    if ua_public.len() != PUBLIC_KEY_LEN || auth.len() != 16 {
        return Err(EceError::BadSubscriptionKey);
    }
    // Header, then cleartext, delimiter and tag must fit in one record.
    if cleartext.len() + 1 + AES_128_GCM.tag_len() > RECORD_SIZE as usize {
        return Err(EceError::TooLong);
    }
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| EceError::Crypto)?;
    let as_private = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| EceError::Crypto)?;
    let as_public = as_private.compute_public_key().map_err(|_| EceError::Crypto)?;
    let as_public = as_public.as_ref();

    // ring checks that the peer's point is on the curve.
    let ikm = agree_ephemeral(as_private, &UnparsedPublicKey::new(&ECDH_P256, ua_public), |ecdh_secret| {
        let prk_key = Salt::new(HKDF_SHA256, auth).extract(ecdh_secret);
        expand::<32>(&prk_key, &[b"WebPush: info\0", ua_public, as_public])
    })
    .map_err(|_| EceError::BadSubscriptionKey)??;
    let prk = Salt::new(HKDF_SHA256, &salt).extract(&ikm);
    let cek = expand::<16>(&prk, &[b"Content-Encoding: aes128gcm\0"])?;
    let nonce = expand::<12>(&prk, &[b"Content-Encoding: nonce\0"])?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + PUBLIC_KEY_LEN + cleartext.len() + 1 + AES_128_GCM.tag_len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(PUBLIC_KEY_LEN as u8);
    body.extend_from_slice(as_public);
    let header_len = body.len();
    body.extend_from_slice(cleartext);
    body.push(2);
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).map_err(|_| EceError::Crypto)?);
    // The key and nonce are derived from this message's own salt and key
    // pair: never used twice.
    let mut record = body.split_off(header_len);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut record)
        .map_err(|_| EceError::Crypto)?;
    body.extend_from_slice(&record);
    Ok(body)
}

/// HKDF-Expand (RFC 5869 §2.3) to `N` bytes.
fn expand<const N: usize>(prk: &Prk, info: &[&[u8]]) -> Result<[u8; N], EceError> {
    struct Len(usize);
    impl KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let mut out = [0u8; N];
    prk.expand(info, Len(N)).and_then(|okm| okm.fill(&mut out)).map_err(|_| EceError::Crypto)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    /// A subscriber's key pair and secret, as a browser or UnifiedPush
    /// distributor makes them.
    fn subscriber() -> (p256::SecretKey, Vec<u8>, [u8; 16]) {
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let public = secret.public_key().to_encoded_point(false).as_bytes().to_vec();
        (secret, public, [7u8; 16])
    }

    #[test]
    fn another_implementation_decrypts_what_we_encrypt() {
        let (secret, public, auth) = subscriber();
        let text = "Zgłoszenie nr 12: Przyjęte — żółć".as_bytes();
        let body = encrypt(text, &public, &auth).unwrap();
        assert_eq!(body.len(), 86 + text.len() + 1 + 16);
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        let clear = web_push_native::decrypt(body, &secret, web_push_native::Auth::from_slice(&auth)).unwrap();
        assert_eq!(clear, text);
    }

    #[test]
    fn every_message_has_its_own_salt_and_key_pair() {
        let (_, public, auth) = subscriber();
        let (a, b) = (encrypt(b"x", &public, &auth).unwrap(), encrypt(b"x", &public, &auth).unwrap());
        assert_ne!(a[..16], b[..16], "salt");
        assert_ne!(a[21..86], b[21..86], "as_public");
    }

    #[test]
    fn the_wrong_secret_does_not_decrypt() {
        let (secret, public, auth) = subscriber();
        let body = encrypt(b"tajne", &public, &auth).unwrap();
        assert!(web_push_native::decrypt(body, &secret, web_push_native::Auth::from_slice(&[8u8; 16])).is_err());
    }

    #[test]
    fn bad_keys_and_oversized_text_are_refused() {
        let (_, public, auth) = subscriber();
        let mut off_curve = public.clone();
        off_curve[64] ^= 1;
        assert_eq!(encrypt(b"x", &off_curve, &auth), Err(EceError::BadSubscriptionKey));
        assert_eq!(encrypt(b"x", &public[..33], &auth), Err(EceError::BadSubscriptionKey));
        assert_eq!(encrypt(b"x", &public, &auth[..15]), Err(EceError::BadSubscriptionKey));
        assert_eq!(encrypt(&[b'a'; 4080], &public, &auth), Err(EceError::TooLong));
        assert!(encrypt(&[b'a'; 4079], &public, &auth).is_ok());
    }
}
