//! The StockX and Alias clients against the sandbox over real HTTP, provider fixtures, money parsing, the shared rate limiter, fee schedules and the sandbox itself.
//!
//! One test binary per area (`cargo test -p e2e-tests --test marketplaces`); each module is one concern.

mod clients;
mod fees;
mod fixtures;
mod money;
mod ratelimit;
mod sales;
mod sales_client;
mod sandbox;
