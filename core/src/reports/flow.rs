//! The reporting wizard's rules, the same on every shell: the steps and
//! their order (a category without questions skips their screen), which
//! step fixes a field the core complained about, where a stored draft
//! resumes, the limits the screens state, moving a pin by metres, and the
//! words for where one of my reports is. The shells keep which step is on
//! screen and the widgets.

use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{DESCRIPTION_MAX, DESCRIPTION_MIN, MAX_PHOTOS, ReportCategory, ReportStatus};
use serde::{Deserialize, Serialize};

use super::model::{MyReport, MyReportState, ReportActions, ReportDraft};
use crate::display::{self, Language};

/// The report category for architectural barriers (bariera
/// architektoniczna), as the server seeds it (`server/src/reports/model.rs`).
pub const BARRIER_CATEGORY: &str = "barrier";

/// The wizard's steps, in the order the screens show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStep {
    Category,
    Location,
    Photos,
    Questions,
    Description,
    Review,
}

impl ReportStep {
    /// The step where the resident fixes `field`, as the core names it
    /// (`category`, `point`, `photo`, `answers.kind`, `description`, …);
    /// no field, or one no step edits: the review.
    pub fn for_field(field: Option<&str>) -> ReportStep {
        let Some(f) = field else { return ReportStep::Review };
        match f {
            "category" => ReportStep::Category,
            "point" | "accuracy_m" | "location_source" => ReportStep::Location,
            _ if f.starts_with("photo") => ReportStep::Photos,
            _ if f.starts_with("answers.") || f == "answers" => ReportStep::Questions,
            "description" | "address" => ReportStep::Description,
            _ if f.starts_with("contact") => ReportStep::Description,
            _ => ReportStep::Review,
        }
    }

    /// The step after this one; a category without questions (or none
    /// chosen yet) skips the questions' screen. The review is the last.
    pub fn next(self, category: Option<&ReportCategory>) -> ReportStep {
        match self {
            ReportStep::Category => ReportStep::Location,
            ReportStep::Location => ReportStep::Photos,
            ReportStep::Photos if has_questions(category) => ReportStep::Questions,
            ReportStep::Photos | ReportStep::Questions => ReportStep::Description,
            ReportStep::Description | ReportStep::Review => ReportStep::Review,
        }
    }

    /// The step before this one ("Wstecz"), skipping the questions as
    /// [`ReportStep::next`] does. The category is the first.
    pub fn previous(self, category: Option<&ReportCategory>) -> ReportStep {
        match self {
            ReportStep::Category | ReportStep::Location => ReportStep::Category,
            ReportStep::Photos => ReportStep::Location,
            ReportStep::Questions => ReportStep::Photos,
            ReportStep::Description if has_questions(category) => ReportStep::Questions,
            ReportStep::Description => ReportStep::Photos,
            ReportStep::Review => ReportStep::Description,
        }
    }
}

fn has_questions(category: Option<&ReportCategory>) -> bool {
    category.is_some_and(|c| !c.attributes.is_empty())
}

impl ReportDraft {
    /// Where a stored draft (or an edited refused report) continues: the
    /// place first when it has none, else the review, which names anything
    /// still missing.
    pub fn resume_step(&self) -> ReportStep {
        if self.point.is_none() { ReportStep::Location } else { ReportStep::Review }
    }

    /// Photos the resident may still add.
    pub fn photo_slots_left(&self) -> u32 {
        MAX_PHOTOS.saturating_sub(self.photos.len()) as u32
    }
}

/// The limits the screens state ("Do 5 zdjęć", "co najmniej 10 znaków"),
/// the ones the core and the server enforce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRules {
    pub max_photos: u32,
    pub description_min_chars: u32,
    pub description_max_chars: u32,
    /// "Do 5 zdjęć. …" for the photos step.
    pub photos_hint: String,
    /// "Opisz problem (co najmniej 10 znaków)" for the description field.
    pub description_hint: String,
}

pub fn rules(lang: Language) -> ReportRules {
    let photos = display::count_text(MAX_PHOTOS as u64, lang, ("zdjęcia", "zdjęć", "zdjęć"), ("photo", "photos"));
    let chars = display::count_text(DESCRIPTION_MIN as u64, lang, ("znak", "znaki", "znaków"), ("character", "characters"));
    ReportRules {
        max_photos: MAX_PHOTOS as u32,
        description_min_chars: DESCRIPTION_MIN as u32,
        description_max_chars: DESCRIPTION_MAX as u32,
        photos_hint: match lang {
            Language::Polish => format!(
                "Do {photos}. Przed wysłaniem zmniejszamy je i usuwamy z nich metadane (także położenie GPS)."
            ),
            Language::English => format!(
                "Up to {photos}. Before sending we shrink them and remove their metadata (GPS position too)."
            ),
        },
        description_hint: match lang {
            Language::Polish => format!("Opisz problem (co najmniej {chars})"),
            Language::English => format!("Describe the problem (at least {chars})"),
        },
    }
}

/// A compass direction to move a pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    North,
    South,
    East,
    West,
}

/// Metres per degree of latitude (mean, WGS84): 111,320 m.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// `point` moved `metres` towards `direction`. A degree of longitude
/// shrinks with cos φ (about 70 km at 51° N, 64 km at 55° N), so a fixed
/// step in degrees would be wrong by up to 15% across Poland.
pub fn nudge_point(point: GeoPoint, direction: Direction, metres: f64) -> GeoPoint {
    let d_lat = metres / METRES_PER_DEGREE;
    let d_lon = metres / (METRES_PER_DEGREE * point.lat.to_radians().cos().max(1e-6));
    match direction {
        Direction::North => GeoPoint { lat: (point.lat + d_lat).min(90.0), lon: point.lon },
        Direction::South => GeoPoint { lat: (point.lat - d_lat).max(-90.0), lon: point.lon },
        Direction::East => GeoPoint { lat: point.lat, lon: point.lon + d_lon },
        Direction::West => GeoPoint { lat: point.lat, lon: point.lon - d_lon },
    }
}

/// Where one of my reports is, in words: the outbox state until the
/// server has it, then the handling status.
pub fn state_label(state: MyReportState, status: Option<ReportStatus>, lang: Language) -> String {
    let text = match (state, status) {
        (MyReportState::Sent, Some(s)) => lang.pick(s.label_pl(), s.label_en()),
        (MyReportState::Sent, None) => lang.pick("Wysłane", "Sent"),
        (MyReportState::Queued, _) => lang.pick("Czeka na wysłanie", "Waiting to be sent"),
        (MyReportState::Sending, _) => lang.pick("Wysyłanie…", "Sending…"),
        (MyReportState::Failed, _) => lang.pick("Nie przyjęte przez serwer", "Refused by the server"),
    };
    text.to_owned()
}

/// What the resident may do with one of my reports: withdraw it while the
/// server does not have it (queued or refused); fix and resend, or resend
/// as it was, once refused.
pub fn actions(state: MyReportState) -> ReportActions {
    let failed = state == MyReportState::Failed;
    ReportActions {
        can_discard: failed || state == MyReportState::Queued,
        can_edit: failed,
        can_retry: failed,
    }
}

/// `r` with its texts and actions in `lang`.
pub(crate) fn dress(mut r: MyReport, lang: Language) -> MyReport {
    r.state_text = state_label(r.state, r.status, lang);
    r.actions = actions(r.state);
    r
}

#[cfg(test)]
mod tests {
    use mm_protocol::reports::{AttributeType, CategoryAttribute};

    use super::*;

    fn category(questions: usize) -> ReportCategory {
        let q = CategoryAttribute {
            code: "kind".into(),
            label_pl: "Rodzaj".into(),
            label_en: "Kind".into(),
            datatype: AttributeType::String,
            required: true,
            values: vec![],
        };
        ReportCategory {
            id: "c".into(),
            name_pl: "C".into(),
            name_en: "C".into(),
            description_pl: String::new(),
            description_en: String::new(),
            attributes: vec![q; questions],
            target_hours: None,
            active: true,
        }
    }

    /// From Android's `ReportStep.forField` (iOS lacked `location_source`).
    #[test]
    fn a_field_takes_the_resident_to_the_step_that_fixes_it() {
        use ReportStep::*;
        let cases = [
            (None, Review),
            (Some("category"), Category),
            (Some("point"), Location),
            (Some("accuracy_m"), Location),
            (Some("location_source"), Location),
            (Some("photo"), Photos),
            (Some("photo_ids"), Photos),
            (Some("answers.kind"), Questions),
            (Some("description"), Description),
            (Some("address"), Description),
            (Some("contact.email"), Description),
            (Some("something_new"), Review),
        ];
        for (field, step) in cases {
            assert_eq!(ReportStep::for_field(field), step, "{field:?}");
        }
    }

    /// iOS's "Wstecz" from the description landed on an empty questions screen.
    #[test]
    fn a_category_without_questions_skips_their_step_both_ways() {
        use ReportStep::*;
        let none = category(0);
        let some = category(2);
        let forward = |c: Option<&ReportCategory>| {
            let mut s = Category;
            let mut seen = vec![s];
            while s != Review {
                s = s.next(c);
                seen.push(s);
            }
            seen
        };
        assert_eq!(forward(Some(&some)), [Category, Location, Photos, Questions, Description, Review]);
        assert_eq!(forward(Some(&none)), [Category, Location, Photos, Description, Review]);
        assert_eq!(forward(None), [Category, Location, Photos, Description, Review]);
        assert_eq!(Description.previous(Some(&none)), Photos);
        assert_eq!(Description.previous(Some(&some)), Questions);
        assert_eq!(Review.next(Some(&some)), Review);
        assert_eq!(Category.previous(None), Category);
        // Back and forth is the identity on the steps a category shows.
        for c in [&none, &some] {
            for s in forward(Some(c)).into_iter().skip(1).filter(|s| *s != Review) {
                assert_eq!(s.previous(Some(c)).next(Some(c)), s, "{s:?}");
            }
        }
    }

    #[test]
    fn the_limits_the_screens_state_are_the_enforced_ones() {
        let pl = rules(Language::Polish);
        assert_eq!((pl.max_photos, pl.description_min_chars), (5, 10));
        assert!(pl.photos_hint.starts_with("Do 5 zdjęć."), "{}", pl.photos_hint);
        assert_eq!(pl.description_hint, "Opisz problem (co najmniej 10 znaków)");
        let en = rules(Language::English);
        assert_eq!(en.description_hint, "Describe the problem (at least 10 characters)");
        assert!(en.photos_hint.starts_with("Up to 5 photos."));
    }

    fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
        let r = 6_371_008.8f64;
        let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
        let h = ((p2 - p1) / 2.0).sin().powi(2)
            + p1.cos() * p2.cos() * ((b.lon - a.lon).to_radians() / 2.0).sin().powi(2);
        2.0 * r * h.sqrt().asin()
    }

    /// The shells moved a pin by fixed degrees "at 51° N": 15% off at 55° N.
    #[test]
    fn a_nudge_moves_the_pin_by_metres_at_any_latitude_in_poland() {
        for lat in [49.0, 51.0, 52.2, 54.8] {
            let p = GeoPoint { lat, lon: 17.0 };
            for d in [Direction::North, Direction::South, Direction::East, Direction::West] {
                let moved = nudge_point(p, d, 5.0);
                let m = haversine_m(p, moved);
                assert!((m - 5.0).abs() < 0.05, "{lat} {d:?}: {m} m");
            }
        }
        let east = nudge_point(GeoPoint { lat: 51.0, lon: 17.0 }, Direction::East, 5.0);
        assert!(east.lon > 17.0 && east.lat == 51.0);
    }

    /// The CLI said "W kolejce", the phones "Czeka na wysłanie": one table now.
    #[test]
    fn my_report_states_in_words_and_what_can_be_done() {
        use MyReportState::*;
        let pl = Language::Polish;
        assert_eq!(state_label(Queued, None, pl), "Czeka na wysłanie");
        assert_eq!(state_label(Sending, None, pl), "Wysyłanie…");
        assert_eq!(state_label(Failed, None, pl), "Nie przyjęte przez serwer");
        assert_eq!(state_label(Sent, None, pl), "Wysłane");
        assert_eq!(state_label(Sent, Some(ReportStatus::Accepted), pl), "Przyjęte");
        assert_eq!(state_label(Sent, Some(ReportStatus::Accepted), Language::English), "Accepted");
        assert_eq!(state_label(Failed, None, Language::English), "Refused by the server");
        let a = |s| actions(s);
        assert_eq!(a(Failed), ReportActions { can_discard: true, can_edit: true, can_retry: true });
        assert_eq!(a(Queued), ReportActions { can_discard: true, can_edit: false, can_retry: false });
        assert_eq!(a(Sending), ReportActions::default());
        assert_eq!(a(Sent), ReportActions::default());
    }
}
