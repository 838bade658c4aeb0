/**
 * Signed releases: Ed25519 keys in Nix's format ({@link dev.npcnix.sign.NixKeys}), the manifest packed
 * as {@code .npcnix/manifest.json} with its signature, and the host-side check
 * ({@link dev.npcnix.sign.ManifestVerifier}) that refuses unsigned, tampered, foreign or replayed releases.
 */
package dev.npcnix.sign;
