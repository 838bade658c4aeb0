package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Instant;
import java.util.Optional;

/**
 * What every stage of one poll may read: the settings and state as the poll found them, what it polls
 * for, and its private workspace under {@code tmp/}.
 *
 * @param known the ETag to send as {@code If-None-Match}; empty to download whatever the remote holds
 * @param force {@code --ignore-etag}: neither quarantine nor "already applied" stops this poll
 * @param started when the poll started (attempt durations count from here)
 */
record Poll(RemoteUri remote, ConfigurationName configuration, Settings settings, HostState state,
        Optional<Etag> known, boolean force, Instant started, Workspace workspace) {

    /** The {@code last_seen} entry for {@code etag} polled by this poll. */
    HostState.LastSeen seen(Etag etag) {
        return new HostState.LastSeen(remote, etag, configuration);
    }
}
