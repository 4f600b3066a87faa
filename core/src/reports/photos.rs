//! Photos are normalised on the device before they are stored or sent:
//! decoded (JPEG or PNG, recognised by content), scaled so the longest edge
//! is at most [`PHOTO_MAX_EDGE`], turned upright by their EXIF orientation,
//! and re-encoded as a fresh JPEG. The encoder writes pixels only, so every
//! piece of metadata (EXIF, GPS position, camera serial, XMP, ICC,
//! comments) is gone.
//!
//! Memory is bounded before anything is decoded: the size in pixels comes
//! from the header and must be at most [`PHOTO_MAX_PIXELS`] (a
//! "decompression bomb" is a few KB that claim gigapixels), and the decoder
//! may allocate at most [`DECODE_MAX_ALLOC`].

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use mm_protocol::error::Message;
use mm_protocol::reports::{PHOTO_MAX_BYTES, PHOTO_MAX_EDGE, PHOTO_MAX_PIXELS};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// What a phone camera makes is far below this; more is not a photo.
pub const INPUT_MAX_BYTES: usize = 40 * 1024 * 1024;
/// JPEG's own limit on an edge (a 16-bit field); PNG could claim more.
const INPUT_MAX_EDGE: u32 = 65_535;
/// The decoder's allocation budget: a photo at the pixel limit is 192 MiB
/// as 8-bit RGB and 256 MiB as RGBA, so every 8-bit photo that passes the
/// pixel check fits; a 16-bit PNG that large does not (it is no camera's).
pub const DECODE_MAX_ALLOC: u64 = 256 << 20;
const JPEG_QUALITY: u8 = 85;

/// A normalised photo.
pub struct Normalised {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// SHA-256 hex of `jpeg`.
    pub id: String,
}

fn invalid(pl: impl Into<String>, en: impl Into<String>) -> Error {
    Error::InvalidInput {
        field: "photo".into(),
        message: Message::new(pl, en),
    }
}

fn not_an_image() -> Error {
    invalid(
        "To nie jest zdjęcie w formacie JPEG ani PNG.",
        "This is not a JPEG or PNG photo.",
    )
}

/// `size`: width and height, when the header gave them.
fn too_many_pixels(size: Option<(u32, u32)>) -> Error {
    let max = PHOTO_MAX_PIXELS / 1_000_000;
    let size = size.map(|(w, h)| format!("{w}×{h} px, ")).unwrap_or_default();
    invalid(
        format!(
            "Zdjęcie ma zbyt dużą rozdzielczość ({size}najwyżej {max} Mpx). \
             Wybierz zdjęcie zrobione w zwykłym trybie aparatu."
        ),
        format!(
            "The photo's resolution is too large ({size}at most {max} Mpx). \
             Pick a photo taken in the camera's standard mode."
        ),
    )
}

pub fn normalise(bytes: &[u8]) -> Result<Normalised, Error> {
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
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    reader.limits(limits);
    // Reads the header only; no pixel buffer exists yet.
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(None),
        _ => not_an_image(),
    })?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > PHOTO_MAX_PIXELS {
        return Err(too_many_pixels(Some((width, height))));
    }
    // A broken EXIF block only loses the rotation, not the photo.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(Some((width, height))),
        _ => invalid(
            "Nie udało się odczytać zdjęcia (plik uszkodzony?).",
            "Could not read the photo (damaged file?).",
        ),
    })?;
    // Scaled before it is turned: a rotation copies the whole image.
    let mut img = fit_within(img, PHOTO_MAX_EDGE);
    img.apply_orientation(orientation);
    let rgb = img.to_rgb8();
    drop(img);
    let mut jpeg = Vec::with_capacity(512 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(Error::internal)?;
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

/// Scales `img` down (keeping its aspect ratio) so its longest edge is at
/// most `edge`. A large photo is first averaged down by a whole factor
/// (`thumbnail`: integer sums into an output-sized buffer) to below twice
/// the target, and only that is filtered (triangle): the filter's float
/// intermediate is then a few tens of MB instead of the full width × edge
/// × 16 bytes (200 MB for a 50 Mpx photo).
fn fit_within(img: DynamicImage, edge: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let long = w.max(h);
    if long <= edge {
        return img;
    }
    let factor = long / edge;
    let img = if factor >= 2 {
        img.thumbnail_exact(w.div_ceil(factor).max(1), h.div_ceil(factor).max(1))
    } else {
        img
    };
    // `resize` keeps the aspect ratio and fits inside the box.
    img.resize(edge, edge, FilterType::Triangle)
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
pub fn save(data_dir: &Path, photo: &Normalised) -> Result<PathBuf, Error> {
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

/// A PNG whose header claims `width`×`height` 1-bit grey pixels, all
/// black, compressed as tightly as DEFLATE allows (one dynamic Huffman
/// block: each 258-byte run of zeros costs 2 bits). 16000×16000 px is
/// 31 KB, as the review's file was (finding 21).
#[cfg(test)]
pub fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// A number, least significant bit first (RFC 1951, 3.1.1).
        fn num(&mut self, v: u64, len: u32) {
            self.acc |= v << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            for i in (0..len).rev() {
                self.num((code >> i) & 1, 1);
            }
        }
    }
    let raw_len = u64::from(height) * (1 + u64::from(width.div_ceil(8)));
    let mut b = Bits { out: vec![0x78, 0x01], acc: 0, n: 0 };
    b.num(1, 1); // BFINAL
    b.num(2, 2); // dynamic Huffman
    b.num(29, 5); // HLIT: 286 literal/length codes
    b.num(0, 5); // HDIST: 1 distance code
    b.num(14, 4); // HCLEN: 18 code length codes
    // Code length code lengths, in RFC 1951's order: 18 -> 1, 2 -> 2, 1 -> 2
    // (canonical codes 18 = 0, 1 = 10, 2 = 11).
    for sym in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        b.num(match sym { 18 => 1, 1 | 2 => 2, _ => 0 }, 3);
    }
    // Literal/length lengths: 0 -> 2, 256 -> 2, 285 -> 1 (285 = 0, 0 = 10,
    // 256 = 11); then the one distance code (distance 1) -> 1.
    b.code(0b11, 2); // literal 0: length 2
    b.code(0, 1);
    b.num(138 - 11, 7); // 138 zeros
    b.code(0, 1);
    b.num(117 - 11, 7); // 117 zeros: 1..=255 unused
    b.code(0b11, 2); // 256: length 2
    b.code(0, 1);
    b.num(28 - 11, 7); // 257..=284 unused
    b.code(0b10, 2); // 285: length 1
    b.code(0b10, 2); // distance code 0: length 1
    // The data: one literal zero, then copies of 258 from distance 1.
    b.code(0b10, 2);
    let mut left = raw_len - 1;
    while left >= 258 {
        b.code(0, 1);
        b.code(0, 1);
        left -= 258;
    }
    for _ in 0..left {
        b.code(0b10, 2);
    }
    b.code(0b11, 2); // end of block
    b.num(0, 7); // to a byte boundary
    let mut z = b.out;
    // Adler-32 of zeros: a stays 1, b is the length.
    z.extend(((((raw_len % 65_521) as u32) << 16) | 1).to_be_bytes());

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]); // 1-bit greyscale
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bomb_fixture_is_a_real_png() {
        // Small enough to decode here: the stream is valid, all black.
        let small = bomb_png(1000, 700);
        let img = image::load_from_memory_with_format(&small, ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), (1000, 700));
        assert!(img.to_luma8().pixels().all(|p| p.0[0] == 0));
        assert!(small.len() < 1000, "{} bytes", small.len());
    }

    #[test]
    fn finding_21_a_16000px_png_bomb_is_refused_from_its_header() {
        let bomb = bomb_png(16_000, 16_000);
        assert!(bomb.len() < 40_000, "a few KB: {} bytes", bomb.len());
        let started = std::time::Instant::now();
        let e = normalise(&bomb).err().expect("refused");
        match &e {
            Error::InvalidInput { field, message } => {
                assert_eq!(field, "photo");
                assert!(message.en.contains("16000×16000 px"), "{message:?}");
                assert!(message.en.contains("at most 67 Mpx"), "{message:?}");
                assert!(message.pl.contains("zbyt dużą rozdzielczość"), "{message:?}");
            }
            other => panic!("not a clear input error: {other:?}"),
        }
        // Refused from the header: decoding 256 Mpx takes seconds, this does not.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn finding_21_a_photo_just_under_the_pixel_limit_still_decodes() {
        // 8192×8192 = exactly the limit: accepted and scaled to 2048.
        let n = normalise(&bomb_png(8192, 8192)).unwrap();
        assert_eq!((n.width, n.height), (2048, 2048));
        let over = normalise(&bomb_png(8193, 8192)).err().expect("one column over");
        assert!(format!("{over:?}").contains("8193×8192 px"), "{over:?}");
    }

    #[test]
    fn scaling_by_area_then_filter_keeps_the_aspect_ratio() {
        for (w, h, want) in [(8160, 6120, (2048, 1536)), (3000, 2000, (2048, 1365)), (2049, 10, (2048, 10)), (100, 9000, (23, 2048))] {
            let img = DynamicImage::new_rgb8(w, h);
            let out = fit_within(img, 2048);
            let got = (out.width(), out.height());
            assert!(got.0.abs_diff(want.0) <= 1 && got.1.abs_diff(want.1) <= 1, "{w}x{h} -> {got:?}, want {want:?}");
        }
    }
}
