package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signals and the activation lock with the real entry point in separate JVMs. */
class ProcessLevelTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private final Map<String, String> env = new HashMap<>();
    private String remote;
    private String data;

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        env.putAll(rebuild.env());
        env.put("NPCNIX_DATA_DIR", tmp.resolve("data").toString());
        env.put("JOURNAL_STREAM", "8:1234"); // log as under systemd
        cli.env(env);
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        data = tmp.resolve("data").toString();
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
    }

    private Path log(String name) {
        return tmp.resolve(name + ".log");
    }

    @Test
    void sigtermWhileSleepingExitsAtOnceWithStatusZero() throws Exception {
        try (NpcnixProcess daemon = NpcnixProcess.start(env, log("daemon"), "follow", "--remote", remote, "--configuration", "web",
                "--min-sleep-secs", "3600", "--max-sleep-secs", "3600")) {
            daemon.awaitOutput("activated release", START);
            NpcnixProcess.await(START, "the daemon to sleep", () -> rebuild.invocations().size() == 1);
            daemon.signal("TERM");
            assertThat(daemon.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.process().exitValue()).isZero();
            assertThat(daemon.output()).contains("<6>INFO ").contains("SIGTERM: exiting").doesNotContain("SLF4J");
        }
    }

    @Test
    void sigtermDuringAnActivationLetsItFinishAndRecordsIt() throws Exception {
        rebuild.sleepFor(3);
        try (NpcnixProcess daemon = NpcnixProcess.start(env, log("daemon"), "follow", "--once=activate", "--remote", remote,
                "--configuration", "web")) {
            NpcnixProcess.await(START, "nixos-rebuild to start", () -> rebuild.invocations().size() == 1);
            daemon.signal("TERM");
            daemon.awaitOutput("exiting once the running activation finishes", START);
            assertThat(daemon.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.process().exitValue()).isZero();
            assertThat(rebuild.invocations().get(0).finished()).as("nixos-rebuild ran to the end").isTrue();
            assertThat(cli.run("status").out()).contains("last attempt:").contains("activated");
        }
    }

    @Test
    void aSecondSigtermExitsImmediately() throws Exception {
        rebuild.sleepFor(600);
        try (NpcnixProcess daemon = NpcnixProcess.start(env, log("daemon"), "follow", "--once=activate", "--remote", remote,
                "--configuration", "web")) {
            NpcnixProcess.await(START, "nixos-rebuild to start", () -> rebuild.invocations().size() == 1);
            daemon.signal("TERM");
            daemon.awaitOutput("exiting once the running activation finishes", START);
            daemon.signal("TERM");
            assertThat(daemon.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.process().exitValue()).isEqualTo(143);
            assertThat(Files.readString(tmp.resolve("data/config.json"))).contains("\"last_etag\": \"\"");
        }
    }

    @Test
    void aStopOfTheWholeUnitDuringAnActivationIsAnInterruptionThatTheNextStartApplies() throws Exception {
        rebuild.sleepFor(600);
        try (NpcnixProcess daemon = NpcnixProcess.startInOwnGroup(env, log("daemon"), "follow", "--once=activate",
                "--remote", remote, "--configuration", "web")) {
            NpcnixProcess.await(START, "nixos-rebuild to start", () -> rebuild.invocations().size() == 1);
            daemon.signalGroup("TERM"); // systemctl stop with KillMode=control-group: the rebuild gets it too
            assertThat(daemon.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.process().exitValue()).as(daemon.output()).isZero();
            assertThat(rebuild.invocations().get(0).finished()).as("the stand-in died of the signal").isFalse();
            assertThat(daemon.output()).contains("<4>WARN ", "activation interrupted by a stop, not held against the release (tried again at the next start)",
                    "nixos-rebuild exited 143 (killed by SIGTERM)");
        }
        dev.npcnix.state.HostState state = HostFiles.state(tmp.resolve("data"));
        assertThat(state.quarantined()).as("a stop is not the release's fault").isEmpty();
        assertThat(state.lastAttempt()).hasValueSatisfying(a -> assertThat(a.errorClass()).isEqualTo(dev.npcnix.ErrorClass.INTERRUPTED));
        assertThat(cli.run("status").out()).doesNotContain("publish a fix");

        rebuild.sleepFor(0);
        CliRunner.Result next = cli.run("follow", "--once");
        assertThat(next.code()).as(next.err()).isZero();
        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(rebuild.invocations().get(1).finished()).isTrue();
        assertThat(cli.run("status").out()).startsWith("state:          in sync\n");
    }

    @Test
    void oneFollowerPerDataDirAndStatusSaysWhoFollows() throws Exception {
        try (NpcnixProcess daemon = NpcnixProcess.start(env, log("daemon"), "follow", "--remote", remote, "--configuration", "web",
                "--min-sleep-secs", "3600", "--max-sleep-secs", "3600")) {
            daemon.awaitOutput("activated release", START);
            long pid = daemon.process().pid();

            CliRunner.Result second = cli.run("follow", "--once");
            assertThat(second.code()).isEqualTo(3);
            assertThat(second.err()).isEqualTo("npcnix: data dir " + data + ": another npcnix follow is following it (PID " + pid
                    + "); one follower per data dir (stop that one first, e.g. systemctl stop npcnix)\n");
            CliRunner.Result status = cli.run("status");
            assertThat(status.out()).contains("state:          in sync\n", "daemon:         running (PID " + pid + ")\n")
                    .doesNotContain("advice:");
            assertThat(cli.run("status", "--json").out()).contains("\"running\" : true", "\"pid\" : " + pid);

            daemon.signal("TERM");
            assertThat(daemon.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(cli.run("status").out()).contains("daemon:         not running\n",
                "advice:         no npcnix follow is running: start it");
        CliRunner.Result after = cli.run("follow", "--once");
        assertThat(after.code()).as("the lock went with the process: " + after.err()).isZero();
        assertThat(after.out()).startsWith("up to date: ");
    }

    @Test
    void aSecondActivationWaitsForTheLockOrFailsWithNoWait() throws Exception {
        rebuild.sleepFor(3);
        try (NpcnixProcess first = NpcnixProcess.start(env, log("first"), "follow", "--once", "--remote", remote,
                "--configuration", "web")) {
            NpcnixProcess.await(START, "the first activation to start", () -> rebuild.invocations().size() == 1);

            CliRunner.Result noWait = cli.run("activate", "--src", tmp.resolve("flake").toString(), "--no-wait");
            assertThat(noWait.code()).isEqualTo(3);
            assertThat(noWait.err()).contains("another npcnix activation is running");

            CliRunner.Result waited = cli.run("activate", "--src", tmp.resolve("flake").toString());
            assertThat(waited.code()).as(waited.err()).isZero();
            assertThat(waited.err()).containsOnlyOnce("waiting for another npcnix activation to finish (PID " + first.process().pid() + ")");
            assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(rebuild.invocations()).hasSize(2).allSatisfy(i -> assertThat(i.finished()).isTrue());
        }
    }
}
