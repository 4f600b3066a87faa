//! Residents' app installs. Registering one gives a bearer token that
//! authenticates that install's later writes (reports, votes, surveys).

use serde::{Deserialize, Serialize};

use crate::validation::{optional_text, required_text, FieldError, Validate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Android,
    Ios,
    Cli,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Cli => "cli",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterDevice {
    pub platform: Platform,
    /// Semantic version of the app, e.g. `1.0.0`.
    pub app_version: String,
    /// BCP 47 language the resident reads, e.g. `pl-PL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// FCM/APNs token, when the resident allowed notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
}

impl Validate for RegisterDevice {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("app_version", &self.app_version, 32)?;
        let semver_ok = {
            let core = self.app_version.split(['-', '+']).next().unwrap_or("");
            let parts: Vec<&str> = core.split('.').collect();
            parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        if !semver_ok {
            return Err(FieldError::new(
                "app_version",
                "Wersja aplikacji musi mieć postać X.Y.Z.",
                "The app version must look like X.Y.Z.",
            ));
        }
        if let Some(l) = &self.locale {
            optional_text("locale", l, 35)?;
        }
        if let Some(v) = &self.os_version {
            optional_text("os_version", v, 64)?;
        }
        if let Some(t) = &self.push_token {
            optional_text("push_token", t, 4096)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRegistered {
    pub device_id: String,
    /// Bearer token for this device's writes; shown once, stored hashed.
    pub token: String,
}
