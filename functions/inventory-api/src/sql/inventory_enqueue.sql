-- On-demand syncs for the caller's held pairs whose product was never mapped or never priced,
-- bounded: only marketplaces that can be called ($2: enabled here, and not waiting for StockX
-- re-consent), only work that is due (a link's failure back-off is respected; a product whose
-- on-demand job failed in the last hour waits), nothing already open, at most $3 jobs per request,
-- $4 per user per day and $5 for the whole install per day (the planner's daily reserve pays).
WITH keys AS (
  SELECT DISTINCT regexp_replace(upper(i.style_id), '[^A-Z0-9]', '', 'g') AS key
  FROM market.inventory i
  WHERE i.user_id = $1 AND i.status IN ('in_stock', 'consigned')
), prods AS (
  SELECT p.id FROM market.products p WHERE p.style_key IN (SELECT key FROM keys)
), callable AS (
  SELECT m.id FROM market.marketplaces m
  WHERE m.id = ANY($2)
    AND NOT EXISTS (SELECT 1 FROM market.marketplace_credentials c
                    WHERE c.marketplace_id = m.id AND c.needs_reauth)
), need AS (
  SELECT pr.id AS product_id, m.id AS marketplace_id,
         CASE WHEN l.product_id IS NULL OR l.status = 'pending' THEN 'map'
              WHEN l.status = 'matched' AND l.last_synced_at IS NULL THEN 'prices' END AS kind
  FROM prods pr CROSS JOIN callable m
  LEFT JOIN market.marketplace_links l ON l.product_id = pr.id AND l.marketplace_id = m.id
  WHERE (l.product_id IS NULL OR l.next_due_at <= now())
    AND NOT EXISTS (SELECT 1 FROM market.sync_jobs j
                    WHERE j.product_id = pr.id AND j.marketplace_id = m.id
                      AND (j.status IN ('queued', 'running')
                           OR (j.status IN ('failed', 'dead') AND j.finished_at > now() - interval '1 hour')))
), allowance AS (
  SELECT least($3::int8,
               $4::int8 - (SELECT count(*) FROM market.sync_jobs
                           WHERE requested_by = $1 AND enqueued_at > now() - interval '1 day'),
               $5::int8 - (SELECT count(*) FROM market.sync_jobs
                           WHERE requested_by IS NOT NULL AND enqueued_at > now() - interval '1 day')) AS n
), ins AS (
  INSERT INTO market.sync_jobs (product_id, marketplace_id, kind, status, priority, requested_by)
  SELECT product_id, marketplace_id, kind, 'queued', 10, $1 FROM need
  WHERE kind IS NOT NULL
  ORDER BY product_id, marketplace_id
  LIMIT greatest(0, (SELECT n FROM allowance))
  ON CONFLICT (product_id, marketplace_id, kind) WHERE status IN ('queued', 'running') DO NOTHING
  RETURNING id, product_id, marketplace_id, kind
)
-- The links come back as one binary array per column (~800 rows at 1,000 pairs: as JSON objects
-- their printing alone took ~5 ms), the jobs (a few) as JSON.
SELECT (SELECT coalesce(json_agg(json_build_object('product_id', j.product_id,
          'marketplace_id', j.marketplace_id, 'kind', j.kind)), '[]')
        FROM market.sync_jobs j
        WHERE j.product_id IN (SELECT id FROM prods) AND j.status IN ('queued', 'running'))
         AS open_jobs,
       (SELECT coalesce(json_agg(ins), '[]') FROM ins) AS new_jobs,
       lk.*
FROM (SELECT coalesce(array_agg(l.product_id), '{}') AS l_product,
             coalesce(array_agg(l.marketplace_id), '{}') AS l_marketplace,
             coalesce(array_agg(l.status), '{}') AS l_status,
             coalesce(array_agg(l.last_synced_at), '{}') AS l_last_synced_at,
             coalesce(array_agg(l.external_id), '{}') AS l_external_id,
             coalesce(array_agg(l.url_key), '{}') AS l_url_key
      FROM market.marketplace_links l WHERE l.product_id IN (SELECT id FROM prods)) lk
