//! 整改 — a rectification item: a problem the unit is to put right, taken from the bureau's
//! review (a finding in the bureau's words) or from a problem the unit's own report names,
//! with the requirement, an owner and a deadline where the bureau gives them, and the unit's
//! evidence. The bureau creates and closes an item; the unit answers it. A problem the next
//! year's report names again while its item has seen no progress is a finding.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::checks::Severity;
use crate::domain::names::named_enum;
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, Label, Text, UnitCode};
use crate::domain::{FieldError, Invalid};

/// The most rectification items one unit's evaluation of a year may have.
pub const MAX_ITEMS_PER_EVALUATION: usize = 200;

named_enum! {
    /// 整改状态
    pub enum RectificationStatus {
        /// 未整改 — created; the unit has not answered.
        Open = "open",
        /// 整改中 — the unit has answered with its evidence; the bureau has not closed it.
        InProgress = "in_progress",
        /// 已完成 — closed by the bureau.
        Done = "done",
    }
}

named_enum! {
    /// 问题来源
    pub enum RectificationSource {
        /// 复核发现 — a finding of the bureau's review, in its words.
        Review = "review",
        /// 自评问题 — a problem the unit's report names (四、存在的主要问题).
        Problem = "problem",
    }
}

/// What the bureau states creating a rectification item.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRectification {
    pub source: RectificationSource,
    /// For `problem`: the `id` of the problem in the unit's report of the year, whose text
    /// the item takes.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4294967295.0)]
    pub problem_id: Option<u32>,
    /// 问题 — for `review`, the finding in the bureau's words; for `problem`, left out.
    #[serde(default)]
    pub problem: Option<Label>,
    /// 整改要求
    #[serde(default)]
    pub requirement: Option<Label>,
    /// 责任人 / 责任科室; may be left out where the bureau names none.
    #[serde(default)]
    pub owner: Option<Label>,
    /// 整改期限, a date (`2022-06-30`); an item past it and not done is overdue.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
}

/// The unit's answer: what it has done (整改情况) and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationAnswer {
    /// 整改情况及佐证 — what was done, with the evidence named (a document, its number, a date);
    /// never blank, since an answer moves the item to 整改中.
    #[serde(deserialize_with = "non_blank")]
    pub evidence: Text,
}

/// A text that says something: a blank answer would count as progress.
fn non_blank<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
    let text = Text::deserialize(deserializer)?;
    if text.as_str().trim().is_empty() {
        return Err(serde::de::Error::custom("must not be blank"));
    }
    Ok(text)
}

/// The bureau closing an item.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationClosing {
    /// 销号意见 — why the bureau takes it as done.
    #[serde(default)]
    pub comment: Option<Label>,
}

/// A rectification item's document: what it is about and how far it has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationItem {
    pub source: RectificationSource,
    /// The problem's `id` in the report, for `problem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_id: Option<u32>,
    /// 问题
    pub problem: Label,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    pub status: RectificationStatus,
    /// The unit's latest answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Text>,
    /// The bureau's comment closing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_comment: Option<Label>,
}

impl RectificationItem {
    /// The item `input` asks for on `report` (the unit's report of the year, where it has
    /// one): a review finding needs its text; a problem must be one of the report's, and its
    /// text is taken as the unit wrote it.
    pub fn from_input(
        input: NewRectification,
        report: Option<&EvaluationReport>,
    ) -> Result<Self, Vec<FieldError>> {
        let problem = match input.source {
            RectificationSource::Review => match (input.problem, input.problem_id) {
                (Some(text), None) => text,
                (_, Some(_)) => {
                    return Err(vec![FieldError::new(
                        "problem_id",
                        Invalid::UseInstead {
                            instead: "problem".to_owned(),
                        },
                    )]);
                }
                (None, None) => {
                    return Err(vec![FieldError::new("problem", Invalid::Required)]);
                }
            },
            RectificationSource::Problem => {
                if input.problem.is_some() {
                    return Err(vec![FieldError::new(
                        "problem",
                        Invalid::UseInstead {
                            instead: "problem_id".to_owned(),
                        },
                    )]);
                }
                let Some(id) = input.problem_id else {
                    return Err(vec![FieldError::new("problem_id", Invalid::Required)]);
                };
                let found = report
                    .and_then(|r| r.issues.problems.iter().find(|p| p.id == id))
                    .map(|p| p.text.clone());
                found.ok_or_else(|| {
                    vec![FieldError::new(
                        "problem_id",
                        Invalid::UnknownReference {
                            value: id.to_string(),
                        },
                    )]
                })?
            }
        };
        Ok(Self {
            source: input.source,
            problem_id: input.problem_id,
            problem,
            requirement: input.requirement,
            owner: input.owner,
            deadline: input.deadline,
            status: RectificationStatus::Open,
            evidence: None,
            closing_comment: None,
        })
    }

    /// Past its deadline on `today` and not done.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status != RectificationStatus::Done && self.deadline.is_some_and(|d| d < today)
    }

    /// Nothing done yet: open, with no answer from the unit.
    pub fn shows_no_progress(&self) -> bool {
        self.status == RectificationStatus::Open && self.evidence.is_none()
    }
}

/// Why an item does not take a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRefusal {
    /// It is done: closed items are not answered or closed again.
    Closed,
}

/// 整改事项 as stored: one item of a unit's evaluation of a year, versioned.
#[derive(Debug, Clone)]
pub struct Rectification {
    /// The item's number, given by the store.
    pub id: i64,
    pub department_code: UnitCode,
    /// The year of the evaluation whose problem it is.
    pub year: FiscalYear,
    /// Goes up by one with every change.
    pub version: i64,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub item: RectificationItem,
}

impl Rectification {
    /// The unit answers: its evidence replaces the last, and the item is in progress.
    pub fn answer(&mut self, answer: RectificationAnswer, by: &str) -> Result<(), ItemRefusal> {
        if self.item.status == RectificationStatus::Done {
            return Err(ItemRefusal::Closed);
        }
        self.item.evidence = Some(answer.evidence);
        self.item.status = RectificationStatus::InProgress;
        by.clone_into(&mut self.updated_by);
        Ok(())
    }

    /// The bureau closes it as done.
    pub fn close(&mut self, closing: RectificationClosing, by: &str) -> Result<(), ItemRefusal> {
        if self.item.status == RectificationStatus::Done {
            return Err(ItemRefusal::Closed);
        }
        self.item.status = RectificationStatus::Done;
        self.item.closing_comment = closing.comment;
        by.clone_into(&mut self.updated_by);
        Ok(())
    }

    /// Makes it the next version, changed at `at`.
    pub fn advance(&mut self, at: NaiveDateTime) {
        self.version += 1;
        self.updated_at = at;
    }
}

/// The code of the finding below.
pub const REPEATED_WITHOUT_PROGRESS: &str = "problem_repeated_without_progress";

/// A problem of this year's report that names again a problem of last year's whose
/// rectification item has seen no progress.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RepeatedProblem {
    /// Always `problem_repeated_without_progress`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The problem in this year's report, e.g. `issues.problems[0]`.
    pub path: String,
    /// The item of last year it repeats.
    pub rectification_id: i64,
    /// 说明 (中文)
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

/// How alike two problems must read for one to be taken as the other said again: the Dice
/// coefficient of their pairs of adjacent letters and digits (2 × shared ÷ all pairs) at least
/// 6/10, compared in whole numbers (`10 × 2 × shared ≥ 6 × pairs`).
const SAME_PROBLEM_TENTHS: usize = 6;

/// The letters and digits of a text, lower-cased: punctuation and spacing do not tell two
/// problems apart.
fn essence(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `a` and `b` state the same problem: one's letters contain the other's (the shorter
/// of at least four), or their pairs of adjacent characters overlap by a Dice coefficient of at
/// least 0.6.
/// The fewest characters a problem's essence has for one text holding the other to make them
/// the same problem.
const MIN_CONTAINED_CHARS: usize = 4;

pub fn same_problem(a: &str, b: &str) -> bool {
    let (a, b) = (essence(a), essence(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let contains = |long: &[char], short: &[char]| long.windows(short.len()).any(|w| w == short);
    // A short text (`无`, `1`) is inside almost anything: containment says nothing of it.
    let telling = a.len().min(b.len()) >= MIN_CONTAINED_CHARS;
    if telling
        && ((a.len() >= b.len() && contains(&a, &b)) || (b.len() > a.len() && contains(&b, &a)))
    {
        return true;
    }
    let pairs = |s: &[char]| -> Vec<(char, char)> { s.windows(2).map(|w| (w[0], w[1])).collect() };
    let (pa, mut pb) = (pairs(&a), pairs(&b));
    let total = pa.len() + pb.len();
    if total == 0 {
        return false;
    }
    let mut shared = 0usize;
    for pair in &pa {
        if let Some(at) = pb.iter().position(|p| p == pair) {
            pb.swap_remove(at);
            shared += 1;
        }
    }
    10 * 2 * shared >= SAME_PROBLEM_TENTHS * total
}

/// The problems of `report` (this year's) that repeat a problem of `last_year`'s items whose
/// rectification has seen no progress.
pub fn repeated_without_progress(
    report: &EvaluationReport,
    last_year: &[Rectification],
) -> Vec<RepeatedProblem> {
    let mut found = Vec::new();
    for (i, problem) in report.issues.problems.iter().enumerate() {
        for item in last_year.iter().filter(|r| r.item.shows_no_progress()) {
            if same_problem(problem.text.as_str(), item.item.problem.as_str()) {
                found.push(RepeatedProblem {
                    rule: REPEATED_WITHOUT_PROGRESS,
                    severity: Severity::Warning,
                    path: format!("issues.problems[{i}]"),
                    rectification_id: item.id,
                    message: format!(
                        "该问题在{}年度已列为整改事项（第{}号），至今未见整改进展，本年度再次出现。",
                        item.year, item.id
                    ),
                    message_en: format!(
                        "this problem was made rectification item {} in {}; the item shows no progress, and the problem is reported again",
                        item.id, item.year
                    ),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;

    fn report(problems: &[&str]) -> EvaluationReport {
        let problems: Vec<_> = problems
            .iter()
            .enumerate()
            .map(|(i, text)| json!({"id": i + 1, "text": text}))
            .collect();
        serde_json::from_value(json!({"issues": {"problems": problems}}))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn new(value: serde_json::Value) -> NewRectification {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn item(id: i64, problem: &str) -> Rectification {
        let at = date("2022-03-01").and_hms_opt(0, 0, 0).unwrap_or_default();
        let report = report(&[problem]);
        Rectification {
            id,
            department_code: "100".parse().unwrap_or_else(|e| panic!("{e}")),
            year: FiscalYear::try_from(2021).unwrap_or_else(|e| panic!("{e}")),
            version: 1,
            created_by: "reviewer1".to_owned(),
            updated_by: "reviewer1".to_owned(),
            created_at: at,
            updated_at: at,
            item: RectificationItem::from_input(
                new(json!({"source": "problem", "problem_id": 1, "deadline": "2022-06-30"})),
                Some(&report),
            )
            .unwrap_or_else(|e| panic!("{e:?}")),
        }
    }

    #[test]
    fn an_item_from_a_problem_takes_the_units_words_and_one_from_a_review_the_bureaus() {
        let report = report(&["预算编制不够精准。"]);
        let taken = RectificationItem::from_input(
            new(json!({"source": "problem", "problem_id": 1, "owner": "财务科"})),
            Some(&report),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(taken.problem.as_str(), "预算编制不够精准。");
        assert_eq!(taken.status, RectificationStatus::Open);
        let refused = |value| {
            RectificationItem::from_input(new(value), Some(&report))
                .err()
                .map(|errors| errors[0].path.clone())
        };
        assert_eq!(
            refused(json!({"source": "problem", "problem_id": 7})),
            Some("problem_id".to_owned())
        );
        assert_eq!(
            refused(json!({"source": "problem", "problem_id": 1, "problem": "改写"})),
            Some("problem".to_owned())
        );
        assert_eq!(
            refused(json!({"source": "review"})),
            Some("problem".to_owned())
        );
        assert_eq!(
            refused(json!({"source": "review", "problem": "绩效目标设置不够细化"})),
            None
        );
    }

    #[test]
    fn an_item_is_overdue_after_its_deadline_until_it_is_done() {
        let mut item = item(1, "预算编制不够精准。");
        assert!(!item.item.is_overdue(date("2022-06-30")));
        assert!(item.item.is_overdue(date("2022-07-01")));
        let evidence = RectificationAnswer {
            evidence: Text::try_from("已修订预算管理办法".to_owned())
                .unwrap_or_else(|e| panic!("{e}")),
        };
        assert_eq!(item.answer(evidence.clone(), "unit100"), Ok(()));
        assert_eq!(item.item.status, RectificationStatus::InProgress);
        assert!(item.item.is_overdue(date("2022-07-01")));
        assert_eq!(
            item.close(RectificationClosing::default(), "reviewer1"),
            Ok(())
        );
        assert!(!item.item.is_overdue(date("2022-07-01")));
        assert_eq!(item.answer(evidence, "unit100"), Err(ItemRefusal::Closed));
    }

    #[test]
    fn a_problem_said_again_is_found_while_its_item_shows_no_progress() {
        assert!(same_problem("预算编制不够精准。", "预算编制不够精准"));
        assert!(same_problem(
            "部分项目预算编制不够精准，执行率偏低。",
            "预算编制不够精准，部分项目执行率偏低。"
        ));
        assert!(!same_problem(
            "预算编制不够精准。",
            "绩效目标设置不够细化。"
        ));
        // `无` is inside the longer text, but says nothing.
        assert!(!same_problem("无", "无预算绩效管理制度"));

        let last_year = [item(4, "预算编制不够精准。")];
        let this_year = report(&["绩效目标设置不够细化。", "预算编制不够精准，执行率偏低。"]);
        let found = repeated_without_progress(&this_year, &last_year);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "issues.problems[1]");
        assert_eq!(found[0].rectification_id, 4);

        let mut answered = last_year[0].clone();
        let evidence = Text::try_from("已整改".to_owned()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            answered.answer(RectificationAnswer { evidence }, "u"),
            Ok(())
        );
        assert_eq!(repeated_without_progress(&this_year, &[answered]), []);
    }
}
