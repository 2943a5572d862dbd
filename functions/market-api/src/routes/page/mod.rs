//! `GET /v1/products/{style_code}`: the whole market page in one response, from one SQL statement
//! (which also records the "viewed" signal, at most one write per product per hour).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use postgres_types::Json;
use rust_decimal::{Decimal, RoundingStrategy};
use shared::api::{ApiRequest, CachePolicy, JsonResponse, Problem};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::{Marketplace, Money};
use shared::core::sizes::SizeSystem;
use shared::core::tier::Tier;
use shared::valuation::fees::FeeProfile;
use shared::valuation::fx::{Converter, RateTable};
use shared::valuation::outliers;
use shared::valuation::payout::{best, display_payout, DisplayPayout};

use crate::history::{self, currency_of, HistoryOut};
use crate::params;
use crate::{ApiError, State};

mod out;
mod rows;
mod sales;

use self::out::*;
use self::rows::*;

const HISTORY_DAYS: i32 = 30;

/// The caller's fee-profile CTEs (`$1`, NULL when anonymous), then the page query.
static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH {},\n{}",
        shared::valuation::seller::PROFILE_CTES,
        include_str!("../../sql/page.sql")
    )
});

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .and_then(|v| v.parse::<Decimal>().ok())
        .map(|d| d.normalize().to_string())
}

pub async fn handle(
    state: &State,
    req: &ApiRequest,
    raw_style: &str,
) -> Result<JsonResponse, ApiError> {
    let mut q = req.query.clone();
    let market = params::market(&mut q);
    let size = params::size(&mut q);
    let style = params::style_code(raw_style);
    q.finish(&["market", "currency", "size"])?;
    let (key, normalized) = style?;

    // The page is public. With a valid token it is the caller's: payouts use their fees, and a
    // GET counts towards the product's popularity (a HEAD or an anonymous request reads the page
    // without raising its tier). An invalid token reads the public page.
    let caller = match (&state.verifier, req.header("authorization")) {
        (Some(v), Some(h)) => v.verify_header(Some(h)).ok().map(|u| u.user_id),
        _ => None,
    };
    let counts_as_view = req.method == lambda_http::http::Method::GET && caller.is_some();
    let client = state.client().await?;
    state.count_round_trip();
    let (system, value) = history::split_size(size);
    let sales_marketplaces = Marketplace::with_sales_ids();
    let rows = query_bounded(
        &client,
        &SQL,
        &[
            (&caller, Type::UUID),
            (&key, Type::TEXT),
            (&normalized, Type::TEXT),
            (&market.region.code(), Type::TEXT),
            (&system, Type::TEXT),
            (&value, Type::NUMERIC),
            (&HISTORY_DAYS, Type::INT4),
            (&counts_as_view, Type::BOOL),
            (&sales_marketplaces, Type::INT2_ARRAY),
        ],
        state.limits,
    )
    .await?;
    drop(client);
    let Json(row): Json<Row> = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?
        .try_get(0)?;
    let Some(product) = row.product else {
        return Err(Problem::not_found(format!("no product with style code {normalized}")).into());
    };
    if size.is_some() && !row.sizes.iter().any(|s| s.selected) {
        let label = size.map(|s| s.system.label(s.value)).unwrap_or_default();
        return Err(
            Problem::not_found(format!("{} has no size {label}", product.style_code)).into(),
        );
    }
    let now = Utc::now();
    let mut conv = Converter::new(market.currency, RateTable::from_rows(&row.fx));
    let (profile, fee_profile_source) = match (caller, row.profile.as_ref()) {
        (Some(_), Some(p)) => (
            shared::valuation::seller::resolve(Some(p), &state.fees).0,
            FeeProfileSource::Caller,
        ),
        _ => (
            FeeProfile::default_for(market.region, &state.fees),
            FeeProfileSource::Default,
        ),
    };

    // Prices per size, converted.
    let mut by_variant: BTreeMap<i32, Vec<(SizeMarket, Option<DisplayPayout>)>> = BTreeMap::new();
    let mut last_sales: Vec<(DateTime<Utc>, Marketplace, i64)> = Vec::new();
    // Selling now: the net of each marketplace's highest bid, per size.
    let mut instant_by_variant: BTreeMap<i32, Vec<DisplayPayout>> = BTreeMap::new();
    for p in &row.prices {
        let Some(marketplace) = Marketplace::from_id(p.marketplace_id) else {
            continue;
        };
        let cur = currency_of(&p.currency)?;
        let conv_opt = |c: &mut Converter, v: Option<i64>| -> Result<Option<i64>, ApiError> {
            v.map(|m| c.to_target(m, cur))
                .transpose()
                .map_err(|e| ApiError::Pricing(e.into()))
        };
        let ask = conv_opt(&mut conv, p.ask_minor)?;
        let payout = match p.ask_minor {
            Some(a) => Some(display_payout(
                &mut conv,
                &state.fees,
                &profile,
                marketplace,
                market.region,
                Money::new(a, cur),
            )?),
            None => None,
        };
        if let Some(b) = p.bid_minor {
            instant_by_variant
                .entry(p.variant_id)
                .or_default()
                .push(display_payout(
                    &mut conv,
                    &state.fees,
                    &profile,
                    marketplace,
                    market.region,
                    Money::new(b, cur),
                )?);
        }
        let last_sale = conv_opt(&mut conv, p.last_sale_minor)?;
        if let Some(ls) = last_sale {
            last_sales.push((p.changed_at, marketplace, ls));
        }
        by_variant.entry(p.variant_id).or_default().push((
            SizeMarket {
                marketplace,
                ask_minor: ask,
                bid_minor: conv_opt(&mut conv, p.bid_minor)?,
                last_sale_minor: last_sale,
                observed_at: p.observed_at,
                outlier: false,
                outlier_reason: None,
            },
            payout,
        ));
    }

    let mut size_sales = sales::size_last_sales(&row.size_sales, &mut conv)?;
    let mut sizes = Vec::with_capacity(row.sizes.len());
    for s in &row.sizes {
        let system: SizeSystem = s
            .system
            .parse()
            .map_err(|_| ApiError::Decode(format!("size system {:?}", s.system)))?;
        let value: Decimal = s
            .value
            .parse()
            .map_err(|_| ApiError::Decode(format!("size value {:?}", s.value)))?;
        let mut entries = by_variant.remove(&s.id).unwrap_or_default();
        entries.sort_by_key(|(m, _)| m.marketplace);
        flag_outliers(&mut entries, state.outlier_ratio_pct);
        let best_ask = entries
            .iter()
            .filter(|(m, _)| !m.outlier)
            .filter_map(|(m, _)| {
                m.ask_minor.map(|a| Quoted {
                    marketplace: m.marketplace,
                    amount_minor: a,
                })
            })
            .min_by_key(|q| (q.amount_minor, q.marketplace));
        let best_payout = best(entries.iter().filter_map(|(_, p)| *p));
        let instant_payout = best(instant_by_variant.remove(&s.id).unwrap_or_default());
        sizes.push(SizeOut {
            label: system.label(value),
            system,
            value: value.normalize().to_string(),
            us_m: norm(&s.us_m),
            uk: norm(&s.uk),
            eu: norm(&s.eu),
            cm: norm(&s.cm),
            marketplaces: entries.into_iter().map(|(m, _)| m).collect(),
            best_ask,
            best_payout,
            instant_payout,
            last_sale: size_sales.remove(&s.id),
        });
    }

    // Summary per marketplace and overall.
    let mut marketplaces = Vec::new();
    for m in Marketplace::ALL {
        let quotes: Vec<&SizeMarket> = sizes
            .iter()
            .flat_map(|s| s.marketplaces.iter())
            .filter(|q| q.marketplace == m)
            .collect();
        if quotes.is_empty() {
            continue;
        }
        let latest_sale = last_sales
            .iter()
            .filter(|(_, mk, _)| *mk == m)
            .max_by_key(|(at, _, _)| *at)
            .map(|(_, _, v)| *v);
        marketplaces.push(MarketSummary {
            marketplace: m,
            lowest_ask_minor: quotes
                .iter()
                .filter(|q| !q.outlier)
                .filter_map(|q| q.ask_minor)
                .min(),
            highest_bid_minor: quotes.iter().filter_map(|q| q.bid_minor).max(),
            last_sale_minor: latest_sale,
            sizes_with_ask: quotes
                .iter()
                .filter(|q| q.ask_minor.is_some() && !q.outlier)
                .count(),
            observed_at: quotes.iter().map(|q| q.observed_at).max(),
        });
    }
    let lowest_ask = marketplaces
        .iter()
        .filter_map(|m| {
            m.lowest_ask_minor.map(|a| Quoted {
                marketplace: m.marketplace,
                amount_minor: a,
            })
        })
        .min_by_key(|q| (q.amount_minor, q.marketplace));
    let highest_bid = marketplaces
        .iter()
        .filter_map(|m| {
            m.highest_bid_minor.map(|a| Quoted {
                marketplace: m.marketplace,
                amount_minor: a,
            })
        })
        .max_by_key(|q| (q.amount_minor, std::cmp::Reverse(q.marketplace)));
    let last_sale = last_sales
        .iter()
        .max_by_key(|(at, m, _)| (*at, std::cmp::Reverse(*m)))
        .map(|(at, m, v)| SaleOut {
            marketplace: *m,
            amount_minor: *v,
            observed_at: *at,
        });

    let history = history::build(&row.history, &mut conv, "product", None, HISTORY_DAYS)?;
    let change_30d = change(&history);
    let size_history = match size {
        Some(s) => Some(history::build(
            &row.size_history,
            &mut conv,
            "size",
            Some(s.system.label(s.value)),
            HISTORY_DAYS,
        )?),
        None => None,
    };

    let retail_minor = match (
        product.retail_price_minor,
        product.retail_currency.as_deref(),
    ) {
        (Some(m), Some(c)) => Some(
            conv.to_target(m, currency_of(c)?)
                .map_err(|e| ApiError::Pricing(e.into()))?,
        ),
        _ => None,
    };

    let tier = Tier::parse(&product.tier).unwrap_or(Tier::Cold);
    let last_synced_at = product
        .last_synced_at
        .or_else(|| row.links.iter().filter_map(|l| l.last_synced_at).max());
    // The market is not synced when every link that has synced did so only in other markets.
    let region_not_synced = row.links.iter().any(|l| l.region_not_synced)
        && row
            .links
            .iter()
            .all(|l| l.region_not_synced || l.last_synced_at.is_none());
    let stale = region_not_synced || state.cadences.is_stale(tier, last_synced_at, now);
    let freshness = FreshnessOut {
        tier,
        cadence_hours: state.cadences.cadence(tier).num_hours(),
        last_synced_at,
        stale,
        reason: region_not_synced.then_some("region_not_synced"),
        marketplaces: row
            .links
            .iter()
            .filter_map(|l| {
                Some(LinkOut {
                    marketplace: Marketplace::from_id(l.marketplace_id)?,
                    status: l.status.clone(),
                    last_synced_at: l.last_synced_at,
                    stale: l.region_not_synced
                        || state.cadences.is_stale(tier, l.last_synced_at, now),
                    reason: l.region_not_synced.then_some("region_not_synced"),
                })
            })
            .collect(),
    };

    let out = PageOut {
        style_code: product.style_code.clone(),
        market: market.region,
        currency: market.currency,
        minor_digits: market.currency.minor_digits(),
        fx: conv.usage(),
        product: ProductOut {
            style_code: product.style_code,
            name: product.name,
            brand: product.brand,
            colorway: product.colorway,
            gender: product.gender,
            release_date: product.release_date,
            retail_minor,
            image_url: product.image_url,
        },
        summary: SummaryOut {
            lowest_ask,
            highest_bid,
            last_sale,
            change_30d,
            marketplaces,
        },
        fee_profile: profile,
        fee_profile_source,
        sizes,
        history,
        size_history,
        sales: sales::build(
            &row.sales_stats,
            &row.sales_last,
            row.sales_synced_at,
            &mut conv,
        )?,
        freshness,
    };
    let max_age = state.cadences.cache_seconds(tier, last_synced_at, now);
    // A caller's payouts are theirs alone: never in a shared cache.
    let policy = match fee_profile_source {
        FeeProfileSource::Caller => CachePolicy::PrivateRevalidate,
        FeeProfileSource::Default => CachePolicy::Public {
            max_age,
            stale_while_revalidate: 60,
        },
    };
    Ok(JsonResponse::new(&out, policy)?)
}

/// Change of the product's lowest ask over the history window: first day with an ask to the last.
fn change(h: &HistoryOut) -> Option<ChangeOut> {
    let with_ask: Vec<(NaiveDate, i64)> = h
        .points
        .iter()
        .filter_map(|p| p.lowest_ask_minor.map(|a| (p.day, a)))
        .collect();
    let (first, last) = (with_ask.first()?, with_ask.last()?);
    if first.0 == last.0 || first.1 == 0 {
        return None;
    }
    let change_minor = last.1 - first.1;
    let pct = (Decimal::from(change_minor) * Decimal::from(100) / Decimal::from(first.1))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Some(ChangeOut {
        days: h.days,
        from_day: first.0,
        from_minor: first.1,
        to_day: last.0,
        to_minor: last.1,
        change_minor,
        change_pct: format!("{pct:.2}"),
    })
}

/// Flags the asks of one size that are far above the rest of its market, and drops their payout
/// (an outlier is never a best price or a best payout).
fn flag_outliers(entries: &mut [(SizeMarket, Option<DisplayPayout>)], ratio_pct: i64) {
    let quotes: Vec<outliers::SizeQuote> = entries
        .iter()
        .map(|(m, _)| outliers::SizeQuote {
            ask: m.ask_minor,
            bid: m.bid_minor,
            last_sale: m.last_sale_minor,
        })
        .collect();
    for ((m, payout), reason) in entries
        .iter_mut()
        .zip(outliers::flag_size(&quotes, ratio_pct))
    {
        m.outlier_reason = reason;
        m.outlier = reason.is_some();
        if m.outlier {
            *payout = None;
        }
    }
}
