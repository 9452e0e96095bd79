//! Small SVG charts drawn on the server: a horizontal bar chart of units with interval
//! whiskers, and a trend line. Black-and-white legible (small samples are hatched, not only
//! lighter), with a title and description for screen readers; the report prints the same
//! figures in a table beside each chart.

use std::fmt::Write;

use crate::render::escape as esc;

pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Fewer than 30 responses: hatched and starred.
    pub small: bool,
    /// The value as printed (already formatted for the page's language).
    pub text: String,
}

/// Bars on a 0–100 scale, in the order given.
pub fn bars(title: &str, desc: &str, bars: &[Bar]) -> String {
    let (label_w, bar_w, value_w, row_h, top) = (260.0, 310.0, 70.0, 20.0, 22.0);
    let width = label_w + bar_w + value_w;
    let height = top + row_h * bars.len() as f64 + 20.0;
    let x = |v: f64| label_w + bar_w * v.clamp(0.0, 100.0) / 100.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bt bd" class="chart"><title id="bt">{}</title><desc id="bd">{}</desc><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>"##,
        esc(title),
        esc(desc)
    );
    for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            s,
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#bbb" stroke-width="0.5"/><text x="{0}" y="{3}" font-size="10" text-anchor="middle" fill="#333">{4}</text>"##,
            x(t),
            top - 4.0,
            height - 18.0,
            height - 6.0,
            t
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let label = if b.small {
            format!("{} *", b.label)
        } else {
            b.label.clone()
        };
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#000">{}</text>"##,
            label_w - 6.0,
            y + 14.0,
            esc(&label)
        );
        if let Some(v) = b.value {
            let fill = if b.small { "url(#hatch)" } else { "#2b5d8c" };
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{:.2}" height="{}" fill="{fill}" stroke="#000" stroke-width="0.6"/>"##,
                label_w,
                y + 4.0,
                x(v) - label_w,
                row_h - 8.0
            );
            if let (Some(lo), Some(hi)) = (b.low, b.high) {
                let cy = y + row_h / 2.0;
                let _ = write!(
                    s,
                    r##"<path d="M{lo:.2} {cy}H{hi:.2}M{lo:.2} {a}V{b}M{hi:.2} {a}V{b}" stroke="#000" stroke-width="1.2" fill="none"/>"##,
                    lo = x(lo),
                    hi = x(hi),
                    a = cy - 4.0,
                    b = cy + 4.0
                );
            }
        }
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" fill="#000">{}</text>"##,
            label_w + bar_w + 6.0,
            y + 14.0,
            esc(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// A line over periods; a period without data leaves a gap.
pub fn trend(title: &str, desc: &str, points: &[Point]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 170.0, 40.0, 20.0, 12.0, 26.0);
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.value, p.low, p.high])
        .flatten()
        .collect();
    let lo = values.iter().copied().fold(100.0f64, f64::min).min(100.0);
    let lo = ((lo - 5.0) / 10.0).floor().max(0.0) * 10.0;
    let hi = 100.0;
    let n = points.len().max(1) as f64;
    let px = |i: usize| left + (w - left - right) * (i as f64 + 0.5) / n;
    let py = |v: f64| top + (h - top - bottom) * (hi - v.clamp(lo, hi)) / (hi - lo).max(1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="tt td" class="chart"><title id="tt">{}</title><desc id="td">{}</desc>"##,
        esc(title),
        esc(desc)
    );
    let mut t = lo;
    while t <= hi {
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#ccc" stroke-width="0.5"/><text x="{2}" y="{3:.1}" font-size="10" text-anchor="end">{t}</text>"##,
            py(t),
            w - right,
            left - 4.0,
            py(t) + 3.0
        );
        t += 10.0;
    }
    let mut path = String::new();
    let mut pen_up = true;
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            px(i),
            h - 10.0,
            esc(&p.label)
        );
        match p.value {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{:.1} {:.1}",
                    if pen_up { "M" } else { "L" },
                    px(i),
                    py(v)
                );
                pen_up = false;
                if let (Some(a), Some(b)) = (p.low, p.high) {
                    let _ = write!(
                        s,
                        r##"<path d="M{0:.1} {1:.1}V{2:.1}M{3:.1} {1:.1}H{4:.1}M{3:.1} {2:.1}H{4:.1}" stroke="#000" stroke-width="1" fill="none"/>"##,
                        px(i),
                        py(a),
                        py(b),
                        px(i) - 4.0,
                        px(i) + 4.0
                    );
                }
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#000"/>"##,
                    px(i),
                    py(v)
                );
            }
            None => pen_up = true,
        }
    }
    let _ = write!(
        s,
        r##"<path d="{path}" stroke="#2b5d8c" stroke-width="2" fill="none"/></svg>"##
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_escape() {
        let svg = bars(
            "SIPAS <units>",
            "d",
            &[
                Bar {
                    label: "A & B".into(),
                    value: Some(50.0),
                    low: Some(40.0),
                    high: Some(60.0),
                    small: false,
                    text: "50,00 %".into(),
                },
                Bar {
                    label: "C".into(),
                    value: None,
                    low: None,
                    high: None,
                    small: true,
                    text: "–".into(),
                },
            ],
        );
        assert!(svg.contains("<title id=\"bt\">SIPAS &#60;units&#62;</title>"));
        assert!(svg.contains("A &#38; B"));
        assert!(svg.contains("width=\"155.00\""), "50 % of a 310-wide axis");
        assert!(svg.contains("C *"), "a small sample is starred");
        assert_eq!(svg.matches("<rect x=").count(), 1, "no bar without a value");
    }

    #[test]
    fn trend_leaves_gaps() {
        let pts: Vec<Point> = [Some(80.0), None, Some(82.0)]
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                label: format!("Q{}", i + 1),
                value: *v,
                low: None,
                high: None,
            })
            .collect();
        let svg = trend("t", "d", &pts);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.matches('M').count() >= 2, "a gap starts a new line");
    }
}
