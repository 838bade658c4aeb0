package dev.npcnix.store;

import dev.npcnix.InvalidInputException;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code file://} remotes on a local or network file system.
 *
 * <p>The ETag is the lowercase hex SHA-256 of the content, so identical bytes always have the same
 * tag whoever wrote them. It is cached per path under the file's identity (file key, size,
 * modification time): an unchanged poll costs one {@code stat} and reads nothing. A fetch serves the
 * bytes of the one file it opened; a concurrent publish renames a new file in, which the open handle
 * does not see. The body is re-hashed as it is read and must match the ETag returned with it.
 *
 * <p>Publishing replaces the file atomically ({@link LocalFiles#writeAtomically}): readers see the old
 * file or the new one, never a part.
 */
final class FileStore implements RemoteStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
    private static final int BUFFER = 64 * 1024;
    private static final int IDENTIFY_ATTEMPTS = 3;

    private final Map<Path, Known> known = new ConcurrentHashMap<>();

    /** What identifies one version of a file without reading it. */
    private record Identity(Object fileKey, long size, FileTime lastModified) {
        // Written out: a record's generated equals is bootstrapped through method handles at its first
        // call, ~30 ms of a short pull (docs/performance.md).
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && size == i.size && java.util.Objects.equals(fileKey, i.fileKey)
                    && java.util.Objects.equals(lastModified, i.lastModified);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(fileKey, size, lastModified);
        }
    }

    private record Known(Identity identity, Etag etag) {
    }

    /** A file opened for reading, with the ETag of that open file's bytes (null when not asked for and not known). */
    private record Opened(FileChannel channel, Identity identity, Etag etag) {
    }

    @Override
    public FetchResult fetch(RemoteUri remote, Optional<Etag> ifNoneMatch) {
        Path path = remote.path();
        if (ifNoneMatch.isPresent()) {
            Etag cached = cachedEtag(path, identity(remote, path));
            if (ifNoneMatch.get().equals(cached)) {
                LOG.debug("{}: unchanged ({})", remote, cached);
                return new FetchResult.Unchanged(cached);
            }
        }
        Opened opened = open(remote, path, true);
        if (ifNoneMatch.isPresent() && ifNoneMatch.get().equals(opened.etag())) {
            LocalFiles.closeQuietly(opened.channel());
            return new FetchResult.Unchanged(opened.etag());
        }
        try {
            opened.channel().position(0);
        } catch (IOException e) {
            LocalFiles.closeQuietly(opened.channel());
            throw failure(remote, "read", e);
        }
        return new FetchResult.Download(opened.etag(), opened.identity().size(), body(remote, opened));
    }

    /**
     * A file whose ETag is not known yet (not seen by this process, or changed) is hashed once, as it
     * is read, instead of once to name it and again while it is read (a large pull's 0.2 s).
     */
    @Override
    public Streamed stream(RemoteUri remote) {
        Opened opened = open(remote, remote.path(), false);
        CheckedBody body = body(remote, opened);
        if (opened.etag() != null) {
            return new Streamed(opened.identity().size(), body, opened::etag);
        }
        return new Streamed(opened.identity().size(), body, () -> {
            String hex = body.digestAtEnd();
            if (hex == null) {
                throw new IllegalStateException(remote + ": its ETag is known once the body was read to its end");
            }
            return new Etag(hex);
        });
    }

    /** The open file's bytes, hashed as they are read: checked against the ETag when it is known. */
    private static CheckedBody body(RemoteUri remote, Opened opened) {
        return new CheckedBody(Channels.newInputStream(opened.channel()), remote, opened.identity().size(), Digests.sha256(),
                opened.etag() == null ? null : opened.etag().value(), e -> failure(remote, "read", e));
    }

    /** The ETag is the SHA-256 of the file, and the body is checked against it as it is read. */
    @Override
    public boolean etagIsVerifiedSha256() {
        return true;
    }

    @Override
    public Optional<RemoteObject> head(RemoteUri remote) {
        Path path = remote.path();
        Identity identity;
        try {
            identity = identity(remote, path);
        } catch (StoreException e) {
            if (e.reason() == StoreException.Reason.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        Etag etag = cachedEtag(path, identity);
        if (etag == null) {
            Opened opened = open(remote, path, true);
            LocalFiles.closeQuietly(opened.channel());
            identity = opened.identity();
            etag = opened.etag();
        }
        return Optional.of(new RemoteObject(remote, etag, identity.size(), Optional.of(identity.lastModified().toInstant())));
    }

    @Override
    public RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener) {
        Path target = remote.path();
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw failure(remote, "create directory " + dir, e);
        }
        try (FileChannel in = openArchive(archive)) {
            long total = in.size();
            MessageDigest sha = Digests.sha256();
            long[] done = {0};
            // A replaced file keeps the old one's mode, so a web server that served it still can.
            BasicFileAttributes written = LocalFiles.writeAtomically(target, permissionsOf(target), out -> {
                ByteBuffer buf = ByteBuffer.allocate(BUFFER);
                while (in.read(buf) >= 0) {
                    buf.flip();
                    sha.update(buf.array(), 0, buf.limit());
                    done[0] += buf.remaining();
                    out.write(buf.array(), 0, buf.limit());
                    buf.clear();
                    listener.transferred(done[0], Math.max(total, done[0]));
                }
            });
            Identity identity = new Identity(written.fileKey(), written.size(), written.lastModifiedTime()); // a rename keeps them
            Etag etag = new Etag(Digests.hex(sha));
            known.put(target, new Known(identity, etag));
            LOG.debug("{}: published {} bytes, ETag {}", remote, done[0], etag);
            return new RemoteObject(remote, etag, done[0], Optional.of(identity.lastModified().toInstant()));
        } catch (IOException e) {
            throw failure(remote, "write", e);
        }
    }

    /** Striped: bounded however many objects are written, and two objects rarely share one. */
    private static final java.util.concurrent.locks.Lock[] IN_PROCESS = java.util.stream.IntStream.range(0, 64)
            .mapToObj(i -> new java.util.concurrent.locks.ReentrantLock()).toArray(java.util.concurrent.locks.Lock[]::new);

    @Override
    public Optional<Stored> read(RemoteUri object, int maxBytes) {
        Path path = object.path();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > maxBytes) {
                throw tooLarge(object, size, maxBytes);
            }
            byte[] content = Channels.newInputStream(channel).readNBytes(maxBytes + 1);
            if (content.length > maxBytes) {
                throw tooLarge(object, content.length, maxBytes);
            }
            return Optional.of(new Stored(content, new Etag(Digests.sha256Hex(content))));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure(object, "read", e);
        }
    }

    /**
     * Atomic (temp file and rename). A conditional write holds a lock on {@code .<name>.lock} next to the
     * object while it compares and replaces, so two npcnix processes writing it conditionally take turns;
     * writers that take no lock (a person with {@code cp}) are not excluded.
     */
    @Override
    public RemoteObject write(RemoteUri object, byte[] content, String contentType, Condition condition) {
        Path target = object.path();
        createParent(object, target);
        if (condition instanceof Condition.Always) {
            return writeNow(object, target, content);
        }
        Path lockFile = target.resolveSibling("." + target.getFileName() + ".lock");
        // A file lock excludes other processes only; threads of this one (hosts of the fleet simulation,
        // racing writers in tests) take turns on a lock of their own first, else lock() throws.
        java.util.concurrent.locks.Lock inProcess = IN_PROCESS[Math.floorMod(lockFile.hashCode(), IN_PROCESS.length)];
        inProcess.lock();
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = lock.lock()) {
            Optional<Stored> now = read(object, Integer.MAX_VALUE - 8);
            boolean holds = condition instanceof Condition.Absent ? now.isEmpty()
                    : now.isPresent() && now.get().etag().equals(((Condition.Matching) condition).etag());
            if (!holds) {
                throw RemoteStore.conflict(object, condition);
            }
            return writeNow(object, target, content);
        } catch (IOException e) {
            throw failure(object, "lock " + lockFile, e);
        } finally {
            inProcess.unlock();
        }
    }

    private RemoteObject writeNow(RemoteUri object, Path target, byte[] content) {
        try {
            BasicFileAttributes written = LocalFiles.writeAtomically(target, permissionsOf(target), out -> out.write(content));
            Etag etag = new Etag(Digests.sha256Hex(content));
            known.put(target, new Known(new Identity(written.fileKey(), written.size(), written.lastModifiedTime()), etag));
            return new RemoteObject(object, etag, content.length, Optional.of(written.lastModifiedTime().toInstant()));
        } catch (IOException e) {
            throw failure(object, "write", e);
        }
    }

    /** Regular files directly in the folder, but hidden ones (locks, temp files of atomic writes). */
    @Override
    public List<Listed> list(RemoteUri remote, String folder) {
        Path dir = Path.of(remote.path() + folder);
        List<Listed> listed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // removed while listing
                }
                if (attrs.isRegularFile()) {
                    listed.add(new Listed(name, attrs.size(), Optional.of(attrs.lastModifiedTime().toInstant())));
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw failure(remote, "list " + dir, e);
        }
        listed.sort(Comparator.comparing(Listed::name));
        return listed;
    }

    /** Regular files under the folder at any depth, but hidden ones and those in hidden directories. */
    @Override
    public List<Listed> listTree(RemoteUri remote, String folder) {
        Path dir = Path.of(remote.path() + folder);
        List<Listed> listed = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && d.getFileName().toString().startsWith(".")
                            ? java.nio.file.FileVisitResult.SKIP_SUBTREE : java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && !p.getFileName().toString().startsWith(".")) {
                        listed.add(new Listed(dir.relativize(p).toString().replace('\\', '/'), attrs.size(),
                                Optional.of(attrs.lastModifiedTime().toInstant())));
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return java.nio.file.FileVisitResult.CONTINUE; // removed while listing
                    }
                    throw e;
                }
            });
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw failure(remote, "list " + dir, e);
        }
        listed.sort(Comparator.comparing(Listed::name));
        return listed;
    }

    @Override
    public void delete(RemoteUri object) {
        try {
            Files.deleteIfExists(object.path());
            known.remove(object.path());
        } catch (IOException e) {
            throw failure(object, "delete", e);
        }
    }

    /** Read, checked against {@code ifMatch} while it is copied into the temp file, then renamed into place. */
    @Override
    public RemoteObject copy(RemoteUri from, RemoteUri to, Etag ifMatch) {
        Path target = to.path();
        createParent(to, target);
        try (FileChannel in = FileChannel.open(from.path(), StandardOpenOption.READ)) {
            MessageDigest sha = Digests.sha256();
            BasicFileAttributes written = LocalFiles.writeAtomically(target, permissionsOf(target), out -> {
                ByteBuffer buf = ByteBuffer.allocate(BUFFER);
                while (in.read(buf) >= 0) {
                    buf.flip();
                    sha.update(buf.array(), 0, buf.limit());
                    out.write(buf.array(), 0, buf.limit());
                    buf.clear();
                }
                if (!Digests.hex(sha).equals(ifMatch.value())) {
                    throw RemoteStore.conflict(from, Condition.matching(ifMatch)); // nothing renamed into place
                }
            });
            return new RemoteObject(to, ifMatch, written.size(), Optional.of(written.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            throw failure(from, "read", e);
        } catch (IOException e) {
            throw failure(to, "write", e);
        }
    }

    private static void createParent(RemoteUri object, Path target) {
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw failure(object, "create directory " + target.getParent(), e);
        }
    }

    private static StoreException tooLarge(RemoteUri object, long size, int maxBytes) {
        return new StoreException(object, StoreException.Reason.OTHER,
                "too large (" + size + " bytes, at most " + maxBytes + " expected)", null);
    }

    /**
     * Opens the file and finds the ETag of the open file's bytes: from the cache when the path had the
     * same identity just before and just after opening (so the handle is that file), else by hashing
     * the open handle, or (without {@code hashIfUnknown}) not at all: then the ETag is null.
     */
    private Opened open(RemoteUri remote, Path path, boolean hashIfUnknown) {
        for (int attempt = 1; ; attempt++) {
            Identity before = identity(remote, path);
            FileChannel channel;
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            } catch (IOException e) {
                throw failure(remote, "read", e);
            }
            try {
                Identity after = identity(remote, path);
                long size = channel.size();
                boolean identified = before.equals(after) && size == after.size();
                if (!identified && attempt < IDENTIFY_ATTEMPTS) {
                    channel.close(); // replaced while we opened it: try again
                    continue;
                }
                Etag etag = identified ? cachedEtag(path, after) : null;
                if (etag == null && hashIfUnknown) {
                    etag = hash(channel);
                    if (identified && channel.size() == size) {
                        known.put(path, new Known(after, etag));
                    }
                }
                Identity identity = identified ? after : new Identity(null, channel.size(), after.lastModified());
                return new Opened(channel, identity, etag);
            } catch (IOException | RuntimeException e) {
                LocalFiles.closeQuietly(channel);
                throw e instanceof IOException io ? failure(remote, "read", io) : (RuntimeException) e;
            }
        }
    }

    private Etag cachedEtag(Path path, Identity identity) {
        Known k = known.get(path);
        return k != null && k.identity().equals(identity) ? k.etag() : null;
    }

    private static Identity identity(RemoteUri remote, Path path) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            if (attrs.isDirectory()) {
                throw new StoreException(remote, StoreException.Reason.OTHER, "is a directory, not a file", null);
            }
            return new Identity(attrs.fileKey(), attrs.size(), attrs.lastModifiedTime());
        } catch (IOException e) {
            throw failure(remote, "read", e);
        }
    }

    private static Identity identityOf(Path path) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
        return new Identity(attrs.fileKey(), attrs.size(), attrs.lastModifiedTime());
    }

    private static Etag hash(FileChannel channel) throws IOException {
        MessageDigest sha = Digests.sha256();
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        long position = 0;
        int n;
        while ((n = channel.read(buf, position)) >= 0) {
            position += n;
            sha.update(buf.array(), 0, n);
            buf.clear();
        }
        return new Etag(Digests.hex(sha));
    }

    private static FileChannel openArchive(Path archive) {
        try {
            return FileChannel.open(archive, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("archive " + archive + ": no such file", e);
        } catch (IOException e) {
            throw new InvalidInputException("archive " + archive + ": cannot read: " + reason(e), e);
        }
    }

    private static Optional<Set<PosixFilePermission>> permissionsOf(Path target) {
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (view == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(view.readAttributes().permissions());
        } catch (NoSuchFileException e) {
            return Optional.empty(); // first publish: the umask decides
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot read the permissions of {}: {}", target, e.toString());
            return Optional.empty();
        }
    }

    static StoreException failure(RemoteUri remote, String doing, Exception e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND, "not found", e);
        }
        if (e instanceof AccessDeniedException) {
            return new StoreException(remote, StoreException.Reason.ACCESS_DENIED,
                    "permission denied (" + doing + ")", e);
        }
        if (e instanceof UncheckedIOException u) {
            return failure(remote, doing, u.getCause());
        }
        return new StoreException(remote, StoreException.Reason.OTHER, "cannot " + doing + ": " + reason(e), e);
    }

    private static String reason(Exception e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
