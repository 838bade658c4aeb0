package dev.npcnix.system;

import java.util.Objects;
import java.util.Optional;

/**
 * The host's reboot settings ({@code reboot} in {@code config.json}).
 *
 * @param window when empty, reboots happen at once
 */
public record RebootSettings(RebootPolicy policy, Optional<RebootWindow> window) {
    public static final RebootSettings NEVER = new RebootSettings(RebootPolicy.NEVER, Optional.empty());

    public RebootSettings {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(window, "window");
    }
}
