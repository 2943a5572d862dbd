//! What both providers' normalizers share: JSON decoding, size labels and the amount rules below.
//! The per-provider normalizers are `stockx::normalize` and `alias::normalize`.
//!
//! Amount rules: `null`, a missing field and zero mean "no data" (`None`); anything that is not an
//! exact amount in the currency (`"12.345"` USD, `"abc"`, negative) makes the whole response
//! `Malformed`: storing a guessed price is worse than storing none.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use super::error::ProviderError;
use crate::core::domain::Marketplace;
use crate::core::sizes::SizeSystem;
use crate::marketplaces::snapshot::MarketplaceVariant;

/// Decodes a JSON body, turning any serde failure into `Malformed` with a short excerpt.
pub fn decode<T: DeserializeOwned>(
    marketplace: Marketplace,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body)
        .map_err(|e| ProviderError::malformed(marketplace, format!("invalid JSON: {e}"), body))
}

/// A size as the canonical decimal string used for Alias variant ids (`10`, `10.5`).
pub fn size_key(size: Decimal) -> String {
    size.normalize().to_string()
}

pub(crate) fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

pub(crate) fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

pub(crate) fn date_prefix(raw: &Option<String>) -> Option<NaiveDate> {
    let s = raw.as_deref()?.trim();
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

pub(crate) fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The numeric part and suffix-implied system of a size label: `6.5W` → (UsW, 6.5), `5Y`,
/// `10C`, `US M 10`, `10`.
pub(crate) fn split_label(label: &str) -> (Option<SizeSystem>, Option<Decimal>) {
    let up = label.trim().to_ascii_uppercase();
    let body = up.strip_prefix("US").map(str::trim_start).unwrap_or(&up);
    let (system, number) = if let Some(n) = body.strip_prefix("M ") {
        (Some(SizeSystem::UsM), n)
    } else if let Some(n) = body.strip_prefix("W ") {
        (Some(SizeSystem::UsW), n)
    } else if let Some(n) = body.strip_suffix('W') {
        (Some(SizeSystem::UsW), n)
    } else if let Some(n) = body.strip_suffix('Y') {
        (Some(SizeSystem::UsY), n)
    } else if let Some(n) = body.strip_suffix('C').or_else(|| body.strip_suffix('K')) {
        (Some(SizeSystem::UsC), n)
    } else if let Some(n) = body.strip_suffix('M') {
        (Some(SizeSystem::UsM), n)
    } else {
        (None, body)
    };
    (system, crate::core::sizes::parse_size(number))
}

pub(crate) fn set_field(v: &mut MarketplaceVariant, system: SizeSystem, value: Decimal) {
    let slot = match system {
        SizeSystem::UsM => &mut v.us_m,
        SizeSystem::UsW => &mut v.us_w,
        SizeSystem::Uk => &mut v.uk,
        SizeSystem::Eu => &mut v.eu,
        SizeSystem::UsY | SizeSystem::UsC => return,
    };
    if slot.is_none() {
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        <Decimal as std::str::FromStr>::from_str(s).unwrap()
    }

    #[test]
    fn labels_split_into_system_and_number() {
        assert_eq!(split_label("6.5W"), (Some(SizeSystem::UsW), Some(d("6.5"))));
        assert_eq!(split_label("5Y"), (Some(SizeSystem::UsY), Some(d("5"))));
        assert_eq!(split_label("10C"), (Some(SizeSystem::UsC), Some(d("10"))));
        assert_eq!(split_label("10"), (None, Some(d("10"))));
        assert_eq!(
            split_label("US M 10"),
            (Some(SizeSystem::UsM), Some(d("10")))
        );
        assert_eq!(split_label("OS"), (None, None));
        assert_eq!(size_key(d("10.50")), "10.5");
    }
}
