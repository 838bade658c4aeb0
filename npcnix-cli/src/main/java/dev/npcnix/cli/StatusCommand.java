package dev.npcnix.cli;

import dev.npcnix.StateException;
import dev.npcnix.follow.Schedule;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show what this host follows, whether it is paused, what was applied last, quarantined releases and the poll interval.",
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix status", "  npcnix status --json | jq .last_applied"})
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        DataDir dir = root.existingDataDir();
        if (!dir.settingsExist()) {
            throw new StateException("data dir " + dir.root() + ": not bootstrapped (no config.json; run npcnix bootstrap)");
        }
        Settings s = dir.loadSettings();
        HostState state = dir.loadState();
        Instant now = root.ctx.clock().instant();
        Optional<Pause> pause = s.pauseAt(now);
        Duration base = Schedule.baseInterval(s, now);
        Optional<Instant> applied = s.lastEtag().isEmpty() && s.lastConfiguration().isEmpty()
                ? Optional.empty() : Optional.of(s.lastReconfiguration());
        PrintWriter out = root.ctx.out();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data_dir", dir.root().toString());
            m.put("remote", s.remote().map(Object::toString).orElse(null));
            m.put("configuration", s.configuration().map(Object::toString).orElse(null));
            m.put("state", pause.map(p -> p instanceof Pause.Until ? "paused_until" : "paused").orElse("active"));
            m.put("paused_until", pause.filter(p -> p instanceof Pause.Until).map(p -> ((Pause.Until) p).until().toString()).orElse(null));
            m.put("last_applied", applied.map(at -> Map.of("etag", s.lastEtag(), "configuration", s.lastConfiguration(),
                    "at", at.toString())).orElse(null));
            m.put("last_attempt", state.lastAttempt().orElse(null));
            m.put("quarantined", state.quarantined());
            m.put("poll_interval_secs", Map.of("base", base.toSeconds(), "min", base.toSeconds() / 2,
                    "max", base.toSeconds() * 3 / 2));
            out.println(Json.write(m));
            return ExitCodes.OK;
        }
        out.printf("remote:         %s%n", s.remote().map(Object::toString).orElse("(none)"));
        out.printf("configuration:  %s%n", s.configuration().map(Object::toString).orElse("(none)"));
        out.printf("state:          %s%n", pause.map(Pause::toString).orElse("active"));
        out.printf("last applied:   %s%n", applied.map(at -> (s.lastEtag().isEmpty() ? "local activation" : s.lastEtag())
                + " (" + s.lastConfiguration() + ") at " + at + ", " + Durations.format(Duration.between(at, now)) + " ago")
                .orElse("never"));
        out.printf("last attempt:   %s%n", state.lastAttempt().map(a -> a.startedAt() + " " + a.result().name().toLowerCase(java.util.Locale.ROOT)
                + " " + a.etag() + " (" + a.configuration() + ")"
                + (a.errorClass() != null ? " " + a.errorClass() + ": " + a.message() : "")).orElse("none"));
        if (state.quarantined().isEmpty()) {
            out.printf("quarantined:    none%n");
        } else {
            for (HostState.Quarantine q : state.quarantined()) {
                out.printf("quarantined:    %s (%s) since %s: %s%n", q.etag(), q.configuration(), q.at(), q.reason());
            }
            out.printf("                (publish a fix, or run npcnix retry)%n");
        }
        out.printf("poll interval:  %s now (random %s-%s)%n", Durations.format(base),
                Durations.format(base.dividedBy(2)), Durations.format(base.multipliedBy(3).dividedBy(2)));
        return ExitCodes.OK;
    }
}
