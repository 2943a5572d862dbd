//! Property tests for exact money parsing: no rounding drift, over-precise values rejected.

use proptest::prelude::*;
use shared::core::domain::Currency;
use shared::marketplaces::money::{
    format_major_units, parse_cents, parse_major_units, AmountError,
};

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Formatting any minor amount as major units and parsing it back gives the same amount.
    #[test]
    fn major_units_round_trip(minor in 0i64..=9_000_000_000_000_000, cur in currency()) {
        let text = format_major_units(minor, cur);
        prop_assert_eq!(parse_major_units(&text, cur), Ok(minor));
    }

    /// Extra trailing zeros ("23500.0000") never change the amount.
    #[test]
    fn trailing_zeros_are_exact(minor in 0i64..=1_000_000_000_000, cur in currency(), zeros in 1usize..6) {
        let mut text = format_major_units(minor, cur);
        if !text.contains('.') { text.push('.'); }
        text.push_str(&"0".repeat(zeros));
        prop_assert_eq!(parse_major_units(&text, cur), Ok(minor));
    }

    /// One more non-zero digit than the currency allows is rejected, never rounded.
    #[test]
    fn over_precise_is_rejected(minor in 0i64..=1_000_000_000_000, cur in currency(), extra in 1u8..=9) {
        let mut text = format_major_units(minor, cur);
        if !text.contains('.') { text.push('.'); }
        text.push(char::from(b'0' + extra));
        let over_precise = matches!(parse_major_units(&text, cur), Err(AmountError::OverPrecise { .. }));
        prop_assert!(over_precise, "{} accepted", text);
    }

    /// Integer cents strings parse to themselves.
    #[test]
    fn cents_round_trip(cents in 0i64..=i64::MAX) {
        prop_assert_eq!(parse_cents(&cents.to_string()), Ok(cents));
    }

    /// Arbitrary text never panics and never yields a negative amount.
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,24}", cur in currency()) {
        if let Ok(v) = parse_major_units(&s, cur) { prop_assert!(v >= 0); }
        if let Ok(v) = parse_cents(&s) { prop_assert!(v >= 0); }
    }
}
