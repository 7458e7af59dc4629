//! Value types that parse instead of being checked later: once built, they hold a valid value.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::FieldError;
use super::invalid::{Invalid, TextForm, deserialize_through};

/// Reads a plain, non-negative decimal such as `1659.36`, within the given numbers of digits.
fn parse_plain_decimal(
    text: &str,
    max_integer_digits: usize,
    max_scale: usize,
) -> Result<Decimal, Invalid> {
    let (integer, fraction) = match text.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (text, None),
    };
    if integer.starts_with('-') {
        return Err(Invalid::Negative {
            text: text.to_owned(),
        });
    }
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || !fraction.is_none_or(all_digits) {
        return Err(Invalid::NotANumber {
            text: text.to_owned(),
        });
    }
    // Leading zeros count: the limit is on what is written, as the schema's pattern states it.
    if integer.len() > max_integer_digits {
        return Err(Invalid::TooManyDigits {
            text: text.to_owned(),
            max: max_integer_digits,
        });
    }
    if let Some(fraction) = fraction
        && fraction.len() > max_scale
    {
        return Err(Invalid::TooManyDecimals {
            text: text.to_owned(),
            max: max_scale,
        });
    }
    Decimal::from_str(text).map_err(|_| Invalid::NotANumber {
        text: text.to_owned(),
    })
}

/// 金额 — an exact amount of money in 万元 (10,000 CNY), as the reports state it.
///
/// Never negative, at most six decimal places (one fen is 0.000001 万元) and at most twelve
/// digits before the point. Written in JSON as a decimal string, e.g. `"1659.36"`; the scale is
/// kept as written, so `"8.00"` reads back as `"8.00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "1659.36", pattern = r"^[0-9]{1,12}(\.[0-9]{1,6})?$")]
pub struct Amount(Decimal);

impl Amount {
    pub const MAX_SCALE: usize = 6;
    pub const MAX_INTEGER_DIGITS: usize = 12;

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Amount {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_plain_decimal(text, Self::MAX_INTEGER_DIGITS, Self::MAX_SCALE).map(Self)
    }
}

impl TryFrom<String> for Amount {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Amount> for String {
    fn from(amount: Amount) -> Self {
        amount.0.to_string()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// 分值 / 得分 — points of a score out of 100: from 0 to 100, at most two decimal places,
/// written as a decimal string, e.g. `"12.5"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "10", pattern = r"^[0-9]{1,3}(\.[0-9]{1,2})?$")]
pub struct Points(Decimal);

impl Points {
    /// Whole points, at most 100.
    pub fn whole(points: u8) -> Self {
        Self(Decimal::from(points.min(100)))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Points {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let points = parse_plain_decimal(text, 3, 2)?;
        if points > Decimal::ONE_HUNDRED {
            return Err(Invalid::OutOfRange {
                value: Some(text.to_owned()),
                min: Some("0".to_owned()),
                max: Some("100".to_owned()),
            });
        }
        Ok(Self(points))
    }
}

impl TryFrom<String> for Points {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Points> for String {
    fn from(points: Points) -> Self {
        points.0.to_string()
    }
}

/// 数值 — a stated number that is not money: a count, a percentage, an indicator value.
/// A decimal string that may carry a sign, e.g. `"6205"`, `"90.9"`, `"-83.9"`; at most twelve
/// digits before the point and six after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "90.9", pattern = r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$")]
pub struct Quantity(Decimal);

impl Quantity {
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Quantity {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (negative, magnitude) = match text.strip_prefix('-') {
            Some(magnitude) => (true, magnitude),
            None => (false, text),
        };
        let magnitude = parse_plain_decimal(magnitude, 12, 6).map_err(|invalid| match invalid {
            Invalid::TooManyDigits { max, .. } => Invalid::TooManyDigits {
                text: text.to_owned(),
                max,
            },
            Invalid::TooManyDecimals { max, .. } => Invalid::TooManyDecimals {
                text: text.to_owned(),
                max,
            },
            _ => Invalid::NotANumber {
                text: text.to_owned(),
            },
        })?;
        Ok(Self(if negative { -magnitude } else { magnitude }))
    }
}

impl TryFrom<String> for Quantity {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Quantity> for String {
    fn from(quantity: Quantity) -> Self {
        quantity.0.to_string()
    }
}

/// 单位代码 — a budget unit's code: 1 to 32 characters, letters, digits, `-` and `_`,
/// starting with a letter or digit (e.g. `101001`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "101001", pattern = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$")]
pub struct UnitCode(String);

impl UnitCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UnitCode {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=32).contains(&text.len())
            && text
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(Invalid::Malformed {
                text: text.to_owned(),
                form: TextForm::UnitCode,
            })
        }
    }
}

impl TryFrom<String> for UnitCode {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<UnitCode> for String {
    fn from(code: UnitCode) -> Self {
        code.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 年度 — a fiscal (calendar) year from 2000 to 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "i32")]
pub struct FiscalYear(i32);

// By hand: the derive cannot give a newtype's number its bounds.
impl utoipa::PartialSchema for FiscalYear {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some("年度 — a fiscal (calendar) year from 2000 to 2100."))
            .minimum(Some(Self::FIRST))
            .maximum(Some(Self::LAST))
            .examples([2021])
            .into()
    }
}

impl ToSchema for FiscalYear {}

impl FiscalYear {
    pub const FIRST: i32 = 2000;
    pub const LAST: i32 = 2100;

    pub fn value(self) -> i32 {
        self.0
    }

    /// The year before, where it is still a fiscal year.
    pub fn previous(self) -> Option<Self> {
        Self::try_from(i64::from(self.0) - 1).ok()
    }

    /// The year after, where it is still a fiscal year.
    pub fn next(self) -> Option<Self> {
        Self::try_from(i64::from(self.0) + 1).ok()
    }
}

impl TryFrom<i64> for FiscalYear {
    type Error = Invalid;

    fn try_from(year: i64) -> Result<Self, Self::Error> {
        if (i64::from(Self::FIRST)..=i64::from(Self::LAST)).contains(&year) {
            Ok(Self(year as i32))
        } else {
            Err(Invalid::OutOfRange {
                value: Some(year.to_string()),
                min: Some(Self::FIRST.to_string()),
                max: Some(Self::LAST.to_string()),
            })
        }
    }
}

impl FromStr for FiscalYear {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let year: i64 = text.parse().map_err(|_| Invalid::Malformed {
            text: text.to_owned(),
            form: TextForm::Year,
        })?;
        Self::try_from(year)
    }
}

impl From<FiscalYear> for i32 {
    fn from(year: FiscalYear) -> Self {
        year.0
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The most characters one spreadsheet cell holds (Excel's limit): every text the
/// self-evaluation table may carry is at most this long.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Why `text` cannot be stored as it is, if it cannot: PostgreSQL's `text` holds every
/// character but U+0000 (SQLite would keep it, so both refuse it alike).
pub fn unstorable(text: &str) -> Option<Invalid> {
    text.contains('\0').then_some(Invalid::NulCharacter)
}

/// Why `text` cannot be a text of a report, if it cannot: a character that cannot be stored,
/// or more characters than a spreadsheet cell holds.
pub fn text_fault(text: &str) -> Option<Invalid> {
    unstorable(text).or_else(|| {
        // Counted only past the byte length that could not exceed it.
        (text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS).then_some(
            Invalid::TooLong {
                max: MAX_CELL_CHARS,
            },
        )
    })
}

/// The texts of a JSON document that `text_fault` refuses, each with its path from the
/// document's root (`goals.indicators[2].name`, a key that is not an identifier quoted).
/// Keys are texts too.
pub fn text_faults(document: &serde_json::Value) -> Vec<FieldError> {
    fn walk(value: &serde_json::Value, path: &mut String, faults: &mut Vec<FieldError>) {
        match value {
            serde_json::Value::String(text) => {
                if let Some(fault) = text_fault(text) {
                    faults.push(FieldError::new(path.clone(), fault));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let before = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, faults);
                    path.truncate(before);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    let before = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    if let Some(fault) = unstorable(key) {
                        faults.push(FieldError::new(path.clone(), fault));
                    }
                    walk(item, path, faults);
                    path.truncate(before);
                }
            }
            _ => {}
        }
    }
    let mut faults = Vec::new();
    walk(document, &mut String::new(), &mut faults);
    faults
}

/// A short piece of text that must say something: kept as written, never blank, at most 500
/// characters, no U+0000 (names, headings, titles).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "区政府办公室", pattern = r"^[^\u0000]*$")]
pub struct Label(String);

impl Label {
    pub const MAX_CHARS: usize = 500;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.trim().is_empty() {
            Err(Invalid::Blank)
        } else if text.chars().count() > Self::MAX_CHARS {
            Err(Invalid::TooLong {
                max: Self::MAX_CHARS,
            })
        } else if let Some(fault) = unstorable(&text) {
            Err(fault)
        } else {
            Ok(Self(text))
        }
    }
}

/// A longer text as written — a comment, a narrative: at most 32,767 characters (what a
/// spreadsheet cell holds), no U+0000; may be blank.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Text(String);

// By hand: the derive cannot give a newtype's text its length.
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A text as written: at most 32,767 characters (a spreadsheet cell), no U+0000.",
            ))
            .max_length(Some(MAX_CELL_CHARS))
            .pattern(Some(r"^[^\u0000]*$"))
            .into()
    }
}

impl ToSchema for Text {}

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Text {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text_fault(&text) {
            Some(fault) => Err(fault),
            None => Ok(Self(text)),
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

impl From<Label> for String {
    fn from(label: Label) -> Self {
        label.0
    }
}

deserialize_through!(String => Amount, Points, Quantity, UnitCode, Label, Text);
deserialize_through!(i64 => FiscalYear);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_keeps_the_scale_it_was_written_with() {
        let amount: Amount = "8.00".parse().unwrap();
        assert_eq!(String::from(amount), "8.00");
        assert_eq!(String::from("1081".parse::<Amount>().unwrap()), "1081");
    }

    #[test]
    fn amount_refuses_negative_overprecise_and_non_numeric_text() {
        assert!(matches!(
            "-1".parse::<Amount>(),
            Err(Invalid::Negative { .. })
        ));
        assert!(matches!(
            "1.1234567".parse::<Amount>(),
            Err(Invalid::TooManyDecimals { max: 6, .. })
        ));
        for bad in ["", "1e5", "1,000", " 1", "1.", ".5", "+1", "NaN", "一百"] {
            assert!(bad.parse::<Amount>().is_err(), "{bad:?} should be refused");
        }
        assert!("1000000000000".parse::<Amount>().is_err());
        assert!("999999999999.999999".parse::<Amount>().is_ok());
    }

    #[test]
    fn amount_counts_leading_zeros_as_the_documented_pattern_does() {
        assert!("000000000001".parse::<Amount>().is_ok());
        assert!("00000000000000000001".parse::<Amount>().is_err());
    }

    #[test]
    fn points_stay_between_zero_and_one_hundred() {
        assert!("100".parse::<Points>().is_ok());
        assert!("100.01".parse::<Points>().is_err());
        assert!("9.999".parse::<Points>().is_err());
    }

    #[test]
    fn texts_refuse_nul_and_what_a_spreadsheet_cell_cannot_hold() {
        assert_eq!(
            Label::try_from("a\0b".to_owned()),
            Err(Invalid::NulCharacter)
        );
        assert_eq!(Text::try_from("a\0".to_owned()), Err(Invalid::NulCharacter));
        assert!(Text::try_from("字".repeat(MAX_CELL_CHARS)).is_ok());
        assert_eq!(
            Text::try_from("字".repeat(MAX_CELL_CHARS + 1)),
            Err(Invalid::TooLong {
                max: MAX_CELL_CHARS
            })
        );
        // Bytes are not characters: 32,767 three-byte characters are within the limit.
        assert!(text_fault(&"a".repeat(MAX_CELL_CHARS + 1)).is_some());
    }

    #[test]
    fn text_faults_name_the_path_of_each_text_refused() {
        let document = serde_json::json!({
            "goals": {"indicators": [{"name": "ok"}, {"name": "x\0"}]},
            "profile": {"functions": ["fine", "y".repeat(MAX_CELL_CHARS + 1)]},
            "count": 3
        });
        let paths: Vec<String> = text_faults(&document).into_iter().map(|f| f.path).collect();
        assert_eq!(paths, ["goals.indicators[1].name", "profile.functions[1]"]);
    }

    #[test]
    fn unit_code_and_year_refuse_what_they_cannot_hold() {
        assert!("101001".parse::<UnitCode>().is_ok());
        assert!("-abc".parse::<UnitCode>().is_err());
        assert!("a/b".parse::<UnitCode>().is_err());
        assert!("x".repeat(33).parse::<UnitCode>().is_err());
        assert!("2021".parse::<FiscalYear>().is_ok());
        assert!("1999".parse::<FiscalYear>().is_err());
        assert!("2101".parse::<FiscalYear>().is_err());
    }
}
