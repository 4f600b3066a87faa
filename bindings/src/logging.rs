use std::sync::Once;

static INIT: Once = Once::new();

/// Starts logging once per process; later calls do nothing. `level` is a
/// level or per-target levels (`"info"`, `"mm_core=debug,info"`); a bad one
/// means `info`.
/// On Android the records go to logcat under the tag `mMieszkaniec`
/// (`tracing`'s `log` feature feeds `android_logger`); elsewhere to stderr.
#[uniffi::export]
pub fn init_logging(level: String) {
    INIT.call_once(|| platform::init(&level));
}

#[cfg(target_os = "android")]
mod platform {
    pub fn init(level: &str) {
        let max = match level.rsplit(',').next().unwrap_or("info").rsplit('=').next().unwrap_or("info") {
            "trace" => log::LevelFilter::Trace,
            "debug" => log::LevelFilter::Debug,
            "warn" => log::LevelFilter::Warn,
            "error" => log::LevelFilter::Error,
            "off" => log::LevelFilter::Off,
            _ => log::LevelFilter::Info,
        };
        android_logger::init_once(android_logger::Config::default().with_max_level(max).with_tag("mMieszkaniec"));
    }
}

#[cfg(not(target_os = "android"))]
mod platform {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;

    pub fn init(level: &str) {
        let filter: Targets = level.parse().unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO));
        let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
        // Another subscriber (a host app's) may already be installed: keep it.
        let _ = tracing_subscriber::registry().with(fmt.with_filter(filter)).try_init();
    }
}
