package dev.npcnix.bench;

import dev.npcnix.ConfigurationName;
import dev.npcnix.activate.ActivationException;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Schedule;
import dev.npcnix.publish.Publisher;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.rollout.RolloutBoard;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fleet following one remote through a staged rollout, on ONE in-JVM S3 server whose objects' times
 * follow the same virtual clock as the hosts (the soak is measured in the store's time). Every host runs
 * the real {@link Follower#pollOnce()} (with the rollout gate) and the real {@link Schedule#next} (waking at
 * a soak's end as the daemon does); its own clock is skewed by up to ±{@code skew} from the store's, as a
 * fleet's clocks are. Activation is an in-process {@code Activator} that fails for the bad release and
 * counts, while it runs, the live leases in the store (the in-flight hosts). Polls of one virtual second run
 * on a few threads, so hosts do race for leases and markers.
 *
 * <p>{@code -Dbench.rollout.trace=true} prints (stderr, lines "TRACE") the host that saw the halt last, with the
 * board's failure markers and its last 20 polls (time, outcome, wake, interval), to explain that figure.
 *
 * <p>Used by the benchmark (1,000 hosts, figures) and by {@code RolloutSimulationTest} (100 hosts, the same
 * properties asserted).
 */
final class RolloutSimulation {
    static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://rollout/npcnix/remotes/prod.npcnix");
    private static final String BAD = "bad";
    private static final boolean TRACE = Boolean.getBoolean("bench.rollout.trace");

    /** What one rollout did. */
    record Result(int hosts, Duration quietHour, long quietRequests, long rolloutRequests, Duration rolloutSpan, int activatedBad,
            int waveZeroHosts, Optional<Instant> firstFailure, Duration haltSeenWithin, Duration reachedAll, Duration soaks,
            int maxInFlight, int maxInFlightAllowed, int stillWaiting, Duration maxPollInterval, int failedPolls) {

        double quietPerHostHour() {
            return quietRequests / (double) hosts / (quietHour.toSeconds() / 3600.0);
        }

        double rolloutPerHostHour() {
            return rolloutRequests / (double) hosts / (rolloutSpan.toSeconds() / 3600.0);
        }
    }

    private final Path dir;
    private final int hosts;
    private final Duration skew;
    private final int threads;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger activatedBad = new AtomicInteger();
    /** Polls after the publish that ended Failed transiently (a store error): each delays what that host sees. */
    private final AtomicInteger failedPolls = new AtomicInteger();

    RolloutSimulation(Path dir, int hosts, Duration skew, int threads) {
        this.dir = dir;
        this.hosts = hosts;
        this.skew = skew;
        this.threads = threads;
    }

    private final class Host {
        final int index;
        final String id;
        final DataDir data;
        final TestClock clock;
        final long skewMillis;
        final Follower follower;
        final SplittableRandom random;
        Instant next;
        Instant appliedAt;
        Instant haltSeen;
        boolean waiting;
        /** Every poll from the publish on (diagnostics: the host that saw the halt last is printed). */
        final List<String> history = new ArrayList<>();

        Host(int index, RemoteStores stores) {
            this.index = index;
            this.id = "host-" + index;
            this.random = new SplittableRandom(7000 + index);
            this.skewMillis = skew.isZero() ? 0 : random.nextLong(-skew.toMillis(), skew.toMillis() + 1);
            this.data = DataDir.open(dir.resolve(id));
            this.clock = new TestClock(T0.minus(Duration.ofDays(7)));
            data.storeSettings(Settings.empty().withRemote(REMOTE).withConfiguration(ConfigurationName.of("web")));
            this.follower = new Follower(data, stores, request -> activate(request.flakeDir(), stores), clock,
                    FollowOptions.defaults().withHostId(() -> id));
        }

        PollOutcome poll() {
            clock.set(now.get().plusMillis(skewMillis));
            return follower.pollOnce();
        }
    }

    private void activate(Path flake, RemoteStores stores) {
        String content;
        try {
            content = Files.readString(flake.resolve("hosts/web.nix"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // the in-flight hosts: live leases of the current rollout while this activation runs
        if (rolloutId != null && policy.maxInFlight() > 0) {
            int live = (int) new RolloutBoard(stores.forRemote(REMOTE), REMOTE, rolloutId).snapshot().leases().values().stream()
                    .filter(l -> l.takenAt().plus(policy.leaseTtl()).isAfter(now.get())).count();
            maxInFlight.accumulateAndGet(live, Math::max);
        }
        if (content.contains(BAD)) {
            activatedBad.incrementAndGet();
            throw new ActivationException("nixos-rebuild exited 1: the bad release does not build", 1, List.of(), false, null);
        }
    }

    private volatile String rolloutId;
    private volatile RolloutPolicy policy;

    /**
     * Runs a quiet stretch, then publishes a release with {@code rolloutPolicy} and runs until every host
     * applied it (good) or {@code limit} passed (bad).
     */
    Result run(RolloutPolicy rolloutPolicy, boolean bad, Duration limit, Duration quiet) throws Exception {
        this.policy = rolloutPolicy;
        Path flake = dev.npcnix.testing.Fixtures.webFlake(dir.resolve("flake"));
        try (S3Server server = S3Server.start(now::get)) {
            server.createBucket("rollout");
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", server.accessKey(), "AWS_SECRET_ACCESS_KEY", server.secretKey(),
                    "AWS_REGION", server.region());
            try (RemoteStores stores = new RemoteStores(StoreSettings.of(env, Optional.of(server.region()),
                    Optional.of(server.endpoint().toString())))) {
                Publisher publisher = new Publisher(stores, dir.resolve("publish-tmp"));
                publisher.publish(flake, REMOTE, PackOptions.defaults(), RemoteStore.TransferListener.NONE);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Host> fleet = new ArrayList<>();
                    List<Future<Host>> setup = new ArrayList<>();
                    for (int i = 0; i < hosts; i++) {
                        int index = i;
                        setup.add(pool.submit(() -> {
                            Host h = new Host(index, stores);
                            h.clock.set(T0.minus(Duration.ofDays(7)));
                            PollOutcome first = h.follower.pollOnce(); // applied a week ago: steady state
                            if (!(first instanceof PollOutcome.Activated)) {
                                throw new IllegalStateException(h.id + ": " + first);
                            }
                            return h;
                        }));
                    }
                    for (Future<Host> f : setup) {
                        fleet.add(f.get());
                    }
                    PriorityQueue<Host> queue = new PriorityQueue<>((a, b) -> a.next.compareTo(b.next));
                    Duration maxInterval = Duration.ZERO;
                    for (Host h : fleet) {
                        Duration first = Schedule.next(h.data.loadSettings(), T0.plusMillis(h.skewMillis), 0, h.random);
                        h.next = T0.plusMillis((long) (first.toMillis() * h.random.nextDouble()));
                        queue.add(h);
                        Duration base = Schedule.baseInterval(h.data.loadSettings(), T0);
                        Duration longest = base.plus(base.dividedBy(2));
                        maxInterval = longest.compareTo(maxInterval) > 0 ? longest : maxInterval;
                    }
                    server.resetTraffic();
                    loop(queue, T0.plus(quiet), pool, false);
                    long quietRequests = server.traffic().requestCount();

                    if (bad) {
                        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + BAD + "\"; }\n");
                    } else {
                        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }\n");
                    }
                    Instant published = now.get();
                    PublishResult r = publisher.withRollout(rolloutPolicy, java.time.Clock.fixed(published, java.time.ZoneOffset.UTC), "ci")
                            .publish(flake, REMOTE, PackOptions.defaults(), RemoteStore.TransferListener.NONE);
                    rolloutId = r.rolloutId();
                    server.resetTraffic();
                    Instant end = loop(queue, published.plus(limit), pool, !bad);
                    long rolloutRequests = server.traffic().requestCount();

                    RolloutBoard board = new RolloutBoard(stores.forRemote(REMOTE), REMOTE, rolloutId);
                    RolloutBoard.Snapshot snapshot = board.snapshot();
                    Optional<Instant> firstFailure = snapshot.hosts().getOrDefault(RolloutBoard.Marker.FAILED, Map.of()).values().stream()
                            .flatMap(m -> m.values().stream()).min(Instant::compareTo);
                    Duration haltSeen = Duration.ZERO;
                    Host worst = null;
                    if (firstFailure.isPresent()) {
                        for (Host h : fleet) {
                            if (h.haltSeen != null) {
                                Duration d = Duration.between(firstFailure.get(), h.haltSeen);
                                if (d.compareTo(haltSeen) > 0) {
                                    haltSeen = d;
                                    worst = h;
                                }
                            }
                        }
                    }
                    if (TRACE && worst != null) {
                        System.err.printf("TRACE published %s firstFailure %s haltObject %s halt %s worst %s (skew %d ms) +%d s%n",
                                published, firstFailure.get(), snapshot.halted(), board.readHalt(), worst.id, worst.skewMillis,
                                haltSeen.toSeconds());
                        String worstId = worst.id;
                        snapshot.hosts().forEach((m, byWave) -> byWave.forEach((w, hs) -> hs.forEach((host, t) -> {
                            if (m == RolloutBoard.Marker.FAILED || host.equals(worstId)) {
                                System.err.printf("TRACE   marker %s/%d/%s at %s%n", m, w, host, t);
                            }
                        })));
                        for (String line : worst.history.subList(Math.max(0, worst.history.size() - 20), worst.history.size())) {
                            System.err.println("TRACE   " + line);
                        }
                    }
                    Duration reached = Duration.ZERO;
                    int stillWaiting = 0;
                    for (Host h : fleet) {
                        if (h.appliedAt != null) {
                            Duration d = Duration.between(published, h.appliedAt);
                            reached = d.compareTo(reached) > 0 ? d : reached;
                        }
                        stillWaiting += h.waiting ? 1 : 0;
                    }
                    int waveZero = (int) fleet.stream().filter(h -> rolloutPolicy.waveOf(h.id, java.util.Set.of(), rolloutId) == 0).count();
                    return new Result(hosts, quiet, quietRequests, rolloutRequests, Duration.between(published, end), activatedBad.get(),
                            waveZero, firstFailure, haltSeen, reached, rolloutPolicy.soakBefore(rolloutPolicy.waves().size() - 1),
                            maxInFlight.get(), rolloutPolicy.maxInFlight(), stillWaiting, maxInterval, failedPolls.get());
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    /** Polls due hosts one virtual second at a time until {@code until}, or until every host applied (when asked). */
    private Instant loop(PriorityQueue<Host> queue, Instant until, ExecutorService pool, boolean stopWhenAllApplied) throws Exception {
        int applied = 0;
        while (now.get().isBefore(until)) {
            Instant end = now.get().plusSeconds(1);
            List<Host> slice = new ArrayList<>();
            while (!queue.isEmpty() && queue.peek().next.isBefore(end)) {
                slice.add(queue.poll());
            }
            List<Future<PollOutcome>> outcomes = new ArrayList<>();
            for (Host h : slice) {
                outcomes.add(pool.submit(h::poll));
            }
            for (int k = 0; k < slice.size(); k++) {
                Host h = slice.get(k);
                PollOutcome o = outcomes.get(k).get();
                Optional<Instant> wake = Optional.empty();
                if (o instanceof PollOutcome.Activated) {
                    h.appliedAt = now.get();
                    h.waiting = false;
                } else if (o instanceof PollOutcome.Waiting w) {
                    h.waiting = true;
                    wake = w.opensAt();
                    if (w.halted() && h.haltSeen == null) {
                        h.haltSeen = now.get();
                    }
                } else if (!(o instanceof PollOutcome.Unchanged || o instanceof PollOutcome.Quarantined
                        || o instanceof PollOutcome.Failed)) {
                    throw new IllegalStateException(h.id + ": " + o);
                }
                if (rolloutId != null && o instanceof PollOutcome.Failed f && f.isTransient()) {
                    failedPolls.incrementAndGet();
                }
                Instant hostNow = now.get().plusMillis(h.skewMillis);
                Duration wait = Schedule.next(h.data.loadSettings(), hostNow,
                        o instanceof PollOutcome.Failed f && f.isTransient() ? 1 : 0, h.random, wake);
                if (TRACE) {
                    h.history.add(String.format("poll %s (due %s) %s%s wake %s base %s wait %s", now.get(), h.next,
                            o.getClass().getSimpleName(), o instanceof PollOutcome.Waiting w && w.halted() ? " halted"
                                    : o instanceof PollOutcome.Failed f ? " (transient " + f.isTransient() + ": " + f.error().getMessage() + ")" : "",
                            wake,
                            Schedule.baseInterval(h.data.loadSettings(), hostNow), wait));
                }
                h.next = now.get().plus(wait);
                queue.add(h);
            }
            now.set(end);
            if (stopWhenAllApplied) {
                applied = (int) queue.stream().filter(h -> h.appliedAt != null).count();
                if (applied == hosts) {
                    break;
                }
            }
        }
        return now.get();
    }
}
