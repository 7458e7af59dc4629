//! 结果应用规则 — the grade bands the bureau sets for a year, which side of an edge a score on it
//! falls, and what each grade means for next year's budget, as the bureau states it: a
//! percentage, a note, both or neither — never one the bureau did not give.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::cycle::Refusal;
use crate::domain::names::named_enum;
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, Label, Points, Quantity};
use crate::domain::{FieldError, Invalid};

named_enum! {
    /// 边界归属 — which band a score exactly on an edge falls in.
    pub enum EdgeRule {
        /// 含下限 — an edge belongs to the band above it: with 优 from 90, 90 is 优
        /// (优 ≥ 90, 良 80–90 meaning 80 ≤ s < 90). The default, as 财预〔2020〕10号 writes
        /// 90（含）-100分为优.
        LowerInclusive = "lower_inclusive",
        /// 含上限 — an edge belongs to the band below it: with 优 from 90, 90 is 良 and only a
        /// score above 90 is 优.
        UpperInclusive = "upper_inclusive",
    }
}

/// One grade's band and what the grade means for next year's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// 等级
    pub grade: Grade,
    /// 下限 — the edge between this band and the one below it; absent for 差, the lowest band,
    /// which takes everything below 中's edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Points>,
    /// 下年预算调整比例 — the change of next year's budget the bureau states for this grade, in
    /// percent (`"-10"`: 核减10%); from −100 to 100; absent where the bureau states none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_percent: Option<Quantity>,
    /// 结果应用 — what the grade means for next year's budget in the bureau's words (e.g.
    /// 予以一定比例核减); absent where the bureau states nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_note: Option<Label>,
}

/// 结果应用规则 — the bureau's rules for a year's results: the four bands, 优 to 差, in that
/// order, and the edge rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRules {
    /// Which band a score on an edge falls in (default `lower_inclusive`: 90 is 优).
    #[serde(default = "lower_inclusive")]
    pub edge_rule: EdgeRule,
    /// 优, 良, 中, 差 in that order, each once; every band but 差 with its lower edge, the
    /// edges falling.
    #[schema(min_items = 4, max_items = 4)]
    pub bands: Vec<GradeBand>,
    /// 依据 — the document these rules are taken from, e.g. a notice's title and number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Label>,
}

fn lower_inclusive() -> EdgeRule {
    EdgeRule::LowerInclusive
}

impl Default for ResultRules {
    /// 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60, each edge in the band above it, and nothing said of
    /// next year's budget.
    fn default() -> Self {
        let band = |grade, from: Option<u8>| GradeBand {
            grade,
            from: from.map(Points::whole),
            budget_percent: None,
            budget_note: None,
        };
        Self {
            edge_rule: EdgeRule::LowerInclusive,
            bands: vec![
                band(Grade::Excellent, Some(90)),
                band(Grade::Good, Some(80)),
                band(Grade::Fair, Some(60)),
                band(Grade::Poor, None),
            ],
            basis: None,
        }
    }
}

impl ResultRules {
    /// What keeps these from being rules: bands not 优, 良, 中, 差 in order, an edge missing
    /// (or given to 差), edges that do not fall, an edge that leaves a band no score (0 or
    /// above 100 where an edge is in the band above, 100 where it is in the band below), a
    /// percentage beyond ±100.
    pub fn violations(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.bands.len() != Grade::ALL.len() {
            errors.push(FieldError::new("bands", Invalid::BandOrder));
            return errors;
        }
        let mut above: Option<Decimal> = None;
        for (i, (band, grade)) in self.bands.iter().zip(Grade::ALL).enumerate() {
            if band.grade != grade {
                errors.push(FieldError::new(
                    format!("bands[{i}].grade"),
                    Invalid::BandOrder,
                ));
            }
            match (band.from, grade) {
                (Some(_), Grade::Poor) => errors.push(FieldError::new(
                    format!("bands[{i}].from"),
                    Invalid::NotAllowed,
                )),
                (None, Grade::Excellent | Grade::Good | Grade::Fair) => {
                    errors.push(FieldError::new(
                        format!("bands[{i}].from"),
                        Invalid::Required,
                    ));
                }
                (Some(from), _) => {
                    let reachable = match self.edge_rule {
                        EdgeRule::LowerInclusive => {
                            from.value() > Decimal::ZERO && from.value() <= Decimal::ONE_HUNDRED
                        }
                        EdgeRule::UpperInclusive => from.value() < Decimal::ONE_HUNDRED,
                    };
                    if !reachable {
                        errors.push(FieldError::new(
                            format!("bands[{i}].from"),
                            Invalid::UnreachableEdge {
                                edge: from.value().normalize().to_string(),
                                rule: self.edge_rule.to_string(),
                            },
                        ));
                    }
                    if let Some(above) = above
                        && from.value() >= above
                    {
                        errors.push(FieldError::new(
                            format!("bands[{i}].from"),
                            Invalid::EdgeNotBelow {
                                edge: from.value().normalize().to_string(),
                                above: above.normalize().to_string(),
                            },
                        ));
                    }
                    above = Some(from.value());
                }
                (None, Grade::Poor) => {}
            }
            if let Some(percent) = band.budget_percent
                && percent.value().abs() > Decimal::ONE_HUNDRED
            {
                errors.push(FieldError::new(
                    format!("bands[{i}].budget_percent"),
                    Invalid::between(-100, 100),
                ));
            }
        }
        errors
    }

    /// The grade of a score by these bands and their edge rule.
    pub fn grade(&self, score: Decimal) -> Grade {
        self.bands
            .iter()
            .find(|band| {
                band.from.is_some_and(|from| match self.edge_rule {
                    EdgeRule::LowerInclusive => score >= from.value(),
                    EdgeRule::UpperInclusive => score > from.value(),
                })
            })
            .map_or(Grade::Poor, |band| band.grade)
    }

    /// The band of `grade`.
    pub fn band(&self, grade: Grade) -> Option<&GradeBand> {
        self.bands.iter().find(|band| band.grade == grade)
    }

    /// The scores `grade`'s band takes, in words, by the edge rule: `90分（含）以上`,
    /// `80分（含）至90分`, `60分以下` — or, with the upper edge inclusive, `90分以上`,
    /// `80分至90分（含）`, `60分（含）以下`.
    pub fn range(&self, grade: Grade) -> String {
        let lower_inclusive = self.edge_rule == EdgeRule::LowerInclusive;
        let (low_mark, high_mark) = if lower_inclusive {
            ("（含）", "")
        } else {
            ("", "（含）")
        };
        match self.edges(grade) {
            (Some(low), None) => format!("{low}分{low_mark}以上"),
            (Some(low), Some(high)) => format!("{low}分{low_mark}至{high}分{high_mark}"),
            (None, Some(high)) => format!("{high}分{high_mark}以下"),
            (None, None) => String::new(),
        }
    }

    /// The same in English: `90 or more`, `80 or more and below 90`, `below 60` — or, with
    /// the upper edge inclusive, `above 90`, `above 80 up to 90`, `60 or less`.
    pub fn range_en(&self, grade: Grade) -> String {
        let lower_inclusive = self.edge_rule == EdgeRule::LowerInclusive;
        let (from, up_to, below) = if lower_inclusive {
            ("or more", "and below", "below")
        } else {
            ("", "up to", "or less")
        };
        match self.edges(grade) {
            (Some(low), None) if lower_inclusive => format!("{low} {from}"),
            (Some(low), None) => format!("above {low}"),
            (Some(low), Some(high)) if lower_inclusive => format!("{low} {from} {up_to} {high}"),
            (Some(low), Some(high)) => format!("above {low} {up_to} {high}"),
            (None, Some(high)) if lower_inclusive => format!("{below} {high}"),
            (None, Some(high)) => format!("{high} {below}"),
            (None, None) => String::new(),
        }
    }

    /// The lower and upper edge of `grade`'s band, as written: none below 差, none above 优.
    fn edges(&self, grade: Grade) -> (Option<String>, Option<String>) {
        let index = self.bands.iter().position(|band| band.grade == grade);
        let edge = |i: usize| {
            self.bands
                .get(i)
                .and_then(|b| b.from)
                .map(|p| p.value().normalize().to_string())
        };
        let lower = index.and_then(edge);
        let upper = index.and_then(|i| i.checked_sub(1)).and_then(edge);
        (lower, upper)
    }
}

/// The result rules of a year as stored: versioned, with who set them.
#[derive(Debug, Clone)]
pub struct YearResultRules {
    pub year: FiscalYear,
    /// Goes up by one with every change; 0 while the year has the defaults.
    pub version: i64,
    pub set_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub rules: ResultRules,
}

impl YearResultRules {
    /// The defaults, before anything is stored.
    pub fn new(year: FiscalYear, at: NaiveDateTime) -> Self {
        Self {
            year,
            version: 0,
            set_by: String::new(),
            created_at: at,
            updated_at: at,
            rules: ResultRules::default(),
        }
    }

    /// Replaces the rules by `rules`; refused (and nothing changed) where they are not rules.
    pub fn replace(&mut self, rules: ResultRules, by: &str) -> Result<(), Refusal> {
        let errors = rules.violations();
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        self.rules = rules;
        by.clone_into(&mut self.set_by);
        Ok(())
    }

    /// Makes it the next version, changed at `at`: the first version is created then.
    pub fn advance(&mut self, at: NaiveDateTime) {
        if self.version == 0 {
            self.created_at = at;
        }
        self.version += 1;
        self.updated_at = at;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rules(value: serde_json::Value) -> ResultRules {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_default_bands_put_an_edge_in_the_band_above_it() {
        let rules = ResultRules::default();
        assert_eq!(rules.violations(), []);
        let graded: Vec<Grade> = ["100", "90", "89.99", "80", "79.99", "60", "59.99", "0"]
            .map(|s| rules.grade(d(s)))
            .into();
        use Grade::{Excellent, Fair, Good, Poor};
        assert_eq!(
            graded,
            [Excellent, Excellent, Good, Good, Fair, Fair, Poor, Poor]
        );
    }

    /// `tests/fixtures/rules-mof-budget-department-grade-bands/`: 优(90-100分)、良(80-89分)、
    /// 中(60-79分)、差(0-59分), every whole point in the band the text gives it.
    #[test]
    fn the_ministrys_whole_point_ranges_are_the_default_bands() {
        let rules = ResultRules::default();
        let printed = [
            (Grade::Excellent, 90, 100),
            (Grade::Good, 80, 89),
            (Grade::Fair, 60, 79),
            (Grade::Poor, 0, 59),
        ];
        for (grade, low, high) in printed {
            for score in low..=high {
                assert_eq!(rules.grade(Decimal::from(score)), grade, "{score}");
            }
        }
        // The text leaves 89 < s < 90 unstated; by the edges it is 良.
        assert_eq!(rules.grade(d("89.5")), Grade::Good);
    }

    #[test]
    fn with_the_upper_edge_rule_a_score_on_an_edge_falls_in_the_band_below() {
        let mut rules = ResultRules {
            edge_rule: EdgeRule::UpperInclusive,
            ..ResultRules::default()
        };
        rules.bands[0].from = Some(Points::whole(85));
        assert_eq!(rules.violations(), []);
        assert_eq!(rules.grade(d("85")), Grade::Good);
        assert_eq!(rules.grade(d("85.01")), Grade::Excellent);
        assert_eq!(rules.grade(d("80")), Grade::Fair);
        assert_eq!(rules.grade(d("60")), Grade::Poor);
    }

    #[test]
    fn a_band_says_which_side_of_its_edges_it_takes() {
        let mut rules = ResultRules::default();
        let ranges = Grade::ALL.map(|g| rules.range(g));
        assert_eq!(
            ranges,
            [
                "90分（含）以上",
                "80分（含）至90分",
                "60分（含）至80分",
                "60分以下"
            ]
        );
        assert_eq!(
            Grade::ALL.map(|g| rules.range_en(g)),
            [
                "90 or more",
                "80 or more and below 90",
                "60 or more and below 80",
                "below 60"
            ]
        );
        rules.edge_rule = EdgeRule::UpperInclusive;
        let ranges = Grade::ALL.map(|g| rules.range(g));
        assert_eq!(
            ranges,
            [
                "90分以上",
                "80分至90分（含）",
                "60分至80分（含）",
                "60分（含）以下"
            ]
        );
        assert_eq!(
            Grade::ALL.map(|g| rules.range_en(g)),
            [
                "above 90",
                "above 80 up to 90",
                "above 60 up to 80",
                "60 or less"
            ]
        );
    }

    #[test]
    fn what_a_grade_means_for_the_budget_is_only_what_the_bureau_states() {
        let stated = rules(json!({"bands": [
            {"grade": "excellent", "from": "90", "budget_note": "适当优先给予保障"},
            {"grade": "good", "from": "80", "budget_note": "据实予以合理保障"},
            {"grade": "fair", "from": "60", "budget_note": "予以一定比例核减"},
            {"grade": "poor", "budget_percent": "-100", "budget_note": "视情况可取消或暂停下一年度预算安排"}
        ]}));
        assert_eq!(stated.violations(), []);
        assert_eq!(stated.edge_rule, EdgeRule::LowerInclusive);
        let fair = stated.band(Grade::Fair).unwrap_or_else(|| panic!("中"));
        assert_eq!(fair.budget_percent, None);
        let written = serde_json::to_value(&stated).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(written["bands"][2].get("budget_percent"), None);
    }

    #[test]
    fn bands_out_of_order_without_edges_or_beyond_a_whole_budget_are_named() {
        let wrong = rules(json!({"bands": [
            {"grade": "excellent", "from": "80"},
            {"grade": "good", "from": "85", "budget_percent": "-120"},
            {"grade": "poor"},
            {"grade": "fair", "from": "60"}
        ]}));
        let paths: Vec<String> = wrong.violations().into_iter().map(|e| e.path).collect();
        assert_eq!(
            paths,
            [
                "bands[1].from",
                "bands[1].budget_percent",
                "bands[2].grade",
                "bands[2].from",
                "bands[3].grade",
                "bands[3].from"
            ]
        );
        let three = rules(json!({"bands": [{"grade": "excellent", "from": "90"}]}));
        assert_eq!(three.violations()[0].path, "bands");
    }

    #[test]
    fn an_edge_that_would_leave_a_band_no_score_is_named() {
        let mut rules = ResultRules::default();
        // Everything at or above 0 would be 中: nothing left for 差.
        rules.bands[2].from = Some(Points::whole(0));
        let paths: Vec<String> = rules.violations().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["bands[2].from"]);
        // Only a score above 100 would be 优.
        let mut rules = ResultRules {
            edge_rule: EdgeRule::UpperInclusive,
            ..ResultRules::default()
        };
        rules.bands[0].from = Some(Points::whole(100));
        let paths: Vec<String> = rules.violations().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["bands[0].from"]);
        // 优 from 100 with the edge in the band above: exactly 100 is 优.
        let mut rules = ResultRules::default();
        rules.bands[0].from = Some(Points::whole(100));
        assert_eq!(rules.violations(), []);
    }
}
