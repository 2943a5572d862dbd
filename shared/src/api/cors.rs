//! CORS for the configured frontend origins (`CORS_ALLOWED_ORIGINS`, comma-separated; `*` allows
//! any origin without credentials).

use http::{header, HeaderMap, HeaderValue, Response, StatusCode};

#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Vec<String>,
    any: bool,
}

impl Cors {
    pub fn new(list: &str) -> Self {
        let mut origins = Vec::new();
        let mut any = false;
        for o in list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
        {
            if o == "*" {
                any = true;
            } else {
                origins.push(o.to_ascii_lowercase());
            }
        }
        Cors { origins, any }
    }

    pub fn from_env() -> Self {
        Cors::new(&crate::core::config::or_default("CORS_ALLOWED_ORIGINS", ""))
    }

    /// The value for `Access-Control-Allow-Origin` when `origin` is allowed.
    fn allow(&self, origin: Option<&str>) -> Option<HeaderValue> {
        let origin = origin?;
        if self.any {
            return Some(HeaderValue::from_static("*"));
        }
        let lower = origin.to_ascii_lowercase();
        if self.origins.contains(&lower) {
            HeaderValue::from_str(origin).ok()
        } else {
            None
        }
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    pub fn apply(&self, request_headers: &HeaderMap, response: &mut Response<Vec<u8>>) {
        let origin = request_headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let h = response.headers_mut();
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(allow) = self.allow(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("ETag, Retry-After, Content-Encoding"),
            );
        }
    }

    /// Answers an `OPTIONS` preflight: 204 with the allowed methods and headers for an allowed
    /// origin, 403 (without CORS headers) for any other.
    pub fn preflight(
        &self,
        request_headers: &HeaderMap,
        methods: &'static str,
    ) -> Response<Vec<u8>> {
        let origin = request_headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let mut builder = Response::builder().header(header::VARY, "Origin");
        match self.allow(origin) {
            Some(allow) => {
                builder = builder
                    .status(StatusCode::NO_CONTENT)
                    .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow)
                    .header(header::ACCESS_CONTROL_ALLOW_METHODS, methods)
                    .header(
                        header::ACCESS_CONTROL_ALLOW_HEADERS,
                        "Authorization, Content-Type, If-None-Match, Accept-Encoding",
                    )
                    .header(header::ACCESS_CONTROL_MAX_AGE, "600");
            }
            None => builder = builder.status(StatusCode::FORBIDDEN),
        }
        builder
            .body(Vec::new())
            .unwrap_or_else(|_| Response::new(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        h
    }

    #[test]
    fn only_listed_origins_are_allowed() {
        let cors = Cors::new("https://app.example.com, http://localhost:3000/");
        let ok = cors.preflight(&headers("https://app.example.com"), "GET, OPTIONS");
        assert_eq!(ok.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.com"
        );
        let local = cors.preflight(&headers("http://localhost:3000"), "GET, OPTIONS");
        assert_eq!(local.status(), StatusCode::NO_CONTENT);
        let bad = cors.preflight(&headers("https://evil.example.com"), "GET, OPTIONS");
        assert_eq!(bad.status(), StatusCode::FORBIDDEN);
        assert!(bad
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    }
}
