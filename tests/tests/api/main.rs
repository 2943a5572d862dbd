//! Both HTTP APIs through real Function URL events against a real database: the market page, search and history, the inventory and its auth, the OpenAPI contract, and request fuzzing.
//!
//! One test binary per area (`cargo test -p e2e-tests --test api`); each module is one concern.

mod contract;
mod history;
mod inventory_auth;
mod inventory_items;
mod inventory_pages;
mod inventory_quotes;
mod inventory_values;
mod me;
mod page;
mod page_http;
mod regions;
mod request_fuzz;
mod sales;
mod search;
mod sizes;
mod status;
