//! `/admin/webhooks`: the subscriptions and a form to create one (URL,
//! event types, agreement, description; the secret shown once on the page
//! it leads to); `/admin/webhooks/{id}`: one subscription, its delivery log
//! (every attempt, its state, the next retry), replay from a position,
//! secret rotation (the new secret shown once), disable and enable. All of
//! it is `accord_webhooks::Webhooks`, the service behind `/v1/webhooks`.

use std::sync::Arc;

use accord_domain::Event;
use accord_webhooks::{
    Delivery, DeliveryState, NewSubscription, Status, SubscriptionView, WebhookError, Webhooks,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use super::{admin, done, reveal, revealed, FieldErrors};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::pages::Names;
use crate::ui::SelectOption;
use crate::{Console, PageError, Ui, Viewer};

/// Deliveries a page of the log.
const DELIVERIES_PER_PAGE: usize = 50;

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{id}", get(one))
        .route("/admin/webhooks/{id}/rotate", post(rotate))
        .route("/admin/webhooks/{id}/disable", post(disable))
        .route("/admin/webhooks/{id}/enable", post(enable))
        .route("/admin/webhooks/{id}/replay", post(replay))
}

/// The webhook service, or 404 on a server without one.
fn service(console: &Console) -> Result<Arc<Webhooks>, PageError> {
    console.app.webhooks.clone().ok_or(PageError::NotFound)
}

fn webhook_id(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// A store failure is the service's; a missing subscription is a 404.
fn failed(error: WebhookError) -> PageError {
    match error {
        WebhookError::NotFound(_) | WebhookError::NoDelivery(..) => PageError::NotFound,
        other => PageError::internal(other),
    }
}

/// A subscription as the pages show it.
struct SubscriptionRow {
    view: SubscriptionView,
    href: String,
    created_at: String,
    enabled: bool,
    /// The agreement's title, when it filters on one.
    agreement: Option<String>,
}

fn subscription_row(ui: &Ui, titles: &Names, view: SubscriptionView) -> SubscriptionRow {
    SubscriptionRow {
        href: format!("/admin/webhooks/{}", view.id),
        created_at: ui.instant(view.created_at),
        enabled: view.status == Status::Enabled,
        agreement: view.agreement_id.as_deref().map(|id| titles.full(id)),
        view,
    }
}

/// An event type to tick in the form.
struct TypeChoice {
    name: &'static str,
    checked: bool,
}

/// What the creation form holds (as typed, after a refusal).
#[derive(Default)]
struct WebhookFields {
    url: String,
    description: String,
    agreement_id: String,
    event_types: Vec<String>,
}

impl WebhookFields {
    /// The fields of a posted form: `event_types` may repeat.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut fields = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "url" => fields.url = value,
                "description" => fields.description = value,
                "agreement_id" => fields.agreement_id = value,
                "event_types" => fields.event_types.push(value),
                _ => {}
            }
        }
        fields
    }
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct WebhooksPage {
    ui: Ui,
    rows: Vec<SubscriptionRow>,
    types: Vec<TypeChoice>,
    agreements: Vec<SelectOption>,
    form: WebhookFields,
    errors: FieldErrors,
}

/// Agreements the filter's select offers: the latest signed.
const AGREEMENT_CHOICES: usize = 200;

/// The latest signed agreements (at most [`AGREEMENT_CHOICES`]) with their
/// titles today, for the filter's select: a register of thousands offers
/// a page, not a list of every agreement.
fn agreement_choices(console: &Console) -> Vec<(String, String)> {
    let today = accord_api::moment::today();
    let read = console.app.engine.read();
    let mut ids = read.agreement_ids(today, &accord_projections::AgreementFilter::default());
    ids.reverse();
    ids.truncate(AGREEMENT_CHOICES);
    ids.into_iter()
        .filter_map(|id| read.agreement(id, today))
        .map(|v| (v.agreement_id.to_string(), v.title))
        .collect()
}

/// The titles today of the agreements `ids` names (those known).
fn titles<'a>(console: &Console, ids: impl Iterator<Item = &'a str>) -> Names {
    let today = accord_api::moment::today();
    let read = console.app.engine.read();
    Names::titles(
        ids.filter_map(|id| id.parse().ok())
            .filter_map(|id| read.agreement(id, today))
            .map(|v| (v.agreement_id.to_string(), v.title))
            .collect(),
    )
}

async fn list_page(
    console: &Console,
    ui: Ui,
    form: WebhookFields,
    errors: FieldErrors,
) -> Result<WebhooksPage, PageError> {
    let subscriptions = service(console)?.list().await.map_err(failed)?;
    let known = agreement_choices(console);
    let chosen = Some(form.agreement_id.as_str());
    let mut options = vec![SelectOption::new(
        "",
        ui.t("webhooks-any-agreement"),
        chosen,
    )];
    options.extend(
        known
            .iter()
            .map(|(id, title)| SelectOption::new(id.clone(), title.clone(), chosen)),
    );
    let titles = titles(
        console,
        subscriptions
            .iter()
            .filter_map(|s| s.agreement_id.as_deref()),
    );
    Ok(WebhooksPage {
        rows: subscriptions
            .into_iter()
            .rev()
            .map(|s| subscription_row(&ui, &titles, s))
            .collect(),
        types: Event::TYPES
            .iter()
            .map(|name| TypeChoice {
                name,
                checked: form.event_types.iter().any(|t| t == name),
            })
            .collect(),
        agreements: options,
        form,
        errors,
        ui,
    })
}

async fn list(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
) -> Result<Response, PageError> {
    admin(viewer)?;
    let page = list_page(
        &console,
        ui,
        WebhookFields::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(&page))
}

/// The catalogue key of a URL refused by the SSRF guard's `rule`.
fn url_refusal(rule: &str) -> &'static str {
    match rule {
        "webhook_url_private_address" => "webhooks-error-private-address",
        "webhook_url_scheme" => "webhooks-error-scheme",
        "webhook_url_unresolvable" => "webhooks-error-unresolvable",
        _ => "webhooks-error-url",
    }
}

#[tracing::instrument(skip_all)]
async fn create(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let form = WebhookFields::from_pairs(pairs);
    // Kept as typed; a blank field is no value.
    let text = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    let mut errors = FieldErrors::default();
    if form.url.trim().is_empty() {
        errors.add("url", "webhooks-error-url");
    }
    if form
        .event_types
        .iter()
        .any(|t| !Event::TYPES.contains(&t.as_str()))
    {
        errors.add("event_types", "webhooks-error-event-types");
    }
    if !form.agreement_id.is_empty()
        && !titles(&console, std::iter::once(form.agreement_id.as_str())).knows(&form.agreement_id)
    {
        errors.add("agreement_id", "webhooks-error-agreement");
    }
    if !errors.is_empty() {
        return refused(&console, ui, form, errors).await;
    }
    let new = NewSubscription {
        url: form.url.trim().to_owned(),
        event_types: form.event_types.clone(),
        agreement_id: text(&form.agreement_id),
        description: text(&form.description),
    };
    match service(&console)?.create(new).await {
        Ok((view, secret)) => {
            tracing::info!(target: "accord::access", by = %viewer.token_id, webhook_id = %view.id, "webhook created in the console");
            reveal(&console, &headers, format!("webhook:{}", view.id), secret);
            let to = format!("/admin/webhooks/{}?done=created", view.id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(WebhookError::Refused(refusal)) => {
            errors.add("url", url_refusal(refusal.rule));
            refused(&console, ui, form, errors).await
        }
        Err(WebhookError::Invalid { field, .. }) => {
            let at = if field == "event_types" {
                "event_types"
            } else {
                "url"
            };
            errors.add(at, "webhooks-error-event-types");
            refused(&console, ui, form, errors).await
        }
        Err(other) => Err(failed(other)),
    }
}

/// The list again with the form as typed and its errors: 400.
async fn refused(
    console: &Console,
    ui: Ui,
    form: WebhookFields,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let page = list_page(console, ui, form, errors).await?;
    Ok((StatusCode::BAD_REQUEST, render(&page)).into_response())
}

/// One attempt as the log shows it.
struct AttemptRow {
    at: String,
    status_code: Option<u16>,
    error: Option<String>,
    duration_ms: u64,
    response_body: Option<String>,
    succeeded: bool,
}

/// One delivery with its attempts.
struct DeliveryRow {
    position: u64,
    event_type: String,
    state: DeliveryState,
    attempts: Vec<AttemptRow>,
    /// When the next attempt is due, for a pending delivery.
    next_attempt: Option<String>,
}

impl DeliveryRow {
    fn new(ui: &Ui, service: &Webhooks, delivery: Delivery) -> Self {
        Self {
            next_attempt: service.next_attempt(&delivery).map(|t| ui.instant(t)),
            position: delivery.position,
            event_type: delivery.event_type,
            state: delivery.state,
            attempts: delivery
                .attempts
                .into_iter()
                .map(|a| AttemptRow {
                    at: ui.instant(a.at),
                    succeeded: a.succeeded(),
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                    response_body: a.response_body,
                })
                .collect(),
        }
    }

    /// The last attempt, shown in the row; the others are in its details.
    fn last(&self) -> Option<&AttemptRow> {
        self.attempts.last()
    }

    /// Whether its attempts have more to show than the row: earlier
    /// attempts, or what the receiver answered.
    fn has_details(&self) -> bool {
        self.attempts.len() > 1
            || self
                .attempts
                .iter()
                .any(|a| a.response_body.as_deref().is_some_and(|b| !b.is_empty()))
    }

    /// The catalogue key of the delivery's state.
    fn state_key(&self) -> &'static str {
        match self.state {
            DeliveryState::Pending => "webhook-state-pending",
            DeliveryState::Succeeded => "webhook-state-succeeded",
            DeliveryState::Failed => "webhook-state-failed",
        }
    }

    /// The `state` of the delivery as JSON names it (`pending`).
    fn state_name(&self) -> &'static str {
        match self.state {
            DeliveryState::Pending => "pending",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Failed => "failed",
        }
    }
}

#[derive(Template)]
#[template(path = "admin_webhook.html")]
struct WebhookPage {
    ui: Ui,
    sub: SubscriptionRow,
    /// The secret just made (creation or rotation), shown this once.
    secret: Option<String>,
    /// A secret was made but the page was reloaded: it is gone.
    secret_gone: bool,
    notice: Option<&'static str>,
    deliveries: Vec<DeliveryRow>,
    /// The next page of the log.
    next_href: Option<String>,
    /// The first page, when this is a later one.
    first_href: Option<String>,
    replay_from: String,
    errors: FieldErrors,
}

/// Renders subscription `id`'s page.
async fn webhook_page(
    console: &Console,
    ui: Ui,
    id: Uuid,
    secret: Option<String>,
    replay_from: String,
    errors: FieldErrors,
) -> Result<WebhookPage, PageError> {
    let service = service(console)?;
    let view = service.get(id).await.map_err(failed)?;
    let after = match ui.param("after") {
        Some(raw) => raw
            .parse::<u64>()
            .map_err(|_| PageError::Invalid("after".into()))?,
        None => 0,
    };
    let found = service
        .deliveries(id, after, DELIVERIES_PER_PAGE + 1, None)
        .await
        .map_err(failed)?;
    let more = found.len() > DELIVERIES_PER_PAGE;
    let deliveries: Vec<DeliveryRow> = found
        .into_iter()
        .take(DELIVERIES_PER_PAGE)
        .map(|d| DeliveryRow::new(&ui, &service, d))
        .collect();
    let next_href = more
        .then(|| {
            deliveries
                .last()
                .map(|d| ui.url(&[("after", &d.position.to_string()), ("done", "")]))
        })
        .flatten();
    let first_href = (after > 0).then(|| ui.url(&[("after", ""), ("done", "")]));
    let titles = titles(console, view.agreement_id.as_deref().into_iter());
    let notice = done(
        &ui,
        &[
            ("created", "webhooks-created"),
            ("rotated", "webhooks-rotated"),
            ("disabled", "webhooks-disabled"),
            ("enabled", "webhooks-enabled"),
            ("replayed", "webhooks-replayed"),
        ],
    );
    let made_secret = matches!(ui.param("done"), Some("created" | "rotated"));
    Ok(WebhookPage {
        sub: subscription_row(&ui, &titles, view),
        secret_gone: made_secret && secret.is_none(),
        secret: secret.filter(|_| made_secret),
        notice,
        deliveries,
        next_href,
        first_href,
        replay_from,
        errors,
        ui,
    })
}

async fn one(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    admin(viewer)?;
    let id = webhook_id(&raw)?;
    let secret = revealed(&console, &headers, &format!("webhook:{id}"));
    let page = webhook_page(
        &console,
        ui,
        id,
        secret,
        String::new(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(&page))
}

/// Where an action on subscription `id` leads: its page with a notice.
fn back(id: Uuid, done: &str) -> Response {
    Redirect::to(&format!("/admin/webhooks/{id}?done={done}")).into_response()
}

#[tracing::instrument(skip_all, fields(webhook_id = %raw))]
async fn rotate(
    State(console): State<Console>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let id = webhook_id(&raw)?;
    let secret = service(&console)?.rotate_secret(id).await.map_err(failed)?;
    tracing::info!(target: "accord::access", by = %viewer.token_id, webhook_id = %id, "webhook secret rotated in the console");
    reveal(&console, &headers, format!("webhook:{id}"), secret);
    Ok(back(id, "rotated"))
}

#[tracing::instrument(skip_all, fields(webhook_id = %raw))]
async fn disable(
    State(console): State<Console>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let id = webhook_id(&raw)?;
    service(&console)?.disable(id).await.map_err(failed)?;
    tracing::info!(target: "accord::access", by = %viewer.token_id, webhook_id = %id, "webhook disabled in the console");
    Ok(back(id, "disabled"))
}

#[tracing::instrument(skip_all, fields(webhook_id = %raw))]
async fn enable(
    State(console): State<Console>,
    viewer: Viewer,
    Path(raw): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let id = webhook_id(&raw)?;
    service(&console)?.enable(id).await.map_err(failed)?;
    tracing::info!(target: "accord::access", by = %viewer.token_id, webhook_id = %id, "webhook enabled in the console");
    Ok(back(id, "enabled"))
}

/// The replay form.
#[derive(Deserialize)]
struct ReplayFields {
    #[serde(default)]
    from_position: String,
}

#[tracing::instrument(skip_all, fields(webhook_id = %raw))]
async fn replay(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<ReplayFields>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let id = webhook_id(&raw)?;
    let Some(from) = form
        .from_position
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|p| *p >= 1)
    else {
        let mut errors = FieldErrors::default();
        errors.add("from_position", "webhooks-error-position");
        let page = webhook_page(&console, ui, id, None, form.from_position, errors).await?;
        return Ok((StatusCode::BAD_REQUEST, render(&page)).into_response());
    };
    service(&console)?.replay(id, from).await.map_err(failed)?;
    tracing::info!(target: "accord::access", by = %viewer.token_id, webhook_id = %id, from_position = from, "webhook replay asked in the console");
    Ok(back(id, "replayed"))
}
