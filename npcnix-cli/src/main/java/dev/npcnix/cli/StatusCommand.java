package dev.npcnix.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.StateException;
import dev.npcnix.follow.Schedule;
import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthChecks;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.state.DataDir;
import dev.npcnix.json.Json;
import dev.npcnix.state.HostState;
import dev.npcnix.state.HostStateJson;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.system.RebootPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show what this host follows, whether it is paused, what was applied last, quarantined releases, the poll interval, "
            + "and with health checks: a trial or reboot in progress and each check's last result.",
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
        out.printf("state:          %s%s%n", pause.map(Pause::toString).orElse("active"), safetyState(state));
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
        printSafety(out, s, state, now);
        return ExitCodes.OK;
    }

    /** What safe activation adds to the state line: a reboot due, a failed rollback. */
    private static String safetyState(HostState state) {
        StringBuilder b = new StringBuilder();
        if (state.pending() != null && state.pending().phase() == HostState.Pending.Phase.REBOOT) {
            b.append(", reboot pending");
        } else if (state.pending() != null) {
            b.append(", trying a release");
        }
        if (state.lastAttempt().filter(a -> a.result() == HostState.Result.ROLLBACK_FAILED).isPresent()) {
            b.append(", ROLLBACK FAILED (see npcnix history; docs/operations.md)");
        } else if (state.lastAttempt().filter(a -> a.result() == HostState.Result.ROLLED_BACK).isPresent()) {
            b.append(", last release rolled back");
        }
        return b.toString();
    }

    /** The health checks configured, a trial or reboot in progress, and each check's last result. */
    private static void printSafety(PrintWriter out, Settings s, HostState state, Instant now) {
        HealthSettings h = s.health();
        if (h.any()) {
            List<String> names = new ArrayList<>();
            if (h.systemd()) {
                names.add("systemd");
            }
            h.urls().forEach(u -> names.add("http " + u));
            h.commands().forEach(c -> names.add("command " + c));
            if (h.remote()) {
                names.add("remote");
            }
            out.printf("health checks:  %s (settle %s, deadline %s)%n", String.join(", ", names), Durations.format(h.settle()),
                    Durations.format(h.deadline()));
        } else {
            out.printf("health checks:  none%n");
        }
        if (s.reboot().policy() != RebootPolicy.NEVER) {
            out.printf("reboot:         %s%s%n", s.reboot().policy().arg(), s.reboot().window().map(w -> ", window " + w).orElse(""));
        }
        HostState.Pending p = state.pending();
        if (p != null) {
            String what = "release " + p.etag() + " (" + p.configuration() + ")";
            String line = switch (p.phase()) {
                case TRIAL -> "trying " + what + " since " + p.startedAt();
                case CHECKING -> "checking " + what + " on " + p.trial() + " since " + p.startedAt();
                case COMMITTING -> "committing " + what;
                case ROLLING_BACK -> "rolling back " + what + " to generation " + p.previous().number() + ": " + p.reason();
                case REBOOT -> (p.reboots() > 0 ? "rebooting into " : "reboot pending into ") + what + " (" + p.trial() + ")"
                        + s.reboot().window().map(w -> ", window " + w).orElse("");
                case ROLLBACK_REBOOT -> "rebooting back into generation " + p.previous().number() + ": " + p.reason();
            };
            out.printf("pending:        %s%n", line);
        }
        if (!state.checks().isEmpty()) {
            Instant at = state.checks().get(state.checks().size() - 1).at();
            boolean passed = HealthChecks.allPassed(state.checks());
            out.printf("last checks:    %s at %s, %s ago%n", passed ? "passed" : "failed", at, Durations.format(Duration.between(at, now)));
            for (CheckResult r : state.checks()) {
                out.printf("  %s%n", checkLine(r));
            }
        }
        if (state.bootCheck() != null) {
            out.printf("boot check:     %s at %s (boot %s)%n", state.bootCheck().passed() ? "passed" : "failed", state.bootCheck().at(),
                    state.bootCheck().bootId());
        }
    }

    /** One check's result on one line: {@code passed  systemd  no failed units}. */
    static String checkLine(CheckResult r) {
        return String.format("%-7s %-28s %s", r.passed() ? "passed" : "FAILED", r.name(), r.detail());
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
        g.writeStringField("state", pause.map(p -> p instanceof Pause.Until ? "paused_until" : "paused").orElse("active"));
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
        g.writeObjectFieldStart("poll_interval_secs");
        g.writeNumberField("base", base.toSeconds());
        g.writeNumberField("min", base.toSeconds() / 2);
        g.writeNumberField("max", base.toSeconds() * 3 / 2);
        g.writeEndObject();
        g.writeFieldName("pending");
        if (state.pending() != null) {
            HostStateJson.writePending(g, state.pending());
        } else {
            g.writeNull();
        }
        g.writeBooleanField("reboot_pending", state.pending() != null && state.pending().phase() == HostState.Pending.Phase.REBOOT);
        HostStateJson.writeChecks(g, "checks", state.checks());
        g.writeFieldName("boot_check");
        if (state.bootCheck() != null) {
            HostStateJson.writeBootCheck(g, state.bootCheck());
        } else {
            g.writeNull();
        }
        g.writeEndObject();
    }

    private static String lower(Enum<?> e) {
        return e == null ? "" : e.name().toLowerCase(Locale.ROOT);
    }
}
