//! 绩效自评报告 as a document: the six-part outline of the reports (一 … 六) filled from the
//! structured report — staffing, budget with the computed rates, the indicator table with
//! target, actual, attainment and score, problems with the measures that answer them,
//! publication — and written by a template as HTML (print-ready, A4) or Markdown.
//!
//! Every text the unit wrote is carried as written, so every figure of the original report is
//! in the document in the order the original states it — escaped for the format, so that it
//! reads as text and never as markup (HTML by minijinja, Markdown by `markdown`).
//!
//! One file, longer than most: it follows the outline part by part, and a part's rows sit
//! next to the template fields they fill.

use minijinja::{AutoEscape, Environment, Value};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::markdown;
use super::{
    actual_cell, chinese_number, funding_type_name, grade_name, level1_cell, target_cell,
    unit_kind_name,
};
use crate::domain::figures::{ColumnFigures, Percent};
use crate::domain::report::{
    BudgetColumns, EvaluationReport, Goals, PostKind, ProjectLine, Results, ThreePublicColumns,
};
use crate::domain::scoring::{IndicatorScore, Score, Scorecard};

const HTML: &str = include_str!("templates/report.html");
const MARKDOWN: &str = include_str!("templates/report.md");
const STYLESHEET: &str = include_str!("templates/report.css");

/// What the document is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Html,
    Markdown,
}

/// The unit a report is of.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

/// The report as one document, ready for a template.
#[derive(Debug, Serialize)]
pub struct Document {
    pub title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i32,
    pub chapters: Vec<Chapter>,
}

/// A part of the outline: 一、部门、单位基本情况 …
#[derive(Debug, Serialize)]
pub struct Chapter {
    pub heading: String,
    pub blocks: Vec<Block>,
    pub sections: Vec<Part>,
}

/// A numbered section of a part: 1．在职人员情况, （一）基本支出情况 …
#[derive(Debug, Serialize)]
pub struct Part {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// What a part is made of.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        text: String,
    },
    /// A numbered or named entry with its text, e.g. （1）政府研究室 and its duties.
    Item {
        label: String,
        text: Option<String>,
        note: Option<String>,
    },
    BudgetTable {
        caption: String,
        rows: Vec<BudgetRow>,
    },
    IndicatorTable {
        rows: Vec<IndicatorRow>,
    },
}

/// One line of the budget table (万元, %).
#[derive(Debug, Serialize)]
pub struct BudgetRow {
    pub name: String,
    /// 0 for totals, 1 for their lines, 2 for sub-lines.
    pub depth: usize,
    pub initial: String,
    pub adjusted: String,
    pub executed: String,
    pub execution_rate: String,
    pub adjustment_rate: String,
}

/// One row of the indicator table.
#[derive(Debug, Serialize)]
pub struct IndicatorRow {
    pub level1: String,
    pub level2: String,
    pub name: String,
    pub target: String,
    pub actual: String,
    pub attainment: String,
    pub weight: String,
    pub score: String,
    pub self_score: String,
    pub deviation_reason: String,
}

/// A percentage as the document shows it: two decimal places and the sign.
pub(super) fn percent(rate: Option<Percent>) -> String {
    rate.map(|r| {
        let shown = r
            .value()
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        format!("{shown:.2}%")
    })
    .unwrap_or_default()
}

pub(super) fn points(value: Option<Decimal>) -> String {
    value.map(|v| v.normalize().to_string()).unwrap_or_default()
}

pub(super) fn score(value: Option<Score>) -> String {
    value.map(String::from).unwrap_or_default()
}

fn paragraphs(text: Option<&str>) -> Vec<Block> {
    text.into_iter()
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| Block::Paragraph {
            text: line.to_owned(),
        })
        .collect()
}

fn sentence(parts: &[String]) -> Option<String> {
    (!parts.is_empty()).then(|| format!("{}。", parts.join("，")))
}

/// The template environment for a document in `format`, with its one template (named, text)
/// for that format added; answers the environment and the template's name.
pub(super) fn environment(
    format: DocumentFormat,
    html: (&'static str, &'static str),
    markdown_template: (&'static str, &'static str),
) -> Result<(Environment<'static>, &'static str), minijinja::Error> {
    let mut env = Environment::new();
    let name = match format {
        DocumentFormat::Html => {
            env.add_template(html.0, html.1)?;
            html.0
        }
        DocumentFormat::Markdown => {
            // Every value is escaped as Markdown text as it is written out (the HTML template
            // escapes as HTML); `line` keeps a cell or a heading on its line.
            // As an escaping of its own, so that a macro's output is taken as written.
            env.set_auto_escape_callback(|_| AutoEscape::Custom("markdown"));
            env.set_formatter(|out, _, value| {
                let text = value.to_string();
                if value.is_safe() {
                    out.write_str(&text)?;
                } else {
                    out.write_str(&markdown::escape(&text))?;
                }
                Ok(())
            });
            env.add_filter("line", |text: String| {
                Value::from_safe_string(markdown::one_line(&text))
            });
            env.add_template(markdown_template.0, markdown_template.1)?;
            markdown_template.0
        }
    };
    Ok((env, name))
}

/// Writes the report as a document in `format`.
pub fn render(
    format: DocumentFormat,
    unit: Unit<'_>,
    year: i32,
    report: &EvaluationReport,
    scorecard: &Scorecard,
) -> Result<String, minijinja::Error> {
    let document = document(unit, year, report, scorecard);
    let (env, name) = environment(format, ("report.html", HTML), ("report.md", MARKDOWN))?;
    env.get_template(name)?.render(minijinja::context! {
        document => document,
        stylesheet => STYLESHEET,
    })
}

/// The report laid out in the six-part outline.
pub fn document(
    unit: Unit<'_>,
    year: i32,
    report: &EvaluationReport,
    scorecard: &Scorecard,
) -> Document {
    Document {
        title: report
            .title
            .clone()
            .unwrap_or_else(|| format!("{}{year}年度部门整体支出绩效自评报告", unit.name)),
        unit_code: unit.code.to_owned(),
        unit_name: unit.name.to_owned(),
        year,
        chapters: vec![
            Chapter {
                heading: "一、部门、单位基本情况".to_owned(),
                blocks: Vec::new(),
                sections: profile(report, scorecard),
            },
            Chapter {
                heading: "二、一般公共预算支出情况".to_owned(),
                blocks: Vec::new(),
                sections: budget(year, report, scorecard),
            },
            Chapter {
                heading: "三、部门整体支出绩效情况".to_owned(),
                blocks: Vec::new(),
                sections: performance(report, scorecard),
            },
            Chapter {
                heading: "四、存在的主要问题及下一步改进措施".to_owned(),
                blocks: paragraphs(report.issues.summary.as_deref()),
                sections: issues(report),
            },
            Chapter {
                heading: "五、绩效自评结果拟应用和公开情况".to_owned(),
                blocks: publication(report),
                sections: Vec::new(),
            },
            Chapter {
                heading: "六、其他需要说明的情况".to_owned(),
                blocks: paragraphs(Some(report.other_matters.as_deref().unwrap_or("无"))),
                sections: Vec::new(),
            },
        ],
    }
}

/// Numbers the parts that have something to say: 1．…, 2．…
fn numbered(parts: Vec<(&str, Vec<Block>)>, arabic: bool) -> Vec<Part> {
    parts
        .into_iter()
        .filter(|(_, blocks)| !blocks.is_empty())
        .enumerate()
        .map(|(i, (heading, blocks))| Part {
            heading: if arabic {
                format!("{}．{heading}", i + 1)
            } else {
                format!("（{}）{heading}", chinese_number(i + 1))
            },
            blocks,
        })
        .collect()
}

fn items<'a>(entries: impl Iterator<Item = (String, Option<&'a str>)>) -> Vec<Block> {
    entries
        .enumerate()
        .map(|(i, (label, text))| Block::Item {
            label: format!("（{}）{label}", i + 1),
            text: text.map(str::to_owned),
            note: None,
        })
        .collect()
}

fn profile(report: &EvaluationReport, scorecard: &Scorecard) -> Vec<Part> {
    let profile = &report.profile;
    let staffing = &profile.staffing;
    let mut staff = Vec::new();
    if let Some(total) = staffing.authorized_total {
        staff.push(format!("本部门编制数{total}人"));
    }
    match (staffing.on_payroll, staffing.on_duty) {
        (Some(payroll), Some(duty)) => {
            staff.push(format!("在职人数{payroll}人，其中：在岗人数{duty}人"));
        }
        (Some(payroll), None) => staff.push(format!("在职人数{payroll}人")),
        (None, Some(duty)) => staff.push(format!("在岗人数{duty}人")),
        (None, None) => {}
    }
    if let Some(contract) = staffing.long_term_contract {
        staff.push(format!("编外长期聘用人员{contract}人"));
    }
    if let Some(retired) = staffing.retired {
        staff.push(format!("离退休人员{retired}人"));
    }
    let mut staffing_blocks: Vec<Block> = sentence(&staff)
        .map(|text| Block::Paragraph { text })
        .into_iter()
        .collect();
    if let Some(rate) = scorecard.figures.staffing_control_rate {
        staffing_blocks.push(Block::Paragraph {
            text: format!(
                "在职人员控制率（在职人数 ÷ 编制数）为{}。",
                percent(Some(rate))
            ),
        });
    }

    let mut organisation = paragraphs(profile.overview.as_deref());
    organisation.extend(items(
        profile
            .divisions
            .iter()
            .map(|d| (d.name.as_str().to_owned(), d.duties.as_deref())),
    ));

    let quota = |kind_is_administrative: bool| -> Vec<String> {
        staffing
            .authorized_posts
            .iter()
            .filter(|p| (p.kind == PostKind::Administrative) == kind_is_administrative)
            .map(|p| {
                let label = p.label.as_deref().unwrap_or(match p.kind {
                    PostKind::Administrative => "行政编制",
                    PostKind::PublicInstitution => "事业编制",
                    PostKind::Logistics => "后勤服务编制",
                    PostKind::Worker => "工勤编制",
                    PostKind::Other => "其他编制",
                });
                match &p.note {
                    Some(note) => format!("{label}{}名，{note}", p.count),
                    None => format!("{label}{}名", p.count),
                }
            })
            .collect()
    };
    let mut posts: Vec<Block> = sentence(&quota(true))
        .map(|text| Block::Paragraph {
            text: format!("核定{text}"),
        })
        .into_iter()
        .collect();
    let leaders: Vec<String> = profile
        .leadership_posts
        .iter()
        .map(|l| match &l.rank {
            Some(rank) => format!("{}{}名（{rank}）", l.title.as_str(), l.count),
            None => format!("{}{}名", l.title.as_str(), l.count),
        })
        .collect();
    if !leaders.is_empty() {
        posts.push(Block::Paragraph {
            text: format!("领导职数为：{}。", leaders.join("，")),
        });
    }
    posts.extend(paragraphs(profile.leadership_note.as_deref()));
    let other_posts: Vec<Block> = quota(false)
        .into_iter()
        .map(|text| Block::Paragraph {
            text: format!("{text}。"),
        })
        .collect();

    let institutions = profile
        .subordinate_institutions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut facts = String::new();
            if let Some(rank) = &s.rank {
                facts.push_str(rank);
            }
            if let Some(funding) = s.funding_type {
                facts.push_str(funding_type_name(funding));
            }
            if let Some(kind) = s.kind {
                facts.push_str(unit_kind_name(kind));
            }
            let mut parts = Vec::new();
            if !facts.is_empty() {
                parts.push(facts);
            }
            if let Some(posts) = s.authorized_posts {
                parts.push(format!("编制{posts}名"));
            }
            if let Some(staff) = s.actual_staff {
                parts.push(format!("实有人数{staff}名"));
            }
            let label = match sentence(&parts) {
                Some(facts) => format!("（{}）{}。{facts}", i + 1, s.name.as_str()),
                None => format!("（{}）{}", i + 1, s.name.as_str()),
            };
            Block::Item {
                label,
                text: s.duties.clone(),
                note: None,
            }
        })
        .collect();
    let temporary = profile
        .temporary_bodies
        .iter()
        .map(|t| Block::Item {
            label: t.name.as_str().to_owned(),
            text: t.duties.clone(),
            note: None,
        })
        .collect();
    let list = |entries: &[String]| -> Vec<Block> {
        entries
            .iter()
            .enumerate()
            .map(|(i, text)| Block::Item {
                label: format!("（{}）", i + 1),
                text: Some(text.clone()),
                note: None,
            })
            .collect()
    };

    numbered(
        vec![
            ("在职人员情况", staffing_blocks),
            ("机构设置", organisation),
            ("人员编制和领导职数", posts),
            ("其他事项", other_posts),
            ("二级机构", institutions),
            ("临时机构", temporary),
            ("主要职能", list(&profile.functions)),
            ("重点工作", list(&profile.key_tasks)),
        ],
        true,
    )
}

fn amount_phrase(columns: &BudgetColumns) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(initial) = columns.initial {
        parts.push(format!("年初预算为{initial}万元"));
    }
    if let Some(adjusted) = columns.adjusted {
        parts.push(format!("调整预算数为{adjusted}万元"));
    }
    if let Some(executed) = columns.executed {
        parts.push(format!("执行数为{executed}万元"));
    }
    parts
}

fn three_public_phrase(name: &str, columns: &ThreePublicColumns) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(budget) = columns.budget {
        parts.push(format!("预算数为{budget}万元"));
    }
    if let Some(actual) = columns.actual {
        parts.push(format!("实际支出{actual}万元"));
    }
    (!parts.is_empty()).then(|| format!("{name}{}", parts.join("，")))
}

fn line_phrase(line: &ProjectLine) -> String {
    let mut text = line.name.as_str().to_owned();
    let amounts = amount_phrase(&line.amounts);
    if !amounts.is_empty() {
        text.push_str(&amounts.join("，"));
    }
    if let Some(purpose) = &line.purpose {
        text.push('，');
        text.push_str(purpose.trim_end_matches(['。', '，']));
    }
    let children: Vec<String> = line.children.iter().map(line_phrase).collect();
    if !children.is_empty() {
        text.push_str("，其中");
        text.push_str(&children.join("，"));
    }
    text
}

fn budget_row(name: &str, depth: usize, figures: &ColumnFigures) -> BudgetRow {
    let amount = |value: Option<Decimal>| value.map(|v| v.to_string()).unwrap_or_default();
    BudgetRow {
        name: name.to_owned(),
        depth,
        initial: amount(figures.initial),
        adjusted: amount(figures.adjusted),
        executed: amount(figures.executed),
        execution_rate: percent(figures.execution_rate),
        adjustment_rate: percent(figures.adjustment_rate),
    }
}

fn line_rows(rows: &mut Vec<BudgetRow>, lines: &[ProjectLine], depth: usize) {
    for line in lines {
        rows.push(budget_row(
            line.name.as_str(),
            depth,
            &ColumnFigures::of(&line.amounts),
        ));
        line_rows(rows, &line.children, depth + 1);
    }
}

fn budget(year: i32, report: &EvaluationReport, scorecard: &Scorecard) -> Vec<Part> {
    let budget = &report.budget;
    let figures = &scorecard.figures;
    let mut basic = Vec::new();
    if let Some(b) = &budget.basic {
        let mut parts = amount_phrase(&b.amounts);
        if let Some(first) = parts.first_mut() {
            *first = format!("{year}年基本支出{first}");
        }
        if let Some(description) = &b.description {
            parts.push(description.trim_end_matches('。').to_owned());
        }
        basic.extend(sentence(&parts).map(|text| Block::Paragraph { text }));
    }
    if let Some(three) = &budget.three_public {
        let mut parts: Vec<String> = three
            .total
            .as_ref()
            .and_then(|t| three_public_phrase(&format!("{year}年“三公”经费"), t))
            .into_iter()
            .collect();
        let named = [
            ("公务接待费", three.reception.as_ref()),
            (
                "公务用车购置及运行维护费",
                three
                    .official_vehicles
                    .as_ref()
                    .and_then(|v| v.total.as_ref()),
            ),
            ("因公出国（境）费", three.overseas_travel.as_ref()),
        ];
        parts.extend(
            named
                .into_iter()
                .filter_map(|(name, columns)| columns.and_then(|c| three_public_phrase(name, c))),
        );
        if let Some(rate) = figures.three_public.control_rate {
            parts.push(format!("“三公”经费控制率为{}", percent(Some(rate))));
        }
        basic.extend(sentence(&parts).map(|text| Block::Paragraph { text }));
        basic.extend(paragraphs(three.description.as_deref()));
    }
    let mut projects = Vec::new();
    if let Some(p) = &budget.projects {
        let mut parts = amount_phrase(&p.amounts);
        if let Some(first) = parts.first_mut() {
            *first = format!("{year}年项目支出{first}");
        }
        let lines: Vec<String> = p.lines.iter().map(line_phrase).collect();
        if !lines.is_empty() {
            parts.push(format!("其中：{}", lines.join("；")));
        }
        projects.extend(sentence(&parts).map(|text| Block::Paragraph { text }));
        projects.extend(paragraphs(p.description.as_deref()));
    }
    let mut execution = Vec::new();
    let mut rows = Vec::new();
    if figures.total != ColumnFigures::default() {
        rows.push(budget_row("合计", 0, &figures.total));
    }
    if let Some(b) = &budget.basic {
        rows.push(budget_row("基本支出", 0, &figures.basic));
        for (name, columns) in [
            ("人员经费", &b.personnel),
            ("公用经费", &b.public_operation),
        ] {
            if let Some(columns) = columns {
                rows.push(budget_row(name, 1, &ColumnFigures::of(columns)));
            }
        }
    }
    if let Some(p) = &budget.projects {
        rows.push(budget_row("项目支出", 0, &figures.projects));
        line_rows(&mut rows, &p.lines, 1);
    }
    if !rows.is_empty() {
        execution.push(Block::BudgetTable {
            caption: format!("{year}年一般公共预算支出执行情况（万元）"),
            rows,
        });
    }
    execution.extend(paragraphs(budget.execution_note.as_deref()));
    execution.extend(paragraphs(budget.adjustment_note.as_deref()));
    if let Some(carry) = &budget.carry_over {
        let mut parts = Vec::new();
        if let Some(carried) = carry.carried_over {
            parts.push(format!("结转{carried}万元"));
        }
        if let Some(balance) = carry.balance {
            parts.push(format!("结余{balance}万元"));
        }
        if let Some(rate) = figures.carry_over_rate {
            parts.push(format!("结转结余率为{}", percent(Some(rate))));
        }
        execution.extend(sentence(&parts).map(|text| Block::Paragraph { text }));
        execution.extend(paragraphs(carry.description.as_deref()));
    }
    if let Some(procurement) = &budget.procurement {
        let mut parts = Vec::new();
        if let Some(planned) = procurement.planned {
            parts.push(format!("政府采购预算{planned}万元"));
        }
        if let Some(actual) = procurement.actual {
            parts.push(format!("实际采购{actual}万元"));
        }
        execution.extend(sentence(&parts).map(|text| Block::Paragraph { text }));
        execution.extend(paragraphs(procurement.description.as_deref()));
    }
    numbered(
        vec![
            ("基本支出情况", basic),
            ("项目支出情况", projects),
            ("预算执行情况", execution),
        ],
        false,
    )
}

fn performance(report: &EvaluationReport, scorecard: &Scorecard) -> Vec<Part> {
    let goals = &report.goals;
    let mut setting = paragraphs(goals.setting_narrative.as_deref());
    if let Some(goal) = &goals.overall_goal {
        setting.push(Block::Paragraph {
            text: format!("年度总体目标：{goal}"),
        });
    }
    let rows = indicator_rows(goals, &report.results, &scorecard.indicators);
    if !rows.is_empty() {
        setting.push(Block::IndicatorTable { rows });
    }

    let mut results: Vec<Block> = report
        .results
        .achievements
        .iter()
        .enumerate()
        .map(|(i, a)| Block::Paragraph {
            text: format!("{}．{}", i + 1, a.text),
        })
        .collect();
    let execution = &scorecard.execution;
    if let Some(rate) = execution.rate {
        results.push(Block::Paragraph {
            text: format!(
                "预算执行率为{}，分值{}分，得分{}分。",
                percent(Some(rate)),
                execution.weight.normalize(),
                score(execution.score)
            ),
        });
    }
    if let (Some(total), Some(grade)) = (scorecard.total, scorecard.grade) {
        results.push(Block::Paragraph {
            text: format!(
                "按评分规则计算，自评总分{}分，等级为“{}”。",
                String::from(total),
                grade_name(grade)
            ),
        });
    }
    if let Some(stated) = scorecard.stated_total {
        let grade = scorecard
            .stated_grade
            .map(|g| format!("，等级为“{}”", grade_name(g)))
            .unwrap_or_default();
        results.push(Block::Paragraph {
            text: format!("单位自评总分{}分{grade}。", stated.normalize()),
        });
    }
    numbered(
        vec![("绩效目标设置情况", setting), ("绩效目标完成情况", results)],
        false,
    )
}

fn issues(report: &EvaluationReport) -> Vec<Part> {
    let part = &report.issues;
    let measure_number = |id: u32| {
        part.measures
            .iter()
            .position(|m| m.id == id)
            .map(|i| format!("（{}）", chinese_number(i + 1)))
    };
    let problems = part
        .problems
        .iter()
        .enumerate()
        .map(|(i, problem)| {
            let answered: Vec<String> = part
                .measures
                .iter()
                .filter(|m| m.addresses.contains(&problem.id))
                .filter_map(|m| measure_number(m.id))
                .collect();
            Block::Item {
                label: format!("（{}）", chinese_number(i + 1)),
                text: Some(problem.text.as_str().to_owned()),
                note: (!answered.is_empty()).then(|| format!("改进措施见{}", answered.join(""))),
            }
        })
        .collect();
    let problem_number = |id: u32| {
        part.problems
            .iter()
            .position(|p| p.id == id)
            .map(|i| format!("（{}）", chinese_number(i + 1)))
    };
    let measures = part
        .measures
        .iter()
        .enumerate()
        .map(|(i, measure)| {
            let answers: Vec<String> = measure
                .addresses
                .iter()
                .filter_map(|id| problem_number(*id))
                .collect();
            Block::Item {
                label: match &measure.title {
                    Some(title) => format!("（{}）{title}。", chinese_number(i + 1)),
                    None => format!("（{}）", chinese_number(i + 1)),
                },
                text: Some(measure.text.as_str().to_owned()),
                note: (!answers.is_empty()).then(|| format!("针对问题{}", answers.join(""))),
            }
        })
        .collect();
    [("存在的主要问题", problems), ("改进措施和建议", measures)]
        .into_iter()
        .filter(|(_, blocks): &(_, Vec<Block>)| !blocks.is_empty())
        .map(|(heading, blocks)| Part {
            heading: format!("{heading}："),
            blocks,
        })
        .collect()
}

fn publication(report: &EvaluationReport) -> Vec<Block> {
    let publication = &report.publication;
    let mut blocks = paragraphs(publication.statement.as_deref());
    if publication.statement.is_none() {
        let said = match (publication.disclosed, publication.channel.as_deref()) {
            (Some(true), Some(channel)) => Some(format!("已在{channel}公开")),
            (Some(true), None) => Some("已公开".to_owned()),
            (Some(false), _) => Some("尚未公开".to_owned()),
            (None, _) => None,
        };
        blocks.extend(said.map(|text| Block::Paragraph { text }));
    }
    if let Some(date) = publication.disclosed_on {
        blocks.push(Block::Paragraph {
            text: format!("公开日期：{}", date.format("%Y-%m-%d")),
        });
    }
    if let Some(url) = &publication.url {
        blocks.push(Block::Paragraph {
            text: format!("公开网址：{url}"),
        });
    }
    if let Some(application) = &publication.application {
        blocks.push(Block::Paragraph {
            text: format!("结果应用：{application}"),
        });
    }
    blocks
}

/// The indicator table's rows: each indicator as written beside its score by the rules.
pub(super) fn indicator_rows(
    goals: &Goals,
    results: &Results,
    scored: &[IndicatorScore],
) -> Vec<IndicatorRow> {
    goals
        .indicators
        .iter()
        .zip(scored)
        .map(|(indicator, scored)| {
            let result = results
                .indicators
                .iter()
                .find(|r| r.indicator_id == indicator.id);
            IndicatorRow {
                level1: level1_cell(indicator.level1).to_owned(),
                level2: indicator
                    .level2
                    .as_ref()
                    .map_or("", |l| l.as_str())
                    .to_owned(),
                name: indicator.name.as_str().to_owned(),
                target: target_cell(indicator),
                actual: result
                    .map(|r| actual_cell(indicator, r))
                    .unwrap_or_default(),
                attainment: percent(scored.attainment),
                weight: points(scored.weight),
                score: score(scored.score),
                self_score: points(scored.self_score),
                deviation_reason: result
                    .and_then(|r| r.deviation_reason.clone())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::result_application::rules::ResultRules;
    use crate::domain::settings::Weights;

    fn seed_page() -> String {
        let report: EvaluationReport = serde_json::from_str(include_str!(
            "../../tests/fixtures/kaifu-2021-government-office/report.json"
        ))
        .expect("the seed report");
        let scorecard = report.scorecard(
            &Weights::default(),
            None,
            crate::domain::library::Library::common(),
            &ResultRules::default(),
        );
        let unit = Unit {
            code: "101001",
            name: "开福区人民政府办公室",
        };
        render(DocumentFormat::Html, unit, 2021, &report, &scorecard).expect("the page")
    }

    #[test]
    fn a_numbered_item_without_a_title_begins_the_line_of_its_text() {
        let page = seed_page();
        assert!(
            !page.contains(r#"<p class="label">"#),
            "no label stands alone on its line"
        );
        // （1） of a list: the number, then its text in the same paragraph.
        let at = page
            .find(r#"<span class="label">（1）</span>"#)
            .expect("a numbered item");
        let line = &page[at..page[at..].find("</p>").map_or(page.len(), |end| at + end)];
        let text = line.split("</span>").nth(1).unwrap_or_default();
        assert!(
            !text.trim().is_empty(),
            "its text follows on the line: {line}"
        );
    }
}
