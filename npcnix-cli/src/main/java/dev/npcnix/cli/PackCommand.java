package dev.npcnix.cli;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackResult;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pack", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = "Pack a flake directory into a .npcnix file (tar + zstd, deterministic).",
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix pack --src ./infra --dst /tmp/prod.npcnix",
            "  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) npcnix pack --src . --include hosts --dst out.npcnix"})
final class PackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PackSourceOptions source;

    @Option(names = "--dst", paramLabel = "FILE", required = true, description = "The archive to write (replaced atomically).")
    Path dst;

    @Override
    public Integer call() throws Exception {
        NpcnixCommand root = NpcnixCommand.root(spec);
        Path target = dst.toAbsolutePath();
        Files.createDirectories(target.getParent());
        // Hashed as it is written: reading a large archive back only to hash it cost a tenth of the pack.
        MessageDigest sha256 = Digests.sha256();
        PackResult[] result = new PackResult[1];
        // Private while written; the finished file gets the mode the umask gives (0644 under 022), so that
        // it can be served over HTTP or copied to a shared store as it is.
        LocalFiles.writeAtomically(target, Optional.empty(), out -> {
            OutputStream buffered = new BufferedOutputStream(new DigestOutputStream(out, sha256), 1 << 16);
            try (Progress progress = Progress.of(root.ctx, "pack")) {
                result[0] = FlakeArchive.pack(source.src, buffered, source.packOptions(root.ctx.env()), progress.packing());
            }
            buffered.flush();
        });
        result[0].warnings().forEach(w -> root.ctx.err().println("npcnix: warning: " + w));
        root.ctx.out().printf("%s: %d entries, %s, sha256 %s%n", target, result[0].entries(), Sizes.human(Files.size(target)),
                Digests.hex(sha256));
        return ExitCodes.OK;
    }
}
