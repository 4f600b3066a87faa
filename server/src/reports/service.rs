//! What every edge that takes reports shares (the app API, Open311, the
//! back office): the checks before a report is queued, the write charge,
//! the one creation path, paging, and the rules of an official's category.
//! Handlers stay small; these are called from more than one of them.

use mm_protocol::reports::{AttributeType, NewReport, ReportCategory};
use mm_protocol::validation::{FieldError, Validate};

use super::ratelimit::WriteError;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Created, IdempotencyKey, NewReportRecord};

/// The checks every new report passes before it is queued, whichever edge
/// it came by (app API or Open311): the contract's validation, then the
/// gmina boundary. The category, photos and retry key are checked by the
/// store in the writing transaction.
pub async fn precheck(state: &AppState, input: &NewReport) -> Result<(), AppError> {
    input.validate()?;
    state
        .boundary
        .check(state.store.as_ref(), input.point)
        .await??;
    Ok(())
}

/// Charges the write to the device and IP unless it is a retry of an
/// answered request.
pub async fn charge(
    state: &AppState,
    device: Option<&str>,
    ip: Option<std::net::IpAddr>,
    key: Option<&IdempotencyKey>,
) -> Result<(), WriteError> {
    match state
        .limits
        .admit(device, ip, key.map(|k| k.key.as_str()), state.clock.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(wait) => match key {
            // Forgotten after a restart, but still a retry: it passes.
            Some(k) if state.store.has_idempotency_key(&k.scope, &k.key).await? => Ok(()),
            _ => Err(WriteError::RateLimited(wait)),
        },
    }
}

/// Creates a report: the one path for the app and for Open311.
pub async fn submit(
    state: &AppState,
    device_id: Option<String>,
    key: Option<IdempotencyKey>,
    input: NewReport,
) -> Result<Created, AppError> {
    Ok(state
        .store
        .create_report(NewReportRecord {
            device_id,
            idempotency: key,
            input,
            now: state.clock.now(),
        })
        .await?)
}

pub fn parse_page(
    page: Option<&str>,
    size: Option<&str>,
    default: u32,
    max: u32,
) -> Result<(u32, u32), AppError> {
    let page = match page {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| AppError::invalid_query("page", "page must be a whole number from 1"))?,
    };
    let size = match size {
        None => default,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|s| (1..=max).contains(s))
            .ok_or_else(|| {
                AppError::invalid_query("page_size", format!("page_size must be 1..={max}"))
            })?,
    };
    Ok(((page - 1) * size, size))
}

fn slug_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A category's own rules (the contract has none for officials' input).
pub fn check_category(c: &ReportCategory) -> Result<(), FieldError> {
    let bad =
        |field: &str, en: &str| FieldError::new(field, "Nieprawidłowa wartość.", en.to_owned());
    if !slug_ok(&c.id) {
        return Err(bad("id", "The id must be 1-64 characters a-z, 0-9, _."));
    }
    for (f, v) in [("name_pl", &c.name_pl), ("name_en", &c.name_en)] {
        if v.trim().is_empty() || v.chars().count() > 200 {
            return Err(bad(f, "A name of 1-200 characters is required."));
        }
    }
    if c.target_hours == Some(0) {
        return Err(bad("target_hours", "The target must be at least one hour."));
    }
    let mut codes = std::collections::HashSet::new();
    for (i, a) in c.attributes.iter().enumerate() {
        let field = format!("attributes[{i}]");
        if !slug_ok(&a.code) || !codes.insert(a.code.as_str()) {
            return Err(bad(
                &field,
                "Attribute codes are unique slugs (a-z, 0-9, _).",
            ));
        }
        if a.label_pl.trim().is_empty() || a.label_en.trim().is_empty() {
            return Err(bad(
                &field,
                "Attributes need a Polish and an English label.",
            ));
        }
        match a.datatype {
            AttributeType::SingleChoice if a.values.is_empty() => {
                return Err(bad(&field, "A single choice needs its values."));
            }
            AttributeType::SingleChoice => {
                let mut keys = std::collections::HashSet::new();
                if !a
                    .values
                    .iter()
                    .all(|v| !v.key.trim().is_empty() && keys.insert(v.key.as_str()))
                {
                    return Err(bad(&field, "Value keys must be unique and non-empty."));
                }
                // An answer is trimmed before it is matched against the
                // keys, and the back office edits values one per line: a
                // key with spaces around it could never be chosen, and a
                // line break in a key or name could not be edited.
                let one_line = |t: &str| !t.chars().any(char::is_control);
                if !a.values.iter().all(|v| v.key.trim() == v.key && one_line(&v.key) && one_line(&v.name_pl) && one_line(&v.name_en)) {
                    return Err(bad(
                        &field,
                        "Value keys have no spaces around them, and keys and names are one line.",
                    ));
                }
            }
            _ if !a.values.is_empty() => {
                return Err(bad(&field, "Only a single choice has values."));
            }
            _ => {}
        }
    }
    Ok(())
}

