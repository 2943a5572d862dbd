//! `GET /v1/inventory`: every item of the signed-in user, valued against the market.
//!
//! One network round trip: a pipelined transaction that
//! 1. switches to the `authenticated` role with the verified claims (`set_config(.., true)`), so the
//!    read through the `market.inventory` view (security_invoker) is filtered by row-level security
//!    as well as by our own `user_id` predicate;
//! 2. reads items, fee profile, products, sizes, latest prices and FX rates as one JSON document;
//! 3. switches back to the owner role and, for open items whose product is unmapped or never
//!    priced, enqueues sync jobs (guarded by `sync_jobs_one_open`), returning link statuses.
//!
//! Every item gets a price or an explicit reason (`price_source` + `reason`).

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use postgres_types::Json;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use shared::db::Type;
use shared::domain::{Currency, Marketplace, Money, Region};
use shared::fees::FeeProfile;
use shared::freshness::Tier;
use shared::fx::{Converter, FxRow, FxUsage, RateTable};
use shared::http::{ApiRequest, CachePolicy, JsonResponse};
use shared::pricing::{self, DisplayPayout};
use shared::sizes::{parse_inventory_size, spec_from_table, SizeSystem};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::queue;
use crate::{ApiError, State};

const CURRENCIES: &str =
    "USD, EUR, GBP, JPY, KRW, AUD, CAD, CHF, HKD, SGD, NZD, MXN, CNY, SEK, NOK, DKK, PLN";
const STATUSES: &str = "open, all, in_stock, consigned, sold, removed";

const AS_USER_SQL: &str = "SELECT set_config('role', 'authenticated', true), \
     set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true)";
const AS_OWNER_SQL: &str =
    "SELECT set_config('role', 'none', true), set_config('request.jwt.claims', '', true), \
     set_config('request.jwt.claim.sub', '', true)";

const READ_SQL: &str = r#"
WITH prof AS (
  SELECT region, currency, stockx_seller_level, alias_commission_bps, alias_seller_fee_minor,
         alias_cashout_bps
  FROM market.fee_profiles WHERE user_id = $1
), items AS (
  SELECT i.id, i.style_id, i.size, i.size_unit, i.purchase_price::text AS purchase_price,
         i.purchase_currency, i.purchase_date, i.condition, i.status, i.created_at,
         regexp_replace(upper(i.style_id), '[^A-Z0-9]', '', 'g') AS key,
         market.normalize_style_code(i.style_id) AS norm
  FROM market.inventory i
  WHERE i.user_id = $1 AND i.status = ANY($2)
), prods AS (
  SELECT DISTINCT ON (p.style_key) p.id, p.style_key, p.style_code, p.name, p.brand, p.colorway,
         p.image_url, p.tier
  FROM market.products p
  WHERE p.style_key IN (SELECT key FROM items)
  ORDER BY p.style_key, (p.style_code IN (SELECT norm FROM items)) DESC, p.id
), sv AS (
  SELECT v.id, v.product_id, v.size_system, v.size_value::text AS size_value, v.us_m::text AS us_m,
         v.us_w::text AS us_w, v.uk::text AS uk, v.eu::text AS eu, v.source
  FROM market.size_variants v WHERE v.product_id IN (SELECT id FROM prods)
), lp AS (
  -- latest_prices rows are rewritten only when a value changes; the time the marketplace last
  -- confirmed them is the product's observation time.
  SELECT l.variant_id, l.marketplace_id, l.currency, l.ask_minor, l.bid_minor, l.last_sale_minor,
         greatest(l.observed_at, o.observed_at) AS observed_at, l.changed_at
  FROM market.latest_prices l
  JOIN sv ON sv.id = l.variant_id
  LEFT JOIN market.market_observations o
    ON o.product_id = sv.product_id AND o.marketplace_id = l.marketplace_id AND o.region = l.region
  WHERE l.region = coalesce((SELECT region FROM prof), $3)
), fx AS (
  SELECT DISTINCT ON (quote) quote, rate::text AS rate, rate_date
  FROM market.fx_rates
  WHERE base = 'EUR' AND rate_date >= (SELECT max(rate_date) FROM market.fx_rates) - 14
  ORDER BY quote, rate_date DESC
)
SELECT json_build_object(
  'profile', (SELECT row_to_json(prof) FROM prof),
  'items', (SELECT coalesce(json_agg(items ORDER BY created_at, id), '[]') FROM items),
  'products', (SELECT coalesce(json_agg(prods), '[]') FROM prods),
  'variants', (SELECT coalesce(json_agg(sv), '[]') FROM sv),
  'prices', (SELECT coalesce(json_agg(lp), '[]') FROM lp),
  'fx', (SELECT coalesce(json_agg(fx), '[]') FROM fx)
)
"#;

const ENQUEUE_SQL: &str = r#"
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
"#;

#[derive(Debug, Deserialize)]
struct ProfileRow {
    region: String,
    currency: String,
    stockx_seller_level: i16,
    alias_commission_bps: i32,
    alias_seller_fee_minor: Option<i64>,
    alias_cashout_bps: i32,
}

#[derive(Debug, Deserialize)]
struct ItemRow {
    id: Uuid,
    style_id: String,
    size: String,
    size_unit: String,
    purchase_price: Option<String>,
    purchase_currency: Option<String>,
    purchase_date: Option<NaiveDate>,
    condition: Option<String>,
    status: String,
    key: String,
}

#[derive(Debug, Deserialize)]
struct ProductRow {
    id: i32,
    style_key: String,
    style_code: String,
    name: String,
    brand: String,
    colorway: Option<String>,
    image_url: Option<String>,
    tier: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct VariantRow {
    id: i32,
    product_id: i32,
    size_system: String,
    size_value: String,
    us_m: Option<String>,
    us_w: Option<String>,
    uk: Option<String>,
    eu: Option<String>,
    source: String,
}

#[derive(Debug, Deserialize)]
struct PriceRow {
    variant_id: i32,
    marketplace_id: i16,
    currency: String,
    ask_minor: Option<i64>,
    bid_minor: Option<i64>,
    last_sale_minor: Option<i64>,
    observed_at: DateTime<Utc>,
    changed_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct ReadRow {
    profile: Option<ProfileRow>,
    items: Vec<ItemRow>,
    products: Vec<ProductRow>,
    variants: Vec<VariantRow>,
    prices: Vec<PriceRow>,
    fx: Vec<FxRow>,
}

#[derive(Debug, Deserialize)]
struct LinkRow {
    product_id: i32,
    status: String,
    last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct JobRow {
    #[serde(default)]
    id: Option<i64>,
    product_id: i32,
    marketplace_id: i16,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct EnqueueRow {
    links: Vec<LinkRow>,
    open_jobs: Vec<JobRow>,
    new_jobs: Vec<JobRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// Current data (within the tier's cadence) with at least one ask.
    Live,
    /// A value from older data, or from a last sale / bid when no ask is listed.
    LastKnown,
    /// No value; `reason` says why.
    NoneYet,
}

#[derive(Debug, Serialize)]
struct ProductOut {
    style_code: String,
    name: String,
    brand: String,
    colorway: Option<String>,
    image_url: Option<String>,
    tier: Tier,
}

#[derive(Debug, Serialize)]
struct SizeOut {
    /// As stored on the item, with its unit.
    size: String,
    unit: String,
    /// The US size used for matching (label form: `10`, `6.5W`, `5Y`), when known.
    us_size: Option<String>,
    /// How `us_size` was obtained: `same_system`, `size_chart` (marketplace chart),
    /// `standard_chart` (our standard run's conversions) or `table` (the fallback table).
    conversion: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct MarketOut {
    marketplace: Marketplace,
    ask_minor: Option<i64>,
    bid_minor: Option<i64>,
    last_sale_minor: Option<i64>,
    observed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct ItemOut {
    id: Uuid,
    style_id: String,
    product: Option<ProductOut>,
    size: SizeOut,
    status: String,
    condition: Option<String>,
    purchase_date: Option<NaiveDate>,
    purchase_currency: Option<Currency>,
    /// Purchase price in the response currency.
    cost_minor: Option<i64>,
    marketplaces: Vec<MarketOut>,
    market_value_minor: Option<i64>,
    best_payout: Option<DisplayPayout>,
    /// `best_payout.net_minor - cost_minor`.
    unrealized_profit_minor: Option<i64>,
    /// Percent of cost, 2 decimals, rounded half away from zero.
    unrealized_profit_pct: Option<String>,
    as_of: Option<DateTime<Utc>>,
    stale: bool,
    price_source: PriceSource,
    reason: Option<&'static str>,
    /// A sync job for this item's product is queued or running.
    sync_pending: bool,
}

#[derive(Debug, Default, Serialize)]
struct Totals {
    currency: Option<Currency>,
    items: usize,
    items_valued: usize,
    items_with_cost: usize,
    cost_basis_minor: i64,
    market_value_minor: i64,
    net_payout_minor: i64,
    /// Over items with both a cost and a payout.
    unrealized_profit_minor: i64,
    unrealized_profit_pct: Option<String>,
}

#[derive(Debug, Serialize)]
struct Out {
    market: Region,
    currency: Currency,
    minor_digits: u32,
    fx: Option<FxUsage>,
    fee_profile: FeeProfile,
    fee_profile_is_default: bool,
    totals: Totals,
    items: Vec<ItemOut>,
}

fn pct(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 {
        return None;
    }
    let v = (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{v:.2}"))
}

fn dec(s: &Option<String>) -> Option<Decimal> {
    s.as_deref()
        .and_then(|v| Decimal::from_str(v).ok())
        .map(|d| d.normalize())
}

/// Major-unit decimal text ("180.00") to minor units, rounding half away from zero.
fn to_minor(major: &str, currency: Currency) -> Option<i64> {
    let d = Decimal::from_str(major).ok()?;
    let scaled = d.checked_mul(Decimal::from(10i64.pow(currency.minor_digits())))?;
    i64::try_from(scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)).ok()
}

/// The result of matching an inventory size onto a product's size run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SizeMatch {
    pub system: SizeSystem,
    pub value: Decimal,
    pub us_label: Option<String>,
    pub conversion: Option<&'static str>,
    pub variant_id: Option<i32>,
}

/// Matches `size`/`unit` onto `variants` of one product: same system first, then the variants'
/// conversion columns (marketplace size charts when mapped), then the fallback table.
pub(crate) fn match_size(size: &str, unit: &str, variants: &[&VariantRow]) -> Option<SizeMatch> {
    let (system, value) = parse_inventory_size(size, unit).ok()?;
    let parsed: Vec<(&VariantRow, SizeSystem, Decimal)> = variants
        .iter()
        .filter_map(|v| {
            Some((
                *v,
                v.size_system.parse().ok()?,
                Decimal::from_str(&v.size_value).ok()?,
            ))
        })
        .collect();
    let us_label_of = |v: &VariantRow, sys: SizeSystem, val: Decimal| -> Option<String> {
        match sys {
            SizeSystem::UsM | SizeSystem::UsW | SizeSystem::UsY | SizeSystem::UsC => {
                Some(sys.label(val))
            }
            _ => dec(&v.us_m).map(|m| SizeSystem::UsM.label(m)),
        }
    };
    if let Some((v, sys, val)) = parsed
        .iter()
        .find(|(_, s, val)| *s == system && *val == value)
    {
        return Some(SizeMatch {
            system,
            value,
            us_label: us_label_of(v, *sys, *val),
            conversion: Some("same_system"),
            variant_id: Some(v.id),
        });
    }
    let column = |v: &VariantRow| -> Option<Decimal> {
        match system {
            SizeSystem::Uk => dec(&v.uk),
            SizeSystem::Eu => dec(&v.eu),
            SizeSystem::UsW => dec(&v.us_w),
            SizeSystem::UsM => dec(&v.us_m),
            _ => None,
        }
    };
    if let Some((v, sys, val)) = parsed.iter().find(|(v, _, _)| column(v) == Some(value)) {
        let how = if v.source == "standard_run" {
            "standard_chart"
        } else {
            "size_chart"
        };
        return Some(SizeMatch {
            system,
            value,
            us_label: us_label_of(v, *sys, *val),
            conversion: Some(how),
            variant_id: Some(v.id),
        });
    }
    let us_m = spec_from_table(system, value).us_m;
    let via_table = us_m.and_then(|m| {
        parsed
            .iter()
            .find(|(v, s, val)| (*s == SizeSystem::UsM && *val == m) || dec(&v.us_m) == Some(m))
    });
    Some(SizeMatch {
        system,
        value,
        us_label: us_m.map(|m| SizeSystem::UsM.label(m)),
        conversion: us_m.map(|_| "table"),
        variant_id: via_table.map(|(v, _, _)| v.id),
    })
}

fn parse_statuses(q: &mut shared::http::Query) -> Vec<String> {
    let list: &[&str] = match q.string("status", 20).as_deref() {
        None | Some("open") => &["in_stock", "consigned"],
        Some("all") => &["in_stock", "consigned", "sold", "removed"],
        Some("in_stock") => &["in_stock"],
        Some("consigned") => &["consigned"],
        Some("sold") => &["sold"],
        Some("removed") => &["removed"],
        Some(_) => {
            q.invalid("status", format!("must be one of {STATUSES}"));
            &[]
        }
    };
    list.iter().map(|s| s.to_string()).collect()
}

pub async fn handle(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    // Authenticate before looking at anything else.
    let user = state.verifier.verify_header(req.header("authorization"))?;
    let mut q = req.query.clone();
    let statuses = parse_statuses(&mut q);
    let currency_param = q.parsed::<Currency>("currency", CURRENCIES);
    q.finish(&["status", "currency"])?;

    let sub = user.user_id.to_string();
    let default_region = Region::US.code();
    let client = state.client().await?;
    state.count_round_trip();
    // Pipelined: every message is written before any reply is awaited (one network round trip).
    let as_user: [(&(dyn ToSql + Sync), Type); 2] =
        [(&user.claims_json, Type::TEXT), (&sub, Type::TEXT)];
    let read_params: [(&(dyn ToSql + Sync), Type); 3] = [
        (&user.user_id, Type::UUID),
        (&statuses, Type::TEXT_ARRAY),
        (&default_region, Type::TEXT),
    ];
    let enqueue_params: [(&(dyn ToSql + Sync), Type); 1] = [(&user.user_id, Type::UUID)];
    let result = futures::try_join!(
        client.batch_execute("BEGIN"),
        client.query_typed(AS_USER_SQL, &as_user),
        client.query_typed(READ_SQL, &read_params),
        client.query_typed(AS_OWNER_SQL, &[]),
        client.query_typed(ENQUEUE_SQL, &enqueue_params),
        client.batch_execute("COMMIT"),
    );
    let (_, _, read_rows, _, enqueue_rows, _) = match result {
        Ok(r) => r,
        Err(e) => {
            // Make sure the pooled connection does not keep an open transaction.
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e.into());
        }
    };
    drop(client);
    let Json(read): Json<ReadRow> = read_rows
        .first()
        .ok_or_else(|| ApiError::Decode("no inventory row".into()))?
        .try_get(0)?;
    let Json(enq): Json<EnqueueRow> = enqueue_rows
        .first()
        .ok_or_else(|| ApiError::Decode("no enqueue row".into()))?
        .try_get(0)?;

    if let Some(queue) = &state.queue {
        let messages: Vec<_> = enq
            .new_jobs
            .iter()
            .filter_map(|j| queue::message(j.id?, j.product_id, j.marketplace_id, &j.kind))
            .collect();
        if !messages.is_empty() {
            queue::send(queue, &messages).await;
        }
    }

    let (profile, is_default) = match &read.profile {
        Some(p) => (
            FeeProfile {
                region: p.region.parse().unwrap_or(Region::US),
                currency: p.currency.parse().unwrap_or(Currency::USD),
                stockx_seller_level: u8::try_from(p.stockx_seller_level).unwrap_or(1),
                alias_commission_bps: u32::try_from(p.alias_commission_bps).unwrap_or(950),
                alias_seller_fee_minor: p.alias_seller_fee_minor,
                alias_cashout_bps: u32::try_from(p.alias_cashout_bps).unwrap_or(290),
            },
            false,
        ),
        None => (FeeProfile::default_for(Region::US, &state.fees), true),
    };
    let market = profile.region;
    let currency = currency_param.unwrap_or(profile.currency);
    let mut conv = Converter::new(currency, RateTable::from_rows(&read.fx));
    let now = Utc::now();

    let products: HashMap<&str, &ProductRow> = read
        .products
        .iter()
        .map(|p| (p.style_key.as_str(), p))
        .collect();
    let mut variants_by_product: HashMap<i32, Vec<&VariantRow>> = HashMap::new();
    for v in &read.variants {
        variants_by_product.entry(v.product_id).or_default().push(v);
    }
    let mut prices_by_variant: BTreeMap<i32, Vec<&PriceRow>> = BTreeMap::new();
    for p in &read.prices {
        prices_by_variant.entry(p.variant_id).or_default().push(p);
    }
    let mut links: HashMap<i32, Vec<&LinkRow>> = HashMap::new();
    for l in &enq.links {
        links.entry(l.product_id).or_default().push(l);
    }
    let pending: std::collections::HashSet<i32> = enq
        .open_jobs
        .iter()
        .chain(enq.new_jobs.iter())
        .map(|j| j.product_id)
        .collect();

    let mut items = Vec::with_capacity(read.items.len());
    let mut totals = Totals {
        currency: Some(currency),
        ..Totals::default()
    };
    let mut profit_cost = 0i64;
    for it in &read.items {
        let product = products.get(it.key.as_str()).copied();
        let purchase_currency = it
            .purchase_currency
            .as_deref()
            .and_then(|c| c.parse::<Currency>().ok());
        let cost_minor = match (
            &it.purchase_price,
            purchase_currency.or(Some(profile.currency)),
        ) {
            (Some(p), Some(c)) => match to_minor(p, c) {
                Some(m) => Some(
                    conv.to_target(m, c)
                        .map_err(|e| ApiError::Pricing(e.into()))?,
                ),
                None => None,
            },
            _ => None,
        };
        let variants = product
            .and_then(|p| variants_by_product.get(&p.id))
            .cloned()
            .unwrap_or_default();
        let size_match = match_size(&it.size, &it.size_unit, &variants);
        let mut out = ItemOut {
            id: it.id,
            style_id: it.style_id.clone(),
            product: product.map(|p| ProductOut {
                style_code: p.style_code.clone(),
                name: p.name.clone(),
                brand: p.brand.clone(),
                colorway: p.colorway.clone(),
                image_url: p.image_url.clone(),
                tier: Tier::parse(&p.tier).unwrap_or(Tier::Cold),
            }),
            size: SizeOut {
                size: it.size.clone(),
                unit: it.size_unit.clone(),
                us_size: size_match.as_ref().and_then(|m| m.us_label.clone()),
                conversion: size_match.as_ref().and_then(|m| m.conversion),
            },
            status: it.status.clone(),
            condition: it.condition.clone(),
            purchase_date: it.purchase_date,
            purchase_currency,
            cost_minor,
            marketplaces: Vec::new(),
            market_value_minor: None,
            best_payout: None,
            unrealized_profit_minor: None,
            unrealized_profit_pct: None,
            as_of: None,
            stale: true,
            price_source: PriceSource::NoneYet,
            reason: None,
            sync_pending: product.is_some_and(|p| pending.contains(&p.id)),
        };
        value_item(
            state,
            &mut conv,
            &profile,
            market,
            now,
            product,
            links
                .get(&product.map(|p| p.id).unwrap_or(-1))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            size_match.as_ref(),
            &prices_by_variant,
            &mut out,
        )?;
        if let (Some(net), Some(cost)) = (out.best_payout.map(|p| p.net_minor), out.cost_minor) {
            out.unrealized_profit_minor = Some(net - cost);
            out.unrealized_profit_pct = pct(net - cost, cost);
            totals.unrealized_profit_minor += net - cost;
            profit_cost += cost;
        }
        totals.items += 1;
        if let Some(c) = out.cost_minor {
            totals.items_with_cost += 1;
            totals.cost_basis_minor += c;
        }
        if let Some(v) = out.market_value_minor {
            totals.items_valued += 1;
            totals.market_value_minor += v;
        }
        if let Some(p) = out.best_payout {
            totals.net_payout_minor += p.net_minor;
        }
        items.push(out);
    }
    totals.unrealized_profit_pct = pct(totals.unrealized_profit_minor, profit_cost);

    let out = Out {
        market,
        currency,
        minor_digits: currency.minor_digits(),
        fx: conv.usage(),
        fee_profile: profile,
        fee_profile_is_default: is_default,
        totals,
        items,
    };
    Ok(JsonResponse::new(&out, CachePolicy::PrivateRevalidate)?)
}

#[allow(clippy::too_many_arguments)]
fn value_item(
    state: &State,
    conv: &mut Converter,
    profile: &FeeProfile,
    market: Region,
    now: DateTime<Utc>,
    product: Option<&ProductRow>,
    links: &[&LinkRow],
    size_match: Option<&SizeMatch>,
    prices: &BTreeMap<i32, Vec<&PriceRow>>,
    out: &mut ItemOut,
) -> Result<(), ApiError> {
    let Some(product) = product else {
        out.reason = Some("not_in_catalogue");
        return Ok(());
    };
    let Some(size_match) = size_match else {
        out.reason = Some("unknown_size");
        return Ok(());
    };
    let rows = size_match
        .variant_id
        .and_then(|id| prices.get(&id))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if rows.is_empty() {
        let matched = links.iter().filter(|l| l.status == "matched");
        let synced = matched.clone().any(|l| l.last_synced_at.is_some());
        out.reason = Some(if size_match.variant_id.is_none() {
            "size_not_in_run"
        } else if synced {
            // Synced, and no marketplace reported anything for this size.
            "no_asks_in_size"
        } else if matched.count() > 0 {
            "not_yet_synced"
        } else if links.len() < Marketplace::ALL.len()
            || links.iter().any(|l| l.status == "pending")
        {
            "not_yet_mapped"
        } else if links.iter().any(|l| l.status == "needs_review") {
            "mapping_needs_review"
        } else {
            "not_on_marketplace"
        });
        return Ok(());
    }

    let tier = Tier::parse(&product.tier).unwrap_or(Tier::Cold);
    let mut any_ask = false;
    let mut latest_sale: Option<(DateTime<Utc>, i64)> = None;
    let mut best_bid: Option<i64> = None;
    let mut lowest_ask: Option<i64> = None;
    let mut quotes: Vec<(Marketplace, Currency, &PriceRow)> = Vec::new();
    for r in rows {
        let Some(m) = Marketplace::from_id(r.marketplace_id) else {
            continue;
        };
        let cur: Currency = r
            .currency
            .parse()
            .map_err(|_| ApiError::Decode(format!("currency {:?}", r.currency)))?;
        let c = |conv: &mut Converter, v: Option<i64>| -> Result<Option<i64>, ApiError> {
            v.map(|x| conv.to_target(x, cur))
                .transpose()
                .map_err(|e| ApiError::Pricing(e.into()))
        };
        let ask = c(conv, r.ask_minor)?;
        let bid = c(conv, r.bid_minor)?;
        let sale = c(conv, r.last_sale_minor)?;
        any_ask |= ask.is_some();
        lowest_ask = match (lowest_ask, ask) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        best_bid = best_bid.max(bid);
        if let Some(s) = sale {
            if latest_sale.is_none_or(|(at, _)| r.changed_at > at) {
                latest_sale = Some((r.changed_at, s));
            }
        }
        out.marketplaces.push(MarketOut {
            marketplace: m,
            ask_minor: ask,
            bid_minor: bid,
            last_sale_minor: sale,
            observed_at: r.observed_at,
        });
        quotes.push((m, cur, r));
    }
    out.marketplaces.sort_by_key(|m| m.marketplace);
    out.as_of = rows.iter().map(|r| r.observed_at).max();
    out.stale = tier.is_stale(out.as_of, now);

    // Payout per marketplace at its ask; with no ask anywhere, at its last sale.
    let mut payouts = Vec::new();
    for (m, cur, r) in &quotes {
        let price = if any_ask {
            r.ask_minor
        } else {
            r.last_sale_minor
        };
        if let Some(p) = price {
            payouts.push(pricing::display_payout(
                conv,
                &state.fees,
                profile,
                *m,
                market,
                Money::new(p, *cur),
            )?);
        }
    }
    out.best_payout = pricing::best(payouts);
    out.market_value_minor = lowest_ask.or(latest_sale.map(|(_, v)| v)).or(best_bid);
    (out.price_source, out.reason) = match (any_ask, out.market_value_minor.is_some(), out.stale) {
        (true, _, false) => (PriceSource::Live, None),
        (true, _, true) => (PriceSource::LastKnown, Some("stale")),
        (false, true, _) => (PriceSource::LastKnown, Some("no_asks_in_size")),
        (false, false, _) => (PriceSource::NoneYet, Some("no_asks_in_size")),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(
        id: i32,
        system: &str,
        value: &str,
        us_m: Option<&str>,
        uk: Option<&str>,
        eu: Option<&str>,
        source: &str,
    ) -> VariantRow {
        VariantRow {
            id,
            product_id: 1,
            size_system: system.into(),
            size_value: value.into(),
            us_m: us_m.map(Into::into),
            us_w: None,
            uk: uk.map(Into::into),
            eu: eu.map(Into::into),
            source: source.into(),
        }
    }

    #[test]
    fn sizes_match_by_system_chart_then_table() {
        let run = [
            v(
                1,
                "us_m",
                "10.0",
                Some("10.0"),
                Some("9.0"),
                Some("44.00"),
                "stockx",
            ),
            v(
                2,
                "us_m",
                "9.0",
                Some("9.0"),
                Some("8.0"),
                Some("42.50"),
                "standard_run",
            ),
        ];
        let refs: Vec<&VariantRow> = run.iter().collect();
        let m = match_size("10", "US", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("same_system"), Some("10"))
        );
        let m = match_size("9", "UK", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("size_chart"), Some("10"))
        );
        let m = match_size("42.5", "EU", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion),
            (Some(2), Some("standard_chart"))
        );
        // No chart entry for EU 44.5 in the run: the table maps it to US 10.5, not in the run.
        let m = match_size("44.5", "EU", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.us_label.as_deref(), m.conversion),
            (None, Some("10.5"), Some("table"))
        );
        assert!(match_size("ten", "US", &refs).is_none());
    }

    #[test]
    fn purchase_prices_become_minor_units() {
        assert_eq!(to_minor("180.00", Currency::USD), Some(18_000));
        assert_eq!(to_minor("0.01", Currency::GBP), Some(1));
        assert_eq!(to_minor("99999999.99", Currency::EUR), Some(9_999_999_999));
        assert_eq!(pct(50, 200).as_deref(), Some("25.00"));
        assert_eq!(pct(-1, 3).as_deref(), Some("-33.33"));
        assert_eq!(pct(1, 0), None);
    }
}
