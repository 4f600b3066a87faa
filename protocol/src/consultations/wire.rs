//! The consultations' HTTP answers that [`super::model`] and
//! [`super::summary`] do not already define, for the core to read what
//! `/api/v1/consultations/...` sends and the server's routes
//! (`server/src/consultations/routes.rs`) answer: one definition for both.

use serde::{Deserialize, Serialize};

use super::summary::Summary;

/// The 201 answer of `POST /api/v1/consultations/{id}/responses` (and of
/// its replay). `id` is absent in anonymous mode on a replay: nothing
/// leads from the device to its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The same request came before; nothing new was stored.
    pub replayed: bool,
}

/// A free-text answer a moderator approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicText {
    /// The question's id.
    pub question: String,
    pub text: String,
}

/// `GET /api/v1/consultations/{id}/summary` (published only, else 404
/// `results_not_published`): the counts, and approved texts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicSummary {
    pub summary: Summary,
    pub texts: Vec<PublicText>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_the_server_writes_them() {
        let r: AnswerReceipt = serde_json::from_str(r#"{"replayed":true}"#).unwrap();
        assert_eq!(r, AnswerReceipt { id: None, replayed: true });
        let s: PublicSummary = serde_json::from_str(
            r#"{"summary":{"consultation":3,"respondents":2,"questions":[{"question":"q","answered":2,
                "tally":{"type":"single","counts":[1,1]}}]},"texts":[{"question":"n","text":"Park"}]}"#,
        )
        .unwrap();
        assert_eq!(s.summary.respondents, 2);
        assert_eq!(s.texts[0].text, "Park");
    }
}
