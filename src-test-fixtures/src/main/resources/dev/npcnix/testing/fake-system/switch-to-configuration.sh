#!/bin/sh
# Stand-in for a toplevel's bin/switch-to-configuration on the temporary system of FakeNixosSystem.
# test|switch: points run/current-system at this toplevel first (as NixOS's activation script does),
# then "starts its units": run/failed-units becomes this toplevel's failed-units, run/store-cut
# exists while it cuts the store off; fails with the code in its activation-fails (after switching,
# so a failed activation leaves the system half-switched, as a real one may).
# boot|switch: makes it the boot loader's default entry (boot/default).
# Every run is appended to $sys/events; $sys/slow-activation (seconds) makes it take that long.
# The system is $FAKE_SYSTEM, else the directory the toplevel is in (a toplevel built by real Nix, in
# /nix/store, carries this script too: NixFlakes.systemFlake).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd -P)
sys=${FAKE_SYSTEM:-$(cd "$top/../.." && pwd -P)}
action=${1:?action}
echo "switch-to-configuration $action $top" >> "$sys/events"
echo "fake switch-to-configuration $action $top"
case $action in
  test|switch)
    ln -sfn "$top" "$sys/run/current-system.new" && mv -T "$sys/run/current-system.new" "$sys/run/current-system"
    if [ -f "$sys/slow-activation" ]; then sleep "$(cat "$sys/slow-activation")"; fi
    if [ -f "$top/failed-units" ]; then cp "$top/failed-units" "$sys/run/failed-units"; else rm -f "$sys/run/failed-units"; fi
    if [ -e "$top/cuts-store" ]; then : > "$sys/run/store-cut"; else rm -f "$sys/run/store-cut"; fi
    ;;
esac
case $action in
  boot|switch)
    ln -sfn "$top" "$sys/boot/default.new" && mv -T "$sys/boot/default.new" "$sys/boot/default"
    ;;
esac
if [ "$action" != boot ] && [ -f "$top/activation-fails" ]; then
  code=$(cat "$top/activation-fails")
  echo "error: activation of $top failed with $code (fake)" >&2
  exit "$code"
fi
exit 0
