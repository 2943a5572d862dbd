//! CORS for the configured frontend origins (`CORS_ALLOWED_ORIGINS`, comma-separated; `*` allows
//! any origin without credentials). An entry with one `*` in its host is a pattern for preview
//! deployments: `https://myapp-*-myteam.vercel.app` admits `https://myapp-git-fix-myteam.vercel.app`.
//! The `*` stands for one DNS label's characters (letters, digits, `-`), never a dot, a port or a
//! path, so `https://*.vercel.app` does not admit `https://evil.com.vercel.app`.

use http::{header, HeaderMap, HeaderValue, Response, StatusCode};

#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Vec<String>,
    /// `(before, after)` the `*` of each pattern, lower-case.
    patterns: Vec<(String, String)>,
    any: bool,
}

impl Cors {
    pub fn new(list: &str) -> Self {
        let mut origins = Vec::new();
        let mut patterns = Vec::new();
        let mut any = false;
        for o in list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
        {
            let lower = o.to_ascii_lowercase();
            if o == "*" {
                any = true;
            } else if let Some((before, after)) = lower.split_once('*') {
                // One wildcard, inside the host (after the scheme, before any port).
                if !after.contains('*') && before.contains("://") {
                    patterns.push((before.to_string(), after.to_string()));
                }
            } else {
                origins.push(lower);
            }
        }
        Cors {
            origins,
            patterns,
            any,
        }
    }

    /// `CORS_ALLOWED_ORIGINS` and `CORS_ALLOWED_ORIGIN_PATTERNS` (the template keeps patterns
    /// apart because the Function URL's own CORS list takes exact origins only).
    pub fn from_env() -> Self {
        use crate::core::config::or_default;
        Cors::new(&format!(
            "{},{}",
            or_default("CORS_ALLOWED_ORIGINS", ""),
            or_default("CORS_ALLOWED_ORIGIN_PATTERNS", "")
        ))
    }

    /// The value for `Access-Control-Allow-Origin` when `origin` is allowed.
    fn allow(&self, origin: Option<&str>) -> Option<HeaderValue> {
        let origin = origin?;
        if self.any {
            return Some(HeaderValue::from_static("*"));
        }
        let lower = origin.to_ascii_lowercase();
        let matches_pattern = |(before, after): &(String, String)| {
            lower.len() > before.len() + after.len()
                && lower.starts_with(before.as_str())
                && lower.ends_with(after.as_str())
                && lower[before.len()..lower.len() - after.len()]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if self.origins.contains(&lower) || self.patterns.iter().any(matches_pattern) {
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
    fn preview_origins_match_a_pattern_by_one_label_only() {
        let cors = Cors::new("https://app.example.com, https://myapp-*-team.vercel.app");
        for ok in [
            "https://myapp-git-fix-login-team.vercel.app",
            "https://MYAPP-abc123-team.vercel.app",
            "https://app.example.com",
        ] {
            let r = cors.preflight(&headers(ok), "GET, OPTIONS");
            assert_eq!(r.status(), StatusCode::NO_CONTENT, "{ok}");
            assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], ok);
        }
        for refused in [
            "https://myapp--team.vercel.app.evil.com",
            "https://myapp-x.evil.com-team.vercel.app",
            "http://myapp-git-team.vercel.app",
            "https://myapp-git-team.vercel.app:8443",
            "https://myapp-team.vercel.app",
            "https://other-git-team.vercel.app",
        ] {
            let r = cors.preflight(&headers(refused), "GET, OPTIONS");
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{refused}");
        }
        // A wildcard outside the host is ignored, not widened.
        let odd = Cors::new("*.vercel.app");
        let r = odd.preflight(&headers("https://a.vercel.app"), "GET, OPTIONS");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
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
