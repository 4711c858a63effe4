//! The `alertctl` binary: parse arguments, run one command, map the outcome to an exit
//! code. All printing happens under this directory; the library never prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod cmd;
mod exit;
mod report;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", e);
            exit::Exit::Failure
        }
    };
    std::process::exit(code as i32);
}
