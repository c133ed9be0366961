//! The window's commands are named in six places: the Rust functions, the handler list,
//! the build script's manifest, the window's capability, the UI's typed API and the
//! page tests' stub. Nothing in the compiler ties them together, so this test does:
//! a command added, renamed or removed in one place and not the others fails here,
//! naming the place and the command, instead of at run time in the window.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `name` in `text` that stands between `before` and `after` (both included in
/// the match, name made of lower case letters and underscores).
fn names_between(text: &str, before: &str, after: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(before) {
        rest = &rest[at + before.len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
        if !name.is_empty() && rest[name.len()..].starts_with(after) {
            found.insert(name);
        }
    }
    found
}

/// The functions marked `#[tauri::command]` in the desktop shell.
fn rust_commands() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for file in ["src-tauri/src/desktop/commands.rs", "src-tauri/src/desktop/mod.rs"] {
        let text = read(file);
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[tauri::command]" {
                continue;
            }
            let signature = lines.find(|l| l.contains("fn ")).expect("a function after #[tauri::command]");
            let name = signature.split("fn ").nth(1).unwrap().split(['(', '<']).next().unwrap();
            found.insert(name.trim().to_string());
        }
    }
    found
}

fn handler_list() -> BTreeSet<String> {
    let text = read("src-tauri/src/desktop/mod.rs");
    let start = text.find("generate_handler![").expect("the handler list");
    let list = &text[start..start + text[start..].find(']').unwrap()];
    names_between(list, "commands::", ",")
}

fn build_manifest() -> BTreeSet<String> {
    build_manifest_in(&read("src-tauri/build.rs"))
}

fn build_manifest_in(text: &str) -> BTreeSet<String> {
    let start = text.find(".commands(&[").expect("the manifest's command list");
    let list = &text[start..start + text[start..].find("])").unwrap()];
    names_between(list, "\"", "\"")
}

fn capability() -> BTreeSet<String> {
    let json: serde_json::Value = serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    json["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

fn ui_api() -> BTreeSet<String> {
    names_between(&read("ui/src/lib/api.ts"), "call('", "'")
}

fn page_test_stub() -> BTreeSet<String> {
    let text = read("ui/tests/pages/ipc.ts");
    let start = text.find("interface Commands").expect("the stub's command table");
    let table = &text[start..start + text[start..].find("\n}").unwrap()];
    names_between(table, "\n  ", ": Cmd<")
}

#[test]
fn the_six_lists_of_the_windows_commands_agree() {
    let commands = rust_commands();
    assert!(commands.len() >= 30, "the parser found too few commands: {commands:?}");
    for (place, listed) in [
        ("generate_handler! in src-tauri/src/desktop/mod.rs", handler_list()),
        ("the manifest in src-tauri/build.rs", build_manifest()),
        ("src-tauri/capabilities/main.json", capability()),
        ("ui/src/lib/api.ts", ui_api()),
        ("ui/tests/pages/ipc.ts", page_test_stub()),
    ] {
        let missing: Vec<_> = commands.difference(&listed).collect();
        let unknown: Vec<_> = listed.difference(&commands).collect();
        assert!(missing.is_empty() && unknown.is_empty(), "{place}: missing {missing:?}, not a command {unknown:?}");
    }
}

#[test]
fn a_command_left_out_of_one_list_is_found() {
    // The check above can fail: the build script's list with one command taken out.
    let text = read("src-tauri/build.rs");
    let edited = text.replace("\"prepare_patient\",", "");
    assert_ne!(edited, text, "the build script names prepare_patient");
    let listed = build_manifest_in(&edited);
    assert_eq!(rust_commands().difference(&listed).collect::<Vec<_>>(), ["prepare_patient"]);
}
