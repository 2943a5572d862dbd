//! Sync tiers and their cadences: the one place they are defined. The planner schedules by them,
//! the APIs report data older than its tier's cadence as `stale` and size their cache headers by
//! them, so changing `SYNC_HOT_HOURS` moves all three together.
//!
//! Defaults: hot products every 6 h, warm every 24 h, cold every 7 days.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::core::config::{parsed, ConfigError};

/// The longest a price counts as live (hours), whatever its tier's cadence.
pub const LIVE_CAP_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Hot,
    Warm,
    Cold,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Hot, Tier::Warm, Tier::Cold];

    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "hot" => Some(Tier::Hot),
            "warm" => Some(Tier::Warm),
            "cold" => Some(Tier::Cold),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Tier::Hot => "hot",
            Tier::Warm => "warm",
            Tier::Cold => "cold",
        }
    }
}

/// How often each tier is synced, and what "recently viewed" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadences {
    pub hot: StdDuration,
    pub warm: StdDuration,
    pub cold: StdDuration,
    pub hot_view_window: StdDuration,
    /// At most this many products are hot for being viewed (the most recently viewed); owned
    /// products are hot regardless. Bounds what page views alone can cost in StockX calls.
    pub hot_view_max: i64,
}

impl Default for Cadences {
    fn default() -> Self {
        Cadences {
            hot: StdDuration::from_secs(6 * 3600),
            warm: StdDuration::from_secs(24 * 3600),
            cold: StdDuration::from_secs(7 * 24 * 3600),
            hot_view_window: StdDuration::from_secs(48 * 3600),
            hot_view_max: 200,
        }
    }
}

impl Cadences {
    /// `SYNC_HOT_HOURS`, `SYNC_WARM_HOURS`, `SYNC_COLD_HOURS`, `SYNC_HOT_VIEW_HOURS`,
    /// `SYNC_HOT_VIEW_MAX`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = Cadences::default();
        let hours = |name: &str, default: StdDuration| -> Result<StdDuration, ConfigError> {
            let h: f64 = parsed(name, default.as_secs_f64() / 3600.0)?;
            if !(h > 0.0 && h <= 24.0 * 366.0) {
                return Err(ConfigError {
                    name: name.into(),
                    message: format!("must be between 0 and 8784 hours, got {h}"),
                });
            }
            Ok(StdDuration::from_secs_f64(h * 3600.0))
        };
        Ok(Cadences {
            hot: hours("SYNC_HOT_HOURS", d.hot)?,
            warm: hours("SYNC_WARM_HOURS", d.warm)?,
            cold: hours("SYNC_COLD_HOURS", d.cold)?,
            hot_view_window: hours("SYNC_HOT_VIEW_HOURS", d.hot_view_window)?,
            hot_view_max: parsed("SYNC_HOT_VIEW_MAX", d.hot_view_max)?.max(0),
        })
    }

    pub fn for_tier(&self, tier: &str) -> StdDuration {
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

    /// How often `tier` is synced.
    pub fn cadence_of(&self, tier: Tier) -> StdDuration {
        self.for_tier(tier.code())
    }

    /// How often `tier` is synced, for time arithmetic.
    pub fn cadence(&self, tier: Tier) -> Duration {
        Duration::from_std(self.cadence_of(tier)).unwrap_or(Duration::MAX)
    }

    /// Stale when never synced or synced longer ago than the tier's cadence.
    pub fn is_stale(
        &self,
        tier: Tier,
        last_synced: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        match last_synced {
            None => true,
            Some(t) => now - t > self.cadence(tier),
        }
    }

    /// Whether a price observed at `observed` still counts as live for an item of `tier`: within
    /// the tier's cadence and never older than [`LIVE_CAP_HOURS`]. A cold product is synced weekly,
    /// but a week-old ask is not what a seller would call live.
    pub fn is_live(&self, tier: Tier, observed: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        let window = self.cadence(tier).min(Duration::hours(LIVE_CAP_HOURS));
        observed.is_some_and(|t| now - t <= window)
    }

    /// Seconds a shared cache may keep a page built from data synced at `last_synced`: until the
    /// next sync is due, between 30 s and 5 min; 60 s when already stale (a sync may land any time).
    pub fn cache_seconds(
        &self,
        tier: Tier,
        last_synced: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> u32 {
        match last_synced {
            Some(t) if !self.is_stale(tier, Some(t), now) => {
                let left = (t + self.cadence(tier) - now).num_seconds();
                left.clamp(30, 300) as u32
            }
            _ => 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness_by_tier() {
        let c = Cadences::default();
        let now = Utc::now();
        assert!(c.is_stale(Tier::Hot, None, now));
        assert!(!c.is_stale(Tier::Hot, Some(now - Duration::hours(5)), now));
        assert!(c.is_stale(Tier::Hot, Some(now - Duration::hours(7)), now));
        assert!(!c.is_stale(Tier::Warm, Some(now - Duration::hours(7)), now));
        assert!(c.is_stale(Tier::Warm, Some(now - Duration::hours(25)), now));
        assert!(!c.is_stale(Tier::Cold, Some(now - Duration::days(6)), now));
        assert!(c.is_stale(Tier::Cold, Some(now - Duration::days(8)), now));
        assert_eq!(c.cache_seconds(Tier::Hot, Some(now), now), 300);
        assert_eq!(
            c.cache_seconds(Tier::Hot, Some(now - Duration::seconds(21_590)), now),
            30
        );
        assert_eq!(c.cache_seconds(Tier::Hot, None, now), 60);
    }

    #[test]
    fn a_longer_hot_cadence_moves_staleness_and_cache_lifetime() {
        let c = Cadences {
            hot: StdDuration::from_secs(12 * 3600),
            ..Cadences::default()
        };
        let now = Utc::now();
        assert!(!c.is_stale(Tier::Hot, Some(now - Duration::hours(7)), now));
        assert!(c.is_stale(Tier::Hot, Some(now - Duration::hours(13)), now));
        assert_eq!(
            c.cache_seconds(Tier::Hot, Some(now - Duration::hours(7)), now),
            300
        );
    }
}
