/**
 * The fleet seen through the store: each host writes a small report next to its remote
 * ({@code <remote>.hosts/<host-id>.json}, {@link dev.npcnix.fleet.Reporter}), and anyone who may list
 * and read that folder sees every host ({@link dev.npcnix.fleet.FleetView}). Guarantees: a report is
 * small and carries no secrets (messages are cut, the store's own messages are already redacted); a
 * report that cannot be written never changes what a poll did; a quiet host writes one report per
 * report interval and nothing else; a report's state is the word {@code status} says for the same host
 * files ({@link dev.npcnix.status.HostStatus#of}), and a reader adds only {@code silent} and {@code behind}
 * ({@link dev.npcnix.fleet.HostCondition}).
 */
package dev.npcnix.fleet;
