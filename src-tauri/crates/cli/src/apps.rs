//! Other suppliers' SMART apps from the command line: the catalogue as a user's role
//! sees it, and a launch any SMART client can run against.

use super::AppArgs;
use crate::output::{app_error, fail, print_json, signed_in};
use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_model::overview::{AccessRequest, PatientTarget};
use std::sync::Arc;

/// `arbeidsflate apps`: signs in as the other commands do and lists the apps the
/// profile's catalogue shows to that clinician's role.
pub async fn list(app: &AppArgs, user: Option<String>, json: bool) -> i32 {
    let (env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let me = ws.clinician().await.expect("signed in");
    let apps: Vec<_> = env.profile.apps.iter().filter(|a| a.visible_to(me.role)).collect();
    if json {
        print_json(&serde_json::json!({ "role": me.role, "apps": apps }));
        return 0;
    }
    if apps.is_empty() {
        println!("no apps for {:?} in this profile's catalogue", me.role);
    }
    for a in apps {
        println!("{:<20} {} – {} ({:?}, {})", a.id, a.name, a.supplier, a.opens_in, a.launch_url);
    }
    0
}

/// `arbeidsflate launch`: signs in as the other commands do, opens the patient as `view`
/// does (the access decided and logged), launches the app for them, and serves the
/// SMART host and its FHIR facade until stopped (Ctrl-C). With `print_url` the launch
/// URL is the first line of the output instead of being opened in the browser.
pub async fn launch(
    app: &AppArgs,
    app_id: &str,
    nin: &str,
    user: Option<String>,
    access: Option<AccessRequest>,
    print_url: bool,
) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let ws = Arc::new(ws);
    if let Err(e) = ws.worklist().await {
        return app_error(e);
    }
    let target = PatientTarget::NationalId { national_id: nin.to_string() };
    let opened = ws.open_patient_view(&target, access.as_ref(), Concurrency::Parallel, Arc::new(|_| {})).await;
    if let Err(e) = opened {
        return app_error(e);
    }
    let launched = match ws.launch_app(app_id).await {
        Ok(l) => l,
        Err(e) => return app_error(e),
    };
    if print_url {
        println!("{}", launched.url);
    } else {
        use helseid::UrlOpener;
        if let Err(e) = helseid::SystemBrowser.open(&launched.url).await {
            return fail(format!("the browser could not be opened: {e}"));
        }
        println!("opened {} in the browser", launched.app_id);
    }
    eprintln!("serving the app's FHIR endpoint at {}; stop with Ctrl-C", ws.smart_iss().unwrap_or_default());
    let _ = tokio::signal::ctrl_c().await;
    0
}
