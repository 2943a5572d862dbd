//! One module per route: parameters, the query (from `../sql/`), and the response shape.

pub mod history;
pub mod page;
pub mod sales_history;
pub mod search;
