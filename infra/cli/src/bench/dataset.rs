//! The `market bench-api` data set and the run as a whole.
//!
//! Default mode, on a fresh database `market_bench_<time>` created on the server `DATABASE_URL`
//! points at (dropped at the end unless `--keep-db`):
//! 1. migrations (`shared::admin::migrate`), the real catalogue (`catalog::parse_file`, first N products);
//! 2. size mapping: a StockX and an Alias variant link for every size of every product, all
//!    marketplace links `matched`;
//! 3. history through the real write path, day by day as production writes it:
//!    `store::write_snapshot` for every observation of the day at each product's tier cadence
//!    (hot: `--obs-per-day`, warm: daily, cold: weekly), prices following per-size random walks
//!    (changed observations only reach `price_history`, as in production), then the day's Alias
//!    sales (`write_sales`), then the daily cleanup's packing of past days into months
//!    (`market.pack_price_history`, `compact_price_history_months`, its time printed), then a
//!    VACUUM of every table autovacuum's rule would pick;
//! 4. ECB rates and one user with `--items` inventory items;
//! 5. a fixed number of handler calls (`market_api::handle`, `inventory_api::handle`) with states
//!    from their own `State::from_env()`, timing handler + database per call, counting database round
//!    trips (the states' counters) and response bytes (raw JSON and gzip as sent);
//! 6. storage per table and per stored observation.
//!
//! `--setup-only` runs steps 2-4 against the database `DATABASE_URL` names (migrated and seeded
//! with `market seed` beforehand) and keeps it. `--write-load SECS` runs the sync write path
//! (snapshot + link/product bookkeeping, one transaction per product, as the worker commits) at
//! `--write-rate` per second against that database while sampling lock waits every 100 ms.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use shared::core::db::{DbSettings, Type};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::core::tier::Tier;
use shared::marketplaces::snapshot::{MarketSnapshot, Quote};
use shared::sync::store;
use tokio_postgres::Client;

use super::*;

// --- setup ------------------------------------------------------------------------------------

/// One size of one product on one marketplace, with its random walk.
#[derive(Clone)]
pub(crate) struct Series {
    pub(crate) ext: String,
    pub(crate) listed: bool,
    pub(crate) ask: f64,
    pub(crate) bid_ratio: f64,
    pub(crate) last: Option<f64>,
    pub(crate) has_bid: bool,
}

pub(crate) struct ProductPlan {
    pub(crate) id: i32,
    pub(crate) tier: Tier,
    /// Per marketplace (StockX, Alias).
    pub(crate) series: [Vec<Series>; 2],
    /// The sizes Alias sales are written for, and the price they sell around.
    pub(crate) run: super::sales::Run,
    pub(crate) sale_price: i64,
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WriteTotals {
    pub(crate) snapshots: u64,
    pub(crate) quotes: u64,
    pub(crate) history: i64,
    pub(crate) latest: i64,
    /// Writes into the products' daily series (one per snapshot whose observation moved on).
    pub(crate) daily: i64,
    /// Alias sales stored.
    pub(crate) sales: i64,
}

impl std::ops::AddAssign for WriteTotals {
    fn add_assign(&mut self, o: Self) {
        self.snapshots += o.snapshots;
        self.quotes += o.quotes;
        self.history += o.history;
        self.latest += o.latest;
        self.daily += o.daily;
        self.sales += o.sales;
    }
}

pub(crate) fn round_price(v: f64) -> i64 {
    ((v / 100.0).round() as i64 * 100).max(1_000)
}

/// The default share of a product's sizes whose price moves on a given day: the median over the
/// 50 products of the real StockX sales in `../shared/data/sales/stockx_data_contest_2019/`
/// (the share of a product's sizes with at least one sale on a day, over its selling days: median
/// 0.12, p10 0.015, p90 0.40; the 14 heavily traded products of the 2017-2018 activity file give
/// 0.30). A sale takes the lowest ask, so a sale is what moves a size's ask and its last sale.
pub(crate) const DEFAULT_MOVE_SHARE: f64 = 0.12;

/// The chance that something with a daily rate `per_day` happens within `gap_days` days.
pub(crate) fn within(per_day: f64, gap_days: f64) -> f64 {
    1.0 - (1.0 - per_day.clamp(0.0, 1.0)).powf(gap_days.max(0.0))
}

/// Advances one series by one observation `gap_days` after the previous one and returns its
/// quote (None: no data for the size). `move_share` is the daily share of sizes that sell.
pub(crate) fn step(s: &mut Series, rng: &mut Rng, gap_days: f64, move_share: f64) -> Option<Quote> {
    if s.listed {
        if rng.chance(within(0.015, gap_days)) {
            s.listed = false;
        }
    } else if rng.chance(within(0.25, gap_days)) {
        s.listed = true;
    }
    if rng.chance(within(move_share, gap_days)) {
        // A sale between the bid and the ask, and the next ask after it.
        let bid = s.ask * s.bid_ratio;
        s.last = Some(bid + (s.ask - bid) * rng.unit());
        s.ask *= 1.0 + rng.signed() * 0.03 + 0.001;
        if rng.chance(0.5) {
            s.bid_ratio = 0.82 + rng.unit() * 0.1;
        }
    }
    let ask = s.listed.then(|| round_price(s.ask));
    let bid = (s.has_bid && s.listed).then(|| round_price(s.ask * s.bid_ratio));
    let last = s.last.map(round_price);
    if ask.is_none() && bid.is_none() && last.is_none() {
        return None;
    }
    Some(Quote {
        external_variant_id: s.ext.clone(),
        lowest_ask: ask,
        highest_bid: bid,
        last_sale: last,
    })
}

/// Observation times of a product over the last `days` days, oldest first.
pub(crate) fn schedule(
    tier: Tier,
    days: u32,
    obs_per_day: u32,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<DateTime<Utc>> {
    let today = now.date_naive();
    let offset = rng.below(7) as u32;
    let mut out = Vec::new();
    for back in (0..days).rev() {
        let day = today - ChronoDuration::days(i64::from(back));
        let midnight = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default());
        let slots: Vec<i64> = match tier {
            Tier::Hot => {
                let n = obs_per_day.max(1);
                (0..n).map(|k| i64::from(k * 86_400 / n)).collect()
            }
            Tier::Warm => vec![3 * 3600],
            Tier::Cold if (back + offset).is_multiple_of(7) => vec![5 * 3600],
            Tier::Cold => vec![],
        };
        for s in slots {
            let jitter = rng.below(1_800) as i64;
            let at = midnight + ChronoDuration::seconds(s + jitter);
            if at < now - ChronoDuration::minutes(1) {
                out.push(at);
            }
        }
    }
    out
}

/// The currency StockX quotes a region in (Alias quotes every region in USD).
fn stockx_currency(region: Region) -> Currency {
    match region {
        Region::US => Currency::USD,
        Region::UK => Currency::GBP,
        Region::EU => Currency::EUR,
    }
}

/// One product's simulation: its plan, its observation times, one set of random walks per market
/// (each region is its own market, walking from the same starting prices) and its Alias sales.
pub(crate) struct ProductSim {
    plan: ProductPlan,
    times: Vec<DateTime<Utc>>,
    /// The first of `times` not written yet.
    next: usize,
    previous: Option<DateTime<Utc>>,
    walks: Vec<[Vec<Series>; 2]>,
    rng: Rng,
    sales: Option<super::sales::SalesSim>,
}

impl ProductSim {
    fn new(
        plan: ProductPlan,
        times: Vec<DateTime<Utc>>,
        seed: u64,
        regions: usize,
        with_sales: bool,
    ) -> Self {
        let mut rng = Rng(seed);
        // The sales draw from their own stream, so `--no-sales` leaves the prices as they were.
        let sales_rng = Rng(rng.next_u64());
        let sales = with_sales
            .then(|| super::sales::SalesSim::new(&plan, sales_rng))
            .flatten();
        Self {
            walks: vec![plan.series.clone(); regions],
            plan,
            times,
            next: 0,
            previous: None,
            rng,
            sales,
        }
    }

    /// Writes what happened up to `until`: the observations before it in every market (oldest
    /// first, each through `store::write_snapshot`), then the day's Alias sales ending there.
    async fn write_until(
        &mut self,
        c: &Client,
        until: DateTime<Utc>,
        regions: &[Region],
        move_share: f64,
        retain_from: DateTime<Utc>,
    ) -> anyhow::Result<WriteTotals> {
        let mut t = WriteTotals::default();
        while let Some(at) = self.times.get(self.next).copied().filter(|at| *at < until) {
            self.next += 1;
            // The first observation has seen no time pass: nothing has moved yet.
            let gap_days = self
                .previous
                .map_or(0.0, |p| (at - p).num_seconds() as f64 / 86_400.0);
            self.previous = Some(at);
            for (region, walks) in regions.iter().zip(self.walks.iter_mut()) {
                for (i, marketplace) in [Marketplace::StockX, Marketplace::Alias]
                    .into_iter()
                    .enumerate()
                {
                    let quotes: Vec<Quote> = walks[i]
                        .iter_mut()
                        .filter_map(|s| step(s, &mut self.rng, gap_days, move_share))
                        .collect();
                    let snapshot = MarketSnapshot {
                        marketplace,
                        external_product_id: format!("{}-{}", marketplace.code(), self.plan.id),
                        region: *region,
                        currency: match marketplace {
                            Marketplace::StockX => stockx_currency(*region),
                            Marketplace::Alias => Currency::USD,
                        },
                        observed_at: at,
                        quotes,
                    };
                    let w = store::write_snapshot(c, self.plan.id, &snapshot).await?;
                    t.snapshots += 1;
                    t.quotes += snapshot.quotes.len() as u64;
                    t.history += w.history_written;
                    t.latest += w.latest_written;
                    t.daily += w.daily_written;
                }
            }
        }
        if let Some(sales) = self.sales.as_mut() {
            t.sales += sales
                .write_day(c, &self.plan, regions, until, retain_from)
                .await?;
        }
        Ok(t)
    }
}

/// One writer: its connection and its share of the products.
struct Writer {
    c: Client,
    sims: Vec<ProductSim>,
}

/// Autovacuum's own rule, applied once per simulated day: every `market` table (each
/// `price_history` partition is one) whose dead rows exceed the server's
/// `autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor x rows` is vacuumed. Production's
/// autovacuum checks every minute (`autovacuum_naptime`) between syncs hours apart; the benchmark
/// writes a day in seconds, so without this the space each rewrite frees would never be reused
/// and "as written" would measure the benchmark's speed, not the layout. Once a day is the
/// conservative side: the dead rows of up to a day's syncs wait for it. Returns the tables vacuumed.
async fn vacuum_as_autovacuum_would(c: &Client) -> anyhow::Result<usize> {
    let due = q(
        c,
        "SELECT format('%I.%I', s.schemaname, s.relname)
         FROM pg_stat_user_tables s JOIN pg_class k ON k.oid = s.relid
         WHERE s.schemaname = 'market'
           AND s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
                 + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(k.reltuples, 0)",
        &[],
    )
    .await?;
    for r in &due {
        let table: String = r.get(0);
        q(c, &format!("VACUUM {table}"), &[]).await?;
    }
    Ok(due.len())
}

pub struct SetupReport {
    pub(crate) products: usize,
    pub(crate) variants: usize,
    pub(crate) totals: WriteTotals,
    pub(crate) items: usize,
    pub(crate) history_secs: f64,
    /// Tables vacuumed by `vacuum_as_autovacuum_would` over the simulated days.
    pub(crate) vacuums: usize,
    pub(crate) total_secs: f64,
}

/// Steps 2-4 on an already migrated and catalogue-seeded database.
pub(crate) async fn setup(
    settings: &DbSettings,
    args: &BenchApiArgs,
) -> anyhow::Result<SetupReport> {
    let started = Instant::now();
    let c = settings.connect().await?;
    let now = Utc::now();
    q(
        &c,
        "SELECT market.ensure_price_history_partitions((now() AT TIME ZONE 'UTC')::date - $1::int - 1, $1::int + 3)",
        &[(&(args.days as i32), Type::INT4)],
    )
    .await?;
    let limit = args.products as i64;
    let rows = q(
        &c,
        "SELECT id, coalesce(retail_price_minor, 15000) FROM market.products ORDER BY id LIMIT $1",
        &[(&limit, Type::INT8)],
    )
    .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    let retail: BTreeMap<i32, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    anyhow::ensure!(!ids.is_empty(), "no products: run `market seed` first");

    // Size mapping: StockX variant ids and Alias pricing sizes, both marketplaces matched.
    q(
        &c,
        "WITH m(id) AS (VALUES (1::smallint), (2::smallint))
         INSERT INTO market.variant_links (variant_id, marketplace_id, external_variant_id, size_label)
         SELECT v.id, m.id,
                CASE m.id WHEN 1 THEN 'sx-' || v.id ELSE coalesce(v.us_m, v.size_value)::text END,
                v.size_value::text
         FROM market.size_variants v CROSS JOIN m
         WHERE v.product_id = ANY($1)
         ON CONFLICT DO NOTHING",
        &[(&ids, Type::INT4_ARRAY)],
    )
    .await?;
    q(
        &c,
        "WITH m(id, code) AS (VALUES (1::smallint, 'sx'), (2::smallint, 'al'))
         INSERT INTO market.marketplace_links (product_id, marketplace_id, status, external_id, matched_at, variants_mapped_at)
         SELECT p, m.id, 'matched', m.code || '-' || p, now(), now()
         FROM unnest($1::int[]) AS p CROSS JOIN m
         ON CONFLICT (product_id, marketplace_id) DO UPDATE SET status = 'matched',
           external_id = EXCLUDED.external_id, matched_at = EXCLUDED.matched_at",
        &[(&ids, Type::INT4_ARRAY)],
    )
    .await?;

    // Tiers and the per-size random walks.
    let mut rng = Rng(args.seed);
    let links = q(
        &c,
        "SELECT v.product_id, v.size_value::float8, l.marketplace_id, l.external_variant_id, v.id,
                coalesce(v.us_m, v.size_value)::float8
         FROM market.size_variants v JOIN market.variant_links l ON l.variant_id = v.id
         WHERE v.product_id = ANY($1)
         ORDER BY v.product_id, l.marketplace_id, v.size_system, v.size_value",
        &[(&ids, Type::INT4_ARRAY)],
    )
    .await?;
    let mut plans: BTreeMap<i32, ProductPlan> = BTreeMap::new();
    for (n, id) in ids.iter().enumerate() {
        let bucket = (n * 100 / ids.len()) as u32;
        let tier = if bucket < args.hot_pct {
            Tier::Hot
        } else if bucket < args.hot_pct + args.warm_pct {
            Tier::Warm
        } else {
            Tier::Cold
        };
        plans.insert(
            *id,
            ProductPlan {
                id: *id,
                tier,
                series: [Vec::new(), Vec::new()],
                run: Vec::new(),
                sale_price: retail.get(id).copied().unwrap_or(15_000),
            },
        );
    }
    let mut variants = 0usize;
    for r in &links {
        let pid: i32 = r.get(0);
        let size: f64 = r.get(1);
        let mp: i16 = r.get(2);
        let ext: String = r.get(3);
        let Some(plan) = plans.get_mut(&pid) else {
            continue;
        };
        let base = retail.get(&pid).copied().unwrap_or(15_000) as f64;
        let hype = 0.8 + rng.unit() * 1.6;
        let edge = 1.0 + 0.04 * (size - 10.0).abs();
        let popular = (size - 10.0).abs() <= 3.0;
        let m = if mp == 1 { 1.0 } else { 0.97 };
        let series = Series {
            ext,
            listed: rng.chance(if popular { 0.95 } else { 0.55 }),
            ask: base * hype * edge * m,
            bid_ratio: 0.82 + rng.unit() * 0.1,
            last: None,
            has_bid: rng.chance(0.7),
        };
        if mp == 2 {
            plan.run.push((r.get(4), r.get(5)));
        }
        plan.series[usize::from(mp == 2)].push(series);
        if mp == 1 {
            variants += 1;
        }
    }
    for tier in [Tier::Hot, Tier::Warm, Tier::Cold] {
        let ids: Vec<i32> = plans
            .values()
            .filter(|p| p.tier == tier)
            .map(|p| p.id)
            .collect();
        q(
            &c,
            "UPDATE market.products SET tier = $2, tier_changed_at = now() WHERE id = ANY($1)",
            &[(&ids, Type::INT4_ARRAY), (&tier.code(), Type::TEXT)],
        )
        .await?;
    }

    // History through the write path, day by day as production writes it: every product's
    // observations of a day (each product's in time order, products split across the writers'
    // connections), then that day's sales, then autovacuum's turn, then the next day.
    let history_started = Instant::now();
    let regions = args.regions()?;
    let with_sales = !args.no_sales;
    let mut writers: Vec<Writer> = Vec::new();
    for _ in 0..args.writers.max(1) {
        let c = settings.connect().await?;
        // Generated history is bulk work; the API reads are what the benchmark measures.
        q(
            &c,
            "SELECT set_config('synchronous_commit', 'off', false)",
            &[],
        )
        .await?;
        writers.push(Writer {
            c,
            sims: Vec::new(),
        });
    }
    let n_writers = writers.len();
    for (n, (_, plan)) in plans.into_iter().enumerate() {
        let times = schedule(plan.tier, args.days, args.obs_per_day, now, &mut rng);
        let seed = rng.next_u64();
        writers[n % n_writers].sims.push(ProductSim::new(
            plan,
            times,
            seed,
            regions.len(),
            with_sales,
        ));
    }
    let retain_from = now - ChronoDuration::days(i64::from(args.days) + 1);
    let mut totals = WriteTotals::default();
    let mut vacuums = 0usize;
    for back in (0..i64::from(args.days)).rev() {
        // The simulated day ends `back` days before now.
        let until = now - ChronoDuration::days(back);
        let mut tasks = Vec::new();
        for mut w in writers.drain(..) {
            let regions = regions.clone();
            let move_share = args.move_share;
            tasks.push(tokio::spawn(async move {
                let mut t = WriteTotals::default();
                for sim in &mut w.sims {
                    t += sim
                        .write_until(&w.c, until, &regions, move_share, retain_from)
                        .await?;
                }
                anyhow::Ok((w, t))
            }));
        }
        for task in tasks {
            let (w, t) = task.await??;
            totals += t;
            writers.push(w);
        }
        // The daily cleanup's packing, as if it ran at the simulated day's end time of day: every
        // day before it packed into its month, then the months it appended to compacted.
        q(
            &c,
            "SELECT count(*) FROM market.pack_price_history($1)",
            &[(&until.date_naive(), Type::DATE)],
        )
        .await?;
        // Its lock holds the month's chart reads for as long as it runs: print that time.
        let compacting = Instant::now();
        let months = q(&c, "SELECT market.compact_price_history_months()", &[]).await?;
        for m in &months {
            println!(
                "compacted {} in {:.0} ms",
                m.get::<_, String>(0),
                compacting.elapsed().as_secs_f64() * 1e3
            );
        }
        vacuums += vacuum_as_autovacuum_would(&c).await?;
    }
    let history_secs = history_started.elapsed().as_secs_f64();

    // Sync bookkeeping as the worker leaves it.
    q(
        &c,
        "WITH o AS (
           SELECT product_id, marketplace_id, max(observed_at) AS at
           FROM market.market_observations WHERE product_id = ANY($1) GROUP BY 1, 2
         ), l AS (
           UPDATE market.marketplace_links l SET last_synced_at = o.at, next_due_at = o.at + interval '6 hours'
           FROM o WHERE l.product_id = o.product_id AND l.marketplace_id = o.marketplace_id
           RETURNING 1
         )
         UPDATE market.products p SET last_synced_at = x.at
         FROM (SELECT product_id, max(at) AS at FROM o GROUP BY 1) x
         WHERE p.id = x.product_id",
        &[(&ids, Type::INT4_ARRAY)],
    )
    .await?;

    // ECB rates for the last 5 days.
    let quotes = [
        ("USD", 1.0850),
        ("GBP", 0.8500),
        ("JPY", 160.0),
        ("KRW", 1450.0),
        ("AUD", 1.65),
        ("CAD", 1.47),
        ("CHF", 0.95),
        ("HKD", 8.45),
        ("SGD", 1.45),
        ("NZD", 1.80),
        ("MXN", 19.5),
        ("CNY", 7.80),
        ("SEK", 11.3),
        ("NOK", 11.6),
        ("DKK", 7.46),
        ("PLN", 4.30),
    ];
    let (mut dates, mut codes, mut rates) = (Vec::new(), Vec::new(), Vec::new());
    for back in 1..=5i64 {
        for (code, rate) in quotes {
            dates.push((now - ChronoDuration::days(back)).date_naive());
            codes.push(code);
            rates.push(format!("{:.8}", rate * (1.0 + 0.001 * back as f64)));
        }
    }
    q(
        &c,
        "INSERT INTO market.fx_rates (rate_date, base, quote, rate)
         SELECT d, 'EUR', c, r::numeric FROM unnest($1::date[], $2::text[], $3::text[]) AS t(d, c, r)
         ON CONFLICT DO NOTHING",
        &[
            (&dates, Type::DATE_ARRAY),
            (&codes, Type::TEXT_ARRAY),
            (&rates, Type::TEXT_ARRAY),
        ],
    )
    .await?;

    // The benchmark user's inventory.
    let codes = q(
        &c,
        "SELECT style_code FROM market.products WHERE id = ANY($1) ORDER BY id",
        &[(&ids, Type::INT4_ARRAY)],
    )
    .await?;
    let codes: Vec<String> = codes.iter().map(|r| r.get(0)).collect();
    let (mut style, mut size, mut unit, mut price, mut cur, mut status) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for n in 0..args.items {
        let code = if rng.chance(0.03) {
            format!("ZZ{:04}-{:03}", n, n % 1000)
        } else {
            let c = &codes[rng.below(codes.len())];
            match rng.below(10) {
                0 => c.to_lowercase(),
                1 => c.replace('-', " "),
                _ => c.clone(),
            }
        };
        style.push(code);
        let us = 7.0 + rng.below(13) as f64 * 0.5;
        let (s, u) = match rng.below(20) {
            0 | 1 => (format!("{}", us - 1.0), "UK"),
            2 => (format!("{}", (us + 33.0).round()), "EU"),
            _ => (format!("{us}"), "US"),
        };
        size.push(s);
        unit.push(u);
        price.push(format!("{:.2}", 90.0 + rng.unit() * 300.0));
        cur.push(match rng.below(20) {
            0 | 1 => "GBP",
            2 => "EUR",
            _ => "USD",
        });
        status.push(match rng.below(100) {
            0..=79 => "in_stock",
            80..=91 => "consigned",
            _ => "sold",
        });
    }
    q(
        &c,
        "DELETE FROM market.inventory_items WHERE user_id = $1::text::uuid",
        &[(&BENCH_USER, Type::TEXT)],
    )
    .await?;
    q(
        &c,
        "INSERT INTO market.inventory_items (user_id, style_id, size, size_unit, purchase_price,
                                             purchase_currency, status, created_at)
         SELECT $1::text::uuid, s, z, u, p::numeric, c, st, now() - make_interval(secs => n)
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           WITH ORDINALITY AS t(s, z, u, p, c, st, n)",
        &[
            (&BENCH_USER, Type::TEXT),
            (&style, Type::TEXT_ARRAY),
            (&size, Type::TEXT_ARRAY),
            (&unit, Type::TEXT_ARRAY),
            (&price, Type::TEXT_ARRAY),
            (&cur, Type::TEXT_ARRAY),
            (&status, Type::TEXT_ARRAY),
        ],
    )
    .await?;
    q(
        &c,
        "REFRESH MATERIALIZED VIEW market.product_market_summary",
        &[],
    )
    .await?;
    // Autovacuum would get there too; statistics make the plans the ones production gets.
    for t in [
        "market.price_history",
        "market.price_history_months",
        "market.latest_prices",
        "market.product_daily",
        "market.sales",
        "market.sales_daily_sizes",
        "market.product_sales_daily",
        "market.sales_sync",
        "market.market_observations",
        "market.products",
        "market.size_variants",
        "market.variant_links",
        "market.inventory_items",
        "market.marketplace_links",
        "market.fx_rates",
    ] {
        q(&c, &format!("VACUUM (ANALYZE) {t}"), &[]).await?;
    }
    Ok(SetupReport {
        products: ids.len(),
        variants,
        totals,
        items: args.items,
        history_secs,
        vacuums,
        total_secs: started.elapsed().as_secs_f64(),
    })
}
