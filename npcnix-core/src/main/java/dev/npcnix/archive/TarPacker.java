package dev.npcnix.archive;

import com.github.luben.zstd.ZstdOutputStream;
import dev.npcnix.InvalidInputException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a flake directory as a deterministic zstd-compressed tar: entries sorted by the bytes of their
 * relative path, uid/gid 0, no owner names, one fixed mtime, modes reduced to 0644/0755/0777.
 * Reads each file in large chunks straight into the compressor, never whole.
 */
final class TarPacker {
    private static final Logger LOG = LoggerFactory.getLogger(TarPacker.class);
    private static final int BUFFER_SIZE = 256 * 1024;
    private static final int FILE_MODE = 0644;
    private static final int EXEC_MODE = 0755;
    private static final int DIR_MODE = 0755;
    private static final int SYMLINK_MODE = 0777;
    private static final int MAX_WORKERS = 4;
    /** What the JDK decodes bytes that are not valid in the file-name encoding (UTF-8) to. */
    private static final char UNDECODABLE = '\uFFFD';

    private final Path root;
    private final PackOptions options;
    private final int workers;
    private final FileTime mtime;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private final List<String> warnings = new ArrayList<>();
    private int entries;
    private long contentBytes;

    private TarPacker(Path root, PackOptions options, int workers) {
        this.root = root;
        this.options = options;
        this.workers = workers;
        // Whole seconds: a fraction would make commons-compress add a PAX header per entry.
        this.mtime = FileTime.from(Instant.ofEpochSecond(options.mtime().getEpochSecond()));
    }

    static PackResult pack(Path src, OutputStream out, PackOptions options) {
        return pack(src, out, options, Math.max(1, Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors())));
    }

    /** With a given number of zstd workers (at least 1): the bytes must not depend on it. */
    static PackResult pack(Path src, OutputStream out, PackOptions options, int workers) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(options, "options");
        if (workers < 1) {
            throw new IllegalArgumentException("zstd workers: " + workers);
        }
        requireFlakeSource(src);
        TarPacker packer = new TarPacker(src, options, workers);
        try {
            packer.write(out);
        } catch (IOException e) {
            throw ArchiveException.ioFailure("pack " + src + ": " + ArchiveException.describe(e), e);
        }
        return new PackResult(packer.entries, packer.contentBytes, packer.warnings);
    }

    static void requireFlakeSource(Path src) {
        Objects.requireNonNull(src, "src");
        if (!Files.isDirectory(src)) {
            throw new InvalidInputException("flake source " + src + ": not a directory");
        }
        Path flake = src.resolve("flake.nix");
        if (!Files.exists(flake, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("flake source " + src + ": no flake.nix");
        }
        if (!Files.isRegularFile(flake, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("flake source " + src + ": flake.nix is not a regular file");
        }
    }

    private void write(OutputStream out) throws IOException {
        // The tar stream closes the zstd stream (ending its frame), which closes only our shield.
        try (ZstdOutputStream zstd = new ZstdOutputStream(new NonClosingOutputStream(out), options.level());
                TarArchiveOutputStream tar = new TarArchiveOutputStream(zstd, StandardCharsets.UTF_8.name())) {
            zstd.setChecksum(true);
            // Compress on zstd worker threads while this one reads files. Streaming output is the same
            // for any number of workers >= 1 (only the single-threaded mode differs), so the bytes do
            // not depend on the machine; they also match what the zstd command line writes.
            zstd.setWorkers(workers);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            tar.setAddPaxHeadersForNonAsciiNames(false);
            walk(tar);
            tar.finish();
        }
        out.flush();
    }

    /** Depth-first, children sorted so that the whole stream is in byte order of the relative path. */
    private void walk(TarArchiveOutputStream tar) throws IOException {
        Deque<Node> stack = new ArrayDeque<>();
        pushChildren(stack, root, "", true);
        while (!stack.isEmpty()) {
            Node node = stack.pop();
            PosixFileAttributes attrs = node.attrs();
            if (attrs.isDirectory()) {
                putDirectory(tar, node);
                pushChildren(stack, node.path(), node.relative() + "/", false);
            } else if (attrs.isRegularFile()) {
                putFile(tar, node);
            } else if (attrs.isSymbolicLink()) {
                putSymlink(tar, node);
            } else {
                warn("skipped " + node.relative() + ": not a regular file, directory or symlink");
            }
        }
    }

    private void pushChildren(Deque<Node> stack, Path dir, String prefix, boolean topLevel) throws IOException {
        List<Node> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                String name = child.getFileName().toString();
                if (name.indexOf(UNDECODABLE) >= 0) {
                    warn("skipped " + prefix + name + ": name is not valid UTF-8");
                    continue;
                }
                PosixFileAttributes attrs =
                        Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (topLevel && !selected(name, attrs)) {
                    LOG.debug("not packing {}", name);
                    continue;
                }
                children.add(Node.of(child, prefix + name, attrs));
            }
        }
        children.sort(Node::compareTo);
        for (int i = children.size() - 1; i >= 0; i--) {
            stack.push(children.get(i));
        }
    }

    private boolean selected(String topLevelName, PosixFileAttributes attrs) {
        if (topLevelName.equals(".git")) {
            return options.includeGit(); // a directory, or a file in a git worktree
        }
        return !attrs.isDirectory() || options.includes().isEmpty() || options.includes().contains(topLevelName);
    }

    private void putDirectory(TarArchiveOutputStream tar, Node node) throws IOException {
        TarArchiveEntry entry = entry(node.relative() + "/", TarConstants.LF_DIR, DIR_MODE);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
        entries++;
    }

    private void putFile(TarArchiveOutputStream tar, Node node) throws IOException {
        boolean exec = node.attrs().permissions().contains(PosixFilePermission.OWNER_EXECUTE);
        long size = node.attrs().size();
        TarArchiveEntry entry = entry(node.relative(), TarConstants.LF_NORMAL, exec ? EXEC_MODE : FILE_MODE);
        entry.setSize(size);
        try (InputStream in = Files.newInputStream(node.path(), LinkOption.NOFOLLOW_LINKS)) {
            tar.putArchiveEntry(entry);
            long remaining = size;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new EOFException(node.relative() + ": file shrank while being packed");
                }
                tar.write(buffer, 0, n);
                remaining -= n;
            }
            // A file that grew while packed is cut at the size announced in its header.
        }
        tar.closeArchiveEntry();
        entries++;
        contentBytes += size;
    }

    private void putSymlink(TarArchiveOutputStream tar, Node node) throws IOException {
        Path target = Files.readSymbolicLink(node.path());
        String targetText = target.toString();
        if (targetText.indexOf(UNDECODABLE) >= 0) {
            warn("skipped symlink " + node.relative() + ": target is not valid UTF-8");
            return;
        }
        if (target.isAbsolute()) {
            warn("skipped symlink " + node.relative() + " -> " + targetText + ": absolute target");
            return;
        }
        if (escapesRoot(node.relative(), targetText)) {
            warn("skipped symlink " + node.relative() + " -> " + targetText + ": points outside the flake");
            return;
        }
        TarArchiveEntry entry = entry(node.relative(), TarConstants.LF_SYMLINK, SYMLINK_MODE);
        entry.setLinkName(targetText);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
        entries++;
    }

    /** Lexical: the link's directory joined with its target must not climb above the root. */
    static boolean escapesRoot(String linkRelative, String target) {
        int depth = linkRelative.split("/").length - 1;
        for (String part : target.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else {
                depth++;
            }
        }
        return false;
    }

    private TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setMode(mode);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        entry.setLastModifiedTime(mtime);
        return entry;
    }

    private void warn(String warning) {
        LOG.warn("flake source {}: {}", root, warning);
        warnings.add(warning);
    }

    /** One file-system object to pack; ordered by the UTF-8 bytes of its path, directories as "name/". */
    private record Node(Path path, String relative, PosixFileAttributes attrs, byte[] sortKey)
            implements Comparable<Node> {
        static Node of(Path path, String relative, PosixFileAttributes attrs) {
            String key = attrs.isDirectory() ? relative + "/" : relative;
            return new Node(path, relative, attrs, key.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public int compareTo(Node other) {
            return Arrays.compareUnsigned(sortKey, other.sortKey);
        }
    }

    /** Lets the compressor end its frame on close without closing the caller's stream. */
    private static final class NonClosingOutputStream extends OutputStream {
        private final OutputStream out;

        NonClosingOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
