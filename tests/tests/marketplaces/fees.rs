//! The fee schedules against the marketplaces' published figures. Every expected value is a
//! published rate or table row worked by hand (the arithmetic is in the comments), never the
//! schedule's own formula run again. Sources (see shared/src/valuation/fees.rs):
//! - StockX, "What are StockX's fees for sellers?": transaction fee by Seller Level (9 / 8.5 / 8 /
//!   7.5 / 7 %), "a 3% payment processing fee", both "calculated off the final price of the sale";
//!   a minimum seller fee per region (US/UK/EU amounts REPORTED, not read from StockX).
//! - GOAT Fee Policy / alias.org Fee Policy: "9.5% + seller fee", the seller fee by location
//!   ($5 US; $12 UK, IE, LU, NL, BE, FR, DE; $20 CA, AT, SE, IT, FI, PT, ES, DK), the rating bands
//!   (>= 90: 9.5 %, 70-89: 15 %, 50-69: 20 %, < 50: 25 %) and a 2.9 % cash-out fee on earnings.

use shared::core::domain::{Currency, Marketplace, Money, Region};
use shared::valuation::fees::{
    AliasSchedule, AliasShippingMethod, FeeProfile, FeeSchedule, StockXSchedule,
};
use shared::valuation::payout::{alias_payout, payout, stockx_payout, FeeKind};

fn m(minor: i64, c: Currency) -> Money {
    Money::new(minor, c)
}

#[test]
fn stockx_each_seller_level_on_a_200_sale() {
    // $200.00: level 1 9 % = $18.00, 2 8.5 % = $17.00, 3 8 % = $16.00, 4 7.5 % = $15.00,
    // 5 7 % = $14.00; processing 3 % = $6.00 at every level.
    let s = StockXSchedule::default();
    let zero = m(0, Currency::USD);
    for (level, tx, net) in [
        (1u8, 1800i64, 17_600i64),
        (2, 1700, 17_700),
        (3, 1600, 17_800),
        (4, 1500, 17_900),
        (5, 1400, 18_000),
    ] {
        let p = stockx_payout(&s, level, Region::US, m(20_000, Currency::USD), zero).unwrap();
        assert_eq!(p.fees[0].amount.minor, tx, "level {level}");
        assert_eq!(p.fees[1].amount.minor, 600, "level {level}");
        assert_eq!(p.net.minor, net, "level {level}");
    }
}

#[test]
fn stockx_minimum_seller_fee_per_region() {
    let s = StockXSchedule::default();
    // US, level 1, $30.00: 9 % = $2.70 < $5.00 minimum; processing $0.90; payout $24.10.
    let p = stockx_payout(
        &s,
        1,
        Region::US,
        m(3_000, Currency::USD),
        m(0, Currency::USD),
    )
    .unwrap();
    assert_eq!(p.fees[0].amount, m(500, Currency::USD));
    assert_eq!(p.net, m(2_410, Currency::USD));
    // UK, level 5, £40.00: 7 % = £2.80 < £4.50 minimum; processing £1.20; payout £34.30.
    let p = stockx_payout(
        &s,
        5,
        Region::UK,
        m(4_000, Currency::GBP),
        m(0, Currency::GBP),
    )
    .unwrap();
    assert_eq!(p.fees[0].amount, m(450, Currency::GBP));
    assert_eq!(p.net, m(3_430, Currency::GBP));
    // EU, level 1, €50.00: 9 % = €4.50 < €5.00 minimum; processing €1.50; payout €43.50.
    let p = stockx_payout(
        &s,
        1,
        Region::EU,
        m(5_000, Currency::EUR),
        m(0, Currency::EUR),
    )
    .unwrap();
    assert_eq!(p.fees[0].amount, m(500, Currency::EUR));
    assert_eq!(p.net, m(4_350, Currency::EUR));
    // Above the minimum the percentage stands: $60.00 at 9 % = $5.40.
    let p = stockx_payout(
        &s,
        1,
        Region::US,
        m(6_000, Currency::USD),
        m(0, Currency::USD),
    )
    .unwrap();
    assert_eq!(p.fees[0].amount, m(540, Currency::USD));
}

#[test]
fn stockx_shipping_default_by_seller_location() {
    // Level 1, sale of 100.00 in the seller's own market: 9.00 + 3.00 + shipping.
    // US $5.00 -> $83.00; UK £4.00 -> £84.00; Germany €5.00 -> €83.00; France €7.00 -> €81.00;
    // Spain €8.00 -> €80.00 (REPORTED shipping amounts, see fees.rs).
    let sched = FeeSchedule::default();
    for (region, country, cur, net) in [
        (Region::US, None, Currency::USD, 8_300i64),
        (Region::UK, Some("GB"), Currency::GBP, 8_400),
        (Region::EU, Some("DE"), Currency::EUR, 8_300),
        (Region::EU, Some("FR"), Currency::EUR, 8_100),
        (Region::EU, Some("ES"), Currency::EUR, 8_000),
        (Region::EU, None, Currency::EUR, 8_300),
    ] {
        let profile = FeeProfile {
            country: country.map(str::to_string),
            ..FeeProfile::default_for(region, &sched)
        };
        let p = payout(
            &sched,
            &profile,
            Marketplace::StockX,
            region,
            m(10_000, cur),
        )
        .unwrap();
        assert_eq!(p.net, m(net, cur), "{region} {country:?}");
        assert_eq!(p.fees[2].kind, FeeKind::Shipping);
    }
    // The seller's own setting wins: £0.00 shipping, £100.00 -> £88.00, no shipping line.
    let own = FeeProfile {
        stockx_shipping: Some(m(0, Currency::GBP)),
        ..FeeProfile::default_for(Region::UK, &sched)
    };
    let p = payout(
        &sched,
        &own,
        Marketplace::StockX,
        Region::UK,
        m(10_000, Currency::GBP),
    )
    .unwrap();
    assert_eq!(p.net, m(8_800, Currency::GBP));
    assert_eq!(p.fees.len(), 2);
}

#[test]
fn alias_seller_fee_by_country_and_rating_band() {
    // $300.00, drop-off shipping set to zero to isolate the published fees.
    // Netherlands (seller fee $12), rating 95 (9.5 % = $28.50): earnings $259.50, cash-out 2.9 %
    //   = $7.5255 -> $7.53, deposited $251.97.
    // Spain ($20), rating 75 (15 % = $45.00): earnings $235.00, cash-out $6.815 -> $6.82,
    //   deposited $228.18.
    // Belgium ($12), rating 60 (20 % = $60.00): earnings $228.00, cash-out $6.612 -> $6.61,
    //   deposited $221.39.
    // Austria ($20), rating 40 (25 % = $75.00): earnings $205.00, cash-out $5.945 -> $5.95,
    //   deposited $199.05.
    let sched = FeeSchedule {
        alias: AliasSchedule {
            shipping_dropoff: [0, 0, 0],
            ..AliasSchedule::default()
        },
        ..FeeSchedule::default()
    };
    for (country, rating, seller_fee, net) in [
        ("NL", 95u8, 1_200i64, 25_197i64),
        ("ES", 75, 2_000, 22_818),
        ("BE", 60, 1_200, 22_139),
        ("AT", 40, 2_000, 19_905),
    ] {
        let profile = FeeProfile {
            country: Some(country.to_string()),
            alias_commission_bps: sched.alias.commission_bps_for_rating(rating),
            ..FeeProfile::default_for(Region::EU, &sched)
        };
        let p = payout(
            &sched,
            &profile,
            Marketplace::Alias,
            Region::EU,
            m(30_000, Currency::USD),
        )
        .unwrap();
        assert_eq!(p.fees[1].amount.minor, seller_fee, "{country}");
        assert_eq!(p.net.minor, net, "{country} rating {rating}");
        assert_eq!(p.net.currency, Currency::USD);
    }
}

#[test]
fn alias_shipping_by_method_and_region() {
    // The existing app's figures (no published Alias amount): US drop-off $0 / prepaid $5, UK $2 /
    // $5, EU $5 / $8. US seller, $100.00: commission $9.50, seller fee $5.00.
    // Drop-off: earnings $85.50, cash-out $2.4795 -> $2.48, deposited $83.02.
    // Prepaid:  earnings $80.50, cash-out $2.3345 -> $2.33, deposited $78.17.
    let sched = FeeSchedule::default();
    let us = FeeProfile::default_for(Region::US, &sched);
    let p = payout(
        &sched,
        &us,
        Marketplace::Alias,
        Region::US,
        m(10_000, Currency::USD),
    )
    .unwrap();
    assert_eq!(p.net.minor, 8_302);
    assert_eq!(p.fees.len(), 3, "no shipping line for a free drop-off");
    let prepaid = FeeProfile {
        alias_shipping_method: AliasShippingMethod::Prepaid,
        ..us
    };
    let p = payout(
        &sched,
        &prepaid,
        Marketplace::Alias,
        Region::US,
        m(10_000, Currency::USD),
    )
    .unwrap();
    assert_eq!(p.net.minor, 7_817);
}

#[test]
fn alias_clamps_and_rejects_other_currencies() {
    let p = alias_payout(950, 1_200, 0, 290, m(1_200, Currency::USD)).unwrap();
    assert!(p.clamped);
    assert_eq!(p.net.minor, 0);
    assert!(alias_payout(950, 500, 0, 290, m(10_000, Currency::GBP)).is_err());
}
