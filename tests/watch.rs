//! `alertctl watch`, the sync daemon, end to end: the built binary against real
//! Prometheus, Alertmanager and git, each able to fail. The daemon logs JSON lines
//! (`--log-format json`), which the tests read as its events; its /metrics page is read
//! over HTTP (and, in the first test, scraped by the real Prometheus it deploys to).
//! Every wait polls with a deadline.

mod support;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{eventually, free_port, http_get, http_post, output_text, tool, write_file, Server};

const BIN: &str = env!("CARGO_BIN_EXE_alertctl");

/// The bound stated for "an edit is served": from the last write of a burst to the
/// Prometheus API showing the new rule (debounce 300 ms, then validate with promtool,
/// write, reload, verify). Typically about 1 s on 2 busy cores.
const SERVED_WITHIN: Duration = Duration::from_secs(10);

/// Generous: the machine is shared, and a cold Prometheus takes seconds.
const DEADLINE: Duration = Duration::from_secs(60);

/// A running `alertctl watch` with its JSON log in a file.
struct Watch {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Watch {
    fn start(dir: &Path, log: &Path, args: &[&str]) -> Watch {
        Watch::start_env(dir, log, args, &[])
    }

    fn start_env(dir: &Path, log: &Path, args: &[&str], env: &[(&str, &str)]) -> Watch {
        Watch::start_on(free_port(), dir, log, args, env)
    }

    fn start_on(port: u16, dir: &Path, log: &Path, args: &[&str], env: &[(&str, &str)]) -> Watch {
        let child = Command::new(BIN)
            .arg("-C")
            .arg(dir)
            .args(["watch", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--log-format", "json", "--debounce", "300ms"])
            .args(args)
            .env("ALERTCTL_PROMTOOL", tool("promtool"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut w = Watch {
            child: Some(child),
            port,
            log: log.to_path_buf(),
        };
        let up = eventually(DEADLINE, || {
            if let Some(Ok(Some(_))) = w.child.as_mut().map(Child::try_wait) {
                return true;
            }
            http_get(&w.url("/healthz")).is_some_and(|(s, _)| s == 200)
        });
        let exited = w.child.as_mut().unwrap().try_wait().unwrap();
        assert!(
            up && exited.is_none(),
            "the watch did not come up ({exited:?}):\n{}",
            w.log_text()
        );
        w
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn pid(&self) -> String {
        self.child.as_ref().unwrap().id().to_string()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every log line, each of which must be one JSON object with schema 1.
    fn events(&self) -> Vec<Value> {
        self.log_text()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l:?}"));
                assert_eq!(v["schema"], 1, "{l}");
                v
            })
            .collect()
    }

    fn metrics(&self) -> String {
        let (status, body) = http_get(&self.url("/metrics")).expect("/metrics answers");
        assert_eq!(status, 200);
        body
    }

    /// The value of one series as written on /metrics (`name{labels}`), 0 when absent.
    fn value(&self, series: &str) -> f64 {
        metric_in(&self.metrics(), series)
    }

    /// Syncs so far, whatever their result.
    fn syncs(&self) -> f64 {
        self.metrics()
            .lines()
            .filter(|l| l.starts_with("alertctl_watch_syncs_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    fn ready(&self) -> (u16, Value) {
        let (s, body) = http_get(&self.url("/ready")).expect("/ready answers");
        (s, serde_json::from_str(&body).expect("/ready is JSON"))
    }

    /// Waits for `cond`, failing with the log when it does not come.
    fn wait(&self, what: &str, cond: impl FnMut() -> bool) {
        assert!(
            eventually(DEADLINE, cond),
            "timed out waiting for {what}; metrics:\n{}\nlog:\n{}",
            http_get(&self.url("/metrics")).map_or(String::new(), |m| m.1),
            self.log_text()
        );
    }

    /// No sync running and none waiting.
    fn wait_idle(&self) {
        self.wait("the watch to be idle", || {
            let m = self.metrics();
            metric_in(&m, "alertctl_watch_sync_in_progress") == 0.0
                && metric_in(&m, "alertctl_watch_queue_depth") == 0.0
        });
    }

    fn signal(&self, sig: &str) {
        let o = Command::new("kill")
            .args([format!("-{sig}"), self.pid()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", output_text(&o));
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let child = self.child.as_mut().unwrap();
        let start = Instant::now();
        loop {
            if let Some(s) = child.try_wait().unwrap() {
                self.child = None;
                return s;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the watch did not exit:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, and the exit it must make: 0, after a `stopped` event.
    fn stop(&mut self) {
        self.signal("TERM");
        let status = self.wait_exit();
        assert_eq!(status.code(), Some(0), "{}", self.log_text());
        let events = self.events();
        assert_eq!(events.last().unwrap()["event"], "stopped", "{events:?}");
    }

    /// A kill -9: no cleanup of any kind runs.
    fn kill9(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn metric_in(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// The threshold of the web group's HighCPU rule that `prom` runs.
fn web_threshold(prom: &Server) -> Option<String> {
    prom.rule_queries()
        .into_iter()
        .find(|(_, q)| q.contains("group=\"web\""))
        .and_then(|(_, q)| Some(q.rsplit("> ").next()?.trim().to_string()))
}

fn wait_served(prom: &Server, threshold: &str) {
    assert!(
        eventually(DEADLINE, || web_threshold(prom).as_deref()
            == Some(threshold)),
        "Prometheus does not run threshold {threshold}: {:?}\n{}",
        web_threshold(prom),
        prom.log_text()
    );
}

fn alertctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env("ALERTCTL_PROMTOOL", tool("promtool"))
        .output()
        .unwrap()
}

/// The scaffold with `out` as the output directory (created) and `extra` settings.
fn scaffold(dir: &Path, extra: &str) {
    support::scaffold_out(dir, extra);
    std::fs::create_dir_all(dir.join("out")).unwrap();
}

/// `alertctl history --format json`.
fn history(dir: &Path) -> Value {
    let o = alertctl(dir, &["history", "--format", "json"]);
    assert!(o.status.success(), "{}", output_text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn prometheus_server(url: &str) -> String {
    format!("[[prometheus]]\nname = \"p\"\nurl = \"{url}\"\n")
}

/// Events of one kind, in order.
fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn promtool_check_metrics(page: &str) {
    use std::io::Write;
    let mut child = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "promtool check metrics: {}\n{page}",
        output_text(&o)
    );
}

/// The example's watch alerts render, pass promtool's checks, and fire exactly where
/// their unit tests say.
#[test]
fn example_watch_alerts_pass_promtool_unit_tests() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/watch-alerts");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(BIN)
        .arg("-C")
        .arg(&example)
        .args(["--no-cache", "validate", "--promtool", "required"])
        .env("ALERTCTL_PROMTOOL", tool("promtool"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let o = Command::new(BIN)
        .arg("-C")
        .arg(&example)
        .args(["--no-cache", "render", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    std::fs::copy(
        example.join("tests/promtool/watch-alerts.test.yml"),
        out.join("watch-alerts.test.yml"),
    )
    .unwrap();
    let o = Command::new(tool("promtool"))
        .args(["test", "rules"])
        .arg(out.join("watch-alerts.test.yml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
}

/// A burst of 20 edits in one second is one sync and one reload; the edit is served
/// within the stated bound; an invalid edit deploys nothing and shows its reason (in
/// /metrics, /ready, and as the example's alert firing in the Prometheus that scrapes
/// the watch); the next valid edit deploys; POST /sync and SIGHUP trigger syncs;
/// SIGTERM stops cleanly.
#[test]
fn edits_are_debounced_served_and_invalid_ones_never_deployed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let watch_port = free_port();
    // Prometheus loads what the watch deploys, and scrapes the watch.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let prom =
        support::prometheus_scraping(&out, &format!("127.0.0.1:{watch_port}"), "127.0.0.1:9");
    scaffold(&dir, &prometheus_server(&prom.url()));
    // The example's alerts on the watch, shipped by the watch itself: scraped as job
    // "t", firing without delay.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/watch-alerts");
    for t in ["watch-sync-failing.yaml", "watch-stuck.yaml"] {
        std::fs::create_dir_all(dir.join("templates/alertctl")).unwrap();
        std::fs::copy(
            example.join("templates/alertctl").join(t),
            dir.join("templates/alertctl").join(t),
        )
        .unwrap();
    }
    write_file(
        &dir,
        "rules/watch.yaml",
        "- template: AlertctlWatchSyncFailing\n  scope: global\n  params: { job: t }\n  for: 0s\n- template: AlertctlWatchStuck\n  scope: global\n  params: { job: t }\n",
    );
    let log = tmp.path().join("watch.log");
    let mut w = Watch::start_on(watch_port, &dir, &log, &["--every", "1h"], &[]);
    w.wait("the first sync", || w.ready().0 == 200);
    assert_eq!(
        w.value("alertctl_watch_syncs_total{result=\"applied\",reason=\"changed\"}"),
        1.0
    );
    wait_served(&prom, "90");
    assert!(w.value("alertctl_watch_deployed_revision") >= 1.0);

    // 20 edits in one second: one sync, one reload, the last value served.
    w.wait_idle();
    let loads = support::prometheus_loads(&prom);
    let syncs = w.syncs();
    let mut last_write = Instant::now();
    for v in 51..=70 {
        support::set_web_threshold(&dir, &v.to_string());
        last_write = Instant::now();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        eventually(SERVED_WITHIN * 3, || web_threshold(&prom).as_deref()
            == Some("70")),
        "not served: {:?}\n{}",
        web_threshold(&prom),
        w.log_text()
    );
    let served = last_write.elapsed();
    eprintln!("threshold served {served:?} after the last edit of the burst");
    assert!(served < SERVED_WITHIN, "served after {served:?}");
    w.wait_idle();
    assert_eq!(w.syncs(), syncs + 1.0, "{}", w.metrics());
    assert_eq!(
        support::prometheus_loads(&prom),
        loads + 1,
        "Prometheus reloaded more than once for one burst"
    );
    assert!(w.value("alertctl_watch_triggers_total{trigger=\"file\"}") >= 20.0);
    let started = of_kind(&w.events(), "sync-started")
        .last()
        .map(|e| e["triggers"]["file"].as_u64().unwrap_or(0))
        .unwrap();
    assert!(
        started >= 20,
        "the burst's triggers coalesced into one sync"
    );

    // The real Prometheus scrapes the watch's metrics.
    let query = |q: &str| -> Value {
        let (_, body) = http_get(&format!(
            "{}/api/v1/query?query={}",
            prom.url(),
            q.replace(' ', "%20")
        ))
        .unwrap();
        serde_json::from_str(&body).unwrap()
    };
    w.wait("Prometheus to scrape the watch", || {
        query("alertctl_watch_deployed_revision")["data"]["result"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    });

    // An invalid edit: nothing deployed, the reason shown, the alert fires.
    let loads = support::prometheus_loads(&prom);
    support::set_web_threshold(&dir, "seventy");
    w.wait("the invalid sync", || {
        w.value("alertctl_watch_syncs_total{result=\"invalid\",reason=\"invalid-rules\"}") == 1.0
    });
    assert_eq!(w.value("alertctl_watch_last_sync_success"), 0.0);
    let (status, ready) = w.ready();
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["last_sync"]["reason"], "invalid-rules");
    let msg = ready["last_sync"]["message"].as_str().unwrap();
    assert!(
        msg.contains("rules/teams/web.yaml:") && msg.contains("seventy"),
        "{msg}"
    );
    assert_eq!(web_threshold(&prom).as_deref(), Some("70"));
    assert_eq!(support::prometheus_loads(&prom), loads, "nothing reloaded");
    let firing = || {
        let (_, body) = http_get(&format!("{}/api/v1/alerts", prom.url())).unwrap();
        let v: Value = serde_json::from_str(&body).unwrap();
        v["data"]["alerts"].as_array().unwrap().iter().any(|a| {
            a["labels"]["alertname"] == "AlertctlWatchSyncFailing" && a["state"] == "firing"
        })
    };
    w.wait("AlertctlWatchSyncFailing to fire", firing);
    assert_eq!(
        w.value("alertctl_watch_next_retry_timestamp_seconds"),
        0.0,
        "invalid rules are not retried"
    );

    // The next valid edit deploys; the alert resolves.
    support::set_web_threshold(&dir, "75");
    wait_served(&prom, "75");
    w.wait("a successful sync", || w.ready().0 == 200);
    w.wait("AlertctlWatchSyncFailing to resolve", || !firing());

    // Manual triggers.
    w.wait_idle();
    let syncs = w.syncs();
    let (status, body) = http_post(&w.url("/sync")).unwrap();
    assert_eq!(status, 202, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["schema"].clone(), v["queued"].clone()),
        (1.into(), true.into())
    );
    w.wait("the POST /sync sync", || w.syncs() == syncs + 1.0);
    assert_eq!(
        w.value("alertctl_watch_triggers_total{trigger=\"http\"}"),
        1.0
    );
    w.signal("HUP");
    w.wait("the SIGHUP sync", || w.syncs() == syncs + 2.0);
    assert_eq!(
        w.value("alertctl_watch_triggers_total{trigger=\"signal\"}"),
        1.0
    );
    assert_eq!(
        w.value("alertctl_watch_syncs_total{result=\"no-change\",reason=\"unchanged\"}"),
        2.0
    );

    promtool_check_metrics(&w.metrics());
    w.stop();
}

/// Prometheus down for a while: syncs fail with their reason, are retried with growing
/// delays, and the change deploys once it is back on its port.
#[test]
fn a_server_down_is_retried_with_backoff_until_it_is_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let port = free_port();
    let mut prom = support::prometheus_at(&out, port);
    // No retries inside one request: each sync fails fast, the daemon's backoff counts.
    scaffold(
        &dir,
        &format!("retries = 0\n{}", prometheus_server(&prom.url())),
    );
    let log = tmp.path().join("watch.log");
    let mut w = Watch::start(
        &dir,
        &log,
        &[
            "--every",
            "1h",
            "--retries",
            "50",
            "--retry-base",
            "200ms",
            "--retry-max",
            "1s",
        ],
    );
    w.wait("the first sync", || w.ready().0 == 200);

    prom.kill();
    support::set_web_threshold(&dir, "66");
    w.wait("four failed syncs", || {
        w.value("alertctl_watch_syncs_total{result=\"failed\",reason=\"server-unreachable\"}")
            >= 4.0
    });
    let (status, ready) = w.ready();
    assert_eq!(status, 503);
    assert_eq!(ready["last_sync"]["reason"], "server-unreachable");
    assert!(
        ready["last_sync"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{ready}"
    );
    // Exponential, capped at 1 s, jittered within the upper half of each delay.
    let retries = of_kind(&w.events(), "retry-scheduled")
        .iter()
        .map(|e| {
            (
                e["retry"].as_u64().unwrap(),
                e["delay_seconds"].as_f64().unwrap(),
            )
        })
        .collect::<Vec<_>>();
    assert!(retries.len() >= 4, "{retries:?}");
    for (i, (n, d)) in retries.iter().take(4).enumerate() {
        assert_eq!(*n, i as u64 + 1, "{retries:?}");
        let full = (0.2 * 2f64.powi(i as i32)).min(1.0);
        assert!(
            *d >= full / 2.0 - 1e-9 && *d <= full + 1e-9,
            "retry {n}: {d}s not in [{}, {full}]: {retries:?}",
            full / 2.0
        );
    }
    assert!(w.value("alertctl_watch_consecutive_failures") >= 4.0);

    // Back on its port: the next retry deploys.
    let prom = support::prometheus_at(&out, port);
    wait_served(&prom, "66");
    w.wait("a successful sync", || w.ready().0 == 200);
    assert_eq!(w.value("alertctl_watch_consecutive_failures"), 0.0);
    assert_eq!(w.value("alertctl_watch_next_retry_timestamp_seconds"), 0.0);
    w.stop();
}

/// Drift: a generated file edited by hand is put back at the next periodic resync (file
/// events in the output directory are not triggers); a Prometheus that runs other rules
/// than the files (reloaded by hand in between) is reloaded by it too.
#[test]
fn drift_is_repaired_at_the_next_periodic_resync() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = support::prometheus(&out);
    scaffold(&dir, &prometheus_server(&prom.url()));
    let log = tmp.path().join("watch.log");
    let w = Watch::start(&dir, &log, &["--every", "3s"]);
    w.wait("the first sync", || w.ready().0 == 200);
    wait_served(&prom, "90");
    let web = out.join("group_web.yml");
    let original = std::fs::read_to_string(&web).unwrap();
    assert!(original.contains("> 90"), "{original}");
    let edited = original.replace("> 90", "> 10");

    // A hand edit of a generated file.
    std::fs::write(&web, &edited).unwrap();
    w.wait("the hand edit to be put back", || {
        std::fs::read_to_string(&web).unwrap() == original
    });
    w.wait_idle();
    assert!(w.value("alertctl_watch_syncs_total{result=\"applied\",reason=\"drift\"}") >= 1.0);
    assert!(w.value("alertctl_watch_triggers_total{trigger=\"every\"}") >= 1.0);
    assert_eq!(
        w.value("alertctl_watch_triggers_total{trigger=\"file\"}"),
        0.0,
        "writes in the output directory are not triggers"
    );
    let h = history(&dir);
    let newest = &h["deployments"][0];
    assert_eq!(newest["result"], "applied");
    assert!(
        newest["message"]
            .as_str()
            .unwrap_or_default()
            .contains("the output directory differed from deployment"),
        "{newest}"
    );

    // Prometheus runs other rules than the files: edit, reload by hand, restore the
    // file. Right after a resync, so that the next one sees only the server's drift.
    let syncs = w.syncs();
    w.wait("a resync", || w.syncs() > syncs);
    std::fs::write(&web, &edited).unwrap();
    let (s, _) = http_post(&format!("{}/-/reload", prom.url())).unwrap();
    assert_eq!(s, 200);
    std::fs::write(&web, &original).unwrap();
    assert_eq!(web_threshold(&prom).as_deref(), Some("10"));
    wait_served(&prom, "90");
    let drift = of_kind(&w.events(), "live-drift")
        .first()
        .map(|e| e["server"].clone());
    assert_eq!(drift, Some("p".into()), "{}", w.log_text());
    assert_eq!(std::fs::read_to_string(&web).unwrap(), original);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", output_text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// `--git-pull` against a local bare repository: a pushed commit is deployed and is the
/// commit in the history; a force-push that is not a fast-forward is refused and
/// reported, and the checkout and the servers stay as they were.
#[test]
fn git_pull_deploys_pushed_commits_and_refuses_force_pushes() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("remote.git");
    let seed = tmp.path().join("seed");
    let deploy = tmp.path().join("deploy");
    let out = deploy.join("out");
    // The working copy is cloned below; Prometheus's glob matches nothing until then.
    let prom = support::prometheus(&out);
    git(
        tmp.path(),
        &["init", "--quiet", "--bare", "-b", "main", "remote.git"],
    );
    scaffold(&seed, &prometheus_server(&prom.url()));
    write_file(&seed, ".gitignore", "out/\n.alertctl/\n");
    git(&seed, &["init", "--quiet", "-b", "main"]);
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "--quiet", "-m", "initial"]);
    git(
        &seed,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(&seed, &["push", "--quiet", "origin", "main"]);
    git(
        tmp.path(),
        &["clone", "--quiet", remote.to_str().unwrap(), "deploy"],
    );
    std::fs::create_dir_all(&out).unwrap();

    let log = tmp.path().join("watch.log");
    let mut w = Watch::start(
        &deploy,
        &log,
        &[
            "--every",
            "1h",
            "--git-pull",
            "main",
            "--git-every",
            "300ms",
        ],
    );
    w.wait("the first sync", || w.ready().0 == 200);
    wait_served(&prom, "90");

    // A pushed commit is deployed, and its commit is the history's.
    support::set_web_threshold(&seed, "77");
    git(&seed, &["commit", "--quiet", "-am", "web: 77"]);
    git(&seed, &["push", "--quiet", "origin", "main"]);
    let pushed = git(&seed, &["rev-parse", "HEAD"]);
    wait_served(&prom, "77");
    w.wait_idle();
    let h = history(&deploy);
    assert_eq!(h["deployments"][0]["result"], "applied");
    assert_eq!(h["deployments"][0]["git_commit"], pushed.as_str());
    assert_eq!(
        w.value(&format!(
            "alertctl_watch_deployed_info{{rev=\"{}\",commit=\"{pushed}\"}}",
            h["deployments"][0]["rev"]
        )),
        1.0,
        "{}",
        w.metrics()
    );
    let events = w.events();
    let pulled = of_kind(&events, "git-pulled");
    assert_eq!(pulled.last().unwrap()["to"], pushed.as_str());
    assert!(w.value("alertctl_watch_git_last_fetch_success_timestamp_seconds") > 0.0);

    // A force-push that rewrites the pushed commit: refused, reported, nothing moves.
    git(&seed, &["reset", "--quiet", "--hard", "HEAD~1"]);
    support::set_web_threshold(&seed, "55");
    git(&seed, &["commit", "--quiet", "-am", "web: 55, rewritten"]);
    git(&seed, &["push", "--quiet", "--force", "origin", "main"]);
    let forced = git(&seed, &["rev-parse", "HEAD"]);
    w.wait("the refusal", || {
        w.value("alertctl_watch_syncs_total{result=\"failed\",reason=\"git-non-fast-forward\"}")
            >= 1.0
    });
    assert_eq!(git(&deploy, &["rev-parse", "HEAD"]), pushed);
    assert_eq!(web_threshold(&prom).as_deref(), Some("77"));
    let (status, ready) = w.ready();
    assert_eq!(status, 503);
    let msg = ready["last_sync"]["message"].as_str().unwrap();
    assert!(
        msg.contains("not a fast-forward") && msg.contains(&forced),
        "{msg}"
    );
    assert!(
        msg.contains("deployed the checkout as it is: no changes"),
        "{msg}"
    );
    assert_eq!(
        w.value("alertctl_watch_next_retry_timestamp_seconds"),
        0.0,
        "a diverged branch needs a person, not retries"
    );
    // Reported once, not at every poll.
    let fetched = |w: &Watch| w.value("alertctl_watch_git_last_fetch_success_timestamp_seconds");
    let t = fetched(&w);
    w.wait("two more polls", || fetched(&w) > t);
    let t = fetched(&w);
    w.wait("two more polls", || fetched(&w) > t);
    assert_eq!(
        w.value("alertctl_watch_syncs_total{result=\"failed\",reason=\"git-non-fast-forward\"}"),
        1.0
    );

    // A person makes the checkout follow the branch: the next sync deploys it.
    git(&deploy, &["reset", "--quiet", "--hard", "origin/main"]);
    wait_served(&prom, "55");
    w.wait("a successful sync", || w.ready().0 == 200);
    assert_eq!(
        history(&deploy)["deployments"][0]["git_commit"],
        forced.as_str()
    );
    w.stop();
}

/// SIGTERM during a sync lets it finish; kill -9 during a sync, then a restart, ends
/// where an uninterrupted run ends: the same files, every server running them, the
/// history saying what happened.
#[test]
fn sigterm_finishes_the_sync_and_kill_9_mid_sync_restarts_to_the_same_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = support::prometheus(&out);
    // Reloads held for 3 s while `slow` is set: a sync that stays in its reload step.
    let slow = Arc::new(AtomicBool::new(false));
    let s = slow.clone();
    let proxy = support::FaultProxy::start(prom.port, move |line| {
        if s.load(Ordering::SeqCst) && line.starts_with("POST /-/reload") {
            support::Fault::Delay(Duration::from_secs(3))
        } else {
            support::Fault::Forward
        }
    });
    scaffold(&dir, &prometheus_server(&proxy.url()));
    let reloading = |w: &Watch, sync: u64| {
        w.events().iter().any(|e| {
            e["event"] == "deploy" && e["step"]["step"] == "reloading" && e["sync"] == sync
        })
    };

    // SIGTERM while sync 2 reloads: it finishes, is recorded applied, the daemon exits 0.
    let mut w = Watch::start(&dir, &tmp.path().join("w1.log"), &["--every", "1h"]);
    w.wait("the first sync", || w.ready().0 == 200);
    slow.store(true, Ordering::SeqCst);
    support::set_web_threshold(&dir, "61");
    w.wait("sync 2 to reload", || reloading(&w, 2));
    w.stop();
    let events = w.events();
    let stopping = of_kind(&events, "stopping");
    assert_eq!(stopping[0]["sync_in_progress"], true, "{events:?}");
    let finished = of_kind(&events, "sync-finished");
    assert_eq!(finished.last().unwrap()["result"], "applied", "{events:?}");
    wait_served(&prom, "61");
    let h = history(&dir);
    assert_eq!(h["deployments"][0]["result"], "applied");

    // kill -9 while sync 2 of the next daemon reloads.
    let mut w = Watch::start(&dir, &tmp.path().join("w2.log"), &["--every", "1h"]);
    w.wait("the first sync", || w.ready().0 == 200);
    support::set_web_threshold(&dir, "62");
    w.wait("sync 2 to reload", || reloading(&w, 2));
    w.kill9();
    slow.store(false, Ordering::SeqCst);
    assert!(
        out.join(".alertctl-reload-pending").exists(),
        "killed mid-sync"
    );

    // The next start completes it.
    let mut w = Watch::start(&dir, &tmp.path().join("w3.log"), &["--every", "1h"]);
    w.wait("the repairing sync", || w.ready().0 == 200);
    assert_eq!(
        w.value("alertctl_watch_syncs_total{result=\"applied\",reason=\"unfinished\"}"),
        1.0,
        "{}",
        w.log_text()
    );
    w.stop();

    // The same end state as an uninterrupted run: the rendered files, byte for byte,
    // every server running exactly them, no leftover of the killed run.
    let reference = tmp.path().join("reference");
    let o = alertctl(&dir, &["render", "--out", reference.to_str().unwrap()]);
    assert!(o.status.success(), "{}", output_text(&o));
    assert_eq!(support::yml_files(&out), support::yml_files(&reference));
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.ends_with(".yml") && n != ".alertctl.lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let live = alertctl(&dir, &["diff", "--live", "--exit-code"]);
    assert_eq!(live.status.code(), Some(0), "{}", output_text(&live));
    wait_served(&prom, "62");
    let h = history(&dir);
    let newest = &h["deployments"][0];
    assert_eq!(newest["result"], "applied", "{h}");
    assert!(
        newest["message"]
            .as_str()
            .unwrap_or_default()
            .contains("completed by a later run"),
        "{newest}"
    );
    assert!(
        h["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["result"] != "in-progress"),
        "{h}"
    );
}

/// The Alertmanager part of the rules directory is synced too: a routing change is
/// deployed to a real Alertmanager and verified.
#[test]
fn the_alertmanager_config_is_synced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let am_out = "am/alertmanager.yml";
    let am_source = |receiver: &str| {
        format!("route:\n  receiver: {receiver}\n  group_by: [alertname]\nreceivers:\n  - name: default\n    webhook_configs: [{{url: 'http://127.0.0.1:9/default'}}]\n  - name: pager\n    webhook_configs: [{{url: 'http://127.0.0.1:9/pager'}}]\n")
    };
    scaffold(&dir, "");
    write_file(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_source("default"),
    );
    // Alertmanager starts on the config alertctl renders; then the watch follows.
    support::append_settings(&dir, &format!("\n[alertmanager]\noutput = \"{am_out}\"\n"));
    let o = alertctl(&dir, &["alertmanager", "render"]);
    assert!(o.status.success(), "{}", output_text(&o));
    let am = support::alertmanager(&dir.join(am_out));
    support::append_settings(
        &dir,
        &format!("[[alertmanager.servers]]\nurl = \"{}\"\n", am.url()),
    );
    let log = tmp.path().join("watch.log");
    let mut w = Watch::start(&dir, &log, &["--every", "1h"]);
    w.wait("the first sync", || w.ready().0 == 200);
    let running_receiver = || {
        let (_, body) = http_get(&format!("{}/api/v2/status", am.url())).unwrap();
        let v: Value = serde_json::from_str(&body).unwrap();
        let cfg = v["config"]["original"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        cfg.lines()
            .find_map(|l| l.trim().strip_prefix("receiver: ").map(str::to_string))
    };
    assert_eq!(running_receiver().as_deref(), Some("default"));
    write_file(&dir, "alertmanager/alertmanager.yaml", &am_source("pager"));
    w.wait("Alertmanager to route to pager", || {
        running_receiver().as_deref() == Some("pager")
    });
    w.wait("a successful sync", || w.ready().0 == 200);
    let h = history(&dir);
    assert_eq!(h["deployments"][0]["kind"], "alertmanager apply", "{h}");
    assert_eq!(h["deployments"][0]["result"], "applied", "{h}");
    w.stop();
}

/// Bad flags and settings fail before anything runs, with exit 2 (4 for a port in use);
/// a hostile rules directory (link loops, links out of it, control characters in file
/// names, a huge file) is reported and never deployed while the daemon stays up; hostile
/// HTTP requests are answered without harm; a burst of POST /sync coalesces; a secret
/// never reaches the log or the pages.
#[test]
fn bad_flags_hostile_input_and_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    scaffold(&dir, "");

    let run = |args: &[&str]| -> Output {
        Command::new(BIN)
            .arg("-C")
            .arg(&dir)
            .arg("watch")
            .args(args)
            .output()
            .unwrap()
    };
    for (args, code, says) in [
        (vec!["--every", "soon"], 2, "not a duration"),
        (vec!["--debounce", "1h"], 2, "at most 10m"),
        (vec!["--poll", "1ms"], 2, "at least 100ms"),
        (vec!["--retry-base", "0s"], 2, "more than 0s"),
        (vec!["--every", "9999999999999d"], 2, "not a duration"),
        (vec!["--every", "400d"], 2, "at most 30d"),
        (vec!["--listen", "localhost"], 2, "invalid socket address"),
        (vec!["--git-remote", "up"], 2, "--git-pull"),
        (vec!["--git-pull", "main"], 2, "git working copy"),
        (vec!["--git-pull=-x"], 2, "not a usable name"),
        (vec!["--git-pull", "ma\nin"], 2, "not a usable name"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", output_text(&o));
        assert!(
            output_text(&o).contains(says),
            "{args:?}: {}",
            output_text(&o)
        );
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let o = run(&["--listen", &taken.local_addr().unwrap().to_string()]);
    assert_eq!(o.status.code(), Some(4), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("cannot listen"),
        "{}",
        output_text(&o)
    );
    drop(taken);
    let o = Command::new(BIN)
        .arg("-C")
        .arg(tmp.path())
        .args(["watch"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", output_text(&o));

    // A hostile rules directory.
    std::os::unix::fs::symlink(dir.join("rules"), dir.join("rules/loop")).unwrap();
    std::os::unix::fs::symlink("/etc", dir.join("rules/etc")).unwrap();
    write_file(
        &dir,
        "rules/new\nline\u{1b}[31m.yaml",
        "- template: HighCPU\n  scope: group/web\n  params: { threshold: 91 }\n",
    );
    write_file(&dir, "rules/huge.yaml", &"#".repeat(9 << 20));
    let log = tmp.path().join("watch.log");
    let w = Watch::start(&dir, &log, &["--every", "1h"]);
    w.wait("the first sync", || w.syncs() >= 1.0);
    let (status, ready) = w.ready();
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["last_sync"]["result"], "invalid", "{ready}");
    let (status, _) = http_get(&w.url("/healthz")).unwrap();
    assert_eq!(status, 200, "the daemon stays up");
    assert!(!dir.join("out/group_web.yml").exists(), "nothing deployed");
    // Repaired: the next file event deploys.
    for p in [
        "rules/loop",
        "rules/etc",
        "rules/huge.yaml",
        "rules/new\nline\u{1b}[31m.yaml",
    ] {
        std::fs::remove_file(dir.join(p)).unwrap();
    }
    w.wait("a valid sync", || w.ready().0 == 200);
    assert!(dir.join("out/group_web.yml").exists());
    for line in w.log_text().lines() {
        assert!(
            !line.contains('\u{1b}'),
            "raw control character in the log: {line:?}"
        );
    }
    w.events();

    // Hostile HTTP.
    assert_eq!(http_get(&w.url("/sync")).unwrap().0, 405);
    assert_eq!(http_post(&w.url("/metrics")).unwrap().0, 405);
    assert_eq!(http_get(&w.url("/../../etc/passwd")).unwrap().0, 404);
    let big = "x".repeat(16 << 20);
    let _ = support::http_post_json(&w.url("/sync"), &big);
    assert_eq!(http_get(&w.url("/healthz")).unwrap().0, 200);

    // 50 POST /sync at once coalesce into a few syncs.
    w.wait_idle();
    let syncs = w.syncs();
    let posts: Vec<_> = (0..50)
        .map(|_| {
            let url = w.url("/sync");
            std::thread::spawn(move || http_post(&url).map(|r| r.0))
        })
        .collect();
    for p in posts {
        assert_eq!(p.join().unwrap(), Some(202));
    }
    w.wait_idle();
    let ran = w.syncs() - syncs;
    assert!((1.0..=3.0).contains(&ran), "{ran} syncs for 51 requests");
    assert!(w.value("alertctl_watch_triggers_total{trigger=\"http\"}") >= 50.0);
    promtool_check_metrics(&w.metrics());
    drop(w);

    // A secret in a server's settings never reaches the log or the pages, and a
    // text log stays one line per event.
    let token = "s3cr3t-watch-token-value";
    support::append_settings(
        &dir,
        &format!("retries = 0\n[[prometheus]]\nname = \"p\"\nurl = \"http://127.0.0.1:9/?token={token}\"\nbearer_token_env = \"WATCH_TOKEN\"\n"),
    );
    let log = tmp.path().join("secret.log");
    let child = Command::new(BIN)
        .arg("-C")
        .arg(&dir)
        .args([
            "watch",
            "--listen",
            "127.0.0.1:0",
            "--retry-base",
            "100ms",
            "--retries",
            "2",
        ])
        .env("WATCH_TOKEN", token)
        .env("ALERTCTL_PROMTOOL", tool("promtool"))
        .stderr(File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut w = Watch {
        child: Some(child),
        port: 0,
        log: log.clone(),
    };
    assert!(
        eventually(DEADLINE, || w.log_text().contains("retries are used up")),
        "{}",
        w.log_text()
    );
    w.signal("TERM");
    assert_eq!(w.wait_exit().code(), Some(0));
    let text = w.log_text();
    assert!(text.contains("server-unreachable"), "{text}");
    assert!(!text.contains(token), "{text}");
    let timestamp =
        regex::Regex::new(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) ")
            .unwrap();
    for line in text.lines() {
        assert!(timestamp.is_match(line), "not one event per line: {line:?}");
    }
}
