//! The parts of a Function URL request the handlers use, taken from the `http::Request` that
//! `lambda_http` builds from the event (`rawPath`, `rawQueryString`, headers, method).

use http::{HeaderMap, Method};

use super::query::Query;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// The path without a trailing slash (`/` stays `/`).
    pub path: String,
    pub query: Query,
    pub headers: HeaderMap,
}

impl ApiRequest {
    pub fn from_http<B>(req: &http::Request<B>) -> Self {
        let path = req.uri().path();
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        ApiRequest {
            method: req.method().clone(),
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            query: Query::parse(req.uri().query()),
            headers: req.headers().clone(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Path segments after `prefix`, percent-decoded. `None` when the path does not start with it.
    pub fn segments_after(&self, prefix: &str) -> Option<Vec<String>> {
        let rest = self.path.strip_prefix(prefix)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        Some(
            rest.split('/')
                .filter(|s| !s.is_empty())
                .map(percent_decode)
                .collect(),
        )
    }
}

fn percent_decode(s: &str) -> String {
    // form_urlencoded also maps '+' to a space, which is right for style codes like "DZ5485+612".
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode() {
        let req = http::Request::get(
            "https://x.lambda-url.eu-west-1.on.aws/v1/products/DZ5485%20612/history/?days=5",
        )
        .body(())
        .unwrap();
        let r = ApiRequest::from_http(&req);
        assert_eq!(r.path, "/v1/products/DZ5485%20612/history");
        assert_eq!(
            r.segments_after("/v1/products").unwrap(),
            ["DZ5485 612", "history"]
        );
        assert!(r.segments_after("/v1/prod").is_none());
    }
}
