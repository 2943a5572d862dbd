//! The products' size runs, kept in memory per instance between requests.
//!
//! Matching a pair's size needs its product's whole run (every size with its conversions): ~10,000
//! rows for 1,000 pairs, the largest part of the inventory's first read, while runs change only
//! when a marketplace maps a product's sizes. Each product carries a version
//! (`products.sizes_version`, bumped by a trigger on every change to its sizes); the read is sent
//! the versions held here and returns the runs of the products whose version moved (or that are
//! not held yet), in the same statement and snapshot as the versions it compares against. The runs
//! are catalogue data, the same for every user, so one cache serves every seller of the instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use shared::core::sizes::matching::RunSize;

/// Past this many products the cache starts over (a Lambda instance holds a few MB at most).
pub(crate) const MAX_PRODUCTS: usize = 50_000;

/// One product's run as read at `version`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) version: i64,
    pub(crate) sizes: Arc<[RunSize]>,
}

#[derive(Debug, Default)]
pub struct SizeRuns {
    runs: Mutex<HashMap<i32, Run>>,
}

/// What the cache held when a request started: the read is told these versions, and a product
/// whose version still matches is matched on this copy (taken before the read, so a concurrent
/// request replacing an entry never leaves this one without a run).
pub(crate) struct Held {
    pub(crate) ids: Vec<i32>,
    pub(crate) versions: Vec<i64>,
    runs: HashMap<i32, Run>,
}

impl SizeRuns {
    pub(crate) fn held(&self) -> Held {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let (ids, versions) = runs.iter().map(|(id, r)| (*id, r.version)).unzip();
        Held {
            ids,
            versions,
            runs,
        }
    }

    /// The products held, for tests and the benchmark.
    pub fn len(&self) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn store(&self, fresh: &HashMap<i32, Run>) {
        if fresh.is_empty() {
            return;
        }
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        if runs.len() + fresh.len() > MAX_PRODUCTS {
            runs.clear();
        }
        for (id, run) in fresh {
            // Versions only grow: never replace a newer run a concurrent request stored.
            match runs.get(id) {
                Some(held) if held.version > run.version => {}
                _ => {
                    runs.insert(*id, run.clone());
                }
            }
        }
    }
}

impl Held {
    /// Whether the read had to return `product`'s run (its version is not the one held).
    fn stale(&self, product: i32, version: i64) -> bool {
        self.runs.get(&product).map(|r| r.version) != Some(version)
    }
}

/// Every owned product's run: the held copy where its version still matches, else the rows the
/// read returned (none: a product without sizes), which are then stored for the next request.
pub(crate) fn resolve(
    cache: &SizeRuns,
    held: Held,
    products: impl IntoIterator<Item = (i32, i64)>,
    read: Vec<(i32, RunSize)>,
) -> HashMap<i32, Arc<[RunSize]>> {
    let mut grouped: HashMap<i32, Vec<RunSize>> = HashMap::new();
    for (product, size) in read {
        grouped.entry(product).or_default().push(size);
    }
    let mut fresh: HashMap<i32, Run> = HashMap::new();
    let mut out = HashMap::new();
    for (product, version) in products {
        let sizes = if held.stale(product, version) {
            let sizes: Arc<[RunSize]> = grouped.remove(&product).unwrap_or_default().into();
            fresh.insert(
                product,
                Run {
                    version,
                    sizes: sizes.clone(),
                },
            );
            sizes
        } else {
            held.runs[&product].sizes.clone()
        };
        out.insert(product, sizes);
    }
    cache.store(&fresh);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn size(id: i32) -> RunSize {
        RunSize {
            id,
            system: None,
            value: Some(Decimal::from(id)),
            us_m: None,
            us_w: None,
            uk: None,
            eu: None,
            from_standard_run: false,
        }
    }

    fn ids(run: &[RunSize]) -> Vec<i32> {
        run.iter().map(|s| s.id).collect()
    }

    #[test]
    fn a_held_run_is_reused_until_its_version_moves() {
        let cache = SizeRuns::default();
        let out = resolve(
            &cache,
            cache.held(),
            [(1, 0), (2, 0)],
            vec![(1, size(10)), (1, size(11))],
        );
        assert_eq!(ids(&out[&1]), [10, 11]);
        // Product 2 has no sizes yet: held as an empty run.
        assert!(out[&2].is_empty());
        assert_eq!(cache.len(), 2);

        // Same versions: the read returned nothing and the held runs answer.
        let held = cache.held();
        assert_eq!(held.ids.len(), 2);
        let out = resolve(&cache, held, [(1, 0), (2, 0)], vec![]);
        assert_eq!(ids(&out[&1]), [10, 11]);

        // Product 2's version moved: the read's rows replace the held run.
        let out = resolve(&cache, cache.held(), [(1, 0), (2, 1)], vec![(2, size(20))]);
        assert_eq!(ids(&out[&2]), [20]);
        assert_eq!(ids(&cache.held().runs[&2].sizes), [20]);
    }

    #[test]
    fn an_older_read_never_replaces_a_newer_run() {
        let cache = SizeRuns::default();
        let before = cache.held();
        resolve(&cache, cache.held(), [(1, 2)], vec![(1, size(12))]);
        // A request that started earlier read version 1 and stores it late.
        let out = resolve(&cache, before, [(1, 1)], vec![(1, size(11))]);
        assert_eq!(ids(&out[&1]), [11], "the request answers with what it read");
        assert_eq!(cache.held().runs[&1].version, 2);
    }
}
