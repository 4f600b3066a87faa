//! Where results go: JSON on stdout under `--json`, Polish text otherwise;
//! errors always on stderr as Polish, English, code.

use mm_core::CoreError;
use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or runs `human` to print it for people.
    pub fn show<T: Serialize>(&self, value: &T, human: impl FnOnce(&T)) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("json: {e}"),
            }
        } else {
            human(value);
        }
    }

    pub fn error(&self, e: &CoreError) {
        let m = e.message();
        if self.json {
            let body = serde_json::json!({"error": {"code": e.code(), "message": m}});
            println!("{body}");
        }
        eprintln!("Błąd: {}", m.pl);
        eprintln!("Error: {}", m.en);
        eprintln!("Kod / code: {}", e.code());
        tracing::debug!(error = %e, "command failed");
    }
}
