//! Daily price history: the route and the builder the page reuses. The product's series comes from
//! `market.product_daily` (kept two years), one size's from its change events in
//! `market.price_history` (kept `RAW_RETENTION_DAYS`); see `market.product_daily_points` and
//! `market.size_daily_points`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use postgres_types::Json;
use serde::{Deserialize, Serialize};
use shared::api::{CachePolicy, JsonResponse, Problem};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::valuation::fx::{Converter, FxRow, FxUsage, RateTable};

use crate::params::{self, Metric, Range, SizeFilter};
use crate::{ApiError, State};

/// One day x marketplace x currency aggregate as the queries return it.
#[derive(Debug, Clone, Deserialize)]
pub struct HistRow {
    pub day: NaiveDate,
    pub marketplace_id: i16,
    pub currency: String,
    pub ask: Option<i64>,
    pub bid: Option<i64>,
    pub last_sale: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryOut {
    /// `product`: lowest close ask / highest close bid across all sizes; `size`: one size.
    pub scope: &'static str,
    pub size: Option<String>,
    pub days: i32,
    pub points: Vec<HistoryPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub day: NaiveDate,
    pub lowest_ask_minor: Option<i64>,
    pub highest_bid_minor: Option<i64>,
    pub marketplaces: Vec<HistoryMarket>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryMarket {
    pub marketplace: Marketplace,
    pub ask_minor: Option<i64>,
    pub bid_minor: Option<i64>,
    /// Size scope: the size's last sale as of that day. Product scope: a sale observed that day
    /// (a size's last sale changed; the median when several did), else none.
    pub last_sale_minor: Option<i64>,
}

pub fn currency_of(code: &str) -> Result<Currency, ApiError> {
    code.parse()
        .map_err(|_| ApiError::Decode(format!("unknown currency {code:?} in market data")))
}

fn convert(conv: &mut Converter, v: Option<i64>, from: Currency) -> Result<Option<i64>, ApiError> {
    v.map(|m| conv.to_target(m, from))
        .transpose()
        .map_err(|e| ApiError::Pricing(e.into()))
}

/// Groups rows by day, converting every amount to the display currency.
pub fn build(
    rows: &[HistRow],
    conv: &mut Converter,
    scope: &'static str,
    size: Option<String>,
    days: i32,
) -> Result<HistoryOut, ApiError> {
    let mut by_day: BTreeMap<NaiveDate, Vec<HistoryMarket>> = BTreeMap::new();
    for r in rows {
        let Some(marketplace) = Marketplace::from_id(r.marketplace_id) else {
            continue;
        };
        let cur = currency_of(&r.currency)?;
        by_day.entry(r.day).or_default().push(HistoryMarket {
            marketplace,
            ask_minor: convert(conv, r.ask, cur)?,
            bid_minor: convert(conv, r.bid, cur)?,
            last_sale_minor: convert(conv, r.last_sale, cur)?,
        });
    }
    let points = by_day
        .into_iter()
        .map(|(day, mut marketplaces)| {
            marketplaces.sort_by_key(|m| m.marketplace);
            HistoryPoint {
                day,
                lowest_ask_minor: marketplaces.iter().filter_map(|m| m.ask_minor).min(),
                highest_bid_minor: marketplaces.iter().filter_map(|m| m.bid_minor).max(),
                marketplaces,
            }
        })
        .collect();
    Ok(HistoryOut {
        scope,
        size,
        days,
        points,
    })
}

const SQL: &str = include_str!("../sql/history.sql");

#[derive(Debug, Deserialize)]
struct Row {
    style_code: Option<String>,
    size: Option<Vec<serde_json::Value>>,
    history: Vec<HistRow>,
    fx: Vec<FxRow>,
}

#[derive(Debug, Serialize)]
struct Out {
    style_code: String,
    market: Region,
    currency: Currency,
    minor_digits: u32,
    marketplace: Option<Marketplace>,
    metric: Metric,
    fx: Option<FxUsage>,
    history: HistoryOut,
}

pub async fn handle(
    state: &State,
    req: &shared::api::ApiRequest,
    raw_style: &str,
) -> Result<JsonResponse, ApiError> {
    let mut q = req.query.clone();
    let market = params::market(&mut q);
    let size = params::size(&mut q);
    let marketplace = q.parsed::<Marketplace>("marketplace", "stockx, alias");
    let metric = q
        .parsed::<Metric>("metric", "prices, sales")
        .unwrap_or(Metric::Prices);
    let range = q.parsed::<Range>("range", Range::CHOICES);
    let days_param = q.int("days", 1, 365);
    if range.is_some() && days_param.is_some() {
        q.invalid("days", "give either days or range, not both");
    }
    let days = range
        .map(Range::days)
        .or(days_param.map(|d| d as i32))
        .unwrap_or(30);
    let style = params::style_code(raw_style);
    q.finish(&[
        "market",
        "currency",
        "size",
        "marketplace",
        "days",
        "metric",
        "range",
    ])?;
    let (key, normalized) = style?;
    if metric == Metric::Sales {
        let ask = crate::sales_history::Ask {
            key: &key,
            normalized: &normalized,
            market,
            size,
            marketplace,
            days,
            range: range.map(Range::code),
        };
        return crate::sales_history::handle(state, ask).await;
    }

    let client = state.client().await?;
    state.count_round_trip();
    let (system, value) = split_size(size);
    let row = query_bounded(
        &client,
        SQL,
        &[
            (&key, Type::TEXT),
            (&normalized, Type::TEXT),
            (&market.region.code(), Type::TEXT),
            (&system, Type::TEXT),
            (&value, Type::NUMERIC),
            (&days, Type::INT4),
            (&marketplace.map(|m| m.id()), Type::INT2),
        ],
        state.limits,
    )
    .await?;
    let Json(row): Json<Row> = row
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;
    let Some(style_code) = row.style_code else {
        return Err(Problem::not_found(format!("no product with style code {normalized}")).into());
    };
    if size.is_some() && row.size.as_ref().is_none_or(|s| s.is_empty()) {
        return Err(Problem::not_found(format!("{style_code} has no such size")).into());
    }
    let mut conv = Converter::new(market.currency, RateTable::from_rows(&row.fx));
    let scope = if size.is_some() { "size" } else { "product" };
    let history = build(
        &row.history,
        &mut conv,
        scope,
        size.map(|s| s.system.label(s.value)),
        days,
    )?;
    let out = Out {
        style_code,
        market: market.region,
        currency: market.currency,
        minor_digits: market.currency.minor_digits(),
        marketplace,
        metric,
        fx: conv.usage(),
        history,
    };
    // Daily points change at most as often as the sync runs; a short shared cache is safe.
    Ok(JsonResponse::new(
        &out,
        CachePolicy::Public {
            max_age: 300,
            stale_while_revalidate: 600,
        },
    )?)
}

pub fn split_size(
    size: Option<SizeFilter>,
) -> (Option<&'static str>, Option<rust_decimal::Decimal>) {
    match size {
        Some(s) => (Some(s.system.code()), Some(s.value)),
        None => (None, None),
    }
}
