package dev.npcnix.state;

import dev.npcnix.StateException;
import dev.npcnix.local.LocalException;
import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's data dir (default {@code /var/lib/npcnix}), and the only code that knows its files:
 * {@code config.json} (the Rust npcnix's settings), {@code state.json} (ours), {@code activate.lock}
 * and {@code tmp/}. Every write goes to a temp file in the same directory, is fsynced and renamed over
 * the old file, so a crash at any point leaves the previous valid file. Directories 0700, files 0600.
 */
public final class DataDir {
    /** Where the data dir is when neither {@code --data-dir} nor {@code NPCNIX_DATA_DIR} says otherwise. */
    public static final Path DEFAULT = Path.of("/var/lib/npcnix");
    public static final String CONFIG_FILE = "config.json";
    public static final String STATE_FILE = "state.json";
    public static final String LOCK_FILE = "activate.lock";
    public static final String ROLLOUT_DIR = "rollout";
    public static final String TMP_DIR = "tmp";
    /** The last report this host wrote to its store ({@code <remote>.hosts/<host-id>.json}), as written. */
    public static final String REPORT_FILE = "report.json";
    /** The host id found at the last start and the boot it was found in (EC2 instance id or none). */
    public static final String HOST_ID_FILE = "host-id";

    private static final Logger log = LoggerFactory.getLogger(DataDir.class);
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final boolean posix;
    /**
     * The files as last read and parsed: a poll reads both files every time (settings may change between
     * polls), and parsing costs far more than reading; unchanged bytes need no parsing.
     */
    private volatile Parsed<Settings> settingsRead;
    private volatile Parsed<HostState> stateRead;

    private record Parsed<T>(byte[] bytes, T value) {
        T valueIfSame(byte[] now) {
            return Arrays.equals(bytes, now) ? value : null;
        }
    }

    private DataDir(Path root, boolean posix) {
        this.root = root;
        this.posix = posix;
    }

    /** Opens (creating it 0700 when missing) the data dir at {@code root}. */
    public static DataDir open(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
        DataDir dir = new DataDir(abs, posix);
        dir.createPrivateDir(abs);
        dir.createPrivateDir(abs.resolve(TMP_DIR));
        return dir;
    }

    /**
     * The data dir at {@code root} for reading only: nothing is created, so {@code status} as a user who
     * cannot write there still works. Writes through it fail with a clear error.
     */
    public static DataDir existing(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        return new DataDir(abs, abs.getFileSystem().supportedFileAttributeViews().contains("posix"));
    }

    public Path root() {
        return root;
    }

    public Path tmp() {
        return root.resolve(TMP_DIR);
    }

    public boolean settingsExist() {
        return Files.isRegularFile(root.resolve(CONFIG_FILE));
    }

    /** The host settings; {@link Settings#empty()} when {@code config.json} does not exist yet. */
    public Settings loadSettings() {
        Path file = root.resolve(CONFIG_FILE);
        byte[] bytes = readIfExists(file);
        if (bytes == null) {
            return Settings.empty();
        }
        Parsed<Settings> last = settingsRead;
        Settings same = last == null ? null : last.valueIfSame(bytes);
        if (same != null) {
            return same;
        }
        try {
            Settings parsed = SettingsJson.read(bytes);
            settingsRead = new Parsed<>(bytes, parsed);
            return parsed;
        } catch (IllegalArgumentException | dev.npcnix.InvalidInputException e) {
            throw new StateException(file + ": " + e.getMessage(), e);
        }
    }

    public void storeSettings(Settings settings) {
        writeAtomically(root.resolve(CONFIG_FILE), SettingsJson.write(settings));
    }

    /** The report last written to the store, as written; empty when none was. */
    public Optional<byte[]> loadLastReport() {
        return Optional.ofNullable(readIfExists(root.resolve(REPORT_FILE)));
    }

    public void storeLastReport(byte[] report) {
        writeAtomically(root.resolve(REPORT_FILE), report);
    }

    /** What {@link #storeHostIdCache} kept, as text; empty when nothing was. */
    public Optional<String> loadHostIdCache() {
        byte[] bytes = readIfExists(root.resolve(HOST_ID_FILE));
        return bytes == null ? Optional.empty() : Optional.of(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    public void storeHostIdCache(String content) {
        writeAtomically(root.resolve(HOST_ID_FILE), content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Our own state; {@link HostState#empty()} when {@code state.json} does not exist yet. */
    public HostState loadState() {
        Path file = root.resolve(STATE_FILE);
        byte[] bytes = readIfExists(file);
        if (bytes == null) {
            return HostState.empty();
        }
        Parsed<HostState> last = stateRead;
        HostState same = last == null ? null : last.valueIfSame(bytes);
        if (same != null) {
            return same;
        }
        try {
            HostState s = HostStateJson.read(bytes);
            HostState parsed = s == null ? HostState.empty() : s;
            stateRead = new Parsed<>(bytes, parsed);
            return parsed;
        } catch (IOException | IllegalArgumentException e) {
            throw new StateException(file + ": not a valid state file: " + firstLine(e.getMessage()), e);
        }
    }

    public void storeState(HostState state) {
        writeAtomically(root.resolve(STATE_FILE), HostStateJson.write(state));
    }

    /**
     * Takes the cross-process activation lock. When another process holds it: with {@code wait}, tells
     * {@code onWait} and blocks until it is free; without, fails with {@link StateException}.
     */
    public ActivationLock lockActivation(boolean wait, Consumer<String> onWait) {
        Path file = root.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), fileAttributes(FILE_PERMS));
        } catch (IOException e) {
            throw new StateException("activation lock " + file + ": cannot open: " + e, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                if (!wait) {
                    throw new StateException("activation lock " + file + ": another npcnix activation is running (--no-wait given)");
                }
                onWait.accept("waiting for another npcnix activation to finish");
                lock = channel.lock();
            }
            FileLock held = lock;
            return () -> {
                try {
                    held.release();
                    channel.close();
                } catch (IOException e) {
                    log.warn("releasing activation lock {}: {}", file, e.toString());
                }
            };
        } catch (OverlappingFileLockException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("activation lock " + file + ": already held by this process", e);
        } catch (IOException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("activation lock " + file + ": " + e, e);
        } catch (RuntimeException e) {
            LocalFiles.closeQuietly(channel);
            throw e;
        }
    }

    /** A new empty private directory under {@code tmp/}. */
    public Path newTempDir(String prefix) {
        try {
            return Files.createTempDirectory(tmp(), prefix, fileAttributes(DIR_PERMS));
        } catch (IOException e) {
            throw new LocalException(tmp(), "cannot create a temp dir", e);
        }
    }

    /**
     * Keeps an unpacked, verified release that a staged rollout holds back: moved (renamed, same file
     * system) from {@code tmp/} to {@code rollout/<name>}, 0700, replacing whatever was held before.
     *
     * @return its path relative to the data dir, as state.json records it
     */
    public String holdForRollout(Path unpacked, String name) {
        Path dir = root.resolve(ROLLOUT_DIR);
        try {
            releaseHeld();
            createPrivateDir(dir);
            Files.move(unpacked, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LocalException(dir, "cannot keep the release held by the rollout", e);
        }
        return ROLLOUT_DIR + "/" + name;
    }

    /** A held release's directory, from its state.json path; empty when it is gone (removed by hand). */
    public java.util.Optional<Path> held(String relative) {
        Path p = root.resolve(relative).normalize();
        return p.startsWith(root.resolve(ROLLOUT_DIR)) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                ? java.util.Optional.of(p) : java.util.Optional.empty();
    }

    /** Removes every release held for a rollout. */
    public void releaseHeld() {
        Path dir = root.resolve(ROLLOUT_DIR);
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            LocalFiles.deleteRecursively(dir);
        }
    }

    /** A new empty private file under {@code tmp/}. */
    public Path newTempFile(String prefix, String suffix) {
        try {
            return Files.createTempFile(tmp(), prefix, suffix, fileAttributes(FILE_PERMS));
        } catch (IOException e) {
            throw new LocalException(tmp(), "cannot create a temp file", e);
        }
    }

    /**
     * Removes what an interrupted earlier run left in {@code tmp/}, and the temp files of atomic writes
     * of {@code config.json} and {@code state.json} that a process killed mid-write left next to them.
     * Call with the activation lock held: every writer of {@code tmp/} holds it (a settings write that
     * loses its temp file here retries, see {@link #writeAtomically}).
     *
     * @return how many entries were removed
     */
    public int cleanTmp() {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp())) {
            for (Path p : entries) {
                LocalFiles.deleteRecursively(p);
                removed++;
            }
        } catch (NoSuchFileException e) {
            createPrivateDir(tmp());
        } catch (IOException e) {
            throw new LocalException(tmp(), "cannot clean", e);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, DataDir::isAtomicWriteTemp)) {
            for (Path p : entries) {
                if (Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new LocalException(root, "cannot remove leftover temp files", e);
        }
        if (removed > 0) {
            log.info("removed {} leftover entries from {}", removed, tmp());
        }
        return removed;
    }

    /** The temp file names {@link #writeAtomically} uses: {@code .config.json.<random>.tmp}. */
    private static boolean isAtomicWriteTemp(Path p) {
        String name = p.getFileName().toString();
        return LocalFiles.isTempOf(name, CONFIG_FILE) || LocalFiles.isTempOf(name, STATE_FILE)
                || LocalFiles.isTempOf(name, REPORT_FILE) || LocalFiles.isTempOf(name, HOST_ID_FILE);
    }

    /**
     * Writes {@code content} to {@code target} atomically ({@link LocalFiles#writeAtomically}), 0600.
     * Tries twice: a daemon starting meanwhile may have removed the temp file as a crash's leftover.
     *
     * @throws LocalException naming the file and the cause (a full disk, a read-only file system)
     */
    void writeAtomically(Path target, byte[] content) {
        try {
            writeAtomicallyOnce(target, content);
        } catch (NoSuchFileException e) {
            try {
                writeAtomicallyOnce(target, content);
            } catch (IOException again) {
                throw new LocalException(target, "cannot write", again);
            }
        } catch (IOException e) {
            throw new LocalException(target, "cannot write", e);
        }
    }

    private void writeAtomicallyOnce(Path target, byte[] content) throws IOException {
        LocalFiles.writeAtomically(target, posix ? Optional.of(FILE_PERMS) : Optional.empty(), out -> out.write(content));
    }

    private void createPrivateDir(Path dir) {
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, fileAttributes(DIR_PERMS));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new StateException("data dir " + dir + ": exists and is not a directory", e);
            }
            tighten(dir);
        } catch (IOException e) {
            throw new StateException("data dir " + dir + ": cannot create: " + e, e);
        }
    }

    private void tighten(Path dir) {
        if (!posix) {
            return;
        }
        try {
            if (!Files.getPosixFilePermissions(dir).equals(DIR_PERMS)) {
                Files.setPosixFilePermissions(dir, DIR_PERMS);
            }
        } catch (IOException e) {
            log.warn("data dir {}: cannot set permissions to 0700: {}", dir, e.toString());
        }
    }

    private FileAttribute<?>[] fileAttributes(Set<PosixFilePermission> perms) {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)} : new FileAttribute<?>[0];
    }

    private static byte[] readIfExists(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StateException(file + ": cannot read: " + e, e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
