//! Who answers a consultation, as the store keeps it: a respondent key,
//! an HMAC under the consultation's own secret `k_c`
//! (`BudgetKeys::consultation`: the deployment's budget master key,
//! outside the database, plan §4). Never a device id, a name or a PESEL.
//!
//! - one answer per device: `HMAC(k_c, "device:" + device_id)`;
//! - one answer per verified person: `HMAC(k_c, register_message(id,
//!   identity))`, the budget register's message
//!   (`mm_protocol::budget::identity::register_message`) with the
//!   consultation's id in the edition's place. The person's keys in two
//!   consultations, or in a consultation and a budget edition, differ and
//!   cannot be linked without the master key.
//!
//! `Debug` of both types prints `***`.

use std::fmt;

use hmac::{Hmac, Mac};
use mm_protocol::budget::identity::{NormalIdentity, NormalPhone, register_message};
use sha2::Sha256;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// One consultation's secret `k_c` (`BudgetKeys::consultation`).
#[derive(Clone)]
pub struct ConsultationKey {
    k: [u8; 32],
    consultation: i64,
}

impl fmt::Debug for ConsultationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsultationKey(***)")
    }
}

/// A respondent's key in one consultation: the store's "who answered".
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RespondentKey(pub [u8; 32]);

impl fmt::Debug for RespondentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RespondentKey(***)")
    }
}

impl RespondentKey {
    pub fn to_vec(self) -> Vec<u8> {
        self.0.to_vec()
    }
}

impl ConsultationKey {
    /// Only `BudgetKeys::consultation` makes one (it holds the master key).
    pub(crate) fn new(k: [u8; 32], consultation: i64) -> ConsultationKey {
        ConsultationKey { k, consultation }
    }

    /// The key of a device (one answer per device).
    pub fn device(&self, device_id: &str) -> RespondentKey {
        RespondentKey(hmac(&self.k, &[b"device:", device_id.as_bytes()]))
    }

    /// The key of a verified person (one answer per person), from the
    /// identity normalised as the consultation's `Verification` says.
    pub fn person(&self, identity: &NormalIdentity) -> RespondentKey {
        RespondentKey(hmac(&self.k, &[&register_message(self.consultation, identity)]))
    }

    /// A phone number's key, naming its SMS rate-limit bucket.
    pub fn phone(&self, phone: &NormalPhone) -> [u8; 32] {
        hmac(&self.k, &[b"phone:", phone.as_str().as_bytes()])
    }
}

#[cfg(test)]
mod tests {
    use mm_protocol::budget::identity::normalise;
    use mm_protocol::budget::model::{IdentityInput, IdentityMode};
    use mm_protocol::gmina::Teryt;

    use crate::budget::identity::BudgetKeys;

    fn teryt(s: &str) -> Teryt {
        Teryt::parse(s).unwrap()
    }

    #[test]
    fn keys_differ_by_consultation_gmina_master_and_kind_and_are_stable() {
        let keys = BudgetKeys::from_bytes(&[5u8; 32]).unwrap();
        let g = teryt("0223083");
        let k = keys.consultation(&g, 1).device("dev-1");
        assert_eq!(k, BudgetKeys::from_bytes(&[5u8; 32]).unwrap().consultation(&g, 1).device("dev-1"));
        for other in [
            keys.consultation(&g, 2).device("dev-1"),
            keys.consultation(&g, 1).device("dev-2"),
            keys.consultation(&teryt("0223011"), 1).device("dev-1"),
            BudgetKeys::from_bytes(&[6u8; 32]).unwrap().consultation(&g, 1).device("dev-1"),
        ] {
            assert_ne!(k, other);
        }
        let input = IdentityInput {
            first_name: "Jan".into(),
            last_name: "Kowalski".into(),
            pesel: Some("44051401359".into()),
            ..Default::default()
        };
        let person = normalise(IdentityMode::Pesel, &input).unwrap();
        let p1 = keys.consultation(&g, 1).person(&person);
        assert_eq!(p1, keys.consultation(&g, 1).person(&normalise(IdentityMode::Pesel, &input).unwrap()));
        assert_ne!(p1, keys.consultation(&g, 2).person(&person));
        // Not the budget register's key of the same number (edition 1).
        assert_ne!(p1.0, keys.edition(&g, 1).voter(&person).0);
        assert_eq!(format!("{p1:?}"), "RespondentKey(***)");
        assert_eq!(format!("{:?}", keys.consultation(&g, 1)), "ConsultationKey(***)");
    }
}
