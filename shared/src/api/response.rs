//! JSON responses with `Cache-Control`, a weak `ETag` (304 on a matching `If-None-Match`) and gzip
//! when the client accepts it.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use http::{header, HeaderMap, Response, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::problem::Problem;

/// Bodies smaller than this are sent uncompressed: gzip would not pay for its header.
pub const GZIP_MIN_BYTES: usize = 860;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    NoStore,
    /// Per-user data: caches may keep it but must revalidate (with the ETag) every time.
    PrivateRevalidate,
    /// Shared data, fresh for `max_age` seconds, then served stale while revalidating.
    Public {
        max_age: u32,
        stale_while_revalidate: u32,
    },
}

impl CachePolicy {
    pub fn header_value(self) -> String {
        match self {
            CachePolicy::NoStore => "no-store".to_string(),
            CachePolicy::PrivateRevalidate => "private, no-cache".to_string(),
            CachePolicy::Public {
                max_age,
                stale_while_revalidate,
            } => {
                format!(
                    "public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"
                )
            }
        }
    }
}

/// A successful JSON body before content negotiation.
#[derive(Debug, Clone)]
pub struct JsonResponse {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub cache: CachePolicy,
}

impl JsonResponse {
    #[allow(clippy::result_large_err)] // cold path, see Query::finish
    pub fn new<T: Serialize>(value: &T, cache: CachePolicy) -> Result<Self, Problem> {
        let body = serde_json::to_vec(value).map_err(|e| {
            tracing::error!(error = %e, "response serialization failed");
            Problem::internal()
        })?;
        Ok(JsonResponse {
            status: StatusCode::OK,
            body,
            cache,
        })
    }

    /// Weak validator over the uncompressed JSON (the same for gzip and identity encodings).
    pub fn etag(&self) -> String {
        let digest = Sha256::digest(&self.body);
        format!("W/\"{}\"", hex::encode(&digest[..16]))
    }

    /// The final response for a request with `request_headers`: 304 when `If-None-Match` matches,
    /// gzip when accepted and worthwhile.
    pub fn finish(self, request_headers: &HeaderMap) -> Response<Vec<u8>> {
        let etag = self.etag();
        let mut builder = Response::builder()
            .header(header::CACHE_CONTROL, self.cache.header_value())
            .header(header::VARY, "Accept-Encoding")
            .header(header::ETAG, &etag);
        if if_none_match_matches(request_headers, &etag) {
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Vec::new())
                .unwrap_or_else(|_| Response::new(Vec::new()));
        }
        builder = builder
            .status(self.status)
            .header(header::CONTENT_TYPE, "application/json");
        let body = if self.body.len() >= GZIP_MIN_BYTES && accepts_gzip(request_headers) {
            match gzip(&self.body) {
                Some(z) => {
                    builder = builder.header(header::CONTENT_ENCODING, "gzip");
                    z
                }
                None => self.body,
            }
        } else {
            self.body
        };
        builder
            .body(body)
            .unwrap_or_else(|_| Response::new(Vec::new()))
    }
}

/// zlib-rs (flate2's `zlib-rs` backend) at level 5. On the 467 KB default inventory page of
/// `market bench-api` (200 of 918 pairs), median of 41 runs, idle machine: 55.8 KB in 3.7 ms,
/// where its level 4 sends 58.7 KB in 3.5 ms and level 6 54.8 KB in 4.3 ms; flate2's default
/// miniz backend at level 3, used before, sent 58.6 KB in 4.3 ms.
const GZIP_LEVEL: u32 = 5;

pub fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        Compression::new(GZIP_LEVEL),
    );
    enc.write_all(data).ok()?;
    enc.finish().ok()
}

/// `Accept-Encoding` lists gzip (or `*`) with a non-zero quality.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q_zero = parts.any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p.strip_prefix("q=")
                    .map(|q| {
                        q.trim().trim_end_matches('0').trim_end_matches('.') == "0"
                            || q.trim() == "0"
                    })
                    .unwrap_or(false)
            });
            (coding == "gzip" || coding == "*") && !q_zero
        })
}

/// Weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches anything.
pub fn if_none_match_matches(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn etag_and_304() {
        let r = JsonResponse::new(&serde_json::json!({"a": 1}), CachePolicy::NoStore).unwrap();
        let tag = r.etag();
        let first = r.clone().finish(&HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::ETAG], tag.as_str());
        let strong = tag.trim_start_matches("W/").to_string();
        let again = r.clone().finish(&headers(&[(
            header::IF_NONE_MATCH,
            &format!("\"zzz\", {strong}"),
        )]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.body().is_empty());
        let other = r.finish(&headers(&[(header::IF_NONE_MATCH, "W/\"nope\"")]));
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "br, gzip;q=0.8"
        )])));
        assert!(!accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "gzip;q=0"
        )])));
        assert!(!accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "gzip;q=0.000"
        )])));
        assert!(!accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "br")])));
        let big = serde_json::json!({"x": "y".repeat(5000)});
        let r = JsonResponse::new(&big, CachePolicy::NoStore).unwrap();
        let z = r.finish(&headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(z.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(z.body().len() < 1000);
    }
}
