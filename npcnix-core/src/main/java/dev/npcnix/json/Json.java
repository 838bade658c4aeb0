package dev.npcnix.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading and writing JSON with Jackson's streaming API only ({@link #FACTORY}). {@link #parse} reads a
 * small document into plain values: {@code Map<String, Object>} (in document order), {@code List<Object>},
 * {@code String}, {@code Long}/{@code BigInteger}/{@code Double}, {@code Boolean} and {@code null}; the
 * field readers ({@link #text}, {@link #number}, {@link #instant}, {@link #list}) say which field is wrong
 * with an {@link IllegalArgumentException}. {@link #write} produces an indented document as Jackson's
 * default pretty printer does; the field writers leave out {@code null} values.
 */
public final class Json {
    public static final JsonFactory FACTORY = new JsonFactory();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter();

    private Json() {
    }

    /** Writes one document with the generator it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** The document {@code body} writes, indented. */
    public static byte[] write(Writer body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            // a fresh instance per document: a DefaultPrettyPrinter keeps its nesting depth, so one shared by
            // threads writing at once (hosts racing for a lease in one JVM) corrupts the indentation for good
            g.setPrettyPrinter(PRETTY.createInstance());
            body.write(g);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        return bytes.toByteArray();
    }

    /** As {@link #write}, as text. */
    public static String writeString(Writer body) {
        return new String(write(body), StandardCharsets.UTF_8);
    }

    /** A string field, left out when {@code value} is null. */
    public static void field(JsonGenerator g, String name, Object value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value.toString());
        }
    }

    /** An enum as its lowercase name ({@code ROLLED_BACK} is {@code "rolled_back"}), left out when null. */
    public static void field(JsonGenerator g, String name, Enum<?> value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value.name().toLowerCase(Locale.ROOT));
        }
    }

    /** The enum constant {@code text} names, in any case (old files wrote {@code "ACTIVATED"}); null for null. */
    public static <E extends Enum<E>> E enumValue(Class<E> type, String field, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": unknown value '" + text + "'", e);
        }
    }

    /**
     * A document that is not JSON, said for people: where (line and column, from 1) and what was found
     * there, in words rather than the parser's ({@code unexpected 'x'}, {@code the document ends early}).
     */
    public static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;
        private static final Pattern UNEXPECTED_CHAR = Pattern.compile("Unexpected character \\('(.+?)' \\(code");
        private static final Pattern UNRECOGNIZED = Pattern.compile("Unrecognized token '([^']{0,40})");

        private final long line;
        private final long column;

        Malformed(long line, long column, String reason, Throwable cause) {
            super("not valid JSON at line " + line + ", column " + column + ": " + reason, cause);
            this.line = line;
            this.column = column;
        }

        public long line() {
            return line;
        }

        public long column() {
            return column;
        }

        static Malformed of(JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            return new Malformed(at == null ? 1 : Math.max(1, at.getLineNr()), at == null ? 1 : Math.max(1, at.getColumnNr()),
                    reason(e.getOriginalMessage()), e);
        }

        private static String reason(String parser) {
            String m = parser == null ? "" : parser;
            Matcher c = UNEXPECTED_CHAR.matcher(m);
            if (c.find()) {
                return "unexpected '" + c.group(1) + "'";
            }
            Matcher t = UNRECOGNIZED.matcher(m);
            if (t.find()) {
                return "unexpected '" + t.group(1) + "'";
            }
            if (m.contains("end-of-input")) {
                return "the document ends early";
            }
            if (m.contains("Illegal unquoted character")) {
                return "a control character inside a string";
            }
            if (m.contains("CTRL-CHAR")) {
                return "a control character";
            }
            if (m.contains("Invalid UTF-8")) {
                return "not UTF-8 text";
            }
            return "malformed";
        }
    }

    /**
     * The document's value; a syntax error, trailing garbage or an empty document is a {@link Malformed}
     * naming the line and column.
     */
    public static Object parse(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new Malformed(1, 1, "the document is empty", null);
            }
            Object value = value(p, first);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new Malformed(at.getLineNr(), at.getColumnNr(), "unexpected content after the document", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw Malformed.of(e);
        }
    }

    /**
     * Where {@code field} first appears as a key in {@code doc} ({@code "line 3, column 5"}), to point at a
     * field whose value is wrong; empty when it does not appear.
     */
    public static Optional<String> locate(byte[] doc, String field) {
        String text = new String(doc, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:").matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < m.start(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return Optional.of("line " + line + ", column " + (m.start() - lineStart + 1));
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                Number n = p.getNumberValue();
                return n instanceof Integer i ? Long.valueOf(i) : n;
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                JsonLocation at = p.currentTokenLocation();
                throw new Malformed(at.getLineNr(), at.getColumnNr(), "unexpected " + p.getText(), null);
            }
        }
    }

    /** How messages name a value's JSON type, as Jackson's node types do. */
    public static String typeName(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Map) {
            return "OBJECT";
        }
        if (v instanceof List) {
            return "ARRAY";
        }
        if (v instanceof String) {
            return "STRING";
        }
        if (v instanceof Boolean) {
            return "BOOLEAN";
        }
        return "NUMBER";
    }

    /** {@code v} as an object, or an error naming {@code what}. */
    public static Map<?, ?> object(Object v, String what) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(what + ": expected an object, got " + typeName(v));
        }
        return m;
    }

    /** The list in {@code field}, each element converted; null when absent. */
    public static <T> List<T> list(Map<?, ?> o, String field, Function<Object, T> element) {
        Object v = o.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> values)) {
            throw new IllegalArgumentException(field + ": expected a list, got " + typeName(v));
        }
        List<T> out = new ArrayList<>(values.size());
        for (Object e : values) {
            out.add(element.apply(e));
        }
        return out;
    }

    /** The string in {@code field}; numbers and booleans as their text; null when absent. */
    public static String text(Map<?, ?> o, String field) {
        Object v = o.get(field);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        throw new IllegalArgumentException(field + ": expected a string, got " + typeName(v));
    }

    /** The whole number in {@code field} (a numeric string too); 0 when absent. */
    public static long number(Map<?, ?> o, String field) {
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
        throw new IllegalArgumentException(field + ": expected a number, got " + typeName(v));
    }

    /** An ISO-8601 instant ({@code 2026-01-01T00:00:00Z}, an offset allowed), or epoch seconds; null when absent. */
    public static Instant instant(Map<?, ?> o, String field) {
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
        throw new IllegalArgumentException(field + ": expected an instant, got " + typeName(v));
    }
}
