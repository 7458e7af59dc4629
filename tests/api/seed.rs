//! The real 2021 report of a district government office, posted as a unit would post it and
//! read back field by field.

use serde_json::Value;

use crate::helpers::{evaluation_path, seed_fixture, spawn_app};

fn texts(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item[field].as_str().expect("text").to_owned())
        .collect()
}

#[actix_rt::test]
async fn the_seed_report_reads_back_exactly_as_posted() {
    let app = spawn_app().await;
    let fixture = seed_fixture();
    let department = app
        .post("/api/v1/departments", &fixture["department"])
        .await;
    assert_eq!(department.status, 201, "{}", department.body);
    let code = fixture["department"]["code"].as_str().unwrap();
    let path = evaluation_path(code, 2021);

    let stored = app.put(&path, &fixture["report"]).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    assert_eq!(stored.body["status"], "draft");

    let read = app.get(&path).await;
    assert_eq!(read.status, 200);
    let report = &read.body["report"];
    assert!(
        *report == fixture["report"],
        "the report read back differs from the one posted"
    );

    let budget = &report["budget"];
    assert_eq!(budget["basic"]["amounts"]["initial"], "1659.36");
    assert_eq!(budget["basic"]["amounts"]["adjusted"], "1695.04");
    assert_eq!(budget["three_public"]["total"]["budget"], "8.00");
    assert_eq!(budget["three_public"]["reception"]["budget"], "8.00");
    let projects = &budget["projects"];
    assert_eq!(projects["amounts"]["initial"], "1081");
    let lines = projects["lines"].as_array().unwrap();
    assert_eq!(lines[0]["amounts"]["initial"], "185");
    assert_eq!(lines[1]["amounts"]["initial"], "1309.77");
    let special = lines[1]["children"].as_array().unwrap();
    assert_eq!(special[0]["amounts"]["initial"], "1233.07");
    assert_eq!(special[1]["amounts"]["initial"], "76.70");
    assert_eq!(
        texts(&lines[1]["children"], "name"),
        ["禁毒办工作经费", "蓝天办工作经费"]
    );

    let profile = &report["profile"];
    let staffing = &profile["staffing"];
    assert_eq!(
        [
            &staffing["authorized_total"],
            &staffing["on_payroll"],
            &staffing["on_duty"],
            &staffing["long_term_contract"]
        ],
        [50, 50, 50, 15]
    );
    let posts: Vec<_> = staffing["authorized_posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].clone())
        .collect();
    assert_eq!(posts, [15, 5]);
    let subordinates = profile["subordinate_institutions"].as_array().unwrap();
    assert_eq!(subordinates.len(), 2);
    for institution in subordinates {
        assert_eq!(
            (
                institution["authorized_posts"].clone(),
                institution["actual_staff"].clone()
            ),
            (5.into(), 5.into())
        );
        assert!(
            institution["duties"]
                .as_str()
                .is_some_and(|d| d.starts_with("负责"))
        );
    }
    assert_eq!(
        texts(&profile["divisions"], "name"),
        [
            "政府研究室",
            "督查室",
            "秘书科",
            "信息科（行政审批和政务服务科）",
            "综合科"
        ]
    );
    assert_eq!(
        profile["divisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["duties"].is_string())
            .count(),
        5
    );
    assert_eq!(texts(&profile["temporary_bodies"], "name"), ["区禁毒办"]);
    let leaders: Vec<_> = profile["leadership_posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].clone())
        .collect();
    assert_eq!(leaders, [1, 7, 1]);
    assert_eq!(profile["functions"].as_array().unwrap().len(), 11);
    assert_eq!(profile["key_tasks"].as_array().unwrap().len(), 6);

    let achievements = report["results"]["achievements"].as_array().unwrap();
    assert_eq!(achievements.len(), 6);
    assert!(
        achievements[1]["text"]
            .as_str()
            .unwrap()
            .contains("全年预计办理文件6205件")
    );
    let adoption = achievements[2]["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["stated_percent"] == "40");
    assert!(adoption.is_some_and(|r| r["numerator"] == "120" && r["denominator"] == "300"));

    let issues = &report["issues"];
    assert_eq!(issues["problems"].as_array().unwrap().len(), 2);
    assert_eq!(texts(&issues["measures"], "title")[0], "科学编制预算");
    assert_eq!(issues["measures"].as_array().unwrap().len(), 4);
    assert_eq!(report["publication"]["statement"], "已在政府网站公开");
    assert_eq!(report["other_matters"], "无");
}
