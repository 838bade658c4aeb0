#!/usr/bin/env bash
# npcnix first boot on a stock NixOS AMI: run `npcnix bootstrap` once, so that the host
# activates its configuration from the remote and from then on follows it with the
# npcnix service. Pass this file as EC2 user data; NixOS's amazon-init runs it with bash.
#
# Settings: edit the defaults below, or set the variables before this script (the
# Terraform module docs/terraform/install prepends them). Lists are space-separated.
# Where you host npcnix (it has no public address yet), pinned: github:<your-org>/npcnix/<rev>
NPCNIX_FLAKE=${NPCNIX_FLAKE:-}
NPCNIX_REMOTE=${NPCNIX_REMOTE:-s3://acme-config/npcnix/remotes/prod.npcnix}
NPCNIX_CONFIGURATION=${NPCNIX_CONFIGURATION:-web}
NPCNIX_INITIAL_CONFIGURATION=${NPCNIX_INITIAL_CONFIGURATION:-}  # e.g. a small "base" config
NPCNIX_REMOTE_REGION=${NPCNIX_REMOTE_REGION:-}
NPCNIX_S3_ENDPOINT=${NPCNIX_S3_ENDPOINT:-}
NPCNIX_EXTRA_SUBSTITUTERS=${NPCNIX_EXTRA_SUBSTITUTERS:-}
NPCNIX_EXTRA_TRUSTED_PUBLIC_KEYS=${NPCNIX_EXTRA_TRUSTED_PUBLIC_KEYS:-}
NPCNIX_TRUSTED_PUBLIC_KEYS=${NPCNIX_TRUSTED_PUBLIC_KEYS:-}
NPCNIX_TIMEOUT=${NPCNIX_TIMEOUT:-30m}
NPCNIX_SWAP_MB=${NPCNIX_SWAP_MB:-2048}  # temporary swap for evaluating NixOS on small instances; 0: none

set -euo pipefail
if [ -z "$NPCNIX_FLAKE" ]; then
  echo "npcnix bootstrap: set NPCNIX_FLAKE (e.g. github:<your-org>/npcnix/<rev>) at the top of the user data" >&2
  exit 2
fi
# amazon-init's PATH lacks util-linux (mkswap, swapon).
export PATH=/run/current-system/sw/bin:$PATH
# Everything to the serial console (EC2 "Get system log") and to a file.
exec > >(tee -a /var/log/npcnix-bootstrap.log /dev/console) 2>&1
echo "npcnix bootstrap: remote $NPCNIX_REMOTE, configuration $NPCNIX_CONFIGURATION"

# amazon-init runs user data on every boot. Once a configuration with the npcnix
# module is active, the service follows the remote and there is nothing to do.
if systemctl cat npcnix.service >/dev/null 2>&1; then
  echo "npcnix bootstrap: npcnix.service exists, already bootstrapped"
  exit 0
fi

swapfile=/npcnix-bootstrap.swap
if [ "$NPCNIX_SWAP_MB" -gt 0 ] && [ -z "$(swapon --show=NAME --noheadings)" ]; then
  echo "npcnix bootstrap: adding ${NPCNIX_SWAP_MB} MiB of temporary swap"
  dd if=/dev/zero of="$swapfile" bs=1M count="$NPCNIX_SWAP_MB" status=none
  chmod 600 "$swapfile"
  mkswap "$swapfile" >/dev/null
  swapon "$swapfile"
  trap 'swapoff "$swapfile" && rm -f "$swapfile"' EXIT
fi

nix_opts=(--extra-experimental-features 'nix-command flakes')
args=(bootstrap --remote "$NPCNIX_REMOTE" --configuration "$NPCNIX_CONFIGURATION" --timeout "$NPCNIX_TIMEOUT")
[ -n "$NPCNIX_INITIAL_CONFIGURATION" ] && args+=(--initial-configuration "$NPCNIX_INITIAL_CONFIGURATION")
[ -n "$NPCNIX_REMOTE_REGION" ] && args+=(--remote-region "$NPCNIX_REMOTE_REGION")
[ -n "$NPCNIX_S3_ENDPOINT" ] && args+=(--s3-endpoint "$NPCNIX_S3_ENDPOINT")
for s in $NPCNIX_EXTRA_SUBSTITUTERS; do
  # For fetching npcnix itself, and for the activations bootstrap runs.
  nix_opts+=(--option extra-substituters "$s")
  args+=(--extra-substituters "$s")
done
for k in $NPCNIX_EXTRA_TRUSTED_PUBLIC_KEYS; do
  nix_opts+=(--option extra-trusted-public-keys "$k")
  args+=(--extra-trusted-public-keys "$k")
done
for k in $NPCNIX_TRUSTED_PUBLIC_KEYS; do
  args+=(--trusted-public-keys "$k")
done

# Waits (with backoff, up to --timeout) until something is published, activates the
# initial configuration if given, then the target one. Safe to run again.
nix "${nix_opts[@]}" run -L "$NPCNIX_FLAKE" -- "${args[@]}"
echo "npcnix bootstrap: done"
