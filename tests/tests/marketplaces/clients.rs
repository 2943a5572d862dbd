//! The StockX and Alias clients against the sandbox over real HTTP, with a real database for the
//! token store and the shared rate limiter.

use std::time::Duration;

use e2e_tests::db::TestDb;
use e2e_tests::sandbox::{test_limits, test_settings, Sandbox};
use serde_json::json;
use shared::core::domain::{Currency, Marketplace, Region};
use shared::core::sizes::SizeSystem;
use shared::marketplaces::snapshot::MatchOutcome;
use shared::marketplaces::stockx::tokens::credential_status;
use shared::marketplaces::{links, MarketplaceClients, ProviderError};
use tokio_postgres::types::Type;

struct Setup {
    db: TestDb,
    sandbox: Sandbox,
    clients: MarketplaceClients,
}

async fn setup_with(settings: shared::marketplaces::ClientSettings) -> Setup {
    let db = TestDb::new().await;
    let sandbox = Sandbox::start_default().await;
    test_limits(&db.pool()).await;
    let clients = MarketplaceClients::new(
        db.pool(),
        Some(sandbox.stockx_config()),
        Some(sandbox.alias_config()),
        settings,
    )
    .unwrap();
    Setup {
        db,
        sandbox,
        clients,
    }
}

async fn setup() -> Setup {
    setup_with(test_settings()).await
}

async fn stored_refresh_token(db: &TestDb) -> Option<String> {
    let c = db.client().await;
    let rows = c
        .query_typed(
            "SELECT refresh_token FROM market.marketplace_credentials WHERE marketplace_id = $1",
            &[(&1i16, Type::INT2)],
        )
        .await
        .unwrap();
    rows.first().and_then(|r| r.get(0))
}

async fn refresh_with(sandbox: &Sandbox, refresh_token: &str) -> reqwest::StatusCode {
    sandbox.refresh_grant(refresh_token).await.status()
}

#[tokio::test]
async fn market_data_is_one_call_per_product_and_region() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    let snap = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();
    assert_eq!(
        (snap.marketplace, snap.currency, snap.region),
        (Marketplace::StockX, Currency::USD, Region::US)
    );
    assert_eq!(snap.quotes.len(), p.sizes.len());
    let ids: Vec<&str> = p
        .sizes
        .iter()
        .map(|s| s.stockx_variant_id.as_str())
        .collect();
    assert!(snap
        .quotes
        .iter()
        .all(|q| ids.contains(&q.external_variant_id.as_str())));
    assert!(snap.quotes.iter().any(|q| q.lowest_ask.is_some()));
    for q in &snap.quotes {
        if let (Some(a), Some(b)) = (q.lowest_ask, q.highest_bid) {
            assert!(b < a, "bid {b} must sit below ask {a}");
        }
        assert!(q.lowest_ask.is_none_or(|a| a > 0 && a % 100 == 0));
    }
    let uk = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::UK)
        .await
        .unwrap();
    assert_eq!(uk.currency, Currency::GBP);

    let alias = s
        .clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::EU)
        .await
        .unwrap();
    assert_eq!((alias.currency, alias.region), (Currency::USD, Region::EU));
    assert_eq!(alias.quotes.len(), p.sizes.len());
    assert!(alias.quotes.iter().any(|q| q.last_sale.is_some()));

    let stats = s.sandbox.stats().await;
    assert_eq!(stats["endpoints"]["stockx.market_data"], 2);
    assert_eq!(stats["products"]["stockx.market_data"][&p.stockx_id], 2);
    assert_eq!(stats["endpoints"]["alias.availabilities"], 1);
    assert_eq!(stats["products"]["alias.availabilities"][&p.alias_id], 1);
    // One token for both StockX calls.
    assert_eq!(stats["endpoints"]["stockx.oauth_token"], 1);
    assert_eq!(stats["total_429"], 0);
}

#[tokio::test]
async fn refresh_token_rotation_is_persisted_and_shared() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    let initial = s.sandbox.running.app.cfg.initial_refresh_token.clone();
    s.clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();

    let stored = stored_refresh_token(&s.db)
        .await
        .expect("a refresh token is stored");
    assert_ne!(
        stored, initial,
        "the rotated refresh token replaces the initial one"
    );
    // The sandbox invalidated the old token after use.
    assert_eq!(
        refresh_with(&s.sandbox, &initial).await,
        reqwest::StatusCode::BAD_REQUEST
    );
    let status = credential_status(&s.db.pool(), Marketplace::StockX)
        .await
        .unwrap()
        .unwrap();
    assert!(!status.needs_reauth && status.has_refresh_token);
    assert!(status.access_token_valid_ms.unwrap() > 40_000_000);

    // Another "Lambda instance" (new clients, new pool) reuses the stored access token.
    let tokens_before = s.sandbox.count("stockx.oauth_token").await;
    let other = MarketplaceClients::new(
        s.db.pool(),
        Some(s.sandbox.stockx_config()),
        None,
        test_settings(),
    )
    .unwrap();
    other
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();
    assert_eq!(s.sandbox.count("stockx.oauth_token").await, tokens_before);
}

#[tokio::test]
async fn expired_access_token_is_refreshed_once_after_a_401() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    s.clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();
    let first = stored_refresh_token(&s.db).await.unwrap();
    s.sandbox
        .faults(json!({"expire_access_tokens": true}))
        .await;
    let snap = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();
    assert!(!snap.quotes.is_empty());
    let stats = s.sandbox.stats().await;
    assert_eq!(stats["statuses"]["401"], 1);
    assert_eq!(stats["endpoints"]["stockx.oauth_token"], 2);
    assert_eq!(stats["endpoints"]["stockx.market_data"], 3);
    let second = stored_refresh_token(&s.db).await.unwrap();
    assert_ne!(first, second, "every refresh rotates and persists");
}

#[tokio::test]
async fn revoked_refresh_token_marks_needs_reauth_and_alias_keeps_working() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    s.sandbox
        .faults(json!({"revoke_refresh_tokens": true, "expire_access_tokens": true}))
        .await;
    let err = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "auth", "{err}");
    let status = credential_status(&s.db.pool(), Marketplace::StockX)
        .await
        .unwrap()
        .unwrap();
    assert!(status.needs_reauth);
    assert!(status.reauth_reason.unwrap().contains("invalid_grant"));

    // StockX is now disabled without calling the token endpoint again.
    let tokens_before = s.sandbox.count("stockx.oauth_token").await;
    let other = MarketplaceClients::new(
        s.db.pool(),
        Some(s.sandbox.stockx_config()),
        None,
        test_settings(),
    )
    .unwrap();
    let err = other
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "disabled", "{err}");
    assert!(!err.is_retryable());
    assert_eq!(s.sandbox.count("stockx.oauth_token").await, tokens_before);

    s.clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap();

    // A human re-consents: StockX works again.
    shared::marketplaces::stockx::tokens::reconsent(
        &s.db.pool(),
        &s.sandbox.running.app.cfg.initial_refresh_token,
    )
    .await
    .unwrap();
    // The sandbox revoked everything, so issue a fresh token there through the code grant.
    let c = &s.sandbox.running.app.cfg;
    let body: serde_json::Value = reqwest::Client::new()
        .post(s.sandbox.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.client_secret.as_str()),
            ("code", "consent-code"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    shared::marketplaces::stockx::tokens::reconsent(
        &s.db.pool(),
        body["refresh_token"].as_str().unwrap(),
    )
    .await
    .unwrap();
    let again = MarketplaceClients::new(
        s.db.pool(),
        Some(s.sandbox.stockx_config()),
        None,
        test_settings(),
    )
    .unwrap();
    again
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap();
}

#[tokio::test]
async fn throttling_429_waits_and_succeeds_with_and_without_retry_after() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    for retry_after in [true, false] {
        s.sandbox
            .faults(json!({"throttle_next": 1, "retry_after": retry_after}))
            .await;
        let snap = s
            .clients
            .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
            .await
            .unwrap();
        assert!(!snap.quotes.is_empty());
    }
    s.sandbox
        .faults(json!({"throttle_next": 1, "retry_after": true, "retry_after_http_date": true}))
        .await;
    s.clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap();
    assert_eq!(s.sandbox.stats().await["total_429"], 3);
    let state = s
        .clients
        .stockx()
        .unwrap()
        .limiter()
        .state(Marketplace::StockX)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.throttled_today, 2);
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retryable() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    // One 5xx: retried transparently.
    s.sandbox
        .faults(json!({"fail_next": 1, "error_status": 503}))
        .await;
    s.clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap();
    // Persistent 5xx: max_attempts requests, then a retryable error.
    s.sandbox.reset().await;
    s.sandbox
        .faults(json!({"fail_next": 10, "error_status": 500}))
        .await;
    let err = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Retryable { .. }), "{err}");
    assert_eq!((err.kind(), err.is_retryable()), ("retryable", true));
    assert_eq!(s.sandbox.count("stockx.market_data").await, 3);

    // Timeouts.
    s.sandbox
        .faults(json!({"clear": true, "latency_ms": 1500, "targets": ["alias"]}))
        .await;
    let mut settings = test_settings();
    settings.timeout = Duration::from_millis(400);
    settings.max_attempts = 1;
    let slow = MarketplaceClients::new(s.db.pool(), None, Some(s.sandbox.alias_config()), settings)
        .unwrap();
    let err = slow
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "retryable", "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn malformed_bodies_and_missing_products_are_typed_errors() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    s.sandbox
        .faults(json!({"malformed_next": 1, "malformed_kind": "html"}))
        .await;
    let err = s
        .clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .unwrap_err();
    match &err {
        ProviderError::Malformed { excerpt, .. } => assert!(excerpt.contains("502 Bad Gateway")),
        other => panic!("{other:?}"),
    }
    s.sandbox
        .faults(json!({"malformed_next": 1, "malformed_kind": "truncated"}))
        .await;
    let err = s
        .clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "malformed");
    assert!(!err.is_retryable());

    let err = s
        .clients
        .market_data(
            Marketplace::StockX,
            "00000000-0000-4000-8000-000000000000",
            Region::US,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "not_found");
    s.sandbox.faults(json!({"not_found": [p.style_code]})).await;
    let err = s
        .clients
        .market_data(Marketplace::Alias, &p.alias_id, Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "not_found");
    let err = s
        .clients
        .market_data(Marketplace::StockX, "../etc", Region::US)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "permanent");
}

async fn insert_product(db: &TestDb, style_code: &str) -> i32 {
    let c = db.client().await;
    let rows = c
        .query_typed(
            "INSERT INTO market.products (style_code, brand, name) VALUES ($1, 'Test', 'Test product')
             ON CONFLICT (style_code) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            &[(&style_code, Type::TEXT)],
        )
        .await
        .unwrap();
    rows[0].get(0)
}

async fn link_status(
    db: &TestDb,
    product_id: i32,
    m: Marketplace,
) -> (String, Option<String>, usize) {
    let c = db.client().await;
    let rows = c
        .query_typed(
            "SELECT status, external_id, jsonb_array_length(candidates) FROM market.marketplace_links
             WHERE product_id = $1 AND marketplace_id = $2",
            &[(&product_id, Type::INT4), (&m.id(), Type::INT2)],
        )
        .await
        .unwrap();
    (
        rows[0].get(0),
        rows[0].get(1),
        rows[0].get::<_, i32>(2) as usize,
    )
}

#[tokio::test]
async fn search_results_become_link_statuses() {
    let s = setup().await;
    let plain = s.sandbox.plain_product();
    let dup = s
        .sandbox
        .pick(|p| p.on_stockx && p.stockx_duplicate_id.is_some());
    let missing = s.sandbox.pick(|p| !p.on_stockx);
    let multi = s.sandbox.pick(|p| {
        p.on_stockx && p.stockx_style_id.contains('/') && p.stockx_duplicate_id.is_none()
    });
    let db = &s.db;
    let client = db.client().await;

    let cases = [
        (&plain, Marketplace::StockX, "matched"),
        (&plain, Marketplace::Alias, "matched"),
        (&dup, Marketplace::StockX, "needs_review"),
        (&missing, Marketplace::StockX, "not_found"),
        (&multi, Marketplace::StockX, "matched"),
    ];
    for (p, m, want) in cases {
        let id = insert_product(db, &p.style_code).await;
        let outcome = s.clients.search(m, &p.style_code).await.unwrap();
        let status = links::save_match(&client, id, m, &outcome).await.unwrap();
        assert_eq!(status, want, "{} on {m}: {outcome:?}", p.style_code);
        let (db_status, external, n) = link_status(db, id, m).await;
        assert_eq!(db_status, want);
        match outcome {
            MatchOutcome::Matched(c) => {
                let expected = if m == Marketplace::StockX {
                    &p.stockx_id
                } else {
                    &p.alias_id
                };
                assert_eq!(&c.external_id, expected);
                assert_eq!(external.as_deref(), Some(expected.as_str()));
            }
            MatchOutcome::NeedsReview(v) => {
                assert_eq!(v.len(), 2);
                assert_eq!(n, 2);
                assert!(external.is_none());
            }
            MatchOutcome::NotFound(_) => assert!(external.is_none()),
        }
    }
    // Another catalogue row matched to the same marketplace product: the unique link index turns
    // the second match into needs_review instead of linking one marketplace product twice.
    let other = insert_product(db, "ZZ9999-001").await;
    let outcome = s
        .clients
        .search(Marketplace::StockX, &plain.style_code)
        .await
        .unwrap();
    assert_eq!(
        links::save_match(&client, other, Marketplace::StockX, &outcome)
            .await
            .unwrap(),
        "needs_review"
    );
    assert_eq!(
        link_status(db, other, Marketplace::StockX).await.0,
        "needs_review"
    );
}

#[tokio::test]
async fn variants_map_to_our_sizes_on_both_marketplaces() {
    let s = setup().await;
    let women = s
        .sandbox
        .pick(|p| p.on_stockx && p.on_alias && p.gender == "women");
    let v = s
        .clients
        .variants(Marketplace::StockX, &women.stockx_id)
        .await
        .unwrap();
    assert_eq!(v.len(), women.sizes.len());
    assert!(v.iter().all(|v| v.system == Some(SizeSystem::UsW)));
    let w85 = v.iter().find(|v| v.label == "8.5W").unwrap();
    assert_eq!(w85.us_m.map(|d| d.to_string()), Some("7".into()));
    assert_eq!(w85.eu.map(|d| d.to_string()), Some("40".into()));
    let a = s
        .clients
        .variants(Marketplace::Alias, &women.alias_id)
        .await
        .unwrap();
    assert_eq!(a.len(), women.sizes.len());
    assert!(a.iter().all(|v| v.system == Some(SizeSystem::UsW)));
    assert!(a.iter().any(|v| v.external_variant_id == "8.5"));

    let kid = s.sandbox.pick(|p| p.on_stockx && p.gender == "child");
    let v = s
        .clients
        .variants(Marketplace::StockX, &kid.stockx_id)
        .await
        .unwrap();
    assert!(v.iter().all(|v| v.system == Some(SizeSystem::UsY)), "{v:?}");

    // The Alias market-data ids are the same strings as its variant ids.
    let snap = s
        .clients
        .market_data(Marketplace::Alias, &women.alias_id, Region::US)
        .await
        .unwrap();
    let ids: Vec<&str> = a.iter().map(|v| v.external_variant_id.as_str()).collect();
    assert!(snap
        .quotes
        .iter()
        .all(|q| ids.contains(&q.external_variant_id.as_str())));
}

#[tokio::test]
async fn disabled_marketplace_answers_disabled() {
    let db = TestDb::new().await;
    let clients = MarketplaceClients::new(db.pool(), None, None, test_settings()).unwrap();
    assert!(clients.enabled().is_empty());
    let err = clients
        .search(Marketplace::Alias, "DZ5485-612")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "disabled");
}

#[tokio::test]
async fn a_rotation_stored_late_by_another_instance_is_used_instead_of_asking_for_consent() {
    let s = setup().await;
    let p = s.sandbox.plain_product();
    // "Instance A" spends the initial refresh token at StockX, which rotates it, but A's database
    // write comes late (its connection was cut mid-transaction and it stores again).
    let grant: serde_json::Value = s
        .sandbox
        .refresh_grant(&s.sandbox.running.app.cfg.initial_refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let rotated = grant["refresh_token"].as_str().unwrap().to_string();
    let access = grant["access_token"].as_str().unwrap().to_string();
    let pool = s.db.pool();
    let late = tokio::spawn({
        let (rotated, access) = (rotated.clone(), access.clone());
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            pool.get()
                .await
                .unwrap()
                .execute(
                    "UPDATE market.marketplace_credentials
                     SET refresh_token = $1, access_token = $2,
                         access_token_expires_at = now() + interval '1 hour'
                     WHERE marketplace_id = 1",
                    &[&rotated, &access],
                )
                .await
                .unwrap()
        }
    });
    // "Instance B" needs a token now: StockX rejects the spent token, and B waits for A's store
    // instead of declaring that a human must re-consent.
    s.clients
        .market_data(Marketplace::StockX, &p.stockx_id, Region::US)
        .await
        .expect("B uses the token A stored");
    assert_eq!(late.await.unwrap(), 1);
    let status = credential_status(&s.db.pool(), Marketplace::StockX)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !status.needs_reauth,
        "no re-consent for a rotation in flight"
    );
    assert_eq!(
        stored_refresh_token(&s.db).await.as_deref(),
        Some(rotated.as_str())
    );
}
