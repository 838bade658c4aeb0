package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one JSON contract (docs/state.md): every {@code --json} output is pinned by a golden file, so a
 * renamed key, a changed case or a dropped field fails here. Snake_case keys, lowercase values,
 * {@code "schema": 1}. Paths of this run's temp dir read {@code $TMP} (a poll's workspace {@code release-N}); everything else is deterministic
 * (fixed clock, deterministic packing).
 */
class JsonContractTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private Path flake;
    private String data;
    private String remote;
    private FakeNixosRebuild rebuild;

    @BeforeEach
    void setUp() {
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
    }

    @Test
    void publishJson() throws Exception {
        assertGolden("publish.json", run("publish", "--src", flake.toString(), "--remote", remote, "--json"));
    }

    @Test
    void statusAndHistoryJsonAfterAnActivationAndAFailure() throws Exception {
        run("publish", "--src", flake.toString(), "--remote", remote);
        run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web");
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-2\"; }\n");
        run("publish", "--src", flake.toString(), "--remote", remote);
        rebuild.exitWith(1);
        CliRunner.Result failed = cli.run("--data-dir", data, "follow", "--once");
        assertThat(failed.code()).as(failed.err()).isEqualTo(1);

        assertGolden("status.json", run("--data-dir", data, "status", "--json"));
        assertGolden("history.json", run("--data-dir", data, "history", "--json"));
    }

    @Test
    void statusAndHistoryJsonAfterARollback() throws Exception {
        dev.npcnix.testing.FakeNixosSystem system = dev.npcnix.testing.FakeNixosSystem.install(tmp.resolve("system"));
        cli.env(system.env());
        run("publish", "--src", flake.toString(), "--remote", remote);
        String[] follow = {"--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web", "--health-systemd",
            "--health-command", system.healthCommand()};
        run(follow);
        dev.npcnix.testing.FakeNixosSystem.behave(flake, dev.npcnix.testing.FakeNixosSystem.Behaviour.COMMAND_FAILS);
        run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result rolledBack = cli.run(follow);
        assertThat(rolledBack.code()).as(rolledBack.err()).isEqualTo(1);

        assertGolden("status-rolled-back.json", run("--data-dir", data, "status", "--json"));
        assertGolden("history-rolled-back.json", run("--data-dir", data, "history", "--json"));
    }

    private String run(String... args) {
        CliRunner.Result r = cli.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r.out();
    }

    private void assertGolden(String name, String actual) throws IOException {
        String normalized = actual.replace(tmp.toRealPath().toString(), "$TMP").replace(tmp.toString(), "$TMP")
                .replaceAll("/tmp/release-[0-9]+/", "/tmp/release-N/");
        Path written = Path.of("target", "json-actual", name);
        Files.createDirectories(written.getParent());
        Files.writeString(written, normalized); // to compare by hand, or to update the golden on purpose
        try (InputStream in = JsonContractTest.class.getResourceAsStream("json/" + name)) {
            assertThat(in).as("golden json/" + name + " (actual output in " + written.toAbsolutePath() + ")").isNotNull();
            assertThat(normalized).as(name + " (actual output in " + written.toAbsolutePath() + ")")
                    .isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
