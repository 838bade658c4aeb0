#!/bin/sh
# The main job end to end on the embedded default: publish the example flake to a local file://
# store, pull it back, then let a host follow the remote in dry-run (everything real except
# nixos-rebuild, which is printed instead). Needs only the built distribution (mvn package).
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
npcnix=$repo/npcnix-cli/target/npcnix/bin/npcnix
[ -x "$npcnix" ] || { echo "demo: build first: mvn -B -q -DskipTests package" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/npcnix-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
remote=file://$work/store/demo.npcnix
export NPCNIX_DATA_DIR=$work/host   # a throwaway host data dir instead of /var/lib/npcnix

step() { printf '\n$ npcnix %s\n' "$*"; "$npcnix" "$@"; }

step publish --src "$repo/docs/examples/flake" --remote "$remote"
step publish --src "$repo/docs/examples/flake" --remote "$remote"    # unchanged: no upload
step pull --remote "$remote" --dst "$work/pulled"
step follow --once --dry-run --remote "$remote" --configuration web
# A dry run changes nothing on the host (no state, no last poll): status still shows a host that
# has applied nothing, with no daemon running.
printf '\n# a dry run records nothing: the host below has applied nothing yet\n'
step status
