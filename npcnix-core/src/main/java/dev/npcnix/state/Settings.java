package dev.npcnix.state;

import dev.npcnix.ConfigurationName;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.store.Etag;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.store.RemoteUri;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The host's settings, {@code config.json}: the Rust npcnix's fields (same names, same meaning) plus
 * optional ones of ours. Immutable; every change is a {@code with*} that returns a new value.
 *
 * @param remote the remote followed; empty before bootstrap
 * @param remoteRegion S3 region of the remote's bucket, when not the SDK default
 * @param configuration the {@code nixosConfigurations} entry this host applies
 * @param lastReconfiguration when a release was last applied (drives the adaptive poll interval)
 * @param lastEtag ETag of the release last applied; empty when none, or when a local {@code activate}
 *     applied something else (the Rust tool's {@code ""})
 * @param lastConfiguration configuration last applied; empty when none
 * @param minSleepSecs shortest poll interval, right after a change
 * @param maxSleepSecs longest poll interval, {@code maxSleepAfterHours} after a change
 * @param maxSleepAfterHours hours over which the interval rises from min to max
 * @param paused set while the daemon must not apply releases
 * @param extraSubstituters ours: binary caches added to every activation
 * @param extraTrustedPublicKeys ours: their keys
 * @param trustedPublicKeys ours: Ed25519 keys ({@code name:base64}) release manifests must be signed with
 * @param s3Endpoint ours: endpoint of an S3-compatible store
 * @param tags ours: this host's tags, which staged rollouts select waves by ({@code --tag})
 * @param health ours: the checks a new release must pass before it is kept ({@link HealthSettings#NONE}: none)
 * @param reboot ours: when a committed release reboots the host
 */
public record Settings(
        Optional<RemoteUri> remote,
        Optional<String> remoteRegion,
        Optional<ConfigurationName> configuration,
        Instant lastReconfiguration,
        Optional<Etag> lastEtag,
        Optional<ConfigurationName> lastConfiguration,
        long minSleepSecs,
        long maxSleepSecs,
        long maxSleepAfterHours,
        Optional<Pause> paused,
        List<String> extraSubstituters,
        List<String> extraTrustedPublicKeys,
        List<String> trustedPublicKeys,
        Optional<String> s3Endpoint,
        HealthSettings health,
        RebootSettings reboot,
        List<String> tags) {

    public static final long DEFAULT_MIN_SLEEP_SECS = 5;
    public static final long DEFAULT_MAX_SLEEP_SECS = 120;
    public static final long DEFAULT_MAX_SLEEP_AFTER_HOURS = 24;

    public Settings {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(remoteRegion, "remoteRegion");
        Objects.requireNonNull(configuration, "configuration");
        Objects.requireNonNull(lastReconfiguration, "lastReconfiguration");
        Objects.requireNonNull(lastEtag, "lastEtag");
        Objects.requireNonNull(lastConfiguration, "lastConfiguration");
        Objects.requireNonNull(paused, "paused");
        extraSubstituters = List.copyOf(extraSubstituters);
        extraTrustedPublicKeys = List.copyOf(extraTrustedPublicKeys);
        trustedPublicKeys = List.copyOf(trustedPublicKeys);
        Objects.requireNonNull(s3Endpoint, "s3Endpoint");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(reboot, "reboot");
        tags = tags == null ? List.of() : List.copyOf(new java.util.TreeSet<>(tags));
        if (minSleepSecs < 1 || maxSleepSecs < minSleepSecs || maxSleepAfterHours < 0) {
            throw new dev.npcnix.InvalidInputException("settings: need 1 <= min_sleep_secs (" + minSleepSecs
                    + ") <= max_sleep_secs (" + maxSleepSecs + ") and max_sleep_after_hours >= 0 (" + maxSleepAfterHours + ")");
        }
    }

    /** A host that was never bootstrapped (what {@code config.json} means when absent). */
    public static Settings empty() {
        return new Settings(Optional.empty(), Optional.empty(), Optional.empty(), Instant.EPOCH, Optional.empty(), Optional.empty(),
                DEFAULT_MIN_SLEEP_SECS, DEFAULT_MAX_SLEEP_SECS, DEFAULT_MAX_SLEEP_AFTER_HOURS, Optional.empty(),
                List.of(), List.of(), List.of(), Optional.empty(), HealthSettings.NONE, RebootSettings.NEVER, List.of());
    }

    public Settings withRemote(RemoteUri newRemote) {
        return new Settings(Optional.of(newRemote), remoteRegion, configuration, lastReconfiguration, lastEtag,
                lastConfiguration, minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters,
                extraTrustedPublicKeys, trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    /** {@code init}: only when no remote is set yet ({@code config set remote --init}). */
    public Settings withRemote(RemoteUri newRemote, boolean init) {
        return init && remote.isPresent() ? this : withRemote(newRemote);
    }

    public Settings withRemoteRegion(Optional<String> newRegion) {
        return new Settings(remote, newRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    public Settings withConfiguration(ConfigurationName newConfiguration) {
        return new Settings(remote, remoteRegion, Optional.of(newConfiguration), lastReconfiguration, lastEtag,
                lastConfiguration, minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters,
                extraTrustedPublicKeys, trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    /** {@code init}: only when no configuration is set yet. */
    public Settings withConfiguration(ConfigurationName newConfiguration, boolean init) {
        return init && configuration.isPresent() ? this : withConfiguration(newConfiguration);
    }

    /** Records a successful activation of {@code etag} for {@code appliedConfiguration} at {@code at}. */
    public Settings withLastReconfiguration(Instant at, Etag etag, ConfigurationName appliedConfiguration) {
        return new Settings(remote, remoteRegion, configuration, at, Optional.ofNullable(etag),
                Optional.of(appliedConfiguration), minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused,
                extraSubstituters, extraTrustedPublicKeys, trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    /** Forgets what was applied, so the next poll downloads and activates again. */
    public Settings withoutLastEtag() {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, Optional.empty(), lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    public Settings withSleep(long newMinSleepSecs, long newMaxSleepSecs, long newMaxSleepAfterHours) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                newMinSleepSecs, newMaxSleepSecs, newMaxSleepAfterHours, paused, extraSubstituters,
                extraTrustedPublicKeys, trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    public Settings withPaused(Optional<Pause> newPaused) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, newPaused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    /** Paused for {@code duration} from {@code now}. */
    public Settings withPausedFor(Instant now, Duration duration) {
        return withPaused(Optional.of(new Pause.Until(now.plus(duration))));
    }

    public Settings withActivationOptions(List<String> substituters, List<String> substituterKeys) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, substituters, substituterKeys,
                trustedPublicKeys, s3Endpoint, health, reboot, tags);
    }

    public Settings withTrustedPublicKeys(List<String> keys) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                keys, s3Endpoint, health, reboot, tags);
    }

    public Settings withS3Endpoint(Optional<String> endpoint) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, endpoint, health, reboot, tags);
    }

    public Settings withHealth(HealthSettings newHealth) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, newHealth, reboot, tags);
    }

    public Settings withReboot(RebootSettings newReboot) {
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, health, newReboot, tags);
    }

    /** This host's tags (sorted, each checked as {@code --tag} checks it). */
    public Settings withTags(List<String> newTags) {
        newTags.forEach(dev.npcnix.rollout.RolloutPolicy::requireTag);
        return new Settings(remote, remoteRegion, configuration, lastReconfiguration, lastEtag, lastConfiguration,
                minSleepSecs, maxSleepSecs, maxSleepAfterHours, paused, extraSubstituters, extraTrustedPublicKeys,
                trustedPublicKeys, s3Endpoint, health, reboot, newTags);
    }

    /** The pause in force at {@code now}, if any (a pause whose time has passed is not in force). */
    public Optional<Pause> pauseAt(Instant now) {
        return paused.filter(p -> p.isActiveAt(now));
    }

    /** Whether {@code c} is the configuration last applied. */
    public boolean lastApplied(ConfigurationName c) {
        return lastConfiguration.filter(c::equals).isPresent();
    }
}
