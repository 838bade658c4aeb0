package dev.npcnix.cli;

import dev.npcnix.archive.PackOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** What to pack: the flake directory and which top-level directories of it. */
final class PackSourceOptions {
    @Option(names = "--src", paramLabel = "DIR", required = true,
            description = "The flake directory (must contain flake.nix).")
    Path src;

    @Option(names = "--include", paramLabel = "DIR",
            description = "Pack only these top-level directories (repeatable; top-level files are always packed). Default: all.")
    List<String> include = new ArrayList<>();

    @Option(names = "--include-git", description = "Pack the .git directory too (left out by default).")
    boolean includeGit;

    /** Options for the archive, with the mtime from {@code SOURCE_DATE_EPOCH} when set. */
    PackOptions packOptions(Map<String, String> env) {
        return PackOptions.fromSourceDateEpoch(env.get("SOURCE_DATE_EPOCH"))
                .withIncludes(new HashSet<>(include))
                .withIncludeGit(includeGit);
    }
}
