//! The optional store names file through the command line: recognised by its header,
//! appended as `name`, `region` to the extended report (formula-safe), and nothing else
//! changes — the plain report and, without a names file, the extended one stay byte for
//! byte what they were.

mod common;
use common::{run, scratch, text, write};

use std::collections::HashMap;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small/input");
const FILES: [&str; 3] = ["store_status.csv", "menu_hours.csv", "timezones.csv"];

fn report(extra: &[&str], more: &[&str]) -> (String, String) {
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    let mut args = vec!["report"];
    args.extend(extra);
    args.extend(paths.iter().map(String::as_str));
    args.extend(more);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

/// A CSV field as the report writes it: a leading `'` before a formula, quoted when needed.
fn field(value: &str) -> String {
    let safe = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if safe.contains([',', '"']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

#[test]
fn names_are_appended_to_the_extended_report_and_change_nothing_else() {
    let dir = scratch("names");
    // Ids as the status file has them (one a formula), one id it lacks, one repeat.
    let names = "store_id,name,region\n\
        =formula,=HYPERLINK(\"x\"),North\n\
        s-24x7,\"Main Street, corner\",South\n\
        split,Station,\n\
        s-24x7,Harbour,South\n\
        closed-2019,Old Mill,North\n";
    let names_path = write(&dir, "store names.csv", names.as_bytes());
    let given: HashMap<&str, (&str, &str)> = [
        ("'=formula", ("=HYPERLINK(\"x\")", "North")),
        ("s-24x7", ("Main Street, corner", "South")),
        ("split", ("Station", "")),
    ]
    .into_iter()
    .collect();

    let (plain, _) = report(&[], &[]);
    let (with_names, summary) = report(&[], &[&names_path]);
    assert_eq!(with_names, plain, "the plain report never changes");
    assert!(
        summary.contains("store names.csv: store names, 5 rows (1 skipped), 4 stores"),
        "{summary}"
    );
    assert!(
        summary.contains("1 named in the store names file but without polls"),
        "{summary}"
    );
    assert!(summary.contains("store names.csv, line 5, store_id: `s-24x7` ignored: an earlier row gave this store another name"), "{summary}");

    let (extended, _) = report(&["--extended"], &[]);
    let (named, _) = report(&["--extended"], &[&names_path]);
    let mut expected = String::new();
    for (i, line) in extended.lines().enumerate() {
        expected.push_str(line);
        if i == 0 {
            expected.push_str(",name,region");
        } else {
            let id = line.split(',').next().unwrap();
            let (name, region) = given.get(id).copied().unwrap_or(("", ""));
            expected.push_str(&format!(",{},{}", field(name), field(region)));
        }
        expected.push('\n');
    }
    assert_eq!(named, expected);
    assert!(
        named.contains(",\"'=HYPERLINK(\"\"x\"\")\",North\n"),
        "{named}"
    );
}

#[test]
fn a_header_of_several_layouts_is_read_as_the_first() {
    let dir = scratch("names-first");
    // Both a timezones and a names header: read as timezones, so no names column appears.
    let both = write(
        &dir,
        "both.csv",
        b"store_id,timezone_str,name\nsplit,Asia/Tokyo,Station\n",
    );
    let (extended, summary) = report(&["--extended"], &[&both]);
    assert!(summary.contains("both.csv: timezones"), "{summary}");
    assert!(!extended.lines().next().unwrap().ends_with(",name,region"));
}

/// The fixture's files and a names file naming some of its stores (one name with markup,
/// one store without a region, the others not named).
fn with_names(dir: &std::path::Path) -> (Vec<String>, String) {
    let paths: Vec<String> = FILES.iter().map(|f| format!("{FIXTURE}/{f}")).collect();
    let names = "store_id,name,region\n\
        =formula,<b>Bold</b> & Co,North\n\
        s-24x7,Main Street,South\n\
        split,Station,\n\
        overnight,Night Owl,North\n\
        no-data,Quiet Corner,South\n";
    (paths, write(dir, "names.csv", names.as_bytes()))
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// Every store object of the summary's lists: down now, the longest outage, below target.
fn listed_stores(doc: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut stores: Vec<&serde_json::Value> = doc["down_now"].as_array().unwrap().iter().collect();
    stores.extend(
        doc["outages"]["longest"]
            .as_object()
            .map(|_| &doc["outages"]["longest"]),
    );
    stores.extend(doc["target"]["stores_below"].as_array().unwrap().iter());
    stores
}

#[test]
fn the_summary_names_its_stores_when_a_names_file_is_given_and_only_then() {
    let dir = scratch("names-summary");
    let (paths, names) = with_names(&dir);
    let mut args = vec!["summary", "--json", "--target", "99.99"];
    args.extend(paths.iter().map(String::as_str));
    let plain = stdout_of(&args);
    assert!(
        !plain.contains("\"name\"") && !plain.contains("\"region\""),
        "{plain}"
    );
    args.push(&names);
    let named = stdout_of(&args);
    let doc: serde_json::Value = serde_json::from_str(&named).unwrap();
    let given: HashMap<&str, (&str, Option<&str>)> = [
        ("=formula", ("<b>Bold</b> & Co", Some("North"))),
        ("s-24x7", ("Main Street", Some("South"))),
        ("split", ("Station", None)),
        ("overnight", ("Night Owl", Some("North"))),
        ("no-data", ("Quiet Corner", Some("South"))),
    ]
    .into_iter()
    .collect();
    let stores = listed_stores(&doc);
    assert!(stores.len() >= 2, "the fixture lists stores: {named}");
    let mut some_named = false;
    for store in &stores {
        let id = store["store_id"].as_str().unwrap();
        // A names file read: both keys on every listed store, null when it gives none.
        let (name, region) = match given.get(id) {
            Some(&(name, region)) => (Some(name), region),
            None => (None, None),
        };
        some_named |= name.is_some();
        assert_eq!(store["name"].as_str(), name, "{id}");
        assert!(
            store.get("name").is_some() && store.get("region").is_some(),
            "{id}"
        );
        assert_eq!(store["region"].as_str(), region, "{id}");
    }
    assert!(some_named, "{named}");
    // Without those keys the document is the plain one, byte for byte.
    let mut stripped = doc.clone();
    let strip = |v: &mut serde_json::Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("name");
            o.remove("region");
        }
    };
    stripped["down_now"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .for_each(strip);
    strip(&mut stripped["outages"]["longest"]);
    stripped["target"]["stores_below"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .for_each(strip);
    let mut again = serde_json::to_string_pretty(&stripped).unwrap();
    again.push('\n');
    assert_eq!(again, plain);

    // The text summary puts the name and region beside the id; without names it is as it was.
    let mut args = vec!["summary", "--target", "99.99"];
    args.extend(paths.iter().map(String::as_str));
    let plain_text = stdout_of(&args);
    args.push(&names);
    let named_text = stdout_of(&args);
    let mut expected = plain_text.clone();
    for (id, (name, region)) in &given {
        let words = match region {
            Some(r) => format!("{name}, {r}"),
            None => name.to_string(),
        };
        expected = expected
            .replace(&format!("  {id}  "), &format!("  {id} ({words})  "))
            .replace(
                &format!("Longest: {id} from"),
                &format!("Longest: {id} ({words}) from"),
            );
    }
    assert_eq!(named_text, expected);
    assert_ne!(named_text, plain_text, "some listed store is named");
}

#[test]
fn the_report_file_shows_names_beside_ids_as_text() {
    let dir = scratch("names-html");
    let (paths, names) = with_names(&dir);
    let mut args = vec!["html", "--target", "99.99", "--zone", "UTC"];
    args.extend(paths.iter().map(String::as_str));
    let plain = stdout_of(&args);
    assert!(!plain.contains("class=\"name\""));
    args.push(&names);
    let named = stdout_of(&args);
    assert!(!named.contains("<b>Bold"), "markup in a name stays text");
    let bold = "=formula <span class=\"name\">&lt;b&gt;Bold&lt;/b&gt; &amp; Co</span>";
    let section = |id: &str| {
        let from = named.find(&format!("<section id=\"{id}\">")).expect(id);
        let to = named[from..].find("</section>").unwrap() + from;
        &named[from..to]
    };
    // Every store of the table, with its name when it has one.
    let table = section("stores");
    for (id, name) in [
        ("s-24x7", "Main Street"),
        ("split", "Station"),
        ("overnight", "Night Owl"),
        ("no-data", "Quiet Corner"),
    ] {
        let cell = format!("<tr><th>{id} <span class=\"name\">{name}</span><td>");
        assert!(table.contains(&cell), "{cell}");
    }
    assert!(table.contains(&format!("<tr><th>{bold}<td>")), "{table}");
    assert!(
        table.contains("<tr><th>dst-chicago<td>"),
        "an unnamed store: its id alone"
    );
    // The stores to call and those down now name theirs the same way.
    for id in ["call-list", "down-now"] {
        let list = section(id);
        for row in list.split("<tr><td>").skip(1) {
            let store = row.split("<td>").next().unwrap();
            let plain_id = store.split(" <span").next().unwrap();
            assert_eq!(
                store.contains("class=\"name\""),
                plain_id != "dst-chicago",
                "{id}: {store}"
            );
        }
    }
    assert!(section("call-list").contains("<span class=\"name\">"));
    // Nothing else changes.
    let unnamed = named
        .replace(
            " <span class=\"name\">&lt;b&gt;Bold&lt;/b&gt; &amp; Co</span>",
            "",
        )
        .replace(" <span class=\"name\">Main Street</span>", "")
        .replace(" <span class=\"name\">Station</span>", "")
        .replace(" <span class=\"name\">Night Owl</span>", "")
        .replace(" <span class=\"name\">Quiet Corner</span>", "");
    assert_eq!(unnamed, plain);
}
