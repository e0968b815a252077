//! Instants and times of day, and their text forms (SPEC §1).
//!
//! Instants are integer microseconds since 1970-01-01 00:00 UTC; the engine never reads
//! a clock. Parsers take bytes and never allocate: they run once per input row.

use crate::engine::swar::{digit_bits, HIGH_BITS, ONES};

/// Microseconds since the Unix epoch (UTC), or a duration in microseconds.
pub type Micros = i64;

pub const MICROS_PER_SECOND: Micros = 1_000_000;
pub const MICROS_PER_MINUTE: Micros = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: Micros = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: Micros = 24 * MICROS_PER_HOUR;
pub const MICROS_PER_WEEK: Micros = 7 * MICROS_PER_DAY;

/// Why a timestamp or time of day could not be read. Rendered in `error.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeProblem {
    Empty,
    /// The text does not have the expected layout.
    Layout,
    /// The layout is right but a part is out of range (month 13, 25:00, Feb 30 …).
    OutOfRange,
    /// `24:00` given as a start time.
    MidnightStart,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number: inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Weekday of a day number, 0 = Monday (SPEC §1). 1970-01-01 was a Thursday.
pub fn weekday_of_days(days: i64) -> u8 {
    (days + 3).rem_euclid(7) as u8
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// The form of a timestamp as spreadsheets write it when they re-save a CSV (SPEC §1),
/// in words, or `None`: `1/8/2024 10:00` (day and month in either order, `/`, `.` or `-`
/// between, a 2- or 4-digit year, an optional `H:MM[:SS]` with an optional AM/PM), an ISO date
/// with a 12-hour time (`2024-01-08 10:00 AM`), or a date serial number (`45299.41667`). Such
/// values are never read as data: `1/8` is 1 August or 8 January depending on the program's
/// locale. Only called for rows already skipped, so its speed does not matter.
pub fn spreadsheet_form(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value.trim_ascii()).ok()?;
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let time_form = match time {
        None => "",
        Some(t) => clock_form(t)?,
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // A serial number: days since 1899-12-30, with the time of day as a fraction.
    if time.is_none() {
        let (whole, fraction) = date.split_once('.').unwrap_or((date, "0"));
        if whole.len() == 5 && all_digits(whole) && all_digits(fraction) {
            return Some("a spreadsheet date serial number".to_string());
        }
    }
    let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
    let [a, b, y] = parts[..] else {
        return None;
    };
    if ![a, b, y].iter().all(|p| all_digits(p)) {
        return None;
    }
    if a.len() == 4 && b.len() == 2 && y.len() == 2 {
        // An ISO date: a spreadsheet form only with a 12-hour time.
        return time_form
            .ends_with("AM")
            .then(|| format!("YYYY-MM-DD{time_form}"));
    }
    if a.len() > 2 || b.len() > 2 || !(y.len() == 2 || y.len() == 4) {
        return None;
    }
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    let year = if y.len() == 2 { "YY" } else { "YYYY" };
    let date_form = match (a, b) {
        (13.., 1..=12) => format!("D/M/{year}"),
        (1..=12, 13..) => format!("M/D/{year}"),
        (1..=12, 1..=12) => format!("M/D/{year} or D/M/{year}"),
        _ => return None,
    };
    Some(format!("{date_form}{time_form}"))
}

/// ` H:MM`, ` H:MM:SS` or either with ` AM`/` PM` (as `H:MM AM`), for [`spreadsheet_form`].
fn clock_form(t: &str) -> Option<&'static str> {
    let lower = t.to_ascii_lowercase();
    let (clock, twelve) = match lower
        .strip_suffix("am")
        .or_else(|| lower.strip_suffix("pm"))
        .or_else(|| lower.strip_suffix("a.m."))
        .or_else(|| lower.strip_suffix("p.m."))
    {
        Some(c) => (c.trim_end().to_string(), true),
        None => (lower.clone(), false),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let ok = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let seconds = match parts[..] {
        [h, m] if ok(h, 1..=2) && ok(m, 2..=2) => false,
        [h, m, s] if ok(h, 1..=2) && ok(m, 2..=2) && ok(s, 2..=2) => true,
        _ => return None,
    };
    Some(match (seconds, twelve) {
        (false, false) => " H:MM",
        (true, false) => " H:MM:SS",
        (false, true) => " H:MM AM",
        (true, true) => " H:MM:SS AM",
    })
}

/// A time of day on a 12-hour clock (`9:00 AM`, `12:30:00 pm`), as spreadsheets re-save a
/// time column (SPEC §1). Not read as data; only called for rows already skipped.
pub fn is_twelve_hour_time(value: &[u8]) -> bool {
    std::str::from_utf8(value.trim_ascii())
        .ok()
        .and_then(clock_form)
        .is_some_and(|form| form.ends_with("AM"))
}

/// A tiny cursor over ASCII bytes; every method leaves the position unchanged on failure.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.pos.checked_add(n)?;
        let run = self.bytes.get(self.pos..end)?;
        let mut value = 0u32;
        for &b in run {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos = end;
        Some(value)
    }

    /// One to `max` digits, as many as there are.
    fn digit_run(&mut self, max: usize) -> Option<(u32, usize)> {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            match self.bytes.get(self.pos + n) {
                Some(&b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    n += 1;
                }
                _ => break,
            }
        }
        if n == 0 {
            return None;
        }
        self.pos += n;
        Some((value, n))
    }

    /// `.fraction` of 1 to 9 digits, kept to the microsecond (extra digits truncated).
    fn fraction_micros(&mut self) -> Result<Micros, TimeProblem> {
        if !self.eat(b'.') {
            return Ok(0);
        }
        let (value, n) = self.digit_run(9).ok_or(TimeProblem::Layout)?;
        let micros = if n <= 6 {
            value as i64 * 10i64.pow((6 - n) as u32)
        } else {
            value as i64 / 10i64.pow((n - 6) as u32)
        };
        Ok(micros)
    }

    /// `:MM[:SS[.fraction]]` after an hour: the minute, the second and the fraction (0 when
    /// absent). A fraction is only allowed after seconds (`HH:MM:SS.ffffff`).
    fn minute_second_fraction(&mut self) -> Result<(u32, u32, Micros), TimeProblem> {
        if !self.eat(b':') {
            return Err(TimeProblem::Layout);
        }
        let minute = self.digits(2).ok_or(TimeProblem::Layout)?;
        if !self.eat(b':') {
            return Ok((minute, 0, 0));
        }
        let second = self.digits(2).ok_or(TimeProblem::Layout)?;
        Ok((minute, second, self.fraction_micros()?))
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }
}

/// Parses `timestamp_utc` (SPEC §1): `YYYY-MM-DD HH:MM[:SS[.fraction]]`, space or `T`,
/// then nothing, ` UTC`, `Z`, or an offset `±HH:MM` / `±HHMM`. Surrounding spaces are ignored.
pub fn parse_timestamp(text: &[u8]) -> Result<Micros, TimeProblem> {
    parse_timestamp_after(text, &mut LastDate::default())
}

/// The last date [`parse_timestamp_after`] read, with its day number: a status file comes
/// in time order, so row after row has the same date, and reading it again showed in the
/// ingest's time in wasm (docs/perf-log.md).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LastDate(Option<([u8; 10], i64)>);

/// [`parse_timestamp`], reusing the day number of `last`'s date when the text has it.
pub(crate) fn parse_timestamp_after(
    text: &[u8],
    last: &mut LastDate,
) -> Result<Micros, TimeProblem> {
    if let Some(t) = parse_export_timestamp(text, last) {
        return Ok(t);
    }
    parse_any_timestamp(text)
}

/// The exports' own layout, `YYYY-MM-DD HH:MM:SS[.ffffff] UTC`, read at fixed positions:
/// it is one row in every status row. `None` for anything else, including invalid values,
/// which the general parser then reads or explains.
pub(crate) fn parse_export_timestamp(text: &[u8], last: &mut LastDate) -> Option<Micros> {
    export_timestamp_at(text, last).and_then(|(t, len)| (len == text.len()).then_some(t))
}

/// Eight ASCII digits (checked by the caller), the first the most significant.
#[inline(always)]
fn eight_digits(x: u64) -> u64 {
    // Little-endian: byte i is digit i. Neighbours join into pairs, pairs into quads, quads
    // into the whole, the lower-addressed one on top each time.
    let mut v = x - ONES * u64::from(b'0');
    v = (v * 10 + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v * 100 + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    (v * 10_000 + (v >> 32)) & 0xFFFF_FFFF
}

/// A timestamp in the exports' layout at the start of `bytes` (what follows is the
/// caller's to check): its time, and its length. The clock and the fraction are read
/// eight bytes at a time: byte by byte they were a tenth of the page's ingest at 10×
/// (docs/perf-log.md, "2026-12-01, day"); `timestamps_in_the_exports_layout_read_as_the_
/// general_parser_reads_them` holds them to the general parser.
#[inline]
pub(crate) fn export_timestamp_at(bytes: &[u8], last: &mut LastDate) -> Option<(Micros, usize)> {
    const SECONDS_END: usize = "YYYY-MM-DD HH:MM:SS".len();
    let (head, rest) = bytes.split_at_checked(SECONDS_END)?;
    let head: &[u8; SECONDS_END] = head.try_into().ok()?;
    let two = |i: usize| two_digits(head[i], head[i + 1]);
    if head[10] != b' ' {
        return None;
    }
    let date: [u8; 10] = head[..10].try_into().ok()?;
    let days = match last.0 {
        Some((last_date, days)) if last_date == date => days,
        _ => {
            if head[4] != b'-' || head[7] != b'-' {
                return None;
            }
            let year = i64::from(two(0)? * 100 + two(2)?);
            let (month, day) = (two(5)?, two(8)?);
            if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
                return None;
            }
            let days = days_from_civil(year, month, day);
            last.0 = Some((date, days));
            days
        }
    };
    // `HH:MM:SS`: digits at bytes 0, 1, 3, 4, 6, 7 and colons at 2 and 5.
    const CLOCK_DIGITS: u64 = 0x8080_0080_8000_8080;
    const COLONS_AT: u64 = 0x0000_FF00_00FF_0000;
    const COLONS: u64 = 0x0000_3A00_003A_0000;
    let clock = u64::from_le_bytes(head[11..].try_into().ok()?);
    if digit_bits(clock) & CLOCK_DIGITS != CLOCK_DIGITS || clock & COLONS_AT != COLONS {
        return None;
    }
    // Byte 0 becomes the hour, byte 3 the minute, byte 6 the second (each at most 99, so
    // no byte carries into the next).
    let d = clock - ONES * u64::from(b'0');
    let pairs = d.wrapping_mul(10) + (d >> 8);
    let (hour, minute, second) = (pairs & 0xFF, (pairs >> 24) & 0xFF, (pairs >> 48) & 0xFF);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut fraction = 0i64;
    let mut len = SECONDS_END;
    if let [b'.', after @ ..] = rest {
        // Near the end of the bytes, the ones there with NULs after (not digits).
        let eight = after.first_chunk::<8>().copied().unwrap_or_else(|| {
            let mut eight = [0; 8];
            eight[..after.len()].copy_from_slice(after);
            eight
        });
        let x = u64::from_le_bytes(eight);
        let n = ((digit_bits(x) ^ HIGH_BITS).trailing_zeros() / 8) as usize;
        if !(1..=6).contains(&n) {
            return None;
        }
        // The digits, padded with zeros to eight: the fraction in units of 10 ns.
        let kept = (1u64 << (8 * n)) - 1;
        let padded = (x & kept) | ((ONES * u64::from(b'0')) & !kept);
        fraction = (eight_digits(padded) / 100) as i64;
        len += 1 + n;
    }
    if bytes[len..].starts_with(b" UTC") {
        len += 4;
    }
    let t = days * MICROS_PER_DAY
        + hour as i64 * MICROS_PER_HOUR
        + minute as i64 * MICROS_PER_MINUTE
        + second as i64 * MICROS_PER_SECOND
        + fraction;
    Some((t, len))
}

/// Two ASCII digits as a number.
#[inline(always)]
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    let (t, o) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (t < 10 && o < 10).then_some(u32::from(t) * 10 + u32::from(o))
}

fn parse_any_timestamp(text: &[u8]) -> Result<Micros, TimeProblem> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(TimeProblem::Empty);
    }
    let mut c = Cursor::new(text);
    let layout = TimeProblem::Layout;
    let year = c.digits(4).ok_or(layout)?;
    if !c.eat(b'-') {
        return Err(layout);
    }
    let month = c.digits(2).ok_or(layout)?;
    if !c.eat(b'-') {
        return Err(layout);
    }
    let day = c.digits(2).ok_or(layout)?;
    if !(c.eat(b' ') || c.eat(b'T') || c.eat(b't')) {
        return Err(layout);
    }
    let hour = c.digits(2).ok_or(layout)?;
    let (minute, second, fraction) = c.minute_second_fraction()?;
    let offset = parse_zone_suffix(c.rest())?;

    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimeProblem::OutOfRange);
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimeProblem::OutOfRange);
    }
    let days = days_from_civil(year, month, day);
    let local = days * MICROS_PER_DAY
        + i64::from(hour) * MICROS_PER_HOUR
        + i64::from(minute) * MICROS_PER_MINUTE
        + i64::from(second) * MICROS_PER_SECOND
        + fraction;
    Ok(local - offset)
}

/// The part after the time: nothing, `UTC`, `Z`, `±HH:MM` or `±HHMM`; returns the offset.
fn parse_zone_suffix(rest: &[u8]) -> Result<Micros, TimeProblem> {
    let rest = rest.trim_ascii_start();
    if rest.is_empty() || rest.eq_ignore_ascii_case(b"UTC") || rest.eq_ignore_ascii_case(b"Z") {
        return Ok(0);
    }
    let mut c = Cursor::new(rest);
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(TimeProblem::Layout),
    };
    c.pos += 1;
    let hours = c.digits(2).ok_or(TimeProblem::Layout)?;
    c.eat(b':');
    let minutes = c.digits(2).ok_or(TimeProblem::Layout)?;
    if !c.rest().is_empty() {
        return Err(TimeProblem::Layout);
    }
    if hours > 23 || minutes > 59 {
        return Err(TimeProblem::OutOfRange);
    }
    Ok(sign * (i64::from(hours) * MICROS_PER_HOUR + i64::from(minutes) * MICROS_PER_MINUTE))
}

/// Parses a business-hours time of day (SPEC §1): `HH:MM`, `HH:MM:SS` or
/// `HH:MM:SS.fraction`, as microseconds after midnight. `24:00[:00]` is the end of the day
/// and is accepted only when `allow_end_of_day`. One-digit hours (`9:00`, as spreadsheets
/// re-save them) are accepted too.
pub fn parse_time_of_day(text: &[u8], allow_end_of_day: bool) -> Result<Micros, TimeProblem> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(TimeProblem::Empty);
    }
    let mut c = Cursor::new(text);
    let layout = TimeProblem::Layout;
    let (hour, _) = c.digit_run(2).ok_or(layout)?;
    let (minute, second, fraction) = c.minute_second_fraction()?;
    if !c.rest().is_empty() {
        return Err(layout);
    }
    if minute > 59 || second > 59 {
        return Err(TimeProblem::OutOfRange);
    }
    if hour == 24 {
        if minute != 0 || second != 0 || fraction != 0 {
            return Err(TimeProblem::OutOfRange);
        }
        return if allow_end_of_day {
            Ok(MICROS_PER_DAY)
        } else {
            Err(TimeProblem::MidnightStart)
        };
    }
    if hour > 23 {
        return Err(TimeProblem::OutOfRange);
    }
    Ok(i64::from(hour) * MICROS_PER_HOUR
        + i64::from(minute) * MICROS_PER_MINUTE
        + i64::from(second) * MICROS_PER_SECOND
        + fraction)
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff] UTC`: the layout the public data set uses, trailing zeros
/// of the fraction dropped. Used for summaries, never for the report's numbers.
pub fn format_timestamp(t: Micros) -> String {
    let days = t.div_euclid(MICROS_PER_DAY);
    let in_day = t.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        in_day / MICROS_PER_HOUR,
        in_day / MICROS_PER_MINUTE % 60,
        in_day / MICROS_PER_SECOND % 60
    );
    push_fraction(&mut out, in_day % MICROS_PER_SECOND);
    out.push_str(" UTC");
    out
}

/// `HH:MM[:SS[.ffffff]]` of a time of day (`24:00` for the end of the day).
pub fn format_time_of_day(t: Micros) -> String {
    let mut out = format!(
        "{:02}:{:02}",
        t / MICROS_PER_HOUR,
        t / MICROS_PER_MINUTE % 60
    );
    let rest = t % MICROS_PER_MINUTE;
    if rest != 0 {
        out.push_str(&format!(":{:02}", rest / MICROS_PER_SECOND));
        push_fraction(&mut out, rest % MICROS_PER_SECOND);
    }
    out
}

fn push_fraction(out: &mut String, micros: i64) {
    if micros != 0 {
        let digits = format!("{micros:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Micros {
        parse_timestamp(s.as_bytes()).unwrap()
    }

    #[test]
    fn civil_round_trip_over_many_years() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn weekday_zero_is_monday() {
        assert_eq!(weekday_of_days(days_from_civil(2024, 10, 14)), 0); // a Monday
        assert_eq!(weekday_of_days(days_from_civil(2023, 1, 22)), 6); // a Sunday
        assert_eq!(weekday_of_days(days_from_civil(1969, 12, 31)), 2);
    }

    #[test]
    fn spec_1_timestamp_public_layout() {
        let t = ts("2023-01-22 12:09:39.388884 UTC");
        assert_eq!(format_timestamp(t), "2023-01-22 12:09:39.388884 UTC");
        assert_eq!(
            ts("2024-10-14 23:55:18.727055 UTC") % MICROS_PER_SECOND,
            727_055
        );
    }

    #[test]
    fn spec_1_timestamp_variants_agree() {
        let base = ts("2024-03-10 08:30:00 UTC");
        for text in [
            "2024-03-10 08:30",
            "2024-03-10T08:30:00Z",
            "2024-03-10 08:30:00",
            "  2024-03-10 08:30:00.000 utc  ",
            "2024-03-10T10:30:00+02:00",
            "2024-03-10T03:30:00-0500",
            "2024-03-10 08:30:00.000000009 UTC",
        ] {
            assert_eq!(ts(text), base, "{text}");
        }
    }

    #[test]
    fn spec_1_fraction_kept_to_microsecond_and_truncated() {
        let base = ts("2024-01-01 00:00:00");
        assert_eq!(ts("2024-01-01 00:00:00.5") - base, 500_000);
        assert_eq!(ts("2024-01-01 00:00:00.1234567 UTC") - base, 123_456);
        assert_eq!(ts("2024-01-01 00:00:00.999999999 UTC") - base, 999_999);
    }

    #[test]
    fn spec_1_bad_timestamps_are_rejected() {
        use TimeProblem::*;
        for (text, problem) in [
            ("", Empty),
            ("2023-01-2", Layout),
            ("2023/01/22 12:00:00", Layout),
            ("2023-01-22 12:00:00 CET", Layout),
            ("2023-01-22 12:00:00.", Layout),
            ("2023-01-22 12:00.5", Layout),
            ("2023-01-22 12:00:00.1234567890", Layout),
            ("2023-13-01 00:00:00", OutOfRange),
            ("2023-02-29 00:00:00", OutOfRange),
            ("2023-01-22 24:00:00", OutOfRange),
            ("2023-01-22 12:60:00", OutOfRange),
            ("2023-01-22 12:00:60", OutOfRange),
            ("2023-01-22 12:00:00+24:00", OutOfRange),
        ] {
            assert_eq!(parse_timestamp(text.as_bytes()), Err(problem), "{text}");
        }
        assert!(parse_timestamp(b"2024-02-29 00:00:00").is_ok());
    }

    /// The clock and the fraction are read eight bytes at a time: every byte of the clock
    /// swapped for a digit's neighbours (`/`, `:`), a colon, a space or a digit with its high
    /// bit set, and fractions of 0 to 8 digits followed by each kind of byte, long enough
    /// for the eight-byte read or not, read as the general parser reads them.
    #[test]
    fn timestamps_in_the_exports_layout_read_as_the_general_parser_reads_them() {
        let odd = [b'0', b'9', b'/', b':', b' ', b'5', 0xB0, 0xB9, b'2', b'6'];
        let tails: [&[u8]; 7] = [
            b"",
            b" UTC",
            b" UTC\n",
            b"\n12345678",
            b"x",
            b"/",
            &[0xB5, b'1'],
        ];
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for at in 0..8 {
            for &b in &odd {
                let mut clock = *b"23:59:59";
                clock[at] = b;
                texts.push([&b"2024-02-29 "[..], &clock, b".123456 UTC"].concat());
                texts.push([&b"2024-02-29 "[..], &clock].concat());
            }
        }
        for digits in 0..=8usize {
            for tail in tails {
                for &last in &odd {
                    let fraction: Vec<u8> = (0..digits).map(|i| b'1' + i as u8).collect();
                    let mut text = b"1999-12-31 00:00:00.".to_vec();
                    text.extend(&fraction[..digits.saturating_sub(1)]);
                    if digits > 0 {
                        text.push(last);
                    }
                    text.extend(tail);
                    texts.push(text);
                }
            }
        }
        // The layout, byte by byte: the fast path must take every valid text in it.
        let in_layout = |text: &[u8]| {
            let digit_at = |i: usize| text.get(i).is_some_and(u8::is_ascii_digit);
            let clock_ok = text.len() >= 19
                && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
                    .into_iter()
                    .all(digit_at)
                && (text[4], text[7], text[10], text[13], text[16])
                    == (b'-', b'-', b' ', b':', b':');
            let mut at = 19;
            if clock_ok && text.get(at) == Some(&b'.') {
                let n = text[at + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if n == 0 || n > 6 {
                    return false;
                }
                at += 1 + n;
            }
            clock_ok && (text[at..].is_empty() || &text[at..] == b" UTC")
        };
        let mut taken = 0;
        for text in &texts {
            let shown = String::from_utf8_lossy(text);
            let general = parse_any_timestamp(text);
            let fast = parse_export_timestamp(text, &mut LastDate::default());
            if let Some(t) = fast {
                assert_eq!(general, Ok(t), "{shown}");
                taken += 1;
            } else {
                assert!(!(in_layout(text) && general.is_ok()), "{shown}");
            }
            // At the start of a line: the same time, over exactly the bytes it read.
            if let Some((t, len)) = export_timestamp_at(text, &mut LastDate::default()) {
                let exact = parse_export_timestamp(&text[..len], &mut LastDate::default());
                assert_eq!(exact, Some(t), "{shown}");
            }
        }
        assert!(taken > 0);
        let t = |text: &[u8]| parse_export_timestamp(text, &mut LastDate::default());
        assert_eq!(
            t(b"2024-02-29 23:59:59.000001 UTC"),
            parse_any_timestamp(b"2024-02-29 23:59:59.000001").ok()
        );
        assert_eq!(
            t(b"2024-02-29 23:59:59.9"),
            Some(ts("2024-02-29 23:59:59") + 900_000)
        );
        assert_eq!(
            t(b"2024-02-29 23:59:59.123456 UTC").map(|t| t % MICROS_PER_SECOND),
            Some(123_456)
        );
        assert_eq!(
            t(b"2024-02-29 23:59:59.12 UTC").map(|t| t % MICROS_PER_SECOND),
            Some(120_000)
        );
    }

    #[test]
    fn the_export_fast_path_agrees_with_the_general_parser() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: [&[&str]; 8] = [
            &["2024", "0000", "9999", "1999"],
            &["-"],
            &["01", "02", "12", "13", "00"],
            &["-"],
            &["01", "28", "29", "30", "31", "32", "00"],
            &[
                " 00:00:00",
                " 23:59:59",
                " 24:00:00",
                " 12:60:00",
                " 12:00:60",
                "T12:00:00",
            ],
            &["", ".5", ".123456", ".1234567", ".", ".12x"],
            &["", " UTC", " utc", "Z", " UTC ", "+01:00"],
        ];
        // One `LastDate` for the whole run, as for a file: its date is reused whenever the
        // next text has the same first ten bytes, valid or not.
        let mut last = LastDate::default();
        for _ in 0..20_000 {
            let text: String = pieces
                .iter()
                .map(|p| p[next() as usize % p.len()])
                .collect();
            let fast = parse_export_timestamp(text.as_bytes(), &mut LastDate::default());
            let general = parse_any_timestamp(text.as_bytes());
            if let Some(t) = fast {
                assert_eq!(general, Ok(t), "{text}");
            }
            assert_eq!(parse_timestamp(text.as_bytes()), general, "{text}");
            assert_eq!(
                parse_timestamp_after(text.as_bytes(), &mut last),
                general,
                "{text} after {last:?}"
            );
        }
        let mut none = LastDate::default();
        assert!(parse_export_timestamp(b"2023-01-22 12:09:39.388884 UTC", &mut none).is_some());
        assert!(parse_export_timestamp(b"2023-01-22 12:09:39", &mut none).is_some());
        // A remembered date never vouches for other bytes, even NULs where digits were.
        assert!(parse_export_timestamp(b"\0\0\0\0\0\0\0\0\0\0 12:09:39", &mut none).is_none());
    }

    #[test]
    fn timestamps_at_the_ends_of_four_digit_years() {
        let first = ts("0001-01-01 00:00:00");
        let last = ts("9999-12-31 23:59:59.999999");
        assert!(first < last);
        assert_eq!(format_timestamp(last), "9999-12-31 23:59:59.999999 UTC");
    }

    #[test]
    fn spec_1_times_of_day() {
        let tod = |s: &str| parse_time_of_day(s.as_bytes(), true);
        assert_eq!(tod("00:00"), Ok(0));
        assert_eq!(
            tod("09:30"),
            Ok(9 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE)
        );
        assert_eq!(tod("9:30:00"), tod("09:30"));
        assert_eq!(
            tod("23:59:59.5"),
            Ok(MICROS_PER_DAY - MICROS_PER_SECOND / 2)
        );
        assert_eq!(tod("24:00"), Ok(MICROS_PER_DAY));
        assert_eq!(tod("24:00:00"), Ok(MICROS_PER_DAY));
        assert_eq!(
            parse_time_of_day(b"24:00:00", false),
            Err(TimeProblem::MidnightStart)
        );
        assert_eq!(tod("25:00"), Err(TimeProblem::OutOfRange));
        assert_eq!(tod("12:60"), Err(TimeProblem::OutOfRange));
        assert_eq!(tod("24:00:01"), Err(TimeProblem::OutOfRange));
        assert_eq!(tod("noon"), Err(TimeProblem::Layout));
        assert_eq!(tod("12"), Err(TimeProblem::Layout));
        assert_eq!(tod(" "), Err(TimeProblem::Empty));
    }

    #[test]
    fn time_of_day_formats_back() {
        for s in ["00:00", "09:30", "23:59:59", "10:00:00.25", "24:00"] {
            let t = parse_time_of_day(s.as_bytes(), true).unwrap();
            assert_eq!(format_time_of_day(t), s);
        }
    }

    #[test]
    fn spreadsheet_re_saves_are_recognised_never_read() {
        for (text, form) in [
            ("1/8/2024 10:00", Some("M/D/YYYY or D/M/YYYY H:MM")),
            ("13/8/2024 10:00:05", Some("D/M/YYYY H:MM:SS")),
            ("8/13/24 9:00 AM", Some("M/D/YY H:MM AM")),
            ("1.8.2024", Some("M/D/YYYY or D/M/YYYY")),
            ("2024-01-08 10:00 PM", Some("YYYY-MM-DD H:MM AM")),
            ("45299.41667", Some("a spreadsheet date serial number")),
            ("2024-01-08 10:00", None),
            ("yesterday", None),
            ("1/8", None),
            ("32/13/2024", None),
        ] {
            assert_eq!(spreadsheet_form(text.as_bytes()).as_deref(), form, "{text}");
            if form.is_some() {
                assert!(
                    parse_timestamp(text.as_bytes()).is_err(),
                    "{text} is not read"
                );
            }
        }
        assert!(is_twelve_hour_time(b"9:00 AM"));
        assert!(is_twelve_hour_time(b" 12:30:00pm "));
        assert!(!is_twelve_hour_time(b"09:00"));
        assert!(parse_time_of_day(b"9:00 AM", false).is_err());
    }
}
