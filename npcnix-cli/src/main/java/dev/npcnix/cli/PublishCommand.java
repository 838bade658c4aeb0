package dev.npcnix.cli;

import dev.npcnix.json.Json;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.publish.Publisher;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "publish", mixinStandardHelpOptions = true, addMethodSubcommands = false, aliases = "push", sortOptions = false,
        description = {
            "Pack a flake directory and publish it to a remote, as one atomic upload.",
            "Prints 'unchanged' and uploads nothing when the remote already holds the identical bytes."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix publish --src ./infra --remote s3://acme-config/npcnix/remotes/prod.npcnix",
            "  npcnix publish --src . --remote file:///srv/npcnix/dev.npcnix",
            "  AWS_ENDPOINT_URL_S3=http://minio:9000 npcnix publish --src . --remote s3://cfg/prod.npcnix",
            "  npcnix publish --src . --remote s3://acme-config/prod.npcnix --sign-key /run/secrets/npcnix-ci.sec",
            "  npcnix publish --src . --remote s3://acme-config/prod.npcnix --canary 1 --waves 10,50,100 --soak 15m --max-in-flight 20"})
final class PublishCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PackSourceOptions source;

    @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
            description = "Where to publish: s3://BUCKET/KEY or file:///PATH (required, so nothing is published by accident).")
    RemoteUri remote;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--sign-key", paramLabel = "FILE",
            description = "Sign the release with this secret key (Nix format, from npcnix keygen or nix key generate-secret).")
    Path signKey;

    @Option(names = "--publisher", paramLabel = "NAME",
            description = "Who publishes, recorded in a signed manifest (default: $USER@hostname).")
    String publisher;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "10",
            description = {"Keep this many replaced releases in <remote>.releases/ for npcnix rollback (default ${DEFAULT-VALUE});",
                "0 keeps no history."})
    int keep;

    @Option(names = "--rollout", paramLabel = "FILE",
            description = "Stage the release through the fleet as this rollout policy (JSON, docs/rollouts.md) says.")
    Path rolloutFile;

    @Option(names = "--canary", paramLabel = "PERCENT",
            description = "Staged rollout: a first wave of this share of the hosts (e.g. 1), then --waves.")
    Double canary;

    @Option(names = "--waves", paramLabel = "PERCENT", split = ",",
            description = "Staged rollout: cumulative shares of the hosts, one wave each (e.g. 10,50,100; 100 is added when missing).")
    java.util.List<Double> waves;

    @Option(names = "--soak", paramLabel = "DURATION", converter = Durations.class,
            description = "Staged rollout: wait this long after a wave's last host applied the release before the next wave (default 15m).")
    java.time.Duration soak;

    @Option(names = "--failure-budget", paramLabel = "N",
            description = "Staged rollout: failed hosts tolerated per wave before a halt (default 0: the first failure halts).")
    Integer failureBudget;

    @Option(names = "--max-in-flight", paramLabel = "N",
            description = "Staged rollout: hosts activating the release at once, fleet-wide (default 0: no limit).")
    Integer maxInFlight;

    @Option(names = "--on-halt", paramLabel = "stay|rollback",
            description = "Staged rollout: after a halt, hosts that applied the release keep it (stay, the default),"
                    + " or switch back to the generation they ran before it (rollback; watched until the waves' soaks and"
                    + " host timeouts have passed).")
    String onHalt;

    @Option(names = "--json", description = "Print the release as JSON.")
    boolean json;

    /** The rollout policy the options give, if any. */
    java.util.Optional<dev.npcnix.rollout.RolloutPolicy> rolloutPolicy() {
        boolean flags = canary != null || waves != null || soak != null || failureBudget != null || maxInFlight != null
                || onHalt != null;
        if (rolloutFile != null) {
            if (flags) {
                throw new dev.npcnix.InvalidInputException("--rollout " + rolloutFile
                        + ": give the policy as a file or as --canary/--waves/--soak/--failure-budget/--max-in-flight/--on-halt, not both");
            }
            byte[] bytes;
            try {
                bytes = java.nio.file.Files.readAllBytes(rolloutFile);
            } catch (java.io.IOException e) {
                throw new dev.npcnix.InvalidInputException("rollout policy " + rolloutFile + ": cannot read: " + e.getMessage(), e);
            }
            return java.util.Optional.of(dev.npcnix.rollout.RolloutPolicyJson.parse(bytes, "rollout policy " + rolloutFile));
        }
        if (!flags) {
            return java.util.Optional.empty();
        }
        if (canary == null && waves == null) {
            throw new dev.npcnix.InvalidInputException("staged rollout: give --canary PERCENT and/or --waves PERCENT,...");
        }
        dev.npcnix.rollout.RolloutPolicy.OnHalt halt = onHalt == null ? dev.npcnix.rollout.RolloutPolicy.OnHalt.STAY
                : dev.npcnix.json.Json.enumValue(dev.npcnix.rollout.RolloutPolicy.OnHalt.class, "--on-halt", onHalt);
        try {
            return java.util.Optional.of(dev.npcnix.rollout.RolloutPolicy.of(canary == null ? 0 : canary,
                    waves == null ? java.util.List.of() : waves, soak == null ? java.time.Duration.ofMinutes(15) : soak,
                    failureBudget == null ? 0 : failureBudget, maxInFlight == null ? 0 : maxInFlight, halt));
        } catch (dev.npcnix.InvalidInputException e) {
            throw new dev.npcnix.InvalidInputException("staged rollout: " + e.getMessage().replaceFirst("^rollout (policy|wave): ", ""), e);
        }
    }

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        java.util.Optional<dev.npcnix.rollout.RolloutPolicy> policy;
        try {
            policy = rolloutPolicy();
        } catch (IllegalArgumentException e) {
            throw new dev.npcnix.InvalidInputException(e.getMessage(), e);
        }
        try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), Settings.empty()));
                Progress packing = Progress.of(ctx, "pack");
                Progress progress = Progress.of(ctx, "upload")) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            java.util.Optional<dev.npcnix.publish.Signing> signing = signKey == null ? java.util.Optional.empty()
                    : java.util.Optional.of(new dev.npcnix.publish.Signing(KeygenCommand.readSecret(signKey),
                            publisher != null ? publisher : defaultPublisher(ctx), SourceRevision.of(source.src), ctx.clock()));
            String who = publisher != null ? publisher : defaultPublisher(ctx);
            Publisher publisher = new Publisher(stores, tmp, java.util.Optional.of(new dev.npcnix.publish.ReleaseHistory.Policy(keep,
                    ctx.clock(), who)));
            if (policy.isPresent()) {
                publisher = publisher.withRollout(policy.get(), ctx.clock(), who);
            }
            PublishResult r = publisher.publish(source.src, remote, source.packOptions(ctx.env()), signing, packing.packing(), progress);
            packing.close();
            progress.close();
            if (json) {
                // schema 1 (docs/state.md)
                ctx.out().println(Json.writeString(g -> writeJson(g, r)));
            } else {
                ctx.out().printf("%s %s%n  etag    %s%n  sha256  %s%n  size    %s, %d entries%n",
                        r.unchanged() ? "unchanged" : "published", r.remote(), r.etag(), r.sha256(), Sizes.human(r.size()), r.entries());
                if (r.rollout() != null) {
                    ctx.out().printf("  rollout %s: %s (watch: npcnix rollout status --remote %s)%n", r.rolloutId(),
                            r.rollout().describe(), r.remote());
                } else if (policy.isPresent() && r.unchanged()) {
                    ctx.out().println("  rollout not started: the remote already holds this release");
                }
            }
            return ExitCodes.OK;
        }
    }

    /** {@code publish --json}, schema 1 (docs/state.md); {@code rollback --json} too. */
    static void writeJson(com.fasterxml.jackson.core.JsonGenerator g, PublishResult r) throws java.io.IOException {
        g.writeStartObject();
        g.writeNumberField("schema", StatusCommand.SCHEMA);
        g.writeStringField("remote", r.remote().toString());
        g.writeStringField("etag", r.etag().value());
        g.writeStringField("sha256", r.sha256());
        g.writeNumberField("size", r.size());
        g.writeNumberField("entries", r.entries());
        g.writeBooleanField("unchanged", r.unchanged());
        if (r.rollout() != null) {
            g.writeObjectFieldStart("rollout");
            g.writeStringField("id", r.rolloutId());
            g.writeFieldName("policy");
            dev.npcnix.rollout.RolloutPolicyJson.write(g, r.rollout());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    static String defaultPublisher(CliContext ctx) {
        String user = ctx.env().getOrDefault("USER", "unknown");
        try {
            return user + "@" + java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return user;
        }
    }
}
