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
github\:"GitHub Actions workflow commands (\`\:\:error file=..,line=..\:\:\`)"))' \
'--promtool=[Override \`validate.promtool\` from alertctl.toml]:PROMTOOL:(auto required off)' \
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
(render)
_arguments "${_arguments_options[@]}" : \
'(--stdout)--out=[Output directory (default\: \`output.dir\` from alertctl.toml)]:DIR:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--stdout[Print every file to stdout instead of writing]' \
'--no-cache[Ignore the SQLite cache and parse every file]' \
'-v[Print what was loaded, parsed and reused on stderr]' \
'--verbose[Print what was loaded, parsed and reused on stderr]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'--out=[Output directory to compare with (default\: \`output.dir\`)]:DIR:_files' \
'-C+[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--dir=[The rules directory (default\: the nearest directory with alertctl.toml at or above the current one)]:DIR:_files' \
'--color=[Colour output; \`auto\` honours NO_COLOR and whether the output is a terminal]:COLOR:(auto always never)' \
'--exit-code[Exit 1 when there are differences]' \
'--stat[Only the summary, no diff]' \
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
(render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
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
'render:Write the Prometheus rule files (only files whose content changed are written)' \
'diff:Show how the output directory would change\: unified diff and a summary' \
'completions:Print shell completions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl commands' commands "$@"
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
(( $+functions[_alertctl__subcmd__help_commands] )) ||
_alertctl__subcmd__help_commands() {
    local commands; commands=(
'init:Create a working rules directory (settings, inventory, templates, rules)' \
'validate:Check everything and report every problem with its location. Exit 2 if invalid' \
'render:Write the Prometheus rule files (only files whose content changed are written)' \
'diff:Show how the output directory would change\: unified diff and a summary' \
'completions:Print shell completions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'alertctl help commands' commands "$@"
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
(( $+functions[_alertctl__subcmd__help__subcmd__help_commands] )) ||
_alertctl__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help help commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__init_commands] )) ||
_alertctl__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help init commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__render_commands] )) ||
_alertctl__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__help__subcmd__validate_commands] )) ||
_alertctl__subcmd__help__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl help validate commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__init_commands] )) ||
_alertctl__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl init commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__render_commands] )) ||
_alertctl__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl render commands' commands "$@"
}
(( $+functions[_alertctl__subcmd__validate_commands] )) ||
_alertctl__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'alertctl validate commands' commands "$@"
}

if [ "$funcstack[1]" = "_alertctl" ]; then
    _alertctl "$@"
else
    compdef _alertctl alertctl
fi
