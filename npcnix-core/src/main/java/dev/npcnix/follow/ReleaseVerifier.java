package dev.npcnix.follow;

import dev.npcnix.state.HostState;
import java.util.OptionalLong;

/**
 * Checks an unpacked release before it is activated (signatures, sequence numbers). Throws a
 * deterministic {@link dev.npcnix.NpcnixException} to refuse it; the release is then quarantined.
 */
public interface ReleaseVerifier {
    /** Accepts everything; what a host without trusted keys does. */
    ReleaseVerifier NONE = new ReleaseVerifier() {
        @Override
        public OptionalLong verify(UnpackedFlake flake, HostState state) {
            return OptionalLong.empty();
        }

        @Override
        public boolean inspectsEntries() {
            return false;
        }
    };

    /**
     * @return the release's sequence number when it has one, to record as the new high-water mark
     */
    OptionalLong verify(UnpackedFlake flake, HostState state);

    /** Whether {@link UnpackedFlake#entries()} is needed: when not, the unpack hashes nothing per entry. */
    default boolean inspectsEntries() {
        return true;
    }
}
