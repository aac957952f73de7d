# Sourced, not run: makes sure `node` (20 or newer, for node:test's reporters and --test-concurrency)
# and `npm` are on PATH, installing Debian's nodejs and npm packages when either is missing.
# Needs log() and die() from the caller.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "node or npm not found; installing them from Debian packages"
  if [ "$(id -u)" -eq 0 ]; then
    NODE_SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    NODE_SUDO=(sudo)
  else
    die "node/npm are not installed and this is not root and sudo is missing; install them with: apt-get install nodejs npm"
  fi
  "${NODE_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  # A machine whose nodejs package already bundles npm has no separate npm package to install.
  if command -v node >/dev/null 2>&1; then
    "${NODE_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm
  else
    "${NODE_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
  fi
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "installed nodejs and npm but node or npm is still missing"
fi
[ "$(node_major)" -ge 20 ] || die "node $(node --version) is too old: the SDK tests need node 20 or newer"

# npm_ci_when_changed DIR: `npm ci` in DIR only when its package.json or lockfile changed since the last install
# there (test.sh runs each suite once per store). --ignore-scripts: no package's install script is needed (the SDK's
# only fetches an optional CLI binary), and npm 11 skips unapproved ones anyway.
npm_ci_when_changed() {
  local dir="$1" stamp want
  stamp="$dir/node_modules/.braid-installed"
  want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "npm ci (${dir#"$ROOT"/})"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci failed"
    printf '%s\n' "$want" >"$stamp"
  fi
}
