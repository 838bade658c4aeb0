package dev.npcnix.system;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One generation of the system profile: {@code system-<number>-link} and the toplevel it points at.
 *
 * @param toplevel the resolved store path of the system ({@code /nix/store/…-nixos-system-web-…})
 */
public record Generation(int number, Path toplevel) {
    public Generation {
        Objects.requireNonNull(toplevel, "toplevel");
    }

    @Override
    public String toString() {
        return "generation " + number + " (" + toplevel + ")";
    }
}
