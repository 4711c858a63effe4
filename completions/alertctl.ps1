
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
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write the Prometheus rule files (only files whose content changed are written)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how the output directory would change: unified diff and a summary')
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
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'alertctl;render' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory (default: `output.dir` from alertctl.toml)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print every file to stdout instead of writing')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the SQLite cache and parse every file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what was loaded, parsed and reused on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'alertctl;diff' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Output directory to compare with (default: `output.dir`)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The rules directory (default: the nearest directory with alertctl.toml at or above the current one)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour output; `auto` honours NO_COLOR and whether the output is a terminal')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when there are differences')
            [CompletionResult]::new('--stat', '--stat', [CompletionResultType]::ParameterName, 'Only the summary, no diff')
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
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Write the Prometheus rule files (only files whose content changed are written)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how the output directory would change: unified diff and a summary')
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
        'alertctl;help;render' {
            break
        }
        'alertctl;help;diff' {
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
