package dev.npcnix.activate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Builds the activators: the real {@code nixos-rebuild} process and the dry run. */
public final class Activators {
    /** Environment variable naming the {@code nixos-rebuild} executable (as in the Rust npcnix). */
    public static final String NIXOS_REBUILD_ENV = "NPCNIX_NIXOS_REBUILD";

    private Activators() {
    }

    /**
     * Runs {@code nixos-rebuild} (from {@code NPCNIX_NIXOS_REBUILD}, else {@code PATH}, both read from
     * {@code environment}, which is also the child's whole environment), streaming its output line by
     * line to the log, killing its process tree after {@code timeout}.
     */
    public static Activator nixosRebuild(Map<String, String> environment, Optional<Duration> timeout) {
        return new NixosRebuildActivator(environment, timeout);
    }

    /** Does everything but run the rebuild: tells {@code out} the command it would have run. */
    public static Activator dryRun(Consumer<String> out, Map<String, String> environment) {
        return request -> {
            String exe = executable(environment).orElse("nixos-rebuild");
            out.accept("dry run: would run in " + request.flakeDir() + ": " + exe + " " + String.join(" ", request.arguments()));
        };
    }

    /** The executable to run: {@code NPCNIX_NIXOS_REBUILD} as given, else the first {@code nixos-rebuild} on PATH. */
    static Optional<String> executable(Map<String, String> environment) {
        String explicit = environment.get(NIXOS_REBUILD_ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(explicit);
        }
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "nixos-rebuild");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }
}
