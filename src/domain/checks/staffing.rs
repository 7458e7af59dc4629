//! Rule 5, and rule 2 for the establishment (编制).

use super::{Findings, Rule, figure};
use crate::domain::report::EvaluationReport;

/// Rule 5, and rule 2 for the establishment: 在岗 ≤ 在职; 在职 above 编制 is flagged; the
/// posts by kind, with those of the subordinate institutions, add up to 编制数.
pub(super) fn staffing(report: &EvaluationReport, findings: &mut Findings) {
    let profile = &report.profile;
    let staffing = &profile.staffing;
    if let (Some(on_duty), Some(on_payroll)) = (staffing.on_duty, staffing.on_payroll)
        && on_duty > on_payroll
    {
        findings.add(
            Rule::OnDutyAbovePayroll,
            "profile.staffing.on_duty",
            vec![
                figure("profile.staffing.on_duty", on_duty.to_string()),
                figure("profile.staffing.on_payroll", on_payroll.to_string()),
            ],
            format!("在岗人数{on_duty}人多于在职人数{on_payroll}人。"),
            format!("{on_duty} persons at work is more than the {on_payroll} on the payroll."),
        );
    }
    if let (Some(on_payroll), Some(authorized)) = (staffing.on_payroll, staffing.authorized_total)
        && on_payroll > authorized
    {
        findings.add(
            Rule::PayrollAboveEstablishment,
            "profile.staffing.on_payroll",
            vec![
                figure("profile.staffing.on_payroll", on_payroll.to_string()),
                figure("profile.staffing.authorized_total", authorized.to_string()),
            ],
            format!("在职人数{on_payroll}人超过编制数{authorized}人。"),
            format!(
                "{on_payroll} persons on the payroll exceed the {authorized} authorised posts."
            ),
        );
    }
    if let Some(authorized) = staffing.authorized_total {
        let own: Vec<(String, u32)> = staffing
            .authorized_posts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("profile.staffing.authorized_posts[{i}].count"),
                    p.count,
                )
            })
            .collect();
        let subordinate: Vec<(String, u32)> = profile
            .subordinate_institutions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.authorized_posts.map(|n| {
                    (
                        format!("profile.subordinate_institutions[{i}].authorized_posts"),
                        n,
                    )
                })
            })
            .collect();
        let listed: Vec<(String, u32)> = own.into_iter().chain(subordinate).collect();
        let sum: u64 = listed.iter().map(|(_, n)| u64::from(*n)).sum();
        if !listed.is_empty() && sum != u64::from(authorized) {
            let mut figures = vec![figure(
                "profile.staffing.authorized_total",
                authorized.to_string(),
            )];
            figures.extend(listed.iter().map(|(p, n)| figure(p.clone(), n.to_string())));
            figures.push(figure("sum of the posts listed", sum.to_string()));
            findings.add(
                Rule::PostsDoNotAddUp,
                "profile.staffing.authorized_total",
                figures,
                format!("编制数为{authorized}人，但分项列出的编制（含二级机构）合计{sum}人。"),
                format!("The establishment is {authorized}, but the posts listed (subordinate institutions included) add up to {sum}."),
            );
        }
    }
}
