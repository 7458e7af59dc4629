//! 评价结果应用 — the year's result rules (set by the bureau, read by everyone), rectification
//! items (created and closed by the bureau, answered by the unit), last year's items beside
//! this year's report, and the year's notice. Each use case is one unit of work: authorize →
//! load → decide (the domain) → save.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppError;
use super::access::{once_allowed, require_read, require_reviewer, require_write};
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::cycle::{Change, Precondition};
use crate::domain::result_application::notice::{Notice, NoticeUnit};
use crate::domain::result_application::rectification::{
    ItemRefusal, MAX_ITEMS_PER_EVALUATION, NewRectification, Rectification, RectificationAnswer,
    RectificationClosing, RectificationItem, RectificationStatus, RepeatedProblem,
    repeated_without_progress,
};
use crate::domain::result_application::rules::{ResultRules, YearResultRules};
use crate::domain::review_score::ScoreComparison;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::result_application::json_text;
use crate::store::{Store, StoreError, Transaction, now};

/// Today, the day deadlines are compared with (UTC).
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The result rules of `year`: the stored ones, else the defaults (version 0). Any
/// authenticated caller.
pub fn rules(store: &Store, year: FiscalYear) -> Result<YearResultRules, AppError> {
    store.read_transaction(|tx| {
        Ok(tx
            .result_rules(year)?
            .map_or_else(|| YearResultRules::new(year, now()), |stored| stored.rules))
    })
}

/// The result rules that grade `year`'s reports — the bureau's where it set them, else the
/// defaults: the one source of a grade for scores, checks, comparisons, documents, charts,
/// open data and the notice alike.
pub(crate) fn year_rules(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
) -> Result<ResultRules, StoreError> {
    Ok(tx
        .result_rules(year)?
        .map_or_else(ResultRules::default, |stored| stored.rules.rules))
}

/// Sets the result rules of `year` to `input` read from the request: reviewers and admins;
/// `If-Match` against the rules' version. The same rules twice leave the version alone. New
/// rules re-grade the year's reports in the same transaction: their projections are rewritten
/// (which moves the year's comparison stamp), as a library import rescores them.
pub fn set_rules(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
    precondition: Precondition,
    input: Result<ResultRules, AppError>,
) -> Result<(YearResultRules, Change), AppError> {
    let action = "result_rules.set";
    let rules = trail.settle(store, caller, action, require_reviewer(caller).and(input))?;
    let what = format!("the {year} result rules");
    trail.change(
        store,
        caller,
        action,
        &what,
        |tx| {
            let stored = tx.result_rules(year)?;
            precondition.check(stored.as_ref().map(|s| s.rules.version))?;
            let at = now();
            let mut current = stored
                .as_ref()
                .map_or_else(|| YearResultRules::new(year, at), |s| s.rules.clone());
            current.replace(rules.clone(), &caller.subject)?;
            let document = json_text(&current.rules, "result rules")?;
            let change = match &stored {
                Some(stored) if stored.document == document => Change::Unchanged,
                Some(_) => Change::Updated,
                None => Change::Created,
            };
            match stored {
                Some(stored) if change == Change::Unchanged => current = stored.rules,
                stored => {
                    current.advance(at);
                    // Every unit locked, so that no report is written between the rules and
                    // the re-grading of the year's reports by them.
                    tx.lock_all_departments()?;
                    tx.save_result_rules(stored.map(|s| s.id), &current, &document)?;
                    super::library::rescore(tx, year)?;
                }
            }
            Ok((current, change))
        },
        |(_, change)| (answered(*change), None),
    )
}

fn answered(change: Change) -> Answered {
    match change {
        Change::Created => Answered::Created,
        Change::Updated | Change::Unchanged => Answered::Done,
    }
}

/// A closed item refused a change.
fn closed(code: &UnitCode, id: i64) -> AppError {
    StoreError::Conflict {
        code: "rectification_closed",
        detail: format!("rectification item {id} of department {code} is done and closed"),
    }
    .into()
}

/// Creates a rectification item of the unit's evaluation of `year` from `input` read from the
/// request: reviewers and admins, on an evaluation that exists; a problem named must be one of
/// its report.
pub fn create_rectification(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    input: Result<NewRectification, AppError>,
) -> Result<Rectification, AppError> {
    let action = "rectification.create";
    let input = trail.settle(store, caller, action, require_reviewer(caller).and(input))?;
    let what = format!("a rectification item of {code}/{year}");
    trail.change(
        store,
        caller,
        action,
        &what,
        |tx| {
            let department = tx.lock_department(code)?;
            let evaluation = tx.existing_evaluation(code, year)?.evaluation;
            let count = tx.rectifications(department, code, year)?.len();
            if count >= MAX_ITEMS_PER_EVALUATION {
                return Err(StoreError::Conflict {
                    code: "too_many_rectifications",
                    detail: format!(
                        "the {year} evaluation of department {code} has {count} rectification items, the most it may have"
                    ),
                }
                .into());
            }
            let item = RectificationItem::from_input(input.clone(), Some(&evaluation.report))
                .map_err(|errors| {
                    AppError::Refused(crate::domain::cycle::Refusal::Invalid(errors))
                })?;
            let at = now();
            let mut rectification = Rectification {
                id: 0,
                department_code: code.clone(),
                year,
                version: 1,
                created_by: caller.subject.clone(),
                updated_by: caller.subject.clone(),
                created_at: at,
                updated_at: at,
                item,
            };
            let document = json_text(&rectification.item, "rectification item")?;
            rectification.id = tx.insert_rectification(department, &rectification, &document)?;
            Ok(rectification)
        },
        |_| (Answered::Created, None),
    )
}

/// The rectification items of the unit's evaluation of `year`, if the caller may read it: the
/// bureau's roles, or a unit within whose subtree it is.
pub fn rectifications(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<Vec<Rectification>, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let department = tx.department_id(code)?;
        Ok(tx
            .rectifications(department, code, year)?
            .into_iter()
            .map(|s| s.rectification)
            .collect())
    })
}

fn not_found(code: &UnitCode, year: FiscalYear, id: i64) -> AppError {
    AppError::NotFound(format!(
        "rectification item {id} of the {year} evaluation of department {code}"
    ))
}

/// One rectification item, if the caller may read the unit's.
pub fn rectification(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    id: i64,
) -> Result<Rectification, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let department = tx.department_id(code)?;
        tx.rectification(department, code, year, id)?
            .map(|s| s.rectification)
            .ok_or_else(|| not_found(code, year, id))
    })
}

/// A change of one item by `decide`, under `If-Match`, by a caller `right` allows.
#[expect(
    clippy::too_many_arguments,
    reason = "one item, its caller, its change"
)]
fn change_item(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    action: &str,
    right: impl Fn(&mut Transaction<'_>) -> Result<(), AppError>,
    (code, year, id): (&UnitCode, FiscalYear, i64),
    precondition: Precondition,
    decide: impl Fn(&mut Rectification) -> Result<(), ItemRefusal>,
) -> Result<Rectification, AppError> {
    let what = format!("rectification item {id} of {code}/{year}");
    trail.change(
        store,
        caller,
        action,
        &what,
        |tx| {
            right(tx)?;
            let department = tx.lock_department(code)?;
            let stored = tx
                .rectification(department, code, year, id)?
                .ok_or_else(|| not_found(code, year, id))?;
            precondition.check(Some(stored.rectification.version))?;
            let mut changed = stored.rectification.clone();
            decide(&mut changed).map_err(|ItemRefusal::Closed| closed(code, id))?;
            let document = json_text(&changed.item, "rectification item")?;
            if document == stored.document {
                return Ok(stored.rectification);
            }
            changed.advance(now());
            tx.save_rectification(&changed, &document)?;
            Ok(changed)
        },
        |_| (Answered::Done, None),
    )
}

/// The unit answers one of its items with its evidence (整改情况): the unit within whose
/// subtree it is, or an admin; the item is then in progress. A done item is not answered.
#[expect(
    clippy::too_many_arguments,
    reason = "the item's path, its version and the body"
)]
pub fn answer_rectification(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    id: i64,
    precondition: Precondition,
    input: Result<RectificationAnswer, AppError>,
) -> Result<Rectification, AppError> {
    let action = "rectification.answer";
    let right = |tx: &mut Transaction<'_>| require_write(tx, caller, code);
    let answer = trail.settle(store, caller, action, once_allowed(store, right, input))?;
    change_item(
        store,
        trail,
        caller,
        action,
        right,
        (code, year, id),
        precondition,
        |item| item.answer(answer.clone(), &caller.subject),
    )
}

/// The bureau closes an item as done: reviewers and admins.
#[expect(
    clippy::too_many_arguments,
    reason = "the item's path, its version and the body"
)]
pub fn close_rectification(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    id: i64,
    precondition: Precondition,
    input: Result<RectificationClosing, AppError>,
) -> Result<Rectification, AppError> {
    let action = "rectification.close";
    let closing = trail.settle(store, caller, action, require_reviewer(caller).and(input))?;
    change_item(
        store,
        trail,
        caller,
        action,
        |_| Ok(()),
        (code, year, id),
        precondition,
        |item| item.close(closing.clone(), &caller.subject),
    )
}

/// Last year's rectification items beside this year's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarriedOver {
    /// The items of the year before, with their status.
    pub items: Vec<ItemView>,
    /// The problems of this year's report that name one of them again while it has seen no
    /// progress.
    pub findings: Vec<RepeatedProblem>,
}

/// A rectification item as answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// 整改事项编号
    pub id: i64,
    pub department_code: UnitCode,
    /// The year of the evaluation whose problem it is.
    pub year: FiscalYear,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    pub created_by: String,
    /// Who changed it last.
    pub updated_by: String,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// Past its deadline today (UTC) and not done.
    pub overdue: bool,
    #[serde(flatten)]
    pub item: RectificationItem,
}

impl From<Rectification> for ItemView {
    fn from(r: Rectification) -> Self {
        Self {
            overdue: r.item.is_overdue(today()),
            id: r.id,
            department_code: r.department_code,
            year: r.year,
            version: r.version,
            created_by: r.created_by,
            updated_by: r.updated_by,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            item: r.item,
        }
    }
}

/// The rectification items of the year before `year` beside the unit's report of `year`,
/// with a finding for every problem it names again while that item has seen no progress.
pub fn carried_over(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<CarriedOver, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let department = tx.department_id(code)?;
        let report = tx.existing_evaluation(code, year)?.evaluation.report;
        let last_year: Vec<Rectification> = match year.previous() {
            Some(previous) => tx
                .rectifications(department, code, previous)?
                .into_iter()
                .map(|s| s.rectification)
                .collect(),
            None => Vec::new(),
        };
        Ok(CarriedOver {
            findings: repeated_without_progress(&report, &last_year),
            items: last_year.into_iter().map(ItemView::from).collect(),
        })
    })
}

/// An item past its deadline and not done, as collection progress lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueRectification {
    pub department_code: UnitCode,
    /// The year of the evaluation whose problem it is.
    pub year: FiscalYear,
    pub id: i64,
    pub problem: String,
    pub owner: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub status: RectificationStatus,
}

/// The items of the evaluations of `year` and of the year before that are past their deadline
/// today and not done: what collection progress of `year` shows.
pub fn overdue(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
) -> Result<Vec<OverdueRectification>, StoreError> {
    let years: Vec<FiscalYear> = year.previous().into_iter().chain([year]).collect();
    let today = today();
    Ok(tx
        .rectifications_of_years(&years)?
        .into_iter()
        .filter(|r| r.item.is_overdue(today))
        .map(|r| OverdueRectification {
            department_code: r.department_code,
            year: r.year,
            id: r.id,
            problem: r.item.problem.as_str().to_owned(),
            owner: r.item.owner.map(|o| o.as_str().to_owned()),
            deadline: r.item.deadline,
            status: r.item.status,
        })
        .collect())
}

/// The notice of `year`: every published report of the year, by unit code, with its score by
/// the rules, the bureau's final review score where there is one, the grade by the year's rules and
/// the unit's rectification items of the year. No caller: only published reports are read.
pub fn notice(store: &Store, year: FiscalYear) -> Result<Notice, AppError> {
    store.read_transaction(|tx| {
        let rules = year_rules(tx, year)?;
        let settings = tx.year_settings(year)?;
        let library = super::library::year_library(tx, year)?;
        let mut published = super::public::published_of_year(tx, year)?;
        published
            .sort_by(|(_, a), (_, b)| a.summary.department_code.cmp(&b.summary.department_code));
        struct Read {
            code: String,
            name: String,
            score: Option<rust_decimal::Decimal>,
            review: Option<ScoreComparison>,
            items: Vec<Rectification>,
        }
        let mut read = Vec::with_capacity(published.len());
        for (name, evaluation) in published {
            let code = evaluation.summary.department_code.clone();
            let department = tx.department_id(&code)?;
            // A draft is the reviewer's work in progress: the notice reads final scores only.
            let review = tx
                .review_score(department, &code, year)?
                .filter(|s| s.score.is_final())
                .map(|s| s.score.input.compare(&evaluation.report));
            let items = tx
                .rectifications(department, &code, year)?
                .into_iter()
                .map(|s| s.rectification)
                .collect();
            read.push(Read {
                code: code.as_str().to_owned(),
                name,
                score: evaluation
                    .scorecard(&settings, &library, &rules)
                    .total
                    .map(|t| t.value()),
                review,
                items,
            });
        }
        let units: Vec<NoticeUnit<'_>> = read
            .iter()
            .map(|r| NoticeUnit {
                code: &r.code,
                name: &r.name,
                score: r.score,
                review: r.review.as_ref(),
                items: &r.items,
            })
            .collect();
        Ok(Notice::of(year, rules, &units, today()))
    })
}
