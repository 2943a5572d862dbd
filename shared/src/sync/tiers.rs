//! Recomputing sync tiers from data (the tiers and their cadences are defined in
//! `core::tier`). Tiers are recomputed from data on every orchestrator tick:
//! - hot: in any user's inventory (in_stock / consigned), or viewed on a market page recently;
//! - warm: viewed in the last week, or released in the last 90 days;
//! - cold: everything else.

use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::tier::Cadences;

/// Recomputes every product's tier; a product promoted to a faster tier becomes due at once if its
/// last sync is older than the new cadence. Returns how many products changed tier.
pub async fn recompute<C: GenericClient>(
    c: &C,
    cadences: &Cadences,
) -> Result<u64, tokio_postgres::Error> {
    let hot_view = cadences.hot_view_window.as_secs_f64();
    let (hot, warm, cold) = (
        cadences.hot.as_secs_f64(),
        cadences.warm.as_secs_f64(),
        cadences.cold.as_secs_f64(),
    );
    let rows = c
        .query_typed(
            "WITH owned AS (
               SELECT DISTINCT market.normalize_style_code(style_id) AS style_code
               FROM market.inventory WHERE status IN ('in_stock', 'consigned')
             ), viewed AS (
               -- Hot for being viewed: the most recently viewed, capped.
               SELECT id FROM market.products
               WHERE last_viewed_at > now() - make_interval(secs => $1)
               ORDER BY last_viewed_at DESC, id
               LIMIT $5
             ), computed AS (
               SELECT p.id,
                      CASE WHEN o.style_code IS NOT NULL
                             OR p.id IN (SELECT id FROM viewed) THEN 'hot'
                           WHEN p.last_viewed_at > now() - interval '7 days'
                             OR p.release_date > (now() AT TIME ZONE 'UTC')::date - 90 THEN 'warm'
                           ELSE 'cold' END AS tier
               FROM market.products p LEFT JOIN owned o ON o.style_code = p.style_code
             ), changed AS (
               UPDATE market.products p SET tier = c.tier, tier_changed_at = now(),
                 next_due_at = least(p.next_due_at, coalesce(p.last_synced_at, now()) + make_interval(secs =>
                   CASE c.tier WHEN 'hot' THEN $2 WHEN 'warm' THEN $3 ELSE $4 END))
               FROM computed c
               WHERE c.id = p.id AND p.tier <> c.tier
               RETURNING p.id, p.tier
             ), links AS (
               UPDATE market.marketplace_links l SET
                 next_due_at = least(l.next_due_at, coalesce(l.last_synced_at, now()) + make_interval(secs =>
                   CASE ch.tier WHEN 'hot' THEN $2 WHEN 'warm' THEN $3 ELSE $4 END))
               FROM changed ch WHERE ch.id = l.product_id
               RETURNING 1
             )
             SELECT count(*) FROM changed",
            &[
                (&hot_view, Type::FLOAT8),
                (&hot, Type::FLOAT8),
                (&warm, Type::FLOAT8),
                (&cold, Type::FLOAT8),
                (&cadences.hot_view_max, Type::INT8),
            ],
        )
        .await?;
    Ok(rows[0].get::<_, i64>(0) as u64)
}
