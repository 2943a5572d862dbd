//! The ECB's daily euro reference rates (the public XML feed; URL configurable, the sandbox serves
//! the same format), stored in `market.fx_rates`. Quotes stay in their native currency and are
//! converted at read time.

use std::str::FromStr;

use chrono::NaiveDate;
use quick_xml::events::Event;
use rust_decimal::Decimal;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::core::domain::Currency;

pub const ECB_DAILY_URL: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";

#[derive(Debug, thiserror::Error)]
pub enum FxError {
    #[error("ECB feed request failed: {0}")]
    Http(String),
    #[error("ECB feed is malformed: {0}")]
    Malformed(String),
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// One day's rates: 1 EUR = `rate` units of each currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcbRates {
    pub date: NaiveDate,
    pub rates: Vec<(Currency, Decimal)>,
}

/// Parses the ECB `eurofxref-daily.xml` format. Currencies we do not handle are skipped.
pub fn parse_ecb(xml: &str) -> Result<EcbRates, FxError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut date = None;
    let mut rates = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "Cube" => {
                let mut currency = None;
                let mut rate = None;
                for attr in e.attributes().flatten() {
                    let value = attr.value.to_string();
                    match attr.key.local_name().as_ref() {
                        "time" => {
                            date =
                                Some(NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(
                                    |_| FxError::Malformed(format!("bad date {value:?}")),
                                )?)
                        }
                        "currency" => currency = Some(value),
                        "rate" => rate = Some(value),
                        _ => {}
                    }
                }
                if let (Some(code), Some(rate)) = (currency, rate) {
                    let rate = Decimal::from_str(&rate)
                        .map_err(|_| FxError::Malformed(format!("bad rate {rate:?} for {code}")))?;
                    if rate <= Decimal::ZERO {
                        return Err(FxError::Malformed(format!("non-positive rate for {code}")));
                    }
                    if let Ok(c) = Currency::from_str(&code) {
                        if c != Currency::EUR {
                            rates.push((c, rate));
                        }
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(FxError::Malformed(e.to_string())),
        }
    }
    let date = date.ok_or_else(|| FxError::Malformed("no Cube with a time attribute".into()))?;
    if rates.is_empty() {
        return Err(FxError::Malformed("no rates".into()));
    }
    Ok(EcbRates { date, rates })
}

/// Fetches the feed.
pub async fn fetch(http: &reqwest::Client, url: &str) -> Result<EcbRates, FxError> {
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| FxError::Http(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(FxError::Http(format!("HTTP {}", resp.status())));
    }
    let body = resp
        .text()
        .await
        .map_err(|e| FxError::Http(e.to_string()))?;
    parse_ecb(&body)
}

/// Stores one day's rates (idempotent). Returns the number of rates written.
pub async fn store<C: GenericClient>(c: &C, rates: &EcbRates) -> Result<u64, FxError> {
    let quotes: Vec<&str> = rates.rates.iter().map(|(c, _)| c.code()).collect();
    let values: Vec<Decimal> = rates.rates.iter().map(|(_, r)| *r).collect();
    let rows = c
        .query_typed(
            "WITH ins AS (
               INSERT INTO market.fx_rates (rate_date, base, quote, rate, source)
               SELECT $1, 'EUR', q, r, 'ecb' FROM unnest($2::text[], $3::numeric[]) AS t(q, r)
               ON CONFLICT (rate_date, base, quote) DO UPDATE SET rate = EXCLUDED.rate, fetched_at = now()
               WHERE market.fx_rates.rate IS DISTINCT FROM EXCLUDED.rate
               RETURNING 1
             ) SELECT count(*) FROM ins",
            &[
                (&rates.date, Type::DATE),
                (&quotes, Type::TEXT_ARRAY),
                (&values, Type::NUMERIC_ARRAY),
            ],
        )
        .await?;
    Ok(rows[0].get::<_, i64>(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
	<Cube>
		<Cube time='2026-11-27'>
			<Cube currency='USD' rate='1.0512'/>
			<Cube currency='JPY' rate='158.93'/>
			<Cube currency='GBP' rate='0.83245'/>
			<Cube currency='ISK' rate='146.10'/>
		</Cube>
	</Cube>
</gesmes:Envelope>"#;

    #[test]
    fn parses_the_ecb_daily_feed() {
        let r = parse_ecb(SAMPLE).unwrap();
        assert_eq!(r.date, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        assert_eq!(r.rates.len(), 3, "ISK is not a currency we handle");
        assert!(r
            .rates
            .contains(&(Currency::GBP, Decimal::from_str("0.83245").unwrap())));
    }

    #[test]
    fn rejects_html_and_empty_feeds() {
        assert!(parse_ecb("<html><body>502 Bad Gateway</body></html>").is_err());
        assert!(parse_ecb("<Cube><Cube time='2026-11-27'></Cube></Cube>").is_err());
        assert!(parse_ecb(
            "<Cube><Cube time='2026-11-27'><Cube currency='USD' rate='-1'/></Cube></Cube>"
        )
        .is_err());
    }
}
