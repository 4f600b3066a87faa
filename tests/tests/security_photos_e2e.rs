//! Security review, finding 21 (and 5 end to end): `mm report new --photo`
//! refuses a decompression bomb from its header, before decoding, with a
//! clear message, in little memory; a large legal photo still goes through
//! and reaches the real server as a clean JPEG of at most 2048 px.
//!
//! Peak memory is read with `/usr/bin/time -f %M` where it exists.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, ensure};
use mm_e2e::{Mm, Server, bin, reqwest};
use serde_json::Value;

/// Peak RSS (kB) of the refused bomb: the process itself is about 20 MB;
/// decoding the bomb took 778 MB before the fix.
const BOMB_PEAK_KB: u64 = 150 * 1024;
/// Peak RSS (kB) for a 48 Mpx camera JPEG: 144 MB of pixels decoded,
/// plus the scaled copy and the process; it was about 400 MB before the
/// area-average step.
const LEGAL_PEAK_KB: u64 = 300 * 1024;

fn report_args(description: &str, photo: &Path) -> Vec<String> {
    [
        "report",
        "new",
        "--category",
        "street_lamp",
        "--lat",
        "51.0335",
        "--lon",
        "17.15",
        "--accuracy",
        "8",
        "--description",
        description,
        "--answer",
        "kind=not_lit",
        "--yes",
        "--photo",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([photo.display().to_string()])
    .collect()
}

/// Runs `mm` with `args`, under `/usr/bin/time` when there is one.
/// Returns the output and the peak RSS in kB.
fn run_measured(
    mm: &Mm,
    args: &[String],
    dir: &Path,
) -> Result<(std::process::Output, Option<u64>)> {
    let time = Path::new("/usr/bin/time");
    let report = dir.join("peak-rss.txt");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&report).arg(bin("mm"));
        c
    } else {
        Command::new(bin("mm"))
    };
    cmd.env("MM_GMINA", mm_e2e::DEMO_GMINA).arg("--server")
        .arg(&mm.server)
        .arg("--data-dir")
        .arg(&mm.data_dir)
        .arg("--json")
        .args(args);
    let out = cmd.stdin(std::process::Stdio::null()).output()?;
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    Ok((out, peak))
}

/// A PNG whose header claims `width`×`height` 1-bit grey pixels, all
/// black, compressed as tightly as DEFLATE allows (one dynamic Huffman
/// block: 2 bits per 258 zero bytes). 16000×16000 px is 31 KB, as the
/// review's `bomb16k.png` was. (The same fixture as the core's.)
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn num(&mut self, v: u64, len: u32) {
            self.acc |= v << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        fn code(&mut self, code: u64, len: u32) {
            for i in (0..len).rev() {
                self.num((code >> i) & 1, 1);
            }
        }
    }
    let raw_len = u64::from(height) * (1 + u64::from(width.div_ceil(8)));
    let mut b = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    b.num(1, 1);
    b.num(2, 2);
    b.num(29, 5);
    b.num(0, 5);
    b.num(14, 4);
    for sym in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        b.num(
            match sym {
                18 => 1,
                1 | 2 => 2,
                _ => 0,
            },
            3,
        );
    }
    b.code(0b11, 2);
    b.code(0, 1);
    b.num(138 - 11, 7);
    b.code(0, 1);
    b.num(117 - 11, 7);
    b.code(0b11, 2);
    b.code(0, 1);
    b.num(28 - 11, 7);
    b.code(0b10, 2);
    b.code(0b10, 2);
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
    b.code(0b11, 2);
    b.num(0, 7);
    let mut z = b.out;
    z.extend(((((raw_len % 65_521) as u32) << 16) | 1).to_be_bytes());
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
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
    ihdr.extend([1, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn finding_21_mm_report_new_refuses_a_16000px_png_bomb_before_decoding_it() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    mm.json(&["sync"])?;
    let bomb = tmp.path().join("bomb16k.png");
    std::fs::write(&bomb, bomb_png(16_000, 16_000))?;
    ensure!(std::fs::metadata(&bomb)?.len() < 40_000, "a few KB");

    let (out, peak) = run_measured(
        &mm,
        &report_args("Bomba dekompresyjna zamiast zdjęcia latarni.", &bomb),
        tmp.path(),
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success(), "refused: {stderr}");
    ensure!(
        stderr.contains("16000×16000")
            && (stderr.contains("rozdzielczość") || stderr.contains("resolution")),
        "a clear message: {stderr}"
    );
    ensure!(
        mm.json(&["reports"])?
            .as_array()
            .is_none_or(|r| r.is_empty()),
        "no report was queued"
    );
    match peak {
        Some(kb) => {
            eprintln!("mm report new --photo bomb16k.png: peak RSS {kb} kB");
            ensure!(
                kb < BOMB_PEAK_KB,
                "peak RSS {kb} kB, bound {BOMB_PEAK_KB} kB"
            );
        }
        None => eprintln!("/usr/bin/time not found: peak memory not measured"),
    }
    Ok(())
}

#[test]
fn finding_21_a_48_mpx_camera_photo_still_goes_through_clean_and_scaled() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    mm.json(&["sync"])?;
    // 8000×6000 px, as a 48 Mpx phone camera saves it.
    let img = image::RgbImage::from_fn(8000, 6000, |x, y| {
        image::Rgb([(x / 32) as u8, (y / 24) as u8, ((x ^ y) & 0x3F) as u8])
    });
    let photo = tmp.path().join("aparat-48mpx.jpg");
    img.save_with_format(&photo, image::ImageFormat::Jpeg)?;
    drop(img);

    let description = "Latarnia nie świeci, zdjęcie z aparatu 48 Mpx.";
    let (out, peak) = run_measured(&mm, &report_args(description, &photo), tmp.path())?;
    ensure!(
        out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(kb) = peak {
        eprintln!(
            "mm report new --photo aparat-48mpx.jpg ({} bytes): peak RSS {kb} kB",
            std::fs::metadata(&photo)?.len()
        );
        ensure!(
            kb < LEGAL_PEAK_KB,
            "peak RSS {kb} kB, bound {LEGAL_PEAK_KB} kB"
        );
    }
    mm.json(&["sync"])?;
    let near: Vec<Value> = reqwest::blocking_client()
        .get(format!(
            "{}/api/v1/reports/near?lat=51.0335&lon=17.15&radius_m=200",
            server.url
        ))
        .send()?
        .error_for_status()?
        .json()?;
    let report = near
        .iter()
        .find(|r| r["description"] == description)
        .context("the report reached the server")?;
    let url = report["photos"][0]["url"]
        .as_str()
        .context("with its photo")?;
    let resp = reqwest::blocking_client()
        .get(format!("{}{url}", server.url))
        .send()?
        .error_for_status()?;
    ensure!(
        resp.headers()
            .get("x-content-type-options")
            .is_some_and(|v| v == "nosniff")
    );
    let served = image::load_from_memory_with_format(&resp.bytes()?, image::ImageFormat::Jpeg)?;
    ensure!(
        (served.width(), served.height()) == (2048, 1536),
        "{}×{}",
        served.width(),
        served.height()
    );
    Ok(())
}
