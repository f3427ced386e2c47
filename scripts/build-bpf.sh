#!/usr/bin/env bash
# Builds the eBPF sensor against this machine's kernel BTF: bpf/.output/{vmlinux.h, d4c.bpf.o,
# d4c.skel.h, d4c-sensor}. Idempotent: does nothing when the outputs are newer than the sources.
set -euo pipefail
cd "$(dirname "$0")/../bpf"
OUT=.output
mkdir -p "$OUT"
CLANG=${CLANG:-clang}
BPFTOOL=${BPFTOOL:-bpftool}
# The loader is plain C: any C compiler will do; clang is always there (it builds the BPF side).
CC=${CC:-$(command -v cc || command -v gcc || echo "$CLANG")}
BTF=${D4C_BTF:-/sys/kernel/btf/vmlinux}

need() { command -v "$1" >/dev/null 2>&1 || { echo "build-bpf: $1 not found (apt-get install $2)" >&2; exit 1; }; }
need "$CLANG" clang
need "$BPFTOOL" bpftool
[ -r "$BTF" ] || { echo "build-bpf: no kernel BTF at $BTF (the kernel needs CONFIG_DEBUG_INFO_BTF=y)" >&2; exit 1; }
[ -r /usr/include/bpf/libbpf.h ] || { echo "build-bpf: libbpf headers missing (apt-get install libbpf-dev)" >&2; exit 1; }

newer() { # newer TARGET SOURCES...: true when TARGET is missing or older than any source
  local t=$1; shift
  [ -e "$t" ] || return 0
  for s in "$@"; do [ "$s" -nt "$t" ] && return 0; done
  return 1
}

# vmlinux.h changes only with the kernel: key it by the BTF's content hash.
btf_id=$(sha1sum "$BTF" | cut -c1-16)
if [ ! -s "$OUT/vmlinux.h" ] || [ "$(cat "$OUT/vmlinux.btfid" 2>/dev/null)" != "$btf_id" ]; then
  "$BPFTOOL" btf dump file "$BTF" format c > "$OUT/vmlinux.h.tmp"
  mv "$OUT/vmlinux.h.tmp" "$OUT/vmlinux.h"
  echo "$btf_id" > "$OUT/vmlinux.btfid"
fi

ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
if newer "$OUT/d4c.bpf.o" d4c.bpf.c ./*.bpf.h events.h "$OUT/vmlinux.h"; then
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_"$ARCH" -I"$OUT" -I. -Wall -Wno-unused-function \
    -c d4c.bpf.c -o "$OUT/d4c.bpf.o.tmp"
  mv "$OUT/d4c.bpf.o.tmp" "$OUT/d4c.bpf.o"
  "$BPFTOOL" gen skeleton "$OUT/d4c.bpf.o" name d4c > "$OUT/d4c.skel.h.tmp"
  mv "$OUT/d4c.skel.h.tmp" "$OUT/d4c.skel.h"
fi
if newer "$OUT/d4c-sensor" loader.c events.h exit-codes.h "$OUT/d4c.skel.h"; then
  "$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -I"$OUT" -I. loader.c -o "$OUT/d4c-sensor.tmp" -lbpf -lelf -lz
  mv "$OUT/d4c-sensor.tmp" "$OUT/d4c-sensor"
fi
# The enforcer (issue 7): fanotify permission events + the sensor's pinned open-flags map.
if newer "$OUT/d4c-enforcer" enforcer.c enforcer.h events.h exit-codes.h; then
  "$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -I. enforcer.c -o "$OUT/d4c-enforcer.tmp" -lbpf
  mv "$OUT/d4c-enforcer.tmp" "$OUT/d4c-enforcer"
fi
# Outbound connect blocking (issue 8): cgroup/connect4 + connect6 and their loader.
if newer "$OUT/connect-block.bpf.o" connect-block.bpf.c connect-block.h "$OUT/vmlinux.h"; then
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_"$ARCH" -I"$OUT" -I. -Wall \
    -c connect-block.bpf.c -o "$OUT/connect-block.bpf.o.tmp"
  mv "$OUT/connect-block.bpf.o.tmp" "$OUT/connect-block.bpf.o"
  "$BPFTOOL" gen skeleton "$OUT/connect-block.bpf.o" name d4c_cb > "$OUT/connect-block.skel.h.tmp"
  mv "$OUT/connect-block.skel.h.tmp" "$OUT/connect-block.skel.h"
fi
if newer "$OUT/d4c-connect-block" connect-block.c connect-block.h exit-codes.h "$OUT/connect-block.skel.h"; then
  "$CC" -O2 -g -Wall -Wextra -I"$OUT" -I. connect-block.c -o "$OUT/d4c-connect-block.tmp" -lbpf -lelf -lz
  mv "$OUT/d4c-connect-block.tmp" "$OUT/d4c-connect-block"
fi
echo "build-bpf: ok ($OUT/d4c-sensor, $OUT/d4c-enforcer, $OUT/d4c-connect-block)"
