//! StockX payloads → snapshot types. Pure functions (body in, value out), so fixtures and the live
//! client go through exactly the same code. Amount rules are in `marketplaces::normalize`.

use chrono::{DateTime, Utc};

use super::wire;
use crate::core::domain::{Currency, Marketplace, Money, Region};
use crate::core::sizes::{parse_size, SizeSystem};
use crate::marketplaces::error::ProviderError;
use crate::marketplaces::money::{nonzero, parse_major_units, RawNumber};
use crate::marketplaces::normalize::*;
use crate::marketplaces::snapshot::{CatalogCandidate, MarketSnapshot, MarketplaceVariant, Quote};

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
    let rows: Vec<wire::MarketData> = decode(m, body)?;
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

/// A StockX search result or product → candidate. Retail is informational: an unreadable value is
/// left out rather than failing the lookup.
pub fn stockx_candidate(p: &wire::Product) -> CatalogCandidate {
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

/// A StockX variant → our size. The system comes from an unambiguous label suffix (`W`, `Y`,
/// `C`) or else `defaultConversion.type`; the number from `variantValue`. Conversions come from
/// `sizeChart.availableConversions` labels (`US M 10`, `UK 9`, `EU 44`, `CM 28`, `US W 11.5`).
/// A size that cannot be mapped keeps `system: None` (the caller records it).
pub fn stockx_variant(v: &wire::Variant) -> MarketplaceVariant {
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
    let rows: Vec<wire::Variant> = decode(Marketplace::StockX, body)?;
    Ok(rows.iter().map(stockx_variant).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> rust_decimal::Decimal {
        <rust_decimal::Decimal as std::str::FromStr>::from_str(s).unwrap()
    }

    #[test]
    fn unmappable_stockx_sizes_are_kept_without_a_system() {
        let v: wire::Variant = serde_json::from_str(
            r#"{"variantId":"x","variantValue":"OS","sizeChart":{"availableConversions":[],"defaultConversion":{"size":"OS","type":"os"}}}"#,
        )
        .unwrap();
        let out = stockx_variant(&v);
        assert_eq!(out.system, None);
        assert_eq!(out.label, "OS");
        let v: wire::Variant = serde_json::from_str(
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
