#!/bin/sh
# Stand-in for nix-env on the temporary system of FakeNixosSystem: -p PROFILE --set PATH (a new
# generation PROFILE-N-link -> PATH, the profile pointed at it) and -p PROFILE --switch-generation N.
set -eu
sys=${FAKE_SYSTEM:?FAKE_SYSTEM must be set}
profile=
action=
arg=
while [ $# -gt 0 ]; do
  case $1 in
    -p|--profile) profile=$2; shift 2 ;;
    --set) action=set; arg=$2; shift 2 ;;
    --switch-generation|-G) action=switch; arg=$2; shift 2 ;;
    *) echo "fake nix-env: unsupported argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$profile" ] || { echo "fake nix-env: -p PROFILE required" >&2; exit 2; }
dir=$(dirname "$profile")
base=$(basename "$profile")
echo "nix-env $action $arg" >> "$sys/events"
case $action in
  set)
    n=0
    for link in "$dir/$base"-*-link; do
      [ -e "$link" ] || [ -L "$link" ] || continue
      g=${link#"$dir/$base"-}
      g=${g%-link}
      [ "$g" -gt "$n" ] && n=$g
    done
    n=$((n + 1))
    ln -s "$arg" "$dir/$base-$n-link"
    ln -sfn "$base-$n-link" "$dir/$base.new" && mv -T "$dir/$base.new" "$profile"
    echo "created generation $n"
    ;;
  switch)
    [ -L "$dir/$base-$arg-link" ] || { echo "error: generation $arg does not exist" >&2; exit 1; }
    ln -sfn "$base-$arg-link" "$dir/$base.new" && mv -T "$dir/$base.new" "$profile"
    echo "switching profile to generation $arg"
    ;;
  *) echo "fake nix-env: --set or --switch-generation required" >&2; exit 2 ;;
esac
