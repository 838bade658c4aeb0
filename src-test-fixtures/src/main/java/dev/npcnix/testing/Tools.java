package dev.npcnix.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Programs some tests run, found on {@code PATH} as a shell finds them, and the reason a test gives
 * when one is missing: the program and the Debian package that has it, so a skip says what to install
 * (and CI's skip check, {@code .ci/check-skips}, can tell a missing tool from a legitimate skip).
 */
public final class Tools {
    private Tools() {
    }

    /** The executable {@code name} on {@code PATH}, if any. */
    public static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** Why a test cannot run without {@code program}, or empty when it is on {@code PATH}. */
    public static Optional<String> missing(String program, String debianPackage) {
        return onPath(program).isPresent() ? Optional.empty()
                : Optional.of(program + " is not on PATH (apt-get install " + debianPackage + ")");
    }
}
