//! Kjernejournal's status for the worklist's patients, asked in the background while
//! the worklist loads, so opening one of them needs one round trip there instead of two.

use super::{SessionAuthorizer, SignedIn, Workspace};
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::NationalId;
use sources::kjernejournal::{KjStatus, Kjernejournal};
use std::sync::Arc;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

/// How long a prefetched Kjernejournal status stands in for asking again.
const CRITICAL_STATUS_FRESH: Duration = Duration::from_secs(300);
/// Status lookups in flight at once while the worklist loads.
const CRITICAL_STATUS_CONCURRENCY: usize = 4;

impl Workspace {
    /// Asks Kjernejournal's status for the worklist's patients in the background (the
    /// status call is not audit-logged and exists to be asked first). Patients whose
    /// status is fresh are skipped.
    pub(super) async fn prefetch_critical_status(&self, s: &Arc<SignedIn>) {
        let (Some(settings), Ok(helseid)) = (self.profile.national.kjernejournal.clone(), self.helseid().await) else {
            return;
        };
        let on_worklist: Vec<NationalId> = s.worklist.read().await.values().flatten().cloned().collect();
        let nins: Vec<NationalId> = {
            let cache = s.critical_status.lock().unwrap_or_else(PoisonError::into_inner);
            on_worklist
                .into_iter()
                .filter(|n| cache.get(n).is_none_or(|(at, _)| at.elapsed() > CRITICAL_STATUS_FRESH))
                .collect()
        };
        if nins.is_empty() {
            return;
        }
        let auth = Arc::new(SessionAuthorizer { client: helseid, session: s.session.clone(), attestation: None });
        let kj = Kjernejournal::new(self.http.clone(), &settings.base_url, &settings.audience, auth)
            .with_clock(self.clock());
        let ctx = crate::aggregate::nhn_context(s.clinician.role, AccessBasis::Unntak);
        let cache = s.critical_status.clone();
        tokio::spawn(async move {
            use futures_util::stream::StreamExt;
            let mut asked = futures_util::stream::iter(nins)
                .map(|nin| {
                    let (kj, ctx) = (&kj, &ctx);
                    async move { (kj.status(&nin, ctx).await, nin) }
                })
                .buffer_unordered(CRITICAL_STATUS_CONCURRENCY);
            while let Some((status, nin)) = asked.next().await {
                match status {
                    Ok(status) => {
                        cache.lock().unwrap_or_else(PoisonError::into_inner).insert(nin, (Instant::now(), status));
                    }
                    // Opening the patient asks again; the service's words may name the patient.
                    Err(_) => tracing::debug!("critical information status not prefetched"),
                }
            }
        });
    }

    /// A prefetched status that may stand in for asking: fresh, and one that leads to
    /// the data call anyway (the service enforces reservation and restriction there).
    /// "No critical information" is always asked again, so new information is never missed.
    pub(super) fn usable_critical_status(s: &SignedIn, nin: Option<&NationalId>) -> Option<KjStatus> {
        let cache = s.critical_status.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, status) = cache.get(nin?)?;
        let leads_to_data = status.has_critical_information && !status.reserved && !status.restricted;
        (at.elapsed() < CRITICAL_STATUS_FRESH && leads_to_data).then(|| status.clone())
    }
}
