package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.publish.Pull;
import dev.npcnix.sign.Manifest;
import dev.npcnix.sign.ManifestVerifier;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Check that a signed release, from a .npcnix file or a remote, would be accepted.",
            "Checks the signature by a trusted key, the remote it was published for, and that every entry matches "
                + "the manifest. Exit 0 when it would be accepted (the host's sequence high-water mark aside), 1 when refused."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix verify release.npcnix --trusted-public-keys \"$(cat ci.pub)\"",
            "  npcnix verify s3://acme-config/npcnix/remotes/prod.npcnix   # with this host's trusted keys"})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Parameters(paramLabel = "FILE|URI", description = "A .npcnix file, or a remote URI.")
    String release;

    @Option(names = "--trusted-public-keys", paramLabel = "NAME:KEY",
            description = "Keys to accept (repeatable; default: this host's trusted keys).")
    List<String> keys = new ArrayList<>();

    @Option(names = "--remote", paramLabel = "URI", converter = RemoteUriConverter.class,
            description = "The remote a file must have been published for (default: not checked for files).")
    RemoteUri expectedRemote;

    @Mixin
    StoreOptions storeOptions;

    @Override
    public Integer call() throws IOException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        Settings host = root.existingDataDir().settingsExist() ? root.existingDataDir().loadSettings() : Settings.empty();
        List<String> trusted = keys.isEmpty() ? host.trustedPublicKeys() : keys;
        if (trusted.isEmpty()) {
            throw new InvalidInputException("verify: no trusted keys (give --trusted-public-keys, or configure them on the host)");
        }
        ManifestVerifier verifier = new ManifestVerifier(trusted.stream().map(NixKeys::parsePublic).toList());
        Path work = Files.createTempDirectory("npcnix-verify-");
        try {
            Path tree = work.resolve("tree");
            Optional<RemoteUri> remote;
            Path file = Path.of(release);
            if (release.contains("://") && !Files.exists(file)) {
                RemoteUri uri = RemoteUri.parse(release);
                remote = Optional.of(uri);
                try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), host))) {
                    Pull.into(stores, uri, tree, UnpackLimits.defaults());
                }
            } else {
                remote = Optional.ofNullable(expectedRemote);
                try (InputStream in = Files.newInputStream(file)) {
                    FlakeArchive.unpack(in, tree, UnpackLimits.defaults());
                }
            }
            Manifest m = verifier.check(tree, "release " + release, remote);
            ctx.out().printf("ok: %s%n  remote       %s%n  sequence     %d%n  published    %s by %s%n  revision     %s%n  entries      %d%n",
                    release, m.remote(), m.sequence(), m.publishedAt(), m.publisher(),
                    m.sourceRevision() == null ? "(none)" : m.sourceRevision(), m.entries().size());
            return ExitCodes.OK;
        } finally {
            LocalFiles.deleteRecursively(work);
        }
    }
}
