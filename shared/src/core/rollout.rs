//! Which backend a user of the existing app should use: this one (`market`) or the app's own
//! sync (`legacy`). One row in `market.rollout` holds a percentage, an allow-list and a kill
//! switch; each user has a stable bucket (0-99) derived from their id, so a user who is in at
//! 10 % stays in at 50 % and 100 %. `GET /v1/me` answers with the decision; `market rollout` sets
//! the row.

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;
use uuid::Uuid;

/// The default (no row): nobody on this backend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// Share of users (by bucket) on this backend, 0-100.
    pub percent: u8,
    /// Always on this backend (unless the kill switch is on).
    pub allow_list: Vec<Uuid>,
    /// Everyone back to the app's own sync.
    pub kill_switch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// This backend's APIs.
    Market,
    /// The app's own Supabase queries and sync.
    Legacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    KillSwitch,
    AllowList,
    /// The user's bucket is below the percentage.
    InRollout,
    /// The user's bucket is at or above it.
    NotYetRolledOut,
}

/// A user's stable bucket, 0-99: the first 8 bytes of SHA-256 over a fixed label and the id's 16
/// bytes, modulo 100. Hashing (rather than reading the UUID's own bits) keeps buckets uniform for
/// ids that are not random (v1, v7, hand-made test ids).
pub fn bucket(user: Uuid) -> u8 {
    let digest = Sha256::new()
        .chain_update(b"market.rollout:")
        .chain_update(user.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 100) as u8
}

impl Rollout {
    /// From the row's columns; a percentage outside 0-100 (the table's CHECK forbids it) reads as
    /// the nearest bound.
    pub fn from_row(percent: i16, allow_list: Vec<Uuid>, kill_switch: bool) -> Rollout {
        Rollout {
            percent: percent.clamp(0, 100) as u8,
            allow_list,
            kill_switch,
        }
    }

    pub fn decide(&self, user: Uuid) -> (Backend, Reason) {
        if self.kill_switch {
            (Backend::Legacy, Reason::KillSwitch)
        } else if self.allow_list.contains(&user) {
            (Backend::Market, Reason::AllowList)
        } else if bucket(user) < self.percent {
            (Backend::Market, Reason::InRollout)
        } else {
            (Backend::Legacy, Reason::NotYetRolledOut)
        }
    }

    pub async fn load<C: GenericClient>(c: &C) -> Result<Rollout, tokio_postgres::Error> {
        let rows = c
            .query_typed(
                "SELECT percent, allow_list, kill_switch FROM market.rollout WHERE id",
                &[],
            )
            .await?;
        Ok(rows.first().map_or(Rollout::default(), |r| {
            Rollout::from_row(r.get(0), r.get(1), r.get(2))
        }))
    }

    pub async fn save<C: GenericClient>(&self, c: &C) -> Result<(), tokio_postgres::Error> {
        let percent = i16::from(self.percent.min(100));
        c.query_typed(
            "INSERT INTO market.rollout (id, percent, allow_list, kill_switch, updated_at)
             VALUES (true, $1, $2, $3, now())
             ON CONFLICT (id) DO UPDATE SET percent = $1, allow_list = $2, kill_switch = $3,
               updated_at = now()",
            &[
                (&percent, Type::INT2),
                (&self.allow_list, Type::UUID_ARRAY),
                (&self.kill_switch, Type::BOOL),
            ],
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(n: u128) -> impl Iterator<Item = Uuid> {
        // Sequential ids: the worst case for a bucket read straight from the id's bits.
        (0..n).map(Uuid::from_u128)
    }

    #[test]
    fn a_user_once_in_stays_in_as_the_percentage_grows() {
        let steps = [0u8, 10, 50, 100];
        for user in users(2000) {
            let mut was_in = false;
            for percent in steps {
                let r = Rollout {
                    percent,
                    allow_list: vec![],
                    kill_switch: false,
                };
                let is_in = r.decide(user).0 == Backend::Market;
                assert!(!was_in || is_in, "{user} left the rollout at {percent} %");
                was_in = is_in;
            }
            assert!(was_in, "everyone is in at 100 %");
        }
    }

    #[test]
    fn the_share_in_follows_the_percentage() {
        let n = 20_000u128;
        for percent in [10u8, 50] {
            let r = Rollout {
                percent,
                allow_list: vec![],
                kill_switch: false,
            };
            let inside = users(n)
                .filter(|u| r.decide(*u).0 == Backend::Market)
                .count();
            let share = inside as f64 * 100.0 / n as f64;
            // Binomial: 3 standard deviations at n = 20,000 are under 1.1 points.
            assert!(
                (share - f64::from(percent)).abs() < 1.5,
                "{share:.2} % in at {percent} %"
            );
        }
    }

    #[test]
    fn the_allow_list_and_the_kill_switch_win() {
        let user = Uuid::from_u128(42);
        let mut r = Rollout {
            percent: 0,
            allow_list: vec![user],
            kill_switch: false,
        };
        assert_eq!(r.decide(user), (Backend::Market, Reason::AllowList));
        assert_eq!(
            r.decide(Uuid::from_u128(43)),
            (Backend::Legacy, Reason::NotYetRolledOut)
        );
        r.percent = 100;
        r.kill_switch = true;
        assert_eq!(r.decide(user), (Backend::Legacy, Reason::KillSwitch));
    }
}
