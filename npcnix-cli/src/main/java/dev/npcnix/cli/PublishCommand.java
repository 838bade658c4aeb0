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

@Command(name = "publish", mixinStandardHelpOptions = true, aliases = "push", sortOptions = false,
        description = {
            "Pack a flake directory and publish it to a remote, as one atomic upload.",
            "Prints 'unchanged' and uploads nothing when the remote already holds the identical bytes."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix publish --src ./infra --remote s3://acme-config/npcnix/remotes/prod.npcnix",
            "  npcnix publish --src . --remote file:///srv/npcnix/dev.npcnix",
            "  AWS_ENDPOINT_URL_S3=http://minio:9000 npcnix publish --src . --remote s3://cfg/prod.npcnix",
            "  npcnix publish --src . --remote s3://acme-config/prod.npcnix --sign-key /run/secrets/npcnix-ci.sec"})
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

    @Option(names = "--json", description = "Print the release as JSON.")
    boolean json;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), Settings.empty()));
                Progress packing = Progress.of(ctx, "pack");
                Progress progress = Progress.of(ctx, "upload")) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            java.util.Optional<dev.npcnix.publish.Signing> signing = signKey == null ? java.util.Optional.empty()
                    : java.util.Optional.of(new dev.npcnix.publish.Signing(KeygenCommand.readSecret(signKey),
                            publisher != null ? publisher : defaultPublisher(ctx), SourceRevision.of(source.src), ctx.clock()));
            String who = publisher != null ? publisher : defaultPublisher(ctx);
            PublishResult r = new Publisher(stores, tmp, java.util.Optional.of(new dev.npcnix.publish.ReleaseHistory.Policy(keep,
                    ctx.clock(), who))).publish(source.src, remote, source.packOptions(ctx.env()), signing, packing, progress);
            packing.close();
            progress.close();
            if (json) {
                // schema 1 (docs/state.md)
                ctx.out().println(Json.writeString(g -> writeJson(g, r)));
            } else {
                ctx.out().printf("%s %s%n  etag    %s%n  sha256  %s%n  size    %s, %d entries%n",
                        r.unchanged() ? "unchanged" : "published", r.remote(), r.etag(), r.sha256(), Sizes.human(r.size()), r.entries());
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
