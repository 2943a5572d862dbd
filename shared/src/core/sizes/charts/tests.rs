//! Expected values are the brands' published charts (cited on each chart in `data.rs`), never
//! computed from our own tables.

use super::*;
use crate::core::sizes::parse_size;

fn us(brand: Brand, system: SizeSystem, raw: &str) -> ChartLookup {
    convert(brand, system, parse_size(raw).expect("size"))
}

fn one(v: &str) -> ChartLookup {
    ChartLookup::One(d(v))
}

#[test]
fn catalogue_brands_resolve_to_their_chart_family() {
    for b in [
        "Nike",
        "NIKE",
        "Jordan",
        "Air Jordan",
        "Nike SB",
        "jordan brand",
    ] {
        assert_eq!(Brand::from_catalogue(b), Brand::Nike, "{b}");
    }
    for b in ["adidas", "Adidas Originals", "Yeezy", "adidas Yeezy"] {
        assert_eq!(Brand::from_catalogue(b), Brand::Adidas, "{b}");
    }
    assert_eq!(Brand::from_catalogue("New Balance"), Brand::NewBalance);
    assert_eq!(Brand::from_catalogue("ASICS"), Brand::Asics);
    assert_eq!(Brand::from_catalogue("Asics"), Brand::Asics);
    assert_eq!(Brand::from_catalogue("Converse"), Brand::Converse);
    assert_eq!(Brand::from_catalogue("Vans"), Brand::Vans);
    assert_eq!(Brand::from_catalogue("Salomon"), Brand::Other);
    assert_eq!(Brand::Other.conversion(), "table");
    assert_eq!(Brand::Adidas.conversion(), "brand_chart");
    assert_eq!(Brand::Nike.conversion(), "brand_chart");
}

#[test]
fn nike_and_jordan_men_women_and_grade_school() {
    // nike.com men's chart: US 10 = UK 9 = EU 44; US 9 = UK 8 = EU 42.5.
    assert_eq!(us(Brand::Nike, SizeSystem::Uk, "9"), one("10"));
    assert_eq!(us(Brand::Nike, SizeSystem::Eu, "42.5"), one("9"));
    assert_eq!(us(Brand::Nike, SizeSystem::Eu, "40"), one("7"));
    // UK 6 is printed on both US 6.5 (EU 39) and US 7 (EU 40).
    assert_eq!(
        us(Brand::Nike, SizeSystem::Uk, "6"),
        ChartLookup::Ambiguous(vec![d("6.5"), d("7")])
    );
    // Unisex labels "M 7 / W 8.5".
    assert_eq!(us(Brand::Nike, SizeSystem::UsW, "8.5"), one("7"));
    // Grade school 5Y = UK 4.5 = EU 37.5, the men's 5.
    assert_eq!(us(Brand::Nike, SizeSystem::UsY, "5"), one("5"));
    assert_eq!(us(Brand::Nike, SizeSystem::UsC, "5"), ChartLookup::None);
    // Brands without a chart of their own read Nike's.
    assert_eq!(us(Brand::Other, SizeSystem::Uk, "9"), one("10"));
}

#[test]
fn adidas_uk_and_eu_thirds() {
    // adidas men's chart: UK 9 = US 9.5 = EU 43 1/3; UK 10 = US 10.5 = EU 44 2/3;
    // UK 12 = US 12.5 = EU 48; UK 6.5 = US 7 = EU 40.
    assert_eq!(us(Brand::Adidas, SizeSystem::Uk, "9"), one("9.5"));
    for eu in ["43 1/3", "43⅓", "43.3"] {
        assert_eq!(us(Brand::Adidas, SizeSystem::Eu, eu), one("9.5"), "{eu}");
    }
    assert_eq!(us(Brand::Adidas, SizeSystem::Eu, "44 2/3"), one("10.5"));
    assert_eq!(us(Brand::Adidas, SizeSystem::Uk, "12"), one("12.5"));
    assert_eq!(us(Brand::Adidas, SizeSystem::Eu, "48"), one("13"));
    assert_eq!(us(Brand::Adidas, SizeSystem::Eu, "40"), one("7"));
    // Unisex labels "M 9 / W 10".
    assert_eq!(us(Brand::Adidas, SizeSystem::UsW, "10"), one("9"));
    // EU 44.5 is Nike's, not adidas'.
    assert_eq!(us(Brand::Adidas, SizeSystem::Eu, "44.5"), ChartLookup::None);
}

#[test]
fn new_balance() {
    // New Balance men's chart: UK 9 = US 9.5 = EU 43; 24.5 cm = EU 39.5 = US 6.5 = UK 6;
    // US 13 = UK 12.5 = EU 47.5.
    assert_eq!(us(Brand::NewBalance, SizeSystem::Uk, "9"), one("9.5"));
    assert_eq!(us(Brand::NewBalance, SizeSystem::Eu, "39.5"), one("6.5"));
    assert_eq!(us(Brand::NewBalance, SizeSystem::Uk, "12.5"), one("13"));
    assert_eq!(us(Brand::NewBalance, SizeSystem::Eu, "47.5"), one("13"));
    assert_eq!(us(Brand::NewBalance, SizeSystem::UsW, "8"), one("6.5"));
}

#[test]
fn asics_converse_and_vans() {
    // ASICS men's: UK 9 = US 10 = EU 44; US 9.5 = EU 43.5.
    assert_eq!(us(Brand::Asics, SizeSystem::Uk, "9"), one("10"));
    assert_eq!(us(Brand::Asics, SizeSystem::Eu, "43.5"), one("9.5"));
    assert_eq!(us(Brand::Asics, SizeSystem::UsW, "8"), ChartLookup::None);
    // Converse Chuck Taylor: UK = US men's; US M 9 = EU 42.5; US M 8 = US W 10.
    assert_eq!(us(Brand::Converse, SizeSystem::Uk, "9"), one("9"));
    assert_eq!(us(Brand::Converse, SizeSystem::Eu, "42.5"), one("9"));
    assert_eq!(us(Brand::Converse, SizeSystem::UsW, "10"), one("8"));
    // Vans: US 10 = UK 9 = EU 43; US 9 = EU 42; "Men's 7 / Women's 8.5".
    assert_eq!(us(Brand::Vans, SizeSystem::Uk, "9"), one("10"));
    assert_eq!(us(Brand::Vans, SizeSystem::Eu, "42"), one("9"));
    assert_eq!(us(Brand::Vans, SizeSystem::UsW, "8.5"), one("7"));
}

#[test]
fn converse_youth_sizes_are_unisex_sizes() {
    // converse-shoe-store.blogspot.com "Converse Fit Guide": unisex sizes run 3–15, kids' shoes
    // "go up to a 6.5, which is in the unisex category", "a youth 6.5 = lady 8.5" and
    // "Men's 8 = Lady's 10".
    assert_eq!(us(Brand::Converse, SizeSystem::UsY, "6.5"), one("6.5"));
    assert_eq!(us(Brand::Converse, SizeSystem::UsW, "8.5"), one("6.5"));
    assert_eq!(us(Brand::Converse, SizeSystem::UsW, "10"), one("8"));
    // The smallest grade-school size is the unisex 3.5 (UK 3.5, EU 36 on the box-label chart).
    assert_eq!(us(Brand::Converse, SizeSystem::UsY, "3.5"), one("3.5"));
    assert_eq!(us(Brand::Converse, SizeSystem::Uk, "3.5"), one("3.5"));
    // Youth 10.5–3 is the little-kids category, and toddler sizes are not youth sizes.
    assert_eq!(us(Brand::Converse, SizeSystem::UsY, "1"), ChartLookup::None);
    assert_eq!(us(Brand::Converse, SizeSystem::UsC, "6"), ChartLookup::None);
}

#[test]
fn youth_sizes_without_a_cited_chart_stay_unconverted() {
    // No published youth chart was found for these brands (and none for ASICS' women's sizes):
    // their grade-school and women's sizes convert to nothing rather than to a guess.
    for brand in [Brand::Adidas, Brand::NewBalance, Brand::Asics, Brand::Vans] {
        assert!(!brand.chart().youth_as_men, "{brand:?}");
        assert_eq!(
            us(brand, SizeSystem::UsY, "5"),
            ChartLookup::None,
            "{brand:?}"
        );
    }
    assert_eq!(us(Brand::Asics, SizeSystem::UsW, "8"), ChartLookup::None);
    assert!(Brand::Converse.chart().youth_as_men);
    assert!(Brand::Nike.chart().youth_as_men);
}

#[test]
fn only_nike_uk_6_is_printed_twice() {
    // Every other UK and EU size names one US size in its brand's chart.
    for brand in [
        Brand::Nike,
        Brand::Adidas,
        Brand::NewBalance,
        Brand::Asics,
        Brand::Converse,
        Brand::Vans,
    ] {
        let chart = brand.chart();
        assert!(!chart.source.is_empty());
        for r in chart.men {
            for (system, v) in [(SizeSystem::Uk, r.1), (SizeSystem::Eu, r.2)] {
                let got = convert(brand, system, d(v));
                if brand == Brand::Nike && system == SizeSystem::Uk && v == "6" {
                    continue;
                }
                assert_eq!(got, one(r.0), "{brand:?} {system} {v}");
            }
        }
    }
}
