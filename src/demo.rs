//! `perfeval demo` — realistic synthetic units and reports, the same for the same seed: for
//! tests, demonstrations and benchmarks. Parents with subordinate institutions, budgets of
//! varied size, indicators with targets and actuals (some missed, some two years running),
//! every state of the review cycle, and some reports whose figures do not add up; and, when
//! asked, the project tables (项目支出绩效自评表) of each unit's latest year.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::department::{Department, FundingType, UnitKind};
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::project::{ProjectCode, ProjectTable};
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same data on
/// every machine.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.between(1, 100) <= percent
    }

    /// An amount in 万元 with two decimals, from `low` to `high` (whole 万元).
    fn amount(&mut self, low: u64, high: u64) -> Decimal {
        Decimal::new(
            i64::try_from(self.between(low * 100, high * 100)).unwrap_or(0),
            2,
        )
    }

    /// `value` × a factor from `low_percent` to `high_percent` %, to two decimals.
    fn scale(&mut self, value: Decimal, low_percent: u64, high_percent: u64) -> Decimal {
        let factor = Decimal::new(
            i64::try_from(self.between(low_percent * 100, high_percent * 100)).unwrap_or(0),
            4,
        );
        (value * factor).round_dp(2)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[usize::try_from(self.next_u64() % items.len() as u64).unwrap_or(0)]
    }
}

const BUREAUS: &[&str] = &[
    "教育局",
    "财政局",
    "民政局",
    "司法局",
    "卫生健康局",
    "文化旅游体育局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "商务局",
    "市场监督管理局",
    "应急管理局",
    "统计局",
    "医疗保障局",
    "城市管理局",
    "政府办公室",
];
const CENTRES: &[&str] = &[
    "事务中心",
    "服务中心",
    "发展研究中心",
    "信息中心",
    "执法大队",
    "档案馆",
];
const STREETS: &[&str] = &[
    "望麓园",
    "湘雅路",
    "清水塘",
    "芙蓉",
    "东风路",
    "伍家岭",
    "新河",
    "四方坪",
];

/// The indicators every unit keeps year after year, so that goals can be followed over time:
/// (id, 一级, 二级, name, unit, comparison, typical target).
const INDICATORS: &[(&str, &str, &str, &str, &str, &str, u64)] = &[
    ("1", "output", "数量", "办理文件数", "件", "at_least", 3000),
    ("2", "output", "时效", "按时办结率", "%", "at_least", 95),
    (
        "3",
        "effect",
        "社会效益",
        "信息采用数",
        "条",
        "at_least",
        100,
    ),
    (
        "4",
        "satisfaction",
        "服务对象满意度",
        "群众满意度",
        "",
        "qualitative",
        0,
    ),
];

/// One generated unit: the department and its reports, oldest year first.
pub struct GeneratedUnit {
    pub department: Department,
    pub reports: Vec<(FiscalYear, EvaluationStatus, EvaluationReport)>,
}

fn department(
    random: &mut Random,
    index: usize,
    parents: &[UnitCode],
) -> Result<Department, String> {
    let code: UnitCode = format!("D{:05}", index + 1)
        .parse()
        .map_err(|e: crate::domain::Invalid| e.to_string())?;
    let subordinate = !parents.is_empty() && random.chance(25);
    let (name, kind, parent) = if subordinate {
        let parent =
            parents[usize::try_from(random.next_u64() % parents.len() as u64).unwrap_or(0)].clone();
        (
            format!(
                "区{}{}",
                random.pick(BUREAUS).trim_end_matches('局'),
                random.pick(CENTRES)
            ),
            UnitKind::PublicInstitution,
            Some(parent),
        )
    } else if random.chance(20) {
        (
            format!("{}街道办事处", random.pick(STREETS)),
            UnitKind::StreetOffice,
            None,
        )
    } else {
        let kind = if random.chance(30) {
            UnitKind::CivilServiceManaged
        } else {
            UnitKind::Administrative
        };
        (format!("区{}", random.pick(BUREAUS)), kind, None)
    };
    Ok(Department {
        code,
        name: format!("{name}（{}）", index + 1)
            .try_into()
            .map_err(|e: crate::domain::Invalid| e.to_string())?,
        kind,
        funding_type: Some(if random.chance(85) {
            FundingType::FullAppropriation
        } else {
            FundingType::PartialAppropriation
        }),
        parent_code: parent,
    })
}

/// The state a report of `year` is in, when the latest year is `latest`: older years are
/// through the cycle, the latest is in every state. A report whose checks find errors stays
/// with the unit.
fn status(random: &mut Random, year: i32, latest: i32, has_errors: bool) -> EvaluationStatus {
    if has_errors {
        return if random.chance(50) {
            EvaluationStatus::Draft
        } else {
            EvaluationStatus::Returned
        };
    }
    if year < latest {
        return if random.chance(80) {
            EvaluationStatus::Published
        } else {
            EvaluationStatus::Accepted
        };
    }
    match random.between(1, 5) {
        1 => EvaluationStatus::Draft,
        2 => EvaluationStatus::Submitted,
        3 => EvaluationStatus::Returned,
        4 => EvaluationStatus::Accepted,
        _ => EvaluationStatus::Published,
    }
}

fn text(value: Decimal) -> String {
    value.to_string()
}

/// One year's report of a unit; `size` sets the order of its budget (万元), `previous` is the
/// unit's report of the year before. Answers the report and whether its figures were made not
/// to add up.
fn report(random: &mut Random, size: u64, previous: Option<&Value>) -> (Value, bool) {
    let basic_initial = random.amount(size / 2, size);
    let basic_adjusted = random.scale(basic_initial, 95, 115);
    let basic_executed = random.scale(basic_adjusted, 88, 100);
    let project_initial = random.amount(size / 4, size);
    let project_adjusted = random.scale(project_initial, 70, 140);
    let project_executed = random.scale(project_adjusted, 70, 102);
    let broken = random.chance(8);
    let line_count = random.between(1, 3);
    let mut lines = Vec::new();
    let mut left = project_initial;
    for i in 0..line_count {
        let amount = if i + 1 == line_count {
            left
        } else {
            random.scale(left, 30, 60)
        };
        left -= amount;
        lines.push(json!({"name": format!("专项业务经费{}", i + 1), "purpose": "保障年度重点工作", "amounts": {"initial": text(amount)}}));
    }
    if broken {
        lines.push(
            json!({"name": "其他项目经费", "amounts": {"initial": text(random.amount(10, 100))}}),
        );
    }
    let total_adjusted = basic_adjusted + project_adjusted;
    let total_initial = basic_initial + project_initial;
    let execution = (basic_executed + project_executed) / total_adjusted;
    let adjustment = ((total_adjusted - total_initial) / total_initial).abs();
    let reception_budget = random.amount(1, 15);
    let vehicle_budget = random.amount(2, 20);
    let three_budget = reception_budget + vehicle_budget;
    let three_actual = random.scale(three_budget, 60, 100);
    let prior_actual = previous
        .and_then(|p| {
            p["budget"]["three_public"]["total"]["actual"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| text(random.scale(three_actual, 80, 120)));
    let authorized = random.between(10, 200);
    let on_payroll = authorized.saturating_sub(random.between(0, authorized / 10));
    let mut indicators = Vec::new();
    let mut results = Vec::new();
    let weights = ["25", "25", "30", "10"];
    for ((id, level1, level2, name, unit, comparison, typical), weight) in
        INDICATORS.iter().zip(weights)
    {
        let weight_value: Decimal = weight.parse().unwrap_or_default();
        let mut indicator = json!({"id": id, "level1": level1, "level2": level2, "name": name, "comparison": comparison, "weight": weight});
        if !unit.is_empty() {
            indicator["unit"] = json!(unit);
        }
        if *comparison == "qualitative" {
            indicator["target"] = json!("较高");
            let (achievement, self_score) = if random.chance(85) {
                ("achieved", "9")
            } else {
                ("partly_achieved", "7")
            };
            let mut result = json!({"indicator_id": id, "actual": "高", "achievement": achievement, "self_score": self_score});
            if achievement != "achieved" || self_score != weight {
                result["deviation_reason"] = json!("部分群众对办事效率仍有意见，将优化流程");
            }
            indicators.push(indicator);
            results.push(result);
            continue;
        }
        let target = if *unit == "%" {
            *typical
        } else {
            random.between(typical / 2, typical * 2)
        };
        indicator["target"] = json!(target.to_string());
        let missed = random.chance(20);
        let actual = if missed {
            Decimal::from(target)
                * Decimal::new(i64::try_from(random.between(60, 99)).unwrap_or(90), 2)
        } else {
            Decimal::from(target + random.between(0, target / 5))
        };
        let actual = actual.round_dp(0);
        let met = actual >= Decimal::from(target);
        let self_score = if met {
            weight_value
        } else {
            (weight_value * actual / Decimal::from(target)).round_dp(2)
        };
        let mut result = json!({"indicator_id": id, "actual": text(actual), "self_score": text(self_score.normalize())});
        if !met {
            result["deviation_reason"] = json!("受机构调整影响，部分任务顺延，下一年度加强统筹");
        }
        indicators.push(indicator);
        results.push(result);
    }
    let mut budget = json!({
        "basic": {"amounts": {"initial": text(basic_initial), "adjusted": text(basic_adjusted), "executed": text(basic_executed)}},
        "projects": {"amounts": {"initial": text(project_initial), "adjusted": text(project_adjusted), "executed": text(project_executed)}, "lines": lines},
        "three_public": {
            "total": {"budget": text(three_budget), "actual": text(three_actual), "prior_year_actual": prior_actual},
            "reception": {"budget": text(reception_budget)},
            "official_vehicles": {"total": {"budget": text(vehicle_budget)}}
        }
    });
    if execution < Decimal::new(9, 1) || execution > Decimal::ONE {
        budget["execution_note"] = json!("项目实施进度受外部因素影响，部分资金结转下年");
    }
    if adjustment > Decimal::new(3, 1) {
        budget["adjustment_note"] = json!("年中追加上级专项资金");
    }
    let problems = random.between(0, 3);
    let report = json!({
        "title": "部门整体支出绩效自评报告",
        "profile": {"staffing": {"authorized_total": authorized, "on_payroll": on_payroll, "on_duty": on_payroll}},
        "budget": budget,
        "goals": {"overall_goal": "全面完成年度工作任务", "indicators": indicators},
        "results": {"indicators": results},
        "issues": {
            "problems": (1..=problems).map(|i| json!({"id": i, "text": format!("问题{i}：预算编制精细化程度有待提高")})).collect::<Vec<_>>(),
            "measures": if problems > 0 { vec![json!({"id": problems + 1, "title": "加强预算管理", "text": "细化预算编制，严格预算执行。", "addresses": [1]})] } else { Vec::new() }
        },
        "publication": {"statement": "已在政府网站公开", "disclosed": true, "channel": "政府网站"},
        "other_matters": "无"
    });
    (report, broken)
}

/// Generates `departments` units with reports for the `years` years up to `last_year`.
pub fn generate(
    departments: usize,
    years: usize,
    last_year: i32,
    seed: u64,
) -> Result<Vec<GeneratedUnit>, String> {
    let mut random = Random::new(seed);
    let first_year = last_year - i32::try_from(years).map_err(|e| e.to_string())? + 1;
    let mut units = Vec::with_capacity(departments);
    let mut parents: Vec<UnitCode> = Vec::new();
    for index in 0..departments {
        let department = department(&mut random, index, &parents)?;
        if department.parent_code.is_none() {
            parents.push(department.code.clone());
        }
        let size = random.between(100, 5000);
        let mut previous: Option<Value> = None;
        let mut reports = Vec::with_capacity(years);
        for year in first_year..=last_year {
            let (document, broken) = report(&mut random, size, previous.as_ref());
            let report: EvaluationReport = serde_json::from_value(document.clone())
                .map_err(|e| format!("a generated report is not valid: {e}"))?;
            let year_value = FiscalYear::try_from(i64::from(year)).map_err(|e| e.to_string())?;
            reports.push((
                year_value,
                status(&mut random, year, last_year, broken),
                report,
            ));
            previous = Some(document);
        }
        units.push(GeneratedUnit {
            department,
            reports,
        });
    }
    Ok(units)
}

/// What a generated project is for (项目名称), before its number.
const PROJECT_NAMES: &[&str] = &[
    "老旧小区改造",
    "农村公路养护",
    "学校公用经费",
    "基层医疗设备购置",
    "政务信息化运维",
    "河道保洁",
    "困难群众救助",
    "文化惠民演出",
];

/// The indicators of a generated project table, with the execution row's 分值 of 10 making
/// 100: (id, 一级, 二级, name, unit, typical target, weight).
const PROJECT_INDICATORS: &[(&str, &str, &str, &str, &str, u64, u64)] = &[
    ("1", "output", "数量指标", "完成任务数", "个", 20, 20),
    ("2", "output", "质量指标", "验收合格率", "%", 95, 20),
    ("3", "effect", "社会效益指标", "受益人数", "人", 2000, 30),
    (
        "4",
        "satisfaction",
        "满意度指标",
        "受益对象满意度",
        "%",
        90,
        20,
    ),
];

/// One generated project table of a unit's latest year.
pub struct GeneratedProject {
    pub code: ProjectCode,
    pub status: EvaluationStatus,
    pub table: ProjectTable,
}

/// The `count` project tables of `year` of the unit generated at `index`: the same for the same
/// seed and index, whatever else is generated, so that a benchmark can make them a batch of
/// units at a time and the departmental data stays as it was without them.
pub fn projects_of(
    department: &Department,
    index: usize,
    count: usize,
    year: i32,
    seed: u64,
) -> Result<Vec<GeneratedProject>, String> {
    let mut random = Random::new(seed ^ 0x9e37_79b9_7f4a_7c15 ^ (index as u64).wrapping_mul(31));
    let mut projects = Vec::with_capacity(count);
    for number in 1..=count {
        let full_year = random.amount(5, 800);
        let initial = random.scale(full_year, 80, 100);
        let executed = random.scale(full_year, 55, 100);
        let rate = (executed / full_year * Decimal::ONE_HUNDRED).round_dp(2);
        let mut funding = json!({
            "total": {"initial": text(initial), "full_year": text(full_year), "executed": text(executed), "weight": "10", "stated_rate": text(rate)},
            "sources": [{"name": "当年财政拨款", "initial": text(initial), "full_year": text(full_year), "executed": text(executed)}]
        });
        if rate < Decimal::from(90) {
            funding["execution_note"] = json!("项目跨年度实施，部分资金按合同进度结转下年支付");
        }
        let mut indicators = Vec::new();
        let mut results = Vec::new();
        for (id, level1, level2, name, unit, typical, weight) in PROJECT_INDICATORS {
            let target = if *unit == "%" {
                *typical
            } else {
                random.between(typical / 2, typical * 2)
            };
            let missed = random.chance(15);
            let actual = if missed {
                target * random.between(60, 99) / 100
            } else {
                target
            };
            let weight = Decimal::from(*weight);
            let self_score = if missed {
                (weight * Decimal::from(actual) / Decimal::from(target)).round_dp(2)
            } else {
                weight
            };
            indicators.push(json!({"id": id, "level1": level1, "level2": level2, "name": name, "comparison": "at_least", "target": target.to_string(), "unit": unit, "weight": text(weight)}));
            let mut result = json!({"indicator_id": id, "actual": actual.to_string(), "self_score": text(self_score.normalize())});
            if missed {
                result["deviation_reason"] = json!("受施工季节影响，部分任务顺延至下年完成");
            }
            results.push(result);
        }
        let document = json!({
            "name": format!("{}项目（{number}）", random.pick(PROJECT_NAMES)),
            "competent_department": department.name.as_str(),
            "implementing_unit": department.name.as_str(),
            "funding": funding,
            "overall_goals": [{"expected": "按期完成年度建设任务，资金使用规范", "actual": "年度任务基本完成"}],
            "goals": {"indicators": indicators},
            "results": {"indicators": results}
        });
        let table: ProjectTable = serde_json::from_value(document)
            .map_err(|e| format!("a generated project table is not valid: {e}"))?;
        projects.push(GeneratedProject {
            code: format!("{year}-{:06}-{number:02}", index + 1).parse()?,
            status: status(&mut random, year, year, false),
            table,
        });
    }
    Ok(projects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        let first = generate(20, 3, 2025, 7).unwrap();
        let again = generate(20, 3, 2025, 7).unwrap();
        let other = generate(20, 3, 2025, 8).unwrap();
        let documents = |units: &[GeneratedUnit]| -> Vec<String> {
            units
                .iter()
                .flat_map(|u| {
                    u.reports
                        .iter()
                        .map(|(_, _, r)| serde_json::to_string(r).unwrap())
                })
                .collect()
        };
        assert_eq!(documents(&first), documents(&again));
        assert_ne!(documents(&first), documents(&other));
    }

    #[test]
    fn generated_reports_are_valid_and_cover_the_states_and_the_tree() {
        let units = generate(200, 2, 2025, 1).unwrap();
        assert!(units.iter().all(|u| {
            u.reports
                .iter()
                .all(|(_, _, r)| r.structural_errors().is_empty())
        }));
        assert!(units.iter().any(|u| u.department.parent_code.is_some()));
        let states: std::collections::HashSet<_> = units
            .iter()
            .flat_map(|u| u.reports.iter().map(|(_, s, _)| *s))
            .collect();
        assert_eq!(states.len(), 5, "{states:?}");
    }

    #[test]
    fn generated_project_tables_are_valid_and_the_same_for_the_same_seed_and_unit() {
        let units = generate(3, 1, 2025, 1).unwrap();
        let tables = |seed| -> Vec<String> {
            units
                .iter()
                .enumerate()
                .flat_map(|(index, unit)| {
                    projects_of(&unit.department, index, 4, 2025, seed).unwrap()
                })
                .map(|p| format!("{} {}", p.code, serde_json::to_string(&p.table).unwrap()))
                .collect()
        };
        let first = tables(1);
        assert_eq!(first.len(), 12);
        assert_eq!(first, tables(1));
        assert_ne!(first, tables(2));
        let project = projects_of(&units[0].department, 0, 1, 2025, 1).unwrap();
        assert!(project[0].table.structural_errors().is_empty());
    }
}
