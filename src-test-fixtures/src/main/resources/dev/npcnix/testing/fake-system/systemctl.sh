#!/bin/sh
# Stand-in for systemctl on the temporary system of FakeNixosSystem: "list-units --state=failed ..."
# lists run/failed-units as systemctl --plain --no-legend does (unit load active sub description);
# "reboot" records that a reboot was asked for (the test then reboots the system itself).
set -eu
sys=${FAKE_SYSTEM:?FAKE_SYSTEM must be set}
case ${1:-} in
  list-units)
    if [ -f "$sys/run/failed-units" ]; then
      while read -r unit; do
        [ -n "$unit" ] && printf '%s loaded failed failed %s (fake)\n' "$unit" "$unit"
      done < "$sys/run/failed-units"
    fi
    ;;
  reboot)
    echo "systemctl reboot" >> "$sys/events"
    : > "$sys/reboot-requested"
    ;;
  *) echo "systemctl $*" >> "$sys/events" ;;
esac
exit 0
