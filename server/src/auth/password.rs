//! Argon2id password hashes in PHC string form (RFC 9106 parameters as the
//! argon2 crate defaults them), and the gate every hash and check in the
//! server goes through.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::{Rng, RngCore};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub fn hash(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks `password` against `stored`; with no stored hash (unknown login)
/// it checks against a dummy one, so both answers take about as long and
/// the timing does not tell which logins exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a real password").expect("argon2 works"));
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

/// A password for a new account when nobody typed one: 20 characters from
/// an alphabet without look-alikes, ~115 bits.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Bounds Argon2 work (19 MiB and tens of milliseconds per call): at most
/// `permits` hashes or checks run at once, at most `max_waiting` more wait
/// for a slot, and none waits longer than `max_wait`. Past that the caller
/// gets [`Busy`] at once, so a flood of sign-ins costs neither memory nor
/// blocking threads (security review 2026-12, finding 2).
pub struct PasswordGate {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// Every Argon2 slot is taken and the queue is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl PasswordGate {
    pub fn new(permits: usize, max_waiting: usize, max_wait: Duration) -> PasswordGate {
        PasswordGate {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    /// [`verify`] behind the gate.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Busy> {
        // A check that failed to run verified nothing.
        self.run(move || verify(&password, stored.as_deref())).await.map(|r| r.unwrap_or(false))
    }

    /// [`hash`] behind the gate; `Ok(None)` when hashing failed.
    pub async fn hash(&self, password: String) -> Result<Option<String>, Busy> {
        self.run(move || hash(&password).ok()).await.map(Option::flatten)
    }

    /// Runs `f` on the blocking pool once a slot is free. The slot moves
    /// into the blocking task, so it is held until Argon2 has finished even
    /// when the client hangs up and the request's future is dropped.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<Option<T>, Busy> {
        let permit = self.acquire().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .ok())
    }

    async fn acquire(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(p);
        }
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let ahead = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        if ahead >= self.max_waiting {
            return Err(Busy);
        }
        match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Busy),
        }
    }
}

impl Default for PasswordGate {
    /// As many slots as cores, between 2 and 4 (at most 76 MiB of Argon2
    /// memory), 16 waiting, 3 s at most.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordGate::new(cores.clamp(2, 4), 16, Duration::from_secs(3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = hash("zażółć gęślą jaźń").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("zażółć gęślą jaźń", Some(&h)));
        assert!(!verify("wrong", Some(&h)));
        assert!(!verify("not a real password", None));
    }

    #[tokio::test]
    async fn the_gate_refuses_beyond_its_slots_and_queue() {
        let gate = Arc::new(PasswordGate::new(1, 1, Duration::from_secs(5)));
        let held = gate.clone().permits.clone().try_acquire_owned().unwrap();
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.hash("first in the queue".into()).await })
        };
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.verify("x".into(), None).await, Err(Busy), "the queue is full");
        drop(held);
        assert!(waiter.await.unwrap().unwrap().is_some(), "the waiter got the slot");
        assert_eq!(gate.verify("x".into(), None).await, Ok(false));
    }
}
