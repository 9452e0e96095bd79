//! A printable A4 sheet of one-time code slips: unit name, QR code, the code, the address,
//! the expiry and the slogan of SPEC §4, two slips across.

use askama::Template;

use crate::domain::local_offset;
use crate::domain::ticket::IssuedTicket;
use crate::render::qr;
use crate::texts::tr;

/// Slips are printed for a desk in Vietnam: in Vietnamese (the sheet says it in English too).
const VI: crate::domain::lang::Lang = crate::domain::lang::Lang::Vi;

pub struct SlipView {
    pub qr_svg: String,
    pub code: String,
    pub url: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "slips.html")]
struct Slips<'a> {
    t_title: &'static str,
    t_scan: &'static str,
    t_valid_until: &'static str,
    unit_name: &'a str,
    slogan: &'a str,
    slips: Vec<SlipView>,
}

/// The last day a code may be used, as printed: `31/01/2027`.
pub fn expiry(t: &IssuedTicket) -> String {
    t.expires_at
        .with_timezone(&local_offset())
        .format("%d/%m/%Y")
        .to_string()
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
                qr_svg: qr::inline_svg(&url, 160, tr(VI, "slips.qr_label"))?,
                code: t.code.grouped(),
                url,
                expires: expiry(t),
            })
        })
        .collect::<Result<Vec<_>, qr::QrError>>()?;
    Slips {
        t_title: tr(VI, "slips.title"),
        t_scan: tr(VI, "slips.scan"),
        t_valid_until: tr(VI, "slips.valid_until"),
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
    t_title: &'static str,
    t_invite: &'static str,
    t_valid_until: &'static str,
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
        t_title: tr(VI, "slips.receipt_title"),
        t_invite: tr(VI, "slips.receipt_invite"),
        t_valid_until: tr(VI, "slips.receipt_valid_until"),
        unit_name: &t.unit.name,
        qr_svg: qr::inline_svg(&url, 160, tr(VI, "slips.qr_label"))?,
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
