//! `/docs`: the API reference, rendered from the same OpenAPI document that
//! `GET /openapi.json` serves (generated from the handlers), grouped by
//! tag. The reference's own text is the document's (English); the page
//! around it follows the person's language. Open to everyone, like the
//! document itself.

use std::sync::LazyLock;

use askama::Template;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use utoipa::OpenApi;

use crate::context::render;
use crate::{Console, Ui};

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/docs", get(docs))
}

/// A parameter of an operation.
struct Param {
    name: String,
    location: String,
    required: bool,
    description: String,
}

/// One route and method.
struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: Vec<String>,
    params: Vec<Param>,
    responses: Vec<(String, String)>,
}

/// The operations of one tag.
struct Section {
    name: String,
    description: String,
    operations: Vec<Operation>,
}

/// The reference, read once: the document changes only with the binary.
static SECTIONS: LazyLock<Vec<Section>> = LazyLock::new(|| {
    let document = serde_json::to_value(accord_api::ApiDoc::openapi()).unwrap_or_default();
    sections(&document)
});

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn operation(method: &str, path: &str, op: &Value) -> Operation {
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(&p["name"]),
            location: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            description: text(&p["description"]),
        })
        .collect();
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| (status.clone(), text(&r["description"])))
        .collect();
    let anchor: String = format!("{method}-{path}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Operation {
        anchor,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        summary: text(&op["summary"]),
        description: text(&op["description"])
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        params,
        responses,
    }
}

/// The document's operations, by tag in the document's order of tags.
fn sections(document: &Value) -> Vec<Section> {
    let mut sections: Vec<Section> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Section {
            name: text(&t["name"]),
            description: text(&t["description"]),
            operations: Vec::new(),
        })
        .collect();
    for (path, methods) in document["paths"].as_object().into_iter().flatten() {
        for (method, op) in methods.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or_default();
            let index = match sections.iter().position(|s| s.name == tag) {
                Some(index) => index,
                None => {
                    sections.push(Section {
                        name: tag.to_owned(),
                        description: String::new(),
                        operations: Vec::new(),
                    });
                    sections.len() - 1
                }
            };
            sections[index].operations.push(operation(method, path, op));
        }
    }
    sections.retain(|s| !s.operations.is_empty());
    sections
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage {
    ui: Ui,
    sections: &'static [Section],
}

#[tracing::instrument(skip_all)]
async fn docs(ui: Ui) -> Response {
    render(&DocsPage {
        ui,
        sections: &SECTIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_holds_every_documented_route_under_its_tag() {
        let commands = SECTIONS
            .iter()
            .find(|s| s.name == "commands")
            .expect("a tag");
        let submit = commands
            .operations
            .iter()
            .find(|o| o.path == "/v1/commands")
            .expect("POST /v1/commands");
        assert_eq!(submit.method, "POST");
        assert!(!submit.summary.is_empty());
        assert!(submit.responses.iter().any(|(status, _)| status == "201"));
        let reads = SECTIONS.iter().find(|s| s.name == "reads").expect("a tag");
        let list = reads
            .operations
            .iter()
            .find(|o| o.path == "/v1/agreements")
            .expect("a read");
        assert!(list
            .params
            .iter()
            .any(|p| p.name == "at" && p.location == "query"));
    }
}
