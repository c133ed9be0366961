//! Arbeidsflate's command line: argument parsing and the headless faces of the app,
//! free of Tauri and WebKit so they build and test anywhere. It also holds what the
//! desktop shell shares with them: the run's environment and logging.

mod apps;
mod decision_support;
pub mod environment;
mod gp_register;
pub mod logging;
mod offline;
mod output;
mod view;
mod writes;

use clap::Subcommand;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct AppArgs {
    /// Deployment profile (TOML). Without one, the built-in sandbox runs on loopback.
    #[arg(long, global = true, env = "ARBEIDSFLATE_PROFILE")]
    pub profile: Option<PathBuf>,
    /// Where per-user data is kept (default: the OS data directory).
    #[arg(long, global = true, env = "ARBEIDSFLATE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// How the sign-in page is opened: `system` (the default browser) or
    /// `file:PATH` (the URL is written to PATH; for tests standing in for a browser).
    #[arg(long, global = true, env = "ARBEIDSFLATE_OPEN_URL_WITH", default_value = "system")]
    pub open_url_with: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the built-in sandbox (HelseID and a municipal FHIR platform) until stopped.
    Sandbox {
        /// Port of the IdP; the FHIR platform takes the next one. Default: ephemeral ports.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Delay added to every response, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Multiplies the number of patients (for benchmarks).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Seed of the synthetic world.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// How many days back each patient's vital signs reach (for benchmarks).
        #[arg(long, default_value_t = 182)]
        history_days: u32,
        /// Write a deployment profile pointing at this sandbox.
        #[arg(long)]
        write_profile: Option<PathBuf>,
        /// Demand DPoP nonces at the token endpoint and the APIs, as HelseID can.
        #[arg(long)]
        dpop_nonce: bool,
        /// Start a service in a fault: SERVICE=FAULT with SERVICE one of helseid, fhir,
        /// kjernejournal, medication_list, documents, person, cds, gp_register, or fhir/TYPE for one of the
        /// platform's resource types (fhir/Condition), and FAULT one of slow:MS, 500,
        /// malformed, truncated, disconnected (no network), drop-answer (handled, then the
        /// connection drops), trickle (a byte every 2 s), loop-next, huge (50 MB) or deep.
        #[arg(long, value_parser = sandbox::faults::parse_assignment)]
        fault: Vec<(sandbox::faults::FaultTarget, sandbox::faults::Fault)>,
        /// Add a record the platform gets wrong to ward Solsikken: nameless,
        /// impossible-birth-date, missing-patient, script, identity-mismatch or textless
        /// (repeatable).
        #[arg(long)]
        bad_record: Vec<sandbox::bad_records::BadRecord>,
    },
    /// Check the profile, endpoints, TLS, clock skew, the OS keyring and the data directory.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user and print a worklist patient's view from every source, as
    /// the window opens it (the access is logged); anyone else: `view --basis`.
    Patient {
        /// The patient's national identity number.
        nin: String,
        /// The synthetic clinician's pid (default: the first nursing-home nurse).
        #[arg(long)]
        user: Option<String>,
        /// Read only the offline cache (prepared with `sync`): nothing is started or
        /// asked on the network; needs `--user`.
        #[arg(long)]
        offline: bool,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user and prepare their worklist for offline use, as the app
    /// does at sign-in: counts, bytes and timings per source.
    Sync {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The access log of a test user's cache.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Sign in as a test user and open a patient from every source, as the window does:
    /// the parts are printed as the sources answer.
    View {
        /// The patient's national identity number.
        nin: String,
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        access: AccessArgs,
        /// First prepare the worklist patient as the window does for the row in focus
        /// (HelseID's tokens fetched ahead; said with its time), then open.
        #[arg(long)]
        prepare: bool,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user and record a set of vital signs for a worklist patient,
    /// through the outbox as the window does.
    Vitals {
        /// The patient's national identity number.
        nin: String,
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        values: VitalsArgs,
        /// Keep the write in the outbox, as if recorded with no network (send it with
        /// `outbox --send`).
        #[arg(long)]
        hold: bool,
        #[arg(long)]
        json: bool,
    },
    /// A test user's outbox: the writes that wait, why, and how often they were tried.
    Outbox {
        #[arg(long)]
        user: Option<String>,
        /// Send what waits first, in order, as the app does when the network is back.
        #[arg(long)]
        send: bool,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user and print their worklist.
    Worklist {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user and list the apps the profile's catalogue shows to their role.
    Apps {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Sign in as a test user, open the patient as `view` does, launch a catalogue app
    /// for them (SMART EHR launch) and serve its FHIR endpoint until stopped.
    Launch {
        /// The app's id in the catalogue.
        app: String,
        /// The patient's national identity number.
        nin: String,
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        access: AccessArgs,
        /// Print the launch URL as the first line instead of opening the browser.
        #[arg(long)]
        print_url: bool,
    },
    /// List the decision-support services (CDS Hooks) the profile names and what each
    /// one's discovery offers; `--jwks` prints the public key to register with them.
    Cds {
        #[arg(long)]
        jwks: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fastlegeregisteret's service user, for IT.
    GpRegister {
        #[command(subcommand)]
        action: GpRegisterAction,
    },
    /// List the sandbox's synthetic clinicians.
    Users {
        #[arg(long)]
        json: bool,
    },
}

/// The measurements of `vitals`, each optional (at least one is needed).
/// The access to a patient off the worklist, as `view` and `launch` take it.
#[derive(clap::Args, Debug)]
pub struct AccessArgs {
    /// The access basis for a patient off the worklist: unntak, samtykke, akutt,
    /// forhoyet_samtykke or forhoyet_akutt.
    #[arg(long, value_parser = view::parse_basis)]
    basis: Option<arbeidsflate_model::access::AccessBasis>,
    /// The written reason emergency access needs.
    #[arg(long)]
    reason: Option<String>,
}

impl AccessArgs {
    fn request(self) -> Option<arbeidsflate_model::overview::AccessRequest> {
        let reason = self.reason;
        self.basis.map(|basis| arbeidsflate_model::overview::AccessRequest { basis, reason })
    }
}

#[derive(clap::Args, Debug)]
pub struct VitalsArgs {
    #[arg(long)]
    respiratory_rate: Option<f64>,
    #[arg(long)]
    spo2: Option<f64>,
    #[arg(long)]
    systolic: Option<f64>,
    #[arg(long)]
    diastolic: Option<f64>,
    #[arg(long)]
    pulse: Option<f64>,
    #[arg(long)]
    temperature: Option<f64>,
}

impl From<VitalsArgs> for arbeidsflate_model::offline::VitalsEntry {
    fn from(v: VitalsArgs) -> Self {
        Self {
            respiratory_rate: v.respiratory_rate,
            spo2: v.spo2,
            systolic_bp: v.systolic,
            diastolic_bp: v.diastolic,
            pulse: v.pulse,
            temperature: v.temperature,
            consciousness: None,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum GpRegisterAction {
    /// Store the service user in the OS keyring entry the profile names; the password
    /// is read from standard input.
    Credentials {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check the access log's hash chain: an edited or removed entry is found. Reads
    /// the cache only (no network); needs `--user`.
    Verify {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command, app: AppArgs) -> i32 {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async move {
        match command {
            Command::Sandbox {
                port,
                latency_ms,
                scale,
                seed,
                history_days,
                write_profile,
                dpop_nonce,
                fault,
                bad_record,
            } => {
                let clock = match crate::environment::run_clock() {
                    Ok(clock) => clock,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return 2;
                    }
                };
                use sandbox::faults::FaultTarget;
                let options = sandbox::SandboxOptions {
                    port,
                    latency_ms,
                    world: sandbox::WorldOptions { seed, scale, history_days },
                    require_dpop_nonce: dpop_nonce,
                    faults: fault
                        .iter()
                        .filter_map(|(t, f)| match t {
                            FaultTarget::Service(s) => Some((*s, *f)),
                            FaultTarget::Search(_) => None,
                        })
                        .collect(),
                    search_faults: fault
                        .iter()
                        .filter_map(|(t, f)| match t {
                            FaultTarget::Search(rtype) => Some((rtype.clone(), *f)),
                            FaultTarget::Service(_) => None,
                        })
                        .collect(),
                    bad_records: bad_record,
                    clock,
                    ..Default::default()
                };
                crate::environment::serve_sandbox(options, write_profile).await
            }
            Command::Doctor { json } => output::doctor(&app, json).await,
            Command::Patient { nin, user, offline: true, json } => view::cached(&app, &nin, user, json),
            Command::Patient { nin, user, offline: false, json } => view::patient(&app, &nin, user, json).await,
            Command::Sync { user, json } => offline::sync(&app, user, json).await,
            Command::Audit { action: AuditAction::Verify { user, json } } => offline::verify(&app, user, json).await,
            Command::View { nin, user, access, prepare, json } => {
                view::view(&app, &nin, user, access.request(), prepare, json).await
            }
            Command::Vitals { nin, user, values, hold, json } => {
                writes::vitals(&app, &nin, user, values.into(), hold, json).await
            }
            Command::Outbox { user, send, json } => writes::outbox(&app, user, send, json).await,
            Command::Worklist { user, json } => output::worklist(&app, user, json).await,
            Command::Users { json } => output::users(&app, json).await,
            Command::Apps { user, json } => apps::list(&app, user, json).await,
            Command::GpRegister { action: GpRegisterAction::Credentials { username } } => {
                gp_register::store_credentials(&app, &username)
            }
            Command::Cds { jwks, json } => decision_support::list(&app, jwks, json).await,
            Command::Launch { app: app_id, nin, user, access, print_url } => {
                apps::launch(&app, &app_id, &nin, user, access.request(), print_url).await
            }
        }
    })
}
