//! The link preview image of a published report (`og:image`, issue 37): the headline drawn
//! into a 1200 × 630 PNG — who published, for which units and period, SIPAS and its interval,
//! the responses behind it — with a bundled font that has every Vietnamese letter, so a
//! report shared in Zalo or on a ward's page shows its figure before anyone opens it. The
//! same headline gives the same bytes.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use unicode_normalization::UnicodeNormalization;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
const MARGIN: f32 = 60.0;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-vi.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-vi.ttf");

const BLUE: [u8; 3] = [0x0b, 0x4f, 0x8a];
const INK: [u8; 3] = [0x11, 0x11, 0x11];
const GREY: [u8; 3] = [0x44, 0x44, 0x44];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

/// What the card says, already in the reader's language.
pub struct Card<'a> {
    /// The band at the top: the site's name.
    pub band: &'a str,
    /// The units the figures cover ("5 phường và 1 đơn vị khác thuộc …").
    pub scope: &'a str,
    /// The period in words ("Quý 2 năm 2026").
    pub period: &'a str,
    /// The figure's name and the figure ("Chỉ số hài lòng (SIPAS)", "87,50 %").
    pub figure_label: &'a str,
    pub figure: &'a str,
    /// Lines under the figure: its interval, the responses.
    pub lines: &'a [String],
    /// The last line: the publisher and the release.
    pub footer: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the bundled font cannot be read: {0}")]
    Font(#[from] ab_glyph::InvalidFont),
    #[error("the image cannot be encoded: {0}")]
    Png(#[from] png::EncodingError),
}

/// A pixel's coordinate from the rasteriser's float (none when left of or above the image).
#[allow(
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn pixel(v: f32) -> Option<u32> {
    (0.0..65_536.0).contains(&v).then(|| v.floor() as u32)
}

/// A glyph's pixel offset as a float (offsets are a few hundred at most).
fn float(v: u32) -> f32 {
    f32::from(u16::try_from(v).unwrap_or(u16::MAX))
}

/// A colour channel from a float already within 0..=255.
#[allow(
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn channel(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn at(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

struct Canvas {
    rgb: Vec<u8>,
}

impl Canvas {
    fn new() -> Self {
        Self {
            rgb: WHITE.repeat(at(WIDTH * HEIGHT)),
        }
    }

    fn fill(&mut self, top: u32, bottom: u32, colour: [u8; 3]) {
        for y in top..bottom.min(HEIGHT) {
            for x in 0..WIDTH {
                self.blend(x, y, colour, 1.0);
            }
        }
    }

    fn blend(&mut self, x: u32, y: u32, colour: [u8; 3], alpha: f32) {
        if x >= WIDTH || y >= HEIGHT {
            return;
        }
        let i = at((y * WIDTH + x) * 3);
        let a = alpha.clamp(0.0, 1.0);
        let Some(px) = self.rgb.get_mut(i..i + 3) else {
            return;
        };
        for (under, c) in px.iter_mut().zip(colour) {
            let u = f32::from(*under);
            *under = channel(u + (f32::from(c) - u) * a);
        }
    }

    /// Draws one line of text with its baseline at `y`; returns its width.
    fn text(
        &mut self,
        font: &FontRef<'_>,
        size: f32,
        (x, y): (f32, f32),
        s: &str,
        colour: [u8; 3],
    ) -> f32 {
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        let mut last = None;
        for ch in s.nfc() {
            let id = scaled.glyph_id(ch);
            if let Some(prev) = last {
                caret += scaled.kern(prev, id);
            }
            let glyph = id.with_scale_and_position(size, point(caret, y));
            caret += scaled.h_advance(id);
            last = Some(id);
            let Some(outlined) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, c| {
                if let (Some(px), Some(py)) =
                    (pixel(b.min.x + float(gx)), pixel(b.min.y + float(gy)))
                {
                    self.blend(px, py, colour, c);
                }
            });
        }
        caret - x
    }

    fn png(&self) -> Result<Vec<u8>, CardError> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header()?;
        w.write_image_data(&self.rgb)?;
        w.finish()?;
        Ok(out)
    }
}

/// The width of a line of text at `size`.
fn width(font: &FontRef<'_>, size: f32, s: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut last = None;
    for ch in s.nfc() {
        let id = scaled.glyph_id(ch);
        if let Some(prev) = last {
            w += scaled.kern(prev, id);
        }
        w += scaled.h_advance(id);
        last = Some(id);
    }
    w
}

/// `s` cut at whole words into lines no wider than `max`, at most `most` of them (the last
/// one ends in "…" when words were left out).
fn wrap(font: &FontRef<'_>, size: f32, s: &str, max: f32, most: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let tried = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(font, size, &tried) <= max || line.is_empty() {
            line = tried;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            last.push_str(" …");
        }
    }
    lines
}

/// The card as a PNG.
pub fn png(card: &Card<'_>) -> Result<Vec<u8>, CardError> {
    let regular = FontRef::try_from_slice(REGULAR)?;
    let bold = FontRef::try_from_slice(BOLD)?;
    let mut c = Canvas::new();
    let inner = float(WIDTH) - 2.0 * MARGIN;
    c.fill(0, 84, BLUE);
    c.text(&bold, 32.0, (MARGIN, 55.0), card.band, WHITE);
    let mut y = 140.0;
    for line in wrap(&regular, 32.0, card.scope, inner, 2) {
        c.text(&regular, 32.0, (MARGIN, y), &line, GREY);
        y += 42.0;
    }
    y += 20.0;
    c.text(&bold, 48.0, (MARGIN, y), card.period, INK);
    y += 130.0;
    let w = c.text(&bold, 120.0, (MARGIN, y), card.figure, BLUE);
    for (i, line) in wrap(&regular, 32.0, card.figure_label, inner - w - 40.0, 2)
        .iter()
        .enumerate()
    {
        c.text(
            &regular,
            32.0,
            (
                MARGIN + w + 40.0,
                y - 50.0 + 40.0 * float(u32::try_from(i).unwrap_or(0)),
            ),
            line,
            INK,
        );
    }
    y += 60.0;
    for line in card.lines.iter().take(2) {
        c.text(&regular, 30.0, (MARGIN, y), line, INK);
        y += 42.0;
    }
    c.fill(HEIGHT - 70, HEIGHT - 66, BLUE);
    let footer = wrap(&regular, 24.0, card.footer, inner, 1);
    if let Some(f) = footer.first() {
        c.text(&regular, 24.0, (MARGIN, float(HEIGHT) - 28.0), f, GREY);
    }
    c.png()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(lines: &[String]) -> Vec<u8> {
        png(&Card {
            band: "Hailong · Khảo sát sự hài lòng",
            scope: "5 phường và 1 đơn vị khác thuộc Thành phố Hồ Chí Minh",
            period: "Quý 2 năm 2026",
            figure_label: "Chỉ số hài lòng (SIPAS)",
            figure: "87,50 %",
            lines,
            footer: "Phòng Nội vụ · công bố lần 1, 15/07/2026",
        })
        .unwrap()
    }

    #[test]
    fn a_card_is_a_png_of_the_promised_size_and_the_same_each_time() {
        let lines = ["Khoảng tin cậy 95 %: 80,10 % – 92,30 %".to_string()];
        let a = card(&lines);
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&a));
        let info = decoder.read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!(a, card(&lines), "same headline, same bytes");
        assert_ne!(
            a,
            card(&["Khoảng tin cậy 95 %: 80,10 % – 92,31 %".to_string()])
        );
    }

    #[test]
    fn every_vietnamese_letter_has_a_glyph() {
        let font = FontRef::try_from_slice(REGULAR).unwrap();
        let bold = FontRef::try_from_slice(BOLD).unwrap();
        let letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợ\
                       pqrstuùúủũụưừứửữựvxyỳýỷỹỵ%–…·→";
        for ch in letters
            .chars()
            .flat_map(|c| [c].into_iter().chain(c.to_uppercase()))
        {
            assert_ne!(font.glyph_id(ch).0, 0, "{ch} has no glyph");
            assert_ne!(bold.glyph_id(ch).0, 0, "{ch} has no bold glyph");
        }
    }

    #[test]
    fn long_text_is_wrapped_at_words_and_cut() {
        let font = FontRef::try_from_slice(REGULAR).unwrap();
        let s = "phường ".repeat(60);
        let lines = wrap(&font, 32.0, &s, 1080.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with(" …"));
        assert!(lines
            .iter()
            .all(|l| width(&font, 32.0, l) <= 1080.0 + width(&font, 32.0, " …")));
    }
}
