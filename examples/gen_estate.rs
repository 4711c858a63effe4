//! Synthetic estate generator for alertctl benchmarks (`scripts/bench.sh`).
//!
//! ```text
//! cargo run --release --example gen_estate -- --size S|M|L --out DIR [--seed N] [--force]
//!     [--templates N] [--namespaces N] [--groups N] [--targets N] [--override-density F]
//! ```
//!
//! Writes a complete rules directory (alertctl.toml, inventory/, templates/, rules/) into
//! DIR. The output depends only on the options: the same options and seed give the same
//! bytes. See benches/README.md for the shape of the estate and the preset sizes.
//!
//! Attribution. The query shapes, severities, `for` durations and annotation texts in
//! `SHAPES` below are taken from awesome-prometheus-alerts
//! (https://github.com/samber/awesome-prometheus-alerts, dist/rules/ at commit
//! a8533189af0246de5e21a6d8d25bd37816894f07) by Samuel Berthe and contributors, licensed
//! under the Creative Commons Attribution 4.0 International License (CC BY 4.0,
//! https://creativecommons.org/licenses/by/4.0/). Changes made: each expression's
//! trailing numeric threshold was replaced by `${threshold}` (a number parameter whose
//! default is the original value), and where an expression uses a single range-vector
//! duration it was replaced by `${window}` (a duration parameter whose default is the
//! original value); alert names were stripped of characters that are not valid in a
//! Prometheus alert name (`JvmNon-heapMemoryFillingUp` -> `JvmNonheapMemoryFillingUp`,
//! `MongodbCursorsTimeouts(dcu)` -> `MongodbCursorsTimeouts`). The rest of this file is
//! part of alertctl and is licensed like it.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One alerting-rule shape from the corpus. `expr` ends in a comparison with
/// `${threshold}`; `window` is the default of `${window}` ("" when the shape has none).
struct Shape {
    name: &'static str,
    /// File in samber/awesome-prometheus-alerts dist/rules/ the rule comes from.
    source: &'static str,
    expr: &'static str,
    threshold: &'static str,
    window: &'static str,
    severity: &'static str,
    for_: &'static str,
    summary: &'static str,
    description: &'static str,
}

// 36 shapes from samber/awesome-prometheus-alerts (CC BY 4.0, see the top of this file).
// Each passes `promtool check rules` 2.42 with its default parameters and after alertctl
// adds its scope matchers.
const SHAPES: &[Shape] = &[
    Shape {
        name: "HostOutOfMemory",
        source: "host-and-hardware/node-exporter.yml",
        expr: "(node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < ${threshold})",
        threshold: "0.1",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "Host out of memory (instance {{ $labels.instance }})",
        description: "Node memory is filling up (< 10% left)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HostMemoryUnderMemoryPressure",
        source: "host-and-hardware/node-exporter.yml",
        expr: "(deriv(node_vmstat_pgmajfault[${window}]) > ${threshold})",
        threshold: "1000",
        window: "5m",
        severity: "warning",
        for_: "0m",
        summary: "Host memory under memory pressure (instance {{ $labels.instance }})",
        description: "The node is under heavy memory pressure. High rate of major page faults ({{ $value }}/s).\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HostDiskIoUtilizationHigh",
        source: "host-and-hardware/node-exporter.yml",
        expr: "(rate(node_disk_io_time_seconds_total[${window}]) > ${threshold})",
        threshold: "0.8",
        window: "5m",
        severity: "warning",
        for_: "0m",
        summary: "Host disk IO utilization high (instance {{ $labels.instance }})",
        description: "Disk utilization is high (> 80%)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HostHighCpuLoad",
        source: "host-and-hardware/node-exporter.yml",
        expr: "1 - (avg without (cpu) (rate(node_cpu_seconds_total{mode=\"idle\"}[${window}]))) > ${threshold}",
        threshold: "0.8",
        window: "5m",
        severity: "warning",
        for_: "10m",
        summary: "Host high CPU load (instance {{ $labels.instance }})",
        description: "CPU load is > 80%\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HostCpuStealNoisyNeighbor",
        source: "host-and-hardware/node-exporter.yml",
        expr: "avg without (cpu) (rate(node_cpu_seconds_total{mode=\"steal\"}[${window}])) * 100 > ${threshold}",
        threshold: "10",
        window: "5m",
        severity: "warning",
        for_: "0m",
        summary: "Host CPU steal noisy neighbor (instance {{ $labels.instance }})",
        description: "CPU steal is > 10%. A noisy neighbor is killing VM performances or a spot instance may be out of credit.\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HostCpuHighIowait",
        source: "host-and-hardware/node-exporter.yml",
        expr: "avg without (cpu) (rate(node_cpu_seconds_total{mode=\"iowait\"}[${window}])) > ${threshold}",
        threshold: "0.1",
        window: "5m",
        severity: "warning",
        for_: "0m",
        summary: "Host CPU high iowait (instance {{ $labels.instance }})",
        description: "CPU iowait > 10%. Your CPU is idling waiting for storage to respond.\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "EtcdHighNumberOfLeaderChanges",
        source: "etcd/embedded-exporter.yml",
        expr: "increase(etcd_server_leader_changes_seen_total[${window}]) > ${threshold}",
        threshold: "2",
        window: "10m",
        severity: "warning",
        for_: "0m",
        summary: "Etcd high number of leader changes (instance {{ $labels.instance }})",
        description: "Etcd leader changed {{ $value }} times during 10 minutes\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "EtcdMemberCommunicationSlow",
        source: "etcd/embedded-exporter.yml",
        expr: "histogram_quantile(0.99, sum(rate(etcd_network_peer_round_trip_time_seconds_bucket[${window}])) by (instance, le)) > ${threshold}",
        threshold: "0.15",
        window: "5m",
        severity: "warning",
        for_: "2m",
        summary: "Etcd member communication slow (instance {{ $labels.instance }})",
        description: "Etcd member communication slowing down, 99th percentile is over 0.15s\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "EtcdHighFsyncDurations",
        source: "etcd/embedded-exporter.yml",
        expr: "histogram_quantile(0.99, sum(rate(etcd_disk_wal_fsync_duration_seconds_bucket[${window}])) by (instance, le)) > ${threshold}",
        threshold: "0.5",
        window: "5m",
        severity: "warning",
        for_: "2m",
        summary: "Etcd high fsync durations (instance {{ $labels.instance }})",
        description: "Etcd WAL fsync duration increasing, 99th percentile is over 0.5s\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "GoGoroutineCountHigh",
        source: "golang/golang-exporter.yml",
        expr: "go_goroutines > ${threshold}",
        threshold: "1000",
        window: "",
        severity: "warning",
        for_: "5m",
        summary: "Go goroutine count high (instance {{ $labels.instance }})",
        description: "Go application has too many goroutines (> 1000), potential goroutine leak\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "GoMemoryUsageHigh",
        source: "golang/golang-exporter.yml",
        expr: "(go_memstats_heap_alloc_bytes / go_memstats_sys_bytes) * 100 > ${threshold}",
        threshold: "90",
        window: "",
        severity: "warning",
        for_: "5m",
        summary: "Go memory usage high (instance {{ $labels.instance }})",
        description: "Go heap allocation is using most of the runtime's reserved memory (> 90%), indicating the process may need more memory or has a leak\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "GoGcCpuFractionHigh",
        source: "golang/golang-exporter.yml",
        expr: "rate(go_gc_duration_seconds_sum[${window}]) > ${threshold}",
        threshold: "0.05",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "Go GC CPU fraction high (instance {{ $labels.instance }})",
        description: "Go GC is consuming too much CPU (> 5%)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "HaproxyServerHealthcheckFailure",
        source: "haproxy/embedded-exporter-v2.yml",
        expr: "increase(haproxy_server_check_failures_total[${window}]) > ${threshold}",
        threshold: "2",
        window: "1m",
        severity: "warning",
        for_: "0m",
        summary: "HAProxy server healthcheck failure (instance {{ $labels.instance }})",
        description: "Some server healthcheck are failing on {{ $labels.server }} ({{ $value }} in the last 1m)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "JvmNonheapMemoryFillingUp",
        source: "jvm/jvm-exporter.yml",
        expr: "(sum by (instance)(jvm_memory_used_bytes{area=\"nonheap\"}) / (sum by (instance)(jvm_memory_max_bytes{area=\"nonheap\"}) > 0)) * 100 > ${threshold}",
        threshold: "80",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "JVM non-heap memory filling up (instance {{ $labels.instance }})",
        description: "JVM non-heap memory (metaspace/code cache) is filling up (> 80%)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "JvmGcTimeTooHigh",
        source: "jvm/jvm-exporter.yml",
        expr: "sum by (instance)(rate(jvm_gc_collection_seconds_sum[${window}])) > ${threshold}",
        threshold: "0.05",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "JVM GC time too high (instance {{ $labels.instance }})",
        description: "JVM is spending too much time in garbage collection (> 5% of wall clock time)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "JvmThreadsBlocked",
        source: "jvm/jvm-exporter.yml",
        expr: "jvm_threads_state{state=\"BLOCKED\"} > ${threshold}",
        threshold: "50",
        window: "",
        severity: "warning",
        for_: "5m",
        summary: "JVM threads BLOCKED (instance {{ $labels.instance }})",
        description: "JVM has high number of BLOCKED threads, indicating lock contention\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "JvmOldGenGcFrequency",
        source: "jvm/jvm-exporter.yml",
        expr: "rate(jvm_gc_collection_seconds_count{gc=~\".*old.*|.*major.*\"}[${window}]) > ${threshold}",
        threshold: "0.3",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "JVM old gen GC frequency (instance {{ $labels.instance }})",
        description: "Frequent old/major GC cycles, indicating memory pressure\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "KubernetesPodCrashLooping",
        source: "kubernetes/kubestate-exporter.yml",
        expr: "increase(kube_pod_container_status_restarts_total[${window}]) > ${threshold}",
        threshold: "3",
        window: "1m",
        severity: "warning",
        for_: "2m",
        summary: "Kubernetes pod crash looping (instance {{ $labels.instance }})",
        description: "Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "LokiProcessTooManyRestarts",
        source: "loki/embedded-exporter.yml",
        expr: "changes(process_start_time_seconds{job=~\".*loki.*\"}[${window}]) > ${threshold}",
        threshold: "2",
        window: "15m",
        severity: "warning",
        for_: "0m",
        summary: "Loki process too many restarts (instance {{ $labels.instance }})",
        description: "A loki process had too many restarts (target {{ $labels.instance }})\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "MemcachedOutOfMemoryErrors",
        source: "memcached/memcached-exporter.yml",
        expr: "sum without (slab) (rate(memcached_slab_items_outofmemory_total[${window}])) > ${threshold}",
        threshold: "0.05",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "Memcached out of memory errors (instance {{ $labels.instance }})",
        description: "Memcached is returning out-of-memory errors on {{ $labels.instance }} ({{ $value }} errors/s)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "MemcachedHighEvictionRate",
        source: "memcached/memcached-exporter.yml",
        expr: "rate(memcached_items_evicted_total[${window}]) > ${threshold}",
        threshold: "10",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "Memcached high eviction rate (instance {{ $labels.instance }})",
        description: "Memcached is evicting items at a high rate on {{ $labels.instance }} ({{ $value }} evictions/s)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "MongodbCursorsTimeouts",
        source: "mongodb/dcu-mongodb-exporter.yml",
        expr: "increase(mongodb_metrics_cursor_timed_out_total[${window}]) > ${threshold}",
        threshold: "100",
        window: "1m",
        severity: "warning",
        for_: "2m",
        summary: "MongoDB cursors timeouts (DCU) (instance {{ $labels.instance }})",
        description: "Too many cursors are timing out ({{ $value }} in the last minute)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "MysqlInnodbLogWaits",
        source: "mysql/mysqld-exporter.yml",
        expr: "deriv(mysql_global_status_innodb_log_waits[${window}]) > ${threshold}",
        threshold: "10",
        window: "15m",
        severity: "warning",
        for_: "0m",
        summary: "MySQL InnoDB log waits (instance {{ $labels.instance }})",
        description: "MySQL innodb log writes stalling ({{ $value }} waits/s)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "MysqlRestarted",
        source: "mysql/mysqld-exporter.yml",
        expr: "mysql_global_status_uptime < ${threshold}",
        threshold: "60",
        window: "",
        severity: "info",
        for_: "0m",
        summary: "MySQL restarted (instance {{ $labels.instance }})",
        description: "MySQL has just been restarted, less than one minute ago on {{ $labels.instance }}.\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "PostgresqlRestarted",
        source: "postgresql/postgres-exporter.yml",
        expr: "time() - pg_postmaster_start_time_seconds < ${threshold}",
        threshold: "60",
        window: "",
        severity: "critical",
        for_: "0m",
        summary: "Postgresql restarted (instance {{ $labels.instance }})",
        description: "Postgresql restarted\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "PostgresqlDeadLocks",
        source: "postgresql/postgres-exporter.yml",
        expr: "increase(pg_stat_database_deadlocks{datname!~\"template.*|postgres\",datid!=\"0\"}[${window}]) > ${threshold}",
        threshold: "5",
        window: "1m",
        severity: "warning",
        for_: "0m",
        summary: "Postgresql dead locks (instance {{ $labels.instance }})",
        description: "PostgreSQL has dead-locks ({{ $value }} in the last minute)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "PostgresqlReplicationLag",
        source: "postgresql/postgres-exporter.yml",
        expr: "pg_replication_lag_seconds > ${threshold}",
        threshold: "5",
        window: "",
        severity: "warning",
        for_: "30s",
        summary: "Postgresql replication lag (instance {{ $labels.instance }})",
        description: "The PostgreSQL replication lag is high (> 5s)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "RabbitmqInstanceTooManyConnections",
        source: "rabbitmq/kbudde-rabbitmq-exporter.yml",
        expr: "rabbitmq_connections > ${threshold}",
        threshold: "1000",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "RabbitMQ instance too many connections (instance {{ $labels.instance }})",
        description: "RabbitMQ instance has too many connections (> 1000)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "RabbitmqSlowQueueConsuming",
        source: "rabbitmq/kbudde-rabbitmq-exporter.yml",
        expr: "time() - rabbitmq_queue_head_message_timestamp{queue=\"my-queue\"} > ${threshold}",
        threshold: "60",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "RabbitMQ slow queue consuming (instance {{ $labels.instance }})",
        description: "Queue messages are consumed slowly (> 60s)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "RedisRejectedConnections",
        source: "redis/oliver006-redis-exporter.yml",
        expr: "increase(redis_rejected_connections_total[${window}]) > ${threshold}",
        threshold: "5",
        window: "1m",
        severity: "warning",
        for_: "0m",
        summary: "Redis rejected connections (instance {{ $labels.instance }})",
        description: "Some connections to Redis has been rejected\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "RedisNotEnoughConnections",
        source: "redis/oliver006-redis-exporter.yml",
        expr: "redis_connected_clients < ${threshold}",
        threshold: "5",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "Redis not enough connections (instance {{ $labels.instance }})",
        description: "Redis instance should have more connections (> 5)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "BlackboxSslCertificateWillExpireSoon",
        source: "blackbox/blackbox-exporter.yml",
        expr: "3 <= round((last_over_time(probe_ssl_earliest_cert_expiry[${window}]) - time()) / 86400, 0.1) < ${threshold}",
        threshold: "20",
        window: "10m",
        severity: "warning",
        for_: "0m",
        summary: "Blackbox SSL certificate will expire soon (instance {{ $labels.instance }})",
        description: "SSL certificate expires in less than 20 days\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "ContainerKilled",
        source: "docker-containers/google-cadvisor.yml",
        expr: "time() - container_last_seen > ${threshold}",
        threshold: "60",
        window: "",
        severity: "warning",
        for_: "0m",
        summary: "Container killed (instance {{ $labels.instance }})",
        description: "A container has disappeared\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "EnvoyClusterHealthCheckFailures",
        source: "envoy/embedded-exporter.yml",
        expr: "increase(envoy_cluster_health_check_failure[${window}]) > ${threshold}",
        threshold: "5",
        window: "5m",
        severity: "warning",
        for_: "5m",
        summary: "Envoy cluster health check failures (instance {{ $labels.instance }})",
        description: "Health checks are consistently failing in cluster {{ $labels.envoy_cluster_name }} on {{ $labels.instance }} ({{ $value }} in the last 5m)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "CephMonitorClockSkew",
        source: "ceph/embedded-exporter.yml",
        expr: "abs(ceph_monitor_clock_skew_seconds) > ${threshold}",
        threshold: "0.2",
        window: "",
        severity: "warning",
        for_: "2m",
        summary: "Ceph monitor clock skew (instance {{ $labels.instance }})",
        description: "Ceph monitor clock skew detected. Please check ntp and hardware clock settings\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
    Shape {
        name: "ApcUpsBatteryNearlyEmpty",
        source: "apc-ups/apcupsd_exporter.yml",
        expr: "apcupsd_battery_charge_percent < ${threshold}",
        threshold: "10",
        window: "",
        severity: "critical",
        for_: "0m",
        summary: "APC UPS Battery nearly empty (instance {{ $labels.instance }})",
        description: "Battery is almost empty (< 10% left)\n  VALUE = {{ $value }}\n  LABELS = {{ $labels }}",
    },
];

// ------------------------------------------------------------------------------ sizes

#[derive(Clone, Debug)]
struct Config {
    templates: usize,
    namespaces: usize,
    groups: usize,
    targets: usize,
    /// Probability that a given (template, group) pair gets an override rule. Each
    /// override lands at the group (55 %), at one of the group's targets (35 %) or at
    /// the group's namespace (10 %); each one adds a cell, i.e. one rendered rule.
    density: f64,
    seed: u64,
}

fn preset(size: &str) -> Option<Config> {
    // (templates, groups, targets, density). Namespaces = max(2, groups / 50).
    let (templates, groups, targets, density) = match size.to_ascii_uppercase().as_str() {
        "S" => (50, 20, 400, 0.10),
        "M" => (500, 500, 20_000, 0.03),
        // Tuned so that L renders about 50,000 rules (see benches/README.md).
        "L" => (2_000, 2_000, 100_000, 0.0125),
        _ => return None,
    };
    Some(Config {
        templates,
        namespaces: (groups / 50).max(2),
        groups,
        targets,
        density,
        seed: 42,
    })
}

const USAGE: &str = "\
usage: gen_estate --size S|M|L --out DIR [--seed N] [--force]
                  [--templates N] [--namespaces N] [--groups N] [--targets N]
                  [--override-density F]

  --size S|M|L          preset: S = 50 templates, 20 groups, 400 targets;
                        M = 500 templates, 500 groups, 20,000 targets;
                        L = 2,000 templates, 2,000 groups, 100,000 targets (~50k rules)
  --out DIR             where to write the rules directory (created if missing)
  --seed N              PRNG seed (default 42); same options + seed = same bytes
  --force               DIR may already hold a generated estate: replace it
  --templates N ...     override one dimension of the preset (or give all of them
                        instead of --size); namespaces default to max(2, groups/50)
  --override-density F  probability that a (template, group) pair gets an override";

// ------------------------------------------------------------------------------ PRNG

/// SplitMix64: tiny, fast, and good enough to make a reproducible estate.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// ------------------------------------------------------------------------------ names

const ENVS: &[&str] = &["prod", "staging", "dev", "qa"];
const REGIONS: &[&str] = &[
    "eu-west",
    "us-east",
    "ap-south",
    "eu-central",
    "us-west",
    "sa-east",
];
const SERVICES: &[&str] = &[
    "payments",
    "checkout",
    "search",
    "catalog",
    "auth",
    "billing",
    "ledger",
    "orders",
    "inventory",
    "shipping",
    "pricing",
    "reviews",
    "profiles",
    "notify",
    "mail",
    "media",
    "cdn",
    "ingest",
    "etl",
    "reports",
    "ml",
    "feature",
    "gateway",
    "edge",
    "dns",
    "vault",
    "kafka",
    "pg",
    "mysql",
    "redis",
    "mongo",
    "elastic",
    "rabbit",
    "etcd",
    "ceph",
    "build",
    "ci",
    "registry",
    "logs",
    "metrics",
];
const ROLES: &[&str] = &[
    "api", "web", "worker", "db", "cache", "queue", "batch", "proxy",
];
const FOR_CHOICES: &[&str] = &["1m", "2m", "5m", "10m", "15m", "30m"];
const WINDOW_CHOICES: &[&str] = &["1m", "2m", "10m", "15m", "30m"];
const FACTORS: &[f64] = &[0.5, 0.75, 0.8, 1.2, 1.25, 1.5, 2.0, 3.0];
const SEVERITIES: &[&str] = &["critical", "warning", "info"];

fn namespace_name(i: usize) -> String {
    // Unique for every i: (region, env, n) is a mixed-radix spelling of i.
    format!(
        "{}-{}-{}",
        ENVS[(i / REGIONS.len()) % ENVS.len()],
        REGIONS[i % REGIONS.len()],
        i / (ENVS.len() * REGIONS.len()) + 1
    )
}

fn group_name(i: usize) -> (String, &'static str) {
    let svc = SERVICES[i % SERVICES.len()];
    let role = ROLES[(i / SERVICES.len()) % ROLES.len()];
    (
        format!("{svc}-{role}-{:02}", i / (SERVICES.len() * ROLES.len()) + 1),
        svc,
    )
}

/// A number as plain decimal text with at most ~5 significant digits.
fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (4 - mag).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string serialises")
}

// ------------------------------------------------------------------------------ model

struct Group {
    name: String,
    ns: usize,
    team: &'static str,
    targets: Vec<String>,
}

struct Template {
    name: String,
    shape: &'static Shape,
    category: &'static str,
    threshold: f64,
    for_: &'static str,
    severity: &'static str,
    /// Also has a second alert `<name>Critical` (a global rule with `alert:`).
    critical: Option<String>,
    /// The threshold comparison is `<`/`<=` (lower is worse).
    lower_is_worse: bool,
}

#[derive(Default)]
struct Rule {
    comment: Option<String>,
    template: String,
    alert: Option<String>,
    scope: String,
    priority: Option<i64>,
    enabled: Option<bool>,
    params: Vec<(String, String)>,
    for_: Option<String>,
    severity: Option<String>,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
}

impl Rule {
    fn write(&self, out: &mut String) {
        if let Some(c) = &self.comment {
            let _ = writeln!(out, "# {c}");
        }
        let _ = writeln!(out, "- template: {}", self.template);
        if let Some(a) = &self.alert {
            let _ = writeln!(out, "  alert: {a}");
        }
        let _ = writeln!(out, "  scope: {}", self.scope);
        if let Some(p) = self.priority {
            let _ = writeln!(out, "  priority: {p}");
        }
        if let Some(e) = self.enabled {
            let _ = writeln!(out, "  enabled: {e}");
        }
        write_flow_map(out, "params", &self.params);
        if let Some(f) = &self.for_ {
            let _ = writeln!(out, "  for: {f}");
        }
        if let Some(s) = &self.severity {
            let _ = writeln!(out, "  severity: {s}");
        }
        write_flow_map(out, "labels", &self.labels);
        if !self.annotations.is_empty() {
            let _ = writeln!(out, "  annotations:");
            for (k, v) in &self.annotations {
                let _ = writeln!(out, "    {k}: {}", q(v));
            }
        }
        out.push('\n');
    }
}

fn write_flow_map(out: &mut String, key: &str, kv: &[(String, String)]) {
    if kv.is_empty() {
        return;
    }
    let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let _ = writeln!(out, "  {key}: {{ {} }}", body.join(", "));
}

#[derive(Default)]
struct Stats {
    template_files: usize,
    rule_files: usize,
    inventory_files: usize,
    rules: usize,
    overrides: usize,
    alerts: usize,
    cells: usize,
    rendered_rules: usize,
}

// ------------------------------------------------------------------------------ generate

struct Estate {
    namespaces: Vec<String>,
    groups: Vec<Group>,
    templates: Vec<Template>,
    /// rules file (relative path) -> rules in it
    rule_files: BTreeMap<String, Vec<Rule>>,
    stats: Stats,
}

fn generate(cfg: &Config) -> Estate {
    let mut rng = Rng(cfg.seed ^ 0x5EED_0FA1_E7C7);

    // Inventory: groups spread over namespaces in contiguous blocks, targets spread over
    // groups with +-50 % variation around the mean (the total is exact).
    let namespaces: Vec<String> = (0..cfg.namespaces).map(namespace_name).collect();
    let weights: Vec<f64> = (0..cfg.groups).map(|_| 0.5 + rng.unit()).collect();
    let wsum: f64 = weights.iter().sum();
    let mut sizes: Vec<usize> = weights
        .iter()
        .map(|w| ((cfg.targets as f64) * w / wsum).floor() as usize)
        .collect();
    let mut left = cfg.targets.saturating_sub(sizes.iter().sum());
    let mut i = 0;
    let n = sizes.len();
    while left > 0 && n > 0 {
        sizes[i % n] += 1;
        left -= 1;
        i += 1;
    }
    let groups: Vec<Group> = (0..cfg.groups)
        .map(|g| {
            let (name, team) = group_name(g);
            let targets = (1..=sizes[g])
                .map(|k| format!("{name}-{k:03}:9100"))
                .collect();
            Group {
                ns: g * cfg.namespaces / cfg.groups.max(1),
                name,
                team,
                targets,
            }
        })
        .collect();

    // Templates: shape i % n, variant i / n with its own default threshold and `for`.
    let templates: Vec<Template> = (0..cfg.templates)
        .map(|i| {
            let shape = &SHAPES[i % SHAPES.len()];
            let variant = i / SHAPES.len();
            let base: f64 = shape.threshold.parse().expect("threshold is a number");
            let (threshold, for_) = if variant == 0 {
                (base, shape.for_)
            } else {
                let f = if base == 0.0 { 1.0 } else { *rng.pick(FACTORS) };
                let for_ = if rng.chance(0.5) {
                    shape.for_
                } else {
                    *rng.pick(FOR_CHOICES)
                };
                (base * f, for_)
            };
            let name = if variant == 0 {
                shape.name.to_string()
            } else {
                format!("{}_{:03}", shape.name, variant)
            };
            let before = shape
                .expr
                .split("${threshold}")
                .next()
                .unwrap_or("")
                .trim_end();
            let lower_is_worse = before.ends_with('<') || before.ends_with("<=");
            let critical = rng.chance(0.10).then(|| format!("{name}Critical"));
            Template {
                name,
                shape,
                category: shape.source.split('/').next().unwrap_or("misc"),
                threshold,
                for_,
                severity: shape.severity,
                critical,
                lower_is_worse,
            }
        })
        .collect();

    let unique = |names: Vec<&str>| names.iter().collect::<BTreeSet<_>>().len() == names.len();
    assert!(
        unique(namespaces.iter().map(String::as_str).collect()),
        "namespace names repeat"
    );
    assert!(
        unique(groups.iter().map(|g| g.name.as_str()).collect()),
        "group names repeat"
    );
    assert!(
        unique(templates.iter().map(|t| t.name.as_str()).collect()),
        "template names repeat"
    );

    let mut rule_files: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    let mut stats = Stats::default();
    // (alert, scope) pairs that already have a priority-0 rule.
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    // alert -> scope -> enabled set by that scope's own rule (None = not set)
    let mut cells: BTreeMap<String, BTreeMap<String, Option<bool>>> = BTreeMap::new();

    // Global rules: every template once, plus the critical variants; a few policy rules.
    for t in &templates {
        let file = format!("rules/global/{}.yaml", t.category);
        let mut labels = Vec::new();
        if rng.chance(0.5) {
            labels.push(("owner".to_string(), "sre".to_string()));
        }
        rule_files.entry(file.clone()).or_default().push(Rule {
            template: t.name.clone(),
            scope: "global".into(),
            labels,
            ..Rule::default()
        });
        taken.insert((t.name.clone(), "global".into()));
        cells
            .entry(t.name.clone())
            .or_default()
            .insert("global".into(), None);
        if let Some(crit) = &t.critical {
            let f = if t.lower_is_worse { 0.5 } else { 1.5 };
            let thr = if t.threshold == 0.0 {
                0.0
            } else {
                t.threshold * f
            };
            rule_files.entry(file).or_default().push(Rule {
                comment: Some(format!("Second alert from {}: pages.", t.name)),
                template: t.name.clone(),
                alert: Some(crit.clone()),
                scope: "global".into(),
                params: vec![("threshold".into(), fmt_num(thr))],
                severity: Some("critical".into()),
                labels: vec![("page".into(), q("true"))],
                annotations: vec![(
                    "runbook_url".into(),
                    format!("https://runbooks.example.com/{}", t.name),
                )],
                ..Rule::default()
            });
            taken.insert((crit.clone(), "global".into()));
            cells
                .entry(crit.clone())
                .or_default()
                .insert("global".into(), None);
        }
        if rng.chance(0.02) {
            rule_files
                .entry("rules/policy.yaml".into())
                .or_default()
                .push(Rule {
                    comment: Some("Estate policy: applied after every priority-0 rule.".into()),
                    template: t.name.clone(),
                    scope: "global".into(),
                    priority: Some(100),
                    labels: vec![("policy".into(), "pinned".into())],
                    ..Rule::default()
                });
        }
    }

    // Overrides: each (group, template) pair with probability `density`.
    for g in &groups {
        let ns = &namespaces[g.ns];
        for t in &templates {
            if !rng.chance(cfg.density) {
                continue;
            }
            let alert = match &t.critical {
                Some(c) if rng.chance(0.25) => c.clone(),
                _ => t.name.clone(),
            };
            let r = rng.unit();
            let (scope, file) = if r < 0.55 || (r < 0.90 && g.targets.is_empty()) {
                (
                    format!("group/{}", g.name),
                    format!("rules/groups/{ns}/{}.yaml", g.name),
                )
            } else if r < 0.90 {
                let target = rng.pick(&g.targets);
                (
                    format!("target/{target}"),
                    format!("rules/groups/{ns}/{}.yaml", g.name),
                )
            } else {
                (
                    format!("namespace/{ns}"),
                    format!("rules/namespaces/{ns}.yaml"),
                )
            };
            if !taken.insert((alert.clone(), scope.clone())) {
                continue; // that scope already has a rule for this alert
            }
            let mut rule = Rule {
                template: t.name.clone(),
                alert: (alert != t.name).then(|| alert.clone()),
                scope: scope.clone(),
                ..Rule::default()
            };
            if rng.chance(0.04) {
                rule.enabled = Some(false);
                rule.comment = Some(format!(
                    "{} does not apply here (ticket OPS-{})",
                    alert,
                    1000 + rng.below(9000)
                ));
            } else {
                if rng.chance(0.70) {
                    let f = *rng.pick(FACTORS);
                    rule.params
                        .push(("threshold".into(), fmt_num(t.threshold * f)));
                }
                if !t.shape.window.is_empty() && rng.chance(0.15) {
                    rule.params
                        .push(("window".into(), rng.pick(WINDOW_CHOICES).to_string()));
                }
                if rng.chance(0.30) {
                    rule.for_ = Some(rng.pick(FOR_CHOICES).to_string());
                }
                if rng.chance(0.15) {
                    rule.severity = Some(rng.pick(SEVERITIES).to_string());
                }
                if rng.chance(0.40)
                    || (rule.params.is_empty() && rule.for_.is_none() && rule.severity.is_none())
                {
                    rule.labels.push(("team".into(), g.team.to_string()));
                }
            }
            cells.entry(alert).or_default().insert(scope, rule.enabled);
            rule_files.entry(file).or_default().push(rule);
            stats.overrides += 1;
        }
    }

    // Expected rendered rules: one per cell whose effective `enabled` is true. Only
    // override rules set `enabled` here, so fold namespace -> group -> target.
    let group_of: BTreeMap<&str, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| g.targets.iter().map(move |t| (t.as_str(), gi)))
        .collect();
    let group_idx: BTreeMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.as_str(), i))
        .collect();
    for scopes in cells.values() {
        stats.alerts += 1;
        for (scope, own) in scopes {
            stats.cells += 1;
            let ns_of = |gi: usize| format!("namespace/{}", namespaces[groups[gi].ns]);
            let chain: Vec<String> = if let Some(t) = scope.strip_prefix("target/") {
                let gi = group_of[t];
                vec![ns_of(gi), format!("group/{}", groups[gi].name)]
            } else if let Some(g) = scope.strip_prefix("group/") {
                vec![ns_of(group_idx[g])]
            } else {
                vec![]
            };
            let mut enabled = true;
            for s in &chain {
                if let Some(Some(e)) = scopes.get(s) {
                    enabled = *e;
                }
            }
            if let Some(e) = own {
                enabled = *e;
            }
            if enabled {
                stats.rendered_rules += 1;
            }
        }
    }
    stats.rules = rule_files.values().map(Vec::len).sum();

    Estate {
        namespaces,
        groups,
        templates,
        rule_files,
        stats,
    }
}

// ------------------------------------------------------------------------------ write

fn template_yaml(t: &Template) -> String {
    let s = t.shape;
    let mut out = String::new();
    let _ = writeln!(out, "# Query shape from awesome-prometheus-alerts {} (CC BY 4.0, Samuel Berthe and contributors).", s.source);
    let _ = writeln!(out, "template: {}", t.name);
    let _ = writeln!(
        out,
        "description: {}",
        q(&format!("{} ({})", s.name, t.category))
    );
    let _ = writeln!(out, "severity: {}", t.severity);
    let _ = writeln!(out, "params:");
    let _ = writeln!(
        out,
        "  threshold: {{ type: number, default: {}, description: alerting threshold }}",
        fmt_num(t.threshold)
    );
    if !s.window.is_empty() {
        let _ = writeln!(
            out,
            "  window: {{ type: duration, default: {}, description: range of the rate/increase }}",
            s.window
        );
    }
    let _ = writeln!(out, "expr: {}", q(s.expr));
    let _ = writeln!(out, "for: {}", t.for_);
    let _ = writeln!(out, "labels:");
    let _ = writeln!(out, "  category: {}", t.category);
    let _ = writeln!(out, "annotations:");
    let _ = writeln!(out, "  summary: {}", q(s.summary));
    let _ = writeln!(
        out,
        "  description: {}",
        q(&format!("{} (threshold ${{threshold}})", s.description))
    );
    out
}

fn inventory_yaml(ns: &str, groups: &[&Group]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Inventory of namespace {ns}: groups and their node-exporter targets."
    );
    let _ = writeln!(out, "namespaces:");
    let _ = writeln!(out, "  {ns}:");
    for g in groups {
        let _ = writeln!(out, "    {}:", g.name);
        let _ = writeln!(
            out,
            "      description: {} {} hosts",
            g.team,
            g.name.split('-').nth(1).unwrap_or("")
        );
        if g.targets.is_empty() {
            let _ = writeln!(out, "      targets: []");
            continue;
        }
        let _ = writeln!(out, "      targets:");
        for t in &g.targets {
            let _ = writeln!(out, "        - {t}");
        }
    }
    out
}

fn write_file(root: &Path, rel: &str, body: &str) -> Result<(), String> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(&path, body).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn prepare_out(out: &Path, force: bool) -> Result<(), String> {
    let non_empty = fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty {
        if !force || !out.join("alertctl.toml").is_file() {
            return Err(format!(
                "{} is not empty; pass --force to replace a generated estate there",
                out.display()
            ));
        }
        for d in ["templates", "rules", "inventory", "rendered", ".alertctl"] {
            let p = out.join(d);
            if p.exists() {
                fs::remove_dir_all(&p)
                    .map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
            }
        }
        for f in ["inventory.yaml", "alertctl.toml", "estate.json"] {
            let _ = fs::remove_file(out.join(f));
        }
    }
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))
}

fn write_estate(out: &Path, cfg: &Config, size: &str, e: &mut Estate) -> Result<(), String> {
    write_file(
        out,
        "alertctl.toml",
        "# Generated by `cargo run --example gen_estate`: a synthetic estate for benchmarks.\n\
         [output]\ndir = \"rendered\"\n\n[labels]\nnamespace = \"namespace\"\ngroup = \"group\"\ntarget = \"instance\"\n\n\
         [scope]\nmatch = \"labels\"\n\n[validate]\npromtool = \"auto\"\n",
    )?;
    write_file(out, ".gitignore", ".alertctl/\nrendered/\n")?;
    for (ni, ns) in e.namespaces.iter().enumerate() {
        let gs: Vec<&Group> = e.groups.iter().filter(|g| g.ns == ni).collect();
        write_file(
            out,
            &format!("inventory/{ns}.yaml"),
            &inventory_yaml(ns, &gs),
        )?;
        e.stats.inventory_files += 1;
    }
    for t in &e.templates {
        write_file(
            out,
            &format!("templates/{}/{}.yaml", t.category, t.name),
            &template_yaml(t),
        )?;
        e.stats.template_files += 1;
    }
    for (rel, rules) in &e.rule_files {
        let mut body = String::new();
        let what = if rel.starts_with("rules/global/") {
            "Baseline: every template once, for the whole estate. Owned by SRE."
        } else if rel == "rules/policy.yaml" {
            "Estate-wide policy (priority beats specificity)."
        } else if rel.starts_with("rules/namespaces/") {
            "Namespace overrides."
        } else {
            "Team overrides for one group and its targets."
        };
        let _ = writeln!(body, "# {what}\n");
        for r in rules {
            r.write(&mut body);
        }
        write_file(out, rel, &body)?;
        e.stats.rule_files += 1;
    }
    let s = &e.stats;
    let meta = serde_json::json!({
        "size": size,
        "seed": cfg.seed,
        "templates": cfg.templates,
        "namespaces": cfg.namespaces,
        "groups": cfg.groups,
        "targets": cfg.targets,
        "override_density": cfg.density,
        "files": { "templates": s.template_files, "rules": s.rule_files, "inventory": s.inventory_files },
        "rules": s.rules,
        "override_rules": s.overrides,
        "alerts": s.alerts,
        "cells": s.cells,
        "expected_rendered_rules": s.rendered_rules,
    });
    let text = serde_json::to_string_pretty(&meta).map_err(|e| e.to_string())? + "\n";
    write_file(out, "estate.json", &text)
}

// ------------------------------------------------------------------------------ main

fn parse_args() -> Result<(Config, String, PathBuf, bool), String> {
    let mut args = std::env::args().skip(1);
    let mut size: Option<String> = None;
    let mut out: Option<PathBuf> = None;
    let mut force = false;
    let mut seed: Option<u64> = None;
    let mut dims: [Option<usize>; 4] = [None; 4];
    let mut density: Option<f64> = None;
    while let Some(a) = args.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let num = |name: &str, v: String| -> Result<usize, String> {
            v.replace('_', "")
                .parse()
                .map_err(|_| format!("{name}: not a count: {v}"))
        };
        match key.as_str() {
            "--size" => size = Some(val("--size")?),
            "--out" => out = Some(PathBuf::from(val("--out")?)),
            "--seed" => seed = Some(val("--seed")?.parse().map_err(|_| "--seed: not a number")?),
            "--force" => force = true,
            "--templates" => dims[0] = Some(num("--templates", val("--templates")?)?),
            "--namespaces" => dims[1] = Some(num("--namespaces", val("--namespaces")?)?),
            "--groups" => dims[2] = Some(num("--groups", val("--groups")?)?),
            "--targets" => dims[3] = Some(num("--targets", val("--targets")?)?),
            "--override-density" => {
                let v: f64 = val("--override-density")?
                    .parse()
                    .map_err(|_| "--override-density: not a number")?;
                if !(0.0..=1.0).contains(&v) {
                    return Err("--override-density must be within 0..1".into());
                }
                density = Some(v);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    let label = size
        .clone()
        .unwrap_or_else(|| "custom".into())
        .to_ascii_uppercase();
    let mut cfg = match &size {
        Some(s) => preset(s).ok_or_else(|| format!("unknown size {s} (S, M or L)"))?,
        None => {
            if dims[0].is_none() || dims[2].is_none() || dims[3].is_none() {
                return Err("give --size, or --templates, --groups and --targets".into());
            }
            Config {
                templates: 0,
                namespaces: 0,
                groups: 0,
                targets: 0,
                density: 0.02,
                seed: 42,
            }
        }
    };
    if let Some(v) = dims[0] {
        cfg.templates = v;
    }
    if let Some(v) = dims[2] {
        cfg.groups = v;
        if dims[1].is_none() {
            cfg.namespaces = (v / 50).max(2);
        }
    }
    if let Some(v) = dims[1] {
        cfg.namespaces = v;
    }
    if let Some(v) = dims[3] {
        cfg.targets = v;
    }
    if let Some(v) = density {
        cfg.density = v;
    }
    if let Some(v) = seed {
        cfg.seed = v;
    }
    if cfg.templates == 0 || cfg.namespaces == 0 {
        return Err("--templates and --namespaces must be at least 1".into());
    }
    Ok((cfg, label, out, force))
}

fn main() -> ExitCode {
    let (cfg, label, out, force) = match parse_args() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("gen_estate: error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut estate = generate(&cfg);
    if let Err(e) =
        prepare_out(&out, force).and_then(|()| write_estate(&out, &cfg, &label, &mut estate))
    {
        eprintln!("gen_estate: error: {e}");
        return ExitCode::from(1);
    }
    let s = &estate.stats;
    println!(
        "gen_estate: size {label} seed {} -> {}: {} namespaces, {} groups, {} targets; {} templates, \
         {} rules ({} overrides) in {} files, {} alerts, ~{} rendered rules",
        cfg.seed,
        out.display(),
        cfg.namespaces,
        cfg.groups,
        cfg.targets,
        cfg.templates,
        s.rules,
        s.overrides,
        s.rule_files,
        s.alerts,
        s.rendered_rules
    );
    ExitCode::SUCCESS
}
