package dev.npcnix.cli;

import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "retry", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "Forget quarantined releases, so the daemon downloads and activates the remote's release again on its next poll."
                + " Exit 3, writing nothing, on a host that was never bootstrapped.",
        footerHeading = "%nExamples:%n", footer = {"  npcnix retry                  # try a quarantined release again"})
final class RetryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        root.requireBootstrapped();
        DataDir dir = root.openDataDir();
        HostState state = dir.loadState();
        dir.storeState(state.withoutQuarantine());
        root.ctx.out().printf("cleared %d quarantined release(s); the next poll tries again%n", state.quarantined().size());
        return ExitCodes.OK;
    }
}
