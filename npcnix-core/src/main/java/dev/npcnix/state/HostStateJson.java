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
            g.writeEndObject();
        });
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
                o.get("last_seen") == null ? null : lastSeen(Json.object(o.get("last_seen"), "last_seen")));
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
