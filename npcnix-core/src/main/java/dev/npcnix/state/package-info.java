/**
 * Host state: the data dir ({@link dev.npcnix.state.DataDir}) alone knows its files and writes them
 * atomically; {@link dev.npcnix.state.Settings} is the Rust npcnix's {@code config.json},
 * {@link dev.npcnix.state.HostState} our {@code state.json}. A crash at any point leaves valid files.
 */
package dev.npcnix.state;
