//! Parameters shared by several routes: market region, display currency, size, style code.

use rust_decimal::Decimal;
use shared::api::{Problem, Query};
use shared::core::domain::{normalize_style_code, style_key, Currency, Region};
use shared::core::sizes::{parse_inventory_size, SizeSystem};

/// `?market=US|UK|EU` (default US) and `?currency=` (default: the market's StockX currency).
#[derive(Debug, Clone, Copy)]
pub struct Market {
    pub region: Region,
    pub currency: Currency,
}

pub fn market(q: &mut Query) -> Market {
    let region = q
        .parsed::<Region>("market", "US, UK, EU")
        .unwrap_or(Region::US);
    let currency = q
        .parsed::<Currency>("currency", Currency::CHOICES)
        .unwrap_or(region.stockx_currency());
    Market { region, currency }
}

/// A size as the page and history accept it: `10`, `10.5`, `6.5W`, `5Y`, `10C`, `UK 9`, `EU 44`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeFilter {
    pub system: SizeSystem,
    pub value: Decimal,
}

pub fn size(q: &mut Query) -> Option<SizeFilter> {
    let raw = q.string("size", 12)?;
    let upper = raw.to_ascii_uppercase();
    let (unit, rest) = if let Some(r) = upper.strip_prefix("UK") {
        ("UK", r)
    } else if let Some(r) = upper.strip_prefix("EU") {
        ("EU", r)
    } else {
        ("US", upper.as_str())
    };
    match parse_inventory_size(rest, unit) {
        Ok((system, value)) => Some(SizeFilter { system, value }),
        Err(_) => {
            q.invalid(
                "size",
                "must be a size such as 10, 10.5, 6.5W, 5Y, UK 9 or EU 44",
            );
            None
        }
    }
}

/// The style code of a path: `(style_key, normalized style code)`; any spacing/hyphen form.
pub fn style_code(raw: &str) -> Result<(String, String), crate::ApiError> {
    let ok_chars = raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ' ' | '_' | '.'));
    let key = style_key(raw);
    if !ok_chars || raw.len() > 64 || !(3..=32).contains(&key.len()) {
        return Err(Problem::invalid_param(
            "style_code",
            "must be a style code of 3 to 32 letters and digits, optionally separated by '-' or ' '",
        )
        .into());
    }
    Ok((key, normalize_style_code(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_styles() {
        let mut q = Query::parse(Some("size=UK%209"));
        assert_eq!(size(&mut q).unwrap().system, SizeSystem::Uk);
        let mut q = Query::parse(Some("size=6.5w"));
        assert_eq!(size(&mut q).unwrap().system, SizeSystem::UsW);
        let mut q = Query::parse(Some("size=huge"));
        assert!(size(&mut q).is_none());
        assert!(q.finish(&["size"]).is_err());
        assert_eq!(
            style_code("dz5485 612").unwrap(),
            ("DZ5485612".into(), "DZ5485-612".into())
        );
        assert!(style_code("DZ5485';--").is_err());
        assert!(style_code("ab").is_err());
        assert!(style_code("DZ5485–612").is_err());
    }
}

/// `?metric=prices|sales` on the history route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Daily close asks and bids (`market.product_daily`, or one size's change events).
    Prices,
    /// Daily sales count, average, min and max (`market.sales_daily*`).
    Sales,
}

impl std::str::FromStr for Metric {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.to_ascii_lowercase().as_str() {
            "prices" => Ok(Metric::Prices),
            "sales" => Ok(Metric::Sales),
            _ => Err(()),
        }
    }
}

/// `?range=` on the history route: the app's chart ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    D7,
    D30,
    D90,
    M13,
    All,
}

impl Range {
    pub const CHOICES: &'static str = "7d, 30d, 90d, 13m, all";

    /// Days back from today. 13 months is 396 days (13 x 30.44, rounded up); "all" is everything
    /// stored (aggregates are pruned by their retention, so the bound is only a guard).
    pub fn days(self) -> i32 {
        match self {
            Range::D7 => 7,
            Range::D30 => 30,
            Range::D90 => 90,
            Range::M13 => 396,
            Range::All => 36_600,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Range::D7 => "7d",
            Range::D30 => "30d",
            Range::D90 => "90d",
            Range::M13 => "13m",
            Range::All => "all",
        }
    }
}

impl std::str::FromStr for Range {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.to_ascii_lowercase().as_str() {
            "7d" => Ok(Range::D7),
            "30d" => Ok(Range::D30),
            "90d" => Ok(Range::D90),
            "13m" => Ok(Range::M13),
            "all" => Ok(Range::All),
            _ => Err(()),
        }
    }
}
