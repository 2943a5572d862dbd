//! Property test: both API handlers, driven with arbitrary Function URL requests (paths, query
//! strings, methods, Authorization and caching headers), against a real seeded database.
//!
//! Whatever arrives, a handler must answer (never panic), never with a 5xx (the database is up, so
//! not even 503), and every 4xx must be an RFC 9457 `application/problem+json` body whose `status`
//! matches. Requests are built exactly like the other API tests: a Function URL event (payload 2.0)
//! converted by `lambda_http`. Raw paths and query strings are what an HTTP client can send: URI
//! characters, with everything else percent-encoded (including invalid and NUL escapes).

use e2e_tests::api::{self, function_url_event, request_from_event, seed_market, Resp};
use e2e_tests::db::TestDb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use uuid::Uuid;

const ORIGIN: &str = "https://app.example.com";

/// Percent-encodes everything outside the URI's unreserved set (as clients do), keeping `keep`.
fn encode(s: &str, keep: &[char]) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || keep.contains(&c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "DZ5485-612", "dz5485%20612", "DZ5485612", "dz5485_612", "DZ5485+612", "FZ5000-100",
            "DD1391-100", "AA0000-000", "history", "History", "..", ".", "%2e%2e", "%2F", "%00",
            "%zz", "%", "%E2%80%93", "ab", "A-B", "_-_-_", "products", "v1", "inventory", "status",
        ])
        .prop_map(String::from),
        2 => any::<String>().prop_map(|s| encode(&s, &[])),
        1 => "[A-Za-z0-9 .'_;-]{0,80}".prop_map(|s| encode(&s, &[])),
        1 => (1usize..300).prop_map(|n| "9".repeat(n)),
    ]
}

/// A route of the API with a fuzzed style code.
fn route() -> impl Strategy<Value = String> {
    let style = prop_oneof![
        3 => prop::sample::select(vec!["DZ5485-612", "dz5485%20612", "DD1391-100", "FZ5000-100"])
            .prop_map(String::from),
        1 => segment(),
    ];
    (0usize..6, style).prop_map(|(kind, style)| match kind {
        0 => "/v1/products".to_string(),
        1 => format!("/v1/products/{style}"),
        2 => format!("/v1/products/{style}/history"),
        3 => "/v1/inventory".to_string(),
        4 => "/v1/ops/status".to_string(),
        _ => "/v1/status".to_string(),
    })
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![3 => route(), 2 => any_path()]
}

fn any_path() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "/v1/products",
        "/v1/products/",
        "/v1/inventory",
        "/v1/status",
        "/v1/inventory/",
        "/v1/status/",
        "/v1/ops/status",
        "/v1/ops",
        "/",
        "",
        "/v1",
        "/v2/products",
        "//v1/products",
        "/V1/PRODUCTS",
    ]);
    (prefix, prop::collection::vec(segment(), 0..4)).prop_map(|(p, segs)| {
        let mut out = p.to_string();
        for s in segs {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&s);
        }
        out
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "q", "brand", "limit", "cursor", "market", "currency", "size", "marketplace", "days",
            "status", "", "Q", "limit[]", "size ",
        ])
        .prop_map(String::from),
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "", "0", "1", "-1", "20", "100", "101", "365", "366", "99999999999999999999", "1e3",
            "0x10", " 5", "US", "UK", "EU", "us", "XX", "USD", "GBP", "JPY", "KRW", "usd", "EUR",
            "10", "10.5", "6.5W", "5Y", "10C", "UK 9", "EU 44", "EU 44.5", "0.0", "99.9", "-3",
            "NaN", "stockx", "alias", "goat", "open", "all", "sold", "removed", "jordan", "dunk low",
            "DZ5485", "'", "\"", "a' | b:* & !c", "%", "\u{0}", "\u{7f}", "\u{2013}",
            "76313a313a3432", "76313a393a31", "zz", "v1:1:1",
        ])
        .prop_map(String::from),
        2 => any::<String>(),
        1 => (1usize..400).prop_map(|n| "x".repeat(n)),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec((key(), value()), 0..5).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k, &[]), encode(v, &[' '])).replace(' ', "+"))
                .collect::<Vec<_>>()
                .join("&")
        }),
        1 => prop::sample::select(vec![
            "&&", "=", "a==b", "limit", "limit=1&limit=2", "q=%ZZ", "q=%", "size=%00", "%3D=%26",
            "days=1&days=", "market=US&market=us",
        ])
        .prop_map(String::from),
        1 => any::<String>().prop_map(|s| encode(&s, &['=', '&'])),
    ]
}

#[derive(Debug, Clone)]
enum Auth {
    None,
    Valid,
    Garbage(String),
    Expired,
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        2 => Just(Auth::Valid),
        1 => Just(Auth::None),
        1 => Just(Auth::Expired),
        1 => prop::sample::select(vec![
            "Bearer", "Bearer ", "bearer x.y.z", "Basic dXNlcjpwYXNz", "Bearer a.b", "Bearer ...",
            "Bearer eyJhbGciOiJub25lIn0.e30.", "Token abc",
        ])
        .prop_map(|s| Auth::Garbage(s.to_string())),
        1 => "[ -~]{0,120}".prop_map(Auth::Garbage),
    ]
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just("GET"),
        1 => Just("HEAD"),
        1 => Just("OPTIONS"),
        1 => prop::sample::select(vec!["POST", "PUT", "DELETE", "PATCH"]),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    inventory: bool,
    method: &'static str,
    path: String,
    query: String,
    auth: Auth,
    gzip: bool,
    if_none_match: Option<String>,
    origin: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        method(),
        path(),
        query(),
        auth(),
        any::<bool>(),
        prop::option::of(prop_oneof![Just("*".to_string()), "[ -~]{0,60}"]),
        any::<bool>(),
    )
        .prop_map(
            |(coin, method, path, query, auth, gzip, if_none_match, origin)| Case {
                // The handler that serves the route; any handler for other paths.
                inventory: if path.starts_with("/v1/inventory")
                    || path.starts_with("/v1/status")
                    || path.starts_with("/v1/ops")
                {
                    true
                } else if path.starts_with("/v1/products") {
                    false
                } else {
                    coin
                },
                method,
                path,
                query,
                auth,
                gzip,
                if_none_match,
                origin,
            },
        )
}

fn check(c: &Case, r: &Resp) -> Result<(), TestCaseError> {
    let body = String::from_utf8_lossy(&r.body).into_owned();
    prop_assert!(
        r.status < 500,
        "{} {}?{} -> {}: {}",
        c.method,
        c.path,
        c.query,
        r.status,
        body
    );
    if c.method == "OPTIONS" {
        // CORS preflight (shared::api::Cors): 204 for an allowed origin, else an empty 403 by
        // design (browsers never read a preflight body).
        prop_assert!(
            r.status == 204 || r.status == 403,
            "preflight -> {}",
            r.status
        );
        return Ok(());
    }
    if (400..500).contains(&r.status) {
        prop_assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{} {}?{} -> {}",
            c.method,
            c.path,
            c.query,
            r.status
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body)
            .map_err(|e| TestCaseError::fail(format!("problem body is not JSON ({e}): {body}")))?;
        prop_assert_eq!(v["status"].as_u64(), Some(u64::from(r.status)), "{}", body);
        prop_assert!(v["title"].is_string() && v["type"].is_string(), "{}", body);
    }
    Ok(())
}

#[test]
fn handlers_answer_arbitrary_requests_without_5xx_or_panics() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let user = Uuid::new_v4();
    let (db, market, inventory) = rt.block_on(async {
        let db = TestDb::new().await;
        let c = db.client().await;
        let f = seed_market(&c).await;
        // Every display currency has a rate, so no request may end in the "no exchange rate" 503.
        for (quote, rate) in [
            ("KRW", "1450"),
            ("AUD", "1.65"),
            ("CAD", "1.47"),
            ("CHF", "0.95"),
            ("HKD", "8.45"),
            ("SGD", "1.45"),
            ("NZD", "1.80"),
            ("MXN", "19.5"),
            ("CNY", "7.80"),
            ("SEK", "11.3"),
            ("NOK", "11.6"),
            ("DKK", "7.46"),
            ("PLN", "4.30"),
        ] {
            api::fx(&c, f.fx_date, quote, rate).await;
        }
        for (style, size, unit) in [
            ("DZ5485-612", "10", "US"),
            ("dz5485 612", "9", "UK"),
            ("FZ5000-100", "44", "EU"),
            ("NOPE-0000", "10", "US"),
        ] {
            api::Item::new(user, style, size)
                .unit(unit)
                .cost("180.00", "USD")
                .insert(&c)
                .await;
        }
        let market = api::market_state(db.pool());
        let inventory = api::inventory_state(db.pool(), None);
        (db, market, inventory)
    });
    let valid = api::hs256(&api::claims(user, 3600), api::JWT_SECRET);
    let expired = api::hs256(&api::claims(user, -3600), api::JWT_SECRET);

    let cases = std::env::var("API_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    runner
        .run(&case(), |c| {
            let auth = match &c.auth {
                Auth::None => None,
                Auth::Valid => Some(format!("Bearer {valid}")),
                Auth::Expired => Some(format!("Bearer {expired}")),
                Auth::Garbage(s) => Some(s.clone()),
            };
            let mut headers: Vec<(&str, &str)> = Vec::new();
            if let Some(a) = &auth {
                headers.push(("authorization", a));
            }
            if c.gzip {
                headers.push(("accept-encoding", "gzip, br"));
            }
            if let Some(e) = &c.if_none_match {
                headers.push(("if-none-match", e));
            }
            if c.origin {
                headers.push(("origin", ORIGIN));
                headers.push(("access-control-request-method", "GET"));
            }
            let event = function_url_event(c.method, &c.path, &c.query, &headers);
            let req = request_from_event(&event);
            let resp = rt.block_on(async {
                if c.inventory {
                    inventory_api::handle(&inventory, req).await
                } else {
                    market_api::handle(&market, req).await
                }
            });
            *statuses
                .borrow_mut()
                .entry(resp.status().as_u16())
                .or_default() += 1;
            if c.method == "HEAD" {
                // Headers of the GET (Content-Encoding included), no body.
                prop_assert!(resp.status().as_u16() < 500, "HEAD -> {}", resp.status());
                return Ok(());
            }
            check(&c, &Resp::from_lambda(resp))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "statuses over {cases} cases (with shrinking runs): {:?}",
        statuses.borrow()
    );
    drop(db);
}
