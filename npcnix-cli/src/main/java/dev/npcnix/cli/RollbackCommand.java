package dev.npcnix.cli;

import dev.npcnix.json.Json;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.publish.ReleaseHistory;
import dev.npcnix.publish.Rollback;
import dev.npcnix.publish.Signing;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Publish a kept release (npcnix releases) as the remote's current one, in one atomic write; the release it "
                + "replaces is kept like any publish's. Hosts follow it as they follow any publish.",
            "A signed release is signed again with a new, higher sequence (--sign-key): hosts refuse a sequence they have passed."},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix rollback --remote s3://acme-config/npcnix/remotes/prod.npcnix --to 41",
            "  npcnix rollback --remote s3://acme-config/prod.npcnix --to 3f2a9c1 --sign-key /run/secrets/npcnix-ci.sec"})
final class RollbackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
            description = "The remote to roll back (s3:// or file://).")
    RemoteUri remote;

    @Option(names = "--to", paramLabel = "SEQUENCE|SHA", required = true,
            description = "The release: its sequence number, or a prefix of its SHA-256 (7 hex digits or more).")
    String to;

    @Option(names = "--sign-key", paramLabel = "FILE", description = "Secret key to sign a signed release again with (required for those).")
    Path signKey;

    @Option(names = "--publisher", paramLabel = "NAME", description = "Who rolls back, recorded in the index and a new manifest (default: $USER@hostname).")
    String publisher;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "10", description = "Replaced releases to keep (default ${DEFAULT-VALUE}).")
    int keep;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--json", description = "Print the new current release as JSON (as publish --json).")
    boolean json;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        String who = publisher != null ? publisher : PublishCommand.defaultPublisher(ctx);
        try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), Settings.empty()))) {
            Optional<Signing> signing = signKey == null ? Optional.empty()
                    : Optional.of(new Signing(KeygenCommand.readSecret(signKey), who, Optional.empty(), ctx.clock()));
            PublishResult r = Rollback.to(stores, remote, to, signing, Path.of(System.getProperty("java.io.tmpdir")),
                    new ReleaseHistory.Policy(keep, ctx.clock(), who));
            if (json) {
                ctx.out().println(Json.writeString(g -> PublishCommand.writeJson(g, r)));
            } else {
                ctx.out().printf("%s %s to release %s%n  etag    %s%n  sha256  %s%n", r.unchanged() ? "unchanged:" : "rolled back", r.remote(),
                        to, r.etag(), r.sha256());
            }
            return ExitCodes.OK;
        }
    }
}
