//! A printable A4 sheet of one-time code slips: unit name, QR code, the code, the address,
//! the expiry and the slogan of SPEC §4, two slips across.

use askama::Template;

use crate::domain::local_offset;
use crate::domain::ticket::IssuedTicket;
use crate::render::qr;

pub struct SlipView {
    pub qr_svg: String,
    pub code: String,
    pub url: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "slips.html")]
struct Slips<'a> {
    unit_name: &'a str,
    slogan: &'a str,
    slips: Vec<SlipView>,
}

pub fn ticket_url(public_url: &str, t: &IssuedTicket) -> String {
    format!("{}/t/{}", public_url.trim_end_matches('/'), t.code)
}

pub fn sheet(public_url: &str, tickets: &[IssuedTicket]) -> Result<String, qr::QrError> {
    let unit_name = tickets.first().map(|t| t.unit.name.as_str()).unwrap_or("");
    let slips = tickets
        .iter()
        .map(|t| {
            let url = ticket_url(public_url, t);
            Ok(SlipView {
                qr_svg: qr::inline_svg(&url, 160, "Mã QR khảo sát / survey QR code")?,
                code: t.code.grouped(),
                url,
                expires: t
                    .expires_at
                    .with_timezone(&local_offset())
                    .format("%d/%m/%Y")
                    .to_string(),
            })
        })
        .collect::<Result<Vec<_>, qr::QrError>>()?;
    Slips {
        unit_name,
        slogan: crate::texts::SLOGAN,
        slips,
    }
    .render()
    .map_err(|e| qr::QrError::new(e.to_string()))
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct Receipt<'a> {
    unit_name: &'a str,
    qr_svg: String,
    code: String,
    url: String,
    expires: String,
    slogan: &'a str,
}

/// One 80 mm receipt slip, for a receipt printer at the desk.
pub fn receipt(public_url: &str, t: &IssuedTicket) -> Result<String, qr::QrError> {
    let url = ticket_url(public_url, t);
    Receipt {
        unit_name: &t.unit.name,
        qr_svg: qr::inline_svg(&url, 160, "Mã QR khảo sát / survey QR code")?,
        code: t.code.grouped(),
        url,
        expires: t
            .expires_at
            .with_timezone(&local_offset())
            .format("%d/%m/%Y")
            .to_string(),
        slogan: crate::texts::SLOGAN,
    }
    .render()
    .map_err(|e| qr::QrError::new(e.to_string()))
}
