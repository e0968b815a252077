//! Row parsers: a valid header of one of the three layouts, then arbitrary bytes, pushed in
//! arbitrary chunks. Every data row must end up either valid or skipped, never lost.
#![no_main]

use libfuzzer_sys::fuzz_target;
use store_uptime::engine::Ingest;

const HEADERS: [&[u8]; 4] = [
    b"store_id,status,timestamp_utc\n",
    b"store_id,dayOfWeek,start_time_local,end_time_local\n",
    b"store_id,day,start_time_local,end_time_local\r\n",
    b"timezone_str,store_id\n",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let header = HEADERS[usize::from(selector) % HEADERS.len()];
    let chunk = 1 + usize::from(selector >> 2) * 7;
    let mut ingest = Ingest::new();
    let file = ingest.open_file("fuzz.csv");
    ingest.push(file, header).expect("a valid header is accepted");
    for piece in body.chunks(chunk) {
        ingest.push(file, piece).expect("rows never fail a file");
    }
    ingest.close_file(file).expect("rows never fail a file");
    let data = ingest.finish();
    let summary = &data.files[0];
    assert_eq!(summary.rows, summary.valid_rows + data.skips.total(), "every row is valid or skipped");
});
