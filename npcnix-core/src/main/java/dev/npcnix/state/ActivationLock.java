package dev.npcnix.state;

/**
 * Held while a process may run {@code nixos-rebuild}; closing releases it. The holder says when it
 * starts activating ({@link #activating()}), so a process waiting for the lock says "waiting for another
 * npcnix activation" only when one is really running, not while the holder merely polls.
 */
public interface ActivationLock extends AutoCloseable {
    /** From now on the holder runs {@code nixos-rebuild} (written into the lock file for waiters to read). */
    default void activating() {
    }

    @Override
    void close();
}
