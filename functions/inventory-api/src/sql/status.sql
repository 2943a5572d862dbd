SELECT json_build_object(
  'tiers', (SELECT coalesce(json_agg(t ORDER BY t.tier), '[]') FROM (
      SELECT tier, count(*) AS products,
             count(*) FILTER (WHERE last_synced_at > now() - make_interval(secs => CASE tier
                 WHEN 'hot' THEN $1 WHEN 'warm' THEN $2 ELSE $3 END)) AS fresh
      FROM market.products GROUP BY tier) t),
  'last_run', (SELECT row_to_json(r) FROM (
      SELECT kind, status, started_at, finished_at, jobs_planned, jobs_enqueued
      FROM market.sync_runs ORDER BY started_at DESC LIMIT 1) r),
  'jobs', (SELECT coalesce(json_agg(j), '[]') FROM (
      SELECT m.code AS marketplace, s.status, s.error_kind, count(*) AS jobs
      FROM market.sync_jobs s JOIN market.marketplaces m ON m.id = s.marketplace_id
      WHERE s.status IN ('failed', 'dead') AND coalesce(s.finished_at, s.enqueued_at) > now() - interval '24 hours'
      GROUP BY m.code, s.status, s.error_kind
      ORDER BY m.code, s.status, s.error_kind) j),
  'open_jobs', (SELECT count(*) FROM market.sync_jobs WHERE status IN ('queued', 'running')),
  'db_size_bytes', pg_database_size(current_database())
)
