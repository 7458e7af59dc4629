//! Which library indicator a report's indicator is: the code it names, else its name read
//! alike with a standard name or an alias — spaces, quotes and full-width forms aside. The
//! report is never rewritten: what was matched is said in a finding the unit can confirm (by
//! naming the code) or reject (by stating the comparison).

use serde::Serialize;
use utoipa::ToSchema;

use super::{Library, LibraryIndicator};
use crate::domain::report::Indicator;

/// A name as it is compared: full-width letters, digits and signs as their ASCII forms,
/// without spaces, quotes or brackets of any width, ASCII letters in lower case; a trailing
/// unit in brackets (`预算执行率（%）`) is dropped.
pub fn normalise(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    let trimmed = match folded.trim_end().strip_suffix(')') {
        Some(rest) => match rest.rfind('(') {
            Some(open) if rest[open + 1..].chars().count() <= 4 => &folded[..open],
            _ => folded.as_str(),
        },
        None => folded.as_str(),
    };
    trimmed
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '"' | '\''
                        | '“'
                        | '”'
                        | '‘'
                        | '’'
                        | '「'
                        | '」'
                        | '『'
                        | '』'
                        | '《'
                        | '》'
                        | '〈'
                        | '〉'
                )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a report's indicator was found in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The report names the library code.
    Code,
    /// Its name is the standard name.
    Name,
    /// Its name is one of the aliases.
    Alias,
}

/// A report's indicator found in the library.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LibraryMatch<'a> {
    pub indicator: &'a LibraryIndicator,
    pub by: MatchedBy,
}

impl Library {
    /// The library indicator a report's indicator names by code; else the one whose
    /// standard name or alias its name is. A code the library does not hold matches nothing:
    /// the unit said which it meant.
    pub fn find(&self, indicator: &Indicator) -> Option<LibraryMatch<'_>> {
        if let Some(code) = &indicator.library_code {
            return self.indicator(code).map(|found| LibraryMatch {
                indicator: found,
                by: MatchedBy::Code,
            });
        }
        self.find_name(indicator.name.as_str())
    }

    /// The library indicator whose standard name or alias `name` is, read alike.
    pub fn find_name(&self, name: &str) -> Option<LibraryMatch<'_>> {
        let bare = normalise(name);
        if bare.is_empty() {
            return None;
        }
        self.names
            .iter()
            .find(|(name, _, _)| *name == bare)
            .map(|(_, i, by)| LibraryMatch {
                indicator: &self.indicators[*i],
                by: *by,
            })
    }
}
