package dev.npcnix.bench;

import dev.npcnix.ConfigurationName;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Schedule;
import dev.npcnix.rollout.RolloutFile;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.s3.S3Server;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Benchmark 5: a fleet following one remote on ONE in-JVM S3 server. Every simulated host has its own
 * data dir (tmpfs), its own clock and random generator, and runs the real {@link Follower#pollOnce()}
 * and the real {@link Schedule#next}; activation is an in-process no-op {@code Activator} (the fake
 * nixos-rebuild process would only add a fork per activation). The release is the small sample flake:
 * the figures are about requests and timing, not bytes.
 *
 * <p>Virtual day: a discrete-event loop ordered by each host's next poll time. Hosts start in steady
 * state (last change a week ago: polling every ~120 s, at random phases); releases are published at
 * hour 1 and hour 12. Events are processed in one-second slices of virtual time on a few threads: a
 * host polls at most once in 2.5 s, so no host appears twice in a slice, and a publish falls on a
 * slice boundary. Polls are sent to the server ("real") for the steady-state hour and for a window
 * after each publish (convergence, peak rates). In between, hosts advance on the real schedule and
 * their polls are counted without being sent: with no publish in between each would be one 304 (the
 * windows check that), and sending ~3.7 million of them would take over an hour on two cores.
 * {@code -Dbench.fleet.realDay=true} sends every poll.
 *
 * <p>Real time: a few hundred hosts on a real clock and a scheduler, with a 1 s minimum interval, for
 * a minute with two publishes: every host must converge within its schedule's bound.
 */
final class FleetBench {
    private static final double GET_PRICE_PER_1000 = 0.0004;
    /** S3 Standard PUT (and COPY, LIST) per 1,000 requests, us-east-1 list price: 12.5 GETs. */
    private static final double PUT_PRICE_PER_1000 = 0.005;
    private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://fleet/npcnix/remotes/prod.npcnix");
    private static final int DAY = 86_400;

    private FleetBench() {
    }

    static void run(Bench.Ctx ctx) throws Exception {
        Path dir = Files.createDirectories(ctx.work().resolve("fleet"));
        List<Path> releases = new ArrayList<>();
        for (int v = 0; v < 3; v++) {
            Path flake = dev.npcnix.testing.Fixtures.webFlake(dir.resolve("flake-" + v));
            Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v" + v + "\"; }\n");
            Path archive = dir.resolve("release-" + v + ".npcnix");
            try (OutputStream out = Files.newOutputStream(archive)) {
                FlakeArchive.pack(flake, out, PackOptions.defaults());
            }
            releases.add(archive);
        }
        boolean realDay = Boolean.getBoolean("bench.fleet.realDay");
        if (!Boolean.getBoolean("bench.fleet.rolloutOnly")) {
            day(ctx, dir, releases, realDay);
        }
        rollouts(ctx, dir.resolve("rollout"), ctx.quick() ? 100 : 1000);
    }

    /**
     * Staged rollouts (issue 15): waves 1 %/10 %/50 %/100 %, soak 15 min, at most 3 in flight, host clocks
     * skewed by up to ±5 min; a bad release (fails on every host) and a good one, on a store whose times
     * follow the virtual clock.
     */
    private static void rollouts(Bench.Ctx ctx, Path dir, int hosts) throws Exception {
        dev.npcnix.rollout.RolloutPolicy waves = dev.npcnix.rollout.RolloutPolicy.of(1, List.of(10.0, 50.0), Duration.ofMinutes(15), 0,
                3, dev.npcnix.rollout.RolloutPolicy.OnHalt.STAY);
        String n = "rollout " + hosts + " hosts";
        long t0 = System.nanoTime();
        RolloutSimulation.Result bad = new RolloutSimulation(Files.createDirectories(dir.resolve("bad")), hosts, Duration.ofMinutes(5), 4)
                .run(waves, true, Duration.ofMinutes(30), Duration.ofMinutes(20));
        ctx.log("rollout: bad release simulated in %.0f s", (System.nanoTime() - t0) / 1e9);
        ctx.report(Figure.absolute(n + ": hosts that activated the bad release", bad.activatedBad(), "",
                "<= wave 0 (" + bad.waveZeroHosts() + ")", bad.activatedBad() <= Math.max(1, bad.waveZeroHosts())));
        ctx.report(Figure.absolute(n + ": halt seen by every gated host within", bad.haltSeenWithin().toSeconds(), "s",
                "<= 1 poll interval (" + bad.maxPollInterval().toSeconds() + " s)",
                bad.haltSeenWithin().compareTo(bad.maxPollInterval().plusSeconds(2)) <= 0));
        ctx.report(Figure.info(n + ": polls failed by a store error after the bad publish", bad.failedPolls(), ""));
        if (Boolean.getBoolean("bench.fleet.rolloutBadOnly")) {
            return; // investigating the bad release alone
        }
        t0 = System.nanoTime();
        RolloutSimulation.Result good = new RolloutSimulation(Files.createDirectories(dir.resolve("good")), hosts, Duration.ofMinutes(5), 4)
                .run(waves, false, Duration.ofHours(2), Duration.ofMinutes(20));
        ctx.log("rollout: good release simulated in %.0f s", (System.nanoTime() - t0) / 1e9);
        Duration bound = good.soaks().plus(good.maxPollInterval().multipliedBy(2));
        ctx.report(Figure.absolute(n + ": good release on every host after", good.reachedAll().toSeconds(), "s",
                "<= soaks + 2 poll intervals (" + bound.toSeconds() + " s)", good.stillWaiting() == 0 && good.reachedAll().compareTo(bound) <= 0));
        ctx.report(Figure.absolute(n + ": max in flight seen", good.maxInFlight(), "", "<= " + good.maxInFlightAllowed(),
                good.maxInFlight() <= good.maxInFlightAllowed()));
        ctx.report(Figure.info(n + ": requests/host-hour, quiet (before the publish)", good.quietPerHostHour(), ""));
        ctx.report(Figure.info(n + ": requests/host-hour, during the rollout (all: GET, LIST, PUT, DELETE)", good.rolloutPerHostHour(), ""));
        ctx.report(Figure.info(n + ": requests per host, whole rollout", good.rolloutRequests() / (double) hosts, ""));
        ctx.report(Figure.info(n + ": requests/host-hour, halted rollout (30 min after the publish)", bad.rolloutPerHostHour(), ""));
    }

    private static void day(Bench.Ctx ctx, Path dir, List<Path> releases, boolean realDay) throws Exception {
        try (S3Server server = S3Server.start()) {
            server.createBucket("fleet");
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", server.accessKey(), "AWS_SECRET_ACCESS_KEY",
                    server.secretKey(), "AWS_REGION", server.region());
            StoreSettings settings = StoreSettings.of(env, Optional.of(server.region()), Optional.of(server.endpoint().toString()));
            try (RemoteStores stores = new RemoteStores(settings)) {
                new VirtualDay(ctx, server, stores, dir.resolve("virtual"), releases, ctx.quick() ? 100 : 1000,
                        ctx.quick() ? 300 : 1200, realDay).run();
                new RealTime(ctx, server, stores, dir.resolve("real"), releases, ctx.quick() ? 50 : 200,
                        ctx.quick() ? 30 : 60).run();
            }
        }
    }

    /** One simulated host. */
    private static final class Host {
        final int index;
        final DataDir dataDir;
        final TestClock clock;
        final Follower follower;
        final SplittableRandom random;
        Instant next;
        int transientFailures;
        final Instant[] converged = new Instant[2];
        /** Its report, as the daemon writes it after every poll (null in the real-time part). */
        dev.npcnix.fleet.Reporter reporter;

        Host(int index, DataDir dataDir, TestClock clock, Follower follower, SplittableRandom random) {
            this.index = index;
            this.dataDir = dataDir;
            this.clock = clock;
            this.follower = follower;
            this.random = random;
        }
    }

    private static final class VirtualDay {
        private final Bench.Ctx ctx;
        private final S3Server server;
        private final RemoteStores stores;
        private final Path dir;
        private final List<Path> releases;
        private final int hosts;
        private final int window;
        private final boolean realDay;
        private final long[] requests = new long[DAY];
        private final long[] downloads = new long[DAY];
        /** Report PUTs by second of the day (sent for real in every window: one per host per interval when quiet). */
        private final long[] puts = new long[DAY];
        private final int[] publishAt = {3600, 12 * 3600};
        private long realPolls;
        private long countedPolls;

        VirtualDay(Bench.Ctx ctx, S3Server server, RemoteStores stores, Path dir, List<Path> releases, int hosts, int window,
                boolean realDay) {
            this.ctx = ctx;
            this.server = server;
            this.stores = stores;
            this.dir = dir;
            this.releases = releases;
            this.hosts = hosts;
            this.window = window;
            this.realDay = realDay;
        }

        /** Whether polls at second {@code s} of the day go to the server. */
        private boolean real(int s) {
            if (realDay) {
                return true;
            }
            boolean steadyHour = s < 3600 && s >= 3600 - (ctx.quick() ? window : 3600);
            return steadyHour || (s >= publishAt[0] && s < publishAt[0] + window) || (s >= publishAt[1] && s < publishAt[1] + window);
        }

        void run() throws Exception {
            long started = System.nanoTime();
            stores.forRemote(REMOTE).publish(REMOTE, releases.get(0));
            List<Host> fleet = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                // Every host applied release 0 a week ago: steady state, polling about every 120 s.
                List<Future<Host>> setup = new ArrayList<>();
                for (int i = 0; i < hosts; i++) {
                    int index = i;
                    setup.add(pool.submit(() -> newHost(index)));
                }
                for (Future<Host> f : setup) {
                    fleet.add(f.get());
                }
                ctx.log("fleet: %d hosts set up in %.1f s", hosts, (System.nanoTime() - started) / 1e9);
                server.resetTraffic();
                PriorityQueue<Host> queue = new PriorityQueue<>((a, b) -> a.next.compareTo(b.next));
                for (Host h : fleet) {
                    Duration first = Schedule.next(h.dataDir.loadSettings(), T0, 0, h.random);
                    h.next = T0.plusMillis((long) (first.toMillis() * h.random.nextDouble())); // a random phase
                    queue.add(h);
                }
                double[] expectedDownloadRate = new double[2];
                double[] maxInterval = new double[2];
                long sentAtStart = 0;
                for (int s = 0; s < DAY; s++) {
                    for (int p = 0; p < 2; p++) {
                        if (s == publishAt[p]) {
                            stores.forRemote(REMOTE).publish(REMOTE, releases.get(p + 1));
                            Instant at = T0.plusSeconds(s);
                            double meanInterval = fleet.stream()
                                    .mapToDouble(h -> Schedule.baseInterval(h.dataDir.loadSettings(), at).toMillis() / 1000.0)
                                    .average().orElseThrow();
                            expectedDownloadRate[p] = hosts / meanInterval;
                            maxInterval[p] = fleet.stream()
                                    .mapToDouble(h -> Schedule.baseInterval(h.dataDir.loadSettings(), at).toMillis() / 1000.0)
                                    .max().orElseThrow();
                            ctx.log("fleet: publish %d at %s: mean base interval %.1f s", p + 1, at, meanInterval);
                        }
                    }
                    Instant end = T0.plusSeconds(s + 1);
                    List<Host> slice = new ArrayList<>();
                    while (!queue.isEmpty() && queue.peek().next.isBefore(end)) {
                        slice.add(queue.poll());
                    }
                    boolean real = real(s);
                    if (real) {
                        List<Future<PollOutcome>> outcomes = new ArrayList<>();
                        for (Host h : slice) {
                            outcomes.add(pool.submit(() -> poll(h)));
                        }
                        for (int k = 0; k < slice.size(); k++) {
                            record(slice.get(k), outcomes.get(k).get(), s);
                        }
                        realPolls += slice.size();
                    } else {
                        countedPolls += slice.size();
                        for (Host h : slice) {
                            requests[s]++;
                            // An unchanged poll writes a report only when the heartbeat is due: that one is sent.
                            if (!h.next.isBefore(h.reporter.lastWrittenAt().orElseThrow().plus(h.reporter.interval()))) {
                                h.clock.set(h.next);
                                long before = h.reporter.lastWrittenAt().orElseThrow().toEpochMilli();
                                h.reporter.afterPoll(new PollOutcome.Unchanged(h.dataDir.loadSettings().lastEtag().orElseThrow()));
                                if (h.reporter.lastWrittenAt().orElseThrow().toEpochMilli() != before) {
                                    puts[s]++;
                                }
                            }
                            h.next = h.next.plus(Schedule.next(h.dataDir.loadSettings(), h.next, 0, h.random));
                        }
                    }
                    queue.addAll(slice);
                    if (s % 3600 == 3599) {
                        ctx.log("fleet: hour %2d done, %d polls sent, %d counted, %.0f s", s / 3600 + 1, realPolls, countedPolls,
                                (System.nanoTime() - started) / 1e9);
                    }
                }
                // Each host reads <remote>.rollout.json once per new unsigned release (issue 15's gate):
                // counted apart, so that the polls are compared with the GETs of the remote itself.
                List<String> all = server.traffic().requests(); // one snapshot: each copies every request seen
                List<String> window = all.subList((int) sentAtStart, all.size());
                long policyGets = window.stream().filter(r -> r.startsWith("GET ") && r.endsWith(RolloutFile.SUFFIX)).count();
                long sent = window.size() - 2 - Arrays.stream(puts).sum() - policyGets; // minus the publishes and reports
                ctx.report(Figure.absolute("fleet " + hosts + " hosts: GETs of the rollout policy per host and publish",
                        policyGets / (2.0 * hosts), "", "<= 1", policyGets <= 2L * hosts));
                report(fleet, expectedDownloadRate, maxInterval, sent);
                readReports();
            } finally {
                pool.shutdownNow();
            }
        }

        /** fleet status's read of every host's report (list, then 16 GETs at a time), as the CLI does it. */
        private void readReports() {
            List<Double> millis = new ArrayList<>();
            int rows = 0;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                dev.npcnix.fleet.FleetView.Snapshot view = dev.npcnix.fleet.FleetView.read(stores.forRemote(REMOTE), REMOTE,
                        Clock.fixed(T0.plusSeconds(DAY), java.time.ZoneOffset.UTC));
                millis.add((System.nanoTime() - t0) / 1e6);
                rows = view.rows().size();
            }
            if (rows != hosts) {
                throw new IllegalStateException("fleet view: " + rows + " reports read, " + hosts + " hosts");
            }
            ctx.report(Figure.info("fleet status: read " + hosts + " reports (in-JVM S3, median of 3)", Stats.percentile(millis, 50), "ms"));
        }

        private Host newHost(int i) {
            DataDir dataDir = DataDir.open(dir.resolve("host-" + i));
            dataDir.storeSettings(Settings.empty().withRemote(REMOTE).withConfiguration(ConfigurationName.of("web")));
            TestClock clock = new TestClock(T0.minus(Duration.ofDays(7)));
            Follower follower = new Follower(dataDir, stores, request -> { }, clock, FollowOptions.defaults());
            PollOutcome first = follower.pollOnce();
            if (!(first instanceof PollOutcome.Activated)) {
                throw new IllegalStateException("host " + i + ": first poll " + first);
            }
            Host host = new Host(i, dataDir, clock, follower, new SplittableRandom(1000 + i));
            host.reporter = new dev.npcnix.fleet.Reporter(dataDir, stores, new dev.npcnix.fleet.HostId("host-" + i), clock,
                    dev.npcnix.fleet.Reporter.DEFAULT_INTERVAL, "bench", Map.of());
            host.reporter.afterPoll(first);
            return host;
        }

        private PollOutcome poll(Host h) {
            h.clock.set(h.next);
            PollOutcome o = h.follower.pollOnce();
            Instant before = h.reporter.lastWrittenAt().orElse(null);
            h.reporter.afterPoll(o);
            if (!java.util.Objects.equals(before, h.reporter.lastWrittenAt().orElse(null))) {
                synchronized (puts) {
                    puts[(int) Duration.between(T0, h.next).toSeconds()]++;
                }
            }
            return o;
        }

        /** On the loop thread: counts the poll and schedules the host's next one as FollowLoop would. */
        private void record(Host h, PollOutcome o, int s) {
            requests[s]++;
            if (o instanceof PollOutcome.Activated) {
                downloads[s]++;
                int p = s >= publishAt[1] ? 1 : s >= publishAt[0] ? 0 : -1;
                if (p >= 0 && h.converged[p] == null) {
                    h.converged[p] = h.next;
                }
            } else if (!(o instanceof PollOutcome.Unchanged)) {
                throw new IllegalStateException("host " + h.index + " at " + h.next + ": " + o);
            }
            h.transientFailures = o instanceof PollOutcome.Failed f && f.isTransient() ? h.transientFailures + 1 : 0;
            h.next = h.next.plus(Schedule.next(h.dataDir.loadSettings(), h.clock.instant(), h.transientFailures, h.random));
        }

        private void report(List<Host> fleet, double[] expectedDownloadRate, double[] maxInterval, long sent) {
            String n = hosts + " hosts";
            long total = Arrays.stream(requests).sum();
            // Steady state: the hour before the first publish, every host at the max interval.
            long steady = Arrays.stream(requests, 0, 3600).sum();
            double perHostHour = (double) steady / hosts;
            ctx.report(Figure.absolute("fleet " + n + ": requests/host-hour, steady", perHostHour, "",
                    "~30 (120 s)", perHostHour > 25 && perHostHour < 35));
            ctx.report(Figure.info("fleet " + n + ": requests/host-hour, day mean", total / (hosts * 24.0), ""));
            ctx.log("fleet: %d polls sent to the server in the real windows, server counted %d GETs", realPolls, sent);
            ctx.report(Figure.absolute("fleet " + n + ": server requests / polls sent", (double) sent / realPolls, "",
                    "= 1", sent == realPolls));
            // Reports: a quiet stretch between the publishes (hours 4 to 12), every request counted.
            int from = 4 * 3600;
            int to = 12 * 3600;
            double quietGets = Arrays.stream(requests, from, to).sum() / (hosts * 8.0);
            double quietPuts = Arrays.stream(puts, from, to).sum() / (hosts * 8.0);
            // A quiet fleet: polls at the steady rate (the first hour, 120 s), reports at the heartbeat rate
            // measured between the publishes (the polls there are faster: the last change is recent).
            double pollsOnlyMonth = perHostHour * 720 * 1000 * GET_PRICE_PER_1000 / 1000;
            double withReportsMonth = (perHostHour * GET_PRICE_PER_1000 + quietPuts * PUT_PRICE_PER_1000) * 720 * 1000 / 1000;
            ctx.report(Figure.info("fleet " + n + ": requests/host-hour, hours 4-12, GET (polls)", quietGets, ""));
            ctx.report(Figure.info("fleet " + n + ": requests/host-hour, hours 4-12, PUT (reports)", quietPuts, ""));
            ctx.report(Figure.info("fleet: S3 cost per 1000 hosts/month, quiet, polls only", pollsOnlyMonth, "USD"));
            ctx.report(Figure.compared("fleet: S3 cost per 1000 hosts/month, quiet, polls + reports", withReportsMonth, "USD",
                    "polls only", pollsOnlyMonth, 1.2));
            long dayPuts = Arrays.stream(puts).sum();
            ctx.report(Figure.info("fleet " + n + ": requests/host-hour, day mean, all (GET + PUT)", (total + dayPuts) / (hosts * 24.0), ""));
            ctx.report(Figure.info("fleet: S3 cost per 1000 hosts/month, this day, all requests",
                    (total * GET_PRICE_PER_1000 + dayPuts * PUT_PRICE_PER_1000) / 1000 * (1000.0 / hosts) * 30, "USD"));
            double perMonth = total * (1000.0 / hosts) * 30 * GET_PRICE_PER_1000 / 1000;
            double steadyMonth = perHostHour * 24 * 30 * 1000 * GET_PRICE_PER_1000 / 1000;
            ctx.report(Figure.info("fleet: S3 GET cost per 1000 hosts/month, this day", perMonth, "USD"));
            ctx.report(Figure.info("fleet: S3 GET cost per 1000 hosts/month, steady", steadyMonth, "USD"));
            for (int p = 0; p < 2; p++) {
                int at = publishAt[p];
                String when = "publish at " + (at / 3600) + "h";
                long peakRequests = Arrays.stream(requests, at, at + window).max().orElse(0);
                ctx.report(Figure.info("fleet " + n + ": peak requests/s after " + when, peakRequests, "/s"));
                List<Double> conv = new ArrayList<>();
                for (Host h : fleet) {
                    if (h.converged[p] == null) {
                        throw new IllegalStateException("host " + h.index + " never converged after " + when);
                    }
                    conv.add(Duration.between(T0.plusSeconds(at), h.converged[p]).toMillis() / 1000.0);
                }
                double bound = 1.5 * maxInterval[p]; // the longest wait the schedule could have drawn
                ctx.report(Figure.info("fleet " + n + ": convergence p50, " + when, Stats.percentile(conv, 50), "s"));
                ctx.report(Figure.info("fleet " + n + ": convergence p99, " + when, Stats.percentile(conv, 99), "s"));
                double max = Stats.percentile(conv, 100);
                ctx.report(Figure.absolute("fleet " + n + ": convergence max, " + when, max, "s",
                        String.format(Locale.ROOT, "<= %.0f s (1.5x)", bound), max <= bound + 1));
                // Downloads per second over sliding windows long enough to hold ~50 downloads at the
                // expected rate (10 s for 1000 hosts): 1-s buckets of a handful of events are all noise.
                int w = (int) Math.max(10, Math.ceil(50 / expectedDownloadRate[p]));
                double peak = 0;
                for (int s = at; s + w <= at + window; s++) {
                    peak = Math.max(peak, Arrays.stream(downloads, s, s + w).sum() / (double) w);
                }
                ctx.report(Figure.compared("fleet " + n + ": peak downloads/s (" + w + " s), " + when, peak, "/s",
                        "hosts/interval", expectedDownloadRate[p], 2.0));
            }
        }
    }

    /** A couple of hundred hosts on the real clock, with real waiting (a scheduler), for a minute. */
    private static final class RealTime {
        private final Bench.Ctx ctx;
        private final RemoteStores stores;
        private final Path dir;
        private final List<Path> releases;
        private final int hosts;
        private final int seconds;

        RealTime(Bench.Ctx ctx, S3Server server, RemoteStores stores, Path dir, List<Path> releases, int hosts, int seconds) {
            this.ctx = ctx;
            this.stores = stores;
            this.dir = dir;
            this.releases = releases;
            this.hosts = hosts;
            this.seconds = seconds;
        }

        void run() throws Exception {
            stores.forRemote(REMOTE).publish(REMOTE, releases.get(0));
            Clock clock = Clock.systemUTC();
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
            Map<Integer, Instant[]> converged = new ConcurrentHashMap<>();
            AtomicReferenceArray<Instant> published = new AtomicReferenceArray<>(2);
            double[] bounds = new double[2];
            AtomicInteger failures = new AtomicInteger();
            List<Host> fleet = new ArrayList<>();
            try {
                for (int i = 0; i < hosts; i++) {
                    DataDir dataDir = DataDir.open(dir.resolve("host-" + i));
                    // min 1 s, max 10 s: a host that last changed long ago polls every ~10 s.
                    dataDir.storeSettings(Settings.empty().withRemote(REMOTE).withConfiguration(ConfigurationName.of("web"))
                            .withSleep(1, 10, 24));
                    TestClock past = new TestClock(clock.instant().minus(Duration.ofDays(2)));
                    new Follower(dataDir, stores, request -> { }, past, FollowOptions.defaults()).pollOnce();
                    Follower follower = new Follower(dataDir, stores, request -> { }, clock, FollowOptions.defaults());
                    fleet.add(new Host(i, dataDir, null, follower, new SplittableRandom(5000 + i)));
                }
                Instant start = clock.instant();
                for (Host h : fleet) {
                    long first = (long) (Schedule.next(h.dataDir.loadSettings(), start, 0, h.random).toMillis() * h.random.nextDouble());
                    scheduler.schedule(() -> loop(h, scheduler, clock, published, converged, failures), first, TimeUnit.MILLISECONDS);
                }
                // The second publish once every host must have converged on the first.
                double[] publishAfter = {seconds / 6.0, 0};
                for (int p = 0; p < 2; p++) {
                    if (p == 1) {
                        publishAfter[1] = Math.max(seconds / 2.0, publishAfter[0] + bounds[0] + 2);
                    }
                    long wait = Duration.between(clock.instant(), start.plusMillis((long) (publishAfter[p] * 1000))).toMillis();
                    Thread.sleep(Math.max(0, wait));
                    Instant at = clock.instant();
                    bounds[p] = fleet.stream().mapToDouble(h -> Schedule.baseInterval(h.dataDir.loadSettings(), at).toMillis())
                            .max().orElseThrow() * 1.5 / 1000;
                    published.set(p, clock.instant()); // before the upload: no host can see it earlier
                    stores.forRemote(REMOTE).publish(REMOTE, releases.get(p + 1));
                }
                Thread.sleep(Math.max(0, Duration.between(clock.instant(), start.plusSeconds(seconds)).toMillis()));
            } finally {
                scheduler.shutdownNow();
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            }
            String n = hosts + " hosts real time";
            for (int p = 0; p < 2; p++) {
                List<Double> conv = new ArrayList<>();
                int missing = 0;
                for (Host h : fleet) {
                    Instant[] c = converged.get(h.index);
                    if (c == null || c[p] == null) {
                        missing++;
                    } else {
                        conv.add(Duration.between(published.get(p), c[p]).toMillis() / 1000.0);
                    }
                }
                double max = conv.isEmpty() ? Double.NaN : Stats.percentile(conv, 100);
                // The bound: the longest wait the schedule could have drawn, plus a second for the poll itself.
                ctx.report(Figure.absolute("fleet " + n + ": convergence max, publish " + (p + 1), max, "s",
                        String.format(Locale.ROOT, "<= %.1f s", bounds[p] + 1), missing == 0 && max <= bounds[p] + 1));
                ctx.log("fleet real time publish %d: p50 %.2f s, max %.2f s, %d hosts did not converge, %d failed polls", p + 1,
                        conv.isEmpty() ? Double.NaN : Stats.median(conv), max, missing, failures.get());
            }
        }

        private void loop(Host h, ScheduledExecutorService scheduler, Clock clock, AtomicReferenceArray<Instant> published,
                Map<Integer, Instant[]> converged, AtomicInteger failures) {
            PollOutcome o = h.follower.pollOnce();
            Instant now = clock.instant();
            if (o instanceof PollOutcome.Activated) {
                Instant[] c = converged.computeIfAbsent(h.index, k -> new Instant[2]);
                for (int p = 1; p >= 0; p--) {
                    if (published.get(p) != null) {
                        if (c[p] == null) {
                            c[p] = now;
                        }
                        break;
                    }
                }
            } else if (o instanceof PollOutcome.Failed) {
                failures.incrementAndGet();
            }
            h.transientFailures = o instanceof PollOutcome.Failed f && f.isTransient() ? h.transientFailures + 1 : 0;
            Duration wait = Schedule.next(h.dataDir.loadSettings(), now, h.transientFailures, h.random);
            if (!scheduler.isShutdown()) {
                scheduler.schedule(() -> loop(h, scheduler, clock, published, converged, failures), wait.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }
}
