//! Valuing one inventory item against the latest prices: the quotes it is valued on, its market
//! value, the payout per marketplace and the best one, with a reason when there is no price.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use shared::core::domain::{percent, Currency, Marketplace, Money, Region};
use shared::core::tier::Tier;
use shared::valuation::fees::FeeProfile;
use shared::valuation::fx::Converter;
use shared::valuation::payout::{best, display_payout};

use super::out::*;
use super::replies::PriceRow;
use super::rows::*;
use crate::{ApiError, State};
use shared::core::sizes::matching::SizeMatch;
use shared::valuation::outliers;
use shared::valuation::payout::{detailed_payout, DetailedPayout};

/// What valuing any item of one request needs: the caller's fees and market, the time, and the
/// latest prices by size.
pub(super) struct Valuer<'a> {
    pub(super) state: &'a State,
    pub(super) profile: &'a FeeProfile,
    pub(super) market: Region,
    pub(super) now: DateTime<Utc>,
    pub(super) prices: &'a HashMap<i32, Vec<&'a PriceRow>>,
    /// Products synced in another market and not in the requested one.
    pub(super) synced_elsewhere: &'a HashSet<i32>,
}

impl Valuer<'_> {
    /// Fills `out`'s valuation, or its `reason` when there is no price. An item off the page
    /// (`shown` false) gets only what the totals read: its market value and best payout, without
    /// the per-marketplace quotes, platforms, fee lines and payouts at the bids it would display.
    pub(super) fn value_item(
        &self,
        conv: &mut Converter,
        product: Option<&ProductRow>,
        links: &[&LinkRow],
        size_match: Option<&SizeMatch>,
        shown: bool,
        out: &mut ItemOut,
    ) -> Result<(), ApiError> {
        let Valuer {
            state,
            profile,
            market,
            now,
            prices,
            synced_elsewhere,
        } = *self;
        let Some(product) = product else {
            out.reason = Some("not_in_catalogue");
            return Ok(());
        };
        // Whether the style is mapped on each marketplace, with the ids links are built from.
        out.platforms = Marketplace::ALL
            .iter()
            .filter(|_| shown)
            .map(|m| {
                let link = links.iter().find(|l| l.marketplace_id == m.id());
                PlatformOut {
                    marketplace: *m,
                    mapped: link.is_some_and(|l| l.status == "matched"),
                    external_id: link.and_then(|l| l.external_id.clone()),
                    url_key: link.and_then(|l| l.url_key.clone()),
                    ask_minor: None,
                    at_ask: None,
                    bid_minor: None,
                    at_bid: None,
                    instant_profit_minor: None,
                    spread_pct: None,
                }
            })
            .collect();
        let Some(size_match) = size_match else {
            out.reason = Some("unknown_size");
            return Ok(());
        };
        let rows = size_match
            .variant_id
            .and_then(|id| prices.get(&id))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if rows.is_empty() {
            let matched = links.iter().filter(|l| l.status == "matched");
            let synced = matched.clone().any(|l| l.last_synced_at.is_some());
            out.reason = Some(if !size_match.candidates.is_empty() {
                // The chart prints this size on several US sizes: the seller has to say which.
                "ambiguous_size"
            } else if size_match.variant_id.is_none() {
                "size_not_in_run"
            } else if synced_elsewhere.contains(&product.id) {
                // The product is synced in another region than the one asked for.
                "region_not_synced"
            } else if synced {
                // Synced, and no marketplace reported anything for this size.
                "no_asks_in_size"
            } else if matched.count() > 0 {
                "not_yet_synced"
            } else if links.len() < Marketplace::ALL.len()
                || links.iter().any(|l| l.status == "pending")
            {
                "not_yet_mapped"
            } else if links.iter().any(|l| l.status == "needs_review") {
                "mapping_needs_review"
            } else {
                "not_on_marketplace"
            });
            return Ok(());
        }

        let tier = Tier::parse(&product.tier).unwrap_or(Tier::Cold);
        let mut any_ask = false;
        let mut latest_sale: Option<(DateTime<Utc>, i64)> = None;
        let mut best_bid: Option<i64> = None;
        let mut lowest_ask: Option<i64> = None;
        let mut quotes: Vec<(Marketplace, Currency, &PriceRow, bool)> = Vec::new();
        // Every quote in the display currency first: outliers are judged across marketplaces.
        let mut converted = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(m) = Marketplace::from_id(r.marketplace_id) else {
                continue;
            };
            let cur: Currency = r
                .currency
                .parse()
                .map_err(|_| ApiError::Decode(format!("currency {:?}", r.currency)))?;
            let c = |conv: &mut Converter, v: Option<i64>| -> Result<Option<i64>, ApiError> {
                v.map(|x| conv.to_target(x, cur))
                    .transpose()
                    .map_err(|e| ApiError::Pricing(e.into()))
            };
            let ask = c(conv, r.ask_minor)?;
            let bid = c(conv, r.bid_minor)?;
            let sale = c(conv, r.last_sale_minor)?;
            converted.push((m, cur, *r, ask, bid, sale));
        }
        let flags = outliers::flag_size(
            &converted
                .iter()
                .map(|&(_, _, _, ask, bid, last_sale)| outliers::SizeQuote {
                    ask,
                    bid,
                    last_sale,
                })
                .collect::<Vec<_>>(),
            state.outlier_ratio_pct,
        );
        for (&(m, cur, r, ask, bid, sale), outlier) in converted.iter().zip(flags) {
            // An outlier ask is shown, flagged, and used for nothing.
            let usable_ask = if outlier.is_some() { None } else { ask };
            any_ask |= usable_ask.is_some();
            lowest_ask = match (lowest_ask, usable_ask) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            best_bid = best_bid.max(bid);
            if let Some(s) = sale {
                if latest_sale.is_none_or(|(at, _)| r.changed_at > at) {
                    latest_sale = Some((r.changed_at, s));
                }
            }
            if shown {
                out.marketplaces.push(MarketOut {
                    marketplace: m,
                    ask_minor: ask,
                    bid_minor: bid,
                    last_sale_minor: sale,
                    observed_at: r.observed_at,
                    outlier: outlier.is_some(),
                    outlier_reason: outlier,
                });
            }
            quotes.push((m, cur, r, usable_ask.is_some()));
        }
        out.marketplaces.sort_by_key(|m| m.marketplace);
        // The item is as fresh as the oldest quote its value rests on: the usable asks, or (with
        // none) the quotes whose last sale or bid stand in. Every quote also carries its own
        // `observed_at` in `marketplaces`.
        out.as_of = quotes
            .iter()
            .filter(|(_, _, r, usable)| {
                if any_ask {
                    *usable
                } else {
                    r.last_sale_minor.is_some() || r.bid_minor.is_some()
                }
            })
            .map(|(_, _, r, _)| r.observed_at)
            .min()
            .or_else(|| rows.iter().map(|r| r.observed_at).max());
        out.stale = !state.cadences.is_live(tier, out.as_of, now);

        // Per platform: net at the lowest ask and the instant payout at the highest bid, each with
        // its fee breakdown; instant profit against the cost; spread between the two nets.
        let mut payouts = Vec::new();
        for (m, cur, r, ask_usable) in &quotes {
            let mut at = |price: Option<i64>| -> Result<Option<DetailedPayout>, ApiError> {
                price
                    .map(|p| {
                        detailed_payout(conv, &state.fees, profile, *m, market, Money::new(p, *cur))
                    })
                    .transpose()
                    .map_err(ApiError::Pricing)
            };
            let usable_ask = r.ask_minor.filter(|_| *ask_usable);
            // Off the page only the best payout is needed (the totals): no fee lines, no bid.
            let shown_payouts = if shown {
                Some((at(usable_ask)?, at(r.bid_minor)?))
            } else {
                None
            };
            // The best payout is chosen from the payouts at the usable asks; with no usable ask
            // anywhere, from those at each marketplace's last sale.
            let best_from = if any_ask {
                usable_ask
            } else {
                r.last_sale_minor
            };
            match shown_payouts.as_ref().and_then(|(a, _)| a.as_ref()) {
                Some(at_ask) if any_ask => payouts.push(at_ask.payout),
                _ => {
                    if let Some(p) = best_from {
                        payouts.push(display_payout(
                            conv,
                            &state.fees,
                            profile,
                            *m,
                            market,
                            Money::new(p, *cur),
                        )?);
                    }
                }
            }
            let Some((at_ask, at_bid)) = shown_payouts else {
                continue;
            };
            let Some(platform) = out.platforms.iter_mut().find(|p| p.marketplace == *m) else {
                continue;
            };
            platform.ask_minor = at_ask.as_ref().map(|p| p.payout.price_minor);
            platform.bid_minor = at_bid.as_ref().map(|p| p.payout.price_minor);
            platform.instant_profit_minor = at_bid
                .as_ref()
                .zip(out.cost_minor)
                .map(|(b, c)| b.payout.net_minor - c);
            platform.spread_pct = at_ask.as_ref().zip(at_bid.as_ref()).and_then(|(a, b)| {
                percent(
                    a.payout.net_minor - b.payout.net_minor,
                    a.payout.net_minor,
                    2,
                )
            });
            platform.at_ask = at_ask;
            platform.at_bid = at_bid;
        }
        out.best_payout = best(payouts.iter().copied());
        // How much better the best platform is than the next one.
        let mut nets: Vec<i64> = payouts.iter().map(|p| p.net_minor).collect();
        nets.sort_unstable_by(|a, b| b.cmp(a));
        out.better_by_minor = (nets.len() > 1).then(|| nets[0] - nets[1]);
        // Market value is the price behind the best payout: the lowest usable ask on the
        // marketplace that pays the most (with no ask, the last sale it was valued at). So the
        // payout shown next to it is never above it, and both describe one sale. Only with no
        // payout at all does the lowest ask, last sale or highest bid stand in.
        out.market_value_minor = out
            .best_payout
            .map(|p| p.price_minor)
            .or(lowest_ask)
            .or(latest_sale.map(|(_, v)| v))
            .or(best_bid);
        (out.price_source, out.reason) =
            match (any_ask, out.market_value_minor.is_some(), out.stale) {
                (true, _, false) => (PriceSource::Live, None),
                (true, _, true) => (PriceSource::LastKnown, Some("stale")),
                (false, true, _) => (PriceSource::LastKnown, Some("no_asks_in_size")),
                (false, false, _) => (PriceSource::NoneYet, Some("no_asks_in_size")),
            };
        Ok(())
    }
}
