//! The window's commands are written once, as Rust functions in `desktop/commands.rs`.
//! Everything else that names them is generated from that file by `make bindings`:
//! the handler list and the build script's manifest (through `command_list.rs`), the
//! window's capability, and the page's typed functions (`ui/src/lib/commands.generated.ts`, which
//! the page tests' stub types itself by). This test is the generator, and it fails when
//! a generated file no longer matches the commands, naming the file and how to fix it.

mod commands;
mod render;

use arbeidsflate_tests::updates::repo_root as root;

const COMMANDS_RS: &str = "src-tauri/src/desktop/commands.rs";
const REGENERATE: &str = "make bindings (or UPDATE_BINDINGS=1 cargo test -p arbeidsflate-tests --test ipc_surface)";

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every generated file and what it should hold for these commands.
fn generated(source: &str) -> Result<Vec<(&'static str, String)>, String> {
    let commands = commands::parse(source)?;
    Ok(vec![
        ("src-tauri/src/desktop/command_list.rs", render::rust_list(&commands)),
        ("src-tauri/capabilities/main.json", render::capability(&commands)),
        ("ui/src/lib/commands.generated.ts", render::typescript(&commands)),
    ])
}

/// The generated files that differ from what is on disk.
fn stale(files: &[(&'static str, String)]) -> Vec<&'static str> {
    files
        .iter()
        .filter(|(path, text)| std::fs::read_to_string(root().join(path)).ok().as_ref() != Some(text))
        .map(|(p, _)| *p)
        .collect()
}

#[test]
fn the_generated_ipc_surface_matches_the_commands() {
    let files = generated(&read(COMMANDS_RS)).unwrap_or_else(|e| panic!("{COMMANDS_RS}: {e}"));
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        for path in stale(&files) {
            let text = &files.iter().find(|(p, _)| *p == path).unwrap().1;
            std::fs::write(root().join(path), text).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    let stale = stale(&files);
    assert!(stale.is_empty(), "generated from {COMMANDS_RS} but out of date: {stale:?}; run {REGENERATE}");
}

#[test]
fn every_type_the_commands_carry_has_a_typescript_binding() {
    let commands = commands::parse(&read(COMMANDS_RS)).unwrap();
    assert!(commands.len() >= 30, "the parser found too few commands: {}", commands.len());
    let typescript = render::typescript(&commands);
    let missing: Vec<&str> = typescript
        .lines()
        .filter_map(|l| l.strip_prefix("import type { ")?.split(' ').next())
        .filter(|name| !root().join(format!("ui/src/lib/bindings/{name}.ts")).exists())
        .collect();
    assert!(missing.is_empty(), "no ts-rs binding for {missing:?}: derive TS and add it to model's bindings list");
}

#[test]
fn the_handler_and_the_build_script_expand_the_generated_list() {
    // A hand-written list beside the generated one would drift again.
    let shell = read("src-tauri/src/desktop/mod.rs");
    assert!(shell.contains("include!(\"command_list.rs\")") && shell.contains("for_each_command!("), "desktop/mod.rs");
    assert!(!shell.contains("commands::app_info"), "desktop/mod.rs lists commands by hand");
    let build = read("src-tauri/build.rs");
    assert!(build.contains("include!(\"src/desktop/command_list.rs\")") && build.contains("for_each_command!("));
    assert!(!build.contains("\"app_info\""), "build.rs lists commands by hand");
}

#[test]
fn a_command_added_without_regenerating_is_found() {
    let added = format!(
        "{}\n/// Marks the clinician's coffee as drunk.\n#[tauri::command]\npub async fn drink_coffee(\
         state: State<'_, AppState>, cup_id: i64) -> Result<(), AppError> {{ Ok(()) }}\n",
        read(COMMANDS_RS)
    );
    let files = generated(&added).unwrap();
    assert_eq!(
        stale(&files),
        [
            "src-tauri/src/desktop/command_list.rs",
            "src-tauri/capabilities/main.json",
            "ui/src/lib/commands.generated.ts"
        ]
    );
    let typescript = &files[2].1;
    assert!(typescript.contains("'drink_coffee': { args: { cupId: number }; result: null };"), "{typescript}");
    assert!(typescript.contains(
        "/** Marks the clinician's coffee as drunk. */\n  drinkCoffee: (cupId: bigint | number): Promise<void> =>"
    ));
    assert!(typescript.contains("call('drink_coffee', { cupId: Number(cupId) }).then(() => undefined)"));
    assert!(files[1].1.contains("\"allow-drink-coffee\""));
}

#[test]
fn a_command_the_page_cannot_call_is_refused_by_name() {
    let source = "#[tauri::command]\npub fn peek(state: State<'_, AppState>, raw: (u8, u8)) -> u8 { 0 }\n";
    let error = generated(source).expect_err("a tuple argument has no TypeScript");
    assert!(error.starts_with("command peek:"), "{error}");
    let error = generated("#[tauri::command]\npub fn broken(").expect_err("not Rust");
    assert!(error.contains("does not parse"), "{error}");
}
