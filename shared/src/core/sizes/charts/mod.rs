//! The brands' own size charts: which chart a catalogue brand uses, and the US men's equivalent of
//! a size in that chart. Each chart's source is cited on its data (`data.rs`) and kept in
//! [`Chart::source`]. A marketplace's chart for a product (StockX `sizeChart`) is not here: it is
//! stored on the product's size run and wins over these (`matching`).
//!
//! Brands with no chart of their own use Nike's, the fallback table `spec_from_table` also uses;
//! a conversion through it is reported as `table`, one through a brand's chart as `brand_chart`.

mod data;

use rust_decimal::Decimal;

use super::{d, SizeSystem, NIKE_MEN};
pub use data::Row;

/// A brand family sharing one size chart, resolved from the catalogue's brand string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Brand {
    /// Nike and Jordan (Air Jordan, Jordan Brand).
    Nike,
    /// adidas and Yeezy.
    Adidas,
    NewBalance,
    Asics,
    Converse,
    Vans,
    /// Any other brand: Nike's chart stands in, reported as the fallback `table`.
    Other,
}

impl Brand {
    /// The chart family of a catalogue brand ("Jordan", "Air Jordan", "adidas", "Yeezy", "ASICS",
    /// ...), case-insensitive.
    pub fn from_catalogue(brand: &str) -> Brand {
        let b = brand.trim().to_lowercase();
        let has = |w: &str| b.split(|c: char| !c.is_alphanumeric()).any(|t| t == w);
        if has("nike") || has("jordan") {
            Brand::Nike
        } else if has("adidas") || has("yeezy") {
            Brand::Adidas
        } else if b.contains("new balance") {
            Brand::NewBalance
        } else if has("asics") {
            Brand::Asics
        } else if has("converse") {
            Brand::Converse
        } else if has("vans") {
            Brand::Vans
        } else {
            Brand::Other
        }
    }

    /// The chart this brand's sizes convert through.
    pub fn chart(self) -> Chart {
        let (men, women_offset, youth_as_men, source): (&[Row], _, _, _) = match self {
            Brand::Nike | Brand::Other => (
                NIKE_MEN,
                Some("1.5"),
                true,
                "Nike men's/women's/youth size charts (nike.com Size Charts; reproduced at visualfoodie.com \"The Ultimate Nike Men's Shoe Sizing Chart\")",
            ),
            Brand::Adidas => (data::ADIDAS_MEN, Some("1"), false, "adidas.com Size Chart (men's shoes)"),
            Brand::NewBalance => (
                data::NEW_BALANCE_MEN,
                Some("1.5"),
                false,
                "newbalance.com Shoe Size Chart (men's), via theshoeboxnyc.com and winenfood.com",
            ),
            Brand::Asics => (data::ASICS_MEN, None, false, "asics.com Size Chart (men's)"),
            Brand::Converse => (
                data::CONVERSE_MEN,
                Some("2"),
                true,
                "Converse Chuck Taylor box labels, via dresscodeclothing.com; kids' sizes from 3 are unisex sizes, via converse-shoe-store.blogspot.com \"Converse Fit Guide\"",
            ),
            Brand::Vans => (data::VANS_MEN, Some("1.5"), false, "vans.com Size Chart"),
        };
        Chart {
            brand: self,
            men,
            women_offset: women_offset.map(d),
            youth_as_men,
            source,
        }
    }

    /// How a conversion through this brand's chart is reported.
    pub fn conversion(self) -> &'static str {
        match self {
            Brand::Other => "table",
            _ => "brand_chart",
        }
    }

    /// Our standard size runs carry Nike's conversions: they are this brand's own only for Nike's
    /// chart (Nike, Jordan, and brands without a chart of their own).
    pub fn uses_nike_chart(self) -> bool {
        matches!(self, Brand::Nike | Brand::Other)
    }
}

/// One brand's chart: men's rows, and how its women's and youth sizes relate to them.
#[derive(Debug, Clone, Copy)]
pub struct Chart {
    pub brand: Brand,
    /// `(US men, UK, EU, CM)` rows.
    pub men: &'static [Row],
    /// US women's = US men's + this; `None` when the brand publishes no such rule.
    pub women_offset: Option<Decimal>,
    /// Grade-school sizes 3.5Y–7Y equal US men's with the same number: Nike's youth chart, and
    /// Converse's, whose kids' sizes from 3 up are its unisex sizes. `false` where we cite no
    /// youth chart (adidas, New Balance, ASICS, Vans): a youth size there converts to nothing.
    pub youth_as_men: bool,
    /// Where the chart's values come from.
    pub source: &'static str,
}

/// What a brand's chart says a size is in US men's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartLookup {
    One(Decimal),
    /// The chart gives the same UK or EU size to several US sizes (Nike's UK 6: US 6.5 and 7).
    Ambiguous(Vec<Decimal>),
    None,
}

/// The US men's equivalent of `value` in `system` on `brand`'s chart.
pub fn convert(brand: Brand, system: SizeSystem, value: Decimal) -> ChartLookup {
    let chart = brand.chart();
    let one = |v: Option<Decimal>| match v.filter(|v| *v > Decimal::ZERO) {
        Some(v) => ChartLookup::One(v),
        None => ChartLookup::None,
    };
    let column = |pick: fn(&Row) -> &'static str| {
        let mut found: Vec<Decimal> = chart
            .men
            .iter()
            .filter(|r| d(pick(r)) == value)
            .map(|r| d(r.0))
            .collect();
        found.dedup();
        match found.len() {
            0 => ChartLookup::None,
            1 => ChartLookup::One(found[0]),
            _ => ChartLookup::Ambiguous(found),
        }
    };
    match system {
        SizeSystem::UsM => one(Some(value)),
        SizeSystem::UsW => one(chart.women_offset.map(|o| value - o)),
        SizeSystem::UsY if chart.youth_as_men && value >= d("3.5") && value <= d("7") => {
            one(Some(value))
        }
        SizeSystem::Uk => column(|r| r.1),
        SizeSystem::Eu => column(|r| r.2),
        SizeSystem::UsY | SizeSystem::UsC => ChartLookup::None,
    }
}

#[cfg(test)]
mod tests;
