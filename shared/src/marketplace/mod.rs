//! Marketplace clients (StockX, Alias).
