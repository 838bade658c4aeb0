package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.NixFlakes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publish → follow with real Nix evaluating and building the published flake (offline), through a
 * nixos-rebuild stand-in that builds the toplevel and never activates.
 */
class RealNixEndToEndTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private Path record;
    private String remote;
    private Path data;

    @BeforeEach
    void setUp() {
        String reason = NixFlakes.unavailableBecause().orElse(null);
        assumeTrue(reason == null, () -> reason);
        record = tmp.resolve("built.txt");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("NPCNIX_NIXOS_REBUILD", NixFlakes.installBuildingRebuild(tmp.resolve("bin")).toString());
        env.put("NIX_REBUILD_RECORD", record.toString());
        env.remove("NPCNIX_DATA_DIR");
        cli.env(env);
        remote = tmp.resolve("store/fleet.npcnix").toUri().toString();
        data = tmp.resolve("data");
    }

    @Test
    void followBuildsThePublishedFlakeWithNix() throws Exception {
        Path flake = NixFlakes.trivialFlake(tmp.resolve("flake"), true, "web", "db");
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();

        CliRunner.Result follow = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote,
                "--configuration", "web");
        assertThat(follow.code()).as(follow.err()).isZero();

        List<String> built = Files.readAllLines(record);
        assertThat(built).singleElement().asString().startsWith("switch web /nix/store/").endsWith("-web");
        Path out = Path.of(built.get(0).split(" ")[2]);
        assertThat(Files.readString(out).strip()).isEqualTo("web");
    }

    @Test
    void aFlakeThatDoesNotEvaluateIsADeterministicFailure() throws Exception {
        Path flake = NixFlakes.trivialFlake(tmp.resolve("flake"), false, "web");
        cli.run("publish", "--src", flake.toString(), "--remote", remote);

        CliRunner.Result follow = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote,
                "--configuration", "web");
        assertThat(follow.code()).isEqualTo(1);
        assertThat(record).doesNotExist();
        CliRunner.Result status = cli.run("--data-dir", data.toString(), "status");
        assertThat(status.out()).contains("quarantined:").contains("nixos-rebuild exited 1");
    }

    /**
     * Safe activation with real Nix: toplevels built by {@code nix build --offline} carry a recording
     * {@code switch-to-configuration}, the host is a temporary system ({@link FakeNixosSystem}). A release
     * whose check fails ends with the previous toplevel re-activated and the profile unchanged.
     */
    @Test
    void aReleaseWhoseCheckFailsEndsWithThePreviousToplevelReactivatedAndTheProfileUnchanged() throws Exception {
        try (FakeNixosSystem system = FakeNixosSystem.install(tmp.resolve("system"))) {
            Map<String, String> env = new HashMap<>(cli.env);
            env.putAll(system.env());
            env.put("NPCNIX_NIXOS_REBUILD", NixFlakes.installBuildingRebuild(tmp.resolve("bin")).toString());
            cli.env(env);
            String[] follow = {"--data-dir", data.toString(), "follow", "--once", "--remote", remote, "--configuration", "web",
                "--health-command", system.healthCommand(), "--health-settle", "0s"};

            Path flake = NixFlakes.systemFlake(tmp.resolve("flake"), "web", 1, false);
            assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
            CliRunner.Result first = cli.run(follow);
            assertThat(first.code()).as(first.err()).isZero();
            Path good = system.profileToplevel();
            assertThat(good.toString()).startsWith("/nix/store/").endsWith("-nixos-system-web");
            assertThat(system.profileGeneration()).isEqualTo(2);

            NixFlakes.systemFlake(flake, "web", 2, true);
            assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
            CliRunner.Result second = cli.run(follow);

            assertThat(second.code()).as(second.err()).isEqualTo(1);
            List<String> built = Files.readAllLines(record);
            assertThat(built).hasSize(2);
            assertThat(built.get(1)).startsWith("test web /nix/store/");
            Path bad = Path.of(built.get(1).split(" ")[2]);
            assertThat(bad.resolve("command-fails")).exists();
            assertThat(system.events()).containsSubsequence("switch-to-configuration test " + bad,
                    "switch-to-configuration test " + good);
            assertThat(system.current()).as("the previous toplevel runs again").isEqualTo(good);
            assertThat(system.profileGeneration()).as("the profile unchanged").isEqualTo(2);
            assertThat(system.profileToplevel()).isEqualTo(good);
            assertThat(system.bootDefault()).isEqualTo(good);
            assertThat(cli.run("--data-dir", data.toString(), "history").out()).contains("rolled back");
        }
    }

    @Test
    void aMissingConfigurationIsADeterministicFailure() {
        Path flake = NixFlakes.trivialFlake(tmp.resolve("flake"), true, "web");
        cli.run("publish", "--src", flake.toString(), "--remote", remote);
        CliRunner.Result follow = cli.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote,
                "--configuration", "nope");
        assertThat(follow.code()).isEqualTo(1);
        assertThat(cli.run("--data-dir", data.toString(), "history").out()).contains("failed", "nope", "deterministic");
    }
}
