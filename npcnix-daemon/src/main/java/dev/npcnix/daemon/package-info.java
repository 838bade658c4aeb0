/**
 * The daemon run by systemd: {@link dev.npcnix.daemon.FollowLoop} (poll, exit policy, sleep),
 * {@link dev.npcnix.daemon.Shutdown} and {@link dev.npcnix.daemon.Signals} (SIGTERM never interrupts a
 * running activation), and journald-friendly logging ({@link dev.npcnix.daemon.LogSetup}).
 */
package dev.npcnix.daemon;
