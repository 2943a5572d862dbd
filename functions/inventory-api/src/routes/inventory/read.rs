//! The inventory's first read (`market.inventory_read`: items, products, their size runs, the
//! profile and FX), decoded, and what the handler asks of it. The second round trip's replies are
//! decoded in `replies.rs`. The small sets arrive as JSON; the items, products and size runs as one
//! binary array per column (hundreds to thousands of rows for a large inventory: PostgreSQL's
//! binary arrays cost neither side any text printing or parsing).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use postgres_types::Json;
use rust_decimal::Decimal;
use shared::core::sizes::matching::{RunSize, SizeMatch};
use shared::valuation::fx::FxRow;
use shared::valuation::seller::ProfileRow;
use tokio_postgres::Row;
use uuid::Uuid;

use super::quotes::Stamp;
use super::replies::PriceRow;
use super::rows::{common_len, next, ItemRow, ListingRow, ProductRow};
use crate::ApiError;

#[derive(Debug)]
pub(super) struct ReadRow {
    pub(super) profile: Option<ProfileRow>,
    /// The market the price and sales rows were read for.
    pub(super) market: String,
    pub(super) items: Vec<ItemRow>,
    pub(super) products: Vec<ProductRow>,
    /// The sizes of the owned products whose runs were read (those not held in memory or whose
    /// version moved), with their product id; `runs::resolve` takes them.
    pub(super) read_runs: Vec<(i32, RunSize)>,
    pub(super) fx: Vec<FxRow>,
    /// When each product was last observed on each marketplace in the requested market.
    observed: HashMap<(i32, i16), DateTime<Utc>>,
    /// Products observed in another market and not in this one.
    observed_elsewhere: Vec<i32>,
    /// Each matched size's product (`attach_matches`).
    product_of: HashMap<i32, i32>,
    /// Each style key's product (its position in `products`): the read chose one per key.
    by_key: HashMap<String, usize>,
}

impl ReadRow {
    pub(super) fn from_row(row: &Row) -> Result<ReadRow, ApiError> {
        let items = items(row)?;
        let products = products(row)?;
        let by_key = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.style_key.clone(), i))
            .collect();
        let Json(fx) = row.try_get("fx")?;
        let profile: Option<Json<ProfileRow>> = row.try_get("profile")?;
        Ok(ReadRow {
            profile: profile.map(|Json(p)| p),
            market: row.try_get("market")?,
            items,
            products,
            product_of: HashMap::new(),
            by_key,
            read_runs: variants(row)?,
            fx,
            observed: observations(row)?,
            observed_elsewhere: row.try_get("elsewhere")?,
        })
    }

    /// Records which product each matched size belongs to: the product of the item it matched,
    /// whose run it was matched on. Prices and sales are read for these sizes only.
    pub(super) fn attach_matches(&mut self, matches: &[Option<SizeMatch>]) {
        let product_of = self
            .items
            .iter()
            .zip(matches)
            .filter_map(|(it, m)| Some((m.as_ref()?.variant_id?, self.product_for(&it.key)?.id)))
            .collect();
        self.product_of = product_of;
    }

    /// The product an item's style key resolves to, if any.
    pub(super) fn product_for(&self, key: &str) -> Option<&ProductRow> {
        self.by_key.get(key).map(|i| &self.products[*i])
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

    /// Each owned product's stamp in the requested market (`quotes::Stamp`): its observation
    /// times, and when its sales were last written or walked (`sales_sync.synced_at`).
    pub(super) fn stamps(&self) -> HashMap<i32, Stamp> {
        let mut stamps: HashMap<i32, Stamp> = self
            .products
            .iter()
            .map(|p| {
                let stamp = Stamp {
                    observed: Vec::new(),
                    sales: p.sales_synced_at,
                };
                (p.id, stamp)
            })
            .collect();
        for ((product, marketplace), at) in &self.observed {
            if let Some(s) = stamps.get_mut(product) {
                s.observed.push((*marketplace, *at));
            }
        }
        for s in stamps.values_mut() {
            s.observed.sort_unstable();
        }
        stamps
    }

    /// Each price observed at the later of its own time and its product's observation time
    /// (rows are rewritten only when a value changes; an unchanged price was confirmed since).
    pub(super) fn observe(&self, prices: &mut [PriceRow]) {
        for p in prices {
            let product_observed = self
                .product_of
                .get(&p.variant_id)
                .and_then(|product| self.observed.get(&(*product, p.marketplace_id)));
            if let Some(o) = product_observed {
                p.observed_at = p.observed_at.max(*o);
            }
        }
    }
}

/// The seller's pairs in cursor order (created, then id), each with its active listings (by
/// platform).
fn items(row: &Row) -> Result<Vec<ItemRow>, ApiError> {
    let id: Vec<Uuid> = row.try_get("i_id")?;
    let style_id: Vec<String> = row.try_get("i_style_id")?;
    let size: Vec<String> = row.try_get("i_size")?;
    let size_unit: Vec<String> = row.try_get("i_size_unit")?;
    let purchase_price: Vec<Option<String>> = row.try_get("i_purchase_price")?;
    let purchase_currency: Vec<Option<String>> = row.try_get("i_purchase_currency")?;
    let purchase_date: Vec<Option<NaiveDate>> = row.try_get("i_purchase_date")?;
    let purchase_source: Vec<Option<String>> = row.try_get("i_purchase_source")?;
    let condition: Vec<Option<String>> = row.try_get("i_condition")?;
    let status: Vec<String> = row.try_get("i_status")?;
    let created_at: Vec<DateTime<Utc>> = row.try_get("i_created_at")?;
    let key: Vec<String> = row.try_get("i_key")?;

    let li_item: Vec<Uuid> = row.try_get("li_item")?;
    let li_platform: Vec<String> = row.try_get("li_platform")?;
    let li_price: Vec<String> = row.try_get("li_price")?;
    let li_currency: Vec<String> = row.try_get("li_currency")?;
    common_len([
        li_item.len(),
        li_platform.len(),
        li_price.len(),
        li_currency.len(),
    ])?;
    let mut listings: HashMap<Uuid, Vec<ListingRow>> = HashMap::new();
    for (i, ((platform, price), currency)) in li_platform
        .into_iter()
        .zip(li_price)
        .zip(li_currency)
        .enumerate()
    {
        listings.entry(li_item[i]).or_default().push(ListingRow {
            platform,
            price,
            currency,
        });
    }

    let n = common_len([
        id.len(),
        style_id.len(),
        size.len(),
        size_unit.len(),
        purchase_price.len(),
        purchase_currency.len(),
        purchase_date.len(),
        purchase_source.len(),
        condition.len(),
        status.len(),
        created_at.len(),
        key.len(),
    ])?;
    let mut style_id = style_id.into_iter();
    let mut size = size.into_iter();
    let mut size_unit = size_unit.into_iter();
    let mut purchase_price = purchase_price.into_iter();
    let mut purchase_currency = purchase_currency.into_iter();
    let mut purchase_source = purchase_source.into_iter();
    let mut condition = condition.into_iter();
    let mut status = status.into_iter();
    let mut key = key.into_iter();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut listings = listings.remove(&id[i]).unwrap_or_default();
        listings.sort_by(|a, b| a.platform.cmp(&b.platform));
        out.push(ItemRow {
            id: id[i],
            style_id: next(&mut style_id)?,
            size: next(&mut size)?,
            size_unit: next(&mut size_unit)?,
            purchase_price: next(&mut purchase_price)?,
            purchase_currency: next(&mut purchase_currency)?,
            purchase_date: purchase_date[i],
            purchase_source: next(&mut purchase_source)?,
            condition: next(&mut condition)?,
            status: next(&mut status)?,
            created_at: created_at[i],
            key: next(&mut key)?,
            listings,
        });
    }
    out.sort_by_key(|a| (a.created_at, a.id));
    Ok(out)
}

/// The owned products, one per style key.
fn products(row: &Row) -> Result<Vec<ProductRow>, ApiError> {
    let id: Vec<i32> = row.try_get("p_id")?;
    let style_key: Vec<String> = row.try_get("p_style_key")?;
    let style_code: Vec<String> = row.try_get("p_style_code")?;
    let name: Vec<String> = row.try_get("p_name")?;
    let brand: Vec<String> = row.try_get("p_brand")?;
    let colorway: Vec<Option<String>> = row.try_get("p_colorway")?;
    let image_url: Vec<Option<String>> = row.try_get("p_image_url")?;
    let tier: Vec<String> = row.try_get("p_tier")?;
    let gender: Vec<Option<String>> = row.try_get("p_gender")?;
    let sizes_version: Vec<i64> = row.try_get("p_sizes_version")?;
    let sales_synced_at: Vec<Option<DateTime<Utc>>> = row.try_get("p_sales_synced_at")?;
    let n = common_len([
        id.len(),
        style_key.len(),
        style_code.len(),
        name.len(),
        brand.len(),
        colorway.len(),
        image_url.len(),
        tier.len(),
        gender.len(),
        sizes_version.len(),
        sales_synced_at.len(),
    ])?;
    let mut style_key = style_key.into_iter();
    let mut style_code = style_code.into_iter();
    let mut name = name.into_iter();
    let mut brand = brand.into_iter();
    let mut colorway = colorway.into_iter();
    let mut image_url = image_url.into_iter();
    let mut tier = tier.into_iter();
    let mut gender = gender.into_iter();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(ProductRow {
            id: id[i],
            style_key: next(&mut style_key)?,
            style_code: next(&mut style_code)?,
            name: next(&mut name)?,
            brand: next(&mut brand)?,
            colorway: next(&mut colorway)?,
            image_url: next(&mut image_url)?,
            tier: next(&mut tier)?,
            gender: next(&mut gender)?,
            sizes_version: sizes_version[i],
            sales_synced_at: sales_synced_at[i],
        });
    }
    Ok(out)
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
