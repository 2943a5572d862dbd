//! Matching a size as a seller wrote it ("9", unit "UK") onto one product's size run: the same
//! system first, then the run's own conversion columns (the marketplaces' size charts when mapped,
//! the standard run otherwise), then the fallback table.

use rust_decimal::Decimal;

use super::{parse_inventory_size, spec_from_table, SizeSystem};

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

/// The result of matching an inventory size onto a product's size run.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeMatch {
    pub system: SizeSystem,
    pub value: Decimal,
    pub us_label: Option<String>,
    pub conversion: Option<&'static str>,
    pub variant_id: Option<i32>,
}

/// Matches `size`/`unit` onto `variants` of one product: same system first, then the variants'
/// conversion columns (marketplace size charts when mapped), then the fallback table.
pub fn match_size(size: &str, unit: &str, variants: &[&RunSize]) -> Option<SizeMatch> {
    let (system, value) = parse_inventory_size(size, unit).ok()?;
    let parsed: Vec<(&RunSize, SizeSystem, Decimal)> = variants
        .iter()
        .filter_map(|v| Some((*v, v.system?, v.value?)))
        .collect();
    let us_label_of = |v: &RunSize, sys: SizeSystem, val: Decimal| -> Option<String> {
        match sys {
            SizeSystem::UsM | SizeSystem::UsW | SizeSystem::UsY | SizeSystem::UsC => {
                Some(sys.label(val))
            }
            _ => v.us_m.map(|m| SizeSystem::UsM.label(m)),
        }
    };
    if let Some((v, sys, val)) = parsed
        .iter()
        .find(|(_, s, val)| *s == system && *val == value)
    {
        return Some(SizeMatch {
            system,
            value,
            us_label: us_label_of(v, *sys, *val),
            conversion: Some("same_system"),
            variant_id: Some(v.id),
        });
    }
    let column = |v: &RunSize| -> Option<Decimal> {
        match system {
            SizeSystem::Uk => v.uk,
            SizeSystem::Eu => v.eu,
            SizeSystem::UsW => v.us_w,
            SizeSystem::UsM => v.us_m,
            _ => None,
        }
    };
    if let Some((v, sys, val)) = parsed.iter().find(|(v, _, _)| column(v) == Some(value)) {
        let how = if v.from_standard_run {
            "standard_chart"
        } else {
            "size_chart"
        };
        return Some(SizeMatch {
            system,
            value,
            us_label: us_label_of(v, *sys, *val),
            conversion: Some(how),
            variant_id: Some(v.id),
        });
    }
    let us_m = spec_from_table(system, value).us_m;
    let via_table = us_m.and_then(|m| {
        parsed
            .iter()
            .find(|(v, s, val)| (*s == SizeSystem::UsM && *val == m) || v.us_m == Some(m))
    });
    Some(SizeMatch {
        system,
        value,
        us_label: us_m.map(|m| SizeSystem::UsM.label(m)),
        conversion: us_m.map(|_| "table"),
        variant_id: via_table.map(|(v, _, _)| v.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let refs: Vec<&RunSize> = run.iter().collect();
        let m = match_size("10", "US", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("same_system"), Some("10"))
        );
        let m = match_size("9", "UK", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion, m.us_label.as_deref()),
            (Some(1), Some("size_chart"), Some("10"))
        );
        let m = match_size("42.5", "EU", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.conversion),
            (Some(2), Some("standard_chart"))
        );
        // No chart entry for EU 44.5 in the run: the table maps it to US 10.5, not in the run.
        let m = match_size("44.5", "EU", &refs).unwrap();
        assert_eq!(
            (m.variant_id, m.us_label.as_deref(), m.conversion),
            (None, Some("10.5"), Some("table"))
        );
        assert!(match_size("ten", "US", &refs).is_none());
    }
}
