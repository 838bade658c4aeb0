package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code state.json}: {@link HostState} with snake_case field names in record order, ISO-8601 instants,
 * null fields left out, indented as Jackson's default pretty printer does. By hand on Jackson's
 * streaming API ({@link JsonValues}): data binding cost {@code npcnix status} about as much as all the
 * rest it does. Reading ignores unknown fields and takes missing ones as null or 0; a round-trip test
 * keeps both directions in step with the records.
 */
final class HostStateJson {
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter();

    private HostStateJson() {
    }

    static byte[] write(HostState state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JsonValues.FACTORY.createGenerator(bytes)) {
            g.setPrettyPrinter(PRETTY);
            g.writeStartObject();
            g.writeArrayFieldStart("history");
            for (HostState.Attempt a : state.history()) {
                g.writeStartObject();
                instant(g, "started_at", a.startedAt());
                g.writeNumberField("duration_millis", a.durationMillis());
                text(g, "remote", a.remote());
                text(g, "etag", a.etag());
                text(g, "sha256", a.sha256());
                text(g, "configuration", a.configuration());
                text(g, "operation", a.operation());
                text(g, "result", a.result() == null ? null : a.result().name());
                text(g, "error_class", a.errorClass());
                text(g, "message", a.message());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("quarantined");
            for (HostState.Quarantine q : state.quarantined()) {
                g.writeStartObject();
                // Quarantine has no NON_NULL rule: its nulls are written, as data binding did.
                g.writeStringField("remote", q.remote());
                g.writeStringField("etag", q.etag());
                g.writeStringField("sha256", q.sha256());
                g.writeStringField("configuration", q.configuration());
                g.writeStringField("at", q.at() == null ? null : q.at().toString());
                g.writeStringField("reason", q.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("highest_sequence", state.highestSequence());
            if (state.lastSeen() != null) {
                g.writeObjectFieldStart("last_seen");
                g.writeStringField("remote", state.lastSeen().remote());
                g.writeStringField("etag", state.lastSeen().etag());
                g.writeStringField("configuration", state.lastSeen().configuration());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise state", e);
        }
        return bytes.toByteArray();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void instant(JsonGenerator g, String field, Instant value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value.toString());
        }
    }

    /**
     * Parses the file's bytes; null for a document that is {@code null}. Malformed JSON is an
     * IOException, a field of the wrong type an IllegalArgumentException naming it.
     */
    static HostState read(byte[] bytes) throws IOException {
        Object doc = JsonValues.parse(bytes);
        if (doc == null) {
            return null;
        }
        Map<?, ?> o = object(doc, "state");
        return new HostState(
                list(o, "history", a -> attempt(object(a, "history[]"))),
                list(o, "quarantined", q -> quarantine(object(q, "quarantined[]"))),
                number(o, "highest_sequence"),
                o.get("last_seen") == null ? null : lastSeen(object(o.get("last_seen"), "last_seen")));
    }

    private static HostState.Attempt attempt(Map<?, ?> a) {
        String result = text(a, "result");
        HostState.Result r;
        try {
            r = result == null ? null : HostState.Result.valueOf(result);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("result: unknown value '" + result + "'", e);
        }
        return new HostState.Attempt(instant(a, "started_at"), number(a, "duration_millis"), text(a, "remote"),
                text(a, "etag"), text(a, "sha256"), text(a, "configuration"), text(a, "operation"), r,
                text(a, "error_class"), text(a, "message"));
    }

    private static HostState.Quarantine quarantine(Map<?, ?> q) {
        return new HostState.Quarantine(text(q, "remote"), text(q, "etag"), text(q, "sha256"), text(q, "configuration"),
                instant(q, "at"), text(q, "reason"));
    }

    private static HostState.LastSeen lastSeen(Map<?, ?> s) {
        return new HostState.LastSeen(text(s, "remote"), text(s, "etag"), text(s, "configuration"));
    }

    private static Map<?, ?> object(Object v, String what) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(what + ": expected an object, got " + JsonValues.typeName(v));
        }
        return m;
    }

    private static <T> List<T> list(Map<?, ?> o, String field, Function<Object, T> element) {
        Object v = o.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> values)) {
            throw new IllegalArgumentException(field + ": expected a list, got " + JsonValues.typeName(v));
        }
        List<T> out = new ArrayList<>(values.size());
        for (Object e : values) {
            out.add(element.apply(e));
        }
        return out;
    }

    private static String text(Map<?, ?> o, String field) {
        Object v = o.get(field);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v); // as the binding coerces scalars to strings
        }
        throw new IllegalArgumentException(field + ": expected a string, got " + JsonValues.typeName(v));
    }

    private static long number(Map<?, ?> o, String field) {
        Object v = o.get(field);
        if (v == null) {
            return 0;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + ": expected a number, got '" + s + "'", e);
            }
        }
        throw new IllegalArgumentException(field + ": expected a number, got " + JsonValues.typeName(v));
    }

    /** An ISO-8601 instant ({@code 2026-01-01T00:00:00Z}, an offset allowed), or epoch seconds. */
    private static Instant instant(Map<?, ?> o, String field) {
        Object v = o.get(field);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            BigDecimal seconds = new BigDecimal(n.toString());
            return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        }
        if (v instanceof String s) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    return OffsetDateTime.parse(s).toInstant();
                } catch (DateTimeParseException e2) {
                    throw new IllegalArgumentException(field + ": '" + s + "' is not an ISO-8601 instant", e2);
                }
            }
        }
        throw new IllegalArgumentException(field + ": expected an instant, got " + JsonValues.typeName(v));
    }
}
