//! CSV as the service writes it (RFC 4180, CRLF), every file alike — the comparison tables
//! and the open data package: a text field a spreadsheet could take for a formula is
//! defused here, the one place, so that a name a unit typed cannot run in a reader's Excel.

use std::borrow::Cow;

/// A field of a CSV line: a text (a name, a grade), defused; or a number or a code that is
/// written as it is — a `-` of a negative number is not a formula, and a numeric column stays
/// numeric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'a> {
    Text(Cow<'a, str>),
    Plain(Cow<'a, str>),
}

impl<'a> Field<'a> {
    pub fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Self::Text(text.into())
    }

    pub fn plain(value: impl Into<Cow<'a, str>>) -> Self {
        Self::Plain(value.into())
    }
}

/// What a spreadsheet may read as the start of a formula: the formula signs, in their ASCII
/// and full-width forms (some spreadsheets fold the latter), and what it may skip before them.
pub fn starts_like_a_formula(text: &str) -> bool {
    text.chars().next().is_some_and(|first| {
        matches!(
            first,
            '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠'
                // zero-width space, non-joiner, joiner, word joiner, byte order mark
                | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        ) || first.is_whitespace()
    })
}

/// A text that a spreadsheet could take for a formula, with a leading `'`; any other as it is.
pub fn defused(text: &str) -> Cow<'_, str> {
    if starts_like_a_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A field quoted where it must be: with a comma, a quote or a line break in it.
fn quoted(field: &str) -> Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

/// One CSV line, ending in CRLF: texts defused, every field quoted where it must be.
pub fn line<'a>(fields: impl IntoIterator<Item = Field<'a>>) -> String {
    let mut line = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let written = match &field {
            Field::Text(text) => defused(text),
            Field::Plain(value) => Cow::Borrowed(value.as_ref()),
        };
        line.push_str(&quoted(&written));
    }
    line.push_str("\r\n");
    line
}

/// A heading line: the column names, which the service chose, as they are.
pub fn heading<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    line(names.into_iter().map(Field::plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_that_looks_like_a_formula_is_defused_and_a_plain_value_is_not() {
        assert_eq!(
            line([
                Field::text("=HYPERLINK(\"http://x\",\"y\")"),
                Field::plain("-35.533"),
                Field::text("区教育局"),
            ]),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-35.533,区教育局\r\n"
        );
        for prefix in [
            "=", "+", "-", "@", "\t", "\r", "\n", " ", "\u{a0}", "\u{200b}", "\u{feff}",
            "\u{3000}", "＝", "＋", "－", "＠",
        ] {
            let field = format!("{prefix}cmd|' /C calc'!A0");
            assert_eq!(defused(&field), format!("'{field}"));
        }
        assert_eq!(defused(""), "");
    }

    #[test]
    fn fields_are_quoted_only_where_they_must_be() {
        assert_eq!(line([Field::plain("a,\"b\"")]), "\"a,\"\"b\"\"\"\r\n");
        assert_eq!(line([Field::plain("a"), Field::plain("b")]), "a,b\r\n");
        assert_eq!(heading(["x", "y"]), "x,y\r\n");
    }
}
