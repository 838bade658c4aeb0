#!/bin/sh
# Stand-in for nixos-rebuild that evaluates and builds the configuration's toplevel with real Nix
# (offline). Takes the arguments npcnix passes to nixos-rebuild. Appends "<operation> <configuration>
# <out path>" to $NIX_REBUILD_RECORD when set. It activates nothing, unless $FAKE_SYSTEM names a
# temporary system (FakeNixosSystem) and the toplevel has a bin/switch-to-configuration
# (NixFlakes.systemFlake): then it does what nixos-rebuild does with it on that system.
set -eu
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
ref=${flake%%#*}
name=${flake#*#}
attr="nixosConfigurations.\"$name\".config.system.build.toplevel"
echo "building $ref#$attr"
# Debian's nix-bin (without nix-setup-systemd) creates no nixbld group; root then builds as itself.
set -- --extra-experimental-features 'nix-command flakes'
getent group nixbld >/dev/null 2>&1 || set -- "$@" --option build-users-group ''
json=$(nix "$@" build --offline --no-link --json "$ref#$attr")
out=$(printf '%s' "$json" | sed -n 's/.*"out":"\([^"]*\)".*/\1/p')
echo "built $out (not activating: this is a test stand-in)"
if [ -n "${NIX_REBUILD_RECORD:-}" ]; then
  printf '%s %s %s\n' "$op" "$name" "$out" >> "$NIX_REBUILD_RECORD"
fi
if [ -n "${FAKE_SYSTEM:-}" ] && [ -x "$out/bin/switch-to-configuration" ]; then
  case $op in
    test) exec "$out/bin/switch-to-configuration" test ;;
    switch|boot)
      "$FAKE_SYSTEM/bin/nix-env" -p "$FAKE_SYSTEM/profiles/system" --set "$out"
      exec "$out/bin/switch-to-configuration" "$op" ;;
  esac
fi
