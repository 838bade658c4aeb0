package dev.npcnix.fleet;

import dev.npcnix.NpcnixException;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this host's report to {@code <remote>.hosts/<host-id>.json} after a poll, when what it says
 * changed (an attempt, a new state, a pause) or when the last one is {@link #interval} old (the
 * heartbeat): a quiet host writes one small object per interval and nothing else. A report that
 * cannot be written is logged and tried again after the next poll; it never changes the poll's outcome.
 * Off for read-only ({@code http(s)://}) stores. The last report written is kept in the data dir, so a
 * restarted daemon does not write an unchanged one again.
 */
public final class Reporter {
    private static final Logger log = LoggerFactory.getLogger(Reporter.class);
    /** The heartbeat when nothing changes (docs/performance.md: the cost target allows one per 2 h 5 min at most). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(3);
    static final String CONTENT_TYPE = "application/json";
    /** The links to the running and booted system (overridable for tests, as safe activation's are). */
    public static final String CURRENT_SYSTEM_ENV = "NPCNIX_CURRENT_SYSTEM";
    public static final String BOOTED_SYSTEM_ENV = "NPCNIX_BOOTED_SYSTEM";

    /** The daemon a report speaks for: this process (asking {@code follow.lock} from inside it would release the lock). */
    private static final Daemon SELF = new Daemon.Running(OptionalLong.of(ProcessHandle.current().pid()));

    private final DataDir dataDir;
    private final RemoteStores stores;
    private final HostId hostId;
    private final Clock clock;
    private final Duration interval;
    private final String version;
    private final Map<String, String> env;
    private Optional<PollOutcome> last = Optional.empty();
    private boolean loaded;
    private byte[] lastTimeless;
    private Instant lastWrittenAt;
    private boolean failing;
    private boolean readOnlyLogged;

    public Reporter(DataDir dataDir, RemoteStores stores, HostId hostId, Clock clock, Duration interval, String version,
            Map<String, String> env) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("report interval must be positive: " + interval);
        }
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        this.stores = Objects.requireNonNull(stores, "stores");
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.clock = clock;
        this.interval = interval;
        this.version = version;
        this.env = Map.copyOf(env);
    }

    public HostId hostId() {
        return hostId;
    }

    /** The object this host reports to for {@code remote}. */
    public RemoteUri reportOf(RemoteUri remote) {
        return remote.sibling(".hosts/" + hostId + ".json");
    }

    /** After every poll (an observer of the follow loop): the report, if it changed or is due. */
    public void afterPoll(PollOutcome outcome) {
        last = Optional.of(outcome);
        report(false);
    }

    /** An activation starts (the poll step's phase): the fleet sees {@code activating}. */
    public void activating() {
        report(true);
    }

    /** When the last report was written (by this process or, read from the data dir, an earlier one). */
    public Optional<Instant> lastWrittenAt() {
        loadLastWritten();
        return Optional.ofNullable(lastWrittenAt);
    }

    /** The heartbeat interval. */
    public Duration interval() {
        return interval;
    }

    /** Whether the last report could not be written (it is tried again after the next poll). */
    public boolean failing() {
        return failing;
    }

    private void report(boolean activating) {
        RemoteUri object = null;
        try {
            Settings settings = dataDir.loadSettings();
            if (settings.remote().isEmpty()) {
                return;
            }
            RemoteUri remote = settings.remote().get();
            RemoteStore store = stores.forRemote(remote);
            if (store.readOnly()) {
                if (!readOnlyLogged) {
                    log.debug("{}: a read-only store, so no reports", remote);
                    readOnlyLogged = true;
                }
                return;
            }
            object = reportOf(remote);
            Instant now = clock.instant();
            HostReport report = build(settings, dataDir.loadState(), dataDir.loadLastPoll(), activating, now);
            byte[] timeless = HostReportJson.write(report.at(null));
            loadLastWritten();
            boolean changed = lastTimeless == null || !Arrays.equals(timeless, lastTimeless);
            boolean due = lastWrittenAt == null || !now.isBefore(lastWrittenAt.plus(interval));
            if (!changed && !due) {
                return;
            }
            byte[] bytes = HostReportJson.write(report);
            store.write(object, bytes, CONTENT_TYPE, RemoteStore.Condition.NONE);
            lastTimeless = timeless;
            lastWrittenAt = now;
            log.debug("report {} written ({}, {})", object, report.state().label(), changed ? "changed" : "heartbeat");
            if (failing) {
                log.info("report {} written again", object);
                failing = false;
            }
            try {
                dataDir.storeLastReport(bytes);
            } catch (NpcnixException e) {
                log.debug("cannot keep the last report in the data dir: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            String what = object == null ? "report" : "report " + object;
            if (!failing) {
                log.warn("{} not written, tried again after the next poll: {}", what, e.getMessage());
            } else {
                log.debug("{} still not written: {}", what, e.getMessage());
            }
            failing = true;
        }
    }

    /** The report as last written (by this process or an earlier one), for the change and heartbeat check. */
    private void loadLastWritten() {
        if (loaded) {
            return;
        }
        loaded = true;
        try {
            Optional<byte[]> bytes = dataDir.loadLastReport();
            if (bytes.isPresent()) {
                HostReport earlier = HostReportJson.read(bytes.get());
                lastTimeless = HostReportJson.write(earlier.at(null));
                lastWrittenAt = earlier.reportedAt();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("the last report kept in the data dir is unreadable ({}); writing a new one", e.getMessage());
        }
    }

    /**
     * The report for the host as its files say now. Its state word is {@link HostStatus#of} of the same
     * files {@code npcnix status} reads ({@code config.json}, {@code state.json}, {@code poll.json}, which the
     * poll step wrote before its observers run); the daemon is this process.
     */
    HostReport build(Settings settings, HostState state, Optional<LastPoll> lastPoll, boolean activating, Instant now) {
        RemoteUri remote = settings.remote().orElseThrow();
        Optional<Pause> pause = settings.pauseAt(now);
        HostReport.Applied applied = null;
        if (settings.lastConfiguration().isPresent()) {
            Etag etag = settings.lastEtag().orElse(null);
            applied = new HostReport.Applied(new HostReport.ReleaseRef(etag, sha256Of(state, etag),
                    etag == null ? 0 : state.highestSequence()), settings.lastConfiguration().get(), settings.lastReconfiguration());
        }
        HostReport.ReleaseRef target = null;
        HostState.LastSeen seen = state.lastSeen();
        if (seen != null && seen.etag() != null && settings.configuration().isPresent() && seen.isFor(remote, settings.configuration().get())
                && (applied == null || !seen.etag().equals(applied.release().etag()))) {
            target = new HostReport.ReleaseRef(seen.etag(), sha256Of(state, seen.etag()), 0);
        }
        HostReport.LastPoll lastError = last.filter(o -> o instanceof PollOutcome.Failed)
                .map(o -> ((PollOutcome.Failed) o).error())
                .map(e -> new HostReport.LastPoll("failed", e.errorClass(), e.getMessage()))
                .orElse(null);
        HostReport.LastAttempt attempt = state.lastAttempt().map(a -> new HostReport.LastAttempt(a.startedAt(),
                a.result() == null ? null : a.result().name().toLowerCase(java.util.Locale.ROOT), a.etag(), a.errorClass(), a.message()))
                .orElse(null);
        List<HostReport.Quarantined> quarantined = state.quarantined().stream()
                .filter(q -> remote.equals(q.remote()))
                .map(q -> new HostReport.Quarantined(q.etag(), q.sha256(), q.configuration(), q.at(), q.reason()))
                .toList();
        if (quarantined.size() > HostReport.MAX_QUARANTINED) {
            quarantined = quarantined.subList(quarantined.size() - HostReport.MAX_QUARANTINED, quarantined.size());
        }
        return new HostReport(hostId, remote, settings.configuration().orElse(null),
                HostStatus.of(settings, state, lastPoll, SELF, activating, now).state(), applied, target, lastError, attempt, quarantined,
                pause.isPresent(), pause.filter(p -> p instanceof Pause.Until).map(p -> ((Pause.Until) p).until()).orElse(null),
                generations(), version, interval, now);
    }

    private static String sha256Of(HostState state, Etag etag) {
        if (etag == null) {
            return null;
        }
        for (int i = state.history().size() - 1; i >= 0; i--) {
            HostState.Attempt a = state.history().get(i);
            if (etag.equals(a.etag()) && a.sha256() != null) {
                return a.sha256();
            }
        }
        return state.quarantined().stream().filter(q -> etag.equals(q.etag()) && q.sha256() != null)
                .map(HostState.Quarantine::sha256).findFirst().orElse(null);
    }

    private HostReport.Generations generations() {
        String current = link(env.getOrDefault(CURRENT_SYSTEM_ENV, "/run/current-system"));
        String booted = link(env.getOrDefault(BOOTED_SYSTEM_ENV, "/run/booted-system"));
        return current == null && booted == null ? null : new HostReport.Generations(current, booted);
    }

    private static String link(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null; // not NixOS, or not a link: the report says nothing of generations
        }
    }
}
