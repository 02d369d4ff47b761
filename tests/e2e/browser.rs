//! A real headless Chromium, driven over WebDriver by `fantoccini`: Debian's `chromium` and
//! `chromium-driver` (the test command installs them). Each `Browser` runs its own
//! chromedriver on a free port with a fresh profile, and stops it when dropped.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The chromedriver binary: `RSC_CHROMEDRIVER`, else Debian's.
fn chromedriver() -> String {
    std::env::var("RSC_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// geckodriver: `RSC_GECKODRIVER`, else where `scripts/browser-for-tests` installs it.
fn geckodriver() -> std::path::PathBuf {
    std::env::var_os("RSC_GECKODRIVER").map(Into::into).unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("test binary");
        exe.ancestors().nth(3).map(|t| t.join("tools/gecko/bin/geckodriver")).unwrap_or_else(|| "geckodriver".into())
    })
}

/// Which browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Debian's Chromium, through chromedriver.
    Chromium,
    /// Debian's Firefox ESR, through geckodriver.
    Firefox,
}

/// Whether Firefox and geckodriver are here (required, like Chromium, under `RSC_REQUIRE_BROWSER`).
pub fn firefox_available() -> bool {
    let there = geckodriver().exists() && std::path::Path::new("/usr/bin/firefox-esr").exists();
    if !there && std::env::var_os("RSC_REQUIRE_BROWSER").is_some() {
        panic!("RSC_REQUIRE_BROWSER is set but Firefox ESR or geckodriver ({}) is missing", geckodriver().display());
    }
    if !there {
        rsc_test_kit::skipped(
            "a Firefox test",
            "no Firefox ESR or geckodriver (scripts/browser-for-tests installs them)",
        );
    }
    there
}

/// Whether this machine can run the browser tests. Without a browser they are skipped, unless
/// `RSC_REQUIRE_BROWSER` is set (the test command sets it), when that is a failure.
pub fn available() -> bool {
    // The browser tests need the driver and axe-core (the accessibility check every page
    // passes); without either, each says so and skips, unless the test command requires them.
    let missing = if !std::path::Path::new(&chromedriver()).exists() {
        Some(format!("no chromedriver at {} (apt-get install chromium chromium-driver)", chromedriver()))
    } else if !axe_path().exists() {
        Some(format!("no axe-core at {} (scripts/browser-for-tests installs it)", axe_path().display()))
    } else {
        None
    };
    match missing {
        Some(why) if std::env::var_os("RSC_REQUIRE_BROWSER").is_some() => {
            panic!("RSC_REQUIRE_BROWSER is set but there is {why}")
        }
        Some(why) => {
            rsc_test_kit::skipped("a browser test", &why);
            false
        }
        None => true,
    }
}

/// One headless browser.
pub struct Browser {
    pub client: Client,
    pub kind: Kind,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the driver and the browser it started: the driver leads a process group of its
    /// own, which the browser's processes join, so a test that ends (or panics) leaves no
    /// browser running behind it.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium `width` pixels wide.
    pub async fn start(width: u32) -> Browser {
        Browser::start_kind(Kind::Chromium, width).await
    }

    /// Starts a headless browser of `kind`, `width` pixels wide.
    pub async fn start_kind(kind: Kind, width: u32) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let program: std::path::PathBuf = match kind {
            Kind::Chromium => chromedriver().into(),
            Kind::Firefox => geckodriver(),
        };
        let profile = tempfile::Builder::new().prefix("rsc-browser-").tempdir().expect("profile dir");
        // The driver and its browser put their scratch files (geckodriver the whole Firefox
        // profile) under TMPDIR; pointing it into the profile directory removes them with it,
        // since a killed driver never cleans up after itself.
        let driver = Command::new(program)
            .process_group(0)
            .arg(format!("--port={port}"))
            .env("TMPDIR", profile.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the WebDriver starts");
        let mut capabilities = serde_json::Map::new();
        if kind == Kind::Firefox {
            capabilities.insert(
                "moz:firefoxOptions".into(),
                json!({
                    "binary": "/usr/bin/firefox-esr",
                    "args": ["-headless", format!("--width={width}"), "--height=900"],
                    "prefs": { "network.proxy.type": 0, "app.update.enabled": false, "browser.shell.checkDefaultBrowser": false },
                }),
            );
        } else {
            capabilities.insert(
                "goog:chromeOptions".into(),
                json!({
                    "binary": std::env::var("RSC_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        format!("--user-data-dir={}", profile.path().display()),
                        format!("--window-size={width},900"),
                    ],
                }),
            );
            capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        }
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    let browser = Browser { client, kind, driver, _profile: profile };
                    browser.client.set_window_size(width, 900).await.expect("size");
                    return browser;
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session: {last:?}");
    }

    /// Opens `url` and waits for the page.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    /// Marks the element `link` (a CSS selector) in the table row that mentions `text` with
    /// the id `id`, so that a test can click the row's own link or button.
    pub async fn mark_row_link(&self, text: &str, link: &str, id: &str) {
        let script = format!(
            "[...document.querySelectorAll('tr')].find(r => r.textContent.includes({})).querySelector({}).id = {};",
            Value::from(text),
            Value::from(link),
            Value::from(id)
        );
        self.client.execute(&script, vec![]).await.expect("mark the row's link");
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client.find(Locator::Css("body")).await.expect("body").text().await.expect("text")
    }

    /// Types `value` into the field with id `id`, replacing what it held.
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.client.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("field #{id}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Chooses the file at `path` in the file input with id `id`.
    pub async fn choose_file(&self, id: &str, path: &std::path::Path) {
        let input = self.client.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("file input #{id}"));
        input.send_keys(&path.display().to_string()).await.expect("choose the file");
    }

    /// Clicks the element `css` and waits for the next page to load: the current document is
    /// marked first, and the wait ends when a complete document without the mark is showing.
    pub async fn submit(&self, css: &str) {
        self.client.execute("window.__rscOldPage = true;", vec![]).await.expect("mark the page");
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css}")).click().await.expect("click");
        self.next_page(css).await;
    }

    /// Presses Tab, as a keyboard user moves, until the focus is on `css`.
    pub async fn tab_to(&self, css: &str) {
        let script = format!("return document.activeElement.matches({});", Value::from(css));
        for _ in 0..60 {
            self.client.active_element().await.expect("focus").send_keys("\u{e004}").await.expect("Tab");
            if self.client.execute(&script, vec![]).await.expect("focus") == Value::Bool(true) {
                return;
            }
        }
        panic!("Tab never reaches {css}");
    }

    /// Presses Enter where the focus is and waits for the next page.
    pub async fn press_enter(&self) {
        self.client.execute("window.__rscOldPage = true;", vec![]).await.expect("mark the page");
        self.client.active_element().await.expect("focus").send_keys("\u{e007}").await.expect("Enter");
        self.next_page("Enter").await;
    }

    /// Waits until a complete document without the old page's mark is showing. Firefox may
    /// show a complete `about:blank` for a moment while it moves the page to another process,
    /// so that one does not count as the next page.
    async fn next_page(&self, after: &str) {
        const FRESH: &str = "return document.readyState === 'complete' && window.__rscOldPage !== true \
                             && location.protocol !== 'about:'";
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let fresh: Value = self.client.execute(FRESH, vec![]).await.unwrap_or(Value::Null);
            if fresh == Value::Bool(true) {
                return;
            }
        }
        panic!("no new page after {after}");
    }

    /// The URL's path.
    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("url").path().to_string()
    }

    /// The browser console's messages at level SEVERE since the last call (Chromium's log; in
    /// Firefox, which has no such endpoint, none).
    pub async fn console_errors(&self) -> Vec<String> {
        if self.kind == Kind::Firefox {
            return Vec::new();
        }
        // chromedriver's legacy log endpoint, which fantoccini does not wrap.
        let logs = self.client.issue_cmd(LogCommand).await.unwrap_or(Value::Null);
        logs.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a screenshot of the page at `width` pixels wide into `target/screenshots/NAME.png`
    /// (out of the repository) and returns the path.
    pub async fn screenshot(&self, name: &str, width: u32) -> std::path::PathBuf {
        self.client.set_window_size(width, 900).await.expect("resize");
        let png = match self.kind {
            // The whole page, beyond the window, through the DevTools protocol.
            Kind::Chromium => {
                let height: Value =
                    self.client.execute("return document.documentElement.scrollHeight", vec![]).await.expect("height");
                let height = height.as_u64().unwrap_or(900).clamp(400, 8000);
                let shot = self
                    .client
                    .issue_cmd(CdpCommand(json!({
                        "cmd": "Page.captureScreenshot",
                        "params": { "format": "png", "captureBeyondViewport": true,
                                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } },
                    })))
                    .await
                    .expect("a full-page screenshot");
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(shot["data"].as_str().expect("image data"))
                    .expect("base64")
            }
            Kind::Firefox => self.client.screenshot().await.expect("screenshot"),
        };
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}-{width}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        self.client.set_window_size(1280, 900).await.expect("resize");
        path
    }

    /// The page's serious and critical accessibility violations, by axe-core (from npm).
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(axe_path()).expect("axe-core (scripts/browser-for-tests installs it)");
        self.client.execute(&axe, vec![]).await.expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations\
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
                vec![],
            )
            .await
            .expect("axe runs");
        result.as_array().map(|v| v.iter().map(|s| s.as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
    }
}

/// `GET /session/{id}/se/log` with type `browser`.
#[derive(Debug)]
struct LogCommand;

impl fantoccini::wd::WebDriverCompatibleCommand for LogCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one DevTools command.
#[derive(Debug)]
struct CdpCommand(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// Where screenshots go: `target/screenshots`, beside the build, never committed.
pub fn screenshot_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    exe.ancestors().nth(3).map(|t| t.join("screenshots")).unwrap_or_else(|| "screenshots".into())
}

/// axe-core's script: `RSC_AXE_JS`, else where `scripts/browser-for-tests` puts it.
fn axe_path() -> std::path::PathBuf {
    std::env::var_os("RSC_AXE_JS").map(Into::into).unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("test binary");
        exe.ancestors()
            .nth(3)
            .map(|t| t.join("tools/axe/node_modules/axe-core/axe.min.js"))
            .unwrap_or_else(|| "axe.min.js".into())
    })
}
