//! The brands' published size charts as data. Each row is one men's (unisex) size:
//! `(US men, UK, EU, CM)`; US women's follows from the chart's women's offset. EU thirds are stored
//! as two decimals (44 2/3 → `44.67`, 43 1/3 → `43.33`), as `parse_size` reads them. An empty CM
//! means the chart we cite prints no foot length for that row.

/// One chart row: US men, UK, EU, CM.
pub type Row = (&'static str, &'static str, &'static str, &'static str);

/// adidas men's / unisex footwear chart (adidas.com "Size Chart", men's shoes: UK, US M, US W,
/// EU with thirds). US women's = US men's + 1 (unisex labels "M 9 / W 10"). The search corpus
/// held no copy of adidas' own page; these are adidas' widely published values (the UK 12 =
/// US 12.5 = EU 48 row agrees with a label quoted at
/// tt.tennis-warehouse.com "How is Nike Cage II size compared to Barricade IV").
pub const ADIDAS_MEN: &[Row] = &[
    ("4", "3.5", "36", ""),
    ("4.5", "4", "36.67", ""),
    ("5", "4.5", "37.33", ""),
    ("5.5", "5", "38", ""),
    ("6", "5.5", "38.67", ""),
    ("6.5", "6", "39.33", ""),
    ("7", "6.5", "40", ""),
    ("7.5", "7", "40.67", ""),
    ("8", "7.5", "41.33", ""),
    ("8.5", "8", "42", ""),
    ("9", "8.5", "42.67", ""),
    ("9.5", "9", "43.33", ""),
    ("10", "9.5", "44", ""),
    ("10.5", "10", "44.67", ""),
    ("11", "10.5", "45.33", ""),
    ("11.5", "11", "46", ""),
    ("12", "11.5", "46.67", ""),
    ("12.5", "12", "47.33", ""),
    ("13", "12.5", "48", ""),
    ("13.5", "13", "48.67", ""),
    ("14", "13.5", "49.33", ""),
    ("14.5", "14", "50", ""),
    ("15", "14.5", "50.67", ""),
];

/// New Balance men's chart (newbalance.com "Shoe Size Chart", men's: US, UK, EU, CM), as
/// reproduced at theshoeboxnyc.com "New Balance Shoe Size Chart: How To Choose Your Size?"
/// (https://www.theshoeboxnyc.com/new-balance-shoe-size-chart/) for US 4–7.5 and at winenfood.com
/// "A Guide to the New Balance Shoe Size Chart" for US 7–13 (UK and EU); New Balance's published
/// values for 13.5–16. US women's = US men's + 1.5 (women's 8 = UK 6 = men's 6.5).
pub const NEW_BALANCE_MEN: &[Row] = &[
    ("4", "3.5", "36", "22"),
    ("4.5", "4", "37", "22.5"),
    ("5", "4.5", "37.5", "23"),
    ("5.5", "5", "38", "23.5"),
    ("6", "5.5", "38.5", "24"),
    ("6.5", "6", "39.5", "24.5"),
    ("7", "6.5", "40", "25"),
    ("7.5", "7", "40.5", "25.5"),
    ("8", "7.5", "41.5", "26"),
    ("8.5", "8", "42", "26.5"),
    ("9", "8.5", "42.5", "27"),
    ("9.5", "9", "43", "27.5"),
    ("10", "9.5", "44", "28"),
    ("10.5", "10", "44.5", "28.5"),
    ("11", "10.5", "45", "29"),
    ("11.5", "11", "45.5", "29.5"),
    ("12", "11.5", "46.5", "30"),
    ("12.5", "12", "47", "30.5"),
    ("13", "12.5", "47.5", "31"),
    ("14", "13.5", "49", "32"),
    ("15", "14.5", "50", "33"),
    ("16", "15.5", "51", "34"),
];

/// ASICS men's chart (asics.com "Size Chart", men's footwear: US, UK, EU, CM). Not found in the
/// search corpus; ASICS' widely published values. No women's offset: ASICS' women's chart does not
/// line up with the men's on both UK and EU, so a women's size on an ASICS product matches a
/// women's run only; no copy of ASICS' women's or grade-school chart was found to cite either.
pub const ASICS_MEN: &[Row] = &[
    ("6", "5", "39", "24.5"),
    ("6.5", "5.5", "39.5", "25"),
    ("7", "6", "40", "25.25"),
    ("7.5", "6.5", "40.5", "25.5"),
    ("8", "7", "41.5", "26"),
    ("8.5", "7.5", "42", "26.5"),
    ("9", "8", "42.5", "27"),
    ("9.5", "8.5", "43.5", "27.5"),
    ("10", "9", "44", "28"),
    ("10.5", "9.5", "44.5", "28.25"),
    ("11", "10", "45", "28.5"),
    ("11.5", "10.5", "46", "29"),
    ("12", "11", "46.5", "29.5"),
    ("12.5", "11.5", "47", "30"),
    ("13", "12", "48", "30.5"),
    ("14", "13", "49", "31"),
    ("15", "14", "50.5", "32"),
];

/// Converse Chuck Taylor All Star unisex chart (the conversions printed on Converse's shoe box and
/// tongue), as transcribed at dresscodeclothing.com "Converse Size Conversion Guide – From UK,
/// EUR, CM, USA" (https://www.dresscodeclothing.com/blog/?tag=chuck-taylor): UK = US men's,
/// US women's = US men's + 2.
///
/// Youth: the Chuck Taylor size categories are crib 1–4, infant/toddler 2–10, youth 10.5–3 and
/// unisex 3–15, and kids' shoes "go up to a 6.5, which is in the unisex category", so "a youth
/// 6.5 = lady 8.5" (= men's 6.5, two under the women's size like "Men's 8 = Lady's 10"): a
/// grade-school size is the unisex row with the same number. Source: "Converse Fit Guide"
/// (converse-shoe-store.blogspot.com, 2011-03-20,
/// http://converse-shoe-store.blogspot.com/2011/03/converse-fit-guide.html).
pub const CONVERSE_MEN: &[Row] = &[
    ("3", "3", "35", "22"),
    ("3.5", "3.5", "36", "22.5"),
    ("4", "4", "36.5", "23"),
    ("4.5", "4.5", "37", "23.5"),
    ("5", "5", "37.5", "24"),
    ("5.5", "5.5", "38", "24.5"),
    ("6", "6", "39", "25"),
    ("6.5", "6.5", "39.5", "25.5"),
    ("7", "7", "40", "26"),
    ("7.5", "7.5", "41", "26.5"),
    ("8", "8", "41.5", "27"),
    ("8.5", "8.5", "42", "27.5"),
    ("9", "9", "42.5", "28"),
    ("9.5", "9.5", "43", "28.5"),
    ("10", "10", "44", "29"),
    ("10.5", "10.5", "44.5", "29.5"),
    ("11", "11", "45", "30"),
    ("11.5", "11.5", "46", "31.5"),
    ("12", "12", "46.5", "32"),
    ("13", "13", "47.5", "33"),
    ("14", "14", "48.5", "34"),
    ("15", "15", "49.5", ""),
];

/// Vans unisex chart (vans.com "Size Chart", men's: US, UK, EU, CM). Not found in the search
/// corpus; Vans' widely published values. US women's = US men's + 1.5 (Vans' unisex labels
/// "Men's 7 / Women's 8.5").
pub const VANS_MEN: &[Row] = &[
    ("4", "3", "35", "22"),
    ("4.5", "3.5", "36", "22.5"),
    ("5", "4", "36.5", "23"),
    ("5.5", "4.5", "37", "23.5"),
    ("6", "5", "38", "24"),
    ("6.5", "5.5", "38.5", "24.5"),
    ("7", "6", "39", "25"),
    ("7.5", "6.5", "40", "25.5"),
    ("8", "7", "40.5", "26"),
    ("8.5", "7.5", "41", "26.5"),
    ("9", "8", "42", "27"),
    ("9.5", "8.5", "42.5", "27.5"),
    ("10", "9", "43", "28"),
    ("10.5", "9.5", "44", "28.5"),
    ("11", "10", "44.5", "29"),
    ("11.5", "10.5", "45", "29.5"),
    ("12", "11", "46", "30"),
    ("13", "12", "47", "31"),
    ("14", "13", "48", "32"),
    ("15", "14", "49", "33"),
    ("16", "15", "50", "34"),
];
