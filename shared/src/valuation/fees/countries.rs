//! Per-country fee tables (the Alias seller fee, StockX shipping): rows, lookup, and the
//! `CC=minor` environment overrides.

use serde::{Deserialize, Serialize};

use crate::core::config::{self, ConfigError};

/// An amount for one country (ISO 3166-1 alpha-2, upper case; `GB` for the United Kingdom).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryAmount {
    pub country: String,
    pub minor: i64,
}

/// The amount listed for `country`, if any.
pub(super) fn country_amount(table: &[CountryAmount], country: Option<&str>) -> Option<i64> {
    let country = country?;
    table
        .iter()
        .find(|c| c.country.eq_ignore_ascii_case(country))
        .map(|c| c.minor)
}

pub(super) fn countries(rows: &[(&str, i64)]) -> Vec<CountryAmount> {
    rows.iter()
        .map(|(c, minor)| CountryAmount {
            country: (*c).to_string(),
            minor: *minor,
        })
        .collect()
}

/// `CC=minor,CC=minor` entries of an environment variable, replacing or adding table rows.
pub(super) fn merge_countries(
    name: &str,
    table: &mut Vec<CountryAmount>,
) -> Result<(), ConfigError> {
    let Some(raw) = config::optional(name) else {
        return Ok(());
    };
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || ConfigError {
            name: name.to_string(),
            message: format!("expected CC=minor entries (e.g. DE=1200), got {entry:?}"),
        };
        let (cc, minor) = entry.split_once('=').ok_or_else(bad)?;
        let cc = normalize_country(cc).ok_or_else(bad)?;
        let minor: i64 = minor.trim().parse().map_err(|_| bad())?;
        if minor < 0 {
            return Err(bad());
        }
        match table.iter_mut().find(|c| c.country == cc) {
            Some(row) => row.minor = minor,
            None => table.push(CountryAmount { country: cc, minor }),
        }
    }
    Ok(())
}

/// Upper-case ISO 3166-1 alpha-2 code for a seller location; `UK` (as the existing app stores
/// it) becomes `GB`. `None` for anything that is not two ASCII letters.
pub fn normalize_country(raw: &str) -> Option<String> {
    let cc = raw.trim().to_ascii_uppercase();
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some(if cc == "UK" { "GB".to_string() } else { cc })
}
