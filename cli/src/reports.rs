//! `mm report new|follow|unfollow|discard|retry|ID`, `mm reports [near]`,
//! `mm report-categories`.

use std::io::{BufRead, IsTerminal, Write};

use mm_core::{
    Core, CoreError, GeoPoint, LocationSource, Message, MyReport, MyReportState, Report,
    ReportDraftUpdate, ReportSummary,
};

use crate::args::{ReportAction, ReportsAction};
use crate::format;
use crate::output::Output;

pub async fn report(
    core: &Core,
    out: &Output,
    action: Option<ReportAction>,
    id: Option<i64>,
    local: bool,
) -> Result<(), CoreError> {
    match (action, id) {
        (
            Some(ReportAction::New {
                category,
                lat,
                lon,
                accuracy,
                address,
                description,
                answers,
                photos,
                yes,
            }),
            _,
        ) => {
            let draft = core.reports().create_draft(&category)?;
            // The CLI makes a report in one go: a draft that cannot be sent goes.
            let result = async {
                core.reports().update_draft(
                    &draft.id,
                    ReportDraftUpdate {
                        point: Some(GeoPoint { lat, lon }),
                        accuracy_m: accuracy,
                        location_source: Some(if accuracy.is_some() {
                            LocationSource::Gps
                        } else {
                            LocationSource::Pin
                        }),
                        address,
                        description: Some(description),
                        answers: Some(answers.into_iter().collect()),
                        ..Default::default()
                    },
                )?;
                for path in &photos {
                    let bytes = std::fs::read(path).map_err(|e| CoreError::InvalidInput {
                        field: "photo".into(),
                        message: Message::new(
                            format!("Nie można odczytać pliku {}: {e}", path.display()),
                            format!("Cannot read the file {}: {e}", path.display()),
                        ),
                    })?;
                    let p = core.reports().add_photo(&draft.id, bytes)?;
                    eprintln!(
                        "zdjęcie {}: {}×{} px, {} kB (bez metadanych)",
                        path.display(),
                        p.width,
                        p.height,
                        p.bytes / 1024
                    );
                }
                core.reports().validate_draft(&draft.id)?;
                let dups = core.reports().possible_duplicates(&draft.id)?;
                if !dups.is_empty() {
                    eprintln!(
                        "Uwaga: w pobliżu są już otwarte zgłoszenia tej kategorii (może to samo?):"
                    );
                    for d in &dups {
                        eprintln!(
                            "  nr {} ({:.0} m, {}): {}",
                            d.id,
                            d.distance_m,
                            d.status.label_pl(),
                            d.description
                        );
                    }
                    eprintln!("  Zamiast nowego możesz obserwować istniejące: mm report follow ID");
                    if !yes && std::io::stdin().is_terminal() && !confirm("Wysłać mimo to? [t/N] ")
                    {
                        return Ok(None);
                    }
                }
                Ok(Some(core.reports().submit_draft(&draft.id)?))
            }
            .await;
            let mine = match result {
                Ok(Some(m)) => m,
                Ok(None) => {
                    core.reports().delete_draft(&draft.id)?;
                    eprintln!("Anulowano; nic nie wysłano.");
                    return Ok(());
                }
                Err(e) => {
                    let _ = core.reports().delete_draft(&draft.id);
                    return Err(e);
                }
            };
            // Offline is fine: it stays queued for the next sync.
            core.flush_outbox().await?;
            let mine = core.reports().my_report(mine.local_id)?;
            out.show(&mine, print_sending_outcome);
            Ok(())
        }
        (Some(ReportAction::Retry { local_id }), _) => {
            core.reports().retry_failed(local_id)?;
            core.flush_outbox().await?;
            out.show(&core.reports().my_report(local_id)?, print_sending_outcome);
            Ok(())
        }
        (Some(ReportAction::Follow { id }), _) => follow(core, out, id, true).await,
        (Some(ReportAction::Unfollow { id }), _) => follow(core, out, id, false).await,
        (Some(ReportAction::Discard { local_id }), _) => {
            core.reports().discard_failed(local_id)?;
            out.show(&serde_json::json!({"discarded": local_id}), |_| {
                println!("Usunięto zgłoszenie {local_id}.")
            });
            Ok(())
        }
        (None, Some(id)) => detail(core, out, id, local),
        (None, None) => Err(CoreError::InvalidInput {
            field: "id".into(),
            message: Message::new(
                "Podaj numer zgłoszenia albo polecenie (new, follow).",
                "Give a report id or a command (new, follow).",
            ),
        }),
    }
}

/// Where a report just sent (or queued) stands.
fn print_sending_outcome(m: &MyReport) {
    match m.state {
        MyReportState::Sent => println!(
            "Wysłano: zgłoszenie nr {} (na urządzeniu: {}).",
            m.server_id.unwrap_or_default(),
            m.local_id
        ),
        MyReportState::Failed => println!(
            "Serwer odrzucił zgłoszenie: {}",
            m.error.as_ref().map(|e| e.message.pl.as_str()).unwrap_or("")
        ),
        _ => println!(
            "W kolejce (queued): zgłoszenie {} zostanie wysłane przy następnej synchronizacji.",
            m.local_id
        ),
    }
}

fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(
        line.trim().to_lowercase().as_str(),
        "t" | "tak" | "y" | "yes"
    )
}

async fn follow(core: &Core, out: &Output, id: i64, on: bool) -> Result<(), CoreError> {
    if on {
        core.reports().follow(id)?;
    } else {
        core.reports().unfollow(id)?;
    }
    let summary = core.flush_outbox().await?;
    out.show(&summary, |s| {
        let what = if on {
            "Obserwujesz"
        } else {
            "Nie obserwujesz już"
        };
        let how = if s.pending > 0 {
            " (wyślę przy następnej synchronizacji)"
        } else {
            ""
        };
        println!("{what} zgłoszenia nr {id}{how}.");
    });
    Ok(())
}

fn detail(core: &Core, out: &Output, id: i64, local: bool) -> Result<(), CoreError> {
    let mine = if local {
        Some(core.reports().my_report(id)?)
    } else {
        core.reports().mine()?
            .into_iter()
            .find(|m| m.server_id == Some(id))
    };
    match mine {
        Some(m) => {
            out.show(&m, print_mine);
            Ok(())
        }
        None => {
            let r = core.reports().get(id)?;
            out.show(&r, print_public);
            Ok(())
        }
    }
}

fn print_mine(m: &MyReport) {
    match m.server_id {
        Some(id) => println!("Zgłoszenie nr {id} (na urządzeniu: {})", m.local_id),
        None => println!("Zgłoszenie na urządzeniu nr {}", m.local_id),
    }
    println!("  Status:    {}", m.state_text);
    if let Some(e) = &m.error {
        println!("  Błąd:      {}", e.message.pl);
    }
    match m.report.as_ref().map(|r| r.visibility) {
        Some(mm_protocol::reports::Visibility::Hidden) => {
            println!("  Widoczność: ukryte przez urząd przed publicznym widokiem (widzisz je tylko Ty i urzędnicy)")
        }
        Some(mm_protocol::reports::Visibility::Redacted) => {
            println!("  Widoczność: opis i zdjęcia ukryte przez urząd przed publicznym widokiem")
        }
        _ => {}
    }
    match &m.report {
        Some(r) => print_body(r),
        None => {
            println!("  Kategoria: {}", m.category);
            println!("  Opis:      {}", m.description);
            println!("  Zdjęcia:   {}", m.photo_count);
        }
    }
}

fn print_public(r: &Report) {
    println!("Zgłoszenie nr {}", r.id);
    println!("  Status:    {}", r.status.label_pl());
    print_body(r);
}

fn print_body(r: &Report) {
    println!("  Kategoria: {}", r.category);
    println!(
        "  Miejsce:   {:.5}, {:.5}{}",
        r.point.lat,
        r.point.lon,
        r.address
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default()
    );
    println!("  Opis:      {}", r.description);
    println!("  Zdjęcia:   {}", r.photos.len());
    if let Some(c) = &r.case_reference {
        println!("  Znak sprawy: {c}");
    }
    println!("  Historia:");
    for h in &r.history {
        println!("    {} — {}", format::datetime(h.at), h.status.label_pl());
        if let Some(reply) = &h.public_reply {
            println!("      Odpowiedź urzędu: {reply}");
        }
    }
}

pub fn reports(core: &Core, out: &Output, action: Option<ReportsAction>) -> Result<(), CoreError> {
    match action {
        None => {
            let mine = core.reports().mine()?;
            out.show(&mine, |mine| {
                if mine.is_empty() {
                    println!("Nie masz jeszcze zgłoszeń.");
                }
                for m in mine {
                    let id = m
                        .server_id
                        .map(|i| format!("nr {i}"))
                        .unwrap_or_else(|| format!("lokalne {}", m.local_id));
                    println!(
                        "{id} [{}] {}",
                        m.state_text,
                        m.description.chars().take(60).collect::<String>()
                    );
                }
            });
        }
        Some(ReportsAction::Near {
            lat,
            lon,
            radius,
            category,
            open_only,
        }) => {
            let list = core.reports().near(
                GeoPoint { lat, lon },
                radius,
                category.as_deref(),
                open_only,
            )?;
            out.show(&list, |list: &Vec<ReportSummary>| {
                if list.is_empty() {
                    println!("Brak zgłoszeń w promieniu {radius:.0} m.");
                }
                for r in list {
                    println!(
                        "nr {} ({:.0} m) [{}] {}: {}",
                        r.id,
                        r.distance_m,
                        r.status.label_pl(),
                        r.category,
                        r.description
                    );
                }
            });
        }
    }
    Ok(())
}

pub fn categories(core: &Core, out: &Output) -> Result<(), CoreError> {
    let list = core.reports().categories()?;
    out.show(&list, |list| {
        if list.is_empty() {
            println!("Brak kategorii. (Najpierw: mm sync)");
        }
        for c in list {
            println!("{} — {}", c.id, c.name_pl);
            for a in &c.attributes {
                let values: Vec<&str> = a.values.iter().map(|v| v.key.as_str()).collect();
                println!(
                    "    --answer {}=…  {}{}{}",
                    a.code,
                    a.label_pl,
                    if a.required { " (wymagane)" } else { "" },
                    if values.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", values.join(", "))
                    }
                );
            }
        }
    });
    Ok(())
}
