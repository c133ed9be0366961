//! `arbeidsflate cds`: the decision-support services the profile names and what each
//! one's discovery offers, asked now with the workspace's signed calls; `--jwks` prints
//! the public key IT registers with each service. Needs no sign-in.

use super::AppArgs;
use crate::environment::{resolve_environment, KEYRING_SERVICE};
use crate::output::{app_error, fail, print_json};
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::Workspace;
use std::sync::Arc;

pub async fn list(app: &AppArgs, jwks: bool, json: bool) -> i32 {
    let env = match resolve_environment(app.profile.as_deref()).await {
        Ok(env) => env,
        Err(e) => return fail(e),
    };
    let ws = Workspace::new(env.profile.clone(), Arc::new(OsKeyring::new(KEYRING_SERVICE))).with_clock(env.clock);
    if jwks {
        return match ws.decision_support_jwks().await {
            Ok(doc) => {
                print_json(&doc);
                0
            }
            Err(e) => app_error(e),
        };
    }
    let services = match ws.decision_support_services().await {
        Ok(s) => s,
        Err(e) => return app_error(e),
    };
    if json {
        print_json(&serde_json::json!({ "services": services }));
        return 0;
    }
    if services.is_empty() {
        println!("no decision-support services in this profile");
    }
    let mut failed = 0;
    for s in &services {
        println!("{} ({}), hooks {}, deadline {} ms", s.name, s.base_url, s.hooks.join(", "), s.deadline_ms);
        match (&s.offered, &s.error) {
            (Some(offered), _) => {
                for o in offered {
                    let called = if o.called { "called" } else { "not called" };
                    let title = o.title.as_deref().unwrap_or(&o.id);
                    println!("  {} – {title} at {} ({called}; prefetch: {})", o.id, o.hook, o.prefetch.join(", "));
                }
            }
            (None, error) => {
                failed += 1;
                println!("  discovery failed: {}", error.as_deref().unwrap_or("unknown"));
            }
        }
    }
    i32::from(failed > 0)
}
