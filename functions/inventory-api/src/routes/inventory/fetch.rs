//! The inventory's database exchange: one pipelined round trip, and a second only for quotes the
//! instance does not hold.
//!
//! 1. One transaction, every message written before any reply is read: `BEGIN`, the switch to the
//!    `authenticated` role with the verified claims (`set_config(.., true)`, so the read through
//!    the `market.inventory` view, security_invoker, is filtered by row-level security as well as
//!    by our own `user_id` predicate), the first read (`market.inventory_read`: items, fee
//!    profile, products, the size runs not held in memory (`runs.rs`), FX), the switch back to
//!    the owner role, the on-demand enqueue (`market.inventory_enqueue`: new sync jobs, open jobs,
//!    marketplace links) and `COMMIT`.
//! 2. While the server runs the enqueue, the first read is decoded and the pairs' sizes are
//!    matched here (`match_size`). Then the prices and sales of the matched sizes that the
//!    instance does not hold from an earlier request (`quotes.rs`; `sql/inventory_quotes.sql`,
//!    bounded like every API query) are read, when there are any.
//!
//! Why prices come after the match: they were read for every size of every owned product
//! (~10,000 sizes, ~60,000 price rows at three regions for 1,000 pairs) so that Rust could match
//! sizes afterwards; reading only the ~1,000 matched sizes by primary key costs far less than the
//! round trip it adds, and the quote cache (`quotes.rs`) usually spares it.
//!
//! Why the enqueue is sent with the first read rather than after the match: the server runs it
//! (~2 ms at 918 pairs on `market bench-api`'s database) while the handler decodes and matches,
//! and a request whose quotes are all held needs one round trip. The enqueue then finds the held
//! pairs' products from their style ids itself (`p_products` NULL), server time that overlaps the
//! handler's.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::Poll;

use chrono::Utc;
use futures::future::{maybe_done, poll_fn, MaybeDone};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::Marketplace;
use shared::core::sizes::matching::{match_size, ProductSizing, RunSize, SizeMatch};
use std::collections::HashMap;
use std::sync::Arc;
use tokio_postgres::types::ToSql;

use super::matches::SizeMatches;
use super::quotes::Stamp;
use super::read::ReadRow;
use super::replies::QuotesRow;
use super::rows::EnqueueRow;
use crate::{ApiError, State};

// JIT off as in every API transaction (see `shared::core::db::query_bounded`).
const AS_USER_SQL: &str = "SELECT set_config('role', 'authenticated', true), \
     set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true), \
     set_config('statement_timeout', $3, true), set_config('lock_timeout', $4, true), \
     set_config('jit', 'off', true)";
const AS_OWNER_SQL: &str =
    "SELECT set_config('role', 'none', true), set_config('request.jwt.claims', '', true), \
     set_config('request.jwt.claim.sub', '', true)";

// The first read and the enqueue are PL/pgSQL functions (migration `inventory_functions`), so
// that the server keeps their plans between requests: nothing can be prepared through the
// transaction-mode pooler, and parsing and planning them inline took ~3.5 ms per request.
const READ_SQL: &str = "SELECT * FROM market.inventory_read($1, $2, $3, $4, $5)";
const QUOTES_SQL: &str = include_str!("../../sql/inventory_quotes.sql");
const ENQUEUE_SQL: &str = "SELECT * FROM market.inventory_enqueue($1, $2, $3, $4, $5, $6)";

/// What the two reads returned, with each item's size match (aligned with `read.items`).
pub(super) struct Fetched {
    pub(super) read: ReadRow,
    pub(super) matches: Vec<Option<SizeMatch>>,
    pub(super) quotes: QuotesRow,
    pub(super) enqueue: EnqueueRow,
}

/// The signed-in user's request as the reads need it.
pub(super) struct Request<'a> {
    pub(super) user: &'a shared::api::jwt::AuthenticatedUser,
    pub(super) statuses: &'a [String],
    pub(super) market: Option<&'static str>,
}

pub(super) async fn fetch(state: &State, req: Request<'_>) -> Result<Fetched, ApiError> {
    let client = state.client().await?;
    let result = exchange(state, &client, req).await;
    if result.is_err() {
        // Never hand a pooled connection back inside an open or failed transaction.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

async fn exchange(
    state: &State,
    client: &tokio_postgres::Client,
    req: Request<'_>,
) -> Result<Fetched, ApiError> {
    let sub = req.user.user_id.to_string();
    // The same per-transaction limits as every API query (see `query_bounded`).
    let statement_timeout = state.limits.statement_timeout_ms.to_string();
    let lock_timeout = state.limits.lock_timeout_ms.to_string();
    let as_user: [(&(dyn ToSql + Sync), Type); 4] = [
        (&req.user.claims_json, Type::TEXT),
        (&sub, Type::TEXT),
        (&statement_timeout, Type::TEXT),
        (&lock_timeout, Type::TEXT),
    ];
    let statuses = req.statuses.to_vec();
    let held = state.size_runs.held();
    let read_params: [(&(dyn ToSql + Sync), Type); 5] = [
        (&req.user.user_id, Type::UUID),
        (&statuses, Type::TEXT_ARRAY),
        (&req.market, Type::TEXT),
        (&held.ids, Type::INT4_ARRAY),
        (&held.versions, Type::INT8_ARRAY),
    ];
    let od = &state.on_demand;
    let no_products: Option<Vec<i32>> = None;
    let enqueue_params: [(&(dyn ToSql + Sync), Type); 6] = [
        (&req.user.user_id, Type::UUID),
        (&od.marketplaces, Type::INT2_ARRAY),
        (&od.per_request, Type::INT8),
        (&od.per_user_day, Type::INT8),
        (&od.daily_max, Type::INT8),
        (&no_products, Type::INT4_ARRAY),
    ];
    state.count_round_trip();
    // Each half is polled once, in order, so that every message is written before any reply is
    // awaited; the first half's reply is then decoded while the server runs the second. (The
    // first is boxed so that it can be dropped once its reply is taken: the size runs it
    // borrows as parameters are handed on.)
    let mut first = Box::pin(maybe_done(async {
        futures::try_join!(
            client.batch_execute("BEGIN"),
            client.query_typed(AS_USER_SQL, &as_user),
            client.query_typed(READ_SQL, &read_params),
        )
    }));
    let mut second = pin!(maybe_done(async {
        futures::try_join!(
            client.query_typed(AS_OWNER_SQL, &[]),
            client.query_typed(ENQUEUE_SQL, &enqueue_params),
            client.batch_execute("COMMIT"),
        )
    }));
    poll_fn(|cx| {
        let _ = first.as_mut().poll(cx);
        let _ = second.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
    first.as_mut().await;
    let (_, _, read_rows) = taken(first.as_mut())?;
    drop(first);
    let mut read = ReadRow::from_row(
        read_rows
            .first()
            .ok_or_else(|| ApiError::Decode("no inventory row".into()))?,
    )?;
    let runs = super::runs::resolve(
        &state.size_runs,
        held,
        read.products.iter().map(|p| (p.id, p.sizes_version)),
        std::mem::take(&mut read.read_runs),
    );
    let matches = match_sizes(&read, &runs, &state.size_matches);
    read.attach_matches(&matches);

    // The matched sizes, each with its product's stamp; the cache answers those whose product
    // was not synced since they were read, the rest (and, where the product's sales were
    // fetched, their sales) are read.
    let stamps = read.stamps();
    let unstamped = Stamp::default();
    let stamp_of = |v: i32| {
        read.product_of(v)
            .and_then(|p| stamps.get(&p))
            .unwrap_or(&unstamped)
    };
    let mut priced: Vec<i32> = matches
        .iter()
        .flatten()
        .filter_map(|m| m.variant_id)
        .collect();
    priced.sort_unstable();
    priced.dedup();
    let lookup = state.quotes.lookup(
        &read.market,
        priced.iter().map(|v| (*v, stamp_of(*v))),
        Utc::now(),
    );
    second.as_mut().await;
    let (_, enqueue_rows, _) = taken(second.as_mut())?;
    let quote_rows = if lookup.missing.is_empty() {
        None
    } else {
        let sales_marketplaces = Marketplace::with_sales_ids();
        let quote_params: [(&(dyn ToSql + Sync), Type); 4] = [
            (&lookup.missing, Type::INT4_ARRAY),
            (&lookup.missing_with_sales, Type::INT4_ARRAY),
            (&read.market, Type::TEXT),
            (&sales_marketplaces, Type::INT2_ARRAY),
        ];
        state.count_round_trip();
        Some(query_bounded(client, QUOTES_SQL, &quote_params, state.limits).await?)
    };
    let mut quotes = QuotesRow {
        prices: lookup.prices,
        size_sales: lookup.sales,
    };
    if let Some(rows) = quote_rows {
        let fetched = super::replies::quotes(
            rows.first()
                .ok_or_else(|| ApiError::Decode("no quotes row".into()))?,
        )?;
        state.quotes.store(
            &read.market,
            lookup.missing.iter().map(|v| (*v, stamp_of(*v))),
            &fetched.prices,
            &fetched.size_sales,
        );
        quotes.prices.extend(fetched.prices);
        quotes.size_sales.extend(fetched.size_sales);
    }
    read.observe(&mut quotes.prices);
    let enqueue = super::replies::enqueue(
        enqueue_rows
            .first()
            .ok_or_else(|| ApiError::Decode("no enqueue row".into()))?,
    )?;
    Ok(Fetched {
        read,
        matches,
        quotes,
        enqueue,
    })
}

/// The replies of a pipelined half that was awaited to completion.
fn taken<T, F>(half: Pin<&mut MaybeDone<F>>) -> Result<T, ApiError>
where
    F: Future<Output = Result<T, tokio_postgres::Error>>,
{
    half.take_output()
        .ok_or_else(|| ApiError::Decode("a pipelined reply was taken twice".into()))?
        .map_err(ApiError::from)
}

/// Each item's size matched on its product's run (`None`: the size does not parse), as held from
/// an earlier request while the run, brand and gender are unchanged (`matches.rs`). An item with
/// no product is matched on an empty run: its size is still read and converted for display.
fn match_sizes(
    read: &ReadRow,
    runs: &HashMap<i32, Arc<[RunSize]>>,
    cache: &SizeMatches,
) -> Vec<Option<SizeMatch>> {
    let mut held = cache.lock();
    read.items
        .iter()
        .map(|it| {
            let product = read.product_for(&it.key);
            let sizing = ProductSizing {
                brand: product.map_or("", |p| p.brand.as_str()),
                gender: product.and_then(|p| p.gender.as_deref()),
            };
            let run = product
                .and_then(|p| runs.get(&p.id))
                .map(|r| &r[..])
                .unwrap_or(&[]);
            let compute = || match_size(&it.size, &it.size_unit, run, &sizing);
            match product {
                Some(p) => held.get_or_match(
                    p.id,
                    p.sizes_version,
                    &sizing,
                    &it.size,
                    &it.size_unit,
                    compute,
                ),
                None => compute(),
            }
        })
        .collect()
}
