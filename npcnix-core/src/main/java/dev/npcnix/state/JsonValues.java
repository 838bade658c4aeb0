package dev.npcnix.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for the state files with Jackson's streaming parser and generator only ({@link #FACTORY}): the
 * data-binding layer (hundreds of classes) cost {@code npcnix status} more time than all the rest it
 * does, and a daemon about 7 MB. {@link #parse} reads a small document into plain values:
 * {@code Map<String, Object>} (in file order), {@code List<Object>}, {@code String},
 * {@code Long}/{@code BigInteger}/{@code Double}, {@code Boolean} and {@code null}.
 */
final class JsonValues {
    static final JsonFactory FACTORY = new JsonFactory();

    private JsonValues() {
    }

    /** The document's value; a syntax error, trailing garbage or an empty document is an IOException. */
    static Object parse(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IOException("empty document");
            }
            Object value = value(p, first);
            if (p.nextToken() != null) {
                throw new IOException("unexpected content after the document at " + p.currentLocation());
            }
            return value;
        }
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
            default -> throw new IOException("unexpected " + t + " at " + p.currentLocation());
        }
    }

    /** How messages name a value's JSON type, as Jackson's node types do. */
    static String typeName(Object v) {
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
}
