package dev.npcnix.follow;

import dev.npcnix.state.HostState;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Checks an unpacked release before it is activated (signatures, sequence numbers). Throws a
 * deterministic {@link dev.npcnix.NpcnixException} to refuse it; the release is then quarantined.
 */
@FunctionalInterface
public interface ReleaseVerifier {
    /** Accepts everything; what a host without trusted keys does. */
    ReleaseVerifier NONE = (flakeDir, release, state) -> OptionalLong.empty();

    /**
     * @return the release's sequence number when it has one, to record as the new high-water mark
     */
    OptionalLong verify(Path flakeDir, Release release, HostState state);
}
