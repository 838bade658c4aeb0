package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.StateException;
import dev.npcnix.archive.ArchiveException;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.publish.Pull;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pull", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Download a remote's packed flake and unpack it into a new directory.",
            "The archive is treated as hostile: nothing is written outside DIR, and on any error DIR is not created."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix pull --remote s3://acme-config/npcnix/remotes/prod.npcnix --dst /tmp/prod",
            "  npcnix pull --dst /tmp/current      # the remote this host follows"})
final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--remote", paramLabel = "URI", converter = RemoteUriConverter.class,
            description = "The remote to pull (default: the one this host follows).")
    RemoteUri remote;

    @Option(names = "--dst", paramLabel = "DIR", required = true,
            description = "Where to unpack; must not exist, or be an empty directory.")
    Path dst;

    @Mixin
    StoreOptions storeOptions;

    @Override
    public Integer call() throws IOException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        CliContext ctx = root.ctx;
        Settings host = remote == null ? root.existingDataDir().loadSettings() : Settings.empty();
        RemoteUri from = Optional.ofNullable(remote).or(host::remote).orElseThrow(() -> new StateException(
                "no --remote given and this host follows none (data dir " + root.dataDirPath() + ")"));
        Path target = dst.toAbsolutePath().normalize();
        // On failure the file system is left as it was: an empty destination given is put back, and
        // parent directories created for the pull are removed again.
        Set<PosixFilePermission> emptyDestination = null;
        if (Files.isDirectory(target)) {
            try (var entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInputException("destination " + target + ": exists and is not empty");
                }
            }
            emptyDestination = Files.getPosixFilePermissions(target);
            Files.delete(target);
        } else if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("destination " + target + ": exists and is not a directory");
        }
        Path firstCreated = null;
        for (Path p = target.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
            firstCreated = p;
        }
        boolean pulled = false;
        try {
            Files.createDirectories(target.getParent());
            int code = pull(root, host, from, target);
            pulled = true;
            return code;
        } finally {
            if (!pulled) {
                undo(target, emptyDestination, firstCreated);
            }
        }
    }

    private int pull(NpcnixCommand root, Settings host, RemoteUri from, Path target) throws IOException {
        CliContext ctx = root.ctx;
        try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), host))) {
            Pull.Pulled pulled;
            try (Progress progress = Progress.of(ctx, "pull")) {
                pulled = Pull.into(stores, from, target, UnpackLimits.defaults(), progress);
            }
            try {
                FlakeArchive.requireFlake(target);
            } catch (ArchiveException e) {
                LocalFiles.deleteRecursively(target);
                throw new ArchiveException("release " + pulled.etag() + " of " + from + ": no flake.nix at the root", e);
            }
            ctx.out().printf("pulled %s into %s%n  etag    %s%n  sha256  %s%n  %d entries, %s%n", from, target,
                    pulled.etag(), pulled.sha256(), pulled.unpacked().entries(), Sizes.human(pulled.unpacked().contentBytes()));
            return ExitCodes.OK;
        }
    }

    private static void undo(Path target, Set<PosixFilePermission> emptyDestination, Path firstCreated) {
        try {
            if (emptyDestination != null && !Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
                Files.setPosixFilePermissions(target, emptyDestination);
            }
            if (firstCreated != null) {
                for (Path p = target.getParent(); p != null && p.startsWith(firstCreated); p = p.getParent()) {
                    Files.deleteIfExists(p); // only empty directories: anything else put there stays
                }
            }
        } catch (IOException e) {
            // the pull already failed; that is the error to report
        }
    }
}
