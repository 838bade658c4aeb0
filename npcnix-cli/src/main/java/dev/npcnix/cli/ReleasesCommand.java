package dev.npcnix.cli;

import dev.npcnix.json.Json;
import dev.npcnix.publish.ReleaseHistory;
import dev.npcnix.publish.ReleaseIndex;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "releases", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "List the releases of a remote that publish kept (<remote>.releases/index.json), oldest first; the current one is marked.",
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix releases --remote s3://acme-config/npcnix/remotes/prod.npcnix",
            "  npcnix rollback --remote s3://acme-config/npcnix/remotes/prod.npcnix --to 41"})
final class ReleasesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
            description = "The remote whose releases to list.")
    RemoteUri remote;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--json", description = "Print as JSON (schema 1).")
    boolean json;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), Settings.empty()))) {
            RemoteStore store = stores.forRemote(remote);
            ReleaseIndex index = ReleaseHistory.read(store, remote);
            Optional<RemoteObject> current = store.head(remote);
            if (json) {
                ctx.out().println(Json.writeString(g -> {
                    g.writeStartObject();
                    g.writeNumberField("schema", StatusCommand.SCHEMA);
                    g.writeStringField("remote", remote.toString());
                    g.writeStringField("current_etag", current.map(c -> c.etag().value()).orElse(null));
                    g.writeArrayFieldStart("releases");
                    for (ReleaseIndex.Entry e : index.releases()) {
                        g.writeStartObject();
                        g.writeNumberField("sequence", e.sequence());
                        g.writeStringField("sha256", e.sha256());
                        g.writeStringField("etag", e.etag() == null ? null : e.etag().value());
                        g.writeNumberField("size", e.size());
                        g.writeStringField("published_at", e.publishedAt() == null ? null : e.publishedAt().toString());
                        g.writeStringField("publisher", e.publisher());
                        g.writeBooleanField("signed", e.signed());
                        g.writeBooleanField("kept", e.key() != null);
                        g.writeBooleanField("current", isCurrent(e, current));
                        if (e.rollbackOf() > 0) {
                            g.writeNumberField("rollback_of", e.rollbackOf());
                        } else {
                            g.writeNullField("rollback_of");
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }));
                return ExitCodes.OK;
            }
            if (index.releases().isEmpty()) {
                ctx.out().printf("no release history for %s (publish keeps it from now on)%n", remote);
                return ExitCodes.OK;
            }
            ctx.out().printf("%-14s %-12s %-10s %-20s %-7s %s%n", "SEQUENCE", "SHA256", "SIZE", "PUBLISHED", "SIGNED", "PUBLISHER");
            for (ReleaseIndex.Entry e : index.releases()) {
                String mark = isCurrent(e, current) ? "  (current)" : e.key() == null ? "  (not kept)" : "";
                String rollback = e.rollbackOf() > 0 ? "  rollback to " + e.rollbackOf() : "";
                ctx.out().printf("%-14d %-12s %-10s %-20s %-7s %s%s%s%n", e.sequence(), e.sha256().substring(0, 12),
                        Sizes.human(e.size()), e.publishedAt() == null ? "-" : e.publishedAt().toString(), e.signed() ? "yes" : "no",
                        e.publisher() == null ? "-" : e.publisher(), rollback, mark);
            }
            return ExitCodes.OK;
        }
    }

    private static boolean isCurrent(ReleaseIndex.Entry e, Optional<RemoteObject> current) {
        return current.isPresent() && current.get().etag().equals(e.etag()) && e.key() == null;
    }
}
