//! Numbers between types, written once (the lint wall denies `as` everywhere else): a count
//! becomes a float to divide, a float becomes a count by rounding. Counts here (responses,
//! ratings, rows, bytes) are far below 2^53, where every integer is an exact `f64`.

/// A count as a float, to divide (exact below 2^53).
pub trait Real {
    fn real(self) -> f64;
}

impl Real for u64 {
    #[allow(clippy::as_conversions)]
    fn real(self) -> f64 {
        // No `From<u64> for f64` (it is lossy above 2^53); counts never reach that.
        self as f64
    }
}

impl Real for i64 {
    #[allow(clippy::as_conversions)]
    fn real(self) -> f64 {
        self as f64
    }
}

impl Real for u128 {
    #[allow(clippy::as_conversions)]
    fn real(self) -> f64 {
        // Milliseconds of a rate window: far below 2^53.
        self as f64
    }
}

impl Real for usize {
    fn real(self) -> f64 {
        u64::try_from(self).map_or(f64::MAX, Real::real)
    }
}

impl Real for u32 {
    fn real(self) -> f64 {
        f64::from(self)
    }
}

impl Real for i32 {
    fn real(self) -> f64 {
        f64::from(self)
    }
}

/// `part` of `whole` in percent; `None` for an empty whole.
pub fn percent(part: impl Real, whole: impl Real) -> Option<f64> {
    let whole = whole.real();
    (whole > 0.0).then(|| 100.0 * part.real() / whole)
}

/// A non-negative float as a count: rounded down, below 0 (or NaN) is 0, above the type's
/// largest value is that value (what `as` does, said once).
#[allow(clippy::as_conversions)]
pub fn count_of(x: f64) -> u64 {
    x as u64
}

/// A length or index as a count of the store's integer type (saturating; lengths here are
/// far below `i64::MAX`).
pub fn i64_of(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A length or index as a `u64` (saturating).
pub fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_say_what_as_did() {
        assert_eq!(3u64.real() / 4u64.real(), 0.75);
        assert_eq!((-2i64).real(), -2.0);
        assert_eq!(
            percent(1u64, 3u64).map(|p| (p * 100.0).round()),
            Some(3333.0)
        );
        assert_eq!(percent(1u64, 0u64), None);
        assert_eq!(count_of(2.9), 2);
        assert_eq!(count_of(-1.0), 0);
        assert_eq!(count_of(f64::NAN), 0);
        assert_eq!(i64_of(7), 7);
    }
}
