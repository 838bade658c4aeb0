#!/bin/sh
# Stand-in for nixos-rebuild in tests. Records each invocation (cwd, arguments, a copy of the flake
# it was pointed at) under $FAKE_NIXOS_REBUILD_LOG.d/N/, then exits with the code in
# $FAKE_NIXOS_REBUILD_LOG.exit (0 when absent), after sleeping the seconds in
# $FAKE_NIXOS_REBUILD_LOG.sleep when present. The file "done" is written last, so a record
# without it is an activation that was killed.
set -eu
log=${FAKE_NIXOS_REBUILD_LOG:?FAKE_NIXOS_REBUILD_LOG must be set}
mkdir -p "$log.d"
n=1
while ! mkdir "$log.d/$n" 2>/dev/null; do n=$((n + 1)); done
rec=$log.d/$n
{
  printf 'cwd=%s\n' "$PWD"
  for a in "$@"; do printf 'arg=%s\n' "$a"; done
} > "$rec/invocation"
flake=
prev=
for a in "$@"; do
  if [ "$prev" = "--flake" ]; then flake=$a; fi
  prev=$a
done
dir=${flake#path:}
dir=${dir%%#*}
if [ -n "$dir" ] && [ -d "$dir" ]; then cp -R "$dir" "$rec/tree"; fi
echo "fake nixos-rebuild: $*"
if [ -f "$log.sleep" ]; then sleep "$(cat "$log.sleep")"; fi
code=0
if [ -f "$log.exit" ]; then code=$(cat "$log.exit"); fi
if [ "$code" != 0 ]; then echo "error: fake nixos-rebuild failing with $code as told" >&2; fi
: > "$rec/done"
exit "$code"
