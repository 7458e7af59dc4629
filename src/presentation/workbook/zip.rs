//! The zip container of a workbook, read from the bytes in memory. Nothing it declares is
//! trusted for an allocation: entries are read one after the other from the central
//! directory (the count the end record declares is not used) up to `MAX_ENTRIES`, and every
//! offset and length is checked against the bytes there are. An entry's data is inflated as
//! a stream by whoever reads it, with its own cap (`Metered`); the uncompressed size an entry
//! declares is not read at all.

use std::io::{self, Read};

use flate2::read::DeflateDecoder;

use super::{Bound, MAX_ENTRIES, WorkbookError};

const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_END_OF_DIRECTORY: u32 = 0x0606_4b50;
const DIRECTORY_ENTRY: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
/// A 32-bit field saying that the value is in the zip64 extra field.
const IN_ZIP64: u32 = u32::MAX;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(8)?)?;
    let mut le = [0; 8];
    le.copy_from_slice(field);
    Some(u64::from_le_bytes(le))
}

/// `at + length` as an index into the bytes, if it is one.
fn offset(at: usize, length: impl TryInto<usize>) -> Option<usize> {
    at.checked_add(length.try_into().ok()?)
}

/// One entry of the central directory, its name borrowed from the bytes.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    compressed: u64,
    local_header: u64,
}

/// A zip archive in memory: its entries, found by name.
pub(super) struct Archive<'a> {
    bytes: &'a [u8],
    entries: Vec<Entry<'a>>,
}

fn damaged(what: &str) -> WorkbookError {
    WorkbookError::Unreadable(format!("the body is not an XLSX workbook: {what}"))
}

impl<'a> Archive<'a> {
    /// Reads the central directory: at most `MAX_ENTRIES` entries.
    pub(super) fn open(bytes: &'a [u8]) -> Result<Self, WorkbookError> {
        let end = end_of_directory(bytes).ok_or_else(|| damaged("it has no zip directory"))?;
        let mut at =
            directory_start(bytes, end).ok_or_else(|| damaged("its zip directory is damaged"))?;
        let mut entries = Vec::new();
        while u32_at(bytes, at) == Some(DIRECTORY_ENTRY) {
            if entries.len() == MAX_ENTRIES {
                return Err(WorkbookError::TooLarge(Bound::Entries));
            }
            let (entry, next) = directory_entry(bytes, at)
                .ok_or_else(|| damaged("an entry of its zip directory is cut short"))?;
            entries.push(entry);
            at = next;
        }
        Ok(Self { bytes, entries })
    }

    /// Whether an entry is named `name` (compared as OPC part names are: ASCII letters in
    /// either case).
    pub(super) fn has(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    fn entry(&self, name: &str) -> Option<&Entry<'a>> {
        let name = name.strip_prefix('/').unwrap_or(name).as_bytes();
        self.entries.iter().find(|entry| {
            let own = entry.name.strip_prefix(b"/").unwrap_or(entry.name);
            own.eq_ignore_ascii_case(name)
        })
    }

    /// The data of the entry `name`, inflated as it is read: a reader that yields at most
    /// `cap` bytes (the next read past it fails with `Bound::PartBytes`) and asks
    /// `interrupt` before every read whether to go on.
    pub(super) fn open_part<'i>(
        &self,
        name: &str,
        cap: u64,
        interrupt: &'i dyn super::Interrupt,
    ) -> Result<Metered<'a, 'i>, WorkbookError> {
        let entry = self
            .entry(name)
            .ok_or_else(|| damaged(&format!("it has no part {name}")))?;
        let cut = || damaged(&format!("its part {name} is cut short"));
        if entry.flags & 1 == 1 {
            return Err(WorkbookError::Unreadable(format!(
                "the workbook is encrypted (its part {name}); save it without a password"
            )));
        }
        let header = usize::try_from(entry.local_header).map_err(|_| cut())?;
        if u32_at(self.bytes, header) != Some(LOCAL_HEADER) {
            return Err(cut());
        }
        let name_length = u16_at(self.bytes, header + 26).ok_or_else(cut)?;
        let extra_length = u16_at(self.bytes, header + 28).ok_or_else(cut)?;
        let start = offset(header + 30, name_length)
            .and_then(|at| offset(at, extra_length))
            .ok_or_else(cut)?;
        let stop = offset(start, entry.compressed).ok_or_else(cut)?;
        let data = self.bytes.get(start..stop).ok_or_else(cut)?;
        let source: Box<dyn Read + 'a> = match entry.method {
            0 => Box::new(data),
            8 => Box::new(DeflateDecoder::new(data)),
            method => {
                return Err(WorkbookError::Unreadable(format!(
                    "the part {name} is compressed with method {method}; a workbook uses deflate"
                )));
            }
        };
        Ok(Metered {
            source,
            left: cap,
            cap,
            part: name.to_owned(),
            interrupt,
        })
    }
}

/// Where the end-of-directory record starts: the last signature from which the record,
/// with its comment, fits the bytes.
fn end_of_directory(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(22)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last).rev().find(|&at| {
        u32_at(bytes, at) == Some(END_OF_DIRECTORY)
            && u16_at(bytes, at + 20)
                .is_some_and(|comment| at + 22 + usize::from(comment) <= bytes.len())
    })
}

/// Where the central directory starts: from the end record, or its zip64 record when the
/// end record says so.
fn directory_start(bytes: &[u8], end: usize) -> Option<usize> {
    let start = u32_at(bytes, end + 16)?;
    if start != IN_ZIP64 {
        return usize::try_from(start).ok();
    }
    let locator = end.checked_sub(20)?;
    if u32_at(bytes, locator)? != ZIP64_LOCATOR {
        return None;
    }
    let record = usize::try_from(u64_at(bytes, locator + 8)?).ok()?;
    if u32_at(bytes, record)? != ZIP64_END_OF_DIRECTORY {
        return None;
    }
    usize::try_from(u64_at(bytes, record + 48)?).ok()
}

/// The directory entry at `at`, and where the next one starts.
fn directory_entry(bytes: &[u8], at: usize) -> Option<(Entry<'_>, usize)> {
    let flags = u16_at(bytes, at + 8)?;
    let method = u16_at(bytes, at + 10)?;
    let compressed = u32_at(bytes, at + 20)?;
    let uncompressed = u32_at(bytes, at + 24)?;
    let name_length = u16_at(bytes, at + 28)?;
    let extra_length = u16_at(bytes, at + 30)?;
    let comment_length = u16_at(bytes, at + 32)?;
    let local_header = u32_at(bytes, at + 42)?;
    let name_start = at.checked_add(46)?;
    let extra_start = offset(name_start, name_length)?;
    let comment_start = offset(extra_start, extra_length)?;
    let next = offset(comment_start, comment_length)?;
    let name = bytes.get(name_start..extra_start)?;
    let extra = bytes.get(extra_start..comment_start)?;
    // The zip64 extra field holds, in this order, each of the three values its 32-bit field
    // leaves to it.
    let mut wide = zip64_values(extra).into_iter().flatten();
    if uncompressed == IN_ZIP64 {
        wide.next()?;
    }
    let compressed = match compressed {
        IN_ZIP64 => wide.next()?,
        narrow => u64::from(narrow),
    };
    let local_header = match local_header {
        IN_ZIP64 => wide.next()?,
        narrow => u64::from(narrow),
    };
    Some((
        Entry {
            name,
            flags,
            method,
            compressed,
            local_header,
        },
        next,
    ))
}

/// The 64-bit values of the zip64 extra field (id 1), if there is one.
fn zip64_values(extra: &[u8]) -> Option<impl Iterator<Item = u64> + '_> {
    let mut at = 0;
    while let (Some(id), Some(length)) = (u16_at(extra, at), u16_at(extra, at + 2)) {
        let data = extra.get(at + 4..offset(at + 4, length)?)?;
        if id == 1 {
            return Some(data.chunks_exact(8).filter_map(|value| u64_at(value, 0)));
        }
        at = offset(at + 4, length)?;
    }
    None
}

/// Why a read of a part stopped: carried through the XML reader's I/O error.
#[derive(Debug)]
pub(super) struct Halt(pub WorkbookError);

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Halt {}

/// A part's data as it is inflated, up to its cap, asking before every read whether to go on.
pub(super) struct Metered<'a, 'i> {
    source: Box<dyn Read + 'a>,
    left: u64,
    cap: u64,
    part: String,
    interrupt: &'i dyn super::Interrupt,
}

impl Metered<'_, '_> {
    /// The part's name in the archive.
    pub(super) fn part(&self) -> &str {
        &self.part
    }
}

impl Read for Metered<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(stop) = self.interrupt.stop() {
            return Err(io::Error::other(Halt(WorkbookError::Stopped(stop))));
        }
        // One byte more than is left, so that a part longer than its cap is seen as such.
        let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let wanted = buf.len().min(room);
        let read = self.source.read(&mut buf[..wanted])?;
        let read_wide = u64::try_from(read).unwrap_or(u64::MAX);
        if read_wide > self.left {
            return Err(io::Error::other(Halt(WorkbookError::TooLarge(
                Bound::PartBytes {
                    part: self.part.clone(),
                    limit: self.cap,
                },
            ))));
        }
        self.left -= read_wide;
        Ok(read)
    }
}
