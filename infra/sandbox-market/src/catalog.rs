//! The sandbox's product universe: every row of the catalogue CSV, with deterministic marketplace
//! ids, size runs, and the quirks real marketplaces have (a product missing on one marketplace,
//! a duplicate StockX listing, several codes in one `styleId`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use shared::core::domain::normalize_style_code;
use shared::core::sizes::{standard_run, SizeSpec, SizeSystem};
use uuid::Uuid;

use crate::hash::{chance, h};

/// One size of a product, with its StockX variant id.
#[derive(Debug, Clone)]
pub struct SandboxSize {
    pub spec: SizeSpec,
    /// `10`, `6.5W`, `5Y`, `10C`.
    pub label: String,
    pub stockx_variant_id: String,
}

#[derive(Debug, Clone)]
pub struct SandboxProduct {
    /// Normalized style code (`DZ5485-612`).
    pub style_code: String,
    pub brand: String,
    pub name: String,
    pub colorway: Option<String>,
    pub release_date: Option<String>,
    pub retail_cents: Option<i64>,
    pub gender: String,
    pub stockx_id: String,
    pub url_key: String,
    /// What StockX puts in `styleId`: usually the code, sometimes `CODE/OTHER`.
    pub stockx_style_id: String,
    /// A second StockX listing with the same `styleId` (e.g. a "Special Box" edition).
    pub stockx_duplicate_id: Option<String>,
    pub alias_id: String,
    /// Alias's spelling: a space instead of the hyphen.
    pub alias_sku: String,
    pub on_stockx: bool,
    pub on_alias: bool,
    pub sizes: Vec<SandboxSize>,
}

impl SandboxProduct {
    pub fn size_by_variant(&self, variant_id: &str) -> Option<&SandboxSize> {
        self.sizes
            .iter()
            .find(|s| s.stockx_variant_id == variant_id)
    }
}

/// All products plus lookup indexes.
#[derive(Debug, Default)]
pub struct Catalog {
    pub products: Vec<SandboxProduct>,
    by_stockx: HashMap<String, (usize, bool)>,
    by_alias: HashMap<String, usize>,
    by_code: BTreeMap<String, usize>,
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn stockx_type(system: SizeSystem) -> &'static str {
    match system {
        SizeSystem::UsM => "us m",
        SizeSystem::UsW => "us w",
        SizeSystem::UsY => "us y",
        SizeSystem::UsC => "us c",
        SizeSystem::Uk => "uk",
        SizeSystem::Eu => "eu",
    }
}

impl Catalog {
    /// Reads the catalogue CSV (the same parser the seed uses, so ids and codes agree).
    pub fn load(path: &Path, seed: u64) -> Result<Self, String> {
        let parsed = shared::admin::catalog::parse_file(path).map_err(|e| e.to_string())?;
        let codes: HashSet<String> = parsed
            .rows
            .iter()
            .map(|r| normalize_style_code(&r.style_code))
            .collect();
        let mut cat = Catalog::default();
        for row in parsed.rows {
            let code = normalize_style_code(&row.style_code);
            if cat.by_code.contains_key(&code) {
                continue;
            }
            let stockx_id = row
                .stockx_product_id
                .map(|u| u.to_string())
                .unwrap_or_else(|| {
                    Uuid::new_v5(
                        &Uuid::NAMESPACE_URL,
                        format!("sandbox:stockx:{code}").as_bytes(),
                    )
                    .to_string()
                });
            let presence = h(seed, &["presence", &code]) % 1000;
            let stockx_style_id = if chance(h(seed, &["multi", &code]), 30) {
                // A second code that no catalogue product has.
                let other = format!(
                    "SB{:04}-{:03}",
                    h(seed, &["other", &code]) % 10_000,
                    h(seed, &["o2", &code]) % 1000
                );
                if codes.contains(&other) {
                    code.clone()
                } else {
                    format!("{code}/{other}")
                }
            } else {
                code.clone()
            };
            let sizes = standard_run(&row.gender)
                .into_iter()
                .map(|spec| {
                    let label = spec.label();
                    SandboxSize {
                        stockx_variant_id: Uuid::new_v5(
                            &Uuid::NAMESPACE_URL,
                            format!("sandbox:variant:{stockx_id}:{label}").as_bytes(),
                        )
                        .to_string(),
                        label,
                        spec,
                    }
                })
                .collect();
            let product = SandboxProduct {
                url_key: row
                    .stockx_url_key
                    .clone()
                    .unwrap_or_else(|| slug(&row.name)),
                stockx_duplicate_id: chance(h(seed, &["dup", &code]), 15).then(|| {
                    Uuid::new_v5(
                        &Uuid::NAMESPACE_URL,
                        format!("sandbox:stockx-dup:{code}").as_bytes(),
                    )
                    .to_string()
                }),
                alias_id: format!("{}-{}", slug(&row.name), slug(&code)),
                alias_sku: code.replace('-', " "),
                on_stockx: presence >= 25,
                on_alias: !(25..50).contains(&presence),
                style_code: code.clone(),
                brand: row.brand,
                name: row.name,
                colorway: row.colorway,
                release_date: row.release_date.map(|d| d.to_string()),
                retail_cents: row.retail_usd_minor,
                gender: row.gender,
                stockx_id,
                stockx_style_id,
                sizes,
            };
            let i = cat.products.len();
            cat.by_stockx.insert(product.stockx_id.clone(), (i, false));
            if let Some(d) = &product.stockx_duplicate_id {
                cat.by_stockx.insert(d.clone(), (i, true));
            }
            cat.by_alias.insert(product.alias_id.clone(), i);
            cat.by_code.insert(code, i);
            cat.products.push(product);
        }
        Ok(cat)
    }

    /// The product behind a StockX product id (and whether it is the duplicate listing).
    pub fn stockx(&self, id: &str) -> Option<(&SandboxProduct, bool)> {
        let (i, dup) = self.by_stockx.get(id)?;
        let p = &self.products[*i];
        p.on_stockx.then_some((p, *dup))
    }

    pub fn alias(&self, id: &str) -> Option<&SandboxProduct> {
        let p = &self.products[*self.by_alias.get(id)?];
        p.on_alias.then_some(p)
    }

    pub fn by_style_code(&self, code: &str) -> Option<&SandboxProduct> {
        self.by_code
            .get(&normalize_style_code(code))
            .map(|i| &self.products[*i])
    }

    /// Search as the marketplaces do it, approximately: exact style-code hits first, then products
    /// sharing the style's first six characters (other colourways), then name matches on every
    /// word of a free-text query. Products absent from the marketplace are skipped by `visible`.
    pub fn search<'a>(
        &'a self,
        query: &str,
        visible: impl Fn(&SandboxProduct) -> bool,
    ) -> Vec<&'a SandboxProduct> {
        let q = normalize_style_code(query);
        let key: String = q.chars().filter(|c| *c != '-').collect();
        let mut out: Vec<&SandboxProduct> = Vec::new();
        let mut seen = HashSet::new();
        let mut push = |p: &'a SandboxProduct, out: &mut Vec<&'a SandboxProduct>| {
            if visible(p) && seen.insert(p.style_code.clone()) {
                out.push(p);
            }
        };
        if let Some(p) = self.by_style_code(&q) {
            push(p, &mut out);
        }
        for p in &self.products {
            if p.stockx_style_id
                .split('/')
                .any(|c| normalize_style_code(c) == q)
            {
                push(p, &mut out);
            }
        }
        if key.len() >= 6 {
            let prefix = &key[..6];
            let mut near = 0;
            for p in &self.products {
                if near >= 5 {
                    break;
                }
                if p.style_code.replace('-', "").starts_with(prefix) && p.style_code != q {
                    push(p, &mut out);
                    near += 1;
                }
            }
        }
        let words: Vec<String> = query
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        if words.len() > 1
            || (words.len() == 1
                && words[0].chars().any(|c| c.is_ascii_alphabetic())
                && key.len() < 6)
        {
            for p in &self.products {
                let name = p.name.to_ascii_lowercase();
                if words.iter().all(|w| name.contains(w.as_str())) {
                    push(p, &mut out);
                }
                if out.len() >= 200 {
                    break;
                }
            }
        }
        out
    }
}

pub(crate) fn size_chart_conversions(spec: &SizeSpec) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let fmt = |d: rust_decimal::Decimal| d.normalize().to_string();
    if let Some(v) = spec.us_m {
        out.push((format!("US M {}", fmt(v)), "us m"));
    }
    if let Some(v) = spec.uk {
        out.push((format!("UK {}", fmt(v)), "uk"));
    }
    if let Some(v) = spec.cm {
        out.push((format!("CM {}", fmt(v)), "cm"));
    }
    if let Some(v) = spec.eu {
        out.push((format!("EU {}", fmt(v)), "eu"));
    }
    if let Some(v) = spec.us_w {
        out.push((format!("US W {}", fmt(v)), "us w"));
    }
    out
}

pub(crate) fn default_type(spec: &SizeSpec) -> &'static str {
    stockx_type(spec.system)
}
