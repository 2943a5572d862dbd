//! HTTP plumbing shared by the API functions: RFC 9457 problem responses, strict query-parameter
//! parsing, conditional and compressed JSON responses, CORS, and the request view the handlers use.
//!
//! Everything works on the `http` crate's types, which is what `lambda_http` hands a Lambda
//! Function URL handler (`lambda_http::Request` is `http::Request<Body>`), so no Lambda types leak
//! in here and the handlers stay testable with real events.

pub mod cors;
pub mod error;
pub mod jwt;
pub mod lambda;
pub mod problem;
pub mod query;
pub mod request;
pub mod response;

pub use cors::Cors;
pub use error::ApiError;
pub use problem::{InvalidParam, Problem};
pub use query::Query;
pub use request::ApiRequest;
pub use response::{CachePolicy, JsonResponse};
