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
 * {@code npcnix [--data-dir DIR] status [--json]} runs without picocli ({@link QuickStatus}, a start-up
 * cost): it must answer exactly as the command parsed by picocli does, in every state a host can be in,
 * and leave every other command line to picocli.
 */
class QuickStatusTest {
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

    private void publish(String marker) throws Exception {
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + marker + "\"; }\n");
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
    }
}
