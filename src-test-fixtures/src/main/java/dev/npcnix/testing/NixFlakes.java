package dev.npcnix.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Support for tests with real Nix: a flake without inputs whose {@code nixosConfigurations.<name>}
 * toplevels are trivial derivations built by a statically linked busybox copied into the flake,
 * and a {@code nixos-rebuild} stand-in that builds them offline and never activates.
 */
public final class NixFlakes {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private NixFlakes() {
    }

    /**
     * Why tests that build with real Nix cannot run here, or empty when they can: they need {@code nix}
     * and a statically linked busybox (the builder of the trivial toplevels).
     */
    public static Optional<String> unavailableBecause() {
        Optional<String> nix = Tools.missing("nix", "nix-bin");
        if (nix.isPresent()) {
            return nix;
        }
        if (!Files.isExecutable(BUSYBOX)) {
            return Optional.of(BUSYBOX + " is missing (apt-get install busybox-static)");
        }
        return Optional.empty();
    }

    /**
     * Writes a flake whose configurations {@code names} build a file containing their name. With
     * {@code evaluates} false the flake has a syntax error.
     */
    public static Path trivialFlake(Path dir, boolean evaluates, String... names) {
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.copy(BUSYBOX, dir.resolve("bin/sh"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(dir.resolve("system"), System.getProperty("os.arch").equals("aarch64") ? "aarch64-linux" : "x86_64-linux");
            StringBuilder configs = new StringBuilder();
            for (String n : names) {
                configs.append("      nixosConfigurations.\"").append(n).append("\" = host \"").append(n).append("\";\n");
            }
            String flake = """
                    {
                      description = "npcnix test flake: trivial toplevels, no inputs";
                      outputs = { self }:
                        let
                          system = builtins.readFile ./system;
                          host = name: {
                            config.system.build.toplevel = derivation {
                              inherit name system;
                              builder = "${./bin}/sh";
                              args = [ "-c" "echo ${name} > $out" ];
                            };
                          };
                        in {
                    %s    };
                    }
                    """.formatted(configs) + (evaluates ? "" : "this is not nix (\n");
            Files.writeString(dir.resolve("flake.nix"), flake);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a flake whose configuration {@code name} builds a system toplevel directory: a
     * {@code bin/switch-to-configuration} that switches and records on a {@link FakeNixosSystem}
     * (the same script its own toplevels carry), and with {@code commandFails} the file
     * {@code command-fails} that makes {@link FakeNixosSystem#healthCommand()} fail while it runs.
     * {@code version} changes the toplevel's content, so each version is a new store path.
     */
    public static Path systemFlake(Path dir, String name, int version, boolean commandFails) {
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.copy(BUSYBOX, dir.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(dir.resolve("system"), System.getProperty("os.arch").equals("aarch64") ? "aarch64-linux" : "x86_64-linux");
            try (InputStream in = NixFlakes.class.getResourceAsStream("fake-system/switch-to-configuration.sh")) {
                Files.write(dir.resolve("switch-to-configuration"), in.readAllBytes());
            }
            String bb = "${./bin}/busybox";
            String build = bb + " mkdir -p $out/bin && " + bb + " cp ${./switch-to-configuration} $out/bin/switch-to-configuration && "
                    + bb + " chmod 755 $out/bin/switch-to-configuration && echo " + name + "-" + version + " > $out/name"
                    + (commandFails ? " && " + bb + " touch $out/command-fails" : "");
            String flake = String.join("\n",
                    "{",
                    "  description = \"npcnix test flake: a system toplevel with a recording switch-to-configuration, no inputs\";",
                    "  outputs = { self }:",
                    "    let",
                    "      system = builtins.readFile ./system;",
                    "    in {",
                    "      nixosConfigurations.\"" + name + "\".config.system.build.toplevel = derivation {",
                    "        name = \"nixos-system-" + name + "\";",
                    "        inherit system;",
                    "        builder = \"" + bb + "\";",
                    "        args = [ \"sh\" \"-c\" \"" + build + "\" ];",
                    "      };",
                    "    };",
                    "}",
                    "");
            Files.writeString(dir.resolve("flake.nix"), flake);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Installs the building stand-in as {@code dir/nixos-rebuild}. */
    public static Path installBuildingRebuild(Path dir) {
        try {
            Files.createDirectories(dir);
            Path exe = dir.resolve("nixos-rebuild");
            try (InputStream in = NixFlakes.class.getResourceAsStream("nix-nixos-rebuild.sh")) {
                Files.write(exe, in.readAllBytes());
            }
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
            return exe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
