//! The sync write path: everything one product's marketplace call produced goes into the database
//! in one transaction, with set-based statements (arrays + UNNEST), never a row at a time.
//!
//! Idempotency: a snapshot is identified by its observation time. Writing the same snapshot twice
//! changes nothing (latest rows only move forward in time, history rows are keyed by capture time,
//! the product's daily row remembers the last observation it holds). A new observation with unchanged
//! values writes no history and no latest row; it only advances the observation bookkeeping.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::domain::Marketplace;
use crate::marketplaces::snapshot::{MarketSnapshot, MarketplaceVariant};

/// Row counts from one snapshot write.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotWrite {
    /// Mapped sizes of the product on this marketplace. A size absent from the response has no
    /// asks, bids or sales there, so it is written as no data.
    pub sizes: i64,
    /// Sizes whose ask, bid or last sale differ from the latest stored values.
    pub changed: i64,
    pub latest_written: i64,
    pub history_written: i64,
    /// Product-level daily series rows written (0 or 1).
    pub daily_written: i64,
    /// Quotes whose variant id is not linked to any of our sizes.
    pub unmapped: i64,
    /// Latest prices removed because their size is no longer linked on this marketplace.
    pub unlinked_cleared: i64,
}

impl SnapshotWrite {
    pub fn rows_written(&self) -> i64 {
        self.latest_written + self.history_written + self.daily_written
    }
}

/// Writes one product-level snapshot: latest prices where changed, changed observations to history,
/// the product's day in the long series, and the product x marketplace x region observation time.
pub async fn write_snapshot<C: GenericClient>(
    c: &C,
    product_id: i32,
    snapshot: &MarketSnapshot,
) -> Result<SnapshotWrite, tokio_postgres::Error> {
    let ext: Vec<&str> = snapshot
        .quotes
        .iter()
        .map(|q| q.external_variant_id.as_str())
        .collect();
    let ask: Vec<Option<i64>> = snapshot.quotes.iter().map(|q| q.lowest_ask).collect();
    let bid: Vec<Option<i64>> = snapshot.quotes.iter().map(|q| q.highest_bid).collect();
    let last: Vec<Option<i64>> = snapshot.quotes.iter().map(|q| q.last_sale).collect();
    let marketplace = snapshot.marketplace.id();
    let region = snapshot.region.code();
    let currency = snapshot.currency.code();
    let observed: DateTime<Utc> = snapshot.observed_at;

    let row = c
        .query_typed(
            "WITH q AS (
               SELECT DISTINCT ON (ext) ext, ask, bid, last
               FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[]) AS q(ext, ask, bid, last)
               ORDER BY ext
             ), mapped AS (
               SELECT vl.variant_id, vl.external_variant_id AS ext, q.ask, q.bid, q.last
               FROM market.variant_links vl
               JOIN market.size_variants sv ON sv.id = vl.variant_id
               LEFT JOIN q ON q.ext = vl.external_variant_id
               WHERE sv.product_id = $5 AND vl.marketplace_id = $6
             ), changed AS (
               SELECT m.variant_id, m.ask, m.bid, m.last,
                      CASE WHEN lp.variant_id IS NOT NULL AND m.last IS DISTINCT FROM lp.last_sale_minor
                           THEN m.last END AS new_sale
               FROM mapped m
               LEFT JOIN market.latest_prices lp
                 ON lp.variant_id = m.variant_id AND lp.marketplace_id = $6 AND lp.region = $7
               WHERE (lp.variant_id IS NULL AND (m.ask IS NOT NULL OR m.bid IS NOT NULL OR m.last IS NOT NULL))
                  OR (lp.variant_id IS NOT NULL AND lp.observed_at < $9
                      AND (lp.ask_minor, lp.bid_minor, lp.last_sale_minor, lp.currency)
                          IS DISTINCT FROM (m.ask, m.bid, m.last, $8))
             ), latest AS (
               INSERT INTO market.latest_prices AS lp
                 (variant_id, marketplace_id, region, currency, ask_minor, bid_minor, last_sale_minor, observed_at, changed_at)
               SELECT variant_id, $6, $7, $8, ask, bid, last, $9, $9 FROM changed
               ON CONFLICT (variant_id, marketplace_id, region) DO UPDATE SET
                 currency = EXCLUDED.currency, ask_minor = EXCLUDED.ask_minor, bid_minor = EXCLUDED.bid_minor,
                 last_sale_minor = EXCLUDED.last_sale_minor, observed_at = EXCLUDED.observed_at,
                 changed_at = EXCLUDED.changed_at
               WHERE lp.observed_at < EXCLUDED.observed_at
               RETURNING 1
             ), unlinked AS (
               -- A size whose link to this marketplace is gone (remapped, or the marketplace
               -- dropped it) has no price here any more: its old row would otherwise be shown
               -- forever, with the product's fresh observation time.
               DELETE FROM market.latest_prices lp
               USING market.size_variants sv
               WHERE lp.variant_id = sv.id AND sv.product_id = $5
                 AND lp.marketplace_id = $6 AND lp.region = $7 AND lp.observed_at < $9
                 AND NOT EXISTS (SELECT 1 FROM market.variant_links vl
                                 WHERE vl.variant_id = lp.variant_id AND vl.marketplace_id = $6)
               RETURNING 1
             ), history AS (
               INSERT INTO market.price_history
                 (variant_id, marketplace_id, region, captured_at, currency, ask_minor, bid_minor, last_sale_minor)
               SELECT variant_id, $6, $7, $9, $8, ask, bid, last FROM changed
               ON CONFLICT DO NOTHING
               RETURNING 1
             ), daily AS (
               -- The product's day in the long series (`market.product_daily`, one row per month,
               -- element d = day d): the lowest ask and highest bid over its sizes as of this
               -- observation (later observations of the day overwrite them, so the day keeps its
               -- close), and a sale when a size's last sale changed since the previous observation
               -- (the median when several did: which of them came last is not known).
               INSERT INTO market.product_daily AS d
                 (observed_at, month, product_id, marketplace_id, region, currency, ask_minor, bid_minor, last_sale_minor)
               SELECT $9, date_trunc('month', $9 AT TIME ZONE 'UTC')::date, $5, $6, $7, $8,
                      array_fill(NULL::int, ARRAY[s.dom - 1]) || s.ask,
                      array_fill(NULL::int, ARRAY[s.dom - 1]) || s.bid,
                      array_fill(NULL::int, ARRAY[s.dom - 1]) || s.sale
               FROM (
                 SELECT extract(day FROM $9 AT TIME ZONE 'UTC')::int AS dom,
                        -- int4 holds 21 million in major units; a larger quote is no data here.
                        (SELECT min(m.ask) FILTER (WHERE m.ask <= 2147483647) FROM mapped m)::int AS ask,
                        (SELECT max(m.bid) FILTER (WHERE m.bid <= 2147483647) FROM mapped m)::int AS bid,
                        (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY c.new_sale)
                         FROM changed c WHERE c.new_sale <= 2147483647)::int AS sale
                 WHERE EXISTS (SELECT 1 FROM mapped)
               ) s
               ON CONFLICT (product_id, marketplace_id, region, month, currency) DO UPDATE SET
                 observed_at = EXCLUDED.observed_at,
                 ask_minor[cardinality(EXCLUDED.ask_minor)] = EXCLUDED.ask_minor[cardinality(EXCLUDED.ask_minor)],
                 bid_minor[cardinality(EXCLUDED.bid_minor)] = EXCLUDED.bid_minor[cardinality(EXCLUDED.bid_minor)],
                 last_sale_minor[cardinality(EXCLUDED.last_sale_minor)] = coalesce(
                   EXCLUDED.last_sale_minor[cardinality(EXCLUDED.last_sale_minor)],
                   d.last_sale_minor[cardinality(EXCLUDED.last_sale_minor)])
               WHERE d.observed_at < EXCLUDED.observed_at
               RETURNING 1
             ), observation AS (
               INSERT INTO market.market_observations AS o
                 (product_id, marketplace_id, region, currency, observed_at, sizes_reported, sizes_unmapped)
               VALUES ($5, $6, $7, $8, $9, cardinality($1::text[]),
                       (SELECT count(*) FROM q WHERE NOT EXISTS (SELECT 1 FROM mapped m WHERE m.ext = q.ext)))
               ON CONFLICT (product_id, marketplace_id, region) DO UPDATE SET
                 currency = EXCLUDED.currency, observed_at = EXCLUDED.observed_at,
                 sizes_reported = EXCLUDED.sizes_reported, sizes_unmapped = EXCLUDED.sizes_unmapped
               WHERE o.observed_at < EXCLUDED.observed_at
               RETURNING sizes_unmapped
             )
             SELECT (SELECT count(*) FROM mapped),
                    (SELECT count(*) FROM changed),
                    (SELECT count(*) FROM latest),
                    (SELECT count(*) FROM history),
                    (SELECT count(*) FROM daily),
                    coalesce((SELECT sizes_unmapped FROM observation), 0)::int8,
                    (SELECT count(*) FROM unlinked)",
            &[
                (&ext, Type::TEXT_ARRAY),
                (&ask, Type::INT8_ARRAY),
                (&bid, Type::INT8_ARRAY),
                (&last, Type::INT8_ARRAY),
                (&product_id, Type::INT4),
                (&marketplace, Type::INT2),
                (&region, Type::TEXT),
                (&currency, Type::TEXT),
                (&observed, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    let r = &row[0];
    Ok(SnapshotWrite {
        sizes: r.get(0),
        changed: r.get(1),
        latest_written: r.get(2),
        history_written: r.get(3),
        daily_written: r.get(4),
        unmapped: r.get(5),
        unlinked_cleared: r.get(6),
    })
}

/// Counts from storing a marketplace's sizes for a product.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VariantsWrite {
    pub linked: i64,
    pub unmapped: i64,
    pub standard_sizes_removed: i64,
}

/// Records a successful sync of one product on one marketplace: the link and the product are
/// synced as of `at` and due again one `cadence` later, failure counters cleared. Runs in the
/// caller's transaction, after the snapshots (row locks on the link and the product row, which a
/// page view's "viewed" update also takes).
pub async fn mark_synced<C: GenericClient>(
    c: &C,
    product_id: i32,
    marketplace: Marketplace,
    at: DateTime<Utc>,
    cadence: std::time::Duration,
) -> Result<(), tokio_postgres::Error> {
    let secs = cadence.as_secs_f64();
    let mp = marketplace.id();
    c.query_typed(
        "WITH l AS (
           UPDATE market.marketplace_links SET last_synced_at = $3,
             next_due_at = $3 + make_interval(secs => $4), consecutive_failures = 0,
             last_error_kind = NULL, last_error = NULL, updated_at = now()
           WHERE product_id = $1 AND marketplace_id = $2
           RETURNING 1
         )
         UPDATE market.products SET last_synced_at = greatest(last_synced_at, $3),
           next_due_at = $3 + make_interval(secs => $4), sync_failures = 0
         WHERE id = $1",
        &[
            (&product_id, Type::INT4),
            (&mp, Type::INT2),
            (&at, Type::TIMESTAMPTZ),
            (&secs, Type::FLOAT8),
        ],
    )
    .await?;
    Ok(())
}

/// Stores the sizes a marketplace sells a product in: creates or updates our size variants (the
/// marketplace's size chart conversions win over the fallback table), links them to the
/// marketplace's variant ids, records unmappable sizes on the link, and removes standard-run
/// placeholder sizes that no marketplace sells and that hold no prices.
pub async fn write_variants<C: GenericClient>(
    c: &C,
    product_id: i32,
    marketplace: Marketplace,
    variants: &[MarketplaceVariant],
    mapped_at: DateTime<Utc>,
) -> Result<VariantsWrite, tokio_postgres::Error> {
    let mappable: Vec<&MarketplaceVariant> = variants
        .iter()
        .filter(|v| v.system.is_some() && v.value.is_some())
        .collect();
    let unmapped: Vec<serde_json::Value> = variants
        .iter()
        .filter(|v| v.system.is_none() || v.value.is_none())
        .map(|v| json!({"external_variant_id": v.external_variant_id, "label": v.label}))
        .collect();
    let ext: Vec<&str> = mappable
        .iter()
        .map(|v| v.external_variant_id.as_str())
        .collect();
    let label: Vec<&str> = mappable.iter().map(|v| v.label.as_str()).collect();
    let system: Vec<&str> = mappable
        .iter()
        .map(|v| v.system.map(|s| s.code()).unwrap_or_default())
        .collect();
    let value: Vec<Decimal> = mappable
        .iter()
        .map(|v| v.value.unwrap_or_default())
        .collect();
    let us_m: Vec<Option<Decimal>> = mappable.iter().map(|v| v.us_m).collect();
    let us_w: Vec<Option<Decimal>> = mappable.iter().map(|v| v.us_w).collect();
    let uk: Vec<Option<Decimal>> = mappable.iter().map(|v| v.uk).collect();
    let eu: Vec<Option<Decimal>> = mappable.iter().map(|v| v.eu).collect();
    let cm: Vec<Option<Decimal>> = mappable.iter().map(|v| v.cm).collect();
    let unmapped_json = serde_json::Value::Array(unmapped);
    let mp = marketplace.id();
    let source = marketplace.code();

    let row = c
        .query_typed(
            "WITH input AS (
               SELECT DISTINCT ON (size_system, size_value) *
               FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[],
                           $7::numeric[], $8::numeric[], $9::numeric[])
                 AS t(ext, label, size_system, size_value, us_m, us_w, uk, eu, cm)
               ORDER BY size_system, size_value, ext
             ), sizes AS (
               INSERT INTO market.size_variants AS v
                 (product_id, size_system, size_value, us_m, us_w, uk, eu, cm, source)
               SELECT $10, size_system, size_value, us_m, us_w, uk, eu, cm, $12 FROM input
               ON CONFLICT (product_id, size_system, size_value) DO UPDATE SET
                 us_m = coalesce(EXCLUDED.us_m, v.us_m), us_w = coalesce(EXCLUDED.us_w, v.us_w),
                 uk = coalesce(EXCLUDED.uk, v.uk), eu = coalesce(EXCLUDED.eu, v.eu), cm = coalesce(EXCLUDED.cm, v.cm),
                 source = CASE WHEN v.source = 'standard_run' THEN EXCLUDED.source ELSE v.source END
               RETURNING v.id, v.size_system, v.size_value
             ), links AS (
               INSERT INTO market.variant_links AS l (variant_id, marketplace_id, external_variant_id, size_label)
               SELECT s.id, $11, i.ext, i.label
               FROM sizes s JOIN input i ON i.size_system = s.size_system AND i.size_value = s.size_value
               ON CONFLICT (variant_id, marketplace_id) DO UPDATE SET
                 external_variant_id = EXCLUDED.external_variant_id, size_label = EXCLUDED.size_label
               RETURNING l.variant_id
             ), stale_links AS (
               -- sizes this marketplace no longer lists for the product
               DELETE FROM market.variant_links l
               USING market.size_variants v
               WHERE l.variant_id = v.id AND v.product_id = $10 AND l.marketplace_id = $11
                 AND cardinality($1::text[]) > 0
                 AND NOT EXISTS (SELECT 1 FROM sizes s WHERE s.id = l.variant_id)
               RETURNING l.variant_id
             ), placeholders AS (
               DELETE FROM market.size_variants v
               WHERE v.product_id = $10 AND v.source = 'standard_run' AND cardinality($1::text[]) > 0
                 AND NOT EXISTS (SELECT 1 FROM sizes s WHERE s.id = v.id)
                 AND NOT EXISTS (SELECT 1 FROM market.variant_links l WHERE l.variant_id = v.id)
                 AND NOT EXISTS (SELECT 1 FROM market.latest_prices p WHERE p.variant_id = v.id)
               RETURNING 1
             ), link AS (
               UPDATE market.marketplace_links SET
                 unmapped_sizes = $13, variants_mapped_at = $14, updated_at = now()
               WHERE product_id = $10 AND marketplace_id = $11
               RETURNING 1
             )
             SELECT (SELECT count(*) FROM links), (SELECT count(*) FROM placeholders),
                    (SELECT count(*) FROM link), (SELECT count(*) FROM stale_links)",
            &[
                (&ext, Type::TEXT_ARRAY),
                (&label, Type::TEXT_ARRAY),
                (&system, Type::TEXT_ARRAY),
                (&value, Type::NUMERIC_ARRAY),
                (&us_m, Type::NUMERIC_ARRAY),
                (&us_w, Type::NUMERIC_ARRAY),
                (&uk, Type::NUMERIC_ARRAY),
                (&eu, Type::NUMERIC_ARRAY),
                (&cm, Type::NUMERIC_ARRAY),
                (&product_id, Type::INT4),
                (&mp, Type::INT2),
                (&source, Type::TEXT),
                (&unmapped_json, Type::JSONB),
                (&mapped_at, Type::TIMESTAMPTZ),
            ],
        )
        .await?;
    let r = &row[0];
    Ok(VariantsWrite {
        linked: r.get(0),
        unmapped: (variants.len() - mappable.len()) as i64,
        standard_sizes_removed: r.get(1),
    })
}
