package dev.npcnix.cli;

import dev.npcnix.ConfigurationName;
import dev.npcnix.InvalidInputException;
import dev.npcnix.ec2.Ec2Bootstrap;
import dev.npcnix.ec2.InstanceMetadata;
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

@Command(name = "bootstrap", mixinStandardHelpOptions = true, addMethodSubcommands = false, aliases = "install", sortOptions = false,
        description = {
            "Configure this host to follow a remote and do its first switch (run from cloud-init user-data).",
            "Writes the host config, waits for the remote to exist (a fleet may boot before CI published), "
                + "activates --initial-configuration first when given, then the configuration, and exits 0. "
                + "Safe to run again, also to repair a host whose config.json or state.json does not parse: such a file "
                + "is moved aside (config.json.corrupt-TIME) and the host starts over. On EC2, --from-ec2 reads the remote and configuration not given from the "
                + "instance (user data lines NPCNIX_REMOTE=... NPCNIX_CONFIGURATION=..., or tags npcnix:remote, npcnix:configuration)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix bootstrap --remote s3://acme-config/npcnix/remotes/prod.npcnix --configuration web",
            "  npcnix bootstrap --remote s3://acme-config/prod.npcnix --configuration web --initial-configuration base --timeout 1h",
            "  npcnix bootstrap --from-ec2 tags"})
final class BootstrapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--remote", paramLabel = "URI", converter = RemoteUriConverter.class,
            description = "The remote this host follows (required unless --from-ec2 finds it).")
    RemoteUri remote;

    @Option(names = "--configuration", paramLabel = "NAME",
            description = "The configuration this host applies (required unless --from-ec2 finds it).")
    String configuration;

    @Option(names = "--from-ec2", paramLabel = "user-data|tags",
            description = "Read the remote and configuration not given from the EC2 instance metadata (IMDSv2): user data or tags.")
    String fromEc2;

    @Option(names = "--initial-configuration", paramLabel = "NAME",
            description = "Activate this configuration first (e.g. one that sets up disks or secrets).")
    String initialConfiguration;

    @Option(names = "--trusted-public-keys", paramLabel = "NAME:KEY",
            description = "Ed25519 key (Nix format) release manifests must be signed with (repeatable).")
    java.util.List<String> trustedPublicKeys = new java.util.ArrayList<>();

    @Option(names = "--tag", paramLabel = "TAG",
            description = "A tag of this host, which staged rollouts select waves by (repeatable; written to the host config).")
    java.util.List<String> tags = new java.util.ArrayList<>();

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
        resolveFromEc2(ctx);
        ConfigurationName target = ConfigurationName.of(configuration);
        Optional<ConfigurationName> initial = Optional.ofNullable(initialConfiguration).map(ConfigurationName::of);
        DataDir dataDir = root.openDataDir();
        // Safe to re-run, also on a host whose files were damaged: a file that does not parse is moved
        // aside (kept, for reading), and the host starts over from what this command line says.
        for (String moved : dataDir.setAsideCorrupt(ctx.clock().instant())) {
            ctx.err().println("npcnix: bootstrap: " + moved);
        }
        Settings settings = dataDir.loadSettings()
                .withRemote(remote)
                .withConfiguration(target)
                .withRemoteRegion(Optional.ofNullable(storeOptions.remoteRegion))
                .withS3Endpoint(Optional.ofNullable(storeOptions.s3Endpoint))
                .withActivationOptions(activation.extraSubstituters, activation.extraTrustedPublicKeys);
        if (!tags.isEmpty()) {
            settings = settings.withTags(tags);
        }
        if (!trustedPublicKeys.isEmpty()) {
            settings = settings.withTrustedPublicKeys(trustedPublicKeys);
        }
        ctx.err().println("npcnix: bootstrap: following " + remote + " as " + target + " (data dir " + dataDir.root() + ")");
        Sleeper sleeper = ctx.sleeper().orElse(Sleeper.system());
        PollOutcome outcome = root.runHost(dataDir, settings, storeOptions, activation, false, true, Optional.empty(), (follower, stores) ->
                new Bootstrap(dataDir, follower, ctx.clock(), sleeper, ctx.random(), m -> ctx.err().println("npcnix: " + m))
                        .run(initial, timeout));
        if (outcome instanceof PollOutcome.Waiting w) {
            ctx.out().println("bootstrapped: following " + remote + " as " + target + "; " + w.describe());
        } else if (activation.dryRun) {
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

    /** Fills {@code remote} and {@code configuration} from the instance when not given; both must be known after. */
    private void resolveFromEc2(CliContext ctx) {
        if (fromEc2 != null && (remote == null || configuration == null)) {
            Ec2Bootstrap source = Ec2Bootstrap.parse(fromEc2);
            Ec2Bootstrap.Hints hints;
            try (InstanceMetadata metadata = InstanceMetadata.connect(ctx.env())) {
                hints = source.read(metadata);
            }
            if (remote == null && hints.remote().isPresent()) {
                try {
                    remote = RemoteUri.parse(hints.remote().get());
                } catch (InvalidInputException e) {
                    throw new InvalidInputException("EC2 " + source.label() + ": " + e.getMessage(), e);
                }
            }
            if (configuration == null) {
                configuration = hints.configuration().orElse(null);
            }
            String where = source == Ec2Bootstrap.TAGS
                    ? "tags " + Ec2Bootstrap.REMOTE_TAG + " and " + Ec2Bootstrap.CONFIGURATION_TAG
                    : "user data lines NPCNIX_REMOTE= and NPCNIX_CONFIGURATION=";
            if (remote == null || configuration == null) {
                throw new InvalidInputException("bootstrap: no " + (remote == null ? "remote" : "configuration")
                        + " given and none in the EC2 instance's " + where);
            }
            ctx.err().println("npcnix: bootstrap: " + remote + " as " + configuration + " (from the EC2 instance's " + source.label() + ")");
        }
        if (remote == null || configuration == null) {
            throw new InvalidInputException("bootstrap: --remote and --configuration are required (or --from-ec2 user-data|tags)");
        }
    }
}
