/**
 * Test support shared by every module's tests: a stand-in {@code nixos-rebuild} script, sample flakes,
 * the Rust npcnix's state files, an in-JVM S3 server ({@code s3}), a static HTTP server ({@code http})
 * and hostile-archive builders ({@code archive}). Depends on no npcnix module.
 */
package dev.npcnix.testing;
