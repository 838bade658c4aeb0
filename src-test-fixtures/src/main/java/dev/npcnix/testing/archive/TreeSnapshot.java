package dev.npcnix.testing.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a directory tree holds, for comparing trees in tests: every path (relative, '/'-separated) with
 * its kind, permission bits, and content hash or symlink target. Never follows symlinks. Compare two
 * with {@code assertThat(TreeSnapshot.of(a)).isEqualTo(TreeSnapshot.of(b))}; a failure lists both.
 *
 * @param entries relative path to what is there
 */
public record TreeSnapshot(Map<String, Node> entries) {
    /**
     * One path.
     *
     * @param kind "file", "dir", "symlink" or "other"
     * @param mode permission bits (0 for symlinks)
     * @param detail "sha256:HEX" for files, the target for symlinks, empty otherwise
     */
    public record Node(String kind, int mode, String detail) {
        @Override
        public String toString() {
            return kind + (kind.equals("symlink") ? "" : String.format(" %04o", mode)) + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    public TreeSnapshot {
        entries = Map.copyOf(entries);
    }

    public static TreeSnapshot of(Path root) {
        Map<String, Node> entries = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(root)) {
                        entries.put(relative(root, dir), new Node("dir", mode(dir), ""));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Node node;
                    if (attrs.isSymbolicLink()) {
                        node = new Node("symlink", 0, Files.readSymbolicLink(file).toString());
                    } else if (attrs.isRegularFile()) {
                        node = new Node("file", mode(file), "sha256:" + sha256(file));
                    } else {
                        node = new Node("other", mode(file), "");
                    }
                    entries.put(relative(root, file), node);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TreeSnapshot(entries);
    }

    /** Modes as a {@code .npcnix} keeps them: files 0755 when owner-executable else 0644, directories 0755. */
    public TreeSnapshot normalizedModes() {
        Map<String, Node> normalized = new TreeMap<>();
        entries.forEach((path, node) -> normalized.put(path, switch (node.kind()) {
            case "file" -> new Node("file", (node.mode() & 0100) != 0 ? 0755 : 0644, node.detail());
            case "dir" -> new Node("dir", 0755, node.detail());
            default -> node;
        }));
        return new TreeSnapshot(normalized);
    }

    /** The same snapshot without {@code prefix} and the paths under it. */
    public TreeSnapshot without(String prefix) {
        Map<String, Node> kept = new TreeMap<>(entries);
        kept.keySet().removeIf(path -> path.equals(prefix) || path.startsWith(prefix + "/"));
        return new TreeSnapshot(kept);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(entries).forEach((path, node) -> out.append(path).append(": ").append(node).append('\n'));
        return out.toString();
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
    }

    private static int mode(Path path) throws IOException {
        int mode = 0;
        for (PosixFilePermission permission : Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)) {
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
