// The list of commands is generated from `src/desktop/commands.rs` (`make bindings`).
include!("src/desktop/command_list.rs");

macro_rules! names {
    ($($command:ident,)*) => {
        &[$(stringify!($command)),*]
    };
}

fn main() {
    // Declaring the app's commands makes Tauri deny each one unless a capability
    // grants it: the window gets exactly the commands it needs.
    let commands: &'static [&'static str] = for_each_command!(names);
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build script");
}
