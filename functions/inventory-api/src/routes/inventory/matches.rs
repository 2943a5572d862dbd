//! The pairs' size matches, kept in memory per instance between requests.
//!
//! Matching a written size onto its product's run (`match_size`: parsing, the brand's chart, the
//! run's conversion columns) was the largest part of the handler's own work after the response's
//! compression: ~9 % of its instructions at 1,000 pairs (callgrind, `market bench-api`). A match
//! depends only on the size and unit as written and on the product's run, brand and gender; the
//! run changes only with the product's `sizes_version` (see `runs.rs`), so a match is reused while
//! the product's version, brand and gender are the ones it was made with. Catalogue data, the same
//! for every user: one cache serves every seller of the instance.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use shared::core::sizes::matching::{ProductSizing, SizeMatch};

// Past as many products as the runs' cache holds, this one starts over too.
use super::runs::MAX_PRODUCTS;

/// One product's matches, valid for the run version, brand and gender they were made with.
#[derive(Debug, Default)]
struct ProductMatches {
    version: i64,
    brand: String,
    gender: Option<String>,
    /// By unit, then size, as written on the pairs.
    by_unit: HashMap<String, HashMap<String, Option<SizeMatch>>>,
}

#[derive(Debug, Default)]
pub struct SizeMatches {
    products: Mutex<HashMap<i32, ProductMatches>>,
}

impl SizeMatches {
    /// The cache for one request's matching (an instance serves one request at a time).
    pub(crate) fn lock(&self) -> Held<'_> {
        Held(self.products.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The products held, for tests.
    pub fn len(&self) -> usize {
        self.lock().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub(crate) struct Held<'a>(MutexGuard<'a, HashMap<i32, ProductMatches>>);

impl Held<'_> {
    /// The match of `size`/`unit` on `product`'s run at `version`: the one held, else `compute`'s,
    /// which is then held.
    pub(crate) fn get_or_match(
        &mut self,
        product: i32,
        version: i64,
        sizing: &ProductSizing<'_>,
        size: &str,
        unit: &str,
        compute: impl FnOnce() -> Option<SizeMatch>,
    ) -> Option<SizeMatch> {
        if let Some(held) = self
            .0
            .get(&product)
            .filter(|m| valid(m, version, sizing))
            .and_then(|m| m.by_unit.get(unit)?.get(size))
        {
            return held.clone();
        }
        let matched = compute();
        if self.0.len() >= MAX_PRODUCTS && !self.0.contains_key(&product) {
            self.0.clear();
        }
        let entry = self.0.entry(product).or_default();
        if !valid(entry, version, sizing) {
            *entry = ProductMatches {
                version,
                brand: sizing.brand.to_string(),
                gender: sizing.gender.map(str::to_string),
                by_unit: HashMap::new(),
            };
        }
        entry
            .by_unit
            .entry(unit.to_string())
            .or_default()
            .insert(size.to_string(), matched.clone());
        matched
    }
}

fn valid(m: &ProductMatches, version: i64, sizing: &ProductSizing<'_>) -> bool {
    m.version == version && m.brand == sizing.brand && m.gender.as_deref() == sizing.gender
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use shared::core::sizes::SizeSystem;

    fn m(variant: i32) -> Option<SizeMatch> {
        Some(SizeMatch {
            system: SizeSystem::UsM,
            value: Decimal::from(10),
            us_label: Some("10".into()),
            conversion: Some("same_system"),
            variant_id: Some(variant),
            candidates: Vec::new(),
        })
    }

    const NIKE: ProductSizing<'static> = ProductSizing {
        brand: "Nike",
        gender: Some("men"),
    };

    #[test]
    fn a_match_is_reused_until_the_products_run_brand_or_gender_moves() {
        let cache = SizeMatches::default();
        let mut held = cache.lock();
        let mut calls = 0;
        let mut get = |held: &mut Held<'_>, version, sizing: &ProductSizing<'_>, variant| {
            held.get_or_match(1, version, sizing, "10", "US", || {
                calls += 1;
                m(variant)
            })
        };
        assert_eq!(get(&mut held, 0, &NIKE, 100), m(100));
        assert_eq!(get(&mut held, 0, &NIKE, 999), m(100), "held");
        assert_eq!(get(&mut held, 1, &NIKE, 101), m(101), "the run moved");
        let women = ProductSizing {
            gender: Some("women"),
            ..NIKE
        };
        assert_eq!(get(&mut held, 1, &women, 102), m(102), "the gender moved");
        let adidas = ProductSizing {
            brand: "adidas",
            ..women
        };
        assert_eq!(get(&mut held, 1, &adidas, 103), m(103), "the brand moved");
        assert_eq!(get(&mut held, 1, &adidas, 999), m(103), "held");
        assert_eq!(calls, 4);
        // Another unit or size of the same product is its own match.
        let uk = held.get_or_match(1, 1, &adidas, "10", "UK", || None);
        assert_eq!(uk, None);
        assert_eq!(held.get_or_match(1, 1, &adidas, "10", "UK", || m(7)), None);
        drop(held);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_cache_starts_over_past_its_bound() {
        let cache = SizeMatches::default();
        let mut held = cache.lock();
        for product in 0..MAX_PRODUCTS as i32 {
            held.get_or_match(product, 0, &NIKE, "10", "US", || m(product));
        }
        held.get_or_match(-1, 0, &NIKE, "10", "US", || m(-1));
        drop(held);
        assert_eq!(cache.len(), 1);
    }
}
