//! Published self-evaluation tables, transcribed by hand into `tests/fixtures/`, posted as a
//! unit would post them: each reads back exactly as posted, and its findings and score are
//! the ones worked out by hand below.

use serde_json::Value;

use crate::helpers::{TestApp, evaluation_path, spawn_app};

fn fixture(name: &str, part: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/{name}/{part}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Posts the fixture's department and report, checks it reads back exactly, and answers the
/// findings as (rule, severity, path) and the score.
async fn post(app: &TestApp, name: &str, year: i32) -> (Vec<(String, String, String)>, Value) {
    let department = fixture(name, "department");
    let created = app.post("/api/v1/departments", &department).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = evaluation_path(department["code"].as_str().unwrap(), year);
    let report = fixture(name, "report");
    let stored = app.put(&path, &report).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let read = app.get(&path).await;
    assert!(
        read.body["report"] == report,
        "{name} read back differs from the one posted"
    );
    let findings = app.get(&format!("{path}/findings")).await.body;
    let findings = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_owned();
            (text("rule"), text("severity"), text("path"))
        })
        .collect();
    let score = app.get(&format!("{path}/score")).await.body;
    (findings, score)
}

fn finding(rule: &str, severity: &str, path: &str) -> (String, String, String) {
    (rule.to_owned(), severity.to_owned(), path.to_owned())
}

/// 丽江市古城区自然资源局, 2020年省级自然资源卫片执法补助经费支出绩效自评表 (Yunnan's template:
/// a 指标性质 column and a score column). The page is cut after the satisfaction row's weight:
/// its score, the total and the grade are not transcribed.
#[actix_rt::test]
async fn a_yunnan_table_that_docks_points_on_met_targets() {
    let app = spawn_app().await;
    let (findings, score) = post(&app, "lijiang-gucheng-2020-satellite-enforcement", 2020).await;
    // Every target is met (72890 = 72890 元; 100 = 100 %, twice; 95 ≥ 95 %), yet the form
    // gives 9 of 10, 19 of 20, 19 of 20 and 27 of 30 with no deviation reason: four errors.
    // Weights 10 + 20 + 20 + 30 + 10 = 90, with execution 10: 100; groups 50 / 30 / 10.
    assert_eq!(
        findings,
        (0..4)
            .map(|i| finding(
                "deviation_reason_missing",
                "error",
                &format!("results.indicators[{i}].deviation_reason")
            ))
            .collect::<Vec<_>>()
    );
    // Execution 7.29 ÷ 7.29 = 100 % → 10; every indicator met → 90; total 100, 优.
    assert_eq!(score["execution"]["rate"], "100");
    assert_eq!(score["execution"]["score"], "10");
    assert_eq!(score["total"], "100");
    assert_eq!(score["grade"], "excellent");
    assert_eq!(score["indicators"][0]["self_score_difference"], "-1");
}

/// 池州市贵池区棠溪镇人民政府 (a town government, Anhui's template), 项目支出绩效自评表 2022,
/// 委托业务项目. Targets as written (`≥50个`, `≥100百分比`, `≤90万元`, words). The page is cut
/// inside the satisfaction group: its indicator and the total are not transcribed.
#[actix_rt::test]
async fn an_anhui_table_whose_total_row_is_zero() {
    let app = spawn_app().await;
    let (findings, score) = post(&app, "tangxi-2022-commissioned-services", 2022).await;
    // The 年度资金总额 row is 0 / 0 / 0 while its 本年财政拨款 row is 90 / 89.974 / 89.974:
    // the part exceeds its total in each column. The indicators transcribed weigh
    // 8 × 5 + 10 + 10 × 3 = 80, with execution 10: 90, not 100 (the cut satisfaction row).
    assert_eq!(
        findings,
        [
            finding(
                "breakdown_exceeds_total",
                "error",
                "budget.projects.amounts.initial"
            ),
            finding(
                "breakdown_exceeds_total",
                "error",
                "budget.projects.amounts.adjusted"
            ),
            finding(
                "breakdown_exceeds_total",
                "error",
                "budget.projects.amounts.executed"
            ),
            finding("weights_not_100", "error", "goals.indicators"),
        ]
    );
    // The total row's adjusted budget is 0: no execution rate, no total. The line itself
    // executed 89.974 ÷ 89.974 = 100 %.
    assert_eq!(score["execution"]["rate"], Value::Null);
    assert_eq!(score["total"], Value::Null);
    let line = &score["figures"]["lines"][0];
    assert_eq!(line["execution_rate"], "100");
    // ≥50个 met by 50, ≥100百分比 by 100, ≤90万元 by 90: full weight each.
    let first = &score["indicators"][0];
    assert_eq!(first["reading"]["reading"], "figure");
    assert_eq!(first["reading"]["comparison"], "at_least");
    assert_eq!(first["reading"]["value"], "50");
    assert_eq!(first["reading"]["unit"], "个");
    assert_eq!(first["score"], "8");
    assert_eq!(score["indicators"][4]["score"], "8");
}

/// 北京市海淀区学院路街道 (a street office), 项目支出绩效自评表 2016, 自管道路清扫保洁外包工作
/// 经费. The form has no 调整预算 column: execution is read against the initial budget. The
/// page is cut after the first indicator (whose cells run together in the copy: 分值 12.5,
/// 指标值 1, 实际值 1, 得分 12.5 as transcribed); the rest of the table is not transcribed.
#[actix_rt::test]
async fn a_street_office_table_without_an_adjusted_budget() {
    let app = spawn_app().await;
    let (findings, score) = post(&app, "xueyuanlu-2016-street-cleaning", 2016).await;
    // Weights 12.5 + execution 10 = 22.5, not 100, and 产出 12.5 of 50 (the cut rows);
    // the line executed 154.74 ÷ 310.2 = 49.8839 % of its initial budget, below 90 %.
    assert_eq!(
        findings,
        [
            finding("weights_not_100", "error", "goals.indicators"),
            finding("group_weight_mismatch", "error", "goals.indicators"),
            finding(
                "line_execution_below_floor",
                "warning",
                "budget.projects.lines[0].amounts.note"
            ),
        ]
    );
    assert_eq!(score["figures"]["lines"][0]["execution_rate"], "49.8839");
    // The unit's total has no adjusted budget: no execution score (the form's own, 5 of 10 by
    // 执行率 × 分值 with 50 %, is kept as stated) and no total.
    assert_eq!(score["execution"]["rate"], Value::Null);
    assert_eq!(score["total"], Value::Null);
    assert_eq!(score["indicators"][0]["score"], "12.5");
}
