//! Text: lines handed to the writer in 64 KiB pieces, and timestamps and times of day
//! written byte by byte in every layout the exports use.

use std::io::{self, Write};

use crate::engine::time::{
    civil_from_days, Micros, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};

/// Lines into a buffer, handed to the writer in 64 KiB pieces; a newline goes before each
/// line but the first, so the last one can go without.
pub(super) struct Lines<'w, W: Write> {
    pub(super) out: &'w mut W,
    pub(super) buf: Vec<u8>,
}

impl<'w, W: Write> Lines<'w, W> {
    pub(super) fn new(out: &'w mut W) -> Self {
        Lines {
            out,
            buf: Vec::with_capacity(1 << 17),
        }
    }

    pub(super) fn new_line(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.buf.push(b'\n');
        Ok(())
    }

    pub(super) fn finish(mut self, final_newline: bool) -> io::Result<()> {
        if final_newline {
            self.buf.push(b'\n');
        }
        self.out.write_all(&self.buf)
    }
}

/// How a timestamp is written; all of them name the same instant.
#[derive(Debug, Clone, Copy)]
pub(super) enum Layout {
    /// `2024-10-03 23:33:20.412748 UTC`
    Utc,
    /// `2024-10-03T23:33:20.412748Z`
    Zulu,
    /// Local time at an offset in minutes: `2024-10-04 01:33:20.412748+02:00`, or
    /// `-0500` when compact.
    Offset(i64, bool),
}

pub(super) fn push_digits(buf: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut v = value;
    let mut n = 0;
    while v > 0 || n < width {
        digits[19 - n] = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    buf.extend_from_slice(&digits[20 - n..]);
}

pub(super) fn push_timestamp(buf: &mut Vec<u8>, t: Micros, layout: Layout) {
    let local = match layout {
        Layout::Offset(minutes, _) => t + minutes * MICROS_PER_MINUTE,
        _ => t,
    };
    let (year, month, day) = civil_from_days(local.div_euclid(MICROS_PER_DAY));
    let in_day = local.rem_euclid(MICROS_PER_DAY);
    push_digits(buf, year.max(0) as u64, 4);
    buf.push(b'-');
    push_digits(buf, u64::from(month), 2);
    buf.push(b'-');
    push_digits(buf, u64::from(day), 2);
    buf.push(if matches!(layout, Layout::Zulu) {
        b'T'
    } else {
        b' '
    });
    push_digits(buf, (in_day / MICROS_PER_HOUR) as u64, 2);
    buf.push(b':');
    push_digits(buf, (in_day / MICROS_PER_MINUTE % 60) as u64, 2);
    buf.push(b':');
    push_digits(buf, (in_day / MICROS_PER_SECOND % 60) as u64, 2);
    let fraction = (in_day % MICROS_PER_SECOND) as u64;
    if fraction != 0 {
        // Trailing zeros dropped, as in the exports (`23:34:06.15508`).
        let (mut value, mut width) = (fraction, 6);
        while value % 10 == 0 {
            value /= 10;
            width -= 1;
        }
        buf.push(b'.');
        push_digits(buf, value, width);
    }
    match layout {
        Layout::Utc => buf.extend_from_slice(b" UTC"),
        Layout::Zulu => buf.push(b'Z'),
        Layout::Offset(minutes, compact) => {
            buf.push(if minutes < 0 { b'-' } else { b'+' });
            push_digits(buf, (minutes.abs() / 60) as u64, 2);
            if !compact {
                buf.push(b':');
            }
            push_digits(buf, (minutes.abs() % 60) as u64, 2);
        }
    }
}

/// `HH:MM:SS` (`24:00:00` for the end of the day), or `HH:MM` when `short` and the
/// seconds are zero.
pub(super) fn push_time_of_day(buf: &mut Vec<u8>, t: Micros, short: bool) {
    push_digits(buf, (t / MICROS_PER_HOUR) as u64, 2);
    buf.push(b':');
    push_digits(buf, (t / MICROS_PER_MINUTE % 60) as u64, 2);
    let seconds = t / MICROS_PER_SECOND % 60;
    if !(short && seconds == 0) {
        buf.push(b':');
        push_digits(buf, seconds as u64, 2);
    }
}
