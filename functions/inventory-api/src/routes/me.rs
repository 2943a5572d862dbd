//! `GET /v1/me`: which backend the signed-in user's app should use (the per-user rollout in
//! `shared::core::rollout`) and the settings this backend values their pairs with.

use postgres_types::Json;
use serde::Serialize;
use shared::api::{ApiRequest, CachePolicy, JsonResponse};
use shared::core::db::{query_bounded, Type};
use shared::core::domain::Currency;
use shared::core::rollout::{self, Backend, Reason, Rollout};
use shared::valuation::fees::FeeProfile;
use shared::valuation::seller::{self, ProfileRow};
use uuid::Uuid;

use crate::{ApiError, State};

static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH {}
         SELECT (SELECT row_to_json(prof) FROM prof),
                (SELECT json_build_object('percent', percent, 'allow_list', allow_list,
                                          'kill_switch', kill_switch)
                 FROM market.rollout WHERE id)",
        seller::PROFILE_CTES
    )
});

#[derive(Debug, serde::Deserialize)]
struct RolloutRow {
    percent: i16,
    allow_list: Vec<Uuid>,
    kill_switch: bool,
}

#[derive(Debug, Serialize)]
struct RolloutOut {
    backend: Backend,
    reason: Reason,
    /// The user's stable bucket (0-99): on this backend when below `percent`.
    bucket: u8,
    percent: u8,
}

#[derive(Debug, Serialize)]
struct Out {
    user_id: Uuid,
    rollout: RolloutOut,
    /// The market and currency the inventory is valued in by default, and the fees.
    market: shared::core::domain::Region,
    currency: Currency,
    minor_digits: u32,
    fee_profile: FeeProfile,
    fee_profile_is_default: bool,
}

pub async fn handle(state: &State, req: &ApiRequest) -> Result<JsonResponse, ApiError> {
    let user = state.verifier.verify_header(req.header("authorization"))?;
    req.query.clone().finish(&[])?;
    let client = state.client().await?;
    state.count_round_trip();
    let rows = query_bounded(&client, &SQL, &[(&user.user_id, Type::UUID)], state.limits).await?;
    drop(client);
    let row = rows
        .first()
        .ok_or_else(|| ApiError::Decode("no row".into()))?;
    let profile_row: Option<Json<ProfileRow>> = row.try_get(0)?;
    let rollout_row: Option<Json<RolloutRow>> = row.try_get(1)?;
    // No row (a database migrated without it): nobody is rolled out.
    let r = rollout_row.map_or(Rollout::default(), |Json(r)| {
        Rollout::from_row(r.percent, r.allow_list, r.kill_switch)
    });
    let (backend, reason) = r.decide(user.user_id);
    let (fee_profile, is_default) =
        seller::resolve(profile_row.as_ref().map(|Json(p)| p), &state.fees);
    let out = Out {
        user_id: user.user_id,
        rollout: RolloutOut {
            backend,
            reason,
            bucket: rollout::bucket(user.user_id),
            percent: r.percent,
        },
        market: fee_profile.region,
        currency: fee_profile.currency,
        minor_digits: fee_profile.currency.minor_digits(),
        fee_profile,
        fee_profile_is_default: is_default,
    };
    Ok(JsonResponse::new(&out, CachePolicy::PrivateRevalidate)?)
}
