//! 共性指标库 / 行业指标库 — standard indicators that know their definition, unit, direction,
//! formula and scoring rule, so that what units write in their own words can be read alike and
//! compared like for like. A library is data, one per year; the service ships the common
//! indicators of 财预〔2013〕53号 as the default (`common.csv`, cited in `docs/library.md`).

mod csv;
mod matching;
mod peers;
mod suggestions;
deserialize_through!(String => IndicatorCode);

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Serialize;
use utoipa::ToSchema;

use super::department::UnitKind;
use super::invalid::{Invalid, TextForm, deserialize_through};
use super::names::named_enum;
use super::report::{Comparison, Metric, ScoringRule};

pub use csv::{
    COLUMNS, LineError, MAX_CSV_BYTES, MAX_ERRORS, MAX_INDICATORS, ParseErrors, cells,
    from_records, parse, parse_lines, write,
};
pub use matching::{LibraryMatch, MatchedBy, normalise};
pub use peers::{Peer, PeerKind, PeerSource, PeerTable, Spread};
pub use suggestions::{
    LastYear, LikeUnits, MIN_UNITS_FOR_MEDIAN, Suggestion, Suggestions, TargetsFor,
};

/// 指标代码 — an indicator's code in a library: 1 to 32 ASCII letters, digits, `-`, `_` or
/// `.` (e.g. `GX07`), which a report may name to say which indicator it means.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "GX07", pattern = r"^[0-9A-Za-z._-]{1,32}$")]
pub struct IndicatorCode(String);

impl IndicatorCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for IndicatorCode {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(Invalid::Malformed {
                text: text.to_owned(),
                form: TextForm::IndicatorCode,
            })
        }
    }
}

impl TryFrom<String> for IndicatorCode {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<IndicatorCode> for String {
    fn from(code: IndicatorCode) -> Self {
        code.0
    }
}

impl fmt::Display for IndicatorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

named_enum! {
    /// 指标方向 — which way an indicator is better. Named apart in the OpenAPI document from
    /// the order of a list (`Direction`).
    #[schema(as = IndicatorDirection)]
    pub enum Direction {
        /// 正向指标: the more the better; a bare target `95%` reads "at least 95 %".
        HigherIsBetter = "higher_is_better",
        /// 反向指标 (调整率, 结转结余率, 控制率 …): the less the better; a bare target `3%`
        /// reads "at most 3 %".
        LowerIsBetter = "lower_is_better",
        /// 区间指标: the target itself; a bare target reads "equal to".
        WithinRange = "within_range",
        /// 定性指标: judged in words (健全, 合规 …).
        Qualitative = "qualitative",
    }
}

impl Direction {
    /// How a target written without a sign is compared on an indicator of this direction.
    pub fn comparison(self) -> Comparison {
        match self {
            Self::HigherIsBetter => Comparison::AtLeast,
            Self::LowerIsBetter => Comparison::AtMost,
            Self::WithinRange => Comparison::Equal,
            Self::Qualitative => Comparison::Qualitative,
        }
    }
}

named_enum! {
    /// Which reports an indicator is written in.
    pub enum ReportKind {
        /// 部门整体支出绩效自评
        Departmental = "departmental",
        /// 项目支出绩效自评表
        Project = "project",
    }
}

/// One standard indicator of a library.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LibraryIndicator {
    pub code: IndicatorCode,
    /// 指标名称 — the standard name.
    pub name: String,
    /// 别名 — other names units write for it.
    pub aliases: Vec<String>,
    /// 一级指标 as the library groups it (投入 / 过程 / 产出 / 效果 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level1: Option<String>,
    /// 二级指标 (预算配置, 预算执行 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level2: Option<String>,
    /// 指标解释 — the published definition.
    pub definition: String,
    /// 计量单位
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub direction: Direction,
    /// 计算公式, with the report fields it reads where the report carries them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    /// The figure the service computes from a report for it, where it can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// 默认评分规则 — how it scores where a report states no rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scoring_rule: Option<ScoringRule>,
    /// 评分标准 as the library words it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scoring_standard: Option<String>,
    /// The reports it is written in.
    pub report_kinds: Vec<ReportKind>,
    /// The unit kinds it applies to; empty, every kind.
    pub unit_kinds: Vec<UnitKind>,
    /// The project kinds it applies to (as the library names them); empty, every kind.
    pub project_kinds: Vec<String>,
    /// 行业 — `common` for the common indicators, else the sector (教育, 卫生 …).
    pub sector: String,
    /// 出处 — where the definition was published.
    pub source: String,
}

impl LibraryIndicator {
    /// Whether it applies to a unit of `kind`.
    pub fn applies_to(&self, kind: UnitKind) -> bool {
        self.unit_kinds.is_empty() || self.unit_kinds.contains(&kind)
    }
}

/// 指标库 — the standard indicators of one year, each code and each name (standard or alias,
/// as normalised) used once.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Library {
    indicators: Vec<LibraryIndicator>,
    /// Every name and alias as normalised, with its indicator's index and which it is: made
    /// once, as reports are matched many times over.
    #[serde(skip)]
    names: Vec<(String, usize, MatchedBy)>,
}

/// The library's text as shipped: the common indicators (共性指标).
const COMMON_CSV: &str = include_str!("common.csv");

static COMMON: LazyLock<Library> = LazyLock::new(|| match parse(COMMON_CSV) {
    Ok(library) => library,
    // The shipped text is the service's own; a test reads it, so this cannot be reached by
    // anything a caller sends.
    Err(errors) => panic!("the shipped indicator library does not read: {errors}"),
});

impl Library {
    /// The library the service ships: the common indicators, for every year that has no
    /// library of its own.
    pub fn common() -> &'static Self {
        &COMMON
    }

    /// A library of `indicators`.
    pub fn new(indicators: Vec<LibraryIndicator>) -> Self {
        let names = indicators
            .iter()
            .enumerate()
            .flat_map(|(i, indicator)| {
                std::iter::once((normalise(&indicator.name), i, MatchedBy::Name)).chain(
                    indicator
                        .aliases
                        .iter()
                        .map(move |alias| (normalise(alias), i, MatchedBy::Alias)),
                )
            })
            .collect();
        Self { indicators, names }
    }

    /// Its indicators, in the order given.
    pub fn indicators(&self) -> &[LibraryIndicator] {
        &self.indicators
    }

    /// The indicator of `code`.
    pub fn indicator(&self, code: &IndicatorCode) -> Option<&LibraryIndicator> {
        self.indicators.iter().find(|i| &i.code == code)
    }

    /// The library with the indicators of `sector` (行业) replaced by `incoming`'s — a sector
    /// library imported beside the common one and the other sectors, which are kept. What
    /// would make the result no library is said, each with the incoming indicator it is about
    /// (its index in `incoming`, so that the import can name its line): an incoming indicator
    /// of another sector, a code or a name used by an indicator kept.
    pub fn with_sector(
        &self,
        sector: &str,
        incoming: &Library,
    ) -> Result<Library, Vec<(Option<usize>, Invalid)>> {
        let mut wrong: Vec<(Option<usize>, Invalid)> = incoming
            .indicators()
            .iter()
            .enumerate()
            .filter(|(_, i)| i.sector != sector)
            .map(|(at, i)| {
                let other = Invalid::OtherSector {
                    indicator: i.code.to_string(),
                    sector: i.sector.clone(),
                    expected: sector.to_owned(),
                };
                (Some(at), other)
            })
            .collect();
        let mut indicators: Vec<LibraryIndicator> = self
            .indicators()
            .iter()
            .filter(|i| i.sector != sector)
            .cloned()
            .collect();
        // The kept come first, so that a clash is found at the incoming indicator.
        let kept = indicators.len();
        indicators.extend(incoming.indicators().iter().cloned());
        let merged = Self::new(indicators);
        wrong.extend(
            merged
                .duplicates()
                .into_iter()
                .map(|(at, invalid)| (at.checked_sub(kept), invalid)),
        );
        if wrong.is_empty() {
            Ok(merged)
        } else {
            Err(wrong)
        }
    }

    /// The library without the indicators of `sector`; none when it has none of them.
    pub fn without_sector(&self, sector: &str) -> Option<Library> {
        let kept: Vec<LibraryIndicator> = self
            .indicators()
            .iter()
            .filter(|i| i.sector != sector)
            .cloned()
            .collect();
        (kept.len() < self.indicators().len()).then(|| Self::new(kept))
    }

    /// Its indicators of `sector`, or all where none is named.
    pub fn of_sector(&self, sector: Option<&str>) -> Vec<LibraryIndicator> {
        self.indicators()
            .iter()
            .filter(|i| sector.is_none_or(|wanted| i.sector == wanted))
            .cloned()
            .collect()
    }

    /// What would make this a library that cannot be read alike: a code, or a name (standard
    /// or alias, normalised), used twice. Each as (the indicator's index, what is wrong).
    fn duplicates(&self) -> Vec<(usize, Invalid)> {
        let mut codes = HashSet::new();
        let mut names: HashSet<String> = HashSet::new();
        let mut wrong = Vec::new();
        for (i, indicator) in self.indicators.iter().enumerate() {
            if !codes.insert(indicator.code.as_str()) {
                wrong.push((
                    i,
                    Invalid::Duplicate {
                        value: indicator.code.to_string(),
                    },
                ));
            }
            for name in std::iter::once(&indicator.name).chain(&indicator.aliases) {
                let bare = normalise(name);
                if bare.is_empty() {
                    wrong.push((i, Invalid::Blank));
                } else if !names.insert(bare) {
                    wrong.push((
                        i,
                        Invalid::Duplicate {
                            value: name.clone(),
                        },
                    ));
                }
            }
        }
        wrong
    }
}
