package dev.npcnix.sign;

import dev.npcnix.json.Json;
import java.io.IOException;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.rollout.RolloutPolicyJson;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code .npcnix/manifest.json}: what a signed release claims to be. Being inside the archive, it is
 * atomic with the content on every kind of store; the Rust npcnix just unpacks it as an extra folder.
 *
 * @param format manifest format version (1)
 * @param remote the remote the release was published to (a release copied to another remote is refused)
 * @param sequence strictly increasing per remote: hosts refuse anything not above what they accepted
 * @param publishedAt RFC 3339 time of publishing
 * @param publisher who published ({@code user@host}, or the CI's identity)
 * @param sourceRevision the git commit of the flake, when it was a git checkout
 * @param entries every packed entry but {@code .npcnix/}, by path
 * @param rollout the release's rollout policy, when it has one: signed with the rest, so whoever can write
 *     the bucket cannot skip its waves
 */
public record Manifest(
        int format,
        String remote,
        long sequence,
        String publishedAt,
        String publisher,
        String sourceRevision,
        Map<String, Entry> entries,
        RolloutPolicy rollout) {

    public static final String DIR = ".npcnix";
    public static final String FILE = ".npcnix/manifest.json";
    public static final String SIGNATURE = ".npcnix/manifest.sig";

    public Manifest {
        entries = new TreeMap<>(Objects.requireNonNullElse(entries, Map.of()));
    }

    /**
     * One entry.
     *
     * @param type {@code file}, {@code dir} or {@code symlink}
     * @param mode {@code 755} or {@code 644} for files
     * @param sha256 hex content hash, for files
     * @param target link target, for symlinks
     */
    public record Entry(String type, String mode, String sha256, String target) {
        public static Entry file(boolean executable, String sha256) {
            return new Entry("file", executable ? "755" : "644", sha256, null);
        }

        public static Entry dir() {
            return new Entry("dir", null, null, null);
        }

        public static Entry symlink(String target) {
            return new Entry("symlink", null, null, target);
        }
    }

    /** The manifest as signed: snake_case fields in this order, entries sorted by path, nulls left out. */
    public byte[] toJson() {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("format", format);
            Json.field(g, "remote", remote);
            g.writeNumberField("sequence", sequence);
            Json.field(g, "published_at", publishedAt);
            Json.field(g, "publisher", publisher);
            Json.field(g, "source_revision", sourceRevision);
            g.writeObjectFieldStart("entries");
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                Json.field(g, "type", e.getValue().type());
                Json.field(g, "mode", e.getValue().mode());
                Json.field(g, "sha256", e.getValue().sha256());
                Json.field(g, "target", e.getValue().target());
                g.writeEndObject();
            }
            g.writeEndObject();
            if (rollout != null) { // absent rather than null: manifests without a policy sign the same bytes as before
                g.writeFieldName("rollout");
                RolloutPolicyJson.write(g, rollout);
            }
            g.writeEndObject();
        });
    }

    /** Reads a manifest; unknown fields are ignored. */
    public static Manifest parse(byte[] json) throws IOException {
        Manifest m;
        try {
            Object doc = Json.parse(json);
            if (doc == null) {
                throw new IOException("not an npcnix manifest (null)");
            }
            Map<?, ?> o = Json.object(doc, "manifest");
            Map<String, Entry> entries = new TreeMap<>();
            Object listed = o.get("entries");
            if (listed != null) {
                for (Map.Entry<?, ?> e : Json.object(listed, "entries").entrySet()) {
                    Map<?, ?> v = Json.object(e.getValue(), "entries." + e.getKey());
                    entries.put(String.valueOf(e.getKey()), new Entry(Json.text(v, "type"), Json.text(v, "mode"),
                            Json.text(v, "sha256"), Json.text(v, "target")));
                }
            }
            m = new Manifest((int) Json.number(o, "format"), Json.text(o, "remote"), Json.number(o, "sequence"),
                    Json.text(o, "published_at"), Json.text(o, "publisher"), Json.text(o, "source_revision"), entries,
                    o.get("rollout") == null ? null : RolloutPolicyJson.fromValue(o.get("rollout"), "rollout"));
        } catch (IllegalArgumentException | dev.npcnix.InvalidInputException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (m.format() != 1 || m.remote() == null) {
            throw new IOException("not an npcnix manifest (format 1 with a remote)");
        }
        return m;
    }
}
