//! Photos are normalised on the device before they are stored or sent:
//! decoded (JPEG or PNG, recognised by content), turned upright by their
//! EXIF orientation, scaled so the longest edge is at most
//! [`PHOTO_MAX_EDGE`], and re-encoded as a fresh JPEG. The encoder writes
//! pixels only, so every piece of metadata (EXIF, GPS position, camera
//! serial, XMP, comments) is gone.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use mm_protocol::error::Message;
use mm_protocol::reports::{PHOTO_MAX_BYTES, PHOTO_MAX_EDGE};
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// What a phone camera makes is far below this; more is not a photo.
pub const INPUT_MAX_BYTES: usize = 40 * 1024 * 1024;
/// Decoding refuses larger images (a "decompression bomb" is a few bytes
/// that claim gigapixels).
const INPUT_MAX_EDGE: u32 = 16_384;
const JPEG_QUALITY: u8 = 85;

/// A normalised photo.
pub struct Normalised {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// SHA-256 hex of `jpeg`.
    pub id: String,
}

fn invalid(pl: impl Into<String>, en: impl Into<String>) -> CoreError {
    CoreError::InvalidInput {
        field: "photo".into(),
        message: Message::new(pl, en),
    }
}

fn not_an_image() -> CoreError {
    invalid(
        "To nie jest zdjęcie w formacie JPEG ani PNG.",
        "This is not a JPEG or PNG photo.",
    )
}

pub fn normalise(bytes: &[u8]) -> Result<Normalised, CoreError> {
    if bytes.len() > INPUT_MAX_BYTES {
        return Err(invalid(
            format!("Plik jest za duży (najwyżej {} MB).", INPUT_MAX_BYTES >> 20),
            format!(
                "The file is too large (at most {} MB).",
                INPUT_MAX_BYTES >> 20
            ),
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_an_image())?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(not_an_image());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(INPUT_MAX_EDGE);
    limits.max_image_height = Some(INPUT_MAX_EDGE);
    limits.max_alloc = Some(1 << 30);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| not_an_image())?;
    // A broken EXIF block only loses the rotation, not the photo.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => invalid(
            "Zdjęcie ma zbyt dużą rozdzielczość.",
            "The photo's resolution is too large.",
        ),
        _ => invalid(
            "Nie udało się odczytać zdjęcia (plik uszkodzony?).",
            "Could not read the photo (damaged file?).",
        ),
    })?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > PHOTO_MAX_EDGE {
        // `resize` keeps the aspect ratio and fits inside the box.
        img = img.resize(PHOTO_MAX_EDGE, PHOTO_MAX_EDGE, FilterType::Triangle);
    }
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::with_capacity(512 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(CoreError::internal)?;
    if jpeg.len() > PHOTO_MAX_BYTES {
        return Err(invalid(
            "Zdjęcie jest za duże nawet po zmniejszeniu.",
            "The photo is too large even after scaling down.",
        ));
    }
    Ok(Normalised {
        id: sha256_hex(&jpeg),
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `data_dir/photos`: normalised photos waiting to be sent.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("photos")
}

pub fn path_of(data_dir: &Path, id: &str) -> PathBuf {
    dir(data_dir).join(format!("{id}.jpg"))
}

/// Writes the file (atomically: a killed app never leaves half a photo).
pub fn save(data_dir: &Path, photo: &Normalised) -> Result<PathBuf, CoreError> {
    let path = path_of(data_dir, &photo.id);
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(dir(data_dir))?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &photo.jpeg)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// The JPEG marker segments up to the image data: `(marker, payload)`.
/// Tests use it to prove no metadata segment survived.
#[cfg(test)]
pub fn jpeg_segments(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "SOI");
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() {
        assert_eq!(bytes[i], 0xFF, "marker at {i}");
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        out.push((marker, bytes[i + 4..i + 2 + len].to_vec()));
        if marker == 0xDA {
            break; // start of scan: entropy-coded data follows
        }
        i += 2 + len;
    }
    out
}
