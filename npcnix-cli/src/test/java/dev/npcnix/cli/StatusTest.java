package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code status} answers "is this host in sync, and is anyone following?" and gives advice only while
 * it applies; a host whose files are damaged is told so, and {@code bootstrap} repairs it. Run as
 * {@code [--data-dir DIR] status [--json]} it takes {@link QuickStatus}'s path without picocli, and must
 * answer exactly as the command parsed by picocli does, in every state a host can be in.
 */
class StatusTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private FakeNixosRebuild rebuild;
    private Path flake;
    private Path data;
    private String remote;

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
    }

    private String publish(String marker) throws Exception {
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + marker + "\"; }\n");
        return HostFiles.publishedEtag(cli.run("publish", "--src", flake.toString(), "--remote", remote));
    }

    private CliRunner.Result run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = data.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.run(all);
    }

    @Test
    void aFailingReleaseThenItsFixLeavesNoStaleFailureOrAdvice() throws Exception {
        String v1 = publish("v1");
        assertThat(run("follow", "--once", "--remote", remote, "--configuration", "web").code()).isZero();
        String v2 = publish("v2");
        rebuild.exitWith(1);
        assertThat(run("follow", "--once").code()).isEqualTo(1);

        String failing = run("status").out();
        assertThat(failing).startsWith("state:          quarantined\n")
                .contains("remote serves:  " + v2 + "\n", "last applied:   " + v1 + " (web)",
                        "last attempt:   2026-03-01T12:00:00Z failed " + v2 + " (web) deterministic: nixos-rebuild exited 1",
                        "quarantined:    " + v2 + " (web)", "advice:         publish a fix, or run npcnix retry to try release " + v2);

        rebuild.exitWith(0);
        String v3 = publish("v3");
        assertThat(run("follow", "--once").code()).isZero();

        CliRunner.Result fixed = run("status");
        assertThat(fixed.code()).isZero();
        assertThat(fixed.out()).startsWith("state:          in sync\n")
                .contains("remote serves:  " + v3 + "\n", "last applied:   " + v3 + " (web)", "quarantined:    none\n",
                        "last poll:      2026-03-01T12:00:00Z, 0s ago: activated release " + v3)
                .doesNotContain("publish a fix", "npcnix retry", "nixos-rebuild exited 1", "failed");
        assertThat(run("status", "--json").out()).contains("\"status\" : \"in_sync\"", "\"blocking_quarantine\" : [ ]")
                .doesNotContain("publish a fix");
    }

    @Test
    void aLocalActivationLeavesTheHostBehindItsRemote() throws Exception {
        String v1 = publish("v1");
        assertThat(run("follow", "--once", "--remote", remote, "--configuration", "web").code()).isZero();
        assertThat(run("activate", "--src", flake.toString()).code()).isZero();

        String status = run("status").out();
        assertThat(status).startsWith("state:          behind\n")
                .contains("remote serves:  " + v1 + "\n", "last applied:   local activation (web)");
        assertThat(run("follow", "--once").code()).isZero();
        assertThat(run("status").out()).startsWith("state:          in sync\n");
    }

    @Test
    void garbageInTheFilesIsNamedAndBootstrapRepairsTheHost() throws Exception {
        publish("v1");
        assertThat(run("bootstrap", "--remote", remote, "--configuration", "web").code()).isZero();
        Path config = data.resolve("config.json");
        String garbage = "{\n  \"remote\": \"" + remote + "\",\n  \"configuration\": web\n}\n";
        Files.writeString(config, garbage);
        Files.writeString(data.resolve("state.json"), "\u0000\u0000\u0000");

        CliRunner.Result history = run("history");
        assertThat(history.code()).isEqualTo(3);
        assertThat(history.err()).startsWith("npcnix: " + data.resolve("state.json") + ": not valid JSON at line 1, column 2:"
                + " a control character (fix the file, or run npcnix bootstrap");
        for (String[] command : new String[][] {{"status"}, {"follow", "--once"}, {"pause"}}) {
            CliRunner.Result r = run(command);
            assertThat(r.code()).as(String.join(" ", command)).isEqualTo(3);
            assertThat(r.err()).as(String.join(" ", command)).isEqualTo("npcnix: " + config + ": not valid JSON at line 3, column 20:"
                    + " unexpected 'web' (fix the file, or run npcnix bootstrap --remote URI --configuration NAME: it moves the file"
                    + " aside and starts over)\n");
        }
        assertThat(config).hasContent(garbage);

        CliRunner.Result repaired = run("bootstrap", "--remote", remote, "--configuration", "web");
        assertThat(repaired.code()).as(repaired.err()).isZero();
        assertThat(repaired.err()).contains(
                "npcnix: bootstrap: " + config + " did not parse (not valid JSON at line 3, column 20: unexpected 'web'):"
                        + " moved it to config.json.corrupt-20260301T120000Z and started over",
                "npcnix: bootstrap: " + data.resolve("state.json") + " did not parse (");
        assertThat(data.resolve("config.json.corrupt-20260301T120000Z")).hasContent(garbage);
        assertThat(data.resolve("state.json.corrupt-20260301T120000Z")).exists();
        assertThat(run("status").out()).startsWith("state:          in sync\n");
    }

    // Without picocli (QuickStatus, a start-up cost): the same answers, every other command line to picocli.

    @Test
    void onlyStatusWithItsDataDirAndJsonTakesTheQuickPath() {
        assertThat(QuickStatus.parse("status")).contains(new QuickStatus.Request(null, false));
        assertThat(QuickStatus.parse("status", "--json")).contains(new QuickStatus.Request(null, true));
        assertThat(QuickStatus.parse("--data-dir", "/srv/h", "status", "--json"))
                .contains(new QuickStatus.Request(Path.of("/srv/h"), true));
        assertThat(QuickStatus.parse("--data-dir", "status", "status")).contains(new QuickStatus.Request(Path.of("status"), false));
        for (String[] other : new String[][] {{}, {"--json"}, {"status", "--help"}, {"status", "-v"}, {"-v", "status"},
                {"status", "--json", "--json"}, {"status", "--data-dir", "/srv/h"}, {"--data-dir=/srv/h", "status"},
                {"--data-dir", "--json", "status"}, {"--data-dir", "@args", "status"}, {"--data-dir"}, {"--data-dir", "/srv/h"},
                {"status", "x"}, {"statu"}, {"help", "status"}, {"history"}}) {
            assertThat(QuickStatus.parse(other)).as(String.join(" ", other)).isEmpty();
        }
    }

    @Test
    void theOptionsItTakesArePicocliOptionsOfTheSameMeaning() {
        CommandLine root = Cli.commandLine(cli.context());
        assertThat(root.getCommandSpec().findOption(DataDirOption.NAME)).isNotNull();
        CommandLine.Model.CommandSpec status = root.getSubcommands().get("status").getCommandSpec();
        assertThat(status.findOption("--json")).isNotNull();
        assertThat(status.findOption("--json").arity().max()).isZero();
        assertThat(root.getCommandSpec().findOption(DataDirOption.NAME).arity().max()).isEqualTo(1);
    }

    @Test
    void everyStateReadsTheSameWithoutPicocli() throws Exception {
        List<String> seen = new ArrayList<>();
        seen.add(sameBothWays("a data dir that does not exist"));
        Files.createDirectories(data);
        seen.add(sameBothWays("an empty data dir"));

        publish("v1");
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web").code())
                .isZero();
        seen.add(sameBothWays("in sync"));

        publish("v2");
        rebuild.exitWith(1);
        assertThat(cli.run("--data-dir", data.toString(), "follow", "--once").code()).isEqualTo(1);
        seen.add(sameBothWays("quarantined"));

        assertThat(cli.run("--data-dir", data.toString(), "pause", "--minutes", "30").code()).isZero();
        seen.add(sameBothWays("paused"));

        Files.writeString(data.resolve("config.json"), "{\"remote\": web}\n");
        seen.add(sameBothWays("a config.json that does not parse"));

        assertThat(seen).containsExactly("state:          not bootstrapped", "state:          not bootstrapped",
                "state:          in sync", "state:          quarantined", "state:          paused (until 2026-03-01T12:30:00Z)",
                "npcnix: " + data.resolve("config.json") + ": not valid JSON at line 1, column 12: unexpected 'web' (fix the"
                        + " file, or run npcnix bootstrap --remote URI --configuration NAME: it moves the file aside and starts over)");
    }

    @Test
    void theDataDirComesFromTheEnvironmentAsWithPicocli() throws Exception {
        cli.env(java.util.Map.of(CliContext.DATA_DIR_ENV, data.toString()));
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", remote).code()).isZero();
        CliRunner.Result quick = cli.run("status", "--json");
        assertThat(quick).isEqualTo(cli.runParsed("status", "--json"));
        assertThat(quick.out()).contains("\"data_dir\" : \"" + data + "\"", "\"remote\" : \"" + remote + "\"");
    }

    /** Runs status both ways, text and JSON; returns the first line the user sees (out, else err). */
    private String sameBothWays(String what) {
        String[] text = {"--data-dir", data.toString(), "status"};
        String[] json = {"--data-dir", data.toString(), "status", "--json"};
        assertThat(QuickStatus.parse(text)).isPresent();
        CliRunner.Result quick = cli.run(text);
        assertThat(quick).as(what).isEqualTo(cli.runParsed(text));
        assertThat(cli.run(json)).as(what + " --json").isEqualTo(cli.runParsed(json));
        return (quick.out().isEmpty() ? quick.err() : quick.out()).lines().findFirst().orElse("");
    }
}
