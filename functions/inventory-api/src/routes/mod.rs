//! One module per route: parameters, the query (from `../sql/`), and the response shape.

pub mod inventory;
pub mod me;
pub mod status;
