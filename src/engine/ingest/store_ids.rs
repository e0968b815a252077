//! Store ids (SPEC §1), interned once into dense indices in first-seen order. An id is its
//! trimmed text, so `42` and `0042` are two stores; the numeric forms only make the one
//! look-up per status row cheap.

use std::sync::Arc;

use rustc_hash::FxHashMap;

/// Index of a store in [`Dataset`]; ids are interned once.
pub type StoreIdx = u32;

/// Store ids, interned once. The public exports' ids — lowercase UUIDs and decimal
/// integers — are looked up by their value as a number: one compact table entry per look-up
/// instead of a pointer chase to a string, once the largest cost of a run (one look-up per
/// status row, and 14 000 ids outgrow the L2 cache; docs/perf-log.md). Each id has exactly
/// one form, so this is exact; any other id goes through the string map.
///
/// A status file read in parts ([`super::FilePart`]) shares the reader's ids read-only:
/// a part looks every row's id up in that snapshot first and keeps only ids new to it.
/// Without the snapshot each part met nearly every store afresh (at 140 000 stores a part
/// sees most of them), interned and copied each one, and the merge interned them all again.
#[derive(Debug, Default)]
pub(super) struct StoreTable {
    /// Ids with their final indices; shared with the parts in flight, so while a part holds
    /// it, new ids go to `own` and are folded in later ([`StoreTable::snapshot`]).
    shared: Arc<IdMaps>,
    /// Ids not in `shared`, with their indices (a part's start at `first_own`).
    own: IdMaps,
    /// The index of `ids[0]`: 0 for a reader; for a part, the reader's store count when the
    /// part was split, so every index the part makes up is above the reader's.
    first_own: StoreIdx,
    /// The text of every id from `first_own` on, in first-seen order.
    pub(super) ids: Vec<Box<str>>,
}

/// The look-up maps of [`StoreTable`], by the id's form.
#[derive(Debug, Default, Clone)]
pub(super) struct IdMaps {
    by_uuid: FxHashMap<u128, StoreIdx>,
    by_number: FxHashMap<u64, StoreIdx>,
    by_text: FxHashMap<Box<str>, StoreIdx>,
}

impl IdMaps {
    #[inline]
    fn get(&self, key: IdKey<'_>) -> Option<StoreIdx> {
        match key {
            IdKey::Uuid(value, _) => self.by_uuid.get(&value).copied(),
            IdKey::Number(value, _) => self.by_number.get(&value).copied(),
            IdKey::Text(text) => self.by_text.get(text).copied(),
        }
    }

    /// The index of `key`, inserting `next` if it is new; and whether it was.
    #[inline]
    fn get_or_insert(&mut self, key: IdKey<'_>, next: StoreIdx) -> (StoreIdx, bool) {
        let idx = match key {
            IdKey::Uuid(value, _) => *self.by_uuid.entry(value).or_insert(next),
            IdKey::Number(value, _) => *self.by_number.entry(value).or_insert(next),
            IdKey::Text(text) => match self.by_text.get(text) {
                Some(&idx) => idx,
                None => {
                    self.by_text.insert(text.into(), next);
                    next
                }
            },
        };
        (idx, idx == next)
    }

    fn len(&self) -> usize {
        self.by_uuid.len() + self.by_number.len() + self.by_text.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn absorb(&mut self, other: &mut IdMaps) {
        self.by_uuid.extend(other.by_uuid.drain());
        self.by_number.extend(other.by_number.drain());
        self.by_text.extend(other.by_text.drain());
    }
}

/// A trimmed, non-empty store id in the form it is looked up by.
#[derive(Debug, Clone, Copy)]
pub(super) enum IdKey<'a> {
    Uuid(u128, &'a [u8]),
    Number(u64, &'a [u8]),
    Text(&'a str),
}

impl<'a> IdKey<'a> {
    /// The id as text (UUIDs and numbers are ASCII digits and letters).
    pub(super) fn as_str(&self) -> &'a str {
        match *self {
            IdKey::Uuid(_, bytes) | IdKey::Number(_, bytes) => {
                std::str::from_utf8(bytes).unwrap_or_default()
            }
            IdKey::Text(text) => text,
        }
    }

    /// `None` for an id that is not UTF-8 (empty ids are caught before).
    pub(super) fn new(id: &'a [u8]) -> Option<IdKey<'a>> {
        if let Some(key) = uuid_value(id) {
            return Some(IdKey::Uuid(key, id));
        }
        if let Some(key) = decimal_value(id) {
            return Some(IdKey::Number(key, id));
        }
        std::str::from_utf8(id).ok().map(IdKey::Text)
    }

    fn text(&self) -> &'a [u8] {
        match *self {
            IdKey::Uuid(_, text) | IdKey::Number(_, text) => text,
            IdKey::Text(text) => text.as_bytes(),
        }
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, as a number.
fn uuid_value(id: &[u8]) -> Option<u128> {
    if id.len() != 36 || id[8] != b'-' || id[13] != b'-' || id[18] != b'-' || id[23] != b'-' {
        return None;
    }
    let (a, b, c, d) = (&id[0..8], &id[9..13], &id[14..18], &id[19..23]);
    let quad = |x: &[u8], y: &[u8]| [x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]];
    let high = (u64::from(hex8(a.try_into().ok()?)?) << 32) | u64::from(hex8(quad(b, c))?);
    let low = (u64::from(hex8(quad(d, &id[24..28]))?) << 32)
        | u64::from(hex8(id[28..36].try_into().ok()?)?);
    Some((u128::from(high) << 64) | u128::from(low))
}

/// Eight lowercase hex digits as a number, eight bytes at a time (SWAR).
#[inline(always)]
fn hex8(digits: [u8; 8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Little-endian: wasm has no byte swap, and `from_be_bytes` cost ~20 instructions.
    let x = u64::from_le_bytes(digits);
    if x & HIGH != 0 {
        return None;
    }
    // With each byte's high bit set, subtracting n leaves it set exactly when byte >= n.
    let at_least = |n: u8| ((x | HIGH) - ONES * u64::from(n)) & HIGH;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    if digit | letter != HIGH {
        return None;
    }
    // '0'..'9' → low nibble; 'a'..'f' (bit 6 set) → low nibble + 9. Byte i is digit i,
    // the first digit the most significant: join neighbours into pairs, pairs into
    // quads, quads into the whole, each time the lower-addressed one on top.
    let mut v = (x & (ONES * 0x0F)) + ((x >> 6) & ONES) * 9;
    v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    v = ((v << 16) | (v >> 32)) & 0xFFFF_FFFF;
    Some(v as u32)
}

/// 1 to 19 decimal digits without a leading zero (so the text is the number's only form).
fn decimal_value(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 19 || (id[0] == b'0' && id.len() > 1) {
        return None;
    }
    let mut value = 0u64;
    for &b in id {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some(value)
}

impl StoreTable {
    /// The index of the store `id` (trimmed text, as read), if it was interned.
    pub(super) fn find(&self, id: &str) -> Option<StoreIdx> {
        let key = IdKey::new(id.as_bytes())?;
        self.shared.get(key).or_else(|| self.own.get(key))
    }

    pub(super) fn intern(&mut self, key: IdKey<'_>) -> StoreIdx {
        if let Some(idx) = self.shared.get(key) {
            return idx;
        }
        let next = self.first_own + self.ids.len() as StoreIdx;
        // A reader whose snapshot no part holds keeps one map (one look-up per row).
        let maps = match Arc::get_mut(&mut self.shared) {
            Some(shared) if self.own.is_empty() => shared,
            _ => &mut self.own,
        };
        let (idx, new) = maps.get_or_insert(key, next);
        if new {
            // Numeric forms are ASCII, so this never replaces anything.
            self.ids.push(String::from_utf8_lossy(key.text()).into());
        }
        idx
    }

    /// The ids read so far, read-only, for a part split off now ([`StoreTable::for_part`]).
    /// Ids added while parts held the last snapshot are folded in once they are an eighth
    /// of it, so the copies this takes sum to a few times the table at most.
    pub(super) fn snapshot(&mut self) -> (Arc<IdMaps>, StoreIdx) {
        if self.own.len() > self.shared.len() / 8 {
            Arc::make_mut(&mut self.shared).absorb(&mut self.own);
        }
        let count = self.first_own + self.ids.len() as StoreIdx;
        (Arc::clone(&self.shared), count)
    }

    /// A part's table: `shared` is the reader's snapshot holding `count` stores; ids new
    /// to it get indices from `count` on.
    pub(super) fn for_part((shared, count): (Arc<IdMaps>, StoreIdx)) -> StoreTable {
        StoreTable {
            shared,
            own: IdMaps::default(),
            first_own: count,
            ids: Vec::new(),
        }
    }

    /// The first index this table made up itself: smaller ones are the reader's.
    pub(super) fn first_own(&self) -> StoreIdx {
        self.first_own
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::Ingest;

    #[test]
    fn stores_keep_their_first_seen_order_whatever_kind_of_id_and_chunk_size() {
        let a = "d84a4552-3668-4075-ad1d-16840294f818";
        let b = "00000000-0000-0000-0000-000000000001";
        let c = "ffffffff-ffff-ffff-ffff-fffffffffffe";
        let text = format!(
            "store_id,status,timestamp_utc\n\
             {a},active,2024-01-01 00:00:00 UTC\n\
             7,active,2024-01-01 00:01:00 UTC\n\
             {b},inactive,2024-01-01 00:02:00 UTC\n\
             {a},inactive,2024-01-01 00:03:00 UTC\n\
             {b},maybe,2024-01-01 00:04:00 UTC\n\
             x y,active,2024-01-01 00:05:00 UTC\n\
             {c},active,2024-01-01 00:06:00 UTC\n\
             7,inactive,2024-01-01 00:07:00 UTC\n"
        );
        let hours = format!(
            "store_id,day,start_time_local,end_time_local\n{c},0,00:00,12:00\n9,1,00:00,12:00\n"
        );
        for chunk in 1..=text.len() {
            let mut ingest = Ingest::new();
            let file = ingest.open_file("status.csv");
            for piece in text.as_bytes().chunks(chunk) {
                ingest.push(file, piece).unwrap();
            }
            let summary = ingest.close_file(file).unwrap().clone();
            assert_eq!(
                (summary.rows, summary.valid_rows, summary.stores),
                (8, 7, 5)
            );
            let hours_file = ingest.open_file("hours.csv");
            ingest.push(hours_file, hours.as_bytes()).unwrap();
            assert_eq!(ingest.close_file(hours_file).unwrap().stores, 2);
            let data = ingest.finish();
            let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                .map(|i| data.store_id(i))
                .collect();
            assert_eq!(ids, [a, "7", b, "x y", c, "9"], "chunk {chunk}");
            let polls: Vec<usize> = (0..6).map(|i| data.poll_count(i)).collect();
            assert_eq!(polls, [2, 2, 1, 1, 1, 0], "chunk {chunk}");
        }
    }

    #[test]
    fn store_id_keys_are_exact() {
        let hex = "0123456789abcdef";
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut id: Vec<u8> = (0..32)
                .map(|i| hex.as_bytes()[((seed >> (i % 16 * 4)) as usize + i) % 16])
                .collect();
            let expected = u128::from_str_radix(std::str::from_utf8(&id).unwrap(), 16).unwrap();
            for at in [8, 13, 18, 23] {
                id.insert(at, b'-');
            }
            assert_eq!(uuid_value(&id), Some(expected));
            // Any byte outside [0-9a-f] anywhere makes it a plain text id.
            let pos = [0, 7, 9, 20, 35][round % 5];
            for bad in [b'/', b':', b'`', b'g', b'A', b'F', 0xC3, b' '] {
                let mut wrong = id.clone();
                wrong[pos] = bad;
                assert_eq!(
                    uuid_value(&wrong),
                    None,
                    "{}",
                    String::from_utf8_lossy(&wrong)
                );
            }
        }
        assert_eq!(
            uuid_value(b"d84a4552-3668-4075-ad1d-16840294f818"),
            Some(0xd84a4552_3668_4075_ad1d_16840294f818)
        );
        assert_eq!(uuid_value(b"d84a4552-3668-4075-ad1d-16840294f81"), None);
        assert_eq!(
            decimal_value(b"8419537941919820732"),
            Some(8_419_537_941_919_820_732)
        );
        assert_eq!(
            decimal_value(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(decimal_value(b"0"), Some(0));
        for not_canonical in [
            &b"01"[..],
            b"12345678901234567890",
            b"-1",
            b"+1",
            b"1e3",
            b"",
        ] {
            assert_eq!(decimal_value(not_canonical), None);
        }
        // Ids that differ only by form stay different stores.
        let mut table = StoreTable::default();
        let ids = [
            "0042",
            "42",
            "D84A4552-3668-4075-AD1D-16840294F818",
            "d84a4552-3668-4075-ad1d-16840294f818",
            "x",
        ];
        let idx: Vec<StoreIdx> = ids
            .iter()
            .map(|id| table.intern(IdKey::new(id.as_bytes()).unwrap()))
            .collect();
        assert_eq!(idx, [0, 1, 2, 3, 4]);
        assert_eq!(table.intern(IdKey::new(b"42").unwrap()), 1);
        assert_eq!(&*table.ids[3], "d84a4552-3668-4075-ad1d-16840294f818");
    }
}
