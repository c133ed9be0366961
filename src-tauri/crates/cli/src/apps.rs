//! Other suppliers' SMART apps from the command line: the catalogue as a user's role
//! sees it.

use super::AppArgs;
use crate::output::{print_json, signed_in};

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
