//! The back office's waste-collection schedule (issue 16, docs/WASTE.md):
//! the import form (the five CSV files, `multipart/form-data`), the report
//! of every bad line (file, line, column, reason in Polish then English;
//! a refused import changes nothing and answers 400), the zones with their
//! next pickups, the PSZOK and the dictionary.
//!
//! Who: admins and editors. The schedule is public information the gmina
//! publishes, as news and events are (`Role::can_publish`), not personal
//! data kept to one department as taxes are. Another gmina's official
//! never reaches this gmina's page (the session names its gmina, `Staff`).
//! The form carries the CSRF token like every other; posting the same
//! files again stores the same schedule and notifies nobody (no date
//! changed), so a replayed form is harmless.

use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Days;
use mm_protocol::waste::{FileKind, ImportError};

use super::session::{Staff, same};
use super::view::{AdminError, AdminResult, Page, PageCtx, local};
use crate::state::AppState;
use crate::store::waste::local_today;
use crate::tenant::Tenant;
use crate::waste::import::{ImportFailure, ImportFiles, import};

/// The largest upload: five files of `csv::MAX_FILE_BYTES` and the form's
/// own bytes (the route's body limit; the app's 1 MiB is for JSON).
pub const UPLOAD_MAX: usize = 5 * mm_protocol::waste::csv::MAX_FILE_BYTES + 64 * 1024;
/// Next pickups shown per zone.
const NEXT_SHOWN: usize = 8;

fn permit(staff: &Staff) -> AdminResult<()> {
    staff.permit(staff.role.can_publish())
}

struct ErrorRow {
    file: &'static str,
    line: usize,
    column: String,
    pl: String,
    en: String,
}

struct ZoneRow {
    id: String,
    name: String,
    description: String,
    next: Vec<(String, String, String)>,
}

struct EntryRow {
    item: String,
    fraction: String,
    note: String,
}

struct PszokRow {
    name: String,
    address: String,
    hours: String,
    accepts: String,
}

#[derive(Template)]
#[template(path = "admin/waste.html")]
struct WastePage<'a> {
    ctx: PageCtx<'a>,
    notice: Option<(String, bool)>,
    errors: Vec<ErrorRow>,
    updated: String,
    zones: Vec<ZoneRow>,
    pszok: Vec<PszokRow>,
    dictionary: Vec<EntryRow>,
    kinds: Vec<(&'static str, &'static str)>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<(String, bool)>,
    errors: Vec<ImportError>,
) -> AdminResult<Response> {
    let lang = staff.lang;
    let store = state.store.as_ref();
    let today = local_today(state.clock.now());
    let until = today.checked_add_days(Days::new(366)).unwrap_or(today);
    let mut zones = Vec::new();
    for z in store.waste_zones().await? {
        let next = store
            .waste_pickups(&z.id, today, until)
            .await?
            .into_iter()
            .take(NEXT_SHOWN)
            .map(|p| {
                let label = lang
                    .t(p.fraction.label_pl(), p.fraction.label_en())
                    .to_owned();
                (
                    p.date.format("%Y-%m-%d").to_string(),
                    label,
                    p.note.unwrap_or_default(),
                )
            })
            .collect();
        zones.push(ZoneRow {
            id: z.id,
            name: z.name,
            description: z.description.unwrap_or_default(),
            next,
        });
    }
    let dictionary = store
        .waste_dictionary()
        .await?
        .into_iter()
        .map(|e| EntryRow {
            item: e.item,
            fraction: lang
                .t(e.fraction.label_pl(), e.fraction.label_en())
                .to_owned(),
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let pszok = store
        .waste_pszok()
        .await?
        .into_iter()
        .map(|p| PszokRow {
            name: p.name,
            address: p.address,
            hours: p.opening_hours,
            accepts: p.accepts.join(", "),
        })
        .collect();
    let updated = store
        .waste_updated_at()
        .await?
        .map(local)
        .unwrap_or_else(|| lang.t("nigdy", "never").to_owned());
    let errors = errors
        .into_iter()
        .map(|e| ErrorRow {
            file: e.file.file_name(),
            line: e.line,
            column: e.column.unwrap_or_default(),
            pl: e.pl,
            en: e.en,
        })
        .collect();
    let kinds = FileKind::ALL
        .iter()
        .map(|k| (kind_field(*k), k.file_name()))
        .collect();
    let ctx = PageCtx::new(
        staff,
        "/admin/waste",
        lang.t("Harmonogram odbioru odpadów", "Waste-collection schedule"),
    );
    Ok(Page::with_status(
        status,
        WastePage {
            ctx,
            notice,
            errors,
            updated,
            zones,
            pszok,
            dictionary,
            kinds,
        },
    )
    .into_response())
}

/// The form field of a file kind.
fn kind_field(k: FileKind) -> &'static str {
    match k {
        FileKind::Zones => "zones",
        FileKind::Rules => "rules",
        FileKind::Pickups => "pickups",
        FileKind::Dictionary => "dictionary",
        FileKind::Pszok => "pszok",
    }
}

pub async fn get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&staff)?;
    page(&state, &staff, StatusCode::OK, None, Vec::new()).await
}

pub async fn import_post(
    Tenant(state): Tenant,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> AdminResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(parts) = multipart::parse(content_type, &body) else {
        return Err(AdminError::bad_request(
            "Nieprawidłowy formularz (oczekiwano plików w multipart/form-data).",
            "Malformed form (expected files as multipart/form-data).",
        ));
    };
    let csrf = parts
        .iter()
        .find(|p| p.name == "csrf")
        .map(|p| String::from_utf8_lossy(p.data).into_owned());
    if !csrf.is_some_and(|t| same(&t, &staff.csrf)) {
        return Err(AdminError::csrf());
    }
    permit(&staff)?;
    let mut files = ImportFiles::default();
    for kind in FileKind::ALL {
        // A file input left empty sends a part without a file name or bytes.
        if let Some(p) = parts
            .iter()
            .find(|p| p.name == kind_field(kind) && !p.data.is_empty())
        {
            files.set(kind, p.data.to_vec());
        }
    }
    let t = |pl: &str, en: &str| staff.lang.t(pl, en).to_owned();
    if files.is_empty() {
        let notice = t(
            "Wybierz co najmniej jeden plik.",
            "Choose at least one file.",
        );
        return page(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some((notice, true)),
            Vec::new(),
        )
        .await;
    }
    match import(
        state.store.as_ref(),
        staff.actor(),
        files,
        state.clock.now(),
    )
    .await
    {
        Ok(done) => {
            let s = &done.stored;
            let notice = format!(
                "{} {}",
                t("Zaimportowano harmonogram.", "The schedule was imported."),
                t(
                    &format!(
                        "Rejony ze zmienionymi terminami: {} (powiadomienia: {}).",
                        s.changed_zones.len(),
                        s.notifications.len()
                    ),
                    &format!(
                        "Zones with changed dates: {} (notifications: {}).",
                        s.changed_zones.len(),
                        s.notifications.len()
                    ),
                )
            );
            page(
                &state,
                &staff,
                StatusCode::OK,
                Some((notice, false)),
                Vec::new(),
            )
            .await
        }
        Err(ImportFailure::Refused(errors)) => {
            let notice = t(
                &format!(
                    "Import odrzucony: błędne wiersze: {}. Nic nie zostało zmienione.",
                    errors.len()
                ),
                &format!(
                    "Import refused: {} bad lines. Nothing was changed.",
                    errors.len()
                ),
            );
            page(
                &state,
                &staff,
                StatusCode::BAD_REQUEST,
                Some((notice, true)),
                errors,
            )
            .await
        }
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}

/// A `multipart/form-data` body (RFC 7578) read whole: the parts' names
/// and bytes. The body is already bounded by the route's limit; no part
/// is copied.
pub mod multipart {
    pub struct Part<'a> {
        pub name: String,
        pub data: &'a [u8],
    }

    fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    }

    /// The boundary of a `multipart/form-data; boundary=...` content type.
    fn boundary(content_type: &str) -> Option<String> {
        let (kind, params) = content_type.split_once(';')?;
        if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
            return None;
        }
        params.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_owned())
        })
    }

    /// `name="..."` of a part's Content-Disposition.
    fn name(headers: &str) -> Option<String> {
        let line = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let at = line.find("name=\"")? + 6;
        let end = line[at..].find('"')? + at;
        Some(line[at..end].to_owned())
    }

    /// The parts, or `None` when the body is not well formed.
    pub fn parse<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
        let b = boundary(content_type)?;
        if b.is_empty() || b.len() > 200 {
            return None;
        }
        let delimiter = format!("--{b}").into_bytes();
        let mut at = find(body, &delimiter, 0)? + delimiter.len();
        let mut parts = Vec::new();
        loop {
            if body.get(at..at + 2) == Some(b"--") {
                return Some(parts);
            }
            if body.get(at..at + 2) != Some(b"\r\n") {
                return None;
            }
            let head_end = find(body, b"\r\n\r\n", at + 2)?;
            let headers = std::str::from_utf8(&body[at + 2..head_end]).ok()?;
            let start = head_end + 4;
            let next = find(body, &[b"\r\n".as_slice(), &delimiter].concat(), start)?;
            parts.push(Part {
                name: name(headers)?,
                data: &body[start..next],
            });
            at = next + 2 + delimiter.len();
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reads_fields_and_files_and_refuses_a_cut_body() {
            let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"zones\"; filename=\"zones.csv\"\r\nContent-Type: text/csv\r\n\r\nzone;name\r\nA;x\r\n\r\n--XyZ--\r\n";
            let parts = parse("multipart/form-data; boundary=XyZ", body).unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(
                (parts[0].name.as_str(), parts[0].data),
                ("csrf", b"abc".as_slice())
            );
            assert_eq!(parts[1].data, b"zone;name\r\nA;x\r\n".as_slice());
            assert!(parse("multipart/form-data; boundary=XyZ", &body[..60]).is_none());
            assert!(parse("application/x-www-form-urlencoded", body).is_none());
        }
    }
}
