//! 结果应用 over HTTP: the bureau sets the year's grade bands and what each grade means for next
//! year's budget, everyone reads them; rectification items follow a problem from a unit's report
//! (or the bureau's review) into next year's, answered by the unit and closed by the bureau,
//! overdue ones in collection progress; the year's notice grades the published reports by the
//! year's bands, in the bureau's words, as HTML, Markdown and XLSX, to anyone.
//!
//! The bureau's words are taken from transcribed notices (tests/fixtures/SOURCES.md): the Dazhou
//! rule's consequences of each grade, stated without a percentage
//! (`notice-sichuan-dazhou-undated-grade-budget-rules/`), and the Wuhan rectification notice's
//! problem 二 and its rectification, which name no owner and no deadline
//! (`notice-hubei-wuhan-2024-audit-rectification/`).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};
use crate::review::clean_report;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

struct Bureau {
    app: TestApp,
    unit: String,
    other_unit: String,
    reviewer: String,
    analyst: String,
}

async fn bureau() -> Bureau {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    Bureau {
        unit: app.user_token("unit100", "unit", Some("100")).await,
        other_unit: app.user_token("unit200", "unit", Some("200")).await,
        reviewer: app.user_token("reviewer1", "reviewer", None).await,
        analyst: app.user_token("analyst1", "analyst", None).await,
        app,
    }
}

const RULES: &str = "/api/v1/years/2021/result-rules";

/// The Dazhou rule's four consequences as printed, none with a percentage, with 差 given one
/// here to show a percentage kept as stated.
fn dazhou_rules() -> Value {
    json!({
        "edge_rule": "upper_inclusive",
        "bands": [
            {"grade": "excellent", "from": "94.5", "budget_note": "适当优先给予保障"},
            {"grade": "good", "from": "80", "budget_note": "据实予以合理保障"},
            {"grade": "fair", "from": "60", "budget_note": "予以一定比例核减"},
            {"grade": "poor", "budget_percent": "-100", "budget_note": "视情况可取消或暂停下一年度预算安排"}
        ],
        "basis": "达州市某局 重点绩效评价结果应用规定"
    })
}

impl Bureau {
    /// The unit files `report` for `year` and submits it; the reviewer accepts and publishes
    /// it when `publish`.
    async fn file(&self, code: &str, token: &str, year: i32, report: &Value, publish: bool) {
        let path = evaluation_path(code, year);
        let unit = self.app.with_token(token);
        let filed = unit.put(&path, report).await;
        assert!(matches!(filed.status, 200 | 201), "{}", filed.body);
        let submitted = unit
            .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        if publish {
            let reviewer = self.app.with_token(&self.reviewer);
            for action in ["accept", "publish"] {
                let acted = reviewer.post(&format!("{path}/{action}"), &json!({})).await;
                assert_eq!(acted.status, 200, "{action}: {}", acted.body);
            }
        }
    }
}

#[actix_rt::test]
async fn the_bureau_sets_the_years_bands_and_their_budget_meaning_and_everyone_reads_them() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let defaults = unit.get(RULES).await;
    assert_eq!(defaults.status, 200, "{}", defaults.body);
    assert_eq!(defaults.body["version"], 0);
    assert_eq!(defaults.header("etag"), None);
    assert_eq!(defaults.body["edge_rule"], "lower_inclusive");
    let edges: Vec<&Value> = defaults.body["bands"]
        .as_array()
        .map(|bands| bands.iter().map(|b| &b["from"]).collect())
        .unwrap_or_default();
    assert_eq!(
        edges,
        [&json!("90"), &json!("80"), &json!("60"), &Value::Null]
    );
    assert_eq!(defaults.body["bands"][0].get("budget_percent"), None);

    unit.put(RULES, &dazhou_rules())
        .await
        .assert_problem(403, "forbidden");
    b.app
        .with_token(&b.analyst)
        .put(RULES, &dazhou_rules())
        .await
        .assert_problem(403, "forbidden");

    let reviewer = b.app.with_token(&b.reviewer);
    let set = reviewer.put(RULES, &dazhou_rules()).await;
    assert_eq!(set.status, 201, "{}", set.body);
    assert_eq!(set.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(set.body["set_by"], "reviewer1");
    let again = reviewer.put(RULES, &dazhou_rules()).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, Some("\"1\"".to_owned()))
    );
    reviewer
        .json_with(
            Method::PUT,
            RULES,
            &[("if-match", "\"7\"")],
            &dazhou_rules(),
        )
        .await
        .assert_problem(412, "precondition_failed");

    let mut unordered = dazhou_rules();
    unordered["bands"][1]["from"] = json!("95");
    unordered["bands"][3]["from"] = json!("10");
    let errors = reviewer
        .put(RULES, &unordered)
        .await
        .assert_problem(422, "invalid_body");
    let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["bands[1].from", "bands[3].from"]);

    // What the bureau did not state is absent, never filled in.
    let read = b.app.with_token(&b.analyst).get(RULES).await;
    assert_eq!(read.body["version"], 1);
    assert_eq!(read.body["bands"][2]["budget_note"], "予以一定比例核减");
    assert_eq!(read.body["bands"][2].get("budget_percent"), None);
    assert_eq!(read.body["bands"][3]["budget_percent"], "-100");
}

#[actix_rt::test]
async fn a_rectification_item_follows_a_problem_into_next_years_report_until_it_is_done() {
    let b = bureau().await;
    let mut report = clean_report();
    report["issues"] = json!({"problems": [{"id": 1, "text": "预算编制不够精准。"}]});
    b.file("100", &b.unit, 2021, &report, false).await;
    let items = format!("{}/rectifications", evaluation_path("100", 2021));
    let reviewer = b.app.with_token(&b.reviewer);
    let unit = b.app.with_token(&b.unit);

    unit.post(&items, &json!({"source": "review", "problem": "自行整改"}))
        .await
        .assert_problem(403, "forbidden");
    let errors = reviewer
        .post(&items, &json!({"source": "problem", "problem_id": 9}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "problem_id");

    let from_problem = reviewer
        .post(
            &items,
            &json!({"source": "problem", "problem_id": 1, "requirement": "细化预算编制，提高执行率",
                    "owner": "财务科", "deadline": "2022-06-30"}),
        )
        .await;
    assert_eq!(from_problem.status, 201, "{}", from_problem.body);
    assert_eq!(from_problem.body["problem"], "预算编制不够精准。");
    assert_eq!(from_problem.body["status"], "open");
    assert_eq!(from_problem.body["overdue"], true);
    let first = from_problem.body["id"].clone();
    let location = from_problem.header("location").expect("a Location");
    // The Wuhan notice's problem 二: no owner, no deadline, so never overdue.
    let from_review = reviewer
        .post(
            &items,
            &json!({"source": "review", "problem": "存在1个项目未经审批调剂预算支出。"}),
        )
        .await;
    assert_eq!(from_review.status, 201, "{}", from_review.body);
    assert_eq!(from_review.body["overdue"], false);

    let listed = unit.get(&items).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(2));
    b.app
        .with_token(&b.other_unit)
        .get(&items)
        .await
        .assert_problem(404, "not_found");
    b.app
        .with_token(&b.other_unit)
        .put(
            &format!("{location}/answer"),
            &json!({"evidence": "不是本单位的事项"}),
        )
        .await
        .assert_problem(404, "not_found");

    let progress = reviewer.get("/api/v1/years/2022/progress").await;
    assert_eq!(progress.status, 200, "{}", progress.body);
    let overdue = &progress.body["overdue_rectifications"];
    assert_eq!(overdue.as_array().map(Vec::len), Some(1), "{overdue}");
    assert_eq!(overdue[0]["id"], first);
    assert_eq!(overdue[0]["department_code"], "100");

    // Next year the unit names the problem again, with nothing done about it.
    let mut next = clean_report();
    next["issues"] = json!({"problems": [
        {"id": 1, "text": "绩效目标设置不够细化。"},
        {"id": 2, "text": "预算编制不够精准，部分项目执行率偏低。"}
    ]});
    let next_path = evaluation_path("100", 2022);
    assert_eq!(unit.put(&next_path, &next).await.status, 201);
    let carried = unit
        .get(&format!("{next_path}/last-year-rectifications"))
        .await;
    assert_eq!(carried.status, 200, "{}", carried.body);
    assert_eq!(carried.body["items"].as_array().map(Vec::len), Some(2));
    let findings = &carried.body["findings"];
    assert_eq!(findings.as_array().map(Vec::len), Some(1), "{findings}");
    assert_eq!(findings[0]["rule"], "problem_repeated_without_progress");
    assert_eq!(findings[0]["path"], "issues.problems[1]");
    assert_eq!(findings[0]["rectification_id"], first);

    // A blank answer is no progress: refused, nothing changed.
    unit.json_with(
        Method::PUT,
        &format!("{location}/answer"),
        &[("if-match", "\"1\"")],
        &json!({"evidence": "  "}),
    )
    .await
    .assert_problem(422, "invalid_body");

    // The unit answers with its evidence: progress, so no finding; the bureau closes it.
    let answered = unit
        .json_with(
            Method::PUT,
            &format!("{location}/answer"),
            &[("if-match", "\"1\"")],
            &json!({"evidence": "2022年5月制订预算绩效管理工作细则，明确预算调剂报批程序。"}),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.body["status"], "in_progress");
    assert_eq!(answered.header("etag").as_deref(), Some("\"2\""));
    let carried = unit
        .get(&format!("{next_path}/last-year-rectifications"))
        .await;
    assert_eq!(carried.body["findings"], json!([]));
    unit.post(&format!("{location}/close"), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    reviewer
        .json_with(
            Method::POST,
            &format!("{location}/close"),
            &[("if-match", "\"1\"")],
            &json!({}),
        )
        .await
        .assert_problem(412, "precondition_failed");
    let closed = reviewer
        .post(
            &format!("{location}/close"),
            &json!({"comment": "佐证材料齐全，同意销号"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "done");
    assert_eq!(closed.body["overdue"], false);
    unit.put(
        &format!("{location}/answer"),
        &json!({"evidence": "补充材料"}),
    )
    .await
    .assert_problem(409, "rectification_closed");
    let progress = reviewer.get("/api/v1/years/2022/progress").await;
    assert_eq!(progress.body["overdue_rectifications"], json!([]));
}

#[actix_rt::test]
async fn the_years_notice_grades_published_reports_by_the_years_bands_in_the_bureaus_words() {
    let b = bureau().await;
    let mut report = clean_report();
    report["results"]["stated_execution_score"] = json!("9.5");
    b.file("100", &b.unit, 2021, &report, true).await;
    b.file("200", &b.other_unit, 2021, &clean_report(), false)
        .await;
    let reviewer = b.app.with_token(&b.reviewer);
    let rescored = reviewer
        .put(
            &format!("{}/review-score", evaluation_path("100", 2021)),
            &json!({"indicators": [{"indicator_id": "o", "score": "45", "reason": "抽查发现重复计数"}]}),
        )
        .await;
    assert_eq!(rescored.status, 201, "{}", rescored.body);
    // The reviewer's draft is not the bureau's score: the notice does not show it.
    let drafted = b
        .app
        .anonymous()
        .get("/api/v1/public/years/2021/notice")
        .await;
    let drafted = drafted.body.as_str().unwrap_or_default();
    assert!(
        drafted.contains("<td>单位100</td><td>99.5</td><td></td>") && !drafted.contains("94.5"),
        "{drafted}"
    );
    let finalize = format!("{}/review-score/finalize", evaluation_path("100", 2021));
    assert_eq!(reviewer.post(&finalize, &json!({})).await.status, 200);
    assert_eq!(reviewer.put(RULES, &dazhou_rules()).await.status, 201);
    let item = reviewer
        .post(
            &format!("{}/rectifications", evaluation_path("100", 2021)),
            &json!({"source": "review", "problem": "存在1个项目未经审批调剂预算支出。", "owner": "办公室（李四）", "deadline": "2022-06-30"}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);

    // 自评 99.5 by the rules, 复核 94.5: on 优's edge, which the upper edge rule puts in 良.
    let anyone = b.app.anonymous();
    let page = anyone.get("/api/v1/public/years/2021/notice").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let html = page.body.as_str().unwrap_or_default();
    for expected in [
        "2021年度部门整体支出绩效评价结果通报",
        "2021年度共有1个单位的部门整体支出绩效自评报告已公开。按本年度评价等级标准，评价结论为“优”0个、“良”1个、“中”0个、“差”0个。",
        "<td>单位100</td><td>99.5</td><td>94.5</td><td>-5</td><td>良</td><td>据实予以合理保障</td><td>1项，已完成0项，逾期1项</td>",
        "<td>优</td><td>94.5分以上</td><td>适当优先给予保障</td>",
        "<td>差</td><td>60分（含）以下</td><td>下年预算核减100%；视情况可取消或暂停下一年度预算安排</td>",
        "依据：达州市某局 重点绩效评价结果应用规定",
        "本年度共列整改事项1项，已完成0项，尚未完成1项，其中逾期1项",
        "<td>存在1个项目未经审批调剂预算支出。</td><td>2022-06-30</td><td>未整改（逾期）</td>",
    ] {
        assert!(html.contains(expected), "{expected} not in {html}");
    }
    assert!(
        !html.contains("单位200"),
        "an unpublished report is not in the notice"
    );
    assert!(
        !html.contains("李四"),
        "the item's owner (personal data) is never public"
    );

    let markdown = anyone
        .get("/api/v1/public/years/2021/notice?format=markdown")
        .await;
    assert_eq!(markdown.status, 200);
    let text = markdown.body.as_str().unwrap_or_default();
    assert!(
        text.starts_with("# 2021年度部门整体支出绩效评价结果通报\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "| 1 | 单位100 | 99.5 | 94.5 | \\-5 | 良 | 据实予以合理保障 | 1项，已完成0项，逾期1项 |"
        ),
        "{text}"
    );

    let workbook = anyone
        .get("/api/v1/public/years/2021/notice?format=xlsx")
        .await;
    assert_eq!(workbook.status, 200);
    assert_eq!(workbook.header("content-type").as_deref(), Some(XLSX));
    assert!(workbook.bytes.starts_with(b"PK"));
    anyone
        .get("/api/v1/public/years/2021/notice?format=pdf")
        .await
        .assert_problem(400, "invalid_parameters");
}

/// The defaults with 优 from `from` (the edge in the band above it).
fn excellent_from(from: &str) -> Value {
    json!({"bands": [
        {"grade": "excellent", "from": from},
        {"grade": "good", "from": "80"},
        {"grade": "fair", "from": "60"},
        {"grade": "poor"}
    ]})
}

/// The finding `stated_grade_mismatch` among an answer's `findings`, if there is one.
fn grade_mismatch(answer: &Value) -> Option<Value> {
    answer["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["rule"] == "stated_grade_mismatch"))
        .cloned()
}

/// A report scoring 87 by the rules (执行 9.5, 办理文件 at 75 % of its target 37.5, the rest
/// in full) that states 87 and 优.
fn report_of_87() -> Value {
    let mut report = clean_report();
    report["results"]["indicators"][0] = json!({
        "indicator_id": "o", "actual": "4500", "self_score": "37.5",
        "deviation_reason": "年内机构改革，部分文件改由其他单位办理"
    });
    report["results"]["stated_execution_score"] = json!("9.5");
    report["results"]["stated_total_score"] = json!("87");
    report["results"]["stated_grade"] = json!("excellent");
    report
}

#[actix_rt::test]
async fn the_years_bands_grade_the_check_the_tables_the_open_data_the_chart_and_the_document() {
    let b = bureau().await;
    let reviewer = b.app.with_token(&b.reviewer);
    let analyst = b.app.with_token(&b.analyst);
    let set = reviewer.put(RULES, &excellent_from("85")).await;
    assert_eq!(set.status, 201, "{}", set.body);

    // Stated 优 at 87 follows the year's rule: the check lets it through to submission.
    b.file("100", &b.unit, 2021, &report_of_87(), true).await;
    let path = evaluation_path("100", 2021);
    let score = analyst.get(&format!("{path}/score")).await;
    assert_eq!(
        (&score.body["total"], &score.body["grade"]),
        (&json!("87"), &json!("excellent")),
        "{}",
        score.body
    );
    let findings = analyst.get(&format!("{path}/findings")).await;
    assert_eq!(grade_mismatch(&findings.body), None, "{}", findings.body);

    let table_path = "/api/v1/comparisons/departments?year=2021";
    let table = analyst.get(table_path).await;
    assert_eq!(
        table.body["items"][0]["grade"], "excellent",
        "{}",
        table.body
    );
    let table_tag = table.header("etag");
    let grades = analyst.get("/api/v1/comparisons/grades?year=2021").await;
    let anyone = b.app.anonymous();
    let scores_csv = "/api/v1/public/open-data/2021/scores.csv";
    let open_data = anyone.get(scores_csv).await;
    assert!(
        open_data.body.as_str().unwrap_or_default().contains(",优"),
        "{}",
        open_data.body
    );
    let chart = anyone.get("/api/v1/public/charts/grades?year=2021").await;
    assert_eq!(chart.status, 200);
    let document = analyst.get(&format!("{path}/report?format=markdown")).await;
    assert!(
        document
            .body
            .as_str()
            .unwrap_or_default()
            .contains("按评分规则计算，自评总分87分，等级为“优”。"),
        "{}",
        document.body
    );

    // The bureau moves the edge back: the year's reports are graded again at once.
    let moved = reviewer
        .json_with(
            Method::PUT,
            RULES,
            &[("if-match", "\"1\"")],
            &excellent_from("90"),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let table = analyst.get(table_path).await;
    assert_eq!(table.body["items"][0]["grade"], "good", "{}", table.body);
    assert_ne!(
        table.header("etag"),
        table_tag,
        "the table's validator moved"
    );
    assert_ne!(
        analyst
            .get("/api/v1/comparisons/grades?year=2021")
            .await
            .body,
        grades.body
    );
    assert!(
        anyone
            .get(scores_csv)
            .await
            .body
            .as_str()
            .unwrap_or_default()
            .contains(",良"),
    );
    let redrawn = anyone.get("/api/v1/public/charts/grades?year=2021").await;
    assert_ne!(redrawn.body, chart.body, "the chart counts the unit as 良");
    assert!(
        analyst
            .get(&format!("{path}/report?format=markdown"))
            .await
            .body
            .as_str()
            .unwrap_or_default()
            .contains("等级为“良”")
    );
    let findings = analyst.get(&format!("{path}/findings")).await;
    let told = grade_mismatch(&findings.body).unwrap_or_default();
    assert_eq!(
        told["message"],
        "自评总分87分按本年度结果应用规则（边界分数归上一等级）对应等级应为“良”（80分（含）至90分），与所填等级“优”不符。",
        "{}",
        findings.body
    );
}

#[actix_rt::test]
async fn the_notice_is_revalidated_by_its_etag_and_shows_only_published_reports() {
    let b = bureau().await;
    b.file("100", &b.unit, 2021, &clean_report(), true).await;
    b.file("200", &b.other_unit, 2021, &clean_report(), false)
        .await;
    let anyone = b.app.anonymous();
    let notice = "/api/v1/public/years/2021/notice";
    let first = anyone.get(notice).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let html = first.body.as_str().unwrap_or_default();
    assert!(html.contains("单位100"), "{html}");
    assert!(
        !html.contains("单位200"),
        "an unpublished report is not in the notice"
    );
    let tag = first.header("etag").unwrap_or_default();
    assert!(!tag.is_empty(), "the notice has a validator");
    let fresh = anyone
        .send(Method::GET, notice, &[("if-none-match", &tag)], Vec::new())
        .await;
    assert_eq!(fresh.status, 304);
    assert!(fresh.bytes.is_empty());
    let markdown = anyone
        .send(
            Method::GET,
            &format!("{notice}?format=markdown"),
            &[("if-none-match", &tag)],
            Vec::new(),
        )
        .await;
    assert_eq!(markdown.status, 200, "another format, another validator");

    // New rules move the validator.
    let reviewer = b.app.with_token(&b.reviewer);
    assert_eq!(
        reviewer.put(RULES, &excellent_from("99.6")).await.status,
        201
    );
    let stale = anyone
        .send(Method::GET, notice, &[("if-none-match", &tag)], Vec::new())
        .await;
    assert_eq!(stale.status, 200);
    let tag = stale.header("etag").unwrap_or_default();

    // So does a rectification item.
    let item = reviewer
        .post(
            &format!("{}/rectifications", evaluation_path("100", 2021)),
            &json!({"source": "review", "problem": "存在1个项目未经审批调剂预算支出。"}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let listed = anyone
        .send(Method::GET, notice, &[("if-none-match", &tag)], Vec::new())
        .await;
    assert_eq!(listed.status, 200);
    let tag = listed.header("etag").unwrap_or_default();

    // And a report published.
    let path = evaluation_path("200", 2021);
    for action in ["accept", "publish"] {
        let acted = reviewer.post(&format!("{path}/{action}"), &json!({})).await;
        assert_eq!(acted.status, 200, "{action}: {}", acted.body);
    }
    let published = anyone
        .send(Method::GET, notice, &[("if-none-match", &tag)], Vec::new())
        .await;
    assert_eq!(published.status, 200);
    assert!(
        published
            .body
            .as_str()
            .unwrap_or_default()
            .contains("单位200")
    );
}

#[actix_rt::test]
async fn a_project_table_is_graded_by_the_years_rules_and_its_years_table_moves_with_them() {
    let b = bureau().await;
    // A year with project tables only: no report of a unit to re-project.
    let path = format!("{}/projects/P-01", evaluation_path("100", 2021));
    let stored = b
        .app
        .with_token(&b.unit)
        .put(&path, &crate::projects::clean_table())
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let analyst = b.app.with_token(&b.analyst);
    let year_table = "/api/v1/years/2021/projects";
    let before = analyst.get(year_table).await;
    assert_eq!(
        before.body["projects"][0]["grade"], "excellent",
        "{}",
        before.body
    );
    let tag = before.header("etag").unwrap_or_default();

    // 99.5 stated 优; with 优 from 99.6 it is 良, and the stated grade is told so.
    let set = b
        .app
        .with_token(&b.reviewer)
        .put(RULES, &excellent_from("99.6"))
        .await;
    assert_eq!(set.status, 201, "{}", set.body);
    let after = analyst
        .send(
            Method::GET,
            year_table,
            &[("if-none-match", &tag)],
            Vec::new(),
        )
        .await;
    assert_eq!(after.status, 200, "the year's table is not the one held");
    assert_eq!(after.body["projects"][0]["grade"], "good", "{}", after.body);
    let assessed = analyst.get(&format!("{path}/score")).await;
    assert_eq!(assessed.body["score"]["grade"], "good", "{}", assessed.body);
    assert!(
        grade_mismatch(&assessed.body).is_some(),
        "{}",
        assessed.body
    );
}
