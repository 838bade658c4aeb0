package dev.npcnix.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.follow.Schedule;
import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthChecks;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.json.Json;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.HostStateJson;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
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

@Command(name = "status", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = {"Is this host in sync, and is anyone following? One word (in sync, behind, activating, failing, rolled back, "
                + "quarantined, reboot pending, paused, not bootstrapped), the daemon (running with its PID, or not), the last poll and "
                + "what the remote served then against what is applied, the quarantined release that still blocks, the poll interval, "
                + "advice while it applies, and with health checks: a trial or reboot in progress and each check's last result.",
            "Exit 3 when the host was never bootstrapped."},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix status", "  npcnix status --json | jq .status"})
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
        return show(root.ctx, root.existingDataDir(), json);
    }

    /** The command's work, shared by picocli's path and {@link Cli}'s quick one. */
    static int show(CliContext ctx, DataDir dir, boolean json) {
        Settings s = dir.loadSettings();
        HostState state = dir.loadState();
        Instant now = ctx.clock().instant();
        HostStatus status = HostStatus.of(s, state, dir.loadLastPoll(), dir.daemon(), now);
        Optional<Pause> pause = s.pauseAt(now);
        Duration base = Schedule.baseInterval(s, now);
        Optional<Instant> applied = s.lastEtag().isEmpty() && s.lastConfiguration().isEmpty()
                ? Optional.empty() : Optional.of(s.lastReconfiguration());
        PrintWriter out = ctx.out();
        if (json) {
            out.println(Json.writeString(g -> writeJson(g, dir, s, state, status, pause, applied, base)));
        } else {
            writeText(out, s, state, status, pause, applied, base, now);
        }
        if (status.notBootstrapped()) {
            ctx.err().println("npcnix: data dir " + dir.root() + ": not bootstrapped (run npcnix bootstrap --remote URI"
                    + " --configuration NAME)");
            return ExitCodes.UNEXPECTED_STATE;
        }
        return ExitCodes.OK;
    }

    private static void writeText(PrintWriter out, Settings s, HostState state, HostStatus status, Optional<Pause> pause,
            Optional<Instant> applied, Duration base, Instant now) {
        out.printf("state:          %s%n", pause.filter(p -> status.state() == HostStatus.State.PAUSED).map(Pause::toString)
                .orElse(status.state().label()));
        out.printf("daemon:         %s%n", status.daemon());
        out.printf("remote:         %s%n", s.remote().map(Object::toString).orElse("(none)"));
        out.printf("configuration:  %s%n", s.configuration().map(Object::toString).orElse("(none)"));
        if (status.notBootstrapped()) {
            advice(out, status);
            return;
        }
        out.printf("last poll:      %s%n", status.lastPoll().filter(p -> s.remote().isPresent() && p.isFor(s.remote().get(),
                s.configuration().get())).map(p -> p.at() + ", " + Durations.format(Duration.between(p.at(), now)) + " ago: "
                + describe(p) + (p.since().equals(p.at()) ? "" : " (since " + p.since() + ")")).orElse("none recorded"));
        out.printf("remote serves:  %s%n", status.served().map(Etag::value).orElse("unknown"));
        HostState.Gated held = heldHere(s, state);
        if (held != null) {
            out.printf("rollout:        %s%n", held.reason() != null && held.reason().startsWith("halted")
                    ? "held: rollout " + held.rolloutId() + " " + held.reason()
                    : "waiting for wave " + held.wave() + " of rollout " + held.rolloutId() + " since " + held.since() + " ("
                            + held.reason() + ")");
        }
        out.printf("last applied:   %s%n", applied.map(at -> s.lastEtag().map(Etag::value).orElse("local activation")
                + " (" + s.lastConfiguration().map(Object::toString).orElse("") + ") at " + at + ", "
                + Durations.format(Duration.between(at, now)) + " ago")
                .orElse("never"));
        // A failure that a later activation or poll made history is left to `npcnix history`.
        state.lastAttempt().filter(a -> a.result() != HostState.Result.FAILED || status.state().isFailure())
                .ifPresent(a -> out.printf("last attempt:   %s%n", a.startedAt() + " " + lower(a.result())
                        + " " + a.etag() + " (" + a.configuration() + ")"
                        + (a.errorClass() != null ? " " + lower(a.errorClass()) + ": " + a.message() : "")));
        if (status.quarantined().isEmpty()) {
            out.printf("quarantined:    none%n");
        } else {
            for (HostState.Quarantine q : status.quarantined()) {
                out.printf("quarantined:    %s (%s) since %s: %s%n", q.etag(), q.configuration(), q.at(), q.reason());
            }
        }
        out.printf("poll interval:  %s now (random %s-%s)%n", Durations.format(base),
                Durations.format(base.dividedBy(2)), Durations.format(base.multipliedBy(3).dividedBy(2)));
        printSafety(out, s, state, now);
        advice(out, status);
    }

    private static void advice(PrintWriter out, HostStatus status) {
        String label = "advice:         ";
        for (String line : status.advice()) {
            out.printf("%s%s%n", label, line);
            label = "                ";
        }
    }

    private static String describe(LastPoll p) {
        return switch (p.outcome()) {
            case UNCHANGED -> "up to date";
            case ACTIVATED -> "activated release " + p.etag();
            case PAUSED -> "paused";
            case QUARANTINED -> "the remote holds quarantined release " + p.etag();
            case FAILED -> "failed (" + lower(p.errorClass()) + "): " + p.message();
            case ROLLED_BACK -> "release " + p.etag() + " rolled back: " + p.message();
            case ROLLBACK_FAILED -> "ROLLBACK FAILED for release " + p.etag() + ": " + p.message();
            case REBOOTING -> "rebooting for release " + p.etag();
            case WAITING -> "release " + p.etag() + " held by a staged rollout";
        };
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
     * as null (the keys are always there). Fields are only ever added within a schema.
     */
    private static void writeJson(JsonGenerator g, DataDir dir, Settings s, HostState state, HostStatus status,
            Optional<Pause> pause, Optional<Instant> applied, Duration base) throws IOException {
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
        // Added in schema 1 with `status` (docs/state.md): the answer, the daemon, the last poll, advice.
        g.writeStringField("status", status.state().json());
        g.writeObjectFieldStart("daemon");
        if (status.daemon() instanceof Daemon.Unknown) {
            g.writeNullField("running");
        } else {
            g.writeBooleanField("running", status.daemon() instanceof Daemon.Running);
        }
        if (status.daemon() instanceof Daemon.Running r && r.pid().isPresent()) {
            g.writeNumberField("pid", r.pid().getAsLong());
        } else {
            g.writeNullField("pid");
        }
        g.writeEndObject();
        g.writeFieldName("last_poll");
        if (status.lastPoll().isPresent()) {
            HostStateJson.writeLastPoll(g, status.lastPoll().get());
        } else {
            g.writeNull();
        }
        g.writeStringField("served_etag", status.served().map(Etag::value).orElse(null));
        g.writeArrayFieldStart("blocking_quarantine");
        for (HostState.Quarantine q : status.quarantined()) {
            HostStateJson.writeQuarantine(g, q);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("advice");
        for (String line : status.advice()) {
            g.writeString(line);
        }
        g.writeEndArray();
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
