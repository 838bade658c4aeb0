package dev.npcnix.state;

/**
 * Held by {@code npcnix follow} for its whole life: one follower per data dir. The kernel releases it
 * when the process ends, however it ends; closing releases it earlier.
 */
public interface FollowerLock extends AutoCloseable {
    @Override
    void close();
}
