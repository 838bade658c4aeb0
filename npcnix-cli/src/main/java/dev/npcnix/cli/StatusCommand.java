package dev.npcnix.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.StateException;
import dev.npcnix.follow.Schedule;
import dev.npcnix.state.DataDir;
import dev.npcnix.json.Json;
import dev.npcnix.state.HostState;
import dev.npcnix.state.HostStateJson;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
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
    /** The version of the {@code --json} schema; a change that breaks a reader raises it. */
    static final int SCHEMA = 1;

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
            out.println(Json.writeString(g -> writeJson(g, dir, s, state, pause, applied, base)));
            return ExitCodes.OK;
        }
        out.printf("remote:         %s%n", s.remote().map(Object::toString).orElse("(none)"));
        out.printf("configuration:  %s%n", s.configuration().map(Object::toString).orElse("(none)"));
        HostState.Gated held = heldHere(s, state);
        out.printf("state:          %s%n", pause.map(Pause::toString).orElse(held == null ? "active"
                : (held.reason() != null && held.reason().startsWith("halted") ? "held: rollout " + held.rolloutId() + " " + held.reason()
                        : "waiting for wave " + held.wave() + " of rollout " + held.rolloutId() + " since " + held.since() + " ("
                        + held.reason() + ")")));
        out.printf("last applied:   %s%n", applied.map(at -> s.lastEtag().map(Etag::value).orElse("local activation")
                + " (" + s.lastConfiguration().map(Object::toString).orElse("") + ") at " + at + ", "
                + Durations.format(Duration.between(at, now)) + " ago")
                .orElse("never"));
        out.printf("last attempt:   %s%n", state.lastAttempt().map(a -> a.startedAt() + " " + lower(a.result())
                + " " + a.etag() + " (" + a.configuration() + ")"
                + (a.errorClass() != null ? " " + lower(a.errorClass()) + ": " + a.message() : "")).orElse("none"));
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

    /**
     * {@code status --json}, schema 1 (docs/state.md): snake_case keys, lowercase values, absent values
     * as null (the keys are always there).
     */
    private static void writeJson(JsonGenerator g, DataDir dir, Settings s, HostState state, Optional<Pause> pause,
            Optional<Instant> applied, Duration base) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schema", SCHEMA);
        g.writeStringField("data_dir", dir.root().toString());
        g.writeStringField("remote", s.remote().map(Object::toString).orElse(null));
        g.writeStringField("configuration", s.configuration().map(Object::toString).orElse(null));
        HostState.Gated held = heldHere(s, state);
        g.writeStringField("state", pause.map(p -> p instanceof Pause.Until ? "paused_until" : "paused")
                .orElse(held == null ? "active" : "waiting"));
        g.writeStringField("paused_until", pause.filter(p -> p instanceof Pause.Until)
                .map(p -> ((Pause.Until) p).until().toString()).orElse(null));
        g.writeFieldName("last_applied");
        if (applied.isPresent()) {
            g.writeStartObject();
            g.writeStringField("etag", s.lastEtag().map(Etag::value).orElse(null));
            g.writeStringField("configuration", s.lastConfiguration().map(Object::toString).orElse(null));
            g.writeStringField("at", applied.get().toString());
            g.writeEndObject();
        } else {
            g.writeNull();
        }
        g.writeFieldName("last_attempt");
        if (state.lastAttempt().isPresent()) {
            HostStateJson.writeAttempt(g, state.lastAttempt().get());
        } else {
            g.writeNull();
        }
        g.writeArrayFieldStart("quarantined");
        for (HostState.Quarantine q : state.quarantined()) {
            HostStateJson.writeQuarantine(g, q);
        }
        g.writeEndArray();
        if (held != null) {
            HostStateJson.writeGated(g, held);
        } else {
            g.writeNullField("rollout");
        }
        g.writeObjectFieldStart("poll_interval_secs");
        g.writeNumberField("base", base.toSeconds());
        g.writeNumberField("min", base.toSeconds() / 2);
        g.writeNumberField("max", base.toSeconds() * 3 / 2);
        g.writeEndObject();
        g.writeEndObject();
    }

    /** The release a staged rollout holds back for this host's remote and configuration, or null. */
    private static HostState.Gated heldHere(Settings s, HostState state) {
        HostState.Gated g = state.rollout();
        return g != null && s.remote().filter(g.remote()::equals).isPresent()
                && s.configuration().filter(g.configuration()::equals).isPresent() ? g : null;
    }

    private static String lower(Enum<?> e) {
        return e == null ? "" : e.name().toLowerCase(Locale.ROOT);
    }
}
