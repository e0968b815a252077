//! Byte tests eight bytes at a time in one `u64` (SWAR), shared by the fast paths that
//! read fixed-layout fields: UUIDs (`ingest::store_ids`) and the exports' timestamps
//! (`time`). Little-endian loads: byte i of a field is byte i of the word (wasm has no
//! byte swap, and `from_be_bytes` cost ~20 instructions there).

pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGH_BITS: u64 = ONES * 0x80;

/// The high bit of each byte of `x` that is at least `n` (for `n` < 0x80), bytes with their
/// own high bit set included: with each byte's high bit set first, subtracting `n` leaves
/// it set exactly when the byte is at least `n`, and no byte borrows from the next.
#[inline(always)]
pub(crate) fn at_least(x: u64, n: u8) -> u64 {
    ((x | HIGH_BITS) - ONES * u64::from(n)) & HIGH_BITS
}

/// The high bit of each byte of `x` that is in `low..=high` and ASCII.
#[inline(always)]
pub(crate) fn in_range(x: u64, low: u8, high: u8) -> u64 {
    at_least(x, low) & !at_least(x, high + 1) & !x & HIGH_BITS
}

/// The high bit of each byte of `x` that is an ASCII digit.
#[inline(always)]
pub(crate) fn digit_bits(x: u64) -> u64 {
    in_range(x, b'0', b'9')
}
