//! How fresh market data is expected to be per sync tier, as the APIs report it.
//!
//! Cadences: hot products every 6 h, warm every 24 h, cold every 7 days. Data older than its tier's
//! cadence is reported `stale`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

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

    pub fn cadence(self) -> Duration {
        match self {
            Tier::Hot => Duration::hours(6),
            Tier::Warm => Duration::hours(24),
            Tier::Cold => Duration::days(7),
        }
    }

    /// Stale when never synced or synced longer ago than the cadence.
    pub fn is_stale(self, last_synced: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match last_synced {
            None => true,
            Some(t) => now - t > self.cadence(),
        }
    }

    /// Seconds a shared cache may keep a page built from data synced at `last_synced`: until the
    /// next sync is due, between 30 s and 5 min; 60 s when already stale (a sync may land any time).
    pub fn cache_seconds(self, last_synced: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u32 {
        match last_synced {
            Some(t) if !self.is_stale(Some(t), now) => {
                let left = (t + self.cadence() - now).num_seconds();
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
        let now = Utc::now();
        assert!(Tier::Hot.is_stale(None, now));
        assert!(!Tier::Hot.is_stale(Some(now - Duration::hours(5)), now));
        assert!(Tier::Hot.is_stale(Some(now - Duration::hours(7)), now));
        assert!(!Tier::Warm.is_stale(Some(now - Duration::hours(7)), now));
        assert!(Tier::Warm.is_stale(Some(now - Duration::hours(25)), now));
        assert!(!Tier::Cold.is_stale(Some(now - Duration::days(6)), now));
        assert!(Tier::Cold.is_stale(Some(now - Duration::days(8)), now));
        assert_eq!(Tier::Hot.cache_seconds(Some(now), now), 300);
        assert_eq!(
            Tier::Hot.cache_seconds(Some(now - Duration::seconds(21_590)), now),
            30
        );
        assert_eq!(Tier::Hot.cache_seconds(None, now), 60);
    }
}
