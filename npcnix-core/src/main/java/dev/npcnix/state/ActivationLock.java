package dev.npcnix.state;

/** Held while a process may run {@code nixos-rebuild}; closing releases it. */
public interface ActivationLock extends AutoCloseable {
    @Override
    void close();
}
