//! The HTTP bodies of the waste schedule (plan §2): the residents' routes
//! the core reads. Each type names its route.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::address::{Address, HouseNumber};
use super::model::{BuildingType, Pickup, Zone};
use crate::validation::{optional_text, required_text, FieldError, Validate};

/// Query of `GET /api/v1/waste/schedule` and `GET /api/v1/waste/schedule.ics`
/// (public: an ICS subscription carries no device token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ScheduleQuery {
    pub locality: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// As typed: `12`, `12a`, `12/3`.
    pub number: String,
    /// Inline: a query parameter's `$ref` is not collected into the
    /// document's components (it pointed at nothing; Schemathesis found it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(inline))]
    pub building: Option<BuildingType>,
}

impl ScheduleQuery {
    /// The address to resolve, or the field that is wrong.
    pub fn address(&self) -> Result<Address, FieldError> {
        self.validate()?;
        let number = HouseNumber::parse(&self.number).ok_or_else(|| {
            FieldError::new("number", "Nieprawidłowy numer domu (np. 12, 12a).", "Invalid house number (e.g. 12, 12a).")
        })?;
        Ok(Address {
            locality: self.locality.clone(),
            street: self.street.clone().filter(|s| !s.trim().is_empty()),
            number,
            building: self.building,
        })
    }
}

impl Validate for ScheduleQuery {
    fn validate(&self) -> Result<(), FieldError> {
        required_text("locality", &self.locality, 100)?;
        if let Some(s) = &self.street {
            optional_text("street", s, 100)?;
        }
        required_text("number", &self.number, 20)
    }
}

/// Answer of `GET /api/v1/waste/schedule`: the address's zone and its
/// pickups from today on (a year at most), by date. An address without a
/// zone answers 404 `not_found`, or 400 `invalid_field` (`building`) when
/// the zone depends on the building type (`ResolveError`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleResponse {
    pub zone: Zone,
    pub pickups: Vec<Pickup>,
    /// When the gmina last imported the schedule (the ICS DTSTAMP).
    pub updated_at: DateTime<Utc>,
}

/// Answer of `GET /api/v1/waste/streets?locality=`: the streets the rules
/// name in that locality, sorted, for the address form.
pub type StreetsResponse = Vec<String>;
