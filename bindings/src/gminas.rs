//! Many gminas: the directory the picker shows, the choice, the switch.

use crate::error::MmError;
use crate::object::MmCore;
use crate::places::BoundingBox;
use crate::records::GeoPoint;
use mm_core as core;

/// A TERYT code from a shell, checked by the core's rule.
pub(crate) fn teryt(code: &str) -> Result<core::Teryt, MmError> {
    core::Teryt::parse(code.trim()).map_err(|e| {
        core::CoreError::InvalidInput { field: e.field, message: core::Message::new(e.pl, e.en) }.into()
    })
}

/// One gmina of the directory: enough to pick it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GminaSummary {
    /// Its TERYT code, e.g. `0223083` (Siechnice): what `choose_gmina` takes.
    pub teryt: String,
    /// "Siechnice"
    pub name: String,
    /// "wrocławski" (empty from a server that serves one gmina and has no directory)
    pub powiat: String,
    /// "dolnośląskie"
    pub voivodeship: String,
    /// The box around its boundary.
    pub bbox: BoundingBox,
    pub center: GeoPoint,
    /// An image URL of the coat of arms (herb), if the gmina gave one.
    pub coat_of_arms_url: Option<String>,
    /// `#RRGGBB` (empty: the app's own colours).
    pub primary_color: String,
    pub on_primary_color: String,
}

impl From<core::GminaSummary> for GminaSummary {
    fn from(g: core::GminaSummary) -> Self {
        GminaSummary {
            teryt: g.teryt.into(),
            name: g.name,
            powiat: g.powiat,
            voivodeship: g.voivodeship,
            bbox: BoundingBox { min_lat: g.bbox.min_lat, min_lon: g.bbox.min_lon, max_lat: g.bbox.max_lat, max_lon: g.bbox.max_lon },
            center: g.center.into(),
            coat_of_arms_url: g.branding.coat_of_arms_url,
            primary_color: g.branding.primary_color,
            on_primary_color: g.branding.on_primary_color,
        }
    }
}

/// A directory answer.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GminaList {
    pub gminas: Vec<GminaSummary>,
    /// From the gminas seen before on this device: the server could not be
    /// reached (say so above the list).
    pub offline: bool,
}

impl From<core::GminaList> for GminaList {
    fn from(l: core::GminaList) -> Self {
        GminaList { gminas: l.gminas.into_iter().map(Into::into).collect(), offline: l.offline }
    }
}

/// Which gmina the app shows. `NotChosen`: show the gmina picker (and
/// nothing else: every call about a gmina's data answers `gmina_not_chosen`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum GminaChoice {
    NotChosen,
    Chosen {
        teryt: String,
        /// "Siechnice"; null/nil until the directory or a sync told it.
        name: Option<String>,
    },
}

impl From<core::GminaChoice> for GminaChoice {
    fn from(c: core::GminaChoice) -> Self {
        match c {
            core::GminaChoice::NotChosen => GminaChoice::NotChosen,
            core::GminaChoice::Chosen { teryt, name } => GminaChoice::Chosen { teryt: teryt.into(), name },
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// The picker's search: gminas whose name, powiat or TERYT code starts
    /// with `query`, diacritics optional ("zorawina"); empty: all. Offline:
    /// from the gminas seen before (`offline`); never seen: `network`.
    pub async fn gminas(&self, query: String) -> Result<GminaList, MmError> {
        Ok(self.core.gminas(&query).await?.into())
    }

    /// "Użyj mojej lokalizacji": the gminas whose boundary holds the point.
    pub async fn gminas_at(&self, point: GeoPoint) -> Result<GminaList, MmError> {
        Ok(self.core.gminas_at(point.into()).await?.into())
    }

    /// Chooses, or switches to, a gmina; remembered across restarts. The
    /// gmina left keeps its data for when it is chosen again, and its
    /// queued writes are still sent, under its own name. No network: sync
    /// afterwards.
    pub fn choose_gmina(&self, teryt: String) -> Result<GminaChoice, MmError> {
        Ok(self.core.choose_gmina(&teryt)?.into())
    }

    /// Nothing chosen and the deployment lists exactly one gmina: chooses
    /// it (sync does this too). Otherwise the choice as it is.
    pub async fn choose_sole_gmina(&self) -> Result<GminaChoice, MmError> {
        Ok(self.core.choose_sole_gmina().await?.into())
    }

    /// The gmina the app shows, or `NotChosen` (the picker). No network.
    pub fn gmina_choice(&self) -> Result<GminaChoice, MmError> {
        Ok(self.core.gmina_choice()?.into())
    }
}
