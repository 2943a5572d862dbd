//! Sync tiers and their cadences. Tiers are recomputed from data on every orchestrator tick:
//! - hot: in any user's inventory (in_stock / consigned), or viewed on a market page recently;
//! - warm: viewed in the last week, or released in the last 90 days;
//! - cold: everything else.

use std::time::Duration;

use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::config::{parsed, ConfigError};

/// How often each tier is synced, and what "recently viewed" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadences {
    pub hot: Duration,
    pub warm: Duration,
    pub cold: Duration,
    pub hot_view_window: Duration,
}

impl Default for Cadences {
    fn default() -> Self {
        Cadences {
            hot: Duration::from_secs(6 * 3600),
            warm: Duration::from_secs(24 * 3600),
            cold: Duration::from_secs(7 * 24 * 3600),
            hot_view_window: Duration::from_secs(48 * 3600),
        }
    }
}

impl Cadences {
    /// `SYNC_HOT_HOURS`, `SYNC_WARM_HOURS`, `SYNC_COLD_HOURS`, `SYNC_HOT_VIEW_HOURS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = Cadences::default();
        let hours = |name: &str, default: Duration| -> Result<Duration, ConfigError> {
            let h: f64 = parsed(name, default.as_secs_f64() / 3600.0)?;
            if !(h > 0.0 && h <= 24.0 * 366.0) {
                return Err(ConfigError {
                    name: name.into(),
                    message: format!("must be between 0 and 8784 hours, got {h}"),
                });
            }
            Ok(Duration::from_secs_f64(h * 3600.0))
        };
        Ok(Cadences {
            hot: hours("SYNC_HOT_HOURS", d.hot)?,
            warm: hours("SYNC_WARM_HOURS", d.warm)?,
            cold: hours("SYNC_COLD_HOURS", d.cold)?,
            hot_view_window: hours("SYNC_HOT_VIEW_HOURS", d.hot_view_window)?,
        })
    }

    pub fn for_tier(&self, tier: &str) -> Duration {
        match tier {
            "hot" => self.hot,
            "warm" => self.warm,
            _ => self.cold,
        }
    }

    /// Seconds, for SQL intervals.
    pub fn secs(&self, tier: &str) -> f64 {
        self.for_tier(tier).as_secs_f64()
    }
}

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
             ), computed AS (
               SELECT p.id,
                      CASE WHEN o.style_code IS NOT NULL
                             OR p.last_viewed_at > now() - make_interval(secs => $1) THEN 'hot'
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
            ],
        )
        .await?;
    Ok(rows[0].get::<_, i64>(0) as u64)
}
