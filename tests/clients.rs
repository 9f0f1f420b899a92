//! Integrators' clients, made as an integrator makes them: generated from the
//! real binary's `/openapi.json` by standard generators, then run against it.
//!
//! - The document is valid OpenAPI (`openapi-spec-validator`) and names each
//!   operation once.
//! - `openapi-python-client` generates a module for every operation, and the
//!   generated package runs `tests/clients/python/scenario.py`.
//! - `openapi-typescript` generates a type for every operation, and
//!   `tests/clients/typescript/scenario.ts`, typed by them, type-checks and
//!   runs with `openapi-fetch`.
//!
//! The tools are installed at pinned versions under `target/tmp/clients`
//! (a Python venv, an npm folder from the committed lock file) and reused
//! while their pins are unchanged. A missing `python3`, `node` or `npm`
//! fails the test, naming it.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use server::{DataDir, Server, TOKEN};

/// The Python tools, pinned.
const PYTHON_TOOLS: [&str; 2] = [
    "openapi-python-client==0.29.1",
    "openapi-spec-validator==0.9.0",
];

/// Where the clients' tools and generated code live.
fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("clients")
}

/// The repository's `tests/clients/<name>`.
fn sources(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Runs `command`, failing the test with its output unless it succeeds;
/// returns its stdout.
fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// Fails the test unless `tool` runs.
fn require(tool: &str) {
    let found = Command::new(tool).arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "`{tool}` is needed by tests/clients.rs (generated clients): install it and put it on PATH"
    );
}

/// A venv with [`PYTHON_TOOLS`], installed once per pin set.
fn python_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let venv = clients_dir().join("python-venv");
        let stamp = venv.join("accord-tools.txt");
        let wanted = PYTHON_TOOLS.join("\n");
        if fs::read_to_string(&stamp).is_ok_and(|have| have == wanted) {
            return venv;
        }
        require("python3");
        run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "creating the Python venv",
        );
        run(
            Command::new(venv.join("bin/python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PYTHON_TOOLS),
            "installing the Python tools (pip)",
        );
        fs::write(&stamp, wanted).expect("the venv's stamp");
        venv
    })
}

/// An npm folder with `tests/clients/typescript/package-lock.json`
/// installed, once per lock file.
fn node_tools() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let dir = clients_dir().join("typescript");
        let lock = fs::read_to_string(sources("typescript/package-lock.json")).expect("the lock");
        let stamp = dir.join("accord-lock.json");
        if fs::read_to_string(&stamp).is_ok_and(|have| have == lock) {
            return dir;
        }
        require("node");
        require("npm");
        fs::create_dir_all(&dir).expect("the npm folder");
        for file in ["package.json", "package-lock.json"] {
            fs::copy(sources(&format!("typescript/{file}")), dir.join(file)).expect(file);
        }
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir),
            "installing the TypeScript tools (npm ci)",
        );
        fs::write(&stamp, lock).expect("the npm folder's stamp");
        dir
    })
}

/// The served document, as text and parsed.
async fn document(server: &Server) -> (String, Value) {
    let reply = server.get("/openapi.json").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    (reply.text, reply.body)
}

/// Every operation's `operationId`, asserting each operation has one.
fn operation_ids(document: &Value) -> Vec<String> {
    let paths = document["paths"].as_object().expect("paths");
    let mut ids = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            let id = operation["operationId"].as_str();
            ids.push(
                id.unwrap_or_else(|| panic!("{method} {path} has no operationId"))
                    .to_owned(),
            );
        }
    }
    ids
}

/// A fresh folder under [`clients_dir`] holding `document` as `openapi.json`.
fn workspace(parent: &Path, document: &str) -> PathBuf {
    let work = parent.join("work");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("the work folder");
    fs::write(work.join("openapi.json"), document).expect("the document");
    work
}

#[tokio::test]
async fn the_served_document_is_valid_openapi_naming_each_operation_once() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let (text, document) = document(&server).await;

    let ids = operation_ids(&document);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operationIds used twice: {ids:?}");
    for (id, name) in [
        ("list_agreements", "/v1/agreements"),
        ("get_agreement", "/v1/agreements/{id}"),
        ("verify_chain", "/v1/audit/verify"),
        ("verify_checkpoint", "/v1/audit/verify-checkpoint"),
    ] {
        assert!(ids.contains(&id.to_owned()), "{name} is `{id}`: {ids:?}");
    }

    let venv = python_venv();
    let file = clients_dir().join(format!("openapi-{}.json", std::process::id()));
    fs::write(&file, text).expect("the document");
    let verdict = run(
        Command::new(venv.join("bin/openapi-spec-validator")).arg(&file),
        "openapi-spec-validator",
    );
    let _ = fs::remove_file(&file);
    assert!(verdict.trim_end().ends_with(": OK"), "{verdict}");
}

#[tokio::test]
async fn a_generated_python_client_has_every_operation_and_runs_the_scenario() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let (text, document) = document(&server).await;
    let venv = python_venv();
    let work = workspace(&clients_dir().join("python"), &text);

    // The generator runs ruff from PATH on what it generates.
    let path = format!(
        "{}:{}",
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The generator knows binary bodies only as application/octet-stream:
    // the attachments' media types are mapped to it, as an integrator does.
    let binary: serde_json::Map<String, Value> = document["paths"]["/v1/attachments"]["post"]
        ["requestBody"]["content"]
        .as_object()
        .expect("the upload's media types")
        .keys()
        .map(|media_type| (media_type.clone(), "application/octet-stream".into()))
        .collect();
    let config = serde_json::json!({ "content_type_overrides": binary });
    fs::write(work.join("config.json"), config.to_string()).expect("the generator's config");
    let generated = run(
        Command::new(venv.join("bin/openapi-python-client"))
            .args(["generate", "--meta", "none", "--path", "openapi.json"])
            .args(["--output-path", "accord_client", "--config", "config.json"])
            .env("PATH", &path)
            .current_dir(&work),
        "openapi-python-client",
    );
    assert!(!generated.contains("Warning"), "{generated}");

    let modules: BTreeSet<String> = fs::read_dir(work.join("accord_client/api"))
        .expect("the generated api package")
        .flat_map(|tag| {
            fs::read_dir(tag.expect("a tag").path())
                .into_iter()
                .flatten()
        })
        .filter_map(|file| {
            let name = file.expect("a module").file_name().into_string().ok()?;
            let module = name.strip_suffix(".py")?;
            (module != "__init__").then(|| module.to_owned())
        })
        .collect();
    let ids: BTreeSet<String> = operation_ids(&document).into_iter().collect();
    assert_eq!(modules, ids, "one generated module per operation");

    let outcome = run(
        Command::new(venv.join("bin/python"))
            .arg(sources("python/scenario.py"))
            .args([server.base.as_str(), TOKEN])
            .env("PYTHONPATH", &work),
        "the Python scenario",
    );
    assert!(outcome.contains("python scenario: ok"), "{outcome}");
}

#[tokio::test]
async fn a_generated_typescript_client_has_every_operation_and_runs_the_scenario() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let (text, document) = document(&server).await;
    let tools = node_tools();
    let work = workspace(tools, &text);
    for file in ["scenario.ts", "tsconfig.json"] {
        fs::copy(sources(&format!("typescript/{file}")), work.join(file)).expect(file);
    }

    let bin = tools.join("node_modules/.bin");
    run(
        Command::new(bin.join("openapi-typescript"))
            .args(["openapi.json", "--output", "schema.d.ts"])
            .current_dir(&work),
        "openapi-typescript",
    );
    let types = fs::read_to_string(work.join("schema.d.ts")).expect("the generated types");
    let ids: BTreeSet<String> = operation_ids(&document).into_iter().collect();
    assert_eq!(
        operations_typed(&types),
        ids,
        "one generated type per operation"
    );

    run(
        Command::new(bin.join("tsc")).arg("--project").arg(&work),
        "tsc (the scenario type-checks against the generated types)",
    );
    let outcome = run(
        Command::new("node")
            .arg(work.join("dist/scenario.js"))
            .args([server.base.as_str(), TOKEN]),
        "the TypeScript scenario",
    );
    assert!(outcome.contains("typescript scenario: ok"), "{outcome}");
}

/// The members of `export interface operations` in openapi-typescript's output.
fn operations_typed(types: &str) -> BTreeSet<String> {
    let mut lines = types.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("export interface operations"))
        .expect("an `operations` interface");
    lines
        .take_while(|l| !l.starts_with('}'))
        .filter_map(|l| l.strip_prefix("    ")?.strip_suffix(": {"))
        .filter(|name| !name.starts_with(' '))
        .map(str::to_owned)
        .collect()
}
