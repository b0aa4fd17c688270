//! Escalation (issue 6), the pure part: the Zendesk ticket form rebuilt field by field, the
//! answers checked the way Zendesk checks them, conditional visibility, the iAdvize
//! closing-form definition the app exports, and the reading of agents' closing-form answers.
//! No I/O: the forms and fields come from the Zendesk client, the answers from the UI or from
//! `Conversation.closingFormValues`.
//!
//! ```
//! # use iadvize_zendesk::escalation::*;
//! # use iadvize_zendesk::zendesk::{TicketForm, TicketField};
//! # let (form, fields): (TicketForm, Vec<TicketField>) = Default::default();
//! # let closing_form_values = vec![];
//! let rebuilt = RebuiltForm::build(&form, &fields, "Summary of the request in one line");
//! let definition = rebuilt.closing_form_json(Nesting::UnderEscalate); // for the iAdvize plugin
//! let request = rebuilt.read_closing_form(&closing_form_values);
//! if request.escalate {
//!     let checked = request.validate(&rebuilt, "open");
//!     // checked.custom_fields -> the ticket; checked.errors -> the log (one line each)
//! #   let _ = (definition, checked);
//! }
//! ```
//!
//! - [`form`]: [`RebuiltForm`] (fields in form order, inputs, conditions, requirements,
//!   defaults, the note input), built by [`RebuiltForm::build`].
//! - [`answers`]: [`RebuiltForm::validate`] -> [`ValidatedAnswers`] (visibility, requirements
//!   for a status, values to send, [`AnswerError`]s); the value encodings are documented there.
//! - [`closing_form`]: [`RebuiltForm::closing_form`] and [`RebuiltForm::read_closing_form`] ->
//!   [`EscalationRequest`].
//! - [`regexp`]: how Zendesk's Ruby patterns are read with the `regex` crate.

pub mod answers;
pub mod closing_form;
pub mod form;
pub mod regexp;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use answers::{
    AnswerError, AnswerErrorCode, AnswerValue, Answers, DroppedAnswer, FieldState,
    ValidatedAnswers, parse_flag, solves,
};
pub use closing_form::{
    ClosingFormFieldType, ClosingFormInput, ClosingFormOption, ESCALATE_LABEL, EscalationRequest,
    IADVIZE_MAX_CHARS, Nesting,
};
pub use form::{
    DEFAULT_NOTE_LABEL, DefaultSource, ESCALATE_INPUT, FIELD_INPUT_PREFIX, FieldChoice, FieldInput,
    FormWarning, FormWarningCode, NOTE_INPUT, NoteInput, RebuiltField, RebuiltForm, RequiredWhen,
    ShowCondition, SkipReason, SkippedField, SystemFieldNote, field_input_id,
};
