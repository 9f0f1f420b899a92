//! Forms that issue commands: one [`Spec`] per command a page offers, the
//! plain HTML form it renders to ([`FormView`], `templates/partials/form.html`),
//! and [`submit`], which turns what was typed into the same request
//! `POST /v1/commands` takes and hands it to the same engine.
//!
//! - Each form carries a command id (UUID v7) minted when the form is
//!   rendered: submitting the same rendered form twice records once (the
//!   engine answers the first result again).
//! - A refused command (a rule's 422, a malformed field's 400) renders the
//!   page again with everything typed kept and the rule's message, in the
//!   page's language, at the field it concerns ([`Problem`], [`rule_fields`]).
//! - A form is shown only to a person whose token may issue its command, as
//!   the engine judges it ([`permitted`], through
//!   [`accord_engine::authorize_with`]); the engine judges every submission
//!   again.
//!
//! ADR 0026 ("Forms") records the design; docs/console.md the rules.

use accord_api::{audit_refusal, decode, request_hash, ApiError};
use accord_domain::{AgreementId, BusinessDate, Command};
use accord_engine::{Outcome, Submission};
use accord_projections::{
    ActivityStatus, AgreementView, ExchangeStatus, ExchangeView, FollowUpStatus, PartyView,
    ReviewStatus,
};
use accord_store::CommandRecord;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::ui::SelectOption;
use crate::{Console, PageError, Ui, Viewer};

/// The hidden field naming the command a form issues.
pub const COMMAND_FIELD: &str = "command";
/// The hidden field carrying the command id minted at render.
pub const COMMAND_ID_FIELD: &str = "command_id";

/// The values of exchange kinds, as in JSON.
const EXCHANGE_KINDS: [&str; 7] = [
    "meeting",
    "visit",
    "information",
    "support",
    "training",
    "event",
    "other",
];
/// The values of document kinds.
const DOCUMENT_KINDS: [&str; 5] = ["signed_text", "minutes", "report", "plan", "other"];
/// The values of review kinds.
const REVIEW_KINDS: [&str; 2] = ["interim", "final"];
/// The values of ratings.
const RATINGS: [&str; 3] = ["met", "partially_met", "not_met"];
/// The parts of a participant's line: `name | title | party_id`.
const PARTICIPANT_COLUMNS: [&str; 3] = ["name", "title", "party_id"];
/// The parts of a follow-up's line: `action | party_id | due_on`.
const FOLLOW_UP_COLUMNS: [&str; 3] = ["action", "party_id", "due_on"];

/// The values of party kinds.
const PARTY_KINDS: [&str; 5] = [
    "industrial_zone_authority",
    "economic_zone_authority",
    "agency",
    "enterprise",
    "other",
];

/// How a field is typed, and how its value goes into the command's JSON.
#[derive(Debug, Clone)]
enum Kind {
    /// One line of text, sent as typed.
    Text,
    /// Several lines of text, sent as typed.
    Textarea,
    /// A `YYYY-MM-DD` date.
    Date,
    /// One of the options.
    Select(Vec<(String, String)>),
    /// Any of the options (checkboxes), sent as a list.
    Checks(Vec<(String, String)>),
    /// Slugs separated by commas or spaces, sent as a list.
    List,
    /// Several lines, each an object whose fields are separated by `|`
    /// (these names, in order; trailing ones may be left out), sent as a
    /// list of objects: participants, follow-ups.
    Rows(&'static [&'static str]),
    /// Not shown: the value is the server's (the page's agreement, a
    /// writer's own party), whatever the form sends.
    Fixed(String),
    /// A file to upload (the form is sent as `multipart/form-data`). The
    /// page stores it first ([`crate::upload`]); its SHA-256 then stands as
    /// the field's value, sent in the command when `in_data`.
    File { in_data: bool },
    /// Not shown: a value the page sets from the upload (the file's name).
    FromUpload,
}

/// A field of a form. Its name is its path in the command's `data`
/// (`term.start` is `data.term.start`).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    name: &'static str,
    /// The catalogue key of its label.
    label: &'static str,
    /// The catalogue key of a hint under it.
    hint: Option<&'static str>,
    kind: Kind,
    required: bool,
    /// What it holds before anything was typed.
    default: Vec<String>,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: Kind) -> Self {
        Self {
            name,
            label,
            hint: None,
            kind,
            required: true,
            default: Vec::new(),
        }
    }

    fn text(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, Kind::Text)
    }

    fn textarea(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, Kind::Textarea)
    }

    fn date(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, Kind::Date)
    }

    fn select(name: &'static str, label: &'static str, options: Vec<(String, String)>) -> Self {
        Self::new(name, label, Kind::Select(options))
    }

    fn checks(name: &'static str, label: &'static str, options: Vec<(String, String)>) -> Self {
        Self::new(name, label, Kind::Checks(options))
    }

    fn fixed(name: &'static str, value: impl ToString) -> Self {
        Self::new(name, "", Kind::Fixed(value.to_string()))
    }

    fn file(name: &'static str, label: &'static str, in_data: bool) -> Self {
        Self::new(name, label, Kind::File { in_data }).hint("form-hint-file")
    }

    fn list(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, Kind::List).hint("form-hint-list")
    }

    fn rows(name: &'static str, label: &'static str, columns: &'static [&'static str]) -> Self {
        Self::new(name, label, Kind::Rows(columns))
    }

    /// Not required: left empty, it is left out of the command.
    fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    fn hint(mut self, key: &'static str) -> Self {
        self.hint = Some(key);
        self
    }

    fn default(mut self, values: Vec<String>) -> Self {
        self.default = values;
        self
    }

    fn shown(&self) -> bool {
        !matches!(self.kind, Kind::Fixed(_) | Kind::FromUpload)
    }
}

/// One command's form: what it issues, its texts and fields.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// The command's name (`RecordExchange`): its `type`, and the form's id.
    pub command: &'static str,
    /// The catalogue key of its title.
    title: &'static str,
    /// The catalogue key of its button.
    submit: &'static str,
    fields: Vec<Field>,
}

/// What was typed into a form, in order (a checkbox list repeats its name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Values(pub Vec<(String, String)>);

impl Values {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Why a submitted form was not recorded: a message (its catalogue key)
/// at a field, or about the whole form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The field it concerns; `None` for the whole form.
    pub field: Option<String>,
    /// The catalogue key of the message.
    pub key: String,
}

/// A form sent back: what was typed, its command id, and why.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub command: String,
    pub command_id: Uuid,
    pub values: Values,
    pub problem: Problem,
    /// 422 (a rule), 400 (a malformed or missing field) or 409 (the form
    /// was already submitted with other values).
    pub status: StatusCode,
}

/// A field, ready for the template.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Its `id` (unique on the page).
    pub id: String,
    /// Its `name`.
    pub name: &'static str,
    /// `text`, `textarea`, `date`, `select`, `checks`.
    pub kind: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    /// The value shown (text, date, list).
    pub value: String,
    /// The options, those chosen `selected` (select, checks).
    pub options: Vec<SelectOption>,
    /// The message of a refusal at this field.
    pub error: Option<String>,
}

impl FieldView {
    /// The `aria-describedby` of the control: its error, else its hint.
    pub fn described_by(&self) -> String {
        if self.error.is_some() {
            format!("{}-error", self.id)
        } else if self.hint.is_some() {
            format!("{}-hint", self.id)
        } else {
            String::new()
        }
    }
}

/// A form, ready for `templates/partials/form.html`.
#[derive(Debug, Clone)]
pub struct FormView {
    /// The command, also the form's `id`.
    pub command: &'static str,
    /// Where it posts (the page, with its date, and the form's anchor).
    pub action: String,
    pub title: String,
    pub submit: String,
    /// The command id minted for it (or the one it was submitted with).
    pub command_id: String,
    /// A message about the whole form.
    pub error: Option<String>,
    /// Shown unfolded (the form that was just refused).
    pub open: bool,
    /// Sent as `multipart/form-data`: it has a file to upload.
    pub multipart: bool,
    pub fields: Vec<FieldView>,
}

impl Spec {
    fn new(command: &'static str, title: &'static str, submit: &'static str) -> Self {
        Self {
            command,
            title,
            submit,
            fields: Vec::new(),
        }
    }

    fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    /// The form's file field, if it has one: its name.
    pub fn file_field(&self) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|f| matches!(f.kind, Kind::File { .. }))
            .map(|f| f.name)
    }

    /// The form as rendered for `ui`, posting to `path` (at the page's
    /// date): with what was typed and why it was refused if `pending` is
    /// this form's, else with its defaults and a new command id.
    pub fn view(&self, ui: &Ui, path: &str, pending: Option<&Pending>) -> FormView {
        let pending = pending.filter(|p| p.command == self.command);
        let action = format!("{}#{}", ui.link(path), self.command);
        let problem = pending.map(|p| &p.problem);
        let error_at = |name: &str| {
            problem
                .filter(|p| p.field.as_deref() == Some(name))
                .map(|p| ui.t(&p.key).to_owned())
        };
        let fields = self
            .fields
            .iter()
            .filter(|f| f.shown())
            .map(|f| {
                let typed: Vec<String> = match pending {
                    Some(p) => p
                        .values
                        .all(f.name)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    None => f.default.clone(),
                };
                let first = typed.first().cloned().unwrap_or_default();
                let (kind, options) = match &f.kind {
                    Kind::Text | Kind::List => ("text", Vec::new()),
                    Kind::Textarea | Kind::Rows(_) => ("textarea", Vec::new()),
                    Kind::Date => ("date", Vec::new()),
                    Kind::Select(options) => ("select", choices(options, &typed)),
                    Kind::Checks(options) => ("checks", choices(options, &typed)),
                    Kind::Fixed(_) | Kind::FromUpload => ("hidden", Vec::new()),
                    Kind::File { .. } => ("file", Vec::new()),
                };
                FieldView {
                    id: format!("{}-{}", self.command, f.name.replace('.', "-")),
                    name: f.name,
                    kind,
                    label: ui.t(f.label).to_owned(),
                    hint: f.hint.map(|k| ui.t(k).to_owned()),
                    required: f.required && !matches!(f.kind, Kind::Checks(_)),
                    value: first,
                    options,
                    error: error_at(f.name),
                }
            })
            .collect();
        FormView {
            command: self.command,
            action,
            title: ui.t(self.title).to_owned(),
            submit: ui.t(self.submit).to_owned(),
            command_id: pending
                .map_or_else(Uuid::now_v7, |p| p.command_id)
                .to_string(),
            error: problem
                .filter(|p| p.field.is_none())
                .map(|p| ui.t(&p.key).to_owned()),
            open: pending.is_some(),
            multipart: self.file_field().is_some(),
            fields,
        }
    }

    /// The request `POST /v1/commands` would take for what was typed; a
    /// required field left empty is a problem at it.
    fn body(&self, values: &Values, command_id: Uuid) -> Result<Value, Problem> {
        let mut data = Map::new();
        for f in &self.fields {
            let typed = values.all(f.name);
            let first = typed.first().copied().unwrap_or("");
            let missing = || Problem {
                field: Some(f.name.to_owned()),
                key: "form-required".to_owned(),
            };
            let value = match &f.kind {
                Kind::Fixed(value) => Some(json!(value)),
                Kind::Text | Kind::Textarea => {
                    (f.required || !first.trim().is_empty()).then(|| json!(first))
                }
                Kind::Date | Kind::Select(_) => match first.trim() {
                    "" if f.required => return Err(missing()),
                    "" => None,
                    given => Some(json!(given)),
                },
                Kind::Checks(_) => (f.required || !typed.is_empty()).then(|| json!(typed)),
                Kind::File { in_data: false } => None,
                Kind::File { in_data: true } | Kind::FromUpload => match first.trim() {
                    "" if f.required => return Err(missing()),
                    "" => None,
                    given => Some(json!(given)),
                },
                Kind::List => {
                    let items: Vec<&str> = first
                        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                        .filter(|s| !s.is_empty())
                        .collect();
                    (f.required || !items.is_empty()).then(|| json!(items))
                }
                Kind::Rows(columns) => {
                    let rows: Vec<Value> = first
                        .lines()
                        .filter(|line| !line.trim().is_empty())
                        .map(|line| row(columns, line))
                        .collect();
                    (f.required || !rows.is_empty()).then(|| json!(rows))
                }
            };
            if let Some(value) = value {
                insert(&mut data, f.name, value);
            }
        }
        Ok(json!({"type": self.command, "command_id": command_id, "data": data}))
    }

    /// The shown field a refusal of `rule` concerns, if this form has one.
    fn field_of_rule(&self, rule: &str) -> Option<String> {
        rule_fields(rule)
            .iter()
            .find(|name| self.fields.iter().any(|f| f.name == **name && f.shown()))
            .map(|name| (*name).to_owned())
    }

    /// The shown field a 400's path (`data.term.end`, `data.parties[1]`)
    /// names, if this form has one.
    fn field_of_path(&self, path: &str) -> Option<String> {
        let path = path.strip_prefix("data.").unwrap_or(path);
        let path = path.split('[').next().unwrap_or(path);
        self.fields
            .iter()
            .filter(|f| f.shown())
            .find(|f| {
                f.name == path
                    || f.name
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .map(|f| f.name.to_owned())
    }
}

/// The options, those among `chosen` selected; a value sent that is not
/// among them (a form from an older page) is added, so what was sent is
/// shown back as sent.
fn choices(options: &[(String, String)], chosen: &[String]) -> Vec<SelectOption> {
    let unknown = chosen
        .iter()
        .filter(|c| !c.is_empty() && !options.iter().any(|(value, _)| value == *c))
        .map(|c| (c.clone(), c.clone()));
    let all: Vec<(String, String)> = options.iter().cloned().chain(unknown).collect();
    all.into_iter()
        .map(|(value, label)| SelectOption {
            selected: chosen.contains(&value),
            value,
            label,
        })
        .collect()
}

/// One line of a [`Kind::Rows`] field as an object: its `|`-separated
/// parts, trimmed, under `columns` in order; empty parts are left out (a
/// required one then makes the command malformed, shown at the field).
fn row(columns: &[&str], line: &str) -> Value {
    let mut object = Map::new();
    for (column, part) in columns.iter().zip(line.split('|')) {
        let part = part.trim();
        if !part.is_empty() {
            object.insert((*column).to_owned(), json!(part));
        }
    }
    Value::Object(object)
}

/// Sets `path` (dotted) in `data` to `value`.
fn insert(data: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            data.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = data
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                insert(inner, rest, value);
            }
        }
    }
}

/// The fields a refusal by the rule `code` concerns, in order of
/// preference: the first one the form shows gets the message; a rule about
/// none of them (or about the command as a whole) is shown above the form.
pub(crate) fn rule_fields(code: &str) -> &'static [&'static str] {
    match code {
        "attachment_not_found" => &["attachment", "file"],
        "document_in_future" => &["dated_on"],
        "exchange_and_review" => &["exchange_id", "review_id"],
        "text_required" => &[
            "name",
            "title",
            "summary",
            "filename",
            "participants",
            "follow_ups",
        ],
        "party_already_registered" => &["party_id"],
        "party_not_registered"
        | "party_not_in_agreement"
        | "party_already_in_agreement"
        | "party_not_member"
        | "party_succeeded" => &["party_id", "successor_id", "parties", "lead_party"],
        "succession_to_itself" | "succession_cycle" => &["successor_id"],
        "too_few_parties" => &["parties", "party_id"],
        "duplicate_party" | "exchange_without_parties" => &["parties"],
        "term_start_after_end" => &["term.end"],
        "no_areas" | "duplicate_area" => &["areas"],
        "superseded_agreement_not_found" => &["supersedes"],
        "agreement_terminated" => &[
            "occurred_on",
            "effective_on",
            "opened_on",
            "assessed_on",
            "closed_on",
            "due_on",
        ],
        "reason_required" => &["reason"],
        "exchange_outside_term" | "exchange_after_termination" => &["occurred_on"],
        "area_not_declared" => &["area"],
        "exchange_not_found" | "exchange_retracted" => &["exchange_id", "file"],
        "period_start_after_end" => &["period.end"],
        "review_not_found" | "review_already_closed" => &["review_id"],
        "signatory_not_party" | "empty_document" => &["document"],
        "closed_before_period_start" => &["closed_on"],
        "event_not_found" | "void_of_void" | "event_already_voided" | "void_breaks_history" => {
            &["event_id"]
        }
        "termination_before_signing" | "withdrawal_outside_term" => &["effective_on"],
        "activity_outside_term" => &["due_on"],
        "activity_not_found" | "activity_cancelled" | "activity_done" => &["activity_id"],
        "follow_up_due_before_exchange" | "follow_up_already_exists" => &["follow_ups"],
        "follow_up_not_found" | "follow_up_done" => &["follow_up_id", "follow_ups"],
        "completion_in_future" | "completion_before_exchange" => &["completed_on"],
        // responsibility_for_non_party, agreement_already_exists,
        // agreement_not_found, amendment_without_changes,
        // exchange_already_exists, correction_without_changes,
        // review_already_exists, already_terminated,
        // party_update_without_changes, party_already_succeeded,
        // contradicts_recorded_fact: the whole command.
        _ => &[],
    }
}

/// A refusal of `spec`'s form before its command was issued: `key` at
/// `field` (the file, refused by its type or size), with `status`.
pub(crate) fn refused_at(
    spec: &Spec,
    values: Values,
    field: Option<&str>,
    key: &str,
    status: StatusCode,
) -> Pending {
    let command_id = values
        .get(COMMAND_ID_FIELD)
        .and_then(|raw| raw.parse::<Uuid>().ok())
        .unwrap_or_else(Uuid::now_v7);
    Pending {
        command: spec.command.to_owned(),
        command_id,
        values,
        problem: Problem {
            field: field.map(str::to_owned),
            key: key.to_owned(),
        },
        status,
    }
}

/// The form that attaches the file uploaded with an exchange to it: every
/// field set by the page, its command id derived from the exchange form's
/// (so that submitting that form again attaches once).
pub(crate) fn exchange_file_spec(
    agreement: AgreementId,
    exchange: &str,
    file: &crate::upload::Stored,
    dated_on: &str,
    exchange_command_id: Uuid,
) -> (Spec, Values) {
    let title = match file.filename.trim() {
        "" => file.sha256.chars().take(12).collect(),
        name => name.to_owned(),
    };
    let spec = Spec::new("AttachDocument", "", "")
        .field(Field::fixed("agreement_id", agreement))
        .field(Field::fixed("attachment", &file.sha256))
        .field(Field::fixed("title", &title))
        .field(Field::fixed("kind", "minutes"))
        .field(Field::fixed("dated_on", dated_on))
        .field(Field::fixed("exchange_id", exchange))
        .field(Field::new("filename", "", Kind::FromUpload).optional());
    let id = derived_id(exchange_command_id, "AttachDocument");
    let values = Values(vec![
        (COMMAND_ID_FIELD.to_owned(), id.to_string()),
        ("filename".to_owned(), file.filename.clone()),
    ]);
    (spec, values)
}

/// A command id derived from another and a label: the same every time,
/// distinct from the first (a UUID v8 of their SHA-256).
fn derived_id(from: Uuid, label: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(from.as_bytes())
        .chain_update(label.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// How a submitted form ended.
pub(crate) enum Answer {
    /// Recorded now, or earlier by the same form: the command's result.
    Recorded(CommandRecord),
    /// Not recorded: the form goes back with why.
    Refused(Pending),
}

/// A posted form, handled the one way every form is: its command checked
/// against the form it claims to be (`spec`) and against `viewer`'s rights
/// (on `agreement`, for an agreement's forms), then issued ([`submit`]).
/// Recorded, it answers a redirect to `done(record)` (a console link; the
/// page's `#main`); refused, the pending form comes back as `Err` for its
/// page to show again at the refusal's status ([`refused`]).
pub(crate) async fn handle(
    console: &Console,
    viewer: &Viewer,
    spec: &Spec,
    values: Values,
    agreement: Option<&AgreementView>,
    done: impl FnOnce(&CommandRecord) -> String,
) -> Result<Result<Response, Pending>, PageError> {
    if values.get(COMMAND_FIELD) != Some(spec.command) {
        return Err(PageError::Invalid(COMMAND_FIELD.into()));
    }
    if !permitted(viewer, spec.command, agreement) {
        console.app.access.forbidden();
        tracing::warn!(target: "accord::access", token_id = %viewer.token_id, command = spec.command, "console form forbidden");
        return Err(PageError::Forbidden);
    }
    Ok(match submit(console, viewer, spec, values).await? {
        Answer::Recorded(record) => {
            Ok(Redirect::to(&format!("{}#main", done(&record))).into_response())
        }
        Answer::Refused(pending) => Err(pending),
    })
}

/// The page showing a refused form again, answered at the refusal's status.
pub(crate) fn refused(mut page: Response, pending: &Pending) -> Response {
    *page.status_mut() = pending.status;
    page
}

/// Issues the command of `spec` with what was typed, as `viewer`, through
/// the engine — as `POST /v1/commands` does (same decoding, same request
/// hash for idempotency, same audit of refusals). A refusal comes back as
/// [`Answer::Refused`]; a forbidden command, a busy or stopped engine as
/// the error page.
pub(crate) async fn submit(
    console: &Console,
    viewer: &Viewer,
    spec: &Spec,
    values: Values,
) -> Result<Answer, PageError> {
    let command_id = values
        .get(COMMAND_ID_FIELD)
        .and_then(|raw| raw.parse::<Uuid>().ok())
        .unwrap_or_else(Uuid::now_v7);
    let refused = |values: Values, problem: Problem, status: StatusCode| {
        Ok(Answer::Refused(Pending {
            command: spec.command.to_owned(),
            command_id,
            values,
            problem,
            status,
        }))
    };
    let body = match spec.body(&values, command_id) {
        Ok(body) => body,
        Err(problem) => return refused(values, problem, StatusCode::BAD_REQUEST),
    };
    let hash = request_hash(&body).map_err(PageError::from)?;
    let (request, command) = match decode(body) {
        Ok(decoded) => decoded,
        Err(ApiError::Invalid { errors, .. }) => {
            let path = errors.first().map(|e| e.field.as_str()).unwrap_or("");
            let problem = Problem {
                field: spec.field_of_path(path),
                key: "form-malformed".to_owned(),
            };
            return refused(values, problem, StatusCode::BAD_REQUEST);
        }
        Err(other) => return Err(other.into()),
    };
    let actor = viewer.actor();
    let submission = Submission {
        command,
        command_id: request.command_id,
        expected_version: None,
        correlation_id: None,
        actor: actor.clone(),
        request_hash: hash,
    };
    match console.app.engine.submit(submission).await {
        Ok(Outcome::Created(record) | Outcome::Replayed(record)) => Ok(Answer::Recorded(record)),
        Err(error) => match audit_refusal(&console.app, &actor, error) {
            ApiError::Refused { rule, .. } => {
                let problem = Problem {
                    field: spec.field_of_rule(rule),
                    key: format!("refusal-{rule}"),
                };
                refused(values, problem, StatusCode::UNPROCESSABLE_ENTITY)
            }
            // The id was recorded with other values (the form submitted,
            // then changed and submitted again): a new id, a look first.
            ApiError::Conflict(_) => {
                let problem = Problem {
                    field: None,
                    key: "form-resubmitted".to_owned(),
                };
                let mut answer = refused(values, problem, StatusCode::CONFLICT);
                if let Ok(Answer::Refused(pending)) = &mut answer {
                    pending.command_id = Uuid::now_v7();
                }
                answer
            }
            other => Err(other.into()),
        },
    }
}

/// A command of `name` as a person with `viewer`'s token would issue it on
/// `agreement` (signing, their own party among the parties; assessing,
/// for their own party): what [`permitted`] asks the engine's rules about.
fn sample(name: &str, agreement: AgreementId, viewer: &Viewer) -> Option<Command> {
    let (a, d) = (agreement.to_string(), "2000-01-01");
    let party = viewer.party_id.as_deref().unwrap_or("any");
    let range = json!({"start": d, "end": d});
    let nil = Uuid::nil();
    let data = match name {
        "RegisterParty" => json!({"party_id": party, "name": "-", "kind": "other"}),
        "SignAgreement" => {
            json!({"title": "-", "parties": [party], "signed_on": d, "term": range, "areas": ["any"]})
        }
        "AmendAgreement" | "TerminateAgreement" => {
            json!({"agreement_id": a, "effective_on": d, "reason": "-"})
        }
        "AdmitParty" => json!({"agreement_id": a, "party_id": party, "effective_on": d}),
        "RecordExchange" => json!({"agreement_id": a, "occurred_on": d, "area": "any",
            "kind": "other", "parties": [party], "summary": "-"}),
        "CorrectExchange" | "RetractExchange" => {
            json!({"agreement_id": a, "exchange_id": nil, "reason": "-"})
        }
        "OpenReviewPeriod" => json!({"agreement_id": a, "title": "-", "kind": "interim",
            "period": range, "opened_on": d}),
        "RecordAssessment" => json!({"agreement_id": a, "review_id": nil, "party_id": party,
            "assessed_on": d, "rating": "met"}),
        "CloseReviewPeriod" => json!({"agreement_id": a, "review_id": nil, "closed_on": d,
            "outcome": "met", "summary": "-"}),
        "AttachDocument" => json!({"agreement_id": a, "attachment": "0".repeat(64),
            "title": "-", "kind": "other", "dated_on": d}),
        "PlanActivity" => json!({"agreement_id": a, "area": "any", "title": "-",
            "lead_party": party, "due_on": d}),
        "CancelActivity" => json!({"agreement_id": a, "activity_id": nil, "reason": "-"}),
        "CompleteFollowUp" => json!({"agreement_id": a, "follow_up_id": nil, "completed_on": d}),
        "UpdateParty" => json!({"party_id": party, "effective_on": d, "reason": "-"}),
        "SucceedParty" => {
            json!({"party_id": party, "successor_id": party, "effective_on": d, "reason": "-"})
        }
        "WithdrawParty" => {
            json!({"agreement_id": a, "party_id": party, "effective_on": d, "reason": "-"})
        }
        _ => return None,
    };
    serde_json::from_value(json!({"type": name, "data": data})).ok()
}

/// Whether `viewer` may issue the command `name` (on `agreement`, as it
/// stands on the page), by the engine's own access rules.
pub(crate) fn permitted(viewer: &Viewer, name: &str, agreement: Option<&AgreementView>) -> bool {
    let id = agreement.map_or(AgreementId(Uuid::nil()), |a| a.agreement_id);
    // A void of one of the agreement's facts is allowed to whoever may act
    // on the agreement (the engine judges it again as the command that
    // recorded the fact).
    let name = if name == "VoidEvent" {
        "RetractExchange"
    } else {
        name
    };
    let Some(command) = sample(name, id, viewer) else {
        return false;
    };
    accord_engine::authorize_with(&viewer.actor(), &command, |asked, party| {
        agreement
            .filter(|a| a.agreement_id == asked)
            .map(|a| a.parties.iter().any(|p| p.as_str() == party))
    })
    .is_ok()
}

/// Options of parties, by full name.
fn party_options<'a>(parties: impl IntoIterator<Item = &'a PartyView>) -> Vec<(String, String)> {
    parties
        .into_iter()
        .map(|p| (p.party_id.to_string(), p.name.clone()))
        .collect()
}

/// Options of fixed values, named by `family` (`exchange-kind`).
fn value_options(ui: &Ui, family: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), ui.term(family, v)))
        .collect()
}

/// The forms of the agreement page, every one (the page shows those
/// [`permitted`]): on `view` (as it stands on the page's date), its
/// `exchanges`, among the `registered` parties.
pub(crate) fn agreement_specs(
    ui: &Ui,
    viewer: &Viewer,
    view: &AgreementView,
    exchanges: &[ExchangeView],
    registered: &[PartyView],
    voidable: Vec<(String, String)>,
) -> Vec<Spec> {
    let id = view.agreement_id;
    let members: Vec<&PartyView> = view
        .parties
        .iter()
        .filter_map(|p| registered.iter().find(|r| &r.party_id == p))
        .collect();
    let member_options = party_options(members.iter().copied());
    let outsiders = party_options(
        registered
            .iter()
            .filter(|r| !view.parties.contains(&r.party_id)),
    );
    let areas: Vec<(String, String)> = view
        .areas
        .iter()
        .map(|a| (a.to_string(), a.to_string()))
        .collect();
    let areas_for_plan = areas.clone();
    let live: Vec<(String, String)> = exchanges
        .iter()
        .filter(|x| x.status != ExchangeStatus::Retracted)
        .map(|x| {
            let summary: String = x.summary.chars().take(60).collect();
            let label = format!("{} · {} · {summary}", ui.date(x.occurred_on), x.area);
            (x.exchange_id.to_string(), label)
        })
        .collect();
    let live_for_files = live.clone();
    let open: Vec<(String, String)> = view
        .reviews
        .iter()
        .filter(|r| r.status == ReviewStatus::Open)
        .map(|r| (r.review_id.to_string(), r.title.clone()))
        .collect();
    let own: Vec<String> = viewer
        .party_id
        .iter()
        .filter(|p| view.parties.iter().any(|m| m.as_str() == p.as_str()))
        .cloned()
        .collect();
    let label = |due: BusinessDate, title: &str| {
        let title: String = title.chars().take(60).collect();
        format!("{} · {title}", ui.date(due))
    };
    // Activities an exchange may carry out (not cancelled), those that may
    // be cancelled (neither cancelled nor done), follow-ups not done.
    let carriable: Vec<(String, String)> = view
        .activities
        .iter()
        .filter(|a| a.status != ActivityStatus::Cancelled)
        .map(|a| (a.activity_id.to_string(), label(a.due_on, &a.title)))
        .collect();
    let cancellable: Vec<(String, String)> = view
        .activities
        .iter()
        .filter(|a| matches!(a.status, ActivityStatus::Planned | ActivityStatus::Overdue))
        .map(|a| (a.activity_id.to_string(), label(a.due_on, &a.title)))
        .collect();
    let to_do: Vec<(String, String)> = view
        .follow_ups
        .iter()
        .filter(|f| f.status != FollowUpStatus::Done)
        .map(|f| (f.follow_up_id.to_string(), label(f.due_on, &f.action)))
        .collect();
    let kinds = value_options(ui, "exchange-kind", &EXCHANGE_KINDS);
    let ratings = value_options(ui, "rating", &RATINGS);
    let assessor = match &viewer.party_id {
        Some(party) => Field::fixed("party_id", party),
        None => Field::select("party_id", "form-field-party", member_options.clone()),
    };
    let agreement = || Field::fixed("agreement_id", id);
    let mut specs = vec![Spec::new(
        "RecordExchange",
        "form-record-exchange",
        "form-record-exchange-submit",
    )
    .field(agreement())
    .field(Field::date("occurred_on", "form-field-occurred_on"))
    .field(Field::select("area", "form-field-area", areas.clone()))
    .field(Field::select(
        "kind",
        "form-field-exchange-kind",
        kinds.clone(),
    ))
    .field(Field::checks("parties", "form-field-parties", member_options.clone()).default(own))
    .field(Field::textarea("summary", "form-field-summary"))
    .field(Field::textarea("outcome", "form-field-outcome").optional())
    .field(Field::text("place", "form-field-exchange-place").optional())
    .field(
        Field::rows(
            "participants",
            "form-field-participants",
            &PARTICIPANT_COLUMNS,
        )
        .optional()
        .hint("form-hint-participants"),
    )
    .field(Field::textarea("minutes", "form-field-minutes").optional())
    .field(
        Field::rows("follow_ups", "form-field-follow-ups", &FOLLOW_UP_COLUMNS)
            .optional()
            .hint("form-hint-follow-ups"),
    )
    .field(Field::file("file", "form-field-exchange-file", false).optional())];
    if !carriable.is_empty() {
        specs[0].fields.push(
            Field::select("activity_id", "form-field-activity", carriable.clone()).optional(),
        );
    }
    if !live.is_empty() {
        specs.push(
            Spec::new(
                "CorrectExchange",
                "form-correct-exchange",
                "form-correct-exchange-submit",
            )
            .field(agreement())
            .field(Field::select(
                "exchange_id",
                "form-field-exchange",
                live.clone(),
            ))
            .field(Field::text("reason", "form-field-reason"))
            .field(
                Field::date("occurred_on", "form-field-occurred_on")
                    .optional()
                    .hint("form-hint-unchanged"),
            )
            .field(
                Field::select("area", "form-field-area", areas)
                    .optional()
                    .hint("form-hint-unchanged"),
            )
            .field(
                Field::select("kind", "form-field-exchange-kind", kinds)
                    .optional()
                    .hint("form-hint-unchanged"),
            )
            .field(
                Field::checks("parties", "form-field-parties", member_options.clone())
                    .optional()
                    .hint("form-hint-unchanged"),
            )
            .field(
                Field::textarea("summary", "form-field-summary")
                    .optional()
                    .hint("form-hint-unchanged"),
            )
            .field(
                Field::textarea("outcome", "form-field-outcome")
                    .optional()
                    .hint("form-hint-unchanged"),
            ),
        );
        specs.push(
            Spec::new(
                "RetractExchange",
                "form-retract-exchange",
                "form-retract-exchange-submit",
            )
            .field(agreement())
            .field(Field::select("exchange_id", "form-field-exchange", live))
            .field(Field::text("reason", "form-field-reason")),
        );
    }
    specs.push(
        Spec::new(
            "AmendAgreement",
            "form-amend-agreement",
            "form-amend-agreement-submit",
        )
        .field(agreement())
        .field(Field::date("effective_on", "form-field-effective_on"))
        .field(Field::text("reason", "form-field-reason"))
        .field(
            Field::text("title", "form-field-title")
                .optional()
                .hint("form-hint-unchanged"),
        )
        .field(
            Field::date("term.start", "form-field-term_start")
                .optional()
                .hint("form-hint-term"),
        )
        .field(
            Field::date("term.end", "form-field-term_end")
                .optional()
                .hint("form-hint-term"),
        )
        .field(
            Field::list("areas", "form-field-areas")
                .optional()
                .hint("form-hint-areas-unchanged"),
        ),
    );
    if !outsiders.is_empty() {
        specs.push(
            Spec::new("AdmitParty", "form-admit-party", "form-admit-party-submit")
                .field(agreement())
                .field(Field::select("party_id", "form-field-party", outsiders))
                .field(Field::date("effective_on", "form-field-effective_on")),
        );
    }
    specs.push(
        Spec::new(
            "WithdrawParty",
            "form-withdraw-party",
            "form-withdraw-party-submit",
        )
        .field(agreement())
        .field(Field::select(
            "party_id",
            "form-field-party",
            member_options.clone(),
        ))
        .field(Field::date("effective_on", "form-field-effective_on"))
        .field(Field::text("reason", "form-field-reason")),
    );
    specs.push(
        Spec::new(
            "OpenReviewPeriod",
            "form-open-review",
            "form-open-review-submit",
        )
        .field(agreement())
        .field(Field::text("title", "form-field-title"))
        .field(Field::select(
            "kind",
            "form-field-review-kind",
            value_options(ui, "review-kind", &REVIEW_KINDS),
        ))
        .field(Field::date("period.start", "form-field-period_start"))
        .field(Field::date("period.end", "form-field-period_end"))
        .field(Field::date("opened_on", "form-field-opened_on")),
    );
    if !open.is_empty() {
        specs.push(
            Spec::new(
                "RecordAssessment",
                "form-record-assessment",
                "form-record-assessment-submit",
            )
            .field(agreement())
            .field(Field::select(
                "review_id",
                "form-field-review",
                open.clone(),
            ))
            .field(assessor)
            .field(Field::date("assessed_on", "form-field-assessed_on"))
            .field(Field::select(
                "rating",
                "form-field-rating",
                ratings.clone(),
            ))
            .field(Field::textarea("notes", "form-field-notes").optional()),
        );
        specs.push(
            Spec::new(
                "CloseReviewPeriod",
                "form-close-review",
                "form-close-review-submit",
            )
            .field(agreement())
            .field(Field::select("review_id", "form-field-review", open))
            .field(Field::date("closed_on", "form-field-closed_on"))
            .field(Field::select(
                "outcome",
                "form-field-review-outcome",
                ratings,
            ))
            .field(Field::textarea("summary", "form-field-summary")),
        );
    }
    let reviews: Vec<(String, String)> = view
        .reviews
        .iter()
        .map(|r| (r.review_id.to_string(), r.title.clone()))
        .collect();
    let mut attach = Spec::new(
        "AttachDocument",
        "form-attach-document",
        "form-attach-document-submit",
    )
    .field(agreement())
    .field(Field::file("attachment", "form-field-attachment", true))
    .field(Field::new("filename", "", Kind::FromUpload).optional())
    .field(Field::text("title", "form-field-title"))
    .field(Field::select(
        "kind",
        "form-field-document-kind",
        value_options(ui, "document-kind", &DOCUMENT_KINDS),
    ))
    .field(Field::date("dated_on", "form-field-dated_on"));
    if !live_for_files.is_empty() {
        attach = attach
            .field(Field::select("exchange_id", "form-field-exchange", live_for_files).optional());
    }
    if !reviews.is_empty() {
        attach = attach.field(Field::select("review_id", "form-field-review", reviews).optional());
    }
    specs.push(attach);
    specs.push(
        Spec::new(
            "PlanActivity",
            "form-plan-activity",
            "form-plan-activity-submit",
        )
        .field(agreement())
        .field(Field::text("title", "form-field-title"))
        .field(Field::select("area", "form-field-area", areas_for_plan))
        .field(
            Field::select(
                "lead_party",
                "form-field-lead-party",
                member_options.clone(),
            )
            .default(viewer.party_id.iter().cloned().collect()),
        )
        .field(Field::date("due_on", "form-field-due_on"))
        .field(Field::textarea("description", "form-field-description").optional()),
    );
    if !cancellable.is_empty() {
        specs.push(
            Spec::new(
                "CancelActivity",
                "form-cancel-activity",
                "form-cancel-activity-submit",
            )
            .field(agreement())
            .field(Field::select(
                "activity_id",
                "form-field-activity",
                cancellable,
            ))
            .field(Field::text("reason", "form-field-reason")),
        );
    }
    if !to_do.is_empty() {
        specs.push(
            Spec::new(
                "CompleteFollowUp",
                "form-complete-follow-up",
                "form-complete-follow-up-submit",
            )
            .field(agreement())
            .field(Field::select("follow_up_id", "form-field-follow-up", to_do))
            .field(Field::date("completed_on", "form-field-completed_on")),
        );
    }
    specs.push(
        Spec::new(
            "TerminateAgreement",
            "form-terminate-agreement",
            "form-terminate-agreement-submit",
        )
        .field(agreement())
        .field(Field::date("effective_on", "form-field-effective_on"))
        .field(Field::text("reason", "form-field-reason")),
    );
    if !voidable.is_empty() {
        // The fact a "Void" link of the timeline chose (`?void=<event id>`).
        let chosen: Vec<String> = ui.param("void").map(str::to_owned).into_iter().collect();
        specs.push(
            Spec::new("VoidEvent", "form-void-event", "form-void-event-submit")
                .field(Field::select("event_id", "form-field-event", voidable).default(chosen))
                .field(Field::text("reason", "form-field-reason")),
        );
    }
    specs
}

/// The form of `/agreements`: signing an agreement between `registered`
/// parties, possibly succeeding one of `agreements`.
pub(crate) fn sign_spec(
    viewer: &Viewer,
    registered: &[PartyView],
    agreements: &[AgreementView],
) -> Spec {
    let superseded = agreements
        .iter()
        .map(|a| (a.agreement_id.to_string(), a.title.clone()))
        .collect();
    let own: Vec<String> = viewer.party_id.iter().cloned().collect();
    Spec::new(
        "SignAgreement",
        "form-sign-agreement",
        "form-sign-agreement-submit",
    )
    .field(Field::text("title", "form-field-title"))
    .field(Field::checks("parties", "form-field-parties", party_options(registered)).default(own))
    .field(Field::date("signed_on", "form-field-signed_on"))
    .field(Field::text("place", "form-field-place").optional())
    .field(Field::date("term.start", "form-field-term_start"))
    .field(Field::date("term.end", "form-field-term_end"))
    .field(Field::list("areas", "form-field-areas"))
    .field(Field::select("supersedes", "form-field-supersedes", superseded).optional())
}

/// The form of `/parties`: registering a party.
pub(crate) fn register_spec(ui: &Ui) -> Spec {
    Spec::new(
        "RegisterParty",
        "form-register-party",
        "form-register-party-submit",
    )
    .field(Field::text("party_id", "form-field-party_id").hint("form-hint-party_id"))
    .field(Field::text("name", "form-field-name"))
    .field(Field::text("short_name", "form-field-short_name").optional())
    .field(Field::select(
        "kind",
        "form-field-party-kind",
        value_options(ui, "party-kind", &PARTY_KINDS),
    ))
    .field(Field::text("province", "form-field-province").optional())
}

/// The forms of a party's page (`/parties/{id}`): updating `party` (as
/// it stands on the page's date) and, unless a succession of it is
/// recorded already (`succeeded`, whatever its date), recording its
/// successor among the other `registered` parties.
pub(crate) fn party_specs(
    ui: &Ui,
    party: &PartyView,
    registered: &[PartyView],
    succeeded: bool,
) -> Vec<Spec> {
    let id = || Field::fixed("party_id", &party.party_id);
    let unchanged = |field: Field| field.optional().hint("form-hint-unchanged");
    let mut specs = vec![Spec::new(
        "UpdateParty",
        "form-update-party",
        "form-update-party-submit",
    )
    .field(id())
    .field(Field::date("effective_on", "form-field-effective_on"))
    .field(Field::text("reason", "form-field-reason"))
    .field(unchanged(Field::text("name", "form-field-name")))
    .field(unchanged(Field::text(
        "short_name",
        "form-field-short_name",
    )))
    .field(unchanged(Field::select(
        "kind",
        "form-field-party-kind",
        value_options(ui, "party-kind", &PARTY_KINDS),
    )))
    .field(unchanged(Field::text("province", "form-field-province")))];
    if !succeeded {
        let others = registered.iter().filter(|p| p.party_id != party.party_id);
        specs.push(
            Spec::new(
                "SucceedParty",
                "form-succeed-party",
                "form-succeed-party-submit",
            )
            .field(id())
            .field(Field::select(
                "successor_id",
                "form-field-successor",
                party_options(others),
            ))
            .field(Field::date("effective_on", "form-field-effective_on"))
            .field(Field::text("reason", "form-field-reason")),
        );
    }
    specs
}

/// The confirmation shown after each command was recorded: its catalogue key.
const DONE: [(&str, &str); 19] = [
    ("RegisterParty", "form-register-party-done"),
    ("SignAgreement", "form-sign-agreement-done"),
    ("AmendAgreement", "form-amend-agreement-done"),
    ("AdmitParty", "form-admit-party-done"),
    ("RecordExchange", "form-record-exchange-done"),
    ("CorrectExchange", "form-correct-exchange-done"),
    ("RetractExchange", "form-retract-exchange-done"),
    ("OpenReviewPeriod", "form-open-review-done"),
    ("RecordAssessment", "form-record-assessment-done"),
    ("CloseReviewPeriod", "form-close-review-done"),
    ("TerminateAgreement", "form-terminate-agreement-done"),
    ("AttachDocument", "form-attach-document-done"),
    ("PlanActivity", "form-plan-activity-done"),
    ("CancelActivity", "form-cancel-activity-done"),
    ("CompleteFollowUp", "form-complete-follow-up-done"),
    ("VoidEvent", "form-void-event-done"),
    ("UpdateParty", "form-update-party-done"),
    ("SucceedParty", "form-succeed-party-done"),
    ("WithdrawParty", "form-withdraw-party-done"),
];

/// The confirmation of `?done=<command>`, the answer to a recorded
/// command: its catalogue key.
pub(crate) fn done_key(ui: &Ui) -> Option<&'static str> {
    let done = ui.param("done")?;
    DONE.iter().find(|(c, _)| *c == done).map(|(_, key)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_refusal_code_has_a_message_in_both_languages() {
        for rule in accord_domain::refusal::Rule::ALL {
            let key = format!("refusal-{}", rule.code());
            for lang in Lang::ALL {
                assert!(
                    lang.has(&key),
                    "{key} missing from i18n/{}/forms.ftl",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn dotted_names_build_nested_data_and_empty_optional_fields_are_left_out() {
        let spec = Spec::new("AmendAgreement", "t", "s")
            .field(Field::fixed(
                "agreement_id",
                "0190f0a0-2013-7000-8000-000000002013",
            ))
            .field(Field::date("effective_on", "l"))
            .field(Field::text("reason", "l"))
            .field(Field::text("title", "l").optional())
            .field(Field::date("term.start", "l").optional())
            .field(Field::date("term.end", "l").optional())
            .field(Field::list("areas", "l").optional());
        let values = Values(vec![
            ("agreement_id".into(), "forged".into()),
            ("effective_on".into(), "2014-01-01".into()),
            ("reason".into(), "Điều chỉnh theo Nghị quyết".into()),
            ("title".into(), "  ".into()),
            ("term.end".into(), "2016-12-31".into()),
            (
                "areas".into(),
                "investment_promotion, training  logistics".into(),
            ),
        ]);
        let id = Uuid::now_v7();
        let body = spec.body(&values, id).unwrap();
        assert_eq!(
            body,
            json!({"type": "AmendAgreement", "command_id": id, "data": {
                "agreement_id": "0190f0a0-2013-7000-8000-000000002013",
                "effective_on": "2014-01-01", "reason": "Điều chỉnh theo Nghị quyết",
                "term": {"end": "2016-12-31"},
                "areas": ["investment_promotion", "training", "logistics"]}})
        );
        // `term` lacks its start: the 400 names the field to show it at.
        let Err(ApiError::Invalid { errors, .. }) = decode(body) else {
            panic!("a term without a start is malformed");
        };
        assert_eq!(
            spec.field_of_path(&errors[0].field).as_deref(),
            Some("term.start")
        );
        let missing = spec.body(&Values::default(), id).unwrap_err();
        assert_eq!(missing.field.as_deref(), Some("effective_on"));
    }

    #[test]
    fn lines_of_participants_and_follow_ups_become_lists_of_objects() {
        let spec = Spec::new("RecordExchange", "t", "s")
            .field(Field::rows("participants", "l", &PARTICIPANT_COLUMNS).optional())
            .field(Field::rows("follow_ups", "l", &FOLLOW_UP_COLUMNS).optional());
        let values = Values(vec![
            (
                "participants".into(),
                "Nguyễn Văn A | Phó Trưởng ban | dong-nai-iza\n\n  Trần Thị B  \n".into(),
            ),
            (
                "follow_ups".into(),
                "Gửi báo cáo, kèm phụ lục | lam-dong-iza | 2014-04-30".into(),
            ),
        ]);
        let id = Uuid::now_v7();
        let body = spec.body(&values, id).unwrap();
        assert_eq!(
            body["data"],
            json!({
                "participants": [
                    {"name": "Nguyễn Văn A", "title": "Phó Trưởng ban", "party_id": "dong-nai-iza"},
                    {"name": "Trần Thị B"}],
                "follow_ups": [{"action": "Gửi báo cáo, kèm phụ lục", "party_id": "lam-dong-iza",
                                "due_on": "2014-04-30"}]})
        );
        // Left empty, both are left out.
        let empty = spec.body(&Values::default(), id).unwrap();
        assert_eq!(empty["data"], json!({}));
    }

    #[test]
    fn the_refusals_of_parties_that_change_are_shown_at_their_fields() {
        let ui = Ui::new(
            Lang::En,
            None,
            &axum::http::Uri::from_static("/parties/binh-phuoc-eza"),
        );
        let party = |id: &str| PartyView {
            party_id: accord_domain::PartyId::parse(id).unwrap(),
            name: id.to_owned(),
            short_name: None,
            kind: accord_domain::PartyKind::Other,
            province: None,
            succeeded_by: None,
            succeeded_on: None,
            history: Vec::new(),
        };
        let registered = [party("binh-phuoc-eza"), party("dong-nai-iza")];
        let specs = party_specs(&ui, &registered[0], &registered, false);
        let succeed = specs.iter().find(|s| s.command == "SucceedParty").unwrap();
        for rule in [
            "succession_to_itself",
            "succession_cycle",
            "party_succeeded",
        ] {
            assert_eq!(succeed.field_of_rule(rule).as_deref(), Some("successor_id"));
        }
        assert_eq!(succeed.field_of_rule("party_already_succeeded"), None);
        // The successor is chosen among the others.
        let Kind::Select(options) = &succeed.fields[1].kind else {
            panic!("the successor is a select");
        };
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].0, "dong-nai-iza");
        // Once a succession is recorded, the form is gone.
        let specs = party_specs(&ui, &registered[0], &registered, true);
        assert!(specs.iter().all(|s| s.command != "SucceedParty"));
        let update = &specs[0];
        assert_eq!(
            update.field_of_rule("text_required").as_deref(),
            Some("name")
        );
        assert_eq!(update.field_of_rule("party_update_without_changes"), None);
        let withdraw = Spec::new("WithdrawParty", "t", "s")
            .field(Field::select("party_id", "l", Vec::new()))
            .field(Field::date("effective_on", "l"));
        for (rule, field) in [
            ("too_few_parties", "party_id"),
            ("party_not_member", "party_id"),
            ("withdrawal_outside_term", "effective_on"),
            ("agreement_terminated", "effective_on"),
        ] {
            assert_eq!(
                withdraw.field_of_rule(rule).as_deref(),
                Some(field),
                "{rule}"
            );
        }
    }

    #[test]
    fn a_rule_is_shown_at_the_first_of_its_fields_the_form_shows() {
        let spec = Spec::new("RecordAssessment", "t", "s")
            .field(Field::fixed("party_id", "lam-dong-iza"))
            .field(Field::date("assessed_on", "l"));
        // A writer's own party is not a field: the message goes above the form.
        assert_eq!(spec.field_of_rule("party_not_in_agreement"), None);
        assert_eq!(
            spec.field_of_rule("agreement_terminated").as_deref(),
            Some("assessed_on")
        );
        assert_eq!(spec.field_of_rule("already_terminated"), None);
    }
}
