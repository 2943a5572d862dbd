//! Which products' sales are fetched this tick. A product is a candidate when Alias matched it and
//! its sizes are mapped, its sales are due (never fetched, or `next_due_at` passed) and no sales
//! job for it is open. Hot products come first; each job is costed at its product's sizes x
//! regions (an upper bound: a partial walk asks fewer), and jobs are taken while the calls of all
//! sales jobs enqueued in the last 24 hours stay within `SALES_DAILY_CALLS` and Alias's remaining
//! daily budget (less the on-demand reserve).

use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::SalesConfig;
use crate::core::domain::Marketplace;
use crate::sync::jobs::{JobKind, JobMessage};

const PLAN_SQL: &str = "
WITH spent AS (
  SELECT coalesce(sum(calls), 0) AS calls FROM market.sync_jobs
  WHERE kind = 'sales' AND enqueued_at > now() - interval '24 hours'
), provider AS (
  SELECT greatest(0, CASE WHEN day < (now() AT TIME ZONE 'UTC')::date THEN daily_limit
                          ELSE daily_limit - used_today END - $4) AS remaining
  FROM market.rate_limits WHERE marketplace_id = $1
), candidates AS (
  SELECT p.id AS product_id,
         CASE p.tier WHEN 'hot' THEN 3 WHEN 'warm' THEN 2 ELSE 1 END AS priority,
         coalesce(s.next_due_at, '-infinity') AS due,
         (SELECT count(*) FROM market.variant_links vl JOIN market.size_variants sv ON sv.id = vl.variant_id
          WHERE sv.product_id = p.id AND vl.marketplace_id = $1) * $3 AS cost
  FROM market.marketplace_links l
  JOIN market.products p ON p.id = l.product_id
  LEFT JOIN market.sales_sync s ON s.product_id = l.product_id
  WHERE l.marketplace_id = $1 AND l.status = 'matched' AND l.variants_mapped_at IS NOT NULL
    AND (s.next_due_at IS NULL OR s.next_due_at <= now())
    AND NOT EXISTS (SELECT 1 FROM market.sync_jobs j
                    WHERE j.product_id = l.product_id AND j.marketplace_id = $1 AND j.kind = 'sales'
                      AND j.status IN ('queued', 'running'))
), ranked AS (
  SELECT c.*, sum(cost) OVER (ORDER BY priority DESC, due, product_id) AS cumulative
  FROM candidates c WHERE cost > 0
), chosen AS (
  SELECT r.* FROM ranked r, spent, provider
  WHERE r.cumulative <= least($5 - spent.calls, provider.remaining)
  ORDER BY priority DESC, due, product_id
  LIMIT $6
)
INSERT INTO market.sync_jobs (run_id, product_id, marketplace_id, kind, priority, calls)
SELECT $2, product_id, $1, 'sales', priority, cost::int FROM chosen
ON CONFLICT (product_id, marketplace_id, kind) WHERE status IN ('queued', 'running') DO NOTHING
RETURNING id, product_id";

/// Plans this tick's sales jobs (Alias only). `regions` is the number of regions the worker
/// fetches; `reserve` the calls kept back for on-demand syncs; `max_jobs` the tick's remaining cap.
pub async fn plan<C: GenericClient>(
    c: &C,
    cfg: &SalesConfig,
    run_id: i64,
    regions: i64,
    reserve: i64,
    max_jobs: i64,
) -> Result<Vec<JobMessage>, tokio_postgres::Error> {
    let m = Marketplace::Alias;
    if max_jobs <= 0 || cfg.daily_calls <= 0 {
        return Ok(vec![]);
    }
    let rows = c
        .query_typed(
            PLAN_SQL,
            &[
                (&m.id(), Type::INT2),
                (&run_id, Type::INT8),
                (&regions, Type::INT8),
                (&reserve, Type::INT8),
                (&cfg.daily_calls, Type::INT8),
                (&max_jobs, Type::INT8),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| JobMessage {
            job_id: r.get(0),
            product_id: r.get(1),
            marketplace: m,
            kind: JobKind::Sales,
        })
        .collect())
}
