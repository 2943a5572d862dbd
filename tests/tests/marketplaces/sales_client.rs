//! Alias `recent_sales` through the client over real HTTP: one call per size against the
//! sandbox, a stable tape, odd rows skipped and counted, 400s, HTML pages and lenient wire types
//! classified (a canned local server plays the odd upstream).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::Utc;
use e2e_tests::db::TestDb;
use e2e_tests::sandbox::{test_limits, test_settings, Sandbox};
use sandbox_market::SandboxProduct;
use serde_json::{json, Value};
use shared::core::domain::{Currency, Marketplace, Region};
use shared::marketplaces::snapshot::SalesSkipped;
use shared::marketplaces::{AliasClient, AliasConfig, MarketplaceClients, ProviderError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::sales::{alias_get, alias_path, busy_product, rows, ALL_FILTERS};
struct ClientSetup {
    _db: TestDb,
    sandbox: Sandbox,
    clients: MarketplaceClients,
}

async fn client_setup() -> ClientSetup {
    let db = TestDb::new().await;
    let sandbox = Sandbox::start_default().await;
    test_limits(&db.pool()).await;
    let clients = MarketplaceClients::new(
        db.pool(),
        None,
        Some(sandbox.alias_config()),
        test_settings(),
    )
    .unwrap();
    ClientSetup {
        _db: db,
        sandbox,
        clients,
    }
}

#[tokio::test]
async fn the_client_asks_once_per_size_and_gets_a_stable_tape() {
    let s = client_setup().await;
    let p = busy_product(&s.sandbox, 20).await;
    s.sandbox.reset().await;
    let alias = s.clients.alias().unwrap();
    let page = alias
        .recent_sales(&p.alias_id, "10", Region::US)
        .await
        .unwrap();
    assert_eq!(
        (
            page.marketplace,
            page.currency,
            page.region,
            page.size.as_str()
        ),
        (Marketplace::Alias, Currency::USD, Region::US, "10")
    );
    assert_eq!(page.external_product_id, p.alias_id);
    assert_eq!(page.skipped.total(), 0);
    assert!(
        page.sales.len() > 20 && page.sales.len() <= 200,
        "{}",
        page.sales.len()
    );
    assert!(page
        .sales
        .windows(2)
        .all(|w| w[0].purchased_at >= w[1].purchased_at));
    assert!(page.sales.iter().all(|x| !x.consigned && x.price_minor > 0));
    // Within a year, and priced like the sandbox's own US market of that size.
    let year_ago = Utc::now() - chrono::Duration::days(366);
    assert!(page.sales.iter().all(|x| x.purchased_at > year_ago));
    let (_, avail) = alias_path(
        &s.sandbox,
        &format!(
            "/api/v1/pricing_insights/availability?catalog_id={}&size=10&product_condition=PRODUCT_CONDITION_NEW&packaging_condition=PACKAGING_CONDITION_GOOD_CONDITION&region_id=1",
            p.alias_id
        ),
    )
    .await;
    let last: i64 = avail["availability"]["last_sold_listing_price_cents"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    if last > 0 {
        let mut prices: Vec<i64> = page.sales.iter().map(|x| x.price_minor).collect();
        prices.sort_unstable();
        let median = prices[prices.len() / 2];
        assert!(
            median * 10 > last * 7 && median * 10 < last * 13,
            "{median} vs {last}"
        );
    }
    assert_eq!(s.sandbox.count("alias.recent_sales").await, 1);
    assert_eq!(s.sandbox.count("alias.recent_sales?size=10").await, 1);

    let again = alias
        .recent_sales(&p.alias_id, "10", Region::US)
        .await
        .unwrap();
    assert_eq!(again.sales, page.sales);
    assert_eq!(s.sandbox.count("alias.recent_sales").await, 2);

    // A size the product does not have: the API's 400 comes back as permanent, not retried.
    let err = alias
        .recent_sales(&p.alias_id, "99", Region::US)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Permanent { status: 400, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(s.sandbox.count("alias.recent_sales").await, 3);
    // Not a plain decimal: refused before any call.
    for bad in ["", "10W", "US 10", "10.", "-1", "0", "10&limit=5"] {
        let err = alias
            .recent_sales(&p.alias_id, bad, Region::US)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ProviderError::Permanent { status: 0, .. }),
            "{bad}: {err:?}"
        );
    }
    assert_eq!(s.sandbox.count("alias.recent_sales").await, 3);
}

#[tokio::test]
async fn odd_rows_are_skipped_and_counted() {
    let s = client_setup().await;
    let p = busy_product(&s.sandbox, 20).await;
    s.sandbox
        .faults(json!({"sales_quirks": [p.alias_id]}))
        .await;
    let q = format!("catalog_id={}&size=10&limit=200&{ALL_FILTERS}", p.alias_id);
    let (_, raw) = alias_get(&s.sandbox, &q).await;
    let raw_rows = rows(&raw);
    assert_eq!(raw_rows[1], raw_rows[0], "an exact duplicate");
    assert_eq!(raw_rows[2]["purchased_at"], Value::Null);
    assert_eq!(raw_rows[3]["price_cents"], json!("0"));
    assert_eq!(raw_rows[4]["size"], json!(10.5));

    let page = s
        .clients
        .alias()
        .unwrap()
        .recent_sales(&p.alias_id, "10", Region::US)
        .await
        .unwrap();
    assert_eq!(
        page.skipped,
        SalesSkipped {
            no_time: 1,
            bad_price: 1,
            other_size: 1,
            duplicate: 1,
            future: 0,
        }
    );
    assert_eq!(page.sales.len(), raw_rows.len() - 4);

    // Off for every other product.
    let other = busy_product_other_than(&s.sandbox, &p).await;
    let clean = s
        .clients
        .alias()
        .unwrap()
        .recent_sales(&other, "10", Region::US)
        .await
        .unwrap();
    assert_eq!(clean.skipped.total(), 0);
}

async fn busy_product_other_than(s: &Sandbox, p: &SandboxProduct) -> String {
    s.running
        .app
        .catalog
        .products
        .iter()
        .find(|x| x.on_alias && x.gender == "men" && x.alias_id != p.alias_id)
        .map(|x| x.alias_id.clone())
        .unwrap()
}

/// A one-route HTTP server answering every request with `status`, `content_type` and `body`,
/// counting requests.
async fn canned_server(
    status: &'static str,
    content_type: &'static str,
    body: String,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/api/v1"), hits)
}

async fn client_at(db: &TestDb, base: &str) -> AliasClient {
    test_limits(&db.pool()).await;
    AliasClient::new(
        AliasConfig::new(base, "goatapi_test"),
        db.pool(),
        test_settings(),
    )
    .unwrap()
}

#[tokio::test]
async fn html_pages_and_odd_wire_types_are_classified() {
    let db = TestDb::new().await;
    let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
    // A 502 HTML page is a gateway failure: retried, then retryable.
    let (base, hits) = canned_server("502 Bad Gateway", "text/html", page.to_string()).await;
    let client = client_at(&db, &base).await;
    let err = client
        .recent_sales("some-shoe", "10", Region::US)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        test_settings().max_attempts as usize
    );
    // The same page with 200 is not JSON: malformed, not retried.
    let (base, hits) = canned_server("200 OK", "text/html", page.to_string()).await;
    let err = client_at(&db, &base)
        .await
        .recent_sales("some-shoe", "10", Region::US)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("502 Bad Gateway"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Lenient wire types: a number price, a string size, no `consigned`; a fraction of a cent,
    // a negative price and a sale dated tomorrow are dropped and counted.
    let tomorrow = (Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({"recent_sales": [
        {"purchased_at": tomorrow, "price_cents": "21000", "size": 10, "consigned": false},
        {"purchased_at": "2025-11-27T11:46:29.335Z", "price_cents": 22000, "size": "10"},
        {"purchased_at": "2025-11-26T11:46:29.335Z", "price_cents": "220.5", "size": 10},
        {"purchased_at": "2025-11-25T11:46:29.335Z", "price_cents": "-100", "size": 10},
        {"purchased_at": "yesterday", "price_cents": "22000", "size": 10},
        {"price_cents": "22000", "size": 10},
        {"purchased_at": "2025-11-24T11:46:29.335Z", "price_cents": "21000", "size": 10.0, "consigned": true},
    ]});
    let (base, _) = canned_server("200 OK", "application/json", body.to_string()).await;
    let page = client_at(&db, &base)
        .await
        .recent_sales("some-shoe", "10", Region::EU)
        .await
        .unwrap();
    assert_eq!(
        page.skipped,
        SalesSkipped {
            no_time: 2,
            bad_price: 2,
            other_size: 0,
            duplicate: 0,
            future: 1,
        }
    );
    let got: Vec<(i64, bool)> = page
        .sales
        .iter()
        .map(|s| (s.price_minor, s.consigned))
        .collect();
    assert_eq!(got, vec![(22000, false), (21000, true)]);
    assert_eq!((page.region, page.currency), (Region::EU, Currency::USD));
}

#[tokio::test]
async fn a_malformed_sandbox_body_is_malformed() {
    let s = client_setup().await;
    let p = busy_product(&s.sandbox, 0).await;
    s.sandbox.reset().await;
    s.sandbox.faults(json!({"malformed_next": 1})).await;
    let err = s
        .clients
        .alias()
        .unwrap()
        .recent_sales(&p.alias_id, "10", Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert!(!err.is_retryable());
    assert_eq!(s.sandbox.count("alias.recent_sales").await, 1);
}
