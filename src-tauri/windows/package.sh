#!/usr/bin/env bash
# Packages the cross-built Windows app for IT: signs arbeidsflate.exe, builds the
# per-machine MSI with wixl from arbeidsflate.wxs, adds its launch condition (wixl has
# no <Condition>), and signs the MSI. Run by `make windows`.
#
#   package.sh RELEASE_DIR OUT_DIR VERSION
#
# With MACHINE_PROFILE naming IT's profile, the MSI installs it as the machine profile
# (%ProgramData%\Arbeidsflate\profile.toml) and is named arbeidsflate-VERSION-x64-site.msi.
#
# Signing (Authenticode, osslsigncode) happens when SIGN_CERT and SIGN_KEY name a PEM
# certificate chain and its key (SIGN_KEY_PASSWORD if the key has one; TIMESTAMP_URL
# to countersign). The real certificate is given at build time, never kept in the repo.
set -euo pipefail
release=$1 out=$2 version=$3
here=$(cd "$(dirname "$0")" && pwd)

sign() {
  [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ] || return 0
  local args=(sign -certs "$SIGN_CERT" -key "$SIGN_KEY" -n Arbeidsflate -i https://github.com/arbeidsflate -h sha256)
  [ -n "${SIGN_KEY_PASSWORD:-}" ] && args+=(-pass "$SIGN_KEY_PASSWORD")
  [ -n "${TIMESTAMP_URL:-}" ] && args+=(-ts "$TIMESTAMP_URL")
  osslsigncode "${args[@]}" -in "$1" -out "$1.signed" >/dev/null
  mv "$1.signed" "$1"
}

stage=$out/stage
rm -rf "$stage" && mkdir -p "$stage/bin"
cp "$release/arbeidsflate.exe" "$stage/bin/"
# The gnu target loads the WebView2 loader from beside the executable (the build puts it
# there too).
cp "$release/WebView2Loader.dll" "$stage/bin/"
# Tauri's updater replaces only a copy that knows which package installed it; Tauri's
# own bundler marks the .deb's binary so, and this marks the MSI's (the marker is a
# string of the same length; exactly one must be there).
marker=__TAURI_BUNDLE_TYPE_VAR_
found=$( (grep -a -o "${marker}UNK" "$stage/bin/arbeidsflate.exe" || true) | wc -l)
[ "$found" = 1 ] || { echo "package.sh: expected one ${marker}UNK in arbeidsflate.exe, found $found" >&2; exit 1; }
perl -0777 -pi -e "s/${marker}UNK/${marker}MSI/" "$stage/bin/arbeidsflate.exe"
cp -r "$here/../profiles" "$stage/profiles"
cp "$here/arbeidsflate.wxs" "$here/machine-profile.wxs" "$here/no-machine-profile.wxs" "$stage/"
sign "$stage/bin/arbeidsflate.exe"

msi=$out/arbeidsflate-$version-x64.msi
profile_fragment=no-machine-profile.wxs
if [ -n "${MACHINE_PROFILE:-}" ]; then
  mkdir -p "$stage/machine"
  cp "$MACHINE_PROFILE" "$stage/machine/profile.toml"
  profile_fragment=machine-profile.wxs
  msi=$out/arbeidsflate-$version-x64-site.msi
fi
# wixl reads sources relative to where it runs.
(cd "$stage" && wixl -a x64 -D "Version=$version" -D BinDir=bin -D ProfilesDir=profiles -o "$msi" arbeidsflate.wxs "$profile_fragment")
msibuild "$msi" -q "INSERT INTO \`LaunchCondition\` (\`Condition\`, \`Description\`) VALUES ('Installed OR WEBVIEW2_MACHINE OR WEBVIEW2_USER OR SKIP_WEBVIEW2_CHECK = \"1\"', 'Arbeidsflate needs the Microsoft Edge WebView2 Runtime. Install it and run this installer again.')"
sign "$msi"
cp "$stage/bin/arbeidsflate.exe" "$stage/bin/WebView2Loader.dll" "$out/"
echo "$msi"
