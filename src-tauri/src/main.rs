//! Arbeidsflate's binary. With no subcommand it is the desktop app; the
//! subcommands are its headless faces (sandbox, doctor, patient, worklist, users).

#![cfg_attr(all(not(debug_assertions), target_os = "windows"), windows_subsystem = "windows")]

mod desktop;

use clap::Parser;

fn main() {
    let args = arbeidsflate_cli::Args::parse();
    let _log = arbeidsflate_cli::logging::init(args.command.is_none());
    let code = match args.command {
        None => desktop::run(args.app),
        Some(command) => arbeidsflate_cli::run(command, args.app),
    };
    std::process::exit(code);
}
