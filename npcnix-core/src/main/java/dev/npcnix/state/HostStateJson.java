package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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
 * {@code state.json}: {@link HostState} with snake_case field names, ISO-8601 instants, nulls left out.
 * Written with Jackson's data binding (the record annotations say how); read by hand from
 * {@link JsonValues}, because binding costs {@code npcnix status} about as much as all the rest it does
 * and every poll reads the file. Reading ignores unknown fields and takes missing ones as null or 0, as
 * the binding did; a round-trip test keeps the two directions in step.
 */
final class HostStateJson {
    private HostStateJson() {
    }

    /** Data binding, initialised on the first write only. */
    private static final class Writer {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    static byte[] write(HostState state) {
        try {
            return Writer.MAPPER.writeValueAsBytes(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise state", e);
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
