//! `mm-server taxes import FILE` and `mm-server taxes codes --out FILE.csv`
//! (docs/TAXES.md, "Import"). What they print carries counts and lines,
//! never a taxpayer's name, an amount or a code: the codes go only into the
//! owner-only file `codes` writes.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{Duration, Utc};
use mm_protocol::consultations::csv::csv_cell_escape;
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::{CODE_VALID_DAYS, format_code};

use super::codes::{hash_code, new_code};
use super::import::{self, Format, ImportError, MAX_FILE_BYTES};
use crate::store::{Actor, Store};

/// The handle of `--gmina`, or of the deployment's default gmina.
pub async fn gmina_store(store: Arc<dyn Store>, gmina: Option<&str>) -> Result<Arc<dyn Store>> {
    let Some(code) = gmina else { return Ok(store) };
    let teryt = Teryt::parse(code).map_err(|_| anyhow::anyhow!("--gmina {code}: not a TERYT code (7 digits)"))?;
    if store.gmina_record(&teryt).await?.is_none() {
        bail!("--gmina {code}: no such gmina in this deployment");
    }
    Ok(store.for_gmina(&teryt))
}

/// `taxes import`: the whole file or nothing. What it did, as one line for
/// stdout; a refused file is an error listing each bad row's line and
/// reason (main prints it on stderr and exits with 1).
pub async fn import_file(store: &dyn Store, file: &Path) -> Result<String> {
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > MAX_FILE_BYTES {
        bail!("{} is larger than {} MB; nothing was imported", file.display(), MAX_FILE_BYTES / (1024 * 1024));
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = Format::detect(&name, &bytes);
    match import::import(store, Actor("cli".into()), &format!("file:{name}"), format, &bytes, Utc::now()).await {
        Ok(run) => {
            let c = &run.counts;
            Ok(format!(
                "taxpayers: {} created, {} updated; liabilities: {} created, {} updated; {} unchanged; {} app payments booked",
                c.taxpayers_created, c.taxpayers_updated, c.liabilities_created, c.liabilities_updated, c.unchanged, c.payments_booked
            ))
        }
        Err(ImportError::Refused(run)) => {
            let lines: Vec<String> = run.errors.iter().map(|e| format!("line {}: {}", e.line, e.reason)).collect();
            bail!(
                "{} was refused ({} bad rows); nothing was changed\n{}",
                file.display(),
                run.errors.len(),
                lines.join("\n")
            )
        }
        Err(ImportError::Store(e)) => Err(anyhow::anyhow!("cannot import {}: {e}", file.display())),
    }
}

/// `taxes codes --out FILE.csv`: a fresh code for every taxpayer (the old
/// unused ones stop working), written to a new owner-only file for the
/// letters. The file is made first, so a code is never issued that nobody
/// can read; if the store refuses, the file is removed. What it did, as
/// one line for stdout (a count, never a code).
pub async fn issue_codes(store: &dyn Store, out: &Path) -> Result<String> {
    let mut file = owner_only_new_file(out)?;
    let written = async {
        let taxpayers = store.all_taxpayers().await?;
        let gmina = store.gmina_scope().clone();
        let codes: Vec<String> = taxpayers.iter().map(|_| new_code()).collect();
        let hashed = taxpayers.iter().zip(&codes).map(|(t, c)| (t.id.clone(), hash_code(&gmina, c))).collect();
        let now = Utc::now();
        let expires = now + Duration::days(CODE_VALID_DAYS);
        let mut text = String::from("taxpayer_id,name,activation_code,valid_until\n");
        for (t, c) in taxpayers.iter().zip(&codes) {
            let until = expires.with_timezone(&mm_protocol::LOCAL_TZ).date_naive();
            text.push_str(&format!("{},{},{},{until}\n", csv_field(&t.id), csv_field(&t.name), format_code(c)));
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        let n = store.issue_activation_codes(Actor("cli".into()), hashed, expires, now).await?;
        anyhow::Ok((n, expires))
    }
    .await;
    match written {
        Ok((n, expires)) => {
            Ok(format!("{n} activation codes written to {} (valid until {})", out.display(), expires.format("%Y-%m-%d")))
        }
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(e.context("no codes were issued"))
        }
    }
}

/// A new file only its owner reads (it holds codes and names); an existing
/// file is never overwritten.
fn owner_only_new_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; a
/// name from the tax system that reads as a formula is defused
/// (`csv_cell_escape`): the letters are merged in a spreadsheet.
fn csv_field(s: &str) -> String {
    let s = csv_cell_escape(s);
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
