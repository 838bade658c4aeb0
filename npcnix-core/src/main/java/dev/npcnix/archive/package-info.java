/**
 * The {@code .npcnix} archive: packs a flake directory into a deterministic zstd-compressed tar that the
 * Rust npcnix reads, and unpacks untrusted archives (ours, the Rust tool's, GNU tar's) all-or-nothing:
 * nothing outside the destination, no devices, no setuid bits, bounded size, and no half-written tree.
 * {@link dev.npcnix.archive.FlakeArchive} is the whole entry point; the rest is package-private.
 */
package dev.npcnix.archive;
