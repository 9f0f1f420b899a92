//! Time travel, the console's first-class control.
//!
//! Every view that depends on `at` (the business date) and `as_of` (the
//! "as known at" instant) reads them from its URL ([`When`]), so it can be
//! bookmarked and reopened exactly, and shows a [`TimeTravel`] control
//! (`templates/partials/time_travel.html`): both values as the language
//! writes them, a date input for `at`, a select of recorded instants for
//! `as_of`, a button (a plain `GET` form: no script needed), and the page's
//! other parameters carried along. On an agreement, [`TimeTravel::steps`]
//! adds "previous event" / "next event" links that move `as_of` through its
//! history one event at a time.

use accord_api::moment::{today, Moment};
use accord_domain::BusinessDate;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::PageError;
use crate::log::LogEntry;
use crate::ui::Ui;

/// Instants the select offers at most: those nearest the one shown.
const MAX_CHOICES: usize = 100;

/// Parameters dropped when the time changes: page numbers of lists whose
/// length depends on it.
const PAGING: &[&str] = &["page", "xpage", "tpage"];

/// When a page looks at the world, as its URL asks.
#[derive(Debug, Clone, Copy)]
pub struct When {
    /// The business date (today if not given).
    pub at: BusinessDate,
    /// Whether `at` was given (else it is today's date).
    pub at_given: bool,
    /// The knowledge instant, if given (else everything recorded).
    pub as_of: Option<OffsetDateTime>,
}

impl When {
    /// Reads `at` (`YYYY-MM-DD`) and `as_of` (RFC 3339) from the page's URL;
    /// a malformed one is a 400 naming it.
    pub fn from_ui(ui: &Ui) -> Result<Self, PageError> {
        let at = match ui.param("at") {
            Some(raw) => {
                Some(BusinessDate::parse(raw).map_err(|_| PageError::Invalid("at".into()))?)
            }
            None => None,
        };
        let as_of = match ui.param("as_of") {
            Some(raw) => Some(
                OffsetDateTime::parse(raw, &Rfc3339)
                    .map(|t| t.to_offset(time::UtcOffset::UTC))
                    .map_err(|_| PageError::Invalid("as_of".into()))?,
            ),
            None => None,
        };
        Ok(Self {
            at: at.unwrap_or_else(today),
            at_given: at.is_some(),
            as_of,
        })
    }

    /// The same, as the API's read helper takes it.
    pub fn moment(&self) -> Moment {
        Moment {
            at: self.at,
            as_of: self.as_of,
        }
    }

    /// Whether an event recorded at `instant` is known at `as_of`.
    pub fn knows(&self, instant: OffsetDateTime) -> bool {
        self.as_of.is_none_or(|t| instant <= t)
    }
}

/// An instant offered by the "as known at" select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value of `as_of` (RFC 3339).
    pub value: String,
    /// What the person reads: position, event type, instant.
    pub label: String,
    /// Whether it is the instant shown.
    pub selected: bool,
}

/// Links that move `as_of` through an agreement's history.
#[derive(Debug, Clone)]
pub struct Steps {
    /// The view right after the previous event of the agreement.
    pub prev: Option<String>,
    /// The view right after the next one.
    pub next: Option<String>,
    /// The view knowing everything (no `as_of`), unless shown already.
    pub latest: Option<String>,
    /// How many of the agreement's events the view knows.
    pub index: usize,
    /// How many events the agreement has.
    pub count: usize,
}

/// The control, ready for `templates/partials/time_travel.html`.
#[derive(Debug, Clone)]
pub struct TimeTravel {
    /// The page the form reloads.
    pub action: String,
    /// The date input's value, `YYYY-MM-DD`.
    pub at: String,
    /// The business date shown, as the language writes it.
    pub at_label: String,
    /// The instant shown, as the language writes it, or "now".
    pub as_of_label: String,
    /// The instants to choose from, newest first.
    pub choices: Vec<Choice>,
    /// The page's other parameters, carried as hidden fields.
    pub keep: Vec<(String, String)>,
    /// Stepping through an agreement's history, where there is one.
    pub steps: Option<Steps>,
    /// The page for today and everything recorded, when it is not that.
    pub reset: Option<String>,
}

impl TimeTravel {
    /// The control for `when`, offering the instants of `events` (any
    /// order; shown newest first), plus the shown instant if not among them.
    pub fn new(ui: &Ui, when: &When, events: &[LogEntry]) -> Self {
        let mut choices: Vec<Choice> = events
            .iter()
            .map(|e| Choice {
                value: e.instant(),
                label: format!(
                    "#{} · {} · {}",
                    e.position,
                    ui.event_name(&e.event_type),
                    ui.instant(e.recorded_at)
                ),
                selected: when.as_of == Some(e.recorded_at),
            })
            .collect();
        choices.sort_by(|a, b| b.value.cmp(&a.value));
        choices.dedup_by(|a, b| a.value == b.value);
        if choices.len() > MAX_CHOICES {
            let shown = choices.iter().position(|c| c.selected).unwrap_or(0);
            let start = shown
                .saturating_sub(MAX_CHOICES / 2)
                .min(choices.len() - MAX_CHOICES);
            choices = choices.split_off(start);
            choices.truncate(MAX_CHOICES);
        }
        if let Some(as_of) = when
            .as_of
            .filter(|t| !events.iter().any(|e| e.recorded_at == *t))
        {
            choices.insert(
                0,
                Choice {
                    value: as_of.format(&Rfc3339).unwrap_or_default(),
                    label: ui.instant(as_of),
                    selected: true,
                },
            );
        }
        let keep = ui
            .params()
            .iter()
            .filter(|(k, _)| k != "at" && k != "as_of" && !PAGING.contains(&k.as_str()))
            .cloned()
            .collect();
        let changed = when.at_given || when.as_of.is_some();
        let mut reset: Vec<(&str, &str)> = vec![("at", ""), ("as_of", "")];
        reset.extend(PAGING.iter().map(|p| (*p, "")));
        Self {
            action: ui.path().to_owned(),
            at: when.at.to_string(),
            at_label: ui.date(when.at),
            as_of_label: match when.as_of {
                Some(t) => ui.instant(t),
                None => ui.t("tt-now").to_owned(),
            },
            choices,
            keep,
            steps: None,
            reset: changed.then(|| ui.url(&reset)),
        }
    }

    /// Adds the step links through `history`, an agreement's events
    /// oldest first (all recorded so far).
    pub fn steps(mut self, ui: &Ui, when: &When, history: &[LogEntry]) -> Self {
        let index = history.iter().filter(|e| when.knows(e.recorded_at)).count();
        let go = |e: &LogEntry| ui.url(&[("as_of", &e.instant()), ("tpage", "")]);
        self.steps = Some(Steps {
            prev: index.checked_sub(2).map(|i| go(&history[i])),
            next: history.get(index).map(go),
            latest: when.as_of.map(|_| ui.url(&[("as_of", ""), ("tpage", "")])),
            index,
            count: history.len(),
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use accord_store::Actor;
    use axum::http::Uri;
    use time::Duration;

    use super::*;
    use crate::i18n::Lang;

    fn history(n: u64) -> Vec<LogEntry> {
        let start = time::macros::datetime!(2026-05-01 08:30:00 UTC);
        (1..=n)
            .map(|i| LogEntry {
                id: format!("event-{i}"),
                position: i,
                stream: "agreement:x".into(),
                version: i,
                event_type: "ExchangeRecorded".into(),
                recorded_at: start + Duration::seconds(i as i64),
                effective_on: None,
                actor: Actor {
                    token_id: "t".into(),
                    role: accord_store::Role::Admin,
                    party_id: None,
                },
                command_id: String::new(),
                hash: String::new(),
                prev_hash: String::new(),
                data: serde_json::Value::Null,
            })
            .collect()
    }

    #[test]
    fn a_long_history_offers_the_instants_nearest_the_one_shown() {
        let events = history(300);
        let as_of = events[149].instant();
        let uri: Uri = format!("/agreements/x?as_of={as_of}&tpage=2&party=a")
            .parse()
            .unwrap();
        let ui = Ui::new(Lang::En, None, &uri);
        let when = When::from_ui(&ui).unwrap();
        let tt = TimeTravel::new(&ui, &when, &events).steps(&ui, &when, &events);
        assert_eq!(tt.choices.len(), MAX_CHOICES);
        assert!(tt.choices.iter().any(|c| c.selected && c.value == as_of));
        assert_eq!(tt.keep, [("party".to_owned(), "a".to_owned())]);
        let steps = tt.steps.expect("steps");
        assert_eq!((steps.index, steps.count), (150, 300));
        let prev = steps.prev.expect("a previous event");
        assert!(prev.contains("as_of=2026-05-01T08%3A32%3A29Z"), "{prev}");
        assert!(!prev.contains("tpage"), "{prev}");
    }
}
