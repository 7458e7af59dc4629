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

/// 审核动作 — what moves an evaluation from one state to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 提交 — the unit hands it in (from draft or returned).
    Submit,
    /// 退回 — a reviewer sends it back with a comment (from submitted).
    Return,
    /// 审核通过 — a reviewer accepts it (from submitted).
    Accept,
    /// 公开 — a reviewer or admin publishes it (from accepted).
    Publish,
}

impl Action {
    pub const ALL: [Self; 4] = [Self::Submit, Self::Return, Self::Accept, Self::Publish];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Return => "return",
            Self::Accept => "accept",
            Self::Publish => "publish",
        }
    }
}

impl EvaluationStatus {
    /// The state `action` leads to from this one, if it is allowed here.
    pub fn after(self, action: Action) -> Option<Self> {
        match (self, action) {
            (Self::Draft | Self::Returned, Action::Submit) => Some(Self::Submitted),
            (Self::Submitted, Action::Return) => Some(Self::Returned),
            (Self::Submitted, Action::Accept) => Some(Self::Accepted),
            (Self::Accepted, Action::Publish) => Some(Self::Published),
            _ => None,
        }
    }

    /// The actions allowed in this state.
    pub fn allowed_actions(self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|action| self.after(*action).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_goes_draft_submitted_accepted_published_with_returns_between() {
        use EvaluationStatus::*;
        assert_eq!(Draft.after(Action::Submit), Some(Submitted));
        assert_eq!(Submitted.after(Action::Return), Some(Returned));
        assert_eq!(Returned.after(Action::Submit), Some(Submitted));
        assert_eq!(Submitted.after(Action::Accept), Some(Accepted));
        assert_eq!(Accepted.after(Action::Publish), Some(Published));
        assert_eq!(Draft.after(Action::Publish), None);
        assert_eq!(Published.allowed_actions(), []);
        assert_eq!(
            Submitted.allowed_actions(),
            [Action::Return, Action::Accept]
        );
    }

    #[test]
    fn only_drafts_and_returned_evaluations_are_edited() {
        let editable: Vec<_> = EvaluationStatus::ALL
            .into_iter()
            .filter(|s| s.is_editable())
            .collect();
        assert_eq!(
            editable,
            [EvaluationStatus::Draft, EvaluationStatus::Returned]
        );
    }
}
