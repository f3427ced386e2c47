#!/usr/bin/env bash
# Installs everything d4c needs on a fresh Debian 12 machine, as root. Idempotent: a second
# run only checks. Used by the README quick start and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
  # eBPF toolchain: the sensor is compiled at install time against this kernel's BTF.
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make pkg-config
  # Containers for the lab and the integration tests.
  podman runc containerd busybox-static iproute2 util-linux curl
  # The agent image (scripts/build-image.sh makes its base images from Debian packages).
  mmdebstrap
  # The console's browser tests and screenshots (driven by playwright-core, never a downloaded browser).
  chromium
  # Benchmarks: peak RSS of a run (GNU time's %M, bench/startup.bench.ts).
  time
)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install: npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -x scripts/build-bpf.sh ]; then scripts/build-bpf.sh; fi
# The console's front end, bundled by esbuild from node_modules (nothing fetched at run time).
npx tsx scripts/build-console.ts build/console
# podman configuration for this host and the local busybox image (no registry is reachable).
# The API service is started by scripts/start-services.sh (the agent) or by the tests themselves.
D4C_PODMAN_SERVICE=0 bash scripts/podman-setup.sh
echo "install: ok"
