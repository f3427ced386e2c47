#!/usr/bin/env bash
# Starts (or stops) the local services d4c uses on a development machine, as root:
#   podman's Docker-compatible API on /run/podman/podman.sock (container metadata for the agent),
#   and with --lab the local Kubernetes-shaped node (`d4c lab up`).
# Usage: scripts/start-services.sh [--lab] | --stop
set -euo pipefail
cd "$(dirname "$0")/.."
SOCK=${D4C_PODMAN_SOCK:-/run/podman/podman.sock}

if [ "${1:-}" = --stop ]; then
  ./bin/d4c.js lab down || true
  # Only the service serving our socket, found by its exact command line, stopped by pid.
  for pid in $(pgrep -xf "podman system service --time=0 unix://$SOCK" || true); do
    kill "$pid" && echo "start-services: stopped podman API service $pid"
  done
  rm -f "$SOCK"
  exit 0
fi

bash scripts/podman-setup.sh
if [ "${1:-}" = --lab ]; then ./bin/d4c.js lab up; fi
