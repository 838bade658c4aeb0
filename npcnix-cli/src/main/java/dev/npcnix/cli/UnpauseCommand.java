package dev.npcnix.cli;

import dev.npcnix.state.DataDir;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "unpause", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Resume applying releases.",
        footerHeading = "%nExamples:%n", footer = {"  npcnix unpause"})
final class UnpauseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        root.requireBootstrapped();
        DataDir dir = root.openDataDir();
        dir.storeSettings(dir.loadSettings().withPaused(Optional.empty()));
        root.ctx.out().println("active");
        return ExitCodes.OK;
    }
}
