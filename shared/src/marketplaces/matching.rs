//! Catalogue product → marketplace id, by exact normalized style code only. Names are never used
//! to guess: a wrong link would attach another shoe's prices to ours.

use crate::core::domain::normalize_style_code;
use crate::marketplaces::snapshot::{CatalogCandidate, MatchOutcome};

/// How many near misses a `NotFound` keeps for a human to look at.
pub const MAX_NEAR_MISSES: usize = 10;

/// The normalized codes a candidate carries. StockX may join several with `/`
/// (`CT9529-062/CT8529-062`); any of them may match.
pub fn candidate_codes(candidate: &CatalogCandidate) -> Vec<String> {
    candidate
        .style_code
        .as_deref()
        .unwrap_or("")
        .split('/')
        .map(normalize_style_code)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Matches `style_code` (any spelling) against search results: exactly one candidate with the same
/// normalized code → `Matched`; several → `NeedsReview` with all of them; none → `NotFound` with
/// up to [`MAX_NEAR_MISSES`] of the results. Duplicate results (same external id) count once.
pub fn match_style_code(style_code: &str, candidates: Vec<CatalogCandidate>) -> MatchOutcome {
    let target = normalize_style_code(style_code);
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<CatalogCandidate> = candidates
        .into_iter()
        .filter(|c| seen.insert(c.external_id.clone()))
        .collect();
    let (mut exact, rest): (Vec<_>, Vec<_>) = unique
        .into_iter()
        .partition(|c| !target.is_empty() && candidate_codes(c).contains(&target));
    match exact.len() {
        0 => MatchOutcome::NotFound(rest.into_iter().take(MAX_NEAR_MISSES).collect()),
        1 => MatchOutcome::Matched(exact.remove(0)),
        _ => MatchOutcome::NeedsReview(exact),
    }
}

/// The `market.marketplace_links.status` value for an outcome.
pub fn link_status(outcome: &MatchOutcome) -> &'static str {
    match outcome {
        MatchOutcome::Matched(_) => "matched",
        MatchOutcome::NeedsReview(_) => "needs_review",
        MatchOutcome::NotFound(_) => "not_found",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::Marketplace;

    fn cand(id: &str, code: Option<&str>) -> CatalogCandidate {
        CatalogCandidate {
            marketplace: Marketplace::StockX,
            external_id: id.into(),
            url_key: None,
            style_code: code.map(Into::into),
            title: Some("Jordan 1".into()),
            brand: None,
            gender: None,
            release_date: None,
            retail: None,
            image_url: None,
        }
    }

    #[test]
    fn exact_code_only() {
        let out = match_style_code(
            "DZ5485-612",
            vec![cand("a", Some("DZ5485 612")), cand("b", Some("FD1437-612"))],
        );
        assert!(matches!(out, MatchOutcome::Matched(ref c) if c.external_id == "a"));
        let out = match_style_code("CT8529-062", vec![cand("a", Some("CT9529-062/CT8529-062"))]);
        assert!(matches!(out, MatchOutcome::Matched(_)));
        let out = match_style_code(
            "DZ5485-612",
            vec![cand("a", Some("DZ5485-612")), cand("b", Some("dz5485-612"))],
        );
        assert!(matches!(out, MatchOutcome::NeedsReview(ref v) if v.len() == 2));
        let out = match_style_code(
            "DZ5485-612",
            vec![cand("a", Some("DZ5485-612")), cand("a", Some("DZ5485-612"))],
        );
        assert!(matches!(out, MatchOutcome::Matched(_)));
        let out = match_style_code(
            "DZ5485-612",
            vec![cand("b", Some("DZ5485-6120")), cand("c", None)],
        );
        assert!(matches!(out, MatchOutcome::NotFound(ref v) if v.len() == 2));
        assert_eq!(link_status(&out), "not_found");
    }
}
