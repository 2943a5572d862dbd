//! `GET /v1/inventory`: every item of the signed-in user, valued against the market.
//!
//! One pipelined round trip (`fetch.rs`): the items, products and size runs, and the on-demand
//! enqueue of sync jobs for open items whose product is unmapped or never priced (guarded by
//! `sync_jobs_one_open`), returning link statuses; then, with the pairs' sizes matched, a second
//! for those sizes' prices and sales when the instance does not hold them from an earlier request.
//!
//! Every item gets a price or an explicit reason (`price_source` + `reason`).

mod fetch;
mod matches;
mod out;
mod page;
mod quotes;
mod read;
mod replies;
mod rows;
mod runs;
mod sales;
mod value;

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use shared::api::{ApiRequest, CachePolicy, JsonResponse};
use shared::core::db::Type;
use shared::core::domain::{percent, Currency, Region};
use shared::core::tier::Tier;
use shared::valuation::fx::{Converter, RateTable};

use crate::queue;
use crate::{ApiError, State};

pub use self::matches::SizeMatches;
pub use self::quotes::QuoteCache;
use self::replies::PriceRow;
pub use self::runs::SizeRuns;

use self::out::*;
use self::rows::*;
use self::value::Valuer;

const STATUSES: &str = "open, all, in_stock, consigned, sold, removed";

/// The statuses of pairs the seller still holds (`status=open`): the only ones valued, counted in
/// the unrealized totals and synced on demand (`market.inventory_enqueue` reads the same two).
const HELD: [&str; 2] = ["in_stock", "consigned"];

fn parse_statuses(q: &mut shared::api::Query) -> Vec<String> {
    let list: &[&str] = match q.string("status", 20).as_deref() {
        None | Some("open") => &HELD,
        Some("all") => &["in_stock", "consigned", "sold", "removed"],
        Some("in_stock") => &["in_stock"],
        Some("consigned") => &["consigned"],
        Some("sold") => &["sold"],
        Some("removed") => &["removed"],
        Some(_) => {
            q.invalid("status", format!("must be one of {STATUSES}"));
            &[]
        }
    };
    list.iter().map(|s| s.to_string()).collect()
}

pub async fn handle(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    // Authenticate before looking at anything else.
    let user = state.verifier.verify_header(req.header("authorization"))?;
    let mut q = req.query.clone();
    let statuses = parse_statuses(&mut q);
    let currency_param = q.parsed::<Currency>("currency", Currency::CHOICES);
    // Like the app's region toggle; the default is the seller's own market.
    let market_param = q.parsed::<Region>("market", "US, UK, EU");
    let filters = page::Filters::parse(&mut q);
    let limit = q
        .int("limit", 1, page::MAX_LIMIT)
        .unwrap_or(page::DEFAULT_LIMIT);
    let after = page::Cursor::parse(&mut q);
    q.finish(&[
        "status", "currency", "market", "brand", "listed", "q", "limit", "cursor",
    ])?;

    let fetch::Fetched {
        read,
        matches,
        quotes,
        enqueue: enq,
    } = fetch::fetch(
        state,
        fetch::Request {
            user: &user,
            statuses: &statuses,
            market: market_param.map(Region::code),
        },
    )
    .await?;

    if let Some(queue) = &state.queue {
        let messages: Vec<_> = enq
            .new_jobs
            .iter()
            .filter_map(|j| queue::message(j.id?, j.product_id, j.marketplace_id, &j.kind))
            .collect();
        if !messages.is_empty() {
            let lost = queue::send(queue, &messages).await;
            if !lost.is_empty() {
                // Best effort: if this fails too, the stale-job window releases them.
                if let Err(e) = mark_lost(state, &lost).await {
                    tracing::warn!(error = %e, jobs = lost.len(), "could not close unsent on-demand jobs");
                }
            }
        }
    }

    let (profile, is_default) =
        shared::valuation::seller::resolve(read.profile.as_ref(), &state.fees);
    let market = market_param.unwrap_or(profile.region);
    // The query read prices and sales for the market it resolved; `resolve` is the rule, and the
    // schema's region checks keep the two equal.
    if read.market != market.code() {
        return Err(ApiError::Decode(format!(
            "prices read for market {} instead of {}",
            read.market,
            market.code()
        )));
    }
    let currency = currency_param.unwrap_or(profile.currency);
    let mut conv = Converter::new(currency, RateTable::from_rows(&read.fx));
    let now = Utc::now();

    let mut prices_by_variant: HashMap<i32, Vec<&PriceRow>> = HashMap::new();
    for p in &quotes.prices {
        prices_by_variant.entry(p.variant_id).or_default().push(p);
    }
    let synced_elsewhere = read.synced_elsewhere();
    let sales_by_variant = sales::index(&quotes.size_sales);
    let mut links: HashMap<i32, Vec<&LinkRow>> = HashMap::new();
    for l in &enq.links {
        links.entry(l.product_id).or_default().push(l);
    }
    let pending: HashSet<i32> = enq
        .open_jobs
        .iter()
        .chain(enq.new_jobs.iter())
        .map(|j| j.product_id)
        .collect();

    let valuer = Valuer {
        state,
        profile: &profile,
        market,
        now,
        prices: &prices_by_variant,
        synced_elsewhere: &synced_elsewhere,
    };
    // The page is known before anything is valued: the items arrive ordered by their cursor and
    // no filter depends on a price. Every admitted item is valued, since the totals cover them
    // all, but only the page's items are built for the response (200 of ~1,000 by default).
    let admitted: Vec<bool> = read
        .items
        .iter()
        .map(|it| filters.admit(it, read.product_for(&it.key)))
        .collect();
    let cursors: Vec<page::Cursor> = read
        .items
        .iter()
        .zip(&admitted)
        .filter(|(_, a)| **a)
        .map(|(it, _)| page::Cursor::of(it.created_at, it.id))
        .collect();
    let (on_page, page) = page::window(&cursors, after, limit);
    let mut items = Vec::with_capacity(on_page.len());
    let mut totals = Totals {
        currency: Some(currency),
        ..Totals::default()
    };
    let mut profit_cost = 0i64;
    let mut position = 0usize;
    for ((it, size_match), admitted) in read.items.iter().zip(matches).zip(admitted) {
        if !admitted {
            continue;
        }
        let shown = on_page.contains(&position);
        position += 1;
        let product = read.product_for(&it.key);
        // Off the page only what the valuation and the totals read is filled in.
        let text = |s: &String| if shown { s.clone() } else { String::new() };
        let purchase_currency = it
            .purchase_currency
            .as_deref()
            .and_then(|c| c.parse::<Currency>().ok());
        // A price with no currency is read in the seller's currency (`cost_currency_assumed`).
        let recorded_currency = purchase_currency.unwrap_or(profile.currency);
        let purchase_price_minor = it
            .purchase_price
            .as_deref()
            .and_then(|p| to_minor(p, recorded_currency));
        let cost_minor = purchase_price_minor
            .map(|m| conv.to_target(m, recorded_currency))
            .transpose()
            .map_err(|e| ApiError::Pricing(e.into()))?;
        let mut out = ItemOut {
            id: it.id,
            style_id: text(&it.style_id),
            product: product.filter(|_| shown).map(|p| ProductOut {
                style_code: p.style_code.clone(),
                name: p.name.clone(),
                brand: p.brand.clone(),
                colorway: p.colorway.clone(),
                image_url: p.image_url.clone(),
                tier: Tier::parse(&p.tier).unwrap_or(Tier::Cold),
            }),
            size: SizeOut {
                size: text(&it.size),
                unit: text(&it.size_unit),
                us_size: size_match
                    .as_ref()
                    .filter(|_| shown)
                    .and_then(|m| m.us_label.clone()),
                conversion: size_match.as_ref().and_then(|m| m.conversion),
                candidates: size_match
                    .as_ref()
                    .filter(|_| shown)
                    .map(|m| m.candidates.clone())
                    .unwrap_or_default(),
            },
            status: text(&it.status),
            condition: it.condition.as_ref().filter(|_| shown).cloned(),
            purchase_date: it.purchase_date,
            purchase_currency,
            purchase_price_minor,
            purchase_source: it.purchase_source.as_ref().filter(|_| shown).cloned(),
            cost_currency_assumed: it.purchase_price.is_some() && purchase_currency.is_none(),
            cost_minor,
            marketplaces: Vec::new(),
            market_value_minor: None,
            best_payout: None,
            unrealized_profit_minor: None,
            unrealized_profit_pct: None,
            as_of: None,
            stale: true,
            price_source: PriceSource::NoneYet,
            reason: None,
            sync_pending: product.is_some_and(|p| pending.contains(&p.id)),
            platforms: Vec::new(),
            better_by_minor: None,
            sales: match (
                product.and_then(|p| p.sales_synced_at),
                size_match.as_ref().and_then(|m| m.variant_id),
            ) {
                (Some(synced_at), Some(variant)) => Some(sales::for_item(
                    sales_by_variant.get(&variant),
                    synced_at,
                    &mut conv,
                )?),
                _ => None,
            },
            listings: it
                .listings
                .iter()
                .filter(|_| shown)
                .map(|l| ListingOut {
                    platform: l.platform.clone(),
                    price_minor: l
                        .currency
                        .parse::<Currency>()
                        .ok()
                        .and_then(|c| to_minor(&l.price, c)),
                    currency: l.currency.clone(),
                })
                .collect(),
        };
        totals.items += 1;
        // The app moves sold pairs to its sales table and hides removed ones: neither is held, so
        // neither is valued at today's market nor counted in unrealized totals.
        if !HELD.contains(&it.status.as_str()) {
            out.reason = Some("not_held");
            if shown {
                items.push(out);
            }
            continue;
        }
        // Market prices are for new pairs; a used pair is not valued at them (its cost still
        // counts). Alias's used rows are not stored yet.
        if it.condition.as_deref() == Some("used") {
            out.reason = Some("condition_not_priced");
            if let Some(c) = out.cost_minor {
                totals.items_with_cost += 1;
                totals.cost_basis_minor += c;
            }
            if shown {
                items.push(out);
            }
            continue;
        }
        valuer.value_item(
            &mut conv,
            product,
            links
                .get(&product.map(|p| p.id).unwrap_or(-1))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            size_match.as_ref(),
            shown,
            &mut out,
        )?;
        if let (Some(net), Some(cost)) = (out.best_payout.map(|p| p.net_minor), out.cost_minor) {
            out.unrealized_profit_minor = Some(net - cost);
            if shown {
                out.unrealized_profit_pct = percent(net - cost, cost, 2);
            }
            totals.unrealized_profit_minor += net - cost;
            profit_cost += cost;
        }
        if let Some(c) = out.cost_minor {
            totals.items_with_cost += 1;
            totals.cost_basis_minor += c;
        }
        if let Some(v) = out.market_value_minor {
            totals.items_valued += 1;
            totals.market_value_minor += v;
        }
        if let Some(p) = out.best_payout {
            totals.net_payout_minor += p.net_minor;
        }
        if shown {
            items.push(out);
        }
    }
    totals.unrealized_profit_pct = percent(totals.unrealized_profit_minor, profit_cost, 2);

    let out = Out {
        market,
        currency,
        minor_digits: currency.minor_digits(),
        fx: conv.usage(),
        fee_profile: profile,
        fee_profile_is_default: is_default,
        totals,
        page,
        items,
    };
    Ok(JsonResponse::new(&out, CachePolicy::PrivateRevalidate)?)
}

async fn mark_lost(state: &State, ids: &[i64]) -> Result<(), ApiError> {
    let client = state.client().await?;
    state.count_round_trip();
    shared::core::db::query_bounded(
        &client,
        queue::MARK_LOST_SQL,
        &[(&ids, Type::INT8_ARRAY)],
        state.limits,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchase_prices_become_minor_units() {
        assert_eq!(to_minor("180.00", Currency::USD), Some(18_000));
        assert_eq!(to_minor("0.01", Currency::GBP), Some(1));
        assert_eq!(to_minor("99999999.99", Currency::EUR), Some(9_999_999_999));
    }
}
