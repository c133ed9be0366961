//! The app's icons: every platform's file named in `tauri.conf.json` is there, at the
//! size its name says, and made from the one source image (`icons/arbeidsflate.svg`):
//! the Tauri CLI, asked again, draws the same pixels.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Width and height from a PNG's IHDR.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn every_platform_has_its_icon_at_the_size_its_name_says() {
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tauri.conf.json")).unwrap()).unwrap();
    let listed: Vec<String> =
        conf["bundle"]["icon"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    for wanted in ["32x32.png", "128x128.png", "128x128@2x.png", "icon.png", "icon.ico", "icon.icns"] {
        assert!(listed.iter().any(|l| l.ends_with(wanted)), "{wanted} not in bundle.icon: {listed:?}");
    }
    for (file, side) in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)] {
        assert_eq!(png_size(&root().join("icons").join(file)), (side, side), "{file}");
    }
    let ico = std::fs::read(root().join("icons/icon.ico")).unwrap();
    assert_eq!(&ico[..4], b"\0\0\x01\0", "a Windows icon resource");
    assert!(u16::from_le_bytes([ico[4], ico[5]]) >= 4, "several sizes in the .ico");
    assert_eq!(&std::fs::read(root().join("icons/icon.icns")).unwrap()[..4], b"icns");
}

#[test]
fn the_icons_are_drawn_from_the_one_source_image() {
    let out = std::env::temp_dir().join(format!("arbeidsflate-icons-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let cli = root().join("ui/node_modules/.bin/tauri");
    assert!(cli.exists(), "the Tauri CLI comes with `cd ui && npm ci`");
    let status = Command::new(cli)
        .arg("icon")
        .arg(root().join("icons/arbeidsflate.svg"))
        .arg("-o")
        .arg(&out)
        .args(["-p", "32", "-p", "128"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    for file in ["32x32.png", "128x128.png"] {
        let fresh = std::fs::read(out.join(file)).unwrap();
        let committed = std::fs::read(root().join("icons").join(file)).unwrap();
        assert!(fresh == committed, "icons/{file} is not what icons/arbeidsflate.svg gives: run `tauri icon`");
    }
    let _ = std::fs::remove_dir_all(&out);
}
