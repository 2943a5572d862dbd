//! Exact money parsing for provider amounts. No floats: StockX sends decimal strings in major
//! units (`"231"`, `"231.5"`, `"23500.0000"`), Alias sends integer USD cents as strings or numbers.

use serde::Deserialize;

use crate::core::domain::Currency;

/// Why an amount could not be turned into minor units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount {0:?} is not a plain non-negative decimal")]
    Syntax(String),
    #[error("amount {value:?} has more precision than {currency} allows ({digits} decimals)")]
    OverPrecise {
        value: String,
        currency: Currency,
        digits: u32,
    },
    #[error("amount {0:?} is out of range")]
    Overflow(String),
}

fn clip(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// Parses a major-units decimal string (`"231"`, `"231.50"`, `"23500.0000"`) into minor units of
/// `currency`. Trailing zeros beyond the currency's minor digits are accepted; any other extra
/// precision is rejected (never rounded). Signs, exponents, spaces inside and empty parts are
/// rejected.
pub fn parse_major_units(raw: &str, currency: Currency) -> Result<i64, AmountError> {
    let s = raw.trim();
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits_only = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(int_part) || frac_part.is_some_and(|f| !digits_only(f)) {
        return Err(AmountError::Syntax(clip(raw)));
    }
    let digits = currency.minor_digits();
    let frac = frac_part.unwrap_or("");
    let (kept, extra) = frac.split_at(frac.len().min(digits as usize));
    if extra.bytes().any(|b| b != b'0') {
        return Err(AmountError::OverPrecise {
            value: clip(raw),
            currency,
            digits,
        });
    }
    let overflow = || AmountError::Overflow(clip(raw));
    let scale = 10i64.checked_pow(digits).ok_or_else(overflow)?;
    let whole: i64 = int_part.parse().map_err(|_| overflow())?;
    let mut minor_frac: i64 = if kept.is_empty() {
        0
    } else {
        kept.parse().map_err(|_| overflow())?
    };
    for _ in kept.len()..digits as usize {
        minor_frac *= 10;
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(minor_frac))
        .ok_or_else(overflow)
}

/// Formats minor units as a major-units decimal string with exactly the currency's minor digits
/// (`22450` USD → `"224.50"`, `23500` JPY → `"23500"`). Inverse of [`parse_major_units`].
pub fn format_major_units(minor: i64, currency: Currency) -> String {
    let digits = currency.minor_digits();
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// Parses Alias integer cents written as a decimal string of digits (`"22400"`).
pub fn parse_cents(raw: &str) -> Result<i64, AmountError> {
    let s = raw.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Syntax(clip(raw)));
    }
    s.parse::<i64>()
        .map_err(|_| AmountError::Overflow(clip(raw)))
}

/// A price from a provider: zero means "no data" (no marketplace lists a free pair, and the
/// database forbids zero prices), so it becomes `None` like `null`.
pub fn nonzero(minor: i64) -> Option<i64> {
    (minor != 0).then_some(minor)
}

/// A JSON value that should be a number but may arrive as a string (or the other way round).
/// Kept textual: converting through `f64` would lose exactness.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Text(String),
    Number(serde_json::Number),
}

impl RawNumber {
    /// The value as written (numbers via serde_json's shortest round-trip form, e.g. `10.5`).
    pub fn as_text(&self) -> String {
        match self {
            RawNumber::Text(s) => s.trim().to_string(),
            RawNumber::Number(n) => n.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_major_units_exactly() {
        assert_eq!(parse_major_units("231", Currency::USD), Ok(23100));
        assert_eq!(parse_major_units("231.5", Currency::USD), Ok(23150));
        assert_eq!(parse_major_units("231.05", Currency::USD), Ok(23105));
        assert_eq!(parse_major_units("23500.0000", Currency::JPY), Ok(23500));
        assert_eq!(parse_major_units("0.01", Currency::GBP), Ok(1));
        assert_eq!(parse_major_units(" 7 ", Currency::EUR), Ok(700));
    }

    #[test]
    fn rejects_over_precise_and_malformed_amounts() {
        assert!(matches!(
            parse_major_units("231.005", Currency::USD),
            Err(AmountError::OverPrecise { .. })
        ));
        assert!(matches!(
            parse_major_units("23500.5", Currency::JPY),
            Err(AmountError::OverPrecise { .. })
        ));
        for bad in [
            "", ".", "1.", ".5", "-1", "+1", "1e3", "1,5", "abc", "1 000", "NaN",
        ] {
            assert!(
                matches!(
                    parse_major_units(bad, Currency::USD),
                    Err(AmountError::Syntax(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_major_units("99999999999999999999", Currency::USD),
            Err(AmountError::Overflow(_))
        ));
    }

    #[test]
    fn cents_and_formatting() {
        assert_eq!(parse_cents("22400"), Ok(22400));
        assert!(parse_cents("224.00").is_err());
        assert!(parse_cents("-5").is_err());
        assert_eq!(format_major_units(22450, Currency::USD), "224.50");
        assert_eq!(format_major_units(5, Currency::USD), "0.05");
        assert_eq!(format_major_units(23500, Currency::JPY), "23500");
        assert_eq!(nonzero(0), None);
    }
}
