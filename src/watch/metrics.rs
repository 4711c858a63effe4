//! What the daemon knows about its syncs, and its `/metrics` page in the Prometheus text
//! exposition format (0.0.4). Pure: the page is rendered from a [`Status`] and the time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::schedule::Trigger;

/// The end of one sync.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finished {
    pub sync: u64,
    #[serde(serialize_with = "rfc3339")]
    pub time: SystemTime,
    /// `applied`, `no-change`, `invalid`, `failed`, `rolled-back`, `rollback-unverified`.
    pub result: &'static str,
    /// A short stable name: `changed`, `drift`, `unchanged`, `invalid-rules`,
    /// `server-unreachable`, `git-non-fast-forward`, ...
    pub reason: &'static str,
    /// What happened, as people read it (masked: no secret).
    pub message: String,
    /// The servers run what the rules directory renders.
    pub ok: bool,
    pub seconds: f64,
}

fn rfc3339<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::deploy::history::rfc3339_millis(*t))
}

/// The deployment the servers were last verified to run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deployed {
    pub rev: i64,
    pub commit: Option<String>,
}

/// Upper bounds of the sync duration histogram, in seconds: a no-op sync takes tens of
/// milliseconds, a reload of a large estate tens of seconds.
const BUCKETS: [f64; 11] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

#[derive(Debug, Clone, Default)]
pub struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        for (c, le) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= le {
                *c += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// Everything `/metrics`, `/ready` and the logs say about the daemon.
#[derive(Debug, Clone)]
pub struct Status {
    pub started: SystemTime,
    /// `events` (inotify) or `poll`.
    pub file_watch: &'static str,
    pub git: bool,
    pub syncs: BTreeMap<(&'static str, &'static str), u64>,
    pub triggers: BTreeMap<Trigger, u64>,
    pub last: Option<Finished>,
    pub last_success: Option<SystemTime>,
    /// The sync running now and when it started.
    pub in_progress: Option<(u64, SystemTime)>,
    pub durations: Histogram,
    pub deployed: Option<Deployed>,
    /// With `[[shard]]` tables: per shard, the deployment its servers were last
    /// verified to run (`deployed` is then empty: `output.dir` gets no files).
    pub deployed_shards: BTreeMap<String, Deployed>,
    /// Failed syncs since the last successful one.
    pub failures: u32,
    pub next_retry: Option<SystemTime>,
    pub git_fetched: Option<SystemTime>,
    pub queue_depth: u64,
}

impl Status {
    pub fn new(started: SystemTime) -> Status {
        Status {
            started,
            file_watch: "events",
            git: false,
            syncs: BTreeMap::new(),
            triggers: Trigger::ALL.iter().map(|t| (*t, 0)).collect(),
            last: None,
            last_success: None,
            in_progress: None,
            durations: Histogram::default(),
            deployed: None,
            deployed_shards: BTreeMap::new(),
            failures: 0,
            next_retry: None,
            git_fetched: None,
            queue_depth: 0,
        }
    }

    pub fn finished(&mut self, f: Finished) {
        *self.syncs.entry((f.result, f.reason)).or_default() += 1;
        self.durations.observe(f.seconds);
        if f.ok {
            self.last_success = Some(f.time);
            self.failures = 0;
        } else {
            self.failures += 1;
        }
        self.in_progress = None;
        self.last = Some(f);
    }

    /// Ready: the last sync succeeded, so the servers run what the rules directory
    /// renders.
    pub fn ready(&self) -> bool {
        self.last.as_ref().is_some_and(|l| l.ok)
    }
}

fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// A label value as the text format writes it: `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// What the process itself uses, from /proc (Linux); absent elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Process {
    pub rss_bytes: Option<u64>,
    pub open_fds: Option<u64>,
}

impl Process {
    pub fn read() -> Process {
        let rss_bytes = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map(|kb| kb * 1024);
        let open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| d.count() as u64);
        Process {
            rss_bytes,
            open_fds,
        }
    }
}

struct Page(String);

impl Page {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let l: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
                .collect();
            let _ = write!(self.0, "{{{}}}", l.join(","));
        }
        let _ = writeln!(self.0, " {value}");
    }

    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.head(name, "gauge", help);
        self.sample(name, &[], value);
    }
}

/// The `/metrics` page.
pub fn render(s: &Status, process: Process) -> String {
    let mut p = Page(String::new());
    p.head(
        "alertctl_watch_build_info",
        "gauge",
        "The alertctl version running the watch.",
    );
    p.sample(
        "alertctl_watch_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1.0,
    );
    p.head(
        "alertctl_watch_syncs_total",
        "counter",
        "Syncs by result (applied, no-change, invalid, failed, rolled-back, rollback-unverified) and reason.",
    );
    for ((result, reason), n) in &s.syncs {
        p.sample(
            "alertctl_watch_syncs_total",
            &[("result", result), ("reason", reason)],
            *n as f64,
        );
    }
    p.head(
        "alertctl_watch_triggers_total",
        "counter",
        "Triggers received, by kind; those arriving during a sync coalesce into one next sync.",
    );
    for (t, n) in &s.triggers {
        p.sample(
            "alertctl_watch_triggers_total",
            &[("trigger", t.as_str())],
            *n as f64,
        );
    }
    p.gauge(
        "alertctl_watch_last_success_timestamp_seconds",
        "When the last successful sync ended (0: none yet).",
        s.last_success.map_or(0.0, secs),
    );
    if let Some(l) = &s.last {
        p.gauge(
            "alertctl_watch_last_sync_timestamp_seconds",
            "When the last sync ended.",
            secs(l.time),
        );
        p.gauge(
            "alertctl_watch_last_sync_success",
            "1 if the last sync left every server running what the rules directory renders, else 0.",
            if l.ok { 1.0 } else { 0.0 },
        );
    }
    p.gauge(
        "alertctl_watch_consecutive_failures",
        "Failed syncs since the last successful one.",
        f64::from(s.failures),
    );
    p.gauge(
        "alertctl_watch_sync_in_progress",
        "1 while a sync runs.",
        if s.in_progress.is_some() { 1.0 } else { 0.0 },
    );
    p.gauge(
        "alertctl_watch_sync_started_timestamp_seconds",
        "When the sync in progress started (0: none is running).",
        s.in_progress.map_or(0.0, |(_, t)| secs(t)),
    );
    p.gauge(
        "alertctl_watch_queue_depth",
        "Triggers waiting for the next sync.",
        s.queue_depth as f64,
    );
    p.gauge(
        "alertctl_watch_next_retry_timestamp_seconds",
        "When the pending retry of a failed sync is due (0: none pending).",
        s.next_retry.map_or(0.0, secs),
    );
    p.head(
        "alertctl_watch_sync_duration_seconds",
        "histogram",
        "How long syncs take, from the trigger being taken to the servers verified.",
    );
    for (c, le) in s.durations.counts.iter().zip(BUCKETS) {
        p.sample(
            "alertctl_watch_sync_duration_seconds_bucket",
            &[("le", &le.to_string())],
            *c as f64,
        );
    }
    p.sample(
        "alertctl_watch_sync_duration_seconds_bucket",
        &[("le", "+Inf")],
        s.durations.count as f64,
    );
    p.sample(
        "alertctl_watch_sync_duration_seconds_sum",
        &[],
        s.durations.sum,
    );
    p.sample(
        "alertctl_watch_sync_duration_seconds_count",
        &[],
        s.durations.count as f64,
    );
    let deployed: Vec<(Option<&str>, &Deployed)> = s
        .deployed
        .iter()
        .map(|d| (None, d))
        .chain(s.deployed_shards.iter().map(|(n, d)| (Some(n.as_str()), d)))
        .collect();
    if !deployed.is_empty() {
        p.head(
            "alertctl_watch_deployed_revision",
            "gauge",
            "The history revision every server (of the shard) was last verified to run.",
        );
        for (shard, d) in &deployed {
            let labels: Vec<(&str, &str)> = shard.iter().map(|n| ("shard", *n)).collect();
            p.sample("alertctl_watch_deployed_revision", &labels, d.rev as f64);
        }
        p.head(
            "alertctl_watch_deployed_info",
            "gauge",
            "The deployment every server (of the shard) was last verified to run, with the git commit it was rendered from.",
        );
        for (shard, d) in &deployed {
            let rev = d.rev.to_string();
            let mut labels = vec![
                ("rev", rev.as_str()),
                ("commit", d.commit.as_deref().unwrap_or("")),
            ];
            labels.extend(shard.iter().map(|n| ("shard", *n)));
            p.sample("alertctl_watch_deployed_info", &labels, 1.0);
        }
    }
    if s.git {
        p.gauge(
            "alertctl_watch_git_last_fetch_success_timestamp_seconds",
            "When `--git-pull` last fetched the branch successfully (0: never).",
            s.git_fetched.map_or(0.0, secs),
        );
    }
    p.head(
        "alertctl_watch_file_watch",
        "gauge",
        "How changes to the rules directory are noticed: events (inotify) or poll.",
    );
    p.sample("alertctl_watch_file_watch", &[("mode", s.file_watch)], 1.0);
    p.gauge(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        secs(s.started),
    );
    if let Some(rss) = process.rss_bytes {
        p.gauge(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            rss as f64,
        );
    }
    if let Some(fds) = process.open_fds {
        p.gauge(
            "process_open_fds",
            "Number of open file descriptors.",
            fds as f64,
        );
    }
    p.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(ok: bool, result: &'static str, reason: &'static str, secs: f64) -> Finished {
        Finished {
            sync: 1,
            time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            result,
            reason,
            message: String::new(),
            ok,
            seconds: secs,
        }
    }

    #[test]
    fn page_counts_syncs_by_result_and_reason_and_escapes_labels() {
        let mut s = Status::new(UNIX_EPOCH + Duration::from_secs(1_699_999_000));
        s.finished(finished(true, "applied", "changed", 0.2));
        s.finished(finished(false, "invalid", "invalid-rules", 0.05));
        s.finished(finished(false, "invalid", "invalid-rules", 3.0));
        *s.triggers.get_mut(&Trigger::File).unwrap() += 20;
        s.deployed = Some(Deployed {
            rev: 7,
            commit: Some("ab\"c\\d\ne".into()),
        });
        s.queue_depth = 2;
        let page = render(
            &s,
            Process {
                rss_bytes: Some(4096),
                open_fds: None,
            },
        );
        for line in [
            "alertctl_watch_syncs_total{result=\"applied\",reason=\"changed\"} 1",
            "alertctl_watch_syncs_total{result=\"invalid\",reason=\"invalid-rules\"} 2",
            "alertctl_watch_triggers_total{trigger=\"file\"} 20",
            "alertctl_watch_triggers_total{trigger=\"http\"} 0",
            "alertctl_watch_last_success_timestamp_seconds 1700000000",
            "alertctl_watch_last_sync_success 0",
            "alertctl_watch_consecutive_failures 2",
            "alertctl_watch_queue_depth 2",
            "alertctl_watch_sync_duration_seconds_bucket{le=\"0.1\"} 1",
            "alertctl_watch_sync_duration_seconds_bucket{le=\"0.25\"} 2",
            "alertctl_watch_sync_duration_seconds_bucket{le=\"2.5\"} 2",
            "alertctl_watch_sync_duration_seconds_bucket{le=\"5\"} 3",
            "alertctl_watch_sync_duration_seconds_bucket{le=\"+Inf\"} 3",
            "alertctl_watch_sync_duration_seconds_count 3",
            "alertctl_watch_deployed_revision 7",
            "alertctl_watch_deployed_info{rev=\"7\",commit=\"ab\\\"c\\\\d\\ne\"} 1",
            "process_resident_memory_bytes 4096",
        ] {
            assert!(
                page.lines().any(|l| l == line),
                "missing {line:?} in\n{page}"
            );
        }
        assert!(!page.contains("process_open_fds"));
        let mut sharded = s.clone();
        sharded.deployed = None;
        for (name, rev) in [("eu", 3), ("us", 5)] {
            sharded.deployed_shards.insert(
                name.into(),
                Deployed {
                    rev,
                    commit: Some("c1".into()),
                },
            );
        }
        let page2 = render(&sharded, Process::default());
        for line in [
            "alertctl_watch_deployed_revision{shard=\"eu\"} 3",
            "alertctl_watch_deployed_revision{shard=\"us\"} 5",
            "alertctl_watch_deployed_info{rev=\"5\",commit=\"c1\",shard=\"us\"} 1",
        ] {
            assert!(
                page2.lines().any(|l| l == line),
                "missing {line:?} in\n{page2}"
            );
        }
        assert_eq!(
            page2
                .matches("# TYPE alertctl_watch_deployed_revision")
                .count(),
            1
        );
        assert!(!s.ready());
        s.finished(finished(true, "no-change", "unchanged", 0.01));
        assert!(s.ready());
        assert_eq!(s.failures, 0);
    }
}
