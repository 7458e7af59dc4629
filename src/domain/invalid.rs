//! 错误种类 — what is wrong with one field of an input, as a stable code with the figures it
//! needs. The domain says which; the api layer writes the sentence in the language asked
//! (English is this type's `Display`, Chinese is written beside it in the api layer), so that
//! a clerk reading Chinese meets no English sentence and a program reads the code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of value a JSON field holds, as a type error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    Array,
    Object,
    /// A value of another kind (a date, a character …).
    Other,
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "a string",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Boolean => "a boolean",
            Self::Null => "null",
            Self::Array => "an array",
            Self::Object => "an object",
            Self::Other => "another kind of value",
        })
    }
}

/// The written forms a text must have to be read as what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextForm {
    /// 单位代码: 1 to 32 letters, digits, `-` or `_`, starting with a letter or digit.
    UnitCode,
    /// 指标代码: 1 to 32 letters, digits, `-`, `_` or `.`.
    IndicatorCode,
    /// 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
    Username,
    /// 监控期: `1-N`, N from 1 to 12.
    Period,
    /// A year such as 2021.
    Year,
    /// `*` or one ETag as the service sent it (`"3"`).
    Etag,
    /// proportional, all_or_nothing, bands or step_deduction:<points>/<per percent>[/<floor>].
    ScoringRule,
}

impl fmt::Display for TextForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnitCode => {
                "a unit code: 1 to 32 letters, digits, '-' or '_', starting with a letter or digit"
            }
            Self::IndicatorCode => "an indicator code: 1 to 32 letters, digits, '-', '_' or '.'",
            Self::Username => "a username: 1 to 64 letters, digits, '.', '_', '-' or '@'",
            Self::Period => "a monitoring period: `1-N` for the months 1 to N, N from 1 to 12",
            Self::Year => "a year such as 2021",
            Self::Etag => "`*` or one ETag as the service sent it, e.g. \"3\"",
            Self::ScoringRule => {
                "a scoring rule: proportional, all_or_nothing, bands or step_deduction:<points>/<per percent>[/<floor>]"
            }
        })
    }
}

/// What is wrong with a field. The `code` (the variant, in snake case) is stable; the
/// fields are the figures a sentence about it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Invalid {
    #[error("is required")]
    Required,
    #[error("must be left out here")]
    NotAllowed,
    #[error("is not a field here{}", expected_list(.expected))]
    UnknownField {
        field: String,
        expected: Vec<String>,
    },
    #[error("is {found}, expected {expected}")]
    WrongType { found: JsonType, expected: JsonType },
    #[error("`{value}` is not one of {}", .expected.join(", "))]
    UnknownValue {
        value: String,
        expected: Vec<String>,
    },
    #[error("has {found} items, expected {expected}")]
    WrongLength { found: usize, expected: usize },
    #[error("`{text}` is not a plain decimal number such as \"1659.36\"")]
    NotANumber { text: String },
    #[error("`{text}` is negative; amounts are never negative")]
    Negative { text: String },
    #[error("`{text}` has more than {max} digits before the decimal point")]
    TooManyDigits { text: String, max: usize },
    #[error("`{text}` has more than {max} decimal places")]
    TooManyDecimals { text: String, max: usize },
    #[error("{}", range_en(.value.as_deref(), .min.as_deref(), .max.as_deref()))]
    OutOfRange {
        value: Option<String>,
        min: Option<String>,
        max: Option<String>,
    },
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("is from {min} to {max} characters")]
    Length { min: usize, max: usize },
    #[error("has from {min} to {max} items")]
    Count { min: usize, max: usize },
    #[error("is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("must not be blank")]
    Blank,
    #[error("contains the character U+0000 (NUL), which cannot be stored")]
    NulCharacter,
    #[error("`{text}` is not {form}")]
    Malformed { text: String, form: TextForm },
    #[error("expected a JSON object, not an array")]
    ExpectedObject,
    #[error(
        "nests deeper than a report may: at most {max} levels of objects and arrays from the report's root"
    )]
    TooDeep { max: usize },
    #[error(
        "indicator {indicator} is of the sector `{sector}`; a library imported as the sector `{expected}` holds only its indicators"
    )]
    OtherSector {
        indicator: String,
        sector: String,
        expected: String,
    },
    #[error("`{value}` is named more than once")]
    Duplicate { value: String },
    #[error("there is no `{value}`")]
    UnknownReference { value: String },
    #[error("`{value}` has no row; every one is listed")]
    MissingRow { value: String },
    #[error("adds up to {total}, not {expected}")]
    WrongTotal { total: String, expected: String },
    #[error("was approved{} and stays", .approved.as_ref().map_or_else(String::new, |a| format!(" as `{a}`")))]
    ApprovedStays { approved: Option<String> },
    #[error(
        "the approved target is `{approved}` and stays; propose the change as adjusted_target with an adjustment_reason, for a reviewer to approve"
    )]
    TargetApproved { approved: String },
    #[error(
        "an adjusted target needs its reason (调整原因): at least {min_chinese} Chinese characters or {min_letters} letters or digits, {min_distinct} of them distinct"
    )]
    ReasonTooShort {
        min_chinese: usize,
        min_letters: usize,
        min_distinct: usize,
    },
    #[error("is above the indicator's weight {weight}")]
    AboveWeight { weight: String },
    #[error("belongs in `{instead}`")]
    UseInstead { instead: String },
    #[error("`{value}` would be its own ancestor")]
    Cycle { value: String },
    #[error("four bands: excellent (优), good (良), fair (中) and poor (差), in that order")]
    BandOrder,
    #[error("at {edge} the band could never be reached under the year's edge rule")]
    UnreachableEdge { edge: String, rule: String },
    #[error("the edge {edge} is not below the band above's {above}")]
    EdgeNotBelow { edge: String, above: String },
    #[error("holds a formula; write its value")]
    Formula,
    #[error("lies beyond the heading's last column")]
    BeyondHeading,
    #[error("a quoted cell is not closed")]
    UnclosedQuote,
    #[error("cannot be read: {detail}")]
    Unreadable { detail: String },
    /// What the service could not say more precisely; `detail` is the reader's own words.
    #[error("{detail}")]
    Invalid { detail: String },
}

fn expected_list(expected: &[String]) -> String {
    if expected.is_empty() {
        String::new()
    } else {
        format!("; the fields are {}", expected.join(", "))
    }
}

fn range_en(value: Option<&str>, min: Option<&str>, max: Option<&str>) -> String {
    let what = value.map_or_else(String::new, |v| format!("`{v}` "));
    match (min, max) {
        (Some(min), Some(max)) => format!("{what}must be from {min} to {max}"),
        (Some(min), None) => format!("{what}must be at least {min}"),
        (None, Some(max)) => format!("{what}must be at most {max}"),
        (None, None) => format!("{what}is out of range"),
    }
}

/// What marks a refusal carried whole through serde's text of an error.
const CARRIED: &str = "\u{1f}invalid:";

impl Invalid {
    /// The stable code of this kind, e.g. `out_of_range`.
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "invalid".to_owned())
    }

    /// A range with both edges.
    pub fn between(min: impl ToString, max: impl ToString) -> Self {
        Self::OutOfRange {
            value: None,
            min: Some(min.to_string()),
            max: Some(max.to_string()),
        }
    }

    /// The text serde's error carries for this refusal, read back by [`Invalid::carried_in`].
    pub fn carried(&self) -> String {
        format!(
            "{CARRIED}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// The refusal `message` carries, when a value type of the domain wrote it.
    pub fn carried_in(message: &str) -> Option<Self> {
        let at = message.find(CARRIED)?;
        let mut stream =
            serde_json::Deserializer::from_str(&message[at + CARRIED.len()..]).into_iter::<Self>();
        stream.next()?.ok()
    }
}

/// Deserializes each type from what it is read from (`TryFrom<$from, Error = Invalid>`),
/// its refusal carried whole in serde's error for the api layer to name.
macro_rules! deserialize_through {
    ($from:ty => $($t:ty),+) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <$from as serde::Deserialize>::deserialize(d)?;
                Self::try_from(raw).map_err(|invalid: $crate::domain::invalid::Invalid| {
                    serde::de::Error::custom(invalid.carried())
                })
            }
        }
    )+};
}
pub(crate) use deserialize_through;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_carried_through_a_serde_message_reads_back_whole() {
        let invalid = Invalid::TooManyDecimals {
            text: "1.1234567".to_owned(),
            max: 6,
        };
        let message = format!("{} at line 1 column 9", invalid.carried());
        assert_eq!(Invalid::carried_in(&message), Some(invalid.clone()));
        assert_eq!(invalid.code(), "too_many_decimals");
        assert_eq!(Invalid::carried_in("missing field `x`"), None);
    }
}
