package dev.npcnix.publish;

import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;

/**
 * A release on a remote after {@code publish}.
 *
 * @param unchanged the remote already held these exact bytes, so nothing was uploaded
 * @param entries entries packed
 * @param rolloutId the id of the release's staged rollout, when it carries a policy
 * @param rollout its policy
 */
public record PublishResult(RemoteUri remote, Etag etag, String sha256, long size, int entries, boolean unchanged,
        String rolloutId, dev.npcnix.rollout.RolloutPolicy rollout) {

    public PublishResult(RemoteUri remote, Etag etag, String sha256, long size, int entries, boolean unchanged) {
        this(remote, etag, sha256, size, entries, unchanged, null, null);
    }

    /** This result with the rollout it started. */
    PublishResult withRollout(String id, dev.npcnix.rollout.RolloutPolicy policy) {
        return new PublishResult(remote, etag, sha256, size, entries, unchanged, id, policy);
    }
}
