//! `mm consultations`, `mm consultations show ID`, `mm consultations
//! summary ID`, `mm consultations sms-code ID --phone P IDENTITY`, `mm
//! survey ID [--single Q=N] [--multiple Q=N,N] [--ranking Q=N,N] [--matrix
//! Q=R:C,R:C] [--text Q=TEXT] [--answers FILE] [IDENTITY [--sms-request R
//! --sms-code C]]`, IDENTITY being `--first-name F --last-name L` with
//! `--pesel P` or `--locality ID --street S --house H [--flat F]`.
//!
//! Every rule is the core's: this file turns flags into answers and prints
//! what `core.consultations()` hands back.

use std::path::PathBuf;

use mm_core::{ConsultationSummary, Core, CoreError, Message, MyResponse};
use mm_protocol::budget::model::SmsProof;
use mm_protocol::consultations::{AnswerValue, Answers, MatrixCell, QuestionKind};

use crate::args::{ConsultationsAction, IdentityArgs};
use crate::budget::identity_input;
use crate::output::Output;

pub async fn consultations(core: &Core, out: &Output, action: Option<ConsultationsAction>) -> Result<(), CoreError> {
    refresh(core).await;
    let c = core.consultations();
    match action {
        None => {
            let list = c.list()?;
            out.show(&list, |list| {
                if list.consultations.is_empty() {
                    println!("Brak konsultacji ({}).", list.fetched_text.to_lowercase());
                }
                for k in &list.consultations {
                    let mine = k.response.map(|r| format!("  [{}]", response_word(r))).unwrap_or_default();
                    println!("{}  {} — {}{mine}", k.id, k.title, k.status_text);
                }
            });
            Ok(())
        }
        Some(ConsultationsAction::Show { id }) => {
            let d = c.detail(id)?;
            out.show(&d, |d| {
                println!("{} (konsultacje {})", d.card.title, d.card.id);
                println!("{}. {}", d.card.status_text, d.rules_text);
                println!();
                println!("{}", d.description);
                for q in &d.questions {
                    println!();
                    println!("[{}] {} — {}", q.id, q.text, q.hint_text);
                    if !q.help.is_empty() {
                        println!("    {}", q.help);
                    }
                    match &q.kind {
                        QuestionKind::Single { options }
                        | QuestionKind::Multiple { options, .. }
                        | QuestionKind::Ranking { options, .. } => {
                            for (i, o) in options.iter().enumerate() {
                                println!("    {i}: {o}");
                            }
                        }
                        QuestionKind::Matrix { rows, columns, .. } => {
                            let cols: Vec<String> =
                                columns.iter().enumerate().map(|(i, c)| format!("{i}: {c}")).collect();
                            println!("    kolumny: {}", cols.join(", "));
                            for (i, r) in rows.iter().enumerate() {
                                println!("    wiersz {i}: {r}");
                            }
                        }
                        QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {}
                    }
                }
                if let Some(r) = &d.response {
                    println!();
                    show_response(r);
                } else if d.card.accepts_answers {
                    println!();
                    println!("Odpowiedz: mm survey {} --single PYTANIE=NR …", d.card.id);
                }
            });
            Ok(())
        }
        Some(ConsultationsAction::Summary { id }) => {
            let s = c.summary(id)?.ok_or_else(|| CoreError::Server {
                code: mm_core::ErrorCode::ResultsNotPublished,
                message: Message::new(
                    "Wyniki tych konsultacji nie zostały jeszcze opublikowane.",
                    "This consultation's results are not published yet.",
                ),
                field: None,
            })?;
            out.show(&s, show_summary);
            Ok(())
        }
        Some(ConsultationsAction::SmsCode { id, identity }) => {
            let Some(phone) = identity.phone.clone() else {
                return Err(CoreError::InvalidIdentity {
                    field: "phone".into(),
                    message: Message::new("Podaj numer telefonu (--phone).", "Give the phone number (--phone)."),
                });
            };
            let issued = c.request_sms_code(id, identity_input(identity), &phone).await?;
            out.show(&issued, |i| {
                println!("Kod wysłano SMS-em. Identyfikator prośby: {}", i.request_id);
                println!("Kod ważny do {}.", mm_core::display::datetime_text(i.expires_at, mm_core::Language::Polish));
                println!("Odpowiedz z: mm survey {id} … --sms-request {} --sms-code KOD", i.request_id);
            });
            Ok(())
        }
    }
}

/// The survey's flags, as given.
pub struct SurveyFlags {
    pub single: Vec<String>,
    pub multiple: Vec<String>,
    pub ranking: Vec<String>,
    pub matrix: Vec<String>,
    pub text: Vec<String>,
    pub answers: Option<PathBuf>,
    /// Who answers (per-person consultations only); never printed.
    pub identity: Option<IdentityArgs>,
    /// The SMS request id and the code from the SMS.
    pub sms: Option<(String, String)>,
}

pub async fn survey(core: &Core, out: &Output, id: i64, flags: SurveyFlags) -> Result<(), CoreError> {
    refresh(core).await;
    let c = core.consultations();
    if let Some(path) = &flags.answers {
        let text = std::fs::read_to_string(path).map_err(|e| invalid("answers", format!("{}: {e}", path.display())))?;
        let answers: Answers =
            serde_json::from_str(&text).map_err(|e| invalid("answers", format!("{}: {e}", path.display())))?;
        c.set_answers(id, answers)?;
    }
    for (q, v) in pairs(&flags.single)? {
        c.set_answer(id, &q, AnswerValue::Single { option: number(&q, &v)? })?;
    }
    for (q, v) in pairs(&flags.multiple)? {
        c.set_answer(id, &q, AnswerValue::Multiple { options: numbers(&q, &v)? })?;
    }
    for (q, v) in pairs(&flags.ranking)? {
        c.set_answer(id, &q, AnswerValue::Ranking { ranking: numbers(&q, &v)? })?;
    }
    for (q, v) in pairs(&flags.matrix)? {
        let mut cells = Vec::new();
        for cell in v.split(',').filter(|c| !c.trim().is_empty()) {
            let (row, column) = cell.split_once(':').ok_or_else(|| invalid(&q, format!("ROW:COLUMN, not {cell}")))?;
            cells.push(MatrixCell { row: number(&q, row)?, column: number(&q, column)? });
        }
        c.set_answer(id, &q, AnswerValue::Matrix { cells })?;
    }
    for (q, v) in pairs(&flags.text)? {
        c.set_answer(id, &q, AnswerValue::Text { text: v })?;
    }
    let r = match flags.identity {
        Some(identity) => {
            let sms = flags.sms.map(|(request_id, code)| SmsProof { request_id, code });
            c.submit_as(id, identity_input(identity), sms).await?
        }
        None => c.submit(id).await?,
    };
    out.show(&r, show_response);
    Ok(())
}

/// The server's newest list when it can be reached; the stored one otherwise.
async fn refresh(core: &Core) {
    if let Err(e) = core.consultations().refresh().await {
        eprintln!("Dane z pamięci urządzenia ({}): {}", e.code(), e.message().pl);
    }
}

fn invalid(field: &str, detail: String) -> CoreError {
    CoreError::InvalidInput {
        field: field.to_owned(),
        message: Message::new(format!("Nieprawidłowa odpowiedź: {detail}"), format!("Invalid answer: {detail}")),
    }
}

/// `QUESTION=VALUE` pairs.
fn pairs(flags: &[String]) -> Result<Vec<(String, String)>, CoreError> {
    flags
        .iter()
        .map(|f| {
            f.split_once('=')
                .map(|(q, v)| (q.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| invalid("question", format!("PYTANIE=WARTOŚĆ / QUESTION=VALUE, not {f}")))
        })
        .collect()
}

fn number(q: &str, v: &str) -> Result<u16, CoreError> {
    v.trim().parse().map_err(|_| invalid(q, format!("a number from 0, not {v}")))
}

fn numbers(q: &str, v: &str) -> Result<Vec<u16>, CoreError> {
    v.split(',').filter(|n| !n.trim().is_empty()).map(|n| number(q, n)).collect()
}

fn response_word(r: mm_core::ResponseState) -> &'static str {
    match r {
        mm_core::ResponseState::Queued => "odpowiedź czeka na wysłanie",
        mm_core::ResponseState::Sent => "odpowiedziano",
        mm_core::ResponseState::Refused => "odpowiedź nieprzyjęta",
    }
}

fn show_response(r: &MyResponse) {
    println!("{}", r.state_text);
    if let Some(e) = &r.error_text {
        println!("{e}");
    }
}

fn show_summary(s: &ConsultationSummary) {
    println!("{}; {}", s.respondents_text, s.fetched_text.to_lowercase());
    for q in &s.questions {
        println!();
        println!("{} ({} odpowiedzi)", q.text, q.answered);
        for l in &q.lines {
            println!("    {} — {}", l.label, l.text);
        }
        for t in &q.texts {
            println!("    „{t}”");
        }
    }
}
