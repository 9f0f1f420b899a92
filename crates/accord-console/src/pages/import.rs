//! `/agreements/{id}/import`: recording many exchanges of an agreement
//! from a spreadsheet (ADR 0028), for a writer of one of its parties and
//! administrators.
//!
//! - `GET …/import`: the upload form, the columns, the template link.
//! - `POST …/import` (multipart, with the form token): reads the file
//!   ([`crate::import::read`]), keeps it on the server ([`Uploads`]) and
//!   redirects to its preview; a file refused whole is said at the field.
//! - `GET …/import/{upload}`: the preview — every row judged in order by
//!   [`accord_engine::Engine::check`] (the writer's own rules, on a copy of
//!   its state, each accepted row applied before the next), nothing
//!   appended.
//! - `POST …/import/{upload}`: the commit — the rows judged again, each
//!   accepted one submitted as its own command with its deterministic id;
//!   the result lists what was recorded (positions) and what already was.
//! - `GET …/import/template.csv`: the template.
//!
//! The rows never travel back through the browser: the commit reads what
//! the server kept, so a page cannot be altered to record something other
//! than what the preview showed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_domain::{AgreementId, Command, RecordExchange, Refusal};
use accord_engine::{Checked, EngineError, Outcome, Role, Submission};
use accord_projections::AgreementView;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use uuid::Uuid;

use super::{agreement_id, Names};
use crate::context::render;
use crate::csrf::{tokens_match, CsrfForm};
use crate::import::{self, FileError, Malformed, Row, Table, COLUMNS};
use crate::session::random_token;
use crate::{Console, PageError, Ui, Viewer};

/// Uploads kept at most, all people together; past it the oldest goes.
const MAX_UPLOADS: usize = 16;

/// How long an upload is kept for its preview and commit.
const UPLOAD_LIFETIME: Duration = Duration::from_secs(30 * 60);

pub(crate) fn router() -> Router<Console> {
    // The form's other fields and the multipart framing, beyond the file.
    let body_limit = import::MAX_BYTES + 64 * 1024;
    Router::new()
        .route(
            "/agreements/{id}/import",
            get(form)
                .post(upload)
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/agreements/{id}/import/template.csv", get(template))
        .route(
            "/agreements/{id}/import/{upload}",
            get(preview).post(commit),
        )
}

/// Files read and kept on the server between their preview and their
/// commit: at most [`MAX_UPLOADS`], each for [`UPLOAD_LIFETIME`], each
/// bound to the token that uploaded it and to its agreement. A person's
/// new upload for an agreement replaces their previous one. Each holds at
/// most the text of one file ([`import::MAX_BYTES`], 4 MiB once a
/// workbook is unpacked), so all of them together stay under 64 MiB.
#[derive(Default)]
pub struct Uploads(Mutex<Vec<Upload>>);

struct Upload {
    key: String,
    token_id: String,
    agreement: AgreementId,
    name: String,
    table: Arc<Table>,
    kept: Instant,
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Upload>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `table`; returns the key of its preview.
    fn keep(&self, viewer: &Viewer, agreement: AgreementId, name: String, table: Table) -> String {
        let key = random_token();
        let now = Instant::now();
        let mut kept = self.lock();
        kept.retain(|u| {
            now.duration_since(u.kept) < UPLOAD_LIFETIME
                && !(u.token_id == viewer.token_id && u.agreement == agreement)
        });
        if kept.len() >= MAX_UPLOADS {
            kept.remove(0);
        }
        kept.push(Upload {
            key: key.clone(),
            token_id: viewer.token_id.clone(),
            agreement,
            name,
            table: Arc::new(table),
            kept: now,
        });
        key
    }

    /// The upload `key` of `viewer` for `agreement`, if still kept.
    fn get(
        &self,
        key: &str,
        viewer: &Viewer,
        agreement: AgreementId,
    ) -> Option<(String, Arc<Table>)> {
        let now = Instant::now();
        let kept = self.lock();
        kept.iter()
            .find(|u| {
                tokens_match(&u.key, key)
                    && u.token_id == viewer.token_id
                    && u.agreement == agreement
                    && now.duration_since(u.kept) < UPLOAD_LIFETIME
            })
            .map(|u| (u.name.clone(), u.table.clone()))
    }
}

/// Whether `viewer` may record exchanges of the agreement `view`: an
/// administrator, or a writer of one of its parties. The engine judges
/// every command anyway.
fn may_import(viewer: &Viewer, view: &AgreementView) -> bool {
    match viewer.role {
        Role::Admin => true,
        Role::Writer => viewer
            .party_id
            .as_deref()
            .is_some_and(|party| view.parties.iter().any(|p| p.as_str() == party)),
        _ => false,
    }
}

impl Ui {
    /// The import page of the agreement `view`, if the person signed in
    /// may use it (for the agreement page's link).
    pub(crate) fn import_href(&self, view: &AgreementView) -> Option<String> {
        let viewer = self.viewer.as_ref()?;
        may_import(viewer, view).then(|| format!("/agreements/{}/import", view.agreement_id))
    }
}

/// The agreement as it stands today, if `viewer` may import into it.
async fn agreement(
    console: &Console,
    viewer: &Viewer,
    id: AgreementId,
) -> Result<(AgreementView, Names), PageError> {
    let now = accord_api::moment::Moment {
        at: accord_api::moment::today(),
        as_of: None,
    };
    let (view, parties) = now
        .with_models(&console.app.engine, move |m, at| {
            (m.agreement(id, at), m.parties_at(at))
        })
        .await?;
    let view = view.ok_or(PageError::NotFound)?;
    if !may_import(viewer, &view) {
        return Err(PageError::Forbidden);
    }
    Ok((view, Names::new(parties)))
}

/// A column of the file, for the page's guide.
struct ColumnGuide {
    name: &'static str,
    label: String,
    help: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ui: Ui,
    view: AgreementView,
    names: Names,
    columns: Vec<ColumnGuide>,
    template_href: String,
    /// Why the file was refused, at the file field.
    error: Option<String>,
}

impl ImportPage {
    fn new(ui: Ui, view: AgreementView, names: Names, error: Option<String>) -> Self {
        let required = |name: &str| !matches!(name, "exchange_id" | "outcome");
        Self {
            template_href: format!("/agreements/{}/import/template.csv", view.agreement_id),
            columns: COLUMNS
                .iter()
                .map(|name| ColumnGuide {
                    name,
                    label: column_name(&ui, name),
                    help: ui.t(&format!("import-col-{name}-help")).to_owned(),
                    required: required(name),
                })
                .collect(),
            ui,
            view,
            names,
            error,
        }
    }
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn form(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let (view, names) = agreement(&console, &viewer, id).await?;
    Ok(render(&ImportPage::new(ui, view, names, None)))
}

/// What the upload form sent: the file's name and bytes, or why not.
enum Sent {
    File(String, Vec<u8>),
    Refused(FileError),
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn upload(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let (view, names) = agreement(&console, &viewer, id).await?;
    let multipart = multipart.map_err(|_| PageError::Invalid("file".into()))?;
    let read = match receive(multipart, &viewer).await? {
        Sent::File(name, bytes) => import::read(&bytes).map(|table| (name, table)),
        Sent::Refused(error) => Err(error),
    };
    match read {
        Ok((name, table)) => {
            let key = console.imports.keep(&viewer, id, name, table);
            let to = format!("/agreements/{id}/import/{key}");
            Ok(Redirect::to(&ui.link_with(&to, &[])).into_response())
        }
        Err(error) => {
            let status = match error.key {
                "import-file-too-large" => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = error.message(ui.lang);
            let page = ImportPage::new(ui, view, names, Some(message));
            Ok((status, render(&page)).into_response())
        }
    }
}

/// Reads the form: its `csrf` field must come first and match the
/// session's (else 403, the file unread); then the `file`, at most
/// [`import::MAX_BYTES`].
async fn receive(mut multipart: Multipart, viewer: &Viewer) -> Result<Sent, PageError> {
    let refused = |key| Sent::Refused(FileError::new(key));
    let failed = |e: MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Ok(Sent::Refused(import::too_large())),
        _ => Err(PageError::Invalid("file".into())),
    };
    let mut trusted = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return failed(e),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if !trusted {
            let given = match name == crate::csrf::FIELD {
                true => field.text().await.unwrap_or_default(),
                false => String::new(),
            };
            trusted = tokens_match(&given, &viewer.csrf);
            if !trusted {
                tracing::warn!(target: "accord::access", "import without a valid csrf token refused");
                return Err(PageError::CrossSite);
            }
            continue;
        }
        if name != "file" {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > import::MAX_BYTES => {
                    return Ok(Sent::Refused(import::too_large()));
                }
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return failed(e),
            }
        }
        if bytes.is_empty() {
            return Ok(refused("import-file-none"));
        }
        return Ok(Sent::File(file_name, bytes));
    }
    match trusted {
        true => Ok(refused("import-file-none")),
        false => Err(PageError::CrossSite),
    }
}

/// The template of the agreement: its parties and first area in the
/// example row.
#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn template(
    State(console): State<Console>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let (view, _) = agreement(&console, &viewer, id).await?;
    let parties: Vec<String> = view.parties.iter().take(2).map(|p| p.to_string()).collect();
    let area = view
        .areas
        .first()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let on = view.term.start.max(view.signed_on);
    let body = import::template(on, &area, &parties);
    let disposition = "attachment; filename=\"accord-exchanges.csv\"";
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// What became, or would become, of a row.
enum Verdict {
    /// Well formed, and the rules accept it: it would be recorded.
    Accepted,
    /// Recorded by this commit, at this position.
    Recorded(u64),
    /// Recorded before (the same row uploaded earlier), at this position.
    Already(u64),
    /// Refused by a rule.
    Refused(Refusal),
    /// Not judged by the rules: a cell is malformed.
    Malformed(Malformed),
    /// Refused otherwise (rights, a reused id, a busy service): the
    /// catalogue key of why.
    Failed(&'static str),
}

/// A row with its command, if well formed, and what became of it.
struct Judged {
    row: Row,
    submission: Option<Submission>,
    verdict: Verdict,
}

/// The submission of a row's command, with its deterministic id.
fn submission(viewer: &Viewer, command: RecordExchange, id: Uuid) -> Result<Submission, PageError> {
    let request_hash = accord_api::request_hash(&import::request(&command, id))?;
    Ok(Submission {
        command: Command::RecordExchange(command),
        command_id: Some(id),
        expected_version: None,
        correlation_id: Some(import::CORRELATION_ID.to_owned()),
        actor: viewer.actor(),
        request_hash,
    })
}

/// Every row of `table`, judged in order by the engine's dry run.
async fn judge(
    console: &Console,
    viewer: &Viewer,
    id: AgreementId,
    table: &Table,
) -> Result<Vec<Judged>, PageError> {
    let rows = table.rows(id);
    let ids = import::command_ids(id, rows.iter().filter_map(|r| r.parsed.as_ref().ok()));
    let mut ids = ids.into_iter();
    let mut judged = Vec::with_capacity(rows.len());
    let mut submissions = Vec::new();
    for row in rows {
        let (submission, verdict) = match &row.parsed {
            Ok(command) => {
                let id = ids.next().unwrap_or_else(Uuid::now_v7);
                let s = submission(viewer, command.clone(), id)?;
                submissions.push(s.clone());
                (Some(s), Verdict::Accepted)
            }
            Err(bad) => (None, Verdict::Malformed(bad.clone())),
        };
        judged.push(Judged {
            row,
            submission,
            verdict,
        });
    }
    let checked = console
        .app
        .engine
        .check(submissions)
        .await
        .map_err(unavailable)?;
    let mut checked = checked.into_iter();
    for j in judged.iter_mut().filter(|j| j.submission.is_some()) {
        j.verdict = match checked.next() {
            Some(Ok(Checked::New | Checked::Repeats(_))) => Verdict::Accepted,
            Some(Ok(Checked::Recorded(record))) => Verdict::Already(record.position),
            Some(Err(error)) => failure(error),
            None => Verdict::Failed("import-row-busy"),
        };
    }
    Ok(judged)
}

fn unavailable(error: EngineError) -> PageError {
    match error {
        EngineError::Busy | EngineError::Stopped => PageError::Unavailable,
        other => PageError::internal(other),
    }
}

fn failure(error: EngineError) -> Verdict {
    match error {
        EngineError::Refused(refusal) => Verdict::Refused(refusal),
        EngineError::Forbidden(_) => Verdict::Failed("import-row-forbidden"),
        EngineError::CommandIdReused(_) => Verdict::Failed("import-row-reused"),
        EngineError::Busy | EngineError::Stopped => Verdict::Failed("import-row-busy"),
        other => {
            tracing::error!(cause = %other, "an imported row failed");
            Verdict::Failed("import-row-failed")
        }
    }
}

/// The column a refusal by the rule `code` concerns, among the file's:
/// the field the forms show its message at, and for a clashing exchange id
/// its column (a form has none, a file may).
fn rule_column(code: &str) -> Option<&'static str> {
    if code == "exchange_already_exists" {
        return Some("exchange_id");
    }
    crate::forms::rule_fields(code)
        .iter()
        .copied()
        .find(|field| COLUMNS.contains(field))
}

/// A cell of the preview's table.
struct CellView {
    text: String,
    /// For the parties' cell: the names of the parties it lists by id (an
    /// unknown id stays as it is), when it lists a registered one.
    names: Option<String>,
    /// Its column, for its class.
    column: &'static str,
    /// Whether the row's problem is in this cell.
    bad: bool,
}

/// A row of the preview's or the result's table.
struct RowView {
    line: usize,
    cells: Vec<CellView>,
    /// `accepted`, `recorded`, `already`, `refused`, `malformed`, `failed`.
    class: &'static str,
    /// What became of it, in words.
    status: String,
    /// Why, or where it was recorded.
    detail: Option<String>,
    /// The rule's code, for a refusal.
    code: Option<&'static str>,
}

/// How many rows ended each way.
#[derive(Default)]
struct Counts {
    accepted: usize,
    recorded: usize,
    already: usize,
    refused: usize,
    malformed: usize,
    failed: usize,
}

/// The names of the parties `cell` lists (as the import reads them:
/// separated by `;` or `,`), if it lists a registered one.
fn party_names(names: &Names, cell: &str) -> Option<String> {
    let ids: Vec<&str> = cell
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    ids.iter().any(|id| names.knows(id)).then(|| {
        let shown: Vec<&str> = ids.iter().map(|id| names.short(id)).collect();
        shown.join("; ")
    })
}

fn views(ui: &Ui, names: &Names, judged: &[Judged]) -> (Vec<RowView>, Counts) {
    let mut counts = Counts::default();
    let rows = judged
        .iter()
        .map(|j| {
            let mut bad_column = None;
            let (class, detail, code) = match &j.verdict {
                Verdict::Accepted => {
                    counts.accepted += 1;
                    ("accepted", None, None)
                }
                Verdict::Recorded(position) => {
                    counts.recorded += 1;
                    let at = ui.t_with("import-at-position", "position", position);
                    ("recorded", Some(at), None)
                }
                Verdict::Already(position) => {
                    counts.already += 1;
                    let at = ui.t_with("import-at-position", "position", position);
                    ("already", Some(at), None)
                }
                Verdict::Refused(refusal) => {
                    counts.refused += 1;
                    let code = refusal.rule.code();
                    bad_column = rule_column(code);
                    let mut text = refusal_message(ui, refusal);
                    if let Some(column) = bad_column {
                        text = ui.t_with2(
                            "import-refused-in",
                            "message",
                            text,
                            "column",
                            column_name(ui, column),
                        );
                    }
                    ("refused", Some(text), Some(code))
                }
                Verdict::Malformed(bad) => {
                    counts.malformed += 1;
                    bad_column = Some(bad.column);
                    let text = ui.t_with2(
                        "import-malformed-at",
                        "cell",
                        &bad.cell,
                        "why",
                        ui.t(bad.reason),
                    );
                    ("malformed", Some(text), None)
                }
                Verdict::Failed(key) => {
                    counts.failed += 1;
                    ("failed", Some(ui.t(key).to_owned()), None)
                }
            };
            let cells = j
                .row
                .cells
                .iter()
                .zip(COLUMNS)
                .map(|(text, column)| CellView {
                    names: (column == "parties")
                        .then(|| party_names(names, text))
                        .flatten(),
                    text: text.clone(),
                    column,
                    bad: bad_column == Some(column),
                })
                .collect();
            RowView {
                line: j.row.line,
                cells,
                class,
                status: ui.t(&format!("import-status-{class}")).to_owned(),
                detail,
                code,
            }
        })
        .collect();
    (rows, counts)
}

/// A rule's message in the page's language (the forms' catalogue).
fn refusal_message(ui: &Ui, refusal: &Refusal) -> String {
    ui.t(&format!("refusal-{}", refusal.rule.code())).to_owned()
}

/// A column's name in the page's language.
fn column_name(ui: &Ui, column: &str) -> String {
    ui.t(&format!("import-col-{column}")).to_owned()
}

/// The column headers of the tables, in the page's language.
fn headers(ui: &Ui) -> Vec<String> {
    COLUMNS.iter().map(|c| column_name(ui, c)).collect()
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    ui: Ui,
    view: AgreementView,
    file_name: String,
    headers: Vec<String>,
    rows: Vec<RowView>,
    counts: Counts,
    /// Where the commit form posts.
    action: String,
    import_href: String,
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ResultPage {
    ui: Ui,
    view: AgreementView,
    file_name: String,
    headers: Vec<String>,
    rows: Vec<RowView>,
    counts: Counts,
    import_href: String,
}

/// The upload the path names, or the upload form saying it is gone.
async fn kept(
    console: &Console,
    viewer: &Viewer,
    ui: &Ui,
    raw: &str,
    key: &str,
) -> Result<Result<(AgreementId, AgreementView, Names, String, Arc<Table>), Response>, PageError> {
    let id = agreement_id(raw)?;
    let (view, names) = agreement(console, viewer, id).await?;
    match console.imports.get(key, viewer, id) {
        Some((name, table)) => Ok(Ok((id, view, names, name, table))),
        None => {
            let gone = Some(ui.t("import-gone").to_owned());
            let page = ImportPage::new(ui.clone(), view, names, gone);
            Ok(Err((StatusCode::NOT_FOUND, render(&page)).into_response()))
        }
    }
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn preview(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path((raw, key)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (id, view, names, file_name, table) = match kept(&console, &viewer, &ui, &raw, &key).await?
    {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let judged = judge(&console, &viewer, id, &table).await?;
    let (rows, counts) = views(&ui, &names, &judged);
    let page = PreviewPage {
        headers: headers(&ui),
        action: format!("/agreements/{id}/import/{key}"),
        import_href: format!("/agreements/{id}/import"),
        ui,
        view,
        file_name,
        rows,
        counts,
    };
    Ok(render(&page))
}

/// The commit form carries nothing but its token.
#[derive(serde::Deserialize)]
struct CommitForm {}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn commit(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path((raw, key)): Path<(String, String)>,
    CsrfForm(CommitForm {}): CsrfForm<CommitForm>,
) -> Result<Response, PageError> {
    let (id, view, names, file_name, table) = match kept(&console, &viewer, &ui, &raw, &key).await?
    {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let mut judged = judge(&console, &viewer, id, &table).await?;
    // The rows the dry run accepts, or knows as recorded, are submitted
    // together, so the writer takes them in few batches. Their order does
    // not matter: exchanges of one agreement that the rules accept in
    // sequence are accepted in any order (only their ids could clash, and
    // the dry run refused a second use of one).
    let engine = &console.app.engine;
    let pending: Vec<_> = judged
        .iter()
        .enumerate()
        .filter(|(_, j)| matches!(j.verdict, Verdict::Accepted | Verdict::Already(_)))
        .filter_map(|(i, j)| j.submission.clone().map(|s| (i, s)))
        .collect();
    let answers =
        futures::future::join_all(pending.iter().map(|(_, s)| engine.submit(s.clone()))).await;
    let actor = viewer.actor();
    for ((i, _), answer) in pending.into_iter().zip(answers) {
        judged[i].verdict = match answer {
            Ok(Outcome::Created(record)) => Verdict::Recorded(record.position),
            Ok(Outcome::Replayed(record)) => Verdict::Already(record.position),
            Err(error) => {
                let error = audit(&console, &actor, error);
                failure(error)
            }
        };
    }
    let (rows, counts) = views(&ui, &names, &judged);
    tracing::info!(
        target: "accord::access",
        token_id = %viewer.token_id,
        recorded = counts.recorded,
        already = counts.already,
        refused = counts.refused + counts.failed,
        malformed = counts.malformed,
        "spreadsheet import committed"
    );
    let page = ResultPage {
        headers: headers(&ui),
        import_href: format!("/agreements/{id}/import"),
        ui,
        view,
        file_name,
        rows,
        counts,
    };
    Ok(render(&page))
}

/// Logs and counts a refused row as `POST /v1/commands` does a refused
/// command; the error comes back for the row's verdict.
fn audit(console: &Console, actor: &accord_store::Actor, error: EngineError) -> EngineError {
    let (access, token_id) = (&console.app.access, &actor.token_id);
    match &error {
        EngineError::Forbidden(reason) => {
            access.forbidden();
            tracing::warn!(target: "accord::access", %token_id, %reason, "imported row forbidden");
        }
        EngineError::Refused(refusal) => {
            access.refused(refusal.rule.code());
            tracing::info!(target: "accord::access", %token_id, rule = refusal.rule.code(), "imported row refused");
        }
        _ => {}
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(token: &str) -> Viewer {
        Viewer {
            token_id: token.into(),
            role: Role::Admin,
            party_id: None,
            label: None,
            csrf: String::new(),
        }
    }

    fn table() -> Table {
        import::read(b"occurred_on,area,kind,parties,summary\n2014-03-10,a,meeting,p,s\n")
            .expect("a table")
    }

    fn agreement(n: u128) -> AgreementId {
        AgreementId(Uuid::from_u128(n))
    }

    #[test]
    fn uploads_are_bounded_and_bound_to_their_token_and_agreement() {
        let uploads = Uploads::default();
        let first = uploads.keep(&viewer("t0"), agreement(1), "a.csv".into(), table());
        assert!(uploads.get(&first, &viewer("t0"), agreement(1)).is_some());
        assert!(uploads.get(&first, &viewer("t1"), agreement(1)).is_none());
        assert!(uploads.get(&first, &viewer("t0"), agreement(2)).is_none());
        // A new upload of the same person for the same agreement replaces it.
        let second = uploads.keep(&viewer("t0"), agreement(1), "b.csv".into(), table());
        assert!(uploads.get(&first, &viewer("t0"), agreement(1)).is_none());
        assert_eq!(
            uploads
                .get(&second, &viewer("t0"), agreement(1))
                .map(|u| u.0),
            Some("b.csv".to_owned())
        );
        // Past the bound, the oldest go first.
        let keys: Vec<String> = (1..=MAX_UPLOADS)
            .map(|n| {
                uploads.keep(
                    &viewer(&format!("t{n}")),
                    agreement(1),
                    "c.csv".into(),
                    table(),
                )
            })
            .collect();
        assert_eq!(uploads.lock().len(), MAX_UPLOADS);
        assert!(uploads.get(&second, &viewer("t0"), agreement(1)).is_none());
        assert!(keys.iter().enumerate().all(|(n, key)| uploads
            .get(key, &viewer(&format!("t{}", n + 1)), agreement(1))
            .is_some()));
    }
}
