//! Every way a bearer token can fail gives 401 with a problem body; valid HS256, RS256 and ES256
//! (JWKS) tokens are accepted and name the user.

use e2e_tests::api::{self, get, Resp};
use e2e_tests::db::TestDb;
use serde_json::json;
use shared::api::jwt::JwtVerifier;
use shared::api::Cors;
use shared::valuation::fees::FeeSchedule;
use uuid::Uuid;

fn state(db: &TestDb) -> inventory_api::State {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&api::jwks_json()).unwrap();
    let verifier = JwtVerifier::new(Some(api::JWT_SECRET.as_bytes()), Some(&jwks), 30).unwrap();
    inventory_api::State::new(
        db.pool(),
        Cors::default(),
        FeeSchedule::default(),
        verifier,
        None,
    )
}

async fn with_auth(s: &inventory_api::State, auth: Option<&str>) -> Resp {
    let headers: Vec<(&str, &str)> = auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
    Resp::from_lambda(inventory_api::handle(s, get("/v1/inventory", "", &headers)).await)
}

#[tokio::test]
async fn each_auth_failure_is_401_with_a_problem_body() {
    let db = TestDb::new().await;
    let s = state(&db);
    let user = Uuid::new_v4();
    let good = api::claims(user, 3600);
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("anon");
    let mut future_nbf = good.clone();
    future_nbf["nbf"] = json!(chrono::Utc::now().timestamp() + 600);
    let mut not_uuid = good.clone();
    not_uuid["sub"] = json!("admin");
    let mut no_exp = good.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let bearer = |t: String| format!("Bearer {t}");

    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "missing_token"),
        (
            "basic scheme",
            Some("Basic dXNlcjpwYXNz".into()),
            "not_bearer",
        ),
        (
            "malformed",
            Some("Bearer not.a.jwt".into()),
            "malformed_token",
        ),
        (
            "two parts",
            Some("Bearer abc.def".into()),
            "malformed_token",
        ),
        (
            "expired",
            Some(bearer(api::hs256(
                &api::claims(user, -120),
                api::JWT_SECRET,
            ))),
            "token_expired",
        ),
        (
            "wrong audience",
            Some(bearer(api::hs256(&wrong_aud, api::JWT_SECRET))),
            "invalid_audience",
        ),
        (
            "not yet valid",
            Some(bearer(api::hs256(&future_nbf, api::JWT_SECRET))),
            "token_not_yet_valid",
        ),
        (
            "alg none",
            Some(bearer(api::alg_none(&good))),
            "algorithm_not_accepted",
        ),
        (
            "wrong secret",
            Some(bearer(api::hs256(
                &good,
                "another-secret-entirely-0123456789",
            ))),
            "invalid_signature",
        ),
        (
            "wrong RSA key",
            Some(bearer(api::rs256(&good, true))),
            "invalid_signature",
        ),
        (
            "sub not a uuid",
            Some(bearer(api::hs256(&not_uuid, api::JWT_SECRET))),
            "invalid_claims",
        ),
        (
            "no exp",
            Some(bearer(api::hs256(&no_exp, api::JWT_SECRET))),
            "invalid_claims",
        ),
    ];
    for (name, header, code) in cases {
        let r = with_auth(&s, header.as_deref()).await;
        let p = r.problem(401);
        assert_eq!(p["code"], code, "{name}");
        assert!(
            r.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{name}"
        );
        api::assert_conforms("Problem", &p);
    }
    assert_eq!(
        s.round_trips.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "no database work before auth"
    );
}

#[tokio::test]
async fn within_leeway_expiry_is_accepted() {
    let db = TestDb::new().await;
    let s = state(&db);
    let t = api::hs256(&api::claims(Uuid::new_v4(), -10), api::JWT_SECRET);
    assert_eq!(
        with_auth(&s, Some(&format!("Bearer {t}"))).await.status,
        200
    );
}

#[tokio::test]
async fn hs256_rs256_and_es256_tokens_are_accepted_for_their_user_only() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let user = Uuid::new_v4();
    let other = Uuid::new_v4();
    let mine = api::Item::new(user, "AA1111-111", "10").insert(&c).await;
    api::Item::new(other, "AA1111-111", "9").insert(&c).await;
    let s = state(&db);
    for token in [
        api::hs256(&api::claims(user, 3600), api::JWT_SECRET),
        api::rs256(&api::claims(user, 3600), false),
        api::es256(&api::claims(user, 3600)),
    ] {
        let r = with_auth(&s, Some(&format!("bearer {token}"))).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], mine.to_string());
    }
}

#[test]
fn verifier_needs_a_key() {
    assert!(JwtVerifier::new(None, None, 30).is_err());
    assert!(JwtVerifier::new(
        Some(b""),
        Some(&jsonwebtoken::jwk::JwkSet { keys: vec![] }),
        30
    )
    .is_err());
}

#[tokio::test]
async fn only_this_projects_issuer_and_the_authenticated_role_are_accepted() {
    let db = TestDb::new().await;
    let issuer = "https://abcd.supabase.co/auth/v1";
    let verifier = JwtVerifier::new(Some(api::JWT_SECRET.as_bytes()), None, 30)
        .unwrap()
        .with_issuer(issuer);
    let s = inventory_api::State::new(
        db.pool(),
        Cors::default(),
        FeeSchedule::default(),
        verifier,
        None,
    );
    let user = Uuid::new_v4();
    let mut good = api::claims(user, 3600);
    good["iss"] = json!(issuer);
    let mut other_project = good.clone();
    other_project["iss"] = json!("https://other.supabase.co/auth/v1");
    let mut no_iss = good.clone();
    no_iss.as_object_mut().unwrap().remove("iss");
    let mut service = good.clone();
    service["role"] = json!("service_role");
    let mut odd_role = good.clone();
    odd_role["role"] = json!(["authenticated"]);
    let bearer = |c: &serde_json::Value| format!("Bearer {}", api::hs256(c, api::JWT_SECRET));

    let ok = with_auth(&s, Some(&bearer(&good))).await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    for (claims, code) in [
        (&other_project, "invalid_issuer"),
        (&no_iss, "invalid_issuer"),
        (&service, "invalid_role"),
        (&odd_role, "invalid_role"),
    ] {
        let r = with_auth(&s, Some(&bearer(claims))).await;
        let p = r.problem(401);
        assert_eq!(p["code"], code, "{claims}: {p}");
    }
}
