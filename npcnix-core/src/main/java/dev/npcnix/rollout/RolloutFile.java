package dev.npcnix.rollout;

import dev.npcnix.json.Json;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <remote>.rollout.json}: the policy of the release it names, written by {@code publish} before
 * the release itself (so no host sees the release without its policy). Hosts of an unsigned remote read it
 * once per new release and follow it only when it names the release they downloaded (its SHA-256); hosts
 * that verify signatures ignore it (the policy of a signed release is in its signed manifest). The CLI
 * reads it to find the current rollout's id.
 *
 * @param rolloutId the manifest sequence of a signed release, else the first 12 hex digits of its SHA-256
 * @param releaseSha256 the archive's SHA-256 (hex)
 */
public record RolloutFile(String rolloutId, String releaseSha256, Instant publishedAt, String publisher, RolloutPolicy policy) {
    public static final String SUFFIX = ".rollout.json";
    private static final int MAX_BYTES = 64 * 1024;

    /** The id of a release's rollout: the signed sequence when there is one, else 12 hex of the SHA-256. */
    public static String idOf(long sequence, String sha256) {
        return sequence > 0 ? Long.toString(sequence) : sha256.substring(0, 12);
    }

    public static RemoteUri of(RemoteUri remote) {
        return remote.sibling(SUFFIX);
    }

    public byte[] toJson() {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeNumberField("schema", 1);
            Json.field(g, "rollout_id", rolloutId);
            Json.field(g, "release_sha256", releaseSha256);
            Json.field(g, "published_at", publishedAt);
            Json.field(g, "publisher", publisher);
            g.writeFieldName("policy");
            RolloutPolicyJson.write(g, policy);
            g.writeEndObject();
        });
    }

    /** Reads the file next to {@code remote}; empty when there is none. A malformed file is an InvalidInputException. */
    public static Optional<RolloutFile> read(RemoteStore store, RemoteUri remote) {
        RemoteUri where = of(remote);
        return store.read(where, MAX_BYTES).map(s -> parse(s.content(), where.toString()));
    }

    static RolloutFile parse(byte[] json, String what) {
        try {
            Map<?, ?> o = Json.object(Json.parse(json), what);
            return new RolloutFile(RolloutBoard.requireId(Json.text(o, "rollout_id")), Json.text(o, "release_sha256"),
                    Json.instant(o, "published_at"), Json.text(o, "publisher"), RolloutPolicyJson.fromValue(o.get("policy"), what));
        } catch (IOException | IllegalArgumentException e) {
            throw new dev.npcnix.InvalidInputException(what + ": " + e.getMessage(), e);
        }
    }
}
