//! Arbeidsflate's binary. With no subcommand it is the desktop app; the
//! subcommands are its headless faces (sandbox, doctor, patient, worklist, users, update).

#![cfg_attr(all(not(debug_assertions), target_os = "windows"), windows_subsystem = "windows")]

mod desktop;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "arbeidsflate",
    version,
    about = "Arbeidsflate – clinician workspace for municipal health and care services"
)]
struct Args {
    #[command(flatten)]
    app: arbeidsflate_cli::AppArgs,
    #[command(subcommand)]
    command: Option<Face>,
}

#[derive(Subcommand, Debug)]
enum Face {
    /// Check the profile's update feed now, as the app does: download the update for this
    /// machine and verify its signature against the built-in key. With `--install`, install
    /// it (only a copy installed from a package is replaced).
    Update {
        #[arg(long)]
        install: bool,
        #[arg(long)]
        json: bool,
    },
    /// The faces that need no Tauri.
    #[command(flatten)]
    Headless(arbeidsflate_cli::Command),
}

fn main() {
    let args = Args::parse();
    let _log = arbeidsflate_cli::logging::init(args.command.is_none());
    let code = match args.command {
        None => desktop::run(args.app),
        Some(Face::Update { install, json }) => desktop::updates::headless::run(args.app, install, json),
        Some(Face::Headless(command)) => arbeidsflate_cli::run(command, args.app),
    };
    std::process::exit(code);
}
