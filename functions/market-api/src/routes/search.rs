//! `GET /v1/products`: catalogue search by style code (exact, then prefix, in any spacing/hyphen
//! form, on `products.style_key`) and by name words (prefix match on `products.search_tsv`), with
//! keyset pagination over (match rank, id) and the lowest ask per product from
//! `market.product_market_summary`.

use chrono::{DateTime, NaiveDate, Utc};
use postgres_types::Json;
use serde::{Deserialize, Serialize};
use shared::api::{ApiRequest, CachePolicy, JsonResponse, Query};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::{style_key, Currency, Marketplace, Region};
use shared::valuation::fx::{Converter, FxRow, FxUsage, RateTable};

use crate::history::currency_of;
use crate::params;
use crate::{ApiError, State};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

const SQL: &str = include_str!("../sql/search.sql");

#[derive(Debug, Deserialize)]
struct AskRow {
    marketplace_id: i16,
    currency: String,
    lowest_ask_minor: i64,
    observed_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct ItemRow {
    id: i32,
    rank: i32,
    style_code: String,
    brand: String,
    name: String,
    colorway: Option<String>,
    release_date: Option<NaiveDate>,
    image_url: Option<String>,
    retail_price_minor: Option<i64>,
    retail_currency: Option<String>,
    asks: Vec<AskRow>,
}

#[derive(Debug, Deserialize)]
struct Row {
    items: Vec<ItemRow>,
    fx: Vec<FxRow>,
}

#[derive(Debug, Serialize)]
struct LowestAsk {
    marketplace: Marketplace,
    amount_minor: i64,
    observed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct Item {
    style_code: String,
    name: String,
    brand: String,
    colorway: Option<String>,
    release_date: Option<NaiveDate>,
    image_url: Option<String>,
    retail_minor: Option<i64>,
    /// Lowest ask over all sizes and marketplaces in the market, when known.
    lowest_ask: Option<LowestAsk>,
}

#[derive(Debug, Serialize)]
struct Out {
    market: Region,
    currency: Currency,
    minor_digits: u32,
    fx: Option<FxUsage>,
    items: Vec<Item>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// The opaque cursor: hex of `v1:<rank>:<id>`.
fn encode_cursor(rank: i32, id: i32) -> String {
    hex::encode(format!("v1:{rank}:{id}"))
}

fn decode_cursor(raw: &str) -> Option<(i32, i32)> {
    let text = String::from_utf8(hex::decode(raw).ok()?).ok()?;
    let mut parts = text.split(':');
    if parts.next()? != "v1" {
        return None;
    }
    let rank: i32 = parts.next()?.parse().ok()?;
    let id: i32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(0..=2).contains(&rank) || id < 0 {
        return None;
    }
    Some((rank, id))
}

/// Name words as a prefix tsquery (`jordan:* & chic:*`). Only letters and digits reach the query
/// text, so no tsquery operator can be injected.
fn tsquery(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

struct SearchParams {
    key: Option<String>,
    ts: Option<String>,
    brand: Option<String>,
    limit: i64,
    after: (i32, i32),
    market: params::Market,
}

fn parse(mut q: Query) -> Result<SearchParams, ApiError> {
    let market = params::market(&mut q);
    let text = q.string("q", 100);
    let brand = q.string("brand", 100);
    let limit = q.int("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
    let after = match q.string("cursor", 64) {
        Some(c) => decode_cursor(&c).unwrap_or_else(|| {
            q.invalid("cursor", "is not a cursor returned by this API");
            (-1, 0)
        }),
        None => (-1, 0),
    };
    let (key, ts) = match &text {
        Some(t) => {
            let key = style_key(t);
            let ts = tsquery(t);
            if key.is_empty() && ts.is_none() {
                q.invalid("q", "must contain letters or digits");
            }
            ((!key.is_empty()).then_some(key), ts)
        }
        None => (None, None),
    };
    q.finish(&["q", "brand", "limit", "cursor", "market", "currency"])?;
    // Words without ASCII letters/digits cannot match a style code; "~" never matches style_key.
    let key = match (&text, key) {
        (Some(_), None) => Some(String::from("~")),
        (_, k) => k,
    };
    Ok(SearchParams {
        key,
        ts,
        brand,
        limit,
        after,
        market,
    })
}

pub async fn handle(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    let p = parse(req.query.clone())?;
    let pattern = p.key.as_ref().map(|k| format!("{k}%"));
    let fetch = p.limit + 1;
    let client = state.client().await?;
    state.count_round_trip();
    let rows = query_bounded(
        &client,
        SQL,
        &[
            (&p.key, Type::TEXT),
            (&pattern, Type::TEXT),
            (&p.ts, Type::TEXT),
            (&p.brand, Type::TEXT),
            (&p.after.0, Type::INT4),
            (&p.after.1, Type::INT4),
            (&fetch, Type::INT8),
            (&p.market.region.code(), Type::TEXT),
        ],
        state.limits,
    )
    .await?;
    drop(client);
    let Json(row): Json<Row> = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;

    let mut conv = Converter::new(p.market.currency, RateTable::from_rows(&row.fx));
    let has_more = row.items.len() as i64 > p.limit;
    let mut items = Vec::with_capacity(row.items.len());
    let mut last = None;
    for it in row.items.into_iter().take(p.limit as usize) {
        last = Some((it.rank, it.id));
        let mut lowest: Option<LowestAsk> = None;
        for a in &it.asks {
            let Some(marketplace) = Marketplace::from_id(a.marketplace_id) else {
                continue;
            };
            let amount = conv
                .to_target(a.lowest_ask_minor, currency_of(&a.currency)?)
                .map_err(|e| ApiError::Pricing(e.into()))?;
            if lowest
                .as_ref()
                .is_none_or(|l| (amount, marketplace) < (l.amount_minor, l.marketplace))
            {
                lowest = Some(LowestAsk {
                    marketplace,
                    amount_minor: amount,
                    observed_at: a.observed_at,
                });
            }
        }
        let retail_minor = match (it.retail_price_minor, it.retail_currency.as_deref()) {
            (Some(m), Some(c)) => Some(
                conv.to_target(m, currency_of(c)?)
                    .map_err(|e| ApiError::Pricing(e.into()))?,
            ),
            _ => None,
        };
        items.push(Item {
            style_code: it.style_code,
            name: it.name,
            brand: it.brand,
            colorway: it.colorway,
            release_date: it.release_date,
            image_url: it.image_url,
            retail_minor,
            lowest_ask: lowest,
        });
    }
    let out = Out {
        market: p.market.region,
        currency: p.market.currency,
        minor_digits: p.market.currency.minor_digits(),
        fx: conv.usage(),
        items,
        next_cursor: if has_more {
            last.map(|(r, i)| encode_cursor(r, i))
        } else {
            None
        },
    };
    Ok(JsonResponse::new(
        &out,
        CachePolicy::Public {
            max_age: 60,
            stale_while_revalidate: 300,
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(1, 42)), Some((1, 42)));
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor(&hex::encode("v1:9:1")), None);
        assert_eq!(decode_cursor(&hex::encode("v1:1:1:1")), None);
    }

    #[test]
    fn tsquery_keeps_only_words() {
        assert_eq!(
            tsquery("Jordan 1 chic").as_deref(),
            Some("jordan:* & 1:* & chic:*")
        );
        assert_eq!(tsquery("a' | b:* & !c").as_deref(), Some("a:* & b:* & c:*"));
        assert_eq!(tsquery("--"), None);
    }
}
