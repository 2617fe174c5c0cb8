#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest that runs on Node 20) into the cached
# tool folder .vscode-test/code-server for `npm run test:e2e`, plus the Debian packages it needs.
# It stays out of package.json: code-server's own postinstall fails here (root, offline ripgrep
# download, npx prompt), so this replays that postinstall by hand (shared/research/e2e.md).
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.100.3
TOOL=.vscode-test/code-server
STAMP="$TOOL/installed-$VERSION"
SUDO=$(command -v sudo || true)

# Debian packages, each only when absent: the browser, kerberos headers (native addon), rg.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
if ((${#missing[@]} > 0)); then
  echo "install-code-server: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -f "$STAMP" ]]; then
  echo "install-code-server: code-server $VERSION already in $TOOL"
  exit 0
fi

echo "install-code-server: installing code-server $VERSION into $TOOL (about 2 minutes)"
rm -rf "$TOOL"
mkdir -p "$TOOL"
cd "$TOOL"
echo '{ "private": true }' >package.json
npm install --ignore-scripts --no-audit --no-fund --no-save "code-server@$VERSION" >install.log 2>&1
# Its own postinstall, step by step: the password hasher first (prebuilt, else built from source).
npm rebuild argon2 >>install.log 2>&1

cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund >>../../../../install.log 2>&1
# @vscode/ripgrep downloads rg from GitHub unless bin/ exists: give it Debian's.
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# node-pty's rebuild calls `npx node-gyp`; npm_config_yes lets npx fetch it without a prompt.
npm_config_yes=true npm rebuild >>../../../../install.log 2>&1
ln -sfn node_modules node_modules.asar
[[ -e bin/remote-cli/code-server ]] || ln -s code-linux.sh bin/remote-cli/code-server
[[ -e bin/helpers/browser.sh ]] || ln -s browser-linux.sh bin/helpers/browser.sh
(cd extensions && npm install --omit=dev --no-audit --no-fund >>../../../../../install.log 2>&1)
cd - >/dev/null

# --version alone writes ~/.config/code-server: point its XDG dirs at a throw-away folder.
scratch=$(mktemp -d)
XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch node node_modules/code-server/out/node/entry.js --version
rm -rf "$scratch"
touch "installed-$VERSION"
echo "install-code-server: done"
