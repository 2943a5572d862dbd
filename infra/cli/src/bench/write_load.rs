//! `market bench-api --write-load SECS`: the sync write path (snapshot + `store::mark_synced`, one
//! transaction per product, as the worker commits) at `--write-rate` per second against the
//! benchmark database, sampling lock waits every 100 ms.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use shared::core::db::DbSettings;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::core::tier::{Cadences, Tier};
use shared::marketplaces::snapshot::{MarketSnapshot, Quote};
use shared::sync::store;

use super::api::percentile;
use super::dataset::{step, Series, DEFAULT_MOVE_SHARE};
use super::*;

// --- write load -------------------------------------------------------------------------------

pub(crate) struct LiveSeries {
    pub(crate) product_id: i32,
    pub(crate) marketplace: Marketplace,
    pub(crate) series: Vec<Series>,
}

pub(crate) async fn write_load(
    settings: &DbSettings,
    secs: u64,
    args: &BenchApiArgs,
) -> anyhow::Result<()> {
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
                // Write load is hot-tier traffic: each product observed every 6 hours.
                let gap_days = 0.25;
                let quotes: Vec<Quote> = item
                    .series
                    .iter_mut()
                    .filter_map(|s| step(s, &mut rng, gap_days, DEFAULT_MOVE_SHARE))
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
                // The worker's bookkeeping, in the same transaction as the worker commits it.
                let cadence = Cadences::default().cadence_of(Tier::Hot);
                store::mark_synced(&tx, item.product_id, item.marketplace, now, cadence).await?;
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
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
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
