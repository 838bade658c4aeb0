package dev.npcnix.publish;

import dev.npcnix.json.Json;
import dev.npcnix.store.Etag;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <remote>.releases/index.json}, schema 1: every release published with history, oldest first.
 * An entry whose {@code key} is set is kept as {@code <remote>.releases/<key>}; the current release has no
 * key until a publish replaces it (and copies it there first). Immutable.
 *
 * @param releases by sequence, oldest first
 */
public record ReleaseIndex(List<Entry> releases) {
    public static final int SCHEMA = 1;

    public ReleaseIndex {
        releases = releases.stream().sorted(Comparator.comparingLong(Entry::sequence)).toList();
    }

    public static ReleaseIndex empty() {
        return new ReleaseIndex(List.of());
    }

    /**
     * One release.
     *
     * @param sequence a signed release's manifest sequence; otherwise one above the highest before it
     * @param etag the store's ETag of the object when it was published as the current one
     * @param key the name of its copy under {@code .releases/}, or null while it is only the current one
     * @param rollbackOf the sequence it is a rollback to, or 0
     */
    public record Entry(long sequence, String sha256, Etag etag, long size, Instant publishedAt, String publisher,
            boolean signed, String key, long rollbackOf) {
        public Entry withKey(String newKey) {
            return new Entry(sequence, sha256, etag, size, publishedAt, publisher, signed, newKey, rollbackOf);
        }

        /** The name of its copy: {@code <sequence>-<first 12 of its SHA-256>.npcnix}. */
        public String defaultKey() {
            return sequence + "-" + sha256.substring(0, Math.min(12, sha256.length())) + ".npcnix";
        }
    }

    /** The sequence a new unsigned release gets. */
    public long nextSequence() {
        return releases.stream().mapToLong(Entry::sequence).max().orElse(0) + 1;
    }

    /** The newest entry published with this ETag. */
    public Optional<Entry> byEtag(Etag etag) {
        for (int i = releases.size() - 1; i >= 0; i--) {
            if (etag.equals(releases.get(i).etag())) {
                return Optional.of(releases.get(i));
            }
        }
        return Optional.empty();
    }

    /** A kept copy with these bytes, if any (a rollback's bytes are kept once). */
    public Optional<String> keyFor(String sha256) {
        return releases.stream().filter(e -> e.key() != null && e.sha256().equals(sha256)).map(Entry::key).findFirst();
    }

    /** This index with {@code entry} in place of the one of the same sequence, or added. */
    public ReleaseIndex with(Entry entry) {
        List<Entry> next = new ArrayList<>(releases);
        next.removeIf(e -> e.sequence() == entry.sequence());
        next.add(entry);
        return new ReleaseIndex(next);
    }

    public ReleaseIndex without(Entry entry) {
        List<Entry> next = new ArrayList<>(releases);
        next.removeIf(e -> e.sequence() == entry.sequence());
        return new ReleaseIndex(next);
    }

    public byte[] toJson(String remote) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA);
            g.writeStringField("remote", remote);
            g.writeArrayFieldStart("releases");
            for (Entry e : releases) {
                g.writeStartObject();
                g.writeNumberField("sequence", e.sequence());
                Json.field(g, "sha256", e.sha256());
                Json.field(g, "etag", e.etag());
                g.writeNumberField("size", e.size());
                Json.field(g, "published_at", e.publishedAt());
                Json.field(g, "publisher", e.publisher());
                g.writeBooleanField("signed", e.signed());
                Json.field(g, "key", e.key());
                if (e.rollbackOf() > 0) {
                    g.writeNumberField("rollback_of", e.rollbackOf());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public static ReleaseIndex parse(byte[] bytes) throws IOException {
        try {
            Map<?, ?> o = Json.object(Json.parse(bytes), "index");
            if (Json.number(o, "schema") != SCHEMA) {
                throw new IOException("schema: expected " + SCHEMA + ", got " + o.get("schema"));
            }
            List<Entry> entries = Json.list(o, "releases", v -> {
                Map<?, ?> e = Json.object(v, "releases[]");
                String sha = Json.text(e, "sha256");
                if (sha == null || !sha.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("releases[].sha256: not a SHA-256: " + sha);
                }
                String key = Json.text(e, "key");
                if (key != null && !key.matches("[0-9]+-[0-9a-f]{1,64}\\.npcnix")) {
                    throw new IllegalArgumentException("releases[].key: not a release name: " + key);
                }
                return new Entry(Json.number(e, "sequence"), sha, Etag.parse(Json.text(e, "etag")), Json.number(e, "size"),
                        Json.instant(e, "published_at"), Json.text(e, "publisher"), Boolean.TRUE.equals(e.get("signed")), key,
                        Json.number(e, "rollback_of"));
            });
            return new ReleaseIndex(entries == null ? List.of() : entries);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
