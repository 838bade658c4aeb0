package dev.npcnix.state;

import dev.npcnix.StateException;
import dev.npcnix.json.Json;
import dev.npcnix.local.LocalException;
import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's data dir (default {@code /var/lib/npcnix}), and the only code that knows its files:
 * {@code config.json} (the Rust npcnix's settings), {@code state.json} (ours), {@code poll.json} (the
 * last poll), {@code activate.lock} (one {@code nixos-rebuild} at a time), {@code follow.lock} (one
 * follower at a time) and {@code tmp/}. Every write of the settings and state goes to a temp file in the
 * same directory, is fsynced and renamed over the old file, so a crash at any point leaves the previous
 * valid file; {@code poll.json}, rewritten on every poll, skips the fsync. Directories 0700, files 0600.
 * A file that does not parse is an error naming the file, the place and the way out; {@link
 * #setAsideCorrupt} moves such files aside for {@code bootstrap}.
 */
public final class DataDir {
    /** Where the data dir is when neither {@code --data-dir} nor {@code NPCNIX_DATA_DIR} says otherwise. */
    public static final Path DEFAULT = Path.of("/var/lib/npcnix");
    public static final String CONFIG_FILE = "config.json";
    public static final String STATE_FILE = "state.json";
    public static final String POLL_FILE = "poll.json";
    /** When the daemon saw a stop requested while a trial ran: such an interruption is not the release's fault. */
    public static final String STOP_FILE = "stop.json";
    public static final String LOCK_FILE = "activate.lock";
    public static final String ROLLOUT_DIR = "rollout";
    public static final String FOLLOWER_LOCK_FILE = "follow.lock";
    public static final String TMP_DIR = "tmp";
    /** The last report this host wrote to its store ({@code <remote>.hosts/<host-id>.json}), as written. */
    public static final String REPORT_FILE = "report.json";
    /** The host id found at the last start and the boot it was found in (EC2 instance id or none). */
    public static final String HOST_ID_FILE = "host-id";

    /**
     * In a holder: {@code npcnix status} reads a data dir without logging anything, and a logger made
     * when this class loads would start the logging system for it (~30 ms, docs/performance.md).
     */
    private static final class Log {
        static final Logger log = LoggerFactory.getLogger(DataDir.class);
    }
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
    private static final String RECOVER = "fix the file, or run npcnix bootstrap --remote URI --configuration NAME:"
            + " it moves the file aside and starts over";
    /** How often a process waiting for the activation lock looks at what the holder is doing. */
    private static final long LOCK_LOOK_MILLIS = 100;

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
        Settings parsed = parseSettings(file, bytes);
        settingsRead = new Parsed<>(bytes, parsed);
        return parsed;
    }

    private static Settings parseSettings(Path file, byte[] bytes) {
        try {
            return SettingsJson.read(bytes);
        } catch (IllegalArgumentException | dev.npcnix.InvalidInputException e) {
            throw corrupt(file, bytes, e);
        }
    }

    /**
     * A file that does not parse: one line naming it, where it goes wrong and the way out, never the
     * parser's words.
     */
    private static Corrupt corrupt(Path file, byte[] bytes, Exception e) {
        String problem = firstLine(e.getMessage());
        if (!(e.getCause() instanceof Json.Malformed) && !(e instanceof Json.Malformed)) {
            // a field with a wrong value: point at the field
            Matcher field = Pattern.compile(FIELD).matcher(problem);
            if (field.lookingAt()) {
                Optional<String> at = Json.locate(bytes, field.group(1));
                if (at.isPresent()) {
                    problem = "at " + at.get() + ", " + (field.group(2).equals(":") ? "field " : "") + problem;
                }
            }
        }
        return new Corrupt(file + ": " + problem + " (" + RECOVER + ")", e);
    }

    /**
     * A message about a field: {@code min_sleep_secs: expected …}, {@code history[]: …}, {@code remote ftp://x: …}.
     * Compiled when a file does not parse, not when the class loads (every {@code status} would pay for it).
     */
    private static final String FIELD = "([a-z_]+)(?:\\[\\])?(:| )";

    /** A state file that does not parse (exit 3, as any unusable state). */
    static final class Corrupt extends StateException {
        private static final long serialVersionUID = 1L;

        Corrupt(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@code settings} when they name a remote and a configuration; otherwise the error every host
     * command gives for a host that was never bootstrapped (exit 3), checked before anything is stored.
     */
    public Settings requireBootstrapped(Settings settings) {
        List<String> missing = new ArrayList<>();
        if (settings.remote().isEmpty()) {
            missing.add("remote");
        }
        if (settings.configuration().isEmpty()) {
            missing.add("configuration");
        }
        if (!missing.isEmpty()) {
            throw new StateException("data dir " + root + ": not bootstrapped: no " + String.join(" and no ", missing)
                    + " set (run npcnix bootstrap --remote URI --configuration NAME)");
        }
        return settings;
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
        HostState parsed = parseState(file, bytes);
        stateRead = new Parsed<>(bytes, parsed);
        return parsed;
    }

    private static HostState parseState(Path file, byte[] bytes) {
        try {
            HostState s = HostStateJson.read(bytes);
            return s == null ? HostState.empty() : s;
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(file, bytes, e);
        }
    }

    public void storeState(HostState state) {
        writeAtomically(root.resolve(STATE_FILE), HostStateJson.write(state));
    }

    /**
     * Records the last poll in {@code poll.json}. A poll that found what the record says already (the
     * idle daemon's every poll) only sets the file's modification time to {@code poll.at()}: one system
     * call, no write. Otherwise the content is replaced (temp file and rename, so a reader sees the old
     * record or the new one) without an fsync: it is rewritten too often to be worth one, and losing it
     * costs nothing. The shortcut is taken only while the file is the one this process wrote last.
     */
    public void recordPoll(LastPoll poll) {
        Path target = root.resolve(POLL_FILE);
        Written last = pollWritten;
        if (last == null) { // this process has not written it yet: the record may be a previous run's
            last = loadLastPoll().map(p -> new Written(p, FileTime.from(p.at()))).orElse(null);
        }
        try {
            if (last != null && last.poll().sameFinding(poll) && Files.getLastModifiedTime(target).equals(last.mtime())) {
                pollWritten = new Written(last.poll(), touch(target, poll.at()));
                return; // the content (and its `since`) stays
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile: written again below
        } catch (IOException e) {
            throw new LocalException(target, "cannot update", e);
        }
        try {
            LocalFiles.replace(target, posix ? Optional.of(FILE_PERMS) : Optional.empty(),
                    HostStateJson.writeLastPoll(poll.withTimes(poll.at(), poll.at())));
            pollWritten = new Written(poll.withTimes(poll.at(), poll.at()), touch(target, poll.at()));
        } catch (IOException e) {
            pollWritten = null;
            throw new LocalException(target, "cannot write", e);
        }
    }

    /**
     * Records in {@code stop.json} that a stop (SIGTERM, a shutdown) was requested at {@code at}, while a
     * trial may be running: the next start's reconcile then knows the trial it finds unfinished was
     * stopped on purpose, which never counts against the release. Written atomically and fsynced (a
     * reboot may follow at once); called from the signal handler's thread, so it touches no other file.
     */
    public void recordStopRequest(Instant at) {
        writeAtomically(root.resolve(STOP_FILE), HostStateJson.writeStop(at, ProcessHandle.current().pid()));
    }

    /**
     * Whether a stop was recorded at or after {@code since} (the start of the trial in question), then
     * forgets it: it answers for one unfinished trial only. An unreadable record is no record.
     */
    public boolean takeStopRequestSince(Instant since) {
        Path file = root.resolve(STOP_FILE);
        try {
            byte[] bytes = readIfExists(file);
            if (bytes == null) {
                return false;
            }
            Instant at = HostStateJson.readStop(bytes);
            Files.deleteIfExists(file);
            return at != null && !at.isBefore(since);
        } catch (IOException | RuntimeException e) {
            Log.log.debug("{}: unreadable, taken as no stop: {}", file, e.toString());
            return false;
        }
    }

    /** The poll record this process wrote last, and the modification time it gave the file. */
    private record Written(LastPoll poll, FileTime mtime) {
    }

    private volatile Written pollWritten;

    /** Sets the modification time to {@code at} (the injected clock's, not the OS's), and returns it as the file system keeps it. */
    private static FileTime touch(Path file, Instant at) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(at));
        return Files.getLastModifiedTime(file);
    }

    /**
     * The last poll recorded (its time is {@code poll.json}'s modification time); empty when there was
     * none (or the record is unreadable: it is only a hint).
     */
    public Optional<LastPoll> loadLastPoll() {
        Path file = root.resolve(POLL_FILE);
        try {
            byte[] bytes = readIfExists(file);
            if (bytes == null) {
                return Optional.empty();
            }
            return Optional.ofNullable(HostStateJson.readLastPoll(bytes, Files.getLastModifiedTime(file).toInstant()));
        } catch (IOException | RuntimeException e) {
            Log.log.debug("{}: unreadable, taken as no record: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Moves {@code config.json} and {@code state.json} aside when they do not parse, as
     * {@code config.json.corrupt-<time>} (never deleting them: they may hold something worth reading).
     *
     * @return what was moved and why, one line each, for the operator
     */
    public List<String> setAsideCorrupt(Instant now) {
        List<String> moved = new ArrayList<>();
        for (String name : List.of(CONFIG_FILE, STATE_FILE)) {
            Path file = root.resolve(name);
            byte[] bytes = readIfExists(file);
            if (bytes == null) {
                continue;
            }
            try {
                if (name.equals(CONFIG_FILE)) {
                    parseSettings(file, bytes);
                } else {
                    parseState(file, bytes);
                }
            } catch (Corrupt e) {
                Path aside = root.resolve(name + ".corrupt-"
                        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now));
                try {
                    Files.move(file, aside);
                } catch (IOException moveFailed) {
                    throw new LocalException(file, "cannot move it aside to " + aside.getFileName(), moveFailed);
                }
                LocalFiles.fsyncDirectory(root);
                String why = firstLine(e.getMessage());
                why = why.substring(file.toString().length() + 2, why.indexOf(" (" + RECOVER));
                moved.add(file + " did not parse (" + why + "): moved it to " + aside.getFileName() + " and started over");
            }
        }
        if (!moved.isEmpty()) {
            settingsRead = null;
            stateRead = null;
        }
        return moved;
    }

    /**
     * Takes the cross-process activation lock. When another process holds it: with {@code wait}, blocks
     * until it is free, telling {@code onWait} once, and only while the holder is activating (a holder that
     * is only polling lets go within moments, and a message would be wrong); without, fails with
     * {@link StateException}. The lock file says who is activating, {@code <pid> activating}, and is empty
     * otherwise.
     */
    public ActivationLock lockActivation(boolean wait, Consumer<String> onWait) {
        Path file = root.resolve(LOCK_FILE);
        FileChannel channel = openLockFile(file, "activation lock ");
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                if (!wait) {
                    throw new StateException("activation lock " + file + ": another npcnix activation is running"
                            + holder(channel).map(h -> " (PID " + h.pid() + ")").orElse("") + " (--no-wait given)");
                }
                lock = waitFor(channel, onWait);
            }
            FileLock held = lock;
            if (channel.size() > 0) {
                channel.truncate(0); // what a holder that died while activating left: not true of us
            }
            // Nothing is written for a poll (the idle daemon's every poll takes this lock): an empty
            // file means "not activating"; only an activation, rare and long, says so.
            boolean[] noted = {false};
            return new ActivationLock() {
                @Override
                public void activating() {
                    note(channel, "activating");
                    noted[0] = true;
                }

                @Override
                public void close() {
                    try {
                        if (noted[0]) {
                            channel.truncate(0);
                        }
                        held.release();
                        channel.close();
                    } catch (IOException e) {
                        Log.log.warn("releasing activation lock {}: {}", file, e.toString());
                    }
                }
            };
        } catch (OverlappingFileLockException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("activation lock " + file + ": already held by this process", e);
        } catch (IOException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("activation lock " + file + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LocalFiles.closeQuietly(channel);
            throw new StateException("activation lock " + file + ": interrupted while waiting", e);
        } catch (RuntimeException e) {
            LocalFiles.closeQuietly(channel);
            throw e;
        }
    }

    /** A lock file, created 0600 when missing, open for reading (what its holder wrote) and writing (the lock). */
    private FileChannel openLockFile(Path file, String what) {
        try {
            return FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    fileAttributes(FILE_PERMS));
        } catch (IOException e) {
            throw new StateException(what + file + ": cannot open: " + e, e);
        }
    }

    /** Who holds a lock file and what it does, as written into it; {@code doing} empty when not said. */
    private record Holder(long pid, String doing) {
    }

    /**
     * Waits for the lock another process holds. Looks at it every {@value #LOCK_LOOK_MILLIS} ms rather than
     * blocking in the kernel, because what the holder does may change while we wait (a poll that goes on
     * to activate), and the message is due when it does.
     */
    private static FileLock waitFor(FileChannel channel, Consumer<String> onWait) throws IOException, InterruptedException {
        boolean told = false;
        FileLock lock;
        while ((lock = channel.tryLock()) == null) {
            Optional<Holder> holder = holder(channel);
            if (!told && holder.map(h -> h.doing().equals("activating")).orElse(false)) {
                onWait.accept("waiting for another npcnix activation to finish (PID " + holder.get().pid() + ")");
                told = true;
            }
            Thread.sleep(LOCK_LOOK_MILLIS);
        }
        return lock;
    }

    /** What the holder of a lock file wrote there ({@code <pid> <doing>}); empty when nothing (yet) or not ours. */
    private static Optional<Holder> holder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            int n = channel.read(buf, 0);
            if (n <= 0) {
                return Optional.empty();
            }
            String[] words = new String(buf.array(), 0, n, StandardCharsets.US_ASCII).strip().split(" ", 2);
            return Optional.of(new Holder(Long.parseLong(words[0]), words.length > 1 ? words[1] : ""));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes {@code <pid> <doing>} into a lock file this process holds. Best effort and not synced: it
     * informs waiters, the lock itself is the kernel's.
     */
    private static void note(FileChannel channel, String doing) {
        try {
            byte[] text = (ProcessHandle.current().pid() + (doing.isEmpty() ? "" : " " + doing) + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text), 0);
        } catch (IOException e) {
            Log.log.debug("cannot note the lock holder: {}", e.toString());
        }
    }

    /**
     * Takes the follower lock ({@code follow.lock}) for the life of this process, or fails when another
     * follower holds it, naming its PID. A kernel lock, so a follower that dies (or a generation that
     * exits after its switch, for systemd to start the next) leaves nothing stale behind; the PID in the
     * file only says who holds it.
     *
     * @throws StateException another {@code npcnix follow} follows this data dir
     */
    public FollowerLock lockFollower() {
        Path file = root.resolve(FOLLOWER_LOCK_FILE);
        FileChannel channel = openLockFile(file, "follower lock ");
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new StateException("data dir " + root + ": another npcnix follow is following it"
                        + holder(channel).map(h -> " (PID " + h.pid() + ")").orElse("")
                        + "; one follower per data dir (stop that one first, e.g. systemctl stop npcnix)");
            }
            note(channel, "");
            return () -> {
                try {
                    lock.release();
                    channel.close();
                } catch (IOException e) {
                    Log.log.warn("releasing follower lock {}: {}", file, e.toString());
                }
            };
        } catch (OverlappingFileLockException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("data dir " + root + ": another npcnix follow in this process is following it", e);
        } catch (IOException e) {
            LocalFiles.closeQuietly(channel);
            throw new StateException("follower lock " + file + ": " + e, e);
        } catch (RuntimeException e) {
            LocalFiles.closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Whether an {@code npcnix follow} follows this data dir now: a shared lock on {@code follow.lock}
     * is refused while a follower holds it. Checked by taking that shared lock for an instant, which
     * creates nothing. Note: POSIX locks belong to the process, so a check from inside the follower's
     * own process would release the follower's lock; only other processes may ask.
     */
    public Daemon daemon() {
        Path file = root.resolve(FOLLOWER_LOCK_FILE);
        if (!Files.exists(file)) {
            return new Daemon.NotRunning();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe != null) {
                probe.release();
                return new Daemon.NotRunning();
            }
            return new Daemon.Running(holder(channel).map(h -> OptionalLong.of(h.pid())).orElse(OptionalLong.empty()));
        } catch (NoSuchFileException e) {
            return new Daemon.NotRunning();
        } catch (OverlappingFileLockException e) {
            return new Daemon.Running(OptionalLong.of(ProcessHandle.current().pid()));
        } catch (IOException e) {
            return new Daemon.Unknown(LocalException.reason(e));
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
            Log.log.info("removed {} leftover entries from {}", removed, tmp());
        }
        return removed;
    }

    /** The temp file names {@link #writeAtomically} and {@link #recordPoll} use: {@code .config.json.<random>.tmp}. */
    private static boolean isAtomicWriteTemp(Path p) {
        String name = p.getFileName().toString();
        return LocalFiles.isTempOf(name, CONFIG_FILE) || LocalFiles.isTempOf(name, STATE_FILE) || LocalFiles.isTempOf(name, POLL_FILE)
                || LocalFiles.isTempOf(name, STOP_FILE) || LocalFiles.isTempOf(name, REPORT_FILE) || LocalFiles.isTempOf(name, HOST_ID_FILE);
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
            Log.log.warn("data dir {}: cannot set permissions to 0700: {}", dir, e.toString());
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
