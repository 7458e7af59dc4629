//! 指标值 as written — `≥2200篇`, `到0次`, `100%`, `—`, `高`, or nothing — and what can be read
//! from it: a comparison, a value and a unit. The text is kept as the unit wrote it; the
//! reading is derived whenever it is needed, so a better reader reads old documents better.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::goals::Comparison;

/// What a target (or an actual) as written says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "reading", rename_all = "snake_case")]
pub enum Reading {
    /// A figure: compared by `comparison` (from the text's sign, or the indicator's
    /// `comparison`, else at least), its value and its unit where written.
    Figure {
        comparison: Comparison,
        #[schema(value_type = String)]
        #[serde(serialize_with = "decimal_text")]
        value: Decimal,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// Words, for a qualitative indicator (高, 好, 达标 …).
    Words,
    /// `—`, `/`, `无`, `不适用`: the form says the cell does not apply.
    NotApplicable,
    /// Nothing written.
    NotStated,
    /// Words where the indicator's comparison asks for a figure: it cannot be scored.
    Unreadable,
}

fn decimal_text<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.normalize().to_string())
}

/// How forms write "does not apply".
const NOT_APPLICABLE: [&str; 8] = ["—", "——", "-", "--", "/", "／", "无", "不适用"];

/// The words and signs that open a target, and the comparison each means. Longer first, so
/// that `≥` is not read as `>` and `不低于` not as `低于`.
const SIGNS: [(&str, Comparison); 28] = [
    ("大于等于", Comparison::AtLeast),
    ("小于等于", Comparison::AtMost),
    ("不低于", Comparison::AtLeast),
    ("不少于", Comparison::AtLeast),
    ("不高于", Comparison::AtMost),
    ("不超过", Comparison::AtMost),
    ("不多于", Comparison::AtMost),
    ("控制在", Comparison::AtMost),
    ("降至", Comparison::AtMost),
    ("降到", Comparison::AtMost),
    ("达到", Comparison::AtLeast),
    ("至少", Comparison::AtLeast),
    ("高于", Comparison::AtLeast),
    ("低于", Comparison::AtMost),
    ("等于", Comparison::Equal),
    (">=", Comparison::AtLeast),
    ("<=", Comparison::AtMost),
    ("≥", Comparison::AtLeast),
    ("≤", Comparison::AtMost),
    ("＞", Comparison::AtLeast),
    ("＜", Comparison::AtMost),
    (">", Comparison::AtLeast),
    ("<", Comparison::AtMost),
    ("＝", Comparison::Equal),
    ("=", Comparison::Equal),
    ("达", Comparison::AtLeast),
    ("到", Comparison::AtMost),
    ("约", Comparison::Equal),
];

/// The words after a figure that make it a bound (`95%以上`, `5%以下`), longer first, and the
/// comparison each means.
const SUFFIXES: [(&str, Comparison); 5] = [
    ("及以上", Comparison::AtLeast),
    ("及以下", Comparison::AtMost),
    ("以上", Comparison::AtLeast),
    ("以下", Comparison::AtMost),
    ("以内", Comparison::AtMost),
];

/// A sign, a number and a unit: `≥2200篇` → (at least, 2200, 篇); `100%` → (none, 100, %);
/// `95%以上` → (at least, 95, %). Thousands separators are allowed; anything after the number
/// but a bound's words is its unit.
pub fn read_figure(text: &str) -> Option<(Option<Comparison>, Decimal, Option<String>)> {
    let text = text.trim();
    let (suffix, text) = SUFFIXES
        .iter()
        .find_map(|(words, comparison)| {
            text.strip_suffix(words)
                .map(|rest| (Some(*comparison), rest.trim_end()))
        })
        .unwrap_or((None, text));
    let (sign, value, unit) = read_signed(text)?;
    Some((sign.or(suffix), value, unit))
}

/// An actual as a figure: its value and unit, and the bound it was written as — `≥266米` is
/// 266 米 written as at least, where an actual should be the figure reached. Equal signs
/// (`=`, `约`) are no bound.
pub fn read_actual(text: &str) -> Option<(Decimal, Option<String>, Option<Comparison>)> {
    let (sign, value, unit) = read_figure(text)?;
    let bound = sign.filter(|c| matches!(c, Comparison::AtLeast | Comparison::AtMost));
    Some((value, unit, bound))
}

/// [`read_figure`] without the bound's words after the figure.
fn read_signed(text: &str) -> Option<(Option<Comparison>, Decimal, Option<String>)> {
    let text = text.trim();
    let (sign, rest) = SIGNS
        .iter()
        .find_map(|(sign, comparison)| {
            text.strip_prefix(sign)
                .map(|rest| (Some(*comparison), rest.trim_start()))
        })
        .unwrap_or((None, text));
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-')))
        .map_or(rest.len(), |(i, _)| i);
    let number: String = rest[..end].chars().filter(|c| *c != ',').collect();
    let value = number.parse::<Decimal>().ok()?;
    let unit = rest[end..].trim();
    Some((sign, value, (!unit.is_empty()).then(|| unit.to_owned())))
}

/// Reads a target written `text` (absent when nothing was written) of an indicator that says
/// `comparison` (absent when the form has no such column).
pub fn read(text: Option<&str>, comparison: Option<Comparison>) -> Reading {
    read_unsigned(text, comparison, None)
}

/// As [`read`], a figure without a sign compared by `unsigned` where given (the direction of
/// the indicator's library entry), else as at least.
pub fn read_unsigned(
    text: Option<&str>,
    comparison: Option<Comparison>,
    unsigned: Option<Comparison>,
) -> Reading {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Reading::NotStated;
    };
    if NOT_APPLICABLE.contains(&text) {
        return Reading::NotApplicable;
    }
    if comparison == Some(Comparison::Qualitative) {
        return Reading::Words;
    }
    match read_figure(text) {
        Some((sign, value, unit)) => Reading::Figure {
            comparison: comparison
                .or(sign)
                .or(unsigned)
                .unwrap_or(Comparison::AtLeast),
            value,
            unit,
        },
        None if comparison.is_some() => Reading::Unreadable,
        None => Reading::Words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(comparison: Comparison, value: i64, unit: Option<&str>) -> Reading {
        Reading::Figure {
            comparison,
            value: Decimal::from(value),
            unit: unit.map(str::to_owned),
        }
    }

    #[test]
    fn an_actual_written_as_a_bound_reads_as_its_figure_and_the_bound() {
        let read = |text| read_actual(text).map(|(v, u, b)| (v.to_string(), u, b));
        assert_eq!(
            read("≥266米"),
            Some((
                "266".to_owned(),
                Some("米".to_owned()),
                Some(Comparison::AtLeast)
            ))
        );
        assert_eq!(
            read("≤5%"),
            Some((
                "5".to_owned(),
                Some("%".to_owned()),
                Some(Comparison::AtMost)
            ))
        );
        assert_eq!(
            read("95%以上"),
            Some((
                "95".to_owned(),
                Some("%".to_owned()),
                Some(Comparison::AtLeast)
            ))
        );
        assert_eq!(
            read("不超过3次"),
            Some((
                "3".to_owned(),
                Some("次".to_owned()),
                Some(Comparison::AtMost)
            ))
        );
        // The figure reached is no bound; nor is one said to be about so much.
        assert_eq!(
            read("266万平方米"),
            Some(("266".to_owned(), Some("万平方米".to_owned()), None))
        );
        assert_eq!(read("约12次").and_then(|(_, _, b)| b), None);
        assert_eq!(read("好"), None);
    }

    #[test]
    fn a_bound_written_after_the_figure_is_read_as_its_sign() {
        assert_eq!(
            read(Some("95%以上"), None),
            figure(Comparison::AtLeast, 95, Some("%"))
        );
        assert_eq!(
            read(Some("5% 以下"), None),
            figure(Comparison::AtMost, 5, Some("%"))
        );
        assert_eq!(
            read(Some("10天以内"), None),
            figure(Comparison::AtMost, 10, Some("天"))
        );
    }

    #[test]
    fn targets_read_as_forms_write_them() {
        assert_eq!(
            read(Some("≥2200篇"), None),
            figure(Comparison::AtLeast, 2200, Some("篇"))
        );
        assert_eq!(
            read(Some("到0次"), None),
            figure(Comparison::AtMost, 0, Some("次"))
        );
        assert_eq!(
            read(Some("100%"), None),
            figure(Comparison::AtLeast, 100, Some("%"))
        );
        assert_eq!(
            read(Some("1,200"), Some(Comparison::AtMost)),
            figure(Comparison::AtMost, 1200, None)
        );
        assert_eq!(
            read(Some("不低于95%"), None),
            figure(Comparison::AtLeast, 95, Some("%"))
        );
        assert_eq!(read(Some("—"), None), Reading::NotApplicable);
        assert_eq!(read(Some("  "), None), Reading::NotStated);
        assert_eq!(read(None, Some(Comparison::AtLeast)), Reading::NotStated);
        assert_eq!(read(Some("高"), None), Reading::Words);
        assert_eq!(
            read(Some("有效提升"), Some(Comparison::AtLeast)),
            Reading::Unreadable
        );
        assert_eq!(
            read(Some("100"), Some(Comparison::Qualitative)),
            Reading::Words
        );
    }
}
