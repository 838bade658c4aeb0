package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon, as a separate JVM following an S3 remote, killed with SIGKILL (its process tree with
 * it, as systemd does) at seeded-random moments: starting, downloading, unpacking, while nixos-rebuild
 * runs, while the outcome is recorded, sleeping. New releases are published between kills and the daemon
 * is started again each time. After every kill config.json and state.json parse, nothing is recorded as
 * applied unless its nixos-rebuild finished, the data dir holds only its own files, and the next start
 * clears tmp/; at the end the host converges to the latest release.
 *
 * <p>{@code -Dnpcnix.kills=N} (default 10) sets the number of kills, {@code -Dnpcnix.kills.seed} the seed.
 */
class CrashSafetyTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    private static final int KILLS = Integer.getInteger("npcnix.kills", 10);
    private static final long SEED = Long.getLong("npcnix.kills.seed", 20_261_125L);
    /** How long any awaited state may take on a loaded machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Set<String> DATA_DIR_FILES = Set.of("config.json", "state.json", "poll.json", "stop.json", "activate.lock",
            "follow.lock", "tmp", "report.json", "host-id");

    /** Where a kill lands, in the order a poll goes through them. */
    enum Moment { STARTING, DOWNLOADING, UNPACKING, ACTIVATING, RECORDING, SLEEPING }

    @TempDir
    Path tmp;

    private final CliRunner publisher = new CliRunner();
    private final Random random = new Random(SEED);
    private final Map<String, Integer> versionOfEtag = new HashMap<>();
    private FakeNixosRebuild rebuild;
    private Path flake;
    private Path data;
    private Path jvmTmp;
    private Path logs;
    private String remote;
    private int version;

    @BeforeEach
    void setUp() throws IOException {
        S3Server server = S3.server();
        String bucket = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        remote = "s3://" + bucket + "/npcnix/remotes/prod.npcnix";
        publisher.env(s3Env(server));
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        rebuild.sleepFor(Duration.ofMillis(400));
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
        jvmTmp = Files.createDirectories(tmp.resolve("jvm-tmp"));
        logs = Files.createDirectories(Path.of("target", "test-logs", "crash-safety").toAbsolutePath());
    }

    private static Map<String, String> s3Env(S3Server server) {
        return server.clientEnv();
    }

    @Test
    void sigkillAtRandomMomentsNeverCorruptsTheHostAndItConverges() throws Exception {
        assertThat(KILLS).as("-Dnpcnix.kills").isGreaterThanOrEqualTo(1);
        Map<Moment, Integer> landed = new EnumMap<>(Moment.class);
        int[] kills = {0};
        int[] recoveries = {0};
        try {
            killAndRestart(landed, kills, recoveries);
        } finally {
            HostFiles.figure("kills: " + kills[0] + " / " + recoveries[0] + " recoveries, " + (kills[0] - recoveries[0])
                    + " lost (landed " + landed + ", seed " + SEED + ", " + rebuild.invocations().size() + " nixos-rebuild runs)");
        }
    }

    /**
     * The kill loop; a kill counts as recovered once the next start cleaned up after it and the host then
     * converged (the last one: once the final start converged).
     */
    private void killAndRestart(Map<Moment, Integer> landed, int[] kills, int[] recoveries) throws Exception {
        Set<String> leftovers = new HashSet<>();
        Set<String> tornWrites = new HashSet<>();
        int offset = random.nextInt(Moment.values().length);
        for (int kill = 1; kill <= KILLS; kill++) {
            String etag = publishNext();
            // every moment in turn, from a random start; where in it the kill lands is random
            Moment target = Moment.values()[(offset + kill) % Moment.values().length];
            // Directories, not invocations: a kill may land after the script made its record directory and
            // before it wrote the invocation into it; the next run then gets the following number.
            int runsBefore = rebuild.runsStarted();
            Process daemon = startDaemon();
            Moment at = awaitMoment(daemon, target, etag, runsBefore, leftovers);
            if (at.compareTo(Moment.DOWNLOADING) >= 0) {
                // it polled, so it started, and starting clears what the last kills left
                assertThat(leftovers).as("kill %d: left in tmp/ by an earlier kill, still there", kill)
                        .noneMatch(name -> Files.exists(data.resolve("tmp").resolve(name)));
                assertThat(tornWrites).as("kill %d: temp files of interrupted writes, still there", kill)
                        .noneMatch(name -> Files.exists(data.resolve(name)));
                leftovers.clear();
                tornWrites.clear();
                recoveries[0] = kills[0];
            }
            killTree(daemon);
            kills[0]++;
            landed.merge(at, 1, Integer::sum);
            String when = "after kill " + kill + " (" + at + ")";
            for (String name : HostFiles.list(data)) {
                if (!DATA_DIR_FILES.contains(name)) {
                    assertThat(name).as("%s: a file in the data dir", when)
                            .matches("\\.(config\\.json|state\\.json|poll\\.json|report\\.json|host-id)\\..*\\.tmp");
                    tornWrites.add(name);
                }
            }
            assertHostIsConsistent(when);
            leftovers.addAll(HostFiles.list(data.resolve("tmp")));
        }

        String last = publishNext();
        Process daemon = startDaemon();
        await(daemon, "the host converges to the latest release", () -> last.equals(HostFiles.appliedEtag(data)));
        daemon.destroy(); // SIGTERM: exits once it is idle
        assertThat(daemon.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        killTree(daemon);
        assertHostIsConsistent("at the end");
        assertThat(DATA_DIR_FILES).as("the data dir holds only its own files").containsAll(HostFiles.list(data));
        assertThat(HostFiles.list(data.resolve("tmp"))).as("tmp/ after a clean stop").isEmpty();
        assertThat(leftovers).noneMatch(name -> Files.exists(data.resolve("tmp").resolve(name)));
        assertThat(tornWrites).noneMatch(name -> Files.exists(data.resolve(name)));
        FakeNixosRebuild.Invocation lastRun = rebuild.invocations().get(rebuild.invocations().size() - 1);
        assertThat(lastRun.finished()).isTrue();
        assertThat(lastRun.tree().resolve("hosts/web.nix")).content().contains("\"v" + version + "\"");
        recoveries[0] = kills[0];
    }

    @Test
    void aRebuildHangingPastTheActivationTimeoutIsKilledWithItsChildrenAndQuarantined() throws Exception {
        CliRunner host = new CliRunner();
        host.env(rebuild.env()).env(s3Env(S3.server()));
        rebuild.sleepFor(Duration.ZERO);
        String v1 = publishNext();
        assertThat(host.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web").code())
                .isZero();
        String v2 = publishNext();
        int marker = 86_400 + (int) (ProcessHandle.current().pid() % 10_000) + 7; // a sleep length no one else uses
        rebuild.sleepFor(marker);

        long start = System.nanoTime();
        CliRunner.Result r = host.run("--data-dir", data.toString(), "follow", "--once", "--activation-timeout", "1s");

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("sleep " + marker)))
                .as("the rebuild's children").isEmpty();
        assertThat(rebuild.invocations()).hasSize(2).last().extracting(FakeNixosRebuild.Invocation::finished).isEqualTo(false);
        assertThat(HostFiles.appliedEtag(data)).isEqualTo(v1);
        assertThat(HostFiles.state(data).quarantined()).singleElement().satisfies(q -> {
            assertThat(q.etag().value()).isEqualTo(v2);
            assertThat(q.reason()).startsWith("nixos-rebuild timed out after PT1S and was killed");
        });
        assertThat(HostFiles.list(data.resolve("tmp"))).isEmpty();
    }

    /** Publishes the next version (a marker and a random-sized blob, so downloads and unpacks take a moment). */
    private String publishNext() throws IOException {
        version++;
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v" + version + "\"; }\n");
        byte[] blob = new byte[(1 + random.nextInt(8)) << 18];
        random.nextBytes(blob);
        Files.write(flake.resolve("blob.bin"), blob);
        publisher.clock.advance(Duration.ofSeconds(1));
        String etag = HostFiles.publishedEtag(publisher.run("publish", "--src", flake.toString(), "--remote", remote));
        versionOfEtag.put(etag, version);
        return etag;
    }

    private Process startDaemon() throws IOException {
        Map<String, String> env = new HashMap<>(rebuild.env());
        env.putAll(s3Env(S3.server()));
        return JvmCli.start(env, jvmTmp, logs.resolve("daemon.log"),
                "--data-dir", data.toString(), "follow", "--remote", remote, "--configuration", "web",
                "--min-sleep-secs", "1", "--max-sleep-secs", "1");
    }

    /** Waits until the daemon reached {@code target} (or a later moment) and returns where it is. */
    private Moment awaitMoment(Process daemon, Moment target, String etag, int runsBefore, Set<String> leftovers) {
        long start = System.nanoTime();
        long startingDelay = TimeUnit.MILLISECONDS.toNanos(random.nextInt(1500));
        long recordingDelay = TimeUnit.MILLISECONDS.toNanos(random.nextInt(15));
        long sleepingDelay = TimeUnit.MILLISECONDS.toNanos(random.nextInt(300));
        long reachedAt = -1;
        while (true) {
            Moment now = observe(etag, runsBefore, leftovers);
            long t = System.nanoTime();
            if (now.compareTo(target) >= 0) {
                if (reachedAt < 0) {
                    reachedAt = t;
                }
                long delay = switch (target) {
                    case STARTING -> startingDelay - (t - start);
                    case RECORDING -> recordingDelay - (t - reachedAt);
                    case SLEEPING -> sleepingDelay - (t - reachedAt);
                    default -> 0;
                };
                if (delay <= 0 || now.compareTo(target) > 0) {
                    return now;
                }
            }
            if (!daemon.isAlive()) {
                fail("the daemon exited with " + daemon.exitValue() + " before " + target + "; see " + logs.resolve("daemon.log"));
            }
            if (t - start > DEADLINE.toNanos()) {
                fail("the daemon did not reach " + target + " in " + DEADLINE + " (at " + now + "); see " + logs.resolve("daemon.log"));
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Where the poll is, from the files it leaves: tmp/ (but the last kills' leftovers), the fake rebuild's
     * records ({@code fake/log.d/N/}, {@code done} written last), config.json. Cheap: it runs every millisecond.
     */
    private Moment observe(String etag, int runsBefore, Set<String> leftovers) {
        Path run = tmp.resolve("fake/log.d/" + (runsBefore + 1));
        if (Files.isDirectory(run)) {
            if (!Files.exists(run.resolve("done"))) {
                return Moment.ACTIVATING;
            }
            return etag.equals(lastEtagOrEmpty()) ? Moment.SLEEPING : Moment.RECORDING;
        }
        boolean downloading = false;
        for (String name : HostFiles.list(data.resolve("tmp"))) {
            if (leftovers.contains(name)) {
                continue;
            }
            Path release = data.resolve("tmp").resolve(name);
            for (String inside : HostFiles.list(release)) {
                if (inside.startsWith(".npcnix-unpack-") || inside.equals("flake")) {
                    return Moment.UNPACKING;
                }
                if (inside.equals("release.npcnix")) {
                    downloading = true;
                }
            }
        }
        return downloading ? Moment.DOWNLOADING : Moment.STARTING;
    }

    private String lastEtagOrEmpty() {
        try {
            return HostFiles.appliedEtag(data);
        } catch (RuntimeException e) {
            return ""; // not written yet; a torn file is caught after the kill
        }
    }

    /** SIGKILL to the daemon and everything it started, as systemd's control-group kill does. */
    private void killTree(Process daemon) throws InterruptedException {
        List<ProcessHandle> children = daemon.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        daemon.destroyForcibly();
        // a rebuild started between listing and killing: find it by its executable
        String fake = rebuild.executable().toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(fake))
                .forEach(p -> {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
        assertThat(daemon.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (ProcessHandle child : children) {
            child.onExit().join();
        }
    }

    private void await(Process daemon, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (!daemon.isAlive()) {
                fail("the daemon exited with " + daemon.exitValue() + " while waiting for: " + what);
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    private void assertHostIsConsistent(String when) {
        Settings settings;
        HostState state;
        try {
            settings = HostFiles.settings(data);
            state = HostFiles.state(data);
        } catch (RuntimeException e) {
            throw new AssertionError(when + ": a state file does not parse: " + e.getMessage(), e);
        }
        List<FakeNixosRebuild.Invocation> runs = rebuild.invocations();
        if (settings.lastEtag().isPresent()) {
            String applied = settings.lastEtag().get().value();
            assertThat(finishedRunOf(applied, runs)).as("%s: config.json says %s (v%s) is applied", when,
                    applied, versionOfEtag.get(applied)).isPresent();
        }
        for (HostState.Attempt a : state.history()) {
            if (a.result() == HostState.Result.ACTIVATED) {
                assertThat(finishedRunOf(a.etag().value(), runs)).as("%s: state.json says %s was activated", when, a.etag()).isPresent();
            }
        }
        assertThat(state.quarantined()).as("%s: nothing here fails deterministically", when).isEmpty();
        assertThat(HostFiles.list(jvmTmp)).as("%s: java.io.tmpdir of the daemon", when).isEmpty();
    }

    /** A nixos-rebuild run that finished, given the tree of the release with {@code etag}. */
    private Optional<FakeNixosRebuild.Invocation> finishedRunOf(String etag, List<FakeNixosRebuild.Invocation> runs) {
        Integer v = versionOfEtag.get(etag);
        assertThat(v).as("a release this test published: %s", etag).isNotNull();
        return runs.stream().filter(FakeNixosRebuild.Invocation::finished).filter(run -> {
            try {
                return Files.readString(run.tree().resolve("hosts/web.nix")).contains("\"v" + v + "\"");
            } catch (IOException e) {
                return false;
            }
        }).findFirst();
    }
}
