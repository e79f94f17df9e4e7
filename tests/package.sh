#!/usr/bin/env bash
# Build Gatepass's Debian package. Run: tests/package.sh
# It installs what it needs when missing (cargo-deb with `cargo install --locked`, dpkg-dev with
# apt-get), builds the release binary, and prints the package's path as its last line. The package
# holds /usr/bin/gatepass, the menu entry (assets/gatepass.desktop), the icon (SVG and PNG sizes)
# and the README; `apt-get install ./target/debian/gatepass_*.deb` puts Gatepass in the
# application menu. What goes in is listed under [package.metadata.deb] in Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
fi
if ! cargo deb --version >/dev/null 2>&1; then
  echo "Installing cargo-deb (once)…" >&2
  cargo install --locked cargo-deb >&2
fi
# cargo-deb builds the release binary first, then prints the package's path.
deb=$(cargo deb --locked | tail -n 1)
if [ ! -f "$deb" ]; then
  echo "The package was not made (cargo deb said why above)." >&2
  exit 1
fi
echo "$deb"
