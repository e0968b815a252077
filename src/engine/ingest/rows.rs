//! Row decoding (SPEC §1; docs/semantics.md, "Reading the files"): the first record is the
//! header; each later one becomes a status poll, a business-hours rule or a timezone, or is
//! skipped with its reason, line and column.

use chrono_tz::Tz;

use super::dataset::{pack_poll, StoreName};
use super::reader::{Fields, MAX_FIELDS, MAX_ROW_BYTES, SNIPPET_CHARS};
use super::schema::Layout;
use super::schema::{classify, is_header_name, normalise_header, FileKind};
use super::store_ids::{IdKey, PackedId, StoreIdx, ID_BATCH};
use super::{FileId, Ingest};
use crate::engine::business::HoursRule;
use crate::engine::error::{
    printable_bytes, Column, FileError, FileProblem, SkipReason, SkippedRow,
};
use crate::engine::time::{
    is_twelve_hour_time, parse_time_of_day, parse_timestamp_after, spreadsheet_form, Micros,
    TimeProblem,
};

/// What one file's records have settled: its layout once the header is read, the stores it
/// has valid rows for, and whether the file was refused.
#[derive(Default)]
pub(super) struct FileState {
    pub(super) layout: Option<Layout>,
    /// Stores seen in this file, as a bitset over store indices.
    pub(super) seen: Vec<u64>,
    pub(super) failed: bool,
}

impl FileState {
    /// The fields a row of this file needs, `None` before the header is read.
    pub(super) fn row_fields(&self) -> Option<usize> {
        self.layout.map(|l| l.min_fields)
    }

    /// Notes that `store` has a valid row in this file; `true` the first time.
    pub(super) fn mark_seen(&mut self, store: StoreIdx) -> bool {
        let (word, bit) = (store as usize / 64, 1u64 << (store % 64));
        if self.seen.len() <= word {
            self.seen.resize(word + 1, 0);
        }
        let new = self.seen[word] & bit == 0;
        self.seen[word] |= bit;
        new
    }
}

impl Ingest {
    /// A row the reader could not split into fields (too long, or broken by a quote):
    /// counted and skipped as a whole.
    pub(super) fn broken_row(&mut self, file: FileId, line: u64, reason: SkipReason, value: &[u8]) {
        self.files[file.0].rows += 1;
        self.skip(file, line, Column::Row, reason, value);
    }

    /// A row over the reader's limits, skipped unread.
    pub(super) fn row_too_long(&mut self, file: FileId, line: u64) {
        let limit = format!("{} MiB or {} fields", MAX_ROW_BYTES >> 20, MAX_FIELDS);
        self.broken_row(file, line, SkipReason::RowTooLong, limit.as_bytes());
    }

    pub(super) fn record(
        &mut self,
        file: FileId,
        state: &mut FileState,
        line: u64,
        fields: Fields<'_>,
    ) -> Result<(), FileProblem> {
        let field = |i: usize| fields.get(i);
        let ends = fields.ends;
        let Some(layout) = state.layout else {
            return self.header(file, state, fields);
        };
        self.files[file.0].rows += 1;
        if ends.len() < layout.min_fields {
            // A lone empty field is a blank-looking line (`""` or spaces): still reported.
            let count = ends.len().to_string();
            self.skip(
                file,
                line,
                Column::Row,
                SkipReason::MissingFields,
                count.as_bytes(),
            );
            return Ok(());
        }
        let Some(id) = self.store_id(file, line, field(layout.store)) else {
            return Ok(());
        };
        if layout.kind == FileKind::Names {
            // Names are kept apart from the store table (docs/semantics.md, "Store names"):
            // an id named but never polled must not become a store.
            let region = layout
                .region
                .filter(|&i| i < ends.len())
                .map_or(&b""[..], field);
            if let Some(new) = self.name_row(file, line, id, field(layout.a), region) {
                let summary = &mut self.files[file.0];
                summary.valid_rows += 1;
                summary.stores += u64::from(new);
            }
            return Ok(());
        }
        let valid = match layout.kind {
            FileKind::Status => {
                self.status_row(file, state, line, id, field(layout.a), field(layout.b))
            }
            FileKind::Hours => {
                let (day, start, end) = (field(layout.a), field(layout.b), field(layout.c));
                self.hours_row(file, state, line, id, day, start, end)
            }
            FileKind::Timezones => match self.zone_row(file, line, id, field(layout.a)) {
                Some(store) => {
                    self.files[file.0].stores += u64::from(state.mark_seen(store));
                    true
                }
                None => false,
            },
            FileKind::Names => false, // read above
        };
        if valid {
            self.files[file.0].valid_rows += 1;
        }
        Ok(())
    }

    fn header(
        &mut self,
        file: FileId,
        state: &mut FileState,
        fields: Fields<'_>,
    ) -> Result<(), FileProblem> {
        let record = fields.bytes;
        let not_text = |hint| FileError::NotText { hint };
        if record.contains(&0) {
            return Err(self.fail(
                file,
                state,
                not_text("it contains NUL bytes: binary data or UTF-16"),
            ));
        }
        let Ok(text) = std::str::from_utf8(record) else {
            return Err(self.fail(file, state, not_text("its first row is not UTF-8 text")));
        };
        if text.chars().any(|c| c.is_control() && c != '\t') {
            return Err(self.fail(
                file,
                state,
                not_text("its first row has control characters: binary data"),
            ));
        }
        let names: Vec<&[u8]> = (0..fields.len()).map(|i| fields.get(i)).collect();
        let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        match classify(&normalised) {
            Ok(layout) => {
                state.layout = Some(layout);
                self.files[file.0].kind = Some(layout.kind);
                Ok(())
            }
            Err(closest) => {
                let found = names.iter().map(|n| printable_bytes(n, 40)).collect();
                Err(self.fail(file, state, FileError::UnknownHeader { found, closest }))
            }
        }
    }

    /// A trimmed, non-empty UTF-8 store id, or the row is skipped.
    fn store_id<'r>(&mut self, file: FileId, line: u64, raw: &'r [u8]) -> Option<IdKey<'r>> {
        let id = raw.trim_ascii();
        if id.is_empty() {
            self.skip(file, line, Column::StoreId, SkipReason::EmptyStoreId, b"");
            return None;
        }
        let key = IdKey::new(id);
        match key {
            None => self.skip(file, line, Column::StoreId, SkipReason::NotUtf8, raw),
            // Only free-text ids can hold these; numbers and UUIDs skip the checks.
            Some(IdKey::Text(text)) => {
                if is_header_name(text, "storeid") {
                    // Files joined with `cat` repeat their header (maybe with the second
                    // file's byte-order mark).
                    self.skip(file, line, Column::StoreId, SkipReason::RepeatedHeader, raw);
                    return None;
                }
                if text.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7F) {
                    let reason = SkipReason::ControlCharacter;
                    self.skip(file, line, Column::StoreId, reason, raw);
                    return None;
                }
            }
            Some(_) => {}
        }
        key
    }

    /// A status row: `true` if it was a valid poll. Its store is found later, with the
    /// rest of its batch ([`Ingest::resolve_pending_ids`]), unless its id is free text.
    fn status_row(
        &mut self,
        file: FileId,
        state: &mut FileState,
        line: u64,
        id: IdKey<'_>,
        status: &[u8],
        timestamp: &[u8],
    ) -> bool {
        let status_text = status.trim_ascii();
        let active = if status_text.eq_ignore_ascii_case(b"active") {
            true
        } else if status_text.eq_ignore_ascii_case(b"inactive") {
            false
        } else {
            self.skip(file, line, Column::Status, SkipReason::BadStatus, status);
            return false;
        };
        let t = match parse_timestamp_after(timestamp, &mut self.last_date) {
            Ok(t) => t,
            Err(problem) => {
                let reason = match problem {
                    TimeProblem::OutOfRange => SkipReason::TimestampOutOfRange,
                    // Said as such, never read (D/M or M/D cannot be told).
                    _ if spreadsheet_form(timestamp).is_some() => SkipReason::SpreadsheetTimestamp,
                    _ => SkipReason::BadTimestamp,
                };
                self.skip(file, line, Column::TimestampUtc, reason, timestamp);
                return false;
            }
        };
        match PackedId::of(id) {
            Some(packed) => self.keep_poll(file, state, t, active, packed),
            None => {
                // Stores are numbered in first-seen order: the batch before this row first.
                self.resolve_pending_ids(file, state);
                let store = self.stores.intern(id);
                self.poll_times.push(pack_poll(t, active));
                self.poll_stores.push(store);
                self.files[file.0].stores += u64::from(state.mark_seen(store));
            }
        }
        self.latest_poll = Some(self.latest_poll.map_or(t, |l| l.max(t)));
        let range = &mut self.files[file.0].time_range;
        *range = Some(range.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        true
    }

    /// Keeps a valid poll of a store with a numeric id; its store is looked up with the
    /// rest of its batch. The caller notes its time in the file's summary.
    #[inline]
    pub(super) fn keep_poll(
        &mut self,
        file: FileId,
        state: &mut FileState,
        t: Micros,
        active: bool,
        id: PackedId,
    ) {
        self.poll_times.push(pack_poll(t, active));
        self.poll_stores.push(0);
        self.look_up_later(file, state, id);
    }

    /// Looks up the stores of the status or hours rows whose ids wait in `pending_ids` (the
    /// last polls or rules read, all of `file`), together ([`StoreTable::intern_batch`]).
    /// Called when the batch is full, before a free-text id, and before a push of bytes
    /// returns, so nothing outside reading a file's rows ever sees a placeholder.
    pub(super) fn resolve_pending_ids(&mut self, file: FileId, state: &mut FileState) {
        let pending = self.pending_ids.len();
        if pending == 0 {
            return;
        }
        let mut batch = [0; ID_BATCH];
        let stores = &mut batch[..pending];
        self.stores.intern_batch(&self.pending_ids, stores);
        if self.files[file.0].kind == Some(FileKind::Hours) {
            let first = self.hours.len() - pending;
            for ((store, _), &found) in self.hours[first..].iter_mut().zip(&*stores) {
                *store = found;
            }
        } else {
            let first = self.poll_stores.len() - pending;
            self.poll_stores[first..].copy_from_slice(stores);
        }
        let summary = &mut self.files[file.0];
        for &store in stores.iter() {
            summary.stores += u64::from(state.mark_seen(store));
        }
        self.pending_ids.clear();
    }

    /// Queues the id of the row just kept (its store is a placeholder until then) for the
    /// next batched look-up.
    #[inline]
    fn look_up_later(&mut self, file: FileId, state: &mut FileState, id: PackedId) {
        self.stores.prefetch(id);
        self.pending_ids.push(id);
        if self.pending_ids.len() == ID_BATCH {
            self.resolve_pending_ids(file, state);
        }
    }

    /// Keeps a valid rule of a store with a numeric id; its store is looked up with the rest
    /// of its batch.
    #[inline]
    pub(super) fn keep_rule(
        &mut self,
        file: FileId,
        state: &mut FileState,
        rule: HoursRule,
        id: PackedId,
    ) {
        self.hours.push((0, rule));
        self.look_up_later(file, state, id);
    }

    /// A business-hours row: `true` if it was a valid rule. As with status rows, its store
    /// is found with the rest of its batch unless its id is free text: one look-up per row
    /// cost 120 ms of a 2.2 s run at 10× (1.1 M rules, each a cache miss).
    #[allow(clippy::too_many_arguments)]
    fn hours_row(
        &mut self,
        file: FileId,
        state: &mut FileState,
        line: u64,
        id: IdKey<'_>,
        day: &[u8],
        start: &[u8],
        end: &[u8],
    ) -> bool {
        let day_text = day.trim_ascii();
        let day = match day_text {
            [d @ b'0'..=b'6'] => d - b'0',
            _ => {
                self.skip(file, line, Column::DayOfWeek, SkipReason::BadWeekday, day);
                return false;
            }
        };
        let Some(start) = self.time_of_day(file, line, Column::StartTimeLocal, start, false) else {
            return false;
        };
        let Some(end) = self.time_of_day(file, line, Column::EndTimeLocal, end, true) else {
            return false;
        };
        let rule = HoursRule { day, start, end };
        match PackedId::of(id) {
            Some(packed) => self.keep_rule(file, state, rule, packed),
            None => {
                // Stores are numbered in first-seen order: the batch before this row first.
                self.resolve_pending_ids(file, state);
                let store = self.stores.intern(id);
                self.hours.push((store, rule));
                self.files[file.0].stores += u64::from(state.mark_seen(store));
            }
        }
        true
    }

    fn time_of_day(
        &mut self,
        file: FileId,
        line: u64,
        column: Column,
        raw: &[u8],
        is_end: bool,
    ) -> Option<Micros> {
        match parse_time_of_day(raw, is_end) {
            Ok(t) => Some(t),
            Err(problem) => {
                let reason = match problem {
                    TimeProblem::OutOfRange => SkipReason::TimeOutOfRange,
                    TimeProblem::MidnightStart => SkipReason::StartAtMidnightEnd,
                    TimeProblem::Layout if is_twelve_hour_time(raw) => SkipReason::SpreadsheetTime,
                    TimeProblem::Empty | TimeProblem::Layout => SkipReason::BadTime,
                };
                self.skip(file, line, column, reason, raw);
                None
            }
        }
    }

    fn zone_row(
        &mut self,
        file: FileId,
        line: u64,
        id: IdKey<'_>,
        zone: &[u8],
    ) -> Option<StoreIdx> {
        let name = std::str::from_utf8(zone.trim_ascii()).unwrap_or("");
        let tz = match &self.last_zone_name {
            Some((last, tz)) if **last == *name => *tz,
            _ => {
                let tz = parse_zone(name);
                self.last_zone_name = Some((name.into(), tz));
                tz
            }
        };
        let Some(tz) = tz else {
            self.skip(
                file,
                line,
                Column::TimezoneStr,
                SkipReason::UnknownTimezone,
                zone,
            );
            return None;
        };
        let store = self.stores.intern(id) as usize;
        if self.zones.len() <= store {
            self.zones.resize(store + 1, None);
        }
        match self.zones[store] {
            // SPEC §1: the first valid zone wins.
            Some(first) if first != tz => {
                self.skip(
                    file,
                    line,
                    Column::TimezoneStr,
                    SkipReason::ConflictingTimezone,
                    zone,
                );
                None
            }
            Some(_) => Some(store as StoreIdx),
            None => {
                self.zones[store] = Some(tz);
                Some(store as StoreIdx)
            }
        }
    }

    /// A store names row: `Some(true)` when it names a store for the first time,
    /// `Some(false)` when it repeats the first row's name and region, `None` when skipped.
    fn name_row(
        &mut self,
        file: FileId,
        line: u64,
        id: IdKey<'_>,
        name: &[u8],
        region: &[u8],
    ) -> Option<bool> {
        let text = |bytes: &[u8]| std::str::from_utf8(bytes.trim_ascii()).ok().map(Box::from);
        let Some(name_text) = text(name) else {
            self.skip(file, line, Column::Name, SkipReason::NotUtf8, name);
            return None;
        };
        let Some(region_text) = text(region) else {
            self.skip(file, line, Column::Name, SkipReason::NotUtf8, region);
            return None;
        };
        let entry = StoreName {
            name: name_text,
            region: region_text,
        };
        match self.names.entry(id.as_str().into()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                if *first.get() == entry {
                    return Some(false);
                }
                let id = id.as_str().as_bytes().to_vec();
                self.skip(file, line, Column::StoreId, SkipReason::DuplicateName, &id);
                None
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(entry);
                Some(true)
            }
        }
    }

    pub(super) fn skip(
        &mut self,
        file: FileId,
        line: u64,
        column: Column,
        reason: SkipReason,
        value: &[u8],
    ) {
        count_reason(&mut self.files[file.0].skipped, reason, 1);
        if !self.skips.wants_example(reason) {
            self.skips.count_only(reason);
            return;
        }
        self.skips.record(SkippedRow {
            file: self.files[file.0].name.as_str().into(),
            line,
            column,
            reason,
            value: printable_bytes(value, SNIPPET_CHARS).into(),
        });
    }
}

/// Adds `count` skipped rows of `reason` to a file's counts.
pub(super) fn count_reason(counts: &mut Vec<(SkipReason, u64)>, reason: SkipReason, count: u64) {
    match counts.iter_mut().find(|(r, _)| *r == reason) {
        Some((_, n)) => *n += count,
        None => counts.push((reason, count)),
    }
}

/// An IANA zone name; exact first, then ignoring case (`america/chicago`).
fn parse_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::testing::skipped_lines;
    use crate::engine::ingest::{dataset_from_bytes, StoreName};

    #[test]
    fn spec_1_every_bad_row_kind_is_skipped_with_its_reason() {
        let hours = "store_id,dayOfWeek,start_time_local,end_time_local\n\
            1,7,09:00,17:00\n\
            1,-1,09:00,17:00\n\
            1,Mon,09:00,17:00\n\
            1,0,25:00,17:00\n\
            1,0,12:60,17:00\n\
            1,0,24:00,17:00\n\
            1,0,9am,17:00\n\
            ,0,09:00,17:00\n\
            1,0,09:00\n\
            1,0,09:00,24:00\n";
        let zones =
            "store_id,timezone_str\n1,Mars/Olympus\n1,Asia/Tokyo\n1,Europe/Paris\n1,asia/tokyo\n";
        let status = b"store_id,status,timestamp_utc\n\xff1,active,2023-01-22 12:00:00\n1,up,2023-01-22 12:00:00\n";
        let data = dataset_from_bytes(&[
            ("h", hours.as_bytes()),
            ("z", zones.as_bytes()),
            ("s", status),
        ])
        .unwrap();
        let expect = [
            (SkipReason::BadWeekday, vec![2, 3, 4]),
            (SkipReason::TimeOutOfRange, vec![5, 6]),
            (SkipReason::StartAtMidnightEnd, vec![7]),
            (SkipReason::BadTime, vec![8]),
            (SkipReason::EmptyStoreId, vec![9]),
            (SkipReason::MissingFields, vec![10]),
            (SkipReason::UnknownTimezone, vec![2]),
            (SkipReason::ConflictingTimezone, vec![4]),
            (SkipReason::NotUtf8, vec![2]),
            (SkipReason::BadStatus, vec![3]),
        ];
        for (reason, lines) in expect {
            assert_eq!(skipped_lines(&data, reason), lines, "{reason:?}");
        }
        let store = data.find_store("1").unwrap();
        assert_eq!(data.zone(store), Some(chrono_tz::Asia::Tokyo));
        assert_eq!(data.hours(store).len(), 1);
        assert_eq!(data.files[0].rows, 10);
        assert_eq!(data.files[0].valid_rows, 1);
    }

    #[test]
    fn store_names_first_wins_repeats_are_kept_and_unknown_ids_are_counted() {
        let status = "store_id,status,timestamp_utc\n\
            1,active,2023-01-22 12:00:00\n\
            00000000-0000-0000-0000-00000000000a,active,2023-01-22 12:00:00\n\
            2,active,2023-01-22 12:00:00\n";
        let names = b"Store ID,Name,Region\n\
            1,Main Street,North\n\
            1,Main Street,North\n\
            1,Harbour,North\n\
            00000000-0000-0000-0000-00000000000a, Airport ,\n\
            2,Station\n\
            99,Closed last year,South\n\
            3,\xff\n";
        let hours = "store_id,day,start_time_local,end_time_local\n7,0,09:00,17:00\n";
        let data = dataset_from_bytes(&[
            ("names.csv", &names[..]),
            ("s", status.as_bytes()),
            ("h", hours.as_bytes()),
        ])
        .unwrap();
        let name = |id: &str| data.name(data.find_store(id).unwrap()).cloned();
        let named = |name: &str, region: &str| {
            Some(StoreName {
                name: name.into(),
                region: region.into(),
            })
        };
        assert_eq!(name("1"), named("Main Street", "North"));
        assert_eq!(
            name("00000000-0000-0000-0000-00000000000a"),
            named("Airport", "")
        );
        assert_eq!(name("2"), named("Station", ""), "a row without its region");
        assert_eq!(name("7"), None);
        assert_eq!(skipped_lines(&data, SkipReason::DuplicateName), vec![4]);
        assert_eq!(skipped_lines(&data, SkipReason::NotUtf8), vec![8]);
        // 99 is in no other file, 3's row was skipped; 7 has hours but no name.
        assert_eq!(data.names_without_polls(), 1);
        assert_eq!(data.store_count(), 4, "names add no store");
        assert_eq!(data.files[0].kind, Some(FileKind::Names));
        assert_eq!((data.files[0].rows, data.files[0].valid_rows), (7, 5));
    }
}
