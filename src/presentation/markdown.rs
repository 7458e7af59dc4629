//! Text a unit wrote, put into Markdown so that it reads as itself: no HTML, no link, no
//! heading, list or table of its own — whatever renderer the reader uses.
//!
//! Every character Markdown or HTML could take as syntax inside a line is escaped: `\`, the
//! emphasis and code marks, brackets (so no link or image can be formed), `|` (so no cell is
//! split), `#`, and `<`, `>`, `&` as HTML entities (so no tag or autolink). A word that names
//! a URL scheme other than http, https or mailto (`javascript:`, `data:` …) has its colon
//! escaped. At the start of a line, the marks of a block — headings, lists, quotes, setext
//! underlines, numbered items — are escaped, and the indentation that would make a code block
//! is dropped.

/// The schemes a reader's renderer may link by itself, which stay as they are.
const SAFE_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// `text` as Markdown text that reads as written; its lines stay lines.
pub fn escape(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split('\n')
        .map(escape_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` as Markdown text on one line — a table cell, a heading: its line breaks become
/// spaces.
pub fn one_line(text: &str) -> String {
    escape(&text.replace(['\r', '\n'], " "))
}

/// The byte offsets of the colons that end an unsafe scheme: `javascript:` followed by
/// something other than a space.
fn unsafe_scheme_colons(line: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    let mut colons = Vec::new();
    for (at, _) in line.match_indices(':') {
        let start = bytes[..at]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')))
            .map_or(0, |before| before + 1);
        let scheme = &line[start..at];
        let is_scheme = scheme.len() >= 2 && scheme.as_bytes()[0].is_ascii_alphabetic();
        let followed = bytes.get(at + 1).is_some_and(|b| !b.is_ascii_whitespace());
        if is_scheme && followed && !SAFE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            colons.push(at);
        }
    }
    colons
}

/// How many bytes at the start of `line` a block mark takes that must be escaped, and where
/// its escape goes: `#`, `-`, `+`, `=` at the start, or the `.` / `)` of `12.` and `3)`
/// followed by a space or the end.
fn block_mark(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    match bytes.first()? {
        b'#' | b'-' | b'+' | b'=' => Some(0),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let mark = bytes.get(digits)?;
            let ends = bytes
                .get(digits + 1)
                .is_none_or(|b| b.is_ascii_whitespace());
            (matches!(mark, b'.' | b')') && ends).then_some(digits)
        }
        _ => None,
    }
}

fn escape_line(line: &str) -> String {
    // Four spaces or a tab would start a code block.
    let line = line.trim_start_matches([' ', '\t']);
    let colons = unsafe_scheme_colons(line);
    let mark = block_mark(line);
    let mut out = String::with_capacity(line.len() + 8);
    for (at, c) in line.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ if mark == Some(at) || colons.contains(&at) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_written_as_text() {
        assert_eq!(
            escape("<script>alert(1)</script> & <img src=x onerror=y>"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt;"
        );
    }

    #[test]
    fn no_link_can_be_formed_and_unsafe_schemes_are_neutralised() {
        assert_eq!(
            escape("[点此](javascript:alert(1))"),
            "\\[点此\\](javascript\\:alert(1))"
        );
        assert_eq!(
            escape("![x](data:text/html,y)"),
            "!\\[x\\](data\\:text/html,y)"
        );
        assert_eq!(
            escape("<javascript:alert(1)>"),
            "&lt;javascript\\:alert(1)&gt;"
        );
        assert_eq!(escape("JavaScript:void(0)"), "JavaScript\\:void(0)");
        // A web address stays one a reader can follow; a colon before a space is prose.
        assert_eq!(escape("https://www.gov.cn/x"), "https://www.gov.cn/x");
        assert_eq!(escape("Note: fine"), "Note: fine");
    }

    #[test]
    fn line_leading_markdown_is_escaped_and_inline_marks_everywhere() {
        assert_eq!(escape("# 注入的标题"), "\\# 注入的标题");
        assert_eq!(
            escape("正文\n## 注入\n- 列表\n+ 项\n===\n1. 第一"),
            "正文\n\\#\\# 注入\n\\- 列表\n\\+ 项\n\\===\n1\\. 第一"
        );
        assert_eq!(escape("    code"), "code");
        assert_eq!(escape("> 引用"), "&gt; 引用");
        assert_eq!(
            escape("*粗* _斜_ `码` ~删~"),
            "\\*粗\\* \\_斜\\_ \\`码\\` \\~删\\~"
        );
        // Numbers are left as they read.
        assert_eq!(escape("12.5"), "12.5");
        assert_eq!(escape("-83.9%"), "\\-83.9%");
    }

    #[test]
    fn a_cell_keeps_its_pipes_and_backslashes_and_stays_on_one_line() {
        assert_eq!(one_line("a|b"), "a\\|b");
        // `\|` as written: the backslash and the pipe each escaped, so no renderer splits
        // the cell there.
        assert_eq!(one_line("a\\|b"), "a\\\\\\|b");
        assert_eq!(
            one_line("第一行\n| x | y |\r\n# 标题"),
            "第一行 \\| x \\| y \\|  \\# 标题"
        );
    }
}
