#!/usr/bin/env bash
# The one test command (README, and .ci/run calls exactly this).
# Installs what is missing (Debian/Ubuntu, as root or with sudo), starts a private D-Bus session
# with an unlocked gnome-keyring so the real Secret Service is tested, then runs fmt, clippy with
# warnings as errors, a build without the GUI (the layers' wall), and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

missing=()
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus-daemon)
command -v dbus-monitor >/dev/null 2>&1 || missing+=(dbus-bin)        # the bus is watched for secrets in clear
command -v secret-tool >/dev/null 2>&1 || missing+=(libsecret-tools)  # libsecret reads what Gatepass stores
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "These programs are needed and this is not a Debian/Ubuntu system: ${missing[*]}. Install them and run again." >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" dbus-x11 >/dev/null || \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

say "Format"
cargo fmt --check

say "Lints (warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings

say "The core and the adapters know nothing of the GUI"
if grep -rnwE 'egui|eframe' src/core src/infra; then
  echo "src/core or src/infra mentions egui/eframe: keep the GUI in src/ui." >&2
  exit 1
fi
cargo check --no-default-features --lib --bins --locked

say "Apache (mod_auth_digest) for the HTTP Digest interop test"
if [ ! -x /usr/sbin/apache2 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1 && { $SUDO apt-get update -qq && \
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends apache2 >/dev/null; } 2>/dev/null; then
    # The test starts its own Apache on a free port; the package's own service is not wanted.
    { command -v apache2ctl >/dev/null 2>&1 && $SUDO apache2ctl stop; } >/dev/null 2>&1 || true
  else
    export GATEPASS_SKIP_APACHE="apt-get could not install apache2 here (apt-get install apache2)"
    echo "Skipping the Digest interop tests: $GATEPASS_SKIP_APACHE"
  fi
fi

say "PyJWT for the token interop test"
if ! python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check pyjwt cryptography
  else
    export GATEPASS_SKIP_PYJWT="pip is not available to install PyJWT (pip install pyjwt cryptography)"
    echo "Skipping the PyJWT interop test: $GATEPASS_SKIP_PYJWT"
  fi
fi

say "botocore for the AWS Signature V4 interop test"
if ! python3 -c 'import botocore' >/dev/null 2>&1; then
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check botocore || \
      export GATEPASS_SKIP_BOTOCORE="pip could not install botocore (pip install botocore)"
  else
    export GATEPASS_SKIP_BOTOCORE="pip is not available to install botocore (pip install botocore)"
  fi
  [ -z "${GATEPASS_SKIP_BOTOCORE:-}" ] || echo "Skipping the SigV4 botocore test: $GATEPASS_SKIP_BOTOCORE"
fi

say "oauthlib (and cryptography, for RSA-SHA1) for the OAuth 1.0a interop test"
if ! python3 -c 'import oauthlib, cryptography' >/dev/null 2>&1; then
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check oauthlib cryptography || \
      export GATEPASS_SKIP_OAUTHLIB="pip could not install oauthlib (pip install oauthlib)"
  else
    export GATEPASS_SKIP_OAUTHLIB="pip is not available to install oauthlib (pip install oauthlib)"
  fi
  [ -z "${GATEPASS_SKIP_OAUTHLIB:-}" ] || echo "Skipping the OAuth 1.0a oauthlib test: $GATEPASS_SKIP_OAUTHLIB"
fi

say "openapi-spec-validator for the OpenAPI export test"
if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check openapi-spec-validator || \
      export GATEPASS_SKIP_OPENAPI_VALIDATOR="pip could not install openapi-spec-validator (pip install openapi-spec-validator)"
  else
    export GATEPASS_SKIP_OPENAPI_VALIDATOR="pip is not available to install openapi-spec-validator (pip install openapi-spec-validator)"
  fi
  [ -z "${GATEPASS_SKIP_OPENAPI_VALIDATOR:-}" ] || echo "Skipping the OpenAPI validator check: $GATEPASS_SKIP_OPENAPI_VALIDATOR"
fi

say "oauth2-mock-server for the OAuth interop test"
mock_dir="${CARGO_TARGET_DIR:-target}/interop-npm"
if [ -x "$mock_dir/node_modules/.bin/oauth2-mock-server" ]; then
  :
elif command -v npm >/dev/null 2>&1 && npm install --prefix "$mock_dir" --no-audit --no-fund --silent oauth2-mock-server@8 >/dev/null 2>&1; then
  :
else
  export GATEPASS_SKIP_OAUTH2_MOCK="npm is not available, or could not install oauth2-mock-server (npm install oauth2-mock-server)"
  echo "Skipping the OAuth interop test: $GATEPASS_SKIP_OAUTH2_MOCK"
fi
if [ -z "${GATEPASS_SKIP_OAUTH2_MOCK:-}" ]; then
  export GATEPASS_OAUTH2_MOCK_SERVER="$(cd "$mock_dir" && pwd)/node_modules/.bin/oauth2-mock-server"
fi

say "oidc-provider (panva's certified OpenID provider) for the OAuth and DPoP interop tests"
# 8.x: the release line that supports Node 18 and 20 (9.x asks for Node 22).
oidc_dir="${CARGO_TARGET_DIR:-target}/interop-oidc"
if [ -f "$oidc_dir/node_modules/oidc-provider/package.json" ] && command -v node >/dev/null 2>&1; then
  :
elif command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 \
  && npm install --prefix "$oidc_dir" --no-audit --no-fund --silent oidc-provider@8.8.1 >/dev/null 2>&1; then
  :
else
  export GATEPASS_SKIP_OIDC_PROVIDER="node and npm are not available, or npm could not install oidc-provider (npm install oidc-provider@8.8.1)"
  echo "Skipping the oidc-provider interop tests: $GATEPASS_SKIP_OIDC_PROVIDER"
fi
if [ -z "${GATEPASS_SKIP_OIDC_PROVIDER:-}" ]; then
  export GATEPASS_OIDC_PROVIDER="$(cd "$oidc_dir" && pwd)/node_modules/oidc-provider"
fi

say "Tests, with a private D-Bus session and an unlocked keyring"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 -p "$work/runtime" "$work/data/dbus-1/services"
export XDG_RUNTIME_DIR="$work/runtime" XDG_DATA_HOME="$work/data"
export GATEPASS_TEST_REAL_KEYCHAIN=1
# gnome-keyring-daemon is started by D-Bus activation, through a service file in this session's
# XDG_DATA_HOME (searched before the system's), so it always starts unlocked. gnome-keyring has
# been seen to abort in the middle of a run (a known upstream crash when Secret Service sessions
# race); D-Bus then starts it again, unlocked, instead of a locked one that asks for a password
# nobody can type. Every start is logged, and a restart is reported at the end.
cat > "$work/keyring-start" <<EOF
#!/bin/sh
date +%T >> "$work/keyring-starts.log"
printf %s gatepass-test | exec gnome-keyring-daemon --foreground --unlock --components=secrets
EOF
chmod +x "$work/keyring-start"
printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$work/keyring-start" \
  > "$work/data/dbus-1/services/org.freedesktop.secrets.service"
status=0
dbus-run-session -- bash -c '
  set -euo pipefail
  cargo test --all-targets --locked -- "$@"
' bash "$@" || status=$?
starts=$(cat "$work/keyring-starts.log" 2>/dev/null | wc -l)
if [ "$starts" -gt 1 ]; then
  echo "Note: gnome-keyring-daemon stopped during the tests and D-Bus started it again ($starts starts, at $(tr '\n' ' ' < "$work/keyring-starts.log"))." >&2
fi
exit "$status"
