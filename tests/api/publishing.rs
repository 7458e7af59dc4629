//! Publishing: the report as a document (HTML and Markdown).

use actix_web::http::Method;
use serde_json::Value;

use crate::helpers::{Answer, TestApp, evaluation_path, seed_fixture, spawn_app};
use crate::projects::clean_table;
use crate::review::clean_report;

/// The seed's original text, as the unit published it.
fn seed_text() -> String {
    let path = format!(
        "{}/tests/fixtures/kaifu-2021-government-office/report.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The figures of a text in order: runs of digits with their decimals, leaving out the
/// numbers that only number a part or an item (`1．`, `6.`, `（1）`).
fn figures(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        let numbering =
            matches!(after, Some('．' | '.')) || (before == Some('（') && after == Some('）'));
        if !numbering {
            found.push(chars[start..i].iter().collect());
        }
    }
    found
}

/// The first figure of `expected` that `rendered` does not carry in order, if any.
fn first_missing(expected: &[String], rendered: &[String]) -> Option<(usize, String)> {
    let mut rest = rendered.iter();
    expected
        .iter()
        .enumerate()
        .find(|(_, figure)| !rest.any(|r| r == *figure))
        .map(|(i, figure)| (i, figure.clone()))
}

/// The text of an HTML page without its stylesheet and markup.
fn page_text(html: &str) -> String {
    let without_style = match (html.find("<style>"), html.find("</style>")) {
        (Some(start), Some(end)) => format!("{}{}", &html[..start], &html[end..]),
        _ => html.to_owned(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in without_style.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

async fn seeded() -> (TestApp, String) {
    let app = spawn_app().await;
    let fixture = seed_fixture();
    let created = app
        .post("/api/v1/departments", &fixture["department"])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let code = fixture["department"]["code"].as_str().unwrap().to_owned();
    let path = evaluation_path(&code, 2021);
    let stored = app.put(&path, &fixture["report"]).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    (app, path)
}

async fn document(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Answer {
    app.send(Method::GET, path, headers, Vec::new()).await
}

fn text(answer: &Answer) -> &str {
    answer.body.as_str().expect("a text answer")
}

#[actix_rt::test]
async fn the_seed_report_renders_every_figure_of_the_original_in_order() {
    let (app, path) = seeded().await;
    let original = figures(&seed_text());
    assert!(original.len() > 60, "{original:?}");

    let markdown = document(&app, &format!("{path}/report?format=markdown"), &[]).await;
    assert_eq!(markdown.status, 200, "{}", markdown.body);
    assert_eq!(
        markdown.header("content-type").as_deref(),
        Some("text/markdown; charset=utf-8")
    );
    let missing = first_missing(&original, &figures(text(&markdown)));
    assert_eq!(missing, None, "Markdown lacks a figure of the original");

    let html = document(&app, &format!("{path}/report"), &[]).await;
    assert_eq!(html.status, 200);
    assert_eq!(
        html.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let missing = first_missing(&original, &figures(&page_text(text(&html))));
    assert_eq!(missing, None, "HTML lacks a figure of the original");
}

#[actix_rt::test]
async fn the_report_follows_the_six_part_outline_with_a_budget_table_of_computed_rates() {
    let (app, path) = seeded().await;
    let html = document(&app, &format!("{path}/report"), &[("accept", "text/html")]).await;
    let page = text(&html);
    let headings = [
        "<h2>一、部门、单位基本情况</h2>",
        "<h2>二、一般公共预算支出情况</h2>",
        "<h2>三、部门整体支出绩效情况</h2>",
        "<h2>四、存在的主要问题及下一步改进措施</h2>",
        "<h2>五、绩效自评结果拟应用和公开情况</h2>",
        "<h2>六、其他需要说明的情况</h2>",
    ];
    let at: Vec<usize> = headings
        .iter()
        .map(|h| page.find(h).unwrap_or_else(|| panic!("no {h}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "headings out of order");
    assert!(page.contains(
        "<tr class=\"depth-0\"><th scope=\"row\">基本支出</th><td>1659.36</td><td>1695.04</td><td></td><td></td><td>2.15%</td></tr>"
    ));
    assert!(page.contains("<th scope=\"row\">禁毒办工作经费</th><td>1233.07</td>"));
    assert!(
        page.contains("改进措施见（一）（三）"),
        "problem one and its measures"
    );
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
}

#[actix_rt::test]
async fn markdown_is_chosen_by_accept_and_html_escapes_what_the_unit_wrote() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let mut report = clean_report();
    report["other_matters"] = Value::from("<script>alert(1)</script>");
    assert_eq!(app.put(&path, &report).await.status, 201);

    let markdown = document(
        &app,
        &format!("{path}/report"),
        &[("accept", "text/markdown")],
    )
    .await;
    assert_eq!(
        markdown.header("content-type").as_deref(),
        Some("text/markdown; charset=utf-8")
    );
    let text_md = text(&markdown);
    assert!(text_md.starts_with("# 单位1002021年度部门整体支出绩效自评报告"));
    assert!(
        text_md.contains(
            "| 产出指标 | 数量 | 办理文件 | ≥6000件 | 6205件 | 103.42% | 50 | 50 | 50 |  |"
        ),
        "{text_md}"
    );
    assert!(text_md.contains("自评总分99.5分，等级为“优”"));

    let html = document(
        &app,
        &format!("{path}/report?format=html"),
        &[("accept", "text/markdown")],
    )
    .await;
    let page = text(&html);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>"));
    assert!(
        html.header("content-security-policy")
            .is_some_and(|p| p.starts_with("default-src 'none'"))
    );
}

#[actix_rt::test]
async fn a_report_that_is_not_there_or_not_the_callers_is_not_found() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let path = evaluation_path("100", 2021);
    app.get(&format!("{path}/report"))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.put(&path, &clean_report()).await.status, 201);
    let other = app.user_token("unit200", "unit", Some("200")).await;
    app.with_token(&other)
        .get(&format!("{path}/report"))
        .await
        .assert_problem(404, "not_found");
    app.anonymous()
        .get(&format!("{path}/report"))
        .await
        .assert_problem(401, "unauthenticated");
}

async fn act(app: &TestApp, path: &str, action: &str) {
    let answer = app
        .send(Method::POST, &format!("{path}/{action}"), &[], Vec::new())
        .await;
    assert_eq!(answer.status, 200, "{action}: {}", answer.body);
}

/// A project table P-01 of 2021, with a contact, whose every page says `marker`.
async fn project_with(app: &TestApp, code: &str, marker: &str, actions: &[&str]) {
    let path = format!("{}/projects/P-01", evaluation_path(code, 2021));
    let mut table = clean_table();
    table["name"] = Value::from(format!("{marker} 城市道路清扫保洁"));
    let stored = app.put(&path, &table).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    for action in actions {
        act(app, &path, action).await;
    }
}

/// A report whose every page says `marker`.
async fn report_with(app: &TestApp, code: &str, year: i32, marker: &str, actions: &[&str]) {
    let path = evaluation_path(code, year);
    let mut report = clean_report();
    report["other_matters"] = Value::from(marker);
    report["title"] = Value::from(format!("{marker} 绩效自评报告"));
    let stored = app.put(&path, &report).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    for action in actions {
        act(app, &path, action).await;
    }
}

#[actix_rt::test]
async fn every_public_route_shows_the_published_report_and_nothing_unpublished() {
    let app = spawn_app().await;
    for code in ["100", "200", "300"] {
        app.create_department(code, None).await;
    }
    report_with(
        &app,
        "100",
        2021,
        "PUBLISHED-100",
        &["submit", "accept", "publish"],
    )
    .await;
    report_with(&app, "100", 2022, "HIDDEN-100-2022", &[]).await;
    report_with(&app, "200", 2021, "HIDDEN-200", &["submit", "accept"]).await;
    report_with(&app, "300", 2021, "HIDDEN-300", &["submit"]).await;
    project_with(
        &app,
        "100",
        "PUBLISHED-100",
        &["submit", "accept", "publish"],
    )
    .await;
    project_with(&app, "200", "HIDDEN-200", &["submit", "accept"]).await;

    let document = app.anonymous().get("/api/v1/openapi.json").await.body;
    let public: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|path| path.starts_with("/api/v1/public/"))
        .cloned()
        .collect();
    assert!(public.len() >= 8, "{public:?}");

    let mut seen_published = 0;
    for template in &public {
        let mut paths = Vec::new();
        for code in ["100", "200", "300"] {
            for year in ["2021", "2022"] {
                let path = template
                    .replace("{code}", code)
                    .replace("{year}", year)
                    .replace("{project}", "P-01");
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        let queries: &[&str] = if template.contains("{code}")
            || template.contains("/open-data/")
            || template.contains("/notice")
            || template.contains("/years/")
        {
            &[""]
        } else if template.contains("/charts/") {
            &["?year=2021", "?year=2022"]
        } else {
            &[
                "",
                "?year=2021",
                "?year=2022",
                "?department=200",
                "?department=100&year=2022",
            ]
        };
        for path in paths
            .iter()
            .flat_map(|p| queries.iter().map(move |q| format!("{p}{q}")))
        {
            for accept in ["application/json", "text/html"] {
                let answer = app
                    .anonymous()
                    .send(Method::GET, &path, &[("accept", accept)], Vec::new())
                    .await;
                let text = String::from_utf8_lossy(&answer.bytes);
                for hidden in ["HIDDEN", "单位200", "单位300", "0571-88888888", "张三"] {
                    assert!(
                        !text.contains(hidden),
                        "{path} ({accept}) shows an unpublished report: {text}"
                    );
                }
                let single = path.contains("/evaluations/");
                let published = path.contains("/departments/100/");
                if path.contains("/open-data/") {
                    assert_eq!(answer.status, 200, "{path}");
                    if !path.ends_with("datapackage.json") {
                        assert_eq!(text.contains("单位100"), path.contains("/2021/"), "{path}");
                    }
                    continue;
                }
                if path.contains("/notice") {
                    // The year's notice (通报) names the published units of its year only.
                    assert_eq!(answer.status, 200, "{path}");
                    assert_eq!(text.contains("单位100"), path.contains("/2021/"), "{path}");
                    continue;
                }
                if path.contains("/charts/") {
                    if path.contains("/departments/") && !published {
                        answer.assert_problem(404, "not_found");
                    } else {
                        assert_eq!(answer.status, 200, "{path}");
                        assert_eq!(
                            answer.header("content-type").as_deref(),
                            Some("image/svg+xml")
                        );
                    }
                    continue;
                }
                if path.ends_with("/projects") {
                    // The lists of published project tables: a unit's, and the year's.
                    assert_eq!(answer.status, 200, "{path}");
                    let listed = text.contains("<td>100</td>")
                        || text.contains("\"department_code\":\"100\"");
                    let expected =
                        path.contains("/2021/") && (!path.contains("/departments/") || published);
                    assert_eq!(listed, expected, "{path} ({accept}): {text}");
                    assert_eq!(text.contains("PUBLISHED-100"), expected, "{path}");
                    continue;
                }
                let of_2021 = path.ends_with("/2021") || path.ends_with("/2021/projects/P-01");
                match (single, published && of_2021) {
                    (true, true) => {
                        assert_eq!(answer.status, 200, "{path}");
                        assert!(text.contains("PUBLISHED-100"), "{path} ({accept})");
                        seen_published += 1;
                    }
                    (true, false) => {
                        answer.assert_problem(404, "not_found");
                    }
                    (false, _) => {
                        assert_eq!(answer.status, 200, "{path}");
                        let listed = text.contains("<td>100</td>")
                            || text.contains("\"department_code\":\"100\"");
                        let expected = !path.contains("2022") && !path.contains("department=200");
                        assert_eq!(listed, expected, "{path} ({accept}): {text}");
                    }
                };
                if accept == "text/html" && answer.status == 200 {
                    assert_eq!(
                        answer.header("content-type").as_deref(),
                        Some("text/html; charset=utf-8"),
                        "{path}"
                    );
                }
            }
        }
    }
    assert_eq!(
        seen_published, 4,
        "the published report and project table, each as JSON and as a page"
    );
}

#[actix_rt::test]
async fn charts_draw_the_published_units_with_the_median_and_chinese_labels() {
    let app = spawn_app().await;
    for code in ["100", "200", "300"] {
        app.create_department(code, None).await;
    }
    report_with(
        &app,
        "100",
        2021,
        "PUBLISHED-100",
        &["submit", "accept", "publish"],
    )
    .await;
    let mut lower = clean_report();
    lower["budget"]["total"]["executed"] = Value::from("900");
    let path = evaluation_path("200", 2021);
    assert_eq!(app.put(&path, &lower).await.status, 201);
    for action in ["submit", "accept", "publish"] {
        act(&app, &path, action).await;
    }
    report_with(&app, "300", 2021, "HIDDEN-300", &["submit"]).await;

    let rates = app
        .anonymous()
        .get("/api/v1/public/charts/execution-rates?year=2021")
        .await;
    assert_eq!(rates.status, 200);
    let svg = String::from_utf8_lossy(&rates.bytes);
    assert!(svg.starts_with("<svg") && svg.contains("Noto Sans CJK SC"));
    assert!(svg.contains("单位100") && svg.contains("单位200") && !svg.contains("单位300"));
    assert!(svg.contains("全区中位数 92.50%"), "{svg}");

    let grades = app
        .anonymous()
        .get("/api/v1/public/charts/grades?year=2021")
        .await;
    let svg = String::from_utf8_lossy(&grades.bytes);
    assert!(
        svg.contains("自评等级分布") && svg.contains("\n优\n"),
        "{svg}"
    );

    let trend = app
        .anonymous()
        .get("/api/v1/public/departments/100/charts/trend")
        .await;
    let svg = String::from_utf8_lossy(&trend.bytes);
    assert!(
        svg.contains("单位100 预算执行率与自评得分") && svg.contains("2021年"),
        "{svg}"
    );
    app.anonymous()
        .get("/api/v1/public/charts/grades")
        .await
        .assert_problem(400, "invalid_parameters");
}

#[actix_rt::test]
async fn the_open_data_package_holds_the_published_figures_and_describes_them() {
    let app = spawn_app().await;
    for code in ["100", "300"] {
        app.create_department(code, None).await;
    }
    report_with(
        &app,
        "100",
        2021,
        "PUBLISHED-100",
        &["submit", "accept", "publish"],
    )
    .await;
    report_with(&app, "300", 2021, "HIDDEN-300", &["submit", "accept"]).await;
    project_with(
        &app,
        "100",
        "PUBLISHED-100",
        &["submit", "accept", "publish"],
    )
    .await;
    project_with(&app, "300", "HIDDEN-300", &["submit", "accept"]).await;
    let base = "/api/v1/public/open-data/2021";

    let descriptor = app
        .anonymous()
        .get(&format!("{base}/datapackage.json"))
        .await;
    assert_eq!(descriptor.status, 200);
    let resources = descriptor.body["resources"].as_array().unwrap();
    let paths: Vec<&str> = resources
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["budget.csv", "scores.csv", "projects.csv"]);
    assert_eq!(
        descriptor.body["model"]["measures"]["executed"]["phase"],
        "executed"
    );

    let budget = app.anonymous().get(&format!("{base}/budget.csv")).await;
    assert_eq!(
        budget.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        String::from_utf8_lossy(&budget.bytes),
        "fiscal_year,unit_code,unit_name,line_code,line_name,approved,adjusted,executed\r\n\
         2021,100,单位100,total,合计,1000,1000,950\r\n"
    );
    let scores = app.anonymous().get(&format!("{base}/scores.csv")).await;
    assert_eq!(
        String::from_utf8_lossy(&scores.bytes),
        "fiscal_year,unit_code,unit_name,execution_rate,score,grade\r\n\
         2021,100,单位100,95,99.5,优\r\n"
    );
    // The project's money in 万元 from the 元 it is written in; no contact.
    let projects = app.anonymous().get(&format!("{base}/projects.csv")).await;
    assert_eq!(
        String::from_utf8_lossy(&projects.bytes),
        "fiscal_year,unit_code,unit_name,project_code,project_name,approved,adjusted,executed,execution_rate,score,grade\r\n\
         2021,100,单位100,P-01,PUBLISHED-100 城市道路清扫保洁,100,100,95,95,99.5,优\r\n"
    );
}

#[actix_rt::test]
async fn published_project_tables_are_listed_per_unit_and_per_year_without_their_contact() {
    let app = spawn_app().await;
    for code in ["100", "200"] {
        app.create_department(code, None).await;
    }
    let publish = ["submit", "accept", "publish"];
    for (code, project, actions) in [
        ("100", "P-02", &publish[..]),
        ("100", "P-01", &publish[..]),
        ("100", "P-03", &publish[..2]),
        ("200", "A-1", &publish[..]),
    ] {
        let path = format!("{}/projects/{project}", evaluation_path(code, 2021));
        let mut table = clean_table();
        table["name"] = Value::from(format!("项目{code}-{project}"));
        assert_eq!(app.put(&path, &table).await.status, 201);
        for action in actions {
            act(&app, &path, action).await;
        }
    }
    let unit = "/api/v1/public/departments/100/evaluations/2021/projects";
    let year = "/api/v1/public/years/2021/projects";
    let listed = |answer: &Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| format!("{}/{}", row["department_code"], row["project_code"]))
            .map(|key| key.replace('"', ""))
            .collect()
    };
    let anyone = app.anonymous();
    let of_unit = anyone.get(unit).await;
    assert_eq!(of_unit.status, 200, "{}", of_unit.body);
    // Published only, by project code; the accepted one is not public.
    assert_eq!(listed(&of_unit), ["100/P-01", "100/P-02"]);
    assert_eq!(of_unit.body["total"], 2);
    let row = &of_unit.body["items"][0];
    assert_eq!(row["department_name"], "单位100");
    assert_eq!(row["name"], "项目100-P-01");
    // 1,000,000 元 budgeted and 950,000 元 executed are 100 and 95 万元: 95 %, 99.5, 优.
    assert_eq!(row["funding"]["full_year"], "100");
    assert_eq!(row["execution_rate"], "95");
    assert_eq!(row["score"], "99.5");
    assert_eq!(row["grade"], "excellent");
    assert_eq!(
        row["href"],
        "/api/v1/public/departments/100/evaluations/2021/projects/P-01"
    );
    assert_eq!(anyone.get(row["href"].as_str().unwrap()).await.status, 200);
    let of_year = anyone.get(year).await;
    assert_eq!(listed(&of_year), ["100/P-01", "100/P-02", "200/A-1"]);
    let page = anyone.get(&format!("{year}?limit=1&offset=1")).await;
    assert_eq!(listed(&page), ["100/P-02"]);
    assert_eq!(page.body["total"], 3);
    for list in [unit, year] {
        for accept in ["application/json", "text/html"] {
            let first = anyone
                .send(Method::GET, list, &[("accept", accept)], Vec::new())
                .await;
            let text = String::from_utf8_lossy(&first.bytes).into_owned();
            for contact in ["张三", "0571-88888888", "contact", "项目负责人"] {
                assert!(!text.contains(contact), "{list} ({accept}) shows {contact}");
            }
            assert_eq!(
                first.header("cache-control").as_deref(),
                Some("public, max-age=60")
            );
            assert!(first.header("last-modified").is_some());
            let tag = first.header("etag").expect("a validator");
            let again = anyone
                .send(
                    Method::GET,
                    list,
                    &[("accept", accept), ("if-none-match", tag.as_str())],
                    Vec::new(),
                )
                .await;
            assert_eq!(again.status, 304, "{list} ({accept})");
            assert!(again.bytes.is_empty());
        }
    }
    // The page links each table to its page, and back to the year's list.
    let html = anyone
        .send(Method::GET, unit, &[("accept", "text/html")], Vec::new())
        .await;
    assert_eq!(
        html.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    // The page escapes `/` in attributes (`&#x2f;`), as a browser reads it back.
    let text = String::from_utf8_lossy(&html.bytes).replace("&#x2f;", "/");
    assert!(text.contains(
        "<a href=\"/api/v1/public/departments/100/evaluations/2021/projects/P-02\">项目100-P-02</a>"
    ));
    assert!(text.contains("href=\"/api/v1/public/years/2021/projects\""));
    assert!(!text.contains("P-03"));
    // The index of published reports links each unit's year to its project tables.
    report_with(&app, "100", 2021, "PUBLISHED-100", &publish).await;
    let index = anyone
        .send(
            Method::GET,
            "/api/v1/public/evaluations",
            &[("accept", "text/html")],
            Vec::new(),
        )
        .await;
    assert!(
        String::from_utf8_lossy(&index.bytes)
            .replace("&#x2f;", "/")
            .contains(&format!("href=\"{unit}\"")),
        "the index links the unit's project tables"
    );
    // A table published later changes the list and its validator.
    let held = anyone.get(unit).await.header("etag").unwrap();
    act(
        &app,
        &format!("{}/projects/P-03", evaluation_path("100", 2021)),
        "publish",
    )
    .await;
    let changed = anyone
        .send(
            Method::GET,
            unit,
            &[("if-none-match", held.as_str())],
            Vec::new(),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(listed(&changed), ["100/P-01", "100/P-02", "100/P-03"]);
    // A unit without published tables lists none; a page is 1 to 500.
    let none = anyone
        .get("/api/v1/public/departments/200/evaluations/2020/projects")
        .await;
    assert_eq!(
        (none.status, none.body["total"].clone()),
        (200, Value::from(0))
    );
    anyone
        .get(&format!("{year}?limit=501"))
        .await
        .assert_problem(400, "invalid_parameters");
}
