package dev.npcnix.archive;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import dev.npcnix.InvalidInputException;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.NpcnixException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks an untrusted {@code .npcnix} stream into a fresh temporary sibling of the destination and
 * renames it into place only when every entry was read and accepted. It keeps its own model of the
 * tree it has created, so it never needs to ask the file system whether a path goes through a
 * symlink: entries beneath a symlink or a file are refused before anything is written.
 */
final class SafeUnpacker {
    private static final Logger LOG = LoggerFactory.getLogger(SafeUnpacker.class);
    private static final int BUFFER_SIZE = 128 * 1024;
    private static final int READ_AHEAD_CHUNKS = 8;
    private static final int MAX_NAME_COMPONENT_BYTES = 255;
    private static final int MAX_SYMLINK_HOPS = 40;
    private static final Set<PosixFilePermission> MODE_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> MODE_0644 = PosixFilePermissions.fromString("rw-r--r--");
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_0755 = PosixFilePermissions.asFileAttribute(MODE_0755);
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_0644 = PosixFilePermissions.asFileAttribute(MODE_0644);
    private static final Set<OpenOption> CREATE_FILE = Set.of(
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private enum Kind { DIRECTORY, IMPLICIT_DIRECTORY, FILE, SYMLINK }

    /** What the unpack put at one relative path. */
    private record Node(Kind kind, int mode, long size, String sha256, String target) {
        boolean isDirectory() {
            return kind == Kind.DIRECTORY || kind == Kind.IMPLICIT_DIRECTORY;
        }
    }

    private final Path root;
    private final UnpackLimits limits;
    private final Consumer<? super UnpackedEntry> observer;
    private final MessageDigest digest;
    private final CountingInputStream source;
    private final Map<String, Node> tree = new HashMap<>();
    private final List<String> symlinks = new ArrayList<>();
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private TarReader reader;
    private boolean umaskKeepsModes;
    private String lastParent = "";
    private int created;
    private long contentBytes;

    private SafeUnpacker(Path root, UnpackLimits limits, Consumer<? super UnpackedEntry> observer,
            CountingInputStream source) {
        this.root = root;
        this.limits = limits;
        this.observer = observer;
        this.source = source;
        this.digest = observer == null ? null : Digests.sha256();
    }

    static UnpackResult unpack(InputStream in, Path dest, UnpackLimits limits, Consumer<? super UnpackedEntry> observer) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(dest, "dest");
        Objects.requireNonNull(limits, "limits");
        Path target = dest.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new InvalidInputException("unpack destination " + dest + ": parent directory does not exist");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("unpack destination " + dest + ": already exists");
        }
        Path temp;
        try {
            temp = Files.createTempDirectory(parent, ".npcnix-unpack-");
        } catch (IOException e) {
            throw ArchiveException.ioFailure("unpack " + dest + ": cannot create a temporary directory: " + ArchiveException.describe(e), e);
        }
        CountingInputStream source = new CountingInputStream(in);
        try {
            UnpackResult result = new SafeUnpacker(temp, limits, observer, source).run();
            setMode(temp, MODE_0755);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.debug("unpacked {} entries ({} bytes) to {}", result.entries(), result.contentBytes(), target);
            return result;
        } catch (ArchiveException e) {
            deleteTree(temp, e);
            throw e;
        } catch (IOException | RuntimeException e) {
            ArchiveException translated = translate(e, source, dest);
            deleteTree(temp, translated);
            throw translated;
        } catch (Error e) {
            deleteTree(temp, e);
            throw e;
        }
    }

    private static ArchiveException translate(Exception e, CountingInputStream source, Path dest) {
        if (source.failure() != null) {
            return ArchiveException.ioFailure("archive: reading the stream failed: " + ArchiveException.describe(source.failure()), e);
        }
        if (e instanceof ZstdIOException) {
            return new ArchiveException("archive: corrupt or truncated stream: " + ArchiveException.describe(e), e);
        }
        if (e instanceof NpcnixException npcnix) {
            return npcnix.isTransient()
                    ? ArchiveException.ioFailure("archive: " + npcnix.getMessage(), e)
                    : new ArchiveException("archive: " + npcnix.getMessage(), e);
        }
        // The local file system failed (disk full, permissions): the archive may well be fine.
        return ArchiveException.ioFailure("unpack " + dest + ": " + ArchiveException.describe(e), e);
    }

    private UnpackResult run() throws IOException {
        PushbackInputStream head = new PushbackInputStream(source, 4);
        byte[] magic = head.readNBytes(4);
        if (magic.length == 0) {
            throw new ArchiveException("archive: empty");
        }
        if (!isZstd(magic)) {
            throw new ArchiveException("archive: not zstd-compressed (starts with 0x" + HexFormat.of().formatHex(magic) + ")");
        }
        head.unread(magic);
        umaskKeepsModes = probeUmask();
        try (ZstdInputStream zstd = new ZstdInputStream(head);
                InputStream tar = decompressed(zstd)) {
            reader = new TarReader(tar);
            TarReader.Entry entry;
            while ((entry = reader.next()) != null) {
                if (entry.index() > limits.maxEntries()) {
                    throw new ArchiveException("archive: more than " + limits.maxEntries() + " entries");
                }
                checkRatio();
                extract(entry);
            }
            reader.readTrailer();
            checkRatio();
        }
        for (String link : symlinks) {
            verifySymlink(link);
        }
        return new UnpackResult(created, contentBytes, source.count());
    }

    /**
     * With a second core, the archive is read, hashed and decompressed on a second thread while this
     * one writes files (docs/performance.md): at most {@value #READ_AHEAD_CHUNKS} chunks ahead, so a
     * hostile archive expands no further than that before its checks see it.
     */
    private static InputStream decompressed(ZstdInputStream zstd) {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return new BufferedInputStream(zstd, BUFFER_SIZE);
        }
        return new ReadAhead(zstd, BUFFER_SIZE, READ_AHEAD_CHUNKS, "npcnix-unpack-read");
    }

    /*
     * Per entry, the common case (a clean name, a parent checked for the entry before) costs no more
     * than a scan of the name and one map lookup: names are shown (escaped, shortened) only in errors.
     */
    private void extract(TarReader.Entry entry) throws IOException {
        String name = decode(entry.name());
        if (name == null) {
            throw notUtf8("archive entry #" + entry.index(), entry.name(), "name");
        }
        String rel = relativePath(name, entry.index());
        switch (entry.type()) {
            case CHAR_DEVICE -> throw reject(name, "character device not allowed");
            case BLOCK_DEVICE -> throw reject(name, "block device not allowed");
            case FIFO -> throw reject(name, "fifo not allowed");
            case UNSUPPORTED -> throw reject(name, "unsupported entry type '" + typeChar(entry.typeFlag()) + "'");
            default -> { }
        }
        if (rel.isEmpty()) {
            if (entry.type() == TarReader.Type.DIRECTORY && entry.size() == 0) {
                return; // "./": the root itself
            }
            throw reject(name, "names the destination itself");
        }
        if (utf8Length(rel) > limits.maxPathLength()) {
            throw reject(name, "path longer than " + limits.maxPathLength() + " bytes");
        }
        if (entry.type() != TarReader.Type.FILE && entry.size() != 0) {
            throw reject(name, "a " + entry.type().name().toLowerCase() + " entry with " + entry.size() + " bytes of data");
        }
        ensureParents(rel, name);
        Node existing = tree.get(rel);
        if (entry.type() == TarReader.Type.DIRECTORY) {
            if (existing != null && existing.kind() != Kind.IMPLICIT_DIRECTORY) {
                throw reject(name, "duplicate entry");
            }
            if (existing == null) {
                createDirectory(rel, name);
            }
            tree.put(rel, new Node(Kind.DIRECTORY, 0755, 0, null, null));
            observe(new UnpackedEntry(rel, UnpackedEntry.Type.DIRECTORY, 0755, 0, null, null));
        } else {
            if (existing != null) {
                throw reject(name, existing.isDirectory() ? "duplicate entry (already a directory)" : "duplicate entry");
            }
            switch (entry.type()) {
                case FILE -> writeFile(rel, name, entry);
                case SYMLINK -> createSymlink(rel, name, entry);
                case HARDLINK -> createHardLink(rel, name, entry);
                default -> throw new IllegalStateException("unexpected entry type " + entry.type());
            }
        }
        created++;
    }

    /**
     * The entry's path relative to the destination, '/'-separated: no absolute paths, no "..", "." and
     * empty components dropped, components of at most 255 bytes.
     */
    private static String relativePath(String name, int index) {
        if (name.isEmpty()) {
            throw reject("#" + index, "empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw reject(name, "NUL in name");
        }
        if (name.startsWith("/")) {
            throw reject(name, "absolute path");
        }
        int clean = cleanLength(name);
        if (clean >= 0) {
            return clean == name.length() ? name : name.substring(0, clean);
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw reject(name, "path with a \"..\" component");
            }
            if (utf8Length(part) > MAX_NAME_COMPONENT_BYTES) {
                throw reject(name, "name component longer than " + MAX_NAME_COMPONENT_BYTES + " bytes");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /**
     * The length of {@code name} without its one trailing '/' when every component is already in
     * normal form (not empty, not "." or "..", short enough to need no byte count); -1 when it needs
     * the full treatment.
     */
    private static int cleanLength(String name) {
        int length = name.endsWith("/") ? name.length() - 1 : name.length();
        int start = 0;
        while (true) {
            int end = name.indexOf('/', start);
            if (end < 0 || end > length) {
                end = length;
            }
            int n = end - start;
            if (n == 0 || n > MAX_NAME_COMPONENT_BYTES / 3
                    || name.charAt(start) == '.' && (n == 1 || n == 2 && name.charAt(start + 1) == '.')) {
                return -1;
            }
            if (end == length) {
                return length;
            }
            start = end + 1;
        }
    }

    /** Creates missing parent directories; refuses a parent that is a file or a symlink. */
    private void ensureParents(String rel, String name) throws IOException {
        int last = rel.lastIndexOf('/');
        if (last < 0 || last == lastParent.length() && rel.startsWith(lastParent)) {
            return; // at the root, or checked for the previous entry (and a directory stays a directory)
        }
        for (int slash = rel.indexOf('/'); slash >= 0 && slash <= last; slash = rel.indexOf('/', slash + 1)) {
            String path = rel.substring(0, slash);
            Node node = tree.get(path);
            if (node == null) {
                createDirectory(path, name);
                tree.put(path, new Node(Kind.IMPLICIT_DIRECTORY, 0755, 0, null, null));
            } else if (node.kind() == Kind.SYMLINK) {
                throw reject(name, "parent " + TarReader.display(path) + " is a symlink");
            } else if (node.kind() == Kind.FILE) {
                throw reject(name, "parent " + TarReader.display(path) + " is not a directory");
            }
        }
        lastParent = rel.substring(0, last);
    }

    /** Bytes of {@code s} in UTF-8, without encoding it when every char is ASCII. */
    private static int utf8Length(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }

    private void createDirectory(String rel, String name) throws IOException {
        Path path = resolve(rel, name);
        Files.createDirectory(path);
        if (!umaskKeepsModes) {
            setMode(path, MODE_0755);
        }
    }

    private void writeFile(String rel, String name, TarReader.Entry entry) throws IOException {
        if (entry.size() > limits.maxBytes() - contentBytes) {
            throw new ArchiveException("archive: expands to more than " + limits.maxBytes() + " bytes (zip bomb?)");
        }
        Path path = resolve(rel, name);
        boolean exec = (entry.mode() & 0100) != 0;
        Set<PosixFilePermission> permissions = exec ? MODE_0755 : MODE_0644;
        if (digest != null) {
            digest.reset();
        }
        try (FileChannel out = FileChannel.open(path, CREATE_FILE, exec ? CREATE_0755 : CREATE_0644)) {
            int n;
            while ((n = reader.read(buffer, 0, buffer.length)) >= 0) {
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                if (digest != null) {
                    digest.update(buffer, 0, n);
                }
                contentBytes += n;
                checkRatio();
            }
        }
        if (!umaskKeepsModes) {
            setMode(path, permissions);
        }
        int mode = exec ? 0755 : 0644;
        String sha = digest == null ? null : Digests.hex(digest);
        tree.put(rel, new Node(Kind.FILE, mode, entry.size(), sha, null));
        observe(new UnpackedEntry(rel, UnpackedEntry.Type.FILE, mode, entry.size(), sha, null));
    }

    private void createSymlink(String rel, String name, TarReader.Entry entry) throws IOException {
        String target = decode(entry.linkName());
        if (target == null) {
            throw notUtf8("archive entry " + TarReader.display(name), entry.linkName(), "symlink target");
        }
        if (target.isEmpty()) {
            throw reject(name, "empty symlink target");
        }
        if (target.indexOf('\0') >= 0) {
            throw reject(name, "NUL in symlink target");
        }
        if (target.startsWith("/")) {
            throw reject(name, "symlink target " + TarReader.display(target) + " is absolute");
        }
        if (target.getBytes(StandardCharsets.UTF_8).length > limits.maxPathLength()) {
            throw reject(name, "symlink target longer than " + limits.maxPathLength() + " bytes");
        }
        if (TarPacker.escapesRoot(rel, target)) {
            throw reject(name, "symlink target " + TarReader.display(target) + " points outside the destination");
        }
        Path path = resolve(rel, name);
        Path targetPath;
        try {
            targetPath = path.getFileSystem().getPath(target);
        } catch (InvalidPathException e) {
            throw reject(name, "symlink target not usable here (file name encoding "
                    + System.getProperty("sun.jnu.encoding") + ")");
        }
        Files.createSymbolicLink(path, targetPath);
        tree.put(rel, new Node(Kind.SYMLINK, 0777, 0, null, target));
        symlinks.add(rel);
        observe(new UnpackedEntry(rel, UnpackedEntry.Type.SYMLINK, 0777, 0, null, target));
    }

    private void createHardLink(String rel, String name, TarReader.Entry entry) throws IOException {
        String targetName = decode(entry.linkName());
        if (targetName == null) {
            throw notUtf8("archive entry " + TarReader.display(name), entry.linkName(), "hard link target");
        }
        String targetRel = hardLinkTarget(targetName);
        Node target = targetRel == null ? null : tree.get(targetRel);
        if (target == null || target.kind() != Kind.FILE) {
            throw reject(name, "hard link target " + TarReader.display(targetName) + " is not a regular file extracted earlier");
        }
        Path path = resolve(rel, name);
        Path existing = resolve(targetRel, name);
        try {
            Files.createLink(path, existing);
        } catch (UnsupportedOperationException | IOException e) {
            // No hard links on this file system: a copy has the same content, and costs disk space.
            if (target.size() > limits.maxBytes() - contentBytes) {
                throw new ArchiveException("archive: expands to more than " + limits.maxBytes() + " bytes (zip bomb?)");
            }
            Files.copy(existing, path, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
            contentBytes += target.size();
        }
        tree.put(rel, target);
        observe(new UnpackedEntry(rel, UnpackedEntry.Type.FILE, target.mode(), target.size(), target.sha256(), null));
    }

    /** The relative path a hard link names, or null when it cannot be inside the tree. */
    private static String hardLinkTarget(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\0') >= 0) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/", -1)) {
            if (part.equals("..")) {
                return null;
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /**
     * Resolves a symlink through the finished tree the way the kernel would, following the symlinks it
     * meets: each link was checked alone when created, but "a/l -> .." followed by "x -> a/l/.." escapes
     * only together.
     */
    private void verifySymlink(String rel) {
        Deque<String> resolved = new ArrayDeque<>(List.of(rel.split("/")));
        resolved.pollLast();
        Deque<String> pending = new ArrayDeque<>(List.of(tree.get(rel).target().split("/")));
        int hops = 0;
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (resolved.pollLast() == null) {
                    throw reject(rel, "symlink target " + TarReader.display(tree.get(rel).target())
                            + " leads outside the destination through other symlinks");
                }
                continue;
            }
            resolved.addLast(part);
            Node node = tree.get(String.join("/", resolved));
            if (node != null && node.kind() == Kind.SYMLINK) {
                if (++hops > MAX_SYMLINK_HOPS) {
                    throw reject(rel, "symlink loop");
                }
                resolved.pollLast();
                String[] next = node.target().split("/");
                for (int i = next.length - 1; i >= 0; i--) {
                    pending.addFirst(next[i]);
                }
            }
        }
    }

    private void checkRatio() {
        long unpacked = reader.bytesRead();
        long compressed = Math.max(1, source.count());
        if (unpacked > limits.ratioGraceBytes() && unpacked / compressed >= limits.maxRatio()) {
            throw new ArchiveException("archive: expands more than " + limits.maxRatio() + " times ("
                    + unpacked + " bytes from " + source.count() + " compressed; zip bomb?)");
        }
    }

    private void observe(UnpackedEntry entry) {
        if (observer != null) {
            observer.accept(entry);
        }
    }

    private Path resolve(String rel, String name) {
        try {
            return root.resolve(rel);
        } catch (InvalidPathException e) {
            throw reject(name, "name not usable here (file name encoding " + System.getProperty("sun.jnu.encoding")
                    + "; run with a UTF-8 locale)");
        }
    }

    /** Whether files created with mode 0755 keep it, so no chmod per entry is needed. */
    private boolean probeUmask() throws IOException {
        Path probe = root.resolve(".umask-probe");
        Files.createDirectory(probe, PosixFilePermissions.asFileAttribute(MODE_0755));
        try {
            return Files.getPosixFilePermissions(probe, LinkOption.NOFOLLOW_LINKS).equals(MODE_0755);
        } finally {
            Files.delete(probe);
        }
    }

    private static void setMode(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(permissions);
    }

    private static boolean isZstd(byte[] magic) {
        if (magic.length < 4) {
            return false;
        }
        int value = (magic[0] & 0xff) | (magic[1] & 0xff) << 8 | (magic[2] & 0xff) << 16 | (magic[3] & 0xff) << 24;
        return value == 0xFD2FB528 || (value & 0xFFFFFFF0) == 0x184D2A50; // a frame, or a skippable frame
    }

    /** Strict UTF-8, or null when the bytes are not valid UTF-8 (ASCII, the usual case, is decoded directly). */
    private static String decode(byte[] bytes) {
        boolean ascii = true;
        for (byte b : bytes) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static ArchiveException notUtf8(String what, byte[] bytes, String field) {
        return new ArchiveException(what + " (" + TarReader.escapeBytes(bytes) + "): " + field + " is not valid UTF-8");
    }

    /** An entry refused; {@code name} as in the archive (shown escaped and shortened). */
    private static ArchiveException reject(String name, String cause) {
        return new ArchiveException("archive entry " + TarReader.display(name) + ": " + cause);
    }

    private static char typeChar(byte flag) {
        return flag >= 0x20 && flag < 0x7f ? (char) flag : '?';
    }

    /** Removes a failed unpack without following any symlink it created. */
    private static void deleteTree(Path temp, Throwable failure) {
        try {
            LocalFiles.deleteRecursively(temp);
        } catch (UncheckedIOException e) {
            LOG.warn("could not remove the failed unpack {}: {}", temp, ArchiveException.describe(e.getCause()));
            failure.addSuppressed(e.getCause());
        }
    }

    /** Counts compressed bytes, remembers whether the caller's stream itself failed, and never closes it. */
    private static final class CountingInputStream extends InputStream {
        private final InputStream in;
        // Written by the read-ahead thread, read by the unpacking one.
        private volatile long count;
        private volatile IOException failure;

        CountingInputStream(InputStream in) {
            this.in = in;
        }

        long count() {
            return count;
        }

        IOException failure() {
            return failure;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public void close() {
            // the caller's stream: the caller closes it
        }
    }
}
