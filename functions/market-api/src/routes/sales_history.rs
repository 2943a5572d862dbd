//! `GET /v1/products/{style_code}/history?metric=sales`: daily sales (count, average, min, max)
//! of the product or one size, from the daily aggregates that outlive raw sales (13-month and
//! all-time ranges). Only Alias reports sales; StockX is listed as unavailable with the reason.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use postgres_types::Json;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use shared::api::{CachePolicy, JsonResponse, Problem};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::valuation::fx::{Converter, FxRow, FxUsage, RateTable};

use crate::history::{currency_of, split_size};
use crate::params::{Market, Metric, SizeFilter};
use crate::{ApiError, State};

const SQL: &str = include_str!("../sql/history_sales.sql");

/// The validated request.
pub struct Ask<'a> {
    pub key: &'a str,
    pub normalized: &'a str,
    pub market: Market,
    pub size: Option<SizeFilter>,
    pub marketplace: Option<Marketplace>,
    pub days: i32,
    pub range: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
struct DayRow {
    day: NaiveDate,
    marketplace_id: i16,
    currency: String,
    sales: i64,
    sum_minor: i64,
    min_minor: i64,
    max_minor: i64,
}

#[derive(Debug, Deserialize)]
struct Row {
    style_code: Option<String>,
    size: Option<Vec<serde_json::Value>>,
    history: Vec<DayRow>,
    fx: Vec<FxRow>,
}

#[derive(Debug, Serialize)]
struct MarketDay {
    marketplace: Marketplace,
    sales: i64,
    average_minor: i64,
    min_minor: i64,
    max_minor: i64,
}

#[derive(Debug, Serialize)]
struct SalesPoint {
    day: NaiveDate,
    sales: i64,
    average_minor: i64,
    min_minor: i64,
    max_minor: i64,
    marketplaces: Vec<MarketDay>,
}

#[derive(Debug, Serialize)]
struct Unavailable {
    marketplace: Marketplace,
    reason: &'static str,
}

#[derive(Debug, Serialize)]
struct SalesHistory {
    scope: &'static str,
    size: Option<String>,
    days: i32,
    range: Option<&'static str>,
    total_sales: i64,
    points: Vec<SalesPoint>,
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
    history: SalesHistory,
    unavailable: Vec<Unavailable>,
}

fn avg(sum: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    (Decimal::from(sum) / Decimal::from(n))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(0)
}

fn build(rows: &[DayRow], conv: &mut Converter) -> Result<Vec<SalesPoint>, ApiError> {
    let mut by_day: BTreeMap<NaiveDate, Vec<MarketDay>> = BTreeMap::new();
    for r in rows {
        let Some(marketplace) = Marketplace::from_id(r.marketplace_id) else {
            continue;
        };
        let cur = currency_of(&r.currency)?;
        let mut to = |v: i64| {
            conv.to_target(v, cur)
                .map_err(|e| ApiError::Pricing(e.into()))
        };
        by_day.entry(r.day).or_default().push(MarketDay {
            marketplace,
            sales: r.sales,
            // Averaged in the marketplace's currency, then converted like every other amount.
            average_minor: to(avg(r.sum_minor, r.sales))?,
            min_minor: to(r.min_minor)?,
            max_minor: to(r.max_minor)?,
        });
    }
    Ok(by_day
        .into_iter()
        .map(|(day, mut marketplaces)| {
            marketplaces.sort_by_key(|m| m.marketplace);
            let sales: i64 = marketplaces.iter().map(|m| m.sales).sum();
            let weighted: i64 = marketplaces.iter().map(|m| m.average_minor * m.sales).sum();
            SalesPoint {
                day,
                sales,
                average_minor: avg(weighted, sales),
                min_minor: marketplaces.iter().map(|m| m.min_minor).min().unwrap_or(0),
                max_minor: marketplaces.iter().map(|m| m.max_minor).max().unwrap_or(0),
                marketplaces,
            }
        })
        .collect())
}

pub async fn handle(state: &State, ask: Ask<'_>) -> Result<JsonResponse, ApiError> {
    let client = state.client().await?;
    state.count_round_trip();
    let (system, value) = split_size(ask.size);
    let rows = query_bounded(
        &client,
        SQL,
        &[
            (&ask.key, Type::TEXT),
            (&ask.normalized, Type::TEXT),
            (&ask.market.region.code(), Type::TEXT),
            (&system, Type::TEXT),
            (&value, Type::NUMERIC),
            (&ask.days, Type::INT4),
            (&ask.marketplace.map(|m| m.id()), Type::INT2),
        ],
        state.limits,
    )
    .await?;
    drop(client);
    let Json(row): Json<Row> = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;
    let Some(style_code) = row.style_code else {
        return Err(
            Problem::not_found(format!("no product with style code {}", ask.normalized)).into(),
        );
    };
    if ask.size.is_some() && row.size.as_ref().is_none_or(|s| s.is_empty()) {
        return Err(Problem::not_found(format!("{style_code} has no such size")).into());
    }
    let mut conv = Converter::new(ask.market.currency, RateTable::from_rows(&row.fx));
    let points = build(&row.history, &mut conv)?;
    let unavailable = Marketplace::ALL
        .into_iter()
        .filter(|m| ask.marketplace.is_none_or(|asked| asked == *m))
        .filter_map(|m| {
            m.no_sales_reason().map(|reason| Unavailable {
                marketplace: m,
                reason,
            })
        })
        .collect();
    let out = Out {
        style_code,
        market: ask.market.region,
        currency: ask.market.currency,
        minor_digits: ask.market.currency.minor_digits(),
        marketplace: ask.marketplace,
        metric: Metric::Sales,
        fx: conv.usage(),
        history: SalesHistory {
            scope: if ask.size.is_some() {
                "size"
            } else {
                "product"
            },
            size: ask.size.map(|s| s.system.label(s.value)),
            days: ask.days,
            range: ask.range,
            total_sales: points.iter().map(|p| p.sales).sum(),
            points,
        },
        unavailable,
    };
    // Sales are fetched daily at most: a short shared cache is safe.
    Ok(JsonResponse::new(
        &out,
        CachePolicy::Public {
            max_age: 300,
            stale_while_revalidate: 600,
        },
    )?)
}
