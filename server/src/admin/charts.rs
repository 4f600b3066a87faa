//! Bar charts as server-rendered SVG (no JavaScript, no outside
//! service): the geometry is computed here, `templates/admin/chart.html`
//! draws it. Each chart carries a title and a description for assistive
//! technology, and every bar its value as text, so colour is never the
//! only way to read it (WCAG 1.1.1, 1.4.1); the page keeps the numbers as
//! tables too.

/// A chart ready to draw, in SVG user units.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique on the page: names the title and description elements.
    pub id: &'static str,
    pub title: String,
    /// What the chart shows, in words (`<desc>`).
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub rects: Vec<Rect>,
    pub texts: Vec<Text>,
    pub lines: Vec<Line>,
    /// The series, when there is more than one.
    pub legend: Vec<LegendItem>,
}

#[derive(Debug, Clone)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// `s0`, `s1`, …: the series (colours in admin.css).
    pub class: &'static str,
}

#[derive(Debug, Clone)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub class: &'static str,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone)]
pub struct LegendItem {
    pub class: &'static str,
    pub name: String,
}

/// One group of bars (a month, a category): its label and one value per
/// series, each with the text shown by its bar.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<(f64, String)>,
}

const SERIES: [&str; 3] = ["s0", "s1", "s2"];

fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Vertical bars side by side per group (months along the bottom).
pub fn columns(id: &'static str, title: String, desc: String, series: &[String], groups: &[Group]) -> Chart {
    let (width, height) = (560.0, 240.0);
    let (left, right, top, bottom) = (8.0, 8.0, 22.0, 30.0);
    let plot_h = height - top - bottom;
    let max = groups.iter().flat_map(|g| g.values.iter().map(|v| v.0)).fold(0.0_f64, f64::max).max(1.0);
    let n = groups.len().max(1) as f64;
    let slot = (width - left - right) / n;
    let per = series.len().max(1) as f64;
    let bar = (slot * 0.8 / per).min(48.0);
    let baseline = top + plot_h;
    let mut chart = Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: height as u32,
        rects: Vec::new(),
        texts: Vec::new(),
        lines: vec![Line { x1: left, y1: baseline, x2: width - right, y2: baseline }],
        legend: legend(series),
    };
    for (gi, g) in groups.iter().enumerate() {
        let centre = left + slot * (gi as f64 + 0.5);
        let start = centre - bar * per / 2.0;
        for (si, (v, label)) in g.values.iter().enumerate() {
            let h = (v / max * plot_h).max(if *v > 0.0 { 1.0 } else { 0.0 });
            let x = start + bar * si as f64;
            chart.rects.push(Rect { x: r1(x), y: r1(baseline - h), w: r1(bar - 2.0), h: r1(h), class: SERIES[si % SERIES.len()] });
            chart.texts.push(Text { x: r1(x + (bar - 2.0) / 2.0), y: r1(baseline - h - 4.0), anchor: "middle", class: "value", text: label.clone() });
        }
        chart.texts.push(Text { x: r1(centre), y: r1(baseline + 18.0), anchor: "middle", class: "axis", text: g.label.clone() });
    }
    chart
}

/// Horizontal bars per group (categories down the side, their names above
/// their bars so long names fit).
pub fn rows(id: &'static str, title: String, desc: String, series: &[String], groups: &[Group]) -> Chart {
    let width = 560.0;
    let (left, right, top) = (8.0, 90.0, 8.0);
    let per = series.len().max(1) as f64;
    let bar = 16.0;
    let group_h = 18.0 + bar * per + 10.0;
    let height = top + group_h * groups.len().max(1) as f64;
    let max = groups.iter().flat_map(|g| g.values.iter().map(|v| v.0)).fold(0.0_f64, f64::max).max(1.0);
    let plot_w = width - left - right;
    let mut chart = Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: height as u32,
        rects: Vec::new(),
        texts: Vec::new(),
        lines: vec![Line { x1: left, y1: top, x2: left, y2: height }],
        legend: legend(series),
    };
    for (gi, g) in groups.iter().enumerate() {
        let y0 = top + group_h * gi as f64;
        chart.texts.push(Text { x: left + 4.0, y: r1(y0 + 13.0), anchor: "start", class: "axis", text: g.label.clone() });
        for (si, (v, label)) in g.values.iter().enumerate() {
            let w = (v / max * plot_w).max(if *v > 0.0 { 1.0 } else { 0.0 });
            let y = y0 + 18.0 + bar * si as f64;
            chart.rects.push(Rect { x: left, y: r1(y), w: r1(w), h: bar - 2.0, class: SERIES[si % SERIES.len()] });
            chart.texts.push(Text { x: r1(left + w + 4.0), y: r1(y + bar - 5.0), anchor: "start", class: "value", text: label.clone() });
        }
    }
    chart
}

fn legend(series: &[String]) -> Vec<LegendItem> {
    if series.len() < 2 {
        return Vec::new();
    }
    series.iter().enumerate().map(|(i, name)| LegendItem { class: SERIES[i % SERIES.len()], name: name.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Group> {
        vec![
            Group { label: "wrz".into(), values: vec![(10.0, "10".into()), (5.0, "5".into())] },
            Group { label: "paź".into(), values: vec![(0.0, "0".into()), (0.0, "0".into())] },
        ]
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_stay_inside() {
        let series = ["przyjęte".to_owned(), "załatwione".to_owned()];
        for c in [columns("a", "t".into(), "d".into(), &series, &groups()), rows("b", "t".into(), "d".into(), &series, &groups())] {
            assert_eq!(c.rects.len(), 4);
            for r in &c.rects {
                assert!(r.x >= 0.0 && r.y >= 0.0 && r.x + r.w <= f64::from(c.width) && r.y + r.h <= f64::from(c.height), "{r:?} in {}x{}", c.width, c.height);
            }
            // The largest bar is twice the half one; an empty one has no height.
            let size = |r: &Rect| if c.id == "a" { r.h } else { r.w };
            assert!((size(&c.rects[0]) - 2.0 * size(&c.rects[1])).abs() < 0.2);
            assert_eq!(size(&c.rects[2]), 0.0);
            assert_eq!(c.legend.len(), 2);
            assert!(c.texts.iter().any(|t| t.text == "10"));
        }
    }
}
