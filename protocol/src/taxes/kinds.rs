//! What a resident owes the gmina for: the local taxes and the waste fee.

use serde::{Deserialize, Serialize};

/// The kind of a liability (zobowiązanie).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LiabilityKind {
    /// Podatek od nieruchomości (ustawa o podatkach i opłatach lokalnych).
    Property,
    /// Podatek rolny (ustawa o podatku rolnym).
    Agricultural,
    /// Podatek leśny (ustawa o podatku leśnym).
    Forest,
    /// Podatek od środków transportowych (art. 8–12 upol).
    Transport,
    /// Opłata za gospodarowanie odpadami komunalnymi (art. 6h ucpg).
    WasteFee,
}

impl LiabilityKind {
    pub const ALL: [LiabilityKind; 5] = [
        LiabilityKind::Property,
        LiabilityKind::Agricultural,
        LiabilityKind::Forest,
        LiabilityKind::Transport,
        LiabilityKind::WasteFee,
    ];

    /// The wire name (`property`, `waste_fee`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LiabilityKind::Property => "property",
            LiabilityKind::Agricultural => "agricultural",
            LiabilityKind::Forest => "forest",
            LiabilityKind::Transport => "transport",
            LiabilityKind::WasteFee => "waste_fee",
        }
    }

    pub fn parse(s: &str) -> Option<LiabilityKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn name_pl(self) -> &'static str {
        match self {
            LiabilityKind::Property => "Podatek od nieruchomości",
            LiabilityKind::Agricultural => "Podatek rolny",
            LiabilityKind::Forest => "Podatek leśny",
            LiabilityKind::Transport => "Podatek od środków transportowych",
            LiabilityKind::WasteFee => "Opłata za odpady komunalne",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            LiabilityKind::Property => "Property tax",
            LiabilityKind::Agricultural => "Agricultural tax",
            LiabilityKind::Forest => "Forest tax",
            LiabilityKind::Transport => "Transport tax",
            LiabilityKind::WasteFee => "Waste collection fee",
        }
    }

    /// A short Polish word for a transfer title, which has 32 characters
    /// (ZBP 2D recommendation): "Podatek od nieruchomości" does not fit.
    pub fn title_word(self) -> &'static str {
        match self {
            LiabilityKind::Property => "Pod. nieruch.",
            LiabilityKind::Agricultural => "Pod. rolny",
            LiabilityKind::Forest => "Pod. lesny",
            LiabilityKind::Transport => "Pod. transp.",
            LiabilityKind::WasteFee => "Oplata odpady",
        }
    }

    /// Whether the tax itself is rounded to whole złoty. The waste fee is
    /// not, since 1 Feb 2015 (art. 6q ust. 2 ucpg); the interest on any of
    /// them is (art. 63 §1 OP).
    pub fn amount_rounded_to_zloty(self) -> bool {
        !matches!(self, LiabilityKind::WasteFee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for k in LiabilityKind::ALL {
            assert_eq!(LiabilityKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        assert_eq!(LiabilityKind::parse("income"), None);
    }
}
