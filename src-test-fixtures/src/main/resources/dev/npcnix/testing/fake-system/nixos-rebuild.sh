#!/bin/sh
# Stand-in for nixos-rebuild on a temporary "system" ($FAKE_SYSTEM, see FakeNixosSystem): takes the
# arguments npcnix passes (<op> -L --flake path:DIR#NAME [--option K V]...), "evaluates" and "builds" the
# configuration into a toplevel under $FAKE_SYSTEM/store whose name hashes the flake's content, then
# does what the real one does with it: test (switch-to-configuration test), switch (nix-env --set, then
# switch-to-configuration switch), boot (nix-env --set, then switch-to-configuration boot).
# The flake's fake-system/ directory says how the release behaves: eval-fails (the flake does not
# evaluate), kernel (name of its kernel, default k1), activation-fails (exit code of its activation),
# failed-units (units that fail once it runs), http-status (what its HTTP health URL answers),
# command-fails (its health command fails), cuts-store (the store is unreachable while it runs).
# $FAKE_SYSTEM/slow (seconds) makes the build take that long (for kill tests).
set -eu
sys=${FAKE_SYSTEM:?FAKE_SYSTEM must be set}
op=${1:?operation}
shift
flake=
while [ $# -gt 0 ]; do
  case $1 in
    --flake) flake=$2; shift 2 ;;
    --option) shift 3 ;;
    *) shift ;;
  esac
done
dir=${flake#path:}
dir=${dir%%#*}
name=${flake##*#}
echo "fake nixos-rebuild $op: evaluating $dir#$name"
echo "nixos-rebuild $op $name" >> "$sys/events"
if [ -e "$dir/fake-system/eval-fails" ]; then
  echo "error: syntax error, unexpected end of file (fake)" >&2
  exit 1
fi
if [ -f "$sys/slow" ]; then sleep "$(cat "$sys/slow")"; fi
hash=$( (cd "$dir" && find . -type f ! -name 'blob*' | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done; echo "$name") \
  | sha256sum | cut -c1-16)
top=$sys/store/$hash-nixos-system-$name
if [ ! -d "$top" ]; then
  mkdir -p "$top.tmp/bin"
  cp "$sys/lib/switch-to-configuration" "$top.tmp/bin/switch-to-configuration"
  chmod 755 "$top.tmp/bin/switch-to-configuration"
  kernel=k1
  if [ -f "$dir/fake-system/kernel" ]; then kernel=$(cat "$dir/fake-system/kernel"); fi
  for part in kernel initrd kernel-modules; do
    : > "$sys/store/$part-$kernel"
    ln -s "$sys/store/$part-$kernel" "$top.tmp/$part"
  done
  if [ -d "$dir/fake-system" ]; then cp -R "$dir/fake-system/." "$top.tmp/"; fi
  echo "$name" > "$top.tmp/name"
  mv "$top.tmp" "$top"
fi
echo "fake nixos-rebuild: built $top"
case $op in
  test) exec "$top/bin/switch-to-configuration" test ;;
  switch) "$sys/bin/nix-env" -p "$sys/profiles/system" --set "$top"; exec "$top/bin/switch-to-configuration" switch ;;
  boot) "$sys/bin/nix-env" -p "$sys/profiles/system" --set "$top"; exec "$top/bin/switch-to-configuration" boot ;;
  *) exit 0 ;;
esac
