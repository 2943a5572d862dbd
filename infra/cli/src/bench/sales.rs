//! Alias sales for the storage benchmark, written through the real sales write path
//! (`sync::sales::store::write_sales`), one page per size and region a day, at the rates and
//! shares the sandbox measured on the real StockX sales (`sandbox_market::sales`): sales per
//! product per day by quantile, the share of each size, and the region split.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sandbox_market::sales::{RATE_QUANTILES, REGION_SHARE, SIZE_SHARE};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::snapshot::{Sale, SalesPage, SalesSkipped};
use shared::sync::sales::store::{finish_walk, write_sales, SizeSales, WalkEnd};
use tokio_postgres::Client;

use super::*;

/// Of all sales, the share our client asks for: new with a good box (92 % of sales in the sandbox's
/// condition mix) and not consigned (90 %).
const FETCHED_SHARE: f64 = 0.92 * 0.9;

/// A product's sizes: (variant id, US men's size).
pub(crate) type Run = Vec<(i32, f64)>;

/// Linear interpolation in a (per-mille, value) table.
fn quantile(table: &[(i64, i64)], per_mille: f64) -> f64 {
    for w in table.windows(2) {
        let ((q0, v0), (q1, v1)) = (w[0], w[1]);
        if per_mille <= q1 as f64 {
            let t = (per_mille - q0 as f64) / ((q1 - q0).max(1) as f64);
            return v0 as f64 + t * (v1 - v0) as f64;
        }
    }
    table.last().map_or(0.0, |(_, v)| *v as f64)
}

/// A Poisson draw (Knuth's method for small means, a normal approximation above 30).
fn poisson(mean: f64, rng: &mut Rng) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        let z = (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2.0) * 3f64.sqrt();
        return (mean + z * mean.sqrt()).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let (mut k, mut p) = (0u32, 1.0);
    loop {
        p *= rng.unit();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

fn region_of(rng: &mut Rng) -> Option<Region> {
    let total: u64 = REGION_SHARE.iter().map(|(_, s)| s).sum();
    let mut pick = rng.below(total as usize) as u64;
    for (id, share) in REGION_SHARE {
        if pick < share {
            // The other ids are markets we do not sync.
            return Region::from_alias_region_id(&id.to_string());
        }
        pick -= share;
    }
    None
}

fn size_weight(us: f64) -> f64 {
    let key = (us * 2.0).round() as i64;
    SIZE_SHARE
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(1.0, |(_, w)| *w as f64)
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SalesTotals {
    pub(crate) received: i64,
    pub(crate) inserted: i64,
}

/// One product's Alias sales, written a day at a time (as a daily walk would fetch them), at
/// prices around the plan's `sale_price`.
pub(crate) struct SalesSim {
    /// Fetched sales per day.
    rate: f64,
    /// Each size's share of the sales.
    weights: Vec<f64>,
    total_weight: f64,
    rng: Rng,
    totals: SalesTotals,
}

impl SalesSim {
    /// None for a product without sizes to sell. `rng` is the product's sales stream, kept for
    /// its days.
    pub(crate) fn new(plan: &super::dataset::ProductPlan, mut rng: Rng) -> Option<Self> {
        if plan.run.is_empty() {
            return None;
        }
        let rate = quantile(&RATE_QUANTILES, rng.unit() * 1000.0) / 1000.0 * FETCHED_SHARE;
        let weights: Vec<f64> = plan.run.iter().map(|(_, us)| size_weight(*us)).collect();
        Some(Self {
            rate,
            total_weight: weights.iter().sum(),
            weights,
            rng,
            totals: SalesTotals::default(),
        })
    }

    /// Writes the sales of the day that ends at `until` through `write_sales` (one page per
    /// region and size that sold), then the walk's record as the sales job leaves it. Returns
    /// the sales inserted.
    pub(crate) async fn write_day(
        &mut self,
        c: &Client,
        plan: &super::dataset::ProductPlan,
        regions: &[Region],
        until: DateTime<Utc>,
        retain_from: DateTime<Utc>,
    ) -> anyhow::Result<i64> {
        let (product_id, run, price_minor) = (plan.id, &plan.run, plan.sale_price);
        let day_start = until - ChronoDuration::days(1);
        let rng = &mut self.rng;
        // Per region, per size: that day's sales.
        let mut by: std::collections::BTreeMap<(usize, usize), Vec<Sale>> = Default::default();
        for _ in 0..poisson(self.rate, rng) {
            let Some(region) = region_of(rng) else {
                continue;
            };
            let Some(r) = regions.iter().position(|x| *x == region) else {
                continue;
            };
            let mut pick = rng.unit() * self.total_weight;
            let mut size = run.len() - 1;
            for (k, w) in self.weights.iter().enumerate() {
                if pick < *w {
                    size = k;
                    break;
                }
                pick -= w;
            }
            let at = day_start + ChronoDuration::seconds(rng.below(86_400) as i64);
            let price = (price_minor as f64 * (0.85 + rng.unit() * 0.3)).round() as i64;
            by.entry((r, size)).or_default().push(Sale {
                purchased_at: at,
                price_minor: price.max(1_000),
                consigned: false,
            });
        }
        let mut inserted = 0;
        for (r, region) in regions.iter().enumerate() {
            let pages: Vec<SalesPage> = by
                .range((r, 0)..(r + 1, 0))
                .map(|((_, size), sales)| SalesPage {
                    marketplace: Marketplace::Alias,
                    external_product_id: format!("alias-{product_id}"),
                    size: run[*size].1.to_string(),
                    region: *region,
                    currency: Currency::USD,
                    sales: sales.clone(),
                    skipped: SalesSkipped::default(),
                    fetched_at: until,
                })
                .collect();
            if pages.is_empty() {
                continue;
            }
            let sized: Vec<SizeSales> = by
                .range((r, 0)..(r + 1, 0))
                .zip(&pages)
                .map(|(((_, size), _), page)| SizeSales {
                    variant_id: run[*size].0,
                    page,
                })
                .collect();
            let w = write_sales(
                c,
                product_id,
                Marketplace::Alias,
                *region,
                &sized,
                retain_from,
            )
            .await?;
            self.totals.received += w.received;
            self.totals.inserted += w.inserted;
            inserted += w.inserted;
        }
        // The inventory and the page read a product's sales only once its sales were fetched.
        finish_walk(
            c,
            product_id,
            true,
            &WalkEnd::Complete {
                due_in_secs: 86_400.0,
            },
            &serde_json::json!({ "received": self.totals.received, "inserted": self.totals.inserted }),
        )
        .await?;
        Ok(inserted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_the_measured_table() {
        // The median of the real data is 3.83 sales a day.
        assert!((quantile(&RATE_QUANTILES, 500.0) - 3_830.0).abs() < 1e-9);
        assert!((quantile(&RATE_QUANTILES, 1_000.0) - 123_250.0).abs() < 1e-9);
    }

    #[test]
    fn poisson_draws_average_their_mean() {
        let mut rng = Rng(7);
        let n = 20_000;
        for mean in [0.5, 4.0, 60.0] {
            let sum: u64 = (0..n).map(|_| u64::from(poisson(mean, &mut rng))).sum();
            let avg = sum as f64 / n as f64;
            assert!((avg - mean).abs() < mean * 0.05 + 0.02, "{mean}: {avg}");
        }
    }
}
