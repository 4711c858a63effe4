use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

pub fn run(shell: clap_complete::Shell) -> miette::Result<Exit> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "alertctl",
        &mut std::io::stdout(),
    );
    Ok(Exit::Ok)
}
