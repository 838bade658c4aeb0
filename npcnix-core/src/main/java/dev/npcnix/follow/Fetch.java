package dev.npcnix.follow;

import dev.npcnix.state.HostState;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStores;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1, {@link Poll} → {@link Incoming}: one conditional request for anything but the release last
 * dealt with. Unchanged ends the poll (as {@code Quarantined} when that release is quarantined).
 */
final class Fetch implements Stage<Poll, Fetch.Incoming> {
    private static final Logger log = LoggerFactory.getLogger(Fetch.class);

    /** A body the store is sending, known by its ETag; the caller must close it. */
    record Incoming(Release release, FetchResult.Download download) implements Pipeline.ReleaseBound {
    }

    private final RemoteStores stores;

    Fetch(RemoteStores stores) {
        this.stores = stores;
    }

    @Override
    public Step<Incoming> run(Poll input, Poll poll) {
        FetchResult fetched = stores.forRemote(poll.remote()).fetch(poll.remote(), poll.known());
        if (fetched instanceof FetchResult.Unchanged unchanged) {
            Optional<HostState.Quarantine> q = poll.state().quarantineFor(poll.remote(), unchanged.etag(), null,
                    poll.configuration());
            if (q.isPresent()) {
                log.debug("remote {} still holds quarantined release {}", poll.remote(), unchanged.etag());
                return Step.stop(new PollOutcome.Quarantined(unchanged.etag(), q.get().reason()));
            }
            log.debug("remote {} unchanged ({})", poll.remote(), unchanged.etag());
            return Step.stop(new PollOutcome.Unchanged(unchanged.etag()));
        }
        FetchResult.Download download = (FetchResult.Download) fetched;
        // Known by its ETag before a byte is read: a release refused unread is still quarantined.
        return Step.next(new Incoming(new Release(poll.remote(), download.etag(), null, Math.max(download.size(), 0)), download));
    }
}
