//! The console in a real browser: headless Chromium drives `accord serve
//! --demo` as the people it is for would — signing in with a token, reading
//! the Đồng Nai – Lâm Đồng programs at two dates, stepping through an
//! agreement's history, switching language, signing out — and checks what
//! must never happen: a revoked token's session going on, a form posted
//! from another site, a page fetching from another origin, a page that
//! axe-core finds seriously inaccessible.
//!
//! Chromium and chromedriver come from Debian (`scripts/test.sh` installs
//! them); without them these tests fail, naming the fix.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;

use std::path::PathBuf;

use browser::Browser;
use serde_json::{json, Value};
use server::{DataDir, Server, TOKEN};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";
const BILATERAL_TITLE: &str = "Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Ban quản lý các KCN Lâm Đồng giai đoạn 2007–2013";
const TRIPARTITE_TITLE: &str = "Chương trình hợp tác và hỗ trợ lẫn nhau giữa Ban quản lý các KCN Đồng Nai, Lâm Đồng và Ban quản lý Khu kinh tế Bình Phước giai đoạn 2013–2015";

/// axe-core 4.14.1 from npm (tests/vendor/axe-core, with its licence).
const AXE: &str = include_str!("vendor/axe-core/axe.min.js");

/// The demo server and a browser, signed out.
async fn start() -> (DataDir, Server, Browser) {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let browser = Browser::start().await;
    (dir, server, browser)
}

/// Signs in on the sign-in page with `token`, as a person types it.
async fn sign_in(browser: &Browser, server: &Server, token: &str) {
    submit_token(browser, server, token, ".identity").await;
}

/// Types `token` into the sign-in form and submits it; waits for `then`.
async fn submit_token(browser: &Browser, server: &Server, token: &str, then: &str) {
    browser.open(&server.url("/sign-in")).await;
    browser
        .find("#token")
        .await
        .send_keys(token)
        .await
        .expect("typing the token");
    browser
        .click_to("form.stack button[type=submit]", then)
        .await;
}

#[tokio::test]
async fn signing_in_shows_the_agreements() {
    let (_dir, server, browser) = start().await;
    browser.open(&server.url("/")).await;
    let url = browser.wait_url(|u| u.contains("/sign-in")).await;
    assert!(url.contains("next=%2F"), "{url}");
    sign_in(&browser, &server, TOKEN).await;
    assert_eq!(browser.url().await, server.url("/"));
    let titles: Vec<String> = {
        let mut texts = Vec::new();
        for cell in browser.all("table.agreements tbody td:first-child a").await {
            texts.push(cell.text().await.expect("a title"));
        }
        texts
    };
    assert!(titles.contains(&BILATERAL_TITLE.to_owned()), "{titles:?}");
    assert!(titles.contains(&TRIPARTITE_TITLE.to_owned()), "{titles:?}");
    assert_eq!(browser.text(".identity .role").await, "Administrator");
    let recent = browser.all("table.events tbody tr").await;
    assert_eq!(recent.len(), 10, "the ten latest events are listed");
    browser.close().await;
}

#[tokio::test]
async fn the_bilateral_program_is_active_on_3_july_and_superseded_on_5_july() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}")))
        .await;
    set_date(&browser, "2013-07-03").await;
    browser.click_to(".tt-form button[type=submit]", "h1").await;
    browser.wait_url(|u| u.contains("at=2013-07-03")).await;
    assert_eq!(browser.text(".lead .status").await, "Active");
    assert_eq!(browser.text(".tt-at-value").await, "3 July 2013");
    assert_eq!(browser.text(".review dd:nth-of-type(4)").await, "Open");

    set_date(&browser, "2013-07-05").await;
    browser.click(".tt-form button[type=submit]").await;
    browser.wait_url(|u| u.contains("at=2013-07-05")).await;
    assert_eq!(
        browser.wait_text(".lead .status", |t| t != "Active").await,
        "Superseded"
    );
    let successor = browser.find(".facts a[href*='000000002013']").await;
    assert_eq!(successor.text().await.expect("a link"), TRIPARTITE_TITLE);
    let review = browser.text(".review").await;
    assert!(
        review.contains("Closed") && review.contains("Met"),
        "{review}"
    );

    // On 3 July the tripartite program did not exist yet: a 404 page that
    // still offers the time-travel control.
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}?at=2013-07-03")))
        .await;
    assert_eq!(
        browser.text("h1").await,
        "Agreement not known at this moment"
    );
    browser.find("#tt-at").await;
    browser.close().await;
}

/// Types a date into the business-date input as a person would in an
/// en-US browser (month, day, year).
async fn set_date(browser: &Browser, iso: &str) {
    let (year, rest) = iso.split_once('-').expect("a date");
    let (month, day) = rest.split_once('-').expect("a date");
    let input = browser.find("#tt-at").await;
    input.click().await.expect("focus the date");
    input
        .send_keys(&format!("{month}{day}{year}"))
        .await
        .expect("typing the date");
    let value = browser
        .run("return document.getElementById('tt-at').value")
        .await;
    assert_eq!(value, json!(iso), "the date input holds what was typed");
}

#[tokio::test]
async fn stepping_back_through_the_timeline_reopens_the_final_review() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}?at=2013-07-05")))
        .await;
    assert_eq!(browser.text(".step-where").await, "Event 11 / 11");
    assert!(browser.text(".review").await.contains("Closed"));
    // The last event is the closing: one step back, it is not known yet.
    browser.click(".steps a.step-prev").await;
    browser
        .wait_text(".step-where", |t| t == "Event 10 / 11")
        .await;
    assert!(browser.url().await.contains("as_of="));
    let review = browser.text(".review").await;
    assert!(
        review.contains("Open") && !review.contains("Closed"),
        "{review}"
    );
    let current = browser.text("tr[aria-current=step] td:nth-child(3)").await;
    assert_eq!(current, "Assessment recorded");
    let as_of = browser.text(".tt-as-of-value").await;
    assert!(as_of.ends_with("UTC"), "the instant shown: {as_of}");
    // The select offers the agreement's instants, the one shown selected.
    let selected = browser
        .run("return document.getElementById('tt-as-of').selectedIndex")
        .await;
    assert!(selected.as_u64().unwrap_or(0) > 0, "an instant is selected");
    browser.click(".steps a.step-next").await;
    browser
        .wait_text(".step-where", |t| t == "Event 11 / 11")
        .await;
    assert!(browser.text(".review").await.contains("Closed"));
    browser.close().await;
}

#[tokio::test]
async fn switching_language_shows_vietnamese() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    assert_eq!(
        browser.run("return document.documentElement.lang").await,
        "en"
    );
    browser.click_to(".langs a[lang=vi]", "html[lang=vi]").await;
    assert_eq!(
        browser.text(".main-nav a[href='/agreements']").await,
        "Thỏa thuận"
    );
    // Remembered: the next page, without `?lang=`, is in Vietnamese too.
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}?at=2013-07-04")))
        .await;
    assert_eq!(
        browser.run("return document.documentElement.lang").await,
        "vi"
    );
    assert_eq!(browser.text(".tt-at-value").await, "04/07/2013");
    // Signed on 4 July, the tripartite program supersedes it that day.
    assert_eq!(browser.text(".lead .status").await, "Đã được thay thế");
    assert_eq!(browser.text("h1").await, BILATERAL_TITLE);
    let party = browser.text("table.list tbody tr td a").await;
    assert_eq!(party, "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai");
    browser.close().await;
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser.click_to(".sign-out button", "#token").await;
    assert_eq!(browser.text(".notice").await, "You have signed out.");
    browser.open(&server.url("/agreements")).await;
    let url = browser.wait_url(|u| u.contains("/sign-in")).await;
    assert!(url.contains("next=%2Fagreements"), "{url}");
    assert!(browser.all(".identity").await.is_empty());
    browser.close().await;
}

#[tokio::test]
async fn a_revoked_tokens_session_is_refused() {
    let (_dir, server, browser) = start().await;
    let created = server
        .post(
            "/v1/tokens",
            &json!({"role": "writer", "party_id": "lam-dong-iza", "label": "Văn phòng BQL các KCN Lâm Đồng"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["token"].as_str().expect("a secret").to_owned();
    sign_in(&browser, &server, &secret).await;
    assert_eq!(
        browser.text("main h1").await,
        "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng"
    );
    assert_eq!(browser.text(".identity .role").await, "Secretariat");
    let id = created.body["id"].as_str().expect("an id");
    let revoked = server
        .send(
            server
                .client
                .delete(server.url(&format!("/v1/tokens/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    browser.client.refresh().await.expect("a reload");
    browser.wait_url(|u| u.contains("/sign-in")).await;
    assert_eq!(
        browser.text(".notice").await,
        "Your token was revoked, so your session has ended."
    );
    // The revoked token cannot open a new session either.
    sign_in_refused(&browser, &server, &secret).await;
    browser.close().await;
}

async fn sign_in_refused(browser: &Browser, server: &Server, token: &str) {
    submit_token(browser, server, token, "#token-error").await;
    assert_eq!(
        browser.text("#token-error").await,
        "This token is not known or has been revoked."
    );
}

/// A page on another origin holding a form that posts to the console,
/// with the session's real form token: only the Origin check stands.
async fn foreign_site(action: String, csrf: String) -> (String, tokio::task::JoinHandle<()>) {
    let page = format!(
        "<!DOCTYPE html><html lang=en><title>elsewhere</title><form method=post action=\"{action}\">\
         <input type=hidden name=csrf value=\"{csrf}\"><button id=go>go</button></form></html>"
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, task)
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let csrf = browser
        .find(".sign-out input[name=csrf]")
        .await
        .attr("value")
        .await
        .expect("an attribute")
        .expect("the form token");
    let (elsewhere, task) = foreign_site(server.url("/sign-out"), csrf).await;
    browser.open(&format!("{elsewhere}/")).await;
    browser.click_to("#go", ".error").await;
    assert_eq!(browser.text("h1").await, "Request refused");
    // Nothing happened: the session is still open.
    browser.open(&server.url("/")).await;
    browser.find(".identity").await;
    // And the server says 403 to the same post from a client too.
    let refused = server
        .send(
            server
                .client
                .post(server.url("/sign-out"))
                .header("Origin", elsewhere.as_str())
                .form(&[("csrf", "whatever")]),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.content_type.starts_with("text/html"),
        "{}",
        refused.content_type
    );
    task.abort();
    browser.close().await;
}

/// The pages this round built, each with what identifies it once loaded.
fn pages() -> Vec<(&'static str, String)> {
    vec![
        ("home", "/".into()),
        ("agreements", "/agreements".into()),
        (
            "agreements-filtered",
            "/agreements?party=binh-phuoc-eza&status=active&at=2014-01-01".into(),
        ),
        (
            "agreement",
            format!("/agreements/{BILATERAL}?at=2013-07-04"),
        ),
        (
            "agreement-not-known",
            format!("/agreements/{TRIPARTITE}?at=2013-07-03"),
        ),
        (
            "work-plan",
            format!("/agreements/{TRIPARTITE}?at=2014-12-31"),
        ),
        (
            "diff",
            format!("/agreements/{BILATERAL}/diff?from=2013-07-03&to=2013-07-05"),
        ),
        ("parties", "/parties".into()),
        ("party", "/parties/dong-nai-iza?at=2013-07-04".into()),
        ("party-forms", "/parties/binh-phuoc-eza".into()),
        ("not-found", "/agreements/not-an-id".into()),
        ("docs", "/docs".into()),
        ("report", REPORT.into()),
        ("audit", "/audit".into()),
        ("agreement-forms", format!("/agreements/{TRIPARTITE}")),
        ("admin-tokens", "/admin/tokens".into()),
        ("admin-webhooks", "/admin/webhooks".into()),
        ("import", format!("/agreements/{TRIPARTITE}/import")),
    ]
}

#[tokio::test]
async fn no_page_requests_another_origin() {
    let (_dir, server, browser) = start().await;
    browser.open(&server.url("/sign-in")).await;
    let mut visited = vec![outside_requests(&browser, &server).await];
    sign_in(&browser, &server, TOKEN).await;
    for (_, path) in pages() {
        browser.open(&server.url(&path)).await;
        browser.find("main").await;
        visited.push(outside_requests(&browser, &server).await);
    }
    let outside: Vec<String> = visited.into_iter().flatten().collect();
    assert!(outside.is_empty(), "requests to other origins: {outside:?}");
    browser.close().await;
}

/// Every URL the page loaded or links as a resource that is not on `server`.
async fn outside_requests(browser: &Browser, server: &Server) -> Vec<String> {
    let loaded = browser
        .run(
            "return performance.getEntriesByType('navigation')\
             .concat(performance.getEntriesByType('resource')).map(e => e.name)\
             .concat([...document.querySelectorAll('link[href],script[src],img[src],iframe[src]')]\
             .map(e => e.href || e.src))",
        )
        .await;
    let urls: Vec<String> = serde_json::from_value(loaded).expect("a list of URLs");
    assert!(
        urls.iter().any(|u| u.contains("/assets/console.css")),
        "{urls:?}"
    );
    urls.into_iter()
        .filter(|u| !u.starts_with(&server.base))
        .collect()
}

/// The serious and critical violations axe-core finds on the open page
/// (checking that it did check: a page passes some rules).
async fn axe_violations(browser: &Browser) -> Vec<Value> {
    browser
        .client
        .execute(AXE, vec![])
        .await
        .expect("axe-core loads");
    let found = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document).then(r => done({passes: r.passes.length, violations: r.violations\
               .filter(v => v.impact === 'serious' || v.impact === 'critical')\
               .map(v => ({id: v.id, impact: v.impact, help: v.help,\
                           nodes: v.nodes.slice(0, 3).map(n => n.html)}))}))\
               .catch(e => done({passes: 0, violations: [{id: 'axe-failed', help: String(e)}]}));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    assert!(
        found["passes"].as_u64().unwrap_or(0) > 10,
        "axe-core checked nothing: {found}"
    );
    serde_json::from_value(found["violations"].clone()).expect("a list of violations")
}

#[tokio::test]
async fn axe_finds_no_serious_violation_on_any_page_in_either_language() {
    let (_dir, server, browser) = start().await;
    let mut found = Vec::new();
    for lang in ["en", "vi"] {
        browser
            .open(&server.url(&format!("/sign-in?lang={lang}")))
            .await;
        for v in axe_violations(&browser).await {
            found.push(format!("/sign-in ({lang}): {v}"));
        }
    }
    // The check can fail: a field without its label is a critical violation.
    browser
        .run("document.querySelector('label[for=token]').remove()")
        .await;
    let unlabelled = axe_violations(&browser).await;
    assert!(
        unlabelled.iter().any(|v| v["id"] == "label"),
        "{unlabelled:?}"
    );
    sign_in(&browser, &server, TOKEN).await;
    for lang in ["en", "vi"] {
        for (_, path) in pages() {
            let sep = if path.contains('?') { '&' } else { '?' };
            browser
                .open(&server.url(&format!("{path}{sep}lang={lang}")))
                .await;
            browser.find("main").await;
            for v in axe_violations(&browser).await {
                found.push(format!("{path} ({lang}): {v}"));
            }
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
    browser.close().await;
}

/// Where screenshots go: `ACCORD_SCREENSHOTS` (scripts/screenshots.sh sets
/// it to docs/screenshots), else a temporary folder.
fn screenshot_folder() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("ACCORD_SCREENSHOTS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("the screenshot folder");
            (dir, None)
        }
        None => {
            let temp = tempfile::tempdir().expect("a temp folder");
            (temp.path().to_owned(), Some(temp))
        }
    }
}

#[tokio::test]
async fn the_main_pages_are_pictured_in_both_languages() {
    let dir = DataDir::new();
    let server = Server::start_demo_with(&dir, &["--webhook-allow-private"]).await;
    let (folder, _temp) = screenshot_folder();
    let shots = [
        ("home", "/".to_owned()),
        ("agreements", "/agreements?at=2013-07-04".to_owned()),
        (
            "agreement",
            format!("/agreements/{BILATERAL}?at=2013-07-04"),
        ),
        (
            "diff",
            format!("/agreements/{BILATERAL}/diff?from=2013-07-03&to=2013-07-05"),
        ),
        (
            "work-plan",
            format!("/agreements/{TRIPARTITE}?at=2014-12-31"),
        ),
        ("parties", "/parties".to_owned()),
        ("party", "/parties/dong-nai-iza?at=2014-12-31".to_owned()),
        ("report", REPORT.to_owned()),
        ("audit", "/audit?verify=chain".to_owned()),
        ("admin-tokens", "/admin/tokens".to_owned()),
        ("import", format!("/agreements/{TRIPARTITE}/import")),
    ];
    let mut written = Vec::new();
    // A browser set to each language, so its own controls (the date
    // input) speak it too, as they would for a person.
    for (lang, locale) in [("en", "en-US"), ("vi", "vi")] {
        let browser = Browser::start_in(locale).await;
        browser.open(&server.url("/sign-in")).await;
        browser.find(&format!("html[lang={lang}] #token")).await;
        written.push(save(&browser, &folder, &format!("sign-in.{lang}.png")).await);
        sign_in(&browser, &server, TOKEN).await;
        for (name, path) in &shots {
            browser.open(&server.url(path)).await;
            browser.find(&format!("html[lang={lang}] main h1")).await;
            written.push(save(&browser, &folder, &format!("{name}.{lang}.png")).await);
        }
        // A form sent back: an exchange dated before the signature.
        browser
            .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
            .await;
        fill_exchange(&browser, "2013-06-30", "Tọa đàm chuẩn bị ký kết").await;
        browser
            .click_to(
                "#RecordExchange button[type=submit]",
                "#RecordExchange-occurred_on-error",
            )
            .await;
        written.push(save(&browser, &folder, &format!("agreement-form.{lang}.png")).await);
        browser.close().await;
    }
    // A subscription's delivery log, once the pages above are pictured
    // (its event would change them).
    let webhook = pictured_webhook(&server).await;
    for (lang, locale) in [("en", "en-US"), ("vi", "vi")] {
        let browser = Browser::start_in(locale).await;
        sign_in(&browser, &server, TOKEN).await;
        browser.open(&server.url(&webhook.path)).await;
        browser.find(&format!("html[lang={lang}] main h1")).await;
        written.push(save(&browser, &folder, &format!("admin-webhook.{lang}.png")).await);
        browser.close().await;
    }
    assert_eq!(written.len(), 28);
}

/// Saves a whole-page PNG of the open page; checks it is one.
async fn save(browser: &Browser, folder: &std::path::Path, name: &str) -> PathBuf {
    let png = browser.screenshot(1280).await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
    assert!(
        png.len() > 10_000,
        "{name} shows something ({} bytes)",
        png.len()
    );
    let path = folder.join(name);
    std::fs::write(&path, png).expect("the screenshot is written");
    path
}

// ---------------------------------------------------------------------
// The cooperation report, receipts and the audit page (ADR 0027).

/// The demo's report over both programs, at the end of the tripartite one.
const REPORT: &str = "/reports/cooperation?from=2007-01-01&to=2015-12-31&at=2015-12-31";

/// The bars of chart `id` as (label, value), read from the page.
async fn bars(browser: &Browser, id: &str) -> Vec<(String, u64)> {
    let found = browser
        .run(&format!(
            "return [...document.querySelectorAll('#{id} rect.bar')]\
             .map(b => [b.getAttribute('data-label'), Number(b.getAttribute('data-value'))])"
        ))
        .await;
    serde_json::from_value(found).expect("a list of bars")
}

/// The English name of area `code` in the console's catalogue; the code
/// itself for an area without one.
fn area_name(code: &str) -> String {
    let catalogue = include_str!("../crates/accord-console/i18n/en/reports.ftl");
    let key = format!("area-{code} = ");
    catalogue
        .lines()
        .find_map(|line| line.strip_prefix(key.as_str()))
        .unwrap_or(code)
        .to_owned()
}

/// The name a page shows for each party, by id: its short name, else its
/// name, as `GET /v1/parties` with `query` gives them.
async fn party_names(
    server: &Server,
    query: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let parties = server.get_query("/v1/parties", query).await;
    assert_eq!(parties.status, 200, "{}", parties.text);
    parties.body["items"]
        .as_array()
        .expect("parties")
        .iter()
        .map(|p| {
            let name = p["short_name"].as_str().or(p["name"].as_str());
            let id = p["party_id"].as_str().expect("an id");
            (id.to_owned(), name.expect("a name").to_owned())
        })
        .collect()
}

/// Fetches `href` as the signed-in browser: (status, body, Accord-Receipt).
async fn fetch(browser: &Browser, href: &str) -> (u64, String, String) {
    let answer = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0], {credentials: 'same-origin'})\
               .then(r => r.text().then(t => done([r.status, t, r.headers.get('accord-receipt') || ''])))\
               .catch(e => done([0, String(e), '']));",
            vec![json!(href)],
        )
        .await
        .expect("the fetch runs");
    serde_json::from_value(answer).expect("status, body and header")
}

/// The query parameters of a console link, as pairs.
fn query_of(href: &str) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(href).expect("an absolute link");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Pastes `text` into the receipt form of /audit and submits it.
async fn check_receipt(browser: &Browser, server: &Server, text: &str) {
    browser.open(&server.url("/audit")).await;
    browser
        .client
        .execute(
            "document.getElementById('receipt').value = arguments[0]",
            vec![json!(text)],
        )
        .await
        .expect("pasting the receipt");
    browser.click(".receipt-form button[type=submit]").await;
}

#[tokio::test]
async fn the_report_charts_downloads_and_receipt_hold_and_audit_reopens_the_exact_view() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .click_to(".main-nav a[href='/reports/cooperation']", ".report h1")
        .await;
    browser.open(&server.url(REPORT)).await;
    let api = server
        .get_query(
            "/v1/reports/cooperation",
            &[
                ("from", "2007-01-01"),
                ("to", "2015-12-31"),
                ("at", "2015-12-31"),
            ],
        )
        .await;
    assert_eq!(api.status, 200, "{}", api.text);
    let report = api.body;
    let exchanges = report["totals"]["exchanges"].as_u64().expect("a total");
    assert!(exchanges > 0, "the demo counts exchanges: {report}");
    assert_eq!(
        browser.text(".total-exchanges").await,
        exchanges.to_string()
    );
    assert_eq!(
        browser.text(".total-agreements").await,
        report["totals"]["agreements"].to_string()
    );

    // The charts count what the API's JSON counts, each bar named: areas
    // by the catalogue's names, not their codes.
    let mut by_area: std::collections::BTreeMap<String, u64> = Default::default();
    for row in report["agreements"].as_array().expect("rows") {
        for (area, n) in row["by_area"].as_object().expect("by area") {
            *by_area.entry(area_name(area)).or_default() += n.as_u64().expect("a count");
        }
    }
    let mut area_bars = bars(&browser, "chart-area").await;
    area_bars.sort();
    assert_eq!(area_bars, by_area.into_iter().collect::<Vec<_>>());
    assert!(
        area_bars
            .iter()
            .any(|(name, _)| name == "Investment promotion")
            && area_bars.iter().all(|(name, _)| !name.contains('_')),
        "{area_bars:?}"
    );
    let year_bars = bars(&browser, "chart-year").await;
    assert_eq!(year_bars.iter().map(|(_, n)| n).sum::<u64>(), exchanges);
    assert!(year_bars.iter().all(|(y, _)| y.len() == 4), "{year_bars:?}");
    // Parties by their names on the report's date.
    let names = party_names(&server, &[("at", "2015-12-31")]).await;
    let party_bars = bars(&browser, "chart-party").await;
    let party_counts: Vec<(String, u64)> = report["parties"]
        .as_array()
        .expect("party rows")
        .iter()
        .map(|p| {
            let id = p["party_id"].as_str().expect("an id");
            let count = p["exchanges"].as_u64().expect("a count");
            (names.get(id).expect("a registered party").clone(), count)
        })
        .collect();
    assert_eq!(party_bars, party_counts);
    assert!(
        party_bars.iter().all(|(name, _)| !name.ends_with("-iza")),
        "{party_bars:?}"
    );
    let rows = browser.all("table.report-table tbody tr").await;
    assert_eq!(
        rows.len(),
        report["agreements"].as_array().map_or(0, Vec::len)
    );

    // Activities planned vs done: each row shows its activities due in the
    // window by status and its follow-ups still to do, as the JSON counts
    // them; the chart sums the activities by status, done first.
    let columns = [
        ("activities-planned", "/activities/planned"),
        ("activities-done", "/activities/done"),
        ("activities-overdue", "/activities/overdue"),
        ("activities-cancelled", "/activities/cancelled"),
        ("follow-ups-open", "/follow_ups/open"),
        ("follow-ups-overdue", "/follow_ups/overdue"),
    ];
    let shown: Vec<Vec<u64>> = serde_json::from_value(
        browser
            .run(&format!(
                "return [...document.querySelectorAll('table.report-plans tbody tr')]\
                 .map(r => {:?}.map(c => Number(r.querySelector('td.' + c).textContent)))",
                columns.iter().map(|(c, _)| *c).collect::<Vec<_>>()
            ))
            .await,
    )
    .expect("the rows' counts");
    let counted: Vec<Vec<u64>> = report["agreements"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let count = |pointer| row.pointer(pointer).and_then(|n| n.as_u64());
            columns
                .iter()
                .map(|(_, pointer)| count(pointer).expect("a count"))
                .collect()
        })
        .collect();
    assert_eq!(shown, counted);
    let sum = |i: usize| counted.iter().map(|row| row[i]).sum::<u64>();
    let activity_bars = bars(&browser, "chart-activities").await;
    assert_eq!(
        activity_bars,
        [
            ("Done".to_owned(), sum(1)),
            ("Planned".to_owned(), sum(0)),
            ("Overdue".to_owned(), sum(2)),
            ("Cancelled".to_owned(), sum(3)),
        ]
    );
    assert!(sum(1) > 0, "the demo carried out an activity in the window");

    // The receipt, as text and as a QR code, on the page and in print.
    let receipt = browser.text(".receipt-text").await;
    assert!(receipt.starts_with("accord-receipt/1\nview=/reports/cooperation?from=2007-01-01&to=2015-12-31\nat=2015-12-31\n"), "{receipt}");
    browser.find(".receipt svg.qr[role=img]").await;
    let print = browser
        .run(
            "const rules = [...document.styleSheets].flatMap(s => [...s.cssRules])\
               .filter(r => r.media && r.media.mediaText === 'print')\
               .flatMap(r => [...r.cssRules]);\
             const hidden = rules.filter(r => r.style && r.style.display === 'none')\
               .map(r => r.selectorText).join(',');\
             const page = rules.some(r => r instanceof CSSPageRule && r.cssText.toLowerCase().includes('a4'));\
             return [hidden, page]",
        )
        .await;
    let hidden = print[0].as_str().expect("selectors").to_owned();
    assert!(
        hidden.contains(".top .bar nav") && hidden.contains(".filters"),
        "{hidden}"
    );
    assert!(
        !hidden.contains(".receipt,") && !hidden.contains("svg.qr"),
        "{hidden}"
    );
    assert_eq!(print[1], json!(true), "an A4 page");

    // The CSV download is the API's CSV for the same parameters, and
    // carries the same receipt in its header.
    let csv_href = browser
        .find("a.download-csv")
        .await
        .prop("href")
        .await
        .expect("a property")
        .expect("a link");
    let (status, csv, header) = fetch(&browser, &csv_href).await;
    assert_eq!(status, 200, "{csv}");
    let mut query = query_of(&csv_href);
    assert!(query.iter().any(|(k, _)| k == "as_of"), "{csv_href}");
    query.push(("format".into(), "csv".into()));
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let api_csv = server.get_query("/v1/reports/cooperation", &pairs).await;
    assert_eq!(api_csv.status, 200, "{}", api_csv.text);
    assert_eq!(csv, api_csv.text, "the console's CSV is the API's");
    assert!(csv.starts_with("agreement_id,title,"), "{csv}");
    assert_eq!(header, receipt.replace('\n', " "));
    let json_href = browser
        .find("a.download-json")
        .await
        .prop("href")
        .await
        .expect("a property")
        .expect("a link");
    let (_, json_body, _) = fetch(&browser, &json_href).await;
    let pairs: Vec<(String, String)> = query_of(&json_href);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        json_body,
        server
            .get_query("/v1/reports/cooperation", &pairs)
            .await
            .text
    );

    // One more exchange in the window: the report now counts it...
    let recorded = server
        .command(&json!({"type": "RecordExchange", "data": {
            "agreement_id": TRIPARTITE, "occurred_on": "2014-03-10", "area": "investment_promotion",
            "kind": "meeting", "parties": ["dong-nai-iza", "lam-dong-iza"],
            "summary": "Hội nghị xúc tiến đầu tư chung tại Đà Lạt"}}))
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    browser.open(&server.url(REPORT)).await;
    assert_eq!(
        browser.text(".total-exchanges").await,
        (exchanges + 1).to_string()
    );

    // ...yet the receipt still verifies, and re-opens the report it came from.
    check_receipt(&browser, &server, &receipt).await;
    let verified = browser.text(".receipt-result").await;
    assert!(verified.starts_with("Verified."), "{verified}");
    browser.click(".receipt-result a.receipt-reopen").await;
    browser
        .wait_url(|u| u.contains("/reports/cooperation?") && u.contains("as_of="))
        .await;
    assert_eq!(
        browser.text(".total-exchanges").await,
        exchanges.to_string()
    );
    assert_eq!(
        browser.text(".receipt-text").await,
        receipt,
        "the same view, the same receipt"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_receipt_with_one_changed_character_is_refused() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}?at=2013-07-04")))
        .await;
    let receipt = browser.text(".receipt-text").await;
    assert!(
        receipt.contains(&format!("view=/agreements/{BILATERAL}\nat=2013-07-04\n")),
        "{receipt}"
    );
    check_receipt(&browser, &server, &receipt).await;
    assert!(browser
        .text(".receipt-result")
        .await
        .starts_with("Verified."));

    // The business date moved by one day: the signature no longer matches.
    let moved = receipt.replacen("at=2013-07-04", "at=2013-07-05", 1);
    check_receipt(&browser, &server, &moved).await;
    let refused = browser.text(".receipt-result.outcome-bad").await;
    assert!(refused.starts_with("Not verified."), "{refused}");
    assert!(refused.contains("signature does not match"), "{refused}");
    assert!(browser
        .all(".receipt-result a.receipt-reopen")
        .await
        .is_empty());

    // A receipt cut short is not a receipt: said at the field, text kept.
    let cut = receipt
        .split("\nsignature=")
        .next()
        .expect("a first part")
        .to_owned();
    check_receipt(&browser, &server, &cut).await;
    assert_eq!(
        browser.text("#receipt-error").await,
        "This is not a receipt: its field signature is missing or cannot be read. \
         Paste the whole text, from accord-receipt/1 to the signature."
    );
    let kept = browser
        .run("return document.getElementById('receipt').value")
        .await;
    assert_eq!(kept, json!(cut));

    // The chain verifies; the checkpoint downloaded verifies with the API;
    // the export holds every event, in order.
    browser.open(&server.url("/audit")).await;
    browser.click(".verify-chain").await;
    let head = server.head().await;
    assert_eq!(
        browser.text(".chain-result").await,
        format!("The chain verifies: {head} events, from position 1 to the head.")
    );
    let (status, checkpoint, _) = fetch(&browser, &server.url("/audit/checkpoint.json")).await;
    assert_eq!(status, 200, "{checkpoint}");
    let checkpoint: Value = serde_json::from_str(&checkpoint).expect("a checkpoint");
    assert_eq!(checkpoint["position"], json!(head));
    let checked = server
        .post("/v1/audit/verify-checkpoint", &checkpoint)
        .await;
    assert_eq!(checked.body["ok"], json!(true), "{}", checked.text);
    let (_, key, _) = fetch(&browser, &server.url("/audit/public-key.json")).await;
    assert_eq!(key, server.get("/v1/audit/public-key").await.text);
    let (status, export, _) = fetch(&browser, &server.url("/audit/export.ndjson")).await;
    assert_eq!(status, 200);
    let positions: Vec<u64> = export
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("an event a line");
            assert!(event["hash"].is_string(), "{line}");
            event["position"].as_u64().expect("a position")
        })
        .collect();
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());

    // A writer has no audit page.
    let created = server
        .post(
            "/v1/tokens",
            &json!({"role": "writer", "party_id": "lam-dong-iza"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["token"].as_str().expect("a secret").to_owned();
    browser.click_to(".sign-out button", "#token").await;
    sign_in(&browser, &server, &secret).await;
    assert!(browser.all(".main-nav a[href='/audit']").await.is_empty());
    browser
        .find(".main-nav a[href='/reports/cooperation']")
        .await;
    browser.open(&server.url("/audit")).await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    browser.close().await;
}

// ---- Forms: commands issued from the console (issue 12, item 3) ----

/// A writer token for `party`; its secret.
async fn writer_token(server: &Server, party: &str) -> String {
    let created = server
        .post(
            "/v1/tokens",
            &json!({"role": "writer", "party_id": party, "label": format!("Văn phòng {party}")}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["token"].as_str().expect("a secret").to_owned()
}

/// How many events the log holds, read with the admin token.
async fn log_length(server: &Server) -> usize {
    server.events().await.len()
}

/// Unfolds the form of `command` and fills in an exchange of the
/// tripartite program: the date set as the date picker would, the rest
/// typed and chosen as a person would.
async fn fill_exchange(browser: &Browser, date: &str, summary: &str) {
    browser.click("#RecordExchange > summary").await;
    browser
        .run(&format!(
            "document.getElementById('RecordExchange-occurred_on').value = '{date}'"
        ))
        .await;
    browser
        .find("#RecordExchange-area")
        .await
        .select_by_value("investment_promotion")
        .await
        .expect("an area is chosen");
    browser
        .find("#RecordExchange-kind")
        .await
        .select_by_value("meeting")
        .await
        .expect("a kind is chosen");
    browser
        .click("#RecordExchange input[name=parties][value=binh-phuoc-eza]")
        .await;
    browser
        .find("#RecordExchange-summary")
        .await
        .send_keys(summary)
        .await
        .expect("typing the summary");
}

#[tokio::test]
async fn a_writer_records_an_exchange_through_the_form_in_vietnamese() {
    let (_dir, server, browser) = start().await;
    let secret = writer_token(&server, "lam-dong-iza").await;
    sign_in(&browser, &server, &secret).await;
    let before = log_length(&server).await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}?lang=vi")))
        .await;
    // The writer's own party is chosen already.
    let own = browser
        .find("#RecordExchange input[name=parties][value=lam-dong-iza]")
        .await;
    assert!(own.prop("checked").await.expect("a property").as_deref() == Some("true"));
    let summary = "Hội thảo xúc tiến đầu tư vào các KCN tỉnh Bình Phước, Đồng Nai và Lâm Đồng";
    fill_exchange(&browser, "2014-05-12", summary).await;
    browser
        .click_to("#RecordExchange button[type=submit]", ".notice.done")
        .await;
    assert_eq!(
        browser.text(".notice.done").await,
        "Đã ghi nhận hoạt động trao đổi."
    );
    let url = browser.url().await;
    assert!(url.contains("done=RecordExchange"), "{url}");
    let table = browser.text("table.exchanges").await;
    assert!(table.contains(summary), "{table}");
    assert!(table.contains("12/05/2014"), "{table}");
    let events = server.events().await;
    assert_eq!(events.len(), before + 1);
    let recorded = &events[before];
    assert_eq!(recorded["type"], "ExchangeRecorded");
    assert_eq!(recorded["data"]["summary"], summary);
    assert_eq!(recorded["actor"]["party_id"], "lam-dong-iza");
    browser.close().await;
}

#[tokio::test]
async fn submitting_the_same_rendered_form_twice_records_once() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    fill_exchange(&browser, "2014-06-02", "Trao đổi kinh nghiệm quản lý KCN").await;
    // What the rendered form sends, its command id included.
    let sent = browser
        .run(
            "const f = document.querySelector('#RecordExchange form');\
             return [f.getAttribute('action'), new URLSearchParams(new FormData(f)).toString()]",
        )
        .await;
    let before = log_length(&server).await;
    browser
        .click_to("#RecordExchange button[type=submit]", ".notice.done")
        .await;
    assert_eq!(log_length(&server).await, before + 1);
    // The same form again, as a second click on a slow connection sends it.
    let again = browser
        .client
        .execute_async(
            "const [action, body, done] = arguments;\
             fetch(action, {method: 'POST', body: new URLSearchParams(body)})\
               .then(r => done([r.status, r.url]), e => done([0, String(e)]));",
            vec![sent[0].clone(), sent[1].clone()],
        )
        .await
        .expect("the form is sent again");
    assert_eq!(again[0], 200, "{again}");
    assert!(
        again[1]
            .as_str()
            .unwrap_or("")
            .contains("done=RecordExchange"),
        "{again}"
    );
    assert_eq!(log_length(&server).await, before + 1, "recorded once");
    browser.close().await;
}

#[tokio::test]
async fn a_refused_exchange_shows_the_rules_message_at_its_field_and_keeps_what_was_typed() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let before = log_length(&server).await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}?lang=vi")))
        .await;
    // Before the program was signed (4 July 2013).
    let summary = "Tọa đàm chuẩn bị ký kết chương trình hợp tác";
    fill_exchange(&browser, "2013-06-30", summary).await;
    browser
        .click_to(
            "#RecordExchange button[type=submit]",
            "#RecordExchange-occurred_on-error",
        )
        .await;
    assert_eq!(
        browser.text("#RecordExchange-occurred_on-error").await,
        "Ngày này nằm ngoài thời hạn của thỏa thuận."
    );
    let date = browser.find("#RecordExchange-occurred_on").await;
    assert_eq!(
        date.attr("aria-invalid")
            .await
            .expect("an attribute")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        date.attr("aria-describedby")
            .await
            .expect("an attribute")
            .as_deref(),
        Some("RecordExchange-occurred_on-error")
    );
    assert_eq!(
        date.prop("value").await.expect("a value").as_deref(),
        Some("2013-06-30")
    );
    let kept = browser
        .run(
            "return [document.getElementById('RecordExchange-summary').value,\
                     document.getElementById('RecordExchange-area').value,\
                     document.getElementById('RecordExchange-kind').value,\
                     [...document.querySelectorAll('#RecordExchange input[name=parties]:checked')].map(e => e.value),\
                     document.getElementById('RecordExchange').open]",
        )
        .await;
    assert_eq!(
        kept,
        json!([
            summary,
            "investment_promotion",
            "meeting",
            ["binh-phuoc-eza"],
            true
        ])
    );
    assert_eq!(log_length(&server).await, before, "nothing appended");
    // An area the program does not cover, sent by hand: its message at the area.
    browser
        .run(
            "const s = document.getElementById('RecordExchange-area');\
             const o = document.createElement('option'); o.value = 'space_exploration'; s.append(o);\
             s.value = 'space_exploration';\
             document.getElementById('RecordExchange-occurred_on').value = '2014-01-15';",
        )
        .await;
    browser
        .click_to(
            "#RecordExchange button[type=submit]",
            "#RecordExchange-area-error",
        )
        .await;
    assert_eq!(
        browser.text("#RecordExchange-area-error").await,
        "Thỏa thuận không bao gồm lĩnh vực này."
    );
    assert_eq!(
        browser
            .run("return document.getElementById('RecordExchange-area').value")
            .await,
        "space_exploration",
        "the area sent is shown back"
    );
    assert!(browser
        .all("#RecordExchange-occurred_on-error")
        .await
        .is_empty());
    assert_eq!(log_length(&server).await, before, "nothing appended");
    browser.close().await;
}

#[tokio::test]
async fn a_role_that_may_not_issue_a_command_sees_no_form_and_its_post_is_refused() {
    let (_dir, server, browser) = start().await;
    // Bình Phước was not a party to the bilateral program.
    let secret = writer_token(&server, "binh-phuoc-eza").await;
    sign_in(&browser, &server, &secret).await;
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}")))
        .await;
    browser.find("main h1").await;
    assert!(browser.all("form.command-form").await.is_empty());
    // On its own program it has forms, but never the admin's.
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    browser.find("#RecordExchange").await;
    browser.open(&server.url("/parties")).await;
    browser.find("main h1").await;
    assert!(browser.all("#RegisterParty").await.is_empty());
    let before = log_length(&server).await;
    // The form it was not shown, posted from a page of the console with
    // the session's token: the engine's rule refuses it.
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}")))
        .await;
    browser
        .run(&format!(
            "const f = document.createElement('form'); f.method = 'post'; f.action = '/agreements/{BILATERAL}';\
             const add = (n, v) => {{ const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.append(i); }};\
             add('csrf', document.querySelector('.sign-out input[name=csrf]').value);\
             add('command', 'RecordExchange'); add('command_id', '0190f0a0-2099-7000-8000-000000000001');\
             add('occurred_on', '2010-03-01'); add('area', 'investment_promotion'); add('kind', 'meeting');\
             add('parties', 'dong-nai-iza'); add('summary', 'Không được phép');\
             document.body.append(f); f.submit();"
        ))
        .await;
    browser.find(".error").await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    assert_eq!(log_length(&server).await, before, "nothing appended");
    browser.close().await;
}

#[tokio::test]
async fn the_forms_unfolded_are_labelled_for_axe_in_both_languages() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let mut found = Vec::new();
    for lang in ["en", "vi"] {
        for path in [
            format!("/agreements/{TRIPARTITE}?lang={lang}"),
            format!("/agreements/{BILATERAL}?at=2013-07-01&lang={lang}"),
            format!("/agreements?lang={lang}"),
            format!("/parties?lang={lang}"),
            format!("/parties/binh-phuoc-eza?lang={lang}"),
        ] {
            browser.open(&server.url(&path)).await;
            browser.find("form.command-form").await;
            browser
                .run("document.querySelectorAll('details.command').forEach(d => d.open = true)")
                .await;
            for v in axe_violations(&browser).await {
                found.push(format!("{path}: {v}"));
            }
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
    browser.close().await;
}

#[tokio::test]
async fn the_home_page_shows_what_is_due_and_overdue() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    // Today the tripartite program's term is long over, with no final review.
    let overdue = browser.text("table.due tbody tr.overdue").await;
    assert!(overdue.contains(TRIPARTITE_TITLE), "{overdue}");
    assert!(
        overdue.contains("The term ended on 31 December 2015 and no final review has been closed."),
        "{overdue}"
    );
    // While the bilateral program's final review awaits both assessments.
    browser.open(&server.url("/?at=2013-06-25")).await;
    let awaited = browser.text("table.due tbody tr.due").await;
    assert!(
        awaited.contains("are awaited from Ban quản lý các Khu công nghiệp tỉnh Đồng Nai, Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng."),
        "{awaited}"
    );
    // Sixty days before its end, a writer of one of its parties sees it due.
    let secret = writer_token(&server, "binh-phuoc-eza").await;
    browser.click_to(".sign-out button", "#token").await;
    sign_in(&browser, &server, &secret).await;
    browser.open(&server.url("/?at=2015-11-01")).await;
    let due = browser.text("table.due tbody tr.due").await;
    assert!(
        due.contains("The term ends on 31 December 2015, in 60 days."),
        "{due}"
    );
    assert!(browser.all("table.due tbody tr.overdue").await.is_empty());
    browser.close().await;
}

#[tokio::test]
async fn a_writer_sees_its_own_assessment_due_and_signs_a_new_agreement() {
    let (_dir, server, browser) = start().await;
    let secret = writer_token(&server, "lam-dong-iza").await;
    sign_in(&browser, &server, &secret).await;
    browser.open(&server.url("/?at=2013-06-25&lang=vi")).await;
    assert_eq!(
        browser.text("table.due tbody tr.due td:last-child").await,
        "Đơn vị cần gửi ý kiến đánh giá trong “Tổng kết 5 năm thực hiện chương trình hợp tác (2007–2013)”; kỳ đánh giá kết thúc ngày 04/07/2013."
    );
    let before = log_length(&server).await;
    browser.open(&server.url("/agreements?lang=vi")).await;
    browser.click("#SignAgreement > summary").await;
    let title = "Chương trình hợp tác giữa Ban quản lý các KCN Lâm Đồng và Khu kinh tế Bình Phước giai đoạn 2016–2020";
    browser
        .find("#SignAgreement-title")
        .await
        .send_keys(title)
        .await
        .expect("typing the title");
    browser
        .click("#SignAgreement input[name=parties][value=binh-phuoc-eza]")
        .await;
    browser
        .run(
            "document.getElementById('SignAgreement-signed_on').value = '2016-01-15';\
             document.getElementById('SignAgreement-term-start').value = '2016-01-15';\
             document.getElementById('SignAgreement-term-end').value = '2020-12-31';",
        )
        .await;
    browser
        .find("#SignAgreement-areas")
        .await
        .send_keys("investment_promotion, experience_exchange")
        .await
        .expect("typing the areas");
    browser
        .click_to("#SignAgreement button[type=submit]", ".notice.done")
        .await;
    assert_eq!(
        browser.text(".notice.done").await,
        "Đã ghi nhận thỏa thuận được ký kết."
    );
    assert_eq!(browser.text("main h1").await, title);
    assert_eq!(
        browser.text("ul.tags").await,
        "investment_promotion\nexperience_exchange"
    );
    let events = server.events().await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[before]["type"], "AgreementSigned");
    assert_eq!(events[before]["data"]["title"], title);
    browser.close().await;
}

/// Sets the value of the form field `id` as a date picker or a select would.
async fn set_value(browser: &Browser, id: &str, value: &str) {
    browser
        .run(&format!(
            "const e = document.getElementById('{id}'); e.value = '{value}';\
             if (e.value !== '{value}') throw new Error('no {value} in {id}');"
        ))
        .await;
}

/// Types `text` into the field `id`.
async fn type_into(browser: &Browser, id: &str, text: &str) {
    browser
        .find(&format!("#{id}"))
        .await
        .send_keys(text)
        .await
        .expect("typing");
}

/// Submits the form of `command` and waits for the confirmation (failing
/// with the message if the form comes back refused).
async fn submit_form(browser: &Browser, command: &str, done: &str) {
    // The page before the post may show a notice or an error already: wait
    // for those of the page the post leads to, a new document.
    browser.run("document.body.dataset.submitted = 'yes'").await;
    browser
        .click_to(
            &format!("#{command} button[type=submit]"),
            "body:not([data-submitted]) :is(.notice.done, .field-error, .form-error)",
        )
        .await;
    let refused = browser.all(".field-error, .form-error").await;
    if let Some(error) = refused.first() {
        panic!(
            "{command} refused: {}",
            error.text().await.unwrap_or_default()
        );
    }
    assert_eq!(browser.text(".notice.done").await, done);
}

#[tokio::test]
async fn an_exchange_is_corrected_then_retracted_and_a_review_opened_assessed_and_closed() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let recorded = server
        .accept(
            &json!({"type": "RecordExchange", "data": {"agreement_id": TRIPARTITE,
            "occurred_on": "2014-03-10", "area": "investment_promotion", "kind": "meeting",
            "parties": ["dong-nai-iza", "lam-dong-iza"], "summary": "Hội nghị xúc tiến đầu tư"}}),
        )
        .await;
    assert_eq!(recorded["stream"], format!("agreement:{TRIPARTITE}"));
    let page = server.url(&format!("/agreements/{TRIPARTITE}"));
    browser.open(&page).await;
    browser.click("#CorrectExchange > summary").await;
    browser
        .run("document.getElementById('CorrectExchange-exchange_id').selectedIndex = 1")
        .await;
    type_into(&browser, "CorrectExchange-reason", "Sai địa điểm").await;
    type_into(
        &browser,
        "CorrectExchange-summary",
        "Hội nghị xúc tiến đầu tư tại Đà Lạt",
    )
    .await;
    submit_form(&browser, "CorrectExchange", "The correction was recorded.").await;
    let row = browser.text("table.exchanges tbody tr").await;
    assert!(
        row.contains("Hội nghị xúc tiến đầu tư tại Đà Lạt") && row.contains("Corrected"),
        "{row}"
    );

    browser.click("#RetractExchange > summary").await;
    browser
        .run("document.getElementById('RetractExchange-exchange_id').selectedIndex = 1")
        .await;
    type_into(&browser, "RetractExchange-reason", "Ghi trùng").await;
    submit_form(
        &browser,
        "RetractExchange",
        "The exchange was retracted; it stays in the history.",
    )
    .await;
    assert!(browser
        .text("table.exchanges tbody tr.retracted")
        .await
        .contains("Retracted"));
    // The retracted exchange is no longer offered to correct or retract
    // (the demo's two exchanges of the work plan still are).
    let offered = browser
        .run(
            "return [...document.querySelectorAll('#CorrectExchange-exchange_id option, #RetractExchange-exchange_id option')].map(o => o.textContent).join('\\n')",
        )
        .await;
    let offered = offered.as_str().unwrap_or_default().to_owned();
    assert!(!offered.contains("tại Đà Lạt"), "{offered}");

    browser.click("#OpenReviewPeriod > summary").await;
    type_into(
        &browser,
        "OpenReviewPeriod-title",
        "Sơ kết 2 năm thực hiện chương trình",
    )
    .await;
    set_value(&browser, "OpenReviewPeriod-kind", "interim").await;
    set_value(&browser, "OpenReviewPeriod-period-start", "2013-07-04").await;
    set_value(&browser, "OpenReviewPeriod-period-end", "2015-06-30").await;
    set_value(&browser, "OpenReviewPeriod-opened_on", "2015-07-01").await;
    submit_form(&browser, "OpenReviewPeriod", "The review was opened.").await;

    browser.click("#RecordAssessment > summary").await;
    browser
        .run("document.getElementById('RecordAssessment-review_id').selectedIndex = 1")
        .await;
    set_value(&browser, "RecordAssessment-party_id", "binh-phuoc-eza").await;
    set_value(&browser, "RecordAssessment-assessed_on", "2015-07-10").await;
    set_value(&browser, "RecordAssessment-rating", "partially_met").await;
    submit_form(&browser, "RecordAssessment", "The assessment was recorded.").await;

    browser.click("#CloseReviewPeriod > summary").await;
    browser
        .run("document.getElementById('CloseReviewPeriod-review_id').selectedIndex = 1")
        .await;
    // Closing before the period starts is refused at the date.
    set_value(&browser, "CloseReviewPeriod-closed_on", "2013-01-01").await;
    set_value(&browser, "CloseReviewPeriod-outcome", "met").await;
    type_into(&browser, "CloseReviewPeriod-summary", "Cơ bản đạt yêu cầu").await;
    browser
        .click_to(
            "#CloseReviewPeriod button[type=submit]",
            "#CloseReviewPeriod-closed_on-error",
        )
        .await;
    assert_eq!(
        browser.text("#CloseReviewPeriod-closed_on-error").await,
        "A review cannot close before its period starts."
    );
    set_value(&browser, "CloseReviewPeriod-closed_on", "2015-07-15").await;
    submit_form(&browser, "CloseReviewPeriod", "The review was closed.").await;
    let review = browser.text(".review").await;
    assert!(
        review.contains("Closed")
            && review.contains("Partially met")
            && review.contains("Cơ bản đạt yêu cầu"),
        "{review}"
    );
    browser.close().await;
}

// ---------------------------------------------------------------------
// Administration (tokens, webhooks) and live updates.
// ---------------------------------------------------------------------

#[path = "support/receiver.rs"]
mod receiver;

use std::time::{Duration, Instant};

use receiver::{verify_with_python, TestReceiver};

/// How long a condition of the admin and live tests may take to hold.
const WITHIN: Duration = Duration::from_secs(20);

/// The statuses `fetch` gets from the open page's session for each
/// `(method, path)`; a POST carries the page's form token.
async fn statuses(browser: &Browser, requests: &[(&str, &str)]) -> Vec<u64> {
    let list = serde_json::to_value(requests).expect("requests");
    let answer = browser
        .client
        .execute_async(
            "const [list, done] = [arguments[0], arguments[arguments.length - 1]];\
             const csrf = (document.querySelector('input[name=csrf]') || {}).value || '';\
             Promise.all(list.map(([method, path]) => fetch(path, method === 'POST'\
               ? {method, redirect: 'manual', body: new URLSearchParams({csrf, role: 'admin'})}\
               : {redirect: 'manual'}).then(r => r.status)))\
             .then(done, e => done(String(e)));",
            vec![list],
        )
        .await
        .expect("fetch runs");
    serde_json::from_value(answer.clone()).unwrap_or_else(|_| panic!("statuses: {answer}"))
}

/// The `name` query parameter of the open page's URL.
async fn url_param(browser: &Browser, name: &str) -> String {
    let url = browser.url().await;
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| panic!("no `{name}` in {url}"))
}

/// The value of the input `css`.
async fn value_of(browser: &Browser, css: &str) -> String {
    let value = browser
        .find(css)
        .await
        .prop("value")
        .await
        .expect("a property");
    value.unwrap_or_default()
}

/// Opens `path` again and again until the text of `css` satisfies `ok`
/// (the server's page, not a script's, changes).
async fn reload_until(
    browser: &Browser,
    server: &Server,
    path: &str,
    css: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + WITHIN;
    loop {
        browser.open(&server.url(path)).await;
        browser.find("main h1").await;
        let text = match browser.all(css).await.first() {
            Some(element) => element.text().await.unwrap_or_default(),
            None => String::new(),
        };
        if ok(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: `{css}` still reads {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn exchange(summary: &str) -> Value {
    json!({"type": "RecordExchange", "data": {"agreement_id": BILATERAL, "occurred_on": "2013-01-15",
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "summary": summary}})
}

#[tokio::test]
async fn an_admin_creates_a_writer_token_in_the_console_and_revoking_it_ends_its_session() {
    let (_dir, server, admin) = start().await;
    sign_in(&admin, &server, TOKEN).await;
    admin
        .click_to(".main-nav a[href='/admin/tokens']", "#token-role")
        .await;
    // A writer without its party is refused at the field, and nothing is created.
    let before = server.json("/v1/tokens").await["items"]
        .as_array()
        .map_or(0, Vec::len);
    admin
        .find("#token-label")
        .await
        .send_keys("Văn phòng BQL các KCN Lâm Đồng")
        .await
        .expect("typing the label");
    admin
        .click_to(
            "form[action='/admin/tokens'] button[type=submit]",
            "#token-party-error",
        )
        .await;
    assert_eq!(
        admin.text("#token-party-error").await,
        "A secretariat token needs the registered party it acts for; auditor and administrator tokens take no party."
    );
    assert_eq!(
        value_of(&admin, "#token-label").await,
        "Văn phòng BQL các KCN Lâm Đồng"
    );
    let after = server.json("/v1/tokens").await["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(after, before, "a refused form creates nothing");
    let found = axe_violations(&admin).await;
    assert!(found.is_empty(), "the refused form: {found:?}");
    admin
        .find("#token-party")
        .await
        .select_by_value("lam-dong-iza")
        .await
        .expect("choosing the party");
    admin
        .click_to(
            "form[action='/admin/tokens'] button[type=submit]",
            "#new-secret",
        )
        .await;
    let secret = value_of(&admin, "#new-secret").await;
    assert!(secret.starts_with("acc_"), "{secret}");
    let found = axe_violations(&admin).await;
    assert!(found.is_empty(), "the new token: {found:?}");
    let id = url_param(&admin, "created").await;
    let listed = server.json("/v1/tokens").await;
    let record = listed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("{id} is not in {listed}"));
    assert_eq!(record["role"], "writer");
    assert_eq!(record["party_id"], "lam-dong-iza");
    assert_eq!(record["label"], "Văn phòng BQL các KCN Lâm Đồng");
    // Shown once: the same page again has no secret.
    admin.client.refresh().await.expect("a reload");
    admin.find("#token-created").await;
    assert!(admin.all("#new-secret").await.is_empty());

    // The writer, in a browser of their own.
    let writer = Browser::start().await;
    sign_in(&writer, &server, &secret).await;
    assert_eq!(
        writer.text("main h1").await,
        "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng"
    );
    assert_eq!(writer.text(".identity .role").await, "Secretariat");
    assert!(writer.all(".main-nav a[href^='/admin']").await.is_empty());
    let refused = statuses(
        &writer,
        &[
            ("GET", "/admin/tokens"),
            ("GET", "/admin/webhooks"),
            (
                "GET",
                "/admin/webhooks/0190f0a0-0000-7000-8000-000000000001",
            ),
            ("POST", "/admin/tokens"),
            ("POST", &format!("/admin/tokens/{id}/revoke")),
        ],
    )
    .await;
    assert_eq!(refused, [403, 403, 403, 403, 403]);
    writer.open(&server.url("/admin/tokens")).await;
    assert_eq!(writer.text("main h1").await, "Not allowed");
    assert!(server.json("/v1/tokens").await["items"]
        .as_array()
        .is_some_and(|items| items.iter().all(|t| t["revoked_at"].is_null())));

    // The admin revokes it; the writer's next request is refused.
    admin.open(&server.url("/admin/tokens")).await;
    admin
        .click_to(&format!("#token-{id} button"), ".notice")
        .await;
    assert_eq!(
        admin.text(".notice").await,
        "The token is revoked: it opens nothing any more and its sessions have ended."
    );
    assert!(admin
        .text(&format!("#token-{id}"))
        .await
        .contains("Revoked"));
    writer.client.refresh().await.expect("a reload");
    writer.wait_url(|u| u.contains("/sign-in")).await;
    assert_eq!(
        writer.text(".notice").await,
        "Your token was revoked, so your session has ended."
    );
    sign_in_refused(&writer, &server, &secret).await;
    writer.close().await;
    admin.close().await;
}

#[tokio::test]
async fn an_admin_subscribes_a_webhook_reads_its_log_replays_and_rotates_its_secret() {
    let receiver = TestReceiver::start().await;
    let dir = DataDir::new();
    let server = Server::start_demo_with(&dir, &["--webhook-allow-private"]).await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .click_to(".main-nav a[href='/admin/webhooks']", "#webhook-url")
        .await;
    browser
        .find("#webhook-url")
        .await
        .send_keys(&receiver.url())
        .await
        .expect("typing the URL");
    browser
        .find("#webhook-description")
        .await
        .send_keys("ERP của Ban quản lý Bình Phước")
        .await
        .expect("typing the description");
    browser
        .click("input[name=event_types][value=ExchangeRecorded]")
        .await;
    browser
        .click_to(
            "form[action='/admin/webhooks'] button[type=submit]",
            "#new-secret",
        )
        .await;
    let secret = value_of(&browser, "#new-secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let url = browser.url().await;
    let path = url
        .strip_prefix(&server.base)
        .and_then(|p| p.split('?').next())
        .unwrap_or_else(|| panic!("{url} is not on {}", server.base))
        .to_owned();
    let listed = server.json("/v1/webhooks").await;
    assert_eq!(
        listed["items"][0]["url"],
        receiver.url().as_str(),
        "{listed}"
    );
    assert_eq!(
        listed["items"][0]["event_types"],
        json!(["ExchangeRecorded"])
    );
    assert_eq!(
        listed["items"][0]["description"],
        "ERP của Ban quản lý Bình Phước"
    );

    // An event recorded through the API is delivered, signed with the secret.
    let first = server
        .accept(&exchange("Hội nghị xúc tiến đầu tư chung"))
        .await;
    let position = first["position"].as_u64().expect("a position");
    let received = receiver.wait_for(WITHIN, |r| !r.is_empty()).await;
    assert_eq!(received[0].position(), position);
    verify_with_python(&secret, &received[0]).expect("the delivery verifies with the secret");
    let row = format!("#delivery-{position}");
    reload_until(&browser, &server, &path, &format!("{row} .attempts"), |t| {
        t == "1"
    })
    .await;
    assert_eq!(browser.text(&format!("{row} .status")).await, "Delivered");

    // Replay from that position delivers it again, logged as a second attempt.
    browser
        .find("#replay-from")
        .await
        .send_keys(&position.to_string())
        .await
        .expect("typing the position");
    browser.click_to("form.replay button", ".notice").await;
    receiver
        .wait_for(WITHIN, |r| {
            r.iter().filter(|d| d.position() == position).count() == 2
        })
        .await;
    reload_until(&browser, &server, &path, &format!("{row} .attempts"), |t| {
        t == "2"
    })
    .await;

    // Rotation shows a new secret; the next delivery verifies with it.
    browser.click_to("button.rotate", "#new-secret").await;
    let rotated = value_of(&browser, "#new-secret").await;
    assert!(
        rotated.starts_with("whsec_") && rotated != secret,
        "{rotated}"
    );
    let found = axe_violations(&browser).await;
    assert!(found.is_empty(), "a subscription's page: {found:?}");
    let second = server
        .accept(&exchange("Trao đổi kinh nghiệm thu hút đầu tư"))
        .await;
    let next = second["position"].as_u64().expect("a position");
    let received = receiver
        .wait_for(WITHIN, |r| r.iter().any(|d| d.position() == next))
        .await;
    let delivery = received
        .iter()
        .find(|d| d.position() == next)
        .expect("delivered");
    verify_with_python(&rotated, delivery).expect("the next delivery verifies with the new secret");

    // Disabled, nothing goes out; enabled again, what was recorded meanwhile does.
    browser.click_to("button.disable", "button.enable").await;
    assert_eq!(browser.text(".webhook-status").await, "Disabled");
    assert_eq!(
        server.json("/v1/webhooks").await["items"][0]["status"],
        "disabled"
    );
    let third = server
        .accept(&exchange("Khảo sát hạ tầng khu công nghiệp"))
        .await;
    let later = third["position"].as_u64().expect("a position");
    browser.click_to("button.enable", "button.disable").await;
    assert_eq!(browser.text(".webhook-status").await, "Enabled");
    receiver
        .wait_for(WITHIN, |r| r.iter().any(|d| d.position() == later))
        .await;
    browser.close().await;
}

#[tokio::test]
async fn an_open_agreement_page_shows_a_new_exchange_without_a_reload() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}")))
        .await;
    browser.find("[data-live]").await;
    // A mark that a reload would wipe out.
    browser.run("window.accordUnchanged = true").await;
    let summary = "Đoàn công tác Lâm Đồng thăm các KCN Đồng Nai";
    assert!(!browser.text("main").await.contains(summary));
    let appended = server.accept(&exchange(summary)).await;
    let position = appended["position"].as_u64().expect("a position");
    browser
        .find(&format!("#timeline-live #event-{position}"))
        .await;
    browser
        .wait_text("#agreement-live", |t| t.contains(summary))
        .await;
    // The printed view's receipt follows: it names the new position.
    let receipt = browser.text("#receipt .hint").await;
    assert!(receipt.contains(&position.to_string()), "{receipt}");
    assert_eq!(
        browser.text(".live-notice").await,
        "New events were recorded; this page now shows them."
    );
    assert_eq!(
        browser.run("return window.accordUnchanged === true").await,
        json!(true)
    );

    // When the session ends, so does the stream, and the page says so.
    browser
        .run(
            "const csrf = document.querySelector('input[name=csrf]').value;\
             fetch('/sign-out', {method: 'POST', redirect: 'manual', body: new URLSearchParams({csrf})})",
        )
        .await;
    browser
        .wait_text(".live-notice", |t| {
            t == "Your session has ended, so this page no longer updates. Reload it to sign in again."
        })
        .await;
    let refused = server
        .send(
            server
                .client
                .get(server.url(&format!("/live?agreement={BILATERAL}"))),
        )
        .await;
    assert_eq!(refused.status, 204, "no session, no stream");
    browser.close().await;
}

/// A webhook subscription with a delivery in its log, to picture.
struct PicturedWebhook {
    path: String,
    _receiver: TestReceiver,
}

async fn pictured_webhook(server: &Server) -> PicturedWebhook {
    let receiver = TestReceiver::start().await;
    let body = json!({"url": receiver.url(), "description": "ERP của Ban quản lý Khu kinh tế Bình Phước",
        "event_types": ["ExchangeRecorded"], "agreement_id": BILATERAL});
    let created = server.post("/v1/webhooks", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    server
        .accept(&exchange("Hội nghị xúc tiến đầu tư chung"))
        .await;
    receiver.wait_for(WITHIN, |r| !r.is_empty()).await;
    let id = created.body["id"].as_str().expect("an id");
    let deadline = Instant::now() + WITHIN;
    let log = format!("/v1/webhooks/{id}/deliveries");
    while server.json(&log).await["items"][0]["state"] != "succeeded" {
        assert!(Instant::now() < deadline, "the delivery is not logged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    PicturedWebhook {
        path: format!("/admin/webhooks/{id}"),
        _receiver: receiver,
    }
}

// ---------------------------------------------------------------- import

/// Three exchanges of the tripartite program and, third, one dated after
/// its term (made by tests/fixtures/import/make.py).
const IMPORT_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/tripartite.xlsx"
);

/// The exchanges the API counts under the agreement `id`.
async fn exchanges_counted(server: &Server, id: &str) -> u64 {
    let agreement = server.json(&format!("/v1/agreements/{id}")).await;
    agreement["exchanges"]["total"]
        .as_u64()
        .expect("an exchange count")
}

/// What became of row `line` of an import, on one line.
async fn result_of(browser: &Browser, line: usize) -> String {
    let text = browser.text(&format!("#row-{line} td.result")).await;
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Chooses `file` in the import form and checks it: the preview.
async fn upload_for_preview(browser: &Browser, file: &str) {
    browser
        .find("#file")
        .await
        .send_keys(file)
        .await
        .expect("choosing the file");
    browser
        .click_to("form[enctype] button[type=submit]", "table.import-rows")
        .await;
}

#[tokio::test]
async fn a_spreadsheet_import_records_its_accepted_rows_once() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let before = exchanges_counted(&server, TRIPARTITE).await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    browser.click_to(".import-link a", "#file").await;
    upload_for_preview(&browser, IMPORT_FILE).await;

    // Every row judged; the one after the term refused by its rule, with
    // the column it concerns; nothing recorded yet.
    let refused = result_of(&browser, 4).await;
    assert!(
        refused.starts_with("Refused") && refused.contains("exchange_outside_term"),
        "{refused}"
    );
    assert!(
        refused.contains("This date is outside the agreement's term. (column Date)"),
        "{refused}"
    );
    assert_eq!(browser.all("#row-4 td.bad").await.len(), 1);
    assert_eq!(browser.text("#row-4 td.bad").await, "2016-02-15");
    // Each row's parties by their names, above the ids the file gives.
    // (as they stand today: the API's default date)
    let names = party_names(&server, &[]).await;
    assert_eq!(
        browser.text("#row-2 td.c-parties .party-names").await,
        format!("{}; {}", names["dong-nai-iza"], names["lam-dong-iza"])
    );
    assert_eq!(
        browser.text("#row-2 td.c-parties .party-ids").await,
        "dong-nai-iza; lam-dong-iza"
    );
    for row in [2, 3, 5] {
        let result = result_of(&browser, row).await;
        assert_eq!(result, "To record", "row {row}");
    }
    assert_eq!(browser.text(".count-accepted dd").await, "3");
    assert_eq!(browser.text(".count-refused dd").await, "1");
    let violations = axe_violations(&browser).await;
    assert!(violations.is_empty(), "axe-core found: {violations:?}");
    assert_eq!(exchanges_counted(&server, TRIPARTITE).await, before);
    let (folder, _temp) = screenshot_folder();
    save(&browser, &folder, "import-preview.en.png").await;

    // Recorded: the three accepted rows, each at its position.
    let head = server.head().await;
    browser
        .click_to("form.commit button", ".count-recorded")
        .await;
    assert_eq!(browser.text(".count-recorded dd").await, "3");
    assert_eq!(browser.text(".count-already dd").await, "0");
    assert_eq!(
        result_of(&browser, 2).await,
        format!("Recorded at position {}", head + 1)
    );
    assert!(result_of(&browser, 4).await.starts_with("Refused"));
    assert_eq!(exchanges_counted(&server, TRIPARTITE).await, before + 3);
    assert_eq!(server.head().await, head + 3);
    let events = server.events().await;
    let imported: Vec<&Value> = events
        .iter()
        .filter(|e| e["correlation_id"] == "console-import")
        .collect();
    assert_eq!(imported.len(), 3, "{events:?}");

    // The same file again: every row already recorded, nothing to commit.
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}/import")))
        .await;
    upload_for_preview(&browser, IMPORT_FILE).await;
    assert_eq!(browser.text(".count-already dd").await, "3");
    assert_eq!(browser.text(".count-accepted dd").await, "0");
    assert_eq!(
        result_of(&browser, 2).await,
        format!("Already recorded at position {}", head + 1)
    );
    assert!(browser.all("form.commit").await.is_empty());
    assert_eq!(server.head().await, head + 3);
    assert_eq!(exchanges_counted(&server, TRIPARTITE).await, before + 3);
    browser.close().await;
}

#[tokio::test]
async fn a_file_that_is_not_a_spreadsheet_is_refused_at_its_field() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let head = server.head().await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}/import")))
        .await;
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    browser
        .find("#file")
        .await
        .send_keys(readme)
        .await
        .expect("choosing the file");
    browser
        .click_to("form[enctype] button[type=submit]", "#file-error")
        .await;
    let error = browser.text("#file-error").await;
    assert!(
        error.starts_with("The first row must be the template's header row"),
        "{error}"
    );
    assert_eq!(
        browser
            .run("return document.getElementById('file').getAttribute('aria-invalid')")
            .await,
        "true"
    );
    assert_eq!(server.head().await, head);
    // A person who may not write is refused the page.
    let auditor = server
        .post(
            "/v1/tokens",
            &json!({"role": "auditor", "label": "Thanh tra"}),
        )
        .await;
    assert_eq!(auditor.status, 201, "{}", auditor.text);
    browser.click_to(".sign-out button", "#token").await;
    sign_in(
        &browser,
        &server,
        auditor.body["token"].as_str().expect("a secret"),
    )
    .await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}/import")))
        .await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    assert!(browser.all(".import-link").await.is_empty());
    browser.close().await;
}

// ---------------------------------------------------------------------
// Documents and files (ADR 0033).

#[tokio::test]
async fn an_exchange_recorded_with_a_file_shows_it_and_a_wrong_type_is_refused_at_its_field() {
    let (dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    // An appendix with its document (number and signatory illustrative).
    server
        .accept(&json!({"type": "AmendAgreement", "data": {"agreement_id": TRIPARTITE,
            "effective_on": "2014-06-01", "reason": "Phụ lục",
            "document": {"number": "02/PL-CTHT", "issued_on": "2014-05-28",
              "signatories": [{"party_id": "lam-dong-iza", "name": "Trần Thị Lâm", "title": "Trưởng ban"}]}}}))
        .await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    assert_eq!(
        browser.text("dd.document").await,
        "No. 02/PL-CTHT, 28 May 2014"
    );
    let signed_by = browser.text("ul.signatories").await;
    assert!(
        signed_by.starts_with("Trần Thị Lâm, Trưởng ban — "),
        "{signed_by}"
    );
    let summary = "Làm việc về xúc tiến đầu tư vào KCN Lộc Sơn";
    fill_exchange(&browser, "2014-05-12", summary).await;

    // A web page is not a document: refused at the file, nothing appended.
    let head = server.head().await;
    let page = dir.log("trang-web.html");
    std::fs::write(&page, "<html><body>không phải văn bản</body></html>").unwrap();
    browser
        .find("#RecordExchange-file")
        .await
        .send_keys(page.to_str().unwrap())
        .await
        .expect("choosing the file");
    browser.run("document.body.dataset.submitted = 'yes'").await;
    browser
        .click_to(
            "#RecordExchange button[type=submit]",
            "body:not([data-submitted]) #RecordExchange-file-error",
        )
        .await;
    let error = browser.text("#RecordExchange-file-error").await;
    assert!(
        error.starts_with("This kind of file is not accepted"),
        "{error}"
    );
    assert_eq!(
        browser
            .run("return document.getElementById('RecordExchange-file').getAttribute('aria-invalid')")
            .await,
        "true"
    );
    assert_eq!(
        value_of(&browser, "#RecordExchange-summary").await,
        summary,
        "what was typed is kept"
    );
    assert_eq!(server.head().await, head, "nothing appended");

    // Minutes as plain text: the exchange and the file, both recorded.
    let minutes = "BIÊN BẢN LÀM VIỆC\nNgày 12/5/2014, tại Ban quản lý các KCN tỉnh Lâm Đồng.\n\
                   Các bên thống nhất phối hợp xúc tiến đầu tư vào KCN Lộc Sơn.\n";
    let file = dir.log("bien-ban-2014-05-12.txt");
    std::fs::write(&file, minutes).unwrap();
    browser
        .find("#RecordExchange-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choosing the file");
    submit_form(&browser, "RecordExchange", "The exchange was recorded.").await;
    let events = server.events().await;
    assert_eq!(events.len() as u64, head + 2, "the exchange and its file");
    let (recorded, attached) = (&events[head as usize], &events[head as usize + 1]);
    assert_eq!(recorded["type"], "ExchangeRecorded");
    assert_eq!(attached["type"], "DocumentAttached");
    assert_eq!(
        attached["data"]["exchange_id"],
        recorded["data"]["exchange_id"]
    );
    assert_eq!(attached["data"]["media_type"], "text/plain");
    assert_eq!(attached["data"]["filename"], "bien-ban-2014-05-12.txt");
    assert_eq!(attached["data"]["dated_on"], "2014-05-12");

    // Listed on the agreement page; opened from it, its bytes.
    let link = browser.find("table.attachments a.open-file").await;
    assert_eq!(link.text().await.unwrap(), "bien-ban-2014-05-12.txt");
    let (folder, _temp) = screenshot_folder();
    browser
        .run("document.getElementById('a-attachments').scrollIntoView()")
        .await;
    save(&browser, &folder, "agreement-attachments.en.png").await;
    let violations = axe_violations(&browser).await;
    assert!(violations.is_empty(), "axe-core found: {violations:?}");
    let href = link.attr("href").await.unwrap().expect("a link");

    // The download: its type, and a Content-Disposition naming the file
    // safely (ASCII, and in full as UTF-8), sandboxed.
    let headers = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0], {credentials: 'same-origin'})\
               .then(r => done([r.status, r.headers.get('content-type'),\
                 r.headers.get('content-disposition'), r.headers.get('content-security-policy')]))\
               .catch(e => done([0, String(e), '', '']));",
            vec![json!(format!("{href}?download=1"))],
        )
        .await
        .expect("the fetch runs");
    assert_eq!(headers[0], 200, "{headers}");
    assert_eq!(headers[1], "text/plain; charset=utf-8");
    assert_eq!(
        headers[2],
        "attachment; filename=\"bien-ban-2014-05-12.txt\"; filename*=UTF-8''bien-ban-2014-05-12.txt"
    );
    assert!(
        headers[3].as_str().unwrap().starts_with("sandbox"),
        "{headers}"
    );

    // The "attach a document" form: a plan, as a PDF, for the agreement.
    let plan = dir.log("kế-hoạch-2015.pdf");
    std::fs::write(
        &plan,
        b"%PDF-1.4\n% K\xe1\xba\xbf ho\xe1\xba\xa1ch 2015\n%%EOF\n",
    )
    .unwrap();
    browser.click("#AttachDocument > summary").await;
    browser
        .find("#AttachDocument-attachment")
        .await
        .send_keys(plan.to_str().unwrap())
        .await
        .expect("choosing the file");
    type_into(
        &browser,
        "AttachDocument-title",
        "Kế hoạch hợp tác năm 2015",
    )
    .await;
    browser
        .find("#AttachDocument-kind")
        .await
        .select_by_value("plan")
        .await
        .expect("a kind is chosen");
    set_value(&browser, "AttachDocument-dated_on", "2014-12-15").await;
    submit_form(&browser, "AttachDocument", "The document was attached.").await;
    let titles = browser.text("table.attachments").await;
    assert!(titles.contains("Kế hoạch hợp tác năm 2015"), "{titles}");
    assert!(titles.contains("Plan"), "{titles}");
    let last = server.events().await.pop().unwrap();
    assert_eq!(last["data"]["media_type"], "application/pdf");
    assert_eq!(last["data"]["filename"], "kế-hoạch-2015.pdf");
    assert_eq!(last["data"]["exchange_id"], Value::Null);

    // The audit page re-hashes the files the log names with the chain.
    browser.open(&server.url("/audit?verify=chain")).await;
    assert_eq!(
        browser.text(".files-result").await,
        "Every file the log names is stored and hashes to its name: 2 files."
    );

    browser.open(&server.url(&href)).await;
    let shown = browser.text("pre").await;
    assert_eq!(shown.trim_end(), minutes.trim_end());
    browser.close().await;
}

#[tokio::test]
async fn an_exchange_form_with_a_file_sent_twice_records_the_exchange_and_the_file_once() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    fill_exchange(
        &browser,
        "2014-05-13",
        "Trao đổi kinh nghiệm thu hút đầu tư",
    )
    .await;
    let head = server.head().await;
    // The same rendered form (one command id), posted twice with its file.
    let statuses = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const form = document.querySelector('#RecordExchange form');\
             const send = () => {\
               const data = new FormData(form);\
               data.set('file', new Blob(['Biên bản ngày 13/5/2014'], {type: 'text/plain'}), 'bien-ban.txt');\
               return fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'})\
                 .then(r => r.status);\
             };\
             send().then(a => send().then(b => done([a, b]))).catch(e => done([String(e)]));",
            vec![],
        )
        .await
        .expect("the posts run");
    assert_eq!(statuses, json!([200, 200]), "both answered with the page");
    let events = server.events().await;
    let new: Vec<&str> = events[head as usize..]
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["ExchangeRecorded", "DocumentAttached"], "once each");
    browser.close().await;
}

#[tokio::test]
async fn an_activity_planned_and_carried_out_through_the_forms_is_done_and_an_overdue_one_is_on_the_home_page(
) {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let page = format!("/agreements/{TRIPARTITE}?lang=en");
    browser.open(&server.url(&page)).await;
    // The demo's work plan: two activities carried out, one cancelled.
    let demo_plan = browser.text("table.activities").await;
    assert!(
        demo_plan.contains("Hội nghị xúc tiến đầu tư vào các KCN, KKT của ba tỉnh")
            && demo_plan.contains("Carried out on 18 April 2014")
            && demo_plan.contains("Cancelled"),
        "{demo_plan}"
    );

    // Plan the seminar, led by Đồng Nai, due 30 June 2014.
    browser.click("#PlanActivity > summary").await;
    let title = "Hội thảo xúc tiến đầu tư vùng Đông Nam Bộ";
    browser
        .find("#PlanActivity-title")
        .await
        .send_keys(title)
        .await
        .expect("typing the title");
    browser
        .find("#PlanActivity-area")
        .await
        .select_by_value("investment_promotion")
        .await
        .expect("an area is chosen");
    browser
        .find("#PlanActivity-lead_party")
        .await
        .select_by_value("dong-nai-iza")
        .await
        .expect("a lead party is chosen");
    browser
        .run("document.getElementById('PlanActivity-due_on').value = '2014-06-30'")
        .await;
    browser.click("#PlanActivity button[type=submit]").await;
    browser.wait_url(|u| u.contains("done=PlanActivity")).await;
    let planned = server.events().await.last().cloned().unwrap();
    assert_eq!(planned["type"], "ActivityPlanned");
    let activity = planned["data"]["activity_id"].as_str().unwrap().to_owned();
    let row = browser
        .text(&format!("tr[data-activity='{activity}']"))
        .await;
    assert!(row.contains(title) && row.contains("Overdue"), "{row}");

    // Record the exchange that carries it out, with a participant, the
    // minutes and a follow-up.
    fill_exchange(&browser, "2014-05-12", "Hội thảo xúc tiến đầu tư").await;
    browser
        .find("#RecordExchange-activity_id")
        .await
        .select_by_value(&activity)
        .await
        .expect("the activity is chosen");
    browser
        .find("#RecordExchange-participants")
        .await
        .send_keys("Nguyễn Văn A | Phó Trưởng ban | dong-nai-iza")
        .await
        .expect("typing a participant");
    browser
        .find("#RecordExchange-minutes")
        .await
        .send_keys("Các Ban thống nhất lịch hội thảo năm 2014.")
        .await
        .expect("typing the minutes");
    browser
        .find("#RecordExchange-follow_ups")
        .await
        .send_keys("Gửi báo cáo kết quả hội thảo | lam-dong-iza | 2014-06-15")
        .await
        .expect("typing a follow-up");
    browser.click("#RecordExchange button[type=submit]").await;
    browser
        .wait_url(|u| u.contains("done=RecordExchange"))
        .await;
    let row = browser
        .text(&format!("tr[data-activity='{activity}']"))
        .await;
    assert!(
        row.contains("Done") && row.contains("Carried out on 12 May 2014"),
        "{row}"
    );
    let exchanges = browser.text("table.exchanges").await;
    assert!(
        exchanges.contains("Nguyễn Văn A (Phó Trưởng ban)"),
        "{exchanges}"
    );
    assert!(
        exchanges.contains(&format!("Carries out: {title}")),
        "{exchanges}"
    );
    let follow_ups = browser.text("table.follow-ups").await;
    assert!(
        follow_ups.contains("Gửi báo cáo kết quả hội thảo"),
        "{follow_ups}"
    );
    let recorded = server.events().await.last().cloned().unwrap();
    assert_eq!(recorded["data"]["activity_id"], activity.as_str());
    assert_eq!(
        recorded["data"]["participants"][0]["party_id"],
        "dong-nai-iza"
    );

    // A fair planned for February and never held is overdue on 1 March.
    server
        .accept(&json!({"type": "PlanActivity", "data": {
            "agreement_id": TRIPARTITE, "area": "labour_recruitment",
            "title": "Hội chợ việc làm liên tỉnh", "lead_party": "binh-phuoc-eza",
            "due_on": "2014-02-28"}}))
        .await;
    browser.open(&server.url("/?at=2014-03-01&lang=en")).await;
    let due = browser.text("table.due").await;
    assert!(
        due.contains("The activity “Hội chợ việc làm liên tỉnh” led by Ban quản lý Khu kinh tế tỉnh Bình Phước is overdue."),
        "{due}"
    );
    browser.open(&server.url("/?at=2014-06-16&lang=vi")).await;
    let due = browser.text("table.due").await;
    assert!(due.contains("Việc “Gửi báo cáo kết quả hội thảo”"), "{due}");
    browser.close().await;
}

#[tokio::test]
async fn a_fact_is_voided_from_the_timeline_and_a_fact_others_depend_on_is_refused() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let recorded = server
        .accept(
            &json!({"type": "RecordExchange", "data": {"agreement_id": TRIPARTITE,
            "occurred_on": "2014-03-10", "area": "investment_promotion", "kind": "meeting",
            "parties": ["dong-nai-iza", "lam-dong-iza"], "summary": "Hội nghị ghi nhầm chương trình"}}),
        )
        .await;
    let position = recorded["position"].as_u64().unwrap();
    browser
        .open(&server.url(&format!("/agreements/{TRIPARTITE}")))
        .await;
    // The row's Void action opens the void form with this fact chosen.
    browser
        .click_to(
            &format!("#event-{position} a.void-action"),
            "#VoidEvent[open]",
        )
        .await;
    let events = server.events().await;
    let chosen = browser
        .run("return document.getElementById('VoidEvent-event_id').value")
        .await;
    assert_eq!(chosen, events[position as usize - 1]["id"]);
    type_into(
        &browser,
        "VoidEvent-reason",
        "Ghi nhầm vào chương trình ba bên",
    )
    .await;
    submit_form(
        &browser,
        "VoidEvent",
        "The fact was voided: it no longer counts from now on, and stays in the history, marked.",
    )
    .await;
    let row = browser.text(&format!("tr.voided#event-{position}")).await;
    assert!(
        row.contains("Voided: Ghi nhầm vào chương trình ba bên") && row.contains("see the void"),
        "{row}"
    );
    let (folder, _temp) = screenshot_folder();
    save(&browser, &folder, "agreement-voided-en.png").await;
    // The voided exchange is in no list of the page any more.
    assert!(!browser.text("main").await.contains("Hội nghị ghi nhầm"));
    let length = log_length(&server).await;
    assert_eq!(server.events().await[length - 1]["type"], "EventVoided");

    // The bilateral program's signature: its review and the tripartite
    // program succeeding it depend on it; the refusal is at the fact.
    let signed = server
        .events()
        .await
        .into_iter()
        .find(|e| e["type"] == "AgreementSigned" && e["data"]["agreement_id"] == BILATERAL);
    let signed = signed.unwrap()["position"].as_u64().unwrap();
    browser
        .open(&server.url(&format!("/agreements/{BILATERAL}")))
        .await;
    browser
        .click_to(
            &format!("#event-{signed} a.void-action"),
            "#VoidEvent[open]",
        )
        .await;
    type_into(&browser, "VoidEvent-reason", "Ký nhầm").await;
    browser.run("document.body.dataset.submitted = 'yes'").await;
    browser
        .click_to(
            "#VoidEvent button[type=submit]",
            "body:not([data-submitted]) .field-error",
        )
        .await;
    assert_eq!(
        browser.text("#VoidEvent-event_id-error").await,
        "A fact recorded later depends on this one: void that one first."
    );
    save(&browser, &folder, "agreement-void-refused-en.png").await;
    assert_eq!(log_length(&server).await, length, "nothing appended");
    browser.close().await;
}

// ---- Parties that change: succession, update, withdrawal (issue 13) ----

/// The rows of the agreement page's parties table, one line each.
async fn party_rows(browser: &Browser) -> Vec<String> {
    let rows = browser.all("#a-parties + table tbody tr").await;
    let mut lines = Vec::new();
    for row in rows {
        lines.push(row.text().await.expect("a row's text"));
    }
    lines
}

/// Chooses `value` in the select `id`, adding it first as a hand-made
/// form would (a value the page does not offer).
async fn choose_by_hand(browser: &Browser, id: &str, value: &str) {
    browser
        .run(&format!(
            "const s = document.getElementById('{id}');\
             const o = document.createElement('option'); o.value = '{value}'; s.append(o);\
             s.value = '{value}';"
        ))
        .await;
}

#[tokio::test]
async fn an_admin_records_a_succession_and_an_update_on_the_party_page() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    let before = log_length(&server).await;
    browser
        .open(&server.url("/parties/binh-phuoc-eza?lang=en"))
        .await;
    // A succession to itself, sent by hand: the rule's message at the
    // successor, what was typed kept, nothing appended.
    browser.click("#SucceedParty > summary").await;
    choose_by_hand(&browser, "SucceedParty-successor_id", "binh-phuoc-eza").await;
    set_value(&browser, "SucceedParty-effective_on", "2025-07-01").await;
    let reason = "Sáp nhập tỉnh Bình Phước vào tỉnh Đồng Nai theo Nghị quyết 202/2025/QH15";
    type_into(&browser, "SucceedParty-reason", reason).await;
    browser
        .click_to(
            "#SucceedParty button[type=submit]",
            "#SucceedParty-successor_id-error",
        )
        .await;
    assert_eq!(
        browser.text("#SucceedParty-successor_id-error").await,
        "A party cannot succeed itself."
    );
    assert!(browser.all("#SucceedParty-error").await.is_empty());
    assert_eq!(value_of(&browser, "#SucceedParty-reason").await, reason);
    assert_eq!(log_length(&server).await, before, "nothing appended");
    // Đồng Nai's authority, chosen among the registered parties.
    set_value(&browser, "SucceedParty-successor_id", "dong-nai-iza").await;
    submit_form(&browser, "SucceedParty", "The succession was recorded.").await;
    let events = server.events().await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[before]["type"], "PartySucceeded");
    assert_eq!(events[before]["data"]["successor_id"], "dong-nai-iza");
    assert_eq!(events[before]["data"]["effective_on"], "2025-07-01");
    assert_eq!(events[before]["data"]["reason"], reason);
    // Its page now names its successor, from the date; a party is
    // succeeded once, so the form is gone.
    let successor = browser.text("dd.successor").await;
    assert!(
        successor.contains("Ban quản lý các Khu công nghiệp tỉnh Đồng Nai"),
        "{successor}"
    );
    assert!(successor.contains("2025"), "{successor}");
    assert!(browser.all("#SucceedParty").await.is_empty());
    let (folder, _temp) = screenshot_folder();
    save(&browser, &folder, "party-succeeded.en.png").await;
    // Before the date, no successor yet.
    browser
        .open(&server.url("/parties/binh-phuoc-eza?lang=en&at=2025-06-30"))
        .await;
    browser.find("main h1").await;
    assert!(browser.all("dd.successor").await.is_empty());
    // Đồng Nai's page names its predecessor.
    browser
        .open(&server.url("/parties/dong-nai-iza?lang=en&at=2025-07-02"))
        .await;
    let predecessors = browser.text("ul.predecessors").await;
    assert!(
        predecessors.contains("Ban quản lý Khu kinh tế tỉnh Bình Phước"),
        "{predecessors}"
    );
    // An update of its short name only: the other fields are not sent.
    browser.click("#UpdateParty > summary").await;
    set_value(&browser, "UpdateParty-effective_on", "2025-07-01").await;
    type_into(
        &browser,
        "UpdateParty-reason",
        "Tiếp nhận Khu kinh tế Bình Phước",
    )
    .await;
    let short = "BQL các KCN và KKT Đồng Nai";
    type_into(&browser, "UpdateParty-short_name", short).await;
    submit_form(&browser, "UpdateParty", "The update was recorded.").await;
    let events = server.events().await;
    assert_eq!(events.len(), before + 2);
    assert_eq!(events[before + 1]["type"], "PartyUpdated");
    let data = &events[before + 1]["data"];
    assert_eq!(data["short_name"], short);
    for absent in ["name", "kind", "province"] {
        assert!(data[absent].is_null(), "{absent} was sent: {data}");
    }
    let history = browser.text("table.party-history").await;
    assert!(history.contains("As registered"), "{history}");
    assert!(history.contains(short), "{history}");
    // An update that changes nothing: the rule's message above the form.
    browser.click("#UpdateParty > summary").await;
    set_value(&browser, "UpdateParty-effective_on", "2025-07-01").await;
    type_into(&browser, "UpdateParty-reason", "Nhập lại").await;
    type_into(&browser, "UpdateParty-short_name", short).await;
    browser
        .click_to("#UpdateParty button[type=submit]", "#UpdateParty-error")
        .await;
    assert_eq!(
        browser.text("#UpdateParty-error").await,
        "The update changes nothing in force on its date."
    );
    assert_eq!(log_length(&server).await, before + 2, "nothing appended");
    // The tripartite program: Bình Phước's membership ends on the
    // succession's date; Đồng Nai, a party already, stays one (once).
    let page = |at: &str| format!("/agreements/{TRIPARTITE}?lang=en&at={at}");
    browser.open(&server.url(&page("2025-07-02"))).await;
    let rows = party_rows(&browser).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[0].starts_with("Ban quản lý Khu kinh tế tỉnh Bình Phước 4 July 2013 1 July 2025 "),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("Ban quản lý các Khu công nghiệp tỉnh Đồng Nai 4 July 2013 Chia sẻ"),
        "{rows:?}"
    );
    assert!(browser.all("#a-parties + table tr.former").await.len() == 1);
    // Names as in force on the date: the new short name from 1 July 2025.
    let exchanges = browser.text("table.exchanges").await;
    assert!(exchanges.contains(short), "{exchanges}");
    let (folder, _temp) = screenshot_folder();
    save(&browser, &folder, "agreement-members-succeeded.en.png").await;
    // The day before, Bình Phước is still a party.
    browser.open(&server.url(&page("2025-06-30"))).await;
    let rows = party_rows(&browser).await;
    assert!(
        rows[0].starts_with("Ban quản lý Khu kinh tế tỉnh Bình Phước 4 July 2013 Chia sẻ"),
        "{rows:?}"
    );
    assert!(browser.all("#a-parties + table tr.former").await.is_empty());
    let exchanges = browser.text("table.exchanges").await;
    assert!(!exchanges.contains(short), "{exchanges}");
    assert!(exchanges.contains("BQL các KCN Đồng Nai"), "{exchanges}");
    browser.close().await;
}

#[tokio::test]
async fn the_agreement_shows_a_successor_via_its_predecessor_and_records_a_withdrawal() {
    let (_dir, server, browser) = start().await;
    sign_in(&browser, &server, TOKEN).await;
    // A successor that was not a party: it joins via its predecessor.
    server
        .accept(
            &json!({"type": "RegisterParty", "data": {"party_id": "binh-phuoc-ipa",
            "name": "Ban quản lý các Khu công nghiệp tỉnh Bình Phước",
            "kind": "industrial_zone_authority", "province": "Bình Phước"}}),
        )
        .await;
    server
        .accept(
            &json!({"type": "SucceedParty", "data": {"party_id": "binh-phuoc-eza",
            "successor_id": "binh-phuoc-ipa", "effective_on": "2015-01-01",
            "reason": "Hợp nhất hai Ban quản lý"}}),
        )
        .await;
    let page = |at: &str| format!("/agreements/{TRIPARTITE}?lang=en&at={at}");
    browser.open(&server.url(&page("2015-01-02"))).await;
    let rows = party_rows(&browser).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows[0].starts_with("Ban quản lý Khu kinh tế tỉnh Bình Phước 4 July 2013 1 January 2015"),
        "{rows:?}"
    );
    assert_eq!(
        rows[3],
        "Ban quản lý các Khu công nghiệp tỉnh Bình Phước via Ban quản lý Khu kinh tế tỉnh Bình Phước 1 January 2015"
    );
    assert_eq!(
        browser.text("#a-parties + table .via a").await,
        "Ban quản lý Khu kinh tế tỉnh Bình Phước"
    );
    let (folder, _temp) = screenshot_folder();
    save(&browser, &folder, "agreement-members-via.en.png").await;
    // The withdrawal form offers the parties at the date.
    browser.open(&server.url(&page("2015-06-01"))).await;
    let offered = browser
        .run(
            "return [...document.querySelectorAll('#WithdrawParty-party_id option')]\
             .map(o => o.value).filter(v => v)",
        )
        .await;
    assert_eq!(
        offered,
        json!(["dong-nai-iza", "lam-dong-iza", "binh-phuoc-ipa"])
    );
    // A date outside the term: the rule's message at the date.
    let before = log_length(&server).await;
    browser.click("#WithdrawParty > summary").await;
    browser
        .find("#WithdrawParty-party_id")
        .await
        .select_by_value("lam-dong-iza")
        .await
        .expect("a member is chosen");
    set_value(&browser, "WithdrawParty-effective_on", "2016-03-01").await;
    let reason = "Rút khỏi chương trình theo đề nghị của UBND tỉnh Lâm Đồng";
    type_into(&browser, "WithdrawParty-reason", reason).await;
    browser
        .click_to(
            "#WithdrawParty button[type=submit]",
            "#WithdrawParty-effective_on-error",
        )
        .await;
    assert_eq!(
        browser.text("#WithdrawParty-effective_on-error").await,
        "The withdrawal date is outside the agreement's term."
    );
    assert_eq!(log_length(&server).await, before, "nothing appended");
    set_value(&browser, "WithdrawParty-effective_on", "2015-06-01").await;
    submit_form(&browser, "WithdrawParty", "The withdrawal was recorded.").await;
    let events = server.events().await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[before]["type"], "PartyWithdrew");
    assert_eq!(events[before]["data"]["party_id"], "lam-dong-iza");
    assert_eq!(events[before]["data"]["reason"], reason);
    browser.open(&server.url(&page("2015-06-02"))).await;
    let rows = party_rows(&browser).await;
    assert!(
        rows[2]
            .starts_with("Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng 4 July 2013 1 June 2015"),
        "{rows:?}"
    );
    // Before it, Lâm Đồng is a party still.
    browser.open(&server.url(&page("2015-05-31"))).await;
    let rows = party_rows(&browser).await;
    assert!(
        rows[2].starts_with("Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng 4 July 2013 Đầu mối"),
        "{rows:?}"
    );
    browser.close().await;
}
