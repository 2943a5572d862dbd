//! The catalogue seed: reads a catalogue CSV, validates every row, and loads products, their
//! standard size runs and known StockX ids with a handful of set-based statements.
//!
//! CSV columns (header row required, order free, extra columns ignored):
//!
//! | column              | required | meaning                                               |
//! |---------------------|----------|-------------------------------------------------------|
//! | `sku`               | yes      | style code, any spacing/hyphen form (`DZ5485-612`)    |
//! | `brand`             | yes      |                                                       |
//! | `name`              | yes      |                                                       |
//! | `colorway`          | no       |                                                       |
//! | `release_date`      | no       | `YYYY-MM-DD`                                          |
//! | `retail_price_usd`  | no       | major units, e.g. `180` or `179.99`; empty/0 = unknown |
//! | `stockx_url_key`    | no       |                                                       |
//! | `stockx_product_id` | no       | StockX product UUID                                   |
//! | `gender`            | no       | men, women, unisex, youth, child, preschool, toddler, infant (default men) |
//! | `image_url`         | no       | http(s) URL                                           |
//!
//! Loading is idempotent: a second load of the same file changes nothing.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tokio_postgres::types::Type;
use tokio_postgres::Client;

use crate::core::domain::{normalize_style_code, Currency, Marketplace};
use crate::core::sizes::standard_run;

const GENDERS: [&str; 8] = [
    "men",
    "women",
    "unisex",
    "youth",
    "child",
    "preschool",
    "toddler",
    "infant",
];

/// One valid catalogue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    pub line: u64,
    pub style_code: String,
    pub brand: String,
    pub name: String,
    pub colorway: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub retail_usd_minor: Option<i64>,
    pub stockx_url_key: Option<String>,
    pub stockx_product_id: Option<uuid::Uuid>,
    pub gender: String,
    pub image_url: Option<String>,
}

/// A rejected row: its line in the file (1 = header) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalogue {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("catalogue header: {0}")]
    Header(String),
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}

/// The parsed file: valid rows plus the rejected ones.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<CatalogRow>,
    pub errors: Vec<RowError>,
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Parses a catalogue CSV. Malformed rows are collected with their line number; the rest load.
pub fn parse<R: Read>(reader: R) -> Result<Parsed, CatalogError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| CatalogError::Header(e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (sku_i, brand_i, name_i) = match (col("sku"), col("brand"), col("name")) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => {
            return Err(CatalogError::Header(
                "the header must name at least the columns sku, brand and name".into(),
            ))
        }
    };
    let optional = [
        "colorway",
        "release_date",
        "retail_price_usd",
        "stockx_url_key",
        "stockx_product_id",
        "gender",
        "image_url",
    ]
    .map(col);

    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    for record in rdr.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                parsed.errors.push(RowError {
                    line,
                    message: format!("unreadable CSV record: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: Option<usize>| non_empty(i.and_then(|i| record.get(i)));
        match parse_row(line, &record, sku_i, brand_i, name_i, &optional.map(field)) {
            Ok(row) => {
                if seen.insert(row.style_code.clone()) {
                    parsed.rows.push(row);
                } else {
                    parsed.errors.push(RowError {
                        line,
                        message: format!(
                            "duplicate sku {} (the first occurrence is kept)",
                            row.style_code
                        ),
                    });
                }
            }
            Err(message) => parsed.errors.push(RowError { line, message }),
        }
    }
    Ok(parsed)
}

fn parse_row(
    line: u64,
    record: &csv::StringRecord,
    sku_i: usize,
    brand_i: usize,
    name_i: usize,
    opt: &[Option<String>; 7],
) -> Result<CatalogRow, String> {
    let [colorway, release_date, retail, url_key, stockx_id, gender, image_url] = opt.clone();
    let raw_sku = non_empty(record.get(sku_i)).ok_or("sku is empty")?;
    let style_code = normalize_style_code(&raw_sku);
    if style_code.len() < 3
        || style_code.len() > 32
        || !style_code.bytes().any(|b| b.is_ascii_digit())
    {
        return Err(format!("sku {raw_sku:?} is not a plausible style code"));
    }
    let brand = non_empty(record.get(brand_i)).ok_or("brand is empty")?;
    let name = non_empty(record.get(name_i)).ok_or("name is empty")?;
    if brand.len() > 100 || name.len() > 300 || colorway.as_ref().is_some_and(|c| c.len() > 300) {
        return Err("brand, name or colorway is too long".into());
    }
    let release_date = release_date
        .map(|s| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| format!("release_date {s:?} is not YYYY-MM-DD"))
        })
        .transpose()?;
    let retail_usd_minor = match retail {
        None => None,
        Some(s) => {
            let v = Decimal::from_str(&s)
                .map_err(|_| format!("retail_price_usd {s:?} is not a number"))?;
            if v.is_sign_negative() {
                return Err(format!("retail_price_usd {s:?} is negative"));
            }
            let minor = v * Decimal::from(100);
            if minor.fract() != Decimal::ZERO {
                return Err(format!("retail_price_usd {s:?} has more than 2 decimals"));
            }
            let minor = i64::try_from(minor)
                .map_err(|_| format!("retail_price_usd {s:?} is out of range"))?;
            // 0 means "unknown" in the sources.
            (minor > 0).then_some(minor)
        }
    };
    let stockx_product_id = stockx_id
        .map(|s| {
            uuid::Uuid::parse_str(&s).map_err(|_| format!("stockx_product_id {s:?} is not a UUID"))
        })
        .transpose()?;
    let gender = match gender {
        None => "men".to_string(),
        Some(g) => {
            let g = g.to_ascii_lowercase();
            if !GENDERS.contains(&g.as_str()) {
                return Err(format!("gender {g:?} is not one of {}", GENDERS.join(", ")));
            }
            g
        }
    };
    if let Some(u) = &image_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(format!("image_url {u:?} is not an http(s) URL"));
        }
    }
    Ok(CatalogRow {
        line,
        style_code,
        brand,
        name,
        colorway,
        release_date,
        retail_usd_minor,
        stockx_url_key: url_key,
        stockx_product_id,
        gender,
        image_url,
    })
}

/// Reads and parses a catalogue file.
pub fn parse_file(path: &Path) -> Result<Parsed, CatalogError> {
    let file = std::fs::File::open(path).map_err(|source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(std::io::BufReader::new(file))
}

/// What a load changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub rows: usize,
    pub products_inserted: u64,
    pub products_updated: u64,
    pub variants_inserted: u64,
    pub stockx_links_inserted: u64,
    /// StockX ids already linked to another product (left for review, not overwritten).
    pub stockx_links_conflicting: u64,
}

/// Loads rows in one transaction with four set-based statements.
pub async fn load(client: &mut Client, rows: &[CatalogRow]) -> Result<LoadReport, CatalogError> {
    let mut report = LoadReport {
        rows: rows.len(),
        ..Default::default()
    };
    let tx = client.transaction().await?;

    let codes: Vec<&str> = rows.iter().map(|r| r.style_code.as_str()).collect();
    let brands: Vec<&str> = rows.iter().map(|r| r.brand.as_str()).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let colorways: Vec<Option<&str>> = rows.iter().map(|r| r.colorway.as_deref()).collect();
    let genders: Vec<&str> = rows.iter().map(|r| r.gender.as_str()).collect();
    let dates: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.release_date).collect();
    let retail: Vec<Option<i64>> = rows.iter().map(|r| r.retail_usd_minor).collect();
    let images: Vec<Option<&str>> = rows.iter().map(|r| r.image_url.as_deref()).collect();
    let usd = Currency::USD.code();

    // Upsert products; rows whose values are unchanged are not touched (idempotent, no churn).
    let counted = tx
        .query_typed(
            "WITH input AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                    $6::date[], $7::bigint[], $8::text[])
                 AS t(style_code, brand, name, colorway, gender, release_date, retail, image_url)
             ), upserted AS (
               INSERT INTO market.products AS p
                 (style_code, brand, name, colorway, gender, release_date, retail_price_minor, retail_currency, image_url)
               SELECT style_code, brand, name, colorway, gender, release_date, retail,
                      CASE WHEN retail IS NULL THEN NULL ELSE $9 END, image_url
               FROM input
               ON CONFLICT (style_code) DO UPDATE SET
                 brand = EXCLUDED.brand, name = EXCLUDED.name, colorway = EXCLUDED.colorway,
                 gender = EXCLUDED.gender, release_date = EXCLUDED.release_date,
                 retail_price_minor = EXCLUDED.retail_price_minor, retail_currency = EXCLUDED.retail_currency,
                 image_url = coalesce(EXCLUDED.image_url, p.image_url), updated_at = now()
               WHERE (p.brand, p.name, p.colorway, p.gender, p.release_date, p.retail_price_minor, p.image_url)
                     IS DISTINCT FROM
                     (EXCLUDED.brand, EXCLUDED.name, EXCLUDED.colorway, EXCLUDED.gender, EXCLUDED.release_date,
                      EXCLUDED.retail_price_minor, coalesce(EXCLUDED.image_url, p.image_url))
               RETURNING (xmax = 0) AS inserted
             )
             SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted",
            &[
                (&codes, Type::TEXT_ARRAY),
                (&brands, Type::TEXT_ARRAY),
                (&names, Type::TEXT_ARRAY),
                (&colorways, Type::TEXT_ARRAY),
                (&genders, Type::TEXT_ARRAY),
                (&dates, Type::DATE_ARRAY),
                (&retail, Type::INT8_ARRAY),
                (&images, Type::TEXT_ARRAY),
                (&usd, Type::TEXT),
            ],
        )
        .await?;
    report.products_inserted = counted[0].get::<_, i64>(0) as u64;
    report.products_updated = counted[0].get::<_, i64>(1) as u64;

    // Standard size runs for products that have no sizes yet (marketplace mapping replaces them).
    let mut v_code = Vec::new();
    let mut v_system = Vec::new();
    let mut v_value: Vec<Decimal> = Vec::new();
    let mut v_us_m: Vec<Option<Decimal>> = Vec::new();
    let mut v_us_w: Vec<Option<Decimal>> = Vec::new();
    let mut v_uk: Vec<Option<Decimal>> = Vec::new();
    let mut v_eu: Vec<Option<Decimal>> = Vec::new();
    let mut v_cm: Vec<Option<Decimal>> = Vec::new();
    for r in rows {
        for s in standard_run(&r.gender) {
            v_code.push(r.style_code.as_str());
            v_system.push(s.system.code());
            v_value.push(s.value);
            v_us_m.push(s.us_m);
            v_us_w.push(s.us_w);
            v_uk.push(s.uk);
            v_eu.push(s.eu);
            v_cm.push(s.cm);
        }
    }
    let inserted = tx
        .query_typed(
            "WITH input AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[],
                                    $6::numeric[], $7::numeric[], $8::numeric[])
                 AS t(style_code, size_system, size_value, us_m, us_w, uk, eu, cm)
             ), fresh AS (
               SELECT p.id FROM market.products p
               WHERE p.style_code = ANY($1::text[])
                 AND NOT EXISTS (SELECT 1 FROM market.size_variants v WHERE v.product_id = p.id)
             ), ins AS (
               INSERT INTO market.size_variants (product_id, size_system, size_value, us_m, us_w, uk, eu, cm, source)
               SELECT p.id, i.size_system, i.size_value, i.us_m, i.us_w, i.uk, i.eu, i.cm, 'standard_run'
               FROM input i
               JOIN market.products p ON p.style_code = i.style_code
               JOIN fresh f ON f.id = p.id
               ON CONFLICT (product_id, size_system, size_value) DO NOTHING
               RETURNING 1
             )
             SELECT count(*) FROM ins",
            &[
                (&v_code, Type::TEXT_ARRAY),
                (&v_system, Type::TEXT_ARRAY),
                (&v_value, Type::NUMERIC_ARRAY),
                (&v_us_m, Type::NUMERIC_ARRAY),
                (&v_us_w, Type::NUMERIC_ARRAY),
                (&v_uk, Type::NUMERIC_ARRAY),
                (&v_eu, Type::NUMERIC_ARRAY),
                (&v_cm, Type::NUMERIC_ARRAY),
            ],
        )
        .await?;
    report.variants_inserted = inserted[0].get::<_, i64>(0) as u64;

    // Known StockX product ids become matched links (sizes are mapped later by a mapping job).
    let linked: Vec<&CatalogRow> = rows
        .iter()
        .filter(|r| r.stockx_product_id.is_some())
        .collect();
    let l_code: Vec<&str> = linked.iter().map(|r| r.style_code.as_str()).collect();
    let l_id: Vec<String> = linked
        .iter()
        .map(|r| {
            r.stockx_product_id
                .map(|u| u.to_string())
                .unwrap_or_default()
        })
        .collect();
    let l_key: Vec<Option<&str>> = linked.iter().map(|r| r.stockx_url_key.as_deref()).collect();
    let stockx = Marketplace::StockX.id();
    let links = tx
        .query_typed(
            "WITH input AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(style_code, external_id, url_key)
             ), ins AS (
               INSERT INTO market.marketplace_links
                 (product_id, marketplace_id, status, external_id, url_key, confidence, matched_at)
               SELECT p.id, $4, 'matched', i.external_id, i.url_key, 1.0, now()
               FROM input i JOIN market.products p ON p.style_code = i.style_code
               ON CONFLICT DO NOTHING
               RETURNING 1
             )
             SELECT (SELECT count(*) FROM ins),
                    (SELECT count(*) FROM input i
                       JOIN market.marketplace_links l ON l.marketplace_id = $4 AND l.external_id = i.external_id
                       JOIN market.products p ON p.id = l.product_id AND p.style_code <> i.style_code)",
            &[
                (&l_code, Type::TEXT_ARRAY),
                (&l_id, Type::TEXT_ARRAY),
                (&l_key, Type::TEXT_ARRAY),
                (&stockx, Type::INT2),
            ],
        )
        .await?;
    report.stockx_links_inserted = links[0].get::<_, i64>(0) as u64;
    report.stockx_links_conflicting = links[0].get::<_, i64>(1) as u64;

    tx.commit().await?;
    Ok(report)
}

/// The default catalogue: the team kit's real StockX-derived catalogue beside the repository.
pub fn default_catalog_path() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/catalog.csv"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "sku,brand,name,colorway,release_date,retail_price_usd,stockx_url_key,stockx_product_id,gender
DZ5485-612,Jordan,Jordan 1 Chicago,Red,2022-11-19,180,,b2f6c3e1-7d2a-4c8e-9f1b-3a5d7e9c1f20,men
dz5485 612,Jordan,Duplicate,,,,,,men
,Nike,No sku,,,,,,men
FZ5000,adidas,Yeezy,,2020-13-01,220,,,men
AB1234,Nike,Bad price,,,abc,,,men
AB1235,Nike,Bad gender,,,,,,alien
CT8012-005,Nike,Kids,,,0,,,child
";

    #[test]
    fn parses_valid_rows_and_names_the_line_of_each_bad_one() {
        let p = parse(CSV.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].style_code, "DZ5485-612");
        assert_eq!(p.rows[0].retail_usd_minor, Some(18000));
        assert_eq!(p.rows[1].retail_usd_minor, None, "0 means unknown");
        let lines: Vec<u64> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7]);
        assert!(p.errors[0].message.contains("duplicate"));
        assert!(p.errors[1].message.contains("sku"));
        assert!(p.errors[2].message.contains("release_date"));
        assert!(p.errors[3].message.contains("retail_price_usd"));
        assert!(p.errors[4].message.contains("gender"));
    }

    #[test]
    fn header_must_name_required_columns() {
        assert!(matches!(
            parse("a,b\n1,2\n".as_bytes()),
            Err(CatalogError::Header(_))
        ));
    }

    #[test]
    fn cents_are_exact() {
        let p = parse(
            "sku,brand,name,retail_price_usd\nAB1234,X,Y,179.99\nAB1235,X,Y,1.999\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(p.rows[0].retail_usd_minor, Some(17999));
        assert_eq!(p.errors.len(), 1);
    }
}
