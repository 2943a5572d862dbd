//! Provider payloads → `shared::quote` types. Every function here is pure (body in, value out) so
//! fixtures and the live clients go through exactly the same code.
//!
//! Amount rules: `null`, a missing field and zero mean "no data" (`None`); anything that is not an
//! exact amount in the currency (`"12.345"` USD, `"abc"`, negative) makes the whole response
//! `Malformed`: storing a guessed price is worse than storing none.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use super::error::ProviderError;
use super::money::{nonzero, parse_cents, parse_major_units};
use super::wire::{alias, stockx, RawNumber};
use crate::domain::{Currency, Marketplace, Money, Region};
use crate::quote::{CatalogCandidate, MarketSnapshot, MarketplaceVariant, Quote};
use crate::sizes::SizeSystem;

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

fn stockx_amount(
    raw: &Option<RawNumber>,
    currency: Currency,
    field: &str,
) -> Result<Option<i64>, String> {
    match raw {
        None => Ok(None),
        Some(r) => parse_major_units(&r.as_text(), currency)
            .map(nonzero)
            .map_err(|e| format!("{field}: {e}")),
    }
}

fn alias_cents(raw: &Option<RawNumber>, field: &str) -> Result<Option<i64>, String> {
    let cents = match raw {
        None => return Ok(None),
        Some(RawNumber::Text(s)) => parse_cents(s).map_err(|e| format!("{field}: {e}"))?,
        Some(RawNumber::Number(n)) => match n.as_u64().and_then(|v| i64::try_from(v).ok()) {
            Some(v) => v,
            None => {
                return Err(format!(
                    "{field}: {n} is not a non-negative integer number of cents"
                ))
            }
        },
    };
    Ok(nonzero(cents))
}

/// StockX product-level market data (one element per variant) → snapshot in `region`'s currency.
/// Quote: `lowestAskAmount` / `highestBidAmount`; StockX publishes no last sale.
pub fn stockx_market_data(
    body: &[u8],
    product_id: &str,
    region: Region,
    observed_at: DateTime<Utc>,
) -> Result<MarketSnapshot, ProviderError> {
    let m = Marketplace::StockX;
    let currency = region.stockx_currency();
    let rows: Vec<stockx::MarketData> = decode(m, body)?;
    let mut quotes = Vec::with_capacity(rows.len());
    for row in rows {
        let bad = |detail: String| ProviderError::malformed(m, detail, body);
        if let Some(code) = &row.currency_code {
            if !code.eq_ignore_ascii_case(currency.code()) {
                return Err(bad(format!(
                    "asked for {currency}, got currencyCode {code:?}"
                )));
            }
        }
        if let Some(pid) = &row.product_id {
            if pid != product_id {
                return Err(bad(format!("asked for product {product_id}, got {pid}")));
            }
        }
        if row.variant_id.trim().is_empty() {
            return Err(bad("empty variantId".into()));
        }
        quotes.push(Quote {
            external_variant_id: row.variant_id.clone(),
            lowest_ask: stockx_amount(&row.lowest_ask_amount, currency, "lowestAskAmount")
                .map_err(bad)?,
            highest_bid: stockx_amount(&row.highest_bid_amount, currency, "highestBidAmount")
                .map_err(bad)?,
            last_sale: None,
        });
    }
    Ok(MarketSnapshot {
        marketplace: m,
        external_product_id: product_id.to_string(),
        region,
        currency,
        observed_at,
        quotes,
    })
}

const NEW: &[&str] = &["PRODUCT_CONDITION_NEW", "1"];
const GOOD_BOX: &[&str] = &["PACKAGING_CONDITION_GOOD_CONDITION", "1"];

fn is_one_of(raw: &Option<RawNumber>, accepted: &[&str]) -> bool {
    raw.as_ref().is_some_and(|r| {
        accepted
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&r.as_text()))
    })
}

/// Alias availabilities → snapshot in USD (Alias prices are USD cents whatever the region).
///
/// Only `PRODUCT_CONDITION_NEW` + `PACKAGING_CONDITION_GOOD_CONDITION` rows make the headline
/// price; used, defective and box-damaged rows are ignored. Without the `consigned` query
/// parameter there is one such row per size. When several exist for a size (the API was asked
/// with `consigned`, or repeats a size), they are combined as one market: lowest ask = the minimum,
/// highest bid = the maximum, and last sale = the first value found preferring rows without the
/// `consigned` key, then `consigned: false`, then `consigned: true` (there is no timestamp to tell
/// which sale was later, and the non-consigned market is the one every seller competes in).
pub fn alias_availabilities(
    body: &[u8],
    catalog_id: &str,
    region: Region,
    observed_at: DateTime<Utc>,
) -> Result<MarketSnapshot, ProviderError> {
    let m = Marketplace::Alias;
    let parsed: alias::Availabilities = decode(m, body)?;
    struct Acc {
        ask: Option<i64>,
        bid: Option<i64>,
        last: [Option<i64>; 3],
    }
    let mut by_size: BTreeMap<Decimal, Acc> = BTreeMap::new();
    for v in &parsed.variants {
        if !is_one_of(&v.product_condition, NEW) || !is_one_of(&v.packaging_condition, GOOD_BOX) {
            continue;
        }
        let bad = |detail: String| ProviderError::malformed(m, detail, body);
        let size = parse_size(&v.size.as_text())
            .ok_or_else(|| bad(format!("size {:?} is not a shoe size", v.size.as_text())))?;
        let a = v.availability.clone().unwrap_or_default();
        let ask = alias_cents(&a.lowest_listing_price_cents, "lowest_listing_price_cents")
            .map_err(bad)?;
        let bid =
            alias_cents(&a.highest_offer_price_cents, "highest_offer_price_cents").map_err(bad)?;
        let last = alias_cents(
            &a.last_sold_listing_price_cents,
            "last_sold_listing_price_cents",
        )
        .map_err(bad)?;
        let acc = by_size.entry(size).or_insert(Acc {
            ask: None,
            bid: None,
            last: [None; 3],
        });
        acc.ask = min_opt(acc.ask, ask);
        acc.bid = max_opt(acc.bid, bid);
        let rank = match v.consigned {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        acc.last[rank] = acc.last[rank].or(last);
    }
    let quotes = by_size
        .into_iter()
        .map(|(size, acc)| Quote {
            external_variant_id: size_key(size),
            lowest_ask: acc.ask,
            highest_bid: acc.bid,
            last_sale: acc.last.into_iter().flatten().next(),
        })
        .collect();
    Ok(MarketSnapshot {
        marketplace: m,
        external_product_id: catalog_id.to_string(),
        region,
        currency: Currency::USD,
        observed_at,
        quotes,
    })
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn date_prefix(raw: &Option<String>) -> Option<NaiveDate> {
    let s = raw.as_deref()?.trim();
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A StockX search result or product → candidate. Retail is informational: an unreadable value is
/// left out rather than failing the lookup.
pub fn stockx_candidate(p: &stockx::Product) -> CatalogCandidate {
    let attrs = p.product_attributes.clone().unwrap_or_default();
    CatalogCandidate {
        marketplace: Marketplace::StockX,
        external_id: p.product_id.clone(),
        url_key: non_empty(&p.url_key),
        style_code: non_empty(&p.style_id),
        title: non_empty(&p.title),
        brand: non_empty(&p.brand),
        gender: non_empty(&attrs.gender),
        release_date: date_prefix(&attrs.release_date),
        retail: attrs
            .retail_price
            .as_ref()
            .and_then(|r| parse_major_units(&r.as_text(), Currency::USD).ok())
            .and_then(nonzero)
            .map(|minor| Money::new(minor, Currency::USD)),
        image_url: None,
    }
}

/// An Alias catalog item → candidate.
pub fn alias_candidate(i: &alias::CatalogItem) -> CatalogCandidate {
    CatalogCandidate {
        marketplace: Marketplace::Alias,
        external_id: i.catalog_id.clone(),
        url_key: Some(i.catalog_id.clone()),
        style_code: non_empty(&i.sku),
        title: non_empty(&i.name),
        brand: non_empty(&i.brand),
        gender: non_empty(&i.gender),
        release_date: date_prefix(&i.release_date),
        retail: alias_cents(&i.retail_price_cents, "retail_price_cents")
            .ok()
            .flatten()
            .map(|c| Money::new(c, Currency::USD)),
        image_url: non_empty(&i.main_picture_url),
    }
}

/// A plausible shoe size (`10`, `10.5`, `44 2/3`) as an exact decimal, 0 < size < 60. Thirds are
/// rounded to two decimals, the precision `size_variants.eu` stores.
pub fn parse_size(raw: &str) -> Option<Decimal> {
    let s = raw.trim().replace(',', ".");
    let value = match s.split_once(' ') {
        Some((whole, frac)) if frac.contains('/') => {
            let (n, d) = frac.split_once('/')?;
            let (n, d) = (
                Decimal::from_str(n.trim()).ok()?,
                Decimal::from_str(d.trim()).ok()?,
            );
            if d.is_zero() {
                return None;
            }
            Decimal::from_str(whole).ok()? + (n / d).round_dp(2)
        }
        _ => Decimal::from_str(&s).ok()?,
    };
    (value > Decimal::ZERO && value < Decimal::from(60)).then(|| value.normalize())
}

/// The numeric part and suffix-implied system of a size label: `6.5W` → (UsW, 6.5), `5Y`,
/// `10C`, `US M 10`, `10`.
fn split_label(label: &str) -> (Option<SizeSystem>, Option<Decimal>) {
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
    (system, parse_size(number))
}

fn system_from_stockx_type(kind: &str) -> Option<SizeSystem> {
    match kind.trim().to_ascii_lowercase().as_str() {
        "us m" | "us" | "us men" => Some(SizeSystem::UsM),
        "us w" | "us women" => Some(SizeSystem::UsW),
        "us y" | "us gs" | "us youth" | "gs" => Some(SizeSystem::UsY),
        "us c" | "us k" | "us ps" | "us td" | "us child" | "us toddler" | "us infant" => {
            Some(SizeSystem::UsC)
        }
        "uk" => Some(SizeSystem::Uk),
        "eu" => Some(SizeSystem::Eu),
        _ => None,
    }
}

fn set_field(v: &mut MarketplaceVariant, system: SizeSystem, value: Decimal) {
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

/// A StockX variant → our size. The system comes from an unambiguous label suffix (`W`, `Y`,
/// `C`) or else `defaultConversion.type`; the number from `variantValue`. Conversions come from
/// `sizeChart.availableConversions` labels (`US M 10`, `UK 9`, `EU 44`, `CM 28`, `US W 11.5`).
/// A size that cannot be mapped keeps `system: None` (the caller records it).
pub fn stockx_variant(v: &stockx::Variant) -> MarketplaceVariant {
    let chart = v.size_chart.clone().unwrap_or_default();
    let default = chart.default_conversion.clone().unwrap_or_default();
    let label = non_empty(&v.variant_value)
        .or_else(|| non_empty(&default.size))
        .unwrap_or_default();
    let (suffix_system, value) = split_label(&label);
    let type_system = default.kind.as_deref().and_then(system_from_stockx_type);
    let system = match (suffix_system, type_system) {
        // A bare number takes the chart's system; a suffix is explicit and wins.
        (Some(s), _) => Some(s),
        (None, t) => t,
    };
    let mut out = MarketplaceVariant {
        external_variant_id: v.variant_id.clone(),
        label: label.clone(),
        system: system.filter(|_| value.is_some()),
        value: value.filter(|_| system.is_some()),
        us_m: None,
        us_w: None,
        uk: None,
        eu: None,
        cm: None,
    };
    for conv in &chart.available_conversions {
        let Some(text) = conv.size.as_deref().or(conv.name.as_deref()) else {
            continue;
        };
        let kind = conv
            .kind
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let up = text.trim().to_ascii_uppercase();
        let (field, number) = match kind.as_str() {
            "us m" => (
                Some(SizeSystem::UsM),
                up.trim_start_matches("US M").trim().to_string(),
            ),
            "us w" => (
                Some(SizeSystem::UsW),
                up.trim_start_matches("US W").trim().to_string(),
            ),
            "uk" => (
                Some(SizeSystem::Uk),
                up.trim_start_matches("UK").trim().to_string(),
            ),
            "eu" => (
                Some(SizeSystem::Eu),
                up.trim_start_matches("EU").trim().to_string(),
            ),
            "cm" => {
                if out.cm.is_none() {
                    out.cm = parse_size(up.trim_start_matches("CM"));
                }
                continue;
            }
            _ => continue,
        };
        // Labels carry the number after the prefix; a stray suffix (`11.5W`) is tolerated.
        let number = number.trim_end_matches(['W', 'M']).to_string();
        if let (Some(f), Some(n)) = (field, parse_size(&number)) {
            set_field(&mut out, f, n);
        }
    }
    if let (Some(s), Some(n)) = (out.system, out.value) {
        set_field(&mut out, s, n);
    }
    out
}

/// StockX `GET /catalog/products/{id}/variants` body → variants.
pub fn stockx_variants(body: &[u8]) -> Result<Vec<MarketplaceVariant>, ProviderError> {
    let rows: Vec<stockx::Variant> = decode(Marketplace::StockX, body)?;
    Ok(rows.iter().map(stockx_variant).collect())
}

fn alias_system(item: &alias::CatalogItem, display: &str) -> Option<SizeSystem> {
    if let (Some(s), _) = split_label(display) {
        return Some(s);
    }
    match item
        .gender
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "men" | "unisex" | "" => Some(SizeSystem::UsM),
        "women" => Some(SizeSystem::UsW),
        "youth" | "child" => Some(SizeSystem::UsY),
        "toddler" | "infant" | "preschool" => Some(SizeSystem::UsC),
        _ => None,
    }
}

/// Alias `allowed_sizes` → variants keyed by the pricing size (`us_size_equivalent`, normalized:
/// `"10"`, `"10.5"`). The system comes from the display name's suffix, else the item's gender.
/// For non-US `size_unit`s the listing `value` fills the UK/EU conversion.
pub fn alias_variants(item: &alias::CatalogItem) -> Vec<MarketplaceVariant> {
    let unit = item
        .size_unit
        .as_deref()
        .unwrap_or("SIZE_UNIT_US")
        .to_ascii_uppercase();
    item.allowed_sizes
        .iter()
        .filter_map(|s| {
            let display = s.display_name.clone().unwrap_or_default();
            let us = s
                .us_size_equivalent
                .as_ref()
                .and_then(|r| parse_size(&r.as_text()));
            let listing_value = s.value.as_ref().and_then(|r| parse_size(&r.as_text()));
            let id = match us {
                Some(us) => size_key(us),
                None => non_empty(&Some(display.clone()))
                    .or_else(|| s.value.as_ref().map(|r| r.as_text()))?,
            };
            let system = us.and(alias_system(item, &display));
            let mut v = MarketplaceVariant {
                external_variant_id: id,
                label: if display.is_empty() {
                    us.map(size_key).unwrap_or_default()
                } else {
                    display
                },
                system,
                value: us.filter(|_| system.is_some()),
                us_m: None,
                us_w: None,
                uk: None,
                eu: None,
                cm: None,
            };
            if let (Some(sys), Some(val)) = (v.system, v.value) {
                set_field(&mut v, sys, val);
            }
            match (unit.as_str(), listing_value) {
                ("SIZE_UNIT_UK", Some(val)) => v.uk = Some(val),
                ("SIZE_UNIT_EU", Some(val)) => v.eu = Some(val),
                _ => {}
            }
            Some(v)
        })
        .collect()
}

/// Alias `GET /catalog/{id}` body → the item.
pub fn alias_catalog_item(body: &[u8]) -> Result<alias::CatalogItem, ProviderError> {
    decode::<alias::CatalogItemEnvelope>(Marketplace::Alias, body).map(|e| e.catalog_item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
        assert_eq!(parse_size("44 2/3"), Some(d("44.67")));
        assert_eq!(parse_size("10.0"), Some(d("10")));
        assert_eq!(parse_size("0"), None);
        assert_eq!(size_key(d("10.50")), "10.5");
    }

    #[test]
    fn unmappable_stockx_sizes_are_kept_without_a_system() {
        let v: stockx::Variant = serde_json::from_str(
            r#"{"variantId":"x","variantValue":"OS","sizeChart":{"availableConversions":[],"defaultConversion":{"size":"OS","type":"os"}}}"#,
        )
        .unwrap();
        let out = stockx_variant(&v);
        assert_eq!(out.system, None);
        assert_eq!(out.label, "OS");
        let v: stockx::Variant = serde_json::from_str(
            r#"{"variantId":"y","variantValue":"6.5W","sizeChart":{"availableConversions":[{"size":"US M 5","type":"us m"}],"defaultConversion":{"size":"6.5W","type":"us w"}}}"#,
        )
        .unwrap();
        let out = stockx_variant(&v);
        assert_eq!(out.system, Some(SizeSystem::UsW));
        assert_eq!(out.value, Some(d("6.5")));
        assert_eq!(out.us_w, Some(d("6.5")));
        assert_eq!(out.us_m, Some(d("5")));
    }
}
