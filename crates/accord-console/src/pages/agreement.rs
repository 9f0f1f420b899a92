//! `/agreements/{id}?at=&as_of=`: one agreement as it stood on the date, as
//! known at the instant — its status, parties with the date each joined,
//! term, areas, responsibilities, exchanges (a page at a time), reviews
//! with their assessments — and its timeline: every event with both times,
//! who recorded it and its hash, with links that step `as_of` through it.
//!
//! Below them, the forms of the commands the signed-in person may issue on
//! it (record, correct or retract an exchange, amend, admit a party, open
//! or close a review, assess, terminate), when the page shows what is known
//! now (no `as_of`). They post back to the page (`POST /agreements/{id}`):
//! recorded, the answer is a 303 to the page with a confirmation; refused,
//! the page again with the form as typed and the rule's message at its field.
//!
//! An agreement that exists in the log but not at the chosen moment (not
//! signed yet on that date, or not recorded yet at that instant) answers
//! 404 with the time-travel control and the timeline, so the person can
//! move to a moment where it exists.

use std::collections::HashMap;

use accord_domain::BusinessDate;
use accord_projections::{AgreementView, ExchangeQuery, ExchangeStatus, ExchangeView};
use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{agreement_id, Names};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::forms::{self, Answer, FormView, Pending, Values};
use crate::live::Live;
use crate::log::{self, LogEntry};
use crate::paging::Pager;
use crate::receipt::{self, Pin, ReceiptBox};
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

/// Exchanges a page.
const EXCHANGES_PER_PAGE: usize = 20;
/// Timeline events a page.
const EVENTS_PER_PAGE: usize = 50;

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route(
            "/agreements/{id}",
            // A form with a file is bounded by the attachment limit as it is
            // read (crate::upload), a form without one by the CSRF extractor.
            get(one).post(act).layer(DefaultBodyLimit::disable()),
        )
        .route("/agreements/{id}/files/{sha256}", get(file))
}

/// A membership of the agreement begun by the date.
struct Member {
    party_id: String,
    /// The first day it is a party: the signature's (or the term's start,
    /// if earlier), the admission's or the succession's date.
    since: BusinessDate,
    /// The first day it is no longer one (withdrawal, succession), if on or
    /// before the date.
    until: Option<BusinessDate>,
    /// The predecessor it took over from, for a successor.
    via: Option<String>,
    responsibilities: Option<String>,
}

struct ExchangeRow {
    view: ExchangeView,
    retracted: bool,
}

/// An event of the timeline, placed relative to the view's moment.
struct TimelineRow {
    entry: LogEntry,
    /// `current`, `unknown` (recorded after `as_of`), `later` (in effect
    /// after `at`) or empty.
    class: &'static str,
    current: bool,
    /// The catalogue key of a note on where it stands, if any.
    note: Option<&'static str>,
    /// The agreement as known right after this event.
    href: String,
    /// The void of this event known at the page's moment, if any.
    voided: Option<VoidedBy>,
    /// Where its "Void" action leads (the void form, this event chosen),
    /// if the viewer may void it now.
    void_href: Option<String>,
}

/// The void of an event, as the timeline marks it.
struct VoidedBy {
    /// The void's position (its row's anchor).
    position: u64,
    reason: String,
}

/// The voids of `history` known at the page's moment: the voided
/// position → its void.
fn known_voids(when: &When, history: &[LogEntry]) -> HashMap<u64, VoidedBy> {
    history
        .iter()
        .filter(|e| e.event_type == "EventVoided" && when.knows(e.recorded_at))
        .filter_map(|e| {
            let voided = e.data["voided_position"].as_u64()?;
            let reason = e.data["reason"].as_str().unwrap_or_default().to_owned();
            let position = e.position;
            Some((voided, VoidedBy { position, reason }))
        })
        .collect()
}

/// The facts of `history` that can be voided now (options of the void
/// form): neither voids nor voided already, newest first.
fn voidable(ui: &Ui, history: &[LogEntry]) -> Vec<(String, String)> {
    let voided: Vec<u64> = history
        .iter()
        .filter(|e| e.event_type == "EventVoided")
        .filter_map(|e| e.data["voided_position"].as_u64())
        .collect();
    history
        .iter()
        .rev()
        .filter(|e| e.event_type != "EventVoided" && !voided.contains(&e.position))
        .map(|e| {
            let on = e.effective_on.map(|d| ui.date(d)).unwrap_or_default();
            let label = format!("#{} · {} · {on}", e.position, ui.event_name(&e.event_type));
            (e.id.clone(), label)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    ui: Ui,
    tt: TimeTravel,
    when: When,
    view: Option<AgreementView>,
    /// The titles of the agreements it supersedes and is superseded by.
    related: Names,
    names: Names,
    members: Vec<Member>,
    exchanges: Vec<ExchangeRow>,
    exchange_pager: Pager,
    timeline: Vec<TimelineRow>,
    timeline_pager: Pager,
    diff_href: String,
    /// The forms of the commands the viewer may issue here.
    forms: Vec<FormView>,
    /// The confirmation of the command just recorded (its catalogue key).
    done: Option<&'static str>,
    /// The receipt of the view, for its printout (ADR 0027).
    receipt: Option<ReceiptBox>,
    live: Option<Live>,
}

impl AgreementPage {
    /// Where the console serves an attached file of the agreement.
    fn file_href(&self, file: &accord_projections::AttachmentView) -> String {
        let id = self.view.as_ref().map(|v| v.agreement_id.to_string());
        format!(
            "/agreements/{}/files/{}",
            id.unwrap_or_default(),
            file.attachment
        )
    }

    /// A file's size for people: bytes, KiB or MiB.
    fn size(&self, bytes: &u64) -> String {
        let bytes = *bytes;
        match bytes {
            0..1024 => format!("{bytes} B"),
            1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
            _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
        }
    }
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn one(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let shown = Shown::read(&console, id, &ui).await?;
    shown.page(&console, &viewer, ui, None).await
}

/// `POST /agreements/{id}`: a form of the page, issued as its `command`
/// field names; a form with a file comes as `multipart/form-data`, its
/// file stored first ([`crate::upload`]).
#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn act(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
    request: Request,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (values, file) = match multipart {
        true => {
            let form = Multipart::from_request(request, &console)
                .await
                .map_err(|_| PageError::Invalid("form".into()))?;
            crate::upload::read(form, &viewer, &console, |name| {
                name == "file" || name == "attachment"
            })
            .await?
        }
        false => {
            let CsrfForm(values) =
                CsrfForm::<Vec<(String, String)>>::from_request(request, &console).await?;
            (Values(values), crate::upload::File::None)
        }
    };
    let shown = Shown::read(&console, id, &ui).await?;
    if shown.when.as_of.is_some() {
        return Err(PageError::Invalid("as_of".into()));
    }
    let mut values = values;
    let view = shown.view.as_ref().ok_or(PageError::NotFound)?;
    let command = values.get(forms::COMMAND_FIELD).unwrap_or_default();
    let voidable = voidable(&ui, &shown.history);
    let spec = forms::agreement_specs(
        &ui,
        &viewer,
        view,
        &shown.exchanges,
        &shown.parties,
        voidable,
    )
    .into_iter()
    .find(|s| s.command == command)
    .ok_or_else(|| PageError::Invalid(forms::COMMAND_FIELD.into()))?;
    if !forms::permitted(&viewer, spec.command, Some(view)) {
        console.app.access.forbidden();
        tracing::warn!(target: "accord::access", token_id = %viewer.token_id, command, "console form forbidden");
        return Err(PageError::Forbidden);
    }
    // The file first: a refused one is answered at its field, nothing recorded.
    let stored = match file {
        crate::upload::File::Refused(key, status) => {
            let field = spec.file_field();
            let pending = forms::refused_at(&spec, values, field, key, status);
            return refused(shown, &console, &viewer, ui, pending).await;
        }
        crate::upload::File::Stored(stored) => Some(stored),
        crate::upload::File::None => None,
    };
    if let (Some(stored), Some(field)) = (&stored, spec.file_field()) {
        values
            .0
            .retain(|(name, _)| name != field && name != "filename");
        values.0.push((field.to_owned(), stored.sha256.clone()));
        values
            .0
            .push(("filename".to_owned(), stored.filename.clone()));
    }
    let dated_on = values.get("occurred_on").unwrap_or_default().to_owned();
    let record = match forms::submit(&console, &viewer, &spec, values).await? {
        Answer::Recorded(record) => record,
        Answer::Refused(pending) => return refused(shown, &console, &viewer, ui, pending).await,
    };
    // An exchange recorded with a file: the file attached to it, by a
    // command whose id derives from the exchange form's (idempotent too).
    if let (Some(stored), "RecordExchange") = (&stored, spec.command) {
        let exchange = recorded_exchange(&console, record.position).await?;
        let command_id = record.command_id;
        let (attach, values) =
            forms::exchange_file_spec(id, &exchange, stored, &dated_on, command_id);
        if let Answer::Refused(mut pending) =
            forms::submit(&console, &viewer, &attach, values).await?
        {
            // Shown on the exchange's form, at its file.
            pending.command = spec.command.to_owned();
            pending.problem.field = spec.file_field().map(str::to_owned);
            return refused(shown, &console, &viewer, ui, pending).await;
        }
    }
    let back = ui.link_with(&format!("/agreements/{id}"), &[("done", spec.command)]);
    Ok(Redirect::to(&format!("{back}#main")).into_response())
}

/// The page again with the refused form as typed, with its status.
async fn refused(
    shown: Shown,
    console: &Console,
    viewer: &Viewer,
    ui: Ui,
    pending: forms::Pending,
) -> Result<Response, PageError> {
    let status = pending.status;
    let mut response = shown.page(console, viewer, ui, Some(&pending)).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// The id of the exchange the event at `position` recorded.
async fn recorded_exchange(console: &Console, position: u64) -> Result<String, PageError> {
    let log = console.app.engine.log().clone();
    let event = tokio::task::spawn_blocking(move || log.event(position))
        .await
        .map_err(|error| {
            tracing::error!(%error, "reading a recorded exchange");
            PageError::Internal
        })?
        .map_err(|error| {
            tracing::error!(%error, "reading a recorded exchange");
            PageError::Internal
        })?;
    event
        .and_then(|e| e.envelope.data["exchange_id"].as_str().map(str::to_owned))
        .ok_or(PageError::Internal)
}

/// `GET /agreements/{id}/files/{sha256}`: a file attached to the
/// agreement, with its media type, as a download (`?download=1`) or shown
/// by the browser when it can show it (PDF, images, text). The answer is
/// sandboxed: the browser runs nothing in it.
#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn file(
    State(console): State<Console>,
    _viewer: Viewer,
    ui: Ui,
    Path((raw, sha256)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let engine = &console.app.engine;
    let attached = {
        let models = engine.read();
        let far = accord_domain::BusinessDate::parse("9999-12-31").expect("a valid date");
        models
            .agreement(id, far)
            .and_then(|v| v.attachments.into_iter().find(|a| a.attachment == sha256))
    };
    let attached = attached.ok_or(PageError::NotFound)?;
    let files = console.app.attachments.clone().ok_or(PageError::NotFound)?;
    let name = sha256.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let (found, mut reader) = match files.open_attachment(&name)? {
            Some(opened) => opened,
            None => return Ok(None),
        };
        let mut bytes = Vec::with_capacity(found.size as usize);
        std::io::Read::read_to_end(&mut reader, &mut bytes)?;
        Ok::<_, accord_store::StoreError>(Some((found, bytes)))
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "reading an attached file");
        PageError::Internal
    })?
    .map_err(|error| {
        tracing::error!(%error, "reading an attached file");
        PageError::Internal
    })?;
    let (found, bytes) = opened.ok_or(PageError::NotFound)?;
    let shown_inline = matches!(
        found.media_type.as_str(),
        "application/pdf" | "image/png" | "image/jpeg" | "text/plain"
    ) && ui.param("download").is_none();
    let filename = attached
        .filename
        .clone()
        .unwrap_or_else(|| format!("{}.bin", &sha256[..12]));
    let disposition = content_disposition(shown_inline, &filename);
    let media_type = match found.media_type.as_str() {
        "text/plain" => "text/plain; charset=utf-8".to_owned(),
        other => other.to_owned(),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static(""));
    headers.insert(header::CONTENT_TYPE, value(&media_type));
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    headers.insert(header::ETAG, value(&format!("\"{sha256}\"")));
    Ok(response)
}

/// `inline` or `attachment`, with the name as plain ASCII (anything else
/// replaced by `_`) and in full as RFC 5987 UTF-8: no quote, no line
/// break, no path can come through.
fn content_disposition(inline: bool, filename: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let plain: String = filename
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | ' ' => c,
            _ => '_',
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{kind}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// What the page shows, read at its moment.
struct Shown {
    when: When,
    history: Vec<LogEntry>,
    view: Option<AgreementView>,
    /// Every exchange of the agreement at the date.
    exchanges: Vec<ExchangeView>,
    /// Every registered party, with its names in force on the date.
    parties: Vec<accord_projections::PartyView>,
    related: Vec<(String, String)>,
    /// The read models' position the page was read at (its receipt's).
    position: u64,
    /// Its live stream, from the log's head before the read.
    live: Option<Live>,
}

impl Shown {
    /// The agreement at the page's moment; 404 if the log never had it.
    async fn read(
        console: &Console,
        id: accord_domain::AgreementId,
        ui: &Ui,
    ) -> Result<Self, PageError> {
        let when = When::from_ui(ui)?;
        let live = Live::for_page(ui, console, Some(id));
        let engine = &console.app.engine;
        let history = log::agreement_history(engine, id).await?;
        if history.is_empty() {
            return Err(PageError::NotFound);
        }
        let (view, exchanges, parties, related, position) = when
            .moment()
            .with_models(engine, move |m, at| {
                let view = m.agreement(id, at);
                let exchanges = m.exchanges(id, at, &ExchangeQuery::default());
                let linked = view
                    .iter()
                    .flat_map(|v| v.supersedes.into_iter().chain(v.superseded_by));
                let related: Vec<(String, String)> = linked
                    .filter_map(|other| m.agreement(other, at))
                    .map(|v| (v.agreement_id.to_string(), v.title))
                    .collect();
                let position = m.position();
                (
                    view,
                    exchanges.unwrap_or_default(),
                    m.parties_at(at),
                    related,
                    position,
                )
            })
            .await?;
        Ok(Self {
            when,
            history,
            view,
            exchanges,
            parties,
            related,
            position,
            live,
        })
    }

    /// The page, with the forms `viewer` may use (`pending` the one sent back).
    async fn page(
        self,
        console: &Console,
        viewer: &Viewer,
        ui: Ui,
        pending: Option<&Pending>,
    ) -> Result<Response, PageError> {
        let Shown {
            when,
            history,
            view,
            exchanges,
            parties,
            related,
            position,
            live,
        } = self;
        let (forms, done) = match &view {
            Some(v) if when.as_of.is_none() => {
                let voidable = voidable(&ui, &history);
                let specs = forms::agreement_specs(&ui, viewer, v, &exchanges, &parties, voidable);
                let path = format!("/agreements/{}", v.agreement_id);
                let mut shown: Vec<FormView> = specs
                    .iter()
                    .filter(|s| forms::permitted(viewer, s.command, Some(v)))
                    .map(|s| s.view(&ui, &path, pending))
                    .collect();
                // A "Void" link of the timeline opens the void form.
                for form in &mut shown {
                    form.open |= form.command == "VoidEvent" && ui.param("void").is_some();
                }
                (shown, forms::done_key(&ui))
            }
            _ => (Vec::new(), None),
        };
        let exchange_pager = Pager::new(&ui, "xpage", exchanges.len(), EXCHANGES_PER_PAGE, 1);
        let exchanges = exchange_pager
            .slice(&exchanges)
            .iter()
            .map(|x| ExchangeRow {
                retracted: x.status == ExchangeStatus::Retracted,
                view: x.clone(),
            })
            .collect();
        let can_void = forms.iter().any(|f: &FormView| f.command == "VoidEvent");
        let (timeline, timeline_pager) = timeline(&ui, &when, &history, can_void);
        let found = view.is_some();
        let receipt = match &view {
            Some(v) => Pin::at(&console.app.engine, position)
                .await?
                .and_then(|pin| {
                    let path = format!("/agreements/{}", v.agreement_id);
                    receipt::sign(console, &ui, &path, when.at, &pin)
                }),
            None => None,
        };
        let page = AgreementPage {
            tt: TimeTravel::new(&ui, &when, &history).steps(&ui, &when, &history),
            members: view.as_ref().map(members).unwrap_or_default(),
            diff_href: diff_href(view.as_ref(), &when),
            names: Names::new(parties),
            related: Names::titles(related),
            exchanges,
            exchange_pager,
            timeline,
            timeline_pager,
            view,
            when,
            forms,
            done,
            receipt,
            live,
            ui,
        };
        let response = render(&page);
        Ok(if found {
            response
        } else {
            (StatusCode::NOT_FOUND, response).into_response()
        })
    }
}

/// Every membership begun by the date, as the read model has them
/// (members over time), each with its responsibilities.
fn members(view: &AgreementView) -> Vec<Member> {
    view.members
        .iter()
        .map(|m| Member {
            party_id: m.party_id.to_string(),
            since: m.since,
            until: m.until,
            via: m.via.as_ref().map(ToString::to_string),
            responsibilities: view.responsibilities.get(&m.party_id).cloned(),
        })
        .collect()
}

/// The page of the timeline asked for, by default the one holding the
/// event the view is right after.
fn timeline(
    ui: &Ui,
    when: &When,
    history: &[LogEntry],
    can_void: bool,
) -> (Vec<TimelineRow>, Pager) {
    let mut voids = known_voids(when, history);
    let voidable: Vec<String> = match can_void {
        true => voidable(ui, history)
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        false => Vec::new(),
    };
    let known = history.iter().filter(|e| when.knows(e.recorded_at)).count();
    let current_page = known.max(1).div_ceil(EVENTS_PER_PAGE);
    let pager = Pager::new(ui, "tpage", history.len(), EVENTS_PER_PAGE, current_page);
    let rows = pager
        .range()
        .map(|i| {
            let entry = history[i].clone();
            let (class, note) = if !when.knows(entry.recorded_at) {
                ("unknown", Some("timeline-not-known"))
            } else if entry.after(when.at) {
                ("later", Some("timeline-not-in-effect"))
            } else {
                ("", None)
            };
            let current = i + 1 == known;
            let href = format!(
                "{}#event-{}",
                ui.url(&[("as_of", &entry.instant()), ("tpage", "")]),
                entry.position
            );
            let voided = voids.remove(&entry.position);
            let void_href = voidable.contains(&entry.id).then(|| {
                format!(
                    "{}#VoidEvent",
                    ui.url(&[("void", &entry.id), ("done", ""), ("tpage", "")])
                )
            });
            let class = match (current, &voided) {
                (true, _) => "current",
                (false, Some(_)) => "voided",
                (false, None) => class,
            };
            TimelineRow {
                class,
                current,
                note,
                href,
                voided,
                void_href,
                entry,
            }
        })
        .collect();
    (rows, pager)
}

/// The comparison from the signing date to the view's date.
fn diff_href(view: Option<&AgreementView>, when: &When) -> String {
    view.map(|v| {
        let (from, to) = (v.signed_on.to_string(), when.at.to_string());
        let path = format!("/agreements/{}/diff", v.agreement_id);
        crate::ui::url_with(&path, &[], &[("from", &from), ("to", &to)])
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn a_file_name_cannot_break_out_of_its_content_disposition() {
        assert_eq!(
            content_disposition(false, "biên bản \"họp\".pdf\r\nX: y"),
            "attachment; filename=\"bi_n b_n _h_p_.pdf__X_ y\"; \
             filename*=UTF-8''bi%C3%AAn%20b%E1%BA%A3n%20%22h%E1%BB%8Dp%22.pdf%0D%0AX%3A%20y"
        );
        assert!(content_disposition(true, "../../etc/passwd")
            .starts_with("inline; filename=\".._.._etc_passwd\""));
    }
}
