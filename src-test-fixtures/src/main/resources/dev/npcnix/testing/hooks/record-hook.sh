#!/bin/sh
# A hook as an operator would write one (docs/operations.md, "Hooks"): it appends what npcnix told it,
# one "NAME=value" line per NPCNIX_* variable (sorted) and an "---" line, to the file named by $1.
set -eu
out="$1"
env | grep '^NPCNIX_' | sort >> "$out"
echo --- >> "$out"
