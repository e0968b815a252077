//! Store ids: unique, in one style (19-digit integers or UUIDs, as the two generations of
//! the public exports have them).

use std::collections::HashSet;

use super::rng::Rng;
use super::IdStyle;
use crate::engine::ingest::uuid_text;

/// Makes unique ids in one style.
pub(super) struct IdMaker {
    pub(super) style: IdStyle,
    pub(super) rng: Rng,
    pub(super) seen: HashSet<u128>,
}

impl IdMaker {
    pub(super) fn next(&mut self) -> String {
        loop {
            let (raw, text) = match self.style {
                IdStyle::Integer => {
                    // 19 digits, at most i64::MAX like the real ids (up to 9.2e18).
                    const LO: u64 = 1_000_000_000_000_000_000;
                    let v = LO + self.rng.below(i64::MAX as u64 - LO + 1);
                    (u128::from(v), v.to_string())
                }
                IdStyle::Uuid => {
                    let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
                    let a = (a & !0xF000) | 0x4000; // version 4
                    let b = (b & !(0xC << 60)) | (0x8 << 60); // RFC 4122 variant
                    let v = (u128::from(a) << 64) | u128::from(b);
                    (v, uuid_text(v))
                }
            };
            if self.seen.insert(raw) {
                return text;
            }
        }
    }
}
