package dev.npcnix.follow;

import dev.npcnix.state.HostState;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 3, {@link Download.ReleaseFile} → itself: ends the poll for a release that is quarantined for
 * this configuration (by ETag or content) or is the one applied already, remembering it as the release
 * dealt with so the next poll is one request without a body. {@code --ignore-etag} passes everything.
 */
final class Screen implements Stage<Download.ReleaseFile, Download.ReleaseFile> {
    private static final Logger log = LoggerFactory.getLogger(Screen.class);

    @Override
    public Step<Download.ReleaseFile> run(Download.ReleaseFile file, Poll poll) {
        Release release = file.release();
        if (poll.force()) {
            return Step.next(file);
        }
        Optional<HostState.Quarantine> q = poll.state().quarantineFor(poll.remote(), release.etag(), release.sha256(),
                poll.configuration());
        if (q.isPresent()) {
            log.info("release {} of {} is quarantined for {}: {} (publish a new release or run npcnix retry)",
                    release.shortId(), poll.remote(), poll.configuration(), q.get().reason());
            return Step.stop(new PollOutcome.Quarantined(release.etag(), q.get().reason()), poll.seen(release.etag()));
        }
        if (poll.settings().lastApplied(poll.configuration())
                && poll.settings().lastEtag().filter(release.etag()::equals).isPresent()) {
            log.debug("remote {} holds the applied release {}", poll.remote(), release.etag());
            return Step.stop(new PollOutcome.Unchanged(release.etag()), poll.seen(release.etag()));
        }
        return Step.next(file);
    }
}
