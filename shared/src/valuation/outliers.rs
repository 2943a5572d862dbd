//! Asks too far above the rest of the market to be a price anyone pays.
//!
//! A single seller can list a size at any price: on a real Alias response for the Nike Dunk Low
//! DD1391-100, size 4 had a $2,000 lowest ask while its last sale was $119 and StockX asked $74.
//! Taken at face value that ask becomes the headline price, the best payout and a huge unrealized
//! profit. Rule: an ask is an **outlier** when it is more than [`ASK_RATIO_PCT`] % of the highest
//! reference price for the same size — the same marketplace's highest bid and last sale, and the
//! other marketplaces' asks and last sales (all in one currency). The highest reference is used so
//! that only asks far above *every* sign of the market are flagged; a size with no reference at all
//! is never flagged. Outliers are reported (`outlier: true` with the reason) and never used for
//! market value, best payout or totals.

/// 250 %: an ask more than 2.5 times the highest reference price (`OUTLIER_ASK_RATIO_PCT`).
pub const ASK_RATIO_PCT: i64 = 250;

/// What an ask is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    OwnBid,
    OwnLastSale,
    OtherAsk,
    OtherLastSale,
}

impl Reference {
    /// The reason reported with an outlier.
    pub fn reason(self) -> &'static str {
        match self {
            Reference::OwnBid => "ask_far_above_bid",
            Reference::OwnLastSale => "ask_far_above_last_sale",
            Reference::OtherAsk => "ask_far_above_other_marketplace_ask",
            Reference::OtherLastSale => "ask_far_above_other_marketplace_last_sale",
        }
    }
}

/// The reason `ask` is an outlier against `references` (minor units, one currency), or `None`.
pub fn ask_outlier(
    ask: i64,
    references: &[(Reference, i64)],
    ratio_pct: i64,
) -> Option<&'static str> {
    let (kind, highest) = references
        .iter()
        .filter(|(_, v)| *v > 0)
        .max_by_key(|(_, v)| *v)?;
    // ask > highest × ratio / 100, in integers (no rounding question).
    (i128::from(ask) * 100 > i128::from(*highest) * i128::from(ratio_pct)).then(|| kind.reason())
}

/// One marketplace's quote for a size, in the display currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SizeQuote {
    pub ask: Option<i64>,
    pub bid: Option<i64>,
    pub last_sale: Option<i64>,
}

/// For each marketplace's quote of one size, the reason its ask is an outlier (or `None`),
/// judged against its own bid and last sale and the other marketplaces' asks and last sales.
pub fn flag_size(quotes: &[SizeQuote], ratio_pct: i64) -> Vec<Option<&'static str>> {
    quotes
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut references: Vec<(Reference, i64)> = Vec::new();
            references.extend(q.bid.map(|v| (Reference::OwnBid, v)));
            references.extend(q.last_sale.map(|v| (Reference::OwnLastSale, v)));
            for (j, other) in quotes.iter().enumerate() {
                if j != i {
                    references.extend(other.ask.map(|v| (Reference::OtherAsk, v)));
                    references.extend(other.last_sale.map(|v| (Reference::OtherLastSale, v)));
                }
            }
            q.ask.and_then(|a| ask_outlier(a, &references, ratio_pct))
        })
        .collect()
}

/// `OUTLIER_ASK_RATIO_PCT` (default 250, at least 110).
pub fn ratio_from_env() -> Result<i64, crate::core::config::ConfigError> {
    Ok(crate::core::config::parsed("OUTLIER_ASK_RATIO_PCT", ASK_RATIO_PCT)?.max(110))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_captured_dunk_size_4_ask_is_an_outlier() {
        // Alias DD1391-100 size 4: ask $2,000.00, last sale $119.00; StockX ask $74.00.
        let refs = [
            (Reference::OwnLastSale, 11_900),
            (Reference::OtherAsk, 7_400),
        ];
        assert_eq!(
            ask_outlier(200_000, &refs, ASK_RATIO_PCT),
            Some("ask_far_above_last_sale")
        );
        // StockX's $74 ask against Alias's $119 last sale is an ordinary market.
        assert_eq!(
            ask_outlier(7_400, &[(Reference::OtherLastSale, 11_900)], ASK_RATIO_PCT),
            None
        );
    }

    #[test]
    fn a_size_is_judged_across_its_marketplaces() {
        let quotes = [
            SizeQuote {
                ask: Some(7_400),
                ..SizeQuote::default()
            },
            SizeQuote {
                ask: Some(200_000),
                last_sale: Some(11_900),
                ..SizeQuote::default()
            },
        ];
        assert_eq!(
            flag_size(&quotes, ASK_RATIO_PCT),
            [None, Some("ask_far_above_last_sale")]
        );
    }

    #[test]
    fn boundaries_and_missing_references() {
        let refs = [(Reference::OwnBid, 10_000)];
        assert_eq!(ask_outlier(25_000, &refs, 250), None, "exactly 2.5×");
        assert_eq!(ask_outlier(25_001, &refs, 250), Some("ask_far_above_bid"));
        assert_eq!(
            ask_outlier(1_000_000, &[], 250),
            None,
            "nothing to compare with"
        );
    }
}
