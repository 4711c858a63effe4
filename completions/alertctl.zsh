#compdef alertctl

autoload -U is-at-least

_alertctl() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_alertctl_commands" \
"*::: :->alertctl" \
&& ret=0
    case $state in
    (alertctl)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--force[Overwrite files that already exist]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'::path -- Where to create it:_files' \
&& ret=0
;;
(validate)
_arguments "${_arguments_options[@]}" : \
'--format=[]:FORMAT:((human\:"Located, annotated reports for people"
json\:"One JSON document on stdout (schema in docs/commands.md)"
github\:"GitHub Actions workflow commands (\`\:\:error file=..,line=..\:\:\`)"
sarif\:"One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)"))' \
'--promtool=[Override \`validate.promtool\` from alertctl.toml]:PROMTOOL:(auto required off)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--deny-warnings[Treat warnings as errors (exit 2), for CI]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
'*--prometheus=[Check this Prometheus instead of the configured ones (repeatable)]:URL:_default' \
'--format=[]:FORMAT:((human\:"Located, annotated reports for people"
json\:"One JSON document on stdout (schema in docs/commands.md)"
github\:"GitHub Actions workflow commands (\`\:\:error file=..,line=..\:\:\`)"
sarif\:"One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)"))' \
'--promtool=[Override \`validate.promtool\` from alertctl.toml]:PROMTOOL:(auto required off)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--live[Query the Prometheus servers of alertctl.toml (or --prometheus)]' \
'--deny-warnings[Treat warnings as errors (exit 2), for CI]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
'(--stdout)--out=[Output directory (default\: \`output.dir\` from alertctl.toml)]:DIR:_files' \
'--format=[\`prometheusrule\`\: Prometheus Operator objects, into \`kubernetes.dir\`]:FORMAT:((plain\:"Prometheus rule files (\`output.dir\`)"
prometheusrule\:"One Prometheus Operator \`PrometheusRule\` object per rule file (\`kubernetes.dir\`)"))' \
'--shard=[Only this shard (a \`\[\[shard\]\]\` of alertctl.toml)]:NAME:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--stdout[Print every file to stdout instead of writing]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'--out=[Output directory to compare with (default\: \`output.dir\`)]:DIR:_files' \
'--format=[Compare the Prometheus Operator objects in \`kubernetes.dir\` instead]:FORMAT:((plain\:"Prometheus rule files (\`output.dir\`)"
prometheusrule\:"One Prometheus Operator \`PrometheusRule\` object per rule file (\`kubernetes.dir\`)"))' \
'--shard=[Only this shard (a \`\[\[shard\]\]\` of alertctl.toml)]:NAME:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--exit-code[Exit 1 when there are differences]' \
'--stat[Only the summary, no diff]' \
'(--format)--live[Compare with the rules each configured server runs instead of the output dir]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(effective)
_arguments "${_arguments_options[@]}" : \
'(--namespace --global)--group=[What a host of this group gets (also a new host not yet in the inventory)]:GROUP:_default' \
'(--global)--namespace=[What a host of this namespace in no group with its own rules gets]:NAMESPACE:_default' \
'--format=[]:FORMAT:(human json yaml)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'()--global[What a series from outside the inventory gets]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'::target -- An inventory target (e.g. web-1\:9100):_default' \
&& ret=0
;;
(trace)
_arguments "${_arguments_options[@]}" : \
'--format=[]:FORMAT:(human json yaml)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--all[Also list the alert'\''s rules that do not apply to this target, and why]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
':target -- An inventory target:_default' \
'::alert -- Only this alert:_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_alertctl__subcmd__list_commands" \
"*::: :->list" \
&& ret=0

    case $state in
    (list)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-list-command-$line[1]:"
        case $line[1] in
            (templates)
_arguments "${_arguments_options[@]}" : \
'--severity=[]:SEVERITY:_default' \
'--job=[Only templates that watch this job]:JOB:_default' \
'--name=[Only the template of this name (what \`serve\` answers at /api/v1/alert-templates/NAME)]:NAME:_default' \
'--format=[]:FORMAT:(human json yaml)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(rules)
_arguments "${_arguments_options[@]}" : \
'--group=[Rules scoped to this group or to one of its targets]:GROUP:_default' \
'--namespace=[Rules scoped to this namespace, one of its groups or one of their targets]:NAMESPACE:_default' \
'--scope=[Exactly this scope (\`global\`, \`group/web\`, ...)]:SCOPE:_default' \
'--template=[]:TEMPLATE:_default' \
'--format=[]:FORMAT:(human json yaml)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--suspended[Only suspended rules (\`rule disable\`)]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(targets)
_arguments "${_arguments_options[@]}" : \
'--namespace=[]:NAMESPACE:_default' \
'--group=[]:GROUP:_default' \
'--format=[]:FORMAT:(human json yaml)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__list__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-list-help-command-$line[1]:"
        case $line[1] in
            (templates)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rules)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(targets)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(rule)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_alertctl__subcmd__rule_commands" \
"*::: :->rule" \
&& ret=0

    case $state in
    (rule)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-rule-command-$line[1]:"
        case $line[1] in
            (new)
_arguments "${_arguments_options[@]}" : \
'--template=[]:TEMPLATE:_default' \
'--scope=[\`global\`, \`namespace/NS\`, \`group/G\` or \`target/T\`]:SCOPE:_default' \
'--alert=[A new alert name, to make a second alert from the template]:ALERT:_default' \
'--priority=[]:PRIORITY:_default' \
'--file=[Rules file to append to (default\: rules/<kind>/<name>.yaml)]:FILE:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(disable)
_arguments "${_arguments_options[@]}" : \
'--template=[]:TEMPLATE:_default' \
'--scope=[]:SCOPE:_default' \
'--alert=[The rule'\''s alert (or record) name]:ALERT:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'::location -- `rules/teams/web.yaml\:4` (the line of the rule'\''s `- `, or any line inside it):_default' \
&& ret=0
;;
(enable)
_arguments "${_arguments_options[@]}" : \
'--template=[]:TEMPLATE:_default' \
'--scope=[]:SCOPE:_default' \
'--alert=[The rule'\''s alert (or record) name]:ALERT:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'::location -- `rules/teams/web.yaml\:4` (the line of the rule'\''s `- `, or any line inside it):_default' \
&& ret=0
;;
(purge)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--dry-run[Only print what would be removed]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__rule__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-rule-help-command-$line[1]:"
        case $line[1] in
            (new)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(disable)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(enable)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(purge)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(apply)
_arguments "${_arguments_options[@]}" : \
'--out=[Output directory (default\: \`output.dir\`)]:DIR:_files' \
'--promtool=[Override \`validate.promtool\`]:PROMTOOL:(auto required off)' \
'--format=[]:FORMAT:((human\:"Progress on stderr and a one-line summary"
json\:"One JSON document on stdout, for CI"))' \
'--shard=[Only this shard (a \`\[\[shard\]\]\` of alertctl.toml)]:NAME:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--dry-run[Do everything up to the write and print the plan]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
'--limit=[]:LIMIT:_default' \
'--format=[]:FORMAT:((human\:"Progress on stderr and a one-line summary"
json\:"One JSON document on stdout, for CI"))' \
'--shard=[Only this shard (a \`\[\[shard\]\]\` of alertctl.toml)]:NAME:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(rollback)
_arguments "${_arguments_options[@]}" : \
'--out=[]:DIR:_files' \
'--format=[]:FORMAT:((human\:"Progress on stderr and a one-line summary"
json\:"One JSON document on stdout, for CI"))' \
'--shard=[Only this shard (a \`\[\[shard\]\]\` of alertctl.toml)]:NAME:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--dry-run[]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::rev:_default' \
&& ret=0
;;
(watch)
_arguments "${_arguments_options[@]}" : \
'--listen=[Serve /metrics, /healthz, /ready and POST /sync on this address]:ADDR:_default' \
'--every=[A full resync at most this long after the last sync; it repairs drift (hand-edited output files, servers running other rules). \`0s\` turns it off]:DURATION:_default' \
'--debounce=[Sync once the rules directory has been quiet this long after a change]:DURATION:_default' \
'--poll=[Poll the rules directory at this interval instead of using file events (for file systems without them, e.g. NFS)]:INTERVAL:_default' \
'--git-pull=[Follow this branch of the remote\: fetch it and fast-forward the working copy; never merge, never reset (a force-push is refused and reported)]:BRANCH:_default' \
'--git-remote=[The remote of --git-pull]:NAME:_default' \
'--git-every=[How often --git-pull fetches]:DURATION:_default' \
'--retries=[Retries of a failed sync (server down, reload failed) before waiting for the next trigger; invalid rules are not retried]:N:_default' \
'--retry-base=[The first retry'\''s delay; each next one doubles, with jitter]:DURATION:_default' \
'--retry-max=[No retry waits longer]:DURATION:_default' \
'--out=[Output directory (default\: \`output.dir\`)]:DIR:_files' \
'--promtool=[Override \`validate.promtool\`]:PROMTOOL:(auto required off)' \
'--log-format=[Log lines as text or as JSON objects (one per line), on stderr]:LOG_FORMAT:(text json)' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(alertmanager)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_alertctl__subcmd__alertmanager_commands" \
"*::: :->alertmanager" \
&& ret=0

    case $state in
    (alertmanager)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-alertmanager-command-$line[1]:"
        case $line[1] in
            (render)
_arguments "${_arguments_options[@]}" : \
'(--stdout)--out=[]:FILE:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--stdout[]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--exit-code[]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
'--amtool=[Override \`alertmanager.amtool\`]:AMTOOL:(auto required off)' \
'--format=[]:FORMAT:((human\:"Progress on stderr and a one-line summary"
json\:"One JSON document on stdout, for CI"))' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--dry-run[]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(routes-test)
_arguments "${_arguments_options[@]}" : \
'--target=[Take namespace, group and target labels from this inventory target]:TARGET:_default' \
'--severity=[]:SEVERITY:_default' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--tree[Print the whole routing tree instead]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'*::labels -- Labels as `name=value`:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__alertmanager__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-alertmanager-help-command-$line[1]:"
        case $line[1] in
            (render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(routes-test)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(test)
_arguments "${_arguments_options[@]}" : \
'--junit=[Also write a JUnit XML report to FILE]:FILE:_files' \
'--format=[]:FORMAT:((human\:"Located, annotated reports for people"
json\:"One JSON document on stdout (schema in docs/commands.md)"
github\:"GitHub Actions workflow commands (\`\:\:error file=..,line=..\:\:\`)"
sarif\:"One SARIF 2.1.0 log on stdout, for GitHub code scanning (paths relative to the repository root)"))' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::filter -- Only tests whose name contains this text:_default' \
&& ret=0
;;
(impact)
_arguments "${_arguments_options[@]}" : \
'--since=[How far back to evaluate (a Prometheus duration)]:SINCE:_default' \
'--step=[Evaluation step; use the rules'\'' evaluation interval]:STEP:_default' \
'--prometheus=[The Prometheus to query (default\: the first \`\[\[prometheus\]\]\` of kind prometheus in alertctl.toml; a URL listed there keeps its auth and TLS settings)]:URL:_default' \
'--out=[Output directory holding the deployed files (default\: \`output.dir\`)]:DIR:_files' \
'--format=[]:FORMAT:((human\:"Progress on stderr and a one-line summary"
json\:"One JSON document on stdout, for CI"))' \
'--report=[Also write a self-contained HTML report with per-series timelines to FILE]:FILE:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(import)
_arguments "${_arguments_options[@]}" : \
'--into=[The rules directory to write to (created with an alertctl.toml if needed; default\: the one found from --dir or the current directory)]:DIR:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--params[Make the number of each top-level comparison a \`threshold\` parameter]' \
'--force[Replace imported files that exist with other content]' \
'--dry-run[Check and show what would be written, write nothing]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths -- Rule files, or directories to search for *.yml / *.yaml:_files' \
&& ret=0
;;
(serve)
_arguments "${_arguments_options[@]}" : \
'--listen=[Address and port to listen on. Another address than loopback needs a token given with --token-file or ALERTCTL_SERVE_TOKEN (then every request needs it)]:ADDR:PORT:_default' \
'--token-file=[Read the token from this file instead of making a new one at start]:FILE:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--read-only[Refuse every change\: browse, effective, trace and the deploy plan only]' \
'(--read-only)--allow-apply[Let the deploy page apply (otherwise it only shows the \`apply --dry-run\` plan)]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-help-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(validate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(effective)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(trace)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__help__subcmd__list_commands" \
"*::: :->list" \
&& ret=0

    case $state in
    (list)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-help-list-command-$line[1]:"
        case $line[1] in
            (templates)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rules)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(targets)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(rule)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__help__subcmd__rule_commands" \
"*::: :->rule" \
&& ret=0

    case $state in
    (rule)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-help-rule-command-$line[1]:"
        case $line[1] in
            (new)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(disable)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(enable)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(purge)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(apply)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rollback)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(watch)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(alertmanager)
_arguments "${_arguments_options[@]}" : \
":: :_alertctl__subcmd__help__subcmd__alertmanager_commands" \
"*::: :->alertmanager" \
&& ret=0

    case $state in
    (alertmanager)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:alertctl-help-alertmanager-command-$line[1]:"
        case $line[1] in
            (render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(routes-test)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(test)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(impact)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_alertctl_commands] )) ||
_alertctl_commands() {
    local commands; commands=(
'init:Create a working rules directory (settings, inventory, templates, rules)' \
'validate:Check everything and report every problem with its location. Exit 2 if invalid' \
'check:Validate, and with --live also check what the running Prometheus scrapes and selects' \
'render:Write the Prometheus rule files (only files whose content changed are written)' \
'diff:Show how the output directory would change\: unified diff and a summary' \
'effective:Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them' \
'trace:Who set each field of a target'\''s alerts\: the chain of rules in fold order and, per field, the winning value with every value it overrode' \
'list:List templates, rules or targets (from the SQLite index)' \
'rule:Create, disable, enable or purge rules; edits keep the rest of the file as it is' \
'apply:Deploy\: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history' \
'history:Recorded deployments, newest first' \
'rollback:Re-apply the files of a recorded deployment (default\: the one before the latest successful one), with the same verification and rollback as \`apply\`' \
'watch:Run as a daemon beside Prometheus\: sync (the same deployment as \`apply\`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on \`POST /sync\` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress' \
'alertmanager:The generated Alertmanager config (from alertmanager/ in the rules directory)' \
'test:Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails' \
'impact:What the pending change (the plan \`diff\` shows) would have done over a past window\: each changed alert'\''s old and new rules evaluated on a live Prometheus'\'' history, \`for\` honoured; firing series, episodes and time, old vs new' \
'import:Turn Prometheus rule files (or PrometheusRule manifests) into templates and \`global\` rules\: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing' \
'serve:A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start' \
'completions:Print shell completions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager_commands] )) ||
_alertctl__subcmd__alertmanager_commands() {
    local commands; commands=(
'render:Write alertmanager.yml (\`alertmanager.output\`); \`\${env\:NAME}\` references are read from the environment now. \`--stdout\` prints it with every secret masked' \
'diff:Masked unified diff of the rendered config against the written one' \
'apply:Like \`apply\` for rules\: amtool check-config, atomic write, POST /-/reload on every \`\[\[alertmanager.servers\]\]\`, verify the running config, roll back on failure' \
'routes-test:Which receivers get an alert with these labels (Alertmanager'\''s matching\: first match wins, \`continue\`, anchored regexes)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl alertmanager commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__apply_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager apply commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__diff_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager diff commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help_commands() {
    local commands; commands=(
'render:Write alertmanager.yml (\`alertmanager.output\`); \`\${env\:NAME}\` references are read from the environment now. \`--stdout\` prints it with every secret masked' \
'diff:Masked unified diff of the rendered config against the written one' \
'apply:Like \`apply\` for rules\: amtool check-config, atomic write, POST /-/reload on every \`\[\[alertmanager.servers\]\]\`, verify the running config, roll back on failure' \
'routes-test:Which receivers get an alert with these labels (Alertmanager'\''s matching\: first match wins, \`continue\`, anchored regexes)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl alertmanager help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help__subcmd__apply_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager help apply commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help__subcmd__diff_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager help diff commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help__subcmd__help_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager help help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help__subcmd__render_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager help render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__help__subcmd__routes-test_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__help__subcmd__routes-test_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager help routes-test commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__render_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__alertmanager__subcmd__routes-test_commands] )) ||
_alertctl__subcmd__alertmanager__subcmd__routes-test_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl alertmanager routes-test commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__apply_commands] )) ||
_alertctl__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl apply commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__check_commands] )) ||
_alertctl__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl check commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__completions_commands] )) ||
_alertctl__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl completions commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__diff_commands] )) ||
_alertctl__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl diff commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__effective_commands] )) ||
_alertctl__subcmd__effective_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl effective commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help_commands] )) ||
_alertctl__subcmd__help_commands() {
    local commands; commands=(
'init:Create a working rules directory (settings, inventory, templates, rules)' \
'validate:Check everything and report every problem with its location. Exit 2 if invalid' \
'check:Validate, and with --live also check what the running Prometheus scrapes and selects' \
'render:Write the Prometheus rule files (only files whose content changed are written)' \
'diff:Show how the output directory would change\: unified diff and a summary' \
'effective:Every alert that applies to a target (or to a group or namespace), with the query exactly as rendered for it, its settings, and the rules that set them' \
'trace:Who set each field of a target'\''s alerts\: the chain of rules in fold order and, per field, the winning value with every value it overrode' \
'list:List templates, rules or targets (from the SQLite index)' \
'rule:Create, disable, enable or purge rules; edits keep the rest of the file as it is' \
'apply:Deploy\: validate, render, write atomically, reload every configured server, verify it runs exactly the new rules; on any failure restore the previous files, reload and verify again (exit 3). Recorded in the history' \
'history:Recorded deployments, newest first' \
'rollback:Re-apply the files of a recorded deployment (default\: the one before the latest successful one), with the same verification and rollback as \`apply\`' \
'watch:Run as a daemon beside Prometheus\: sync (the same deployment as \`apply\`) when the rules directory changes, when a followed git branch moves, periodically (which repairs drift), on \`POST /sync\` and on SIGHUP; retry failures with backoff; serve /metrics, /healthz and /ready. SIGTERM stops after the sync in progress' \
'alertmanager:The generated Alertmanager config (from alertmanager/ in the rules directory)' \
'test:Run the rule unit tests in tests/*.yaml with the real promtool; exit 1 if any fails' \
'impact:What the pending change (the plan \`diff\` shows) would have done over a past window\: each changed alert'\''s old and new rules evaluated on a live Prometheus'\'' history, \`for\` honoured; firing series, episodes and time, old vs new' \
'import:Turn Prometheus rule files (or PrometheusRule manifests) into templates and \`global\` rules\: templates/imported/*.yaml and rules/imported/*.yaml. Nothing is written unless the whole result validates; existing files are never overwritten without --force; importing the same files again changes nothing' \
'serve:A local web UI over the rules directory (browse, effective and trace, edit with live validation and diff, deploy plan, history) and the read API under /api/v1. Binds to 127.0.0.1; writes need the token printed at start' \
'completions:Print shell completions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__alertmanager_commands] )) ||
_alertctl__subcmd__help__subcmd__alertmanager_commands() {
    local commands; commands=(
'render:Write alertmanager.yml (\`alertmanager.output\`); \`\${env\:NAME}\` references are read from the environment now. \`--stdout\` prints it with every secret masked' \
'diff:Masked unified diff of the rendered config against the written one' \
'apply:Like \`apply\` for rules\: amtool check-config, atomic write, POST /-/reload on every \`\[\[alertmanager.servers\]\]\`, verify the running config, roll back on failure' \
'routes-test:Which receivers get an alert with these labels (Alertmanager'\''s matching\: first match wins, \`continue\`, anchored regexes)' \
    )
    _describe -t commands 'alertctl help alertmanager commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__alertmanager__subcmd__apply_commands] )) ||
_alertctl__subcmd__help__subcmd__alertmanager__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help alertmanager apply commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__alertmanager__subcmd__diff_commands] )) ||
_alertctl__subcmd__help__subcmd__alertmanager__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help alertmanager diff commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__alertmanager__subcmd__render_commands] )) ||
_alertctl__subcmd__help__subcmd__alertmanager__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help alertmanager render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__alertmanager__subcmd__routes-test_commands] )) ||
_alertctl__subcmd__help__subcmd__alertmanager__subcmd__routes-test_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help alertmanager routes-test commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__apply_commands] )) ||
_alertctl__subcmd__help__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help apply commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__check_commands] )) ||
_alertctl__subcmd__help__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help check commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__completions_commands] )) ||
_alertctl__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help completions commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__diff_commands] )) ||
_alertctl__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help diff commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__effective_commands] )) ||
_alertctl__subcmd__help__subcmd__effective_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help effective commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__help_commands] )) ||
_alertctl__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__history_commands] )) ||
_alertctl__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help history commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__impact_commands] )) ||
_alertctl__subcmd__help__subcmd__impact_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help impact commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__import_commands] )) ||
_alertctl__subcmd__help__subcmd__import_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help import commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__init_commands] )) ||
_alertctl__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help init commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__list_commands] )) ||
_alertctl__subcmd__help__subcmd__list_commands() {
    local commands; commands=(
'templates:Templates, optionally only those of one default severity' \
'rules:Rules. Filters combine (AND)' \
'targets:Inventory targets' \
    )
    _describe -t commands 'alertctl help list commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__list__subcmd__rules_commands] )) ||
_alertctl__subcmd__help__subcmd__list__subcmd__rules_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help list rules commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__list__subcmd__targets_commands] )) ||
_alertctl__subcmd__help__subcmd__list__subcmd__targets_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help list targets commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__list__subcmd__templates_commands] )) ||
_alertctl__subcmd__help__subcmd__list__subcmd__templates_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help list templates commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__render_commands] )) ||
_alertctl__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rollback_commands] )) ||
_alertctl__subcmd__help__subcmd__rollback_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help rollback commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rule_commands] )) ||
_alertctl__subcmd__help__subcmd__rule_commands() {
    local commands; commands=(
'new:Write a new rule that copies the template'\''s defaults, ready to edit' \
'disable:Suspend rules, the soft delete (\`suspended\: true\`)\: they stay in the repository and resolution ignores them. To switch an alert off for a scope, write \`enabled\: false\`' \
'enable:Resume suspended rules' \
'purge:Delete suspended rules (and files left with no rule). Changes no effective alert' \
    )
    _describe -t commands 'alertctl help rule commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rule__subcmd__disable_commands] )) ||
_alertctl__subcmd__help__subcmd__rule__subcmd__disable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help rule disable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rule__subcmd__enable_commands] )) ||
_alertctl__subcmd__help__subcmd__rule__subcmd__enable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help rule enable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rule__subcmd__new_commands] )) ||
_alertctl__subcmd__help__subcmd__rule__subcmd__new_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help rule new commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__rule__subcmd__purge_commands] )) ||
_alertctl__subcmd__help__subcmd__rule__subcmd__purge_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help rule purge commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__serve_commands] )) ||
_alertctl__subcmd__help__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help serve commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__test_commands] )) ||
_alertctl__subcmd__help__subcmd__test_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help test commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__trace_commands] )) ||
_alertctl__subcmd__help__subcmd__trace_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help trace commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__validate_commands] )) ||
_alertctl__subcmd__help__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help validate commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__watch_commands] )) ||
_alertctl__subcmd__help__subcmd__watch_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help watch commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__history_commands] )) ||
_alertctl__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl history commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__impact_commands] )) ||
_alertctl__subcmd__impact_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl impact commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__import_commands] )) ||
_alertctl__subcmd__import_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl import commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__init_commands] )) ||
_alertctl__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl init commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list_commands] )) ||
_alertctl__subcmd__list_commands() {
    local commands; commands=(
'templates:Templates, optionally only those of one default severity' \
'rules:Rules. Filters combine (AND)' \
'targets:Inventory targets' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl list commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__help_commands] )) ||
_alertctl__subcmd__list__subcmd__help_commands() {
    local commands; commands=(
'templates:Templates, optionally only those of one default severity' \
'rules:Rules. Filters combine (AND)' \
'targets:Inventory targets' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl list help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__help__subcmd__help_commands] )) ||
_alertctl__subcmd__list__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list help help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__help__subcmd__rules_commands] )) ||
_alertctl__subcmd__list__subcmd__help__subcmd__rules_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list help rules commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__help__subcmd__targets_commands] )) ||
_alertctl__subcmd__list__subcmd__help__subcmd__targets_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list help targets commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__help__subcmd__templates_commands] )) ||
_alertctl__subcmd__list__subcmd__help__subcmd__templates_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list help templates commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__rules_commands] )) ||
_alertctl__subcmd__list__subcmd__rules_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list rules commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__targets_commands] )) ||
_alertctl__subcmd__list__subcmd__targets_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list targets commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__list__subcmd__templates_commands] )) ||
_alertctl__subcmd__list__subcmd__templates_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl list templates commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__render_commands] )) ||
_alertctl__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rollback_commands] )) ||
_alertctl__subcmd__rollback_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rollback commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule_commands] )) ||
_alertctl__subcmd__rule_commands() {
    local commands; commands=(
'new:Write a new rule that copies the template'\''s defaults, ready to edit' \
'disable:Suspend rules, the soft delete (\`suspended\: true\`)\: they stay in the repository and resolution ignores them. To switch an alert off for a scope, write \`enabled\: false\`' \
'enable:Resume suspended rules' \
'purge:Delete suspended rules (and files left with no rule). Changes no effective alert' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl rule commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__disable_commands] )) ||
_alertctl__subcmd__rule__subcmd__disable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule disable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__enable_commands] )) ||
_alertctl__subcmd__rule__subcmd__enable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule enable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help_commands] )) ||
_alertctl__subcmd__rule__subcmd__help_commands() {
    local commands; commands=(
'new:Write a new rule that copies the template'\''s defaults, ready to edit' \
'disable:Suspend rules, the soft delete (\`suspended\: true\`)\: they stay in the repository and resolution ignores them. To switch an alert off for a scope, write \`enabled\: false\`' \
'enable:Resume suspended rules' \
'purge:Delete suspended rules (and files left with no rule). Changes no effective alert' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl rule help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help__subcmd__disable_commands] )) ||
_alertctl__subcmd__rule__subcmd__help__subcmd__disable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule help disable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help__subcmd__enable_commands] )) ||
_alertctl__subcmd__rule__subcmd__help__subcmd__enable_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule help enable commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help__subcmd__help_commands] )) ||
_alertctl__subcmd__rule__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule help help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help__subcmd__new_commands] )) ||
_alertctl__subcmd__rule__subcmd__help__subcmd__new_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule help new commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__help__subcmd__purge_commands] )) ||
_alertctl__subcmd__rule__subcmd__help__subcmd__purge_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule help purge commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__new_commands] )) ||
_alertctl__subcmd__rule__subcmd__new_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule new commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__rule__subcmd__purge_commands] )) ||
_alertctl__subcmd__rule__subcmd__purge_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl rule purge commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__serve_commands] )) ||
_alertctl__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl serve commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__test_commands] )) ||
_alertctl__subcmd__test_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl test commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__trace_commands] )) ||
_alertctl__subcmd__trace_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl trace commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__validate_commands] )) ||
_alertctl__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl validate commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__watch_commands] )) ||
_alertctl__subcmd__watch_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl watch commands' commands "$@"
}

if [ "$funcstack[1]" = "_alertctl" ]; then
    _alertctl "$@"
else
    compdef _alertctl alertctl
fi
