package dev.npcnix.follow;

import dev.npcnix.activate.Operation;
import dev.npcnix.archive.UnpackLimits;
import java.util.List;
import java.util.function.Consumer;

/**
 * How the poll step behaves, beyond the host settings.
 *
 * @param operation what nixos-rebuild does ({@code switch} by default)
 * @param extraSubstituters binary caches added to those in the settings
 * @param extraTrustedPublicKeys keys added to those in the settings
 * @param ignoreEtag download and activate on the first poll even if the release was applied already
 * @param waitForLock wait for another activation to finish ({@code false}: fail with exit 3)
 * @param dryRun do everything but the rebuild and record nothing in the data dir
 * @param limits bounds on what unpacking a release may create
 * @param maxDownloadBytes the largest packed release accepted
 * @param notices where to say things a person at a terminal should see (waiting for the lock)
 * @param verifier checks unpacked releases (signatures) before activation
 * @param healthChecks apply the host's health checks ({@code false}: {@code --no-health-checks}, for this run)
 * @param hostId this host's id in a staged rollout (asked only when a release carries a rollout policy)
 */
public record FollowOptions(
        Operation operation,
        List<String> extraSubstituters,
        List<String> extraTrustedPublicKeys,
        boolean ignoreEtag,
        boolean waitForLock,
        boolean dryRun,
        UnpackLimits limits,
        long maxDownloadBytes,
        Consumer<String> notices,
        ReleaseVerifier verifier,
        boolean healthChecks,
        java.util.function.Supplier<String> hostId) {

    public static final long DEFAULT_MAX_DOWNLOAD_BYTES = 1L << 30;

    public FollowOptions {
        extraSubstituters = List.copyOf(extraSubstituters);
        extraTrustedPublicKeys = List.copyOf(extraTrustedPublicKeys);
    }

    public static FollowOptions defaults() {
        return new FollowOptions(Operation.SWITCH, List.of(), List.of(), false, true, false, UnpackLimits.defaults(),
                DEFAULT_MAX_DOWNLOAD_BYTES, s -> { }, ReleaseVerifier.NONE, true, FollowOptions::hostName);
    }

    /** The kernel's host name: the host id of a rollout when nothing better is given. */
    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    public FollowOptions withOperation(Operation op) {
        return new FollowOptions(op, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withActivationOptions(List<String> substituters, List<String> keys) {
        return new FollowOptions(operation, substituters, keys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withIgnoreEtag(boolean ignore) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignore, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withWaitForLock(boolean wait) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, wait, dryRun, limits,
                maxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withDryRun(boolean dry) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dry, limits,
                maxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withLimits(UnpackLimits newLimits, long newMaxDownloadBytes) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun,
                newLimits, newMaxDownloadBytes, notices, verifier, healthChecks, hostId);
    }

    public FollowOptions withNotices(Consumer<String> newNotices) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, newNotices, verifier, healthChecks, hostId);
    }

    public FollowOptions withHostId(java.util.function.Supplier<String> newHostId) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, verifier, healthChecks, newHostId);
    }

    public FollowOptions withVerifier(ReleaseVerifier newVerifier) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, newVerifier, healthChecks, hostId);
    }

    public FollowOptions withHealthChecks(boolean apply) {
        return new FollowOptions(operation, extraSubstituters, extraTrustedPublicKeys, ignoreEtag, waitForLock, dryRun, limits,
                maxDownloadBytes, notices, verifier, apply, hostId);
    }
}
