//! `market bench-api`: the API benchmark (and the data set the fuzz and load scripts use).
//!
//! Default mode, on a fresh database `market_bench_<time>` created on the server `DATABASE_URL`
//! points at (dropped at the end unless `--keep-db`):
//! 1. migrations (`shared::migrate`), the real catalogue (`catalog::parse_file`, first N products);
//! 2. size mapping: a StockX and an Alias variant link for every size of every product, all
//!    marketplace links `matched`;
//! 3. history through the real write path: `store::write_snapshot` for every observation, oldest
//!    first, `--days` back, at each product's tier cadence (hot: `--obs-per-day`, warm: daily,
//!    cold: weekly), prices following per-size random walks (changed observations only reach
//!    `price_history`, as in production);
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
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use lambda_http::http::HeaderMap;
use shared::db::{DbSettings, Type};
use shared::domain::{Currency, Marketplace, Region};
use shared::quote::{MarketSnapshot, Quote};
use shared::sync::store;
use shared::{catalog, migrate};
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

use crate::serve_apis::function_url_request;

/// The benchmark user (fixed so scripts can mint a token for it).
pub const BENCH_USER: &str = "b0000000-0000-4000-8000-000000000001";

#[derive(clap::Args, Debug, Clone)]
pub struct BenchApiArgs {
    /// Products of the real catalogue to load (first N valid rows).
    #[arg(long, default_value_t = 500)]
    pub products: usize,
    /// Days of history to generate (ending now).
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Observations per day of hot-tier products (warm: 1 a day, cold: 1 a week).
    #[arg(long, default_value_t = 4)]
    pub obs_per_day: u32,
    /// Percent of products in the hot and warm tiers (the rest is cold).
    #[arg(long, default_value_t = 20)]
    pub hot_pct: u32,
    #[arg(long, default_value_t = 30)]
    pub warm_pct: u32,
    /// Inventory items of the benchmark user.
    #[arg(long, default_value_t = 1000)]
    pub items: usize,
    /// Measured market page requests (random products).
    #[arg(long, default_value_t = 200)]
    pub page_requests: usize,
    /// Measured history requests (random products, 90 days).
    #[arg(long, default_value_t = 50)]
    pub history_requests: usize,
    /// Measured inventory requests.
    #[arg(long, default_value_t = 50)]
    pub inventory_requests: usize,
    /// Concurrent connections generating history.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// Seed of the random walks and request mix.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only seed market data into the DATABASE_URL database (migrated and `market seed`ed).
    #[arg(long)]
    pub setup_only: bool,
    /// Keep the benchmark database instead of dropping it.
    #[arg(long)]
    pub keep_db: bool,
    /// Run the sync write path against the DATABASE_URL database for SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub write_load: Option<u64>,
    /// Product snapshots per second in --write-load mode.
    #[arg(long, default_value_t = 20.0)]
    pub write_rate: f64,
    /// Print an HS256 access token for the benchmark user (SUPABASE_JWT_SECRET) and exit.
    #[arg(long)]
    pub print_token: bool,
}

// --- small deterministic PRNG (SplitMix64) ----------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

async fn q(
    c: &Client,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> anyhow::Result<Vec<tokio_postgres::Row>> {
    c.query_typed(sql, params)
        .await
        .with_context(|| format!("SQL failed: {}", sql.lines().next().unwrap_or_default()))
}

fn url_with_db(base: &str, db: &str) -> anyhow::Result<String> {
    // postgres://user@host:port/db?params
    let (head, params) = match base.split_once('?') {
        Some((h, p)) => (h, Some(p)),
        None => (base, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = head[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(head.len());
    let mut out = format!("{}/{}", &head[..path_start], db);
    if let Some(p) = params {
        out.push('?');
        out.push_str(p);
    }
    Ok(out)
}

// --- setup ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Hot,
    Warm,
    Cold,
}

impl Tier {
    fn code(self) -> &'static str {
        match self {
            Tier::Hot => "hot",
            Tier::Warm => "warm",
            Tier::Cold => "cold",
        }
    }
}

/// One size of one product on one marketplace, with its random walk.
struct Series {
    ext: String,
    listed: bool,
    ask: f64,
    bid_ratio: f64,
    last: Option<f64>,
    has_bid: bool,
}

/// One product's plan, its observation times and its PRNG seed.
type WriterJob = (ProductPlan, Vec<DateTime<Utc>>, u64);

struct ProductPlan {
    id: i32,
    tier: Tier,
    /// Per marketplace (StockX, Alias).
    series: [Vec<Series>; 2],
}

#[derive(Debug, Default, Clone, Copy)]
struct WriteTotals {
    snapshots: u64,
    quotes: u64,
    history: i64,
    latest: i64,
    rollups: i64,
}

impl std::ops::AddAssign for WriteTotals {
    fn add_assign(&mut self, o: Self) {
        self.snapshots += o.snapshots;
        self.quotes += o.quotes;
        self.history += o.history;
        self.latest += o.latest;
        self.rollups += o.rollups;
    }
}

fn round_price(v: f64) -> i64 {
    ((v / 100.0).round() as i64 * 100).max(1_000)
}

/// Advances one series by one observation and returns its quote (None: no data for the size).
fn step(s: &mut Series, rng: &mut Rng) -> Option<Quote> {
    if s.listed {
        if rng.chance(0.015) {
            s.listed = false;
        }
    } else if rng.chance(0.25) {
        s.listed = true;
    }
    if rng.chance(0.35) {
        s.ask *= 1.0 + rng.signed() * 0.03 + 0.001;
        if rng.chance(0.5) {
            s.bid_ratio = 0.82 + rng.unit() * 0.1;
        }
    }
    if rng.chance(0.12) {
        let bid = s.ask * s.bid_ratio;
        s.last = Some(bid + (s.ask - bid) * rng.unit());
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
fn schedule(
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

async fn write_product(
    c: &Client,
    plan: &mut ProductPlan,
    times: &[DateTime<Utc>],
    rng: &mut Rng,
) -> anyhow::Result<WriteTotals> {
    let mut t = WriteTotals::default();
    for at in times {
        for (i, marketplace) in [Marketplace::StockX, Marketplace::Alias]
            .into_iter()
            .enumerate()
        {
            let quotes: Vec<Quote> = plan.series[i]
                .iter_mut()
                .filter_map(|s| step(s, rng))
                .collect();
            let snapshot = MarketSnapshot {
                marketplace,
                external_product_id: format!("{}-{}", marketplace.code(), plan.id),
                region: Region::US,
                currency: Currency::USD,
                observed_at: *at,
                quotes,
            };
            let w = store::write_snapshot(c, plan.id, &snapshot).await?;
            t.snapshots += 1;
            t.quotes += snapshot.quotes.len() as u64;
            t.history += w.history_written;
            t.latest += w.latest_written;
            t.rollups += w.rollups_written;
        }
    }
    Ok(t)
}

pub struct SetupReport {
    products: usize,
    variants: usize,
    totals: WriteTotals,
    items: usize,
    history_secs: f64,
    total_secs: f64,
}

/// Steps 2-4 on an already migrated and catalogue-seeded database.
async fn setup(settings: &DbSettings, args: &BenchApiArgs) -> anyhow::Result<SetupReport> {
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
        "SELECT v.product_id, v.size_value::float8, l.marketplace_id, l.external_variant_id
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

    // History through the write path, one connection per writer, products split across them;
    // each product's observations in time order.
    let history_started = Instant::now();
    let writers = args.writers.max(1);
    let mut groups: Vec<Vec<WriterJob>> = (0..writers).map(|_| Vec::new()).collect();
    for (n, (_, plan)) in plans.into_iter().enumerate() {
        let times = schedule(plan.tier, args.days, args.obs_per_day, now, &mut rng);
        groups[n % writers].push((plan, times, rng.next_u64()));
    }
    let mut tasks = Vec::new();
    for group in groups {
        let settings = settings.clone();
        tasks.push(tokio::spawn(async move {
            let c = settings.connect().await?;
            // Generated history is bulk work; the API reads are what the benchmark measures.
            q(
                &c,
                "SELECT set_config('synchronous_commit', 'off', false)",
                &[],
            )
            .await?;
            let mut t = WriteTotals::default();
            for (mut plan, times, seed) in group {
                let mut rng = Rng(seed);
                t += write_product(&c, &mut plan, &times, &mut rng).await?;
            }
            anyhow::Ok(t)
        }));
    }
    let mut totals = WriteTotals::default();
    for t in tasks {
        totals += t.await??;
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
        "market.latest_prices",
        "market.daily_rollups",
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
        total_secs: started.elapsed().as_secs_f64(),
    })
}

// --- measurement ------------------------------------------------------------------------------

/// An HS256 access token for `user` signed with `secret`, valid for an hour.
pub fn token(user: &str, secret: &str) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": user, "aud": "authenticated", "role": "authenticated",
        "iat": now, "exp": now + 3600, "email": "bench@example.com"
    });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())?,
    )?)
}

#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    raw: Vec<usize>,
    gz: Vec<usize>,
    round_trips: u64,
    errors: usize,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(v: &[usize]) -> usize {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

fn body_sizes(resp: lambda_http::Response<lambda_http::Body>) -> (u16, usize, usize) {
    let status = resp.status().as_u16();
    let gz = resp
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let sent = match resp.into_body() {
        lambda_http::Body::Text(s) => s.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    if gz {
        let mut raw = Vec::new();
        let _ = flate2::read::GzDecoder::new(sent.as_slice()).read_to_end(&mut raw);
        (status, raw.len(), sent.len())
    } else {
        (status, sent.len(), sent.len())
    }
}

fn request(path: &str, query: &str, auth: Option<&str>) -> anyhow::Result<lambda_http::Request> {
    let mut h = HeaderMap::new();
    h.insert("host", "bench.lambda-url.eu-west-1.on.aws".parse()?);
    h.insert("accept-encoding", "gzip, deflate, br".parse()?);
    h.insert("x-forwarded-proto", "https".parse()?);
    if let Some(t) = auth {
        h.insert("authorization", format!("Bearer {t}").parse()?);
    }
    function_url_request(
        "GET",
        path,
        query,
        &h,
        &[],
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)),
    )
    .map_err(anyhow::Error::msg)
}

fn print_table(rows: &[(&str, &Samples)]) {
    println!("| request | n | p50 ms | p99 ms | max ms | DB round trips / req | raw bytes (median) | gzip bytes (median) | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, s) in rows {
        let mut ms = s.ms.clone();
        ms.sort_by(f64::total_cmp);
        let n = ms.len().max(1);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
            ms.len(),
            pct(&ms, 50.0),
            pct(&ms, 99.0),
            ms.last().copied().unwrap_or(f64::NAN),
            s.round_trips as f64 / n as f64,
            median(&s.raw),
            median(&s.gz),
            s.errors
        );
    }
}

async fn measure(args: &BenchApiArgs, codes: &[String]) -> anyhow::Result<()> {
    let market = market_api::State::from_env().context("market-api state")?;
    let inventory = inventory_api::State::from_env()
        .await
        .context("inventory-api state")?;
    let secret = std::env::var("SUPABASE_JWT_SECRET").unwrap_or_default();
    let tok = token(BENCH_USER, &secret)?;
    let mut rng = Rng(args.seed ^ 0x5EED);
    // Warm-up: pool connections, first-touch of the catalogue pages.
    for code in codes.iter().take(5) {
        let _ =
            market_api::handle(&market, request(&format!("/v1/products/{code}"), "", None)?).await;
    }
    let _ = inventory_api::handle(&inventory, request("/v1/inventory", "", Some(&tok))?).await;

    let mut page = Samples::default();
    for _ in 0..args.page_requests {
        let code = &codes[rng.below(codes.len())];
        let req = request(&format!("/v1/products/{code}"), "", None)?;
        let rt = market.round_trips.load(Ordering::Relaxed);
        let t = Instant::now();
        let resp = market_api::handle(&market, req).await;
        page.ms.push(t.elapsed().as_secs_f64() * 1e3);
        page.round_trips += market.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        page.errors += usize::from(status != 200);
        page.raw.push(raw);
        page.gz.push(gz);
    }
    let mut history = Samples::default();
    for _ in 0..args.history_requests {
        let code = &codes[rng.below(codes.len())];
        let req = request(&format!("/v1/products/{code}/history"), "days=90", None)?;
        let rt = market.round_trips.load(Ordering::Relaxed);
        let t = Instant::now();
        let resp = market_api::handle(&market, req).await;
        history.ms.push(t.elapsed().as_secs_f64() * 1e3);
        history.round_trips += market.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        history.errors += usize::from(status != 200);
        history.raw.push(raw);
        history.gz.push(gz);
    }
    let mut inv = Samples::default();
    for _ in 0..args.inventory_requests {
        let req = request("/v1/inventory", "", Some(&tok))?;
        let rt = inventory.round_trips.load(Ordering::Relaxed);
        let t = Instant::now();
        let resp = inventory_api::handle(&inventory, req).await;
        inv.ms.push(t.elapsed().as_secs_f64() * 1e3);
        inv.round_trips += inventory.round_trips.load(Ordering::Relaxed) - rt;
        let (status, raw, gz) = body_sizes(resp);
        inv.errors += usize::from(status != 200);
        inv.raw.push(raw);
        inv.gz.push(gz);
    }
    // What one inventory response carries.
    let one = inventory_api::handle(&inventory, request("/v1/inventory", "", Some(&tok))?).await;
    let body = match one.into_body() {
        lambda_http::Body::Text(s) => s.into_bytes(),
        lambda_http::Body::Binary(b) => {
            let mut raw = Vec::new();
            let _ = flate2::read::GzDecoder::new(b.as_slice()).read_to_end(&mut raw);
            raw
        }
        _ => Vec::new(),
    };
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let valued = &v["totals"];
    println!();
    println!(
        "inventory response: {} open items, {} valued, {} with cost",
        valued["items"], valued["items_valued"], valued["items_with_cost"]
    );
    println!();
    print_table(&[
        ("market page `GET /v1/products/{style}`", &page),
        (
            "history `GET /v1/products/{style}/history?days=90`",
            &history,
        ),
        ("inventory `GET /v1/inventory` (open items)", &inv),
    ]);
    Ok(())
}

async fn storage(c: &Client, totals: &WriteTotals) -> anyhow::Result<()> {
    let rows = q(
        c,
        "SELECT 'price_history (all partitions)',
                (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::int8
                   FROM pg_partition_tree('market.price_history') WHERE isleaf),
                (SELECT count(*) FROM market.price_history)
         UNION ALL
         SELECT 'latest_prices', pg_total_relation_size('market.latest_prices'),
                (SELECT count(*) FROM market.latest_prices)
         UNION ALL
         SELECT 'daily_rollups', pg_total_relation_size('market.daily_rollups'),
                (SELECT count(*) FROM market.daily_rollups)",
        &[],
    )
    .await?;
    println!();
    println!("| table | rows | total bytes (heap+indexes+TOAST) | bytes / row |");
    println!("|---|---:|---:|---:|");
    let mut sum = 0i64;
    let mut hist_rows = 0i64;
    for r in &rows {
        let name: &str = r.get(0);
        let bytes: i64 = r.get(1);
        let n: i64 = r.get(2);
        sum += bytes;
        if name.starts_with("price_history") {
            hist_rows = n;
        }
        println!(
            "| {name} | {n} | {bytes} | {:.1} |",
            bytes as f64 / n.max(1) as f64
        );
    }
    println!(
        "| **all three** | | {sum} | {:.1} per stored (changed) observation; {:.1} per size quote received |",
        sum as f64 / hist_rows.max(1) as f64,
        sum as f64 / totals.quotes.max(1) as f64
    );
    Ok(())
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    format!("cargo run -p market-cli{profile} -- {}", args.join(" "))
}

pub async fn run(settings: &DbSettings, url: &str, args: BenchApiArgs) -> anyhow::Result<()> {
    if args.print_token {
        let secret = std::env::var("SUPABASE_JWT_SECRET")
            .context("SUPABASE_JWT_SECRET must be set to mint a token")?;
        println!("{}", token(BENCH_USER, &secret)?);
        return Ok(());
    }
    if let Some(secs) = args.write_load {
        return write_load(settings, secs, &args).await;
    }
    if args.setup_only {
        let r = setup(settings, &args).await?;
        println!(
            "bench data: {} products, {} sizes, {} snapshots written ({} quotes; {} history, {} latest, {} rollup rows) in {:.1}s; {} inventory items for user {BENCH_USER}; {:.1}s total",
            r.products, r.variants, r.totals.snapshots, r.totals.quotes, r.totals.history,
            r.totals.latest, r.totals.rollups, r.history_secs, r.items, r.total_secs
        );
        return Ok(());
    }

    let started = Instant::now();
    let db = format!("market_bench_{}", Utc::now().format("%Y%m%d%H%M%S"));
    let admin = settings.connect().await?;
    q(&admin, &format!("CREATE DATABASE {db}"), &[]).await?;
    let bench_url = url_with_db(url, &db)?;
    let result = async {
        let bench = DbSettings::from_url(&bench_url)?;
        let mut c = bench.connect().await?;
        let migrations = migrate::discover(&migrate::default_dir())?;
        migrate::apply(&mut c, &migrations).await?;
        let mut parsed = catalog::parse_file(&catalog::default_catalog_path())?;
        parsed.rows.truncate(args.products);
        catalog::load(&mut c, &parsed.rows).await?;
        let r = setup(&bench, &args).await?;
        // The handlers' own configuration path.
        std::env::set_var("DATABASE_URL", &bench_url);
        if std::env::var("SUPABASE_JWT_SECRET").is_err() {
            std::env::set_var("SUPABASE_JWT_SECRET", "bench-only-hs256-secret-0123456789abcdef");
        }
        let codes: Vec<String> = q(
            &c,
            "SELECT style_code FROM market.products ORDER BY id",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
        println!("## API benchmark");
        println!();
        println!("command: `{}`", command_line());
        println!();
        println!(
            "data: {} products (real catalogue), {} sizes x 2 marketplaces mapped; {} days of history through `store::write_snapshot`: {} snapshots ({} size quotes) -> {} history, {} latest, {} rollup rows in {:.1}s; {} inventory items; setup {:.1}s",
            r.products, r.variants, args.days, r.totals.snapshots, r.totals.quotes,
            r.totals.history, r.totals.latest, r.totals.rollups, r.history_secs, r.items, r.total_secs
        );
        println!(
            "tiers: {}% hot ({} obs/day), {}% warm (1/day), rest cold (1/week); sequential requests, handler + DB time, DB_POOL_SIZE={}",
            args.hot_pct,
            args.obs_per_day,
            args.warm_pct,
            std::env::var("DB_POOL_SIZE").unwrap_or_else(|_| "2 (default)".into())
        );
        measure(&args, &codes).await?;
        storage(&c, &r.totals).await?;
        anyhow::Ok(())
    }
    .await;
    if args.keep_db {
        println!("\nkept database {db}: {bench_url}");
    } else {
        q(
            &admin,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            &[],
        )
        .await?;
    }
    println!("\ntotal run time {:.1}s", started.elapsed().as_secs_f64());
    result
}

// --- write load -------------------------------------------------------------------------------

struct LiveSeries {
    product_id: i32,
    marketplace: Marketplace,
    series: Vec<Series>,
}

async fn write_load(settings: &DbSettings, secs: u64, args: &BenchApiArgs) -> anyhow::Result<()> {
    let c = settings.connect().await?;
    let rows = q(
        &c,
        "SELECT v.product_id, l.marketplace_id, l.external_variant_id,
                coalesce(p.ask_minor, 15000)::float8, p.last_sale_minor::float8
         FROM market.variant_links l
         JOIN market.size_variants v ON v.id = l.variant_id
         LEFT JOIN market.latest_prices p
           ON p.variant_id = l.variant_id AND p.marketplace_id = l.marketplace_id AND p.region = 'US'
         ORDER BY 1, 2, 3",
        &[],
    )
    .await?;
    let mut by_key: BTreeMap<(i32, i16), Vec<Series>> = BTreeMap::new();
    let mut rng = Rng(args.seed ^ 0xF00D);
    for r in &rows {
        by_key
            .entry((r.get(0), r.get(1)))
            .or_default()
            .push(Series {
                ext: r.get(2),
                listed: rng.chance(0.9),
                ask: r.get(3),
                bid_ratio: 0.85,
                last: r.get(4),
                has_bid: rng.chance(0.7),
            });
    }
    let mut work: Vec<LiveSeries> = by_key
        .into_iter()
        .filter_map(|((p, m), series)| {
            Some(LiveSeries {
                product_id: p,
                marketplace: Marketplace::from_id(m)?,
                series,
            })
        })
        .collect();
    anyhow::ensure!(!work.is_empty(), "no mapped sizes: run --setup-only first");
    let n = work.len();
    // Two writers, as two worker Lambdas would commit concurrently.
    let halves: Vec<Vec<LiveSeries>> = {
        let b = work.split_off(n / 2);
        vec![work, b]
    };
    let deadline = Instant::now() + Duration::from_secs(secs);
    let per_writer = Duration::from_secs_f64(halves.len() as f64 / args.write_rate.max(0.1));
    let stop_sampler = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let settings = settings.clone();
        let stop = stop_sampler.clone();
        tokio::spawn(async move {
            let c = settings.connect().await?;
            let (mut samples, mut with_waiter, mut longest_ms) = (0u64, 0u64, 0f64);
            let mut longest_query = String::new();
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let r = q(
                    &c,
                    "SELECT coalesce(extract(epoch FROM max(now() - query_start)) * 1000, 0)::float8,
                            (SELECT left(query, 80) FROM pg_stat_activity
                              WHERE wait_event_type = 'Lock' AND datname = current_database()
                              ORDER BY query_start LIMIT 1)
                     FROM pg_stat_activity
                     WHERE wait_event_type = 'Lock' AND datname = current_database()",
                    &[],
                )
                .await?;
                samples += 1;
                let ms: f64 = r[0].get(0);
                if ms > 0.0 {
                    with_waiter += 1;
                }
                if ms > longest_ms {
                    longest_ms = ms;
                    longest_query = r[0].get::<_, Option<String>>(1).unwrap_or_default();
                }
            }
            anyhow::Ok((samples, with_waiter, longest_ms, longest_query))
        })
    };
    let mut tasks = Vec::new();
    for (w, mut part) in halves.into_iter().enumerate() {
        let settings = settings.clone();
        let seed = args.seed.wrapping_add(w as u64);
        tasks.push(tokio::spawn(async move {
            let mut c = settings.connect().await?;
            let mut rng = Rng(seed);
            let mut lat = Vec::new();
            let mut rows_written = 0i64;
            let mut tick = tokio::time::interval(per_writer);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < deadline {
                tick.tick().await;
                let k = rng.below(part.len());
                let item = &mut part[k];
                let quotes: Vec<Quote> = item
                    .series
                    .iter_mut()
                    .filter_map(|s| step(s, &mut rng))
                    .collect();
                let now = Utc::now();
                let snapshot = MarketSnapshot {
                    marketplace: item.marketplace,
                    external_product_id: format!("{}-{}", item.marketplace.code(), item.product_id),
                    region: Region::US,
                    currency: Currency::USD,
                    observed_at: now,
                    quotes,
                };
                let t = Instant::now();
                let tx = c.transaction().await?;
                let wr = store::write_snapshot(&tx, item.product_id, &snapshot).await?;
                // The worker's bookkeeping in the same transaction (row locks on the link and the
                // product row, which the page's "viewed" update also takes).
                let mp = item.marketplace.id();
                let cadence = 6.0 * 3600.0f64;
                tx.query_typed(
                    "WITH l AS (
                       UPDATE market.marketplace_links SET last_synced_at = $3,
                         next_due_at = $3 + make_interval(secs => $4), consecutive_failures = 0,
                         last_error_kind = NULL, last_error = NULL, updated_at = now()
                       WHERE product_id = $1 AND marketplace_id = $2
                       RETURNING 1
                     )
                     UPDATE market.products SET last_synced_at = greatest(last_synced_at, $3),
                       next_due_at = $3 + make_interval(secs => $4), sync_failures = 0
                     WHERE id = $1",
                    &[
                        (&item.product_id, Type::INT4),
                        (&mp, Type::INT2),
                        (&now, Type::TIMESTAMPTZ),
                        (&cadence, Type::FLOAT8),
                    ],
                )
                .await?;
                tx.commit().await?;
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                rows_written += wr.rows_written();
            }
            anyhow::Ok((lat, rows_written))
        }));
    }
    let mut lat = Vec::new();
    let mut rows_written = 0;
    for t in tasks {
        let (l, r) = t.await??;
        lat.extend(l);
        rows_written += r;
    }
    stop_sampler.store(true, Ordering::Relaxed);
    let (samples, with_waiter, longest_ms, longest_query) = sampler.await??;
    lat.sort_by(f64::total_cmp);
    println!(
        "write load: {} product snapshots in {secs}s ({:.1}/s, 2 writers, one transaction each as the worker commits), {} rows written; commit latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        lat.len() as f64 / secs.max(1) as f64,
        rows_written,
        pct(&lat, 50.0),
        pct(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "lock waits: {samples} samples every 100 ms of pg_stat_activity, {with_waiter} with a backend waiting on a lock; longest wait seen {:.1} ms{}",
        longest_ms,
        if longest_query.is_empty() {
            String::new()
        } else {
            format!(" ({longest_query})")
        }
    );
    Ok(())
}
