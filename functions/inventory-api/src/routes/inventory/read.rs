//! Decoding the inventory's two reads: `sql/inventory_read.sql` (items, products, their size runs)
//! and `sql/inventory_quotes.sql` (prices and sales of the matched sizes). The small sets arrive as
//! JSON, the size runs and prices as one binary array per column (thousands of rows for a large
//! inventory: PostgreSQL's binary arrays cost neither side any text printing or parsing).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use postgres_types::Json;
use rust_decimal::Decimal;
use shared::core::sizes::matching::RunSize;
use shared::valuation::fx::FxRow;
use shared::valuation::seller::ProfileRow;
use tokio_postgres::Row;

use super::rows::{ItemRow, ProductRow};
use super::sales::SizeSalesRow;
use crate::ApiError;

/// A size's latest quote on one marketplace in the requested market.
#[derive(Debug)]
pub(super) struct PriceRow {
    pub(super) variant_id: i32,
    pub(super) marketplace_id: i16,
    pub(super) currency: String,
    pub(super) ask_minor: Option<i64>,
    pub(super) bid_minor: Option<i64>,
    pub(super) last_sale_minor: Option<i64>,
    pub(super) observed_at: DateTime<Utc>,
    pub(super) changed_at: DateTime<Utc>,
}

#[derive(Debug)]
pub(super) struct ReadRow {
    pub(super) profile: Option<ProfileRow>,
    /// The market the price and sales rows were read for.
    pub(super) market: String,
    pub(super) items: Vec<ItemRow>,
    pub(super) products: Vec<ProductRow>,
    /// The sizes of the owned products whose runs were read (those not held in memory or whose
    /// version moved), with their product id; `attach_runs` takes them.
    pub(super) read_runs: Vec<(i32, RunSize)>,
    pub(super) fx: Vec<FxRow>,
    /// When each product was last observed on each marketplace in the requested market.
    observed: HashMap<(i32, i16), DateTime<Utc>>,
    /// Products observed in another market.
    observed_elsewhere: Vec<i32>,
    /// Each size's product (from the runs, `attach_runs`).
    product_of: HashMap<i32, i32>,
}

/// The second read: the matched sizes' prices and sales.
#[derive(Debug)]
pub(super) struct QuotesRow {
    pub(super) prices: Vec<PriceRow>,
    pub(super) size_sales: Vec<SizeSalesRow>,
}

impl ReadRow {
    pub(super) fn from_row(row: &Row) -> Result<ReadRow, ApiError> {
        let Json(items) = row.try_get("items")?;
        let Json(products) = row.try_get("products")?;
        let Json(fx) = row.try_get("fx")?;
        let profile: Option<Json<ProfileRow>> = row.try_get("profile")?;
        Ok(ReadRow {
            profile: profile.map(|Json(p)| p),
            market: row.try_get("market")?,
            items,
            products,
            product_of: HashMap::new(),
            read_runs: variants(row)?,
            fx,
            observed: observations(row)?,
            observed_elsewhere: row.try_get("elsewhere")?,
        })
    }

    /// Records which product each size of `runs` (every owned product's run) belongs to.
    pub(super) fn attach_runs(&mut self, runs: &HashMap<i32, std::sync::Arc<[RunSize]>>) {
        self.product_of = runs
            .iter()
            .flat_map(|(p, run)| run.iter().map(move |s| (s.id, *p)))
            .collect();
    }

    /// The product a size belongs to.
    pub(super) fn product_of(&self, variant_id: i32) -> Option<i32> {
        self.product_of.get(&variant_id).copied()
    }

    /// Products synced in another market and not in the requested one (`region_not_synced`).
    pub(super) fn synced_elsewhere(&self) -> HashSet<i32> {
        let here: HashSet<i32> = self.observed.keys().map(|(p, _)| *p).collect();
        self.observed_elsewhere
            .iter()
            .copied()
            .filter(|p| !here.contains(p))
            .collect()
    }

    /// Decodes the second read's row, each price observed at the later of its own time and its
    /// product's observation time.
    pub(super) fn quotes(&self, row: &Row) -> Result<QuotesRow, ApiError> {
        let Json(size_sales) = row.try_get("size_sales")?;
        Ok(QuotesRow {
            prices: prices(row, &self.product_of, &self.observed)?,
            size_sales,
        })
    }
}

/// The common length of a set's column arrays (they come from one `array_agg` pass each).
fn common_len<const N: usize>(lens: [usize; N]) -> Result<usize, ApiError> {
    if lens.iter().all(|l| *l == lens[0]) {
        Ok(lens[0])
    } else {
        Err(ApiError::Decode(format!(
            "column arrays of unequal length {lens:?}"
        )))
    }
}

fn variants(row: &Row) -> Result<Vec<(i32, RunSize)>, ApiError> {
    let id: Vec<i32> = row.try_get("v_id")?;
    let product: Vec<i32> = row.try_get("v_product")?;
    let system: Vec<String> = row.try_get("v_system")?;
    let value: Vec<i32> = row.try_get("v_value")?;
    let us_m: Vec<Option<i32>> = row.try_get("v_us_m")?;
    let us_w: Vec<Option<i32>> = row.try_get("v_us_w")?;
    let uk: Vec<Option<i32>> = row.try_get("v_uk")?;
    let eu: Vec<Option<i32>> = row.try_get("v_eu")?;
    let standard: Vec<bool> = row.try_get("v_standard")?;
    let n = common_len([
        id.len(),
        product.len(),
        system.len(),
        value.len(),
        us_m.len(),
        us_w.len(),
        uk.len(),
        eu.len(),
        standard.len(),
    ])?;
    // Hundredths to the decimal size, normalised (9.00 is 9: the matcher compares values).
    let size = |h: i32| Decimal::new(i64::from(h), 2).normalize();
    Ok((0..n)
        .map(|i| {
            let run_size = RunSize {
                id: id[i],
                system: system[i].parse().ok(),
                value: Some(size(value[i])),
                us_m: us_m[i].map(size),
                us_w: us_w[i].map(size),
                uk: uk[i].map(size),
                eu: eu[i].map(size),
                from_standard_run: standard[i],
            };
            (product[i], run_size)
        })
        .collect())
}

/// When each owned product was last observed on each marketplace in the requested market.
fn observations(row: &Row) -> Result<HashMap<(i32, i16), DateTime<Utc>>, ApiError> {
    let product: Vec<i32> = row.try_get("o_product")?;
    let marketplace: Vec<i16> = row.try_get("o_marketplace")?;
    let observed_at: Vec<DateTime<Utc>> = row.try_get("o_observed_at")?;
    let n = common_len([product.len(), marketplace.len(), observed_at.len()])?;
    Ok((0..n)
        .map(|i| ((product[i], marketplace[i]), observed_at[i]))
        .collect())
}

/// The prices, each observed at the later of its own time and its product's observation time
/// (rows are rewritten only when a value changes; an unchanged price was confirmed since).
fn prices(
    row: &Row,
    product_of: &HashMap<i32, i32>,
    observed: &HashMap<(i32, i16), DateTime<Utc>>,
) -> Result<Vec<PriceRow>, ApiError> {
    let variant: Vec<i32> = row.try_get("p_variant")?;
    let marketplace: Vec<i16> = row.try_get("p_marketplace")?;
    let currency: Vec<String> = row.try_get("p_currency")?;
    let ask: Vec<Option<i64>> = row.try_get("p_ask")?;
    let bid: Vec<Option<i64>> = row.try_get("p_bid")?;
    let last_sale: Vec<Option<i64>> = row.try_get("p_last_sale")?;
    let observed_at: Vec<DateTime<Utc>> = row.try_get("p_observed_at")?;
    let changed_at: Vec<DateTime<Utc>> = row.try_get("p_changed_at")?;
    common_len([
        variant.len(),
        marketplace.len(),
        currency.len(),
        ask.len(),
        bid.len(),
        last_sale.len(),
        observed_at.len(),
        changed_at.len(),
    ])?;
    Ok(currency
        .into_iter()
        .enumerate()
        .map(|(i, currency)| {
            let product_observed = product_of
                .get(&variant[i])
                .and_then(|p| observed.get(&(*p, marketplace[i])));
            PriceRow {
                variant_id: variant[i],
                marketplace_id: marketplace[i],
                currency,
                ask_minor: ask[i],
                bid_minor: bid[i],
                last_sale_minor: last_sale[i],
                observed_at: product_observed.map_or(observed_at[i], |o| (*o).max(observed_at[i])),
                changed_at: changed_at[i],
            }
        })
        .collect())
}
