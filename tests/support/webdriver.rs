//! Headless Chromium driven through chromedriver's W3C WebDriver protocol (plain JSON
//! over HTTP, with the reqwest client alertctl already uses). Debian's `chromium` and
//! `chromium-driver` packages; scripts/test.sh installs them. A missing binary fails
//! the test with instructions.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
    _profile: tempfile::TempDir,
}

/// A page element.
#[derive(Debug, Clone)]
pub struct El(String);

fn find_binary(names: &[&str]) -> Option<std::path::PathBuf> {
    names
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
}

impl Browser {
    pub fn start() -> Browser {
        let driver_bin = find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
            .expect("chromedriver not found: install Debian's chromium and chromium-driver (scripts/test.sh does)");
        let chrome = find_binary(&["/usr/lib/chromium/chromium", "/usr/bin/chromium"])
            .expect("chromium not found: install Debian's chromium (scripts/test.sh does)");
        let port = super::free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let ready = super::eventually(Duration::from_secs(30), || {
            http.get(format!("{base}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true)
        });
        assert!(ready, "chromedriver did not become ready");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome.display().to_string(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                    "--window-size=1366,900",
                ],
            },
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .expect("new session")
            .json()
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.http.request(method, url);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let v: Value = req.send().expect("chromedriver answers").json().unwrap();
        v["value"].clone()
    }

    fn ok(v: Value, what: &str) -> Value {
        if v.get("error").is_some() {
            panic!("{what}: {v}");
        }
        v
    }

    pub fn goto(&self, url: &str) {
        Self::ok(
            self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))),
            "goto",
        );
    }

    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching `css`, if any.
    pub fn try_find(&self, css: &str) -> Option<El> {
        let v = self.call(
            reqwest::Method::POST,
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().map(|id| El(id.to_string()))
    }

    /// Waits (up to 30 s) for an element matching `css`.
    pub fn find(&self, css: &str) -> El {
        let mut found = None;
        super::eventually(Duration::from_secs(30), || {
            found = self.try_find(css);
            found.is_some()
        });
        found.unwrap_or_else(|| panic!("no element `{css}` on {}", self.url()))
    }

    pub fn find_all(&self, css: &str) -> Vec<El> {
        let v = self.call(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| El(id.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn text(&self, e: &El) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", e.0),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub fn property(&self, e: &El, name: &str) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", e.0),
            None,
        )
    }

    pub fn click(&self, e: &El) {
        Self::ok(
            self.call(
                reqwest::Method::POST,
                &format!("/element/{}/click", e.0),
                Some(json!({})),
            ),
            "click",
        );
    }

    pub fn clear(&self, e: &El) {
        Self::ok(
            self.call(
                reqwest::Method::POST,
                &format!("/element/{}/clear", e.0),
                Some(json!({})),
            ),
            "clear",
        );
    }

    /// Types `text` into the element (WebDriver key codes allowed, e.g. "\u{E009}" Ctrl).
    pub fn type_into(&self, e: &El, text: &str) {
        Self::ok(
            self.call(
                reqwest::Method::POST,
                &format!("/element/{}/value", e.0),
                Some(json!({"text": text})),
            ),
            "type",
        );
    }

    /// Keys pressed on whatever has the focus (a chord: `\u{E009}s` is Ctrl+S).
    pub fn keys(&self, chord: &str) {
        let mut down = Vec::new();
        let mut up = Vec::new();
        for c in chord.chars() {
            down.push(json!({"type": "keyDown", "value": c.to_string()}));
            up.insert(0, json!({"type": "keyUp", "value": c.to_string()}));
        }
        down.extend(up);
        Self::ok(
            self.call(
                reqwest::Method::POST,
                "/actions",
                Some(json!({"actions": [{"type": "key", "id": "kbd", "actions": down}]})),
            ),
            "keys",
        );
        self.call(reqwest::Method::DELETE, "/actions", None);
    }

    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        Self::ok(
            self.call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": script, "args": args})),
            ),
            "execute",
        )
    }

    /// Waits (up to 30 s) for `cond`; panics with `what` and the page's text otherwise.
    pub fn wait(&self, what: &str, mut cond: impl FnMut(&Browser) -> bool) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if cond(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let body = self
            .try_find("body")
            .map(|b| self.text(&b))
            .unwrap_or_default();
        panic!("timed out waiting for {what} on {}:\n{body}", self.url());
    }

    /// Waits for an element whose text contains `needle`.
    pub fn wait_text(&self, css: &str, needle: &str) -> El {
        let mut hit = None;
        self.wait(&format!("`{needle}` in {css}"), |b| {
            hit = b
                .find_all(css)
                .into_iter()
                .find(|e| b.text(e).contains(needle));
            hit.is_some()
        });
        hit.unwrap()
    }

    pub fn set_size(&self, w: u32, h: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": w, "height": h})),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self, path: &Path) {
        use base64_decode as b64;
        let v = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = b64(v.as_str().expect("screenshot data"));
        std::fs::write(path, png).unwrap();
    }
}

/// Standard base64 (what WebDriver sends screenshots in).
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
