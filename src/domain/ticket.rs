//! One-time survey codes (mã khảo sát): one per visit, printed on the receipt as a QR code.
//! A code is 14 random symbols from a 31-symbol alphabet with no look-alikes (no 0/O, 1/I/L),
//! about 69 bits of randomness, plus a check symbol that catches any single mistyped symbol
//! and any swap of neighbours before the database is asked.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::domain::unit::Unit;

/// No 0, 1, I, L, O: what remains cannot be confused when read aloud or typed from paper.
/// 31 symbols, a prime, so the weighted check symbol catches every single substitution.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const RANDOM_LEN: usize = 14;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TicketCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketCodeError {
    #[error("a survey code has {expected} symbols, this one has {found}")]
    Length { expected: usize, found: usize },
    #[error("'{0}' is not a symbol used in survey codes")]
    Symbol(char),
    #[error("the code does not check out: a symbol is probably mistyped")]
    Checksum,
}

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

fn check_symbol(body: &[u8]) -> u8 {
    let sum: usize = body
        .iter()
        .enumerate()
        .map(|(i, &c)| (i + 1) * value(c).unwrap_or(0))
        .sum();
    // The remainder is below the alphabet's length: `get` always finds it.
    ALPHABET
        .get(sum % ALPHABET.len())
        .copied()
        .unwrap_or(ALPHABET[0])
}

/// SHA-256 in hex: how a secret that the service must recognise but not keep is stored.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `len` random symbols of the alphabet (a kiosk's pairing code uses them too).
pub fn random_symbols<R: Rng + ?Sized>(rng: &mut R, len: usize) -> String {
    (0..len)
        .map(|_| {
            let i = rng.random_range(0..ALPHABET.len());
            char::from(ALPHABET.get(i).copied().unwrap_or(ALPHABET[0]))
        })
        .collect()
}

impl TicketCode {
    /// Draws a new code from the given source of randomness (a CSPRNG in the service).
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> TicketCode {
        let mut body = random_symbols(rng, RANDOM_LEN).into_bytes();
        let check = check_symbol(&body);
        body.push(check);
        TicketCode(String::from_utf8_lossy(&body).into_owned())
    }

    /// Reads a code as a person may type it: lower case, with spaces or dashes between groups.
    pub fn parse(input: &str) -> Result<TicketCode, TicketCodeError> {
        let cleaned: Vec<u8> = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .map(|c| match u8::try_from(c) {
                Ok(b) if value(b).is_some() => Ok(b),
                _ => Err(TicketCodeError::Symbol(c)),
            })
            .collect::<Result<_, _>>()?;
        if cleaned.len() != RANDOM_LEN + 1 {
            return Err(TicketCodeError::Length {
                expected: RANDOM_LEN + 1,
                found: cleaned.len(),
            });
        }
        let (body, check) = cleaned.split_at(RANDOM_LEN);
        if check != [check_symbol(body)] {
            return Err(TicketCodeError::Checksum);
        }
        Ok(TicketCode(String::from_utf8_lossy(&cleaned).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is stored for a code that must stay the holder's secret (a feedback tracking
    /// code): its SHA-256 in hex. A code carries 69 random bits, so the hash cannot be
    /// searched back to the code.
    pub fn hash(&self) -> String {
        hash_secret(&self.0)
    }

    /// The code in groups of five, as printed on a slip: `ABCDE-FGHJK-MNPQR`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(5)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A one-time code as issued, with what a slip prints beside it.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    pub code: TicketCode,
    pub unit: Unit,
    pub expires_at: DateTime<Utc>,
    pub dossier_ref: Option<String>,
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::num::Real;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn generated_codes_parse_back_in_any_case_and_grouping() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let code = TicketCode::generate(&mut rng);
            assert_eq!(code.as_str().len(), 15);
            assert_eq!(TicketCode::parse(code.as_str()).unwrap(), code);
            assert_eq!(
                TicketCode::parse(&code.grouped().to_lowercase()).unwrap(),
                code
            );
        }
    }

    #[test]
    fn every_single_substitution_and_neighbour_swap_is_caught() {
        let mut rng = StdRng::seed_from_u64(11);
        let code = TicketCode::generate(&mut rng);
        let bytes = code.as_str().as_bytes().to_vec();
        for i in 0..bytes.len() {
            for &a in ALPHABET.iter() {
                if a == bytes[i] {
                    continue;
                }
                let mut t = bytes.clone();
                t[i] = a;
                let s = String::from_utf8(t).unwrap();
                assert!(TicketCode::parse(&s).is_err(), "{s} slipped through");
            }
            if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
                let mut t = bytes.clone();
                t.swap(i, i + 1);
                let s = String::from_utf8(t).unwrap();
                assert!(TicketCode::parse(&s).is_err(), "swap {s} slipped through");
            }
        }
    }

    #[test]
    fn ambiguous_symbols_and_wrong_lengths_are_refused() {
        assert_eq!(
            TicketCode::parse("O").unwrap_err(),
            TicketCodeError::Symbol('O')
        );
        assert!(matches!(
            TicketCode::parse("ABC"),
            Err(TicketCodeError::Length { found: 3, .. })
        ));
        assert!(matches!(
            TicketCode::parse("ẠBC"),
            Err(TicketCodeError::Symbol(_))
        ));
    }

    #[test]
    fn codes_carry_at_least_64_bits() {
        let bits = (RANDOM_LEN.real()) * (ALPHABET.len().real()).log2();
        assert!(bits >= 64.0, "{bits}");
    }
}
