//! A refused command: which rule it broke (a stable code clients can match
//! on, returned by the API as `rule`) and a sentence for people.

/// Declares the rules with their stable codes.
macro_rules! rules {
    ($($variant:ident => $code:literal),+ $(,)?) => {
        /// Every business rule a command can break. The codes are part of the
        /// API contract: never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule { $($variant),+ }

        impl Rule {
            /// Every rule, for documentation and exhaustive tests.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The stable code, e.g. `exchange_outside_term`.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }
        }
    };
}

rules! {
    TextRequired => "text_required",
    PartyAlreadyRegistered => "party_already_registered",
    PartyNotRegistered => "party_not_registered",
    TooFewParties => "too_few_parties",
    DuplicateParty => "duplicate_party",
    TermStartAfterEnd => "term_start_after_end",
    NoAreas => "no_areas",
    DuplicateArea => "duplicate_area",
    ResponsibilityForNonParty => "responsibility_for_non_party",
    SupersededAgreementNotFound => "superseded_agreement_not_found",
    AgreementAlreadyExists => "agreement_already_exists",
    AgreementNotFound => "agreement_not_found",
    AgreementTerminated => "agreement_terminated",
    AmendmentWithoutChanges => "amendment_without_changes",
    ReasonRequired => "reason_required",
    PartyAlreadyInAgreement => "party_already_in_agreement",
    ExchangeOutsideTerm => "exchange_outside_term",
    ExchangeAfterTermination => "exchange_after_termination",
    AreaNotDeclared => "area_not_declared",
    PartyNotInAgreement => "party_not_in_agreement",
    ExchangeWithoutParties => "exchange_without_parties",
    ExchangeAlreadyExists => "exchange_already_exists",
    ExchangeNotFound => "exchange_not_found",
    ExchangeRetracted => "exchange_retracted",
    CorrectionWithoutChanges => "correction_without_changes",
    PeriodStartAfterEnd => "period_start_after_end",
    ReviewAlreadyExists => "review_already_exists",
    ReviewNotFound => "review_not_found",
    ReviewAlreadyClosed => "review_already_closed",
    ClosedBeforePeriodStart => "closed_before_period_start",
    AlreadyTerminated => "already_terminated",
    TerminationBeforeSigning => "termination_before_signing",
    ContradictsRecordedFact => "contradicts_recorded_fact",
    PartySucceeded => "party_succeeded",
    PartyNotMember => "party_not_member",
    PartyUpdateWithoutChanges => "party_update_without_changes",
    SuccessionToItself => "succession_to_itself",
    PartyAlreadySucceeded => "party_already_succeeded",
    SuccessionCycle => "succession_cycle",
    WithdrawalOutsideTerm => "withdrawal_outside_term",
    ExchangeInFuture => "exchange_in_future",
    EventNotFound => "event_not_found",
    VoidOfVoid => "void_of_void",
    EventAlreadyVoided => "event_already_voided",
    VoidBreaksHistory => "void_breaks_history",
    SignatoryNotParty => "signatory_not_party",
    EmptyDocument => "empty_document",
    AttachmentNotFound => "attachment_not_found",
    DocumentInFuture => "document_in_future",
    ExchangeAndReview => "exchange_and_review",
    ActivityAlreadyExists => "activity_already_exists",
    ActivityNotFound => "activity_not_found",
    ActivityOutsideTerm => "activity_outside_term",
    ActivityCancelled => "activity_cancelled",
    ActivityDone => "activity_done",
    FollowUpAlreadyExists => "follow_up_already_exists",
    FollowUpNotFound => "follow_up_not_found",
    FollowUpDueBeforeExchange => "follow_up_due_before_exchange",
    FollowUpDone => "follow_up_done",
    CompletionInFuture => "completion_in_future",
    CompletionBeforeExchange => "completion_before_exchange",
}

/// A command refused by a rule; nothing is appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    /// The rule that was broken.
    pub rule: Rule,
    /// What was wrong, for people.
    pub detail: String,
}

impl Refusal {
    /// A refusal of `rule`, explained by `detail`.
    pub fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            rule,
            detail: detail.into(),
        }
    }
}
