package dev.npcnix.cli;

import dev.npcnix.state.DataDir;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pause", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "Stop applying releases, indefinitely or for a while. The daemon keeps running and resumes by itself when a timed pause ends."
                + " Exit 3, writing nothing, on a host that was never bootstrapped.",
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix pause                 # until npcnix unpause", "  npcnix pause --hours 2", "  npcnix pause --minutes 30"})
final class PauseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @ArgGroup(exclusive = true)
    For duration;

    static final class For {
        @Option(names = "--hours", paramLabel = "N", description = "Pause for N hours.")
        Long hours;

        @Option(names = "--minutes", paramLabel = "N", description = "Pause for N minutes.")
        Long minutes;

        Duration toDuration() {
            long n = hours != null ? hours : minutes;
            if (n <= 0) {
                throw new dev.npcnix.InvalidInputException("pause: the duration must be positive");
            }
            return hours != null ? Duration.ofHours(n) : Duration.ofMinutes(n);
        }
    }

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        // A host that was never bootstrapped has nothing to pause: refused before anything is written.
        root.requireBootstrapped();
        DataDir dir = root.openDataDir();
        Settings s = dir.loadSettings();
        Settings paused = duration == null
                ? s.withPaused(Optional.of(new Pause.Indefinitely()))
                : s.withPausedFor(root.ctx.clock().instant(), duration.toDuration());
        dir.storeSettings(paused);
        root.ctx.out().println(paused.paused().orElseThrow());
        return ExitCodes.OK;
    }
}
