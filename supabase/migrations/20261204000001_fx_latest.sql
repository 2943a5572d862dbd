-- The latest ECB rate per currency (1 EUR = rate QUOTE), within 14 days of the newest published
-- day: the one definition of "the current rates" that every API query converts with. Rates stay
-- text so they reach the code as exact decimals.
CREATE OR REPLACE VIEW market.fx_latest WITH (security_invoker = true) AS
  SELECT DISTINCT ON (quote) quote, rate::text AS rate, rate_date
  FROM market.fx_rates
  WHERE base = 'EUR' AND rate_date >= (SELECT max(rate_date) FROM market.fx_rates) - 14
  ORDER BY quote, rate_date DESC;

GRANT SELECT ON market.fx_latest TO anon, authenticated;
