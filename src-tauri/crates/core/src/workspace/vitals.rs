//! The open patient's vital signs over a period, for the chart: from the platform, or
//! from the offline cache when the platform is out of reach.

use super::{SignedIn, Workspace};
use crate::cache::MUNICIPAL;
use arbeidsflate_model::history::{VitalsHistory, VitalsPeriod};
use arbeidsflate_model::view::Provenance;
use arbeidsflate_model::{AppError, ErrorCode};
use sources::municipal::SOURCE_NAME;
use sources::normalize::VITAL_CODES;
use sources::vitals_history::{period_start, stamp, vitals_history};

impl Workspace {
    /// The vital signs of the patient open in the view over `period`. Only that patient:
    /// the access basis was decided (and logged) when the view was opened.
    pub async fn vitals_history(&self, period: VitalsPeriod) -> Result<VitalsHistory, AppError> {
        let s = self.current().await?;
        let patient = s
            .open_ref
            .read()
            .await
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "no patient from the platform is open"))?;
        let now = self.clock.now();
        if self.is_online() {
            let from = stamp(period_start(period, now));
            match s.platform.vitals_since(&patient, &from).await {
                Ok(observations) => {
                    self.note_reachability(None);
                    let provenance = Provenance::fetched(SOURCE_NAME, self.now());
                    return Ok(vitals_history(&observations, period, now, provenance));
                }
                Err(e) => {
                    self.note_reachability(Some(&e));
                    if !matches!(e, sources::SourceError::Unreachable(_)) {
                        return Err(crate::errors::from_source(e));
                    }
                    tracing::info!("platform unreachable: vital signs from the offline cache");
                }
            }
        }
        self.cached_vitals_history(&s, &patient, period).await
    }

    async fn cached_vitals_history(
        &self,
        s: &SignedIn,
        patient: &str,
        period: VitalsPeriod,
    ) -> Result<VitalsHistory, AppError> {
        let cache = self.cache_of(s).await?;
        let now = self.clock.now();
        let from_ms = period_start(period, now).timestamp_millis();
        // A few minutes' allowance for clocks, as the history itself allows.
        let until_ms = now.timestamp_millis() + 5 * 60_000;
        let (observations, fetched) = cache.with(|st| {
            Ok((st.observations_between(patient, VITAL_CODES, from_ms, until_ms)?, st.fetched(MUNICIPAL, patient)?))
        })?;
        let fetched =
            fetched.ok_or_else(|| AppError::new(ErrorCode::NotCached, "the patient is not in the offline cache"))?;
        let provenance = Provenance::fetched(SOURCE_NAME, fetched.fetched_at);
        Ok(vitals_history(&observations, period, now, provenance))
    }
}
