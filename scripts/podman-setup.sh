#!/usr/bin/env bash
# Prepares podman for the integration tests and the lab, as root. Idempotent: safe to run twice.
#  - /etc/containers/containers.conf: runc + cgroupfs (crun fails on this hybrid cgroup host) and
#    rlimits below the VM's hard limit (podman's defaults exceed it and every `run` fails).
#  - a local busybox image (no registry is reachable): localhost/d4c/busybox:latest, also tagged
#    docker.io/library/busybox:latest so tests can use the ordinary name.
#  - the Docker-compatible API service on /run/podman/podman.sock, in the background.
set -euo pipefail

SOCK=${D4C_PODMAN_SOCK:-/run/podman/podman.sock}
IMAGE=localhost/d4c/busybox:latest
ALIAS=docker.io/library/busybox:latest
BUSYBOX=${D4C_BUSYBOX:-/bin/busybox}

conf=/etc/containers/containers.conf
want='# Written by d4c scripts/podman-setup.sh (see docs/containers.md).
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"'
if [ ! -f "$conf" ] || ! grep -q 'cgroup_manager = "cgroupfs"' "$conf"; then
  if [ -f "$conf" ]; then cp "$conf" "$conf.d4c-backup"; fi
  mkdir -p /etc/containers
  printf '%s\n' "$want" >"$conf"
  echo "podman-setup: wrote $conf"
fi

if ! podman image exists "$IMAGE"; then
  [ -x "$BUSYBOX" ] || { echo "podman-setup: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"/{bin,sbin,etc,tmp,root,proc,sys,dev,usr/bin,usr/sbin,var/tmp}
  cp "$BUSYBOX" "$tmp/bin/busybox"
  # Applet links so `sh`, `ls`, `sleep`... exist at their usual paths.
  for a in $("$BUSYBOX" --list); do
    [ "$a" = busybox ] || ln -sf /bin/busybox "$tmp/bin/$a"
  done
  chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tmp/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
  tar -C "$tmp" -c . | podman import -q \
    --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$IMAGE" >/dev/null
  echo "podman-setup: built $IMAGE"
fi
podman image exists "$ALIAS" || podman tag "$IMAGE" "$ALIAS"

# The API service: reuse a live one, replace a stale socket. D4C_PODMAN_SERVICE=0 skips it (d4c lab).
if [ "${D4C_PODMAN_SERVICE:-1}" != 0 ] && ! curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
  mkdir -p "$(dirname "$SOCK")"
  rm -f "$SOCK"
  nohup podman system service --time=0 "unix://$SOCK" >/var/log/d4c-podman-service.log 2>&1 &
  for _ in $(seq 1 50); do
    curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 ||
    { echo "podman-setup: API service did not come up on $SOCK (see /var/log/d4c-podman-service.log)" >&2; exit 1; }
  echo "podman-setup: API service on $SOCK"
fi
echo "podman-setup: ok"
