package dev.npcnix.sign;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "remote", "sequence", "published_at", "publisher", "source_revision", "entries"})
public record Manifest(
        int format,
        String remote,
        long sequence,
        @JsonProperty("published_at") String publishedAt,
        String publisher,
        @JsonProperty("source_revision") String sourceRevision,
        Map<String, Entry> entries) {

    public static final String DIR = ".npcnix";
    public static final String FILE = ".npcnix/manifest.json";
    public static final String SIGNATURE = ".npcnix/manifest.sig";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
    @JsonInclude(JsonInclude.Include.NON_NULL)
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

    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write manifest", e);
        }
    }

    public static Manifest parse(byte[] json) throws IOException {
        Manifest m = MAPPER.readValue(json, Manifest.class);
        if (m == null || m.format() != 1 || m.remote() == null) {
            throw new IOException("not an npcnix manifest (format 1 with a remote)");
        }
        return m;
    }
}
