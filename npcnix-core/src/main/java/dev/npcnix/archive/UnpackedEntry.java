package dev.npcnix.archive;

import java.util.Objects;

/**
 * One entry as an unpack created it, reported to the observer given to
 * {@link FlakeArchive#unpack(java.io.InputStream, java.nio.file.Path, UnpackLimits, java.util.function.Consumer)}
 * (what a signed manifest is checked against).
 *
 * @param path relative path, '/'-separated, no trailing slash
 * @param type what was created; a hard link is reported as the {@link Type#FILE} it shares content with
 * @param mode permission bits as created: 0644 or 0755 for files, 0755 for directories, 0777 for symlinks
 * @param size content bytes of a file, 0 otherwise
 * @param sha256 lowercase hex SHA-256 of a file's content, {@code null} for directories and symlinks
 * @param linkTarget a symlink's target as stored, {@code null} otherwise
 */
public record UnpackedEntry(String path, Type type, int mode, long size, String sha256, String linkTarget) {
    public enum Type { FILE, DIRECTORY, SYMLINK }

    public UnpackedEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
    }
}
