//! Alias payloads → snapshot types. Pure functions (body in, value out), so fixtures and the live
//! client go through exactly the same code. Amount rules are in `marketplaces::normalize`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use super::wire;
use crate::core::domain::{Currency, Marketplace, Money, Region};
use crate::core::sizes::{parse_size, SizeSystem};
use crate::marketplaces::error::ProviderError;
use crate::marketplaces::money::{nonzero, parse_cents, RawNumber};
use crate::marketplaces::normalize::*;
use crate::marketplaces::snapshot::{
    CatalogCandidate, MarketSnapshot, MarketplaceVariant, Quote, Sale, SalesPage, SalesSkipped,
};

const NEW: &[&str] = &["PRODUCT_CONDITION_NEW", "1"];
const GOOD_BOX: &[&str] = &["PACKAGING_CONDITION_GOOD_CONDITION", "1"];

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
    let parsed: wire::Availabilities = decode(m, body)?;
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

/// An Alias catalog item → candidate.
pub fn alias_candidate(i: &wire::CatalogItem) -> CatalogCandidate {
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

fn alias_system(item: &wire::CatalogItem, display: &str) -> Option<SizeSystem> {
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
pub fn alias_variants(item: &wire::CatalogItem) -> Vec<MarketplaceVariant> {
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
pub fn alias_catalog_item(body: &[u8]) -> Result<wire::CatalogItem, ProviderError> {
    decode::<wire::CatalogItemEnvelope>(Marketplace::Alias, body).map(|e| e.catalog_item)
}

/// How far after our clock a sale may be dated before it counts as impossible (clock skew).
const FUTURE_TOLERANCE_SECS: i64 = 300;

/// A sale price: whole, positive USD cents. `"0"`, negatives, fractions and missing are `None`.
fn sale_cents(raw: &Option<RawNumber>) -> Option<i64> {
    let cents = match raw.as_ref()? {
        RawNumber::Text(s) => parse_cents(s).ok()?,
        RawNumber::Number(n) => i64::try_from(n.as_u64()?).ok()?,
    };
    nonzero(cents)
}

/// Alias `recent_sales` for one size → a page of sales in USD cents, newest first.
///
/// A page is one size's tape, so rows are checked one by one rather than failing the page: a row
/// without a readable `purchased_at`, with a missing, zero, negative or fractional price, of
/// another size than `asked_size`, dated more than `FUTURE_TOLERANCE_SECS` after `now`, or repeating
/// an earlier row exactly (same time, price and consigned flag) is dropped and counted in
/// `skipped`. A body that is not the JSON object is `Malformed`. A missing `consigned` is
/// `false` (proto3 omits false booleans).
pub fn alias_recent_sales(
    body: &[u8],
    catalog_id: &str,
    asked_size: &str,
    region: Region,
    now: DateTime<Utc>,
) -> Result<SalesPage, ProviderError> {
    let m = Marketplace::Alias;
    let Some(size) = parse_size(asked_size) else {
        return Err(ProviderError::Permanent {
            marketplace: m,
            status: 0,
            detail: format!(
                "invalid size {:?}",
                asked_size.chars().take(20).collect::<String>()
            ),
        });
    };
    let parsed: wire::RecentSales = decode(m, body)?;
    let mut skipped = SalesSkipped::default();
    let mut seen = HashSet::new();
    let mut sales = Vec::with_capacity(parsed.recent_sales.len());
    for row in &parsed.recent_sales {
        let at = row
            .purchased_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        let Some(at) = at else {
            skipped.no_time += 1;
            continue;
        };
        let Some(price) = sale_cents(&row.price_cents) else {
            skipped.bad_price += 1;
            continue;
        };
        if row.size.as_ref().and_then(|s| parse_size(&s.as_text())) != Some(size) {
            skipped.other_size += 1;
            continue;
        }
        if at > now + Duration::seconds(FUTURE_TOLERANCE_SECS) {
            skipped.future += 1;
            continue;
        }
        let consigned = row.consigned.unwrap_or(false);
        if !seen.insert((at, price, consigned)) {
            skipped.duplicate += 1;
            continue;
        }
        sales.push(Sale {
            purchased_at: at,
            price_minor: price,
            consigned,
        });
    }
    // Alias sends newest first; sorting (stably) makes it a guarantee rather than an assumption.
    sales.sort_by_key(|s| std::cmp::Reverse(s.purchased_at));
    Ok(SalesPage {
        marketplace: m,
        external_product_id: catalog_id.to_string(),
        size: asked_size.to_string(),
        region,
        currency: Currency::USD,
        sales,
        skipped,
        fetched_at: now,
    })
}
