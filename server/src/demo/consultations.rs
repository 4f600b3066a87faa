//! The demo's consultations (issue 15, item 9) in Siechnice: one open now
//! (every question kind, anonymous, one answer per device), one open now
//! with one answer per person (name and address, no SMS: the identity
//! form of the phones), and one closed last month with its summary
//! published, some answers and their free texts moderated (approved and
//! pending). **Fictional answers.**
//!
//! Loaded once: nothing when the gmina has a consultation already.
//! Respondents are demo devices (`demo-device-N`) keyed as the API keys a
//! device, with the deployment's keys (`BudgetKeys::consultation`), so
//! the stored keys have the real shape; answers are checked with
//! `check_answers` as the API checks them.

use chrono::{DateTime, Duration, Utc};
use mm_protocol::budget::model::IdentityMode;
use mm_protocol::consultations::{
    Answer, AnswerValue, Answers, Consultation, ConsultationStatus, MatrixCell, Question,
    QuestionKind, RespondentRule, Verification, check_answers, validate_consultation,
};

use crate::budget::identity::BudgetKeys;
use crate::store::consultations::{ModerationState, NewResponse};
use crate::store::{Actor, Store, StoreError, StoreResult};

fn official() -> Actor {
    Actor("demo".into())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn question(id: &str, text: &str, required: bool, kind: QuestionKind) -> Question {
    Question {
        id: id.into(),
        text: text.into(),
        help: String::new(),
        required,
        kind,
    }
}

/// Every kind of question.
fn questions() -> Vec<Question> {
    vec![
        question(
            "czestosc",
            "Jak często korzystasz z parku nad Odrą?",
            true,
            QuestionKind::Single {
                options: strings(&["Codziennie", "Co tydzień", "Rzadziej", "Wcale"]),
            },
        ),
        question(
            "potrzeby",
            "Czego brakuje w parku? (najwyżej 3)",
            false,
            QuestionKind::Multiple {
                options: strings(&[
                    "Ławek",
                    "Oświetlenia",
                    "Toalety",
                    "Placu zabaw",
                    "Stojaków rowerowych",
                ]),
                max: 3,
            },
        ),
        question(
            "kolejnosc",
            "Uszereguj inwestycje od najważniejszej",
            false,
            QuestionKind::Ranking {
                options: strings(&["Alejki", "Oświetlenie", "Zieleń", "Mała architektura"]),
                rank_max: 4,
            },
        ),
        question(
            "ocena",
            "Oceń obecny stan parku",
            false,
            QuestionKind::Matrix {
                rows: strings(&["Czystość", "Bezpieczeństwo", "Zieleń"]),
                columns: strings(&["Źle", "Przeciętnie", "Dobrze"]),
                multiple: false,
            },
        ),
        question(
            "nazwa",
            "Zaproponuj nazwę parku",
            false,
            QuestionKind::ShortText { max_chars: 100 },
        ),
        question(
            "uwagi",
            "Inne uwagi",
            false,
            QuestionKind::LongText { max_chars: 2_000 },
        ),
    ]
}

fn consultation(
    title: &str,
    description: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Consultation {
    Consultation {
        id: 0,
        title: title.into(),
        description: description.into(),
        opens_at,
        closes_at,
        area: None,
        attachments: vec![],
        questions: questions(),
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous: true,
        status: ConsultationStatus::Draft,
    }
}

/// A short one answered once per resident: who answers is given as for
/// the budget's ballot (names and address in the gmina), kept as an HMAC.
fn per_person(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Consultation {
    Consultation {
        questions: vec![question(
            "lokalizacja",
            "Gdzie powinna stanąć nowa biblioteka gminna?",
            true,
            QuestionKind::Single {
                options: strings(&[
                    "Siechnice, rynek",
                    "Radwanice, przy szkole",
                    "Święta Katarzyna, przy urzędzie",
                ]),
            },
        )],
        respondents: RespondentRule::PerVerifiedPerson,
        verification: Verification {
            identity: IdentityMode::NameAddress,
            sms: false,
        },
        anonymous: false,
        ..consultation(
            "Nowa biblioteka gminna: gdzie?",
            "Jedna odpowiedź na mieszkańca gminy: podaj imię, nazwisko i adres zamieszkania.",
            opens_at,
            closes_at,
        )
    }
}

/// The `i`-th demo answer (of every demo consultation: they share their
/// questions).
pub fn answers(i: usize) -> Answers {
    let a = |q: &str, value| Answer {
        question: q.into(),
        value,
    };
    let mut out = vec![
        a(
            "czestosc",
            AnswerValue::Single {
                option: (i % 4) as u16,
            },
        ),
        a(
            "potrzeby",
            AnswerValue::Multiple {
                options: vec![(i % 5) as u16, ((i + 2) % 5) as u16],
            },
        ),
        a(
            "kolejnosc",
            AnswerValue::Ranking {
                ranking: vec![(i % 4) as u16, ((i + 1) % 4) as u16],
            },
        ),
        a(
            "ocena",
            AnswerValue::Matrix {
                cells: (0..3)
                    .map(|row| MatrixCell {
                        row,
                        column: ((i + usize::from(row)) % 3) as u16,
                    })
                    .collect(),
            },
        ),
    ];
    const NAMES: [&str; 3] = ["Park nad Odrą", "Park Czechnicki", "Zielone Błonia"];
    if i.is_multiple_of(3) {
        out.push(a(
            "nazwa",
            AnswerValue::Text {
                text: NAMES[(i / 3) % NAMES.len()].into(),
            },
        ));
    }
    if i % 4 == 1 {
        out.push(a(
            "uwagi",
            AnswerValue::Text {
                text: "Przydałyby się kosze na psie odchody przy wejściu od ul. Kolejowej.".into(),
            },
        ));
    }
    Answers { answers: out }
}

async fn save(store: &dyn Store, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation> {
    validate_consultation(&c)
        .map_err(|e| StoreError::backend(format!("demo consultation: {e:?}")))?;
    let saved = store.save_consultation(official(), c, now).await?;
    store
        .set_status(official(), saved.id, ConsultationStatus::Open, now)
        .await
}

async fn answer_all(
    store: &dyn Store,
    keys: &BudgetKeys,
    c: &Consultation,
    n: usize,
    from: DateTime<Utc>,
) -> StoreResult<()> {
    let key = keys.consultation(store.gmina_scope(), c.id);
    for i in 0..n {
        let normal = check_answers(c, &answers(i))
            .map_err(|e| StoreError::backend(format!("demo answer: {e}")))?;
        store
            .answer(NewResponse {
                consultation: c.id,
                respondent_key: key.device(&format!("demo-device-{i}")).to_vec(),
                answers: normal,
                now: from + Duration::hours(i as i64 * 5),
                idempotency: None,
                sms: None,
            })
            .await?;
    }
    Ok(())
}

/// Loads Siechnice's consultations (`store` scoped to it) unless it has
/// one; true when it loaded now.
pub async fn load(store: &dyn Store, keys: &BudgetKeys, now: DateTime<Utc>) -> StoreResult<bool> {
    if !store.consultations(true).await?.is_empty() {
        return Ok(false);
    }
    // Closed last month, its summary published.
    let opens = now - Duration::days(60);
    let closes = now - Duration::days(30);
    let closed = save(
        store,
        consultation(
            "Park nad Odrą w Siechnicach: jak go urządzić?",
            "Zebraliśmy opinie mieszkańców przed projektem zagospodarowania parku. Dziękujemy za udział!",
            opens,
            closes,
        ),
        opens,
    )
    .await?;
    answer_all(store, keys, &closed, 40, opens + Duration::hours(1)).await?;
    store
        .set_status(
            official(),
            closed.id,
            ConsultationStatus::Published,
            closes + Duration::days(3),
        )
        .await?;
    let texts = store
        .text_answers(closed.id, ModerationState::Pending)
        .await?;
    // Most approved, a few left pending for the moderator to try.
    for (k, t) in texts.iter().enumerate() {
        if k % 4 != 3 {
            store
                .moderate(official(), &t.id, true, closes + Duration::days(2))
                .await?;
        }
    }
    // Open now for three weeks more.
    let opens = now - Duration::days(7);
    let open = save(
        store,
        consultation(
            "Skwer przy ul. Jarzębinowej: Twoje zdanie",
            "Gmina planuje zagospodarowanie skweru. Odpowiedz na kilka pytań; ankieta jest anonimowa, jedna odpowiedź z urządzenia.",
            opens,
            now + Duration::days(21),
        ),
        opens,
    )
    .await?;
    answer_all(store, keys, &open, 12, opens + Duration::hours(2)).await?;
    // One answer per resident (name and address, no SMS), open for five
    // weeks more; opened before the one above and closing after it, so
    // that one stays first both in the server's list and the phone's.
    let opens = now - Duration::days(10);
    save(store, per_person(opens, now + Duration::days(35)), opens).await?;
    Ok(true)
}
