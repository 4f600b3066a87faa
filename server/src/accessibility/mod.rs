//! Deklaracja dostępności: the accessibility statement of a gmina's
//! website and apps, which the act of 4 April 2019 on the digital
//! accessibility of public bodies' websites and mobile applications
//! (Dz.U. 2019 poz. 848, art. 10) requires every public body to publish,
//! in the form of the Minister's template (the element ids `a11y-…` are
//! the template's, which monitoring tools read).
//!
//! - [`model`]: the statement's fields (kept in `GminaSettings::accessibility`,
//!   so no migration) and their checks;
//! - [`page`]: `GET /deklaracja-dostepnosci` (public, per gmina as
//!   `/transparency` is: `?gmina=TERYT` where the deployment serves several);
//! - [`demo`]: Siechnice's, filled in by `--demo`.
//!
//! Admins edit it at `/admin/settings/accessibility` (`admin::statement`).

pub mod demo;
pub mod model;
pub mod page;

pub use model::{AccessibilityStatement, Conformance};
