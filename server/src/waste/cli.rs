//! `mm-server waste import DIR [--gmina TERYT]` (docs/WASTE.md): the
//! directory's `zones.csv`, `rules.csv`, `pickups.csv`, `dictionary.csv`,
//! `pszok.csv` (whichever it holds), all or nothing. What it prints is
//! counts and the bad lines (file, line, column, reason in Polish, then
//! English); the schedule is public, so nothing here is personal.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use mm_protocol::waste::FileKind;
use mm_protocol::waste::csv::MAX_FILE_BYTES;

use super::import::{ImportFailure, ImportFiles, import};
use crate::store::{Actor, Store};

/// Reads the import's files from `dir` (at least one must be there).
pub fn read_dir(dir: &Path) -> Result<ImportFiles> {
    let mut files = ImportFiles::default();
    for kind in FileKind::ALL {
        let path = dir.join(kind.file_name());
        if !path.exists() {
            continue;
        }
        let size = std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        if size > MAX_FILE_BYTES as u64 {
            bail!(
                "{} is larger than {} MB; nothing was imported",
                path.display(),
                MAX_FILE_BYTES / (1024 * 1024)
            );
        }
        files.set(
            kind,
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
        );
    }
    if files.is_empty() {
        let names: Vec<&str> = FileKind::ALL.iter().map(|k| k.file_name()).collect();
        bail!(
            "{} holds none of {}; nothing was imported",
            dir.display(),
            names.join(", ")
        );
    }
    Ok(files)
}

/// `waste import DIR`: one line of what it did for stdout; a refused
/// import is an error listing each bad line (main prints it on stderr and
/// exits with 1).
pub async fn import_dir(store: &dyn Store, dir: &Path) -> Result<String> {
    let files = read_dir(dir)?;
    match import(store, Actor("cli".into()), files, Utc::now()).await {
        Ok(done) => {
            let s = &done.stored;
            let n = |v: Option<usize>| v.map_or_else(|| "unchanged".to_owned(), |n| n.to_string());
            Ok(format!(
                "zones: {}; rules: {}; pickups: {}; dictionary: {}; pszok: {} (map places: {} created, {} updated); \
                 zones with changed dates: {} ({} notifications)",
                n(s.zones),
                n(s.rules),
                n(s.pickups),
                n(s.dictionary),
                n(s.pszok),
                done.places_created,
                done.places_updated,
                s.changed_zones.len(),
                s.notifications.len()
            ))
        }
        Err(ImportFailure::Refused(errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    let column = e
                        .column
                        .as_deref()
                        .map(|c| format!(" [{c}]"))
                        .unwrap_or_default();
                    format!(
                        "{}:{}{}: {} / {}",
                        e.file.file_name(),
                        e.line,
                        column,
                        e.pl,
                        e.en
                    )
                })
                .collect();
            bail!(
                "{} was refused ({} bad lines); nothing was changed\n{}",
                dir.display(),
                errors.len(),
                lines.join("\n")
            )
        }
        Err(ImportFailure::Store(e)) => {
            Err(anyhow::anyhow!("cannot import {}: {e}", dir.display()))
        }
    }
}
