//! People's output is Polish (`CoreConfig.locale` is `pl-PL`): the core's
//! texts (`mm_core::display`) in that language. No date or distance is
//! formatted here.

use chrono::{DateTime, Utc};
use mm_core::Language;
use mm_core::display;

/// The CLI's language.
pub const LANG: Language = Language::Polish;

/// `wt 1 gru 2026, 18:00`, Warsaw time.
pub fn datetime(t: DateTime<Utc>) -> String {
    display::datetime_text(t, LANG)
}
