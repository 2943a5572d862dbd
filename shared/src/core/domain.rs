//! Core vocabulary shared by every function: marketplaces, regions, currencies, money, style codes.
//!
//! Money is always integer minor units plus a currency; there are no floats on the money path.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A marketplace we read prices from. The numeric id matches `market.marketplaces.id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Marketplace {
    StockX,
    Alias,
}

impl Marketplace {
    pub const ALL: [Marketplace; 2] = [Marketplace::StockX, Marketplace::Alias];

    /// The id used in the database (`market.marketplaces.id`).
    pub fn id(self) -> i16 {
        match self {
            Marketplace::StockX => 1,
            Marketplace::Alias => 2,
        }
    }

    pub fn from_id(id: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.id() == id)
    }

    /// The database ids of the marketplaces that report sales (`no_sales_reason` is `None`): the
    /// sales reads look only there, instead of one empty index probe per size on the others.
    pub fn with_sales_ids() -> Vec<i16> {
        Self::ALL
            .into_iter()
            .filter(|m| m.no_sales_reason().is_none())
            .map(Self::id)
            .collect()
    }

    pub fn code(self) -> &'static str {
        match self {
            Marketplace::StockX => "stockx",
            Marketplace::Alias => "alias",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Marketplace::StockX => "StockX",
            Marketplace::Alias => "Alias",
        }
    }

    /// Why this marketplace has no sales figures (`None`: it reports sales). The one place the
    /// APIs and the sync take this from.
    pub fn no_sales_reason(self) -> Option<&'static str> {
        match self {
            Marketplace::StockX => Some("StockX's public API publishes no sales history"),
            Marketplace::Alias => None,
        }
    }
}

impl fmt::Display for Marketplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Marketplace {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "stockx" => Ok(Marketplace::StockX),
            "alias" | "goat" => Ok(Marketplace::Alias),
            _ => Err(UnknownValue::new("marketplace", s)),
        }
    }
}

/// A market region: which buyers and sellers a price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Region {
    US,
    UK,
    EU,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::US, Region::UK, Region::EU];

    pub fn code(self) -> &'static str {
        match self {
            Region::US => "US",
            Region::UK => "UK",
            Region::EU => "EU",
        }
    }

    /// The currency StockX quotes this region's market in.
    pub fn stockx_currency(self) -> Currency {
        match self {
            Region::US => Currency::USD,
            Region::UK => Currency::GBP,
            Region::EU => Currency::EUR,
        }
    }

    /// Alias `region_id` for this region. This is the ONLY place the mapping lives
    /// (1 = US, 2 = EU, 3 = UK); the old app read it inverted.
    pub fn alias_region_id(self) -> &'static str {
        match self {
            Region::US => "1",
            Region::EU => "2",
            Region::UK => "3",
        }
    }

    pub fn from_alias_region_id(id: &str) -> Option<Region> {
        Self::ALL.into_iter().find(|r| r.alias_region_id() == id)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "US" => Ok(Region::US),
            "UK" | "GB" => Ok(Region::UK),
            "EU" => Ok(Region::EU),
            _ => Err(UnknownValue::new("region", s)),
        }
    }
}

/// ISO 4217 currencies we handle. `minor_digits` matches `market.currencies`.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    USD,
    EUR,
    GBP,
    JPY,
    KRW,
    AUD,
    CAD,
    CHF,
    HKD,
    SGD,
    NZD,
    MXN,
    CNY,
    SEK,
    NOK,
    DKK,
    PLN,
}

impl Currency {
    /// The accepted codes, as error messages list them (checked against [`Currency::ALL`]).
    pub const CHOICES: &'static str =
        "USD, EUR, GBP, JPY, KRW, AUD, CAD, CHF, HKD, SGD, NZD, MXN, CNY, SEK, NOK, DKK, PLN";

    pub const ALL: [Currency; 17] = [
        Currency::USD,
        Currency::EUR,
        Currency::GBP,
        Currency::JPY,
        Currency::KRW,
        Currency::AUD,
        Currency::CAD,
        Currency::CHF,
        Currency::HKD,
        Currency::SGD,
        Currency::NZD,
        Currency::MXN,
        Currency::CNY,
        Currency::SEK,
        Currency::NOK,
        Currency::DKK,
        Currency::PLN,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Currency::USD => "USD",
            Currency::EUR => "EUR",
            Currency::GBP => "GBP",
            Currency::JPY => "JPY",
            Currency::KRW => "KRW",
            Currency::AUD => "AUD",
            Currency::CAD => "CAD",
            Currency::CHF => "CHF",
            Currency::HKD => "HKD",
            Currency::SGD => "SGD",
            Currency::NZD => "NZD",
            Currency::MXN => "MXN",
            Currency::CNY => "CNY",
            Currency::SEK => "SEK",
            Currency::NOK => "NOK",
            Currency::DKK => "DKK",
            Currency::PLN => "PLN",
        }
    }

    /// Digits after the decimal point in the currency's minor unit (USD 2, JPY 0).
    pub fn minor_digits(self) -> u32 {
        match self {
            Currency::JPY | Currency::KRW => 0,
            _ => 2,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::USD => "$",
            Currency::EUR => "€",
            Currency::GBP => "£",
            Currency::JPY => "¥",
            _ => "",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let up = s.trim().to_ascii_uppercase();
        Self::ALL
            .into_iter()
            .find(|c| c.code() == up)
            .ok_or_else(|| UnknownValue::new("currency", s))
    }
}

/// An exact amount of money: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return write!(f, "{} {}", self.minor, self.currency);
        }
        let scale = 10i64.pow(digits);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale as u64,
            abs % scale as u64,
            self.currency,
            width = digits as usize
        )
    }
}

/// A value that is not one of the accepted spellings (marketplace, region, currency, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub fn new(what: &'static str, value: &str) -> Self {
        UnknownValue {
            what,
            value: value.chars().take(64).collect(),
        }
    }
}

/// Normalizes a style code to the catalogue's natural key: upper case, alphanumeric groups joined
/// by single hyphens. StockX `DZ5485-612` and Alias `DZ5485 612` both become `DZ5485-612`.
/// Mirrors `market.normalize_style_code` in SQL.
pub fn normalize_style_code(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for ch in raw.chars() {
        if ch.is_ascii_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('-');
            }
            pending_sep = false;
            out.push(ch.to_ascii_uppercase());
        } else {
            pending_sep = true;
        }
    }
    out
}

/// The style code without any separator, as stored in `products.style_key` for search.
pub fn style_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `part / whole × 100`, exact, rounded half away from zero to `dp` decimals; `None` when `whole`
/// is not positive (no base to compare with).
pub fn percent(part: i64, whole: i64, dp: u32) -> Option<String> {
    use rust_decimal::{Decimal, RoundingStrategy};
    if whole <= 0 {
        return None;
    }
    let v = (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
        .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{v:.prec$}", prec = dp as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_alias_reports_sales() {
        // The provider notes: StockX's public API has no sales volume (you only see your own
        // orders); Alias derives it from `recent_sales`.
        assert_eq!(Marketplace::with_sales_ids(), [Marketplace::Alias.id()]);
    }

    #[test]
    fn currency_choices_list_every_currency() {
        let all: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(Currency::CHOICES, all.join(", "));
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        assert_eq!(percent(1, 8, 2).as_deref(), Some("12.50"));
        assert_eq!(percent(-1, 3, 1).as_deref(), Some("-33.3"));
        assert_eq!(percent(1, 0, 1), None);
    }

    #[test]
    fn style_codes_normalize_across_marketplace_spellings() {
        assert_eq!(normalize_style_code("DZ5485-612"), "DZ5485-612");
        assert_eq!(normalize_style_code("DZ5485 612"), "DZ5485-612");
        assert_eq!(normalize_style_code(" dz5485__612 "), "DZ5485-612");
        assert_eq!(normalize_style_code("FZ5000"), "FZ5000");
        assert_eq!(normalize_style_code("--"), "");
        assert_eq!(style_key("dz5485 612"), "DZ5485612");
    }

    #[test]
    fn alias_region_ids_round_trip() {
        for r in Region::ALL {
            assert_eq!(Region::from_alias_region_id(r.alias_region_id()), Some(r));
        }
        assert_eq!(Region::US.alias_region_id(), "1");
        assert_eq!(Region::EU.alias_region_id(), "2");
        assert_eq!(Region::UK.alias_region_id(), "3");
    }

    #[test]
    fn money_displays_exactly() {
        assert_eq!(Money::new(22400, Currency::USD).to_string(), "224.00 USD");
        assert_eq!(Money::new(-5, Currency::GBP).to_string(), "-0.05 GBP");
        assert_eq!(Money::new(23500, Currency::JPY).to_string(), "23500 JPY");
    }

    #[test]
    fn parse_enums() {
        assert_eq!("StockX".parse::<Marketplace>(), Ok(Marketplace::StockX));
        assert!("ebay".parse::<Marketplace>().is_err());
        assert_eq!("gb".parse::<Region>(), Ok(Region::UK));
        assert_eq!("eur".parse::<Currency>(), Ok(Currency::EUR));
        assert!("EURO".parse::<Currency>().is_err());
        for m in Marketplace::ALL {
            assert_eq!(Marketplace::from_id(m.id()), Some(m));
        }
    }
}
