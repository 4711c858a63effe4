//! The `alertctl` binary: parse arguments, run one command, map the outcome to an exit
//! code. All printing happens under this directory; the library never prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// Printing that never panics, for deploy paths: a closed pipe or terminal must not
/// abort an apply between writing files and reloading servers.
macro_rules! eline {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! oline {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

mod cli;
mod cmd;
mod exit;
mod help;
mod report;

use clap::Parser;

/// A run builds and drops millions of small strings and maps (glibc's malloc and free
/// were a quarter of a cold `validate`'s profile on the L estate); mimalloc takes about
/// a third off its CPU time at the same peak memory (docs/performance.md, round 3).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `alertctl ... | head` closes the pipe early: end quietly like other Unix tools
    // instead of panicking with a backtrace.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
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
