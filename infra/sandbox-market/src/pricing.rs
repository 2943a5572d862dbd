//! Deterministic, realistic prices. Each product's level is anchored on real StockX data where the
//! team kit has it (transaction-level sales 2017–18 matched by StockX product id, the 2019 data
//! contest and the 2023 market snapshot matched by name), else on its retail price with a
//! product-specific resale premium. Sizes get their own premium (real per-size medians where
//! known), bids sit below asks, some sizes have no ask or no bid, and everything moves per time
//! bucket: price = f(seed, product, size, bucket), so the same inputs always give the same price.
//!
//! Integer arithmetic only (cents and basis points): the sandbox should not teach anyone floats.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use shared::core::domain::Currency;
use shared::core::sizes::SizeSystem;

use crate::catalog::{SandboxProduct, SandboxSize};
use crate::hash::{chance, h, signed};

/// Real sales aggregated per product: overall median and per-size medians (USD cents).
#[derive(Debug, Clone, Default)]
pub struct SalesStats {
    pub median: i64,
    pub by_size: HashMap<String, i64>,
    pub count: usize,
}

/// The sales files, parsed once per process and shared (tests start many sandboxes).
#[derive(Debug, Default)]
pub struct SalesData {
    pub by_stockx_id: HashMap<String, SalesStats>,
    pub by_name: HashMap<String, SalesStats>,
    pub snapshot_by_name: HashMap<String, i64>,
}

/// Where a product's price level comes from.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub level_cents: i64,
    pub by_size: HashMap<String, i64>,
    pub source: &'static str,
}

/// Lower-case alphanumeric words joined by single spaces: "Adidas-Yeezy-Boost-350" and
/// "adidas Yeezy Boost 350" agree.
pub fn name_key(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cents(raw: &str) -> Option<i64> {
    let d = Decimal::from_str(raw.trim().trim_start_matches('$').replace(',', "").as_str()).ok()?;
    (d * Decimal::from(100)).round().to_i64().filter(|v| *v > 0)
}

fn size_key(raw: &str) -> Option<String> {
    Decimal::from_str(raw.trim())
        .ok()
        .map(|d| d.normalize().to_string())
}

fn median(v: &mut [i64]) -> i64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn stats(raw: HashMap<String, HashMap<String, Vec<i64>>>) -> HashMap<String, SalesStats> {
    raw.into_iter()
        .map(|(k, sizes)| {
            let mut all: Vec<i64> = sizes.values().flatten().copied().collect();
            let count = all.len();
            let by_size = sizes
                .into_iter()
                .filter(|(_, v)| v.len() >= 5)
                .map(|(s, mut v)| (s, median(&mut v)))
                .collect();
            (
                k,
                SalesStats {
                    median: median(&mut all),
                    by_size,
                    count,
                },
            )
        })
        .collect()
}

fn read_csv(path: &Path) -> Option<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .ok()
}

impl SalesData {
    /// Parses the kit's sales directory; missing files are skipped (the retail model fills in).
    pub fn load(dir: &Path) -> SalesData {
        let mut data = SalesData::default();
        // Transaction-level 2017–18: product_name, stockx_product_id, created_at_utc, sale_price_usd, shoe_size_us
        let mut raw: HashMap<String, HashMap<String, Vec<i64>>> = HashMap::new();
        if let Some(mut r) = read_csv(&dir.join("normalized/stockx_activity_2017_2018_deduped.csv"))
        {
            for rec in r.records().flatten() {
                if let (Some(id), Some(p), Some(s)) = (
                    rec.get(1),
                    rec.get(3).and_then(cents),
                    rec.get(4).and_then(size_key),
                ) {
                    raw.entry(id.to_string())
                        .or_default()
                        .entry(s)
                        .or_default()
                        .push(p);
                }
            }
        }
        data.by_stockx_id = stats(raw);
        // StockX data contest 2019: Order Date,Brand,Sneaker Name,Sale Price,Retail Price,Release Date,Shoe Size,Buyer Region
        let mut raw: HashMap<String, HashMap<String, Vec<i64>>> = HashMap::new();
        if let Some(mut r) =
            read_csv(&dir.join("stockx_data_contest_2019/stockx_2019_contest_sales.csv"))
        {
            for rec in r.records().flatten() {
                if let (Some(n), Some(p), Some(s)) = (
                    rec.get(2),
                    rec.get(3).and_then(cents),
                    rec.get(6).and_then(size_key),
                ) {
                    raw.entry(name_key(n))
                        .or_default()
                        .entry(s)
                        .or_default()
                        .push(p);
                }
            }
        }
        data.by_name = stats(raw);
        // Market snapshot 2023: ,item,brand,retail,release,lowestAsk,...,averageDeadstockPrice(15),lastSale(16)
        if let Some(mut r) = read_csv(&dir.join("stockx_market_snapshot_2023/sneakers2023.csv")) {
            for rec in r.records().flatten() {
                let level = rec
                    .get(16)
                    .and_then(cents)
                    .or_else(|| rec.get(15).and_then(cents));
                if let (Some(item), Some(level)) = (rec.get(1), level) {
                    data.snapshot_by_name.entry(name_key(item)).or_insert(level);
                }
            }
        }
        data
    }

    /// Cached per directory for the life of the process.
    pub fn cached(dir: &Path) -> Arc<SalesData> {
        static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<SalesData>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(dir.to_path_buf())
            .or_insert_with(|| Arc::new(SalesData::load(dir)))
            .clone()
    }

    pub fn anchor(&self, p: &SandboxProduct) -> Option<Anchor> {
        if let Some(s) = self
            .by_stockx_id
            .get(&p.stockx_id)
            .filter(|s| s.count >= 20)
        {
            return Some(Anchor {
                level_cents: s.median,
                by_size: s.by_size.clone(),
                source: "stockx_sales_2017_2018",
            });
        }
        let key = name_key(&p.name);
        if let Some(s) = self.by_name.get(&key).filter(|s| s.count >= 20) {
            return Some(Anchor {
                level_cents: s.median,
                by_size: s.by_size.clone(),
                source: "stockx_contest_2019",
            });
        }
        self.snapshot_by_name.get(&key).map(|l| Anchor {
            level_cents: *l,
            by_size: HashMap::new(),
            source: "stockx_snapshot_2023",
        })
    }
}

/// A product's level when no real data is known: retail × a resale premium of 0.85–2.35,
/// skewed low (most pairs resell near retail, a few far above).
pub fn retail_anchor(seed: u64, p: &SandboxProduct) -> Anchor {
    let retail = p
        .retail_cents
        .unwrap_or(9_000 + (h(seed, &["retail", &p.style_code]) % 15_000) as i64);
    let u1 = (h(seed, &["prem1", &p.style_code]) % 10_000) as i64;
    let u2 = (h(seed, &["prem2", &p.style_code]) % 10_000) as i64;
    let premium_bp = 8_500 + u1 * u2 / 10_000 * 15_000 / 10_000;
    Anchor {
        level_cents: retail * premium_bp / 10_000,
        by_size: HashMap::new(),
        source: "retail_model",
    }
}

/// One size's market in USD cents; `None` = no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsdQuote {
    pub ask: Option<i64>,
    pub bid: Option<i64>,
    pub last_sale: Option<i64>,
}

fn round_dollars(c: i64) -> i64 {
    ((c + 50) / 100).max(1) * 100
}

fn center(system: SizeSystem) -> Decimal {
    match system {
        SizeSystem::UsW => Decimal::from(8),
        SizeSystem::UsY => Decimal::from(6),
        SizeSystem::UsC => Decimal::from(9),
        _ => Decimal::from(10),
    }
}

/// Size premium in basis points (10,000 = the product level).
fn size_bp(seed: u64, p: &SandboxProduct, a: &Anchor, s: &SandboxSize) -> i64 {
    if let Some(real) = s
        .spec
        .us_m
        .and_then(|v| a.by_size.get(&v.normalize().to_string()))
    {
        return (real * 10_000 / a.level_cents.max(1)).clamp(5_000, 40_000);
    }
    let steps = ((s.spec.value - center(s.spec.system)).abs() * Decimal::from(2)).round();
    let steps = steps.to_i64().unwrap_or(0).min(30);
    10_000 + steps * steps * 12 + signed(h(seed, &["size", &p.style_code, &s.label]), 300)
}

/// The StockX market of one size at `bucket`, in USD cents.
pub fn stockx_usd(
    seed: u64,
    p: &SandboxProduct,
    a: &Anchor,
    s: &SandboxSize,
    bucket: u64,
) -> UsdQuote {
    let b = bucket.to_string();
    let code = p.style_code.as_str();
    let moved_bp = 10_000
        + signed(h(seed, &["pmove", code, &b]), 400)
        + signed(h(seed, &["smove", code, &s.label, &b]), 200);
    let mid = a.level_cents * size_bp(seed, p, a, s) / 10_000 * moved_bp / 10_000;
    let ask = round_dollars(mid);
    let spread_bp = 600 + (h(seed, &["spread", code, &s.label]) % 1_400) as i64;
    let bid = round_dollars(mid * (10_000 - spread_bp) / 10_000)
        .min(ask - 100)
        .max(100);
    let last_bp = 9_300 + (h(seed, &["last", code, &s.label, &b]) % 900) as i64;
    UsdQuote {
        ask: (!chance(h(seed, &["noask", code, &s.label, &b]), 70)).then_some(ask),
        bid: (!chance(h(seed, &["nobid", code, &s.label, &b]), 120)).then_some(bid),
        last_sale: (!chance(h(seed, &["nolast", code, &s.label, &b]), 80))
            .then_some(round_dollars(mid * last_bp / 10_000)),
    }
}

/// Units of `currency` per 1,000 USD (fixed sandbox rates). `None` = StockX does not quote it.
pub fn fx_per_kusd(currency: Currency) -> Option<i64> {
    Some(match currency {
        Currency::USD => 1_000,
        Currency::GBP => 790,
        Currency::EUR => 920,
        Currency::CAD => 1_360,
        Currency::AUD => 1_520,
        Currency::CHF => 880,
        Currency::HKD => 7_800,
        Currency::SGD => 1_340,
        Currency::NZD => 1_650,
        Currency::MXN => 17_000,
        Currency::JPY => 150_000,
        Currency::KRW => 1_330_000,
        _ => return None,
    })
}

/// USD cents → whole major units of `currency`, with a regional premium outside the US (duties).
pub fn convert_major(seed: u64, code: &str, usd_cents: i64, currency: Currency) -> Option<i64> {
    let rate = fx_per_kusd(currency)?;
    let premium = if currency == Currency::USD {
        10_000
    } else {
        10_300 + (h(seed, &["region", code, currency.code()]) % 500) as i64
    };
    let scaled = usd_cents as i128 * rate as i128 * premium as i128 / 10_000;
    // usd cents × units-per-kUSD / 1000 = currency cents; / 100 = major units.
    Some(((scaled + 50_000) / 100_000).max(1) as i64)
}

/// Alias's market of one size in USD cents for `region_id` (`""` = global).
pub fn alias_usd(
    seed: u64,
    p: &SandboxProduct,
    a: &Anchor,
    s: &SandboxSize,
    bucket: u64,
    region_id: &str,
) -> UsdQuote {
    let b = bucket.to_string();
    let code = p.style_code.as_str();
    let base = stockx_usd(seed, p, a, s, bucket);
    let level_bp = 9_600 + (h(seed, &["alias", code]) % 800) as i64;
    let region_bp: i64 = match region_id {
        "2" => 10_400,
        "3" => 10_500,
        "" | "1" => 10_000,
        _ => 10_800,
    };
    let f = |v: i64| round_dollars(v * level_bp / 10_000 * region_bp / 10_000);
    let r = region_id;
    UsdQuote {
        ask: base
            .ask
            .map(f)
            .filter(|_| !chance(h(seed, &["al-noask", code, &s.label, &b, r]), 50)),
        bid: base
            .bid
            .map(f)
            .filter(|_| !chance(h(seed, &["al-nobid", code, &s.label, &b, r]), 100)),
        last_sale: base.last_sale.map(f),
    }
}
