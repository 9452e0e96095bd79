//! Small SVG charts drawn on the server: a horizontal bar chart of units with interval
//! whiskers, and a trend line. Black-and-white legible (small samples are hatched, not only
//! lighter), with a title and description for screen readers; the report prints the same
//! figures in a table beside each chart.

use crate::domain::num::Real;
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

/// Characters of a unit's name that fit the label column on one line at 11 px, and on each
/// of two lines at 9 px (Vietnamese text in a sans-serif face averages under 6 px a letter at
/// 11 px).
pub const LABEL_ONE_LINE: usize = 40;
pub const LABEL_LINE: usize = 48;

/// A bar's label as one line, or two (split at a space, the second cut with "…" if need be).
pub fn wrap_label(label: &str) -> Vec<String> {
    let n = label.chars().count();
    if n <= LABEL_ONE_LINE {
        return vec![label.to_string()];
    }
    // The last space that leaves a first line within LABEL_LINE, at or after the middle if
    // it can (two lines of like length).
    let spaces: Vec<usize> = label
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .filter(|i| label[..*i].chars().count() <= LABEL_LINE)
        .collect();
    let half = label.len() / 2;
    let cut = spaces
        .iter()
        .copied()
        .find(|i| *i >= half)
        .or_else(|| spaces.last().copied());
    let (first, rest) = match cut {
        Some(i) => (label[..i].to_string(), label[i + 1..].to_string()),
        None => {
            let at = label
                .char_indices()
                .nth(LABEL_LINE)
                .map_or(label.len(), |(i, _)| i);
            (label[..at].to_string(), label[at..].to_string())
        }
    };
    let second = if rest.chars().count() > LABEL_LINE {
        let keep: String = rest.chars().take(LABEL_LINE - 1).collect();
        format!("{}…", keep.trim_end())
    } else {
        rest
    };
    vec![first, second]
}

/// Bars on a 0–100 scale, in the order given.
pub fn bars(title: &str, desc: &str, bars: &[Bar]) -> String {
    bars_with_id("b", title, desc, bars)
}

/// The same, with its own id prefix (several charts on one page): drawn twice, for a page
/// (`chart wide`) and for a phone (`chart narrow`, each name on its own line above its bar, so
/// that its words stay at least 11 px on a 360 px screen); the page's style shows one.
pub fn bars_with_id(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let mut s = bars_wide(id, title, desc, bars);
    s.push_str(&bars_narrow(&format!("{id}n"), title, desc, bars));
    s
}

/// For a phone: 340 units wide (a 360 px screen draws it at about 0.95), names at 13.
fn bars_narrow(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let (width, bar_w, row_h, top) = (340.0, 250.0, 40.0, 4.0);
    let height = top + row_h * bars.len().real() + 4.0;
    let x = |v: f64| bar_w * v.clamp(0.0, 100.0) / 100.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}t {id}d" class="chart narrow"><title id="{id}t">{}</title><desc id="{id}d">{}</desc>"##,
        esc(title),
        esc(desc)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i.real();
        let label = if b.small {
            format!("{} *", b.label)
        } else {
            b.label.clone()
        };
        let _ = write!(
            s,
            r##"<text x="0" y="{}" font-size="13" fill="#000">{}</text><rect x="0" y="{}" width="{bar_w}" height="12" fill="#eee"/>"##,
            y + 13.0,
            esc(&label),
            y + 19.0,
        );
        if let Some(v) = b.value {
            let fill = if b.small { "#7d9cbb" } else { "#2b5d8c" };
            let _ = write!(
                s,
                r##"<rect x="0" y="{}" width="{:.2}" height="12" fill="{fill}" stroke="#000" stroke-width="0.6"/>"##,
                y + 19.0,
                x(v)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="13" fill="#000">{}</text>"##,
            bar_w + 6.0,
            y + 30.0,
            esc(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// For a page or a printed sheet.
fn bars_wide(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let (label_w, bar_w, value_w, row_h, top) = (260.0, 310.0, 70.0, 20.0, 22.0);
    let width = label_w + bar_w + value_w;
    let height = top + row_h * bars.len().real() + 20.0;
    let x = |v: f64| label_w + bar_w * v.clamp(0.0, 100.0) / 100.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}t {id}d" class="chart wide"><title id="{id}t">{}</title><desc id="{id}d">{}</desc><defs><pattern id="{id}hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>"##,
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
        let y = top + row_h * i.real();
        bar_label(&mut s, b, label_w - 6.0, y);
        if let Some(v) = b.value {
            let fill = if b.small {
                format!("url(#{id}hatch)")
            } else {
                "#2b5d8c".to_string()
            };
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

/// A bar's label, right-aligned at `right`: one line, or two smaller ones.
fn bar_label(s: &mut String, b: &Bar, right: f64, y: f64) {
    let label = if b.small {
        format!("{} *", b.label)
    } else {
        b.label.clone()
    };
    match wrap_label(&label).as_slice() {
        [one] => {
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#000">{}</text>"##,
                right,
                y + 14.0,
                esc(one)
            );
        }
        lines => {
            // A long name on two smaller lines, never cut at the chart's left edge.
            let _ = write!(
                s,
                r##"<text x="{x}" y="{}" font-size="9" text-anchor="end" fill="#000"><tspan x="{x}">{}</tspan><tspan x="{x}" dy="9">{}</tspan></text>"##,
                y + 9.0,
                esc(lines.first().map(String::as_str).unwrap_or_default()),
                esc(lines.get(1).map(String::as_str).unwrap_or_default()),
                x = right,
            );
        }
    }
}

pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Rebuilt from predecessors: drawn dashed, with an open marker.
    pub rebuilt: bool,
}

/// A line over periods; a period without data leaves a gap. `rule`: a vertical line before
/// the point of that index, labelled (the day a reorganisation took effect).
pub fn trend(title: &str, desc: &str, points: &[Point], rule: Option<(usize, &str)>) -> String {
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| [p.value, p.low, p.high])
        .flatten()
        .collect();
    let lo = values.iter().copied().fold(100.0f64, f64::min).min(100.0);
    let f = Frame {
        lo: ((lo - 5.0) / 10.0).floor().max(0.0) * 10.0,
        n: points.len().max(1).real(),
    };
    let (w, h) = (Frame::W, Frame::H);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="tt td" class="chart"><title id="tt">{}</title><desc id="td">{}</desc>"##,
        esc(title),
        esc(desc)
    );
    f.grid(&mut s);
    if let Some((i, label)) = rule.filter(|(i, _)| *i > 0 && *i < points.len()) {
        let x = (f.px(i - 1) + f.px(i)) / 2.0;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{:.1}" stroke="#b35c00" stroke-width="1.5"/><text x="{:.1}" y="{}" font-size="10" fill="#7a3e00">{}</text>"##,
            Frame::TOP,
            h - Frame::BOTTOM,
            x + 3.0,
            Frame::TOP + 10.0,
            esc(label)
        );
    }
    let (solid, dashed) = f.points(&mut s, points);
    let _ = write!(
        s,
        r##"<path d="{solid}" stroke="#2b5d8c" stroke-width="2" fill="none"/><path d="{dashed}" stroke="#2b5d8c" stroke-width="2" stroke-dasharray="6 4" fill="none"/></svg>"##
    );
    s
}

/// The trend's drawing area: from `lo` to 100 upwards, `n` periods across.
struct Frame {
    lo: f64,
    n: f64,
}

impl Frame {
    const W: f64 = 640.0;
    const H: f64 = 170.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 26.0;
    const HI: f64 = 100.0;

    fn px(&self, i: usize) -> f64 {
        Self::LEFT + (Self::W - Self::LEFT - Self::RIGHT) * (i.real() + 0.5) / self.n
    }

    fn py(&self, v: f64) -> f64 {
        Self::TOP
            + (Self::H - Self::TOP - Self::BOTTOM) * (Self::HI - v.clamp(self.lo, Self::HI))
                / (Self::HI - self.lo).max(1.0)
    }

    /// A line and a label every ten points.
    fn grid(&self, s: &mut String) {
        let mut t = self.lo;
        while t <= Self::HI {
            let _ = write!(
                s,
                r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#ccc" stroke-width="0.5"/><text x="{2}" y="{3:.1}" font-size="10" text-anchor="end">{t}</text>"##,
                self.py(t),
                Self::W - Self::RIGHT,
                Self::LEFT - 4.0,
                self.py(t) + 3.0,
                left = Self::LEFT,
            );
            t += 10.0;
        }
    }

    /// Each period's label, whiskers and marker; the line's paths, solid between measured
    /// points and dashed where either end was rebuilt.
    fn points(&self, s: &mut String, points: &[Point]) -> (String, String) {
        let (px, py) = (|i| self.px(i), |v| self.py(v));
        let mut solid = String::new();
        let mut dashed = String::new();
        let mut last: Option<(usize, f64, bool)> = None;
        for (i, p) in points.iter().enumerate() {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
                px(i),
                Self::H - 10.0,
                esc(&p.label)
            );
            let Some(v) = p.value else {
                last = None;
                continue;
            };
            if let Some((j, w, was_rebuilt)) = last {
                let seg = if was_rebuilt || p.rebuilt {
                    &mut dashed
                } else {
                    &mut solid
                };
                let _ = write!(seg, "M{:.1} {:.1}L{:.1} {:.1}", px(j), py(w), px(i), py(v));
            }
            last = Some((i, v, p.rebuilt));
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
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}" stroke="#000"/>"##,
                px(i),
                py(v),
                if p.rebuilt { "#fff" } else { "#000" }
            );
        }
        (solid, dashed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest unit names of Ho Chi Minh City's lists fit the label column: one line, or
    /// two of at most `LABEL_LINE` characters, nothing cut at the left.
    #[test]
    fn long_unit_names_wrap_instead_of_running_off_the_chart() {
        for name in [
            "Chi nhánh Văn phòng Đăng ký đất đai TP.HCM – khu vực Bình Tân",
            "Chi nhánh Văn phòng Đăng ký đất đai Thành phố Hồ Chí Minh – khu vực Bình Tân",
            "Bộ phận Tiếp nhận và Trả kết quả Ủy ban nhân dân phường Bình Hưng Hòa",
            "Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh",
            "Phường An Lạc",
        ] {
            let lines = wrap_label(name);
            assert!(lines.len() <= 2, "{name}");
            let limit = if lines.len() == 1 {
                LABEL_ONE_LINE
            } else {
                LABEL_LINE
            };
            assert!(
                lines.iter().all(|l| l.chars().count() <= limit),
                "{lines:?}"
            );
            assert_eq!(lines.join(" "), name, "nothing lost");
            let svg = bars(
                "t",
                "d",
                &[Bar {
                    label: name.into(),
                    value: Some(80.0),
                    low: None,
                    high: None,
                    small: false,
                    text: "80".into(),
                }],
            );
            for l in &lines {
                assert!(svg.contains(&esc(l)), "{l} is drawn");
            }
        }
        let huge = "Tên ".repeat(40);
        let lines = wrap_label(huge.trim());
        assert!(lines[1].ends_with('…') && lines[1].chars().count() <= LABEL_LINE);
    }

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
        let (wide, narrow) = svg
            .split_once("class=\"chart narrow\"")
            .expect("two drawings");
        assert_eq!(
            wide.matches("<rect x=").count(),
            1,
            "no bar without a value"
        );
        // The phone's drawing: a track for each bar, a bar for each value, names at 13.
        assert_eq!(narrow.matches("fill=\"#eee\"").count(), 2);
        assert_eq!(narrow.matches("stroke=\"#000\"").count(), 1);
        assert!(narrow.contains("font-size=\"13\" fill=\"#000\">C *</text>"));
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
                rebuilt: false,
            })
            .collect();
        let svg = trend("t", "d", &pts, None);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(
            svg.contains("<path d=\"\" stroke=\"#2b5d8c\""),
            "nothing joins across a gap"
        );
    }

    #[test]
    fn rebuilt_points_are_dashed_after_a_rule() {
        let pts: Vec<Point> = [(78.0, true), (80.0, true), (83.0, false), (84.0, false)]
            .iter()
            .enumerate()
            .map(|(i, (v, rebuilt))| Point {
                label: format!("Q{}", i + 1),
                value: Some(*v),
                low: None,
                high: None,
                rebuilt: *rebuilt,
            })
            .collect();
        let svg = trend("t", "d", &pts, Some((2, "01/07/2025")));
        assert!(svg.contains(">01/07/2025</text>"));
        let dashed = svg.split("stroke-dasharray").next().unwrap();
        let dashed_path = svg.rsplit("<path d=\"").next().unwrap();
        assert_eq!(
            dashed_path.matches('M').count(),
            2,
            "Q1–Q2 and Q2–Q3 dashed: {dashed_path}"
        );
        assert!(
            dashed.matches("fill=\"#fff\"").count() == 2,
            "open markers for rebuilt points"
        );
    }
}
