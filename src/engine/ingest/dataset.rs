//! The dataset an ingest ends with (SPEC §1, §5; docs/semantics.md, "Status"): polls grouped
//! by store and sorted by time, one observation per timestamp, hours and zones by store, and
//! what each file gave.

use chrono_tz::Tz;

use super::{FileKind, FileSummary, Ingest, StoreIdx};
use crate::engine::business::HoursRule;
use crate::engine::error::{FileProblem, SkipLog, UnreadFile};
use crate::engine::time::Micros;
use crate::engine::Progress;

/// A poll packed in one integer: the timestamp shifted left, the low bit set when
/// `inactive`. Sorting packed polls sorts by time, and inactive after active at one time.
pub(crate) type PackedPoll = i64;

pub(crate) fn pack_poll(t: Micros, active: bool) -> PackedPoll {
    (t << 1) | PackedPoll::from(!active)
}

pub(crate) fn unpack_poll(p: PackedPoll) -> (Micros, bool) {
    (p >> 1, p & 1 == 0)
}

fn prefix_sums(mut counts: Vec<u32>) -> Vec<u32> {
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    counts
}

/// The stores in the order of their ids' bytes (the report's order, docs/semantics.md,
/// "The report file"), as indices into `ids`. Comparing the ids themselves chased a pointer
/// per comparison into 140 000 scattered strings (80 ms of a 2.2 s run at 10×); the first
/// 16 bytes, zero-padded, are compared in place instead, and only ids that share them are
/// compared whole. A shorter key is less exactly when its id is, so the two orders agree.
pub(super) fn id_order(ids: &[Box<str>]) -> Vec<StoreIdx> {
    let prefix = |id: &str| {
        let (mut key, bytes) = ([0u8; 16], id.as_bytes());
        let n = bytes.len().min(16);
        key[..n].copy_from_slice(&bytes[..n]);
        u128::from_be_bytes(key)
    };
    let mut keyed: Vec<(u128, StoreIdx)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (prefix(id), i as StoreIdx))
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<StoreIdx> = keyed.iter().map(|&(_, store)| store).collect();
    let mut from = 0;
    while from < keyed.len() {
        let to = from + keyed[from..].partition_point(|k| k.0 == keyed[from].0);
        if to - from > 1 {
            order[from..to].sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
        }
        from = to;
    }
    order
}

/// Business-hours rules grouped by store (a counting sort, so each store's rules stay in
/// the order given): the start of each store's rules, and the rules.
pub(super) fn group_hours(
    store_count: usize,
    rules: &[(StoreIdx, HoursRule)],
) -> (Vec<u32>, Vec<HoursRule>) {
    let mut hours_count = vec![0u32; store_count + 1];
    for (store, _) in rules {
        hours_count[*store as usize + 1] += 1;
    }
    let hours_start = prefix_sums(hours_count);
    let mut hours = vec![HoursRule::default(); rules.len()];
    let mut cursor = hours_start.clone();
    for (store, rule) in rules {
        hours[cursor[*store as usize] as usize] = *rule;
        cursor[*store as usize] += 1;
    }
    (hours_start, hours)
}

/// Polls moved between two progress reports while grouping: in the page at 10× a million
/// polls took up to 300 ms to sort, over the 250 ms between progress updates the page
/// promises, so half a million.
pub(super) const GROUP_PROGRESS_EVERY: usize = 1 << 19;

/// Stores per block in the two-pass grouping ([`group_polls`]): 2 048 stores' write
/// positions (128 kB of cache lines) and their few megabytes of polls stay in the caches
/// and the TLB while a block is placed.
const GROUP_BLOCK_BITS: u32 = 11;

/// Counting sort by store, then each store's polls by time with duplicates merged
/// (SPEC §5: at one timestamp, any `inactive` makes the observation inactive). `observe`
/// hears about every `every` polls moved, then sorted: `of` is the number of polls times
/// the number of passes (two, or three when the polls are placed in two steps).
///
/// Placing each poll straight at its store's position writes to a random place in a
/// large array: at 140 000 stores every poll missed the caches and the TLB, and grouping
/// grew 14–20 times for 10 times the data (docs/perf-log.md). With more than one block of
/// stores, polls are first dealt to their block of [`GROUP_BLOCK_BITS`] stores (a few dozen
/// sequential streams), with the store's low bits packed beside the poll's offset from the
/// earliest poll, then placed within each block. The buffers are the same as one pass's:
/// the staging array replaces the store column, and the final array reuses `times`.
///
/// `stores` holds the polls' stores as read; store `s` becomes store `renumber[s]` (the
/// dataset's numbering by id, [`id_order`]), in the pass that counts them.
pub(super) fn group_polls(
    times: Vec<PackedPoll>,
    stores: Vec<StoreIdx>,
    renumber: &[StoreIdx],
    every: usize,
    observe: &mut dyn FnMut(Progress),
) -> (Vec<u32>, Vec<PackedPoll>) {
    group_polls_in_blocks(times, stores, renumber, GROUP_BLOCK_BITS, every, observe)
}

fn group_polls_in_blocks(
    times: Vec<PackedPoll>,
    mut stores: Vec<StoreIdx>,
    renumber: &[StoreIdx],
    block_bits: u32,
    every: usize,
    observe: &mut dyn FnMut(Progress),
) -> (Vec<u32>, Vec<PackedPoll>) {
    let store_count = renumber.len();
    let polls = times.len();
    let mut counts = vec![0u32; store_count + 1];
    let (mut lowest, mut highest) = (PackedPoll::MAX, PackedPoll::MIN);
    for (s, &t) in stores.iter_mut().zip(&times) {
        *s = renumber[*s as usize];
        counts[*s as usize + 1] += 1;
        lowest = lowest.min(t);
        highest = highest.max(t);
    }
    let start = prefix_sums(counts);
    // The packed form needs the polls' span to leave `block_bits` bits free: true of any
    // real data (2^52 µs is 142 years); otherwise, one pass.
    let fits = highest.abs_diff(lowest).leading_zeros() >= block_bits;
    let in_blocks = store_count > 1 << block_bits && fits;
    let passes = if in_blocks { 3 } else { 2 };
    let of = passes * polls;
    let mut grouped;
    if in_blocks {
        let low_mask = (1u32 << block_bits) - 1;
        let block_start = |b: usize| start[(b << block_bits).min(store_count)];
        let blocks = (store_count >> block_bits) + 1;
        let mut block_cursor: Vec<u32> = (0..blocks).map(block_start).collect();
        let mut staged = vec![0u64; polls];
        for (chunk, (times, stores)) in times.chunks(every).zip(stores.chunks(every)).enumerate() {
            observe(Progress::Grouped {
                polls: chunk * every,
                of,
            });
            for (&t, &s) in times.iter().zip(stores) {
                let cursor = &mut block_cursor[(s >> block_bits) as usize];
                let offset = t.wrapping_sub(lowest) as u64;
                staged[*cursor as usize] = offset << block_bits | u64::from(s & low_mask);
                *cursor += 1;
            }
        }
        drop(stores);
        grouped = times; // every element is written below
        let mut cursor = start.clone();
        let (mut block, mut block_end) = (0, block_start(1));
        for (chunk, staged) in staged.chunks(every).enumerate() {
            observe(Progress::Grouped {
                polls: polls + chunk * every,
                of,
            });
            for (i, &packed) in (chunk * every..).zip(staged) {
                while i >= block_end as usize {
                    block += 1;
                    block_end = block_start(block + 1);
                }
                let s = block << block_bits | (packed as u32 & low_mask) as usize;
                grouped[cursor[s] as usize] = lowest.wrapping_add((packed >> block_bits) as i64);
                cursor[s] += 1;
            }
        }
    } else {
        grouped = vec![0; polls];
        let mut cursor = start.clone();
        for (chunk, (times, stores)) in times.chunks(every).zip(stores.chunks(every)).enumerate() {
            observe(Progress::Grouped {
                polls: chunk * every,
                of,
            });
            for (&t, &s) in times.iter().zip(stores) {
                grouped[cursor[s as usize] as usize] = t;
                cursor[s as usize] += 1;
            }
        }
    }
    let sorted_before = (passes - 1) * polls;
    let mut new_start = Vec::with_capacity(store_count + 1);
    let mut write = 0usize;
    let mut reported = 0usize;
    for s in 0..store_count {
        new_start.push(write as u32);
        let (lo, hi) = (start[s] as usize, start[s + 1] as usize);
        if lo - reported >= every {
            reported = lo;
            observe(Progress::Grouped {
                polls: sorted_before + lo,
                of,
            });
        }
        write = sort_and_merge(&mut grouped, lo, hi, write);
    }
    new_start.push(write as u32);
    grouped.truncate(write);
    grouped.shrink_to_fit();
    observe(Progress::Grouped { polls: of, of });
    (new_start, grouped)
}

/// [`group_polls`] on `threads` threads (native only: the command line), with the same
/// result. Grouping ran on one thread after the parsing threads were done, a sixth of the
/// command line's time at 10× (docs/perf-log.md). Each pass is split so that no two threads
/// write the same place: the polls in `threads` runs for counting and dealing (each run's
/// polls go to its own stretch of each block, so the order within a block is the file's, as
/// in one pass), then whole blocks for placing, sorting and merging duplicates.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn group_polls_parallel(
    times: Vec<PackedPoll>,
    stores: Vec<StoreIdx>,
    renumber: &[StoreIdx],
    threads: usize,
) -> (Vec<u32>, Vec<PackedPoll>) {
    group_polls_parallel_in_blocks(times, stores, renumber, GROUP_BLOCK_BITS, threads)
}

#[cfg(not(target_arch = "wasm32"))]
fn group_polls_parallel_in_blocks(
    mut times: Vec<PackedPoll>,
    mut stores: Vec<StoreIdx>,
    renumber: &[StoreIdx],
    block_bits: u32,
    threads: usize,
) -> (Vec<u32>, Vec<PackedPoll>) {
    let store_count = renumber.len();
    let polls = times.len();
    let threads = threads.clamp(1, 64);
    if threads == 1 || polls < threads || store_count <= 1 << block_bits {
        return group_polls_in_blocks(times, stores, renumber, block_bits, usize::MAX, &mut |_| {});
    }
    let run = polls.div_ceil(threads);
    // Counting: each run renumbers its stores and counts them.
    let counted: Vec<(Vec<u32>, PackedPoll, PackedPoll)> = std::thread::scope(|scope| {
        let runs = stores.chunks_mut(run).zip(times.chunks(run));
        let handles: Vec<_> = runs
            .map(|(stores, times)| {
                scope.spawn(move || {
                    let mut counts = vec![0u32; store_count];
                    let (mut lowest, mut highest) = (PackedPoll::MAX, PackedPoll::MIN);
                    for (s, &t) in stores.iter_mut().zip(times) {
                        *s = renumber[*s as usize];
                        counts[*s as usize] += 1;
                        lowest = lowest.min(t);
                        highest = highest.max(t);
                    }
                    (counts, lowest, highest)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut start = vec![0u32; store_count + 1];
    for (counts, _, _) in &counted {
        for (total, &n) in start[1..].iter_mut().zip(counts) {
            *total += n;
        }
    }
    let start = prefix_sums(start);
    let lowest = counted.iter().map(|c| c.1).min().unwrap_or(0);
    let highest = counted.iter().map(|c| c.2).max().unwrap_or(0);
    if highest.abs_diff(lowest).leading_zeros() < block_bits {
        // No room to pack a store beside a time (see `group_polls_in_blocks`); the stores
        // are renumbered already.
        let same: Vec<StoreIdx> = (0..store_count as StoreIdx).collect();
        return group_polls_in_blocks(times, stores, &same, block_bits, usize::MAX, &mut |_| {});
    }
    let low_mask = (1u32 << block_bits) - 1;
    let blocks = (store_count >> block_bits) + 1;
    let block_start = |b: usize| start[(b << block_bits).min(store_count)] as usize;

    // Dealing: each run's polls of a block go to that run's stretch of the block.
    let mut staged = vec![0u64; polls];
    {
        let mut stretches: Vec<Vec<&mut [u64]>> = counted.iter().map(|_| Vec::new()).collect();
        let mut rest = &mut staged[..];
        for b in 0..blocks {
            let stores_in_block =
                (b << block_bits).min(store_count)..((b + 1) << block_bits).min(store_count);
            for (stretch, (counts, _, _)) in stretches.iter_mut().zip(&counted) {
                let n: u32 = counts[stores_in_block.clone()].iter().sum();
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(n as usize);
                stretch.push(head);
                rest = tail;
            }
        }
        std::thread::scope(|scope| {
            let runs = stores.chunks(run).zip(times.chunks(run)).zip(stretches);
            for ((stores, times), mut stretch) in runs {
                scope.spawn(move || {
                    let mut filled = vec![0usize; stretch.len()];
                    for (&t, &s) in times.iter().zip(stores) {
                        let block = (s >> block_bits) as usize;
                        let offset = t.wrapping_sub(lowest) as u64;
                        stretch[block][filled[block]] =
                            offset << block_bits | u64::from(s & low_mask);
                        filled[block] += 1;
                    }
                });
            }
        });
    }
    drop(stores);

    // Whole blocks per thread from here on, about the same number of polls each.
    let mut cuts = vec![0usize];
    for b in 1..blocks {
        if block_start(b) * threads >= polls * cuts.len() && cuts.len() < threads {
            cuts.push(b);
        }
    }
    cuts.push(blocks);
    let groups: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();

    // Placing, then sorting each store's polls and merging duplicates within the group.
    let grouped = &mut times; // every element is written below
    let done: Vec<(Vec<u32>, usize)> = std::thread::scope(|scope| {
        let (mut staged_rest, mut grouped_rest) = (&staged[..], &mut grouped[..]);
        let mut handles = Vec::new();
        for &(first, end) in &groups {
            let len = block_start(end) - block_start(first);
            let (staged, s_tail) = staged_rest.split_at(len);
            let (grouped, g_tail) = std::mem::take(&mut grouped_rest).split_at_mut(len);
            (staged_rest, grouped_rest) = (s_tail, g_tail);
            let start = &start;
            handles.push(scope.spawn(move || {
                let base = block_start(first);
                let first_store = (first << block_bits).min(store_count);
                let end_store = (end << block_bits).min(store_count);
                let mut cursor: Vec<usize> = start[first_store..end_store]
                    .iter()
                    .map(|&p| p as usize - base)
                    .collect();
                let mut block = first;
                let mut block_end = block_start(block + 1) - base;
                for (i, &packed) in staged.iter().enumerate() {
                    while i >= block_end {
                        block += 1;
                        block_end = block_start(block + 1) - base;
                    }
                    let s =
                        (block << block_bits | (packed as u32 & low_mask) as usize) - first_store;
                    grouped[cursor[s]] = lowest.wrapping_add((packed >> block_bits) as i64);
                    cursor[s] += 1;
                }
                let mut new_start = Vec::with_capacity(end_store - first_store);
                let mut write = 0usize;
                for s in first_store..end_store {
                    new_start.push(write as u32);
                    let (lo, hi) = (start[s] as usize - base, start[s + 1] as usize - base);
                    write = sort_and_merge(grouped, lo, hi, write);
                }
                (new_start, write)
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    drop(staged);
    let mut grouped = times;
    let mut new_start = Vec::with_capacity(store_count + 1);
    let mut write = 0usize;
    for (&(first, _), (starts, written)) in groups.iter().zip(done) {
        let from = block_start(first);
        grouped.copy_within(from..from + written, write);
        new_start.extend(starts.iter().map(|&p| p + write as u32));
        write += written;
    }
    new_start.push(write as u32);
    grouped.truncate(write);
    grouped.shrink_to_fit();
    (new_start, grouped)
}

/// Sorts one store's polls, `grouped[lo..hi]`, by time and moves them down to `write`
/// (≤ `lo`), one per time (SPEC §5: the inactive one wins); where the next store's go.
fn sort_and_merge(grouped: &mut [PackedPoll], lo: usize, hi: usize, mut write: usize) -> usize {
    let first = write;
    grouped[lo..hi].sort_unstable();
    for i in lo..hi {
        let p = grouped[i];
        if write > first && grouped[write - 1] >> 1 == p >> 1 {
            grouped[write - 1] = p; // same time: the later (inactive) one wins
        } else {
            grouped[write] = p;
            write += 1;
        }
    }
    write
}

/// A store's name and region from a store names file (docs/semantics.md, "Store names");
/// an empty region is none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreName {
    pub name: Box<str>,
    pub region: Box<str>,
}

/// Everything read from the input files, compact and immutable.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(super) store_ids: Vec<Box<str>>,
    pub(super) poll_start: Vec<u32>,
    pub(super) polls: Vec<PackedPoll>,
    pub(super) hours_start: Vec<u32>,
    pub(super) hours: Vec<HoursRule>,
    pub(super) zones: Vec<Option<Tz>>,
    pub files: Vec<FileSummary>,
    pub skips: SkipLog,
    /// The latest valid poll: the report's default `now` (SPEC §3).
    pub latest_poll: Option<Micros>,
    /// Each store's name, by store index (empty: no names file was given).
    pub(super) names: Vec<Option<StoreName>>,
    /// Ids named in a names file that no other file has.
    pub(super) names_unmatched: usize,
}

impl Dataset {
    pub fn store_count(&self) -> usize {
        self.store_ids.len()
    }

    pub fn store_id(&self, store: StoreIdx) -> &str {
        &self.store_ids[store as usize]
    }

    /// Stores are numbered in the order of their ids' bytes ([`id_order`]).
    pub fn find_store(&self, id: &str) -> Option<StoreIdx> {
        self.store_ids
            .binary_search_by(|s| s.as_bytes().cmp(id.as_bytes()))
            .ok()
            .map(|i| i as StoreIdx)
    }

    /// A store's observations-to-be: polls sorted by time, one per timestamp.
    pub(crate) fn polls(&self, store: StoreIdx) -> &[PackedPoll] {
        let s = store as usize;
        &self.polls[self.poll_start[s] as usize..self.poll_start[s + 1] as usize]
    }

    pub fn poll_count(&self, store: StoreIdx) -> usize {
        self.polls(store).len()
    }

    /// Distinct (store, timestamp) polls.
    pub fn total_polls(&self) -> usize {
        self.polls.len()
    }

    /// The store's valid business-hours rows, as given.
    pub fn hours(&self, store: StoreIdx) -> &[HoursRule] {
        let s = store as usize;
        &self.hours[self.hours_start[s] as usize..self.hours_start[s + 1] as usize]
    }

    pub fn zone(&self, store: StoreIdx) -> Option<Tz> {
        self.zones[store as usize]
    }

    /// Why each status file gave no valid poll: its skip reasons with counts, most first,
    /// and the first examples of each: the error says why, not only that (docs/semantics.md,
    /// "When no poll is valid, the error says why").
    pub fn unread_status_files(&self) -> Vec<UnreadFile> {
        self.files
            .iter()
            .filter(|f| f.kind == Some(FileKind::Status) && f.valid_rows == 0)
            .map(|f| {
                let mut reasons = f.skipped.clone();
                reasons.sort_by_key(|&(reason, count)| (std::cmp::Reverse(count), reason));
                let examples = reasons
                    .iter()
                    .flat_map(|&(reason, _)| {
                        self.skips
                            .get(reason)
                            .examples
                            .iter()
                            .filter(|row| *row.file == *f.name)
                            .take(UnreadFile::EXAMPLES)
                    })
                    .take(2 * UnreadFile::EXAMPLES)
                    .cloned()
                    .collect();
                UnreadFile {
                    name: f.name.clone(),
                    rows: f.rows,
                    reasons,
                    examples,
                }
            })
            .collect()
    }

    /// The store's name and region, when a names file gave them.
    pub fn name(&self, store: StoreIdx) -> Option<&StoreName> {
        self.names.get(store as usize)?.as_ref()
    }

    /// Whether a store names file was read.
    pub fn has_names(&self) -> bool {
        self.files.iter().any(|f| f.kind == Some(FileKind::Names))
    }

    /// Ids a names file names that have no poll (docs/semantics.md, "Store names": counted,
    /// not an error).
    pub fn names_without_polls(&self) -> usize {
        let named_unpolled = (0..self.store_count())
            .filter(|&s| self.name(s as StoreIdx).is_some() && self.poll_count(s as StoreIdx) == 0)
            .count();
        self.names_unmatched + named_unpolled
    }

    pub fn has_status_file(&self) -> bool {
        self.files.iter().any(|f| f.kind == Some(FileKind::Status))
    }
}

/// Reads `(name, bytes)` files whole: a convenience for tests and small inputs.
pub fn dataset_from_bytes(files: &[(&str, &[u8])]) -> Result<Dataset, FileProblem> {
    let mut ingest = Ingest::new();
    for (name, bytes) in files {
        let file = ingest.open_file(name);
        ingest.push(file, bytes)?;
        ingest.close_file(file)?;
    }
    Ok(ingest.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_5_same_timestamp_any_inactive_wins() {
        let text = "store_id,status,timestamp_utc\n\
            1,active,2023-01-22 12:00:00\n1,inactive,2023-01-22 12:00:00\n1,active,2023-01-22 12:00:00\n\
            1,active,2023-01-22 13:00:00\n1,active,2023-01-22 13:00:00\n";
        let data = dataset_from_bytes(&[("s", text.as_bytes())]).unwrap();
        let polls: Vec<bool> = data.polls(0).iter().map(|&p| unpack_poll(p).1).collect();
        assert_eq!(polls, [false, true]);
    }

    #[test]
    fn grouping_reports_steady_progress_and_the_same_result_at_any_step() {
        // 7 stores, polls dealt round-robin with repeats, so the sort and the merge of
        // same-time polls both run.
        let stores: Vec<StoreIdx> = (0..1000u32).map(|i| (i * 5) % 7).collect();
        let times: Vec<PackedPoll> = (0..1000i64)
            .map(|i| ((i * 37) % 300) << 1 | i64::from(i % 3 == 0))
            .collect();
        let same: Vec<StoreIdx> = (0..7).collect();
        let (start, polls) = group_polls(
            times.clone(),
            stores.clone(),
            &same,
            usize::MAX,
            &mut |_| {},
        );
        for every in [1, 3, 64, 999, 1000] {
            let mut seen = Vec::new();
            let got = group_polls(
                times.clone(),
                stores.clone(),
                &same,
                every,
                &mut |p| match p {
                    Progress::Grouped { polls, of } => seen.push((polls, of)),
                    other => panic!("{other:?}"),
                },
            );
            assert_eq!(got, (start.clone(), polls.clone()), "every {every}");
            assert_eq!(seen.last(), Some(&(2000, 2000)));
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            // No step between two reports moves more than `every` polls, give or take one
            // store's polls (a store is sorted at once).
            let biggest_store = (0..7)
                .map(|s| stores.iter().filter(|&&x| x == s).count())
                .max();
            let step = seen.windows(2).map(|w| w[1].0 - w[0].0).max().unwrap_or(0);
            assert!(
                step <= every.max(biggest_store.unwrap_or(0)) + every,
                "every {every}: step {step}"
            );
        }
    }
    /// Each store's polls sorted by time, one per time, `inactive` winning: grouping's
    /// result computed the obvious way.
    fn grouped_by_sorting(
        store_count: usize,
        times: &[PackedPoll],
        stores: &[StoreIdx],
    ) -> (Vec<u32>, Vec<PackedPoll>) {
        let mut latest = std::collections::BTreeMap::new();
        for (&t, &s) in times.iter().zip(stores) {
            let p = latest.entry((s, t >> 1)).or_insert(t);
            *p = (*p).max(t); // the inactive one (bit set) at the same time
        }
        let mut start = vec![0u32; store_count + 1];
        for &(s, _) in latest.keys() {
            start[s as usize + 1] += 1;
        }
        (prefix_sums(start), latest.into_values().collect())
    }

    #[test]
    fn grouping_in_blocks_equals_grouping_in_one_pass_at_every_block_size() {
        // 300 stores in a scrambled order, times going back and forth with repeats.
        let stores: Vec<StoreIdx> = (0..5000u32).map(|i| (i * 7919) % 300).collect();
        let times: Vec<PackedPoll> = (0..5000i64)
            .map(|i| ((i * 37) % 900 - 450) << 1 | i64::from(i % 5 == 0))
            .collect();
        // Renumbered as they are counted: store s becomes (7s + 3) mod 300.
        let renumber: Vec<StoreIdx> = (0..300).map(|s| (s * 7 + 3) % 300).collect();
        let renumbered: Vec<StoreIdx> = stores.iter().map(|&s| renumber[s as usize]).collect();
        let expected = grouped_by_sorting(300, &times, &renumbered);
        let mut passes = Vec::new();
        // 300 stores in blocks of 1 to 256 stores; 2^9 = 512: one block, one pass.
        for bits in [0, 1, 3, 6, 8, 9] {
            let mut seen = Vec::new();
            let got = group_polls_in_blocks(
                times.clone(),
                stores.clone(),
                &renumber,
                bits,
                97,
                &mut |p| {
                    if let Progress::Grouped { polls, of } = p {
                        seen.push((polls, of));
                    }
                },
            );
            assert_eq!(got, expected, "blocks of 2^{bits} stores");
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            let &(done, of) = seen.last().unwrap();
            assert_eq!(done, of);
            passes.push(of / times.len());
        }
        assert_eq!(passes, [3, 3, 3, 3, 3, 2]);

        // Times 10 000 years apart leave no room for a store's bits: one pass, same result.
        let far: Vec<PackedPoll> = times
            .iter()
            .enumerate()
            .map(|(i, &t)| match i % 3 {
                0 => pack_poll(-62_135_596_800_000_000 + t, true),
                1 => pack_poll(253_402_300_799_999_999 - t, false),
                _ => t,
            })
            .collect();
        let mut of = 0;
        let got = group_polls_in_blocks(
            far.clone(),
            stores.clone(),
            &renumber,
            8,
            1 << 20,
            &mut |p| {
                if let Progress::Grouped { of: all, .. } = p {
                    of = all;
                }
            },
        );
        assert_eq!(got, grouped_by_sorting(300, &far, &renumbered));
        assert_eq!(of, 2 * far.len());
        // With blocks of one store nothing needs packing: three passes again.
        let got = group_polls_in_blocks(
            far.clone(),
            stores.clone(),
            &renumber,
            0,
            1 << 20,
            &mut |_| {},
        );
        assert_eq!(got, grouped_by_sorting(300, &far, &renumbered));
    }

    #[test]
    fn stores_are_ordered_by_id_bytes_also_when_ids_share_their_first_sixteen() {
        let mut ids: Vec<String> = [
            "00000000-0000-0000-0000-000000000002",
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-00",
            "00000000-0000-0000",
            "00000000-0000-000",
            "10",
            "9",
            "1",
            "é store",
            "e store",
            "store 0123456789abcdef x",
            "store 0123456789abcdef",
            "store 0123456789abcdeg",
            "store 0123456789",
        ]
        .map(String::from)
        .to_vec();
        // Many ids sharing a long prefix and differing only at its end, and short ones.
        ids.extend((0..500u32).map(|i| format!("branch number {:05}", (i * 7919) % 1000)));
        ids.extend((0..200u32).map(|i| ((i * 31) % 200).to_string()));
        let boxed: Vec<Box<str>> = ids.iter().map(|id| id.as_str().into()).collect();
        let order = id_order(&boxed);
        let got: Vec<&str> = order.iter().map(|&i| &*boxed[i as usize]).collect();
        let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
        expected.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(got, expected);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert!(seen.iter().enumerate().all(|(i, &s)| s as usize == i));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn grouping_on_several_threads_equals_grouping_on_one() {
        // 300 stores renumbered in a scrambled order, times back and forth, each (store,
        // time) twice with either status (duplicates to merge, in every thread's blocks),
        // and a store with no polls.
        let stores: Vec<StoreIdx> = (0..20_000u32).map(|i| (i % 10_000 * 7919) % 299).collect();
        let times: Vec<PackedPoll> = (0..20_000i64)
            .map(|i| ((i % 10_000 * 37) % 900 - 450) << 1 | i64::from(i % 5 == 0))
            .collect();
        let renumber: Vec<StoreIdx> = (0..300).map(|s| (s * 7 + 3) % 300).collect();
        for bits in [0, 2, 5, 8, 9] {
            let expected = group_polls_in_blocks(
                times.clone(),
                stores.clone(),
                &renumber,
                bits,
                usize::MAX,
                &mut |_| {},
            );
            for threads in [1, 2, 3, 7, 64] {
                let got = group_polls_parallel_in_blocks(
                    times.clone(),
                    stores.clone(),
                    &renumber,
                    bits,
                    threads,
                );
                assert!(got == expected, "blocks of 2^{bits}, {threads} threads");
            }
            assert_eq!(expected.1.len(), 10_000, "each pair merged");
        }
        // Times too far apart to pack, and fewer polls than threads.
        let far: Vec<PackedPoll> = times
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if i % 2 == 0 {
                    pack_poll(253_402_300_799_999_999 - t, true)
                } else {
                    t
                }
            })
            .collect();
        let one = |times: &[PackedPoll], stores: &[StoreIdx]| {
            group_polls_in_blocks(
                times.to_vec(),
                stores.to_vec(),
                &renumber,
                3,
                1 << 20,
                &mut |_| {},
            )
        };
        let got = group_polls_parallel_in_blocks(far.clone(), stores.clone(), &renumber, 3, 2);
        assert!(got == one(&far, &stores));
        let got = group_polls_parallel_in_blocks(
            far[..2].to_vec(),
            stores[..2].to_vec(),
            &renumber,
            3,
            4,
        );
        assert!(got == one(&far[..2], &stores[..2]));
    }

    #[test]
    fn polls_are_packed_losslessly() {
        for t in [0, 1, -1, 253_402_300_799_999_999, -62_135_596_800_000_000] {
            for active in [true, false] {
                assert_eq!(unpack_poll(pack_poll(t, active)), (t, active));
            }
        }
    }
}
