//! The review cycle every self-evaluation goes through, whichever its kind (the departmental
//! report, a project's table): its states, the actions between them, `If-Match`, and the rules
//! of who may change what when. Each aggregate keeps its own document and asks these rules;
//! changing a rule here changes it for every kind.

use chrono::NaiveDateTime;

use super::FieldError;
use super::checks::{Finding, Severity};
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

/// What the client asked to be true of the stored version before a change (`If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: change whatever is stored.
    None,
    /// `If-Match: *`: the evaluation must exist.
    Exists,
    /// `If-Match: "N"`: the stored version must be N.
    Version(i64),
}

impl Precondition {
    /// Whether it holds for the stored version (`None`: nothing is stored).
    pub fn holds_for(self, current: Option<i64>) -> bool {
        match self {
            Self::None => true,
            Self::Exists => current.is_some(),
            Self::Version(expected) => current == Some(expected),
        }
    }

    /// Refused as stale, naming the version there is, unless it holds for the stored version
    /// (`None`: nothing is stored) — the one `If-Match` check of every versioned document.
    pub fn check(self, current: Option<i64>) -> Result<(), Refusal> {
        if self.holds_for(current) {
            Ok(())
        } else {
            Err(Refusal::Stale { current })
        }
    }
}

/// Why the review cycle refuses a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `If-Match` names a version that is not the stored one.
    Stale { current: Option<i64> },
    /// Only drafts and returned evaluations are edited; `subject` names which one this is
    /// (e.g. `the 2021 evaluation of department 100`).
    NotEditable {
        subject: String,
        status: EvaluationStatus,
    },
    /// The edit would leave the report not a report, or change an approved target.
    Invalid(Vec<FieldError>),
    /// The action is not allowed in the current state.
    IllegalTransition {
        status: EvaluationStatus,
        action: Action,
        allowed: Vec<Action>,
    },
    /// The checks found errors, which keep the evaluation from being submitted.
    Blocked(Vec<Finding>),
    /// There are no indicators whose targets could be approved; `subject` names the evaluation.
    NoTargets { subject: String },
}

/// What a change did to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    /// The document came out the same as it was: nothing is written, the version stays.
    Unchanged,
}

/// Where one self-evaluation stands in the cycle and which version it is: the part every
/// aggregate shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub status: EvaluationStatus,
    /// Goes up by one with every change of the document or the status; 0 before the first
    /// version is stored.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Stage {
    /// An empty draft's, before anything is stored.
    pub fn draft(at: NaiveDateTime) -> Self {
        Self {
            status: EvaluationStatus::Draft,
            version: 0,
            created_at: at,
            updated_at: at,
        }
    }

    /// Whether a version is stored.
    pub fn is_stored(&self) -> bool {
        self.version > 0
    }

    /// Makes it the next version, changed at `at`: the first version is created then.
    pub fn advance(&mut self, at: NaiveDateTime) {
        if !self.is_stored() {
            self.created_at = at;
        }
        self.version += 1;
        self.updated_at = at;
    }

    /// Checks `If-Match` against the stored stage (`None`: nothing is stored).
    pub fn check(precondition: Precondition, stored: Option<&Self>) -> Result<(), Refusal> {
        precondition.check(stored.map(|s| s.version))
    }

    /// Whether the document takes an edit now: refused unless it is a draft or returned (or
    /// not stored yet); `subject` names it in the refusal.
    pub fn check_editable(&self, subject: impl FnOnce() -> String) -> Result<(), Refusal> {
        if self.is_stored() && !self.status.is_editable() {
            return Err(Refusal::NotEditable {
                subject: subject(),
                status: self.status,
            });
        }
        Ok(())
    }

    /// Moves it on by `action`. A submission is refused while `findings` hold errors.
    pub fn act(&mut self, action: Action, findings: &[Finding]) -> Result<(), Refusal> {
        let status = self.status;
        let next = status
            .after(action)
            .ok_or_else(|| Refusal::IllegalTransition {
                status,
                action,
                allowed: status.allowed_actions(),
            })?;
        if action == Action::Submit {
            let errors: Vec<Finding> = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(Refusal::Blocked(errors));
            }
        }
        self.status = next;
        Ok(())
    }
}
