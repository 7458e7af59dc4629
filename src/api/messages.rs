//! 提示语 — the sentences of answers in the clerk's language, written from what the domain
//! answers (a kind of problem, a cell's fault, a state) and never from its English text: the
//! stable codes stay in `code`, `type` and `rule`, and never inside a sentence.

use super::error::ApiError;
use super::export::Vocabulary;
use super::language::Language;
use crate::domain::comparison::DeviationBand;
use crate::domain::department::UnitKind;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::invalid::{Invalid, JsonType, TextForm};
use crate::domain::report::Grade;
use crate::domain::upload::{MAX_PART_HEADER_BYTES, MAX_PARTS, UploadError};
use crate::presentation::form::CellFault;
use crate::presentation::{action_name, grade_name, status_name, unit_kind_name};

/// The title and detail of a problem in Chinese.
pub fn problem_zh(error: &ApiError) -> (&'static str, String) {
    use ApiError as E;
    match error {
        E::MalformedJson(_) => (
            "JSON 格式错误",
            "请求正文不是格式正确的 JSON".to_owned(),
        ),
        E::InvalidBody { errors, .. } => (
            "内容无法读取",
            format!("有 {} 处内容无法读取，见 errors 中各项", errors.len()),
        ),
        E::InvalidParameters(_) => ("参数错误", "请求参数有误，见 errors 中各项".to_owned()),
        E::UnreadableCells { cells, .. } => (
            "内容无法读取",
            format!("有 {} 处内容无法读取，见 errors 中各项", cells.len()),
        ),
        E::UnsupportedMediaType(_) => (
            "不支持的内容类型",
            "请求正文的类型不被接受：JSON 接口请发送 application/json".to_owned(),
        ),
        E::UnsupportedFormat(_) => (
            "不是 .xlsx 工作簿",
            "文件是旧版 Excel（.xls）、WPS（.et）、OpenDocument（.ods）或文本（CSV）格式：请在 Excel 或 WPS 中“另存为” .xlsx 工作簿后重新上传".to_owned(),
        ),
        E::InvalidMultipart(refusal) => ("上传内容无法读取", multipart_zh(refusal)),
        E::PayloadTooLarge { limit } => (
            "正文过大",
            format!("请求正文超过 {limit} 字节的上限"),
        ),
        E::DocumentTooLarge { size, limit } => (
            "报告过大",
            format!(
                "修改后的报告以 JSON 保存为 {size} 字节，超过请求正文 {limit} 字节的上限（PERFEVAL_MAX_BODY_BYTES）；未作任何保存"
            ),
        ),
        E::RequestTimeout { seconds } => (
            "请求超时",
            format!("请求正文未在 {seconds} 秒内送达"),
        ),
        E::WorkbookTooLarge(_) => (
            "工作簿超出读取限制",
            "工作簿超出读取限制（条目、工作表、行数、单元格、文字量或读取时间）：请只保留“自评表”工作表后重新上传".to_owned(),
        ),
        E::Unauthenticated(_) => (
            "未登录",
            "需要有效的登录凭据：请重新登录".to_owned(),
        ),
        E::InvalidCredentials => (
            "用户名或密码错误",
            "用户名或密码错误，或该用户已停用".to_owned(),
        ),
        E::Forbidden(_) => ("无权操作", "当前用户无权进行此操作".to_owned()),
        E::CrossSite(_) => (
            "跨站请求被拒绝",
            "只有本系统自己的页面可以提交此请求".to_owned(),
        ),
        E::TooManyRequests { retry_after } => (
            "尝试次数过多",
            format!("登录失败次数过多，请 {retry_after} 秒后再试"),
        ),
        E::NotFound(_) => ("未找到", "所请求的内容不存在".to_owned()),
        E::Conflict { code, .. } => ("与现有数据冲突", conflict_zh(code).to_owned()),
        E::IllegalTransition {
            status,
            action,
            allowed,
        } => (
            "当前状态下不允许此操作",
            format!(
                "自评处于“{}”状态，不能{}；当前允许：{}",
                status_name(*status),
                action_name(*action),
                if allowed.is_empty() {
                    "无".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(|a| action_name(*a))
                        .collect::<Vec<_>>()
                        .join("、")
                }
            ),
        ),
        E::Blocked(findings) => (
            "审核发现错误",
            format!(
                "审核发现 {} 处错误，须更正后才能提交，见 findings",
                findings.len()
            ),
        ),
        E::PreconditionRequired(_) => (
            "缺少版本条件",
            "修改须在 If-Match 中给出所依据的版本（ETag）".to_owned(),
        ),
        E::MethodNotAllowed { allowed, .. } => (
            "不支持的请求方法",
            format!("此处只支持：{}", allowed.join("、")),
        ),
        E::InvalidChange(_) => (
            "修改无效",
            "修改后的报告不成立，见 errors 中各项".to_owned(),
        ),
        E::PreconditionFailed { .. } => (
            "版本已变化",
            "自 If-Match 所给版本以来，自评已被修改：请重新读取后再改".to_owned(),
        ),
        E::Unavailable(_) => (
            "服务暂不可用",
            "服务暂时不可用，请稍后再试".to_owned(),
        ),
        E::StorageFull => (
            "存储空间已满",
            "数据库存储空间已满，未作任何保存；运维人员腾出空间后即可恢复".to_owned(),
        ),
        E::Internal { .. } => (
            "内部错误",
            "服务未能完成此请求；原因已按 instance 中的请求编号记入日志".to_owned(),
        ),
    }
}

fn multipart_zh(refusal: &UploadError) -> String {
    match refusal {
        UploadError::Malformed(_) => {
            "上传的表单内容格式不正确（multipart/form-data）：请用浏览器或客户端重新上传".to_owned()
        }
        UploadError::TooManyParts => {
            format!("上传的表单超过 {MAX_PARTS} 个字段：请只上传一个文件（字段 file）")
        }
        UploadError::PartHeadersTooLong => {
            format!("上传表单某一部分的标头超过 {MAX_PART_HEADER_BYTES} 字节（文件名过长？）")
        }
        UploadError::MoreThanOneFile => {
            "上传的表单含有多个文件：请只上传一个文件（字段 file）".to_owned()
        }
        UploadError::NoFile => "上传的表单中没有文件：请把工作簿放在字段 file 中上传".to_owned(),
    }
}

fn conflict_zh(code: &str) -> &'static str {
    match code {
        "evaluation_not_editable" => {
            "该自评已提交、审核或公开，不能修改；只有草稿和已退回的自评可以修改"
        }
        "no_targets" => "该自评没有可以批准目标的指标",
        "department_exists" => "该单位代码已存在",
        "department_has_evaluations" => "该单位已有自评，不能删除",
        "department_has_subordinates" => "该单位有下属单位，不能删除",
        "department_has_users" => "该单位有绑定的用户或服务令牌，不能删除",
        "user_exists" => "该用户名已存在",
        "problem_addressed" => "该问题已有整改措施，不能删除",
        _ => "与已保存的数据冲突",
    }
}

/// The Chinese name of an enumerated value's code, for Chinese exports: 单位性质, 状态,
/// 等级, 偏离区间.
pub fn name_zh(names: Vocabulary, code: &str) -> Option<&'static str> {
    match names {
        Vocabulary::UnitKind => UnitKind::parse(code).map(unit_kind_name),
        Vocabulary::Status => EvaluationStatus::parse(code).map(status_name),
        Vocabulary::Grade => Grade::parse(code).map(grade_name),
        Vocabulary::Band => DeviationBand::parse(code).map(|band| match band {
            DeviationBand::Within5 => "偏离不超过5%",
            DeviationBand::Within10 => "偏离5%至10%",
            DeviationBand::Within15 => "偏离10%至15%",
            DeviationBand::Beyond15 => "偏离超过15%",
            DeviationBand::Undefined => "无法计算",
        }),
    }
}

/// Why a cell of an uploaded table could not be read, in `language`.
pub fn cell_fault(fault: &CellFault, language: Language) -> String {
    match language {
        Language::Zh => cell_fault_zh(fault),
        Language::En => cell_fault_en(fault),
    }
}

fn cell_fault_zh(fault: &CellFault) -> String {
    use CellFault as F;
    match fault {
        F::NotANumber { text } => format!("“{text}”不是数字"),
        F::NotAnAmount { text } => {
            format!("“{text}”不是有效金额：金额以万元计，不为负数，最多 6 位小数、12 位整数")
        }
        F::NotPoints { text } => {
            format!("“{text}”不是有效分值：分值在 0 到 100 之间，最多 2 位小数")
        }
        F::TextUnstorable => "文字过长或含有控制字符，无法保存".to_owned(),
        F::Required { what } => format!("填写了指标的行中，“{what}”不能为空"),
        F::TargetWithoutValue => "年度指标值只有符号，没有数值".to_owned(),
        F::ActualMissing => "填写了得分，但实际完成值为空".to_owned(),
        F::NotAGrade { text } => {
            format!("“{text}”不是评价等级（优秀、良好、合格/中等、不合格/差）")
        }
        F::NotALevel1 { text } => {
            format!("“{text}”不是一级指标（产出、效益、满意度、投入、过程、效果、决策）")
        }
        F::OtherUnit { found, expected } => {
            format!("这是单位 {found} 的自评表，不是单位 {expected} 的")
        }
        F::UnitCodeMissing => "单位代码为空".to_owned(),
        F::NoUnitCodeLabel => "找不到“单位代码”一栏".to_owned(),
        F::OtherYear { year } => format!("这不是 {year} 年度的自评表"),
        F::OtherProject { found, expected } => {
            format!("这是项目 {found} 的自评表，不是项目 {expected} 的")
        }
        F::ProjectCodeMissing => "项目代码为空或找不到“项目代码”一栏".to_owned(),
        F::NotAnAmountUnit { text } => format!("“{text}”不是金额单位（万元或元）"),
        F::ProjectTable => "这是项目支出绩效自评表，请上传到该项目的 form.xlsx".to_owned(),
    }
}

fn cell_fault_en(fault: &CellFault) -> String {
    use CellFault as F;
    match fault {
        F::NotANumber { text } => format!("`{text}` is not a number"),
        F::NotAnAmount { text } => format!(
            "`{text}` is not an amount: 万元, never negative, at most 6 decimal places and 12 integer digits"
        ),
        F::NotPoints { text } => {
            format!("`{text}` is not points: 0 to 100, at most 2 decimal places")
        }
        F::TextUnstorable => {
            "the text is too long or holds control characters, and cannot be stored".to_owned()
        }
        F::Required { what } => format!("{what} is required in an indicator row"),
        F::TargetWithoutValue => "the target has no value".to_owned(),
        F::ActualMissing => "实际完成值 is empty while 得分 is given".to_owned(),
        F::NotAGrade { text } => {
            format!("`{text}` is not a grade (优秀, 良好, 合格/中等, 不合格/差)")
        }
        F::NotALevel1 { text } => {
            format!("`{text}` is not 产出, 效益, 满意度, 投入, 过程, 效果 or 决策")
        }
        F::OtherUnit { found, expected } => {
            format!("the table is of unit {found}, not {expected}")
        }
        F::UnitCodeMissing => "the unit code is missing".to_owned(),
        F::NoUnitCodeLabel => "no cell says 单位代码".to_owned(),
        F::OtherYear { year } => format!("the table is not of the year {year}"),
        F::OtherProject { found, expected } => {
            format!("the table is of project {found}, not {expected}")
        }
        F::ProjectCodeMissing => "the project code (项目代码) is missing".to_owned(),
        F::NotAnAmountUnit { text } => format!("`{text}` is not 万元 or 元"),
        F::ProjectTable => {
            "this is a project table (项目支出绩效自评表): send it to its project's form.xlsx"
                .to_owned()
        }
    }
}

/// What is wrong with a field, in `language`: English as the kind says it, Chinese written
/// here; neither holds the code.
pub fn field_message(invalid: &Invalid, language: Language) -> String {
    match language {
        Language::En => invalid.to_string(),
        Language::Zh => field_message_zh(invalid),
    }
}

fn json_type_zh(kind: JsonType) -> &'static str {
    match kind {
        JsonType::String => "文字",
        JsonType::Integer => "整数",
        JsonType::Number => "数字",
        JsonType::Boolean => "是/否（true 或 false）",
        JsonType::Null => "空值（null）",
        JsonType::Array => "数组",
        JsonType::Object => "对象",
        JsonType::Other => "其他类型的值",
    }
}

fn text_form_zh(form: TextForm) -> &'static str {
    match form {
        TextForm::UnitCode => "单位代码（1 至 32 位字母、数字、“-”或“_”，以字母或数字开头）",
        TextForm::IndicatorCode => "指标代码（1 至 32 位字母、数字、“-”“_”或“.”）",
        TextForm::Username => "用户名（1 至 64 位字母、数字、“.”“_”“-”或“@”）",
        TextForm::Period => "监控期（“1-N”，表示 1 至 N 月，N 为 1 至 12）",
        TextForm::Year => "年度（如 2021）",
        TextForm::Etag => "版本条件（“*”或服务给出的 ETag，如 \"3\"）",
        TextForm::ScoringRule => {
            "评分规则（proportional、all_or_nothing、bands 或 step_deduction:<分值>/<每百分点>[/<下限>]）"
        }
    }
}

fn field_message_zh(invalid: &Invalid) -> String {
    use Invalid as I;
    let listed = |items: &[String]| {
        items
            .iter()
            .map(|item| format!("“{item}”"))
            .collect::<Vec<_>>()
            .join("、")
    };
    match invalid {
        I::Required => "不能缺少".to_owned(),
        I::NotAllowed => "此处不应填写".to_owned(),
        I::UnknownField { field, expected } if expected.is_empty() => {
            format!("没有“{field}”这一项")
        }
        I::UnknownField { field, expected } => {
            format!("没有“{field}”这一项；可填的项为：{}", listed(expected))
        }
        I::WrongType { found, expected } => format!(
            "应为{}，实为{}",
            json_type_zh(*expected),
            json_type_zh(*found)
        ),
        I::UnknownValue { value, expected } => {
            format!("“{value}”不是可选的值；可选：{}", listed(expected))
        }
        I::WrongLength { found, expected } => {
            format!("有 {found} 项，应为 {expected} 项")
        }
        I::NotANumber { text } => format!("“{text}”不是数字（应写作如“1659.36”）"),
        I::Negative { text } => format!("“{text}”是负数；金额不能为负"),
        I::TooManyDigits { text, max } => format!("“{text}”的整数部分超过 {max} 位"),
        I::TooManyDecimals { text, max } => format!("“{text}”的小数超过 {max} 位"),
        I::OutOfRange { value, min, max } => {
            let what = value
                .as_deref()
                .map_or_else(String::new, |v| format!("“{v}”"));
            match (min, max) {
                (Some(min), Some(max)) => format!("{what}应在 {min} 至 {max} 之间"),
                (Some(min), None) => format!("{what}不能小于 {min}"),
                (None, Some(max)) => format!("{what}不能大于 {max}"),
                (None, None) => format!("{what}超出范围"),
            }
        }
        I::TooLong { max } => format!("超过 {max} 个字"),
        I::Length { min, max } => format!("应为 {min} 至 {max} 个字"),
        I::Count { min, max } => format!("应有 {min} 至 {max} 项"),
        I::TooLarge { max } => format!("超过 {max} 字节"),
        I::Blank => "不能为空".to_owned(),
        I::NulCharacter => "含有无法保存的空字符（U+0000）".to_owned(),
        I::Malformed { text, form } => format!("“{text}”不是有效的{}", text_form_zh(*form)),
        I::ExpectedObject => "应为 JSON 对象，而不是数组".to_owned(),
        I::TooDeep { max } => format!("嵌套超过报告允许的 {max} 层"),
        I::OtherSector {
            indicator,
            sector,
            expected,
        } => format!(
            "指标 {indicator} 属于行业“{sector}”；按行业“{expected}”导入的指标库只能含该行业的指标"
        ),
        I::Duplicate { value } => format!("“{value}”重复出现"),
        I::UnknownReference { value } => format!("不存在“{value}”"),
        I::MissingRow { value } => format!("“{value}”没有对应的行；每一项都须列出"),
        I::WrongTotal { total, expected } => format!("合计为 {total}，应为 {expected}"),
        I::ApprovedStays { approved: None } => "已经批准，不能更改".to_owned(),
        I::ApprovedStays {
            approved: Some(approved),
        } => format!("已批准为“{approved}”，不能更改"),
        I::TargetApproved { approved } => format!(
            "已批准的指标值为“{approved}”，不能更改；如需调整，请填写调整后指标值及调整原因，由审核人批准"
        ),
        I::ReasonTooShort {
            min_chinese,
            min_letters,
            min_distinct,
        } => format!(
            "调整指标值须写明调整原因：至少 {min_chinese} 个汉字或 {min_letters} 个字母数字，其中至少 {min_distinct} 个互不相同"
        ),
        I::AboveWeight { weight } => format!("得分超过该指标的分值 {weight}"),
        I::UseInstead { instead } => format!("应填写在“{instead}”中"),
        I::Cycle { value } => format!("会使“{value}”成为自己的上级"),
        I::BandOrder => "须为四档：优、良、中、差，按此顺序".to_owned(),
        I::UnreachableEdge { edge, .. } => {
            format!("按本年度的分界规则，分界为 {edge} 时该档永远达不到")
        }
        I::EdgeNotBelow { edge, above } => format!("分界 {edge} 不低于上一档的 {above}"),
        I::Formula => "是公式；请填写数值".to_owned(),
        I::BeyondHeading => "超出了标题行的最后一列".to_owned(),
        I::UnclosedQuote => "引号未闭合".to_owned(),
        I::Unreadable { .. } => "无法读取（文件不完整或不是 .xlsx 工作簿）".to_owned(),
        I::Invalid { .. } => "内容无效".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evaluation::{Action, EvaluationStatus};

    #[test]
    fn a_chinese_problem_names_states_and_actions_in_words_not_codes() {
        let (_, detail) = problem_zh(&ApiError::IllegalTransition {
            status: EvaluationStatus::Draft,
            action: Action::Accept,
            allowed: vec![Action::Submit],
        });
        assert_eq!(detail, "自评处于“草稿”状态，不能审核通过；当前允许：提交");
        assert!(!detail.contains("draft") && !detail.contains("submit"));
    }
}
