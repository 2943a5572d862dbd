WITH keys AS (
  SELECT DISTINCT regexp_replace(upper(i.style_id), '[^A-Z0-9]', '', 'g') AS key
  FROM market.inventory i
  WHERE i.user_id = $1 AND i.status IN ('in_stock', 'consigned')
), prods AS (
  SELECT p.id FROM market.products p WHERE p.style_key IN (SELECT key FROM keys)
), need AS (
  SELECT pr.id AS product_id, m.id AS marketplace_id,
         CASE WHEN l.product_id IS NULL OR l.status = 'pending' THEN 'map'
              WHEN l.status = 'matched' AND l.last_synced_at IS NULL THEN 'prices' END AS kind
  FROM prods pr CROSS JOIN market.marketplaces m
  LEFT JOIN market.marketplace_links l ON l.product_id = pr.id AND l.marketplace_id = m.id
), ins AS (
  INSERT INTO market.sync_jobs (product_id, marketplace_id, kind, status, priority)
  SELECT product_id, marketplace_id, kind, 'queued', 10 FROM need WHERE kind IS NOT NULL
  ON CONFLICT (product_id, marketplace_id, kind) WHERE status IN ('queued', 'running') DO NOTHING
  RETURNING id, product_id, marketplace_id, kind
)
SELECT json_build_object(
  'links', (SELECT coalesce(json_agg(json_build_object('product_id', l.product_id,
              'marketplace_id', l.marketplace_id, 'status', l.status,
              'last_synced_at', l.last_synced_at)), '[]')
            FROM market.marketplace_links l WHERE l.product_id IN (SELECT id FROM prods)),
  'open_jobs', (SELECT coalesce(json_agg(json_build_object('product_id', j.product_id,
              'marketplace_id', j.marketplace_id, 'kind', j.kind)), '[]')
            FROM market.sync_jobs j
            WHERE j.product_id IN (SELECT id FROM prods) AND j.status IN ('queued', 'running')),
  'new_jobs', (SELECT coalesce(json_agg(ins), '[]') FROM ins)
)
