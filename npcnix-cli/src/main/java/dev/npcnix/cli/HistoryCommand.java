package dev.npcnix.cli;

import dev.npcnix.json.Json;
import dev.npcnix.state.HostState;
import dev.npcnix.state.HostStateJson;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "history", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "List recent activation attempts, newest last, with what their health checks found.",
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
            // schema 1 (docs/state.md): the attempts as state.json keeps them, oldest first
            root.ctx.out().println(Json.writeString(g -> {
                g.writeStartObject();
                g.writeNumberField("schema", StatusCommand.SCHEMA);
                g.writeArrayFieldStart("history");
                for (HostState.Attempt a : state.history()) {
                    HostStateJson.writeAttempt(g, a);
                }
                g.writeEndArray();
                g.writeEndObject();
            }));
            return ExitCodes.OK;
        }
        for (HostState.Attempt a : state.history()) {
            root.ctx.out().printf("%s  %-15s %-12s %-20s %6.1fs%s%s%n", a.startedAt(),
                    a.result() == null ? "" : a.result().name().toLowerCase(Locale.ROOT).replace('_', ' '), a.configuration(), a.etag(),
                    a.durationMillis() / 1000.0, checks(a), a.message() == null ? ""
                            : "  " + (a.errorClass() == null ? "" : a.errorClass().name().toLowerCase(Locale.ROOT)) + ": " + a.message());
        }
        return ExitCodes.OK;
    }

    /** The checks of an attempt in a few words: {@code  [3 checks passed]}, {@code  [failed: systemd, remote]}. */
    private static String checks(HostState.Attempt a) {
        if (a.checks().isEmpty()) {
            return "";
        }
        java.util.List<String> failed = dev.npcnix.health.HealthChecks.failing(a.checks());
        return failed.isEmpty() ? "  [" + a.checks().size() + " checks passed]" : "  [failed: " + String.join(", ", failed) + "]";
    }
}
