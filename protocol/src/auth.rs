//! Officials' sign-in. Residents never sign in: their app install is a
//! device with its own token (see `devices`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{required_text, FieldError, Validate};

/// What an official may do. Checked by the server on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accounts, categories, departments, settings; everything else too.
    Admin,
    /// News and events.
    Editor,
    /// All residents' reports.
    Dispatcher,
    /// Reports assigned to their own department.
    Department,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Dispatcher => "dispatcher",
            Role::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            "dispatcher" => Some(Role::Dispatcher),
            "department" => Some(Role::Department),
            _ => None,
        }
    }

    /// May publish news and events.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    /// For an account with a second factor: the authenticator's current
    /// 6-digit code (RFC 6238) or one of its unused recovery codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_code: Option<String>,
}

impl Validate for LoginRequest {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("login", &self.login, 100)?;
        required_text("password", &self.password, 1000)?;
        match &self.one_time_code {
            Some(c) => required_text("one_time_code", c, 40),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for later calls; the server keeps only its hash.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub role: Role,
}
