//! Store ids (SPEC §1), interned once into dense indices in first-seen order. An id is its
//! trimmed text, so `42` and `0042` are two stores; the numeric forms only make the one
//! look-up per status row cheap.

use std::sync::Arc;

use rustc_hash::FxHashMap;

/// Status or hours rows whose ids are looked up together ([`StoreTable::intern_batch`]). 64 rather
/// than 32: the page's ingest at 10× took 9 % less (more cache misses waited for at once in
/// wasm); natively, and at 128, no difference (docs/perf-log.md).
pub(super) const ID_BATCH: usize = 64;

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
    by_uuid: UuidTable,
    by_number: NumberTable,
    by_text: FxHashMap<Box<str>, StoreIdx>,
}

/// A store id as a key of [`IdMaps`].
#[derive(Debug, Clone, Copy)]
enum MapKey<'a> {
    Uuid([u64; 2]),
    Number(u64),
    Text(&'a str),
}

impl<'a> From<IdKey<'a>> for MapKey<'a> {
    fn from(key: IdKey<'a>) -> Self {
        match key {
            IdKey::Uuid(value, _) => MapKey::Uuid(uuid_words(value)),
            IdKey::Number(value, _) => MapKey::Number(value),
            IdKey::Text(text) => MapKey::Text(text),
        }
    }
}

impl From<PackedId> for MapKey<'_> {
    fn from(id: PackedId) -> Self {
        match id {
            PackedId::Uuid(value) => MapKey::Uuid(uuid_words(value)),
            PackedId::Number(value) => MapKey::Number(value),
        }
    }
}

fn uuid_words(value: u128) -> [u64; 2] {
    [(value >> 64) as u64, value as u64]
}

impl IdMaps {
    #[inline]
    fn get(&self, key: MapKey<'_>) -> Option<StoreIdx> {
        match key {
            MapKey::Uuid(value) => self.by_uuid.get(value),
            MapKey::Number(value) => self.by_number.get(value),
            MapKey::Text(text) => self.by_text.get(text).copied(),
        }
    }

    /// The indices of a batch of ids ([`IdTable::find_many`]), `EMPTY` for ids not in the
    /// maps. A batch is of one form in practice (a file's ids are); a mixed one is left
    /// all `EMPTY`, to be looked up id by id.
    #[inline]
    fn find_many(&self, ids: &[PackedId], found: &mut [StoreIdx; ID_BATCH]) {
        let mut uuids = [[0u64; 2]; ID_BATCH];
        let mut numbers = [0u64; ID_BATCH];
        let (mut all_uuids, mut all_numbers) = (true, true);
        for ((id, uuid), number) in ids.iter().zip(&mut uuids).zip(&mut numbers) {
            match *id {
                PackedId::Uuid(value) => {
                    *uuid = uuid_words(value);
                    all_numbers = false;
                }
                PackedId::Number(value) => {
                    *number = value;
                    all_uuids = false;
                }
            }
        }
        let n = ids.len();
        if all_uuids {
            self.by_uuid.find_many(&uuids[..n], found);
        } else if all_numbers {
            self.by_number.find_many(&numbers[..n], found);
        }
    }

    /// Starts reading the bucket where `id` would be ([`IdTable::prefetch`]).
    #[inline]
    fn prefetch(&self, id: PackedId) {
        match id {
            PackedId::Uuid(value) => self.by_uuid.prefetch(uuid_words(value)),
            PackedId::Number(value) => self.by_number.prefetch(value),
        }
    }

    /// The index of `key`, inserting `next` if it is new; and whether it was.
    #[inline]
    fn get_or_insert(&mut self, key: MapKey<'_>, next: StoreIdx) -> (StoreIdx, bool) {
        let idx = match key {
            MapKey::Uuid(value) => self.by_uuid.get_or_insert(value, next),
            MapKey::Number(value) => self.by_number.get_or_insert(value, next),
            MapKey::Text(text) => match self.by_text.get(text) {
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
        self.by_uuid.absorb(&mut other.by_uuid);
        self.by_number.absorb(&mut other.by_number);
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
pub(super) fn uuid_value(id: &[u8]) -> Option<u128> {
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

/// Eight lowercase hex digits as a number, eight bytes at a time ([`crate::engine::swar`]).
#[inline(always)]
fn hex8(digits: [u8; 8]) -> Option<u32> {
    use crate::engine::swar::{in_range, HIGH_BITS, ONES};
    let x = u64::from_le_bytes(digits);
    if in_range(x, b'0', b'9') | in_range(x, b'a', b'f') != HIGH_BITS {
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
pub(super) fn decimal_value(id: &[u8]) -> Option<u64> {
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

/// A store id in one of its numeric forms, as kept while a status row's look-up waits for
/// the rest of its batch ([`StoreTable::intern_batch`]). The text is not kept: each numeric
/// form has exactly one text ([`PackedId::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PackedId {
    Uuid(u128),
    Number(u64),
}

impl PackedId {
    /// The id's form for a batched look-up; `None` for free text (looked up at once).
    pub(super) fn of(key: IdKey<'_>) -> Option<PackedId> {
        match key {
            IdKey::Uuid(value, _) => Some(PackedId::Uuid(value)),
            IdKey::Number(value, _) => Some(PackedId::Number(value)),
            IdKey::Text(_) => None,
        }
    }

    /// The id's text as read: [`uuid_value`] and [`decimal_value`] accept only one spelling
    /// of each value (lowercase hex with dashes; digits without a leading zero).
    fn text(self) -> Box<str> {
        match self {
            PackedId::Uuid(value) => uuid_text(value).into(),
            PackedId::Number(value) => value.to_string().into(),
        }
    }
}

/// A UUID's one spelling that [`uuid_value`] reads: lowercase hex with dashes (also how
/// the data generator writes its ids).
pub(crate) fn uuid_text(value: u128) -> String {
    let hex = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// 2^64 divided by the golden ratio: multiplying by it is Fibonacci hashing, whose
/// product's high bits depend on every bit of the key.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

/// A key of an [`IdTable`]: a number, with a hash whose high bits spread ids that differ
/// anywhere (sequential numbers, UUIDs that share a prefix).
pub(super) trait TableKey: Copy + Eq + Default {
    fn spread(self) -> u64;
}

impl TableKey for u64 {
    #[inline]
    fn spread(self) -> u64 {
        self.wrapping_mul(FIBONACCI)
    }
}

/// A UUID as two words: `u128` would make each slot 16-byte aligned, 32 bytes instead of 24.
impl TableKey for [u64; 2] {
    #[inline]
    fn spread(self) -> u64 {
        (self[0] ^ self[1].rotate_left(29).wrapping_mul(0xA076_1D64_78BD_642F))
            .wrapping_mul(FIBONACCI)
    }
}

/// An open-addressing hash table from a numeric store id to its index, in buckets of one
/// 64-byte cache line: `N` keys with their indices. A look-up reads one cache line — the
/// key's home bucket — unless that bucket is full and the key was put in a later one.
/// Hand-written rather than a `HashMap` because the batched look-up
/// ([`IdTable::find_many`]) needs each key's home bucket before it looks: reading the home
/// buckets of a whole batch lets the processor wait for them all at once instead of one
/// after another (at 140 000 stores the table is larger than the L2 cache, and each status
/// row's look-up waited for memory alone). Buckets, not single slots, because a slot of a
/// UUID and its index (24 bytes) and the slot after it spanned two cache lines most of
/// the time: twice the memory traffic (docs/perf-log.md).
#[derive(Debug, Clone, Default)]
pub(super) struct IdTable<K, const N: usize> {
    /// A power of two in length (or empty), linear probing over buckets; a bucket fills from
    /// its first slot, and `idx == EMPTY` marks a free slot.
    buckets: Vec<Bucket<K, N>>,
    len: usize,
    /// `64 - log2(buckets.len())`: a key's home bucket is its spread's top bits.
    shift: u32,
}

/// UUIDs: three keys of 16 bytes and their indices, 60 of a bucket's 64 bytes.
pub(super) type UuidTable = IdTable<[u64; 2], 3>;
/// Decimal ids: five keys of 8 bytes and their indices.
pub(super) type NumberTable = IdTable<u64, 5>;

#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Bucket<K, const N: usize> {
    keys: [K; N],
    idx: [StoreIdx; N],
}

impl<K: TableKey, const N: usize> Default for Bucket<K, N> {
    fn default() -> Self {
        Bucket {
            keys: [K::default(); N],
            idx: [EMPTY; N],
        }
    }
}

/// Where a key is in its bucket, or why it is not.
enum InBucket {
    At(usize),
    /// A free slot: the key is in no later bucket either (buckets fill in order).
    Free(usize),
    /// Full without it: it may be in a later bucket.
    Full,
}

impl<K: TableKey, const N: usize> Bucket<K, N> {
    /// The keys held, with their indices.
    fn entries(&self) -> impl Iterator<Item = (K, StoreIdx)> + '_ {
        let held = self.idx.iter().take_while(|&&idx| idx != EMPTY);
        self.keys.iter().copied().zip(held.copied())
    }

    /// `key`'s index if the bucket holds it (else `EMPTY`), and whether the bucket is full,
    /// computed with selects rather than branches.
    #[inline]
    fn search(&self, key: K) -> (StoreIdx, bool) {
        let mut at = EMPTY;
        for (&k, &idx) in self.keys.iter().zip(&self.idx) {
            at = if (k == key) & (idx != EMPTY) { idx } else { at };
        }
        (at, self.idx[N - 1] != EMPTY)
    }

    /// Where `key` is, stopping at the first free slot or match: for one look-up or an
    /// insert, where branching early is cheaper than [`Bucket::search`]'s full pass.
    #[inline]
    fn find(&self, key: K) -> InBucket {
        for i in 0..N {
            if self.idx[i] == EMPTY {
                return InBucket::Free(i);
            }
            if self.keys[i] == key {
                return InBucket::At(i);
            }
        }
        InBucket::Full
    }
}

const EMPTY: StoreIdx = StoreIdx::MAX;

impl<K: TableKey, const N: usize> IdTable<K, N> {
    #[inline]
    fn home_bucket(&self, key: K) -> usize {
        (key.spread() >> self.shift) as usize
    }

    pub(super) fn get(&self, key: K) -> Option<StoreIdx> {
        if self.buckets.is_empty() {
            return None;
        }
        let mask = self.buckets.len() - 1;
        let mut at = self.home_bucket(key);
        loop {
            let bucket = &self.buckets[at];
            match bucket.find(key) {
                InBucket::At(i) => return Some(bucket.idx[i]),
                InBucket::Free(_) => return None,
                InBucket::Full => at = (at + 1) & mask,
            }
        }
    }

    /// The indices of `keys` in `found` (`EMPTY` for keys not in the table). Each home
    /// bucket is searched without a branch on what it holds ([`Bucket::search`]), so the
    /// processor never waits for one key's bucket to decide what to do next and reads the
    /// buckets of many keys at once (at 140 000 stores the table is larger than the L2
    /// cache). Keys whose home bucket was full without them (at 140 000 stores one in
    /// thirty natively, one in six in wasm: [`IdTable::over_full`]) are then searched for
    /// in the next bucket, all of them in one such pass, and so on. (Looked up one by one,
    /// each of them waited for its own read: in wasm 4 % of the ingest at 10×.)
    #[inline]
    pub(super) fn find_many(&self, keys: &[K], found: &mut [StoreIdx; ID_BATCH]) {
        if self.buckets.is_empty() {
            found.fill(EMPTY);
            return;
        }
        // Positions in `keys` of the keys still to find, and how many: kept without a
        // branch too. A key is absent once a bucket that is not full lacks it, as inserts
        // fill the first bucket with room from the home bucket on (the table always has
        // room, so every key stops).
        let mut away = [0u8; ID_BATCH];
        let mut count = 0;
        for (i, (&key, found)) in keys.iter().zip(found.iter_mut()).enumerate() {
            let (idx, full) = self.buckets[self.home_bucket(key)].search(key);
            *found = idx;
            away[count] = i as u8;
            count += usize::from(full & (idx == EMPTY));
        }
        let mask = self.buckets.len() - 1;
        let mut step = 0;
        while count > 0 {
            step += 1;
            let mut still = 0;
            for j in 0..count {
                // `still <= j`: each slot is read before it is overwritten.
                let i = usize::from(away[j]);
                let at = (self.home_bucket(keys[i]) + step) & mask;
                let (idx, full) = self.buckets[at].search(keys[i]);
                found[i] = idx;
                away[still] = i as u8;
                still += usize::from(full & (idx == EMPTY));
            }
            count = still;
        }
    }

    /// Asks the processor to start reading `key`'s home bucket, so that the batched look-up
    /// ([`IdTable::find_many`]) a few dozen rows later finds it in the cache. Natively on
    /// x86-64 only: WebAssembly has no prefetch instruction.
    #[inline]
    pub(super) fn prefetch(&self, key: K) {
        #[cfg(target_arch = "x86_64")]
        if let Some(bucket) = self.buckets.get(self.home_bucket(key)) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch is a hint that reads nothing into the program and never
            // faults; the address is a live bucket anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(bucket).cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// The index of `key`, inserting `next` if it is new.
    pub(super) fn get_or_insert(&mut self, key: K, next: StoreIdx) -> StoreIdx {
        if self.over_full(self.len + 1) {
            self.grow();
        }
        let mask = self.buckets.len() - 1;
        let mut at = self.home_bucket(key);
        loop {
            let bucket = &mut self.buckets[at];
            match bucket.find(key) {
                InBucket::At(i) => return bucket.idx[i],
                InBucket::Free(i) => {
                    bucket.keys[i] = key;
                    bucket.idx[i] = next;
                    self.len += 1;
                    return next;
                }
                InBucket::Full => at = (at + 1) & mask,
            }
        }
    }

    /// Whether `len` keys would fill the table over its most: half natively, three
    /// quarters in wasm. At three quarters, one key in six at 140 000 stores is not in its
    /// home bucket and takes a second, dependent read (one in thirty at half), but the
    /// table is half the size (4 MB of UUIDs at 140 000 stores, not 8). Natively, where each
    /// bucket is prefetched while its row is read, half full made the ingest on one thread
    /// 7 % faster at 14 000 stores and 2 % at 140 000; in wasm, with no prefetch, it made
    /// it 6 % slower at 140 000 and no faster at 14 000 (docs/perf-log.md, "2026-12-01,
    /// day").
    fn over_full(&self, len: usize) -> bool {
        let slots = self.buckets.len() * N;
        if cfg!(target_arch = "wasm32") {
            len * 4 > slots * 3
        } else {
            len * 2 > slots
        }
    }

    fn grow(&mut self) {
        let capacity = (self.buckets.len() * 2).max(4);
        let old = std::mem::replace(&mut self.buckets, vec![Bucket::default(); capacity]);
        self.shift = 64 - capacity.trailing_zeros();
        self.len = 0;
        for (key, idx) in old.iter().flat_map(Bucket::entries) {
            self.get_or_insert(key, idx);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Moves every entry of `other` here (keys in both keep this table's index).
    ///
    /// `other`'s entries come in the order of their home buckets there. Into a smaller
    /// table, several of its buckets land on one here, so the first buckets overflowed and
    /// each insert probed a run that kept growing (quadratic: the CLI's first merge of
    /// 140 000 new stores into an empty table took 100 ms). Grown to `other`'s size first,
    /// a bucket of `other` spreads over one or more buckets here instead.
    fn absorb(&mut self, other: &mut IdTable<K, N>) {
        let entries = std::mem::take(&mut other.buckets);
        while self.buckets.len() < entries.len() || self.over_full(self.len + other.len) {
            self.grow();
        }
        for (key, idx) in entries.iter().flat_map(Bucket::entries) {
            self.get_or_insert(key, idx);
        }
        other.len = 0;
        other.shift = 0;
    }
}

impl StoreTable {
    /// The index of the store `id` (trimmed text, as read), if it was interned.
    pub(super) fn find(&self, id: &str) -> Option<StoreIdx> {
        let key = MapKey::from(IdKey::new(id.as_bytes())?);
        self.shared.get(key).or_else(|| self.own.get(key))
    }

    pub(super) fn intern(&mut self, key: IdKey<'_>) -> StoreIdx {
        // Numeric forms are ASCII, so the lossy conversion never replaces anything.
        self.intern_key(key.into(), || String::from_utf8_lossy(key.text()).into())
    }

    /// Starts reading where `id` would be found, for a batched look-up soon after.
    #[inline]
    pub(super) fn prefetch(&self, id: PackedId) {
        self.shared.prefetch(id);
    }

    /// Interns the ids of consecutive status or hours rows, in order, into `out`: the same
    /// indices as interning them one by one. The ids are looked up together
    /// ([`IdMaps::find_many`]), so the memory latency of a batch is paid about once instead
    /// of once per row; only ids not in the table take the usual path.
    pub(super) fn intern_batch(&mut self, ids: &[PackedId], out: &mut [StoreIdx]) {
        for (chunk, out) in ids.chunks(ID_BATCH).zip(out.chunks_mut(ID_BATCH)) {
            let mut found = [EMPTY; ID_BATCH];
            self.shared.find_many(chunk, &mut found);
            for ((store, &id), found) in out.iter_mut().zip(chunk).zip(found) {
                *store = if found != EMPTY {
                    found
                } else {
                    self.intern_key(id.into(), || id.text())
                };
            }
        }
    }

    fn intern_key(&mut self, key: MapKey<'_>, text: impl FnOnce() -> Box<str>) -> StoreIdx {
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
            self.ids.push(text());
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
    fn stores_are_read_in_first_seen_order_and_numbered_by_id_whatever_kind_and_chunk_size() {
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
            let read: Vec<&str> = ingest.stores.ids.iter().map(|id| &**id).collect();
            assert_eq!(read, [a, "7", b, "x y", c, "9"], "chunk {chunk}");
            let data = ingest.finish();
            let ids: Vec<&str> = (0..data.store_count() as StoreIdx)
                .map(|i| data.store_id(i))
                .collect();
            assert_eq!(ids, [b, "7", "9", a, c, "x y"], "chunk {chunk}");
            let polls: Vec<usize> = (0..6).map(|i| data.poll_count(i)).collect();
            assert_eq!(polls, [1, 2, 0, 2, 1, 1], "chunk {chunk}");
            let hours: Vec<usize> = (0..6).map(|i| data.hours(i).len()).collect();
            assert_eq!(hours, [0, 0, 1, 0, 1, 0], "chunk {chunk}");
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

    /// A stream of the data generator's random numbers, for the tests below.
    fn numbers(seed: u64) -> impl Iterator<Item = u64> {
        let mut rng = crate::generate::rng::Rng::new(seed, 0);
        std::iter::from_fn(move || Some(rng.next_u64()))
    }

    #[test]
    fn the_id_table_agrees_with_a_hash_map_through_growth_clones_and_merges() {
        let mut table = NumberTable::default();
        let mut reference = std::collections::HashMap::new();
        let mut found = [0; ID_BATCH];
        table.find_many(&[5], &mut found);
        assert_eq!((table.get(5), found[0]), (None, EMPTY));
        // Sequential ids, multiples of a large power of two and random ones: each kind of
        // key the hash must spread.
        let keys: Vec<u64> = (0..3_000)
            .chain((0..3_000).map(|i| i << 40))
            .chain(numbers(7).take(3_000))
            .collect();
        for (i, &key) in keys.iter().enumerate() {
            let next = reference.len() as StoreIdx;
            let expected = *reference.entry(key).or_insert(next);
            assert_eq!(table.get_or_insert(key, next), expected, "key {key} at {i}");
        }
        assert_eq!(table.len(), reference.len());
        let mut other = NumberTable::default();
        for key in numbers(99).take(500) {
            other.get_or_insert(key, 1_000_000 + other.len() as StoreIdx);
        }
        let copy = table.clone();
        table.absorb(&mut other);
        assert_eq!(other.len(), 0);
        assert_eq!(other.get(keys[0]), None);
        for key in numbers(99).take(500) {
            assert!(table.get(key).is_some_and(|i| i >= 1_000_000));
        }
        for (&key, &idx) in &reference {
            assert_eq!((table.get(key), copy.get(key)), (Some(idx), Some(idx)));
        }
        // A batched look-up agrees with `get`, for keys at home, keys pushed to later
        // buckets (a full batch of them at once) and keys not held.
        let mut held: Vec<u64> = reference.keys().copied().collect();
        held.sort_unstable();
        let absent = numbers(12345).take(2_000);
        let all: Vec<u64> = held
            .iter()
            .flat_map(|&k| [k, k ^ 1])
            .chain(absent)
            .collect();
        let (mut at_home, mut away) = (0, 0);
        for batch in all.chunks(ID_BATCH) {
            table.find_many(batch, &mut found);
            for (&key, &idx) in batch.iter().zip(&found) {
                let expected = reference.get(&key).copied();
                assert_eq!(table.get(key), expected, "key {key}");
                assert_eq!(Some(idx).filter(|&i| i != EMPTY), expected, "key {key}");
                if expected.is_some() {
                    let home = &table.buckets[table.home_bucket(key)];
                    match home.find(key) {
                        InBucket::At(_) => at_home += 1,
                        _ => away += 1,
                    }
                }
            }
        }
        // Both kinds were met, and most keys are at home.
        assert!(
            away > 0 && at_home > away * 4,
            "{at_home} at home, {away} away"
        );
    }

    thread_local! {
        static COMPARISONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// A number key that counts how often it is compared: the work a table does.
    #[derive(Debug, Clone, Copy, Default, Eq)]
    struct Counted(u64);

    impl PartialEq for Counted {
        fn eq(&self, other: &Self) -> bool {
            COMPARISONS.with(|c| c.set(c.get() + 1));
            self.0 == other.0
        }
    }

    impl TableKey for Counted {
        fn spread(self) -> u64 {
            self.0.spread()
        }
    }

    #[test]
    fn absorbing_a_larger_table_takes_linear_work() {
        // Absorbed in the larger table's bucket order into a smaller one, keys used to pile
        // into its first buckets, and each insert walked the pile: quadratic.
        for (size, already) in [(40_000, 0), (40_000, 10), (100_000, 5_000)] {
            let mut large = IdTable::<Counted, 5>::default();
            for (i, key) in numbers(5).take(size).enumerate() {
                large.get_or_insert(Counted(key), i as StoreIdx);
            }
            let mut small = IdTable::<Counted, 5>::default();
            for (i, key) in numbers(6).take(already).enumerate() {
                small.get_or_insert(Counted(key), 1_000_000 + i as StoreIdx);
            }
            COMPARISONS.with(|c| c.set(0));
            small.absorb(&mut large);
            let work = COMPARISONS.with(std::cell::Cell::get);
            assert!(work < 8 * size as u64, "{work} comparisons for {size} keys");
            assert_eq!(small.len(), size + already);
            for (i, key) in numbers(5).take(size).enumerate() {
                assert_eq!(small.get(Counted(key)), Some(i as StoreIdx));
            }
        }
    }

    #[test]
    fn a_numeric_id_is_rebuilt_as_the_text_it_was_read_from() {
        for (i, value) in numbers(3).take(5_000).enumerate() {
            let uuid = (u128::from(value) << 64) | u128::from(value.rotate_left(17) >> (i % 64));
            let text = PackedId::Uuid(uuid).text();
            assert_eq!(uuid_value(text.as_bytes()), Some(uuid), "{text}");
            // `decimal_value` reads at most 19 digits.
            let number = (value >> (i % 64)) % 10_000_000_000_000_000_000;
            let text = PackedId::Number(number).text();
            assert_eq!(decimal_value(text.as_bytes()), Some(number), "{text}");
        }
        assert_eq!(
            &*PackedId::Uuid(1).text(),
            "00000000-0000-0000-0000-000000000001"
        );
        assert_eq!(&*PackedId::Number(0).text(), "0");
    }

    #[test]
    fn batched_look_ups_number_stores_as_reading_row_by_row_would() {
        // Enough rows for many batches, with free-text ids (looked up at once) between
        // numeric ones (looked up in batches), ids repeating, and invalid rows between.
        let ids: Vec<String> = numbers(11)
            .take(4_000)
            .map(|n| match n % 7 {
                0 => format!("store {}", n % 50),
                1 | 2 => format!("{}", n % 300),
                3 => "007".to_string(),
                _ => {
                    let v = u128::from(n % 400) * 0x0123_4567_89ab_cdef_0011;
                    PackedId::Uuid(v).text().into()
                }
            })
            .collect();
        let mut text = String::from("store_id,status,timestamp_utc\n");
        for (i, id) in ids.iter().enumerate() {
            let status = if i % 13 == 5 { "broken" } else { "active" };
            text.push_str(&format!(
                "{id},{status},2024-01-01 00:{:02}:00 UTC\n",
                i % 60
            ));
        }
        let valid: Vec<&String> = (0..ids.len())
            .filter(|i| i % 13 != 5)
            .map(|i| &ids[i])
            .collect();
        let mut first_seen: Vec<&str> = Vec::new();
        for id in &valid {
            if !first_seen.contains(&id.as_str()) {
                first_seen.push(id);
            }
        }
        // An hours file with the same ids, backwards, and a bad weekday now and then.
        let mut hours = String::from("store_id,day,start_time_local,end_time_local\n");
        for (i, id) in ids.iter().rev().enumerate() {
            let day = if i % 11 == 3 { "8" } else { "1" };
            hours.push_str(&format!("{id},{day},09:{:02},17:00\n", i % 60));
        }
        let hour_rows = |id: &str| {
            let rows = ids.iter().rev().enumerate();
            rows.filter(|&(i, other)| i % 11 != 3 && other == id)
                .count()
        };
        // Ids first met in the hours file (their status rows were all invalid) come last.
        let mut read_order = first_seen.clone();
        let mut in_hours: Vec<&str> = Vec::new();
        for (i, id) in ids.iter().rev().enumerate() {
            if i % 11 != 3 && !in_hours.contains(&id.as_str()) {
                in_hours.push(id);
                if !read_order.contains(&id.as_str()) {
                    read_order.push(id);
                }
            }
        }
        let mut sorted = read_order.clone();
        sorted.sort_unstable();
        for chunk in [1, 7, 64, 1000, text.len()] {
            let mut ingest = Ingest::new();
            for (name, text) in [("status.csv", &text), ("hours.csv", &hours)] {
                let file = ingest.open_file(name);
                for piece in text.as_bytes().chunks(chunk) {
                    ingest.push(file, piece).unwrap();
                }
                ingest.close_file(file).unwrap();
            }
            let summary = &ingest.files()[0];
            assert_eq!(summary.valid_rows, valid.len() as u64);
            assert_eq!(summary.stores, first_seen.len() as u64, "chunk {chunk}");
            assert_eq!(ingest.files()[1].stores, in_hours.len() as u64);
            // Read, stores are numbered as first seen; the dataset numbers them by id.
            let read: Vec<&str> = ingest.stores.ids.iter().map(|id| &**id).collect();
            assert_eq!(read, read_order, "chunk {chunk}");
            let data = ingest.finish();
            let stores: Vec<&str> = (0..data.store_count() as StoreIdx)
                .map(|i| data.store_id(i))
                .collect();
            assert_eq!(stores, sorted, "chunk {chunk}");
            // One observation per store and timestamp (SPEC §5): row i is at minute i % 60.
            for (i, id) in sorted.iter().enumerate() {
                let minutes: std::collections::BTreeSet<usize> = (0..ids.len())
                    .filter(|&row| row % 13 != 5 && ids[row] == *id)
                    .map(|row| row % 60)
                    .collect();
                let store = i as StoreIdx;
                assert_eq!(data.poll_count(store), minutes.len(), "chunk {chunk}");
                assert_eq!(data.hours(store).len(), hour_rows(id), "{id} chunk {chunk}");
                assert_eq!(data.find_store(id), Some(store));
            }
        }
    }
}
