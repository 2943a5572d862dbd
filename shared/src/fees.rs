//! Fees and payouts per marketplace.
