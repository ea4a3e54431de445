//! The hazard ledger's rules (R-HAZ-1, R-HAZ-2, R-AUTH-3; METHODS.md §3): statuses, the only
//! legal transitions, who may close, default deadlines, overdue and escalation. Pure: the
//! caller supplies today's date and the people involved.

use serde::Serialize;
use time::Date;

code_enum!(
    /// Where a hazard was found (R-HAZ-1); `archive` for findings migrated from older ledgers.
    Source {
        SelfInspection = "self_inspection",
        Inspection = "inspection",
        SpotCheck = "spot_check",
        CertificationAudit = "certification_audit",
        RiskSignal = "risk_signal",
        Complaint = "complaint",
        Archive = "archive",
    }
);

code_enum!(
    /// A hazard's level: a major hazard has the shorter default deadline and is reported to
    /// the bureau at once.
    Level {
        General = "general",
        Major = "major",
    }
);

code_enum!(
    /// The lifecycle's statuses (METHODS.md §3).
    Status {
        Open = "open",
        Rectifying = "rectifying",
        EvidenceSubmitted = "evidence_submitted",
        Closed = "closed",
        Voided = "voided",
    }
);

code_enum!(
    /// What can be done to a hazard. Some move it (plan, evidence, review, on-the-spot
    /// correction, void, enterprise closed); the others are recorded beside its status.
    Action {
        Plan = "plan",
        SubmitEvidence = "submit_evidence",
        PassReview = "pass_review",
        FailReview = "fail_review",
        CorrectOnSpot = "correct_on_spot",
        Void = "void",
        CloseEnterpriseGone = "close_enterprise_gone",
        RequestExtension = "request_extension",
        GrantExtension = "grant_extension",
        RefuseExtension = "refuse_extension",
        ReferToCase = "refer_to_case",
    }
);

code_enum!(
    /// Why a hazard is closed.
    ClosedBecause {
        ReviewPassed = "review_passed",
        CorrectedOnSpot = "corrected_on_spot",
        EnterpriseGone = "enterprise_gone",
        Archived = "archived",
    }
);

impl Status {
    /// Open, rectifying or waiting for review: counts as open in every statistic.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Open | Status::Rectifying | Status::EvidenceSubmitted)
    }
}

impl Action {
    /// The status this action leads to from `from`, or `None` when it is not allowed there.
    /// Actions that leave the status as it is return `Some(from)`.
    pub fn from_status(self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (Action::Plan, Open) => Some(Rectifying),
            (Action::SubmitEvidence, Rectifying) => Some(EvidenceSubmitted),
            (Action::PassReview, EvidenceSubmitted) => Some(Closed),
            (Action::FailReview, EvidenceSubmitted) => Some(Rectifying),
            (Action::CorrectOnSpot, Open) => Some(Closed),
            (Action::Void, s) if s.is_open() => Some(Voided),
            (Action::CloseEnterpriseGone, s) if s.is_open() => Some(Closed),
            (Action::RequestExtension | Action::GrantExtension | Action::RefuseExtension, Open | Rectifying) => {
                Some(from)
            }
            (Action::ReferToCase, Open | Rectifying) => Some(from),
            _ => None,
        }
    }

    /// Every action allowed from `from`, in lifecycle order.
    pub fn allowed_from(from: Status) -> Vec<Action> {
        Action::ALL.iter().copied().filter(|a| a.from_status(from).is_some()).collect()
    }

    /// Only bureau officers may do this (never an enterprise user).
    pub fn needs_officer(self) -> bool {
        !matches!(self, Action::Plan | Action::SubmitEvidence | Action::RequestExtension)
    }

    /// The action needs a written reason or note.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            Action::Plan
                | Action::SubmitEvidence
                | Action::FailReview
                | Action::Void
                | Action::CloseEnterpriseGone
                | Action::RequestExtension
                | Action::RefuseExtension
                | Action::ReferToCase
        )
    }

    /// Why the hazard is closed when this action closes it.
    pub fn closes_because(self) -> Option<ClosedBecause> {
        match self {
            Action::PassReview => Some(ClosedBecause::ReviewPassed),
            Action::CorrectOnSpot => Some(ClosedBecause::CorrectedOnSpot),
            Action::CloseEnterpriseGone => Some(ClosedBecause::EnterpriseGone),
            _ => None,
        }
    }
}

/// A transition the lifecycle does not have; names what is allowed instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not allowed when the hazard is {from}; allowed: {}", allowed_text(.allowed))]
pub struct IllegalTransition {
    pub action: Action,
    pub from: Status,
    pub allowed: Vec<Action>,
}

fn allowed_text(allowed: &[Action]) -> String {
    if allowed.is_empty() {
        "nothing (the hazard is final)".into()
    } else {
        allowed.iter().map(|a| a.code()).collect::<Vec<_>>().join(", ")
    }
}

/// The status `action` leads to from `from`, or why not.
pub fn transition(from: Status, action: Action) -> Result<Status, IllegalTransition> {
    action.from_status(from).ok_or_else(|| IllegalTransition { action, from, allowed: Action::allowed_from(from) })
}

/// Why a review may not be given by this person (R-AUTH-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefused {
    #[error("only an officer of the supervising bureau may close a hazard")]
    NotAnOfficer,
    #[error("the officer who found the hazard may not close it: another officer reviews")]
    FoundIt,
    #[error("the person who submitted the evidence may not close the hazard: another officer reviews")]
    SubmittedEvidence,
}

/// R-AUTH-3: `reviewer` may pass a review only when an officer who neither found the hazard
/// nor submitted any of its evidence.
pub fn may_review<T: PartialEq>(
    reviewer: &T,
    reviewer_is_officer: bool,
    finders: &[T],
    evidence_submitters: &[T],
) -> Result<(), ReviewRefused> {
    if !reviewer_is_officer {
        Err(ReviewRefused::NotAnOfficer)
    } else if finders.contains(reviewer) {
        Err(ReviewRefused::FoundIt)
    } else if evidence_submitters.contains(reviewer) {
        Err(ReviewRefused::SubmittedEvidence)
    } else {
        Ok(())
    }
}

/// The deadlines and intervals in force (METHODS.md §3, each a setting); recorded with the
/// hazards they produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    /// Days from the found date to the rectification deadline of a general hazard.
    pub general_days: i64,
    /// The same for a major hazard.
    pub major_days: i64,
    /// Days an evidence submission may wait for its review before it is late.
    pub review_days: i64,
    /// Days overdue before the first escalation, and between escalations.
    pub escalation_days: i64,
    /// How many deadline extensions a hazard may be granted.
    pub extensions_allowed: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines { general_days: 30, major_days: 15, review_days: 7, escalation_days: 7, extensions_allowed: 1 }
    }
}

impl Deadlines {
    /// The default rectification deadline of a hazard of `level` found on `found_on`.
    pub fn default_deadline(&self, level: Level, found_on: Date) -> Date {
        let days = match level {
            Level::General => self.general_days,
            Level::Major => self.major_days,
        };
        found_on.saturating_add(time::Duration::days(days))
    }

    /// How many escalations a hazard overdue since `deadline` should have had by `today`,
    /// capped at `levels_above` (the bureaus above the responsible one): the first after
    /// `escalation_days` overdue, then one more every `escalation_days`.
    pub fn escalations_due(&self, deadline: Date, today: Date, levels_above: usize) -> usize {
        let overdue_days = (today - deadline).whole_days();
        if overdue_days < self.escalation_days || self.escalation_days <= 0 {
            return 0;
        }
        usize::try_from(overdue_days / self.escalation_days).unwrap_or(usize::MAX).min(levels_above)
    }
}

/// Overdue (METHODS.md §3): open or rectifying on `today`, after the deadline. Evidence
/// waiting for review is not overdue.
pub fn is_overdue(status: Status, deadline: Date, today: Date) -> bool {
    matches!(status, Status::Open | Status::Rectifying) && deadline < today
}

/// A review is late when evidence has waited more than `review_days` since its submission.
pub fn review_is_late(status: Status, submitted_on: Date, today: Date, d: &Deadlines) -> bool {
    status == Status::EvidenceSubmitted && (today - submitted_on).whole_days() > d.review_days
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_lifecycle_has_exactly_the_transitions_of_methods_section_three() {
        use Status::*;
        let moves = [
            (Open, Action::Plan, Rectifying),
            (Rectifying, Action::SubmitEvidence, EvidenceSubmitted),
            (EvidenceSubmitted, Action::PassReview, Closed),
            (EvidenceSubmitted, Action::FailReview, Rectifying),
            (Open, Action::CorrectOnSpot, Closed),
            (Open, Action::Void, Voided),
            (Rectifying, Action::Void, Voided),
            (EvidenceSubmitted, Action::Void, Voided),
            (Open, Action::CloseEnterpriseGone, Closed),
            (Rectifying, Action::CloseEnterpriseGone, Closed),
            (EvidenceSubmitted, Action::CloseEnterpriseGone, Closed),
        ];
        for (from, action, to) in moves {
            assert_eq!(transition(from, action), Ok(to), "{from} --{action}-->");
        }
        let mut moving = 0;
        for from in Status::ALL {
            for action in Action::ALL {
                if let Some(to) = action.from_status(*from)
                    && to != *from
                {
                    moving += 1;
                    assert!(moves.contains(&(*from, *action, to)), "unexpected {from} --{action}--> {to}");
                }
            }
        }
        assert_eq!(moving, moves.len());
    }

    #[test]
    fn closed_and_voided_hazards_are_final() {
        for s in [Status::Closed, Status::Voided] {
            assert!(Action::allowed_from(s).is_empty());
            let e = transition(s, Action::Void).expect_err("final");
            assert!(e.to_string().contains("nothing (the hazard is final)"), "{e}");
        }
    }

    #[test]
    fn an_illegal_transition_names_the_allowed_ones() {
        let e = transition(Status::Open, Action::PassReview).expect_err("illegal");
        assert_eq!(e.allowed.first(), Some(&Action::Plan));
        assert_eq!(
            e.to_string(),
            "pass_review is not allowed when the hazard is open; allowed: plan, correct_on_spot, void, \
             close_enterprise_gone, request_extension, grant_extension, refuse_extension, refer_to_case"
        );
    }

    #[test]
    fn closing_a_hazard_needs_an_officer_who_neither_found_it_nor_submitted_its_evidence() {
        let finders = ["wang", "li"];
        let submitters = ["zhao"];
        assert_eq!(may_review(&"wang", true, &finders, &submitters), Err(ReviewRefused::FoundIt));
        assert_eq!(may_review(&"li", true, &finders, &submitters), Err(ReviewRefused::FoundIt));
        assert_eq!(may_review(&"zhao", true, &finders, &submitters), Err(ReviewRefused::SubmittedEvidence));
        assert_eq!(may_review(&"qian", false, &finders, &submitters), Err(ReviewRefused::NotAnOfficer));
        assert_eq!(may_review(&"qian", true, &finders, &submitters), Ok(()));
    }

    #[test]
    fn default_deadlines_are_thirty_days_for_general_and_fifteen_for_major_hazards() {
        let d = Deadlines::default();
        assert_eq!(d.default_deadline(Level::General, date!(2022 - 05 - 03)), date!(2022 - 06 - 02));
        assert_eq!(d.default_deadline(Level::Major, date!(2022 - 05 - 03)), date!(2022 - 05 - 18));
    }

    #[test]
    fn a_hazard_is_overdue_only_while_open_or_rectifying_after_its_deadline() {
        let deadline = date!(2022 - 06 - 02);
        assert!(!is_overdue(Status::Open, deadline, deadline), "due today is not yet overdue");
        assert!(is_overdue(Status::Open, deadline, date!(2022 - 06 - 03)));
        assert!(is_overdue(Status::Rectifying, deadline, date!(2022 - 06 - 03)));
        assert!(!is_overdue(Status::EvidenceSubmitted, deadline, date!(2022 - 07 - 03)));
        assert!(!is_overdue(Status::Closed, deadline, date!(2022 - 07 - 03)));
    }

    #[test]
    fn an_overdue_hazard_escalates_every_seven_days_up_to_the_province() {
        let d = Deadlines::default();
        let deadline = date!(2022 - 06 - 02);
        assert_eq!(d.escalations_due(deadline, date!(2022 - 06 - 08), 2), 0, "six days overdue");
        assert_eq!(d.escalations_due(deadline, date!(2022 - 06 - 09), 2), 1, "seven days overdue");
        assert_eq!(d.escalations_due(deadline, date!(2022 - 06 - 16), 2), 2);
        assert_eq!(d.escalations_due(deadline, date!(2022 - 09 - 16), 2), 2, "no higher than the province");
        assert_eq!(d.escalations_due(deadline, date!(2022 - 09 - 16), 0), 0, "a provincial hazard has nowhere to go");
    }

    #[test]
    fn a_review_is_late_after_seven_days_of_waiting() {
        let d = Deadlines::default();
        let on = date!(2022 - 06 - 01);
        assert!(!review_is_late(Status::EvidenceSubmitted, on, date!(2022 - 06 - 08), &d));
        assert!(review_is_late(Status::EvidenceSubmitted, on, date!(2022 - 06 - 09), &d));
        assert!(!review_is_late(Status::Closed, on, date!(2022 - 06 - 09), &d));
    }

    #[test]
    fn only_the_enterprise_steps_are_open_to_enterprise_users() {
        let theirs: Vec<Action> = Action::ALL.iter().copied().filter(|a| !a.needs_officer()).collect();
        assert_eq!(theirs, vec![Action::Plan, Action::SubmitEvidence, Action::RequestExtension]);
    }
}
