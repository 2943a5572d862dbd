//! Expected values are the marketplaces' published figures worked by hand (the arithmetic is
//! in each comment), never this module's formula run again. No fee-calculator output or
//! worked payout example with numbers was found in the marketplaces' own pages; where a
//! published statement fixes a number (a rate, a table row, what a fee is charged on), the
//! test quotes it.

use super::*;
use crate::valuation::fees::{AliasSchedule, AliasShippingMethod};

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

fn no_shipping(cur: Currency) -> Money {
    Money::new(0, cur)
}

#[test]
fn bps_rounds_half_up() {
    assert_eq!(apply_bps_half_up(10_000, 900), 900);
    // 50 * 9 % = 4.5 -> 5; 49 * 9 % = 4.41 -> 4; 150 * 3 % = 4.5 -> 5.
    assert_eq!(apply_bps_half_up(50, 900), 5);
    assert_eq!(apply_bps_half_up(49, 900), 4);
    assert_eq!(apply_bps_half_up(150, 300), 5);
    assert_eq!(apply_bps_half_up(0, 900), 0);
    assert_eq!(apply_bps_half_up(i64::MAX, 10_000), i64::MAX);
}

#[test]
fn stockx_level_one_is_nine_percent_plus_three_percent_processing() {
    // stockx.com "What are StockX's fees for sellers?": Level 1 "Base Transaction Fee: 9%",
    // "a 3% payment processing fee", both "calculated off the final price of the sale".
    // $224.00: 9 % = $20.16, 3 % = $6.72, payout $197.12 before shipping.
    let s = StockXSchedule::default();
    let p = stockx_payout(&s, 1, Region::US, usd(22_400), no_shipping(Currency::USD)).unwrap();
    assert_eq!(p.fees[0].amount, usd(2016));
    assert_eq!(p.fees[1].amount, usd(672));
    assert_eq!(p.net, usd(19_712));
    assert!(!p.clamped);
    assert_eq!(
        p.fees.len(),
        2,
        "no shipping line when there is no shipping fee"
    );
}

#[test]
fn stockx_minimum_floors_the_transaction_fee_by_default() {
    // 9 % of $40.00 = $3.60, below the US minimum seller fee of $5.00 (REPORTED amount, see
    // fees.rs): transaction fee $5.00, processing 3 % = $1.20, payout $33.80.
    let s = StockXSchedule::default();
    let p = stockx_payout(&s, 1, Region::US, usd(4000), no_shipping(Currency::USD)).unwrap();
    assert_eq!(p.fees[0].amount, usd(500));
    assert_eq!(p.fees[1].amount, usd(120));
    assert_eq!(p.net, usd(3380));
}

#[test]
fn stockx_minimum_on_both_fees_when_configured() {
    // Same $40.00 sale with the minimum read as a floor for transaction + processing: the
    // two fees together are $5.00 ($3.80 + $1.20), payout $35.00. Above the floor the setting
    // changes nothing: $100.00 pays $9.00 + $3.00 either way.
    let s = StockXSchedule {
        min_applies_to: StockXMinimumBasis::TransactionAndProcessing,
        ..StockXSchedule::default()
    };
    let p = stockx_payout(&s, 1, Region::US, usd(4000), no_shipping(Currency::USD)).unwrap();
    assert_eq!(p.fees[0].amount, usd(380));
    assert_eq!(p.fees[1].amount, usd(120));
    assert_eq!(p.net, usd(3500));
    let p = stockx_payout(&s, 1, Region::US, usd(10_000), no_shipping(Currency::USD)).unwrap();
    assert_eq!(p.net, usd(8800));
}

#[test]
fn stockx_shipping_is_deducted_from_the_payout() {
    // $100.00 at level 1 with the US seller shipping fee of $5.00: $100 - $9 - $3 - $5 = $83.
    let s = StockXSchedule::default();
    let p = stockx_payout(&s, 1, Region::US, usd(10_000), usd(500)).unwrap();
    assert_eq!(p.fees[2].kind, FeeKind::Shipping);
    assert_eq!(p.fees[2].amount, usd(500));
    assert_eq!(p.net, usd(8300));
    // Shipping in another currency than the market's is refused, never mixed.
    assert!(matches!(
        stockx_payout(
            &s,
            1,
            Region::US,
            usd(10_000),
            Money::new(400, Currency::GBP)
        ),
        Err(FeeError::CurrencyMismatch { .. })
    ));
}

#[test]
fn payout_clamps_at_zero() {
    let s = StockXSchedule::default();
    let p = stockx_payout(&s, 1, Region::US, usd(300), no_shipping(Currency::USD)).unwrap();
    assert_eq!(p.net, usd(0));
    assert!(p.clamped);
    let a = alias_payout(950, 1200, 0, 290, usd(1000)).unwrap();
    assert_eq!(a.net, usd(0));
    assert!(a.clamped);
    // Nothing left after commission and seller fee: no cash-out fee either.
    assert_eq!(a.fees[2].amount, usd(0));
}

#[test]
fn currency_and_level_are_checked() {
    let s = StockXSchedule::default();
    let gbp0 = no_shipping(Currency::GBP);
    assert!(matches!(
        stockx_payout(&s, 1, Region::UK, usd(1000), gbp0),
        Err(FeeError::CurrencyMismatch { .. })
    ));
    let usd0 = no_shipping(Currency::USD);
    assert_eq!(
        stockx_payout(&s, 0, Region::US, usd(1000), usd0),
        Err(FeeError::SellerLevel(0))
    );
    assert_eq!(
        stockx_payout(&s, 6, Region::US, usd(1000), usd0),
        Err(FeeError::SellerLevel(6))
    );
    assert!(alias_payout(950, 500, 0, 290, Money::new(1000, Currency::EUR)).is_err());
    assert!(matches!(
        alias_payout(950, 500, 0, 290, usd(-1)),
        Err(FeeError::NegativePrice(_))
    ));
}

#[test]
fn alias_cashout_applies_to_the_earnings() {
    // alias.org Fee Policy: "commission fee is 9.5% + seller fee" (US seller fee $5), and "When
    // earnings are deposited ... a 2.9% cash-out fee will be applied". $224.00: commission
    // $21.28, seller fee $5.00, earnings $197.72, cash-out 2.9 % = $5.73388 -> $5.73,
    // deposited $191.99.
    let p = alias_payout(950, 500, 0, 290, usd(22_400)).unwrap();
    assert_eq!(p.fees[0].amount, usd(2128));
    assert_eq!(p.fees[1].amount, usd(500));
    assert_eq!(p.fees[2].amount, usd(573));
    assert_eq!(p.net, usd(19_199));
    assert_eq!(p.total_fees, usd(2128 + 500 + 573));
}

#[test]
fn alias_rating_bands_are_the_published_ones() {
    // GOAT Fee Policy: rating at or above 90: 9.5 %; 70-89: 15 %; 50-69: 20 %; below 50:
    // 25 % (alias.org: sellers start at 90 with 9.5 %; below 50: 25 %).
    let a = AliasSchedule::default();
    for (rating, bps) in [
        (100u8, 950u32),
        (90, 950),
        (89, 1500),
        (70, 1500),
        (69, 2000),
        (50, 2000),
        (49, 2500),
        (0, 2500),
        (255, 950),
    ] {
        assert_eq!(a.commission_bps_for_rating(rating), bps, "rating {rating}");
    }
}

#[test]
fn alias_seller_fee_follows_the_country_table() {
    // GOAT Fee Policy: "United Kingdom, Ireland, Luxembourg, Netherlands, Belgium, France,
    // Germany = $12"; "Canada, Austria, Sweden, Italy, Finland, Portugal, Spain, Denmark =
    // $20"; "United States = $5". $200.00, 9.5 % = $19.00, drop-off shipping left out:
    // Germany: $200 - $19 - $12 = $169.00 earnings, cash-out 2.9 % = $4.901 -> $4.90, $164.10.
    // Italy:   $200 - $19 - $20 = $161.00 earnings, cash-out $4.669 -> $4.67, $156.33.
    let s = FeeSchedule {
        alias: AliasSchedule {
            shipping_dropoff: [0, 0, 0],
            ..AliasSchedule::default()
        },
        ..FeeSchedule::default()
    };
    let eu = |cc: &str| FeeProfile {
        country: Some(cc.to_string()),
        ..FeeProfile::default_for(Region::EU, &s)
    };
    let p = payout(&s, &eu("DE"), Marketplace::Alias, Region::EU, usd(20_000)).unwrap();
    assert_eq!(p.fees[1].amount, usd(1200));
    assert_eq!(p.net, usd(16_410));
    let p = payout(&s, &eu("IT"), Marketplace::Alias, Region::EU, usd(20_000)).unwrap();
    assert_eq!(p.fees[1].amount, usd(2000));
    assert_eq!(p.net, usd(15_633));
    // A profile's own seller fee wins over the table.
    let custom = FeeProfile {
        alias_seller_fee_minor: Some(0),
        ..eu("IT")
    };
    let p = payout(&s, &custom, Marketplace::Alias, Region::EU, usd(20_000)).unwrap();
    assert_eq!(p.fees[1].amount, usd(0));
}

#[test]
fn alias_shipping_method_enters_the_payout() {
    // The existing app's Alias shipping (UK drop-off $2, prepaid $5; no published Alias
    // figure): UK seller, $100.00: commission $9.50, seller fee $12.00 (GOAT's UK row),
    // drop-off $2.00 -> earnings $76.50, cash-out $2.2185 -> $2.22, deposited $74.28; prepaid
    // $5.00 -> earnings $73.50, cash-out $2.1315 -> $2.13, deposited $71.37.
    let s = FeeSchedule::default();
    let uk = FeeProfile::default_for(Region::UK, &s);
    let p = payout(&s, &uk, Marketplace::Alias, Region::UK, usd(10_000)).unwrap();
    assert_eq!(p.fees[3].kind, FeeKind::Shipping);
    assert_eq!(p.fees[3].amount, usd(200));
    assert_eq!(p.net, usd(7428));
    let prepaid = FeeProfile {
        alias_shipping_method: AliasShippingMethod::Prepaid,
        ..uk
    };
    let p = payout(&s, &prepaid, Marketplace::Alias, Region::UK, usd(10_000)).unwrap();
    assert_eq!(p.fees[3].amount, usd(500));
    assert_eq!(p.net, usd(7137));
}

#[test]
fn stockx_shipping_setting_is_converted_to_the_market_currency() {
    // A UK seller's £4.00 shipping setting on a US sale: with 1 EUR = 1.25 USD = 1.00 GBP,
    // £4.00 is $5.00.
    use crate::valuation::fx::{EcbRate, RateTable};
    use rust_decimal::Decimal;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let rate = |quote, r: i64, scale| EcbRate {
        quote,
        rate: Decimal::new(r, scale),
        rate_date: day,
    };
    let table = RateTable::new([rate(Currency::USD, 125, 2), rate(Currency::GBP, 100, 2)]);
    let mut conv = Converter::new(Currency::USD, table);
    let s = FeeSchedule::default();
    let profile = FeeProfile {
        stockx_shipping: Some(Money::new(400, Currency::GBP)),
        ..FeeProfile::default_for(Region::UK, &s)
    };
    // $100.00: $9.00 + $3.00 + $5.00 = $17.00 of fees.
    let d = detailed_payout(
        &mut conv,
        &s,
        &profile,
        Marketplace::StockX,
        Region::US,
        usd(10_000),
    )
    .unwrap();
    assert_eq!(d.payout.net_minor, 8300);
    assert_eq!(d.fees[2].kind, FeeKind::Shipping);
    assert_eq!(d.fees[2].amount_minor, 500);
}
