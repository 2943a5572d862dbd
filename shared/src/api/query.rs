//! Strict query-parameter parsing: unknown, repeated, oversized or malformed parameters are
//! rejected with a 400 that names them, never silently ignored or defaulted.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::problem::{InvalidParam, Problem};

/// Longest accepted raw query string; longer ones are rejected whole.
pub const MAX_QUERY_LEN: usize = 2048;
/// Longest accepted single value.
pub const MAX_VALUE_LEN: usize = 200;

/// Decoded query parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    values: BTreeMap<String, String>,
    errors: Vec<InvalidParam>,
}

impl Query {
    /// Parses a raw (percent-encoded) query string. Problems are collected and reported by
    /// [`Query::finish`], so one response names every bad parameter.
    pub fn parse(raw: Option<&str>) -> Self {
        let mut q = Query::default();
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return q;
        };
        if raw.len() > MAX_QUERY_LEN {
            q.errors.push(InvalidParam {
                name: "query".into(),
                reason: format!("query string longer than {MAX_QUERY_LEN} bytes"),
            });
            return q;
        }
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            let name: String = k.chars().take(64).collect();
            match q.values.entry(name) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    let name = e.key().clone();
                    q.reject(&name, "given more than once");
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(v.into_owned());
                }
            }
        }
        q
    }

    fn reject(&mut self, name: &str, reason: impl Into<String>) {
        if !self.errors.iter().any(|e| e.name == name) {
            self.errors.push(InvalidParam {
                name: name.to_string(),
                reason: reason.into(),
            });
        }
    }

    /// A trimmed string value; empty counts as absent. Control characters and over-long values
    /// are rejected.
    pub fn string(&mut self, name: &str, max_len: usize) -> Option<String> {
        let raw = self.values.get(name)?.trim().to_string();
        if raw.is_empty() {
            return None;
        }
        if raw.chars().count() > max_len.min(MAX_VALUE_LEN) {
            self.reject(
                name,
                format!("longer than {} characters", max_len.min(MAX_VALUE_LEN)),
            );
            return None;
        }
        if raw.chars().any(char::is_control) {
            self.reject(name, "contains control characters");
            return None;
        }
        Some(raw)
    }

    /// An integer in `min..=max`.
    pub fn int(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.string(name, 20)?;
        match raw.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                self.reject(name, format!("must be an integer from {min} to {max}"));
                None
            }
        }
    }

    /// A value parsed with `FromStr` (enums such as currency, region, marketplace).
    pub fn parsed<T: FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let raw = self.string(name, 40)?;
        match raw.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.reject(name, format!("must be one of {expected}"));
                None
            }
        }
    }

    /// Marks a parameter bad after the caller's own check.
    pub fn invalid(&mut self, name: &str, reason: impl Into<String>) {
        self.reject(name, reason);
    }

    /// Rejects parameters outside `allowed`, then returns the collected problem, if any.
    // The problem is the cold path of a request; boxing it would only add noise at every call site.
    #[allow(clippy::result_large_err)]
    pub fn finish(mut self, allowed: &[&str]) -> Result<(), Problem> {
        let unknown: Vec<String> = self
            .values
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.reject(&k, "unknown parameter");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::invalid_params(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_values_parse() {
        let mut q = Query::parse(Some("limit=20&q=dz%205485&currency=gbp"));
        assert_eq!(q.int("limit", 1, 100), Some(20));
        assert_eq!(q.string("q", 100).as_deref(), Some("dz 5485"));
        assert_eq!(
            q.parsed::<crate::core::domain::Currency>("currency", "ISO codes"),
            Some(crate::core::domain::Currency::GBP)
        );
        assert!(q.finish(&["limit", "q", "currency"]).is_ok());
    }

    #[test]
    fn bad_values_are_named() {
        let mut q = Query::parse(Some("limit=-1&days=abc&x=1&days2=1&limit2=%00"));
        assert_eq!(q.int("limit", 1, 100), None);
        assert_eq!(q.int("days", 1, 365), None);
        assert_eq!(q.string("limit2", 10), None);
        let p = q.finish(&["limit", "days", "limit2"]).unwrap_err();
        let names: Vec<&str> = p.invalid_params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["limit", "days", "limit2", "days2", "x"]);
    }

    #[test]
    fn repeated_and_huge_values() {
        let mut q = Query::parse(Some("limit=1&limit=2"));
        let _ = q.int("limit", 1, 100);
        assert_eq!(
            q.finish(&["limit"]).unwrap_err().invalid_params[0].name,
            "limit"
        );
        let mut q = Query::parse(Some("limit=99999999999999999999999"));
        assert_eq!(q.int("limit", 1, 100), None);
        let long = format!("q={}", "a".repeat(3000));
        assert!(Query::parse(Some(&long)).finish(&["q"]).is_err());
    }
}
