//! 比较分析 — the tables the bureau compares units with, computed from one row of figures per
//! unit and year (the projections). Rates are exact decimals in percent; an undefined rate is
//! `None`, never zero.
//!
//! A little over the usual length with its tests; the year's table itself is `table.rs`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::figures::Percent;
use crate::domain::names::named_enum;
use crate::domain::report::Grade;

mod table;

pub use table::{Line, Medians, Ranks, YearTable};

/// Initial, adjusted and executed amounts (万元).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub initial: Option<Decimal>,
    pub adjusted: Option<Decimal>,
    pub executed: Option<Decimal>,
}

impl Amounts {
    /// Column by column, the sum of the values that are there (none when none is).
    fn plus(self, other: Self) -> Self {
        let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        Self {
            initial: add(self.initial, other.initial),
            adjusted: add(self.adjusted, other.adjusted),
            executed: add(self.executed, other.executed),
        }
    }
}

fn add(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// One unit's figures for one year, as the projections hold them. The texts are shared: a
/// year's table brought up to date copies every row it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitYear {
    pub department_code: Arc<str>,
    pub department_name: Arc<str>,
    pub kind: Arc<str>,
    pub parent_code: Option<Arc<str>>,
    pub year: i32,
    pub status: Arc<str>,
    pub basic: Amounts,
    pub projects: Amounts,
    pub total: Amounts,
    pub three_public_budget: Option<Decimal>,
    pub three_public_actual: Option<Decimal>,
    /// The previous year's actual: from the previous year's report where there is one, else
    /// as this report states it.
    pub three_public_prior_actual: Option<Decimal>,
    pub authorized_staff: Option<i64>,
    pub staff_on_payroll: Option<i64>,
    pub score: Option<Decimal>,
    pub grade: Option<Grade>,
    pub indicators_total: i64,
    pub indicators_met: i64,
    pub findings_errors: i64,
    pub findings_warnings: i64,
    pub problems_count: i64,
}

/// The rates of one row (%).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rates {
    /// 预算执行率 = executed ÷ adjusted (total).
    pub execution: Option<Percent>,
    /// 预算调整率 = (adjusted − initial) ÷ initial (total).
    pub adjustment: Option<Percent>,
    /// "三公"经费变动率 of the actual columns against the previous year.
    pub three_public_change: Option<Percent>,
    /// 在职人员控制率 = 在职 ÷ 编制.
    pub staffing_control: Option<Percent>,
    /// Share of indicators met.
    pub indicators_met_share: Option<Percent>,
}

impl UnitYear {
    pub fn rates(&self) -> Rates {
        let total = self.total;
        Rates {
            execution: total
                .executed
                .zip(total.adjusted)
                .and_then(|(e, a)| Percent::of(e, a)),
            adjustment: total
                .adjusted
                .zip(total.initial)
                .and_then(|(a, i)| Percent::change(a, i)),
            three_public_change: self
                .three_public_actual
                .zip(self.three_public_prior_actual)
                .and_then(|(now, before)| Percent::change(now, before)),
            staffing_control: self
                .staff_on_payroll
                .zip(self.authorized_staff)
                .and_then(|(on, authorized)| Percent::of(on.into(), authorized.into())),
            indicators_met_share: Percent::of(
                self.indicators_met.into(),
                self.indicators_total.into(),
            ),
        }
    }

    /// This unit with the amounts and counts of `other` added (a subordinate unit's).
    fn absorb(&mut self, other: &Self) {
        self.basic = self.basic.plus(other.basic);
        self.projects = self.projects.plus(other.projects);
        self.total = self.total.plus(other.total);
        self.three_public_budget = add(self.three_public_budget, other.three_public_budget);
        self.three_public_actual = add(self.three_public_actual, other.three_public_actual);
        self.three_public_prior_actual = add(
            self.three_public_prior_actual,
            other.three_public_prior_actual,
        );
        let add_count = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.authorized_staff = add_count(self.authorized_staff, other.authorized_staff);
        self.staff_on_payroll = add_count(self.staff_on_payroll, other.staff_on_payroll);
        self.indicators_total += other.indicators_total;
        self.indicators_met += other.indicators_met;
        self.findings_errors += other.findings_errors;
        self.findings_warnings += other.findings_warnings;
        self.problems_count += other.problems_count;
    }
}

/// Rolls every unit up into its topmost ancestor among `units`: amounts, staff and counts are
/// summed over the subtree; the score, grade and status stay the parent's own. The rates are
/// those of the sums over the units that give both figures of a rate, as for the district.
/// `parents` maps each department to its parent.
pub fn roll_up(
    units: Vec<UnitYear>,
    parents: &HashMap<String, Option<String>>,
) -> Vec<(UnitYear, Rates)> {
    let present: HashMap<String, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.department_code.to_string(), i))
        .collect();
    let root_of = |code: &str| -> String {
        let mut root = code.to_owned();
        let mut current = code.to_owned();
        for _ in 0..64 {
            match parents.get(&current).cloned().flatten() {
                Some(parent) => {
                    if present.contains_key(&parent) {
                        root = parent.clone();
                    }
                    current = parent;
                }
                None => break,
            }
        }
        root
    };
    let roots: Vec<String> = units.iter().map(|u| root_of(&u.department_code)).collect();
    let mut groups: Vec<(UnitYear, Vec<&UnitYear>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (unit, root) in units.iter().zip(&roots) {
        if *unit.department_code == **root {
            index.insert(root.clone(), groups.len());
            groups.push((unit.clone(), vec![unit]));
        }
    }
    for (unit, root) in units.iter().zip(&roots) {
        if *unit.department_code != **root
            && let Some(&at) = index.get(root)
        {
            groups[at].0.absorb(unit);
            groups[at].1.push(unit);
        }
    }
    groups
        .into_iter()
        .map(|(unit, members)| (unit, totals(&members).rates()))
        .collect()
}

/// Competition ranks ("1224") of `values`, highest first; `None` stays unranked.
pub fn ranks(values: &[Option<Decimal>]) -> Vec<Option<usize>> {
    match ordering_keys(values) {
        Some(keys) => ranks_of(&keys),
        None => ranks_of(values),
    }
}

/// The values as integers at the scale of the finest of them, which order as the values do:
/// comparing two decimals of different scales rescales one of them at every comparison, which
/// ordering a whole year's units would do millions of times. `None` when one would not fit.
fn ordering_keys(values: &[Option<Decimal>]) -> Option<Vec<Option<i128>>> {
    let finest = values
        .iter()
        .flatten()
        .map(Decimal::scale)
        .max()
        .unwrap_or(0);
    values
        .iter()
        .map(|value| match value {
            None => Some(None),
            Some(v) => 10i128
                .checked_pow(finest - v.scale())
                .and_then(|factor| v.mantissa().checked_mul(factor))
                .map(Some),
        })
        .collect()
}

fn ranks_of<K: Ord + Copy>(values: &[Option<K>]) -> Vec<Option<usize>> {
    let mut descending: Vec<(K, usize)> = values
        .iter()
        .enumerate()
        .filter_map(|(at, value)| value.map(|v| (v, at)))
        .collect();
    descending.sort_unstable_by_key(|&(value, _)| std::cmp::Reverse(value));
    let mut ranks = vec![None; values.len()];
    let mut rank = 0;
    for (position, &(value, at)) in descending.iter().enumerate() {
        if position == 0 || descending[position - 1].0 != value {
            rank = position + 1;
        }
        ranks[at] = Some(rank);
    }
    ranks
}

/// The median of the values that are there, to four decimal places.
pub fn median(values: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    let mut present: Vec<Decimal> = values.into_iter().flatten().collect();
    if present.is_empty() {
        return None;
    }
    let middle = present.len() / 2;
    let odd = present.len() % 2 == 1;
    let (below, &mut upper, _) = present.select_nth_unstable(middle);
    let median = match below.iter().max() {
        Some(&lower) if !odd => (lower + upper) / Decimal::TWO,
        _ => upper,
    };
    Some(median.round_dp_with_strategy(Percent::SCALE, RoundingStrategy::MidpointAwayFromZero))
}

/// The district's sums over a set of units, with the rates of those sums. A rate uses only
/// the units that give both of its figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub units: usize,
    pub basic: Amounts,
    pub projects: Amounts,
    pub total: Amounts,
    pub three_public_budget: Option<Decimal>,
    pub three_public_actual: Option<Decimal>,
    pub execution_rate: Option<Percent>,
    pub adjustment_rate: Option<Percent>,
    pub three_public_change_rate: Option<Percent>,
    pub staffing_control_rate: Option<Percent>,
    pub indicators_met_share: Option<Percent>,
    pub findings_errors: i64,
    pub findings_warnings: i64,
    pub problems_count: i64,
}

impl Totals {
    pub fn rates(&self) -> Rates {
        Rates {
            execution: self.execution_rate,
            adjustment: self.adjustment_rate,
            three_public_change: self.three_public_change_rate,
            staffing_control: self.staffing_control_rate,
            indicators_met_share: self.indicators_met_share,
        }
    }
}

/// The two sums of a rate over the units that give both of its figures.
#[derive(Default)]
struct RateSums(Option<(Decimal, Decimal)>);

impl RateSums {
    fn add(&mut self, pair: Option<(Decimal, Decimal)>) {
        if let Some((a, b)) = pair {
            let (x, y) = self.0.unwrap_or_default();
            self.0 = Some((x + a, y + b));
        }
    }

    fn share(self) -> Option<Percent> {
        self.0.and_then(|(a, b)| Percent::of(a, b))
    }

    fn change(self) -> Option<Percent> {
        self.0.and_then(|(a, b)| Percent::change(a, b))
    }
}

/// The sums over `units` and the rates of the sums, in one pass over them.
pub fn totals(units: &[&UnitYear]) -> Totals {
    let mut sums = Totals {
        units: units.len(),
        ..Totals::default()
    };
    let (mut execution, mut adjustment) = (RateSums::default(), RateSums::default());
    let (mut three_public, mut staffing) = (RateSums::default(), RateSums::default());
    let (mut met, mut indicators) = (0_i64, 0_i64);
    for u in units {
        sums.basic = sums.basic.plus(u.basic);
        sums.projects = sums.projects.plus(u.projects);
        sums.total = sums.total.plus(u.total);
        sums.three_public_budget = add(sums.three_public_budget, u.three_public_budget);
        sums.three_public_actual = add(sums.three_public_actual, u.three_public_actual);
        execution.add(u.total.executed.zip(u.total.adjusted));
        adjustment.add(u.total.adjusted.zip(u.total.initial));
        three_public.add(u.three_public_actual.zip(u.three_public_prior_actual));
        staffing.add(
            u.staff_on_payroll
                .zip(u.authorized_staff)
                .map(|(on, authorized)| (on.into(), authorized.into())),
        );
        met += u.indicators_met;
        indicators += u.indicators_total;
        sums.findings_errors += u.findings_errors;
        sums.findings_warnings += u.findings_warnings;
        sums.problems_count += u.problems_count;
    }
    Totals {
        execution_rate: execution.share(),
        adjustment_rate: adjustment.change(),
        three_public_change_rate: three_public.change(),
        staffing_control_rate: staffing.share(),
        indicators_met_share: Percent::of(met.into(), indicators.into()),
        ..sums
    }
}

/// One year of a series: a unit's own, or the district's over the units of that year.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendYear {
    pub year: i32,
    /// The sums and the rates of the sums over the year's units.
    pub totals: Totals,
    /// The unit's score, or the median of the units' scores.
    pub score: Option<Decimal>,
    /// The unit's grade; none for the district.
    pub grade: Option<Grade>,
}

/// One unit's series, a year per row of its own, oldest first: its figures, score and grade.
pub fn unit_trend(units: &[UnitYear]) -> Vec<TrendYear> {
    let mut years: Vec<TrendYear> = units
        .iter()
        .map(|unit| TrendYear {
            year: unit.year,
            totals: totals(&[unit]),
            score: unit.score,
            grade: unit.grade,
        })
        .collect();
    years.sort_by_key(|year| year.year);
    years
}

named_enum! {
    /// PEFA-style bands of execution against the approved (initial) budget.
    pub enum DeviationBand {
        /// |deviation| ≤ 5 %
        Within5 = "within5",
        /// 5 % < |deviation| ≤ 10 %
        Within10 = "within10",
        /// 10 % < |deviation| ≤ 15 %
        Within15 = "within15",
        /// |deviation| > 15 %
        Beyond15 = "beyond15",
        /// No executed or no initial amount, or an initial budget of zero.
        Undefined = "undefined",
    }
}

/// The deviation of execution from the approved budget, (executed − initial) ÷ initial (%),
/// and its band.
pub fn deviation(unit: &UnitYear) -> (Option<Percent>, DeviationBand) {
    let deviation = unit
        .total
        .executed
        .zip(unit.total.initial)
        .and_then(|(e, i)| Percent::change(e, i));
    let band = match deviation.map(|d| d.value().abs()) {
        None => DeviationBand::Undefined,
        Some(d) if d <= Decimal::from(5) => DeviationBand::Within5,
        Some(d) if d <= Decimal::from(10) => DeviationBand::Within10,
        Some(d) if d <= Decimal::from(15) => DeviationBand::Within15,
        Some(_) => DeviationBand::Beyond15,
    };
    (deviation, band)
}

/// One indicator of one unit in one year, from the projections.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorYear {
    pub department_code: String,
    pub name: String,
    pub unit: String,
    pub year: i32,
    pub met: Option<bool>,
    pub attainment: Option<Decimal>,
}

/// A goal missed in consecutive years.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmetGoal {
    pub department_code: String,
    pub name: String,
    pub unit: String,
    /// The longest run of consecutive years missed, oldest first.
    pub years: Vec<i32>,
    /// The attainment of each of those years (%).
    pub attainments: Vec<Option<Decimal>>,
}

/// The indicators (matched within a department by name and unit) missed in at least
/// `at_least` consecutive years; each with its longest such run.
pub fn unmet_goals(indicators: &[IndicatorYear], at_least: usize) -> Vec<UnmetGoal> {
    let mut by_goal: BTreeMap<(&str, &str, &str), BTreeMap<i32, &IndicatorYear>> = BTreeMap::new();
    for indicator in indicators {
        by_goal
            .entry((&indicator.department_code, &indicator.name, &indicator.unit))
            .or_default()
            .insert(indicator.year, indicator);
    }
    let mut unmet = Vec::new();
    for ((department, name, unit), years) in by_goal {
        let mut best: Vec<&IndicatorYear> = Vec::new();
        let mut run: Vec<&IndicatorYear> = Vec::new();
        for (year, indicator) in &years {
            let continues = run.last().is_some_and(|last| last.year + 1 == *year);
            if indicator.met == Some(false) {
                if !continues {
                    run.clear();
                }
                run.push(indicator);
                if run.len() > best.len() {
                    best = run.clone();
                }
            } else {
                run.clear();
            }
        }
        if best.len() >= at_least.max(1) {
            unmet.push(UnmetGoal {
                department_code: department.to_owned(),
                name: name.to_owned(),
                unit: unit.to_owned(),
                years: best.iter().map(|i| i.year).collect(),
                attainments: best.iter().map(|i| i.attainment).collect(),
            });
        }
    }
    unmet
}

/// How a set of units' grades are spread: a count per grade (in the grades' order), and the
/// ungraded.
pub fn grade_distribution(units: &[&UnitYear]) -> (Vec<(Grade, usize)>, usize) {
    let counts = Grade::ALL
        .iter()
        .map(|&grade| {
            let count = units.iter().filter(|u| u.grade == Some(grade)).count();
            (grade, count)
        })
        .collect();
    let ungraded = units.iter().filter(|u| u.grade.is_none()).count();
    (counts, ungraded)
}

/// Orders optional decimals with the missing ones last, whichever way the rest go.
pub fn compare_missing_last<T: Ord>(a: &Option<T>, b: &Option<T>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => {
            if descending {
                b.cmp(a)
            } else {
                a.cmp(b)
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn unit(code: &str, parent: Option<&str>, executed: &str, adjusted: &str) -> UnitYear {
        UnitYear {
            department_code: code.into(),
            department_name: code.into(),
            kind: "administrative".into(),
            parent_code: parent.map(Into::into),
            year: 2021,
            status: "draft".into(),
            basic: Amounts::default(),
            projects: Amounts::default(),
            total: Amounts {
                initial: Some(dec(adjusted)),
                adjusted: Some(dec(adjusted)),
                executed: Some(dec(executed)),
            },
            three_public_budget: None,
            three_public_actual: None,
            three_public_prior_actual: None,
            authorized_staff: Some(10),
            staff_on_payroll: Some(9),
            score: None,
            grade: None,
            indicators_total: 2,
            indicators_met: 1,
            findings_errors: 0,
            findings_warnings: 1,
            problems_count: 1,
        }
    }

    #[test]
    fn ranks_share_places_and_leave_the_undefined_out() {
        let values = [Some(dec("90")), None, Some(dec("95")), Some(dec("90"))];
        assert_eq!(ranks(&values), [Some(2), None, Some(1), Some(2)]);
    }

    #[test]
    fn a_table_with_changes_is_the_table_built_from_the_changed_units() {
        let before = vec![
            unit("D00001", None, "90", "100"),
            unit("D00002", None, "80", "100"),
            unit("D00004", None, "70", "100"),
        ];
        let table = YearTable::build(before, None);
        // D00002 changes, D00003 joins, D00004 leaves.
        let changed = vec![
            unit("D00003", None, "95", "100"),
            unit("D00002", None, "99", "100"),
        ];
        let read_again = ["D00002", "D00003", "D00004"].into_iter().collect();
        let after = vec![
            unit("D00001", None, "90", "100"),
            unit("D00002", None, "99", "100"),
            unit("D00003", None, "95", "100"),
        ];
        assert_eq!(
            table.with_changes(changed, &read_again),
            YearTable::build(after, None)
        );
    }

    #[test]
    fn ranks_compare_values_of_any_scale_as_numbers() {
        let values = [
            Some(dec("1.5")),
            Some(dec("1.50")),
            Some(dec("2")),
            Some(dec("0.0001")),
            Some(dec("-3")),
        ];
        assert_eq!(
            ranks(&values),
            [Some(2), Some(2), Some(1), Some(4), Some(5)]
        );
        // Too far apart in scale to share one integer scale: ranked as decimals.
        let values = [
            Some(Decimal::MAX),
            Some(dec("0.0000000000000000000000000001")),
        ];
        assert_eq!(ranks(&values), [Some(1), Some(2)]);
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(
            median([Some(dec("7")), Some(dec("1")), Some(dec("3"))]),
            Some(dec("3"))
        );
        assert_eq!(median([None]), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            median([
                Some(dec("1")),
                Some(dec("4")),
                None,
                Some(dec("2")),
                Some(dec("3"))
            ]),
            Some(dec("2.5"))
        );
        assert_eq!(median([None]), None);
    }

    #[test]
    fn a_parent_rolls_up_its_subordinates_at_any_depth() {
        let parents: HashMap<String, Option<String>> = [
            ("a", None),
            ("a1", Some("a")),
            ("a11", Some("a1")),
            ("b", None),
        ]
        .into_iter()
        .map(|(c, p)| (c.to_owned(), p.map(str::to_owned)))
        .collect();
        let units = vec![
            unit("a", None, "90", "100"),
            unit("a1", Some("a"), "40", "50"),
            unit("a11", Some("a1"), "10", "10"),
            unit("b", None, "5", "10"),
        ];
        let rolled = roll_up(units, &parents);
        assert_eq!(rolled.len(), 2);
        assert_eq!(rolled[0].0.total.executed, Some(dec("140")));
        assert_eq!(rolled[0].0.total.adjusted, Some(dec("160")));
        assert_eq!(String::from(rolled[0].1.execution.unwrap()), "87.5");
        assert_eq!(rolled[0].0.authorized_staff, Some(30));
        assert_eq!(rolled[1].0.total.executed, Some(dec("5")));
    }

    #[test]
    fn a_rolled_up_rate_uses_only_the_units_that_give_both_figures() {
        let parents: HashMap<String, Option<String>> = [("a", None), ("a1", Some("a"))]
            .into_iter()
            .map(|(c, p)| (c.to_owned(), p.map(str::to_owned)))
            .collect();
        let mut parent = unit("a", None, "90", "100");
        parent.staff_on_payroll = None;
        parent.authorized_staff = Some(50);
        let mut child = unit("a1", Some("a"), "40", "50");
        child.authorized_staff = Some(10);
        child.staff_on_payroll = Some(12);
        let rolled = roll_up(vec![parent, child], &parents);
        assert_eq!(
            String::from(rolled[0].1.staffing_control.unwrap()),
            "120",
            "12 of the child's 10, not 12 of 60"
        );
    }

    #[test]
    fn deviation_bands_follow_pefa() {
        let band = |executed: &str| deviation(&unit("x", None, executed, "100")).1;
        assert_eq!(band("105"), DeviationBand::Within5);
        assert_eq!(band("94.99"), DeviationBand::Within10);
        assert_eq!(band("115"), DeviationBand::Within15);
        assert_eq!(band("84.9"), DeviationBand::Beyond15);
        assert_eq!(
            deviation(&unit("x", None, "1", "0")).1,
            DeviationBand::Undefined
        );
    }

    #[test]
    fn goals_missed_in_consecutive_years_are_found_with_their_longest_run() {
        let indicator = |year: i32, met: bool| IndicatorYear {
            department_code: "a".to_owned(),
            name: "采用率".to_owned(),
            unit: "%".to_owned(),
            year,
            met: Some(met),
            attainment: None,
        };
        let history = [
            indicator(2018, false),
            indicator(2019, true),
            indicator(2020, false),
            indicator(2021, false),
            indicator(2022, false),
        ];
        let unmet = unmet_goals(&history, 2);
        assert_eq!(unmet.len(), 1);
        assert_eq!(unmet[0].years, [2020, 2021, 2022]);
        assert!(unmet_goals(&history, 4).is_empty());
        let gap = [indicator(2019, false), indicator(2021, false)];
        assert!(
            unmet_goals(&gap, 2).is_empty(),
            "2019 and 2021 are not consecutive"
        );
    }
}
