use super::zip::Archive;
use super::*;

#[test]
fn cell_references_are_read_within_excels_grid() {
    assert_eq!(cell_position("A1"), Some((0, 0)));
    assert_eq!(cell_position("D6"), Some((5, 3)));
    assert_eq!(cell_position("XFD1048576"), Some((1_048_575, 16_383)));
    for wrong in [
        "", "A", "1", "A0", "XFE1", "A1048577", "AAAA1", "A1B", "Ä1", "A-1",
    ] {
        assert_eq!(cell_position(wrong), None, "{wrong}");
    }
}

#[test]
fn excel_escapes_are_read_as_the_characters_they_stand_for() {
    assert_eq!(excel_unescaped("a_x000D_b"), "a\rb");
    assert_eq!(excel_unescaped("_x005F_x000D_"), "_x000D_");
    assert_eq!(excel_unescaped("_xD83D__xDCF7_"), "📷");
    assert_eq!(excel_unescaped("_xD83D_"), "\u{FFFD}");
    assert_eq!(excel_unescaped("_x12"), "_x12");
    assert_eq!(excel_unescaped("自评_x0041_表"), "自评A表");
}

#[test]
fn what_is_not_a_zip_archive_is_unreadable_and_nothing_is_trusted() {
    for bytes in [
        &b""[..],
        b"PK not really",
        b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0",
    ] {
        assert!(matches!(
            Archive::open(bytes),
            Err(WorkbookError::Unreadable(_))
        ));
    }
}

#[test]
fn a_stopped_reading_does_no_work() {
    let stopped = || Some(Stop::OutOfTime);
    let window = Window {
        rows: 1,
        columns: 1,
    };
    assert_eq!(
        read_sheet(b"anything", "自评表", window, &stopped),
        Err(WorkbookError::Stopped(Stop::OutOfTime))
    );
}

#[test]
fn every_bound_is_named_with_its_figure() {
    let sheet = || "自评表".to_owned();
    let named = [
        (Bound::Entries, "1000 zip entries"),
        (Bound::Sheets, "1000 sheets"),
        (
            Bound::PartBytes {
                part: "xl/worksheets/sheet1.xml".to_owned(),
                limit: MAX_SHEET_BYTES,
            },
            "xl/worksheets/sheet1.xml inflates to more than 16777216 bytes",
        ),
        (
            Bound::Rows { sheet: sheet() },
            "自评表 has more than 100000 rows",
        ),
        (Bound::Cells { sheet: sheet() }, "more than 1000000 cells"),
        (Bound::TextChars, "longer than 32767 characters"),
        (Bound::SharedStrings, "more than 100000 strings"),
        (Bound::SharedTextBytes, "more than 8388608 bytes of text"),
        (
            Bound::FormulaBytes { sheet: sheet() },
            "longer than 32768 bytes",
        ),
        (
            Bound::KeptTextBytes { sheet: sheet() },
            "more than 2097152 bytes of text",
        ),
    ];
    for (bound, words) in named {
        assert!(bound.to_string().contains(words), "{bound}");
    }
    assert!(Stop::OutOfTime.to_string().contains("3 s"));
}
