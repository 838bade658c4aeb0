package dev.npcnix.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files on the host, done one way everywhere: the atomic replace (temp file next to the target, fsync,
 * rename, fsync of the directory: readers and a crash see the old file or the new one, never a part),
 * the recursive delete that never follows a symlink out of the tree, and the quiet close.
 */
public final class LocalFiles {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFiles.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private LocalFiles() {
    }

    /** Writes the new content; must not close {@code out}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Replaces {@code target} atomically with what {@code content} writes. The temp file is
     * {@code .<name>.<random>.tmp} in the target's directory, private (0600) while it is written, and
     * removed when anything fails; the file renamed into place has {@code permissions} when given, else
     * the mode the umask gives a new file ({@link #newFilePermissions}).
     *
     * @return the attributes of the file as written, read before the rename (which keeps them)
     */
    public static BasicFileAttributes writeAtomically(Path target, Optional<Set<PosixFilePermission>> permissions,
            Content content) throws IOException {
        return replace(target, permissions, content, true);
    }

    /**
     * As {@link #writeAtomically}, without the fsyncs: readers see the old file or the new one, but a crash
     * may lose the new one (or, on some file systems, leave it empty). For a record rewritten so often that
     * syncing it would cost more than losing it (the last poll).
     */
    public static void replace(Path target, Optional<Set<PosixFilePermission>> permissions, byte[] content) throws IOException {
        replace(target, permissions, out -> out.write(content), false);
    }

    private static BasicFileAttributes replace(Path target, Optional<Set<PosixFilePermission>> permissions,
            Content content, boolean durable) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE)}
                : new FileAttribute<?>[0];
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
                content.writeTo(Channels.newOutputStream(ch));
                if (durable) {
                    ch.force(true);
                }
            }
            // exactly these, whatever the umask; only now that the content is complete. A record that is
            // not durable and wants the temp file's own 0600 skips it: the umask can only take bits away.
            if (posix && (durable || !permissions.filter(PRIVATE::equals).isPresent())) {
                Files.setPosixFilePermissions(temp, permissions.orElseGet(LocalFiles::newFilePermissions));
            }
            BasicFileAttributes written = durable ? Files.readAttributes(temp, BasicFileAttributes.class) : null;
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            if (durable) {
                fsyncDirectory(dir);
            }
            return written;
        } finally {
            if (!moved) {
                deleteQuietly(temp);
            }
        }
    }

    /**
     * The permissions a new file gets from this process's umask ({@code 0666 & ~umask}; Linux reports the
     * umask in {@code /proc/self/status}), 0644 where it cannot be read.
     */
    public static Set<PosixFilePermission> newFilePermissions() {
        int umask = 0022;
        try (var lines = Files.lines(Path.of("/proc/self/status"))) {
            umask = lines.filter(l -> l.startsWith("Umask:")).findFirst()
                    .map(l -> Integer.parseInt(l.substring("Umask:".length()).strip(), 8))
                    .orElse(0022);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the umask: {}", e.toString());
        }
        int mode = 0666 & ~umask;
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // from OWNER_READ (0400) down to OTHERS_EXECUTE (0001)
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(all[i]);
            }
        }
        return permissions;
    }

    /** Whether {@code name} is the name of a temp file {@link #writeAtomically} makes for {@code targetName}. */
    public static boolean isTempOf(String name, String targetName) {
        return name.startsWith("." + targetName + ".") && name.endsWith(".tmp");
    }

    /** Makes a rename durable; some file systems cannot open a directory, and the rename is atomic anyway. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("fsync of directory {} not possible: {}", dir, e.toString());
        }
    }

    /**
     * Deletes {@code path} and everything below it, never following symlinks (a link is removed, not
     * its target). Nothing to do when it does not exist.
     *
     * @throws UncheckedIOException naming the path that could not be removed
     */
    public static void deleteRecursively(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // removed meanwhile: what we wanted
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path + ": " + LocalException.reason(e), e);
        }
    }

    /** Deletes one file if it is there; a failure is logged, for clean-up after another error. */
    public static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", file, e.toString());
        }
    }

    /** Closes {@code c} when not null; a failure is logged: for clean-up, where the first error is the one to report. */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
