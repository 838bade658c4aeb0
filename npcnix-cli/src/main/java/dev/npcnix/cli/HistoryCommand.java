package dev.npcnix.cli;

import dev.npcnix.state.HostState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "history", mixinStandardHelpOptions = true, description = "List recent activation attempts, newest last.",
        footerHeading = "%nExamples:%n", footer = {"  npcnix history", "  npcnix history --json"})
final class HistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        HostState state = root.existingDataDir().loadState();
        if (json) {
            root.ctx.out().println(Json.write(state.history()));
            return ExitCodes.OK;
        }
        for (HostState.Attempt a : state.history()) {
            root.ctx.out().printf("%s  %-11s %-12s %-20s %6.1fs%s%n", a.startedAt(), a.result().name().toLowerCase(java.util.Locale.ROOT),
                    a.configuration(), a.etag(), a.durationMillis() / 1000.0,
                    a.message() == null ? "" : "  " + a.errorClass() + ": " + a.message());
        }
        return ExitCodes.OK;
    }
}
