//! Fuzzing entry points (issue 17) for the parsers the core owns; see
//! `mm_protocol::fuzzing` for the arrangement (cargo-fuzz targets in
//! `fuzz/`, replayed on stable by `tests/fuzz_replay.rs`).
//!
//! No cargo feature: not exported through UniFFI and called by nothing in
//! the app, so the linker leaves it out of the phone's library.

use mm_protocol::reports::{PHOTO_MAX_BYTES, PHOTO_MAX_EDGE, PHOTO_MAX_PIXELS};

use crate::error::Error;
use crate::reports::photos;

/// A fuzz target: its name (the file in `fuzz/fuzz_targets/`) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// The targets of this crate.
pub const TARGETS: &[Target] = &[("photo_core", photo_core)];

/// A photo picked on the phone ([`photos::normalise`]): a header that
/// declares more than [`PHOTO_MAX_PIXELS`] is refused with the pixel
/// message (the header is read before any pixel buffer exists); what is
/// accepted is a JPEG within [`PHOTO_MAX_EDGE`] and [`PHOTO_MAX_BYTES`].
pub fn photo_core(data: &[u8]) {
    let declared = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .ok()
        .filter(|r| matches!(r.format(), Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)))
        .and_then(|r| r.into_dimensions().ok());
    let result = photos::normalise(data);
    if let Some((w, h)) = declared
        && u64::from(w) * u64::from(h) > PHOTO_MAX_PIXELS
    {
        match &result {
            Err(Error::InvalidInput { field, message }) if field == "photo" && message.en.contains("Mpx") => {}
            other => panic!(
                "a {w}×{h} header was not refused for its size: {:?}",
                other.as_ref().map(|n| (n.width, n.height))
            ),
        }
        return;
    }
    if let Ok(n) = result {
        assert!(n.width.max(n.height) <= PHOTO_MAX_EDGE, "{}×{}", n.width, n.height);
        assert!(n.jpeg.len() <= PHOTO_MAX_BYTES);
        assert!(n.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
    }
}
