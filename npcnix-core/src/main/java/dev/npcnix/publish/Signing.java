package dev.npcnix.publish;

import dev.npcnix.sign.NixKeys;
import java.time.Clock;
import java.util.Optional;

/**
 * How to sign a release at publish time.
 *
 * @param key the secret key (Nix format) the manifest is signed with
 * @param publisher who publishes, recorded in the manifest
 * @param sourceRevision the flake's git commit, when known
 * @param clock the publish time, and the floor of the sequence number (milliseconds since the epoch)
 */
public record Signing(NixKeys.SecretKey key, String publisher, Optional<String> sourceRevision, Clock clock) {
}
