//! Turning stored prices into what a seller gets: fee profiles and their defaults, FX conversion
//! and payouts.

pub mod fees;
pub mod fx;
pub mod outliers;
pub mod payout;
pub mod seller;
