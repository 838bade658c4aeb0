/**
 * Is this host in sync, and is anyone following? {@link dev.npcnix.status.HostStatus#of} classifies what
 * a host knows (settings, state, its last poll, the daemon, the time) into one state word and the advice
 * that still applies: one pure function for {@code npcnix status} and the fleet view alike.
 */
package dev.npcnix.status;
