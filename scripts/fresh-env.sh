# Source this file (bash) to make the shell look like a new machine's: an empty CARGO_HOME in which
# nothing was cargo-installed (only rustup's proxies on PATH: the toolchain is there; wasm-bindgen-cli
# and everything else the project needs must be installed by `npm test` itself) and an empty npm
# cache. CI sources it before `npm test` (.ci/run), so a broken install step fails CI instead of
# passing on a machine that earlier sessions prepared. The folder is removed when the shell exits.
#   source scripts/fresh-env.sh && npm test
#   scripts/fresh-machine.sh            # the same on a fresh clone of HEAD, in a temporary folder
fresh_work=$(mktemp -d "${TMPDIR:-/tmp}/iftb-fresh.XXXXXX")
trap 'rm -rf "$fresh_work"' EXIT
mkdir -p "$fresh_work/bin" "$fresh_work/cargo-home/bin" "$fresh_work/npm-cache"

# Only rustup's own proxies, taken from where rustup put them.
fresh_src=${CARGO_HOME:-$HOME/.cargo}/bin
for t in cargo rustc rustup rustfmt cargo-fmt cargo-clippy clippy-driver rustdoc; do
  if [ -x "$fresh_src/$t" ]; then ln -s "$fresh_src/$t" "$fresh_work/bin/$t"; fi
done
if [ ! -x "$fresh_work/bin/rustup" ]; then echo "fresh-env: rustup not found in $fresh_src" >&2; return 2 2>/dev/null || exit 2; fi

export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export CARGO_HOME="$fresh_work/cargo-home"
export npm_config_cache="$fresh_work/npm-cache"
export CI=${CI:-true}
export PATH="$CARGO_HOME/bin:$fresh_work/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
unset CARGO_TARGET_DIR

for t in wasm-bindgen wasm-bindgen-test-runner wasm-pack; do
  if command -v "$t" >/dev/null 2>&1; then echo "fresh-env: $t is still visible on PATH: $(command -v "$t")" >&2; return 2 2>/dev/null || exit 2; fi
done
echo "fresh-env: CARGO_HOME=$CARGO_HOME (empty), npm cache $npm_config_cache (empty), only rustup's proxies on PATH"
