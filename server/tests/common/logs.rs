//! Every log line the test's thread writes (a `#[tokio::test]` runs its
//! tasks on that thread), for the tests that check no personal data reaches
//! a log.

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// At the level a deployment logs (info), and everything of
    /// mm-server's own down to trace.
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        Self::capture_with("info,mm_server=trace")
    }

    /// With an `EnvFilter` directive of the test's choosing.
    pub fn capture_with(filter: &str) -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let buf = logs.0.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(move || LogWriter(buf.clone()))
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // The other tests of the binary run on parallel threads without this
        // subscriber, and tracing caches each callsite's interest per
        // process: one registered while ours was being set may have cached
        // "no interest". Rebuilt here, the cache includes this subscriber.
        tracing::callsite::rebuild_interest_cache();
        (logs, guard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Fails when any of `secrets` is in a line.
    pub fn assert_free_of(&self, secrets: &[&str]) {
        let text = self.text();
        for s in secrets {
            assert!(!s.is_empty());
            if let Some(line) = text.lines().find(|l| l.contains(s)) {
                panic!("a log line holds personal data ({s}): {line}");
            }
        }
    }
}
