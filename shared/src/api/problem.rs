//! RFC 9457 problem details (`application/problem+json`).

use http::{header, HeaderValue, Response, StatusCode};
use serde::Serialize;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// Base of our problem `type` URIs; they identify the kind of problem, they are not fetched.
pub const TYPE_BASE: &str = "https://sneaker-market.dev/problems/";

/// One rejected parameter (the `invalid_params` extension, as in RFC 9457's example).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidParam {
    pub name: String,
    pub reason: String,
}

/// A problem response. `type` is `TYPE_BASE` + a short slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
    /// A machine-readable reason for auth failures and similar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip)]
    pub retry_after_secs: Option<u32>,
    #[serde(skip)]
    pub www_authenticate: bool,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Problem {
            type_uri: format!("{TYPE_BASE}{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            invalid_params: Vec::new(),
            code: None,
            retry_after_secs: None,
            www_authenticate: false,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_instance(mut self, path: &str) -> Self {
        self.instance = Some(path.chars().take(256).collect());
        self
    }

    /// 400 naming every rejected parameter.
    pub fn invalid_params(params: Vec<InvalidParam>) -> Self {
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        let detail = format!("invalid query parameter(s): {}", names.join(", "));
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            "Invalid request parameter",
        );
        p.detail = Some(detail);
        p.invalid_params = params;
        p
    }

    pub fn invalid_param(name: &str, reason: impl Into<String>) -> Self {
        Self::invalid_params(vec![InvalidParam {
            name: name.to_string(),
            reason: reason.into(),
        }])
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found").with_detail(detail)
    }

    pub fn method_not_allowed() -> Self {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
        )
    }

    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            .with_detail(detail);
        p.code = Some(code.to_string());
        p.www_authenticate = true;
        p
    }

    /// 403: authenticated, but this caller may not see the resource.
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        let mut p =
            Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").with_detail(detail);
        p.code = Some(code.to_string());
        p
    }

    /// 503 with `Retry-After`: the database (or another dependency) is unavailable.
    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u32) -> Self {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .with_detail(detail);
        p.retry_after_secs = Some(retry_after_secs);
        p
    }

    /// 500 without internals: the cause goes to the log, not to the caller.
    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        )
        .with_detail("the request could not be completed; it has been logged")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn into_response(self) -> Response<Vec<u8>> {
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut builder = Response::builder()
            .status(self.status())
            .header(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)
            .header(header::CACHE_CONTROL, "no-store");
        if let Some(secs) = self.retry_after_secs {
            builder = builder.header(header::RETRY_AFTER, secs.to_string());
        }
        if self.www_authenticate {
            let code = self.code.as_deref().unwrap_or("invalid_token");
            let value = format!("Bearer error=\"invalid_token\", error_description=\"{code}\"");
            builder = builder.header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Bearer")),
            );
        }
        builder
            .body(body)
            .unwrap_or_else(|_| Response::new(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_names_the_parameter() {
        let r = Problem::invalid_param("limit", "must be between 1 and 100").into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(v["invalid_params"][0]["name"], "limit");
        assert_eq!(v["status"], 400);
    }

    #[test]
    fn unavailable_sets_retry_after() {
        let r = Problem::unavailable("database unavailable", 5).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
    }
}
