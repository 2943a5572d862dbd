//! Matching a size as a seller wrote it ("9", unit "UK") onto one product's size run: the same
//! system first, then the run's own conversion columns (a marketplace's size chart when mapped;
//! our standard run's, which are Nike's chart, for brands on Nike's chart), then the product's
//! brand chart (`charts`; Nike's as the fallback table for other brands). A UK or EU size the
//! chart prints on several US sizes of the run is ambiguous: the candidates are returned, never
//! one of them.

use rust_decimal::Decimal;

use super::charts::{self, Brand, ChartLookup};
use super::{parse_inventory_size, SizeSystem};

/// One size of a product's run as stored (`market.size_variants`), with its conversions.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSize {
    pub id: i32,
    /// `None` when the stored system or value does not parse.
    pub system: Option<SizeSystem>,
    pub value: Option<Decimal>,
    pub us_m: Option<Decimal>,
    pub us_w: Option<Decimal>,
    pub uk: Option<Decimal>,
    pub eu: Option<Decimal>,
    /// The size comes from the standard run (our chart), not from a marketplace's size chart.
    pub from_standard_run: bool,
}

/// What matching needs to know of the product: its catalogue brand and gender.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductSizing<'a> {
    pub brand: &'a str,
    /// The catalogue's gender (`men`, `women`, `unisex`, `youth`, ...), when known.
    pub gender: Option<&'a str>,
}

/// The result of matching an inventory size onto a product's size run.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeMatch {
    pub system: SizeSystem,
    pub value: Decimal,
    pub us_label: Option<String>,
    pub conversion: Option<&'static str>,
    pub variant_id: Option<i32>,
    /// US labels the size is printed on when it is ambiguous (then `variant_id` is `None`);
    /// empty otherwise.
    pub candidates: Vec<String>,
}

fn us_label_of(v: &RunSize, sys: SizeSystem, val: Decimal) -> Option<String> {
    match sys {
        SizeSystem::UsM | SizeSystem::UsW | SizeSystem::UsY | SizeSystem::UsC => {
            Some(sys.label(val))
        }
        _ => v.us_m.map(|m| SizeSystem::UsM.label(m)),
    }
}

/// Matches `size`/`unit` onto `variants` of one product: same system first, then the variants'
/// conversion columns, then the product's brand chart.
pub fn match_size(
    size: &str,
    unit: &str,
    variants: &[RunSize],
    product: &ProductSizing<'_>,
) -> Option<SizeMatch> {
    let (mut system, value) = parse_inventory_size(size, unit).ok()?;
    // On a women-only product a bare US number ("8") is a women's size; "8M" stays men's.
    if system == SizeSystem::UsM
        && product.gender == Some("women")
        && !size.trim().to_ascii_uppercase().ends_with('M')
    {
        system = SizeSystem::UsW;
    }
    let brand = Brand::from_catalogue(product.brand);
    let chart = brand.chart();
    let parsed: Vec<(&RunSize, SizeSystem, Decimal)> = variants
        .iter()
        .filter_map(|v| Some((v, v.system?, v.value?)))
        .collect();
    let base = SizeMatch {
        system,
        value,
        us_label: None,
        conversion: None,
        variant_id: None,
        candidates: Vec::new(),
    };
    let matched = |v: &RunSize, sys: SizeSystem, val: Decimal, how: &'static str| SizeMatch {
        us_label: us_label_of(v, sys, val),
        conversion: Some(how),
        variant_id: Some(v.id),
        ..base.clone()
    };
    let ambiguous = |labels: Vec<String>, how: &'static str| SizeMatch {
        conversion: Some(how),
        candidates: labels,
        ..base.clone()
    };

    if let Some((v, sys, val)) = parsed
        .iter()
        .find(|(_, s, val)| *s == system && *val == value)
    {
        return Some(matched(v, *sys, *val, "same_system"));
    }

    // The run's conversion columns: a marketplace's chart first, then our standard run's (Nike's
    // chart) when that is the brand's chart.
    let column = |v: &RunSize| -> Option<Decimal> {
        match system {
            SizeSystem::Uk => v.uk,
            SizeSystem::Eu => v.eu,
            SizeSystem::UsW => v.us_w,
            SizeSystem::UsM => v.us_m,
            _ => None,
        }
    };
    for standard in [false, true] {
        if standard && !brand.uses_nike_chart() {
            continue;
        }
        let how = if standard {
            "standard_chart"
        } else {
            "size_chart"
        };
        let hits: Vec<&(&RunSize, SizeSystem, Decimal)> = parsed
            .iter()
            .filter(|(v, _, _)| v.from_standard_run == standard && column(v) == Some(value))
            .collect();
        match hits.as_slice() {
            [] => {}
            [(v, sys, val)] => return Some(matched(v, *sys, *val, how)),
            many => {
                let labels = many
                    .iter()
                    .filter_map(|(v, s, val)| us_label_of(v, *s, *val))
                    .collect();
                return Some(ambiguous(labels, how));
            }
        }
    }

    // The brand's chart: the run's size for a US men's value.
    let in_run = |m: Decimal| {
        let by = |f: &dyn Fn(&RunSize, SizeSystem, Decimal) -> bool| {
            parsed.iter().find(|(v, s, val)| f(v, *s, *val))
        };
        by(&|_, s, val| s == SizeSystem::UsM && val == m)
            .or_else(|| {
                by(&|_, s, val| {
                    s == SizeSystem::UsW && chart.women_offset.is_some_and(|o| val == m + o)
                })
            })
            .or_else(|| by(&|_, s, val| s == SizeSystem::UsY && chart.youth_as_men && val == m))
            // A marketplace's chart states the US men's size; our standard run's is Nike's.
            .or_else(|| {
                by(&|v, _, _| {
                    (!v.from_standard_run || brand.uses_nike_chart()) && v.us_m == Some(m)
                })
            })
    };
    let how = brand.conversion();
    Some(match charts::convert(brand, system, value) {
        ChartLookup::None => base.clone(),
        ChartLookup::One(m) => match in_run(m) {
            Some((v, sys, val)) => matched(v, *sys, *val, how),
            None => SizeMatch {
                us_label: Some(SizeSystem::UsM.label(m)),
                conversion: Some(how),
                ..base.clone()
            },
        },
        ChartLookup::Ambiguous(ms) => {
            let found: Vec<_> = ms.iter().filter_map(|m| in_run(*m)).collect();
            match found.as_slice() {
                [(v, sys, val)] => matched(v, *sys, *val, how),
                [] => ambiguous(ms.iter().map(|m| SizeSystem::UsM.label(*m)).collect(), how),
                many => ambiguous(
                    many.iter()
                        .filter_map(|(v, s, val)| us_label_of(v, *s, *val))
                        .collect(),
                    how,
                ),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sizes::standard_run;

    /// A brand with no chart of its own: Nike's chart as the fallback table.
    const ANY: ProductSizing = ProductSizing {
        brand: "Unbranded",
        gender: None,
    };

    fn v(
        id: i32,
        system: &str,
        value: &str,
        us_m: Option<&str>,
        uk: Option<&str>,
        eu: Option<&str>,
        source: &str,
    ) -> RunSize {
        let d = |s: &str| s.parse::<Decimal>().ok().map(|d| d.normalize());
        RunSize {
            id,
            system: system.parse().ok(),
            value: d(value),
            us_m: us_m.and_then(d),
            us_w: None,
            uk: uk.and_then(d),
            eu: eu.and_then(d),
            from_standard_run: source == "standard_run",
        }
    }

    #[test]
    fn sizes_match_by_system_chart_then_table() {
        let run = [
            v(
                1,
                "us_m",
                "10.0",
                Some("10.0"),
                Some("9.0"),
                Some("44.00"),
                "stockx",
            ),
            v(
                2,
                "us_m",
                "9.0",
                Some("9.0"),
                Some("8.0"),
                Some("42.50"),
                "standard_run",
            ),
        ];
        let m = match_size("10", "US", &run, &ANY).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("same_system"), Some("10"))
        );
        let m = match_size("9", "UK", &run, &ANY).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("size_chart"), Some("10"))
        );
        let m = match_size("42.5", "EU", &run, &ANY).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion),
            (Some(2), Some("standard_chart"))
        );
        // No chart entry for EU 44.5 in the run: the table maps it to US 10.5, not in the run.
        let m = match_size("44.5", "EU", &run, &ANY).unwrap();
        assert_eq!(
            (m.variant_id, m.us_label.as_deref(), m.conversion),
            (None, Some("10.5"), Some("table"))
        );
        assert!(match_size("ten", "US", &run, &ANY).is_none());
    }

    /// Our standard run for `gender`, as `standard_sizes` stores it.
    fn standard(gender: &str) -> Vec<RunSize> {
        standard_run(gender)
            .into_iter()
            .zip(1..)
            .map(|(s, id)| RunSize {
                id,
                system: Some(s.system),
                value: Some(s.value),
                us_m: s.us_m,
                us_w: s.us_w,
                uk: s.uk,
                eu: s.eu,
                from_standard_run: true,
            })
            .collect()
    }

    fn matched(
        run: &[RunSize],
        size: &str,
        unit: &str,
        brand: &str,
        gender: &str,
    ) -> (Option<String>, Option<&'static str>, Vec<String>, bool) {
        let p = ProductSizing {
            brand,
            gender: Some(gender),
        };
        let m = match_size(size, unit, run, &p).unwrap();
        (
            m.us_label,
            m.conversion,
            m.candidates,
            m.variant_id.is_some(),
        )
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn nike_uk_6_is_ambiguous_never_one_of_its_sizes() {
        // Nike's men's chart prints UK 6 on US 6.5 (EU 39) and US 7 (EU 40).
        let run = standard("men");
        for brand in ["Nike", "Jordan", "Unbranded"] {
            let (label, _, candidates, found) = matched(&run, "6", "UK", brand, "men");
            assert_eq!(label, None, "{brand}");
            assert_eq!(candidates, ["6.5", "7"], "{brand}");
            assert!(!found, "{brand}");
        }
        // The EU size tells them apart.
        assert_eq!(
            matched(&run, "40", "EU", "Nike", "men"),
            (s("7"), Some("standard_chart"), vec![], true)
        );
        // A marketplace's chart that prints UK 6 once wins over ours.
        let mut market = run.clone();
        for v in &mut market {
            v.from_standard_run = false;
            if v.value == Some(Decimal::new(65, 1)) {
                v.uk = Some(Decimal::new(55, 1));
            }
        }
        assert_eq!(
            matched(&market, "6", "UK", "Nike", "men"),
            (s("7"), Some("size_chart"), vec![], true)
        );
    }

    #[test]
    fn adidas_sizes_convert_on_adidas_chart_not_nikes() {
        // adidas men's chart: UK 9 = US 9.5 = EU 43 1/3 (Nike's UK 9 is US 10).
        let run = standard("men");
        assert_eq!(
            matched(&run, "9", "UK", "adidas", "men"),
            (s("9.5"), Some("brand_chart"), vec![], true)
        );
        assert_eq!(
            matched(&run, "43 1/3", "EU", "Yeezy", "men"),
            (s("9.5"), Some("brand_chart"), vec![], true)
        );
        assert_eq!(
            matched(&run, "9", "UK", "New Balance", "men"),
            (s("9.5"), Some("brand_chart"), vec![], true)
        );
        // Converse Chuck Taylor: UK 9 is US men's 9.
        assert_eq!(
            matched(&run, "9", "UK", "Converse", "unisex"),
            (s("9"), Some("brand_chart"), vec![], true)
        );
        // Not on the brand's chart (EU 44.5 is Nike's, not adidas'): no US size, no guess.
        assert_eq!(
            matched(&run, "44.5", "EU", "adidas", "men"),
            (None, None, vec![], false)
        );
    }

    #[test]
    fn a_bare_number_on_a_women_only_product_is_a_womens_size() {
        let run = standard("women");
        assert_eq!(
            matched(&run, "8", "US", "Nike", "women"),
            (s("8W"), Some("same_system"), vec![], true)
        );
        // "8M" stays men's: Nike's M 8 = W 9.5.
        assert_eq!(
            matched(&run, "8M", "US", "Nike", "women"),
            (s("9.5W"), Some("standard_chart"), vec![], true)
        );
        // On a men's run a bare number stays men's.
        assert_eq!(
            matched(&standard("men"), "8", "US", "Nike", "men"),
            (s("8"), Some("same_system"), vec![], true)
        );
        // adidas women's chart: UK 6 = US W 7.5 (men's 6.5 + 1).
        assert_eq!(
            matched(&run, "6", "UK", "adidas", "women"),
            (s("7.5W"), Some("brand_chart"), vec![], true)
        );
    }
}
