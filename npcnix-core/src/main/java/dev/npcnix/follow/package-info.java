/**
 * Following a remote: one synchronous poll step ({@link dev.npcnix.follow.Follower#pollOnce()}) with a
 * sealed result, run as stages with one typed input and output each (fetch, download, screen,
 * unpack and verify, activate, record) by a small pipeline; the adaptive schedule as pure functions
 * ({@link dev.npcnix.follow.Schedule}); and first-boot {@link dev.npcnix.follow.Bootstrap}, which reuses
 * the same step. Clock, randomness and sleeping are injected; nothing here loops forever or handles
 * signals (the daemon does).
 */
package dev.npcnix.follow;
