package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.json.Json;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code state.json} and the pieces of it that {@code status --json} and {@code history --json} print:
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
            if (state.rollout() != null) {
                writeGated(g, state.rollout());
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
                o.get("rollout") == null ? null : gated(Json.object(o.get("rollout"), "rollout")));
    }

    private static HostState.Attempt attempt(Map<?, ?> a) {
        return new HostState.Attempt(Json.instant(a, "started_at"), Json.number(a, "duration_millis"), remote(a),
                Etag.parse(Json.text(a, "etag")), Json.text(a, "sha256"), configuration(a), operation(a),
                Json.enumValue(HostState.Result.class, "result", Json.text(a, "result")),
                Json.enumValue(ErrorClass.class, "error_class", Json.text(a, "error_class")), Json.text(a, "message"));
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
