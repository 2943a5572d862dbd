//! The request rate limiter shared by every Lambda instance, kept in `market.rate_limits`.
//!
//! Hand-written because nothing off the shelf fits: rate-limiting crates (governor, leaky-bucket,
//! ...) keep their state in process memory, and the Redis-backed ones need a Redis we do not run.
//! Concurrent Lambdas share only Postgres, so the bucket lives there.
//!
//! Each request reserves the next free slot with ONE `UPDATE ... RETURNING`: the row lock
//! serializes concurrent reservations, every time comes from the database's `clock_timestamp()`
//! (so Lambda clock skew cannot squeeze two requests together), and the statement returns how
//! long the caller must sleep before sending. A 429 from the provider pushes `blocked_until`
//! forward so every instance backs off, not just the one that was told.
//!
//! Pooler-safe: only `query_typed` (unnamed statements), no session state.

use std::time::Duration;

use tokio_postgres::types::Type;

use super::config::RateLimitConfig;
use super::error::ProviderError;
use crate::core::db::DbPool;
use crate::core::domain::Marketplace;

/// Reserves a slot if the daily budget allows and the wait is at most `$2` ms. Returns the wait.
const RESERVE_SQL: &str = "
UPDATE market.rate_limits r
SET used_today      = CASE WHEN r.day < s.today THEN 1 ELSE r.used_today + 1 END,
    throttled_today = CASE WHEN r.day < s.today THEN 0 ELSE r.throttled_today END,
    day             = greatest(r.day, s.today),
    next_slot_at    = greatest(r.next_slot_at, r.blocked_until, s.now)
                      + r.min_interval_ms * interval '1 millisecond'
FROM (SELECT clock_timestamp() AS now, (clock_timestamp() AT TIME ZONE 'UTC')::date AS today) s
WHERE r.marketplace_id = $1
  AND (CASE WHEN r.day < s.today THEN 0 ELSE r.used_today END) < r.daily_limit
  AND greatest(r.next_slot_at, r.blocked_until, s.now) <= s.now + $2 * interval '1 millisecond'
RETURNING greatest(0, ceil(extract(epoch FROM
            (r.next_slot_at - r.min_interval_ms * interval '1 millisecond' - s.now)) * 1000))::int8";

/// Why a reservation was refused, read after the fact (advisory: only for the error message).
const REFUSAL_SQL: &str = "
SELECT (CASE WHEN r.day < s.today THEN 0 ELSE r.used_today END) >= r.daily_limit,
       ceil(extract(epoch FROM ((s.today + 1)::timestamp AT TIME ZONE 'UTC') - s.now) * 1000)::int8,
       greatest(0, ceil(extract(epoch FROM
         greatest(r.next_slot_at, r.blocked_until, s.now) - s.now) * 1000))::int8
FROM market.rate_limits r,
     (SELECT clock_timestamp() AS now, (clock_timestamp() AT TIME ZONE 'UTC')::date AS today) s
WHERE r.marketplace_id = $1";

const THROTTLED_SQL: &str = "
UPDATE market.rate_limits r
SET blocked_until   = greatest(r.blocked_until, s.now + $2 * interval '1 millisecond'),
    used_today      = CASE WHEN r.day < s.today THEN 0 ELSE r.used_today END,
    throttled_today = CASE WHEN r.day < s.today THEN 1 ELSE r.throttled_today + 1 END,
    day             = greatest(r.day, s.today)
FROM (SELECT clock_timestamp() AS now, (clock_timestamp() AT TIME ZONE 'UTC')::date AS today) s
WHERE r.marketplace_id = $1";

const CONFIGURE_SQL: &str = "
INSERT INTO market.rate_limits (marketplace_id, min_interval_ms, daily_limit)
VALUES ($1, $2, $3)
ON CONFLICT (marketplace_id) DO UPDATE
SET min_interval_ms = EXCLUDED.min_interval_ms, daily_limit = EXCLUDED.daily_limit";

const STATE_SQL: &str = "
SELECT min_interval_ms, daily_limit,
       CASE WHEN day < (clock_timestamp() AT TIME ZONE 'UTC')::date THEN 0 ELSE used_today END,
       CASE WHEN day < (clock_timestamp() AT TIME ZONE 'UTC')::date THEN 0 ELSE throttled_today END,
       blocked_until > clock_timestamp()
FROM market.rate_limits WHERE marketplace_id = $1";

/// A snapshot of one marketplace's limiter row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimiterState {
    pub min_interval: Duration,
    pub daily_limit: u32,
    pub used_today: u32,
    pub throttled_today: u32,
    pub blocked: bool,
}

/// The database-backed limiter. Cheap to clone (holds the pool).
#[derive(Clone)]
pub struct RateLimiter {
    pool: DbPool,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl RateLimiter {
    pub fn new(pool: DbPool) -> Self {
        RateLimiter { pool }
    }

    async fn conn(&self, m: Marketplace) -> Result<crate::core::db::PooledClient, ProviderError> {
        self.pool.get().await.map_err(|e| ProviderError::db(m, e))
    }

    /// Writes the limits for `m` (startup, from env or tests).
    pub async fn configure(
        &self,
        m: Marketplace,
        cfg: RateLimitConfig,
    ) -> Result<(), ProviderError> {
        let client = self.conn(m).await?;
        let interval = i32::try_from(cfg.min_interval.as_millis())
            .unwrap_or(i32::MAX)
            .max(1);
        let daily = i32::try_from(cfg.daily_limit).unwrap_or(i32::MAX).max(1);
        client
            .query_typed(
                CONFIGURE_SQL,
                &[
                    (&m.id(), Type::INT2),
                    (&interval, Type::INT4),
                    (&daily, Type::INT4),
                ],
            )
            .await
            .map_err(|e| ProviderError::db(m, e))?;
        Ok(())
    }

    /// Reserves the next slot and returns how long to wait for it, without sleeping. Refuses with
    /// `RateLimited` when today's budget is used up (retry after next UTC midnight) or the wait
    /// would exceed `max_wait` (retry after the wait).
    pub async fn reserve(
        &self,
        m: Marketplace,
        max_wait: Duration,
    ) -> Result<Duration, ProviderError> {
        let client = self.conn(m).await?;
        let max_ms = ms(max_wait);
        let rows = client
            .query_typed(RESERVE_SQL, &[(&m.id(), Type::INT2), (&max_ms, Type::INT8)])
            .await
            .map_err(|e| ProviderError::db(m, e))?;
        if let Some(row) = rows.first() {
            let wait: i64 = row.get(0);
            return Ok(Duration::from_millis(wait.max(0) as u64));
        }
        let rows = client
            .query_typed(REFUSAL_SQL, &[(&m.id(), Type::INT2)])
            .await
            .map_err(|e| ProviderError::db(m, e))?;
        let Some(row) = rows.first() else {
            return Err(ProviderError::Database {
                marketplace: m,
                detail: format!("no market.rate_limits row for {m}"),
                unavailable: false,
            });
        };
        let (exhausted, to_midnight, wait): (bool, i64, i64) = (row.get(0), row.get(1), row.get(2));
        Err(if exhausted {
            ProviderError::RateLimited {
                marketplace: m,
                retry_after: Some(Duration::from_millis(to_midnight.max(0) as u64)),
                detail: "daily request budget used up".into(),
            }
        } else {
            ProviderError::RateLimited {
                marketplace: m,
                retry_after: Some(Duration::from_millis(wait.max(0) as u64)),
                detail: format!(
                    "next request slot is {wait} ms away, more than the {max_ms} ms allowed"
                ),
            }
        })
    }

    /// Reserves a slot and sleeps until it. Returns the time slept.
    pub async fn acquire(
        &self,
        m: Marketplace,
        max_wait: Duration,
    ) -> Result<Duration, ProviderError> {
        let wait = self.reserve(m, max_wait).await?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(wait)
    }

    /// Records a 429: every instance waits at least `block_for` before its next request.
    pub async fn record_throttle(
        &self,
        m: Marketplace,
        block_for: Duration,
    ) -> Result<(), ProviderError> {
        let client = self.conn(m).await?;
        client
            .query_typed(
                THROTTLED_SQL,
                &[(&m.id(), Type::INT2), (&ms(block_for), Type::INT8)],
            )
            .await
            .map_err(|e| ProviderError::db(m, e))?;
        Ok(())
    }

    pub async fn state(&self, m: Marketplace) -> Result<Option<LimiterState>, ProviderError> {
        let client = self.conn(m).await?;
        let rows = client
            .query_typed(STATE_SQL, &[(&m.id(), Type::INT2)])
            .await
            .map_err(|e| ProviderError::db(m, e))?;
        Ok(rows.first().map(|r| LimiterState {
            min_interval: Duration::from_millis(r.get::<_, i32>(0).max(0) as u64),
            daily_limit: r.get::<_, i32>(1).max(0) as u32,
            used_today: r.get::<_, i32>(2).max(0) as u32,
            throttled_today: r.get::<_, i32>(3).max(0) as u32,
            blocked: r.get::<_, Option<bool>>(4).unwrap_or(false),
        }))
    }
}
