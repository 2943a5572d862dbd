//! `GET /v1/me`: the per-user rollout decision (kill switch, allow-list, stable bucket against
//! the percentage) read from `market.rollout`, and the seller's valuation settings.

use e2e_tests::api::{self, get, Resp};
use e2e_tests::db::TestDb;
use serde_json::Value;
use shared::core::rollout::Rollout;
use uuid::Uuid;

fn state(db: &TestDb) -> inventory_api::State {
    api::inventory_state(db.pool(), None)
}

async fn me(s: &inventory_api::State, user: Uuid) -> Value {
    let auth = api::bearer(user);
    let r = Resp::from_lambda(
        inventory_api::handle(s, get("/v1/me", "", &[("authorization", &auth)])).await,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    api::assert_conforms("MeResponse", &v);
    v
}

#[tokio::test]
async fn me_follows_the_rollout_row_and_names_the_sellers_settings() {
    let db = TestDb::new().await;
    let c = db.client().await;
    let s = state(&db);
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    api::fee_profile(&c, alice, "UK", "GBP", 2).await;

    // The migration's row: nobody rolled out.
    let v = me(&s, alice).await;
    assert_eq!(v["rollout"]["backend"], "legacy");
    assert_eq!(v["rollout"]["reason"], "not_yet_rolled_out");
    assert_eq!(
        (v["market"].as_str(), v["currency"].as_str()),
        (Some("UK"), Some("GBP"))
    );
    assert_eq!(v["fee_profile"]["stockx_seller_level"], 2);
    assert_eq!(v["fee_profile_is_default"], false);
    assert_eq!(v["minor_digits"], 2);
    let bob_v = me(&s, bob).await;
    assert_eq!(
        bob_v["fee_profile_is_default"], true,
        "no settings row: the defaults"
    );

    // Allow-listed: on this backend at 0 %.
    let mut r = Rollout::load(&c).await.unwrap();
    r.allow_list = vec![alice];
    r.save(&c).await.unwrap();
    assert_eq!(me(&s, alice).await["rollout"]["reason"], "allow_list");
    assert_eq!(me(&s, bob).await["rollout"]["backend"], "legacy");

    // At the user's bucket + 1 they are in; one below, out (the bucket is theirs for good).
    let bucket = bob_v["rollout"]["bucket"].as_u64().unwrap() as u8;
    r.percent = bucket + 1;
    r.save(&c).await.unwrap();
    let v = me(&s, bob).await;
    assert_eq!(
        (
            v["rollout"]["backend"].as_str(),
            v["rollout"]["reason"].as_str()
        ),
        (Some("market"), Some("in_rollout"))
    );
    assert_eq!(v["rollout"]["bucket"], bucket);
    r.percent = bucket;
    r.save(&c).await.unwrap();
    assert_eq!(me(&s, bob).await["rollout"]["backend"], "legacy");

    // The kill switch beats everything.
    r.percent = 100;
    r.kill_switch = true;
    r.save(&c).await.unwrap();
    for user in [alice, bob] {
        let v = me(&s, user).await;
        assert_eq!(v["rollout"]["reason"], "kill_switch");
        assert_eq!(v["rollout"]["backend"], "legacy");
    }

    // Signed-in only; no parameters.
    let r = Resp::from_lambda(inventory_api::handle(&s, get("/v1/me", "", &[])).await);
    assert_eq!(r.problem(401)["code"], "missing_token");
}
