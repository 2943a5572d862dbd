//! A seller's fee-relevant settings that are words, not numbers: what StockX's minimum floors,
//! and how a pair is shipped to Alias.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What StockX's regional minimum is a floor for. StockX's page does not say (see the module
/// documentation), so this is a setting rather than a guess baked into the arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockXMinimumBasis {
    /// The transaction fee is at least the minimum; processing comes on top.
    #[default]
    TransactionFee,
    /// Transaction fee plus payment processing are together at least the minimum (the
    /// transaction fee line absorbs the difference).
    TransactionAndProcessing,
}

impl FromStr for StockXMinimumBasis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "transaction_fee" | "transaction" => Ok(StockXMinimumBasis::TransactionFee),
            "transaction_and_processing" | "seller_fees" => {
                Ok(StockXMinimumBasis::TransactionAndProcessing)
            }
            other => Err(format!(
                "expected transaction_fee or transaction_and_processing, got {other:?}"
            )),
        }
    }
}

/// How an Alias seller hands the pair to the carrier (the existing app's `alias_shipping_method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AliasShippingMethod {
    #[default]
    Dropoff,
    Prepaid,
}

impl FromStr for AliasShippingMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dropoff" | "drop_off" | "drop-off" => Ok(AliasShippingMethod::Dropoff),
            "prepaid" | "prepaid_label" => Ok(AliasShippingMethod::Prepaid),
            other => Err(format!("expected dropoff or prepaid, got {other:?}")),
        }
    }
}
