package dev.npcnix.cli;

import dev.npcnix.ConfigurationName;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteUri;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Host settings that {@code follow} (from the NixOS module) may set on its command line. Given values
 * are written to config.json at start, so {@code status} and every later run agree with them. With
 * {@code --declarative} the command line is the whole truth for the settings it can express: one not
 * given is cleared, so removing an option from the NixOS module removes it from the host.
 */
final class HostOptions {
    @Option(names = "--remote", paramLabel = "URI", converter = RemoteUriConverter.class,
            description = "Follow this remote (written to the host config).")
    RemoteUri remote;

    @Option(names = "--configuration", paramLabel = "NAME", description = "Apply this configuration (written to the host config).")
    String configuration;

    @Option(names = "--trusted-public-keys", paramLabel = "NAME:KEY",
            description = "Ed25519 key (Nix format) release manifests must be signed with (repeatable; written to the host config).")
    List<String> trustedPublicKeys = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "TAG",
            description = "A tag of this host, which staged rollouts select waves by (repeatable; written to the host config).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--min-sleep-secs", paramLabel = "N", description = "Shortest poll interval, right after a change (default 5).")
    Long minSleepSecs;

    @Option(names = "--max-sleep-secs", paramLabel = "N", description = "Longest poll interval (default 120).")
    Long maxSleepSecs;

    @Option(names = "--max-sleep-after-hours", paramLabel = "N",
            description = "Hours after a change over which the interval rises from min to max (default 24).")
    Long maxSleepAfterHours;

    @Option(names = "--declarative",
            description = {"The host options given here are all there are (the NixOS module passes it): --remote-region,",
                "--s3-endpoint, --trusted-public-keys and --tag not given are cleared from the host config, so no signature",
                "is required without keys. --remote and --configuration not given keep the bootstrapped ones."})
    boolean declarative;

    /** {@code settings} with every given option applied ({@code --declarative}: and every other one cleared). */
    Settings apply(Settings settings, StoreOptions store) {
        Settings s = settings;
        if (declarative) {
            s = s.withTrustedPublicKeys(List.of())
                    .withTags(List.of())
                    .withRemoteRegion(Optional.empty())
                    .withS3Endpoint(Optional.empty());
        }
        if (remote != null) {
            s = s.withRemote(remote);
        }
        if (configuration != null) {
            s = s.withConfiguration(ConfigurationName.of(configuration));
        }
        if (!trustedPublicKeys.isEmpty()) {
            s = s.withTrustedPublicKeys(trustedPublicKeys);
        }
        if (!tags.isEmpty()) {
            s = s.withTags(tags);
        }
        if (store.remoteRegion != null) {
            s = s.withRemoteRegion(Optional.of(store.remoteRegion));
        }
        if (store.s3Endpoint != null) {
            s = s.withS3Endpoint(Optional.of(store.s3Endpoint));
        }
        if (minSleepSecs != null || maxSleepSecs != null || maxSleepAfterHours != null) {
            s = s.withSleep(
                    minSleepSecs != null ? minSleepSecs : s.minSleepSecs(),
                    maxSleepSecs != null ? maxSleepSecs : s.maxSleepSecs(),
                    maxSleepAfterHours != null ? maxSleepAfterHours : s.maxSleepAfterHours());
        }
        return s;
    }
}
