//! Shoe sizes: systems, standard size runs per gender, and the conversion table our standard runs
//! carry.
//!
//! The conversion table is Nike's published chart: US M = US W - 1.5; UK and EU by the men's row.
//! Grade-school sizes `nY` for 3.5–7 equal US men's numerically. Other brands' published charts
//! (adidas, New Balance, ASICS, Converse, Vans) are in `charts`; a brand without one reads Nike's.
//! Marketplace size charts (StockX `sizeChart`) take precedence over both (`matching`).

pub mod charts;
pub mod matching;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::core::domain::UnknownValue;

/// The sizing system a size value is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeSystem {
    /// US men's (`10`, StockX `us m`).
    UsM,
    /// US women's (`6.5W`, StockX `us w`).
    UsW,
    /// US youth / grade school (`5Y`).
    UsY,
    /// US child / toddler / infant (`10C`).
    UsC,
    Uk,
    Eu,
}

impl SizeSystem {
    pub fn code(self) -> &'static str {
        match self {
            SizeSystem::UsM => "us_m",
            SizeSystem::UsW => "us_w",
            SizeSystem::UsY => "us_y",
            SizeSystem::UsC => "us_c",
            SizeSystem::Uk => "uk",
            SizeSystem::Eu => "eu",
        }
    }

    /// Suffix used in labels: `10`, `6.5W`, `5Y`, `10C`, `UK 9`, `EU 44`.
    pub fn label(self, value: Decimal) -> String {
        let v = value.normalize();
        match self {
            SizeSystem::UsM => format!("{v}"),
            SizeSystem::UsW => format!("{v}W"),
            SizeSystem::UsY => format!("{v}Y"),
            SizeSystem::UsC => format!("{v}C"),
            SizeSystem::Uk => format!("UK {v}"),
            SizeSystem::Eu => format!("EU {v}"),
        }
    }
}

impl fmt::Display for SizeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for SizeSystem {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us_m" | "us m" | "usm" | "us" | "men" => Ok(SizeSystem::UsM),
            "us_w" | "us w" | "usw" | "women" => Ok(SizeSystem::UsW),
            "us_y" | "us y" | "usy" | "youth" | "gs" => Ok(SizeSystem::UsY),
            "us_c" | "us c" | "usc" | "child" | "toddler" | "infant" => Ok(SizeSystem::UsC),
            "uk" => Ok(SizeSystem::Uk),
            "eu" => Ok(SizeSystem::Eu),
            _ => Err(UnknownValue::new("size system", s)),
        }
    }
}

/// One size with its known conversions (all optional but the primary value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeSpec {
    pub system: SizeSystem,
    pub value: Decimal,
    pub us_m: Option<Decimal>,
    pub us_w: Option<Decimal>,
    pub uk: Option<Decimal>,
    pub eu: Option<Decimal>,
    pub cm: Option<Decimal>,
}

impl SizeSpec {
    pub fn label(&self) -> String {
        self.system.label(self.value)
    }
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("static size literal")
}

/// Nike men's chart rows: (US M, UK, EU, CM).
const NIKE_MEN: &[(&str, &str, &str, &str)] = &[
    ("3.5", "3", "35.5", "22.5"),
    ("4", "3.5", "36", "23"),
    ("4.5", "4", "36.5", "23.5"),
    ("5", "4.5", "37.5", "23.5"),
    ("5.5", "5", "38", "24"),
    ("6", "5.5", "38.5", "24"),
    ("6.5", "6", "39", "24.5"),
    ("7", "6", "40", "25"),
    ("7.5", "6.5", "40.5", "25.5"),
    ("8", "7", "41", "26"),
    ("8.5", "7.5", "42", "26.5"),
    ("9", "8", "42.5", "27"),
    ("9.5", "8.5", "43", "27.5"),
    ("10", "9", "44", "28"),
    ("10.5", "9.5", "44.5", "28.5"),
    ("11", "10", "45", "29"),
    ("11.5", "10.5", "45.5", "29.5"),
    ("12", "11", "46", "30"),
    ("12.5", "11.5", "47", "30.5"),
    ("13", "12", "47.5", "31"),
    ("14", "13", "48.5", "32"),
    ("15", "14", "49.5", "33"),
    ("16", "15", "50.5", "34"),
    ("17", "16", "51.5", "35"),
    ("18", "17", "52.5", "36"),
];

/// US women's = US men's + 1.5 (Nike's unisex rule).
const WOMEN_OFFSET: &str = "1.5";

fn men_row(us_m: Decimal) -> Option<(Decimal, Decimal, Decimal)> {
    NIKE_MEN
        .iter()
        .find(|(m, ..)| d(m) == us_m)
        .map(|(_, uk, eu, cm)| (d(uk), d(eu), d(cm)))
}

/// Conversions for a size in `system` from the fallback table. Unknown combinations leave the
/// conversions empty rather than guessing.
pub fn spec_from_table(system: SizeSystem, value: Decimal) -> SizeSpec {
    let us_m = match system {
        SizeSystem::UsM => Some(value),
        SizeSystem::UsW => Some(value - d(WOMEN_OFFSET)).filter(|v| *v > Decimal::ZERO),
        // Grade-school 3.5Y–7Y are the men's sizes with the same number.
        SizeSystem::UsY if value >= d("3.5") => Some(value),
        SizeSystem::Uk => NIKE_MEN
            .iter()
            .find(|(_, uk, ..)| d(uk) == value)
            .map(|(m, ..)| d(m)),
        SizeSystem::Eu => NIKE_MEN
            .iter()
            .find(|(_, _, eu, _)| d(eu) == value)
            .map(|(m, ..)| d(m)),
        _ => None,
    };
    let row = us_m.and_then(men_row);
    SizeSpec {
        system,
        value,
        us_m,
        us_w: us_m
            .filter(|_| {
                matches!(
                    system,
                    SizeSystem::UsM | SizeSystem::UsW | SizeSystem::Uk | SizeSystem::Eu
                )
            })
            .map(|m| m + d(WOMEN_OFFSET)),
        uk: row.map(|r| r.0),
        eu: row.map(|r| r.1),
        cm: row.map(|r| r.2),
    }
}

/// US men's equivalent of a size given in a unit as the inventory table stores it (`US`/`UK`/`EU`
/// plus a label such as `10`, `6.5W`, `5Y`, `9.5`). Returns the system and value the label names
/// and the US men's equivalent when the table knows it.
pub fn parse_inventory_size(
    size: &str,
    unit: &str,
) -> Result<(SizeSystem, Decimal), SizeParseError> {
    let raw = size.trim();
    let unit = unit.trim().to_ascii_uppercase();
    let (system, number) = match unit.as_str() {
        "US" => {
            let upper = raw.to_ascii_uppercase();
            let upper = upper.trim_start_matches("US").trim();
            if let Some(n) = upper.strip_prefix('W') {
                // "W8": how the app's users write women's sizes.
                (SizeSystem::UsW, n.trim().to_string())
            } else if let Some(n) = upper.strip_suffix('W') {
                (SizeSystem::UsW, n.trim().to_string())
            } else if let Some(n) = upper.strip_suffix('Y') {
                (SizeSystem::UsY, n.trim().to_string())
            } else if let Some(n) = upper.strip_suffix('C') {
                (SizeSystem::UsC, n.trim().to_string())
            } else if let Some(n) = upper.strip_suffix('M') {
                (SizeSystem::UsM, n.trim().to_string())
            } else {
                (SizeSystem::UsM, upper.to_string())
            }
        }
        "UK" => (
            SizeSystem::Uk,
            raw.trim_start_matches(['U', 'K', 'u', 'k'])
                .trim()
                .to_string(),
        ),
        "EU" => (
            SizeSystem::Eu,
            raw.trim_start_matches(['E', 'U', 'e', 'u'])
                .trim()
                .to_string(),
        ),
        _ => return Err(SizeParseError::Unit(unit)),
    };
    let value = parse_size(&number).ok_or_else(|| SizeParseError::Value(raw.to_string()))?;
    Ok((system, value))
}

/// A plausible shoe size as an exact decimal, 0 < size < 60: `10`, `10.5`, `10,5`, and EU thirds
/// in every way they are written (`44 2/3`, `44⅔`, `44.7`; `44 1/3`, `44⅓`, `44.3`), rounded to the
/// two decimals `size_variants` stores (44.67, 44.33). The one size parser: inventory sizes and
/// both marketplaces' answers go through it. (No shoe size system uses .3 or .7 otherwise.)
pub fn parse_size(raw: &str) -> Option<Decimal> {
    let s = raw
        .trim()
        .replace(',', ".")
        .replace('\u{2154}', " 2/3")
        .replace('\u{2153}', " 1/3");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let value = match s.split_once(' ') {
        Some((whole, frac)) if frac.contains('/') => {
            let (n, d) = frac.split_once('/')?;
            let (n, d) = (
                Decimal::from_str(n.trim()).ok()?,
                Decimal::from_str(d.trim()).ok()?,
            );
            if d.is_zero() {
                return None;
            }
            Decimal::from_str(whole).ok()? + (n / d).round_dp(2)
        }
        _ => {
            let v = Decimal::from_str(&s).ok()?;
            let tenths = (v.fract() * Decimal::from(10)).normalize();
            if tenths == Decimal::from(7) {
                v.trunc() + Decimal::new(67, 2)
            } else if tenths == Decimal::from(3) {
                v.trunc() + Decimal::new(33, 2)
            } else {
                v
            }
        }
    };
    (value > Decimal::ZERO && value < Decimal::from(60)).then(|| value.normalize())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeParseError {
    #[error("unknown size unit {0:?} (expected US, UK or EU)")]
    Unit(String),
    #[error("size {0:?} is not a number")]
    Value(String),
}

fn halves(from: &str, to: &str) -> Vec<Decimal> {
    let (mut v, end, step) = (d(from), d(to), d("0.5"));
    let mut out = Vec::new();
    while v <= end {
        out.push(v);
        v += step;
    }
    out
}

/// The standard size run we create for a product before a marketplace tells us its real sizes.
/// `gender` uses the catalogue's vocabulary (StockX: men, women, unisex, child = grade school, ...).
pub fn standard_run(gender: &str) -> Vec<SizeSpec> {
    let (system, values): (SizeSystem, Vec<Decimal>) = match gender {
        "women" => (SizeSystem::UsW, halves("5", "12")),
        "youth" | "child" => (SizeSystem::UsY, halves("3.5", "7")),
        "preschool" => {
            let mut run: Vec<SizeSpec> = halves("10.5", "13.5")
                .into_iter()
                .map(|v| spec_from_table(SizeSystem::UsC, v))
                .collect();
            run.extend(
                halves("1", "3")
                    .into_iter()
                    .map(|v| spec_from_table(SizeSystem::UsY, v)),
            );
            return run;
        }
        "toddler" => (SizeSystem::UsC, halves("2", "10")),
        "infant" => (SizeSystem::UsC, halves("1", "4")),
        // men, unisex and anything unknown: the full men's run StockX lists.
        _ => {
            let mut v = halves("3.5", "13");
            v.extend(["14", "15", "16", "17", "18"].iter().map(|s| d(s)));
            (SizeSystem::UsM, v)
        }
    };
    values
        .into_iter()
        .map(|v| spec_from_table(system, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_writing_a_size_parses_the_same() {
        // EU thirds as adidas' chart prints them (44 2/3) and as shops and users write them.
        for raw in ["44 2/3", "44⅔", "44.7", " 44  2/3 "] {
            assert_eq!(parse_size(raw), Some(d("44.67")), "{raw:?}");
        }
        for raw in ["44 1/3", "44⅓", "44.3"] {
            assert_eq!(parse_size(raw), Some(d("44.33")), "{raw:?}");
        }
        assert_eq!(parse_size("10.0"), Some(d("10")));
        assert_eq!(parse_size("10,5"), Some(d("10.5")));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("ten"), None);
        assert_eq!(
            parse_inventory_size("44⅔", "EU").unwrap(),
            (SizeSystem::Eu, d("44.67"))
        );
        for raw in ["W8", "8W", "w8"] {
            assert_eq!(
                parse_inventory_size(raw, "US").unwrap(),
                (SizeSystem::UsW, d("8")),
                "{raw:?}"
            );
        }
        assert_eq!(
            parse_inventory_size("8.5Y", "US").unwrap(),
            (SizeSystem::UsY, d("8.5"))
        );
        assert_eq!(
            parse_inventory_size("5C", "US").unwrap(),
            (SizeSystem::UsC, d("5"))
        );
    }

    #[test]
    fn men_run_has_conversions_from_the_chart() {
        let run = standard_run("men");
        assert_eq!(run.len(), 25);
        let ten = run.iter().find(|s| s.value == d("10")).unwrap();
        assert_eq!(ten.uk, Some(d("9")));
        assert_eq!(ten.eu, Some(d("44")));
        assert_eq!(ten.us_w, Some(d("11.5")));
        assert_eq!(ten.label(), "10");
    }

    #[test]
    fn women_run_converts_to_men() {
        let run = standard_run("women");
        assert_eq!(run.len(), 15);
        let w85 = run.iter().find(|s| s.value == d("8.5")).unwrap();
        assert_eq!(w85.us_m, Some(d("7")));
        assert_eq!(w85.eu, Some(d("40")));
        assert_eq!(w85.label(), "8.5W");
    }

    #[test]
    fn kids_runs() {
        assert_eq!(standard_run("child").len(), 8);
        assert_eq!(standard_run("child")[0].label(), "3.5Y");
        assert_eq!(standard_run("preschool").len(), 12);
        assert_eq!(standard_run("toddler")[0].label(), "2C");
        assert!(standard_run("toddler")[0].us_m.is_none());
    }

    #[test]
    fn inventory_sizes_parse_with_their_unit() {
        assert_eq!(
            parse_inventory_size("10", "US"),
            Ok((SizeSystem::UsM, d("10")))
        );
        assert_eq!(
            parse_inventory_size("6.5W", "us"),
            Ok((SizeSystem::UsW, d("6.5")))
        );
        assert_eq!(
            parse_inventory_size("US 5Y", "US"),
            Ok((SizeSystem::UsY, d("5")))
        );
        assert_eq!(
            parse_inventory_size("9", "UK"),
            Ok((SizeSystem::Uk, d("9")))
        );
        assert_eq!(
            parse_inventory_size("EU 44", "EU"),
            Ok((SizeSystem::Eu, d("44")))
        );
        assert_eq!(
            parse_inventory_size("42,5", "EU"),
            Ok((SizeSystem::Eu, d("42.5")))
        );
        assert!(parse_inventory_size("ten", "US").is_err());
        assert!(parse_inventory_size("10", "JP").is_err());
        assert!(parse_inventory_size("0", "US").is_err());
    }

    #[test]
    fn uk_and_eu_convert_to_us_men_through_the_table() {
        assert_eq!(spec_from_table(SizeSystem::Uk, d("9")).us_m, Some(d("10")));
        assert_eq!(
            spec_from_table(SizeSystem::Eu, d("42.5")).us_m,
            Some(d("9"))
        );
        assert_eq!(spec_from_table(SizeSystem::Eu, d("99")).us_m, None);
    }
}
