//! Command line: `mm [--server URL] [--data-dir DIR] [--json] <command>`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mm",
    version,
    about = "mMieszkaniec w terminalu / mMieszkaniec in the terminal"
)]
pub struct Args {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "MM_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// Where the local store lives [default: $HOME/.local/share/mm].
    #[arg(long, global = true, env = "MM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Machine-readable JSON (the core's record shapes) instead of Polish text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            home.join(".local/share/mm")
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send queued writes, then fetch every change from the server.
    Sync {
        /// Changes per page.
        #[arg(long)]
        page_size: Option<u32>,
    },
    /// What the local store holds and whether writes wait.
    Status,
    /// Visible news: alerts first.
    News,
    /// Event occurrences by day (default: today and the next 30 days).
    Events {
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Category slug, e.g. `kultura`.
        #[arg(long)]
        category: Option<String>,
    },
    /// One event with its next dates.
    Event { id: i64 },
    /// A month grid with the days that have events, then the list.
    Calendar {
        /// YYYY-MM
        #[arg(value_parser = parse_month)]
        month: (i32, u32),
    },
    /// Search news and events (Polish letters optional).
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// One event as an iCalendar file.
    Ics { id: i64 },
    /// Notifications, newest first.
    Notifications,
}

fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let err = || format!("oczekiwano RRRR-MM / expected YYYY-MM, got `{s}`");
    let (y, m) = s.split_once('-').ok_or_else(err)?;
    let year: i32 = y.parse().map_err(|_| err())?;
    let month: u32 = m.parse().map_err(|_| err())?;
    if y.len() != 4 || !(1..=12).contains(&month) {
        return Err(err());
    }
    Ok((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-12"), Ok((2026, 12)));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("26-01").is_err());
        assert!(parse_month("2026/01").is_err());
    }

    #[test]
    fn usage_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
