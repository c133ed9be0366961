//! `arbeidsflate vitals` and `arbeidsflate outbox`: recording and sending from the
//! command line, for IT drills, supplier tests and the fault tests. The writes go the
//! same way as the window's: the outbox first, then the platform.

use super::output::{app_error, fail, print_json, signed_in};
use super::AppArgs;
use arbeidsflate_core::Workspace;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::offline::{OutboxItem, VitalsEntry};

/// Records a set of vital signs for a worklist patient; `hold` keeps it in the outbox
/// as if recorded with no network.
pub async fn vitals(app: &AppArgs, nin: &str, user: Option<String>, entry: VitalsEntry, hold: bool, json: bool) -> i32 {
    let wanted = match NationalId::parse(nin) {
        Ok(n) => n,
        Err(e) => return fail(format!("{nin:?} is not a national identity number: {e}")),
    };
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let patient_ref = match patient_on_worklist(&ws, &wanted).await {
        Ok(r) => r,
        Err(code) => return code,
    };
    if hold {
        ws.assume_offline();
    }
    match ws.record_vitals(&patient_ref, &entry).await {
        Ok(receipt) if json => {
            print_json(&receipt);
            0
        }
        Ok(receipt) => {
            let state = if receipt.sent { "sent" } else { "kept in the outbox" };
            println!("vital signs recorded ({state}), outbox entry {}", receipt.outbox_id);
            0
        }
        Err(e) => app_error(e),
    }
}

async fn patient_on_worklist(ws: &Workspace, wanted: &NationalId) -> Result<String, i32> {
    let list = ws.worklist().await.map_err(app_error)?;
    list.entries
        .into_iter()
        .find(|e| NationalId::parse(&e.national_id).is_ok_and(|n| &n == wanted))
        .map(|e| e.patient_ref)
        .ok_or_else(|| fail("the patient is not on this user's worklist"))
}

/// Lists what waits in the outbox; `send` sends it first.
pub async fn outbox(app: &AppArgs, user: Option<String>, send: bool, json: bool) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let report = if send {
        match ws.drain_outbox().await {
            Ok(r) => Some(r),
            Err(e) => return app_error(e),
        }
    } else {
        None
    };
    let items = match ws.outbox_items().await {
        Ok(items) => items,
        Err(e) => return app_error(e),
    };
    if json {
        print_json(&serde_json::json!({"drain": report, "waiting": items}));
    } else {
        if let Some(r) = &report {
            println!(
                "sent {}, refused {}, in conflict {}, left for later {}; {} access log entries shipped",
                r.sent, r.failed, r.conflicts, r.deferred, r.audit_shipped
            );
        }
        print!("{}", outbox_text(&items));
    }
    0
}

fn outbox_text(items: &[OutboxItem]) -> String {
    if items.is_empty() {
        return "the outbox is empty\n".into();
    }
    let mut out = String::new();
    for i in items {
        out += &format!(
            "{:>5}  {:<16} {:<10} {} attempt(s)  {}  {}\n",
            i.id,
            format!("{:?}", i.kind),
            format!("{:?}", i.state),
            i.attempts,
            i.created_at,
            i.last_error.as_deref().unwrap_or("")
        );
    }
    out
}
