//! The examples every command's `--help` ends with (clap's `after_help`). The tests below
//! parse every example with the real CLI definition, so an example cannot name a flag
//! that does not exist, and keep the man pages in man/ (generated from the same
//! definition by clap_mangen) current.

pub const ALERTCTL: &str = "\
Examples:
  alertctl init alerts              # scaffold a rules directory
  alertctl -C alerts validate       # check everything; exit 2 on any problem
  alertctl -C alerts diff           # what rendering would change
  alertctl -C alerts apply          # deploy, reload, verify; roll back on failure

Docs: docs/commands.md and docs/format.md; man pages: man/ in the source.";

pub const INIT: &str = "\
Examples:
  alertctl init alerts
  alertctl init . --force           # rewrite the scaffold files in place";

pub const VALIDATE: &str = "\
Examples:
  alertctl validate
  alertctl validate --format github --promtool required    # in CI: annotations
  alertctl -C ops/alerts validate --format json > report.json
  alertctl validate --deny-warnings # warnings fail too (exit 2)";

pub const CHECK: &str = "\
Examples:
  alertctl check                    # the same as validate
  alertctl check --live             # and ask the configured Prometheus servers
  alertctl check --live --prometheus http://127.0.0.1:9090 --format json
  alertctl check --live --format github --promtool off --deny-warnings";

pub const RENDER: &str = "\
Examples:
  alertctl render
  alertctl render --stdout
  alertctl render --out /etc/prometheus/rules/alertctl
  alertctl render --format prometheusrule --stdout | kubectl apply -f -";

pub const DIFF: &str = "\
Examples:
  alertctl diff
  alertctl diff --stat --exit-code  # exit 1 when committed rendered files are stale
  alertctl diff --live              # what the configured servers run instead
  alertctl diff --format prometheusrule --exit-code";

pub const EFFECTIVE: &str = "\
Examples:
  alertctl effective web-1:9100
  alertctl effective --group web --format json
  alertctl effective --global       # series outside the inventory";

pub const TRACE: &str = "\
Examples:
  alertctl trace web-1:9100 HighCPU
  alertctl trace web-1:9100 --all --format yaml";

pub const IMPORT: &str = "\
Examples:
  alertctl import /etc/prometheus/rules --into alerts --dry-run
  alertctl import node.rules.yml postgres.rules.yml --params
  alertctl import manifests/prometheusrule.yaml --into alerts --force";

pub const LIST: &str = "\
Examples:
  alertctl list templates --severity critical
  alertctl list rules --group web
  alertctl list targets --namespace prod --format json";

pub const LIST_TEMPLATES: &str = "\
Examples:
  alertctl list templates
  alertctl list templates --severity critical --format yaml
  alertctl list templates --job node
  alertctl list templates --name HighCPU --format json";

pub const LIST_RULES: &str = "\
Examples:
  alertctl list rules --group web
  alertctl list rules --scope global --template HighCPU
  alertctl list rules --suspended --format json";

pub const LIST_TARGETS: &str = "\
Examples:
  alertctl list targets
  alertctl list targets --group web --format json";

pub const RULE: &str = "\
Examples:
  alertctl rule new --template HighCPU --scope group/db
  alertctl rule disable rules/teams/web.yaml:2
  alertctl rule purge --dry-run";

pub const RULE_NEW: &str = "\
Examples:
  alertctl rule new --template HighCPU --scope group/db
  alertctl rule new --template HighCPU --scope target/web-2:9100 --alert HighCPUCanary";

pub const RULE_DISABLE: &str = "\
Examples:
  alertctl rule disable rules/teams/web.yaml:2
  alertctl rule disable --template HighCPU --scope group/web";

pub const RULE_ENABLE: &str = "\
Examples:
  alertctl rule enable rules/teams/web.yaml:2
  alertctl rule enable --template HighCPU --scope group/web";

pub const RULE_PURGE: &str = "\
Examples:
  alertctl rule purge --dry-run
  alertctl rule purge";

pub const APPLY: &str = "\
Examples:
  alertctl apply --dry-run          # the plan: diff and summary, nothing written
  alertctl apply
  alertctl apply --promtool required --format json > apply.json";

pub const HISTORY: &str = "\
Examples:
  alertctl history
  alertctl history --limit 1 --format json";

pub const ROLLBACK: &str = "\
Examples:
  alertctl rollback --dry-run       # what restoring the previous deployment changes
  alertctl rollback 3";

pub const WATCH: &str = "\
Examples:
  alertctl -C /srv/alerts watch
  alertctl watch --listen 0.0.0.0:9473 --every 10m --log-format json
  alertctl watch --git-pull main --git-every 30s      # GitOps pull mode
  alertctl watch --poll 5s          # a file system without file events (NFS)

A sync now: `curl -X POST http://127.0.0.1:9473/sync` or `kill -HUP <pid>`.
Deployment (systemd unit, container): docs/watch.md.";

pub const ALERTMANAGER: &str = "\
Examples:
  alertctl alertmanager render --stdout
  alertctl alertmanager apply --dry-run
  alertctl alertmanager routes-test --target web-1:9100 --severity critical";

pub const AM_RENDER: &str = "\
Examples:
  alertctl alertmanager render
  alertctl alertmanager render --stdout     # secrets masked";

pub const AM_DIFF: &str = "\
Examples:
  alertctl alertmanager diff --exit-code";

pub const AM_APPLY: &str = "\
Examples:
  alertctl alertmanager apply --dry-run
  alertctl alertmanager apply --amtool required --format json";

pub const AM_ROUTES_TEST: &str = "\
Examples:
  alertctl alertmanager routes-test --target web-1:9100 --severity critical
  alertctl alertmanager routes-test namespace=prod severity=warning
  alertctl alertmanager routes-test --tree";

pub const SERVE: &str = "\
Examples:
  alertctl serve                    # http://127.0.0.1:8080/ with a write token printed
  alertctl serve --read-only --listen 127.0.0.1:9099
  alertctl serve --allow-apply      # the deploy page can apply, not only plan
  alertctl serve --listen 0.0.0.0:8080 --token-file token    # token: openssl rand -hex 32";

pub const COMPLETIONS: &str = "\
Examples:
  alertctl completions bash > ~/.local/share/bash-completion/completions/alertctl
  alertctl completions zsh > \"${fpath[1]}/_alertctl\"";

pub const TEST: &str = "\
Examples:
  alertctl test
  alertctl test web --junit alertctl-junit.xml     # only tests whose name has `web`
  alertctl test --format sarif > alertctl-test.sarif";

pub const IMPACT: &str = "\
Examples:
  alertctl impact --prometheus http://127.0.0.1:9090
  alertctl impact --since 7d --step 5m --report impact.html
  alertctl impact --format json > impact.json";

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::cli::Cli;

    /// Every visible command, as its path of names (`["list", "rules"]`).
    fn commands(
        cmd: &clap::Command,
        path: Vec<String>,
        out: &mut Vec<(Vec<String>, clap::Command)>,
    ) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            commands(sub, p, out);
        }
    }

    /// The arguments of an example line: up to a comment, a pipe or a redirection.
    fn example_args(line: &str) -> Vec<String> {
        line.split_whitespace()
            .take_while(|w| !matches!(*w, "#" | "|" | ">" | "&&"))
            .map(|w| w.trim_matches('"').to_string())
            .collect()
    }

    #[test]
    fn every_command_has_examples_that_parse() {
        let mut all = Vec::new();
        commands(
            &Cli::command().disable_help_subcommand(true),
            vec![],
            &mut all,
        );
        assert!(all.len() >= 20, "{} commands", all.len());
        for (path, cmd) in all {
            let help = cmd
                .get_after_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            let examples: Vec<&str> = help
                .lines()
                .skip_while(|l| *l != "Examples:")
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .collect();
            let name = format!("alertctl {}", path.join(" "));
            assert!(!examples.is_empty(), "`{name} --help` has no examples");
            assert!(
                examples
                    .iter()
                    .any(|e| e.trim_start().starts_with(name.trim_end())),
                "`{name} --help` has no example of itself: {examples:?}"
            );
            for e in examples {
                let args = example_args(e);
                if let Err(err) = Cli::try_parse_from(&args) {
                    panic!("example `{e}` of `{name}` does not parse:\n{err}");
                }
            }
        }
    }

    /// `man/` holds one page per command (`alertctl.1`, `alertctl-validate.1`, ...), made
    /// from the CLI definition. `ALERTCTL_BLESS=1 cargo test --bin alertctl` rewrites it.
    #[test]
    fn committed_man_pages_are_current() {
        let tmp = tempfile::tempdir().unwrap();
        clap_mangen::generate_to(Cli::command(), tmp.path()).unwrap();
        let read = |dir: &std::path::Path| -> Vec<(String, String)> {
            let mut v: Vec<_> = std::fs::read_dir(dir)
                .map(|r| r.flatten().collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    (name, std::fs::read_to_string(e.path()).unwrap_or_default())
                })
                .collect();
            v.sort();
            v
        };
        let fresh = read(tmp.path());
        assert!(
            fresh
                .iter()
                .any(|(n, c)| n == "alertctl-validate.1" && c.contains("Examples:")),
            "{fresh:?}"
        );
        let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
        if std::env::var_os("ALERTCTL_BLESS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            clap_mangen::generate_to(Cli::command(), {
                std::fs::create_dir_all(&committed).unwrap();
                &committed
            })
            .unwrap();
        }
        let names = |v: &[(String, String)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&read(&committed)),
            names(&fresh),
            "man/ lists other commands: regenerate with ALERTCTL_BLESS=1 cargo test --bin alertctl"
        );
        for ((name, text), (_, committed)) in fresh.iter().zip(read(&committed)) {
            assert!(
                *text == committed,
                "man/{name} is stale: regenerate with ALERTCTL_BLESS=1 cargo test --bin alertctl"
            );
        }
    }

    #[test]
    fn an_example_that_does_not_parse_is_caught() {
        let args = example_args("  alertctl validate --formt json   # typo");
        assert!(Cli::try_parse_from(&args).is_err());
    }
}
