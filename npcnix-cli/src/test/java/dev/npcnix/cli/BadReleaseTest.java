package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.npcnix.state.HostState;
import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.FakeNixosSystem.Behaviour;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.http.HttpFileServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-release table (docs/reliability.md): the real daemon, in its own JVM, follows an HTTP remote
 * on a temporary NixOS system ({@link FakeNixosSystem}) with every kind of health check, and meets
 * releases that fail to evaluate, fail to activate, fail each check, cut the host off its store;
 * SIGKILLs at seeded-random points of trials; a reboot during a trial; a new kernel whose checks fail
 * only after its reboot; the same with {@code operation = boot}. For each: the host ends on the last
 * good generation (0 stranded), the profile and the boot default never pointed at a generation that had
 * not passed its checks (except {@code operation = boot}, by design), the release is quarantined, and
 * the time it took. Every row is printed ({@code bad release: | … |}) and a summary line
 * ({@code bad releases: …}); {@code src-test-fixtures/reliability/bad-releases} makes the table.
 *
 * <p>{@code -Dnpcnix.trialKills=N} (default 3; the reliability script uses 20) sets the kills,
 * {@code -Dnpcnix.kills.seed} the seed.
 */
class BadReleaseTest {
    private static final int KILLS = Integer.getInteger("npcnix.trialKills", 3);
    private static final long SEED = Long.getLong("npcnix.kills.seed", 20_261_125L);
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private final CliRunner publisher = new CliRunner();
    private final Random random = new Random(SEED);
    private final List<String> rows = new ArrayList<>();
    private FakeNixosSystem system;
    private HttpFileServer store;
    private Path flake;
    private Path data;
    private Path jvmTmp;
    private Path log;
    private String remote;
    private String fileRemote;
    private int version;
    private int stranded;
    private int badGenerations;
    private Process daemon;

    @BeforeEach
    void setUp() throws IOException {
        system = FakeNixosSystem.install(tmp.resolve("system"));
        store = HttpFileServer.start(Files.createDirectories(tmp.resolve("store")));
        store.unavailableWhile(system::storeCut);
        remote = store.uri("prod.npcnix").toString();
        fileRemote = tmp.resolve("store/prod.npcnix").toUri().toString();
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
        jvmTmp = Files.createDirectories(tmp.resolve("jvm-tmp"));
        log = Path.of("target", "test-logs", "bad-releases", "daemon.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (daemon != null) {
            killTree(daemon);
        }
        store.close();
        system.close();
    }

    @Test
    void badReleasesNeverStrandTheHost() throws Exception {
        long start = System.nanoTime();
        try {
            run();
        } finally {
            rows.forEach(r -> HostFiles.figure("bad release: " + r));
            HostFiles.figure("bad releases: " + rows.size() + " rows, " + stranded + " stranded, " + badGenerations
                    + " bad generations in the profile or boot default (" + KILLS + " kills in trials, seed " + SEED + ", "
                    + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s)");
        }
    }

    private void run() throws Exception {
        publish();
        daemon = startDaemon();
        awaitGood("the first release is committed");

        for (Behaviour b : List.of(Behaviour.EVAL_FAILS, Behaviour.ACTIVATION_FAILS, Behaviour.UNIT_FAILS, Behaviour.HTTP_FAILS,
                Behaviour.COMMAND_FAILS, Behaviour.CUTS_STORE)) {
            String etag = publish(b);
            long t0 = System.nanoTime();
            awaitRecovered(etag, b.name());
            row(describe(b), outcomeOf(etag), "no", "yes", seconds(since(t0)));
        }

        // SIGKILL at random points of trials of good and bad releases; a build and an activation that take
        // a moment, so the points spread over the whole trial
        system.slowBuild(0.4);
        system.slowActivation(0.4);
        List<Long> recoveries = new ArrayList<>();
        Map<String, Integer> landed = new java.util.TreeMap<>();
        int committed = 0;
        int quarantined = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            boolean bad = random.nextBoolean();
            int trialsBefore = count("nixos-rebuild test");
            String etag = bad ? publish(Behaviour.HTTP_FAILS) : publish();
            long t0 = System.nanoTime();
            await("a trial starts (kill " + kill + ")", () -> count("nixos-rebuild test") > trialsBefore);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(2000))); // where in the trial: seeded
            HostState.Pending at = stateOrNull() == null ? null : stateOrNull().pending();
            killTree(daemon);
            landed.merge(at == null ? "after" : at.phase().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            checkInvariant("after kill " + kill);
            daemon = startDaemon();
            if (bad) {
                awaitRecovered(etag, "kill " + kill);
                quarantined++;
            } else {
                awaitGood("kill " + kill + ": the good release is committed after all");
                committed++;
            }
            recoveries.add(since(t0));
        }
        if (KILLS > 0) {
            row("SIGKILL of the daemon during the trial, " + KILLS + " seeded-random points (landed " + landed + ")",
                    committed + " good releases committed, " + quarantined + " bad ones rolled back", "no",
                    "the bad ones", "max " + seconds(recoveries.stream().mapToLong(Long::longValue).max().orElse(0)));
        }

        system.slowBuild(0);
        system.slowActivation(0);

        // a reboot during the trial: the boot default was never touched
        int trialsBefore = count("switch-to-configuration test");
        String rebooted = publish();
        long t0 = System.nanoTime();
        await("the trial switched", () -> count("switch-to-configuration test") > trialsBefore);
        killTree(daemon);
        system.reboot();
        assertThat(system.current()).as("a reboot during the trial boots the last good generation")
                .isEqualTo(system.generation(lastGood));
        daemon = startDaemon();
        awaitGood("after the reboot, the interrupted release is tried again and committed");
        row("reboot during the trial (the release itself is good)", "interrupted, booted the last good generation, tried again: "
                + outcomeOf(rebooted), "no", "no (good)", seconds(since(t0)));

        // a new kernel whose checks fail only after its reboot
        killTree(daemon);
        daemon = startDaemon("--reboot", "when-needed");
        String kernel = publish(Behaviour.NEW_KERNEL, Behaviour.FAILS_AFTER_BOOT);
        t0 = System.nanoTime();
        rebootWhenAsked(2);
        awaitRecovered(kernel, "new kernel");
        row("new kernel whose checks fail after its reboot (--reboot when-needed)", outcomeOf(kernel),
                "yes, from its commit (checks passed) to the reboot back", "yes", seconds(since(t0)));

        // operation = boot: committed without a trial, undone by the reboot path
        killTree(daemon);
        daemon = startDaemon("--operation", "boot", "--reboot", "always");
        String boot = publish(Behaviour.FAILS_AFTER_BOOT);
        t0 = System.nanoTime();
        rebootWhenAsked(2);
        awaitRecovered(boot, "operation boot");
        row("operation = boot, checks fail after the reboot", outcomeOf(boot), "yes (by design: no trial), until the reboot back",
                "yes", seconds(since(t0)));
    }

    /** Reboots the system each time the daemon asks, {@code times} times. */
    private void rebootWhenAsked(int times) throws Exception {
        for (int i = 1; i <= times; i++) {
            await("reboot " + i + " asked for", system::rebootRequested);
            killTree(daemon); // systemd stops everything
            system.reboot();
            daemon = startDaemon(lastArgs);
        }
    }

    private String[] lastArgs = new String[0];

    private Process startDaemon(String... more) throws IOException {
        lastArgs = more;
        Map<String, String> env = new HashMap<>(system.env());
        List<String> args = new ArrayList<>(List.of("--data-dir", data.toString(), "follow", "--remote", remote,
                "--configuration", "web", "--min-sleep-secs", "1", "--max-sleep-secs", "1", "--health-systemd", "--health-url",
                system.healthUrl().toString(), "--health-command", system.healthCommand(), "--health-remote", "--health-settle",
                "PT0.5S", "--health-deadline", "3s", "--health-interval", "PT0.5S", "--health-http-timeout", "2s"));
        args.addAll(List.of(more));
        return JvmCli.start(env, jvmTmp, log, args.toArray(String[]::new));
    }

    private String publish(Behaviour... behaviours) throws IOException {
        version++;
        FakeNixosSystem.behave(flake, behaviours);
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v" + version + "\"; }\n");
        publisher.clock.advance(Duration.ofSeconds(1));
        return HostFiles.publishedEtag(publisher.run("publish", "--src", flake.toString(), "--remote", fileRemote));
    }

    /** Waits until the profile moved to a new generation, nothing is pending, and that generation runs and boots. */
    private void awaitGood(String what) {
        int before = lastGood;
        await(what, () -> {
            HostState s = stateOrNull();
            return s != null && s.pending() == null && system.profileGeneration() > before && onProfile();
        });
        lastGood = system.profileGeneration();
        checkInvariant(what);
    }

    private int lastGood = 1;

    /** Waits until {@code etag} is quarantined and the host is back on (and booting) the last good generation. */
    private void awaitRecovered(String etag, String what) {
        try {
            await(what + ": quarantined and back on generation " + lastGood, () -> {
                HostState s = stateOrNull();
                return s != null && s.pending() == null && s.quarantined().stream().anyMatch(q -> q.etag().value().equals(etag))
                        && system.profileGeneration() == lastGood && onProfile();
            });
        } catch (AssertionError e) {
            stranded++;
            throw e;
        }
        checkInvariant(what);
    }

    /** The profile's generation runs and is the boot default. */
    private boolean onProfile() {
        Path top = system.profileToplevel();
        return top.equals(system.current()) && top.equals(system.bootDefault());
    }

    /**
     * Nothing in the whole history of the system set the profile or the boot default to a bad release's
     * system (one that fails its checks or its activation). A system whose checks fail only after its
     * reboot passed its trial, so it may be committed: that is the reboot path's to undo.
     */
    private void checkInvariant(String when) {
        List<String> wrong = new ArrayList<>();
        for (String e : system.events()) {
            String[] w = e.split(" ");
            boolean setsProfile = e.startsWith("nix-env set ");
            boolean setsBoot = e.startsWith("switch-to-configuration boot ") || e.startsWith("switch-to-configuration switch ");
            if ((setsProfile || setsBoot) && bad(Path.of(w[w.length - 1]))) {
                wrong.add(e);
            }
        }
        badGenerations += wrong.size();
        assertThat(wrong).as("%s: profile or boot default set to a bad release's system", when).isEmpty();
    }

    private boolean bad(Path toplevel) {
        return List.of(Behaviour.ACTIVATION_FAILS, Behaviour.UNIT_FAILS, Behaviour.HTTP_FAILS, Behaviour.COMMAND_FAILS,
                Behaviour.CUTS_STORE).stream().anyMatch(b -> system.has(toplevel, b));
    }

    private String outcomeOf(String etag) {
        HostState s = stateOrNull();
        return s.history().stream().filter(a -> a.etag().value().equals(etag)).reduce((a, b) -> b)
                .map(a -> a.result().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                        + (a.errorClass() == null ? "" : " (" + a.errorClass().name().toLowerCase(java.util.Locale.ROOT) + ")")
                        + (dev.npcnix.health.HealthChecks.failing(a.checks()).isEmpty() ? ""
                                : ", failed: " + String.join(", ", dev.npcnix.health.HealthChecks.failing(a.checks()))
                                        .replace(system.healthUrl().toString(), "URL").replace(system.healthCommand(), "CMD")))
                .orElse("?");
    }

    /** One row: what, outcome, stranded (always 0: a stranded host fails the test first), profile moved, quarantined, time. */
    private void row(String what, String outcome, String profileMoved, String quarantined, String time) {
        rows.add("| " + what + " | " + outcome + " | 0 | " + profileMoved + " | " + quarantined + " | " + time + " |");
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private String describe(Behaviour b) {
        return switch (b) {
            case EVAL_FAILS -> "fails to evaluate";
            case ACTIVATION_FAILS -> "activation fails (half-switched)";
            case UNIT_FAILS -> "a unit fails after the switch";
            case HTTP_FAILS -> "the HTTP check fails";
            case COMMAND_FAILS -> "the command check fails";
            case CUTS_STORE -> "the store is unreachable after the switch";
            default -> b.name();
        };
    }

    private int count(String prefix) {
        return (int) system.events().stream().filter(e -> e.startsWith(prefix)).count();
    }

    private HostState stateOrNull() {
        try {
            return HostFiles.state(data);
        } catch (RuntimeException | AssertionError e) {
            return null;
        }
    }

    private static long since(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (daemon != null && !daemon.isAlive()) {
                fail("the daemon exited with " + daemon.exitValue() + " while waiting for: " + what + "; see " + log);
            }
            if (System.nanoTime() > end) {
                fail("timed out waiting for: " + what + "; see " + log);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    /**
     * SIGKILL to the daemon and everything it started, as systemd's control-group kill does: its tree, then
     * any process of the temporary system still running (one started between listing and killing).
     */
    private void killTree(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String root = system.root().toString();
        List<ProcessHandle> strays = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(root)).toList();
        strays.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle child : children) {
            child.onExit().join();
        }
        for (ProcessHandle stray : strays) {
            stray.onExit().join();
        }
    }
}
