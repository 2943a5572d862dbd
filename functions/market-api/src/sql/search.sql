WITH hits AS (
  SELECT p.id, p.style_code, p.brand, p.name, p.colorway, p.release_date, p.image_url,
         p.retail_price_minor, p.retail_currency,
         CASE WHEN $1::text IS NULL OR p.style_key = $1 THEN 0
              WHEN p.style_key LIKE $2 THEN 1
              ELSE 2 END AS rank
  FROM market.products p
  WHERE ($1::text IS NULL
         OR p.style_key LIKE $2
         OR ($3::text IS NOT NULL AND p.search_tsv @@ to_tsquery('simple', $3)))
    AND ($4::text IS NULL OR lower(p.brand) = lower($4))
), page AS (
  SELECT * FROM hits
  WHERE (rank, id) > ($5::int, $6::int)
  ORDER BY rank, id
  LIMIT $7
), fx AS (
  SELECT quote, rate, rate_date FROM market.fx_latest
)
SELECT json_build_object(
  'items', (SELECT coalesce(json_agg(json_build_object(
      'id', page.id, 'rank', page.rank, 'style_code', page.style_code, 'brand', page.brand,
      'name', page.name, 'colorway', page.colorway, 'release_date', page.release_date,
      'image_url', page.image_url, 'retail_price_minor', page.retail_price_minor,
      'retail_currency', page.retail_currency,
      'asks', (SELECT coalesce(json_agg(json_build_object(
                  'marketplace_id', s.marketplace_id, 'currency', s.currency,
                  'lowest_ask_minor', s.lowest_ask_minor, 'observed_at', s.observed_at)), '[]')
               FROM market.product_market_summary s
               WHERE s.product_id = page.id AND s.region = $8 AND s.lowest_ask_minor IS NOT NULL))
    ORDER BY page.rank, page.id), '[]') FROM page),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
