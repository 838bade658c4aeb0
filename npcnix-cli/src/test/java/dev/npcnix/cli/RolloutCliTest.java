package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A staged rollout through the real commands: publish with a policy, follow, rollout status, halt, resume. */
class RolloutCliTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private Path flake;
    private String remote;

    @BeforeEach
    void setUp() {
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        cli.env(FakeNixosRebuild.install(tmp.resolve("fake")).env());
    }

    private CliRunner.Result follow(String host, String... tags) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data-dir", tmp.resolve("data-" + host).toString(),
                "follow", "--once", "--remote", remote, "--configuration", "web", "--host-id", host, "--no-reports"));
        for (String t : tags) {
            args.add("--tag");
            args.add(t);
        }
        return cli.run(args.toArray(String[]::new));
    }

    @Test
    void onHaltRollbackIsPublishedInThePolicy() {
        CliRunner.Result published = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--canary", "1", "--on-halt",
                "rollback", "--json");
        assertThat(published.code()).as(published.err()).isZero();
        assertThat(published.out()).contains("\"on_halt\" : \"rollback\"");
        assertThat(tmp.resolve("store/prod.npcnix.rollout.json")).content().contains("rollback");
    }

    @Test
    void publishWithWavesThenWatchHaltAndResume() throws Exception {
        Path policy = tmp.resolve("rollout.json");
        Files.writeString(policy, """
                {"waves": [{"tags": ["canary"], "soak_secs": 900}, {"percent": 100}], "max_in_flight": 5}
                """);
        CliRunner.Result published = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--rollout", policy.toString(),
                "--json");
        assertThat(published.code()).as(published.err()).isZero();
        assertThat(published.out()).contains("\"rollout\"", "\"max_in_flight\" : 5");

        CliRunner.Result waiting = follow("web-1");
        assertThat(waiting.code()).as(waiting.err()).isZero();
        assertThat(waiting.out()).as(waiting.err()).contains("waiting for wave 1");
        CliRunner.Result status = cli.run("--data-dir", tmp.resolve("data-web-1").toString(), "status");
        assertThat(status.out()).contains("waiting for wave 1 of rollout");

        CliRunner.Result halt = cli.run("rollout", "halt", "--remote", remote, "--reason", "error rate up");
        assertThat(halt.code()).as(halt.err()).isZero();
        assertThat(halt.out()).startsWith("halted rollout ");
        CliRunner.Result halted = cli.run("rollout", "status", "--remote", remote);
        assertThat(halted.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(halted.out()).contains("HALTED   by operator:", "error rate up");
        assertThat(follow("canary-1", "canary").out()).contains("halted");

        assertThat(cli.run("rollout", "resume", "--remote", remote).out()).startsWith("resumed rollout ");
        assertThat(follow("canary-1", "canary").code()).isZero();
        assertThat(follow("web-1").out()).contains("waiting for wave 1", "soaking");

        CliRunner.Result soaking = cli.run("rollout", "status", "--remote", remote);
        assertThat(soaking.code()).as(soaking.err()).isZero();
        assertThat(soaking.out()).contains("soaking, opens in ");
        CliRunner.Result json = cli.run("rollout", "status", "--remote", remote, "--json");
        assertThat(json.out()).contains("\"halted\" : false", "\"applied\" : [ \"canary-1\" ]", "\"waiting\" : [ \"web-1\" ]");
    }

    @Test
    void theCommonCaseFlagsAndTheirMistakes() {
        CliRunner.Result r = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--canary", "1", "--waves", "10,50",
                "--soak", "15m", "--max-in-flight", "20");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("rollout ", "waves 1% (soak 15m) -> 10% (soak 15m) -> 50% (soak 15m) -> 100%; max in flight 20");
        CliRunner.Result status = cli.run("rollout", "status", "--remote", remote);
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("WAVE", "open");

        CliRunner.Result bad = cli.run("publish", "--src", flake.toString(), "--remote", remote, "--waves", "50,10");
        assertThat(bad.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(bad.err()).startsWith("npcnix: staged rollout: percentages are cumulative");
        CliRunner.Result none = cli.run("rollout", "status", "--remote", tmp.resolve("store/other.npcnix").toUri().toString());
        assertThat(none.code()).isEqualTo(ExitCodes.UNEXPECTED_STATE);
        assertThat(none.err()).contains("no staged rollout");
    }
}
