//! Arbeidsflate's built-in sandbox: loopback simulators of HelseID and a municipal
//! FHIR R4 platform, filled with a deterministic synthetic world of Norwegian
//! patients. Used by the app (when no deployment profile is given), by the CLI
//! (`arbeidsflate sandbox`), and by the tests.

mod api_guard;
pub mod bad_records;
mod catalog;
pub mod cds_auth;
pub mod cds_rules;
pub mod cds_service;
mod document_content;
pub mod fastlegeregisteret;
pub mod faults;
pub mod fhir_server;
pub mod fhir_store;
pub mod fhir_write;
pub mod idp;
mod keys;
pub mod kjernejournal;
mod nhn_headers;
pub mod persontjenesten;
pub mod pjd;
pub mod proof_check;
mod rng;
pub mod sample_app;
pub mod sfm;
pub mod world;

use axum::Router;
use clock::SharedClock;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::PoisonError;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use idp::TokenLifetimes;
pub use world::{SandboxClinician, WorldOptions};

/// The HelseID audience (resource indicator) and scope of the sandbox's municipal platform.
pub const MUNICIPAL_AUDIENCE: &str = "sandbox:municipal-fhir";
pub const MUNICIPAL_SCOPE: &str = "sandbox:municipal-fhir/api";
/// The client id the sandbox's HelseID knows the app by.
pub const CLIENT_ID: &str = "arbeidsflate-sandbox";

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port of the IdP; the FHIR platform takes the next one. 0 = ephemeral ports.
    pub port: u16,
    /// Delay added to every response, to imitate a real network.
    pub latency_ms: u64,
    pub world: WorldOptions,
    pub lifetimes: TokenLifetimes,
    /// Demand DPoP nonces from the start (HelseID can; tests switch it on and off).
    pub require_dpop_nonce: bool,
    /// Services that start in a fault (`arbeidsflate sandbox --fault SERVICE=FAULT`).
    pub faults: Vec<(faults::Service, faults::Fault)>,
    /// The platform's resource types that start in a fault (`--fault fhir/TYPE=FAULT`).
    pub search_faults: Vec<(String, faults::Fault)>,
    /// Records the platform gets wrong, added to its world (`--bad-record KIND`).
    pub bad_records: Vec<bad_records::BadRecord>,
    /// The sandbox's time: the day its world is made for, token lifetimes, the stamps
    /// of writes. A test gives a fixed clock to run the sandbox on any day of the year.
    pub clock: SharedClock,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            port: 0,
            latency_ms: 0,
            world: WorldOptions::default(),
            lifetimes: TokenLifetimes::default(),
            require_dpop_nonce: false,
            faults: Vec::new(),
            search_faults: Vec::new(),
            bad_records: Vec::new(),
            clock: clock::system(),
        }
    }
}

impl SandboxOptions {
    /// The sandbox on another day: its clock starts at `at` and runs on from there.
    pub fn at(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self { clock: clock::TickingClock::shared(at), ..Self::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("could not bind a loopback port: {0}")]
    Bind(#[from] std::io::Error),
}

/// A running sandbox. Dropping it stops the servers.
/// One simulated national service: where it is and what HelseID calls it.
pub struct NationalEndpoint {
    pub service: &'static str,
    pub base_url: String,
    pub audience: &'static str,
    pub scope: String,
}

pub struct Sandbox {
    pub idp_url: String,
    pub fhir_url: String,
    /// Kjernejournal's critical information API base (`…/api/critical-information/v1`).
    pub kj_url: String,
    /// Persontjenesten's base URL (`…/api/{legal-basis|no-legal-basis}/person/get-by-nin` below it).
    pub person_url: String,
    /// SFM Basis API (`…/Patient/$getMedication` below it).
    pub sfm_url: String,
    /// Document sharing (MHD): ITI-67 and ITI-68 below it.
    pub pjd_url: String,
    /// The sample SMART app's origin ([`sample_app`]).
    pub sample_app_url: String,
    /// The CDS Hooks decision-support service's base URL ([`cds_service`]): discovery at
    /// `{cds_url}/cds-services`.
    pub cds_url: String,
    /// Fastlegeregisteret's SOAP 1.2 endpoint (`…/v2/flr`); its service user is
    /// [`fastlegeregisteret::SERVICE_USER`].
    pub gp_register_url: String,
    pub clinicians: Vec<SandboxClinician>,
    pub resource_count: usize,
    /// The Norwegian day its world was made for.
    pub today: chrono::NaiveDate,
    /// Its clock: clients of a sandbox on another day must keep the same time.
    pub clock: SharedClock,
    stop: watch::Sender<bool>,
    idp: Arc<idp::IdpState>,
    fhir: Arc<fhir_server::FhirState>,
    kj: Arc<kjernejournal::KjState>,
    person: Arc<persontjenesten::PersonState>,
    sfm: Arc<sfm::SfmState>,
    pjd: Arc<pjd::PjdState>,
    cds: Arc<cds_service::CdsState>,
    flr: Arc<fastlegeregisteret::FlrState>,
    switches: std::collections::HashMap<faults::Service, faults::FaultSwitch>,
    search_faults: faults::SearchFaults,
}

impl Sandbox {
    /// Generates the world and starts both servers on loopback.
    pub async fn start(options: SandboxOptions) -> Result<Self, SandboxError> {
        let clock = options.clock.clone();
        let world = world::generate(options.world.clone(), clock::clinical_day(clock.now()));
        let idp_listener = bind(options.port, 0).await?;
        let fhir_listener = bind(options.port, 1).await?;
        let idp_url = format!("http://{}", idp_listener.local_addr()?);
        let kj_listener = bind(options.port, 2).await?;
        let kj_base = format!("http://{}", kj_listener.local_addr()?);
        let kj_url = format!("{kj_base}{}", kjernejournal::BASE_PATH);
        let person_listener = bind(options.port, 3).await?;
        let person_url = format!("http://{}", person_listener.local_addr()?);
        let sfm_listener = bind(options.port, 4).await?;
        let sfm_origin = format!("http://{}", sfm_listener.local_addr()?);
        let sfm_url = format!("{sfm_origin}/api/sfm");
        let pjd_listener = bind(options.port, 5).await?;
        let pjd_url = format!("http://{}", pjd_listener.local_addr()?);
        let sample_app_listener = bind(options.port, 6).await?;
        let sample_app_url = format!("http://{}", sample_app_listener.local_addr()?);
        let cds_listener = bind(options.port, 7).await?;
        let cds_url = format!("http://{}", cds_listener.local_addr()?);
        let flr_listener = bind(options.port, 8).await?;
        let gp_register_url = format!("http://{}{}", flr_listener.local_addr()?, fastlegeregisteret::PATH);
        let fhir_base = format!("http://{}", fhir_listener.local_addr()?);
        let fhir_url = format!("{fhir_base}/fhir");

        // RSA key generation is the slowest part of start-up; run it off the async threads.
        let key = tokio::task::spawn_blocking(keys::SigningKey::generate).await.expect("key generation");
        let keys = Arc::new(keys::KeySet::new(key));
        let clinicians = world.clinicians.clone();
        let today = world.today;
        let idp = Arc::new(idp::IdpState::new(
            idp_url.clone(),
            keys.clone(),
            clinicians.clone(),
            options.lifetimes.clone(),
            clock.clone(),
        ));
        idp.require_dpop_nonce.store(options.require_dpop_nonce, Ordering::Relaxed);
        let kj_guard = api_guard::ApiGuard::new(
            kj_base,
            idp_url.clone(),
            kjernejournal::AUDIENCE,
            keys.clone(),
            clock.clone(),
            "kj",
        );
        let kj = Arc::new(kjernejournal::KjState {
            guard: kj_guard,
            records: kjernejournal::generate(&world.store, options.world.seed),
        });
        let person = Arc::new(persontjenesten::PersonState {
            guard: api_guard::ApiGuard::new(
                person_url.clone(),
                idp_url.clone(),
                persontjenesten::AUDIENCE,
                keys.clone(),
                clock.clone(),
                "person",
            ),
            persons: {
                let mut persons = persontjenesten::generate(&world.store);
                persons.extend(bad_records::register_only(&options.bad_records));
                persons
            },
        });
        let (lists, rf_failures) = sfm::generate(&world.store, options.world.seed);
        let sfm = Arc::new(sfm::SfmState {
            guard: api_guard::ApiGuard::new(
                sfm_origin,
                idp_url.clone(),
                sfm::AUDIENCE,
                keys.clone(),
                clock.clone(),
                "sfm",
            ),
            lists,
            rf_failures,
        });
        let flr = Arc::new(fastlegeregisteret::FlrState::new(&world.store, today));
        let pjd = Arc::new(pjd::PjdState {
            guard: api_guard::ApiGuard::new(
                pjd_url.clone(),
                idp_url.clone(),
                pjd::AUDIENCE,
                keys.clone(),
                clock.clone(),
                "pjd",
            ),
            patients: pjd::generate(&world.store, options.world.seed, &pjd_url, clock.now()),
        });
        let fhir_guard = api_guard::ApiGuard::new(
            fhir_base.clone(),
            idp_url.clone(),
            MUNICIPAL_AUDIENCE,
            keys,
            clock.clone(),
            "fhir",
        );
        fhir_guard.require_dpop_nonce.store(options.require_dpop_nonce, Ordering::Relaxed);
        // The platform's own mistakes: the national registers never heard of these records.
        let mut store = world.store;
        bad_records::add(&mut store, &options.bad_records, today);
        let resource_count = store.count();
        let fhir = Arc::new(fhir_server::FhirState {
            base_url: fhir_url.clone(),
            guard: fhir_guard,
            store: RwLock::new(store),
        });

        let cds = Arc::new(cds_service::CdsState::new(cds_url.clone(), sample_app_url.clone(), clock.clone()));

        let (stop, stopped) = watch::channel(false);
        let latency = Duration::from_millis(options.latency_ms);
        use faults::Service;
        let switches: std::collections::HashMap<Service, faults::FaultSwitch> = Service::ALL
            .into_iter()
            .map(|service| {
                let initial = options.faults.iter().find(|(s, _)| *s == service).map(|(_, f)| *f);
                (service, Arc::new(std::sync::RwLock::new(initial)))
            })
            .collect();
        let faulty = |router: Router, service: Service| faults::with_faults(router, switches[&service].clone());
        let idp_router = faulty(idp::router(idp.clone()), Service::HelseId);
        serve(idp_listener, with_latency(idp_router, latency), stopped.clone());
        let search_faults: faults::SearchFaults =
            Arc::new(RwLock::new(options.search_faults.iter().cloned().collect()));
        let fhir_router = faults::with_search_faults(fhir_server::router(fhir.clone()), search_faults.clone());
        let fhir_router = faulty(fhir_router, Service::Fhir);
        serve(fhir_listener, with_latency(fhir_router, latency), stopped.clone());
        let kj_router = faulty(kjernejournal::router(kj.clone()), Service::Kjernejournal);
        serve(kj_listener, with_latency(kj_router, latency), stopped.clone());
        let person_router = faulty(persontjenesten::router(person.clone()), Service::Person);
        serve(person_listener, with_latency(person_router, latency), stopped.clone());
        let sfm_router = faulty(sfm::router(sfm.clone()), Service::MedicationList);
        serve(sfm_listener, with_latency(sfm_router, latency), stopped.clone());
        let pjd_router = faulty(pjd::router(pjd.clone()), Service::Documents);
        serve(pjd_listener, with_latency(pjd_router, latency), stopped.clone());
        let cds_router = faulty(cds_service::router(cds.clone()), Service::Cds);
        serve(cds_listener, with_latency(cds_router, latency), stopped.clone());
        let flr_router = faulty(fastlegeregisteret::router(flr.clone()), Service::GpRegister);
        serve(flr_listener, with_latency(flr_router, latency), stopped.clone());
        serve(sample_app_listener, sample_app::router(), stopped);
        tracing::info!(idp = %idp_url, fhir = %fhir_url, resources = resource_count, "sandbox started");
        Ok(Self {
            idp_url,
            fhir_url,
            kj_url,
            person_url,
            sfm_url,
            pjd_url,
            sample_app_url,
            cds_url,
            gp_register_url,
            clinicians,
            resource_count,
            today,
            clock,
            stop,
            idp,
            fhir,
            kj,
            person,
            sfm,
            pjd,
            cds,
            flr,
            switches,
            search_faults,
        })
    }

    /// Switches a service into a fault, or back to normal with `None`.
    pub fn set_fault(&self, service: faults::Service, fault: Option<faults::Fault>) {
        *self.switches[&service].write().unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// Switches every read and search of one of the platform's resource types into a
    /// fault, or back to normal with `None`.
    pub fn set_search_fault(&self, rtype: &str, fault: Option<faults::Fault>) {
        let mut faults = self.search_faults.write().unwrap_or_else(PoisonError::into_inner);
        match fault {
            Some(f) => faults.insert(rtype.to_string(), f),
            None => faults.remove(rtype),
        };
    }

    /// Demands DPoP nonces at the token endpoint and the FHIR platform (or stops).
    pub fn require_dpop_nonce(&self, on: bool) {
        self.idp.require_dpop_nonce.store(on, Ordering::Relaxed);
        self.fhir.guard.require_dpop_nonce.store(on, Ordering::Relaxed);
        self.kj.guard.require_dpop_nonce.store(on, Ordering::Relaxed);
        self.person.guard.require_dpop_nonce.store(on, Ordering::Relaxed);
        self.sfm.guard.require_dpop_nonce.store(on, Ordering::Relaxed);
        self.pjd.guard.require_dpop_nonce.store(on, Ordering::Relaxed);
    }

    /// Issues new DPoP nonces: proofs with the old ones get `use_dpop_nonce`.
    pub fn rotate_dpop_nonces(&self) {
        self.idp.rotate_dpop_nonce();
        self.fhir.guard.rotate_nonce();
        self.kj.guard.rotate_nonce();
        self.person.guard.rotate_nonce();
        self.sfm.guard.rotate_nonce();
        self.pjd.guard.rotate_nonce();
    }

    /// Rotates the IdP's signing key; `keep_old` keeps the previous key in the jwks.
    pub fn rotate_signing_key(&self, keep_old: bool) {
        self.idp.keys.rotate(keep_old);
    }

    /// How many times the IdP saw a spent refresh token again (each revoked its session).
    pub fn refresh_reuses(&self) -> usize {
        self.idp.refresh_reuses()
    }

    /// How many tokens the IdP issued (sign-ins and refreshes).
    pub fn tokens_issued(&self) -> usize {
        self.idp.tokens_issued()
    }

    /// Revokes every refresh token, as an administrator ending all sessions would.
    pub fn revoke_all_sessions(&self) {
        self.idp.revoke_all();
    }

    /// Kjernejournal's record for a synthetic patient (for tests choosing patients).
    pub fn kjernejournal_record(&self, nin: &str) -> Option<kjernejournal::KjRecord> {
        self.kj.records.get(nin).cloned()
    }

    /// The national services it simulates, named as a deployment profile's
    /// `[national.*]` sections name them.
    pub fn national_endpoints(&self) -> Vec<NationalEndpoint> {
        let endpoint = |service, base_url: &str, audience, scope: String| NationalEndpoint {
            service,
            base_url: base_url.to_string(),
            audience,
            scope,
        };
        vec![
            endpoint("kjernejournal", &self.kj_url, kjernejournal::AUDIENCE, kjernejournal::SCOPE.into()),
            endpoint("medication_list", &self.sfm_url, sfm::AUDIENCE, sfm::SCOPE.into()),
            endpoint("documents", &self.pjd_url, pjd::AUDIENCE, pjd::SCOPES.join(" ")),
            endpoint("person", &self.person_url, persontjenesten::AUDIENCE, persontjenesten::SCOPE.into()),
        ]
    }

    /// The national identity numbers of every synthetic patient, in order.
    pub fn patient_nins(&self) -> Vec<String> {
        self.person.persons.keys().cloned().collect()
    }

    /// Persontjenesten's record for a synthetic person.
    pub fn person_record(&self, nin: &str) -> Option<serde_json::Value> {
        self.person.persons.get(nin).cloned()
    }

    /// SFM's medication list for a synthetic patient, and whether Reseptformidleren fails for them.
    pub fn sfm_list(&self, nin: &str) -> (Vec<serde_json::Value>, bool) {
        (self.sfm.lists.get(nin).cloned().unwrap_or_default(), self.sfm.rf_failures.iter().any(|f| f == nin))
    }

    /// The shared documents of a synthetic patient.
    pub fn pjd_documents(&self, nin: &str) -> pjd::PatientDocuments {
        self.pjd.patients.get(nin).cloned().unwrap_or_default()
    }

    /// Every resource on the FHIR platform, as it stands (for loading them into another server).
    pub fn fhir_resources(&self) -> Vec<serde_json::Value> {
        self.fhir.store.read().unwrap_or_else(PoisonError::into_inner).resources().cloned().collect()
    }

    /// Changes a resource on the platform as another user would (a new version), for
    /// showing what a conflicting edit looks like. False when there is no such resource.
    pub fn edit_resource(&self, rtype: &str, id: &str, edit: impl FnOnce(&mut serde_json::Value)) -> bool {
        let mut store = self.fhir.store.write().unwrap_or_else(PoisonError::into_inner);
        let Some(mut r) = store.get(rtype, id).cloned() else { return false };
        edit(&mut r);
        fhir_write::update(&mut store, rtype, id, r, None, &fhir_write::last_updated(self.fhir.guard.now())).is_ok()
    }

    /// Adds a resource to the platform as another system writing to it would (tests
    /// use it for what the generated world never holds, such as a future-dated reading).
    pub fn add_resource(&self, resource: serde_json::Value) {
        self.fhir.store.write().unwrap_or_else(PoisonError::into_inner).insert(resource);
    }

    /// Requests Kjernejournal has served (authorised or not).
    pub fn kjernejournal_requests(&self) -> u64 {
        self.kj.guard.requests.load(Ordering::Relaxed)
    }

    /// Requests the FHIR platform has served (authorised or not).
    pub fn fhir_requests(&self) -> u64 {
        self.fhir.guard.requests.load(Ordering::Relaxed)
    }

    /// Hook calls the CDS service has received (authorised or not).
    pub fn cds_hook_calls(&self) -> u64 {
        self.cds.hook_calls()
    }

    /// The feedback entries the CDS service has accepted, as the client sent them.
    pub fn cds_feedback(&self) -> Vec<serde_json::Value> {
        self.cds.feedback()
    }

    /// What kind of answer the GP register gives for a synthetic patient (`None`: not a patient).
    pub fn gp_case(&self, nin: &str) -> Option<fastlegeregisteret::GpCase> {
        self.flr.case(nin)
    }

    /// Lookups the GP register has answered (found or not), and requests it refused for
    /// their credentials.
    pub fn gp_register_requests(&self) -> (u64, u64) {
        (self.flr.lookups(), self.flr.refused_logins())
    }

    /// Stops both servers.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Services sit on consecutive ports from `base` (each ephemeral when `base` is 0).
async fn bind(base: u16, offset: u16) -> std::io::Result<TcpListener> {
    let port = if base == 0 { 0 } else { base + offset };
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await
}

fn with_latency(router: Router, latency: Duration) -> Router {
    if latency.is_zero() {
        return router;
    }
    router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| async move {
        tokio::time::sleep(latency).await;
        next.run(req).await
    }))
}

fn serve(listener: TcpListener, router: Router, mut stopped: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        let shutdown = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "sandbox server failed");
        }
    });
}
