//! The deploy-side fault corpus (issue 9): for each fault, against real Prometheus,
//! vmalert and Alertmanager on 127.0.0.1, the exit code, the message, the history rows
//! and the files left on disk. Each server starts once for this binary; the cases run
//! one after the other on it, each with a fresh rules directory and history.
//!
//! Faults are real where they can be: kill -9 (SIGKILL from the test) of an apply
//! waiting on a reload; a crash at a named step (`ALERTCTL_CRASH_AT=<step>` aborts the
//! process there, no cleanup runs, like a kill -9); slow or vanished servers through
//! a [`support::FaultProxy`] in front of the real one. docs/exit-codes.md tabulates
//! them.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{eventually, Fault, FaultProxy, Server};

/// A bearer token for the servers, with a quote, a backslash and a tab: it must not
/// show up anywhere, in any escaping. The distinctive `zq5` is what the checks look for.
const SERVER_TOKEN: &str = "zq5\"tok\\en\tx'y %z";

fn alertctl(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alertctl"));
    c.arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env("PROM_TOKEN", SERVER_TOKEN);
    for (k, v) in envs {
        c.env(k, v);
    }
    let o = c.output().expect("alertctl runs");
    assert_no_secret(&text(&o), &format!("alertctl {args:?}"));
    o
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_no_secret(s: &str, what: &str) {
    assert!(!s.contains("zq5"), "{what} shows a secret:\n{s}");
}

/// (rev, result, message) of every history row, newest first.
fn history(dir: &Path) -> Vec<(i64, String, String)> {
    let o = alertctl(dir, &["history", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    rows["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rev"].as_i64().unwrap(),
                r["result"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn results(dir: &Path) -> Vec<(i64, String)> {
    history(dir).into_iter().map(|(r, s, _)| (r, s)).collect()
}

/// The `*.yml` files of `dir`: name -> bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_ending(dir, ".yml")
}

/// The files of `dir` whose names end in `suffix`: name -> bytes (none without `dir`).
fn files_ending(dir: &Path, suffix: &str) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|r| r.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn pending(out: &Path) -> Option<String> {
    std::fs::read_to_string(out.join(".alertctl-reload-pending")).ok()
}

/// A scaffolded rules directory deploying to `out` (absolute) on `server`.
fn rules_dir(tmp: &Path, out: &Path, server: &str, kind: &str, extra: &str) -> PathBuf {
    let dir = tmp.join("rules");
    support::init_rules_dir(&dir);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml"))
        .unwrap()
        .replace(
            "dir = \"rendered\"",
            &format!("dir = \"{}\"", out.display()),
        )
        .replace("promtool = \"auto\"", "promtool = \"off\"");
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{toml}\n[apply]\nlock_timeout = \"5s\"\nretries = 0\n{extra}\n[[prometheus]]\nname = \"srv\"\nurl = \"{server}\"\nkind = \"{kind}\"\ntimeout = \"1s\"\nbearer_token_env = \"PROM_TOKEN\"\n"),
    )
    .unwrap();
    dir
}

/// The next apply finds an earlier one unfinished, and finishes it.
fn apply_completes(dir: &Path) {
    let o = alertctl(dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("an earlier apply did not finish"),
        "{}",
        text(&o)
    );
}

fn set_web_threshold(dir: &Path, value: u32) {
    support::set_web_threshold(dir, &value.to_string());
}

/// An annotation with an unknown template function: the server rejects the file.
fn break_annotation(dir: &Path) {
    let f = dir.join("templates/node/target-down.yaml");
    let s = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        s.replace(
            "{{ $labels.instance }} is down",
            "{{ humanizeX $value }} is down",
        ),
    )
    .unwrap();
}

/// The web group's HighCPU threshold the server runs (None: no such rule).
fn live_threshold(s: &Server) -> Option<String> {
    s.rule_queries()
        .into_iter()
        .find(|(n, q)| n == "HighCPU" && q.contains("group=\"web\""))
        .and_then(|(_, q)| q.rsplit("> ").next().map(str::to_string))
}

/// Reload requests a [`Faulty`] proxy is holding, over all of them: a held reload lands
/// whenever its delay is over, so a case waits for them before the next one starts.
static HELD: AtomicUsize = AtomicUsize::new(0);

fn wait_for_held_reloads() {
    assert!(
        eventually(Duration::from_secs(15), || HELD.load(Ordering::SeqCst) == 0),
        "held reloads never went out"
    );
}

/// Empties the shared output directory and has `server` load the emptiness, once no
/// held reload of an earlier case can land any more.
fn reset(out: &Path, server: &Server) {
    wait_for_held_reloads();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    assert!(support::http_post(&format!("{}/-/reload", server.url())).is_some());
    assert!(
        eventually(Duration::from_secs(10), || server.rule_queries().is_empty()),
        "the server still runs rules after a reset"
    );
}

/// A proxy in front of `server` holding each `POST /-/reload` for `delay` (milliseconds,
/// changeable) and dropping every reload after the first `drop_after` ones.
struct Faulty {
    proxy: FaultProxy,
    delay_ms: Arc<AtomicU64>,
    drop_after: Arc<AtomicUsize>,
}

fn faulty(server: &Server) -> Faulty {
    let delay_ms = Arc::new(AtomicU64::new(0));
    let drop_after = Arc::new(AtomicUsize::new(usize::MAX));
    let reloads = Arc::new(AtomicUsize::new(0));
    let (d, a) = (delay_ms.clone(), drop_after.clone());
    let proxy = FaultProxy::start(server.port, move |line| {
        if !line.contains("/-/reload") {
            return Fault::Forward;
        }
        if reloads.fetch_add(1, Ordering::SeqCst) >= a.load(Ordering::SeqCst) {
            return Fault::Drop;
        }
        let ms = d.load(Ordering::SeqCst);
        if ms > 0 {
            HELD.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(ms));
            HELD.fetch_sub(1, Ordering::SeqCst);
        }
        Fault::Forward
    });
    Faulty {
        proxy,
        delay_ms,
        drop_after,
    }
}

fn case(name: &str) {
    eprintln!("--- case: {name}");
}

/// A case on the shared `out` of `prom`: the directory emptied, a fresh rules
/// directory deploying there through `url` (with `extra` `[apply]` settings), and its
/// first deployment applied.
fn deployed(
    name: &str,
    out: &Path,
    prom: &Server,
    url: &str,
    extra: &str,
) -> (tempfile::TempDir, PathBuf) {
    case(name);
    reset(out, prom);
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(tmp.path(), out, url, "prometheus", extra);
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    (tmp, dir)
}

#[test]
fn prometheus_and_vmalert_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = support::prometheus(&out);

    kill_during_reload(&out, &prom);
    killed_while_rolling_back(&out, &prom);
    killed_before_the_commit_point(&out, &prom);
    slow_reload_that_lands(&out, &prom);
    slow_reload_that_does_not_land(&out, &prom);
    server_gone_during_rollback(&out, &prom);
    symlink_named_like_a_generated_file(&out, &prom);
    write_fails_midway(&out, &prom);
    file_sd_faults(&out, &prom);

    // vmalert on its own output directory, with a seed group so it can start.
    let seed = tmp.path().join("seed");
    std::fs::create_dir_all(&seed).unwrap();
    std::fs::write(
        seed.join("seed.yml"),
        "groups:\n- name: seed\n  rules:\n  - record: seed\n    expr: vector(1)\n",
    )
    .unwrap();
    let vm_out = tmp.path().join("vm-out");
    std::fs::create_dir_all(&vm_out).unwrap();
    let vm = support::vmalert_globs(
        &[
            format!("{}/*.yml", seed.display()),
            format!("{}/*.yml", vm_out.display()),
        ],
        &prom,
    );
    vmalert_crash_after_reload(&vm_out, &vm);
}

/// kill -9 while the apply waits for Prometheus to answer its reload; the next apply
/// completes that deployment instead of recording a bogus "0 added, 0 modified" one.
fn kill_during_reload(out: &Path, prom: &Server) {
    let f = faulty(prom);
    let (_tmp, dir) = deployed(
        "kill -9 during reload, then apply",
        out,
        prom,
        &f.proxy.url(),
        "",
    );

    set_web_threshold(&dir, 91);
    f.delay_ms.store(3000, Ordering::SeqCst);
    let mut child = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .arg("apply")
        .env("PROM_TOKEN", SERVER_TOKEN)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let seen = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut lines = Vec::new();
        for l in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let reloading = l.contains("reloading srv");
            lines.push(l);
            if reloading {
                break;
            }
        }
        lines
    });
    let lines = seen.join().unwrap();
    assert!(lines.last().unwrap().contains("reloading srv"), "{lines:?}");
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9));

    // The new files are on disk, the marker names the deployment, whose row says it is
    // still in progress.
    assert!(String::from_utf8_lossy(&files(out)["group_web.yml"]).contains("> 91"));
    assert_eq!(
        pending(out).as_deref(),
        Some("reload pending\ndeployment 2\n")
    );
    assert_eq!(
        results(&dir),
        [(2, "in-progress".into()), (1, "applied".into())]
    );

    // The next apply (the delayed reload may or may not have landed) reloads and
    // verifies, and completes deployment 2: no third row.
    f.delay_ms.store(0, Ordering::SeqCst);
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("an earlier apply did not finish"), "{t}");
    assert!(
        t.contains("completed deployment 2 in ")
            && t.contains("every server now verifiably runs them"),
        "{t}"
    );
    assert!(!t.contains("0 added, 0 modified"), "{t}");
    let h = history(&dir);
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!((h[0].0, h[0].1.as_str()), (2, "applied"));
    assert!(h[0].2.starts_with("completed by a later run"), "{h:?}");
    assert_eq!(pending(out), None);
    assert_eq!(live_threshold(prom).as_deref(), Some("91"));
}

/// The new files are rejected and the process dies before putting the previous ones
/// back: the rejected files stay on disk while Prometheus runs the previous rules.
fn killed_while_rolling_back(out: &Path, prom: &Server) {
    let (_tmp, dir) = deployed(
        "killed while rolling back; apply on invalid input; rollback without REV",
        out,
        prom,
        &prom.url(),
        "",
    );
    let good = files(out);
    set_web_threshold(&dir, 92);
    break_annotation(&dir);
    let o = alertctl(&dir, &["apply"], &[("ALERTCTL_CRASH_AT", "rolling-back")]);
    assert_eq!(o.status.signal(), Some(6), "{}", text(&o));
    let rejected = files(out);
    assert_ne!(rejected, good);
    assert!(String::from_utf8_lossy(&rejected["global.yml"]).contains("humanizeX"));
    assert_eq!(
        live_threshold(prom).as_deref(),
        Some("90"),
        "Prometheus kept its rules"
    );
    assert_eq!(
        results(&dir),
        [(2, "in-progress".into()), (1, "applied".into())]
    );

    // An apply stopped by invalid input writes nothing, but says what the directory
    // holds and what will happen to it.
    std::fs::write(
        dir.join("rules/bad.yaml"),
        "- template: NoSuch\n  scope: global\n",
    )
    .unwrap();
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("warning: the output directory differs from deployment 1, the last one every server was verified to run (it holds the files of deployment 2, which was interrupted): global.yml differs, group_web.yml differs; nothing was written, so they stay, and servers load them at their next reload or restart; `alertctl rollback` restores deployment 1"), "{t}");
    assert!(t.contains("error: 1 error; nothing written"), "{t}");
    assert_eq!(files(out), rejected);
    std::fs::remove_file(dir.join("rules/bad.yaml")).unwrap();

    // rollback without REV restores deployment 1, which Prometheus actually runs (the
    // one before it would be the old rule of picking the second newest).
    let o = alertctl(&dir, &["rollback"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("rolling back to deployment 1 ("), "{t}");
    assert_eq!(files(out), good, "deployment 1's files, byte for byte");
    assert_eq!(pending(out), None);
    assert_eq!(live_threshold(prom).as_deref(), Some("90"));
    let h = history(&dir);
    assert_eq!(
        h.iter().map(|r| (r.0, r.1.as_str())).collect::<Vec<_>>(),
        [(3, "applied"), (2, "interrupted"), (1, "applied")]
    );
    assert!(
        h[1].2.contains("killed after writing its files") && h[1].2.contains("stayed"),
        "{h:?}"
    );
}

/// Killed after the first temporary file, before the commit point: nothing of the new
/// set is in place. The next apply says the row was interrupted before writing.
fn killed_before_the_commit_point(out: &Path, prom: &Server) {
    let (_tmp, dir) = deployed("killed before the commit point", out, prom, &prom.url(), "");
    let good = files(out);
    set_web_threshold(&dir, 93);
    let o = alertctl(&dir, &["apply"], &[("ALERTCTL_CRASH_AT", "1")]);
    assert_eq!(o.status.signal(), Some(6), "{}", text(&o));
    assert_eq!(files(out), good, "the old files are untouched");
    assert!(out.join(".group_web.yml.alertctl-tmp").exists());
    assert_eq!(
        pending(out).as_deref(),
        Some("reload pending\ndeployment 2\n")
    );

    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("applied deployment 3 to"), "{}", text(&o));
    assert!(!out.join(".group_web.yml.alertctl-tmp").exists());
    let h = history(&dir);
    assert_eq!(
        h.iter().map(|r| (r.0, r.1.as_str())).collect::<Vec<_>>(),
        [(3, "applied"), (2, "interrupted"), (1, "applied")]
    );
    assert!(
        h[1].2.contains("killed before its files were written"),
        "{h:?}"
    );
    assert_eq!(live_threshold(prom).as_deref(), Some("93"));
}

/// The reload answers later than `timeout` but lands within `verify_timeout`: applied,
/// with the late answer in the message and the history.
fn slow_reload_that_lands(out: &Path, prom: &Server) {
    let f = faulty(prom);
    let (_tmp, dir) = deployed(
        "reload timeout, then the server runs the new rules",
        out,
        prom,
        &f.proxy.url(),
        "verify_timeout = \"15s\"",
    );
    f.delay_ms.store(2500, Ordering::SeqCst);
    set_web_threshold(&dir, 94);
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "applied");
    assert_eq!(doc["servers"][0]["verified"], true);
    assert_eq!(
        doc["servers"][0]["note"],
        "POST /-/reload did not answer within 1s; the server was then seen to run the expected rules"
    );
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("\nnote: srv: POST /-/reload did not answer within 1s"),
        "{doc}"
    );
    let h = history(&dir);
    assert_eq!((h[0].0, h[0].1.as_str()), (2, "applied"));
    assert!(h[0].2.contains("did not answer within 1s"), "{h:?}");
    assert_eq!(live_threshold(prom).as_deref(), Some("94"));
    assert_eq!(pending(out), None);
}

/// The reload answers too late and does not land within `verify_timeout`: rolled back,
/// the previous files verified, and the late reloads (which load what is on disk when
/// they land) leave the server on the previous rules.
fn slow_reload_that_does_not_land(out: &Path, prom: &Server) {
    let f = faulty(prom);
    let (_tmp, dir) = deployed(
        "reload timeout, server still on the old rules: rolled back",
        out,
        prom,
        &f.proxy.url(),
        "verify_timeout = \"2s\"",
    );
    let good = files(out);
    f.delay_ms.store(5000, Ordering::SeqCst);
    set_web_threshold(&dir, 95);
    let loads = support::prometheus_loads(prom);
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("error: deploy failed: srv: POST /-/reload did not answer within 1s (it may still be reloading), and the loaded rules differ from the files"),
        "{t}"
    );
    assert!(t.contains("the previous files were restored byte for byte and every server verified to run them again"), "{t}");
    assert_eq!(files(out), good);
    assert_eq!(pending(out), None);
    let h = history(&dir);
    assert_eq!((h[0].0, h[0].1.as_str()), (2, "rolled-back"));
    assert!(h[0].2.contains("did not answer within 1s"), "{h:?}");
    // Once the held reloads have reached it, Prometheus still runs the previous rules:
    // a reload loads what is on disk when it lands.
    // Both reloads (the new files', the rollback's) were held; both land.
    wait_for_held_reloads();
    assert!(eventually(Duration::from_secs(5), || {
        support::prometheus_loads(prom) >= loads + 2
    }));
    assert_eq!(live_threshold(prom).as_deref(), Some("90"));
}

/// The new files are rejected, then the server cannot be reached for the rollback's
/// reload: exit 5, and the message says what the server was seen to run.
fn server_gone_during_rollback(out: &Path, prom: &Server) {
    let f = faulty(prom);
    let (_tmp, dir) = deployed(
        "rejected, then the server is gone for the rollback: exit 5",
        out,
        prom,
        &f.proxy.url(),
        "",
    );
    let good = files(out);
    // The first apply reloaded once; the next reload (the new files) goes through,
    // every later one is dropped.
    f.drop_after.store(2, Ordering::SeqCst);
    set_web_threshold(&dir, 96);
    break_annotation(&dir);
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "rollback-unverified");
    assert_eq!(doc["rollback"][0]["runs"], "previous");
    let m = doc["message"].as_str().unwrap();
    assert!(m.contains("Prometheus rejected the reload"), "{m}");
    assert!(m.contains("the previous files were restored, but not every server could be verified to run them: srv: cannot reach"), "{m}");
    assert!(m.ends_with("\nnow: srv runs the previous rules"), "{m}");
    assert_eq!(files(out), good, "restored all the same");
    assert!(
        pending(out).is_some(),
        "the next apply reloads and verifies"
    );
    assert_eq!(results(&dir)[0], (2, "rollback-unverified".into()));
    assert_eq!(live_threshold(prom).as_deref(), Some("90"));
}

/// A symbolic link named like a generated file points at hand-written rules: nothing
/// replaces it, whichever command tries.
fn symlink_named_like_a_generated_file(out: &Path, prom: &Server) {
    case("symlink in the output directory");
    reset(out, prom);
    let tmp = tempfile::tempdir().unwrap();
    let hand = tmp.path().join("hand-written.rules");
    let hand_text = "groups:\n- name: hand\n  rules:\n  - alert: Hand\n    expr: vector(1)\n";
    std::fs::write(&hand, hand_text).unwrap();
    std::os::unix::fs::symlink(&hand, out.join("group_web.yml")).unwrap();
    assert!(support::http_post(&format!("{}/-/reload", prom.url())).is_some());
    let dir = rules_dir(tmp.path(), out, &prom.url(), "prometheus", "");
    let want = format!(
        "group_web.yml in the output directory is a symbolic link to {}, not a file alertctl generated; refusing to replace it",
        hand.display()
    );
    for args in [
        vec!["apply"],
        vec!["apply", "--dry-run"],
        vec!["render"],
        vec!["diff"],
    ] {
        let o = alertctl(&dir, &args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(&want), "{args:?}: {}", text(&o));
    }
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "invalid");
    assert_eq!(doc["message"], want.as_str());
    assert_eq!(std::fs::read_link(out.join("group_web.yml")).unwrap(), hand);
    assert_eq!(std::fs::read_to_string(&hand).unwrap(), hand_text);
    assert!(!out.join("global.yml").exists(), "nothing written");
    assert!(history(&dir).is_empty());
    let groups: Vec<String> = prom.rules()["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        groups,
        ["hand"],
        "Prometheus still runs the hand-written rules"
    );
}

/// Writing the new files fails (here: a directory squats on a temporary file's name,
/// which fails for root too): exit 4, the row says so, nothing half-done on disk.
fn write_fails_midway(out: &Path, prom: &Server) {
    let (_tmp, dir) = deployed("an I/O error while writing", out, prom, &prom.url(), "");
    let good = files(out);
    let squat = out.join(".group_web.yml.alertctl-tmp");
    std::fs::create_dir(&squat).unwrap();
    set_web_threshold(&dir, 98);
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "failed");
    let m = doc["message"].as_str().unwrap();
    assert!(
        m.starts_with("writing the files failed midway (Is a directory"),
        "{m}"
    );
    assert_eq!(files(out), good, "every file complete, none replaced");
    let h = history(&dir);
    assert_eq!((h[0].0, h[0].1.as_str()), (2, "write-failed"));
    assert_eq!(h[0].2, m);
    assert_eq!(live_threshold(prom).as_deref(), Some("90"));

    // Once the obstacle is gone, the next apply writes, reloads and verifies.
    std::fs::remove_dir(&squat).unwrap();
    apply_completes(&dir);
    assert_eq!(
        results(&dir),
        [
            (3, "applied".into()),
            (2, "write-failed".into()),
            (1, "applied".into())
        ]
    );
    assert_eq!(live_threshold(prom).as_deref(), Some("98"));
}

/// The `*.json` files of a file_sd directory: name -> bytes.
fn file_sd_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_ending(dir, ".json")
}

/// With `[file_sd]`, the scrape-target files are part of the deployment: a name taken by
/// a link is refused before anything is written, a failed write is finished by the next
/// apply, and targets that do not show the labels roll both kinds of files back.
fn file_sd_faults(out: &Path, prom: &Server) {
    case("file_sd: a symlink named like a file_sd file");
    reset(out, prom);
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(
        tmp.path(),
        out,
        &prom.url(),
        "prometheus",
        "verify_timeout = \"2s\"\n",
    );
    let with_file_sd = |verify: bool| {
        let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
        let toml = match toml.find("[file_sd]") {
            Some(i) => toml[..i].to_string() + &toml[toml.find("[apply]").unwrap()..],
            None => toml,
        };
        std::fs::write(
            dir.join("alertctl.toml"),
            toml.replace(
                "[apply]",
                &format!("[file_sd]\ndir = \"sd\"\nverify = {verify}\n[apply]"),
            ),
        )
        .unwrap();
    };
    with_file_sd(false);
    let sd = dir.join("sd");
    std::fs::create_dir_all(&sd).unwrap();
    let hand = tmp.path().join("targets.json");
    std::fs::write(&hand, "[]\n").unwrap();
    std::os::unix::fs::symlink(&hand, sd.join("node.json")).unwrap();
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "node.json in the file_sd directory is a symbolic link to {}, not a file alertctl generated; refusing to replace it",
            hand.display()
        )),
        "{}",
        text(&o)
    );
    assert!(files(out).is_empty(), "no rule file written either");
    assert!(history(&dir).is_empty());
    std::fs::remove_file(sd.join("node.json")).unwrap();

    case("file_sd: an I/O error writing the file_sd files");
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("writing 1 file_sd file(s)") && text(&o).contains("; file_sd: 1 added"),
        "{}",
        text(&o)
    );
    let first = file_sd_files(&sd);
    let squat = sd.join(".node.json.alertctl-tmp");
    std::fs::create_dir(&squat).unwrap();
    let inv = std::fs::read_to_string(dir.join("inventory.yaml")).unwrap();
    std::fs::write(
        dir.join("inventory.yaml"),
        inv.replace("web-2:9100", "web-9:9100"),
    )
    .unwrap();
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "failed", "{doc}");
    assert_eq!(
        file_sd_files(&sd),
        first,
        "the file_sd file is complete and unchanged"
    );
    assert!(pending(out).is_some(), "the next apply finishes the change");
    assert_eq!(
        results(&dir),
        [(2, "write-failed".into()), (1, "applied".into())]
    );
    std::fs::remove_dir(&squat).unwrap();
    apply_completes(&dir);
    let now = String::from_utf8(file_sd_files(&sd)["node.json"].clone()).unwrap();
    assert!(
        now.contains("web-9:9100") && !now.contains("web-2:9100"),
        "{now}"
    );
    assert!(pending(out).is_none());

    // The server scrapes nothing: the new targets are not verified, so both kinds of
    // files go back; the previous targets (deployed with `verify = false`) are not
    // scraped either, and the report says so instead of claiming a verified state.
    case("file_sd: targets without the labels roll rules and file_sd files back");
    with_file_sd(true);
    let (rules_before, sd_before) = (files(out), file_sd_files(&sd));
    std::fs::write(dir.join("inventory.yaml"), &inv).unwrap();
    set_web_threshold(&dir, 97);
    let o = alertctl(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "rollback-unverified", "{doc}");
    assert_eq!(doc["servers"][0]["verified"], true, "{doc}");
    assert_eq!(doc["servers"][0]["targets_verified"], false, "{doc}");
    assert_eq!(doc["rollback"][0]["verified"], true, "{doc}");
    assert_eq!(doc["rollback"][0]["targets_verified"], false, "{doc}");
    let m = doc["message"].as_str().unwrap();
    assert!(
        m.starts_with("deploy failed: srv: 3 of 3 targets of the file_sd files do not show the inventory's labels after 2s")
            && m.contains("web-2:9100 (job node) is not an active target")
            && m.contains("the previous files were restored, but not every server could be verified to run them")
            && m.contains("web-9:9100 (job node) is not an active target"),
        "{m}"
    );
    assert_eq!(files(out), rules_before, "the rule files are back");
    assert_eq!(file_sd_files(&sd), sd_before, "the file_sd files are back");
    assert_eq!(live_threshold(prom).as_deref(), Some("90"));
    assert_eq!(results(&dir)[0], (4, "rollback-unverified".into()));
}

/// vmalert reloads asynchronously; the process dies right after asking. The next apply
/// finds the deployment unfinished and completes it.
fn vmalert_crash_after_reload(out: &Path, vm: &Server) {
    case("vmalert: crash after the reload request, then apply");
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(tmp.path(), out, &vm.url(), "vmalert", "");
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), vm.log_text());
    set_web_threshold(&dir, 97);
    let o = alertctl(&dir, &["apply"], &[("ALERTCTL_CRASH_AT", "verifying")]);
    assert_eq!(o.status.signal(), Some(6), "{}", text(&o));
    assert_eq!(
        results(&dir),
        [(2, "in-progress".into()), (1, "applied".into())]
    );
    let o = alertctl(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("completed deployment 2 in"),
        "{}",
        text(&o)
    );
    assert_eq!(
        results(&dir),
        [(2, "applied".into()), (1, "applied".into())]
    );
    assert!(eventually(Duration::from_secs(5), || live_threshold(vm)
        .as_deref()
        == Some("97")));
}

// ---------------------------------------------------------------- Alertmanager

/// A secret from the environment with a quote, a backslash, a tab, a single quote, a
/// space, a percent sign and a non-ASCII letter. `zq5` marks it for the checks.
const HOOK_TOKEN: &str = "zq5-s3c\"r\\et\tx'y z%ü-end";

fn am_config(with_url: bool) -> String {
    let url = if with_url {
        // The tab makes this URL invalid: Alertmanager and amtool quote it, Go-style,
        // in their error.
        "http://127.0.0.1:9/hook/${env:HOOK_TOKEN}"
    } else {
        "http://127.0.0.1:9/hook"
    };
    format!(
        "route:\n  receiver: default\n  group_by: [alertname]\n\
receivers:\n  - name: default\n    webhook_configs:\n      - url: {url}\n        http_config:\n          authorization:\n            credentials: ${{env:HOOK_TOKEN}}\n\
routing:\n  - scope: group/web\n    receiver: default\n  - scope: group/db\n    receiver: default\n"
    )
}

/// Every escaping of `HOOK_TOKEN` a test can compute without alertctl's code.
fn token_forms() -> Vec<String> {
    let json = serde_json::to_string(HOOK_TOKEN).unwrap();
    vec![
        HOOK_TOKEN.to_string(),
        json[1..json.len() - 1].to_string(),
        // Go's %q and %+q.
        r#"zq5-s3c\"r\\et\tx'y z%ü-end"#.to_string(),
        r#"zq5-s3c\"r\\et\tx'y z%\u00fc-end"#.to_string(),
        serde_yaml::to_string(HOOK_TOKEN)
            .unwrap()
            .trim()
            .to_string(),
        HOOK_TOKEN.replace('\'', "''"),
        "zq5-s3c%22r%5Cet%09x%27y%20z%25%C3%BC-end".to_string(),
    ]
}

#[test]
fn alertmanager_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(
        tmp.path(),
        &tmp.path().join("out"),
        "http://127.0.0.1:1",
        "prometheus",
        "",
    );
    let toml = dir.join("alertctl.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    let base = &base[..base.find("[[prometheus]]").unwrap()];
    std::fs::create_dir_all(dir.join("alertmanager")).unwrap();
    std::fs::write(dir.join("alertmanager/am.yaml"), am_config(false)).unwrap();
    let env = [("HOOK_TOKEN", HOOK_TOKEN)];
    let am_file = dir.join("am/alertmanager.yml");
    std::fs::write(
        &toml,
        format!("{base}\n[alertmanager]\noutput = \"am/alertmanager.yml\"\namtool = \"off\"\n"),
    )
    .unwrap();
    case("a new alertmanager.yml is created 0600");
    let o = alertctl(&dir, &["alertmanager", "render"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&am_file), 0o600);
    let written = std::fs::read_to_string(&am_file).unwrap();
    assert!(
        written.contains(
            &serde_yaml::to_string(HOOK_TOKEN)
                .unwrap()
                .trim()
                .to_string()
        ),
        "the config really holds the secret (escaped for YAML):\n{written}"
    );

    let am = support::alertmanager(&am_file);
    std::fs::write(
        &toml,
        format!("{base}\n[alertmanager]\noutput = \"am/alertmanager.yml\"\namtool = \"off\"\n[[alertmanager.servers]]\nname = \"am\"\nurl = \"{}\"\nbearer_token_env = \"PROM_TOKEN\"\n", am.url()),
    )
    .unwrap();
    let amtool = support::tool("amtool").display().to_string();
    let mut outputs = Vec::new();

    case("mode kept across apply and rollback; secrets in every escaping");
    std::fs::set_permissions(&am_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::write(
        dir.join("alertmanager/am.yaml"),
        am_config(false).replace("group_by: [alertname]", "group_by: [alertname, instance]"),
    )
    .unwrap();
    let o = alertctl(&dir, &["alertmanager", "apply"], &env);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), am.log_text());
    assert_eq!(mode(&am_file), 0o640, "an existing file keeps its mode");
    std::fs::set_permissions(&am_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = std::fs::read(&am_file).unwrap();

    // The secret inside a URL that Alertmanager and amtool reject, quoting it.
    std::fs::write(dir.join("alertmanager/am.yaml"), am_config(true)).unwrap();
    for args in [
        vec!["alertmanager", "apply"],
        vec!["alertmanager", "apply", "--format", "json"],
    ] {
        let o = alertctl(&dir, &args, &env);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(
            text(&o).contains("Alertmanager rejected the new config")
                && text(&o).contains("<secret>"),
            "{}",
            text(&o)
        );
        outputs.push(text(&o));
    }
    assert_eq!(std::fs::read(&am_file).unwrap(), before, "restored");
    assert_eq!(mode(&am_file), 0o600, "the restored file keeps its mode");
    for args in [
        vec!["alertmanager", "apply", "--amtool", "required"],
        vec![
            "alertmanager",
            "apply",
            "--amtool",
            "required",
            "--format",
            "json",
        ],
    ] {
        let o = alertctl(&dir, &args, &[env[0], ("ALERTCTL_AMTOOL", &amtool)]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains("amtool check-config rejects"),
            "{}",
            text(&o)
        );
        outputs.push(text(&o));
    }
    for args in [
        vec!["alertmanager", "diff"],
        vec!["alertmanager", "apply", "--dry-run"],
        vec!["alertmanager", "render", "--stdout"],
        vec!["history"],
        vec!["history", "--format", "json"],
    ] {
        outputs.push(text(&alertctl(&dir, &args, &env)));
    }
    let mut stored = Vec::new();
    for e in std::fs::read_dir(dir.join(".alertctl")).unwrap().flatten() {
        stored.push((
            e.path().display().to_string(),
            String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).to_string(),
        ));
    }
    assert!(stored.iter().any(|(p, _)| p.ends_with("history.sqlite")));
    for form in token_forms() {
        for o in &outputs {
            assert!(!o.contains(&form), "output shows {form:?}:\n{o}");
        }
        for (p, bytes) in &stored {
            assert!(!bytes.contains(&form), "{p} holds {form:?}");
        }
    }
    for (p, bytes) in &stored {
        assert_no_secret(bytes, p);
    }
    let h = history(&dir);
    assert_eq!(
        h.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["rolled-back", "rolled-back", "applied"]
    );

    case("a rotated secret: the old value in the file stays masked");
    std::fs::write(dir.join("alertmanager/am.yaml"), am_config(false)).unwrap();
    for args in [
        vec!["alertmanager", "diff"],
        vec!["alertmanager", "apply", "--dry-run"],
    ] {
        let o = alertctl(&dir, &args, &[("HOOK_TOKEN", "rotated-token-value")]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(!text(&o).contains("rotated-token-value"), "{}", text(&o));
    }

    case("crash after the reload request, then alertmanager apply completes it");
    std::fs::write(
        dir.join("alertmanager/am.yaml"),
        am_config(false).replace("group_by: [alertname]", "group_by: [instance]"),
    )
    .unwrap();
    let o = alertctl(
        &dir,
        &["alertmanager", "apply"],
        &[env[0], ("ALERTCTL_CRASH_AT", "verifying")],
    );
    assert_eq!(o.status.signal(), Some(6), "{}", text(&o));
    assert_eq!(history(&dir)[0].1, "in-progress");
    let o = alertctl(&dir, &["alertmanager", "apply"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = history(&dir);
    assert_eq!((h[0].0, h[0].1.as_str()), (4, "applied"), "{h:?}");
    assert!(h[0].2.starts_with("completed by a later run"), "{h:?}");

    case("alertmanager.output is a symbolic link");
    let elsewhere = tmp.path().join("elsewhere.yml");
    std::fs::copy(&am_file, &elsewhere).unwrap();
    std::fs::remove_file(&am_file).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &am_file).unwrap();
    for args in [
        vec!["alertmanager", "render"],
        vec!["alertmanager", "apply"],
    ] {
        let o = alertctl(&dir, &args, &env);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "alertmanager.yml is a symbolic link to {}",
                elsewhere.display()
            )) || text(&o).contains(&format!(
                "alertmanager.yml in the output directory is a symbolic link to {}",
                elsewhere.display()
            )),
            "{args:?}: {}",
            text(&o)
        );
    }
    assert_eq!(std::fs::read_link(&am_file).unwrap(), elsewhere);
}
