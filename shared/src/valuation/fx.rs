//! Read-time currency conversion with ECB reference rates from `market.fx_rates`.
//!
//! The table holds "1 EUR = rate QUOTE" per `rate_date`; a cross rate A -> B is rate(B) / rate(A)
//! with rate(EUR) = 1. Arithmetic is exact decimal (rust_decimal, no floats). Rounding rule: the
//! converted amount is rounded once, at the end, to the target currency's minor unit, **half away
//! from zero** (commercial rounding).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::core::domain::{Currency, Money};

/// One published rate: 1 EUR = `rate` `quote` on `rate_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcbRate {
    pub quote: Currency,
    pub rate: Decimal,
    pub rate_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    #[error("no exchange rate for {0}")]
    MissingRate(Currency),
    #[error("amount out of range converting {0}")]
    Overflow(Money),
}

/// The latest rate per currency. Conversions record the rate dates they used.
#[derive(Debug, Clone, Default)]
pub struct RateTable {
    rates: BTreeMap<Currency, (Decimal, NaiveDate)>,
}

/// A rate older than this many days is `stale`. The ECB publishes on TARGET business days (about
/// 16:00 CET). The longest regular gap is Easter: Thursday's rates are the newest until Tuesday's
/// publication (Good Friday and Easter Monday are TARGET holidays), 5 days; Christmas can give
/// the same. Anything older means the daily load has failed.
pub const FX_STALE_AFTER_DAYS: i64 = 5;

/// What a response says about the conversions it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FxUsage {
    /// The oldest rate date used (the rates are from that ECB publication or newer).
    pub rate_date: NaiveDate,
    /// `rate_date` is more than [`FX_STALE_AFTER_DAYS`] days old: the converted amounts use rates
    /// the ECB has since replaced (the daily load has not run).
    pub stale: bool,
    pub source: &'static str,
    pub base: Currency,
    /// Rates used, as decimal strings: 1 EUR = value.
    pub rates: BTreeMap<Currency, String>,
}

impl RateTable {
    pub fn new(rates: impl IntoIterator<Item = EcbRate>) -> Self {
        let mut table = RateTable::default();
        for r in rates {
            if r.quote == Currency::EUR || r.rate <= Decimal::ZERO {
                continue;
            }
            // Keep the newest rate of each currency.
            match table.rates.get(&r.quote) {
                Some((_, d)) if *d >= r.rate_date => {}
                _ => {
                    table.rates.insert(r.quote, (r.rate, r.rate_date));
                }
            }
        }
        table
    }

    fn eur_rate(&self, c: Currency) -> Result<(Decimal, Option<NaiveDate>), FxError> {
        if c == Currency::EUR {
            return Ok((Decimal::ONE, None));
        }
        self.rates
            .get(&c)
            .map(|(r, d)| (*r, Some(*d)))
            .ok_or(FxError::MissingRate(c))
    }

    /// Whether `from` can be converted to `to` with the rates at hand.
    pub fn can_convert(&self, from: Currency, to: Currency) -> bool {
        from == to || (self.eur_rate(from).is_ok() && self.eur_rate(to).is_ok())
    }

    /// Converts `amount` to `to`. Same currency: unchanged, no rate used.
    pub fn convert(
        &self,
        amount: Money,
        to: Currency,
        usage: &mut FxTracker,
    ) -> Result<Money, FxError> {
        if amount.currency == to {
            return Ok(amount);
        }
        let (from_rate, from_date) = self.eur_rate(amount.currency)?;
        let (to_rate, to_date) = self.eur_rate(to)?;
        let minor = convert_minor(amount.minor, amount.currency, from_rate, to, to_rate)
            .ok_or(FxError::Overflow(amount))?;
        for (c, r, d) in [
            (amount.currency, from_rate, from_date),
            (to, to_rate, to_date),
        ] {
            if let Some(d) = d {
                usage.record(c, r, d);
            }
        }
        Ok(Money::new(minor, to))
    }
}

/// `minor` units of `from` (1 EUR = `from_rate` from) in minor units of `to`
/// (1 EUR = `to_rate` to), rounded half away from zero.
pub fn convert_minor(
    minor: i64,
    from: Currency,
    from_rate: Decimal,
    to: Currency,
    to_rate: Decimal,
) -> Option<i64> {
    let scale_from = Decimal::from(10i64.pow(from.minor_digits()));
    let scale_to = Decimal::from(10i64.pow(to.minor_digits()));
    // Multiply before dividing so the only inexact step is the final division.
    let numerator = Decimal::from(minor)
        .checked_mul(to_rate)?
        .checked_mul(scale_to)?;
    let denominator = from_rate.checked_mul(scale_from)?;
    let value = numerator.checked_div(denominator)?;
    let rounded = value.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(rounded).ok()
}

/// Collects the rates a response used.
#[derive(Debug, Clone, Default)]
pub struct FxTracker {
    used: BTreeMap<Currency, (Decimal, NaiveDate)>,
}

impl FxTracker {
    fn record(&mut self, c: Currency, rate: Decimal, date: NaiveDate) {
        self.used.insert(c, (rate, date));
    }

    /// `None` when nothing was converted.
    pub fn usage(&self) -> Option<FxUsage> {
        self.usage_on(chrono::Utc::now().date_naive())
    }

    /// [`FxTracker::usage`] as seen on `today` (UTC).
    pub fn usage_on(&self, today: NaiveDate) -> Option<FxUsage> {
        let rate_date = self.used.values().map(|(_, d)| *d).min()?;
        Some(FxUsage {
            rate_date,
            stale: (today - rate_date).num_days() > FX_STALE_AFTER_DAYS,
            source: "ecb",
            base: Currency::EUR,
            rates: self
                .used
                .iter()
                .map(|(c, (r, _))| (*c, r.normalize().to_string()))
                .collect(),
        })
    }
}

/// A rate row as the API queries return it (`SELECT quote, rate::text, rate_date`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FxRow {
    pub quote: String,
    pub rate: String,
    pub rate_date: NaiveDate,
}

impl RateTable {
    /// Builds a table from query rows, skipping currencies we do not handle.
    pub fn from_rows(rows: &[FxRow]) -> Self {
        RateTable::new(rows.iter().filter_map(|r| {
            Some(EcbRate {
                quote: r.quote.parse().ok()?,
                rate: r.rate.parse().ok()?,
                rate_date: r.rate_date,
            })
        }))
    }
}

/// Converts every amount of one response into its display currency and remembers the rates used.
#[derive(Debug, Clone)]
pub struct Converter {
    pub target: Currency,
    table: RateTable,
    tracker: FxTracker,
}

impl Converter {
    pub fn new(target: Currency, table: RateTable) -> Self {
        Converter {
            target,
            table,
            tracker: FxTracker::default(),
        }
    }

    /// `minor` units of `from` in the display currency.
    pub fn to_target(&mut self, minor: i64, from: Currency) -> Result<i64, FxError> {
        Ok(self
            .table
            .convert(Money::new(minor, from), self.target, &mut self.tracker)?
            .minor)
    }

    /// Any conversion (e.g. into a marketplace's fee currency); recorded like the others.
    pub fn convert(&mut self, amount: Money, to: Currency) -> Result<Money, FxError> {
        self.table.convert(amount, to, &mut self.tracker)
    }

    pub fn can_convert(&self, from: Currency) -> bool {
        self.table.can_convert(from, self.target)
    }

    pub fn usage(&self) -> Option<FxUsage> {
        self.tracker.usage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn rates_are_stale_only_past_the_longest_ecb_publication_gap() {
        // Easter 2026 on the ECB's TARGET calendar: Good Friday 3 April and Easter Monday 6 April
        // are closing days, so Thursday 2 April's rates stay the newest until Tuesday 7 April.
        let mut t = FxTracker::default();
        t.record(Currency::USD, dec("1.08"), day("2026-04-02"));
        assert!(
            !t.usage_on(day("2026-04-06")).unwrap().stale,
            "Easter Monday"
        );
        assert!(
            !t.usage_on(day("2026-04-07")).unwrap().stale,
            "Tuesday before 16:00 CET"
        );
        assert!(
            t.usage_on(day("2026-04-08")).unwrap().stale,
            "Tuesday's rates were missed"
        );
        // An ordinary weekend: Friday's rates on Monday.
        let mut w = FxTracker::default();
        w.record(Currency::GBP, dec("0.86"), day("2026-11-27"));
        assert!(!w.usage_on(day("2026-11-30")).unwrap().stale);
        assert!(FxTracker::default().usage_on(day("2026-11-30")).is_none());
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn table() -> RateTable {
        RateTable::new([
            EcbRate {
                quote: Currency::USD,
                rate: dec("1.0850"),
                rate_date: day("2026-11-27"),
            },
            EcbRate {
                quote: Currency::GBP,
                rate: dec("0.8500"),
                rate_date: day("2026-11-27"),
            },
            EcbRate {
                quote: Currency::JPY,
                rate: dec("160.00"),
                rate_date: day("2026-11-26"),
            },
            EcbRate {
                quote: Currency::USD,
                rate: dec("1.2000"),
                rate_date: day("2026-11-01"),
            },
        ])
    }

    #[test]
    fn converts_through_eur_and_records_the_date() {
        let t = table();
        let mut tr = FxTracker::default();
        // 100.00 EUR -> 108.50 USD.
        let usd = t
            .convert(Money::new(10_000, Currency::EUR), Currency::USD, &mut tr)
            .unwrap();
        assert_eq!(usd, Money::new(10_850, Currency::USD));
        // 224.00 USD -> GBP: 22400 * 0.85 / 1.085 = 17548.387... -> 17548.
        let gbp = t
            .convert(Money::new(22_400, Currency::USD), Currency::GBP, &mut tr)
            .unwrap();
        assert_eq!(gbp, Money::new(17_548, Currency::GBP));
        let u = tr.usage().unwrap();
        assert_eq!(u.rate_date, day("2026-11-27"));
        assert_eq!(
            u.rates.get(&Currency::USD).map(String::as_str),
            Some("1.085")
        );
    }

    #[test]
    fn minor_digits_differ() {
        let t = table();
        let mut tr = FxTracker::default();
        // 1.00 EUR = 160 JPY.
        let jpy = t
            .convert(Money::new(100, Currency::EUR), Currency::JPY, &mut tr)
            .unwrap();
        assert_eq!(jpy, Money::new(160, Currency::JPY));
        let back = t
            .convert(Money::new(160, Currency::JPY), Currency::EUR, &mut tr)
            .unwrap();
        assert_eq!(back, Money::new(100, Currency::EUR));
        assert_eq!(tr.usage().unwrap().rate_date, day("2026-11-26"));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        // 1 minor unit at rate 2.5 -> 2.5 -> 3; -2.5 -> -3.
        assert_eq!(
            convert_minor(1, Currency::EUR, Decimal::ONE, Currency::USD, dec("2.5")),
            Some(3)
        );
        assert_eq!(
            convert_minor(-1, Currency::EUR, Decimal::ONE, Currency::USD, dec("2.5")),
            Some(-3)
        );
        assert_eq!(
            convert_minor(1, Currency::EUR, Decimal::ONE, Currency::USD, dec("2.4999")),
            Some(2)
        );
    }

    #[test]
    fn identity_and_missing_rates() {
        let t = table();
        let mut tr = FxTracker::default();
        let m = Money::new(123, Currency::CHF);
        assert_eq!(t.convert(m, Currency::CHF, &mut tr), Ok(m));
        assert_eq!(
            t.convert(m, Currency::USD, &mut tr),
            Err(FxError::MissingRate(Currency::CHF))
        );
        assert!(tr.usage().is_none());
        assert!(!t.can_convert(Currency::CHF, Currency::USD));
        assert!(t.can_convert(Currency::EUR, Currency::GBP));
    }
}
