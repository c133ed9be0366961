//! The domain model shared by every Arbeidsflate crate.
//!
//! Types here cross the IPC boundary, so each derives `ts_rs::TS`; the generated
//! TypeScript lives in `ui/src/lib/bindings/` and a test fails when it is stale.

pub mod access;
pub mod apps;
pub mod cds;
pub mod collected;
pub mod error;
pub mod gp;
pub mod history;
pub mod identity;
pub mod layout;
pub mod merged;
pub mod news2;
pub mod nin;
pub mod offline;
pub mod overview;
pub mod partial;
pub mod person;
pub mod provenance;
pub mod smart_scope;
pub mod text;
pub mod update;
pub mod view;
pub mod vitals;

pub use error::{AppError, ErrorCode};
pub use nin::{NationalId, NationalIdKind, NinError, Sex};

/// The committed TypeScript bindings must match the Rust types. Regenerate with
/// `UPDATE_BINDINGS=1 cargo test -p arbeidsflate-model bindings`.
#[cfg(test)]
mod bindings {
    use std::path::PathBuf;
    use ts_rs::{Config, TS};

    fn check<T: TS + 'static>(stale: &mut Vec<String>) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/lib/bindings");
        let path = dir.join(T::output_path().expect("exportable type"));
        let fresh = T::export_to_string(&Config::new()).expect("binding generation");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(path.display().to_string());
        }
    }

    #[test]
    fn bindings_are_current() {
        use crate::view::*;
        let mut stale = Vec::new();
        check::<crate::AppError>(&mut stale);
        check::<crate::apps::OpensIn>(&mut stale);
        check::<crate::apps::CatalogueApp>(&mut stale);
        check::<crate::cds::CardIndicator>(&mut stale);
        check::<crate::cds::CardSource>(&mut stale);
        check::<crate::cds::CardLinkKind>(&mut stale);
        check::<crate::cds::CardLink>(&mut stale);
        check::<crate::cds::ActionKind>(&mut stale);
        check::<crate::cds::SuggestedAction>(&mut stale);
        check::<crate::cds::CardSuggestion>(&mut stale);
        check::<crate::cds::SelectionBehavior>(&mut stale);
        check::<crate::cds::OverrideReason>(&mut stale);
        check::<crate::cds::SuggestionRefusal>(&mut stale);
        check::<crate::cds::LeftOutSuggestion>(&mut stale);
        check::<crate::cds::DecisionCard>(&mut stale);
        check::<crate::cds::CdsFailure>(&mut stale);
        check::<crate::cds::CdsState>(&mut stale);
        check::<crate::cds::CdsServiceStatus>(&mut stale);
        check::<crate::cds::CardRefusal>(&mut stale);
        check::<crate::cds::CardsLeftOut>(&mut stale);
        check::<crate::cds::CdsServiceListing>(&mut stale);
        check::<crate::cds::OfferedService>(&mut stale);
        check::<crate::offline::OfflineUnavailable>(&mut stale);
        check::<crate::offline::OfflineStatus>(&mut stale);
        check::<crate::offline::SyncProgress>(&mut stale);
        check::<crate::offline::SourceSync>(&mut stale);
        check::<crate::offline::SyncReport>(&mut stale);
        check::<crate::offline::Consciousness>(&mut stale);
        check::<crate::offline::VitalsEntry>(&mut stale);
        check::<crate::offline::WriteKind>(&mut stale);
        check::<crate::offline::OutboxItemState>(&mut stale);
        check::<crate::offline::ConflictView>(&mut stale);
        check::<crate::offline::OutboxItem>(&mut stale);
        check::<crate::offline::ConflictChoice>(&mut stale);
        check::<crate::offline::WriteReceipt>(&mut stale);
        check::<crate::ErrorCode>(&mut stale);
        check::<crate::partial::UnreadableReason>(&mut stale);
        check::<crate::partial::Unreadable>(&mut stale);
        check::<crate::partial::LeftOut>(&mut stale);
        check::<AppInfo>(&mut stale);
        check::<crate::update::UpdateStatus>(&mut stale);
        check::<EnvironmentKind>(&mut stale);
        check::<ClinicianRole>(&mut stale);
        check::<Clinician>(&mut stale);
        check::<Provenance>(&mut stale);
        check::<WorklistKind>(&mut stale);
        check::<WorklistEntry>(&mut stale);
        check::<Worklist>(&mut stale);
        check::<PatientSignals>(&mut stale);
        check::<News2Signal>(&mut stale);
        check::<PatientBanner>(&mut stale);
        check::<Allergy>(&mut stale);
        check::<Medication>(&mut stale);
        check::<VitalKind>(&mut stale);
        check::<VitalSign>(&mut stale);
        check::<crate::history::VitalsPeriod>(&mut stale);
        check::<crate::history::VitalPoint>(&mut stale);
        check::<crate::history::VitalSeries>(&mut stale);
        check::<crate::history::News2Point>(&mut stale);
        check::<crate::history::VitalsHistory>(&mut stale);
        check::<PatientOverview>(&mut stale);
        check::<Condition>(&mut stale);
        check::<PatientWarning>(&mut stale);
        check::<CareActivity>(&mut stale);
        check::<CareTask>(&mut stale);
        check::<Visit>(&mut stale);
        check::<NursingNote>(&mut stale);
        check::<HomeReading>(&mut stale);
        check::<HomeSeries>(&mut stale);
        check::<crate::news2::News2>(&mut stale);
        check::<crate::news2::News2Input>(&mut stale);
        check::<crate::news2::News2Parameter>(&mut stale);
        check::<crate::news2::News2Risk>(&mut stale);
        check::<crate::news2::Spo2Scale>(&mut stale);
        check::<crate::access::AccessBasis>(&mut stale);
        check::<crate::merged::Disagreement>(&mut stale);
        check::<crate::merged::MergedAllergy>(&mut stale);
        check::<crate::merged::MergedMedication>(&mut stale);
        {
            use crate::overview::*;
            check::<PatientTarget>(&mut stale);
            check::<AccessRequest>(&mut stale);
            check::<AccessGrant>(&mut stale);
            check::<SourceKind>(&mut stale);
            check::<SourceFailure>(&mut stale);
            check::<PlatformPart>(&mut stale);
            check::<PartFailure>(&mut stale);
            check::<NotAvailableReason>(&mut stale);
            check::<SourceState>(&mut stale);
            check::<SourceStatus>(&mut stale);
            check::<RegisterRetrieval>(&mut stale);
            check::<DocumentSummary>(&mut stale);
            check::<OverviewPart>(&mut stale);
            check::<OverviewEvent>(&mut stale);
            check::<DocumentSection>(&mut stale);
            check::<DocumentView>(&mut stale);
            check::<DocumentFormat>(&mut stale);
        }
        check::<crate::layout::WidgetId>(&mut stale);
        check::<crate::layout::WidgetSize>(&mut stale);
        check::<crate::layout::LayoutItem>(&mut stale);
        check::<crate::layout::WorkspaceLayout>(&mut stale);
        check::<crate::person::AddressProtection>(&mut stale);
        check::<crate::person::Address>(&mut stale);
        check::<crate::person::PersonDetails>(&mut stale);
        check::<crate::gp::GpDetails>(&mut stale);
        check::<crate::gp::GpRegistration>(&mut stale);
        check::<crate::gp::GpList>(&mut stale);
        check::<crate::gp::GeneralPractitioner>(&mut stale);
        check::<crate::gp::GpPeriod>(&mut stale);
        check::<crate::gp::GpOffice>(&mut stale);
        check::<crate::identity::IdentitySource>(&mut stale);
        check::<crate::identity::IdentityField>(&mut stale);
        check::<crate::identity::IdentityClaim>(&mut stale);
        check::<crate::identity::IdentityWarning>(&mut stale);
        assert!(
            stale.is_empty(),
            "stale TypeScript bindings (run UPDATE_BINDINGS=1 cargo test -p arbeidsflate-model bindings): {stale:?}"
        );
    }
}
