//! Alias `recent_sales`: a deterministic sales history per product and size, shaped on real StockX
//! sales. Every sale is a pure function of (seed, product, size, 15-minute slot, index), so the
//! same request at the same sandbox time gives the same body, and overlapping windows give
//! identical rows for the same sale (clients can deduplicate on catalog, size, region, time,
//! price and consigned).
//!
//! Numbers measured once from the team kit's sales files (`sales/normalized/
//! stockx_activity_2017_2018_deduped.csv`, 133,678 transactions of 14 products, and
//! `sales/stockx_data_contest_2019/stockx_2019_contest_sales.csv`, 99,956 sales of 50 products):
//!
//! - Sales per product per day (all sizes): count / days between a product's first and last sale,
//!   pooled over the 64 products: p10 0.37, p25 1.0, median 3.83, p75 15.4, p90 23.5, max 123
//!   (2017–18 alone: median 9.1; 2019 alone: median 2.5). Each sandbox product draws its rate
//!   from this distribution ([`RATE_QUANTILES`]).
//! - Size share (men's US sizes, both files pooled, per mille): 10 → 117, 10.5 and 11 → 103,
//!   9 → 97, 9.5 → 95, 12 → 74, 8.5 → 59, 8 → 56 ... ([`SIZE_SHARE`]). Other size systems use
//!   the same shape around their own centre size (the one `pricing.rs` uses).
//! - Price dispersion: each sale's deviation from the median of its product × size × ISO week
//!   (groups of ≥ 5 sales, 204,461 sales): p1 −16.9 %, p5 −7.8 %, p10 −5.3 %, p25 −2.2 %,
//!   median 0, p75 +2.0 %, p90 +10.2 %, p95 +25 %, p99 +43.9 % (right tail = hype weeks)
//!   ([`DISPERSION_BP`]). The median is the sandbox's own Alias market for that size, region and
//!   price bucket (`pricing::alias_usd`, itself anchored on the same files where they know the
//!   product): the midpoint of ask and bid.
//! - Time of day and weekday (2017–18 `created_at_utc`): per-mille shares per UTC hour
//!   ([`HOUR_SHARE`]) and per weekday, Monday first ([`WEEKDAY_SHARE`]; weekends sell least).
//!
//! Assumed, because the files cannot say (StockX had neither regions outside the US in this data
//! — the 2019 `Buyer Region` column holds only the 50 US states and DC — nor consignment nor
//! non-new conditions):
//!
//! - Regions (per mille): US 640, EU 220, UK 120, AU 10, CA 7, JP 3. Alias is a US marketplace
//!   with European and British warehouses; the thin AU/CA/JP regions match the integrators'
//!   reports of sparse data there. No `region_id` = all regions.
//! - Consigned: 100 ‰ of sales, 3 % dearer (as consigned asks are in the availability routes).
//! - Conditions (per mille): new in a good box 920, new without box 30, missing lid 10, badly
//!   damaged box 10, used 25, new with defects 5; non-standard ones sell at the discounts the
//!   availability routes use.
//!
//! History reaches back [`HISTORY_DAYS`] days and never before the product's release date. Integer
//! arithmetic only, like `pricing.rs`.

use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shared::core::sizes::SizeSystem;

use crate::catalog::{SandboxProduct, SandboxSize};
use crate::hash::{chance, h};
use crate::pricing::alias_usd;
use crate::App;

/// How far back the history goes.
pub const HISTORY_DAYS: i64 = 365;
/// Sales are placed in 15-minute slots.
const SLOT_SECS: i64 = 900;
/// Frozen sandboxes (`price_epoch_secs = 0`) advance their clock by this much per bucket.
const FROZEN_STEP_SECS: i64 = 300;

/// (per-mille quantile, sales per product per day × 1000).
pub const RATE_QUANTILES: [(i64, i64); 7] = [
    (0, 130),
    (100, 370),
    (250, 1_000),
    (500, 3_830),
    (750, 15_360),
    (900, 23_530),
    (1_000, 123_250),
];

/// (per-mille quantile, deviation from the weekly median in basis points); tails clipped at p1/p99.
pub const DISPERSION_BP: [(i64, i64); 11] = [
    (0, -1_693),
    (10, -1_693),
    (50, -782),
    (100, -526),
    (250, -217),
    (500, 0),
    (750, 204),
    (900, 1_022),
    (950, 2_500),
    (990, 4_393),
    (1_000, 4_393),
];

/// (US men's size × 2, per-mille share of sales). Sizes the files never saw sell get 1 ‰.
pub const SIZE_SHARE: [(i64, i64); 27] = [
    (7, 1),
    (8, 17),
    (9, 9),
    (10, 25),
    (11, 17),
    (12, 28),
    (13, 17),
    (14, 31),
    (15, 22),
    (16, 56),
    (17, 59),
    (18, 97),
    (19, 95),
    (20, 117),
    (21, 103),
    (22, 103),
    (23, 50),
    (24, 74),
    (25, 6),
    (26, 48),
    (27, 1),
    (28, 21),
    (29, 1),
    (30, 2),
    (32, 2),
    (34, 1),
    (36, 1),
];

pub const HOUR_SHARE: [i64; 24] = [
    23, 41, 15, 26, 16, 17, 25, 13, 9, 10, 7, 12, 32, 95, 79, 93, 45, 71, 51, 83, 46, 80, 37, 72,
];
pub const WEEKDAY_SHARE: [i64; 7] = [160, 167, 166, 172, 171, 98, 66];

/// Region ids with their per-mille share of sales.
pub const REGION_SHARE: [(u8, u64); 6] = [(1, 640), (2, 220), (3, 120), (4, 10), (5, 7), (6, 3)];
pub const CONSIGNED_PER_MILLE: u64 = 100;

/// ((product condition, packaging condition, price in basis points of new/good), per-mille share).
const CONDITIONS: [((u8, u8, i64), u64); 6] = [
    ((1, 1, 10_000), 920),
    ((1, 4, 8_800), 30),
    ((1, 2, 9_500), 10),
    ((1, 3, 9_200), 10),
    ((2, 1, 6_200), 25),
    ((3, 1, 7_500), 5),
];

/// One generated sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRow {
    pub at_ms: i64,
    pub price_cents: i64,
    pub consigned: bool,
    pub region: u8,
    pub product_condition: u8,
    pub packaging_condition: u8,
}

/// What a `recent_sales` request filters on (`None` = not given).
#[derive(Debug, Clone, Copy, Default)]
pub struct SalesFilter {
    pub product_condition: Option<u8>,
    pub packaging_condition: Option<u8>,
    pub consigned: Option<bool>,
    pub region: Option<u8>,
}

impl SalesFilter {
    /// All four filters given: only then does Alias allow a limit above 10.
    pub fn complete(&self) -> bool {
        self.product_condition.is_some()
            && self.packaging_condition.is_some()
            && self.consigned.is_some()
            && self.region.is_some()
    }

    fn keeps(&self, s: &SaleRow) -> bool {
        self.product_condition
            .is_none_or(|c| c == s.product_condition)
            && self
                .packaging_condition
                .is_none_or(|c| c == s.packaging_condition)
            && self.consigned.is_none_or(|c| c == s.consigned)
            && self.region.is_none_or(|r| r == s.region)
    }
}

/// An enum query parameter by name or number; `Ok(None)` when absent, `Err` for 0, `*_INVALID`
/// and anything unknown (Alias answers 400 to all of them).
pub fn enum_param(raw: Option<&String>, names: &[&str], what: &str) -> Result<Option<u8>, String> {
    let Some(v) = raw.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let by_number = v
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=names.len()).contains(n));
    let by_name = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(v))
        .map(|i| i + 1);
    match by_number.or(by_name) {
        Some(n) => Ok(Some(n as u8)),
        None => Err(format!("invalid value for {what}: {v:?}")),
    }
}

pub const PRODUCT_CONDITIONS: [&str; 3] = [
    "PRODUCT_CONDITION_NEW",
    "PRODUCT_CONDITION_USED",
    "PRODUCT_CONDITION_NEW_WITH_DEFECTS",
];
pub const PACKAGING_CONDITIONS: [&str; 4] = [
    "PACKAGING_CONDITION_GOOD_CONDITION",
    "PACKAGING_CONDITION_MISSING_LID",
    "PACKAGING_CONDITION_BADLY_DAMAGED",
    "PACKAGING_CONDITION_NO_ORIGINAL_BOX",
];

/// The sandbox clock sales are revealed against, in seconds. Live sandboxes run on the wall clock
/// moved on by `/__admin/advance` (one bucket = `price_epoch_secs`); frozen ones stand at the
/// moment the process first served a sale, moved on [`FROZEN_STEP_SECS`] per advanced bucket.
struct Clock {
    origin: i64,
    step: i64,
    now: i64,
}

impl Clock {
    fn of(app: &App) -> Clock {
        let offset = app.epoch_offset.load(Ordering::Relaxed) as i64;
        let epoch = app.cfg.price_epoch_secs as i64;
        if epoch > 0 {
            Clock {
                origin: 0,
                step: epoch,
                now: wall_secs() + offset * epoch,
            }
        } else {
            static FROZEN_AT: OnceLock<i64> = OnceLock::new();
            let origin = *FROZEN_AT.get_or_init(|| wall_secs() / 60 * 60);
            Clock {
                origin,
                step: FROZEN_STEP_SECS,
                now: origin + offset * FROZEN_STEP_SECS,
            }
        }
    }

    /// The price bucket a sale at `t` was priced in (the bucket `App::bucket` had then).
    fn bucket_at(&self, t: i64) -> u64 {
        ((t - self.origin).max(0) / self.step) as u64
    }
}

fn wall_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Piecewise-linear interpolation in a (per-mille, value) table.
fn interpolate(table: &[(i64, i64)], u: i64) -> i64 {
    for w in table.windows(2) {
        let ((u0, v0), (u1, v1)) = (w[0], w[1]);
        if u <= u1 {
            return v0 + (v1 - v0) * (u - u0) / (u1 - u0).max(1);
        }
    }
    table[table.len() - 1].1
}

fn product_rate_milli(seed: u64, p: &SandboxProduct) -> i64 {
    interpolate(
        &RATE_QUANTILES,
        (h(seed, &["sales-rate", &p.style_code]) % 1_001) as i64,
    )
}

fn centre_x2(system: SizeSystem) -> i64 {
    match system {
        SizeSystem::UsW => 16,
        SizeSystem::UsY => 12,
        SizeSystem::UsC => 18,
        _ => 20,
    }
}

/// Per-mille weight of a size, on the men's shape moved to the size's own centre.
fn size_weight(s: &SandboxSize) -> i64 {
    let x2 = (s.spec.value * Decimal::from(2))
        .round()
        .to_i64()
        .unwrap_or(0);
    let men_x2 = x2 - centre_x2(s.spec.system) + 20;
    SIZE_SHARE
        .iter()
        .find(|(k, _)| *k == men_x2)
        .map(|(_, w)| *w)
        .unwrap_or(1)
}

/// Expected sales of this size per day × 1000.
fn size_rate_milli(seed: u64, p: &SandboxProduct, s: &SandboxSize) -> i64 {
    let total: i64 = p.sizes.iter().map(size_weight).sum::<i64>().max(1);
    product_rate_milli(seed, p) * size_weight(s) / total
}

fn release_secs(p: &SandboxProduct) -> Option<i64> {
    let d = NaiveDate::from_str(p.release_date.as_deref()?.get(..10)?).ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

fn pick<T: Copy>(v: u64, table: &[(T, u64)]) -> T {
    let mut x = v % 1_000;
    for (item, share) in table {
        if x < *share {
            return *item;
        }
        x -= share;
    }
    table[0].0
}

/// The sales of one slot, newest first.
fn slot_sales(
    app: &App,
    p: &SandboxProduct,
    s: &SandboxSize,
    rate: i64,
    slot: i64,
    clock: &Clock,
) -> Vec<SaleRow> {
    let seed = app.cfg.seed;
    let start = slot * SLOT_SECS;
    let hour = ((start.rem_euclid(86_400)) / 3_600) as usize;
    // 1970-01-01 was a Thursday (index 3, Monday first).
    let weekday = ((start.div_euclid(86_400) + 3).rem_euclid(7)) as usize;
    let slots_per_day = 86_400 / SLOT_SECS;
    let hours: i64 = HOUR_SHARE.iter().sum();
    let days: i64 = WEEKDAY_SHARE.iter().sum();
    // Expected sales in this slot × 1,000,000.
    let expected = rate * 1_000 * 7 * WEEKDAY_SHARE[weekday] * 24 * HOUR_SHARE[hour]
        / (days * hours * slots_per_day);
    let key = slot.to_string();
    let n = expected / 1_000_000
        + i64::from(
            h(seed, &["sale-n", &p.style_code, &s.label, &key]) % 1_000_000
                < (expected % 1_000_000) as u64,
        );
    let mut out: Vec<SaleRow> = (0..n)
        .map(|i| {
            let i = i.to_string();
            let v = |what: &str| h(seed, &[what, &p.style_code, &s.label, &key, &i]);
            let at_ms = (start + (v("sale-s") % SLOT_SECS as u64) as i64) * 1_000
                + (v("sale-ms") % 1_000) as i64;
            let region = pick(v("sale-region"), &REGION_SHARE);
            let consigned = chance(v("sale-consigned"), CONSIGNED_PER_MILLE);
            let (pc, pk, cond_bp) = pick(v("sale-cond"), &CONDITIONS);
            let region_id = region.to_string();
            let q = alias_usd(
                seed,
                p,
                app.anchor(p),
                s,
                clock.bucket_at(at_ms / 1_000),
                &region_id,
            );
            let centre = match (q.ask, q.bid) {
                (Some(a), Some(b)) => (a + b) / 2,
                (Some(a), None) => a * 95 / 100,
                (None, Some(b)) => b * 105 / 100,
                (None, None) => q.last_sale.unwrap_or(app.anchor(p).level_cents),
            };
            let dev = interpolate(&DISPERSION_BP, (v("sale-dev") % 1_001) as i64);
            let mut price = centre * (10_000 + dev) / 10_000 * cond_bp / 10_000;
            if consigned {
                price = price * 10_300 / 10_000;
            }
            SaleRow {
                at_ms,
                price_cents: ((price + 50) / 100).max(1) * 100,
                consigned,
                region,
                product_condition: pc,
                packaging_condition: pk,
            }
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.at_ms));
    out
}

/// Up to `limit` sales of one size that pass `filter`, newest first, as of the sandbox clock.
pub fn recent_sales(
    app: &App,
    p: &SandboxProduct,
    s: &SandboxSize,
    filter: &SalesFilter,
    limit: usize,
) -> Vec<SaleRow> {
    let clock = Clock::of(app);
    let rate = size_rate_milli(app.cfg.seed, p, s);
    let oldest = (clock.now - HISTORY_DAYS * 86_400).max(release_secs(p).unwrap_or(i64::MIN));
    let mut out = Vec::new();
    let mut slot = clock.now.div_euclid(SLOT_SECS);
    while out.len() < limit && (slot + 1) * SLOT_SECS > oldest {
        for sale in slot_sales(app, p, s, rate, slot, &clock) {
            let t = sale.at_ms / 1_000;
            if t <= clock.now && t >= oldest && filter.keeps(&sale) && out.len() < limit {
                out.push(sale);
            }
        }
        slot -= 1;
    }
    out
}

/// A sale as Alias writes it: RFC 3339 with milliseconds, cents as a string, the size a number.
pub fn sale_json(sale: &SaleRow, catalog_id: &str, size: &Value) -> Value {
    let at = DateTime::from_timestamp_millis(sale.at_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    json!({
        "purchased_at": at,
        "price_cents": sale.price_cents.to_string(),
        "size": size,
        "consigned": sale.consigned,
        "catalog_id": catalog_id,
    })
}

/// The answer quirks real integrators report, for the products listed in the `sales_quirks`
/// fault: an exact duplicate of the newest row, a row without `purchased_at`, a `"0"` price and
/// a row of another size (half a size up), inserted right after the newest row. Nothing is
/// removed; an empty page first gets one ordinary row to copy.
pub fn inject_quirks(rows: &mut Vec<Value>, newest: Value, other_size: &Value) {
    if rows.is_empty() {
        rows.push(newest);
    }
    let template = rows[0].clone();
    let mut no_time = template.clone();
    no_time["purchased_at"] = Value::Null;
    let mut zero = template.clone();
    zero["price_cents"] = json!("0");
    let mut other = template.clone();
    other["size"] = other_size.clone();
    for (i, row) in [template, no_time, zero, other].into_iter().enumerate() {
        rows.insert(1 + i, row);
    }
}
