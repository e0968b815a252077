//! The generator's tests: the engine reads exactly what the generator says it wrote.

use std::collections::{HashMap, HashSet};

use super::hours::{hm, hms};
use super::text::{push_timestamp, Layout};
use super::zones::ZONES;
use super::*;
use crate::engine::ingest::unpack_poll;
use crate::engine::{dataset_from_bytes, format_timestamp, parse_timestamp, Dataset};

struct Files {
    status: Vec<u8>,
    hours: Vec<u8>,
    zones: Vec<u8>,
    stats: [WriteStats; 3],
}

fn write(data: &GeneratedData) -> Files {
    let (mut status, mut hours, mut zones) = (Vec::new(), Vec::new(), Vec::new());
    let stats = [
        data.write_status(&mut status).unwrap(),
        data.write_hours(&mut hours).unwrap(),
        data.write_timezones(&mut zones).unwrap(),
    ];
    Files {
        status,
        hours,
        zones,
        stats,
    }
}

fn small(seed: u64, nasty: bool) -> GenConfig {
    GenConfig {
        days: 8,
        nasty,
        ..GenConfig::public_like(seed, 300)
    }
}

fn read(files: &Files) -> Dataset {
    // Any order: files are recognised by their header.
    dataset_from_bytes(&[
        ("timezones.csv", &files.zones),
        ("store_status.csv", &files.status),
        ("menu_hours.csv", &files.hours),
    ])
    .unwrap()
}

/// The engine reads exactly what the generator says it wrote.
fn check_round_trip(config: GenConfig) {
    let data = GeneratedData::generate(config);
    let files = write(&data);
    let dataset = read(&files);
    let bad: u64 = files.stats.iter().map(|s| s.bad_rows).sum();
    assert_eq!(
        dataset.skips.total(),
        bad,
        "{:?}",
        dataset.skips.iter().collect::<Vec<_>>()
    );
    let rows: Vec<u64> = dataset.files.iter().map(|f| f.rows).collect();
    assert_eq!(
        rows,
        [
            files.stats[2].rows,
            files.stats[0].rows,
            files.stats[1].rows
        ]
    );
    assert_eq!(dataset.latest_poll, Some(data.config.end));
    assert_eq!(
        dataset.store_count(),
        data.stores.len() + data.extra_store_ids.len()
    );

    let index: HashMap<&str, u32> = (0..dataset.store_count() as u32)
        .map(|i| (dataset.store_id(i), i))
        .collect();
    let mut expected_polls: Vec<Vec<(Micros, bool)>> = vec![Vec::new(); data.stores.len()];
    for p in &data.polls {
        expected_polls[p.store].push((p.at, p.active));
    }
    for (i, store) in data.stores.iter().enumerate() {
        let idx = *index
            .get(store.id.as_str())
            .unwrap_or_else(|| panic!("store {} not found", store.id));
        assert_eq!(dataset.zone(idx), store.zone, "zone of {}", store.id);
        let mut got: Vec<GenHours> = dataset
            .hours(idx)
            .iter()
            .map(|r| GenHours {
                day: r.day,
                start: r.start,
                end: r.end,
            })
            .collect();
        let mut want = store.hours.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "hours of {}", store.id);
        // One observation per timestamp, `inactive` winning (SPEC §5).
        let mut want = std::mem::take(&mut expected_polls[i]);
        want.sort_unstable();
        let mut merged: Vec<(Micros, bool)> = Vec::new();
        for (at, active) in want {
            match merged.last_mut() {
                Some(last) if last.0 == at => last.1 &= active,
                _ => merged.push((at, active)),
            }
        }
        let got: Vec<(Micros, bool)> = dataset.polls(idx).iter().map(|&p| unpack_poll(p)).collect();
        assert!(!got.is_empty());
        assert_eq!(got, merged, "polls of {}", store.id);
    }
    for id in &data.extra_store_ids {
        let idx = index[id.as_str()];
        assert_eq!(dataset.poll_count(idx), 0);
        assert!(dataset.zone(idx).is_some() || !dataset.hours(idx).is_empty());
    }
}

#[test]
fn engine_reads_what_was_written_nasty_uuid() {
    check_round_trip(small(1, true));
}

#[test]
fn engine_reads_what_was_written_nasty_integer_whole_minutes() {
    check_round_trip(GenConfig {
        id_style: IdStyle::Integer,
        precision: Precision::WholeMinutes,
        ..small(2, true)
    });
}

#[test]
fn engine_reads_what_was_written_clean() {
    check_round_trip(small(3, false));
    check_round_trip(GenConfig::preset_sample());
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = write(&GeneratedData::generate(small(9, true)));
    let b = write(&GeneratedData::generate(small(9, true)));
    assert_eq!(
        (&a.status, &a.hours, &a.zones),
        (&b.status, &b.hours, &b.zones)
    );
    let c = write(&GeneratedData::generate(small(10, true)));
    assert_ne!(a.status, c.status);
    assert_ne!(a.hours, c.hours);
    assert_ne!(a.zones, c.zones);
}

#[test]
fn the_latest_poll_is_end() {
    for config in [
        small(4, true),
        small(5, false),
        GenConfig {
            stores: 1,
            ..small(6, true)
        },
    ] {
        let data = GeneratedData::generate(config.clone());
        assert_eq!(data.config.end, config.end);
        assert_eq!(data.polls.iter().map(|p| p.at).max(), Some(config.end));
        let start = config.end - i64::from(config.days) * MICROS_PER_DAY;
        assert!(data.polls.iter().all(|p| p.at >= start));
    }
    assert!(GeneratedData::generate(GenConfig {
        stores: 0,
        ..small(1, true)
    })
    .polls
    .is_empty());
}

#[test]
fn whole_minutes_are_whole_minutes() {
    let config = GenConfig {
        precision: Precision::WholeMinutes,
        ..small(7, true)
    };
    let data = GeneratedData::generate(config.clone());
    assert_eq!(
        data.config.end,
        config.end - config.end.rem_euclid(MICROS_PER_MINUTE)
    );
    assert!(data.polls.iter().all(|p| p.at % MICROS_PER_MINUTE == 0));
    let files = write(&data);
    let text = String::from_utf8(files.status).unwrap();
    for line in text.lines().skip(1) {
        let ts = line.rsplit(',').next().unwrap();
        if let Ok(t) = parse_timestamp(ts.as_bytes()) {
            assert_eq!(t % MICROS_PER_MINUTE, 0, "{line}");
        }
    }
}

#[test]
fn timestamps_look_like_the_export() {
    let t = parse_timestamp(b"2024-10-03 23:34:06.15508 UTC").unwrap();
    let text = |t, layout| {
        let mut buf = Vec::new();
        push_timestamp(&mut buf, t, layout);
        String::from_utf8(buf).unwrap()
    };
    assert_eq!(text(t, Layout::Utc), "2024-10-03 23:34:06.15508 UTC");
    assert_eq!(text(t, Layout::Utc), format_timestamp(t));
    assert_eq!(text(t, Layout::Zulu), "2024-10-03T23:34:06.15508Z");
    assert_eq!(
        text(t, Layout::Offset(120, false)),
        "2024-10-04 01:34:06.15508+02:00"
    );
    assert_eq!(
        text(t, Layout::Offset(-300, true)),
        "2024-10-03 18:34:06.15508-0500"
    );
    for layout in [
        Layout::Zulu,
        Layout::Offset(330, false),
        Layout::Offset(-420, true),
    ] {
        assert_eq!(parse_timestamp(text(t, layout).as_bytes()), Ok(t));
    }
    let minute = t - t % MICROS_PER_MINUTE;
    assert_eq!(text(minute, Layout::Utc), "2024-10-03 23:34:00 UTC");
    assert_eq!(
        format_timestamp(public_end()),
        "2024-10-14 23:55:18.727055 UTC"
    );
}

#[test]
fn ids_look_real() {
    let uuid = GeneratedData::generate(small(1, false));
    for store in &uuid.stores {
        let parts: Vec<usize> = store.id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{}", store.id);
        assert_eq!(&store.id[14..15], "4");
    }
    let int = GeneratedData::generate(GenConfig {
        id_style: IdStyle::Integer,
        ..small(1, false)
    });
    for store in &int.stores {
        assert_eq!(store.id.len(), 19);
        assert!(store.id.parse::<i64>().is_ok(), "{}", store.id);
    }
    let mut hours = Vec::new();
    int.write_hours(&mut hours).unwrap();
    assert!(hours.starts_with(b"store_id,day,start_time_local,end_time_local\n"));
}

#[test]
fn nasty_has_every_corner() {
    let data = GeneratedData::generate(GenConfig {
        stores: 2000,
        days: 2,
        ..GenConfig::public_like(11, 0)
    });
    let rows: Vec<&GenHours> = data.stores.iter().flat_map(|s| &s.hours).collect();
    let has = |f: &dyn Fn(&GenHours) -> bool| rows.iter().any(|h| f(h));
    assert!(has(&|h| h.end < h.start && h.start != 0), "true overnight");
    assert!(has(&|h| h.end == h.start), "start = end");
    assert!(
        has(&|h| h.start == 0 && h.end == hm(1, 0)),
        "real overnight split"
    );
    assert!(has(&|h| h.end == MICROS_PER_DAY));
    assert!(has(&|h| h.end == hms(23, 59, 59)));
    assert!(has(&|h| h.end == hm(23, 59)));
    let split = data.stores.iter().any(|s| {
        s.hours
            .iter()
            .filter(|h| h.day == 0 && h.start == hm(11, 0))
            .count()
            == 1
            && s.hours.iter().filter(|h| h.day == 0).count() == 2
    });
    assert!(split, "split day");
    let none = data.stores.iter().filter(|s| s.hours.is_empty()).count();
    assert!((200..400).contains(&none), "{none} stores without hours");
    let partial = data.stores.iter().filter(|s| {
        let days: HashSet<u8> = s.hours.iter().map(|h| h.day).collect();
        !days.is_empty() && days.len() < 7
    });
    assert!(partial.count() > 50);
    let zones: HashSet<Option<Tz>> = data.stores.iter().map(|s| s.zone).collect();
    assert_eq!(zones.len(), ZONES.len() + 1);
    let files = write(&data);
    let text = String::from_utf8_lossy(&files.hours);
    assert!(text.lines().any(|l| l.ends_with(",24:00:00")));
    assert!(
        text.lines()
            .any(|l| l.split(',').nth(3).is_some_and(|end| end.len() == 5)),
        "HH:MM rows"
    );
    assert!(!text.ends_with('\n'));
    let zones_text = String::from_utf8_lossy(&files.zones);
    assert!(zones_text.contains("Mars/Olympus") || zones_text.contains("America/Atlantis"));
    let status = String::from_utf8_lossy(&files.status);
    for needle in ["Z\n", "+02:00\n", ",unknown,", "2023-01-2\n", "\n,active,"] {
        assert!(status.contains(needle), "{needle}");
    }
    // Duplicate timestamps with conflicting statuses, and stores with very few polls.
    let conflicts = data
        .polls
        .windows(2)
        .filter(|w| w[0].store == w[1].store && w[0].at == w[1].at && w[0].active != w[1].active);
    assert!(conflicts.count() > 0);
    let mut per_store = vec![0usize; data.stores.len()];
    for p in &data.polls {
        per_store[p.store] += 1;
    }
    assert!(per_store.iter().all(|&n| n > 0));
    assert!(per_store.iter().any(|&n| n <= 4));
    // Downtime exists: most polls active, but not all.
    let inactive = data.polls.iter().filter(|p| !p.active).count() as f64 / data.polls.len() as f64;
    assert!((0.05..0.5).contains(&inactive), "{inactive}");
}

#[test]
fn clean_data_has_no_odd_layouts() {
    let data = GeneratedData::generate(small(12, false));
    let files = write(&data);
    assert!(files.stats.iter().all(|s| s.bad_rows == 0));
    let status = String::from_utf8(files.status).unwrap();
    assert!(status.starts_with("store_id,status,timestamp_utc\n"));
    assert!(status
        .lines()
        .skip(1)
        .all(|l| l.ends_with(" UTC") && (l.contains(",active,") || l.contains(",inactive,"))));
    assert!(files.hours.ends_with(b"\n") && files.zones.ends_with(b"\n"));
}

#[test]
fn fleet_outage_makes_nearly_every_store_inactive() {
    let config = GenConfig::preset_sample();
    let (a, b) = config.fleet_outage.unwrap();
    let data = GeneratedData::generate(config);
    let inside: Vec<&GenPoll> = data
        .polls
        .iter()
        .filter(|p| a <= p.at && p.at < b)
        .collect();
    assert!(inside.len() > 300);
    let inactive = inside.iter().filter(|p| !p.active).count();
    assert!(
        inactive * 100 >= inside.len() * 93,
        "{inactive} of {}",
        inside.len()
    );
}
