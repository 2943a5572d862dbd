//! The sales write path. A sale is stored once under its natural key (variant = catalog + size,
//! marketplace, region, purchased_at, price, consigned), so fetching the same or an overlapping
//! window again inserts nothing. The daily aggregates (per size and per product) are updated in the
//! same statement from the rows the insert actually returned, so they count every stored sale
//! exactly once without re-reading raw sales.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::domain::{Marketplace, Region};
use crate::marketplaces::snapshot::SalesPage;

/// What one region's write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SalesWrite {
    /// Sales the marketplace returned that passed parsing.
    pub received: i64,
    /// Of those, new rows stored.
    pub inserted: i64,
    /// Already stored (an overlapping window): skipped by the natural key.
    pub already_stored: i64,
    /// Older than the raw retention window: not stored.
    pub older_than_retention: i64,
}

/// One size's fetched page, with the variant it belongs to.
pub struct SizeSales<'a> {
    pub variant_id: i32,
    pub page: &'a SalesPage,
}

/// Adds a day's new sales (`excluded`) to the stored per-size aggregate row `d`.
const AGGREGATE: &str = "    sales = d.sales + excluded.sales,
    sum_minor = d.sum_minor + excluded.sum_minor,
    min_minor = least(d.min_minor, excluded.min_minor),
    max_minor = greatest(d.max_minor, excluded.max_minor),
    last_minor = CASE WHEN excluded.last_at >= d.last_at THEN excluded.last_minor ELSE d.last_minor END,
    last_at = greatest(d.last_at, excluded.last_at)";

static WRITE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("
WITH input AS (
  SELECT DISTINCT * FROM unnest($1::int4[], $2::timestamptz[], $3::int4[], $4::bool[])
    AS s(variant_id, purchased_at, price_minor, consigned)
), ins AS (
  INSERT INTO market.sales (purchased_at, variant_id, price_minor, marketplace_id, consigned, region, currency)
  SELECT purchased_at, variant_id, price_minor, $5, consigned, $6, $7 FROM input
  ON CONFLICT DO NOTHING
  RETURNING variant_id, purchased_at, price_minor
), sizes AS (
  INSERT INTO market.sales_daily_sizes AS d
    (last_at, sum_minor, day, variant_id, sales, min_minor, max_minor, last_minor, marketplace_id, region, currency)
  SELECT max(purchased_at), sum(price_minor), (purchased_at AT TIME ZONE 'UTC')::date, variant_id, count(*),
         min(price_minor), max(price_minor), (array_agg(price_minor ORDER BY purchased_at DESC))[1], $5, $6, $7
  FROM ins GROUP BY 3, 4
  ON CONFLICT (variant_id, marketplace_id, region, day) DO UPDATE SET
{AGGREGATE}
  RETURNING 1
), products AS (
  -- The product's days, added to its monthly arrays (`market.add_product_sales_days`, the one
  -- place they are merged).
  SELECT market.add_product_sales_days($8, $5, $6, $7, array_agg(day), array_agg(n), array_agg(total),
           array_agg(lo), array_agg(hi), array_agg(last_at), array_agg(last)) AS written
  FROM (SELECT (purchased_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n,
               sum(price_minor)::int8 AS total, min(price_minor) AS lo, max(price_minor) AS hi,
               max(purchased_at) AS last_at, (array_agg(price_minor ORDER BY purchased_at DESC))[1] AS last
        FROM ins GROUP BY 1) days
  HAVING count(*) > 0
), stamp AS (
  -- The product's sales moved: `synced_at` moves with them, in the same statement, so a reader
  -- that holds its sizes' sales stamped with the old value (inventory-api's `quotes.rs`) reads
  -- them again. A product's first walk has no row yet; it is created when the walk ends.
  UPDATE market.sales_sync SET synced_at = now()
  WHERE product_id = $8 AND EXISTS (SELECT 1 FROM ins)
  RETURNING 1
)
SELECT (SELECT count(*) FROM input), (SELECT count(*) FROM ins),
       (SELECT count(*) FROM sizes) + coalesce((SELECT written FROM products), 0)")
});

/// Stores one region's pages for a product. Sales before `retain_from` are counted, not stored.
pub async fn write_sales<C: GenericClient>(
    c: &C,
    product_id: i32,
    marketplace: Marketplace,
    region: Region,
    pages: &[SizeSales<'_>],
    retain_from: DateTime<Utc>,
) -> Result<SalesWrite, tokio_postgres::Error> {
    let mut w = SalesWrite::default();
    let (mut variants, mut times, mut prices, mut consigned) = (vec![], vec![], vec![], vec![]);
    let mut currency = None;
    for p in pages {
        currency.get_or_insert(p.page.currency.code());
        for s in &p.page.sales {
            w.received += 1;
            // An amount beyond int4 is not a sneaker price: the normalizer rejects far less.
            let Ok(price) = i32::try_from(s.price_minor) else {
                continue;
            };
            if s.purchased_at < retain_from {
                w.older_than_retention += 1;
                continue;
            }
            variants.push(p.variant_id);
            times.push(s.purchased_at);
            prices.push(price);
            consigned.push(s.consigned);
        }
    }
    if variants.is_empty() {
        return Ok(w);
    }
    let currency = currency.unwrap_or("USD");
    let mp = marketplace.id();
    let row = c
        .query_typed(
            &WRITE_SQL,
            &[
                (&variants, Type::INT4_ARRAY),
                (&times, Type::TIMESTAMPTZ_ARRAY),
                (&prices, Type::INT4_ARRAY),
                (&consigned, Type::BOOL_ARRAY),
                (&mp, Type::INT2),
                (&region.code(), Type::TEXT),
                (&currency, Type::TEXT),
                (&product_id, Type::INT4),
            ],
        )
        .await?;
    let distinct: i64 = row[0].get(0);
    w.inserted = row[0].get(1);
    w.already_stored = distinct - w.inserted;
    Ok(w)
}

/// A size to ask for: our variant and the marketplace's pricing size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkSize {
    pub variant_id: i32,
    pub size: String,
}

/// The product's Alias sizes and whether this walk asks every size. Between full walks only
/// sizes with a stored sale in the last `recent_days` (any region) are asked.
pub async fn sizes_to_walk<C: GenericClient>(
    c: &C,
    product_id: i32,
    marketplace: Marketplace,
    full_walk_every_secs: f64,
    recent_days: i32,
) -> Result<(Vec<WalkSize>, bool), tokio_postgres::Error> {
    let rows = c
        .query_typed(
            "WITH state AS (
               SELECT coalesce((SELECT full_walk_at > now() - make_interval(secs => $3)
                                FROM market.sales_sync WHERE product_id = $1), false) AS partial
             )
             SELECT vl.variant_id, vl.external_variant_id, NOT state.partial
             FROM market.variant_links vl
             JOIN market.size_variants sv ON sv.id = vl.variant_id
             CROSS JOIN state
             WHERE sv.product_id = $1 AND vl.marketplace_id = $2
               AND (NOT state.partial OR EXISTS (
                     SELECT 1 FROM market.sales_daily_sizes d
                     WHERE d.variant_id = vl.variant_id AND d.marketplace_id = $2
                       AND d.day >= (now() AT TIME ZONE 'UTC')::date - $4))
             ORDER BY sv.us_m NULLS LAST, sv.size_value, vl.variant_id",
            &[
                (&product_id, Type::INT4),
                (&marketplace.id(), Type::INT2),
                (&full_walk_every_secs, Type::FLOAT8),
                (&recent_days, Type::INT4),
            ],
        )
        .await?;
    let full = match rows.first() {
        Some(r) => r.get(2),
        // No size asked: a partial walk whose sizes all went quiet, or no sizes at all.
        None => false,
    };
    Ok((
        rows.iter()
            .map(|r| WalkSize {
                variant_id: r.get(0),
                size: r.get(1),
            })
            .collect(),
        full,
    ))
}

/// Where an unfinished walk goes on: the region and the first size (variant) not yet asked.
pub async fn resume_point<C: GenericClient>(
    c: &C,
    product_id: i32,
) -> Result<Option<(Region, i32)>, tokio_postgres::Error> {
    let rows = c
        .query_typed(
            "SELECT resume_region, resume_from_variant FROM market.sales_sync
             WHERE product_id = $1 AND resume_region IS NOT NULL AND resume_from_variant IS NOT NULL",
            &[(&product_id, Type::INT4)],
        )
        .await?;
    Ok(rows.first().and_then(|r| {
        let region: String = r.get(0);
        Some((region.parse().ok()?, r.get(1)))
    }))
}

/// How a walk ended.
pub enum WalkEnd {
    /// Every size of every region asked: due again after the product's cadence.
    Complete { due_in_secs: f64 },
    /// The time budget ran out before this region and size: due again at once, going on there.
    Stopped { region: Region, from_variant: i32 },
}

/// Records the walk: when it ran, whether it was full, when the product is due again and, for a
/// walk cut short, where it goes on.
pub async fn finish_walk<C: GenericClient>(
    c: &C,
    product_id: i32,
    full: bool,
    end: &WalkEnd,
    result: &serde_json::Value,
) -> Result<(), tokio_postgres::Error> {
    let (complete, due_in_secs, region, from_variant) = match end {
        WalkEnd::Complete { due_in_secs } => (true, *due_in_secs, None, None),
        WalkEnd::Stopped {
            region,
            from_variant,
        } => (false, 0.0, Some(region.code()), Some(*from_variant)),
    };
    c.query_typed(
        "INSERT INTO market.sales_sync AS s
           (product_id, synced_at, full_walk_at, next_due_at, resume_region, resume_from_variant, last_result)
         VALUES ($1, now(), CASE WHEN $2 AND $3 THEN now() ELSE '-infinity' END,
                 now() + make_interval(secs => $4), $5, $6, $7)
         ON CONFLICT (product_id) DO UPDATE SET
           synced_at = now(),
           full_walk_at = CASE WHEN $2 AND $3 THEN now() ELSE s.full_walk_at END,
           next_due_at = excluded.next_due_at,
           resume_region = excluded.resume_region,
           resume_from_variant = excluded.resume_from_variant,
           last_result = excluded.last_result",
        &[
            (&product_id, Type::INT4),
            (&full, Type::BOOL),
            (&complete, Type::BOOL),
            (&due_in_secs, Type::FLOAT8),
            (&region, Type::TEXT),
            (&from_variant, Type::INT4),
            (result, Type::JSONB),
        ],
    )
    .await?;
    Ok(())
}

/// Housekeeping: raw sales past their retention, aggregates past theirs (the product's months
/// whole, once their last day is past it). Rows a function still on the previous version wrote
/// into the old per-day table during a deploy are first moved into the months
/// (`market.fold_sales_daily`). Returns rows deleted.
pub async fn prune<C: GenericClient>(
    c: &C,
    cfg: &super::SalesConfig,
) -> Result<i64, tokio_postgres::Error> {
    // Its own statement: the prune below deletes from the table the fold writes.
    c.query_typed("SELECT market.fold_sales_daily()", &[])
        .await?;
    let row = c
        .query_typed(
            "WITH raw AS (
               DELETE FROM market.sales WHERE purchased_at < now() - make_interval(days => $1) RETURNING 1
             ), sizes AS (
               DELETE FROM market.sales_daily_sizes
               WHERE day < (now() AT TIME ZONE 'UTC')::date - $3 RETURNING 1
             ), products AS (
               DELETE FROM market.product_sales_daily
               WHERE month < date_trunc('month', (now() AT TIME ZONE 'UTC')::date - $2)::date RETURNING 1
             )
             SELECT (SELECT count(*) FROM raw) + (SELECT count(*) FROM sizes) + (SELECT count(*) FROM products)",
            &[
                (&cfg.retention_days, Type::INT4),
                (&cfg.aggregate_retention_days, Type::INT4),
                (&cfg.size_aggregate_retention_days, Type::INT4),
            ],
        )
        .await?;
    Ok(row[0].get(0))
}
