/**
 * The host's own machinery, one home for each small thing: SHA-256 and MD5 ({@link dev.npcnix.local.Digests}),
 * the atomic file write, the recursive delete and the quiet close ({@link dev.npcnix.local.LocalFiles}), and
 * {@link dev.npcnix.local.LocalException}, the failure class for the host's own problems (a full disk, an
 * unwritable directory): never the store's fault, never a release's.
 */
package dev.npcnix.local;
