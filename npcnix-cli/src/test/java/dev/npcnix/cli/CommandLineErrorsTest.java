package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mistyped command line gets an error that names what was typed: a source that does not exist, an
 * unknown option, an unknown command; and {@code --data-dir} only where a data dir is used.
 */
class CommandLineErrorsTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();

    @Test
    void aSourceThatDoesNotExistSaysSo() {
        Path nope = tmp.resolve("nope");
        for (String[] args : new String[][] {
            {"pack", "--src", nope.toString(), "--dst", tmp.resolve("x.npcnix").toString()},
            {"publish", "--src", nope.toString(), "--remote", tmp.resolve("store/x.npcnix").toUri().toString()},
            {"activate", "--src", nope.toString(), "--configuration", "web"}}) {
            CliRunner.Result r = cli.run(args);
            assertThat(r.code()).as(args[0]).isEqualTo(2);
            assertThat(r.err().strip()).as(args[0]).isEqualTo("npcnix: flake source " + nope + ": does not exist");
        }
        assertThat(tmp.resolve("x.npcnix")).doesNotExist();
        assertThat(tmp.resolve("store")).doesNotExist();
    }

    @Test
    void anUnknownOptionIsNamedEvenWhenARequiredOneIsMissingBecauseOfIt() {
        CliRunner.Result r = cli.run("pack", "--source", "nope", "--dst", tmp.resolve("x.npcnix").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("npcnix: unknown option --source\n").doesNotContain("Missing required");

        CliRunner.Result alone = cli.run("status", "--jsno");
        assertThat(alone.code()).isEqualTo(2);
        assertThat(alone.err()).startsWith("npcnix: unknown option --jsno\n");
    }

    @Test
    void aMistypedCommandKeepsTheSuggestionButNotTheJargon() {
        CliRunner.Result r = cli.run("statsu");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("npcnix: unknown command 'statsu'\n").contains("Did you mean: npcnix status")
                .doesNotContain("Unmatched argument", "index 0");
    }

    @Test
    void dataDirIsAnOptionOfHostCommandsOnly() {
        for (String publishing : new String[] {"publish", "pack", "keygen"}) {
            assertThat(cli.run(publishing, "--help").out()).as(publishing).doesNotContain("--data-dir");
        }
        for (String host : new String[] {"status", "follow", "bootstrap", "pull", "pause", "retry", "config"}) {
            assertThat(cli.run(host, "--help").out()).as(host).contains("--data-dir=DIR");
        }
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        Path data = tmp.resolve("data");
        String dst = tmp.resolve("x.npcnix").toString();

        CliRunner.Result after = cli.run("pack", "--src", flake.toString(), "--dst", dst, "--data-dir", data.toString());
        assertThat(after.code()).isEqualTo(2);
        assertThat(after.err()).startsWith("npcnix: unknown option --data-dir\n");
        CliRunner.Result before = cli.run("--data-dir", data.toString(), "pack", "--src", flake.toString(), "--dst", dst);
        assertThat(before.code()).isEqualTo(2);
        assertThat(before.err()).startsWith("npcnix: --data-dir: pack does not use a data dir");
        assertThat(tmp.resolve("x.npcnix")).doesNotExist();
        assertThat(data).doesNotExist();
    }

    @Test
    void dataDirWorksBeforeAndAfterAHostCommandAsInTheRustNpcnix() {
        Path data = tmp.resolve("data");
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", "file:///srv/a.npcnix").code()).isZero();
        assertThat(cli.run("config", "set", "configuration", "web", "--data-dir", data.toString()).code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "status").out()).contains("file:///srv/a.npcnix", "web");
        assertThat(cli.run("status", "--data-dir", data.toString()).out()).contains("file:///srv/a.npcnix", "web");
        assertThat(cli.run("config", "show", "--data-dir", data.toString()).out()).contains("\"configuration\": \"web\"");
    }
}
