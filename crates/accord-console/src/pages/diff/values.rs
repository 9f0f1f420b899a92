//! How the values of a change read: the diff compares the JSON views, and a
//! person should not have to read JSON. Objects become "field: value" lines
//! (only the fields that differ from the other side), dates are written as
//! the language writes them, fixed values (statuses, kinds, ratings) and
//! party ids get their names, text stays as recorded.

use accord_domain::BusinessDate;
use accord_projections::ChangeKind;
use serde_json::{Map, Value};

use crate::pages::Names;
use crate::ui::Ui;

/// Keys never shown: lineage and the ids a change already names.
const HIDDEN: &[&str] = &["sources", "agreement_id", "exchange_id", "review_id"];

/// One line of a value: a field's name (none for a plain value) and its value.
pub(crate) struct Line {
    pub label: Option<String>,
    pub value: String,
}

/// What a change is about, in words.
pub(crate) enum Group {
    Agreement,
    Exchange,
    Review,
}

impl Group {
    pub(crate) fn of(kind: ChangeKind) -> Self {
        use ChangeKind::*;
        match kind {
            ExchangeAdded | ExchangeRemoved | ExchangeCorrected | ExchangeRetracted => {
                Group::Exchange
            }
            ReviewOpened | ReviewRemoved | ReviewAssessed | ReviewClosed => Group::Review,
            Field | Status | PartyAdmitted | PartyRemoved => Group::Agreement,
        }
    }

    /// The catalogue family naming the values of `key` in this group.
    fn family(&self, key: &str) -> Option<&'static str> {
        match (self, key) {
            (Group::Agreement, "status") => Some("status"),
            (Group::Review, "status") => Some("review-status"),
            (Group::Review, "kind") => Some("review-kind"),
            (Group::Review, "outcome" | "rating") => Some("rating"),
            (Group::Exchange, "kind") => Some("exchange-kind"),
            (Group::Exchange, "status") => Some("exchange-status"),
            _ => None,
        }
    }
}

/// Reads values for one page.
pub(crate) struct Reader<'a> {
    pub ui: &'a Ui,
    /// Party names.
    pub names: &'a Names,
    /// Agreement titles (for `supersedes` and `superseded_by`).
    pub titles: &'a Names,
}

impl Reader<'_> {
    /// The lines of `value`; of an object, only the fields that differ in
    /// `other` (the other side of the change).
    pub(crate) fn lines(
        &self,
        group: &Group,
        key: &str,
        value: &Value,
        other: &Value,
    ) -> Vec<Line> {
        match value {
            Value::Object(map) if !is_range(map) => map
                .iter()
                .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
                .filter(|(k, v)| other.get(k.as_str()) != Some(*v))
                .flat_map(|(k, v)| self.field_lines(group, k, v))
                .collect(),
            _ => vec![Line {
                label: None,
                value: self.text(group, key, value),
            }],
        }
    }

    /// The lines of one field: one line, or one per item when it lists
    /// objects (a review's assessments), each of which reads as sentences
    /// that a comma would run together.
    fn field_lines(&self, group: &Group, key: &str, value: &Value) -> Vec<Line> {
        let label = self.label(key);
        match value {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => items
                .iter()
                .map(|item| Line {
                    label: Some(label.clone()),
                    value: self.text(group, key, item),
                })
                .collect(),
            _ => vec![Line {
                label: Some(label),
                value: self.text(group, key, value),
            }],
        }
    }

    /// A field's name, or a party's when the key is a party id.
    fn label(&self, key: &str) -> String {
        if self.names.knows(key) {
            return self.names.short(key).to_owned();
        }
        self.ui.field_name(key)
    }

    /// One value as text.
    pub(crate) fn text(&self, group: &Group, key: &str, value: &Value) -> String {
        match value {
            Value::Null => "—".to_owned(),
            Value::String(s) => self.scalar(group, key, s),
            Value::Array(items) if items.is_empty() => "—".to_owned(),
            Value::Array(items) => items
                .iter()
                .map(|item| self.text(group, key, item))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Object(map) if is_range(map) => {
                format!(
                    "{} – {}",
                    self.text(group, "start", &map["start"]),
                    self.text(group, "end", &map["end"])
                )
            }
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
                .map(|(k, v)| format!("{}: {}", self.label(k), self.text(group, k, v)))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    fn scalar(&self, group: &Group, key: &str, s: &str) -> String {
        if let Some(family) = group.family(key) {
            let name = format!("{family}-{s}");
            if self.ui.lang.has(&name) {
                return self.ui.t(&name).to_owned();
            }
        }
        if matches!(key, "parties" | "party_id") {
            return self.names.short(s).to_owned();
        }
        if matches!(key, "supersedes" | "superseded_by") {
            return self.titles.full(s);
        }
        match BusinessDate::parse(s) {
            Ok(date) if s.len() == 10 => self.ui.date(date),
            _ => s.to_owned(),
        }
    }
}

/// `{"start", "end"}`: a term or a period, read as one range.
fn is_range(map: &Map<String, Value>) -> bool {
    map.len() == 2 && map.contains_key("start") && map.contains_key("end")
}
