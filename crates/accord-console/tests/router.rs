//! The console's router with `oneshot`, on a real sled store: what every
//! answer carries (CSP and its companions), what happens without a session,
//! with a session that expired or whose token was revoked, to a form
//! without its token or from another origin, and that the API behind the
//! console answers exactly as before (JSON 404 under `/v1`).

use std::sync::Arc;
use std::time::Duration;

use accord_api::{AppState, TokenBook};
use accord_console::{router, Console, ConsoleConfig};
use accord_engine::{Engine, EngineConfig, Role};
use accord_store::{SledStore, Stores};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

const ADMIN: &str = "console-admin-token";
const HOST: &str = "console.test";

struct App {
    router: Router,
    tokens: Arc<TokenBook>,
    _dir: tempfile::TempDir,
}

fn app(config: ConsoleConfig) -> App {
    let dir = tempfile::tempdir().expect("a temp dir");
    let stores = Stores::of(Arc::new(SledStore::open(dir.path()).expect("a store")));
    let engine = Engine::start(
        stores.log.clone(),
        stores.snapshots,
        EngineConfig::default(),
    )
    .expect("an engine");
    let tokens = Arc::new(TokenBook::load(stores.meta).expect("a token book"));
    tokens.bootstrap(Some(ADMIN)).expect("the admin token");
    let state = AppState::new(engine, tokens.clone());
    let api = accord_api::router(state.clone());
    App {
        router: router(Console::new(state, config), api),
        tokens,
        _dir: dir,
    }
}

async fn send(app: &App, request: Request<Body>) -> Response {
    app.router
        .clone()
        .oneshot(request)
        .await
        .expect("an answer")
}

async fn body(response: Response) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri).header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).expect("a request")
}

fn post(uri: &str, origin: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .expect("a request")
}

/// The value `name=` sets among an answer's `Set-Cookie` headers.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

/// Signs in with `token` as the sign-in page's form would; the session cookie.
async fn sign_in(app: &App, token: &str) -> String {
    let page = send(app, get("/sign-in", None)).await;
    let csrf = set_cookie(&page, "accord_csrf").expect("a form token cookie");
    let cookie = format!("accord_csrf={csrf}");
    let form = format!("csrf={csrf}&token={token}&next=%2Fparties");
    let origin = format!("http://{HOST}");
    let answer = send(app, post("/sign-in", &origin, &cookie, &form)).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[header::LOCATION], "/parties");
    let set = answer.headers()[header::SET_COOKIE].to_str().expect("text");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let id = set_cookie(&answer, "accord_session").expect("a session");
    format!("accord_session={id}")
}

#[tokio::test]
async fn every_page_carries_the_content_security_policy() {
    let app = app(ConsoleConfig::default());
    for uri in ["/sign-in", "/", "/no-such-page", "/assets/console.css"] {
        let answer = send(&app, get(uri, None)).await;
        let headers = answer.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{uri}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"));
        assert!(csp.contains("base-uri 'none'"), "{uri}: {csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert!(headers.contains_key(header::REFERRER_POLICY), "{uri}");
    }
}

#[tokio::test]
async fn a_page_without_a_session_leads_to_sign_in_and_back() {
    let app = app(ConsoleConfig::default());
    let answer = send(&app, get("/agreements?at=2013-07-04", None)).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers()[header::LOCATION],
        "/sign-in?next=%2Fagreements%3Fat%3D2013-07-04"
    );
}

#[tokio::test]
async fn the_api_behind_the_console_answers_as_before() {
    let app = app(ConsoleConfig::default());
    let answer = send(&app, get("/v1/no-such-route", None)).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        answer.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let health = send(&app, get("/healthz", None)).await;
    assert_eq!(health.status(), StatusCode::OK);
    let page = send(&app, get("/no-such-page", None)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let content_type = page.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

#[tokio::test]
async fn the_api_reference_is_open_to_everyone() {
    let app = app(ConsoleConfig::default());
    let answer = send(&app, get("/docs?lang=en", None)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let html = body(answer).await;
    assert!(html.contains("<code>POST /v1/commands</code>"), "{html}");
    assert!(html.contains("API reference"), "{html}");
}

#[tokio::test]
async fn a_session_opens_with_a_token_and_reads_pages() {
    let app = app(ConsoleConfig::default());
    let session = sign_in(&app, ADMIN).await;
    let answer = send(&app, get("/parties?lang=vi", Some(&session))).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(set_cookie(&answer, "accord_lang").as_deref(), Some("vi"));
    let html = body(answer).await;
    assert!(
        html.contains("<html lang=\"vi\">") && html.contains("Các bên tham gia"),
        "{html}"
    );
}

#[tokio::test]
async fn an_unknown_token_opens_no_session() {
    let app = app(ConsoleConfig::default());
    let page = send(&app, get("/sign-in", None)).await;
    let csrf = set_cookie(&page, "accord_csrf").expect("a form token cookie");
    let form = format!("csrf={csrf}&token=acc_not-a-token");
    let origin = format!("http://{HOST}");
    let cookie = format!("accord_csrf={csrf}");
    let answer = send(&app, post("/sign-in", &origin, &cookie, &form)).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&answer, "accord_session").is_none());
    let html = body(answer).await;
    assert!(html.contains("id=\"token-error\""), "{html}");
    assert!(
        !html.contains("acc_not-a-token"),
        "the secret is never echoed"
    );
}

#[tokio::test]
async fn an_idle_session_expires() {
    let config = ConsoleConfig {
        session_idle: Duration::from_millis(1),
        ..ConsoleConfig::default()
    };
    let app = app(config);
    let session = sign_in(&app, ADMIN).await;
    std::thread::sleep(Duration::from_millis(20));
    let answer = send(&app, get("/parties", Some(&session))).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let location = answer.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.ends_with("&ended=expired"), "{location}");
    assert_eq!(set_cookie(&answer, "accord_session").as_deref(), Some(""));
}

#[tokio::test]
async fn a_revoked_tokens_session_ends_at_its_next_request() {
    let app = app(ConsoleConfig::default());
    let (record, secret) = app
        .tokens
        .create(Role::Auditor, None, Some("kiểm toán"))
        .expect("a token");
    let session = sign_in(&app, &secret).await;
    let before = send(&app, get("/parties", Some(&session))).await;
    assert_eq!(before.status(), StatusCode::OK);
    app.tokens.revoke(&record.id).expect("revoked");
    let answer = send(&app, get("/parties", Some(&session))).await;
    let location = answer.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.ends_with("&ended=revoked"), "{location}");
}

#[tokio::test]
async fn a_form_without_its_token_or_from_another_origin_is_refused() {
    let app = app(ConsoleConfig::default());
    let session = sign_in(&app, ADMIN).await;
    let origin = format!("http://{HOST}");
    let no_token = send(&app, post("/sign-out", &origin, &session, "csrf=guess")).await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(body(no_token).await.contains("Yêu cầu bị từ chối"));
    let foreign = send(
        &app,
        post("/sign-out", "http://elsewhere.test", &session, ""),
    )
    .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // Still signed in.
    let after = send(&app, get("/parties", Some(&session))).await;
    assert_eq!(after.status(), StatusCode::OK);
}

#[tokio::test]
async fn cookies_are_secure_when_the_console_is_served_over_https() {
    let app = app(ConsoleConfig {
        secure_cookies: true,
        ..ConsoleConfig::default()
    });
    let page = send(&app, get("/sign-in", None)).await;
    let set = page.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.ends_with("; Secure"), "{set}");
}

#[tokio::test]
async fn a_live_stream_ends_when_its_token_is_revoked_and_none_opens_without_a_session() {
    let app = app(ConsoleConfig::default());
    let (record, secret) = app
        .tokens
        .create(Role::Auditor, None, Some("Kiểm toán"))
        .expect("a token");
    let session = sign_in(&app, &secret).await;
    let answer = send(&app, get("/live", Some(&session))).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let kind = answer.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    app.tokens.revoke(&record.id).expect("revoked");
    // The stream ends by itself, its last event saying why.
    let mut stream = answer.into_body().into_data_stream();
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
            text.push_str(&String::from_utf8_lossy(&chunk.expect("a chunk")));
        }
    };
    let bound = accord_console::live::SESSION_CHECK * 4;
    tokio::time::timeout(bound, read)
        .await
        .expect("the stream ends once its token is revoked");
    assert!(text.contains("event: ended"), "{text:?}");
    let again = send(&app, get("/live", Some(&session))).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let none = send(&app, get("/live", None)).await;
    assert_eq!(none.status(), StatusCode::NO_CONTENT);
}

/// The form token of the page `body` (every signed-in page has one).
fn csrf_of(body: &str) -> String {
    let start = body.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    body[start..]
        .split('"')
        .next()
        .expect("its value")
        .to_owned()
}

#[tokio::test]
async fn registering_a_party_records_once_and_a_refusal_comes_back_at_its_field() {
    let app = app(ConsoleConfig::default());
    let session = sign_in(&app, ADMIN).await;
    let origin = format!("http://{HOST}");
    let page = body(send(&app, get("/parties?lang=vi", Some(&session))).await).await;
    assert!(
        page.contains("id=\"RegisterParty\""),
        "the admin sees the form"
    );
    let csrf = csrf_of(&page);
    let form = |command_id: &str, name: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf.as_str()),
                ("command", "RegisterParty"),
                ("command_id", command_id),
                ("party_id", "binh-duong-iza"),
                ("name", name),
                ("kind", "industrial_zone_authority"),
            ])
            .finish()
    };
    let first_id = "0190f0a0-2020-7000-8000-000000000001";
    let name = "Ban quản lý các Khu công nghiệp tỉnh Bình Dương";
    for _ in 0..2 {
        let answer = send(
            &app,
            post("/parties", &origin, &session, &form(first_id, name)),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let location = answer.headers()[header::LOCATION].to_str().unwrap();
        assert_eq!(location, "/parties?done=RegisterParty#main");
    }
    let listed = body(
        send(
            &app,
            get("/parties?done=RegisterParty&lang=vi", Some(&session)),
        )
        .await,
    )
    .await;
    assert_eq!(listed.matches(name).count(), 1, "recorded once");
    assert!(listed.contains("Đã đăng ký bên tham gia."));
    // The same party again, from a new form: the rule's message at the identifier.
    let again = send(
        &app,
        post(
            "/parties?lang=vi",
            &origin,
            &session,
            &form("0190f0a0-2020-7000-8000-000000000002", "Tên khác"),
        ),
    )
    .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(again).await;
    assert!(page.contains(
        "<p class=\"field-error\" id=\"RegisterParty-party_id-error\">Đã có bên tham gia được đăng ký với mã định danh này.</p>"
    ), "{page}");
    assert!(
        page.contains("aria-invalid=\"true\" aria-describedby=\"RegisterParty-party_id-error\"")
    );
    assert!(
        page.contains("value=\"Tên khác\""),
        "what was typed is kept"
    );
    let listed = body(send(&app, get("/parties", Some(&session))).await).await;
    assert!(!listed.contains("Tên khác"), "nothing recorded");
}

#[tokio::test]
async fn an_auditor_sees_no_form_and_its_post_is_refused() {
    let app = app(ConsoleConfig::default());
    let (_, secret) = app
        .tokens
        .create(Role::Auditor, None, Some("kiểm toán"))
        .expect("a token");
    let session = sign_in(&app, &secret).await;
    let page = body(send(&app, get("/parties", Some(&session))).await).await;
    assert!(!page.contains("command-form"), "no form for an auditor");
    let csrf = csrf_of(&page);
    let form =
        format!("csrf={csrf}&command=RegisterParty&party_id=binh-duong-iza&name=X&kind=other");
    let origin = format!("http://{HOST}");
    let answer = send(&app, post("/parties", &origin, &session, &form)).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let listed = body(send(&app, get("/parties", Some(&session))).await).await;
    assert!(!listed.contains("binh-duong-iza"), "nothing recorded");
}

// ---------------------------------------------------------------- import

const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";

/// The three authorities, a fourth party and the tripartite program (as in
/// the demo), through `POST /v1/commands`.
async fn seed_tripartite(app: &App) {
    let party = |id: &str, name: &str| {
        serde_json::json!({"type": "RegisterParty", "data": {
            "party_id": id, "name": name, "kind": "industrial_zone_authority"}})
    };
    let commands = [
        party(
            "dong-nai-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
        ),
        party(
            "lam-dong-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
        ),
        party("binh-phuoc-eza", "Ban quản lý Khu kinh tế tỉnh Bình Phước"),
        party("tay-ninh-eza", "Ban quản lý Khu kinh tế tỉnh Tây Ninh"),
        serde_json::json!({"type": "SignAgreement", "data": {
            "agreement_id": TRIPARTITE, "title": "Chương trình hợp tác 2013–2015",
            "parties": ["binh-phuoc-eza", "dong-nai-iza", "lam-dong-iza"], "signed_on": "2013-07-04",
            "term": {"start": "2013-07-04", "end": "2015-12-31"},
            "areas": ["experience_exchange", "investment_promotion", "labour_recruitment", "regional_linkage"]}}),
    ];
    for command in commands {
        let request = Request::post("/v1/commands")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(command.to_string()))
            .expect("a request");
        let answer = send(app, request).await;
        assert_eq!(answer.status(), StatusCode::CREATED);
    }
}

/// The form token of the session, from the import page.
async fn form_token(app: &App, session: &str) -> String {
    let page = send(
        app,
        get(&format!("/agreements/{TRIPARTITE}/import"), Some(session)),
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    csrf_of(&body(page).await)
}

/// A multipart upload of `file` with the form token `csrf`.
fn upload(session: &str, csrf: &str, file: &[u8]) -> Request<Body> {
    let boundary = "----accord-import-test";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"trao-đổi.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(file);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(format!("/agreements/{TRIPARTITE}/import"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, format!("http://{HOST}"))
        .header(header::COOKIE, session)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(form))
        .expect("a request")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The log's head, from `/readyz`.
async fn head(app: &App) -> u64 {
    let answer = send(app, get("/readyz", None)).await;
    let ready: serde_json::Value = serde_json::from_str(&body(answer).await).expect("JSON");
    ready["position"].as_u64().expect("a position")
}

#[tokio::test]
async fn an_upload_is_previewed_only_by_its_uploader_and_records_nothing() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    let session = sign_in(&app, ADMIN).await;
    let csrf = form_token(&app, &session).await;
    let before = head(&app).await;
    let answer = send(&app, upload(&session, &csrf, &fixture("exchanges.csv"))).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let preview = answer.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(preview.starts_with(&format!("/agreements/{TRIPARTITE}/import/")));
    let page = send(&app, get(&preview, Some(&session))).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body(page).await;
    assert!(html.contains("exchange_outside_term"), "the rule's code");
    assert!(html.contains("Ô B4"), "the malformed cell, in Vietnamese");
    assert_eq!(head(&app).await, before, "a preview records nothing");

    // Another person's session does not reach the upload.
    let (_, secret) = app
        .tokens
        .create(
            Role::Writer,
            Some("dong-nai-iza".into()),
            Some("Văn phòng BQL Đồng Nai"),
        )
        .expect("a token");
    let writer = sign_in(&app, &secret).await;
    let gone = send(&app, get(&preview, Some(&writer))).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(body(gone).await.contains("không còn được lưu"));
    // Nor can it commit it, with its own form token.
    let writer_csrf = form_token(&app, &writer).await;
    let origin = format!("http://{HOST}");
    let commit = send(
        &app,
        post(&preview, &origin, &writer, &format!("csrf={writer_csrf}")),
    )
    .await;
    assert_eq!(commit.status(), StatusCode::NOT_FOUND);
    assert_eq!(head(&app).await, before);
}

#[tokio::test]
async fn an_upload_without_its_form_token_or_too_large_is_refused() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    let session = sign_in(&app, ADMIN).await;
    let csrf = form_token(&app, &session).await;
    let forged = send(&app, upload(&session, "guess", &fixture("exchanges.csv"))).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let large = vec![b'x'; 2 * 1024 * 1024 + 1];
    let refused = send(&app, upload(&session, &csrf, &large)).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let html = body(refused).await;
    assert!(
        html.contains("Tệp lớn hơn 2 MB"),
        "the message at the field"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    // Far over the limit: the body limit answers the same.
    let huge = vec![b'x'; 3 * 1024 * 1024];
    let refused = send(&app, upload(&session, &csrf, &huge)).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let origin = format!("http://{HOST}");
    let commit = format!("/agreements/{TRIPARTITE}/import/0123");
    let no_token = send(&app, post(&commit, &origin, &session, "csrf=guess")).await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_template_and_the_page_are_for_those_who_may_write_to_the_agreement() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    let session = sign_in(&app, ADMIN).await;
    let uri = format!("/agreements/{TRIPARTITE}/import/template.csv");
    let template = send(&app, get(&uri, Some(&session))).await;
    assert_eq!(template.status(), StatusCode::OK);
    assert_eq!(
        template.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let text = body(template).await;
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}exchange_id,occurred_on,area,kind,parties,summary,outcome")
    );
    let example = lines.next().expect("an example row");
    assert!(
        example
            .starts_with(",2013-07-04,experience_exchange,meeting,binh-phuoc-eza; dong-nai-iza,"),
        "{example}"
    );
    let page = format!("/agreements/{TRIPARTITE}/import");
    for (role, party, status) in [
        (Role::Writer, Some("lam-dong-iza"), StatusCode::OK),
        (Role::Writer, Some("tay-ninh-eza"), StatusCode::FORBIDDEN),
        (Role::Auditor, None, StatusCode::FORBIDDEN),
    ] {
        let party = party.map(str::to_owned);
        let (_, secret) = app
            .tokens
            .create(role, party.clone(), None)
            .expect("a token");
        let session = sign_in(&app, &secret).await;
        let answer = send(&app, get(&page, Some(&session))).await;
        assert_eq!(answer.status(), status, "{role:?} {party:?}");
        let template = send(&app, get(&uri, Some(&session))).await;
        assert_eq!(template.status(), status, "{role:?} {party:?}");
    }
    let unknown = "/agreements/0190f0a0-2099-7000-8000-000000002099/import";
    let answer = send(&app, get(unknown, Some(&session))).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rows_are_judged_in_order_each_on_the_state_the_ones_before_left() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    let session = sign_in(&app, ADMIN).await;
    let csrf = form_token(&app, &session).await;
    let file = "exchange_id,occurred_on,area,kind,parties,summary\n\
        0190f0a0-2014-7000-8000-000000000001,2014-03-10,investment_promotion,meeting,dong-nai-iza,Họp lần 1\n\
        0190f0a0-2014-7000-8000-000000000001,2014-04-10,investment_promotion,meeting,dong-nai-iza,Họp lần 2\n\
        ,2014-05-10,investment_promotion,meeting,dong-nai-iza,Họp lần 3\n";
    let answer = send(&app, upload(&session, &csrf, file.as_bytes())).await;
    let preview = answer.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let html = body(send(&app, get(&preview, Some(&session))).await).await;
    let row = |n: usize| {
        let start = html.find(&format!("id=\"row-{n}\"")).expect("the row");
        let end = html[start..].find("</tr>").expect("its end");
        html[start..start + end].to_owned()
    };
    assert!(row(2).contains("verdict-accepted"), "{}", row(2));
    let second = row(3);
    assert!(
        second.contains("verdict-refused") && second.contains("exchange_already_exists"),
        "{second}"
    );
    assert!(second.contains("class=\"c-exchange_id bad\""), "{second}");
    assert!(row(4).contains("verdict-accepted"), "{}", row(4));
}

// ---------------------------------------------------------------- diff

/// Sends `command` to `POST /v1/commands` as the administrator.
async fn command(app: &App, command: serde_json::Value) {
    let request = Request::post("/v1/commands")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(command.to_string()))
        .expect("a request");
    assert_eq!(send(app, request).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_long_diff_is_shown_a_page_of_changes_at_a_time_at_stable_addresses() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    // 130 exchanges: 130 changes between the signing and the end of 2013.
    for n in 0..130u32 {
        command(
            &app,
            serde_json::json!({"type": "RecordExchange", "data": {
                "agreement_id": TRIPARTITE, "exchange_id": format!("0190f0a0-2013-7000-8000-{n:012x}"),
                "occurred_on": format!("2013-{:02}-{:02}", 8 + n / 28, 1 + n % 28),
                "area": "experience_exchange", "kind": "meeting",
                "parties": ["dong-nai-iza", "lam-dong-iza"], "summary": format!("Trao đổi số {n}")}}),
        )
        .await;
    }
    let session = sign_in(&app, ADMIN).await;
    let diff = format!("/agreements/{TRIPARTITE}/diff?from=2013-07-04&to=2013-12-31");
    let rows = |page: &str| page.matches("<th scope=\"row\">").count();

    let first = body(send(&app, get(&diff, Some(&session))).await).await;
    assert!(first.contains("130"), "the heading counts every change");
    assert_eq!(rows(&first), 100);
    assert!(
        first.contains("Trao đổi số 0<"),
        "the first page starts at the first change"
    );
    assert!(!first.contains("Trao đổi số 129<"));
    // The next page's link keeps the comparison and adds only its page.
    let next =
        format!("/agreements/{TRIPARTITE}/diff?from=2013-07-04&#38;to=2013-12-31&#38;page=2");
    let pager = first.split("class=\"pager\"").nth(1).unwrap_or_default();
    assert!(
        pager.contains(&format!("href=\"{next}\" rel=\"next\"")),
        "a link to the rest: {}",
        pager.get(..400).unwrap_or(pager)
    );

    let second = body(send(&app, get(&format!("{diff}&page=2"), Some(&session))).await).await;
    assert_eq!(rows(&second), 30);
    assert!(second.contains("Trao đổi số 129<") && !second.contains("Trao đổi số 0<"));
    // Each change's events still lead to the agreement as known after them.
    assert!(second.contains(&format!("/agreements/{TRIPARTITE}?as_of=")));
}

#[tokio::test]
async fn a_diff_says_a_date_is_read_from_every_fact_known_and_a_version_from_those_known_then() {
    let app = app(ConsoleConfig::default());
    seed_tripartite(&app).await;
    let session = sign_in(&app, ADMIN).await;

    // In Vietnamese, the console's first language.
    let dates = format!("/agreements/{TRIPARTITE}/diff?from=2013-07-04&to=2015-12-31");
    let page = body(send(&app, get(&dates, Some(&session))).await).await;
    assert_eq!(
        page.matches("có hiệu lực vào ngày đó, theo mọi dữ kiện đã biết đến nay")
            .count(),
        2,
        "both dates are read from the same facts, and say so: {}",
        page.split("class=\"facts\"")
            .nth(1)
            .unwrap_or(&page)
            .get(..600)
            .unwrap_or_default()
    );

    let versions = format!("/agreements/{TRIPARTITE}/diff?from=1&to=2013-07-04");
    let page = body(send(&app, get(&versions, Some(&session))).await).await;
    assert!(page.contains("như đã biết ở phiên bản 1 (vị trí"), "{page}");
    assert_eq!(page.matches("theo mọi dữ kiện đã biết đến nay").count(), 1);
}
