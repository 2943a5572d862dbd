//! The ECB's daily euro reference rates feed (`eurofxref-daily.xml`), so the daily FX job runs
//! against the sandbox locally. Rates are fixed reference values that drift deterministically
//! with the price bucket, dated today (UTC).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::App;

/// 1 EUR = rate, in ten-thousandths (the ECB publishes 4–5 significant digits).
const BASE_RATES: &[(&str, i64)] = &[
    ("USD", 10_512),
    ("GBP", 8_325),
    ("JPY", 1_589_300),
    ("CHF", 9_384),
];

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/ecb/eurofxref-daily.xml", get(daily))
}

async fn daily(State(app): State<Arc<App>>) -> impl IntoResponse {
    let drift = (app.bucket() % 7) as i64 - 3; // ±0.3% steps
    let today = chrono::Utc::now().date_naive();
    let mut cubes = String::new();
    for (code, base) in BASE_RATES {
        let v = base + base * drift / 1000;
        cubes.push_str(&format!(
            "\t\t\t<Cube currency='{code}' rate='{}.{:04}'/>\n",
            v / 10_000,
            v % 10_000
        ));
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\t<gesmes:subject>Reference rates</gesmes:subject>\n\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n\t<Cube>\n\t\t<Cube time='{today}'>\n{cubes}\t\t</Cube>\n\t</Cube>\n</gesmes:Envelope>\n"
    );
    ([(header::CONTENT_TYPE, "text/xml")], body)
}
