//! News and alerts (aktualności, komunikaty).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{required_text, FieldError, Validate};

/// How loudly a news item speaks. Ordered: `Alert` is the loudest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    Important,
    /// A warning residents must see now (storm, water outage): shown first
    /// and pushed as a notification.
    Alert,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Important => "important",
            Priority::Alert => "alert",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct News {
    pub id: i64,
    pub title: String,
    /// Plain text with paragraphs separated by blank lines.
    pub body: String,
    pub priority: Priority,
    pub published_at: DateTime<Utc>,
    /// After this the item is no longer shown (alerts usually expire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// What an editor sends to create or replace a news item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewsInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub priority: Priority,
    /// Defaults to now.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

pub const NEWS_TITLE_MAX: usize = 200;
pub const NEWS_BODY_MAX: usize = 20_000;

impl Validate for NewsInput {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("title", &self.title, NEWS_TITLE_MAX)?;
        required_text("body", &self.body, NEWS_BODY_MAX)?;
        if let (Some(p), Some(e)) = (self.published_at, self.expires_at)
            && e <= p
        {
            return Err(FieldError::new(
                "expires_at",
                "Data wygaśnięcia musi być późniejsza niż data publikacji.",
                "The expiry must be later than the publication.",
            ));
        }
        Ok(())
    }
}

impl News {
    pub fn is_visible_at(&self, now: DateTime<Utc>) -> bool {
        self.published_at <= now && self.expires_at.is_none_or(|e| e > now)
    }
}
