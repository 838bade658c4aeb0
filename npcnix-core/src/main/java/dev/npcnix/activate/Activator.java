package dev.npcnix.activate;

/**
 * Applies a flake's configuration to this host. The seam at the {@code nixos-rebuild} process boundary:
 * {@link Activators#nixosRebuild} runs it, {@link Activators#dryRun} only says what it would run.
 */
@FunctionalInterface
public interface Activator {
    /**
     * Builds and applies the request; returns when it is done.
     *
     * @throws ActivationException when it fails
     */
    void activate(ActivationRequest request);
}
