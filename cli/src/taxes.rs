//! `mm taxes [--as-of DAY]`, `mm taxes link CODE|qr ID --png FILE|pay ID|
//! unlink [TAXPAYER]|receipt ID|reminders [--days N]`.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use mm_core::{Core, CoreError, LiabilityView, Message, TaxPaymentState, TaxPaymentStatus};
use serde::Serialize;

use crate::args::TaxesAction;
use crate::output::Output;

/// Light modules around the code (ISO/IEC 18004 asks for 4).
const QUIET_ZONE: u32 = 4;
/// Pixels per module: a phone's camera reads it off a screen.
const PIXELS_PER_MODULE: u32 = 8;
const POLL_EVERY: Duration = Duration::from_secs(2);

pub async fn taxes(core: &Core, out: &Output, action: Option<TaxesAction>, as_of: Option<NaiveDate>) -> Result<(), CoreError> {
    let today = mm_core::display::local_day(Utc::now());
    match action {
        None => list(core, out, as_of.unwrap_or(today)).await,
        Some(TaxesAction::Link { code }) => {
            let t = core.taxes().link(&code).await?;
            out.show(&t, |t| println!("Połączono z podatnikiem {} ({}).", t.name, t.id));
            Ok(())
        }
        Some(TaxesAction::Qr { liability, png }) => {
            let d = core.taxes().liability(&liability, today).map_err(|e| unknown(e, &liability))?;
            if d.qr_size == 0 {
                return Err(CoreError::InvalidInput {
                    field: "liability".into(),
                    message: Message::new(
                        "Dla tego zobowiązania nie da się utworzyć kodu QR (nieprawidłowy rachunek).",
                        "No QR code can be made for this liability (invalid account).",
                    ),
                });
            }
            write_png(d.qr_size, &d.qr_modules, &png).map_err(|e| file_error(&png, e))?;
            out.show(&serde_json::json!({"png": png, "zbp": d.zbp_payload}), |_| {
                println!("Kod QR zapisano w {}.", png.display());
                println!("{}", d.zbp_payload);
                if let Some(note) = &d.amount_note {
                    println!("{note}");
                }
            });
            Ok(())
        }
        Some(TaxesAction::Pay { liability, amount, no_wait, timeout }) => {
            let id = core.taxes().pay(&liability, amount).await.map_err(|e| unknown(e, &liability))?;
            pay_and_wait(core, out, &id, no_wait, Duration::from_secs(timeout)).await
        }
        Some(TaxesAction::Unlink { taxpayer }) => {
            core.taxes().unlink(taxpayer.clone()).await?;
            out.show(&serde_json::json!({"unlinked": taxpayer}), |_| {
                println!("Usunięto dane podatkowe z tego urządzenia.")
            });
            Ok(())
        }
        Some(TaxesAction::Receipt { payment, out: file }) => {
            let html = core.taxes().receipt(&payment).await?;
            match file {
                Some(path) => {
                    std::fs::write(&path, html).map_err(|e| file_error(&path, e))?;
                    eprintln!("Potwierdzenie zapisano w {}.", path.display());
                }
                None => println!("{html}"),
            }
            Ok(())
        }
        Some(TaxesAction::Reminders { days }) => {
            if let Some(n) = days {
                core.taxes().set_reminder_days(n)?;
            }
            let list = core.taxes().reminders(today)?;
            out.show(&list, |list| {
                println!("Przypomnienia {} dni przed terminem.", core.taxes().reminder_days().unwrap_or(3));
                for r in list {
                    println!("{} — {}", r.title, r.body);
                }
            });
            Ok(())
        }
    }
}

/// One liability in `mm taxes --json` (the DESIGN's fields, then the status).
#[derive(Debug, Serialize)]
struct LiabilityJson {
    id: String,
    taxpayer: String,
    kind: mm_core::LiabilityKind,
    /// Nominal, as the decision states it.
    due_date: NaiveDate,
    effective_due_date: NaiveDate,
    amount_grosze: i64,
    payments: Vec<PaymentJson>,
    remaining_grosze: i64,
    interest_grosze: i64,
    total_grosze: i64,
    account: String,
    zbp: String,
    status: mm_core::LiabilityStatus,
}

#[derive(Debug, Serialize)]
struct PaymentJson {
    date: NaiveDate,
    amount_grosze: i64,
}

impl From<LiabilityView> for LiabilityJson {
    fn from(v: LiabilityView) -> Self {
        LiabilityJson {
            payments: v
                .record
                .payments
                .iter()
                .map(|p| PaymentJson { date: p.date, amount_grosze: p.amount_grosze })
                .collect(),
            id: v.record.id,
            taxpayer: v.record.taxpayer,
            kind: v.record.kind,
            due_date: v.record.due_date,
            effective_due_date: v.effective_due_date,
            amount_grosze: v.record.amount_grosze,
            remaining_grosze: v.remaining_grosze,
            interest_grosze: v.interest_grosze,
            total_grosze: v.total_grosze,
            account: v.record.account,
            zbp: v.zbp.payload,
            status: v.status,
        }
    }
}

async fn list(core: &Core, out: &Output, as_of: NaiveDate) -> Result<(), CoreError> {
    // The server's newest figures when it can be reached; the stored copy
    // (recomputed to the day) otherwise.
    if !core.taxes().taxpayers()?.is_empty()
        && let Err(e) = core.taxes().refresh().await
    {
        eprintln!("Dane z pamięci urządzenia ({}): {}", e.code(), e.message().pl);
    }
    if out.json {
        let list: Vec<LiabilityJson> = core.taxes().views(as_of)?.into_iter().map(Into::into).collect();
        out.show(&list, |_| {});
        return Ok(());
    }
    let screen = core.taxes().screen(as_of)?;
    if screen.taxpayers.is_empty() {
        println!("Brak połączonych podatników. Połącz kodem z decyzji podatkowej: mm taxes link KOD");
        return Ok(());
    }
    println!("Odsetki liczone na dzień {as_of}; dane podatkowe: {}", screen.fetched_text.to_lowercase());
    for l in &screen.liabilities {
        println!(
            "{}  {} {} — {} — {}  {}  [{}]{}",
            l.id,
            l.kind_text,
            l.period_text,
            l.taxpayer_name,
            l.due_text,
            l.total_text,
            l.status_text,
            if l.interest_grosze > 0 { format!(" (w tym odsetki {})", l.interest_text) } else { String::new() },
        );
    }
    println!("Razem do zapłaty: {} (po terminie: {})", screen.total_text, screen.overdue_text);
    Ok(())
}

async fn pay_and_wait(core: &Core, out: &Output, id: &str, no_wait: bool, timeout: Duration) -> Result<(), CoreError> {
    let start = Instant::now();
    let mut state = core.taxes().payment(id).await?;
    let mut shown_url = false;
    loop {
        if !shown_url && let Some(url) = &state.redirect_url {
            // The address first, on its own line: a script (or a person) opens it.
            if !out.json {
                println!("Płatność {id}: {url}");
            }
            shown_url = true;
        }
        if no_wait || state.status.is_final() || start.elapsed() >= timeout {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
        state = core.taxes().payment(id).await?;
    }
    out.show(&state, |s| println!("{}: {}", s.status_text, s.amount_text));
    finished(&state, no_wait)
}

fn finished(state: &TaxPaymentState, no_wait: bool) -> Result<(), CoreError> {
    match state.status {
        TaxPaymentStatus::Paid => Ok(()),
        TaxPaymentStatus::Queued | TaxPaymentStatus::Pending if no_wait => Ok(()),
        TaxPaymentStatus::Queued | TaxPaymentStatus::Pending => Err(CoreError::InvalidInput {
            field: "payment".into(),
            message: Message::new(
                format!("Nie doczekano się wyniku płatności {}; sprawdź później: mm taxes pay nie tworzy drugiej.", state.id),
                format!("No result for payment {} in time; check later.", state.id),
            ),
        }),
        TaxPaymentStatus::Failed | TaxPaymentStatus::Expired | TaxPaymentStatus::Refused => Err(CoreError::InvalidInput {
            field: "payment".into(),
            message: Message::new(
                format!("{}: {}", state.status_text, state.error_text.clone().unwrap_or_default()),
                format!("Payment {}: {}", state.status.as_str(), state.error_code.clone().unwrap_or_default()),
            ),
        }),
    }
}

/// `not_found` of a liability, said with its id.
fn unknown(e: CoreError, liability: &str) -> CoreError {
    match e {
        CoreError::NotFound { .. } => CoreError::InvalidInput {
            field: "liability".into(),
            message: Message::new(
                format!("Nie ma zobowiązania {liability} (lista: mm taxes)."),
                format!("No liability {liability} (list them: mm taxes)."),
            ),
        },
        other => other,
    }
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::InvalidInput {
        field: "file".into(),
        message: Message::new(
            format!("Nie można zapisać pliku {}: {e}", path.display()),
            format!("Cannot write file {}: {e}", path.display()),
        ),
    }
}

/// The module matrix as a black-on-white PNG with the quiet zone.
pub fn qr_image(size: u32, modules: &[bool]) -> image::GrayImage {
    let side = (size + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
    image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / PIXELS_PER_MODULE, y / PIXELS_PER_MODULE);
        let inside = (QUIET_ZONE..QUIET_ZONE + size).contains(&mx) && (QUIET_ZONE..QUIET_ZONE + size).contains(&my);
        let dark = inside && modules[((my - QUIET_ZONE) * size + (mx - QUIET_ZONE)) as usize];
        image::Luma([if dark { 0 } else { 255 }])
    })
}

fn write_png(size: u32, modules: &[bool], path: &Path) -> Result<(), image::ImageError> {
    qr_image(size, modules).save_with_format(path, image::ImageFormat::Png)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made matrix is not a QR code; this checks the drawing
    /// (quiet zone, scale, orientation) with an independent decoder on a
    /// real code from the core's encoder, through a PNG file.
    #[test]
    fn the_png_is_read_back_by_an_independent_decoder() {
        let payload = "1234563218|PL|61109010140000071219812874|103700|Gmina Siechnice|Pod. nieruch. 2025 r.1 FN.3120|||";
        let (size, modules) = mm_core::taxes_qr_matrix(payload).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.png");
        write_png(size, &modules, &path).unwrap();
        let img = image::open(&path).unwrap().to_luma8();
        assert_eq!(img.width(), (size + 8) * PIXELS_PER_MODULE);
        assert_eq!(img.get_pixel(0, 0).0, [255], "quiet zone");
        assert_eq!(decode(&img), payload);
    }

    pub(crate) fn decode(img: &image::GrayImage) -> String {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
                img.get_pixel(x as u32, y as u32).0[0]
            });
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }
}
