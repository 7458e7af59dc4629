//! A workbook (XLSX) read within bounds: one sheet's cells, found by the sheet's name, and
//! nothing else. The reader is the door through which a stranger's file comes in, so it
//! trusts nothing the file declares and bounds every dimension before doing the work it
//! costs — the zip container's entries, the bytes each part inflates to, the sheets, rows,
//! cells, shared strings and their text, formulas, the text the caller keeps — and asks an
//! `Interrupt` between every few kilobytes whether to go on (the client is still there, the
//! time budget not spent). Past a bound it stops and names the bound.
//!
//! What it reads: `xl/workbook.xml` (sheet names → relationship ids), its relationships (ids →
//! parts), `xl/sharedStrings.xml`, and the one sheet. A formula is seen, never evaluated or
//! expanded: a cell holding one is `Value::Formula`. A shared string is kept once, and every
//! cell that names it shares it (`Arc<str>`). Styles are not read, so a date is its serial
//! number.

mod zip;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::BufReader;
use std::sync::Arc;
use std::time::Duration;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use self::zip::{Archive, Halt, Metered};

/// Entries the zip container may list; an Excel workbook has a dozen, one with many sheets
/// and pictures a few hundred.
pub const MAX_ENTRIES: usize = 1_000;
/// Sheets the workbook may name.
pub const MAX_SHEETS: usize = 1_000;
/// Bytes the sheet's XML may inflate to, whatever its entry declares.
pub const MAX_SHEET_BYTES: u64 = 16 * 1024 * 1024;
/// Bytes the shared-strings part may inflate to.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
/// Bytes each other part read (the workbook and its relationships) may inflate to.
pub const MAX_PART_BYTES: u64 = 1024 * 1024;
/// Row elements in the sheet, wherever they are (a row far out counts once).
pub const MAX_ROWS: u64 = 100_000;
/// Cell elements in the sheet, wherever they are.
pub const MAX_CELLS: u64 = 1_000_000;
/// Characters of one text: a shared string, an inline string, a cell's value (Excel's own
/// limit for a cell).
pub const MAX_TEXT_CHARS: usize = 32_767;
/// Strings in the shared-strings table; the counts it declares (`count`, `uniqueCount`) are
/// not read.
pub const MAX_SHARED_STRINGS: usize = 100_000;
/// Bytes of text in the shared-strings table, its strings together.
pub const MAX_SHARED_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// Bytes of one formula as the file writes it (Excel's limit is 8,192 characters; escaped
/// and in UTF-8 a character may take up to four bytes).
pub const MAX_FORMULA_BYTES: usize = 32_768;
/// Bytes of text the cells kept may hold together, a shared string counted once per cell
/// that names it: what the caller copies out of them is bounded, however often the file
/// names one long string.
pub const MAX_KEPT_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// How long reading a workbook may take, from its first byte to its last cell.
pub const TIME_BUDGET: Duration = Duration::from_secs(3);

/// How many bytes the inflated XML is read by at a time: the interrupt is asked between them.
const CHUNK: usize = 64 * 1024;

/// Why reading stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Nobody waits for the answer any more: the client went away.
    Abandoned,
    /// The time budget is spent.
    OutOfTime,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Abandoned => f.write_str("the request was abandoned while its workbook was read"),
            Self::OutOfTime => write!(
                f,
                "reading the workbook took longer than {} s",
                TIME_BUDGET.as_secs()
            ),
        }
    }
}

/// Asked between pieces of the work whether to go on; the domain keeps no clock, so whoever
/// runs the reading says (the client gone, the budget spent).
pub trait Interrupt {
    fn stop(&self) -> Option<Stop>;
}

impl<F: Fn() -> Option<Stop>> Interrupt for F {
    fn stop(&self) -> Option<Stop> {
        self()
    }
}

/// Which bound a workbook passed; its `Display` names the bound for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Entries,
    Sheets,
    PartBytes { part: String, limit: u64 },
    Rows { sheet: String },
    Cells { sheet: String },
    TextChars,
    SharedStrings,
    SharedTextBytes,
    FormulaBytes { sheet: String },
    KeptTextBytes { sheet: String },
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Entries => write!(f, "the workbook has more than {MAX_ENTRIES} zip entries"),
            Self::Sheets => write!(f, "the workbook has more than {MAX_SHEETS} sheets"),
            Self::PartBytes { part, limit } => {
                write!(f, "the part {part} inflates to more than {limit} bytes")
            }
            Self::Rows { sheet } => write!(f, "the sheet {sheet} has more than {MAX_ROWS} rows"),
            Self::Cells { sheet } => {
                write!(f, "the sheet {sheet} has more than {MAX_CELLS} cells")
            }
            Self::TextChars => write!(
                f,
                "a text of the workbook is longer than {MAX_TEXT_CHARS} characters"
            ),
            Self::SharedStrings => write!(
                f,
                "the shared-strings table has more than {MAX_SHARED_STRINGS} strings"
            ),
            Self::SharedTextBytes => write!(
                f,
                "the shared-strings table holds more than {MAX_SHARED_TEXT_BYTES} bytes of text"
            ),
            Self::FormulaBytes { sheet } => write!(
                f,
                "a formula of the sheet {sheet} is longer than {MAX_FORMULA_BYTES} bytes"
            ),
            Self::KeptTextBytes { sheet } => write!(
                f,
                "the cells read from the sheet {sheet} hold more than {MAX_KEPT_TEXT_BYTES} bytes of text"
            ),
        }
    }
}

/// Why a workbook was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkbookError {
    /// Not a workbook this reader understands, or without the sheet: what is wrong.
    Unreadable(String),
    /// Past a bound.
    TooLarge(Bound),
    /// Stopped from outside.
    Stopped(Stop),
    /// A file of another format, recognised by its bytes: to be saved as .xlsx.
    OtherFormat(Format),
}

/// A format a clerk's file may be in that is not XLSX, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An OLE2 compound file: Excel 97–2003 (.xls) or WPS (.et).
    LegacyExcel,
    /// An OpenDocument spreadsheet (.ods): a zip whose first entry, `mimetype`, says so.
    OpenDocument,
    /// Text: CSV, or a table saved as text.
    Text,
}

/// The first bytes of an OLE2 compound file.
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// The first entry of an OpenDocument spreadsheet as ODF writes it: a zip local header,
/// then the name `mimetype` and, stored uncompressed, the media type.
const ODS_MIMETYPE: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet";
/// How many bytes are looked at to tell text.
const TEXT_SNIFF_BYTES: usize = 4096;

impl Format {
    /// The format of `bytes` when it is one of those known not to be XLSX; `None` for a zip
    /// (an XLSX, or something the reader will name) and for what it does not know.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(OLE2_MAGIC) {
            return Some(Self::LegacyExcel);
        }
        if bytes.starts_with(b"PK") {
            // ODF puts `mimetype` first, after the 30-byte local header.
            let head = &bytes[..bytes.len().min(30 + ODS_MIMETYPE.len() + 64)];
            let ods = head.len() > 30
                && head[30..]
                    .windows(ODS_MIMETYPE.len())
                    .any(|w| w == ODS_MIMETYPE);
            return ods.then_some(Self::OpenDocument);
        }
        let head = &bytes[..bytes.len().min(TEXT_SNIFF_BYTES)];
        // Text in any encoding a clerk's CSV comes in (UTF-8, GBK …): no control bytes but
        // tab and line breaks, and a line break or a separator.
        let text = !head.is_empty()
            && head
                .iter()
                .all(|&b| b >= 0x20 || b == b'\t' || b == b'\r' || b == b'\n')
            && head.iter().any(|&b| b",;\t\n".contains(&b));
        text.then_some(Self::Text)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Self::LegacyExcel => {
                "the file is a legacy Excel 97-2003 or WPS workbook (.xls or .et), not .xlsx"
            }
            Self::OpenDocument => "the file is an OpenDocument spreadsheet (.ods), not .xlsx",
            Self::Text => "the file is text (CSV or a table saved as text), not an .xlsx workbook",
        };
        write!(
            f,
            "{what}: open it in Excel, WPS or LibreOffice, save it as an Excel workbook (.xlsx) (文件 → 另存为 → .xlsx), and upload that file"
        )
    }
}

impl fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(why) => f.write_str(why),
            Self::TooLarge(bound) => bound.fmt(f),
            Self::Stopped(stop) => stop.fmt(f),
            Self::OtherFormat(format) => format.fmt(f),
        }
    }
}

/// A cell as read: its value, or that it holds a formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(Arc<str>),
    Number(f64),
    /// A truth value, an error (`#N/A`), a date written as text, or a number that is not one:
    /// as the file writes it.
    Other(String),
    Formula,
}

/// Which cells are kept: those in the first `rows` rows and `columns` columns (from 0);
/// cells beyond are read past, at the cost of reading them only.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub rows: u32,
    pub columns: u16,
}

/// The cells of one sheet within the window, by (row, column) from 0; empty cells are left
/// out.
pub type Cells = HashMap<(u32, u16), Value>;

/// Reads the cells of the sheet named `sheet` that lie in `window`.
pub fn read_sheet(
    bytes: &[u8],
    sheet: &str,
    window: Window,
    interrupt: &dyn Interrupt,
) -> Result<Cells, WorkbookError> {
    if let Some(stop) = interrupt.stop() {
        return Err(WorkbookError::Stopped(stop));
    }
    if let Some(format) = Format::sniff(bytes) {
        return Err(WorkbookError::OtherFormat(format));
    }
    let archive = Archive::open(bytes)?;
    let id = sheet_id(&archive, sheet, interrupt)?;
    let (part, strings_part) = parts(&archive, &id, sheet, interrupt)?;
    let strings = match strings_part {
        Some(part) if archive.has(&part) => shared_strings(&archive, &part, interrupt)?,
        _ => Vec::new(),
    };
    let xml = Xml::new(archive.open_part(&part, MAX_SHEET_BYTES, interrupt)?);
    SheetReader {
        xml,
        sheet,
        window,
        strings: &strings,
        cells: HashMap::new(),
        rows: 0,
        cell_elements: 0,
        kept_text: 0,
    }
    .read()
}

// ---------------------------------------------------------------------------------------------
// XML

/// One part's XML, read event by event from its metered stream.
struct Xml<'a, 'i> {
    reader: Reader<BufReader<Metered<'a, 'i>>>,
    part: String,
}

impl<'a, 'i> Xml<'a, 'i> {
    fn new(source: Metered<'a, 'i>) -> Self {
        let part = source.part().to_owned();
        let mut reader = Reader::from_reader(BufReader::with_capacity(CHUNK, source));
        // The names of open elements would be kept on a stack as deep as the file nests.
        reader.config_mut().check_end_names = false;
        Self { reader, part }
    }

    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, WorkbookError> {
        buf.clear();
        self.reader.read_event_into(buf).map_err(|e| self.error(e))
    }

    /// The bound or stop that ended a read, else what is wrong with the XML.
    fn error(&self, error: quick_xml::Error) -> WorkbookError {
        if let quick_xml::Error::Io(io) = &error
            && let Some(Halt(why)) = io.get_ref().and_then(|e| e.downcast_ref::<Halt>())
        {
            return why.clone();
        }
        WorkbookError::Unreadable(format!("the part {} could not be read: {error}", self.part))
    }
}

/// The attribute whose local name is `name`, unescaped (borrowed when it has no escapes).
fn attribute<'e>(
    element: &'e BytesStart<'_>,
    name: &str,
) -> Result<Option<Cow<'e, str>>, WorkbookError> {
    let unreadable = |e: &dyn fmt::Display| {
        WorkbookError::Unreadable(format!("an attribute could not be read: {e}"))
    };
    for attribute in element.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| unreadable(&e))?;
        if attribute.key.local_name().as_ref() == name {
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| unreadable(&e))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// The relationship id of the sheet named `name`, from `xl/workbook.xml`.
fn sheet_id(
    archive: &Archive<'_>,
    name: &str,
    interrupt: &dyn Interrupt,
) -> Result<String, WorkbookError> {
    let mut xml = Xml::new(archive.open_part("xl/workbook.xml", MAX_PART_BYTES, interrupt)?);
    let mut buf = Vec::new();
    let mut sheets = 0;
    let mut found = None;
    loop {
        match xml.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                sheets += 1;
                if sheets > MAX_SHEETS {
                    return Err(WorkbookError::TooLarge(Bound::Sheets));
                }
                if found.is_none() && attribute(&e, "name")?.as_deref() == Some(name) {
                    found = attribute(&e, "id")?.map(Cow::into_owned);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    found
        .ok_or_else(|| WorkbookError::Unreadable(format!("the workbook has no sheet named {name}")))
}

/// The sheet's part, and the shared strings' part if the workbook names one, from
/// `xl/_rels/workbook.xml.rels`.
fn parts(
    archive: &Archive<'_>,
    id: &str,
    sheet: &str,
    interrupt: &dyn Interrupt,
) -> Result<(String, Option<String>), WorkbookError> {
    let mut xml =
        Xml::new(archive.open_part("xl/_rels/workbook.xml.rels", MAX_PART_BYTES, interrupt)?);
    let mut buf = Vec::new();
    let (mut part, mut strings) = (None, None);
    loop {
        match xml.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let Some(target) = attribute(&e, "Target")? else {
                    continue;
                };
                if part.is_none() && attribute(&e, "Id")?.as_deref() == Some(id) {
                    part = Some(part_name(&target));
                } else if strings.is_none()
                    && attribute(&e, "Type")?.is_some_and(|t| t.ends_with("/sharedStrings"))
                {
                    strings = Some(part_name(&target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let part = part.ok_or_else(|| {
        WorkbookError::Unreadable(format!("the workbook names no part for the sheet {sheet}"))
    })?;
    Ok((
        part,
        strings.or_else(|| Some("xl/sharedStrings.xml".to_owned())),
    ))
}

/// A relationship's target as a part name: absolute (`/xl/…`) or relative to `xl/`.
fn part_name(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{target}"),
    }
}

/// Text as Excel writes it inside `<t>` and `<v>`: `_xHHHH_` is the UTF-16 unit HHHH
/// (so `_x000D_` is a carriage return, and a pair of them a character beyond the BMP).
fn excel_unescaped(text: &str) -> String {
    fn unit_at(text: &str, at: usize) -> Option<u16> {
        let escape = text.get(at..at + 7)?;
        let hex = escape.strip_prefix("_x")?.strip_suffix('_')?;
        u16::from_str_radix(hex, 16).ok()
    }
    if !text.contains("_x") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        if let Some(unit) = unit_at(text, at) {
            at += 7;
            let low = unit_at(text, at).filter(|low| (0xDC00..=0xDFFF).contains(low));
            let decoded = match (unit, low) {
                (0xD800..=0xDBFF, Some(low)) => {
                    at += 7;
                    char::decode_utf16([unit, low]).next().and_then(Result::ok)
                }
                _ => char::decode_utf16([unit]).next().and_then(Result::ok),
            };
            out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            continue;
        }
        let Some(next) = text[at..].chars().next() else {
            break;
        };
        out.push(next);
        at += next.len_utf8();
    }
    out
}

/// A text being gathered from the events of a string item (`<si>`, `<is>`): its runs'
/// `<t>` elements, phonetic runs (`<rPh>`) left out, within `MAX_TEXT_CHARS`. Characters
/// are counted as they come, each once.
#[derive(Default)]
struct RichText {
    text: String,
    chars: usize,
    run: String,
    run_chars: usize,
    in_t: bool,
    preserve: bool,
    in_phonetic: bool,
    /// Whether the text is kept at all; a cell outside the window is only read past.
    kept: bool,
}

impl RichText {
    fn new(kept: bool) -> Self {
        Self {
            kept,
            ..Self::default()
        }
    }

    fn start(&mut self, element: &BytesStart<'_>) -> Result<(), WorkbookError> {
        match element.local_name().as_ref() {
            "rPh" => self.in_phonetic = true,
            "t" if !self.in_phonetic => {
                self.in_t = true;
                self.preserve = attribute(element, "space")?.as_deref() == Some("preserve");
                self.run.clear();
                self.run_chars = 0;
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "rPh" => self.in_phonetic = false,
            "t" if self.in_t => {
                self.in_t = false;
                let run = if self.preserve {
                    self.run.as_str()
                } else {
                    self.run.trim_matches([' ', '\t', '\r', '\n'])
                };
                // Unescaping and trimming only shorten a run: the count stays within bounds.
                let run = excel_unescaped(run);
                self.chars += run.chars().count();
                self.text.push_str(&run);
                self.run.clear();
                self.run_chars = 0;
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) -> Result<(), WorkbookError> {
        if self.in_t && self.kept {
            self.run_chars += text.chars().count();
            if self.chars + self.run_chars > MAX_TEXT_CHARS {
                return Err(WorkbookError::TooLarge(Bound::TextChars));
            }
            self.run.push_str(text);
        }
        Ok(())
    }
}

/// The text of an event inside `<t>` or `<v>`: character data, or a reference resolved.
fn event_text(event: &Event<'_>) -> Result<Option<String>, WorkbookError> {
    Ok(match event {
        Event::Text(text) => Some(text.xml10_content().into_owned()),
        Event::CData(data) => Some(data.xml10_content().into_owned()),
        Event::GeneralRef(reference) => {
            if let Some(entity) = quick_xml::escape::resolve_xml_entity(reference) {
                Some(entity.to_owned())
            } else {
                let character = reference.resolve_char_ref().ok().flatten().ok_or_else(|| {
                    WorkbookError::Unreadable(format!("`&{};` is not a character", &**reference))
                })?;
                Some(character.to_string())
            }
        }
        _ => None,
    })
}

/// The shared-strings table: every `<si>` as one string, within its bounds.
fn shared_strings(
    archive: &Archive<'_>,
    part: &str,
    interrupt: &dyn Interrupt,
) -> Result<Vec<Arc<str>>, WorkbookError> {
    let mut xml = Xml::new(archive.open_part(part, MAX_SHARED_STRINGS_BYTES, interrupt)?);
    let mut buf = Vec::new();
    let mut strings: Vec<Arc<str>> = Vec::new();
    let mut total = 0;
    let mut item: Option<RichText> = None;
    let mut push = |strings: &mut Vec<Arc<str>>, text: &str| {
        if strings.len() == MAX_SHARED_STRINGS {
            return Err(WorkbookError::TooLarge(Bound::SharedStrings));
        }
        total += text.len();
        if total > MAX_SHARED_TEXT_BYTES {
            return Err(WorkbookError::TooLarge(Bound::SharedTextBytes));
        }
        strings.push(Arc::from(text));
        Ok(())
    };
    loop {
        let event = xml.next(&mut buf)?;
        match &event {
            Event::Start(e) if e.local_name().as_ref() == "si" => item = Some(RichText::new(true)),
            Event::Empty(e) if e.local_name().as_ref() == "si" => push(&mut strings, "")?,
            Event::End(e) if e.local_name().as_ref() == "si" => {
                if let Some(done) = item.take() {
                    push(&mut strings, &done.text)?;
                }
            }
            Event::Start(e) => {
                if let Some(item) = item.as_mut() {
                    item.start(e)?;
                }
            }
            Event::End(e) => {
                if let Some(item) = item.as_mut() {
                    item.end(e.local_name().as_ref());
                }
            }
            Event::Eof => break,
            other => {
                if let Some(item) = item.as_mut()
                    && let Some(text) = event_text(other)?
                {
                    item.text(&text)?;
                }
            }
        }
    }
    Ok(strings)
}

// ---------------------------------------------------------------------------------------------
// The sheet

/// `D6` as (row 5, column 3), within Excel's grid (1,048,576 rows, 16,384 columns).
fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let digits = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = reference.split_at(digits);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut column: u32 = 0;
    for letter in letters.bytes() {
        if !letter.is_ascii_alphabetic() {
            return None;
        }
        column = column * 26 + u32::from(letter.to_ascii_uppercase() - b'A') + 1;
    }
    let row = row_number(number)?;
    (1..=16_384).contains(&column).then_some((row, column - 1))
}

/// A row number (from 1) as an index from 0, within Excel's grid.
fn row_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let row: u32 = text.parse().ok()?;
    (1..=1_048_576).contains(&row).then(|| row - 1)
}

/// A cell being read: where it is, its type, what its children said.
struct OpenCell {
    row: u32,
    column: u32,
    kind: Option<String>,
    kept: bool,
    formula: bool,
    formula_bytes: usize,
    in_formula: bool,
    in_value: bool,
    value: Option<String>,
    inline: Option<RichText>,
}

struct SheetReader<'s, 'a, 'i> {
    xml: Xml<'a, 'i>,
    sheet: &'s str,
    window: Window,
    strings: &'s [Arc<str>],
    cells: Cells,
    rows: u64,
    cell_elements: u64,
    kept_text: usize,
}

impl SheetReader<'_, '_, '_> {
    fn read(mut self) -> Result<Cells, WorkbookError> {
        let mut buf = Vec::new();
        let (mut next_row, mut next_column) = (0_u32, 0_u32);
        let mut in_data = false;
        let mut cell: Option<OpenCell> = None;
        loop {
            let event = self.xml.next(&mut buf)?;
            match &event {
                Event::Start(e) if e.local_name().as_ref() == "sheetData" => in_data = true,
                Event::End(e) if e.local_name().as_ref() == "sheetData" => break,
                Event::Eof => break,
                _ if !in_data => {}
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                    self.rows += 1;
                    if self.rows > MAX_ROWS {
                        return Err(self.past(|sheet| Bound::Rows { sheet }));
                    }
                    if let Some(number) = attribute(e, "r")? {
                        next_row = row_number(&number).ok_or_else(|| {
                            self.unreadable(format!("`{number}` is not a row number"))
                        })?;
                    }
                    next_column = 0;
                    if matches!(event, Event::Empty(_)) {
                        next_row = next_row.saturating_add(1);
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "row" => {
                    next_row = next_row.saturating_add(1);
                    next_column = 0;
                }
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "c" => {
                    self.cell_elements += 1;
                    if self.cell_elements > MAX_CELLS {
                        return Err(self.past(|sheet| Bound::Cells { sheet }));
                    }
                    let (row, column) = match attribute(e, "r")? {
                        Some(reference) => cell_position(&reference).ok_or_else(|| {
                            self.unreadable(format!("`{reference}` is not a cell reference"))
                        })?,
                        None => (next_row, next_column),
                    };
                    next_column = column.saturating_add(1);
                    let kept = row < self.window.rows && column < u32::from(self.window.columns);
                    let open = OpenCell {
                        row,
                        column,
                        kind: if kept {
                            attribute(e, "t")?.map(Cow::into_owned)
                        } else {
                            None
                        },
                        kept,
                        formula: false,
                        formula_bytes: 0,
                        in_formula: false,
                        in_value: false,
                        value: None,
                        inline: None,
                    };
                    if matches!(event, Event::Empty(_)) {
                        cell = None;
                    } else {
                        cell = Some(open);
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "c" => {
                    if let Some(done) = cell.take() {
                        self.keep(done)?;
                    }
                }
                _ => {
                    if let Some(open) = cell.as_mut() {
                        self.child(open, &event)?;
                    }
                }
            }
        }
        Ok(self.cells)
    }

    /// An event inside a cell: its formula, value or inline string.
    fn child(&self, cell: &mut OpenCell, event: &Event<'_>) -> Result<(), WorkbookError> {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "f" => {
                // A cell sharing another's formula writes only `<f t="shared" si="0"/>`. Only
                // a kept cell's formula matters; any other's is only measured.
                if cell.kept && attribute(e, "t")?.as_deref() == Some("shared") {
                    cell.formula = true;
                }
                cell.in_formula = matches!(event, Event::Start(_));
            }
            Event::End(e) if e.local_name().as_ref() == "f" => cell.in_formula = false,
            Event::Start(e) if e.local_name().as_ref() == "v" => {
                cell.in_value = true;
                cell.value.get_or_insert_with(String::new);
            }
            Event::End(e) if e.local_name().as_ref() == "v" => cell.in_value = false,
            Event::Start(e) if e.local_name().as_ref() == "is" => {
                cell.inline = Some(RichText::new(cell.kept));
            }
            Event::Start(e) => {
                if let Some(inline) = cell.inline.as_mut() {
                    inline.start(e)?;
                }
            }
            Event::End(e) => {
                if let Some(inline) = cell.inline.as_mut() {
                    inline.end(e.local_name().as_ref());
                }
            }
            other => {
                if cell.in_formula {
                    let length = match other {
                        Event::Text(text) => text.len(),
                        Event::CData(data) => data.len(),
                        Event::GeneralRef(reference) => reference.len() + 2,
                        _ => 0,
                    };
                    cell.formula_bytes += length;
                    cell.formula |= length > 0;
                    if cell.formula_bytes > MAX_FORMULA_BYTES {
                        return Err(self.past(|sheet| Bound::FormulaBytes { sheet }));
                    }
                } else if cell.kept
                    && let Some(text) = event_text(other)?
                {
                    if cell.in_value
                        && let Some(value) = cell.value.as_mut()
                    {
                        value.push_str(&text);
                        if value.len() > 4 * MAX_TEXT_CHARS {
                            return Err(WorkbookError::TooLarge(Bound::TextChars));
                        }
                    } else if let Some(inline) = cell.inline.as_mut() {
                        inline.text(&text)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Keeps a finished cell if it lies in the window and holds something.
    fn keep(&mut self, cell: OpenCell) -> Result<(), WorkbookError> {
        if !cell.kept {
            return Ok(());
        }
        let Some(value) = self.value(&cell)? else {
            return Ok(());
        };
        if let Value::Text(text) = &value {
            self.kept_text += text.len();
        } else if let Value::Other(text) = &value {
            self.kept_text += text.len();
        }
        if self.kept_text > MAX_KEPT_TEXT_BYTES {
            return Err(self.past(|sheet| Bound::KeptTextBytes { sheet }));
        }
        // In the window, so the column is below `Window::columns`, a `u16`.
        let column = u16::try_from(cell.column).unwrap_or(u16::MAX);
        self.cells.insert((cell.row, column), value);
        Ok(())
    }

    /// What a cell holds, by its type (`t`): nothing, text, a number, or a formula.
    fn value(&self, cell: &OpenCell) -> Result<Option<Value>, WorkbookError> {
        if cell.formula {
            return Ok(Some(Value::Formula));
        }
        let raw = cell.value.as_deref().unwrap_or_default();
        let text = |text: &str| -> Result<Value, WorkbookError> {
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(WorkbookError::TooLarge(Bound::TextChars));
            }
            Ok(Value::Text(Arc::from(excel_unescaped(text))))
        };
        Ok(Some(match cell.kind.as_deref() {
            Some("inlineStr") => match &cell.inline {
                Some(inline) => Value::Text(Arc::from(inline.text.as_str())),
                None => return Ok(None),
            },
            _ if raw.is_empty() => return Ok(None),
            Some("s") => {
                let string = raw
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| self.strings.get(index));
                match string {
                    Some(string) => Value::Text(Arc::clone(string)),
                    None => {
                        return Err(self.unreadable(format!(
                            "the cell {} names the shared string {raw}, which the workbook does not have",
                            super::form::address(cell.row, u16::try_from(cell.column).unwrap_or(u16::MAX))
                        )));
                    }
                }
            }
            Some("str") => text(raw)?,
            Some("b") => Value::Other(if raw.trim() == "1" { "TRUE" } else { "FALSE" }.to_owned()),
            Some("e" | "d") => Value::Other(raw.to_owned()),
            Some("n") | None => match raw.trim().parse::<f64>() {
                Ok(number) => Value::Number(number),
                Err(_) if cell.kind.is_none() => text(raw)?,
                Err(_) => Value::Other(raw.to_owned()),
            },
            Some(_) => Value::Other(raw.to_owned()),
        }))
    }

    fn past(&self, bound: impl FnOnce(String) -> Bound) -> WorkbookError {
        WorkbookError::TooLarge(bound(self.sheet.to_owned()))
    }

    fn unreadable(&self, why: String) -> WorkbookError {
        WorkbookError::Unreadable(format!("the sheet {} could not be read: {why}", self.sheet))
    }
}

#[cfg(test)]
mod tests;
