
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'alertctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'alertctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'alertctl' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a working rules directory (settings, inventory, templates, rules)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check everything and report every problem with its location. Exit 2 if invalid')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate, and with --live also check what the running Prometheus scrapes and selects')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write the Prometheus rule files (only files whose content changed are written)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how the output directory would change: unified diff and a summary')
            [CompletionResult]::new('effective', 'effective', [CompletionResultType]::ParameterValue, 'Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Who set each field of a target''s alerts: the chain of rules in fold order and, per field, the winning value with every value it overrode')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List templates, rules or targets (from the SQLite index)')
            [CompletionResult]::new('rule', 'rule', [CompletionResultType]::ParameterValue, 'Create, disable, enable or purge rules; edits keep the rest of the file as it is')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Deploy: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Recorded deployments, newest first')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Re-apply the files of a recorded deployment (default: the one before the latest successful one), with the same verification and rollback as `apply`')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Run as a daemon beside Prometheus: sync (the same deployment as `apply`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on `POST /sync` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress')
            [CompletionResult]::new('alertmanager', 'alertmanager', [CompletionResultType]::ParameterValue, 'The generated Alertmanager config (from alertmanager/ in the rules directory)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails')
            [CompletionResult]::new('impact', 'impact', [CompletionResultType]::ParameterValue, 'What the pending change (the plan `diff` shows) would have done over a past window: each changed alert''s old and new rules evaluated on a live Prometheus'' history, `for` honoured; firing series, episodes and time, old vs new')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Turn Prometheus rule files (or PrometheusRule manifests) into templates and `global` rules: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;init' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that already exist')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;validate' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--promtool', '--promtool', [CompletionResultType]::ParameterName, 'Override `validate.promtool` from alertctl.toml')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Treat warnings as errors (exit 2), for CI')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;check' {
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Check this Prometheus instead of the configured ones (repeatable)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--promtool', '--promtool', [CompletionResultType]::ParameterName, 'Override `validate.promtool` from alertctl.toml')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Query the Prometheus servers of alertctl.toml (or --prometheus)')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Treat warnings as errors (exit 2), for CI')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;render' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory (default: `output.dir` from alertctl.toml)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`prometheusrule`: Prometheus Operator objects, into `kubernetes.dir`')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only this shard (a `[[shard]]` of alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print every file to stdout instead of writing')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;diff' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory to compare with (default: `output.dir`)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Compare the Prometheus Operator objects in `kubernetes.dir` instead')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only this shard (a `[[shard]]` of alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when there are differences')
            [CompletionResult]::new('--stat', '--stat', [CompletionResultType]::ParameterName, 'Only the summary, no diff')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Compare with the rules each configured server runs instead of the output dir')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;effective' {
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'What a host of this group gets (also a new host not yet in the inventory)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'What a host of this namespace in no group with its own rules gets')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--global', '--global', [CompletionResultType]::ParameterName, 'What a series from outside the inventory gets')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;trace' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list the alert''s rules that do not apply to this target, and why')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;list' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'Templates, optionally only those of one default severity')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Rules. Filters combine (AND)')
            [CompletionResult]::new('targets', 'targets', [CompletionResultType]::ParameterValue, 'Inventory targets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;list;templates' {
            [CompletionResult]::new('--severity', '--severity', [CompletionResultType]::ParameterName, 'severity')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'Only templates that watch this job')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only the template of this name (what `serve` answers at /api/v1/alert-templates/NAME)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;list;rules' {
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Rules scoped to this group or to one of its targets')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Rules scoped to this namespace, one of its groups or one of their targets')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Exactly this scope (`global`, `group/web`, ...)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'template')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--suspended', '--suspended', [CompletionResultType]::ParameterName, 'Only suspended rules (`rule disable`)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;list;targets' {
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'namespace')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'group')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;list;help' {
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'Templates, optionally only those of one default severity')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Rules. Filters combine (AND)')
            [CompletionResult]::new('targets', 'targets', [CompletionResultType]::ParameterValue, 'Inventory targets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;list;help;templates' {
            break
        }
        'alertctl;list;help;rules' {
            break
        }
        'alertctl;list;help;targets' {
            break
        }
        'alertctl;list;help;help' {
            break
        }
        'alertctl;rule' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a new rule that copies the template''s defaults, ready to edit')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Resume suspended rules')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete suspended rules (and files left with no rule). Changes no effective alert')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;rule;new' {
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'template')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, '`global`, `namespace/NS`, `group/G` or `target/T`')
            [CompletionResult]::new('--alert', '--alert', [CompletionResultType]::ParameterName, 'A new alert name, to make a second alert from the template')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'priority')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Rules file to append to (default: rules/<kind>/<name>.yaml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;rule;disable' {
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'template')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'scope')
            [CompletionResult]::new('--alert', '--alert', [CompletionResultType]::ParameterName, 'The rule''s alert (or record) name')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;rule;enable' {
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'template')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'scope')
            [CompletionResult]::new('--alert', '--alert', [CompletionResultType]::ParameterName, 'The rule''s alert (or record) name')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;rule;purge' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only print what would be removed')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;rule;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a new rule that copies the template''s defaults, ready to edit')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Resume suspended rules')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete suspended rules (and files left with no rule). Changes no effective alert')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;rule;help;new' {
            break
        }
        'alertctl;rule;help;disable' {
            break
        }
        'alertctl;rule;help;enable' {
            break
        }
        'alertctl;rule;help;purge' {
            break
        }
        'alertctl;rule;help;help' {
            break
        }
        'alertctl;apply' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory (default: `output.dir`)')
            [CompletionResult]::new('--promtool', '--promtool', [CompletionResultType]::ParameterName, 'Override `validate.promtool`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only this shard (a `[[shard]]` of alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Do everything up to the write and print the plan')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;history' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'limit')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only this shard (a `[[shard]]` of alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;rollback' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'out')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Only this shard (a `[[shard]]` of alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'dry-run')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;watch' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve /metrics, /healthz, /ready and POST /sync on this address')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'A full resync at most this long after the last sync; it repairs drift (hand-edited output files, servers running other rules). `0s` turns it off')
            [CompletionResult]::new('--debounce', '--debounce', [CompletionResultType]::ParameterName, 'Sync once the rules directory has been quiet this long after a change')
            [CompletionResult]::new('--poll', '--poll', [CompletionResultType]::ParameterName, 'Poll the rules directory at this interval instead of using file events (for file systems without them, e.g. NFS)')
            [CompletionResult]::new('--git-pull', '--git-pull', [CompletionResultType]::ParameterName, 'Follow this branch of the remote: fetch it and fast-forward the working copy; never merge, never reset (a force-push is refused and reported)')
            [CompletionResult]::new('--git-remote', '--git-remote', [CompletionResultType]::ParameterName, 'The remote of --git-pull')
            [CompletionResult]::new('--git-every', '--git-every', [CompletionResultType]::ParameterName, 'How often --git-pull fetches')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries of a failed sync (server down, reload failed) before waiting for the next trigger; invalid rules are not retried')
            [CompletionResult]::new('--retry-base', '--retry-base', [CompletionResultType]::ParameterName, 'The first retry''s delay; each next one doubles, with jitter')
            [CompletionResult]::new('--retry-max', '--retry-max', [CompletionResultType]::ParameterName, 'No retry waits longer')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory (default: `output.dir`)')
            [CompletionResult]::new('--promtool', '--promtool', [CompletionResultType]::ParameterName, 'Override `validate.promtool`')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log lines as text or as JSON objects (one per line), on stderr')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;alertmanager' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Masked unified diff of the rendered config against the written one')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure')
            [CompletionResult]::new('routes-test', 'routes-test', [CompletionResultType]::ParameterValue, 'Which receivers get an alert with these labels (Alertmanager''s matching: first match wins, `continue`, anchored regexes)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;alertmanager;render' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'out')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'stdout')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;alertmanager;diff' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'exit-code')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;alertmanager;apply' {
            [CompletionResult]::new('--amtool', '--amtool', [CompletionResultType]::ParameterName, 'Override `alertmanager.amtool`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'dry-run')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;alertmanager;routes-test' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Take namespace, group and target labels from this inventory target')
            [CompletionResult]::new('--severity', '--severity', [CompletionResultType]::ParameterName, 'severity')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Print the whole routing tree instead')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;alertmanager;help' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Masked unified diff of the rendered config against the written one')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure')
            [CompletionResult]::new('routes-test', 'routes-test', [CompletionResultType]::ParameterValue, 'Which receivers get an alert with these labels (Alertmanager''s matching: first match wins, `continue`, anchored regexes)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;alertmanager;help;render' {
            break
        }
        'alertctl;alertmanager;help;diff' {
            break
        }
        'alertctl;alertmanager;help;apply' {
            break
        }
        'alertctl;alertmanager;help;routes-test' {
            break
        }
        'alertctl;alertmanager;help;help' {
            break
        }
        'alertctl;test' {
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report to FILE')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;impact' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'How far back to evaluate (a Prometheus duration)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Evaluation step; use the rules'' evaluation interval')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'The Prometheus to query (default: the first `[[prometheus]]` of kind prometheus in alertctl.toml; a URL listed there keeps its auth and TLS settings)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory holding the deployed files (default: `output.dir`)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a self-contained HTML report with per-series timelines to FILE')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;import' {
            [CompletionResult]::new('--into', '--into', [CompletionResultType]::ParameterName, 'The rules directory to write to (created with an alertctl.toml if needed; default: the one found from --dir or the current directory)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--params', '--params', [CompletionResultType]::ParameterName, 'Make the number of each top-level comparison a `threshold` parameter')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace imported files that exist with other content')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check and show what would be written, write nothing')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on. Another address than loopback needs a token given with --token-file or ALERTCTL_SERVE_TOKEN (then every request needs it)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the token from this file instead of making a new one at start')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Refuse every change: browse, effective, trace and the deploy plan only')
            [CompletionResult]::new('--allow-apply', '--allow-apply', [CompletionResultType]::ParameterName, 'Let the deploy page apply (otherwise it only shows the `apply --dry-run` plan)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;completions' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a working rules directory (settings, inventory, templates, rules)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check everything and report every problem with its location. Exit 2 if invalid')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate, and with --live also check what the running Prometheus scrapes and selects')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write the Prometheus rule files (only files whose content changed are written)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how the output directory would change: unified diff and a summary')
            [CompletionResult]::new('effective', 'effective', [CompletionResultType]::ParameterValue, 'Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Who set each field of a target''s alerts: the chain of rules in fold order and, per field, the winning value with every value it overrode')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List templates, rules or targets (from the SQLite index)')
            [CompletionResult]::new('rule', 'rule', [CompletionResultType]::ParameterValue, 'Create, disable, enable or purge rules; edits keep the rest of the file as it is')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Deploy: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Recorded deployments, newest first')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Re-apply the files of a recorded deployment (default: the one before the latest successful one), with the same verification and rollback as `apply`')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Run as a daemon beside Prometheus: sync (the same deployment as `apply`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on `POST /sync` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress')
            [CompletionResult]::new('alertmanager', 'alertmanager', [CompletionResultType]::ParameterValue, 'The generated Alertmanager config (from alertmanager/ in the rules directory)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails')
            [CompletionResult]::new('impact', 'impact', [CompletionResultType]::ParameterValue, 'What the pending change (the plan `diff` shows) would have done over a past window: each changed alert''s old and new rules evaluated on a live Prometheus'' history, `for` honoured; firing series, episodes and time, old vs new')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Turn Prometheus rule files (or PrometheusRule manifests) into templates and `global` rules: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'alertctl;help;init' {
            break
        }
        'alertctl;help;validate' {
            break
        }
        'alertctl;help;check' {
            break
        }
        'alertctl;help;render' {
            break
        }
        'alertctl;help;diff' {
            break
        }
        'alertctl;help;effective' {
            break
        }
        'alertctl;help;trace' {
            break
        }
        'alertctl;help;list' {
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'Templates, optionally only those of one default severity')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'Rules. Filters combine (AND)')
            [CompletionResult]::new('targets', 'targets', [CompletionResultType]::ParameterValue, 'Inventory targets')
            break
        }
        'alertctl;help;list;templates' {
            break
        }
        'alertctl;help;list;rules' {
            break
        }
        'alertctl;help;list;targets' {
            break
        }
        'alertctl;help;rule' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a new rule that copies the template''s defaults, ready to edit')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Resume suspended rules')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete suspended rules (and files left with no rule). Changes no effective alert')
            break
        }
        'alertctl;help;rule;new' {
            break
        }
        'alertctl;help;rule;disable' {
            break
        }
        'alertctl;help;rule;enable' {
            break
        }
        'alertctl;help;rule;purge' {
            break
        }
        'alertctl;help;apply' {
            break
        }
        'alertctl;help;history' {
            break
        }
        'alertctl;help;rollback' {
            break
        }
        'alertctl;help;watch' {
            break
        }
        'alertctl;help;alertmanager' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Masked unified diff of the rendered config against the written one')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure')
            [CompletionResult]::new('routes-test', 'routes-test', [CompletionResultType]::ParameterValue, 'Which receivers get an alert with these labels (Alertmanager''s matching: first match wins, `continue`, anchored regexes)')
            break
        }
        'alertctl;help;alertmanager;render' {
            break
        }
        'alertctl;help;alertmanager;diff' {
            break
        }
        'alertctl;help;alertmanager;apply' {
            break
        }
        'alertctl;help;alertmanager;routes-test' {
            break
        }
        'alertctl;help;test' {
            break
        }
        'alertctl;help;impact' {
            break
        }
        'alertctl;help;import' {
            break
        }
        'alertctl;help;serve' {
            break
        }
        'alertctl;help;completions' {
            break
        }
        'alertctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
