//! Workbooks made byte by byte for the tests of the workbook reader: a zip archive of any
//! parts (sizes declared as the test says, not as they are), a deflate stream that inflates
//! a thousandfold, a small workbook around a sheet of the self-evaluation table, and the
//! attacks on the reader, each built in a few lines so that a reader of the tests sees what
//! the attack is. Shared by `tests/workbooks` and `tests/api` (`upload_bounds`).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::Write as _;

/// One entry of an archive: its name, its data as stored, how it is stored (0 stored,
/// 8 deflated), and the uncompressed size its headers declare.
pub struct Entry {
    pub name: String,
    pub method: u16,
    pub data: Vec<u8>,
    pub declared_size: u32,
}

impl Entry {
    /// `data` deflated, its size declared truly.
    pub fn deflated(name: &str, data: &[u8]) -> Self {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).expect("deflate in memory");
        Self {
            name: name.to_owned(),
            method: 8,
            data: encoder.finish().expect("deflate in memory"),
            declared_size: u32::try_from(data.len()).unwrap_or(u32::MAX),
        }
    }

    /// `data` as it is.
    pub fn stored(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.to_owned(),
            method: 0,
            data: data.to_vec(),
            declared_size: u32::try_from(data.len()).unwrap_or(u32::MAX),
        }
    }
}

fn u16le(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn narrow(value: usize) -> u32 {
    u32::try_from(value).expect("a test archive under 4 GiB")
}

/// A zip archive of `entries` (CRCs left 0: the reader does not check them).
pub fn archive(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for entry in entries {
        let offset = narrow(out.len());
        let name = entry.name.as_bytes();
        let name_length = u16::try_from(name.len()).expect("a short name");
        // Local header: signature, version, flags, method, time, date, crc, sizes, name.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, 0);
        u16le(&mut out, entry.method);
        u32le(&mut out, 0);
        u32le(&mut out, 0);
        u32le(&mut out, narrow(entry.data.len()));
        u32le(&mut out, entry.declared_size);
        u16le(&mut out, name_length);
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&entry.data);
        // Its directory entry.
        u32le(&mut directory, 0x0201_4b50);
        u16le(&mut directory, 20);
        u16le(&mut directory, 20);
        u16le(&mut directory, 0);
        u16le(&mut directory, entry.method);
        u32le(&mut directory, 0);
        u32le(&mut directory, 0);
        u32le(&mut directory, narrow(entry.data.len()));
        u32le(&mut directory, entry.declared_size);
        u16le(&mut directory, name_length);
        for _ in 0..4 {
            u16le(&mut directory, 0);
        }
        u32le(&mut directory, 0);
        u32le(&mut directory, offset);
        directory.extend_from_slice(name);
    }
    let start = narrow(out.len());
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&directory);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, narrow(directory.len()));
    u32le(&mut out, start);
    u16le(&mut out, 0);
    out
}

/// Bits written least significant first, as deflate packs them.
struct Bits {
    out: Vec<u8>,
    byte: u8,
    used: u8,
}

impl Bits {
    fn put(&mut self, value: u32, count: u8) {
        for i in 0..count {
            self.byte |= u8::from((value >> i) & 1 == 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.out.push(self.byte);
                (self.byte, self.used) = (0, 0);
            }
        }
    }

    /// A Huffman code: written from its most significant bit.
    fn code(&mut self, code: u32, length: u8) {
        for i in (0..length).rev() {
            self.put((code >> i) & 1, 1);
        }
    }
}

/// A deflate stream of `prefix` (ASCII below 0x90) followed by `spaces` spaces (at least
/// 259), in one block of fixed Huffman codes: after one literal space, every 258 spaces are
/// one back-reference of 13 bits, so the stream inflates about 160 times its size.
pub fn deflate_bomb(prefix: &str, spaces: usize) -> Vec<u8> {
    let mut bits = Bits {
        out: Vec::new(),
        byte: 0,
        used: 0,
    };
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    let literal = |bits: &mut Bits, byte: u8| bits.code(0x30 + u32::from(byte), 8);
    for byte in prefix.bytes() {
        literal(&mut bits, byte);
    }
    literal(&mut bits, b' ');
    for _ in 0..(spaces - 1) / 258 {
        bits.code(0b1100_0101, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    if bits.used > 0 {
        bits.out.push(bits.byte);
    }
    bits.out
}

pub const SHEET_PART: &str = "xl/worksheets/sheet1.xml";
const STRINGS_PART: &str = "xl/sharedStrings.xml";

fn workbook_xml(sheets: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    )
}

const RELATIONSHIPS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// The sheet's XML with `data` inside `<sheetData>`.
pub fn sheet_xml(data: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
    )
}

/// A shared-strings part of `strings`, with `attributes` on `<sst>`.
pub fn strings_xml(attributes: &str, strings: &[String]) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {attributes}>"#
    );
    for string in strings {
        let _ = write!(xml, "<si><t>{string}</t></si>");
    }
    xml.push_str("</sst>");
    xml
}

/// The entries of a workbook whose one sheet, 自评表, is `sheet` and whose shared strings
/// are `strings`, each given as stored bytes in an `Entry`.
pub fn workbook_entries(sheet: Entry, strings: Option<Entry>) -> Vec<Entry> {
    let mut entries = vec![
        Entry::deflated(
            "xl/workbook.xml",
            workbook_xml(r#"<sheet name="自评表" sheetId="1" r:id="rId1"/>"#).as_bytes(),
        ),
        Entry::deflated("xl/_rels/workbook.xml.rels", RELATIONSHIPS.as_bytes()),
        sheet,
    ];
    entries.extend(strings);
    entries
}

/// A workbook of the sheet `data` and the shared strings `strings` (none when empty).
pub fn workbook(data: &str, strings: &[String]) -> Vec<u8> {
    let strings = (!strings.is_empty())
        .then(|| Entry::deflated(STRINGS_PART, strings_xml("", strings).as_bytes()));
    archive(&workbook_entries(
        Entry::deflated(SHEET_PART, sheet_xml(data).as_bytes()),
        strings,
    ))
}

/// An inline-string cell.
pub fn text_cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The cells a table needs to be read (unit `code`, 2021, an overall goal), as inline
/// strings, in their rows.
pub fn table_rows(code: &str) -> String {
    format!(
        r#"<row r="2">{}</row><row r="3">{}{}</row><row r="8">{}{}</row>"#,
        text_cell("A2", "（2021年度）"),
        text_cell("G3", "单位代码"),
        text_cell("H3", code),
        text_cell("A8", "年度总体目标"),
        text_cell("B8", "确保政令畅通"),
    )
}

/// The same table with its texts as shared strings, the `<sst>` declaring `attributes`.
pub fn table_with_shared_strings(code: &str, attributes: &str) -> Vec<u8> {
    let texts = [
        "（2021年度）",
        "单位代码",
        code,
        "年度总体目标",
        "确保政令畅通",
    ];
    let strings: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
    let cell =
        |reference: &str, index: usize| format!(r#"<c r="{reference}" t="s"><v>{index}</v></c>"#);
    let data = format!(
        r#"<row r="2">{}</row><row r="3">{}{}</row><row r="8">{}{}</row>"#,
        cell("A2", 0),
        cell("G3", 1),
        cell("H3", 2),
        cell("A8", 3),
        cell("B8", 4),
    );
    archive(&workbook_entries(
        Entry::deflated(SHEET_PART, sheet_xml(&data).as_bytes()),
        Some(Entry::deflated(
            STRINGS_PART,
            strings_xml(attributes, &strings).as_bytes(),
        )),
    ))
}

// ---------------------------------------------------------------------------------------------
// The attacks

/// A readable table whose shared strings declare a hundred billion of them.
pub fn shared_string_count_bomb(code: &str) -> Vec<u8> {
    table_with_shared_strings(code, r#"count="100000000000" uniqueCount="100000000000""#)
}

/// A readable table and one 8,000-character formula shared by `rows` × 16,384 cells below
/// it (each follower writes only `<f t="shared" si="0"/>`).
pub fn shared_formula_bomb(code: &str, rows: u32) -> Vec<u8> {
    let formula = format!("SUM({})", "A1+".repeat(2_000)) + "0";
    let mut data = table_rows(code);
    let _ = write!(
        data,
        r#"<row r="6000"><c r="A6000"><f t="shared" ref="A6000:XFD{}" si="0">{formula}</f></c>"#,
        6000 + rows
    );
    let follower = r#"<c><f t="shared" si="0"/></c>"#.repeat(16_383);
    data.push_str(&follower);
    data.push_str("</row>");
    for row in 1..rows {
        let _ = write!(
            data,
            r#"<row r="{}">{follower}<c><f t="shared" si="0"/></c></row>"#,
            6000 + row
        );
    }
    workbook(&data, &[])
}

/// A readable table and `rows` empty rows after it.
pub fn row_bomb(code: &str, rows: u32) -> Vec<u8> {
    let mut data = table_rows(code);
    for row in 0..rows {
        let _ = write!(data, r#"<row r="{}"/>"#, 10 + row);
    }
    workbook(&data, &[])
}

/// One shared string of 32,767 characters named by `cells` cells of the table's rows.
pub fn one_string_many_references(cells: u32) -> Vec<u8> {
    let long = "长".repeat(32_767);
    let mut data = String::new();
    for i in 0..cells {
        let (row, column) = (i / 26 + 1, i % 26);
        let letter = char::from(b'A' + u8::try_from(column).unwrap_or(0));
        let _ = write!(
            data,
            r#"<row r="{row}"><c r="{letter}{row}" t="s"><v>0</v></c></row>"#
        );
    }
    workbook(&data, &[long])
}

/// A workbook whose sheet inflates to `spaces` spaces and more, its entry declaring 1,000
/// bytes.
pub fn zip_bomb(spaces: usize) -> Vec<u8> {
    let sheet = Entry {
        name: SHEET_PART.to_owned(),
        method: 8,
        data: deflate_bomb(r#"<worksheet><sheetData>"#, spaces),
        declared_size: 1_000,
    };
    archive(&workbook_entries(sheet, None))
}

/// A zip archive of `count` empty entries.
pub fn entry_bomb(count: usize) -> Vec<u8> {
    let entries: Vec<Entry> = (0..count)
        .map(|i| Entry::stored(&format!("e{i}"), b""))
        .collect();
    archive(&entries)
}

/// A workbook naming `count` sheets.
pub fn sheet_bomb(count: usize) -> Vec<u8> {
    let sheets: String = (0..count)
        .map(|i| format!(r#"<sheet name="s{i}" sheetId="{i}" r:id="rId{i}"/>"#))
        .collect();
    archive(&[
        Entry::deflated("xl/workbook.xml", workbook_xml(&sheets).as_bytes()),
        Entry::deflated("xl/_rels/workbook.xml.rels", RELATIONSHIPS.as_bytes()),
    ])
}

/// A sheet of `count` cells without references, in one row below the table.
pub fn cell_bomb(count: usize) -> Vec<u8> {
    workbook(
        &format!(r#"<row r="6000">{}</row>"#, "<c/>".repeat(count)),
        &[],
    )
}

/// `count` empty shared strings.
pub fn string_count_bomb(count: usize) -> Vec<u8> {
    workbook("", &vec![String::new(); count])
}

/// One shared string of `chars` characters.
pub fn long_string(chars: usize) -> Vec<u8> {
    workbook("", &["字".repeat(chars)])
}

/// One formula of `bytes` bytes, in a cell far from the table.
pub fn long_formula(bytes: usize) -> Vec<u8> {
    workbook(
        &format!(
            r#"<row r="6000"><c r="A6000"><f>{}</f></c></row>"#,
            "1".repeat(bytes)
        ),
        &[],
    )
}
