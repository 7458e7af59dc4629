//! Where a self-evaluation stands in the bureau's review cycle.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 状态 — where a self-evaluation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    /// 草稿 — the unit is still writing it.
    Draft,
    /// 已提交 — handed in, waiting for review.
    Submitted,
    /// 已退回 — returned to the unit with comments.
    Returned,
    /// 已审核 — accepted by the bureau.
    Accepted,
    /// 已公开 — published.
    Published,
}

impl EvaluationStatus {
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Accepted,
        Self::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Accepted => "accepted",
            Self::Published => "published",
        }
    }

    /// Units change a report only while it is with them: a draft, or returned to them.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}
