package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the subcommand named on the command line is built (a start-up cost): it must be found as picocli
 * finds it, and usage, help and errors must still see every subcommand.
 */
class LazySubcommandsTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();

    @Test
    void theSubcommandIsTheFirstArgumentThatIsNoRootOptionNorItsValue() {
        assertThat(Cli.namedSubcommand("status")).contains(StatusCommand.class);
        assertThat(Cli.namedSubcommand("--data-dir", "pull", "-v", "status", "--json")).contains(StatusCommand.class);
        assertThat(Cli.namedSubcommand("push", "--src", "status")).contains(PublishCommand.class);
        assertThat(Cli.namedSubcommand("help", "status")).isEmpty();
        assertThat(Cli.namedSubcommand("bogus", "status")).isEmpty();
        assertThat(Cli.namedSubcommand("--", "status")).isEmpty();
        assertThat(Cli.namedSubcommand("--help")).isEmpty();
    }

    @Test
    void theVersionAloneNeedsNoSubcommandButStillPrints() {
        assertThat(Cli.versionOnly("--version")).isTrue();
        assertThat(Cli.versionOnly("-v", "--data-dir", "/x", "-V")).isTrue();
        assertThat(Cli.versionOnly("--version", "--help")).isFalse();
        assertThat(Cli.versionOnly("--version", "status")).isFalse();
        assertThat(Cli.versionOnly("-vV")).isFalse(); // clustered options: leave it to picocli with every subcommand
        assertThat(Cli.versionOnly()).isFalse();

        CliRunner.Result r = cli.run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("npcnix ");
    }

    @Test
    void aDataDirNamedLikeASubcommandIsNotTakenForOne() {
        Path data = tmp.resolve("pause");
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "remote", "file:///srv/x.npcnix").code()).isZero();
        assertThat(cli.run("--data-dir", data.toString(), "config", "set", "configuration", "web").code()).isZero();
        CliRunner.Result r = cli.run("--data-dir", data.toString(), "status");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("file:///srv/x.npcnix");
    }

    @Test
    void usageHelpAndErrorsStillKnowEverySubcommand() {
        CliRunner.Result usage = cli.run("--help");
        for (Class<?> c : NpcnixCommand.SUBCOMMANDS) {
            String name = c.getAnnotation(picocli.CommandLine.Command.class).name();
            assertThat(usage.out()).contains(name);
        }
        assertThat(cli.run("help", "pull").out()).contains("Usage: npcnix pull");
        CliRunner.Result typo = cli.run("statsu");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("status");
    }
}
