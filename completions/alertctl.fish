# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_alertctl_global_optspecs
    string join \n C/dir= no-cache v/verbose color= h/help V/version
end

function __fish_alertctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_alertctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_alertctl_using_subcommand
    set -l cmd (__fish_alertctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c alertctl -n "__fish_alertctl_needs_command" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_needs_command" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_needs_command" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_needs_command" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_needs_command" -s V -l version -d 'Print version'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "init" -d 'Create a working rules directory (settings, inventory, templates, rules)'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "validate" -d 'Check everything and report every problem with its location. Exit 2 if invalid'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "check" -d 'Validate, and with --live also check what the running Prometheus scrapes and selects'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "render" -d 'Write the Prometheus rule files (only files whose content changed are written)'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "diff" -d 'Show how the output directory would change: unified diff and a summary'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "effective" -d 'Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "trace" -d 'Who set each field of a target\'s alerts: the chain of rules in fold order and, per field, the winning value with every value it overrode'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "list" -d 'List templates, rules or targets (from the SQLite index)'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "rule" -d 'Create, disable, enable or purge rules; edits keep the rest of the file as it is'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "apply" -d 'Deploy: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "history" -d 'Recorded deployments, newest first'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "rollback" -d 'Re-apply the files of a recorded deployment (default: the one before the latest successful one), with the same verification and rollback as `apply`'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "watch" -d 'Run as a daemon beside Prometheus: sync (the same deployment as `apply`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on `POST /sync` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "alertmanager" -d 'The generated Alertmanager config (from alertmanager/ in the rules directory)'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "test" -d 'Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "impact" -d 'What the pending change (the plan `diff` shows) would have done over a past window: each changed alert\'s old and new rules evaluated on a live Prometheus\' history, `for` honoured; firing series, episodes and time, old vs new'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "import" -d 'Turn Prometheus rule files (or PrometheusRule manifests) into templates and `global` rules: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "serve" -d 'A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -l force -d 'Overwrite files that already exist'
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand init" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l format -r -f -a "human\t'Located, annotated reports for people'
json\t'One JSON document on stdout (schema in docs/commands.md)'
github\t'GitHub Actions workflow commands (`::error file=..,line=..::`)'
sarif\t'One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l promtool -d 'Override `validate.promtool` from alertctl.toml' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l deny-warnings -d 'Treat warnings as errors (exit 2), for CI'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l prometheus -d 'Check this Prometheus instead of the configured ones (repeatable)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l format -r -f -a "human\t'Located, annotated reports for people'
json\t'One JSON document on stdout (schema in docs/commands.md)'
github\t'GitHub Actions workflow commands (`::error file=..,line=..::`)'
sarif\t'One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l promtool -d 'Override `validate.promtool` from alertctl.toml' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l live -d 'Query the Prometheus servers of alertctl.toml (or --prometheus)'
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l deny-warnings -d 'Treat warnings as errors (exit 2), for CI'
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l out -d 'Output directory (default: `output.dir` from alertctl.toml)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l format -d '`prometheusrule`: Prometheus Operator objects, into `kubernetes.dir`' -r -f -a "plain\t'Prometheus rule files (`output.dir`)'
prometheusrule\t'One Prometheus Operator `PrometheusRule` object per rule file (`kubernetes.dir`)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l shard -d 'Only this shard (a `[[shard]]` of alertctl.toml)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l stdout -d 'Print every file to stdout instead of writing'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l out -d 'Output directory to compare with (default: `output.dir`)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l format -d 'Compare the Prometheus Operator objects in `kubernetes.dir` instead' -r -f -a "plain\t'Prometheus rule files (`output.dir`)'
prometheusrule\t'One Prometheus Operator `PrometheusRule` object per rule file (`kubernetes.dir`)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l shard -d 'Only this shard (a `[[shard]]` of alertctl.toml)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l exit-code -d 'Exit 1 when there are differences'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l stat -d 'Only the summary, no diff'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l live -d 'Compare with the rules each configured server runs instead of the output dir'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l group -d 'What a host of this group gets (also a new host not yet in the inventory)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l namespace -d 'What a host of this namespace in no group with its own rules gets' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l format -r -f -a "human\t''
json\t''
yaml\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l global -d 'What a series from outside the inventory gets'
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand effective" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -l format -r -f -a "human\t''
json\t''
yaml\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -l all -d 'Also list the alert\'s rules that do not apply to this target, and why'
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand trace" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -f -a "templates" -d 'Templates, optionally only those of one default severity'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -f -a "rules" -d 'Rules. Filters combine (AND)'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -f -a "targets" -d 'Inventory targets'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and not __fish_seen_subcommand_from templates rules targets help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l severity -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l job -d 'Only templates that watch this job' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l name -d 'Only the template of this name (what `serve` answers at /api/v1/alert-templates/NAME)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l format -r -f -a "human\t''
json\t''
yaml\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from templates" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l group -d 'Rules scoped to this group or to one of its targets' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l namespace -d 'Rules scoped to this namespace, one of its groups or one of their targets' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l scope -d 'Exactly this scope (`global`, `group/web`, ...)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l template -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l format -r -f -a "human\t''
json\t''
yaml\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l suspended -d 'Only suspended rules (`rule disable`)'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from rules" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -l namespace -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -l group -r
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -l format -r -f -a "human\t''
json\t''
yaml\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from targets" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from help" -f -a "templates" -d 'Templates, optionally only those of one default severity'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from help" -f -a "rules" -d 'Rules. Filters combine (AND)'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from help" -f -a "targets" -d 'Inventory targets'
complete -c alertctl -n "__fish_alertctl_using_subcommand list; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -f -a "new" -d 'Write a new rule that copies the template\'s defaults, ready to edit'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -f -a "disable" -d 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -f -a "enable" -d 'Resume suspended rules'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -f -a "purge" -d 'Delete suspended rules (and files left with no rule). Changes no effective alert'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and not __fish_seen_subcommand_from new disable enable purge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l template -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l scope -d '`global`, `namespace/NS`, `group/G` or `target/T`' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l alert -d 'A new alert name, to make a second alert from the template' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l priority -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l file -d 'Rules file to append to (default: rules/<kind>/<name>.yaml)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -l template -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -l scope -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -l alert -d 'The rule\'s alert (or record) name' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -l template -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -l scope -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -l alert -d 'The rule\'s alert (or record) name' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -l dry-run -d 'Only print what would be removed'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from purge" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write a new rule that copies the template\'s defaults, ready to edit'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Resume suspended rules'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "purge" -d 'Delete suspended rules (and files left with no rule). Changes no effective alert'
complete -c alertctl -n "__fish_alertctl_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l out -d 'Output directory (default: `output.dir`)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l promtool -d 'Override `validate.promtool`' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l format -r -f -a "human\t'Progress on stderr and a one-line summary'
json\t'One JSON document on stdout, for CI'"
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l shard -d 'Only this shard (a `[[shard]]` of alertctl.toml)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l dry-run -d 'Do everything up to the write and print the plan'
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -l limit -r
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -l format -r -f -a "human\t'Progress on stderr and a one-line summary'
json\t'One JSON document on stdout, for CI'"
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -l shard -d 'Only this shard (a `[[shard]]` of alertctl.toml)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l out -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l format -r -f -a "human\t'Progress on stderr and a one-line summary'
json\t'One JSON document on stdout, for CI'"
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l shard -d 'Only this shard (a `[[shard]]` of alertctl.toml)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l dry-run
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l listen -d 'Serve /metrics, /healthz, /ready and POST /sync on this address' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l every -d 'A full resync at most this long after the last sync; it repairs drift (hand-edited output files, servers running other rules). `0s` turns it off' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l debounce -d 'Sync once the rules directory has been quiet this long after a change' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l poll -d 'Poll the rules directory at this interval instead of using file events (for file systems without them, e.g. NFS)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l git-pull -d 'Follow this branch of the remote: fetch it and fast-forward the working copy; never merge, never reset (a force-push is refused and reported)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l git-remote -d 'The remote of --git-pull' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l git-every -d 'How often --git-pull fetches' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l retries -d 'Retries of a failed sync (server down, reload failed) before waiting for the next trigger; invalid rules are not retried' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l retry-base -d 'The first retry\'s delay; each next one doubles, with jitter' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l retry-max -d 'No retry waits longer' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l out -d 'Output directory (default: `output.dir`)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l promtool -d 'Override `validate.promtool`' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l log-format -d 'Log lines as text or as JSON objects (one per line), on stderr' -r -f -a "text\t''
json\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand watch" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -f -a "render" -d 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -f -a "diff" -d 'Masked unified diff of the rendered config against the written one'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -f -a "apply" -d 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -f -a "routes-test" -d 'Which receivers get an alert with these labels (Alertmanager\'s matching: first match wins, `continue`, anchored regexes)'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and not __fish_seen_subcommand_from render diff apply routes-test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -l out -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -l stdout
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from render" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -l exit-code
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -l amtool -d 'Override `alertmanager.amtool`' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -l format -r -f -a "human\t'Progress on stderr and a one-line summary'
json\t'One JSON document on stdout, for CI'"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -l dry-run
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -l target -d 'Take namespace, group and target labels from this inventory target' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -l severity -r
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -l tree -d 'Print the whole routing tree instead'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from routes-test" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from help" -f -a "render" -d 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Masked unified diff of the rendered config against the written one'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from help" -f -a "routes-test" -d 'Which receivers get an alert with these labels (Alertmanager\'s matching: first match wins, `continue`, anchored regexes)'
complete -c alertctl -n "__fish_alertctl_using_subcommand alertmanager; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -l junit -d 'Also write a JUnit XML report to FILE' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -l format -r -f -a "human\t'Located, annotated reports for people'
json\t'One JSON document on stdout (schema in docs/commands.md)'
github\t'GitHub Actions workflow commands (`::error file=..,line=..::`)'
sarif\t'One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l since -d 'How far back to evaluate (a Prometheus duration)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l step -d 'Evaluation step; use the rules\' evaluation interval' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l prometheus -d 'The Prometheus to query (default: the first `[[prometheus]]` of kind prometheus in alertctl.toml; a URL listed there keeps its auth and TLS settings)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l out -d 'Output directory holding the deployed files (default: `output.dir`)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l format -r -f -a "human\t'Progress on stderr and a one-line summary'
json\t'One JSON document on stdout, for CI'"
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l report -d 'Also write a self-contained HTML report with per-series timelines to FILE' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand impact" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l into -d 'The rules directory to write to (created with an alertctl.toml if needed; default: the one found from --dir or the current directory)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l params -d 'Make the number of each top-level comparison a `threshold` parameter'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l force -d 'Replace imported files that exist with other content'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l dry-run -d 'Check and show what would be written, write nothing'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand import" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l listen -d 'Address and port to listen on. Another address than loopback needs a token given with --token-file or ALERTCTL_SERVE_TOKEN (then every request needs it)' -r
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l token-file -d 'Read the token from this file instead of making a new one at start' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l read-only -d 'Refuse every change: browse, effective, trace and the deploy plan only'
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l allow-apply -d 'Let the deploy page apply (otherwise it only shows the `apply --dry-run` plan)'
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand serve" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "init" -d 'Create a working rules directory (settings, inventory, templates, rules)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "validate" -d 'Check everything and report every problem with its location. Exit 2 if invalid'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "check" -d 'Validate, and with --live also check what the running Prometheus scrapes and selects'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "render" -d 'Write the Prometheus rule files (only files whose content changed are written)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "diff" -d 'Show how the output directory would change: unified diff and a summary'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "effective" -d 'Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "trace" -d 'Who set each field of a target\'s alerts: the chain of rules in fold order and, per field, the winning value with every value it overrode'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "list" -d 'List templates, rules or targets (from the SQLite index)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "rule" -d 'Create, disable, enable or purge rules; edits keep the rest of the file as it is'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "apply" -d 'Deploy: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "history" -d 'Recorded deployments, newest first'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "rollback" -d 'Re-apply the files of a recorded deployment (default: the one before the latest successful one), with the same verification and rollback as `apply`'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "watch" -d 'Run as a daemon beside Prometheus: sync (the same deployment as `apply`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on `POST /sync` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "alertmanager" -d 'The generated Alertmanager config (from alertmanager/ in the rules directory)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "test" -d 'Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "impact" -d 'What the pending change (the plan `diff` shows) would have done over a past window: each changed alert\'s old and new rules evaluated on a live Prometheus\' history, `for` honoured; firing series, episodes and time, old vs new'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "import" -d 'Turn Prometheus rule files (or PrometheusRule manifests) into templates and `global` rules: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "serve" -d 'A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "completions" -d 'Print shell completions'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate check render diff effective trace list rule apply history rollback watch alertmanager test impact import serve completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from list" -f -a "templates" -d 'Templates, optionally only those of one default severity'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from list" -f -a "rules" -d 'Rules. Filters combine (AND)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from list" -f -a "targets" -d 'Inventory targets'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "new" -d 'Write a new rule that copies the template\'s defaults, ready to edit'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "disable" -d 'Suspend rules, the soft delete (`suspended: true`): they stay in the repository and resolution ignores them. To switch an alert off for a scope, write `enabled: false`'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "enable" -d 'Resume suspended rules'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "purge" -d 'Delete suspended rules (and files left with no rule). Changes no effective alert'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from alertmanager" -f -a "render" -d 'Write alertmanager.yml (`alertmanager.output`); `${env:NAME}` references are read from the environment now. `--stdout` prints it with every secret masked'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from alertmanager" -f -a "diff" -d 'Masked unified diff of the rendered config against the written one'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from alertmanager" -f -a "apply" -d 'Like `apply` for rules: amtool check-config, atomic write, POST /-/reload on every `[[alertmanager.servers]]`, verify the running config, roll back on failure'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and __fish_seen_subcommand_from alertmanager" -f -a "routes-test" -d 'Which receivers get an alert with these labels (Alertmanager\'s matching: first match wins, `continue`, anchored regexes)'
