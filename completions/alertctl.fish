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
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "render" -d 'Write the Prometheus rule files (only files whose content changed are written)'
complete -c alertctl -n "__fish_alertctl_needs_command" -f -a "diff" -d 'Show how the output directory would change: unified diff and a summary'
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
github\t'GitHub Actions workflow commands (`::error file=..,line=..::`)'"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l promtool -d 'Override `validate.promtool` from alertctl.toml' -r -f -a "auto\t''
required\t''
off\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l out -d 'Output directory (default: `output.dir` from alertctl.toml)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l stdout -d 'Print every file to stdout instead of writing'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand render" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l out -d 'Output directory to compare with (default: `output.dir`)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l exit-code -d 'Exit 1 when there are differences'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l stat -d 'Only the summary, no diff'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s C -l dir -d 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)' -r -F
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -l color -d 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -l no-cache -d 'Ignore the SQLite cache and parse every file'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s v -l verbose -d 'Print what was loaded, parsed and reused on stderr'
complete -c alertctl -n "__fish_alertctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "init" -d 'Create a working rules directory (settings, inventory, templates, rules)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "validate" -d 'Check everything and report every problem with its location. Exit 2 if invalid'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "render" -d 'Write the Prometheus rule files (only files whose content changed are written)'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "diff" -d 'Show how the output directory would change: unified diff and a summary'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "completions" -d 'Print shell completions'
complete -c alertctl -n "__fish_alertctl_using_subcommand help; and not __fish_seen_subcommand_from init validate render diff completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
