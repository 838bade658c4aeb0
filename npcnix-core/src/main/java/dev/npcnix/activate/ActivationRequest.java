package dev.npcnix.activate;

import dev.npcnix.ConfigurationName;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One activation: build {@code configuration} from the flake in {@code flakeDir} and apply it.
 *
 * @param extraSubstituters binary caches, each passed as {@code --option extra-substituters S}
 * @param extraTrustedPublicKeys their keys, each passed as {@code --option extra-trusted-public-keys K}
 */
public record ActivationRequest(Path flakeDir, ConfigurationName configuration, Operation operation,
        List<String> extraSubstituters, List<String> extraTrustedPublicKeys) {
    public ActivationRequest {
        flakeDir = flakeDir.toAbsolutePath().normalize();
        Objects.requireNonNull(configuration, "configuration");
        Objects.requireNonNull(operation, "operation");
        extraSubstituters = List.copyOf(extraSubstituters);
        extraTrustedPublicKeys = List.copyOf(extraTrustedPublicKeys);
    }

    /**
     * The options of the host settings, then those given for this run, each once, in that order: the
     * one way settings and flags combine ({@code --extra-substituters}, {@code --extra-trusted-public-keys}).
     */
    public static List<String> union(List<String> fromSettings, List<String> given) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(fromSettings);
        all.addAll(given);
        return List.copyOf(all);
    }

    /**
     * The flake reference: {@code path:} so Nix neither treats the directory as a git tree (hiding
     * untracked files) nor looks a name up in the registry.
     */
    public String flakeRef() {
        return "path:" + flakeDir + "#" + configuration.value();
    }

    /** The arguments after the executable. */
    public List<String> arguments() {
        List<String> args = new java.util.ArrayList<>(List.of(operation.arg(), "-L", "--flake", flakeRef()));
        for (String s : extraSubstituters) {
            args.addAll(List.of("--option", "extra-substituters", s));
        }
        for (String k : extraTrustedPublicKeys) {
            args.addAll(List.of("--option", "extra-trusted-public-keys", k));
        }
        return List.copyOf(args);
    }
}
