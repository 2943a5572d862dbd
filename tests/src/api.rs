//! Helpers for the API tests: real Lambda Function URL events turned into `lambda_http::Request`
//! exactly as the runtime does it, response decoding (gzip included), SQL seeding of market data,
//! test JWTs, and validation of responses against the OpenAPI document.

use std::io::Read;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lambda_http::{Body, Request, Response};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Client;
use uuid::Uuid;

/// The workspace root (for the event files and the OpenAPI document).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A Lambda Function URL event (payload format 2.0) for `method path?query` with `headers`.
pub fn function_url_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Value {
    let mut h = serde_json::Map::new();
    h.insert(
        "host".into(),
        json!("abcdefghij.lambda-url.eu-west-1.on.aws"),
    );
    h.insert("user-agent".into(), json!("e2e-tests"));
    h.insert("x-forwarded-proto".into(), json!("https"));
    for (k, v) in headers {
        h.insert(k.to_ascii_lowercase(), json!(v));
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": h,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghij",
            "domainName": "abcdefghij.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefghij",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "e2e-tests"
            },
            "requestId": "c3a3a6c9-0a0b-4b4e-9a55-4c8e1d9c2b11",
            "routeKey": "$default",
            "stage": "$default",
            "time": "28/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1_795_860_000_000u64
        },
        "isBase64Encoded": false
    })
}

/// Converts an event into the request a handler receives, through lambda_http's own conversion.
pub fn request_from_event(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string())
        .expect("a Function URL event lambda_http accepts")
}

pub fn get(path: &str, query: &str, headers: &[(&str, &str)]) -> Request {
    request_from_event(&function_url_event("GET", path, query, headers))
}

/// An example event file from a function's `events/` folder.
pub fn event_file(function: &str, name: &str) -> Value {
    let path = workspace_root()
        .join("functions")
        .join(function)
        .join("events")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("event JSON")
}

/// A response with its body as bytes (decompressed when gzip-encoded).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    /// The body as sent (compressed when `Content-Encoding: gzip`).
    pub raw: Vec<u8>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn from_lambda(r: Response<Body>) -> Resp {
        let (parts, body) = r.into_parts();
        let raw = match body {
            Body::Empty => Vec::new(),
            Body::Text(s) => s.into_bytes(),
            Body::Binary(b) => b,
            _ => Vec::new(),
        };
        let gz = parts
            .headers
            .get("content-encoding")
            .is_some_and(|v| v == "gzip");
        let body = if gz {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .expect("valid gzip");
            out
        } else {
            raw.clone()
        };
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            raw,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json response with `status` and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let v = self.json();
        assert_eq!(v["status"], status);
        v
    }

    /// The names in a 400 problem's `invalid_params`.
    pub fn invalid_param_names(&self) -> Vec<String> {
        self.problem(400)["invalid_params"]
            .as_array()
            .expect("invalid_params")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

// --- seeding --------------------------------------------------------------------------------

async fn exec(
    c: &Client,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Vec<tokio_postgres::Row> {
    c.query_typed(sql, params)
        .await
        .unwrap_or_else(|e| panic!("seed statement failed: {e}\n{sql}"))
}

/// Inserts a product; returns its id.
pub async fn product(c: &Client, style_code: &str, brand: &str, name: &str, tier: &str) -> i32 {
    exec(
        c,
        "INSERT INTO market.products (style_code, brand, name, colorway, gender, release_date,
                                      retail_price_minor, retail_currency, image_url, tier)
         VALUES ($1, $2, $3, 'Varsity Red/Black', 'men', '2022-11-19', 18000, 'USD',
                 'https://images.example.com/' || $1 || '.png', $4)
         RETURNING id",
        &[
            (&style_code, Type::TEXT),
            (&brand, Type::TEXT),
            (&name, Type::TEXT),
            (&tier, Type::TEXT),
        ],
    )
    .await[0]
        .get(0)
}

pub async fn set_last_synced(c: &Client, product_id: i32, at: Option<DateTime<Utc>>) {
    exec(
        c,
        "UPDATE market.products SET last_synced_at = $2 WHERE id = $1",
        &[(&product_id, Type::INT4), (&at, Type::TIMESTAMPTZ)],
    )
    .await;
}

/// The standard men's run from the shared size table (25 sizes, `standard_run` source); returns
/// `(us_m value as text, variant id)` pairs.
pub async fn standard_sizes(c: &Client, product_id: i32) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for s in shared::core::sizes::standard_run("men") {
        let id: i32 = exec(
            c,
            "INSERT INTO market.size_variants (product_id, size_system, size_value, us_m, us_w, uk, eu, cm)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                (&product_id, Type::INT4),
                (&s.system.code(), Type::TEXT),
                (&s.value, Type::NUMERIC),
                (&s.us_m, Type::NUMERIC),
                (&s.us_w, Type::NUMERIC),
                (&s.uk, Type::NUMERIC),
                (&s.eu, Type::NUMERIC),
                (&s.cm, Type::NUMERIC),
            ],
        )
        .await[0]
            .get(0);
        out.push((s.value.normalize().to_string(), id));
    }
    out
}

pub async fn link(
    c: &Client,
    product_id: i32,
    marketplace: i16,
    status: &str,
    last_synced: Option<DateTime<Utc>>,
) {
    let external = (status == "matched").then(|| format!("ext-{product_id}-{marketplace}"));
    exec(
        c,
        "INSERT INTO market.marketplace_links (product_id, marketplace_id, status, external_id, last_synced_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (product_id, marketplace_id) DO UPDATE
           SET status = EXCLUDED.status, external_id = EXCLUDED.external_id,
               last_synced_at = EXCLUDED.last_synced_at",
        &[
            (&product_id, Type::INT4),
            (&marketplace, Type::INT2),
            (&status, Type::TEXT),
            (&external, Type::TEXT),
            (&last_synced, Type::TIMESTAMPTZ),
        ],
    )
    .await;
}

/// A latest-price row to insert (marketplace 1 = StockX, 2 = Alias): the US market in USD unless
/// [`Price::market`] says otherwise; ask, bid and last sale absent unless set.
pub struct Price {
    variant_id: i32,
    marketplace: i16,
    observed_at: DateTime<Utc>,
    region: &'static str,
    currency: &'static str,
    ask: Option<i64>,
    bid: Option<i64>,
    last_sale: Option<i64>,
}

impl Price {
    pub fn new(variant_id: i32, marketplace: i16, observed_at: DateTime<Utc>) -> Self {
        Price {
            variant_id,
            marketplace,
            observed_at,
            region: "US",
            currency: "USD",
            ask: None,
            bid: None,
            last_sale: None,
        }
    }
    pub fn market(mut self, region: &'static str, currency: &'static str) -> Self {
        self.region = region;
        self.currency = currency;
        self
    }
    pub fn ask(mut self, minor: i64) -> Self {
        self.ask = Some(minor);
        self
    }
    pub fn bid(mut self, minor: i64) -> Self {
        self.bid = Some(minor);
        self
    }
    pub fn last_sale(mut self, minor: i64) -> Self {
        self.last_sale = Some(minor);
        self
    }
    pub async fn insert(self, c: &Client) {
        exec(
            c,
            "INSERT INTO market.latest_prices (variant_id, marketplace_id, region, currency, ask_minor,
                                               bid_minor, last_sale_minor, observed_at, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            &[
                (&self.variant_id, Type::INT4),
                (&self.marketplace, Type::INT2),
                (&self.region, Type::TEXT),
                (&self.currency, Type::TEXT),
                (&self.ask, Type::INT8),
                (&self.bid, Type::INT8),
                (&self.last_sale, Type::INT8),
                (&self.observed_at, Type::TIMESTAMPTZ),
            ],
        )
        .await;
    }
}

/// A per-size change event (`market.price_history`), US/USD unless [`Event::market`] says otherwise.
/// The partition of its day must exist ([`history_partitions`]).
pub struct Event {
    variant_id: i32,
    marketplace: i16,
    at: DateTime<Utc>,
    region: &'static str,
    currency: &'static str,
    ask: Option<i64>,
    bid: Option<i64>,
    last_sale: Option<i64>,
}

impl Event {
    pub fn new(variant_id: i32, marketplace: i16, at: DateTime<Utc>) -> Self {
        Event {
            variant_id,
            marketplace,
            at,
            region: "US",
            currency: "USD",
            ask: None,
            bid: None,
            last_sale: None,
        }
    }
    pub fn market(mut self, region: &'static str, currency: &'static str) -> Self {
        self.region = region;
        self.currency = currency;
        self
    }
    pub fn ask(mut self, minor: i64) -> Self {
        self.ask = Some(minor);
        self
    }
    pub fn bid(mut self, minor: i64) -> Self {
        self.bid = Some(minor);
        self
    }
    pub fn last_sale(mut self, minor: i64) -> Self {
        self.last_sale = Some(minor);
        self
    }
    pub async fn insert(self, c: &Client) {
        exec(
            c,
            "INSERT INTO market.price_history (variant_id, marketplace_id, region, captured_at, currency,
                 ask_minor, bid_minor, last_sale_minor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                (&self.variant_id, Type::INT4),
                (&self.marketplace, Type::INT2),
                (&self.region, Type::TEXT),
                (&self.at, Type::TIMESTAMPTZ),
                (&self.currency, Type::TEXT),
                (&self.ask, Type::INT8),
                (&self.bid, Type::INT8),
                (&self.last_sale, Type::INT8),
            ],
        )
        .await;
    }
}

/// Daily partitions of `market.price_history` for `days` days up to and including `to`.
pub async fn history_partitions(c: &Client, to: NaiveDate, days: i32) {
    let from = to - chrono::Duration::days(i64::from(days) - 1);
    exec(
        c,
        "SELECT market.ensure_price_history_partitions($1, $2)",
        &[(&from, Type::DATE), (&days, Type::INT4)],
    )
    .await;
}

/// One day of a product's long daily series (`market.product_daily`, one row per month with the
/// day as an array element), US/USD.
pub struct Daily {
    product_id: i32,
    marketplace: i16,
    day: NaiveDate,
    ask: Option<i32>,
    bid: Option<i32>,
    sale: Option<i32>,
}

impl Daily {
    pub fn new(product_id: i32, marketplace: i16, day: NaiveDate) -> Self {
        Daily {
            product_id,
            marketplace,
            day,
            ask: None,
            bid: None,
            sale: None,
        }
    }
    pub fn ask(mut self, minor: i32) -> Self {
        self.ask = Some(minor);
        self
    }
    pub fn bid(mut self, minor: i32) -> Self {
        self.bid = Some(minor);
        self
    }
    pub fn sale(mut self, minor: i32) -> Self {
        self.sale = Some(minor);
        self
    }
    pub async fn insert(self, c: &Client) {
        exec(
            c,
            "INSERT INTO market.product_daily AS d (observed_at, month, product_id, marketplace_id,
                 region, currency, ask_minor, bid_minor, last_sale_minor)
             SELECT now(), date_trunc('month', $3::date)::date, $1, $2, 'US', 'USD',
                    array_fill(NULL::int, ARRAY[dom - 1]) || $4::int,
                    array_fill(NULL::int, ARRAY[dom - 1]) || $5::int,
                    array_fill(NULL::int, ARRAY[dom - 1]) || $6::int
             FROM (SELECT extract(day FROM $3::date)::int AS dom) x
             ON CONFLICT (product_id, marketplace_id, region, month, currency) DO UPDATE SET
               ask_minor[extract(day FROM $3::date)::int] = $4::int,
               bid_minor[extract(day FROM $3::date)::int] = $5::int,
               last_sale_minor[extract(day FROM $3::date)::int] = $6::int",
            &[
                (&self.product_id, Type::INT4),
                (&self.marketplace, Type::INT2),
                (&self.day, Type::DATE),
                (&self.ask, Type::INT4),
                (&self.bid, Type::INT4),
                (&self.sale, Type::INT4),
            ],
        )
        .await;
    }
}

/// An ECB rate: 1 EUR = `rate` `quote` on `day`.
pub async fn fx(c: &Client, day: NaiveDate, quote: &str, rate: &str) {
    let rate: Decimal = rate.parse().expect("rate");
    exec(
        c,
        "INSERT INTO market.fx_rates (rate_date, base, quote, rate) VALUES ($1, 'EUR', $2, $3)",
        &[
            (&day, Type::DATE),
            (&quote, Type::TEXT),
            (&rate, Type::NUMERIC),
        ],
    )
    .await;
}

pub async fn refresh_summary(c: &Client) {
    c.batch_execute("REFRESH MATERIALIZED VIEW market.product_market_summary")
        .await
        .expect("refresh summary");
}

/// An inventory item to insert through the base table, as the existing app writes it: size unit
/// US, no purchase price, `in_stock` unless set.
pub struct Item {
    user: Uuid,
    style_id: String,
    size: String,
    unit: String,
    purchase_price: Option<Decimal>,
    purchase_currency: Option<String>,
    purchase_source: Option<String>,
    status: String,
}

impl Item {
    pub fn new(user: Uuid, style_id: &str, size: &str) -> Self {
        Item {
            user,
            style_id: style_id.into(),
            size: size.into(),
            unit: "US".into(),
            purchase_price: None,
            purchase_currency: None,
            purchase_source: None,
            status: "in_stock".into(),
        }
    }
    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = unit.into();
        self
    }
    /// Purchase price in major units ("180.00") and its currency.
    pub fn cost(mut self, major: &str, currency: &str) -> Self {
        self.purchase_price = Some(major.parse().expect("price"));
        self.purchase_currency = Some(currency.into());
        self
    }
    /// A purchase price with no currency recorded.
    pub fn cost_without_currency(mut self, major: &str) -> Self {
        self.purchase_price = Some(major.parse().expect("price"));
        self
    }
    /// Where the pair was bought ("eBay", "Nike SNKRS").
    pub fn source(mut self, source: &str) -> Self {
        self.purchase_source = Some(source.into());
        self
    }
    pub fn status(mut self, status: &str) -> Self {
        self.status = status.into();
        self
    }
    /// Inserts the item; returns its id.
    pub async fn insert(self, c: &Client) -> Uuid {
        exec(
            c,
            "INSERT INTO market.inventory_items (user_id, style_id, size, size_unit, purchase_price,
                                                 purchase_currency, purchase_source, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                (&self.user, Type::UUID),
                (&self.style_id, Type::TEXT),
                (&self.size, Type::TEXT),
                (&self.unit, Type::TEXT),
                (&self.purchase_price, Type::NUMERIC),
                (&self.purchase_currency, Type::TEXT),
                (&self.purchase_source, Type::TEXT),
                (&self.status, Type::TEXT),
            ],
        )
        .await[0]
            .get(0)
    }
}

pub async fn fee_profile(c: &Client, user: Uuid, region: &str, currency: &str, stockx_level: i16) {
    exec(
        c,
        "INSERT INTO market.fee_profiles (user_id, region, currency, stockx_seller_level) VALUES ($1, $2, $3, $4)",
        &[
            (&user, Type::UUID),
            (&region, Type::TEXT),
            (&currency, Type::TEXT),
            (&stockx_level, Type::INT2),
        ],
    )
    .await;
}

// --- JWT ------------------------------------------------------------------------------------

pub const JWT_SECRET: &str = "test-only-hs256-secret-0123456789abcdef";

/// `Authorization` value for `user`: an HS256 token signed with [`JWT_SECRET`], valid one hour.
pub fn bearer(user: Uuid) -> String {
    format!("Bearer {}", hs256(&claims(user, 3600), JWT_SECRET))
}

/// The verifier the API tests' tokens pass: HS256 with [`JWT_SECRET`], 30 s leeway.
pub fn test_verifier() -> shared::api::jwt::JwtVerifier {
    shared::api::jwt::JwtVerifier::new(Some(JWT_SECRET.as_bytes()), None, 30).expect("verifier")
}

/// inventory-api as the tests run it: CORS for `https://app.example.com`, default fees, the
/// test verifier, and on-demand jobs sent to `queue` (recorded only when `None`).
pub fn inventory_state(
    pool: shared::core::db::DbPool,
    queue: Option<shared::sync::queue::JobQueue>,
) -> inventory_api::State {
    inventory_api::State::new(
        pool,
        shared::api::Cors::new("https://app.example.com"),
        shared::valuation::fees::FeeSchedule::default(),
        test_verifier(),
        queue,
    )
}

/// market-api as the tests run it: CORS for `https://app.example.com`, default fees.
pub fn market_state(pool: shared::core::db::DbPool) -> market_api::State {
    market_api::State::new(
        pool,
        shared::api::Cors::new("https://app.example.com"),
        shared::valuation::fees::FeeSchedule::default(),
    )
}

/// `GET {path}?{query}` on market-api, with `headers`.
pub async fn market_get(
    s: &market_api::State,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Resp {
    Resp::from_lambda(market_api::handle(s, get(path, query, headers)).await)
}

/// `GET /v1/inventory?{query}` as `user` (a valid test token).
pub async fn inventory_as(s: &inventory_api::State, user: Uuid, query: &str) -> Resp {
    let auth = bearer(user);
    Resp::from_lambda(
        inventory_api::handle(s, get("/v1/inventory", query, &[("authorization", &auth)])).await,
    )
}

/// The inventory response's item `id`.
pub fn item_of(v: &Value, id: Uuid) -> &Value {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id.to_string())
        .unwrap_or_else(|| panic!("item {id} missing"))
}

/// Throwaway key pairs for the auth tests, generated once per test process with the `openssl` CLI
/// (no private key is ever committed): `rs256-test-key.pem` and `es256-test-key.pem` are published
/// in [`jwks_json`]; `rs256-other-key.pem` is deliberately not.
fn keys_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("e2e-jwt-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("key directory");
        for (file, args) in [
            (
                "rs256-test-key.pem",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            ),
            (
                "rs256-other-key.pem",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            ),
            (
                "es256-test-key.pem",
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            ),
        ] {
            let out = std::process::Command::new("openssl")
                .arg("genpkey")
                .args(args)
                .arg("-out")
                .arg(dir.join(file))
                .output()
                .expect("the openssl CLI generates the test keys");
            assert!(
                out.status.success(),
                "openssl genpkey: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    })
}

fn key_pem(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join(name)).expect("generated test key")
}

/// The JWKS the verifier is configured with: the public halves of the RS256 and ES256 test keys.
pub fn jwks_json() -> String {
    use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
    use jsonwebtoken::{Algorithm, EncodingKey};
    let jwk = |key: EncodingKey, alg: Algorithm, kid: &str| {
        let mut jwk = Jwk::from_encoding_key(&key, alg).expect("public JWK from the private key");
        jwk.common.key_id = Some(kid.to_string());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk
    };
    let set = JwkSet {
        keys: vec![
            jwk(
                EncodingKey::from_rsa_pem(&key_pem("rs256-test-key.pem")).expect("rsa pem"),
                Algorithm::RS256,
                "test-rsa-1",
            ),
            jwk(
                EncodingKey::from_ec_pem(&key_pem("es256-test-key.pem")).expect("ec pem"),
                Algorithm::ES256,
                "test-ec-1",
            ),
        ],
    };
    serde_json::to_string(&set).expect("JWKS serializes")
}

/// Standard Supabase-like claims for `user`, expiring `exp_in` seconds from now.
pub fn claims(user: Uuid, exp_in: i64) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "sub": user.to_string(),
        "aud": "authenticated",
        "role": "authenticated",
        "iat": now,
        "exp": now + exp_in,
        "email": "seller@example.com"
    })
}

pub fn hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("hmac key"),
    )
    .expect("sign HS256")
}

/// RS256 with the fixture key `rs256-test-key.pem` (`kid` test-rsa-1) or, with `other`, a key the
/// JWKS does not contain (same kid).
pub fn rs256(claims: &Value, other: bool) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("test-rsa-1".into());
    let pem = key_pem(if other {
        "rs256-other-key.pem"
    } else {
        "rs256-test-key.pem"
    });
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("rsa pem"),
    )
    .expect("sign RS256")
}

pub fn es256(claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("test-ec-1".into());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ec_pem(&key_pem("es256-test-key.pem")).expect("ec pem"),
    )
    .expect("sign ES256")
}

/// An unsigned token (`alg: none`), built by hand since no library signs one.
pub fn alg_none(claims: &Value) -> String {
    use base64_url as b64;
    format!(
        "{}.{}.",
        b64::encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64::encode(claims.to_string().as_bytes())
    )
}

/// Minimal unpadded base64url, to hand-build tokens without another dependency.
pub mod base64_url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(data: &[u8]) -> String {
        let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

// --- OpenAPI --------------------------------------------------------------------------------

/// The OpenAPI document as JSON.
pub fn openapi() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("openapi/openapi.yaml"))
        .expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml parses")
}

/// Validates `instance` against `#/components/schemas/<schema>` of the OpenAPI document (OpenAPI
/// 3.1 schemas are JSON Schema 2020-12; `$ref`s resolve inside the document).
pub fn assert_conforms(schema: &str, instance: &Value) {
    let mut root = openapi();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["$ref"] = json!(format!("#/components/schemas/{schema}"));
    // Keywords of the OpenAPI wrapper that are not JSON Schema are ignored by the validator.
    let validator =
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema {schema}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{schema} violations:\n{}\n{instance:#}",
        errors.join("\n")
    );
}

// --- a market fixture shared by the API tests ------------------------------------------------

/// Ids of the seeded market fixture.
pub struct MarketFixture {
    pub jordan: i32,
    pub dunk_cold: i32,
    pub panda_warm: i32,
    /// `(us_m value, variant id)` of the Jordan's run.
    pub jordan_sizes: Vec<(String, i32)>,
    pub fx_date: NaiveDate,
    pub today: NaiveDate,
}

impl MarketFixture {
    pub fn jordan_size(&self, us_m: &str) -> i32 {
        self.jordan_sizes
            .iter()
            .find(|(v, _)| v == us_m)
            .map(|(_, id)| *id)
            .expect("size in run")
    }
}

/// Three products:
/// - `DZ5485-612` Jordan 1 "Chicago Lost and Found", hot, synced an hour ago, mapped on both
///   marketplaces. US: size 10 StockX ask 224.00 / bid 200.00 / last 210.00, Alias ask 215.00 /
///   last 205.00; size 9 StockX ask 250.00; size 11 Alias ask 300.00. UK: size 10 StockX £180.00,
///   Alias $215.00. StockX US history: 29 days before today of size 10's ask rising 1.00 a day
///   from 200.00 (then today's 224.00) and size 9 at 260.00, per size and as the product's series.
/// - `FZ5000-100` Nike Dunk Low "Cold", cold tier, never synced, no prices.
/// - `DD1391-100` Nike Dunk Low Retro "Panda", warm tier, synced 30 hours ago (stale), one ask.
///
/// FX (ECB, yesterday): USD 1.0850, GBP 0.8500, JPY 160.
pub async fn seed_market(c: &Client) -> MarketFixture {
    let now = Utc::now();
    let today = now.date_naive();
    let hour_ago = now - chrono::Duration::hours(1);
    let jordan = product(
        c,
        "DZ5485-612",
        "Jordan",
        "Jordan 1 Retro High OG Chicago Lost and Found",
        "hot",
    )
    .await;
    let jordan_sizes = standard_sizes(c, jordan).await;
    let dunk_cold = product(c, "FZ5000-100", "Nike", "Nike Dunk Low Cold", "cold").await;
    standard_sizes(c, dunk_cold).await;
    let panda_warm = product(
        c,
        "DD1391-100",
        "Nike",
        "Nike Dunk Low Retro White Black Panda",
        "warm",
    )
    .await;
    let panda_sizes = standard_sizes(c, panda_warm).await;

    set_last_synced(c, jordan, Some(hour_ago)).await;
    set_last_synced(c, panda_warm, Some(now - chrono::Duration::hours(30))).await;
    for m in [1i16, 2] {
        link(c, jordan, m, "matched", Some(hour_ago)).await;
        link(
            c,
            panda_warm,
            m,
            "matched",
            Some(now - chrono::Duration::hours(30)),
        )
        .await;
    }
    let f = MarketFixture {
        jordan,
        dunk_cold,
        panda_warm,
        jordan_sizes,
        fx_date: today - chrono::Duration::days(1),
        today,
    };
    let (s9, s10, s11) = (f.jordan_size("9"), f.jordan_size("10"), f.jordan_size("11"));
    Price::new(s10, 1, hour_ago)
        .ask(22_400)
        .bid(20_000)
        .last_sale(21_000)
        .insert(c)
        .await;
    Price::new(s10, 2, hour_ago)
        .ask(21_500)
        .last_sale(20_500)
        .insert(c)
        .await;
    Price::new(s9, 1, hour_ago).ask(25_000).insert(c).await;
    Price::new(s11, 2, hour_ago).ask(30_000).insert(c).await;
    Price::new(s10, 1, hour_ago)
        .market("UK", "GBP")
        .ask(18_000)
        .insert(c)
        .await;
    Price::new(s10, 2, hour_ago)
        .market("UK", "USD")
        .ask(21_500)
        .insert(c)
        .await;
    let panda10 = panda_sizes
        .iter()
        .find(|(v, _)| v == "10")
        .map(|(_, id)| *id)
        .expect("10");
    Price::new(panda10, 1, now - chrono::Duration::hours(30))
        .ask(11_000)
        .insert(c)
        .await;
    // 29 days of StockX US change events before today: size 10's ask rising 1.00 a day from 200.00
    // (bid 190.00, last sale 205.00), size 9 at 260.00 from the first day; today the latest prices
    // above. The product's daily series says the same at product level (its lowest ask is size 10's).
    history_partitions(c, today, 31).await;
    for i in 0..29i64 {
        let day = today - chrono::Duration::days(29 - i);
        let noon = Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).expect("noon"));
        Event::new(s10, 1, noon)
            .ask(20_000 + i * 100)
            .bid(19_000)
            .last_sale(20_500)
            .insert(c)
            .await;
        if i == 0 {
            Event::new(s9, 1, noon).ask(26_000).insert(c).await;
        }
        let daily = Daily::new(jordan, 1, day)
            .ask(20_000 + i as i32 * 100)
            .bid(19_000);
        if i == 0 { daily.sale(20_500) } else { daily }
            .insert(c)
            .await;
    }
    Daily::new(jordan, 1, today)
        .ask(22_400)
        .bid(20_000)
        .sale(21_000)
        .insert(c)
        .await;
    fx(c, f.fx_date, "USD", "1.0850").await;
    fx(c, f.fx_date, "GBP", "0.8500").await;
    fx(c, f.fx_date, "JPY", "160").await;
    // An older rate that must not be used.
    fx(c, f.fx_date - chrono::Duration::days(3), "USD", "1.2000").await;
    refresh_summary(c).await;
    f
}
