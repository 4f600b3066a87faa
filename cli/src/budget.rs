//! `mm budget`, `mm budget projects --edition ID [--pool P]`, `mm budget
//! project ID`, `mm budget vote --edition ID --project ID... <identity>
//! [--sms-request R --sms-code C] [--declare-residence]`, `mm budget sms
//! --edition ID --phone N <identity>`, `mm budget results ID`, `mm budget
//! ballot ID [--receipt CODE]`, `mm budget change --edition ID --project
//! ID... <identity>`, `mm budget submit --edition ID --pool P --title T
//! --description D --cost-zl N --contact-name N [--lat --lon] [--photo F]`,
//! `mm budget sign PROJECT <identity>`, `mm budget appeal PROJECT --text T`,
//! `mm budget mine`.
//!
//! Every rule is the core's: this file prints what `core.budget()` hands
//! back. The identity goes to the core and is never printed.

use mm_core::{BudgetWrite, Core, CoreError, GeoPoint, MyBallotState, ProjectSubmission};
use mm_protocol::budget::model::{Address, IdentityInput, SmsProof};

use crate::args::{BudgetAction, IdentityArgs};
use crate::output::Output;

pub async fn budget(core: &Core, out: &Output, action: Option<BudgetAction>) -> Result<(), CoreError> {
    match action {
        None => {
            refresh(core).await;
            let list = core.budget().editions()?;
            out.show(&list, |list| {
                if list.editions.is_empty() {
                    println!("Brak edycji budżetu obywatelskiego ({}).", list.fetched_text.to_lowercase());
                }
                for e in &list.editions {
                    println!("{}  {} — {}", e.id, e.title, e.phase_text);
                    println!("    {}", e.rule_text);
                    for p in &e.pools {
                        println!("    pula {}: {} ({}) — {}", p.id, p.name, p.kind_text, p.amount_text);
                    }
                }
            });
            Ok(())
        }
        Some(BudgetAction::Projects { edition, pool }) => {
            refresh(core).await;
            let list = core.budget().projects(edition, pool)?;
            out.show(&list, |list| {
                for p in &list.projects {
                    let number = p.project.number.map(|n| format!("nr {n}, ")).unwrap_or_default();
                    let mark = if p.chosen { "  [wybrany]" } else { "" };
                    println!(
                        "{}  {} — {}{} — {} — {}{mark}",
                        p.project.id, p.project.title, number, p.pool_name, p.cost_text, p.status_text
                    );
                }
            });
            Ok(())
        }
        Some(BudgetAction::Project { id }) => {
            let b = core.budget();
            // Every photo kept on the device: fetched now when it is not yet.
            let mut not_kept = Vec::new();
            for i in 0..b.project(id)?.project.photos.len() {
                if let Err(e) = b.project_photo(id, i as u32).await {
                    not_kept.push((i, e));
                }
            }
            let p = b.project(id)?;
            out.show(&p, |p| {
                println!("{} (projekt {})", p.project.title, p.project.id);
                println!("Pula: {}; koszt: {}; status: {}", p.pool_name, p.cost_text, p.status_text);
                if let Some(reason) = &p.project.rejection_reason {
                    println!("Powód odrzucenia: {reason}");
                }
                // What the core offers this device, as the phones show it.
                if p.can_sign {
                    println!("Zbiera podpisy poparcia: mm budget sign {} …", p.project.id);
                }
                if p.can_appeal {
                    println!("Możesz się odwołać: mm budget appeal {} --text …", p.project.id);
                }
                if !p.project.photos.is_empty() {
                    println!("Zdjęcia:");
                    for path in &p.photo_paths {
                        println!("  {path}");
                    }
                    for (i, e) in &not_kept {
                        println!("  {} — nie pobrano: {}", p.project.photos[*i], e.message().pl);
                    }
                }
                println!();
                println!("{}", p.project.description);
            });
            Ok(())
        }
        Some(BudgetAction::Vote { edition, projects, identity, sms_request, sms_code, declare_residence }) => {
            let b = core.budget();
            b.clear(edition, None)?;
            for p in &projects {
                if let Err(e) = b.toggle(edition, *p) {
                    // The draft is this command's own: leave none behind.
                    let _ = b.clear(edition, None);
                    return Err(e);
                }
            }
            let sms = match (sms_request, sms_code) {
                (Some(request_id), Some(code)) => Some(SmsProof { request_id, code }),
                _ => None,
            };
            let state = b.cast(edition, identity_input(identity), sms, declare_residence).await?;
            out.show(&state, show_ballot);
            Ok(())
        }
        Some(BudgetAction::Sms { edition, identity }) => {
            let Some(phone) = identity.phone.clone() else {
                return Err(CoreError::InvalidIdentity {
                    field: "phone".into(),
                    message: mm_core::Message::new("Podaj numer telefonu (--phone).", "Give the phone number (--phone)."),
                });
            };
            let issued = core.budget().request_sms(edition, identity_input(identity), &phone).await?;
            out.show(&issued, |i| {
                println!("Kod wysłano SMS-em. Identyfikator prośby: {}", i.request_id);
                println!("Kod ważny do {}.", mm_core::display::datetime_text(i.expires_at, mm_core::Language::Polish));
                println!("Głosuj z: --sms-request {} --sms-code KOD", i.request_id);
            });
            Ok(())
        }
        Some(BudgetAction::Ballot { edition, receipt }) => {
            let b = core.budget();
            let state = match b.check_my_ballot(edition, receipt).await {
                Ok(state) => state,
                Err(e @ CoreError::Network { .. }) => {
                    eprintln!("Stan z pamięci urządzenia ({}): {}", e.code(), e.message().pl);
                    b.my_ballot(edition)?
                }
                Err(e) => return Err(e),
            };
            let Some(state) = state else {
                return Err(CoreError::Server {
                    code: mm_core::ErrorCode::NotFound,
                    message: mm_core::Message::new(
                        "Nie oddano głosu w tej edycji (z tego urządzenia ani z tym kodem).",
                        "No ballot was cast in this edition (from this device or with this code).",
                    ),
                    field: None,
                });
            };
            out.show(&state, show_ballot);
            Ok(())
        }
        Some(BudgetAction::Change { edition, projects, identity, receipt }) => {
            let b = core.budget();
            b.clear(edition, None)?;
            for p in &projects {
                if let Err(e) = b.toggle(edition, *p) {
                    let _ = b.clear(edition, None);
                    return Err(e);
                }
            }
            let state = b.change_ballot(edition, identity_input(identity), receipt).await?;
            out.show(&state, show_ballot);
            Ok(())
        }
        Some(BudgetAction::Submit {
            edition,
            pool,
            title,
            description,
            cost_zl,
            category,
            lat,
            lon,
            photos,
            contact_name,
            contact_email,
            contact_phone,
        }) => {
            let mut bytes = Vec::with_capacity(photos.len());
            for path in &photos {
                bytes.push(std::fs::read(path).map_err(|e| CoreError::InvalidInput {
                    field: "photo".into(),
                    message: mm_core::Message::new(
                        format!("Nie można odczytać pliku {}: {e}", path.display()),
                        format!("Cannot read the file {}: {e}", path.display()),
                    ),
                })?);
            }
            refresh(core).await;
            let submission = ProjectSubmission {
                pool,
                title,
                description,
                cost_grosze: cost_zl.saturating_mul(100),
                category,
                location: lat.zip(lon).map(|(lat, lon)| GeoPoint { lon, lat }),
                photos: bytes,
                contact_name,
                contact_email,
                contact_phone,
            };
            let w = core.budget().submit_project(edition, submission).await?;
            out.show(&w, show_write);
            Ok(())
        }
        Some(BudgetAction::Sign { project, identity, sms_request, sms_code, declare_residence }) => {
            refresh(core).await;
            let sms = match (sms_request, sms_code) {
                (Some(request_id), Some(code)) => Some(SmsProof { request_id, code }),
                _ => None,
            };
            let w = core.budget().sign(project, identity_input(identity), sms, declare_residence).await?;
            out.show(&w, show_write);
            Ok(())
        }
        Some(BudgetAction::Appeal { project, text }) => {
            refresh(core).await;
            let w = core.budget().appeal(project, &text).await?;
            out.show(&w, show_write);
            Ok(())
        }
        Some(BudgetAction::Mine { edition }) => {
            let list = core.budget().writes(edition)?;
            out.show(&list, |list| {
                if list.is_empty() {
                    println!("Brak zgłoszeń, podpisów, odwołań ani zmian głosu z tego urządzenia.");
                }
                for w in list {
                    show_write(w);
                }
            });
            Ok(())
        }
        Some(BudgetAction::Results { edition }) => {
            refresh(core).await;
            let results = core.budget().results(edition)?;
            match results {
                None => Err(CoreError::Server {
                    code: mm_core::ErrorCode::ResultsNotPublished,
                    message: mm_core::Message::new(
                        "Wyniki tej edycji nie zostały jeszcze ogłoszone.",
                        "The results of this edition are not published yet.",
                    ),
                    field: None,
                }),
                Some(r) => {
                    out.show(&r, |r| {
                        for p in &r.pools {
                            println!("{} — {} głosów; wydano {} z {}", p.name, p.ballots, p.spent_text, p.budget_text);
                            for pr in &p.projects {
                                let mark = if pr.selected { "*" } else { " " };
                                println!("  {mark} {}  {} — {} głosów — {}", pr.project, pr.title, pr.votes, pr.cost_text);
                            }
                        }
                        println!("* wybrany do realizacji; {}", r.fetched_text.to_lowercase());
                    });
                    Ok(())
                }
            }
        }
    }
}

/// The server's newest lists when it can be reached; the stored ones otherwise.
async fn refresh(core: &Core) {
    if let Err(e) = core.budget().refresh().await {
        eprintln!("Dane z pamięci urządzenia ({}): {}", e.code(), e.message().pl);
    }
}

/// The core's identity from the command line's flags (`mm budget` and
/// `mm survey`).
pub(crate) fn identity_input(a: IdentityArgs) -> IdentityInput {
    IdentityInput {
        first_name: a.first_name,
        last_name: a.last_name,
        pesel: a.pesel,
        address: a.locality.map(|locality| Address {
            locality,
            street: a.street.unwrap_or_default(),
            house: a.house.unwrap_or_default(),
            flat: a.flat,
        }),
        phone: a.phone,
    }
}

fn show_ballot(s: &MyBallotState) {
    println!("{}", s.state_text);
    if let Some(code) = &s.receipt_code {
        println!("Kod potwierdzenia: {code}");
    }
    if let Some(when) = &s.cast_text {
        println!("Oddano: {when}");
    }
    for c in &s.choices {
        println!("  {}  {} — {}", c.project, c.title, c.cost_text);
    }
    if let Some(e) = &s.error_text {
        println!("{e}");
    }
    if let Some(when) = &s.changed_text {
        println!("Zmieniono: {when}");
    }
    if s.may_change {
        println!("Głos można jeszcze zmienić (mm budget change).");
    }
    if let Some(w) = &s.change {
        println!("Zmiana głosu: {}", w.state_text);
        if let Some(e) = &w.error_text {
            println!("{e}");
        }
    }
}

fn show_write(w: &BudgetWrite) {
    let project = w.project.map(|p| format!(" (projekt {p})")).unwrap_or_default();
    println!("{}  {}: {}{project}", w.id, w.kind_text, w.title);
    println!("    {}", w.state_text);
    if let (Some(n), Some(of)) = (w.signatures, w.signatures_required) {
        println!("    Podpisy: {n} z {of} wymaganych.");
    }
    if let Some(e) = &w.error_text {
        println!("    {e}");
    }
}
