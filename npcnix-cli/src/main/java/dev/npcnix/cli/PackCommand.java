package dev.npcnix.cli;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackResult;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
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
                    new DigestOutputStream(Files.newOutputStream(temp), sha256), 1 << 16)) {
                result = FlakeArchive.pack(source.src, out, source.packOptions(root.ctx.env()));
            }
            // Private while written; the finished file gets the usual mode, so that it can be served or shared.
            Files.setPosixFilePermissions(temp, permissions(0666 & ~umask()));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            result.warnings().forEach(w -> root.ctx.err().println("npcnix: warning: " + w));
            String sha = HexFormat.of().formatHex(sha256.digest());
            root.ctx.out().printf("%s: %d entries, %d bytes, sha256 %s%n", target, result.entries(), Files.size(target), sha);
            return ExitCodes.OK;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The process's umask (Linux reports it in /proc/self/status); 022 where it cannot be read. */
    static int umask() {
        try (var lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("Umask:")).findFirst()
                    .map(l -> Integer.parseInt(l.substring("Umask:".length()).strip(), 8))
                    .orElse(0022);
        } catch (IOException | RuntimeException e) {
            return 0022;
        }
    }

    /** The permissions of a mode's nine low bits (PosixFilePermission lists them from 0400 down to 0001). */
    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(all[i]);
            }
        }
        return permissions;
    }
}
