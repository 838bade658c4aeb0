package dev.npcnix.store;

import java.util.Objects;

/**
 * An entity tag as a store reports it, kept <em>without</em> the surrounding double quotes that
 * HTTP and S3 responses carry (the Rust npcnix stores it that way in {@code last_etag}).
 * A weak prefix {@code W/} is dropped: we only ever compare for equality.
 */
public record Etag(String value) {
    public Etag {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("empty ETag");
        }
        if (value.indexOf('"') >= 0 || value.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new IllegalArgumentException("ETag with quotes or control characters: " + value);
        }
    }

    /** From a header or state value, quoted or not; null or blank gives null. */
    public static Etag parse(String raw) {
        if (raw == null) {
            return null;
        }
        String v = raw.strip();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        return v.isEmpty() ? null : new Etag(v);
    }

    /** The form HTTP headers ({@code If-None-Match}) take. */
    public String quoted() {
        return '"' + value + '"';
    }

    // equals and hashCode written out, as the record's would be: the generated ones are bootstrapped
    // through method handles at their first call, some 15 ms of `npcnix status` (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof Etag other && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
