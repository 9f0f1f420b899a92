//! The browser harness: a real headless Chromium driven through its
//! WebDriver (Debian's `chromium` and `chromium-driver`; `scripts/test.sh`
//! installs them), for tests that use the console as a person would.
//!
//! Included with `#[path = "support/browser.rs"] mod browser;`. Each
//! [`Browser`] runs its own chromedriver on a free port, with a fresh
//! profile, in its own process group, which is killed when it is dropped.
//! Every wait is on a condition (an element, a URL), bounded by [`PATIENCE`]
//! for a busy machine; none is a fixed sleep.
#![allow(dead_code)] // each test file uses a different subset of the helpers

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long any wait may take on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Chromium's flags: headless, and nothing that reaches for the network
/// (on a closed network those connections are refused and slow it down).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// A headless Chromium and its chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: TempDir,
    log: PathBuf,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl Browser {
    /// Starts chromedriver and a browser session in American English.
    /// Fails, naming the fix, when Chromium or chromedriver is not installed.
    pub async fn start() -> Browser {
        Self::start_in("en-US").await
    }

    /// The same, the browser set to `locale` (`vi`): its `Accept-Language`
    /// and its own controls' language.
    pub async fn start_in(locale: &str) -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: the console's browser tests need Debian's chromium and \
                 chromium-driver (scripts/test.sh installs them: apt-get install -y chromium chromium-driver)"
            );
        }
        let profile = tempfile::Builder::new()
            .prefix("accord-chromium-")
            .tempdir()
            .expect("a profile folder");
        let log = profile.path().join("chromedriver.log");
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(File::create(&log).expect("the driver's log"))
            .stderr(Stdio::null())
            // Its own group, so that dropping the browser ends Chromium too.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = Self::connect(&url, profile.path(), locale).await;
        Browser {
            client,
            driver,
            profile,
            log,
        }
    }

    /// Opens a session once chromedriver answers; retries until [`PATIENCE`].
    async fn connect(url: &str, profile: &Path, locale: &str) -> Client {
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--lang={locale}"));
        args.push(format!(
            "--user-data-dir={}",
            profile.join("chromium").display()
        ));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {"intl": {"accept_languages": locale}},
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("an object")
        };
        let deadline = Instant::now() + PATIENCE;
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let attempt = ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(url)
                .await;
            match attempt {
                Ok(client) => return client,
                Err(e) if Instant::now() > deadline => {
                    panic!("no WebDriver session within {PATIENCE:?}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The first element matching `css`, waiting until it appears.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` within {PATIENCE:?}: {e}"))
    }

    /// Every element matching `css` now.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .expect("a search")
    }

    /// The text of the first element matching `css`. A live update may
    /// replace the element between finding and reading it (the pages swap
    /// their live regions as events arrive): then the new one is read.
    pub async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if e.is_stale_element_reference() && Instant::now() < deadline => {}
                Err(e) => panic!("the text of `{css}`: {e}"),
            }
        }
    }

    /// Waits until the text of `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&found) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` still reads {found:?} after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("a click");
    }

    /// Clicks `css` and waits for the page it leads to, recognised by
    /// `then` (a CSS selector present only there).
    pub async fn click_to(&self, css: &str, then: &str) {
        self.click(css).await;
        self.find(then).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("a URL").to_string()
    }

    /// Waits until the current URL satisfies `ok`; returns it.
    pub async fn wait_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.url().await;
            if ok(&url) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "still at {url} after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` in the page and returns its value.
    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// A PNG of the whole page (the window grown to the page's height).
    pub async fn screenshot(&self, width: u32) -> Vec<u8> {
        self.client
            .set_window_size(width, 900)
            .await
            .expect("a window size");
        let height = self
            .run("return Math.ceil(document.documentElement.scrollHeight)")
            .await
            .as_u64()
            .unwrap_or(900)
            .clamp(600, 6000) as u32;
        // The window's frame is not part of the viewport: add a margin for it.
        self.client
            .set_window_size(width, height + 140)
            .await
            .expect("a window size");
        let png = self.client.screenshot().await.expect("a screenshot");
        self.client
            .set_window_size(1280, 900)
            .await
            .expect("a window size");
        png
    }

    /// Ends the session (Chromium exits), then chromedriver.
    pub async fn close(self) {
        let Browser { client, .. } = &self;
        let _ = client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the Chromium it started.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
        let _ = &self.profile;
        let _ = &self.log;
    }
}
