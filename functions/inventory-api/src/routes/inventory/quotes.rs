//! The matched sizes' quotes (latest prices, last sale, sales volumes), kept in memory per instance
//! between requests.
//!
//! Reading them is most of an inventory request's database time (~13 of ~23 ms for 1,000 pairs:
//! ~2,300 index probes and ~18,000 array elements), while they change only when a sync writes
//! the product. Every entry carries the stamp its product had in the first read of the request
//! that fetched it, and is used only while the product still has that stamp:
//!
//! - prices: the product's observation time on each marketplace in the market
//!   (`market_observations`, written in the same statement as its latest prices, on every sync,
//!   changed or not);
//! - sales: `sales_sync.synced_at`, which every sales write that stores a new sale moves in the
//!   same statement (`shared/src/sync/sales/store.rs`), as does the end of each walk; a size's
//!   72-hour and 30-day volumes also change as its oldest sale in a window leaves it, so an entry
//!   also holds only until then (`volumes_until`, from the same read).
//!
//! The stamp is read in the first statement and the quotes after it, so an entry is never older
//! than its stamp (at worst newer, and then re-read once). `ttl` bounds anything that would change
//! a quote without a sync (an operator's manual fix, a size's last sale pruned after 90 days).
//!
//! Quotes are market data, the same for every seller, so one cache serves every user of the
//! instance; the per-request parts (each price's product observation time, the user's fees)
//! are applied after.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::replies::PriceRow;
use super::sales::SizeSalesRow;

/// Past this many sizes the cache starts over (~0.5 KB each: a few tens of MB at most).
pub(super) const MAX_SIZES: usize = 50_000;

/// How long an entry is trusted without its stamp moving (`INVENTORY_QUOTES_CACHE_SECS`).
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

/// What a product's quotes were read at: see the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Stamp {
    /// The product's observation time per marketplace in the market, by marketplace id.
    pub(super) observed: Vec<(i16, DateTime<Utc>)>,
    /// When its sales were last written or walked; `None`: its sales are not read (never walked).
    pub(super) sales: Option<DateTime<Utc>>,
}

/// One size's quotes in one market.
#[derive(Debug, Clone)]
struct Entry {
    stamp: Stamp,
    fetched: Instant,
    /// When the first of its sales volumes would change with no new sale.
    volumes_until: Option<DateTime<Utc>>,
    prices: Vec<PriceRow>,
    sales: Vec<SizeSalesRow>,
}

#[derive(Debug)]
pub struct QuoteCache {
    ttl: Duration,
    /// Market (region code), then size (variant id).
    entries: Mutex<HashMap<String, HashMap<i32, Entry>>>,
}

impl Default for QuoteCache {
    fn default() -> Self {
        QuoteCache::new(DEFAULT_TTL)
    }
}

/// The sizes a request needs, split into what the cache answered and what must be read.
#[derive(Debug, Default)]
pub(super) struct Lookup {
    pub(super) prices: Vec<PriceRow>,
    pub(super) sales: Vec<SizeSalesRow>,
    /// Sizes to read: their prices, and (`with_sales`) their sales.
    pub(super) missing: Vec<i32>,
    pub(super) missing_with_sales: Vec<i32>,
}

impl QuoteCache {
    /// A cache whose entries are trusted for `ttl` at most; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        QuoteCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `INVENTORY_QUOTES_CACHE_SECS` (default 600; 0 turns the cache off).
    pub fn from_env() -> Result<Self, shared::core::config::ConfigError> {
        let secs =
            shared::core::config::parsed("INVENTORY_QUOTES_CACHE_SECS", DEFAULT_TTL.as_secs())?;
        Ok(QuoteCache::new(Duration::from_secs(secs)))
    }

    /// Sizes held, for tests and the benchmark.
    pub fn len(&self) -> usize {
        self.lock().values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<i32, Entry>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Splits `sizes` (each with its product's stamp now) into held quotes and sizes to read.
    pub(super) fn lookup<'a>(
        &self,
        market: &str,
        sizes: impl IntoIterator<Item = (i32, &'a Stamp)>,
        now: DateTime<Utc>,
    ) -> Lookup {
        let mut out = Lookup::default();
        let entries = self.lock();
        let held = entries.get(market);
        for (variant, stamp) in sizes {
            let entry = held
                .and_then(|h| h.get(&variant))
                .filter(|e| self.holds(e, stamp, now));
            match entry {
                Some(e) => {
                    out.prices.extend(e.prices.iter().cloned());
                    out.sales.extend(e.sales.iter().cloned());
                }
                None => {
                    out.missing.push(variant);
                    if stamp.sales.is_some() {
                        out.missing_with_sales.push(variant);
                    }
                }
            }
        }
        out
    }

    fn holds(&self, e: &Entry, stamp: &Stamp, now: DateTime<Utc>) -> bool {
        e.stamp == *stamp
            && e.fetched.elapsed() < self.ttl
            && e.volumes_until.is_none_or(|until| now < until)
    }

    /// Keeps what was read for the sizes `read` (each with the stamp its product had in the
    /// request's first statement); a size that has no rows is kept as having none.
    pub(super) fn store<'a>(
        &self,
        market: &str,
        read: impl IntoIterator<Item = (i32, &'a Stamp)>,
        prices: &[PriceRow],
        sales: &[SizeSalesRow],
    ) {
        if self.ttl.is_zero() {
            return;
        }
        let fetched = Instant::now();
        let mut fresh: HashMap<i32, Entry> = read
            .into_iter()
            .map(|(variant, stamp)| {
                let entry = Entry {
                    stamp: stamp.clone(),
                    fetched,
                    volumes_until: None,
                    prices: Vec::new(),
                    sales: Vec::new(),
                };
                (variant, entry)
            })
            .collect();
        for p in prices {
            if let Some(e) = fresh.get_mut(&p.variant_id) {
                e.prices.push(p.clone());
            }
        }
        for s in sales {
            if let Some(e) = fresh.get_mut(&s.variant_id) {
                e.volumes_until = match (e.volumes_until, s.volumes_until) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                e.sales.push(s.clone());
            }
        }
        if fresh.is_empty() {
            return;
        }
        let mut entries = self.lock();
        if entries.values().map(HashMap::len).sum::<usize>() + fresh.len() > MAX_SIZES {
            entries.clear();
        }
        entries.entry(market.to_string()).or_default().extend(fresh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    fn price(variant_id: i32, ask: i64) -> PriceRow {
        PriceRow {
            variant_id,
            marketplace_id: 1,
            currency: "USD".into(),
            ask_minor: Some(ask),
            bid_minor: None,
            last_sale_minor: None,
            observed_at: at(1),
            changed_at: at(1),
        }
    }

    fn sale(variant_id: i32, volumes_until: Option<DateTime<Utc>>) -> SizeSalesRow {
        SizeSalesRow {
            variant_id,
            marketplace_id: 2,
            currency: "USD".into(),
            amount_minor: 12_000,
            purchased_at: at(0),
            volume_72h: 1,
            volume_30d: 3,
            volumes_until,
        }
    }

    fn stamp(observed: u32, sales: Option<u32>) -> Stamp {
        Stamp {
            observed: vec![(1, at(observed))],
            sales: sales.map(at),
        }
    }

    #[test]
    fn a_size_is_answered_from_memory_until_its_product_is_synced_again() {
        let cache = QuoteCache::default();
        let s1 = stamp(1, None);
        let first = cache.lookup("US", [(10, &s1), (11, &s1)], at(2));
        assert_eq!(first.missing, [10, 11]);
        assert!(
            first.missing_with_sales.is_empty(),
            "sales never walked: not read"
        );
        // Size 11 has no price: it is held as having none, not read again.
        cache.store("US", [(10, &s1), (11, &s1)], &[price(10, 9_000)], &[]);

        let again = cache.lookup("US", [(10, &s1), (11, &s1)], at(2));
        assert!(again.missing.is_empty());
        assert_eq!(again.prices.len(), 1);
        assert_eq!(again.prices[0].ask_minor, Some(9_000));

        // Another market is another entry.
        assert_eq!(cache.lookup("UK", [(10, &s1)], at(2)).missing, [10]);
        // The product was observed again (prices may have changed): read again.
        let s2 = stamp(3, None);
        assert_eq!(cache.lookup("US", [(10, &s2)], at(4)).missing, [10]);
        // Its sales were walked for the first time: read again, with sales.
        let s3 = stamp(1, Some(2));
        let walked = cache.lookup("US", [(10, &s3)], at(4));
        assert_eq!(
            (walked.missing, walked.missing_with_sales),
            (vec![10], vec![10])
        );
    }

    #[test]
    fn volumes_are_read_again_once_a_sale_would_leave_their_window() {
        let cache = QuoteCache::default();
        let s = stamp(1, Some(1));
        cache.store("US", [(10, &s)], &[], &[sale(10, Some(at(5)))]);
        let held = cache.lookup("US", [(10, &s)], at(4));
        assert!(held.missing.is_empty());
        assert_eq!(held.sales.len(), 1);
        assert_eq!(cache.lookup("US", [(10, &s)], at(5)).missing, [10]);
    }

    #[test]
    fn a_zero_ttl_turns_the_cache_off() {
        let cache = QuoteCache::new(Duration::ZERO);
        let s = stamp(1, None);
        cache.store("US", [(10, &s)], &[price(10, 9_000)], &[]);
        assert!(cache.is_empty());
        assert_eq!(cache.lookup("US", [(10, &s)], at(2)).missing, [10]);
    }

    #[test]
    fn the_cache_starts_over_past_its_bound() {
        let cache = QuoteCache::default();
        let s = stamp(1, None);
        let many: Vec<i32> = (0..MAX_SIZES as i32).collect();
        cache.store("US", many.iter().map(|v| (*v, &s)), &[], &[]);
        assert_eq!(cache.len(), MAX_SIZES);
        cache.store("EU", [(1, &s)], &[], &[]);
        assert_eq!(cache.len(), 1);
    }
}
