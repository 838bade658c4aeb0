package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import dev.npcnix.activate.ActivationRequest;
import dev.npcnix.activate.Activator;
import dev.npcnix.archive.ArchiveException;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.state.ActivationLock;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll step ({@link #pollOnce()}): with the activation lock held, load settings and state, ask the
 * store for anything newer than the release last dealt with (one conditional request, no body when
 * unchanged), download it into {@code tmp/} while hashing, unpack it safely, verify it, run the
 * activator, and record the outcome atomically. Synchronous; returns a {@link PollOutcome} and never
 * throws for a failure the loop should survive.
 */
public final class Follower {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);

    /** Where a poll is; the daemon defers a shutdown while {@link #ACTIVATING} or {@link #RECORDING}. */
    public enum Phase { IDLE, FETCHING, UNPACKING, ACTIVATING, RECORDING }

    private final DataDir dataDir;
    private final RemoteStores stores;
    private final Activator activator;
    private final Clock clock;
    private final FollowOptions options;
    private volatile Phase phase = Phase.IDLE;
    private Consumer<Phase> phaseListener = p -> { };
    private boolean ignoreEtagPending;
    /** What a dry run would have recorded: it writes nothing to the data dir. */
    private HostState.LastSeen dryRunLastSeen;

    public Follower(DataDir dataDir, RemoteStores stores, Activator activator, Clock clock, FollowOptions options) {
        this.dataDir = dataDir;
        this.stores = stores;
        this.activator = activator;
        this.clock = clock;
        this.options = options;
        this.ignoreEtagPending = options.ignoreEtag();
    }

    /** Tells {@code listener} about every phase change (called on the polling thread). */
    public void onPhase(Consumer<Phase> listener) {
        this.phaseListener = listener;
    }

    public Phase phase() {
        return phase;
    }

    /** One poll for the configured configuration. */
    public PollOutcome pollOnce() {
        return pollOnce(Optional.empty());
    }

    /** One poll, applying {@code configurationOverride} instead of the configured one when given. */
    public PollOutcome pollOnce(Optional<ConfigurationName> configurationOverride) {
        try (ActivationLock lock = dataDir.lockActivation(options.waitForLock(), this::notice)) {
            return pollLocked(configurationOverride);
        } finally {
            enter(Phase.IDLE);
        }
    }

    private PollOutcome pollLocked(Optional<ConfigurationName> configurationOverride) {
        Settings settings = dataDir.loadSettings();
        HostState state = dataDir.loadState();
        Instant now = clock.instant();
        Optional<Pause> pause = settings.pauseAt(now);
        if (pause.isPresent()) {
            log.info("{}: not polling", pause.get());
            return new PollOutcome.Paused(pause.get());
        }
        RemoteUri remote = settings.remote().orElseThrow(() -> new StateException(
                "host not bootstrapped: no remote set (run npcnix bootstrap, or npcnix config set remote URI)"));
        ConfigurationName configuration = configurationOverride.or(settings::configuration).orElseThrow(() -> new StateException(
                "host not bootstrapped: no configuration set (run npcnix bootstrap, or npcnix config set configuration NAME)"));

        Optional<Etag> known = ignoreEtagPending ? Optional.empty() : knownEtag(settings, state, remote, configuration);
        enter(Phase.FETCHING);
        Path work = null;
        Release release = null;
        Instant started = clock.instant();
        try {
            FetchResult fetched = stores.forRemote(remote).fetch(remote, known);
            if (fetched instanceof FetchResult.Unchanged unchanged) {
                Optional<HostState.Quarantine> q = state.quarantineFor(remote.toString(), unchanged.etag().value(), null, configuration.value());
                if (q.isPresent()) {
                    log.debug("remote {} still holds quarantined release {}", remote, unchanged.etag());
                    return new PollOutcome.Quarantined(unchanged.etag(), q.get().reason());
                }
                log.debug("remote {} unchanged ({})", remote, unchanged.etag());
                return new PollOutcome.Unchanged(unchanged.etag());
            }
            work = dataDir.newTempDir("release-");
            Path archive = work.resolve("release.npcnix");
            FetchResult.Download download = (FetchResult.Download) fetched;
            try (download) {
                release = download(remote, download, archive);
            } catch (ArchiveException e) {
                // over the size limit, refused unread: still this release's fault, known by its ETag, so
                // quarantined like any other (else every poll would fetch it again)
                release = new Release(remote, download.etag(), null, Math.max(download.size(), 0));
                throw e;
            }
            HostState.LastSeen seen = new HostState.LastSeen(remote.toString(), release.etag().value(), configuration.value());

            Optional<HostState.Quarantine> q = state.quarantineFor(remote.toString(), release.etag().value(), release.sha256(), configuration.value());
            if (q.isPresent() && !ignoreEtagPending) {
                log.info("release {} of {} is quarantined for {}: {} (publish a new release or run npcnix retry)",
                        release.shortId(), remote, configuration, q.get().reason());
                recordSeen(state, seen);
                return new PollOutcome.Quarantined(release.etag(), q.get().reason());
            }
            if (!ignoreEtagPending && configuration.value().equals(settings.lastConfiguration())
                    && settings.lastAppliedEtag().filter(release.etag()::equals).isPresent()) {
                log.debug("remote {} holds the applied release {}", remote, release.etag());
                recordSeen(state, seen);
                return new PollOutcome.Unchanged(release.etag());
            }

            enter(Phase.UNPACKING);
            Path flake = work.resolve("flake");
            try (InputStream in = Files.newInputStream(archive)) {
                FlakeArchive.unpack(in, flake, options.limits());
            }
            Files.delete(archive);
            FlakeArchive.requireFlake(flake);
            OptionalLong sequence = options.verifier().verify(flake, release, state);

            enter(Phase.ACTIVATING);
            log.info("activating release {} of {} as {}", release.shortId(), remote, configuration);
            activator.activate(new ActivationRequest(flake, configuration, options.operation(),
                    union(settings.extraSubstituters(), options.extraSubstituters()),
                    union(settings.extraTrustedPublicKeys(), options.extraTrustedPublicKeys())));
            Duration took = Duration.between(started, clock.instant());

            enter(Phase.RECORDING);
            ignoreEtagPending = false;
            if (options.dryRun()) {
                dryRunLastSeen = seen;
            } else {
                // config.json first: it is what says the release is applied. A crash before state.json
                // is written loses only a history line.
                dataDir.storeSettings(dataDir.loadSettings().withLastReconfiguration(clock.instant(), release.etag(), configuration));
                // state.json as it is now, not as the poll found it: `npcnix retry` takes no lock and may
                // have run during a long activation
                HostState next = dataDir.loadState()
                        .withAttempt(attempt(started, took, release, configuration, HostState.Result.ACTIVATED, null))
                        .withLastSeen(seen);
                if (sequence.isPresent()) {
                    next = next.withHighestSequence(sequence.getAsLong());
                }
                dataDir.storeState(next);
            }
            log.info("activated release {} of {} as {} in {} s", release.shortId(), remote, configuration, took.toSeconds());
            return new PollOutcome.Activated(release, configuration, took);
        } catch (StateException e) {
            // The host's own files (disk full, permissions): not the release's fault, never quarantined.
            throw e;
        } catch (NpcnixException e) {
            return failed(state, remote, configuration, release, started, e);
        } catch (IOException e) {
            return failed(state, remote, configuration, release, started,
                    new StoreException(remote, StoreException.Reason.OTHER, "local I/O error: " + e.getMessage(), e));
        } catch (java.io.UncheckedIOException e) {
            return failed(state, remote, configuration, release, started,
                    new StoreException(remote, StoreException.Reason.OTHER, "local I/O error: " + e.getMessage(), e));
        } finally {
            if (work != null) {
                try {
                    dev.npcnix.local.LocalFiles.deleteRecursively(work);
                } catch (RuntimeException e) {
                    log.warn("cannot remove {}: {}", work, e.toString());
                }
            }
        }
    }

    private Optional<Etag> knownEtag(Settings settings, HostState state, RemoteUri remote, ConfigurationName configuration) {
        HostState.LastSeen seen = options.dryRun() && dryRunLastSeen != null ? dryRunLastSeen : state.lastSeen();
        if (seen != null && seen.remote().equals(remote.toString()) && seen.configuration().equals(configuration.value())) {
            return Optional.ofNullable(Etag.parse(seen.etag()));
        }
        if (configuration.value().equals(settings.lastConfiguration())) {
            return settings.lastAppliedEtag();
        }
        return Optional.empty();
    }

    /** Streams the body to {@code target}, hashing it, within the size limit and checking its length. */
    private Release download(RemoteUri remote, FetchResult.Download download, Path target) throws IOException {
        if (download.size() > options.maxDownloadBytes()) {
            throw new ArchiveException("release " + download.etag() + " of " + remote + ": " + download.size()
                    + " bytes, more than the limit of " + options.maxDownloadBytes());
        }
        MessageDigest sha = sha256();
        long total = 0;
        byte[] buf = new byte[128 * 1024];
        try (InputStream in = download.body(); OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > options.maxDownloadBytes()) {
                    throw new ArchiveException("release " + download.etag() + " of " + remote
                            + ": more than the limit of " + options.maxDownloadBytes() + " bytes");
                }
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (StoreException | ArchiveException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException(remote, StoreException.Reason.UNREACHABLE, "download interrupted after " + total
                    + " bytes: " + e.getMessage(), e);
        }
        if (download.size() >= 0 && total != download.size()) {
            throw new StoreException(remote, StoreException.Reason.CORRUPT, "download truncated: got " + total
                    + " of " + download.size() + " bytes", null);
        }
        return new Release(remote, download.etag(), HexFormat.of().formatHex(sha.digest()), total);
    }

    private PollOutcome failed(HostState state, RemoteUri remote, ConfigurationName configuration, Release release,
            Instant started, NpcnixException e) {
        Duration took = Duration.between(started, clock.instant());
        if (release == null) {
            log.error("poll of {} failed: {}", remote, e.getMessage());
            return new PollOutcome.Failed(Optional.empty(), e);
        }
        String errorClass = e.isTransient() ? "transient" : "deterministic";
        if (e.isTransient()) {
            log.error("release {} of {}: {} failure, will retry: {}", release.shortId(), remote, errorClass, e.getMessage());
        } else {
            log.error("release {} of {} failed for {} and is quarantined (publish a fix, or npcnix retry): {}",
                    release.shortId(), remote, configuration, e.getMessage());
        }
        if (!options.dryRun()) {
            enter(Phase.RECORDING);
            HostState next = dataDir.loadState() // as it is now (see above)
                    .withAttempt(attempt(started, took, release, configuration, HostState.Result.FAILED, e, errorClass));
            if (!e.isTransient()) {
                ignoreEtagPending = false;
                next = next.withQuarantine(new HostState.Quarantine(remote.toString(), release.etag().value(), release.sha256(),
                        configuration.value(), clock.instant(), e.getMessage()))
                        .withLastSeen(new HostState.LastSeen(remote.toString(), release.etag().value(), configuration.value()));
            }
            dataDir.storeState(next);
        }
        return new PollOutcome.Failed(Optional.of(release), e);
    }

    private void recordSeen(HostState state, HostState.LastSeen seen) {
        if (options.dryRun()) {
            dryRunLastSeen = seen;
        } else if (!seen.equals(state.lastSeen())) {
            dataDir.storeState(dataDir.loadState().withLastSeen(seen));
        }
    }

    private HostState.Attempt attempt(Instant started, Duration took, Release release, ConfigurationName configuration,
            HostState.Result result, NpcnixException error) {
        return attempt(started, took, release, configuration, result, error, null);
    }

    private HostState.Attempt attempt(Instant started, Duration took, Release release, ConfigurationName configuration,
            HostState.Result result, NpcnixException error, String errorClass) {
        return new HostState.Attempt(started, took.toMillis(), release.remote().toString(), release.etag().value(),
                release.sha256(), configuration.value(), options.operation().arg(), result, errorClass,
                error == null ? null : error.getMessage());
    }

    private void enter(Phase next) {
        phase = next;
        phaseListener.accept(next);
    }

    private void notice(String message) {
        log.info("{}", message);
        options.notices().accept(message);
    }

    private static List<String> union(List<String> a, List<String> b) {
        LinkedHashSet<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
