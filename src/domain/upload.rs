//! A file as a client uploads it: the bare body (`application/octet-stream`, the XLSX type),
//! or the one file field of a `multipart/form-data` body, as a browser's file input sends
//! it. The body is already bounded by the body limit; finding the file in it is one linear
//! scan for the boundary, done only once the caller's right has been checked. Part headers,
//! the number of parts and the number of files are bounded, so that a body of many tiny
//! parts or one endless header costs no more than its bytes.

use std::fmt;

use memchr::memmem;

/// Parts a multipart body may have: the file and a few fields a form may add beside it.
pub const MAX_PARTS: usize = 8;
/// Bytes of one part's headers (Content-Disposition with a long file name, Content-Type).
pub const MAX_PART_HEADER_BYTES: usize = 4 * 1024;
/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_CHARS: usize = 70;

/// The body of an upload, as it came.
#[derive(Debug, Clone, Copy)]
pub enum Upload<'a> {
    /// The file itself is the body.
    Bare(&'a [u8]),
    /// A `multipart/form-data` body with the boundary its Content-Type names.
    Multipart { body: &'a [u8], boundary: &'a str },
}

/// Why no file could be taken from a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// Not a multipart body as RFC 7578 writes one: what is wrong.
    Malformed(&'static str),
    /// More than `MAX_PARTS` parts.
    TooManyParts,
    /// The headers of a part longer than `MAX_PART_HEADER_BYTES`.
    PartHeadersTooLong,
    /// More than one file.
    MoreThanOneFile,
    /// No file.
    NoFile,
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "the multipart/form-data body is malformed: {why}"),
            Self::TooManyParts => write!(
                f,
                "the multipart/form-data body has more than {MAX_PARTS} parts; send one file field"
            ),
            Self::PartHeadersTooLong => write!(
                f,
                "the headers of a part are longer than {MAX_PART_HEADER_BYTES} bytes"
            ),
            Self::MoreThanOneFile => f.write_str(
                "the multipart/form-data body holds more than one file; send one file field, `file`",
            ),
            Self::NoFile => f.write_str(
                "the multipart/form-data body holds no file; send the workbook in the field `file`",
            ),
        }
    }
}

/// Whether `boundary` is one RFC 2046 allows: 1 to 70 characters of its set, not ending in
/// a space.
pub fn is_boundary(boundary: &str) -> bool {
    (1..=MAX_BOUNDARY_CHARS).contains(&boundary.len())
        && !boundary.ends_with(' ')
        && boundary
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b))
}

impl<'a> Upload<'a> {
    /// The file's bytes.
    pub fn file(self) -> Result<&'a [u8], UploadError> {
        match self {
            Self::Bare(body) => Ok(body),
            Self::Multipart { body, boundary } => single_file(body, boundary),
        }
    }
}

/// The one file of a multipart body: the part whose Content-Disposition names a `filename`,
/// or, when none does, the field named `file`.
fn single_file<'a>(body: &'a [u8], boundary: &str) -> Result<&'a [u8], UploadError> {
    if !is_boundary(boundary) {
        return Err(UploadError::Malformed(
            "the boundary is not one RFC 2046 allows",
        ));
    }
    let delimiter = format!("\r\n--{boundary}");
    let finder = memmem::Finder::new(delimiter.as_bytes());
    // The first delimiter may open the body without the line break before it.
    let mut at = if body.starts_with(&delimiter.as_bytes()[2..]) {
        delimiter.len() - 2
    } else {
        finder.find(body).ok_or(UploadError::Malformed(
            "the boundary does not occur in the body",
        ))? + delimiter.len()
    };
    let mut parts = 0;
    let mut file: Option<&[u8]> = None;
    let mut field: Option<&[u8]> = None;
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            break;
        }
        // Transport padding may follow a delimiter before its line break.
        let padding = rest
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
        if !rest[padding..].starts_with(b"\r\n") {
            return Err(UploadError::Malformed(
                "a delimiter is not followed by a line break",
            ));
        }
        at += padding + 2;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(UploadError::TooManyParts);
        }
        let window = &body[at..body.len().min(at + MAX_PART_HEADER_BYTES + 4)];
        let (headers, content_start) = if window.starts_with(b"\r\n") {
            // A part without headers: its content starts at once.
            (&window[..0], at + 2)
        } else {
            match memmem::find(window, b"\r\n\r\n") {
                Some(end) => (&window[..end], at + end + 4),
                None if window.len() > MAX_PART_HEADER_BYTES => {
                    return Err(UploadError::PartHeadersTooLong);
                }
                None => return Err(UploadError::Malformed("a part's headers do not end")),
            }
        };
        if headers.len() > MAX_PART_HEADER_BYTES {
            return Err(UploadError::PartHeadersTooLong);
        }
        let length = finder
            .find(&body[content_start..])
            .ok_or(UploadError::Malformed("the closing boundary is missing"))?;
        let content = &body[content_start..content_start + length];
        let (name, has_filename) = disposition(headers);
        if has_filename {
            if file.replace(content).is_some() {
                return Err(UploadError::MoreThanOneFile);
            }
        } else if name.as_deref() == Some("file") && field.replace(content).is_some() {
            return Err(UploadError::MoreThanOneFile);
        }
        at = content_start + length + delimiter.len();
    }
    match (file, field) {
        (Some(_), Some(_)) => Err(UploadError::MoreThanOneFile),
        (Some(content), None) | (None, Some(content)) => Ok(content),
        (None, None) => Err(UploadError::NoFile),
    }
}

/// The field name a part's Content-Disposition gives, and whether it names a file.
fn disposition(headers: &[u8]) -> (Option<String>, bool) {
    let headers = String::from_utf8_lossy(headers);
    let Some(value) = headers.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    }) else {
        return (None, false);
    };
    let mut name = None;
    let mut has_filename = false;
    for parameter in value.split(';').skip(1) {
        let Some((key, value)) = parameter.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"');
        match key.as_str() {
            "name" => name = Some(value.to_owned()),
            "filename" | "filename*" => has_filename = true,
            _ => {}
        }
    }
    (name, has_filename)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (headers, content) in parts {
            body.extend_from_slice(format!("--XyZ\r\n{headers}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    }

    fn file(body: &[u8]) -> Result<&[u8], UploadError> {
        Upload::Multipart {
            body,
            boundary: "XyZ",
        }
        .file()
    }

    const FILE: &str = "Content-Disposition: form-data; name=\"file\"; filename=\"自评表.xlsx\"\r\nContent-Type: application/octet-stream";

    #[test]
    fn the_file_of_a_browsers_form_is_its_bytes_exactly() {
        let content = b"PK\x03\x04\r\n--Xy not the boundary\r\n";
        let body = multipart(&[
            ("Content-Disposition: form-data; name=\"note\"", b"x"),
            (FILE, content),
        ]);
        assert_eq!(file(&body), Ok(&content[..]));
        let field = multipart(&[("Content-Disposition: form-data; name=\"file\"", b"abc")]);
        assert_eq!(file(&field), Ok(&b"abc"[..]));
    }

    #[test]
    fn two_files_many_parts_long_headers_or_none_are_refused() {
        let two = multipart(&[(FILE, b"a"), (FILE, b"b")]);
        assert_eq!(file(&two), Err(UploadError::MoreThanOneFile));
        let field = "Content-Disposition: form-data; name=\"x\"";
        let many = multipart(&[(field, &b"a"[..]); MAX_PARTS + 1]);
        assert_eq!(file(&many), Err(UploadError::TooManyParts));
        let long = format!("{FILE}\r\nX-Pad: {}", "a".repeat(MAX_PART_HEADER_BYTES));
        let long = multipart(&[(&long, b"a")]);
        assert_eq!(file(&long), Err(UploadError::PartHeadersTooLong));
        assert_eq!(file(&multipart(&[(field, b"a")])), Err(UploadError::NoFile));
        assert!(matches!(
            file(b"--XyZ\r\n\r\nabc"),
            Err(UploadError::Malformed(_))
        ));
        assert!(matches!(
            file(b"no boundary"),
            Err(UploadError::Malformed(_))
        ));
    }
}
