//! Where a self-evaluation stands in the bureau's review cycle.

use super::names::named_enum;

named_enum! {
    /// 状态 — where a self-evaluation stands.
    pub enum EvaluationStatus {
        /// 草稿 — the unit is still writing it.
        Draft = "draft",
        /// 已提交 — handed in, waiting for review.
        Submitted = "submitted",
        /// 已退回 — returned to the unit with comments.
        Returned = "returned",
        /// 已审核 — accepted by the bureau.
        Accepted = "accepted",
        /// 已公开 — published.
        Published = "published",
    }
}

impl EvaluationStatus {
    /// Units change a report only while it is with them: a draft, or returned to them.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

named_enum! {
    /// 审核动作 — what moves an evaluation from one state to the next.
    pub enum Action {
        /// 提交 — the unit hands it in (from draft or returned).
        Submit = "submit",
        /// 退回 — a reviewer sends it back with a comment (from submitted).
        Return = "return",
        /// 审核通过 — a reviewer accepts it (from submitted).
        Accept = "accept",
        /// 公开 — a reviewer or admin publishes it (from accepted).
        Publish = "publish",
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
