/**
 * Test support for the {@code .npcnix} archive format: a sample flake tree, tree snapshots to compare
 * unpacked trees, a builder for arbitrary (also malformed) tar streams, and the hostile-archive corpus
 * that every unpacking path (API, CLI {@code pull}, daemon poll) must refuse. Independent of npcnix-core.
 */
package dev.npcnix.testing.archive;
