package dev.npcnix.cli;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackResult;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pack", mixinStandardHelpOptions = true, sortOptions = false,
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
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            PackResult result;
            // Hashed as it is written: reading a large archive back only to hash it cost a tenth of the pack.
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new java.io.BufferedOutputStream(
                    new DigestOutputStream(Files.newOutputStream(temp), sha256), 1 << 16);
                    Progress progress = Progress.of(root.ctx, "pack")) {
                result = FlakeArchive.pack(source.src, out, source.packOptions(root.ctx.env()), progress);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            result.warnings().forEach(w -> root.ctx.err().println("npcnix: warning: " + w));
            String sha = HexFormat.of().formatHex(sha256.digest());
            root.ctx.out().printf("%s: %d entries, %s, sha256 %s%n", target, result.entries(), Sizes.human(Files.size(target)), sha);
            return ExitCodes.OK;
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
