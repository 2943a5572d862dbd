//! Mutable sandbox state: OAuth tokens, per-marketplace throttles, fault switches and counters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Which protocol a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    Stockx,
    Alias,
}

impl Api {
    pub fn code(self) -> &'static str {
        match self {
            Api::Stockx => "stockx",
            Api::Alias => "alias",
        }
    }
}

/// Fault switches. Every field can be set at start (CLI/env) and changed at runtime through
/// `POST /__admin/faults` (a partial JSON object: only the fields given change).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Which marketplaces the faults hit (`["stockx","alias"]` when empty).
    pub targets: Vec<Api>,
    /// Probability (per mille) that an API request answers 5xx.
    pub error_per_mille: u32,
    /// The next N API requests answer `error_status`.
    pub fail_next: u32,
    /// Status used for injected server errors (default 500).
    pub error_status: Option<u16>,
    /// Added to every API response.
    pub latency_ms: u64,
    /// The next N API responses have a malformed body (status 200).
    pub malformed_next: u32,
    /// `"html"` (an HTML error page) or `"truncated"` (JSON cut in half). Default html.
    pub malformed_kind: Option<String>,
    /// The next N API requests answer 429.
    pub throttle_next: u32,
    /// Send `Retry-After` on 429s (seconds, or an HTTP-date when `retry_after_http_date`).
    pub retry_after: bool,
    pub retry_after_http_date: bool,
    /// Style codes or product/catalog ids that answer 404.
    pub not_found: Vec<String>,
    /// Style codes or Alias catalog ids whose `recent_sales` pages carry the quirks integrators
    /// report (a duplicate row, a null `purchased_at`, a `"0"` price, a row of another size).
    pub sales_quirks: Vec<String>,
    /// One-shot actions (applied, never stored): expire every access token / revoke every
    /// refresh token.
    #[serde(skip_serializing)]
    pub expire_access_tokens: bool,
    #[serde(skip_serializing)]
    pub revoke_refresh_tokens: bool,
}

impl Faults {
    pub fn hits(&self, api: Api) -> bool {
        self.targets.is_empty() || self.targets.contains(&api)
    }
}

/// Request limits the sandbox enforces per marketplace.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Limit {
    pub min_interval_ms: u64,
    pub daily_limit: u64,
}

#[derive(Debug, Default)]
pub struct Throttle {
    pub last_accepted: Option<Instant>,
    pub accepted: u64,
    /// Arrival times of accepted requests, µs since the sandbox started (bounded).
    pub arrivals_us: Vec<u64>,
}

#[derive(Debug, Default)]
pub struct Tokens {
    pub refresh: HashSet<String>,
    pub access: HashMap<String, Instant>,
    pub issued: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub total_requests: u64,
    pub total_429: u64,
    pub endpoints: BTreeMap<String, u64>,
    /// endpoint → product id → requests.
    pub products: BTreeMap<String, BTreeMap<String, u64>>,
    pub statuses: BTreeMap<String, u64>,
}

pub const MAX_ARRIVALS: usize = 100_000;

impl Throttle {
    /// Accepts a request at `now` unless it comes sooner than `min_interval` after the last
    /// accepted one or today's budget is used.
    pub fn admit(&mut self, now: Instant, started: Instant, limit: &Limit) -> bool {
        if self.accepted >= limit.daily_limit {
            return false;
        }
        if let Some(last) = self.last_accepted {
            if now.duration_since(last) < Duration::from_millis(limit.min_interval_ms) {
                return false;
            }
        }
        self.last_accepted = Some(now);
        self.accepted += 1;
        if self.arrivals_us.len() < MAX_ARRIVALS {
            self.arrivals_us
                .push(now.duration_since(started).as_micros() as u64);
        }
        true
    }

    pub fn min_gap_us(&self) -> Option<u64> {
        self.arrivals_us.windows(2).map(|w| w[1] - w[0]).min()
    }
}
