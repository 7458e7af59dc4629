//! 结果通报 — the year's notice, computed from what the year holds: each published unit's
//! score by the rules, the bureau's review score and the difference where there is one, the
//! grade by the year's bands (of the review score where there is one, else of the
//! self-evaluation's), what the grade means for next year's budget as the bureau stated it,
//! and how the unit's rectification items stand.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::rectification::{Rectification, RectificationStatus};
use super::rules::ResultRules;
use crate::domain::figures::Exact;
use crate::domain::report::Grade;
use crate::domain::review_score::ScoreComparison;
use crate::domain::values::{FiscalYear, Quantity};

/// What the notice reads of one unit.
#[derive(Debug)]
pub struct NoticeUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// 自评得分 — the report's total by the rules; none while it cannot be scored in full.
    pub score: Option<Decimal>,
    /// The bureau's review score beside the unit's, where it gave one.
    pub review: Option<&'a ScoreComparison>,
    /// The unit's rectification items of the year.
    pub items: &'a [Rectification],
}

/// One unit's line of the notice.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NoticeRow {
    pub department_code: String,
    pub department_name: String,
    /// 自评得分 — the report's total by the rules.
    pub self_score: Option<Exact>,
    /// 复核得分 — the bureau's total, where it reviewed the report.
    pub review_score: Option<Exact>,
    /// 复核差异 — the bureau's total minus the unit's stated self-scores added, in points.
    pub review_difference: Option<Exact>,
    /// 评价得分 — the score graded: the review score where there is one, else 自评得分.
    pub graded_score: Option<Exact>,
    /// 评价等级 by the year's bands; none while there is no score.
    pub grade: Option<Grade>,
    /// What the grade means for next year's budget, as the bureau stated it (percent).
    pub budget_percent: Option<Quantity>,
    /// The same in the bureau's words.
    pub budget_note: Option<String>,
    /// 整改事项 of the year.
    pub rectifications: usize,
    /// Of which done.
    pub rectifications_done: usize,
    /// Of which past their deadline and not done.
    pub rectifications_overdue: usize,
}

/// One rectification item as the notice lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NoticeItem {
    pub department_code: String,
    pub department_name: String,
    pub id: i64,
    /// 问题
    pub problem: String,
    /// 整改期限
    pub deadline: Option<NaiveDate>,
    pub status: RectificationStatus,
    pub overdue: bool,
}

/// How many units have each grade.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GradeCount {
    pub grade: Grade,
    pub units: usize,
}

/// The year's notice.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Notice {
    pub year: FiscalYear,
    /// The rules the grades are given by.
    pub rules: ResultRules,
    /// As of which day items are overdue.
    pub as_of: NaiveDate,
    pub rows: Vec<NoticeRow>,
    /// 优, 良, 中, 差, each with how many units have it.
    pub grade_counts: Vec<GradeCount>,
    /// Units without a score in full, which no grade is given.
    pub ungraded: usize,
    pub items: Vec<NoticeItem>,
}

impl Notice {
    /// The notice of `year` for `units` (in the order given) by `rules`, items overdue as of
    /// `today`.
    pub fn of(
        year: FiscalYear,
        rules: ResultRules,
        units: &[NoticeUnit<'_>],
        today: NaiveDate,
    ) -> Self {
        let mut rows = Vec::with_capacity(units.len());
        let mut items = Vec::new();
        for unit in units {
            let review_score = unit.review.and_then(|r| r.review_total);
            let graded = review_score.map(|s| s.0).or(unit.score);
            let grade = graded.map(|s| rules.grade(s));
            let band = grade.and_then(|g| rules.band(g));
            rows.push(NoticeRow {
                department_code: unit.code.to_owned(),
                department_name: unit.name.to_owned(),
                self_score: unit.score.map(Exact),
                review_score,
                review_difference: unit.review.and_then(|r| r.difference),
                graded_score: graded.map(Exact),
                grade,
                budget_percent: band.and_then(|b| b.budget_percent),
                budget_note: band
                    .and_then(|b| b.budget_note.as_ref())
                    .map(|n| n.as_str().to_owned()),
                rectifications: unit.items.len(),
                rectifications_done: unit
                    .items
                    .iter()
                    .filter(|r| r.item.status == RectificationStatus::Done)
                    .count(),
                rectifications_overdue: unit
                    .items
                    .iter()
                    .filter(|r| r.item.is_overdue(today))
                    .count(),
            });
            items.extend(unit.items.iter().map(|r| NoticeItem {
                department_code: unit.code.to_owned(),
                department_name: unit.name.to_owned(),
                id: r.id,
                problem: r.item.problem.as_str().to_owned(),
                deadline: r.item.deadline,
                status: r.item.status,
                overdue: r.item.is_overdue(today),
            }));
        }
        let grade_counts = Grade::ALL
            .into_iter()
            .map(|grade| GradeCount {
                grade,
                units: rows.iter().filter(|r| r.grade == Some(grade)).count(),
            })
            .collect();
        Self {
            year,
            as_of: today,
            ungraded: rows.iter().filter(|r| r.grade.is_none()).count(),
            grade_counts,
            rows,
            items,
            rules,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn comparison(self_total: &str, review_total: &str) -> ScoreComparison {
        let d = |t: &str| Exact(t.parse().unwrap_or_else(|e| panic!("{e}")));
        ScoreComparison {
            lines: Vec::new(),
            self_total: Some(d(self_total)),
            review_total: Some(d(review_total)),
            difference: Some(Exact(d(review_total).0 - d(self_total).0)),
        }
    }

    #[test]
    fn the_bureaus_score_is_graded_where_it_gave_one_and_the_budget_says_only_what_was_set() {
        let rules: ResultRules = serde_json::from_value(json!({"bands": [
            {"grade": "excellent", "from": "90", "budget_percent": "5"},
            {"grade": "good", "from": "80"},
            {"grade": "fair", "from": "60", "budget_note": "予以一定比例核减"},
            {"grade": "poor"}
        ]}))
        .unwrap_or_else(|e| panic!("{e}"));
        let reviewed = comparison("92", "88.5");
        let year = FiscalYear::try_from(2021).unwrap_or_else(|e| panic!("{e}"));
        let today = NaiveDate::from_ymd_opt(2022, 7, 1).unwrap_or_default();
        let units = [
            NoticeUnit {
                code: "100",
                name: "区政府办公室",
                score: Some(Decimal::from(91)),
                review: Some(&reviewed),
                items: &[],
            },
            NoticeUnit {
                code: "200",
                name: "区档案馆",
                score: Some(Decimal::from(95)),
                review: None,
                items: &[],
            },
            NoticeUnit {
                code: "300",
                name: "区方志办",
                score: None,
                review: None,
                items: &[],
            },
        ];
        let notice = Notice::of(year, rules, &units, today);
        let first = &notice.rows[0];
        assert_eq!(first.grade, Some(Grade::Good));
        assert_eq!(first.graded_score, Some(Exact(Decimal::new(885, 1))));
        assert_eq!(first.review_difference, Some(Exact(Decimal::new(-35, 1))));
        assert_eq!(
            (first.budget_percent, first.budget_note.as_deref()),
            (None, None)
        );
        let second = &notice.rows[1];
        assert_eq!(second.grade, Some(Grade::Excellent));
        assert_eq!(
            second.budget_percent.map(|p| p.value()),
            Some(Decimal::from(5))
        );
        assert_eq!(notice.rows[2].grade, None);
        let counts: Vec<usize> = notice.grade_counts.iter().map(|c| c.units).collect();
        assert_eq!(counts, [1, 1, 0, 0]);
        assert_eq!(notice.ungraded, 1);
    }
}
