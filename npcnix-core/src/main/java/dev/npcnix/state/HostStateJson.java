package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.CheckResult;
import dev.npcnix.json.Json;
import dev.npcnix.system.Generation;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code state.json}, {@code poll.json} and the pieces of them that {@code status --json} and {@code history --json} print:
 * snake_case fields in record order, lowercase enum values, ISO-8601 instants, null fields left out
 * ({@link Json}). Reading ignores unknown fields, takes missing ones as null or 0, and accepts the
 * uppercase results ({@code "ACTIVATED"}) that earlier versions wrote.
 */
public final class HostStateJson {
    private HostStateJson() {
    }

    static byte[] write(HostState state) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("history");
            for (HostState.Attempt a : state.history()) {
                writeAttempt(g, a);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("quarantined");
            for (HostState.Quarantine q : state.quarantined()) {
                writeQuarantine(g, q);
            }
            g.writeEndArray();
            g.writeNumberField("highest_sequence", state.highestSequence());
            if (state.lastSeen() != null) {
                g.writeObjectFieldStart("last_seen");
                Json.field(g, "remote", state.lastSeen().remote());
                Json.field(g, "etag", state.lastSeen().etag());
                Json.field(g, "configuration", state.lastSeen().configuration());
                g.writeEndObject();
            }
            if (state.pending() != null) {
                g.writeFieldName("pending");
                writePending(g, state.pending());
            }
            if (!state.checks().isEmpty()) {
                writeChecks(g, "checks", state.checks());
            }
            if (state.bootCheck() != null) {
                g.writeFieldName("boot_check");
                writeBootCheck(g, state.bootCheck());
            }
            if (state.rollout() != null) {
                writeGated(g, state.rollout());
            }
            if (state.haltWatch() != null) {
                writeHaltWatch(g, state.haltWatch());
            }
            g.writeEndObject();
        });
    }

    /** The release a rollout holds back, as field {@code rollout} (state.json, and status --json). */
    public static void writeGated(JsonGenerator g, HostState.Gated r) throws IOException {
        g.writeObjectFieldStart("rollout");
        Json.field(g, "remote", r.remote());
        Json.field(g, "etag", r.etag());
        Json.field(g, "sha256", r.sha256());
        g.writeNumberField("size", r.size());
        Json.field(g, "configuration", r.configuration());
        g.writeNumberField("sequence", r.sequence());
        Json.field(g, "flake", r.flake());
        Json.field(g, "rollout_id", r.rolloutId());
        g.writeNumberField("wave", r.wave());
        Json.field(g, "since", r.since());
        Json.field(g, "joined_at", r.joinedAt());
        g.writeNumberField("clock_offset_millis", r.clockOffsetMillis());
        Json.field(g, "reason", r.reason());
        Json.field(g, "policy", r.policy());
        g.writeEndObject();
    }

    /** The applied release watched for its rollout's halt, as field {@code halt_watch}. */
    public static void writeHaltWatch(JsonGenerator g, HostState.HaltWatch w) throws IOException {
        g.writeObjectFieldStart("halt_watch");
        Json.field(g, "remote", w.remote());
        Json.field(g, "etag", w.etag());
        Json.field(g, "sha256", w.sha256());
        g.writeNumberField("size", w.size());
        Json.field(g, "configuration", w.configuration());
        Json.field(g, "rollout_id", w.rolloutId());
        g.writeNumberField("previous_generation", w.previous().number());
        Json.field(g, "previous_system", w.previous().toplevel().toString());
        Json.field(g, "until", w.until());
        g.writeEndObject();
    }

    /** The trial in progress as an object: {@code pending} in state.json and {@code status --json}. */
    public static void writePending(JsonGenerator g, HostState.Pending p) throws IOException {
        g.writeStartObject();
        Json.field(g, "phase", p.phase());
        Json.field(g, "remote", p.remote());
        Json.field(g, "etag", p.etag());
        Json.field(g, "sha256", p.sha256());
        g.writeNumberField("size", p.size());
        Json.field(g, "configuration", p.configuration());
        Json.field(g, "operation", p.operation() == null ? null : p.operation().arg());
        if (p.sequence() > 0) {
            g.writeNumberField("sequence", p.sequence());
        }
        Json.field(g, "started_at", p.startedAt());
        Json.field(g, "boot_id", p.bootId());
        if (p.previous() != null) {
            g.writeNumberField("previous_generation", p.previous().number());
            Json.field(g, "previous_system", p.previous().toplevel());
        }
        Json.field(g, "previous_current_system", p.previousCurrent());
        Json.field(g, "trial_system", p.trial());
        if (!p.failing().isEmpty()) {
            g.writeArrayFieldStart("failing_checks");
            for (String f : p.failing()) {
                g.writeString(f);
            }
            g.writeEndArray();
        }
        Json.field(g, "reason", p.reason());
        g.writeNumberField("reboots", p.reboots());
        if (p.rollout() != null) {
            HostState.Pending.Rollout r = p.rollout();
            g.writeObjectFieldStart("rollout");
            Json.field(g, "rollout_id", r.rolloutId());
            g.writeNumberField("wave", r.wave());
            Json.field(g, "host", r.host());
            g.writeNumberField("failure_budget", r.failureBudget());
            Json.field(g, "watch_until", r.watchUntil());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** Health-check results as an array of objects: {@code name}, {@code passed}, {@code detail}, {@code at}. */
    public static void writeChecks(JsonGenerator g, String field, List<CheckResult> checks) throws IOException {
        g.writeArrayFieldStart(field);
        for (CheckResult c : checks) {
            g.writeStartObject();
            Json.field(g, "name", c.name());
            g.writeBooleanField("passed", c.passed());
            Json.field(g, "detail", c.detail());
            Json.field(g, "at", c.at());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** This boot's verdict as an object. */
    public static void writeBootCheck(JsonGenerator g, HostState.BootCheck b) throws IOException {
        g.writeStartObject();
        Json.field(g, "boot_id", b.bootId());
        Json.field(g, "system", b.system());
        g.writeBooleanField("passed", b.passed());
        Json.field(g, "at", b.at());
        g.writeEndObject();
    }

    /** One attempt as an object: the shape of {@code history[]} in state.json and in the {@code --json} outputs. */
    public static void writeAttempt(JsonGenerator g, HostState.Attempt a) throws IOException {
        g.writeStartObject();
        Json.field(g, "started_at", a.startedAt());
        g.writeNumberField("duration_millis", a.durationMillis());
        Json.field(g, "remote", a.remote());
        Json.field(g, "etag", a.etag());
        Json.field(g, "sha256", a.sha256());
        Json.field(g, "configuration", a.configuration());
        Json.field(g, "operation", a.operation() == null ? null : a.operation().arg());
        Json.field(g, "result", a.result());
        Json.field(g, "error_class", a.errorClass());
        Json.field(g, "message", a.message());
        if (!a.checks().isEmpty()) {
            writeChecks(g, "checks", a.checks());
        }
        if (a.stopRequested()) {
            g.writeBooleanField("stop_requested", true);
        }
        g.writeEndObject();
    }

    /** One quarantined release as an object: the shape of {@code quarantined[]}. */
    public static void writeQuarantine(JsonGenerator g, HostState.Quarantine q) throws IOException {
        g.writeStartObject();
        Json.field(g, "remote", q.remote());
        Json.field(g, "etag", q.etag());
        Json.field(g, "sha256", q.sha256());
        Json.field(g, "configuration", q.configuration());
        Json.field(g, "at", q.at());
        Json.field(g, "reason", q.reason());
        g.writeEndObject();
    }

    /** {@code poll.json}: what the last poll found and since when; the time of the last poll is the file's mtime. */
    static byte[] writeLastPoll(LastPoll p) {
        return Json.write(g -> writeLastPoll(g, p, false));
    }

    /** The last poll as an object: {@code last_poll} in {@code status --json} (and {@code poll.json}, without {@code at}). */
    public static void writeLastPoll(JsonGenerator g, LastPoll p) throws IOException {
        writeLastPoll(g, p, true);
    }

    private static void writeLastPoll(JsonGenerator g, LastPoll p, boolean withAt) throws IOException {
        g.writeStartObject();
        if (withAt) {
            Json.field(g, "at", p.at());
        }
        Json.field(g, "since", p.since());
        Json.field(g, "remote", p.remote());
        Json.field(g, "configuration", p.configuration());
        Json.field(g, "outcome", p.outcome());
        Json.field(g, "etag", p.etag());
        Json.field(g, "error_class", p.errorClass());
        Json.field(g, "message", p.message());
        g.writeEndObject();
    }

    /** Parses {@code poll.json}, whose last poll was at {@code at} (its mtime); null for a document that is {@code null}. */
    /** {@code stop.json}: when the daemon saw a stop requested while a trial may have run. */
    static byte[] writeStop(java.time.Instant at, long pid) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "requested_at", at);
            g.writeNumberField("pid", pid);
            g.writeEndObject();
        });
    }

    static java.time.Instant readStop(byte[] bytes) throws IOException {
        Object doc = Json.parse(bytes);
        return doc == null ? null : Json.instant(Json.object(doc, "stop"), "requested_at");
    }

    static LastPoll readLastPoll(byte[] bytes, java.time.Instant at) throws IOException {
        Object doc = Json.parse(bytes);
        if (doc == null) {
            return null;
        }
        Map<?, ?> o = Json.object(doc, "poll");
        java.time.Instant since = Json.instant(o, "since");
        return new LastPoll(at, since == null || since.isAfter(at) ? at : since, remote(o), configuration(o),
                Json.enumValue(LastPoll.Outcome.class, "outcome", Json.text(o, "outcome")),
                Etag.parse(Json.text(o, "etag")),
                Json.enumValue(ErrorClass.class, "error_class", Json.text(o, "error_class")), Json.text(o, "message"));
    }

    /**
     * Parses the file's bytes; null for a document that is {@code null}. Malformed JSON is an
     * IOException, a field of the wrong type or value an IllegalArgumentException naming it.
     */
    static HostState read(byte[] bytes) throws IOException {
        Object doc = Json.parse(bytes);
        if (doc == null) {
            return null;
        }
        Map<?, ?> o = Json.object(doc, "state");
        return new HostState(
                Json.list(o, "history", a -> attempt(Json.object(a, "history[]"))),
                Json.list(o, "quarantined", q -> quarantine(Json.object(q, "quarantined[]"))),
                Json.number(o, "highest_sequence"),
                o.get("last_seen") == null ? null : lastSeen(Json.object(o.get("last_seen"), "last_seen")),
                o.get("pending") == null ? null : pending(Json.object(o.get("pending"), "pending")),
                checks(o, "checks"),
                o.get("boot_check") == null ? null : bootCheck(Json.object(o.get("boot_check"), "boot_check")),
                o.get("rollout") == null ? null : gated(Json.object(o.get("rollout"), "rollout")),
                o.get("halt_watch") == null ? null : haltWatch(Json.object(o.get("halt_watch"), "halt_watch")));
    }

    private static HostState.Pending pending(Map<?, ?> p) {
        Path previousSystem = path(p, "previous_system");
        return new HostState.Pending(
                Json.enumValue(HostState.Pending.Phase.class, "pending.phase", required(p, "phase")),
                remote(p), Etag.parse(Json.text(p, "etag")), Json.text(p, "sha256"), Json.number(p, "size"),
                configuration(p), operation(p), Json.number(p, "sequence"), Json.instant(p, "started_at"),
                Json.text(p, "boot_id"),
                previousSystem == null ? null : new Generation((int) Json.number(p, "previous_generation"), previousSystem),
                path(p, "previous_current_system"), path(p, "trial_system"),
                Json.list(p, "failing_checks", f -> String.valueOf(f)), Json.text(p, "reason"), (int) Json.number(p, "reboots"),
                p.get("rollout") == null ? null : pendingRollout(Json.object(p.get("rollout"), "pending.rollout")));
    }

    private static HostState.Pending.Rollout pendingRollout(Map<?, ?> r) {
        return new HostState.Pending.Rollout(required(r, "rollout_id"), (int) Json.number(r, "wave"), required(r, "host"),
                (int) Json.number(r, "failure_budget"), Json.instant(r, "watch_until"));
    }

    private static List<CheckResult> checks(Map<?, ?> o, String field) {
        return Json.list(o, field, c -> {
            Map<?, ?> m = Json.object(c, field + "[]");
            return new CheckResult(required(m, "name"), Boolean.TRUE.equals(m.get("passed")), Json.text(m, "detail"),
                    Json.instant(m, "at"));
        });
    }

    private static HostState.BootCheck bootCheck(Map<?, ?> b) {
        return new HostState.BootCheck(Json.text(b, "boot_id"), path(b, "system"), Boolean.TRUE.equals(b.get("passed")),
                Json.instant(b, "at"));
    }

    private static Path path(Map<?, ?> o, String field) {
        return parsed(o, field, Path::of);
    }

    private static String required(Map<?, ?> o, String field) {
        String v = Json.text(o, field);
        if (v == null) {
            throw new IllegalArgumentException(field + ": missing");
        }
        return v;
    }

    private static HostState.Attempt attempt(Map<?, ?> a) {
        return new HostState.Attempt(Json.instant(a, "started_at"), Json.number(a, "duration_millis"), remote(a),
                Etag.parse(Json.text(a, "etag")), Json.text(a, "sha256"), configuration(a), operation(a),
                Json.enumValue(HostState.Result.class, "result", Json.text(a, "result")),
                Json.enumValue(ErrorClass.class, "error_class", Json.text(a, "error_class")), Json.text(a, "message"),
                checks(a, "checks"), Boolean.TRUE.equals(a.get("stop_requested")));
    }

    private static HostState.Quarantine quarantine(Map<?, ?> q) {
        return new HostState.Quarantine(remote(q), Etag.parse(Json.text(q, "etag")), Json.text(q, "sha256"),
                configuration(q), Json.instant(q, "at"), Json.text(q, "reason"));
    }

    private static HostState.Gated gated(Map<?, ?> r) {
        return new HostState.Gated(remote(r), Etag.parse(Json.text(r, "etag")), Json.text(r, "sha256"), Json.number(r, "size"),
                configuration(r), Json.number(r, "sequence"), Json.text(r, "flake"), Json.text(r, "policy"),
                Json.text(r, "rollout_id"), (int) Json.number(r, "wave"), Json.instant(r, "since"), Json.instant(r, "joined_at"),
                Json.number(r, "clock_offset_millis"), Json.text(r, "reason"));
    }

    private static HostState.HaltWatch haltWatch(Map<?, ?> w) {
        Path previous = path(w, "previous_system");
        if (previous == null) {
            throw new IllegalArgumentException("halt_watch.previous_system: missing");
        }
        return new HostState.HaltWatch(remote(w), Etag.parse(Json.text(w, "etag")), Json.text(w, "sha256"), Json.number(w, "size"),
                configuration(w), Json.text(w, "rollout_id"), new Generation((int) Json.number(w, "previous_generation"), previous),
                Json.instant(w, "until"));
    }

    private static HostState.LastSeen lastSeen(Map<?, ?> s) {
        return new HostState.LastSeen(remote(s), Etag.parse(Json.text(s, "etag")), configuration(s));
    }

    private static RemoteUri remote(Map<?, ?> o) {
        return parsed(o, "remote", RemoteUri::parse);
    }

    private static ConfigurationName configuration(Map<?, ?> o) {
        return parsed(o, "configuration", ConfigurationName::of);
    }

    private static Operation operation(Map<?, ?> o) {
        return parsed(o, "operation", Operation::parse);
    }

    /** The text in {@code field} as a noun; a value its type refuses is an error naming the field. */
    private static <T> T parsed(Map<?, ?> o, String field, Function<String, T> parse) {
        String text = Json.text(o, field);
        try {
            return text == null ? null : parse.apply(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
