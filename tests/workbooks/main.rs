//! The workbook reader under attack: each workbook of the attack corpus (made in `make.rs`)
//! is refused naming its bound, or read as the table it also is, without holding more
//! memory than the reader's bounds allow; and thousands of workbooks
//! mutated from the service's own form and from the corpus never make it panic, hold more,
//! or run longer. A test binary of its own, whose allocator counts the bytes the process
//! holds and the most it held; its tests take turns, so that one's allocations do not blur
//! another's measure.

mod make;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use counting::{HELD, PEAK};
use perfeval::domain::report::EvaluationReport;
use perfeval::domain::settings::Weights;
use perfeval::presentation::form;
use perfeval::presentation::narrative::Unit;
use perfeval::presentation::workbook::{
    Bound, MAX_CELLS, MAX_ENTRIES, MAX_FORMULA_BYTES, MAX_ROWS, MAX_SHARED_STRINGS,
    MAX_SHEET_BYTES, MAX_SHEETS, MAX_TEXT_CHARS, Stop, TIME_BUDGET, WorkbookError,
};

#[path = "../support/counting.rs"]
mod counting;

/// The tests take turns: the counters are the process's.
static TURN: Mutex<()> = Mutex::new(());

/// The most a reading may hold beyond what was held before it: the largest XML event (at
/// most a part's 16 MiB), the shared strings (8 MiB of text and their index), the cells kept
/// (2 MiB of text and the map of A1:Z5000), the buffers of the streams.
const HELD_BOUND: usize = 48 * 1024 * 1024;

/// How much later than the budget a reading may end: the interrupt is asked every 64 KiB.
const SLACK: Duration = Duration::from_millis(500);

/// The budget the attack corpus is read with, so that its results do not depend on the
/// machine's load: unoptimised, and on two cores shared with builds, the reader runs many
/// times slower than in the service (the corpus's slowest case, 213,000 formula cells, takes
/// about 2 s there). The service's own budget is held by the mutated workbooks and by
/// `a_reading_past_its_time_budget_stops_and_says_so`.
const CORPUS_BUDGET: Duration = Duration::from_secs(20);

/// What reading a workbook answers: read, or why not.
type Reading = Result<(), WorkbookError>;

/// What a reading did: its result (`Err` with the message when it panicked), the most it
/// held beyond what was held before, and how long it took.
struct Measured {
    result: Result<Reading, String>,
    held: usize,
    took: Duration,
}

/// Reads `bytes` as the service does — the sheet, then the table merged into a report —
/// with the time budget `budget`, measuring it.
fn measured(bytes: &[u8], budget: Duration) -> Measured {
    let draft = EvaluationReport::default();
    let started = Instant::now();
    let until = started + budget;
    let budget = move || (Instant::now() >= until).then_some(Stop::OutOfTime);
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = catch_unwind(AssertUnwindSafe(|| {
        form::parse(bytes, &budget).map(|table| {
            table.apply(&draft, "100", 2021);
        })
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    });
    Measured {
        result,
        held: PEAK.load(Ordering::Relaxed).saturating_sub(before),
        took: started.elapsed(),
    }
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

#[test]
fn each_attack_is_refused_naming_its_bound_within_the_memory_bound() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let sheet = || "自评表".to_owned();
    let too_large = |bound: Bound| Err(WorkbookError::TooLarge(bound));
    // Each: what it is, the workbook, what reading it answers, the most it may hold.
    let attacks: Vec<(&str, Vec<u8>, Reading, usize)> = vec![
        (
            "declared shared-string count of 10^11",
            make::shared_string_count_bomb("100"),
            Ok(()),
            1024 * 1024,
        ),
        (
            "one formula shared by 213,000 cells",
            make::shared_formula_bomb("100", 13),
            Ok(()),
            HELD_BOUND,
        ),
        (
            "rows past the bound",
            make::row_bomb("100", u32::try_from(MAX_ROWS).unwrap_or(u32::MAX) + 1),
            too_large(Bound::Rows { sheet: sheet() }),
            HELD_BOUND,
        ),
        (
            "one 32,767-character string named by 10,000 cells",
            make::one_string_many_references(10_000),
            too_large(Bound::KeptTextBytes { sheet: sheet() }),
            8 * 1024 * 1024,
        ),
        (
            "a sheet inflating to 64 MiB, declaring 1,000 bytes",
            make::zip_bomb(64 * 1024 * 1024),
            too_large(Bound::PartBytes {
                part: make::SHEET_PART.to_owned(),
                limit: MAX_SHEET_BYTES,
            }),
            HELD_BOUND,
        ),
        (
            "entries past the bound",
            make::entry_bomb(MAX_ENTRIES + 1),
            too_large(Bound::Entries),
            1024 * 1024,
        ),
        (
            "sheets past the bound",
            make::sheet_bomb(MAX_SHEETS + 1),
            too_large(Bound::Sheets),
            1024 * 1024,
        ),
        (
            "cells past the bound",
            make::cell_bomb(usize::try_from(MAX_CELLS).unwrap_or(usize::MAX) + 1),
            too_large(Bound::Cells { sheet: sheet() }),
            HELD_BOUND,
        ),
        (
            "shared strings past the bound",
            make::string_count_bomb(MAX_SHARED_STRINGS + 1),
            too_large(Bound::SharedStrings),
            HELD_BOUND,
        ),
        (
            "a string past the bound",
            make::long_string(MAX_TEXT_CHARS + 1),
            too_large(Bound::TextChars),
            1024 * 1024,
        ),
        (
            "a formula past the bound",
            make::long_formula(MAX_FORMULA_BYTES + 1),
            too_large(Bound::FormulaBytes { sheet: sheet() }),
            1024 * 1024,
        ),
    ];
    for (name, bytes, expected, memory) in attacks {
        let reading = measured(&bytes, CORPUS_BUDGET);
        eprintln!(
            "{name}: {} KiB read in {:?}, {:.1} MiB held at most",
            bytes.len() / 1024,
            reading.took,
            mib(reading.held)
        );
        assert_eq!(reading.result, Ok(expected), "{name}");
        assert!(
            reading.held < memory,
            "{name}: {:.1} MiB held",
            mib(reading.held)
        );
    }
}

#[test]
fn a_reading_past_its_time_budget_stops_and_says_so() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let bytes = make::cell_bomb(500_000);
    for stop in [Stop::OutOfTime, Stop::Abandoned] {
        // Asked every 64 KiB: it says stop from its fourth question on.
        let asked = AtomicUsize::new(0);
        let interrupt = || (asked.fetch_add(1, Ordering::Relaxed) >= 3).then_some(stop);
        assert_eq!(
            form::parse(&bytes, &interrupt).map(|_| ()),
            Err(WorkbookError::Stopped(stop))
        );
        assert_eq!(
            asked.load(Ordering::Relaxed),
            4,
            "it stops at the first stop"
        );
    }
}

/// A small deterministic generator (xorshift64*), so that a failing case is found again by
/// its number.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that mean something to the reader somewhere: zip signatures' and XML's.
const INTERESTING: [&[u8]; 14] = [
    b"\0",
    b"\xff\xff\xff\xff",
    b"\xff\xff",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"<",
    b">",
    b"\"",
    b"&",
    b"&#x1F600;",
    b"&bogus;",
    b"99999999999",
    b"_xD800_",
    b"<f t=\"shared\" si=\"0\"/>",
];

/// `bytes` changed by one to four random edits: a byte flipped or set, an interesting
/// token written over or put in, a range cut, repeated or dropped from the end.
fn mutated(bytes: &[u8], random: &mut Random) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + random.below(4) {
        let at = random.below(out.len());
        match random.below(7) {
            0 => {
                if let Some(byte) = out.get_mut(at) {
                    *byte ^= 1 << random.below(8);
                }
            }
            1 => {
                if let Some(byte) = out.get_mut(at) {
                    *byte = u8::try_from(random.below(256)).unwrap_or(0);
                }
            }
            2 => {
                let token = random.pick(&INTERESTING);
                let end = (at + token.len()).min(out.len());
                out.splice(at..end, token.iter().copied());
            }
            3 => {
                let token = random.pick(&INTERESTING);
                out.splice(at..at, token.iter().copied());
            }
            4 => {
                let end = (at + random.below(64)).min(out.len());
                out.drain(at..end);
            }
            5 => {
                let end = (at + random.below(256)).min(out.len());
                let copy = out[at..end].repeat(1 + random.below(8));
                out.splice(at..at, copy);
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// The service's own form of the seed report, as units download it.
fn real_form() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kaifu-2021-government-office/report.json"
    );
    let text = std::fs::read_to_string(path).expect("the seed report");
    let report: EvaluationReport = serde_json::from_str(&text).expect("a report");
    form::write(
        Unit {
            code: "101001",
            name: "开福区政府办公室",
        },
        2021,
        &report,
        &Weights::default(),
    )
    .expect("the form is written")
}

#[test]
fn mutated_workbooks_never_panic_nor_hold_or_take_more_than_the_bounds() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Stored entries, so that a byte edit lands in the XML rather than in a deflate stream.
    let stored = |data: &str, strings: &[String]| {
        make::archive(&make::workbook_entries(
            make::Entry::stored(make::SHEET_PART, make::sheet_xml(data).as_bytes()),
            (!strings.is_empty()).then(|| {
                make::Entry::stored(
                    "xl/sharedStrings.xml",
                    make::strings_xml("", strings).as_bytes(),
                )
            }),
        ))
    };
    let seeds = [
        real_form(),
        stored(&make::table_rows("100"), &[]),
        stored(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c t="s"><v>1</v></c><c><f t="shared" si="0"/></c><c r="D1"><v>1.5E3</v></c><c r="E1" t="b"><v>1</v></c></row>"#,
            &[
                "年度总体目标".to_owned(),
                "<r><t>a</t></r><r><rPh><t>b</t></rPh></r>".to_owned(),
            ],
        ),
        make::shared_string_count_bomb("100"),
        make::shared_formula_bomb("100", 1),
        make::row_bomb("100", 1_000),
        make::one_string_many_references(30),
        make::zip_bomb(20 * 1024 * 1024),
    ];
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let (mut read, mut refused) = (0, 0);
    let (mut most_held, mut longest) = (0, Duration::ZERO);
    for case in 0..2_000 {
        let seed = random.pick(&seeds);
        let bytes = mutated(seed, &mut random);
        let reading = measured(&bytes, TIME_BUDGET);
        match &reading.result {
            Err(panic) => panic!("case {case} panicked: {panic}"),
            Ok(Ok(())) => read += 1,
            Ok(Err(_)) => refused += 1,
        }
        assert!(
            reading.held < HELD_BOUND,
            "case {case} held {:.1} MiB",
            mib(reading.held)
        );
        assert!(
            reading.took < TIME_BUDGET + SLACK,
            "case {case} took {:?}",
            reading.took
        );
        most_held = most_held.max(reading.held);
        longest = longest.max(reading.took);
    }
    eprintln!(
        "2,000 mutated workbooks: {read} read, {refused} refused; at most {:.1} MiB held and {longest:?} taken",
        mib(most_held)
    );
    assert!(read > 100, "the mutations leave some workbooks readable");
}

/// A figure as the documents write it: bytes in MiB, counts with thousands separators.
fn written(value: u64, bytes: bool) -> String {
    if bytes {
        return format!("{} MiB", value / (1024 * 1024));
    }
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[test]
fn the_documented_bounds_are_the_enforced_ones() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    use perfeval::presentation::workbook::{
        MAX_KEPT_TEXT_BYTES, MAX_PART_BYTES, MAX_SHARED_STRINGS_BYTES, MAX_SHARED_TEXT_BYTES,
    };
    let read = |path: &str| {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let document: serde_json::Value =
        serde_json::from_str(&read("openapi/openapi.json")).expect("the document is JSON");
    let operation =
        &document["paths"]["/api/v1/departments/{code}/evaluations/{year}/form"]["post"];
    let description = operation["description"].as_str().expect("a description");
    let security = read("docs/security.md");
    let wide = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
    let bounds = [
        ("MAX_ENTRIES", wide(MAX_ENTRIES), false),
        ("MAX_SHEETS", wide(MAX_SHEETS), false),
        ("MAX_SHEET_BYTES", MAX_SHEET_BYTES, true),
        ("MAX_SHARED_STRINGS_BYTES", MAX_SHARED_STRINGS_BYTES, true),
        ("MAX_PART_BYTES", MAX_PART_BYTES, true),
        ("MAX_ROWS", MAX_ROWS, false),
        ("MAX_CELLS", MAX_CELLS, false),
        ("MAX_TEXT_CHARS", wide(MAX_TEXT_CHARS), false),
        ("MAX_SHARED_STRINGS", wide(MAX_SHARED_STRINGS), false),
        ("MAX_SHARED_TEXT_BYTES", wide(MAX_SHARED_TEXT_BYTES), true),
        ("MAX_FORMULA_BYTES", wide(MAX_FORMULA_BYTES), false),
        ("MAX_KEPT_TEXT_BYTES", wide(MAX_KEPT_TEXT_BYTES), true),
    ];
    for (name, value, bytes) in bounds {
        let figure = written(value, bytes);
        assert!(
            description.contains(&figure),
            "the operation's description does not say {name} = {figure}"
        );
        let row = security
            .lines()
            .find(|line| line.starts_with(&format!("| `{name}`")))
            .unwrap_or_else(|| panic!("docs/security.md has no row for {name}"));
        assert!(
            row.contains(&figure),
            "docs/security.md: {name} is not {figure}: {row}"
        );
    }
    let seconds = format!("{} s", TIME_BUDGET.as_secs());
    assert!(description.contains(&seconds));
    assert!(security.contains(&format!("| `TIME_BUDGET` reading | {seconds} |")));
}
