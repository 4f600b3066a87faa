//! The demo reports' and budget projects' photos, drawn here rather than
//! committed: small JPEGs (400 × 300) of a dark street lamp, a pothole,
//! steps without a ramp or litter on a lawn (reports), a playground, a
//! bench in a park or a bike path (budget projects), each a little
//! different (its `seed`), so the
//! repository stays small and every photo is a plain picture with no
//! metadata to strip. Drawn a row span at a time: the demo loads at every
//! first start, debug builds included.

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

const W: u32 = 400;
const H: u32 = 300;
/// Every picture's width and height (within `PHOTO_MAX_EDGE`).
pub const SIZE: (u32, u32) = (W, H);

type Colour = [u8; 3];

/// A tiny deterministic generator (the same seed, the same picture).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }
}

/// RGB pixels, row after row.
struct Canvas(Vec<u8>);

impl Canvas {
    fn new() -> Canvas {
        Canvas(vec![0; (W * H * 3) as usize])
    }

    /// One row's pixels `x0..x1` in `c`.
    fn span(&mut self, y: u32, x0: u32, x1: u32, c: Colour) {
        let (x0, x1) = (x0.min(W), x1.min(W));
        if y >= H || x0 >= x1 {
            return;
        }
        let start = ((y * W + x0) * 3) as usize;
        let end = ((y * W + x1) * 3) as usize;
        for px in self.0[start..end].chunks_exact_mut(3) {
            px.copy_from_slice(&c);
        }
    }

    fn rect(&mut self, x0: u32, y0: u32, x1: u32, y1: u32, c: Colour) {
        for y in y0..y1.min(H) {
            self.span(y, x0, x1, c);
        }
    }

    fn ellipse(&mut self, cx: f64, cy: f64, rx: f64, ry: f64, c: Colour) {
        let (y0, y1) = ((cy - ry).max(0.0) as u32, ((cy + ry).ceil() as u32).min(H));
        for y in y0..y1 {
            let dy = (f64::from(y) + 0.5 - cy) / ry;
            if dy.abs() < 1.0 {
                let half = rx * (1.0 - dy * dy).sqrt();
                self.span(y, (cx - half).max(0.0) as u32, (cx + half).max(0.0) as u32, c);
            }
        }
    }

    /// Rows `y0..y1` in `base`, in 8 × 8 blocks a little lighter or darker
    /// (by up to `amount`), for a texture.
    fn textured(&mut self, y0: u32, y1: u32, base: impl Fn(u32) -> Colour, amount: i32, n: &mut Noise) {
        for band in (y0 / 8)..y1.div_ceil(8) {
            let c = base(band * 8);
            let mut row = Vec::with_capacity((W * 3) as usize);
            for _ in 0..W.div_ceil(8) {
                let d = n.below(2 * amount as u32 + 1) as i32 - amount;
                let block = c.map(|v| (i32::from(v) + d).clamp(0, 255) as u8);
                for _ in 0..8 {
                    row.extend_from_slice(&block);
                }
            }
            row.truncate((W * 3) as usize);
            for y in (band * 8).max(y0)..((band + 1) * 8).min(y1).min(H) {
                let start = (y * W * 3) as usize;
                self.0[start..start + row.len()].copy_from_slice(&row);
            }
        }
    }
}

/// A street lamp at dusk: dark (not lit) unless the seed says it is lit by day.
fn street_lamp(c: &mut Canvas, n: &mut Noise, seed: u64) {
    let lit = seed.is_multiple_of(3);
    let sky = move |y: u32| if lit { [150, 190, 230] } else { [20 + (y / 8) as u8, 30 + (y / 6) as u8, 70 + (y / 5) as u8] };
    c.textured(0, H * 3 / 4, sky, 4, n);
    c.textured(H * 3 / 4, H, |_| [70, 70, 72], 8, n);
    if !lit {
        for _ in 0..40 {
            let (x, y) = (n.below(W), n.below(H / 2));
            c.rect(x, y, x + 2, y + 2, [230, 230, 200]);
        }
    }
    let px = 130 + n.below(140);
    c.rect(px, 70, px + 12, H * 3 / 4 + 10, [90, 95, 100]);
    c.rect(px - 50, 62, px + 12, 72, [90, 95, 100]);
    let head = if lit { [255, 240, 170] } else { [60, 60, 60] };
    c.ellipse(f64::from(px) - 52.0, 78.0, 24.0, 10.0, head);
}

/// Asphalt with a lane marking and a pothole.
fn road(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H, |_| [105, 105, 108], 12, n);
    let lane = 50 + n.below(50);
    for k in 0..5 {
        c.rect(lane, k * 64, lane + 12, k * 64 + 36, [225, 225, 215]);
    }
    let (cx, cy) = (f64::from(180 + n.below(100)), f64::from(120 + n.below(90)));
    let (rx, ry) = (f64::from(50 + n.below(40)), f64::from(25 + n.below(20)));
    c.ellipse(cx, cy, rx + 8.0, ry + 6.0, [80, 78, 76]);
    c.ellipse(cx, cy, rx, ry, [38, 36, 35]);
    c.ellipse(cx + rx * 0.2, cy + ry * 0.2, rx * 0.5, ry * 0.4, [60, 70, 85]);
}

/// Steps up to a door, no ramp, and the accessibility sign.
fn barrier(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H / 3, |_| [200, 215, 230], 3, n);
    c.textured(H / 3, H, |_| [196, 160, 120], 6, n);
    c.rect(250, 30, 340, 170, [120, 80, 50]);
    let steps = 3 + n.below(3);
    for k in 0..steps {
        let y = 170 + k * 26;
        let grey = 170 - (k * 12) as u8;
        c.rect(200 - k * 22, y, W, y + 26, [grey, grey, grey - 5]);
    }
    c.rect(30, 50, 120, 140, [0, 90, 170]);
    c.ellipse(75.0, 95.0, 28.0, 28.0, [255, 255, 255]);
    c.ellipse(75.0, 95.0, 18.0, 18.0, [0, 90, 170]);
}

/// A lawn with litter and a broken bench.
fn other(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H / 4, |_| [175, 205, 235], 3, n);
    c.textured(H / 4, H, |_| [70, 140, 60], 12, n);
    let bx = 60 + n.below(170);
    c.rect(bx, 150, bx + 140, 164, [120, 80, 45]);
    c.rect(bx + 10, 164, bx + 22, 200, [60, 60, 60]);
    c.rect(bx + 118, 176, bx + 130, 200, [60, 60, 60]);
    for _ in 0..25 {
        let (x, y) = (n.below(W - 20), H / 3 + n.below(H * 2 / 3 - 20));
        let colour = [[230, 60, 50], [240, 240, 240], [60, 90, 200], [240, 200, 40]][n.below(4) as usize];
        c.rect(x, y, x + 6 + n.below(14), y + 4 + n.below(10), colour);
    }
}

/// A playground on sand: a slide, a swing frame and a sandpit.
fn playground(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H / 3, |_| [170, 205, 240], 3, n);
    c.textured(H / 3, H, |_| [215, 190, 140], 10, n);
    // The swing: two posts, a beam, two seats on their chains.
    let sx = 30 + n.below(60);
    c.rect(sx, 90, sx + 8, 230, [200, 60, 50]);
    c.rect(sx + 150, 90, sx + 158, 230, [200, 60, 50]);
    c.rect(sx, 84, sx + 158, 94, [200, 60, 50]);
    for seat in [sx + 40, sx + 100] {
        c.rect(seat, 94, seat + 2, 180, [80, 80, 80]);
        c.rect(seat + 18, 94, seat + 20, 180, [80, 80, 80]);
        c.rect(seat - 4, 180, seat + 24, 188, [40, 110, 200]);
    }
    // The slide: a tower and its chute.
    let tx = 260 + n.below(40);
    c.rect(tx, 110, tx + 60, 120, [60, 160, 70]);
    c.rect(tx, 120, tx + 8, 240, [120, 80, 45]);
    c.rect(tx + 52, 120, tx + 60, 240, [120, 80, 45]);
    for k in 0..12 {
        let y = 120 + k * 10;
        let x = tx - 10 - k * 9;
        c.rect(x, y, x + 30, y + 10, [245, 200, 40]);
    }
    c.ellipse(f64::from(tx) - 20.0, 265.0, 60.0, 16.0, [235, 215, 170]);
}

/// A park: a path between trees, a bench and a litter bin.
fn park(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H / 3, |_| [175, 210, 240], 3, n);
    c.textured(H / 3, H, |_| [80, 150, 65], 10, n);
    for y in H / 3..H {
        let half = 10 + (y - H / 3) / 2;
        c.span(y, 200 - half, 200 + half, [190, 180, 160]);
    }
    for k in 0..4 {
        let x = f64::from(30 + k * 110 + n.below(30));
        c.rect(x as u32 - 5, 60, x as u32 + 5, 130, [100, 70, 40]);
        c.ellipse(x, 55.0, 38.0, 42.0, [40 + (k * 10) as u8, 120, 50]);
    }
    let bx = 40 + n.below(60);
    c.rect(bx, 190, bx + 110, 200, [150, 100, 55]);
    c.rect(bx, 172, bx + 110, 180, [150, 100, 55]);
    c.rect(bx + 8, 200, bx + 16, 225, [50, 50, 50]);
    c.rect(bx + 94, 200, bx + 102, 225, [50, 50, 50]);
    c.rect(320, 185, 345, 225, [60, 60, 65]);
}

/// A red bike path along a road, its markings and a lamp post.
fn bike_path(c: &mut Canvas, n: &mut Noise) {
    c.textured(0, H * 2 / 5, |_| [165, 200, 235], 3, n);
    c.textured(H * 2 / 5, H, |_| [85, 145, 70], 8, n);
    let top = H * 2 / 5;
    for y in top..H {
        let d = y - top;
        let (mid, half) = (150 + d / 3, 12 + d * 2 / 3);
        c.span(y, mid.saturating_sub(half), mid + half, [175, 70, 60]);
        if d % 24 < 12 {
            c.span(y, mid - 1 - d / 60, mid + 1 + d / 60, [240, 240, 235]);
        }
    }
    let lx = 300 + n.below(50);
    c.rect(lx, 60, lx + 8, 250, [90, 95, 100]);
    c.ellipse(f64::from(lx) + 4.0, 58.0, 16.0, 7.0, [230, 230, 200]);
    // A bicycle sign painted on the path.
    c.ellipse(175.0, 250.0, 12.0, 8.0, [240, 240, 235]);
    c.ellipse(215.0, 250.0, 12.0, 8.0, [240, 240, 235]);
}

/// A JPEG for a report of `category`, or for a budget project
/// (`playground`, `park`, `bike_path`); `seed` varies it.
pub fn photo(category: &str, seed: u64) -> Vec<u8> {
    let mut canvas = Canvas::new();
    let mut n = Noise(seed);
    match category {
        "street_lamp" => street_lamp(&mut canvas, &mut n, seed),
        "road_damage" => road(&mut canvas, &mut n),
        "barrier" => barrier(&mut canvas, &mut n),
        "playground" => playground(&mut canvas, &mut n),
        "park" => park(&mut canvas, &mut n),
        "bike_path" => bike_path(&mut canvas, &mut n),
        _ => other(&mut canvas, &mut n),
    }
    let mut out = Vec::new();
    if let Some(img) = RgbImage::from_raw(W, H, canvas.0) {
        // Encoding an in-memory buffer of the right size cannot fail.
        let _ = JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_small_distinct_jpegs() {
        let a = photo("road_damage", 1);
        let b = photo("road_damage", 2);
        assert_eq!(&a[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
        assert_ne!(a, b);
        assert_eq!(a, photo("road_damage", 1), "the same seed, the same picture");
        for c in ["street_lamp", "road_damage", "barrier", "other", "playground", "park", "bike_path"] {
            let p = photo(c, 7);
            assert!(p.len() < 60_000, "{c}: {} bytes", p.len());
            let img = image::load_from_memory(&p).unwrap();
            assert_eq!((img.width(), img.height()), SIZE);
            assert!(W.max(H) <= mm_protocol::reports::PHOTO_MAX_EDGE);
        }
    }
}
