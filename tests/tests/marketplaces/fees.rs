//! Table-driven checks of the fee schedules: every StockX level x region, every Alias location,
//! rounding boundaries, minimum fees and clamping.

use shared::core::domain::{Currency, Marketplace, Money, Region};
use shared::valuation::fees::{apply_bps_half_up, FeeProfile, FeeSchedule, StockXSchedule};
use shared::valuation::payout::{alias_payout, payout, stockx_payout};

#[test]
fn stockx_every_level_and_region() {
    let s = StockXSchedule::default();
    // (level, bps) and (region, minimum fee in the region's currency).
    let levels = [(1u8, 900i64), (2, 850), (3, 800), (4, 750), (5, 700)];
    let regions = [(Region::US, 500i64), (Region::UK, 400), (Region::EU, 500)];
    for (level, bps) in levels {
        for (region, min) in regions {
            let cur = region.stockx_currency();
            for price in [0i64, 1, 99, 2_500, 5_555, 10_000, 22_400, 99_999, 1_000_000] {
                let p = stockx_payout(&s, level, region, Money::new(price, cur)).unwrap();
                let tx = ((price * bps + 5_000) / 10_000).max(min);
                let proc = (price * 300 + 5_000) / 10_000;
                assert_eq!(
                    p.fees[0].amount,
                    Money::new(tx, cur),
                    "level {level} {region} {price}"
                );
                assert_eq!(p.fees[1].amount, Money::new(proc, cur));
                assert_eq!(p.net, Money::new((price - tx - proc).max(0), cur));
                assert_eq!(p.clamped, price - tx - proc < 0);
                assert_eq!(p.total_fees.minor, tx + proc);
                assert_eq!(p.marketplace, Marketplace::StockX);
            }
        }
    }
}

#[test]
fn stockx_minimum_fee_boundary() {
    let s = StockXSchedule::default();
    // Level 1 US: 9 % reaches $5.00 at $55.56 (5.0004 -> 5.00); below it the minimum applies.
    for (price, tx) in [
        (5_555i64, 500i64),
        (5_556, 500),
        (5_600, 504),
        (5_000, 500),
        (6_000, 540),
    ] {
        let p = stockx_payout(&s, 1, Region::US, Money::new(price, Currency::USD)).unwrap();
        assert_eq!(p.fees[0].amount.minor, tx, "price {price}");
    }
    // UK minimum is £4.00: at £40.00 level 5 (7 %) is £2.80 -> £4.00.
    let p = stockx_payout(&s, 5, Region::UK, Money::new(4_000, Currency::GBP)).unwrap();
    assert_eq!(p.fees[0].amount, Money::new(400, Currency::GBP));
}

#[test]
fn half_up_rounding_boundaries() {
    // x.5 rounds up, x.49.. rounds down.
    let cases = [
        (50i64, 900u32, 5i64),
        (150, 300, 5),
        (149, 300, 4),
        (16_667, 300, 500),
        (1, 5_000, 1),
        (1, 4_999, 0),
    ];
    for (amount, bps, want) in cases {
        assert_eq!(apply_bps_half_up(amount, bps), want, "{amount} @ {bps}");
    }
}

#[test]
fn alias_every_location_and_band() {
    let sched = FeeSchedule::default();
    let locations = [
        (Region::US, 500i64),
        (Region::UK, 1_200),
        (Region::EU, 1_200),
    ];
    for (region, seller_fee) in locations {
        for rating in [100u8, 70, 69, 50, 49, 0] {
            let bps = sched.alias.commission_bps_for_rating(rating);
            for price in [0i64, 1_000, 1_700, 10_000, 22_400, 500_000] {
                let profile = FeeProfile {
                    alias_commission_bps: bps,
                    ..FeeProfile::default_for(region, &sched)
                };
                let p = payout(
                    &sched,
                    &profile,
                    Marketplace::Alias,
                    region,
                    Money::new(price, Currency::USD),
                )
                .unwrap();
                let commission = (price * i64::from(bps) + 5_000) / 10_000;
                let after = price - commission - seller_fee;
                let cashout = (after.max(0) * 290 + 5_000) / 10_000;
                assert_eq!(p.fees[0].amount.minor, commission);
                assert_eq!(p.fees[1].amount.minor, seller_fee);
                assert_eq!(p.fees[2].amount.minor, cashout);
                assert_eq!(
                    p.net.minor,
                    (after - cashout).max(0),
                    "{region} {rating} {price}"
                );
                assert_eq!(p.net.currency, Currency::USD);
            }
        }
    }
}

#[test]
fn alias_clamps_and_rejects_other_currencies() {
    let p = alias_payout(950, 1_200, 290, Money::new(1_200, Currency::USD)).unwrap();
    assert!(p.clamped);
    assert_eq!(p.net.minor, 0);
    assert!(alias_payout(950, 500, 290, Money::new(10_000, Currency::GBP)).is_err());
}

#[test]
fn fee_profile_overrides() {
    let sched = FeeSchedule::default();
    let profile = FeeProfile {
        stockx_seller_level: 3,
        alias_commission_bps: 1_500,
        alias_seller_fee_minor: Some(0),
        alias_cashout_bps: 0,
        ..FeeProfile::default_for(Region::EU, &sched)
    };
    let sx = payout(
        &sched,
        &profile,
        Marketplace::StockX,
        Region::EU,
        Money::new(20_000, Currency::EUR),
    )
    .unwrap();
    assert_eq!(sx.fees[0].amount.minor, 1_600);
    let al = payout(
        &sched,
        &profile,
        Marketplace::Alias,
        Region::EU,
        Money::new(20_000, Currency::USD),
    )
    .unwrap();
    assert_eq!(al.net.minor, 17_000);
}
