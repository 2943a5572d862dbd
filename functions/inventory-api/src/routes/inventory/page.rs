//! Which items one `GET /v1/inventory` returns: the table's filters (`brand`, `listed`, `q`),
//! which also decide the totals, and a keyset page (`limit`, `cursor`) over the filtered set.
//!
//! Totals are always over the whole filtered set, never over the page, so they match the table
//! the user sees. The page bounds the response (Lambda's limit is 6 MB; a 20,000-pair inventory
//! is about 30 MB of JSON), not the valuation work.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::api::Query;
use uuid::Uuid;

use super::rows::{ItemRow, ProductRow};

/// Items per page unless `limit` says otherwise, and the most a page may hold.
pub(super) const DEFAULT_LIMIT: i64 = 200;
pub(super) const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Default)]
pub(super) struct Filters {
    /// Case-insensitive brand (`Nike`, `adidas`, `New Balance`).
    brand: Option<String>,
    /// `true`: only pairs with an active listing; `false`: only unlisted pairs.
    listed: Option<bool>,
    /// Case-insensitive text in the style code, product name or colorway.
    q: Option<String>,
}

impl Filters {
    pub(super) fn parse(q: &mut Query) -> Filters {
        let listed = match q.string("listed", 5).as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                q.invalid("listed", "must be true or false");
                None
            }
        };
        Filters {
            brand: q.string("brand", 40).map(|b| b.to_lowercase()),
            listed,
            q: q.string("q", 80).map(|t| t.to_lowercase()),
        }
    }

    /// Whether the item is in the table the user sees.
    pub(super) fn admit(&self, item: &ItemRow, product: Option<&ProductRow>) -> bool {
        if let Some(listed) = self.listed {
            if item.listings.is_empty() == listed {
                return false;
            }
        }
        if let Some(brand) = &self.brand {
            if product.map(|p| p.brand.to_lowercase()).as_deref() != Some(brand.as_str()) {
                return false;
            }
        }
        if let Some(text) = &self.q {
            let hit = |s: &str| s.to_lowercase().contains(text.as_str());
            let in_product = product.is_some_and(|p| {
                hit(&p.name) || hit(&p.style_code) || p.colorway.as_deref().is_some_and(hit)
            });
            if !(hit(&item.style_id) || in_product) {
                return false;
            }
        }
        true
    }
}

/// A position in the item order (`created_at`, `id`), as the opaque `next_cursor` string
/// `<microseconds since the epoch>.<item id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Cursor {
    created_at_us: i64,
    id: Uuid,
}

impl Cursor {
    pub(super) fn of(created_at: DateTime<Utc>, id: Uuid) -> Cursor {
        Cursor {
            created_at_us: created_at.timestamp_micros(),
            id,
        }
    }

    pub(super) fn parse(q: &mut Query) -> Option<Cursor> {
        let raw = q.string("cursor", 60)?;
        let parsed = Cursor::decode(&raw);
        if parsed.is_none() {
            q.invalid("cursor", "not a cursor this API returned (next_cursor)");
        }
        parsed
    }

    fn encode(&self) -> String {
        format!("{}.{}", self.created_at_us, self.id)
    }

    fn decode(raw: &str) -> Option<Cursor> {
        let (t, id) = raw.split_once('.')?;
        Some(Cursor {
            created_at_us: t.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

#[derive(Debug, Serialize)]
pub(super) struct PageOut {
    pub(super) limit: i64,
    pub(super) returned: usize,
    /// Items in the filtered set (the page is a slice of it; totals cover all of it).
    pub(super) total_items: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    pub(super) next_cursor: Option<String>,
}

/// The page after `after` of the filtered items' cursors (sorted, as the query returns the
/// items): the range of positions it holds, and its summary.
pub(super) fn window(
    keys: &[Cursor],
    after: Option<Cursor>,
    limit: i64,
) -> (std::ops::Range<usize>, PageOut) {
    let total_items = keys.len();
    let start = after.map_or(0, |c| keys.partition_point(|k| *k <= c));
    let limit_n = usize::try_from(limit).unwrap_or(usize::MAX);
    let end = start.saturating_add(limit_n).min(total_items);
    let next_cursor = (end < total_items && end > start).then(|| keys[end - 1].encode());
    (
        start..end,
        PageOut {
            limit,
            returned: end - start,
            total_items,
            next_cursor,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: i64) -> Vec<Cursor> {
        (0..n)
            .map(|i| Cursor {
                created_at_us: i / 2, // pairs share a timestamp: the id breaks the tie
                id: Uuid::from_u128(i as u128),
            })
            .collect()
    }

    #[test]
    fn walking_the_cursor_returns_every_item_once() {
        let all = keys(25);
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let (page, out) = window(&all, after, 4);
            assert_eq!(out.returned, page.len());
            assert_eq!(out.total_items, 25);
            seen.extend(page);
            match out.next_cursor {
                Some(c) => after = Some(Cursor::decode(&c).expect("a cursor we encoded")),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn a_cursor_past_a_deleted_item_still_continues_after_it() {
        let mut items = keys(10);
        let gone = items.remove(4);
        let (page, _) = window(&items, Some(gone), 3);
        // Positions 4..7 of the nine left are the items first numbered 5, 6 and 7.
        assert_eq!(page, 4..7);
        assert_eq!(items[4], keys(10)[5]);
    }
}
