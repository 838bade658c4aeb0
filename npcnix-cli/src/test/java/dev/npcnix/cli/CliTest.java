package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands end to end on a file:// store: real argument lists, exit codes, output and files. */
class CliTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private Path flake;
    private Path data;
    private String remote;
    private FakeNixosRebuild rebuild;

    @BeforeEach
    void setUp() {
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
    }

    @Test
    void packIsDeterministicAndPullRestoresTheTree() throws Exception {
        CliRunner.Result a = cli.run("pack", "--src", flake.toString(), "--dst", tmp.resolve("a.npcnix").toString());
        CliRunner.Result b = cli.run("pack", "--src", flake.toString(), "--dst", tmp.resolve("b.npcnix").toString());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(b.code()).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("a.npcnix"))).isEqualTo(Files.readAllBytes(tmp.resolve("b.npcnix")));
        assertThat(a.out()).contains("sha256");

        CliRunner.Result pull = cli.run("pull", "--remote", tmp.resolve("a.npcnix").toUri().toString(), "--dst", tmp.resolve("out").toString());
        assertThat(pull.code()).as(pull.err()).isZero();
        assertThat(tmp.resolve("out/hosts/web.nix")).hasSameTextualContentAs(flake.resolve("hosts/web.nix"));
    }

    @Test
    void publishSaysUnchangedWhenTheRemoteHoldsTheSameBytes() {
        CliRunner.Result first = cli.run("publish", "--src", flake.toString(), "--remote", remote);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).startsWith("published " + remote).contains("etag", "sha256");

        CliRunner.Result again = cli.run("push", "--src", flake.toString(), "--remote", remote, "--json");
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("\"unchanged\" : true");
    }

    @Test
    void badInputIsExitCodeTwoWithAOneLineError() {
        CliRunner.Result scheme = cli.run("publish", "--src", flake.toString(), "--remote", "ftp://host/x.npcnix");
        assertThat(scheme.code()).isEqualTo(2);
        assertThat(scheme.err()).startsWith("npcnix: ").contains("protocol not supported: ftp");

        CliRunner.Result noFlake = cli.run("pack", "--src", tmp.toString(), "--dst", tmp.resolve("x.npcnix").toString());
        assertThat(noFlake.code()).isEqualTo(2);
        assertThat(noFlake.err().lines().findFirst().orElseThrow()).startsWith("npcnix: flake source").contains("no flake.nix");
        assertThat(tmp.resolve("x.npcnix")).doesNotExist();

        CliRunner.Result unknown = cli.run("publsh");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("publish");
    }

    @Test
    void aMissingRemoteIsARuntimeFailureNamingTheRemote() {
        CliRunner.Result r = cli.run("pull", "--remote", remote, "--dst", tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("npcnix: remote " + remote).contains("not found").doesNotContain("\n");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() {
        bootstrapByHand();
        assertThat(cli.run("--data-dir", data.toString(), "pause").code()).isZero();
        CliRunner.Result after = cli.run("status", "--data-dir", data.toString());
        assertThat(after.code()).isEqualTo(0);
        assertThat(after.out()).contains("state:          paused");
        cli.env(java.util.Map.of("NPCNIX_DATA_DIR", data.toString()));
        assertThat(cli.run("status").out()).contains("paused");
    }

    /** What an operator without cloud-init does: `config set` is allowed on a fresh data dir, value by value. */
    private void bootstrapByHand() {
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", remote).code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "configuration", "web").code()).isZero();
    }

    @Test
    void statusOfAHostThatWasNeverBootstrappedIsExitCodeThree() {
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "status");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).isEqualTo("npcnix: data dir " + data + ": not bootstrapped (run npcnix bootstrap --remote URI"
                + " --configuration NAME)\n");
        assertThat(r.out()).startsWith("state:          not bootstrapped\n").contains("advice:         run npcnix bootstrap");
        assertThat(data).as("status writes nothing").doesNotExist();

        CliRunner.Result json = cli.run("--data-dir", data.toString(), "status", "--json");
        assertThat(json.code()).isEqualTo(3);
        assertThat(json.out()).contains("\"status\" : \"not_bootstrapped\"");
    }

    @Test
    void aCommandThatCannotWorkOnAHostNotBootstrappedWritesNothing() throws Exception {
        for (List<String> args : List.of(List.of("pause"), List.of("pause", "--hours", "2"), List.of("unpause"), List.of("retry"),
                List.of("follow", "--once", "--remote", remote), List.of("follow", "--once", "--configuration", "web"),
                List.of("follow", "--remote", remote))) {
            List<String> line = new java.util.ArrayList<>(List.of("--data-dir", data.toString()));
            line.addAll(args);
            CliRunner.Result r = cli.run(line.toArray(String[]::new));
            assertThat(r.code()).as("%s: %s", args, r.err()).isEqualTo(3);
            assertThat(r.err()).as("%s", args).startsWith("npcnix: data dir " + data + ": not bootstrapped: no ")
                    .endsWith(" set (run npcnix bootstrap --remote URI --configuration NAME)\n");
            assertThat(data).as("%s leaves nothing behind", args).doesNotExist();
        }
        assertThat(rebuild.invocations()).isEmpty();

        // half a bootstrap by hand: config.json exists, without a configuration; still refused, and unchanged
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", remote).code()).isZero();
        byte[] before = Files.readAllBytes(data.resolve("config.json"));
        assertThat(cli.run("--data-dir", data.toString(), "pause").code()).isEqualTo(3);
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--remote", remote).err())
                .contains("not bootstrapped: no configuration set");
        assertThat(data.resolve("config.json")).hasBinaryContent(before);
        assertThat(cli.run("--data-dir", data.toString(), "status").out()).startsWith("state:          not bootstrapped\n");
    }

    @Test
    void followOnceActivatesThenStatusAndHistoryShowIt() {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result follow = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote,
                "--configuration", "web", "--extra-substituters", "https://cache.example.com");
        assertThat(follow.code()).as(follow.err()).isZero();
        assertThat(rebuild.invocations()).singleElement().satisfies(inv -> {
            assertThat(inv.args()).contains("--option", "extra-substituters", "https://cache.example.com");
            assertThat(inv.flakeRef()).endsWith("#web");
        });

        CliRunner.Result status = cli.run("--data-dir", data.toString(), "status");
        assertThat(status.out()).contains("remote:         " + remote, "configuration:  web", "state:          in sync",
                "daemon:         not running", "last attempt:", "activated");
        CliRunner.Result json = cli.run("--data-dir", data.toString(), "status", "--json");
        assertThat(json.out()).contains("\"configuration\" : \"web\"", "\"last_applied\"");
        assertThat(cli.run("--data-dir", data.toString(), "history").out()).contains("activated", "web");

        // unchanged: a second one-shot run exits 0 without activating
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--once").code()).isZero();
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void aFailingRebuildIsQuarantinedAndRetryRunsItAgain() {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        rebuild.exitWith(1);
        CliRunner.Result failed = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(cli.run("--data-dir", data.toString(), "status").out()).contains("quarantined:", "nixos-rebuild exited 1");
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--once").code()).as("quarantined: not run again").isEqualTo(1);
        assertThat(rebuild.invocations()).hasSize(1);

        rebuild.exitWith(0);
        assertThat(cli.run("--data-dir", data.toString(), "retry").out()).contains("cleared 1");
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--once").code()).isZero();
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void dryRunPrintsTheRebuildCommandAndRunsNothing() {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "follow", "--once", "--dry-run", "--remote", remote,
                "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("dry run: would run in", "switch -L --flake path:", "#web");
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void bootstrapWritesTheConfigAndActivatesInitialThenTarget() {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "bootstrap", "--remote", remote, "--configuration", "web",
                "--initial-configuration", "base");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("bootstrapped: web activated");
        assertThat(rebuild.invocations()).extracting(FakeNixosRebuild.Invocation::flakeRef)
                .satisfiesExactly(ref -> assertThat(ref).endsWith("#base"), ref -> assertThat(ref).endsWith("#web"));
        assertThat(cli.run("--data-dir", data.toString(), "install", "--remote", remote, "--configuration", "web").out())
                .contains("already applied");
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void pauseForMinutesUnpauseAndConfigSet() throws Exception {
        bootstrapByHand();
        assertThat(cli.run("--data-dir", data.toString(), "pause", "--minutes", "30").out()).contains("paused (until 2026-03-01T12:30:00Z)");
        assertThat(cli.run("--data-dir", data.toString(), "pause", "--hours", "1", "--minutes", "3").code()).isEqualTo(2);
        assertThat(cli.run("--data-dir", data.toString(), "unpause").code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", remote).code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", "s3://other/x.npcnix", "--init").code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "--init", "configuration", "web").code()).isZero();
        CliRunner.Result show = cli.run("--data-dir", data.toString(), "config", "show");
        assertThat(show.out()).contains("\"remote\": \"" + remote + "\"", "\"configuration\": \"web\"").doesNotContain("paused");
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "configuration", "not valid!").code()).isEqualTo(2);
    }

    @Test
    void activateRunsALocalFlake() {
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "activate", "--src", flake.toString(), "--configuration", "web",
                "--operation", "test");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(rebuild.invocations()).singleElement().satisfies(inv -> assertThat(inv.operation()).isEqualTo("test"));
        assertThat(cli.run("activate", "--src", tmp.toString(), "--configuration", "web").code()).isEqualTo(2);
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        for (String command : List.of("publish", "pack", "pull", "activate", "bootstrap", "follow", "status", "history",
                "pause", "unpause", "retry", "config")) {
            CliRunner.Result help = cli.run(command, "--help");
            assertThat(help.code()).as(command).isZero();
            assertThat(help.out()).as(command).contains("Usage: npcnix " + command, "Examples:");
        }
        CliRunner.Result top = cli.run("--help");
        assertThat(top.out()).contains("Exit codes:", "3  unexpected state");
        assertThat(cli.run("--version").out()).startsWith("npcnix ");
    }

    @Test
    void nothingIsLeftInTmpAfterAFollow() throws Exception {
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web");
        try (Stream<Path> left = Files.list(data.resolve("tmp"))) {
            assertThat(left).isEmpty();
        }
    }
}
