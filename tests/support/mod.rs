//! Real servers for integration tests: Prometheus and vmalert from the Debian packages
//! that scripts/install-tools.sh unpacks into .tools/. Each runs on 127.0.0.1 on a free
//! port, with its own temp dirs, and is killed when dropped. A missing binary fails the
//! test with instructions; nothing is skipped.
#![allow(dead_code)]

pub mod serve;
pub mod webdriver;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn tool(name: &str) -> PathBuf {
    let dirs = [
        std::env::var_os("ALERTCTL_TOOLS_BIN").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin")),
    ];
    for d in dirs.into_iter().flatten() {
        let p = d.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} not found in .tools/bin: run scripts/install-tools.sh (scripts/test.sh does it for you)");
}

/// stdout then stderr of a finished command, for assertions and failure messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes `content` to `dir/rel`, creating the folders on the way.
pub fn write_file(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET, so tests check servers without alertctl's own client.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    http("GET", url)
}

pub fn http_post(url: &str) -> Option<(u16, String)> {
    http("POST", url)
}

/// A POST with a JSON body (Alertmanager's /api/v2/alerts).
pub fn http_post_json(url: &str, body: &str) -> Option<(u16, String)> {
    http_body("POST", url, body)
}

fn http(method: &str, url: &str) -> Option<(u16, String)> {
    http_body(method, url, "")
}

fn http_body(method: &str, url: &str, body: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    use std::io::Write;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some((status, body))
}

/// A chunked HTTP/1.1 body, joined.
pub fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub struct Server {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    /// The config file of a Prometheus started here (`prometheus.yml` in its temp dir).
    pub fn config_path(&self) -> PathBuf {
        self._dir.path().join("prometheus.yml")
    }
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    /// The rule groups the server reports, as JSON.
    pub fn rules(&self) -> serde_json::Value {
        let (status, body) =
            http_get(&format!("{}/api/v1/rules", self.url())).expect("rules API answers");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("rules JSON")
    }
    /// (rule name, query) of every rule in groups named alertctl/*, sorted.
    pub fn rule_queries(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self.rules()["data"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| {
                g["name"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("alertctl/")
            })
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["query"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    }
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(
    bin: &Path,
    args: &[String],
    dir: tempfile::TempDir,
    port: u16,
    ready_path: &str,
) -> Server {
    let url = format!("http://127.0.0.1:{port}{ready_path}");
    spawn_until(bin, args, dir, port, || {
        http_get(&url).is_some_and(|(s, _)| s == 200)
    })
}

/// Starts `bin` with its output in the temp dir's log and waits (20 s at most) until
/// `ready` holds; a server that never gets there fails the test with its log.
fn spawn_until(
    bin: &Path,
    args: &[String],
    dir: tempfile::TempDir,
    port: u16,
    ready: impl Fn() -> bool,
) -> Server {
    let log = dir.path().join("server.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(bin)
        .args(args)
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out))
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let mut s = Server {
        child,
        port,
        log,
        _dir: dir,
    };
    if !eventually(Duration::from_secs(20), ready) {
        let log = s.log_text();
        s.kill();
        panic!("{} did not become ready:\n{log}", bin.display());
    }
    s
}

/// Prometheus loading `rules_dir/*.yml`, with the lifecycle API and the remote-write
/// receiver (for vmalert's recording rules).
pub fn prometheus(rules_dir: &Path) -> Server {
    prometheus_with_web(rules_dir, None)
}

/// The same, serving HTTPS with basic auth per a Prometheus web config (`--web.config.file`).
/// Ready-polling over plain HTTP is impossible then, so readiness is the TLS port accepting.
pub fn prometheus_with_web(rules_dir: &Path, web_config: Option<&Path>) -> Server {
    prometheus_with(rules_dir, "", web_config, free_port())
}

/// Prometheus loading `rules_dir/*.yml` on a given port: to start one again where an
/// earlier one (killed) was.
pub fn prometheus_at(rules_dir: &Path, port: u16) -> Server {
    prometheus_with(rules_dir, "", None, port)
}

/// Prometheus loading `rules_dir/*.yml` with `extra` appended to its config file.
pub fn prometheus_with(
    rules_dir: &Path,
    extra: &str,
    web_config: Option<&Path>,
    port: u16,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(&cfg, format!("global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: ['{}/*.yml']\n{extra}", rules_dir.display())).unwrap();
    let mut args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        format!("--web.external-url=http://127.0.0.1:{port}/"),
        "--web.enable-lifecycle".into(),
        "--web.enable-remote-write-receiver".into(),
        "--rules.alert.resend-delay=1s".into(),
    ];
    if let Some(w) = web_config {
        args.push(format!("--web.config.file={}", w.display()));
        return spawn_tcp(&tool("prometheus"), &args, dir, port);
    }
    spawn(&tool("prometheus"), &args, dir, port, "/-/ready")
}

fn spawn_tcp(bin: &Path, args: &[String], dir: tempfile::TempDir, port: u16) -> Server {
    spawn_until(bin, args, dir, port, || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
}

/// vmalert evaluating `rules_dir/*.yml` against `prom` (also its remote-write target).
pub fn vmalert(rules_dir: &Path, prom: &Server) -> Server {
    vmalert_globs(&[format!("{}/*.yml", rules_dir.display())], prom)
}

/// How many successful configuration loads Prometheus has logged (start + reloads).
pub fn prometheus_loads(s: &Server) -> usize {
    s.log_text()
        .matches("Completed loading of configuration file")
        .count()
}

/// Prometheus that also scrapes `scrape` (host:port, labels kept as exposed) every second
/// and sends alerts to the Alertmanager at `am` (host:port).
pub fn prometheus_scraping(rules_dir: &Path, scrape: &str, am: &str) -> Server {
    let extra = format!(
        "scrape_configs:\n  - job_name: t\n    honor_labels: true\n    static_configs: [{{targets: ['{scrape}']}}]\nalerting:\n  alertmanagers: [{{static_configs: [{{targets: ['{am}']}}], api_version: v2}}]\n"
    );
    prometheus_with(rules_dir, &extra, None, free_port())
}

/// Alertmanager (through the installer's wrapper, which supplies Debian's templates)
/// loading `config`, HA gossip off.
pub fn alertmanager(config: &Path) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let args = vec![
        format!("--config.file={}", config.display()),
        format!("--storage.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        format!("--web.external-url=http://127.0.0.1:{port}/"),
        "--cluster.listen-address=".into(),
    ];
    spawn(&tool("alertmanager"), &args, dir, port, "/-/ready")
}

/// Alertmanagers that form one gossip cluster on 127.0.0.1, all loading `config`, with
/// short gossip and peer timeouts; returned once every node sees every peer. A node's
/// place in the cluster (who notifies first) is Alertmanager's choice.
pub fn alertmanager_cluster(config: &Path, nodes: usize) -> Vec<Server> {
    let gossip: Vec<u16> = (0..nodes).map(|_| free_port()).collect();
    let servers: Vec<Server> = gossip
        .iter()
        .map(|own| {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let mut args = vec![
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", dir.path().join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url=http://127.0.0.1:{port}/"),
                format!("--cluster.listen-address=127.0.0.1:{own}"),
                "--cluster.gossip-interval=50ms".into(),
                "--cluster.pushpull-interval=1s".into(),
                "--cluster.peer-timeout=3s".into(),
            ];
            args.extend(
                gossip
                    .iter()
                    .filter(|p| *p != own)
                    .map(|p| format!("--cluster.peer=127.0.0.1:{p}")),
            );
            spawn(&tool("alertmanager"), &args, dir, port, "/-/ready")
        })
        .collect();
    let formed = eventually(Duration::from_secs(30), || {
        servers.iter().all(|s| {
            http_get(&format!("{}/api/v2/status", s.url())).is_some_and(|(_, body)| {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                v["cluster"]["status"] == "ready"
                    && v["cluster"]["peers"].as_array().map_or(0, Vec::len) == nodes
            })
        })
    });
    assert!(
        formed,
        "the Alertmanager cluster did not form:\n{}",
        servers
            .iter()
            .map(Server::log_text)
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    servers
}

/// The value of an unlabelled counter or gauge on a server's /metrics page.
pub fn metric(s: &Server, name: &str) -> f64 {
    let (_, body) = http_get(&format!("{}/metrics", s.url())).expect("metrics page");
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// An HTTP server on 127.0.0.1 that records every request (method, path, headers, body)
/// and answers 200 with `body()` (a metrics page, or empty for a webhook sink).
pub struct Recorder {
    pub addr: String,
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<Request>>>,
    pub body: std::sync::Arc<std::sync::Mutex<String>>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: String,
    pub body: String,
}

impl Recorder {
    pub fn start(body: &str) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let body = std::sync::Arc::new(std::sync::Mutex::new(body.to_string()));
        let (reqs, page) = (requests.clone(), body.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (reqs, page) = (reqs.clone(), page.clone());
                std::thread::spawn(move || handle(stream, &reqs, &page));
            }
        });
        Recorder {
            addr,
            requests,
            body,
        }
    }

    pub fn posts_to(&self, path: &str) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .cloned()
            .collect()
    }
}

fn handle(
    mut s: std::net::TcpStream,
    reqs: &std::sync::Mutex<Vec<Request>>,
    page: &std::sync::Mutex<String>,
) {
    use std::io::{BufRead, BufReader, Write};
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or_default().to_string(),
        parts.next().unwrap_or_default().to_string(),
    );
    let mut headers = String::new();
    let mut len = 0;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        headers.push_str(&h);
    }
    let mut body = vec![0; len];
    let _ = r.read_exact(&mut body);
    reqs.lock().unwrap().push(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    });
    let page = page.lock().unwrap().clone();
    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len());
}

/// Polls `cond` until it holds or the deadline passes.
pub fn eventually(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// Sets the file's modification time an hour back: the warm fast path does not trust a
/// file modified within the last second, and then knows it by its stat alone.
pub fn age(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// Replaces `from` (which must be there) with `to` in `rel`, as an editor would, and
/// ages the file ([`age`]).
pub fn hand_edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} holds {from:?}:\n{text}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    age(&path);
}

/// Copies a directory tree (a fixture) to `dst`, each file an hour old: the warm fast
/// path does not trust a file modified within the last second.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
            age(&to);
        }
    }
}

/// The exit code and every diagnostic of a `--format json` document on stdout, as
/// (code, file, line, message); panics with the output when stdout is no document.
pub fn json_diagnostics(o: &std::process::Output) -> (i32, Vec<(String, String, u64, String)>) {
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", output_text(o)));
    let list = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (
                text(&d["code"]),
                text(&d["location"]["file"]),
                d["location"]["line"].as_u64().unwrap_or_default(),
                text(&d["message"]),
            )
        })
        .collect();
    (o.status.code().unwrap(), list)
}

/// `alertctl -C DIR --color never ARGS...`, every full run storing the answers of
/// `effective` and `trace` (`ALERTCTL_STORE_ANSWERS=always`): the cases here compare
/// the stored answers with the full path's from the first render on. The default, the
/// answers left to the first question, is [`alertctl_deferring`]'s.
pub fn alertctl(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir, args)
        .env("ALERTCTL_STORE_ANSWERS", "always")
        .output()
        .expect("alertctl runs")
}

/// [`alertctl`] with the delta `diff` off (`ALERTCTL_DELTA=off`): a `diff` after an
/// edit takes the full load, and stores what it renders.
pub fn alertctl_without_delta(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir, args)
        .env("ALERTCTL_STORE_ANSWERS", "always")
        .env("ALERTCTL_DELTA", "off")
        .output()
        .expect("alertctl runs")
}

/// [`alertctl_deferring`] with the delta `diff` off (as [`alertctl_without_delta`]).
pub fn alertctl_deferring_without_delta(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir, args)
        .env_remove("ALERTCTL_STORE_ANSWERS")
        .env("ALERTCTL_DELTA", "off")
        .output()
        .expect("alertctl runs")
}

/// [`alertctl`] as users run it: a cache's first full runs leave the answers of
/// `effective` and `trace` to the first question.
pub fn alertctl_deferring(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir, args)
        .env_remove("ALERTCTL_STORE_ANSWERS")
        .output()
        .expect("alertctl runs")
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alertctl"));
    c.arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env_remove("ALERTCTL_TIMINGS")
        .env_remove("ALERTCTL_DELTA");
    c
}

/// `alertctl -C DIR --color never --no-cache ARGS`: every file parsed, nothing reused.
pub fn alertctl_no_cache(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--no-cache"];
    all.extend_from_slice(args);
    alertctl(dir, &all)
}

/// Stdout of a run that must succeed; panics with its stderr otherwise.
pub fn success_stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// What [`FaultProxy`] does with one request, by its request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Forward,
    /// Hold the request this long, then forward it (a slow network, or a server slow to
    /// answer a reload that it then performs).
    Delay(Duration),
    /// Close the connection without forwarding (the server went away).
    Drop,
}

/// A fault injector, not a mock: a TCP proxy on 127.0.0.1 in front of a real server
/// that delays or drops requests as `rule` says for each request line
/// (`POST /-/reload HTTP/1.1`). Everything else passes through untouched, both ways.
pub struct FaultProxy {
    pub port: u16,
}

impl FaultProxy {
    pub fn start(
        upstream: u16,
        rule: impl Fn(&str) -> Fault + Send + Sync + 'static,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let rule = std::sync::Arc::new(rule);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let rule = rule.clone();
                std::thread::spawn(move || proxy_connection(client, upstream, &*rule));
            }
        });
        FaultProxy { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn proxy_connection(
    mut client: std::net::TcpStream,
    upstream: u16,
    rule: &(dyn Fn(&str) -> Fault + Send + Sync),
) {
    use std::io::Write;
    let Ok(mut server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (Ok(mut from_server), Ok(mut to_client)) = (server.try_clone(), client.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(std::net::Shutdown::Write);
    });
    // Requests on a kept-alive connection each start a chunk from the client.
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let line = String::from_utf8_lossy(chunk)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        if line.contains(" HTTP/1.") {
            match rule(&line) {
                Fault::Forward => {}
                Fault::Delay(d) => std::thread::sleep(d),
                Fault::Drop => {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    let _ = server.shutdown(std::net::Shutdown::Both);
                    return;
                }
            }
        }
        if server.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = server.shutdown(std::net::Shutdown::Write);
}

/// vmalert evaluating every `globs` (e.g. a seed directory it needs to start, and an
/// output directory that may still be empty) against `prom`.
pub fn vmalert_globs(globs: &[String], prom: &Server) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut args: Vec<String> = globs.iter().map(|g| format!("-rule={g}")).collect();
    args.extend([
        format!("-datasource.url={}", prom.url()),
        format!("-remoteWrite.url={}", prom.url()),
        format!("-notifier.url={}", prom.url()),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        "-evaluationInterval=1s".into(),
    ]);
    spawn(&tool("vmalert"), &args, dir, port, "/-/ready")
}

/// `alertctl init DIR`, which must succeed.
pub fn init(dir: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("init")
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `alertctl init DIR`: the scaffolded rules directory the deploy tests start from,
/// without its `[file_sd]` table: their servers scrape nothing, so they deploy rule files
/// only (deployments with file_sd files: tests/estate_e2e.rs, tests/faults.rs).
pub fn init_rules_dir(dir: &Path) {
    init(dir);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    let start = toml.find("[file_sd]").expect("the scaffold has [file_sd]");
    let end = start
        + toml[start..]
            .find("\n[")
            .expect("a table follows [file_sd]")
        + 1;
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{}{}", &toml[..start], &toml[end..]),
    )
    .unwrap();
}

/// `alertctl init DIR` with `out` as the output directory, `[apply] verify_timeout`
/// at 15 s, and `extra` settings (servers) appended: the directory the deploy and daemon
/// tests start from.
pub fn scaffold_out(dir: &Path, extra: &str) {
    init_rules_dir(dir);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml"))
        .unwrap()
        .replace("dir = \"rendered\"", "dir = \"out\"");
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{toml}\n[apply]\nverify_timeout = \"15s\"\n{extra}"),
    )
    .unwrap();
}

/// Appends `text` to `dir/alertctl.toml`.
pub fn append_settings(dir: &Path, text: &str) {
    let toml = dir.join("alertctl.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{base}{text}")).unwrap();
}

/// The `*.yml` files of `dir`: name -> bytes.
pub fn yml_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".yml"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Sets the scaffold's web-group HighCPU threshold (rules/teams/web.yaml).
pub fn set_web_threshold(dir: &Path, value: &str) {
    let web = dir.join("rules/teams/web.yaml");
    let s = std::fs::read_to_string(&web).unwrap();
    let start = s.find("threshold: ").unwrap() + "threshold: ".len();
    let end = start + s[start..].find(' ').unwrap();
    std::fs::write(&web, format!("{}{value}{}", &s[..start], &s[end..])).unwrap();
}

/// Takes `dir`'s apply lock (`.alertctl.lock`) as another apply would; held until the
/// file is dropped or unlocked.
pub fn hold_lock(dir: &Path) -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".alertctl.lock"))
        .unwrap();
    f.lock().unwrap();
    f
}

/// The SARIF 2.1.0 schema (OASIS), vendored in tests/data/sarif with its notice, as a
/// validator that also checks formats (uri-reference, ...).
pub fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif/sarif-schema-2.1.0.json"),
    )
    .expect("vendored SARIF schema");
    // The schema's two `language` patterns have a stray `]` (a literal in ECMA regexes)
    // that the crate's check of the schema itself rejects; escaping it keeps the meaning.
    let stray = "[a-zA-Z]{2}]?$";
    assert_eq!(text.matches(stray).count(), 2);
    let schema: serde_json::Value =
        serde_json::from_str(&text.replace(stray, "[a-zA-Z]{2}\\\\]?$")).expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

/// Every schema error of `doc`, as `message at /path` lines (empty: valid).
pub fn schema_errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Prometheus serving an existing TSDB directory (e.g. blocks from `promtool tsdb
/// create-blocks-from openmetrics`), with no rules and no scraping: a server with known
/// history for queries.
pub fn prometheus_on_data(data: &Path) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(&cfg, "global: {evaluation_interval: 1m}\n").unwrap();
    let args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.tsdb.path={}", data.display()),
        "--storage.tsdb.retention.time=30d".into(),
        format!("--web.listen-address=127.0.0.1:{port}"),
        format!("--web.external-url=http://127.0.0.1:{port}/"),
    ];
    spawn(&tool("prometheus"), &args, dir, port, "/-/ready")
}

/// Templates whose rules fail only when rendered, for some parameter values: the query
/// stops parsing, template logic divides by zero, a parameter has no default. `GenSum`
/// renders, with a warning: its `sum` merges the groups its rules are scoped to.
pub const RENDER_TEMPLATES: [(&str, &str); 4] = [
    (
        "bad-query",
        "template: GenBadQuery\nparams:\n  threshold: { type: number, default: 1 }\nexpr: up {% if threshold > 100 %}>>> {% endif %}> ${threshold}\n",
    ),
    (
        "logic",
        "template: GenLogic\nparams:\n  threshold: { type: number, default: 1 }\nexpr: up > {% if threshold > 100 %}${ threshold // 0 }{% else %}${ threshold }{% endif %}\n",
    ),
    (
        "no-default",
        "template: GenNoDefault\nparams:\n  limit: { type: number }\nexpr: up > ${limit}\n",
    ),
    (
        "sum",
        "template: GenSum\nparams:\n  threshold: { type: number, default: 1 }\nexpr: sum(rate(node_cpu_seconds_total[5m])) > ${threshold}\n",
    ),
];
