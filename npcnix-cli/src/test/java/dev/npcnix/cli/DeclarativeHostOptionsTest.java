package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code follow --declarative}, as the NixOS unit runs it: the module's options are the source of
 * truth, so options taken out of the module leave the host, while what bootstrap wrote for the options
 * the module leaves null (remote, configuration) stays.
 */
class DeclarativeHostOptionsTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private String data;
    private String remote;
    private String publicKey;
    private FakeNixosRebuild rebuild;

    @BeforeEach
    void setUp() {
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        CliRunner.Result keygen = cli.run("keygen", "--name", "releases-1", "--secret-key", tmp.resolve("key.sec").toString());
        assertThat(keygen.code()).as(keygen.err()).isZero();
        publicKey = keygen.out().strip();
        // An unsigned release: refused while keys are configured.
        assertThat(cli.run("publish", "--src", flake.toString(), "--remote", remote).code()).isZero();
        // What an earlier module generation (or bootstrap) left in config.json.
        CliRunner.Result earlier = cli.run("--data-dir", data, "follow", "--once", "--dry-run", "--remote", remote,
                "--configuration", "web", "--trusted-public-keys", publicKey, "--remote-region", "eu-west-1",
                "--s3-endpoint", "http://127.0.0.1:9");
        assertThat(earlier.code()).as("unsigned release refused").isEqualTo(1);
        assertThat(earlier.out()).doesNotContain("nixos-rebuild");
    }

    @Test
    void withoutDeclarativeKeysWrittenEarlierStayEnforced() throws Exception {
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once", "--dry-run");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).as("refused: nothing to activate").doesNotContain("nixos-rebuild");
        assertThat(Files.readString(Path.of(data, "config.json"))).contains(publicKey, "eu-west-1", "http://127.0.0.1:9");
    }

    @Test
    void declarativeClearsWhatTheCommandLineNoLongerSaysAndKeepsTheBootstrappedRemote() throws Exception {
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once", "--declarative");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(rebuild.invocations()).singleElement().satisfies(inv -> assertThat(inv.flakeRef()).endsWith("#web"));

        String config = Files.readString(Path.of(data, "config.json"));
        assertThat(config).doesNotContain(publicKey, "eu-west-1", "127.0.0.1:9").contains(remote);
        CliRunner.Result show = cli.run("--data-dir", data, "config", "show");
        assertThat(show.out()).contains(remote, "web");
    }

    @Test
    void declarativeKeepsWhatTheCommandLineGives() throws Exception {
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once", "--dry-run", "--declarative",
                "--trusted-public-keys", publicKey, "--remote-region", "eu-central-1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).as("refused: nothing to activate").doesNotContain("nixos-rebuild");
        String config = Files.readString(Path.of(data, "config.json"));
        assertThat(config).contains(publicKey, "eu-central-1").doesNotContain("eu-west-1", "127.0.0.1:9");
    }
}
