package dev.npcnix.archive;

import java.time.Instant;
import java.util.Set;

/**
 * How to pack a flake directory.
 *
 * @param includes top-level directories to pack; empty packs all (top-level files are always packed)
 * @param includeGit pack {@code .git} too
 * @param mtime the modification time written for every entry (deterministic output)
 * @param level zstd compression level
 */
public record PackOptions(Set<String> includes, boolean includeGit, Instant mtime, int level) {
    /** The fixed mtime when {@code SOURCE_DATE_EPOCH} is not set: 1980-01-01, as reproducible builds do. */
    public static final Instant DEFAULT_MTIME = Instant.parse("1980-01-01T00:00:00Z");
    public static final int DEFAULT_LEVEL = 3;

    public PackOptions {
        includes = Set.copyOf(includes);
    }

    public static PackOptions defaults() {
        return new PackOptions(Set.of(), false, DEFAULT_MTIME, DEFAULT_LEVEL);
    }

    /** Defaults, with the mtime from {@code SOURCE_DATE_EPOCH} (seconds) when given. */
    public static PackOptions fromSourceDateEpoch(String sourceDateEpoch) {
        if (sourceDateEpoch == null || sourceDateEpoch.isBlank()) {
            return defaults();
        }
        try {
            return defaults().withMtime(Instant.ofEpochSecond(Long.parseLong(sourceDateEpoch.strip())));
        } catch (NumberFormatException e) {
            throw new dev.npcnix.InvalidInputException("SOURCE_DATE_EPOCH " + sourceDateEpoch + ": not a number of seconds", e);
        }
    }

    public PackOptions withIncludes(Set<String> newIncludes) {
        return new PackOptions(newIncludes, includeGit, mtime, level);
    }

    public PackOptions withIncludeGit(boolean newIncludeGit) {
        return new PackOptions(includes, newIncludeGit, mtime, level);
    }

    public PackOptions withMtime(Instant newMtime) {
        return new PackOptions(includes, includeGit, newMtime, level);
    }
}
