//! Argon2id password hashes in PHC string form (RFC 9106 parameters as the
//! argon2 crate defaults them), and the gate every hash and check in the
//! server goes through.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::{Rng, RngCore};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

thread_local! {
    /// Argon2's working memory (19 MiB at the default parameters), kept
    /// per thread and reused. The crate's own `hash_password` allocates it
    /// afresh each time with 64-byte alignment, and glibc does not reuse
    /// such freed blocks: every call grew the process by 19 MiB for good
    /// (measured; part of security finding 2). Its pages go back to the
    /// kernel after each use ([`release`]).
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The PHC hash of `password` under `algorithm`, `version`, `params` and
/// `salt`, computed in this thread's reused memory.
fn compute<'a>(
    password: &[u8],
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt<'a>,
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let out_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let n = params.block_count();
    let output = BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < n {
            blocks.resize(n, Block::default());
        }
        let output = Output::init_with(out_len, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut blocks[..n])?)
        });
        release(&mut blocks);
        output
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Gives the pages of `blocks` back to the kernel and keeps the allocation
/// (`madvise(MADV_DONTNEED)`, madvise(2)): their next use reads zeros.
/// Every thread that had hashed a password held its 19 MiB resident (the
/// gate's, and the demo's start-up): most of the server's private memory
/// between sign-ins (`make bench-push`: 87-95 MB at the alert's peak, 31-34
/// with this). Faulting them in again costs about a millisecond of the
/// hash's tens. It also wipes what the hash left in them.
fn release(blocks: &mut [Block]) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
        let start = blocks.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(blocks);
        let (first, last) = (start.next_multiple_of(page), end / page * page);
        if last > first {
            // SAFETY: [first, last) lies inside `blocks`, borrowed mutably
            // here, in private anonymous memory; the kernel refills those
            // pages with zeros on the next access, and a zeroed `Block` (an
            // array of u64) is a valid one.
            unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_DONTNEED) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = blocks;
}

/// A new Argon2id hash (the crate's default parameters, a random salt).
pub fn hash(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    compute(password.as_bytes(), Algorithm::default(), Version::default(), Params::default(), salt.as_salt())
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
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    match compute(password.as_bytes(), algorithm, version.unwrap_or_default(), params, salt) {
        // `Output`'s equality is constant-time.
        Ok(computed) => computed.hash == Some(expected) && stored.is_some(),
        Err(_) => false,
    }
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
/// threads (security review 2026-12, finding 2).
///
/// The work runs on the gate's own `permits` threads, not on tokio's
/// blocking pool: the allocator keeps each thread's freed Argon2 memory for
/// that thread, so spreading the calls over the pool's hundreds of threads
/// grew the process by gigabytes even with few calls at once. On a fixed
/// few threads that memory is reused.
pub struct PasswordGate {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
    work: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Every Argon2 slot is taken and the queue is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl PasswordGate {
    pub fn new(permits: usize, max_waiting: usize, max_wait: Duration) -> PasswordGate {
        let permits = permits.max(1);
        let (work, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..permits {
            let jobs = jobs.clone();
            // The threads end when the gate (the only sender) is dropped.
            let spawned = std::thread::Builder::new().name(format!("mm-argon2-{i}")).spawn(move || {
                loop {
                    let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(job) = job else { break };
                    // A panicking job must not take its thread with it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start an Argon2 thread");
            }
        }
        PasswordGate {
            permits: Arc::new(Semaphore::new(permits)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
            work: Mutex::new(work),
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

    /// Runs `f` on one of the gate's threads once a slot is free. The slot
    /// moves into the job, so it is held until Argon2 has finished even
    /// when the client hangs up and the request's future is dropped.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<Option<T>, Busy> {
        let permit = self.acquire().await?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = f();
            drop(permit);
            let _ = done.send(out);
        });
        self.work.lock().unwrap_or_else(|p| p.into_inner()).send(job).map_err(|_| Busy)?;
        Ok(result.await.ok())
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
    fn hashes_agree_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash("hasło-1").unwrap();
        assert!(Argon2::default().verify_password("hasło-1".as_bytes(), &PasswordHash::new(&ours).unwrap()).is_ok());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default().hash_password("hasło-2".as_bytes(), &salt).unwrap().to_string();
        assert!(verify("hasło-2", Some(&theirs)));
        assert!(!verify("hasło-3", Some(&theirs)));
        // Other parameters (an older hash) still verify.
        let params = Params::new(8192, 3, 1, None).unwrap();
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(b"stare", &salt).unwrap().to_string();
        assert!(verify("stare", Some(&old)));
        assert!(!verify("nowe", Some(&old)));
    }

    /// Pages of this thread's Argon2 memory the kernel holds (mincore(2)).
    #[cfg(target_os = "linux")]
    fn resident_pages() -> usize {
        BLOCKS.with(|blocks| {
            let blocks = blocks.borrow();
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
            let start = blocks.as_ptr() as usize / page * page;
            let end = blocks.as_ptr() as usize + std::mem::size_of_val(&blocks[..]);
            let mut vec = vec![0u8; (end - start).div_ceil(page)];
            // SAFETY: the range is mapped (it holds `blocks`), `vec` has a
            // byte per page of it.
            assert_eq!(unsafe { libc::mincore(start as *mut libc::c_void, end - start, vec.as_mut_ptr()) }, 0);
            vec.iter().filter(|b| **b & 1 == 1).count()
        })
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_hashs_memory_goes_back_to_the_kernel_and_is_reused() {
        let h = hash("hasło").unwrap();
        let pages = BLOCKS.with(|b| b.borrow().len()) * std::mem::size_of::<Block>() / 4096;
        assert!(pages > 4000, "19 MiB of blocks: {pages} pages");
        // The two partial pages at the ends may stay.
        assert!(resident_pages() <= 2, "{} pages resident", resident_pages());
        // Zeroed pages hash as well as fresh ones.
        assert!(verify("hasło", Some(&h)));
        assert!(resident_pages() <= 2);
        let capacity = BLOCKS.with(|b| b.borrow().as_ptr() as usize);
        assert!(verify("hasło", Some(&h)));
        assert_eq!(BLOCKS.with(|b| b.borrow().as_ptr() as usize), capacity, "the allocation is reused");
    }

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
