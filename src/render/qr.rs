//! QR codes (error correction M, quiet zone of four modules kept) as SVG and PNG.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

#[derive(Debug, thiserror::Error)]
#[error("cannot make a QR code of this text: {0}")]
pub struct QrError(String);

impl QrError {
    pub fn new(msg: String) -> QrError {
        QrError(msg)
    }
}

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| QrError(e.to_string()))
}

/// A standalone SVG document that scales to its container (it has a viewBox).
pub fn svg(text: &str, min_px: u32) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<svg::Color>()
        .min_dimensions(min_px, min_px)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The same SVG without the XML declaration, to place inside an HTML page.
pub fn inline_svg(text: &str, min_px: u32, label: &str) -> Result<String, QrError> {
    let doc = svg(text, min_px)?;
    let start = doc.find("<svg").unwrap_or(0);
    let body = &doc[start..];
    let label = crate::render::escape(label);
    Ok(body.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{label}\""),
        1,
    ))
}

/// A grayscale PNG, `scale` pixels per module, four modules of quiet zone on each side.
pub fn png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let qr = code(text)?;
    // A QR code is at most 177 modules wide (version 40).
    let modules = u32::try_from(qr.width()).unwrap_or(177);
    let colors = qr.to_colors();
    let scale = scale.clamp(1, 40);
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let at = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    let mut pixels = vec![255u8; at(side * side)];
    for (i, c) in (0u32..).zip(colors.iter()) {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules, i / modules);
        for dy in 0..scale {
            let y = (my + quiet) * scale + dy;
            let row = at(y * side);
            let x0 = at((mx + quiet) * scale);
            for px in pixels.iter_mut().skip(row + x0).take(at(scale)) {
                *px = 0;
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| QrError(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| QrError(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_png_with_a_quiet_zone() {
        let bytes = png("http://127.0.0.1:8080/s/an-lac-a", 4).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        // The first 4 modules × 4 px of every side are white.
        assert!(buf[..(info.width * 16) as usize].iter().all(|&p| p == 255));
        assert!(buf.contains(&0));
    }

    #[test]
    fn inline_svg_has_no_xml_declaration_and_a_label() {
        let s = inline_svg("http://x/s/a", 200, "Mã QR <a>").unwrap();
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"Mã QR &#60;a&#62;\""));
    }
}
