package dev.npcnix.cli;

import dev.npcnix.ConfigurationName;
import dev.npcnix.follow.Bootstrap;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteUri;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bootstrap", mixinStandardHelpOptions = true, aliases = "install", sortOptions = false,
        description = {
            "Configure this host to follow a remote and do its first switch (run from cloud-init user-data).",
            "Writes the host config, waits for the remote to exist (a fleet may boot before CI published), "
                + "activates --initial-configuration first when given, then the configuration, and exits 0. "
                + "Safe to run again."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix bootstrap --remote s3://acme-config/npcnix/remotes/prod.npcnix --configuration web",
            "  npcnix bootstrap --remote s3://acme-config/prod.npcnix --configuration web --initial-configuration base --timeout 1h"})
final class BootstrapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
            description = "The remote this host follows.")
    RemoteUri remote;

    @Option(names = "--configuration", paramLabel = "NAME", required = true, description = "The configuration this host applies.")
    String configuration;

    @Option(names = "--initial-configuration", paramLabel = "NAME",
            description = "Activate this configuration first (e.g. one that sets up disks or secrets).")
    String initialConfiguration;

    @Option(names = "--trusted-public-keys", paramLabel = "NAME:KEY",
            description = "Ed25519 key (Nix format) release manifests must be signed with (repeatable).")
    java.util.List<String> trustedPublicKeys = new java.util.ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = Durations.class,
            description = "How long to wait for the remote to appear and the store to answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    StoreOptions storeOptions;

    @Mixin
    ActivationOptions activation;

    @Override
    public Integer call() throws InterruptedException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        ConfigurationName target = ConfigurationName.of(configuration);
        Optional<ConfigurationName> initial = Optional.ofNullable(initialConfiguration).map(ConfigurationName::of);
        DataDir dataDir = root.openDataDir();
        Settings settings = dataDir.loadSettings()
                .withRemote(remote)
                .withConfiguration(target)
                .withRemoteRegion(Optional.ofNullable(storeOptions.remoteRegion))
                .withS3Endpoint(Optional.ofNullable(storeOptions.s3Endpoint))
                .withActivationOptions(activation.extraSubstituters, activation.extraTrustedPublicKeys);
        if (!trustedPublicKeys.isEmpty()) {
            settings = settings.withTrustedPublicKeys(trustedPublicKeys);
        }
        ctx.err().println("npcnix: bootstrap: following " + remote + " as " + target + " (data dir " + dataDir.root() + ")");
        Sleeper sleeper = ctx.sleeper().orElse(Sleeper.system());
        PollOutcome outcome = root.runHost(dataDir, settings, storeOptions, activation, false, follower ->
                new Bootstrap(dataDir, follower, ctx.clock(), sleeper, ctx.random(), m -> ctx.err().println("npcnix: " + m))
                        .run(initial, timeout));
        if (activation.dryRun) {
            ctx.out().println(outcome instanceof PollOutcome.Activated a
                    ? "dry run: would activate " + target + " from " + remote + " (release " + a.release().etag() + ")"
                    : "dry run: " + target + " already applied from " + remote);
        } else {
            ctx.out().println(outcome instanceof PollOutcome.Activated a
                    ? "bootstrapped: " + target + " activated from " + remote + " (release " + a.release().etag() + ")"
                    : "bootstrapped: " + target + " already applied from " + remote);
        }
        return ExitCodes.OK;
    }
}
