package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code follow} and {@code bootstrap} tell the operator: what is followed and how often, "up to date", and a dry run that never says "activated". */
class FollowOutputTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private String remote;
    private String data;

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        data = tmp.resolve("data").toString();
        assertThat(cli.run("publish", "--src", Fixtures.webFlake(tmp.resolve("flake")).toString(), "--remote", remote).code()).isZero();
    }

    @Test
    void followSaysWhatItFollowsAndHowOften() {
        CliRunner.Result once = cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web",
                "--min-sleep-secs", "10", "--max-sleep-secs", "300");
        assertThat(once.code()).as(once.err()).isZero();
        assertThat(once.err()).startsWith("npcnix: following " + remote + " as web, polling until up to date (--once)\n");

        cli.sleeper = d -> {
            throw new InterruptedException("stop the daemon after its first poll");
        };
        CliRunner.Result daemon = cli.run("--data-dir", data, "follow");
        assertThat(daemon.err()).startsWith("npcnix: following " + remote + " as web, polling every 10s to 5m (with jitter)\n");
    }

    @Test
    void aOneShotFollowThatFindsNothingNewSaysUpToDate() {
        assertThat(cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web").out())
                .doesNotContain("up to date");

        CliRunner.Result again = cli.run("--data-dir", data, "follow", "--once");
        assertThat(again.code()).isZero();
        assertThat(again.out()).startsWith("up to date: release ").contains(" of " + remote + " (web)");
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void anActivationIsLoggedOnce() {
        long mark = HostFiles.logMark();
        CliRunner.Result once = cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web");
        assertThat(once.code()).as(once.err()).isZero();

        String logs = HostFiles.logSince(mark);
        assertThat(logs.split("activated release ", -1)).as(logs).hasSize(2); // one line in the journal, not two
    }

    @Test
    void aDryRunSaysWouldActivateAndNeverActivated() {
        long mark = HostFiles.logMark();
        CliRunner.Result follow = cli.run("--data-dir", data, "follow", "--once", "--dry-run", "--remote", remote, "--configuration", "web");
        CliRunner.Result bootstrap = cli.run("--data-dir", data, "bootstrap", "--dry-run", "--remote", remote, "--configuration", "web");
        assertThat(follow.code()).as(follow.err()).isZero();
        assertThat(bootstrap.code()).as(bootstrap.err()).isZero();

        String logs = HostFiles.logSince(mark);
        assertThat(logs).contains("dry run: would activate release ").doesNotContain("activated release", "activating release");
        assertThat(follow.err()).endsWith(", dry run\n");
        assertThat(bootstrap.out()).contains("dry run: would activate web from " + remote).doesNotContain("bootstrapped");
        assertThat(rebuild.invocations()).isEmpty();
    }
}
