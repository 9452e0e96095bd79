//! A page rendered and compressed once, served many times with a few per-request pieces.
//!
//! The citizen form is the page a desk's rush asks for most, and compressing 25 KB of HTML
//! for every phone cost more CPU than taking the answer. The form is the same for every
//! citizen of a unit but for two values (the address it posts to and a fresh submission id),
//! so it is rendered once with markers, cut at the markers, and each static piece is
//! DEFLATE-compressed once, ending on a byte boundary (a sync flush, not the final block).
//! A request then stores its few dynamic bytes as they are and strings the pieces together:
//! the concatenation is one valid DEFLATE stream (RFC 1951 §3.2.3: blocks follow blocks; a
//! piece refers back only into itself), wrapped in a gzip member (RFC 1952) whose CRC-32 is
//! combined from the pieces' CRCs. Browsers see an ordinary `Content-Encoding: gzip` body.

use flate2::{Compress, Compression, FlushCompress, Status};

/// One static piece: its text, its DEFLATE blocks, and its CRC-32.
struct Piece {
    text: String,
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
}

/// A page cut around its holes: `pieces.len() == holes + 1`.
pub struct Spliced {
    pieces: Vec<Piece>,
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Raw DEFLATE of `data`: the final block when `last`, otherwise blocks ending on a sync
/// flush (byte-aligned, not final) so that more blocks may follow.
fn deflate(data: &[u8], last: bool) -> Vec<u8> {
    // Compressed once per page and served many times: the best level is worth it.
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let consumed = usize::try_from(c.total_in()).unwrap_or(data.len());
        let rest = data.get(consumed..).unwrap_or_default();
        let status = c.compress_vec(rest, &mut out, flush);
        let all_in = usize::try_from(c.total_in()).unwrap_or(0) == data.len();
        match status {
            Ok(Status::StreamEnd) => break,
            // A sync flush is complete when all input is in and zlib stopped with room left.
            Ok(_) if !last && all_in && out.len() < out.capacity() => break,
            Ok(_) => {}
            // Only a misuse of the stream errs; none is possible here. Stop rather than spin.
            Err(_) => break,
        }
    }
    out
}

/// `data` as stored (uncompressed) DEFLATE blocks, not final (RFC 1951 §3.2.4). The pieces
/// before end on a byte boundary, so a stored block's header is one byte (BFINAL = 0,
/// BTYPE = 00, five padding bits) and LEN/NLEN. A per-request value is a few dozen bytes:
/// storing it costs nothing, where a compressor would allocate and clear its tables.
fn stored(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks(usize::from(u16::MAX)).peekable();
    if chunks.peek().is_none() {
        return;
    }
    for chunk in chunks {
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

fn crc_of(data: &[u8]) -> crc32fast::Hasher {
    let mut h = crc32fast::Hasher::new();
    h.update(data);
    h
}

impl Spliced {
    /// Cuts `page` at each marker, in order. `None` unless every marker occurs exactly once
    /// and in the order given (the caller then serves the page as rendered).
    pub fn new(page: &str, markers: &[&str]) -> Option<Spliced> {
        let mut texts = Vec::with_capacity(markers.len() + 1);
        let mut rest = page;
        for m in markers {
            if m.is_empty() || page.matches(m).count() != 1 {
                return None;
            }
            let at = rest.find(m)?;
            texts.push(rest[..at].to_string());
            rest = &rest[at + m.len()..];
        }
        texts.push(rest.to_string());
        let last = texts.len() - 1;
        let pieces = texts
            .into_iter()
            .enumerate()
            .map(|(i, text)| Piece {
                deflated: deflate(text.as_bytes(), i == last),
                crc: crc_of(text.as_bytes()),
                text,
            })
            .collect();
        Some(Spliced { pieces })
    }

    /// How many values a request must give.
    pub fn holes(&self) -> usize {
        self.pieces.len() - 1
    }

    /// The page with `values` in its holes (missing values are empty, extra ones ignored).
    pub fn plain(&self, values: &[&str]) -> String {
        let size = self.pieces.iter().map(|p| p.text.len()).sum::<usize>()
            + values.iter().map(|v| v.len()).sum::<usize>();
        let mut out = String::with_capacity(size);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                out.push_str(values.get(i - 1).copied().unwrap_or(""));
            }
            out.push_str(&piece.text);
        }
        out
    }

    /// The same page as one gzip member; the values go in stored blocks.
    pub fn gzip(&self, values: &[&str]) -> Vec<u8> {
        let size = self.pieces.iter().map(|p| p.deflated.len()).sum::<usize>()
            + values.iter().map(|v| v.len() + 16).sum::<usize>()
            + 18;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&GZIP_HEADER);
        let mut crc = crc32fast::Hasher::new();
        let mut length: u64 = 0;
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                let value = values.get(i - 1).copied().unwrap_or("").as_bytes();
                stored(value, &mut out);
                crc.combine(&crc_of(value));
                length += crate::domain::num::u64_of(value.len());
            }
            out.extend_from_slice(&piece.deflated);
            crc.combine(&piece.crc);
            length += crate::domain::num::u64_of(piece.text.len());
        }
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952 §2.3.1).
        let [a, b, c, d, ..] = length.to_le_bytes();
        out.extend_from_slice(&[a, b, c, d]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        // A single-member decoder: the body must be exactly one gzip member.
        let mut d = flate2::read::GzDecoder::new(bytes);
        let mut s = String::new();
        d.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn spliced_gzip_decodes_to_the_plain_page() {
        let page = "<p>Ý kiến của bạn</p>".repeat(500)
            + "<form action=\"@@A@@\"><input value=\"@@B@@\">"
            + &"<label>Hài lòng</label>".repeat(700);
        let s = Spliced::new(&page, &["@@A@@", "@@B@@"]).unwrap();
        assert_eq!(s.holes(), 2);
        for values in [
            vec!["/s/an-lac-a", "6f1c2a9e-0c1b-4d4e-9a57-1b5e2c3d4f5a"],
            vec!["", ""],
            vec!["/t/ABCDEFGHJKLMNPQ?lang=en", "đ"],
        ] {
            let plain = s.plain(&values);
            let expected = page.replace("@@A@@", values[0]).replace("@@B@@", values[1]);
            assert_eq!(plain, expected);
            let gz = s.gzip(&values);
            assert_eq!(gunzip(&gz), expected);
            assert!(
                gz.len() * 5 < expected.len(),
                "compressed {} of {}",
                gz.len(),
                expected.len()
            );
        }
    }

    #[test]
    fn a_page_without_holes_and_empty_pieces_still_decode() {
        let s = Spliced::new("", &[]).unwrap();
        assert_eq!(gunzip(&s.gzip(&[])), "");
        let s = Spliced::new("XY", &["X", "Y"]).unwrap();
        assert_eq!(gunzip(&s.gzip(&["1", "2"])), "12");
        // A value longer than one stored block holds.
        let long = "đ".repeat(40_000);
        assert_eq!(gunzip(&s.gzip(&[&long, ""])), long);
    }

    #[test]
    fn a_missing_or_repeated_marker_is_refused() {
        assert!(Spliced::new("abc", &["@@A@@"]).is_none());
        assert!(Spliced::new("@@A@@ @@A@@", &["@@A@@"]).is_none());
        assert!(Spliced::new("@@B@@ @@A@@", &["@@A@@", "@@B@@"]).is_none());
    }
}
