package dev.npcnix.testing.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

/**
 * A small flake tree with what packing must get right: nested and empty directories, an executable
 * script, relative symlinks (to a file, to a directory, with a target over 100 bytes), a path over
 * 100 bytes, non-ASCII names, a file larger than one I/O buffer.
 */
public final class SampleFlake {
    /** A path longer than the 100 bytes of a tar header's name field. */
    public static final String LONG_PATH = "modules/" + "a-rather-long-directory-name-".repeat(3)
            + "/" + "and-an-even-longer-file-name-".repeat(3) + ".nix";

    private SampleFlake() {
    }

    /** Creates the tree in {@code dir} (created if missing) and returns {@code dir}. */
    public static Path create(Path dir) {
        try {
            Files.createDirectories(dir);
            write(dir, "flake.nix", "{\n  outputs = { self, nixpkgs }: { nixosConfigurations = { }; };\n}\n");
            write(dir, "flake.lock", "{ \"nodes\": { }, \"root\": \"root\", \"version\": 7 }\n");
            write(dir, "hosts/web.nix", "{ networking.hostName = \"web\"; }\n");
            write(dir, "hosts/db/default.nix", "{ services.postgresql.enable = true; }\n");
            write(dir, "hosts/ünïcødé-ß.nix", "{ }\n");
            write(dir, "日本/設定.nix", "{ }\n");
            write(dir, "with space/file name.txt", "spaces\n");
            write(dir, LONG_PATH, "{ }\n");
            Path script = write(dir, "scripts/deploy.sh", "#!/bin/sh\necho deploying\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            byte[] big = new byte[700_000];
            new Random(7).nextBytes(big);
            Files.write(dir.resolve("secrets.bin"), big);
            Files.createDirectories(dir.resolve("empty"));
            Files.createDirectories(dir.resolve("hosts/empty-too"));
            Files.createSymbolicLink(dir.resolve("current.nix"), Path.of("hosts/web.nix"));
            Files.createSymbolicLink(dir.resolve("hosts/db/up.nix"), Path.of("../web.nix"));
            Files.createSymbolicLink(dir.resolve("all-hosts"), Path.of("hosts"));
            Files.createSymbolicLink(dir.resolve("long-link.nix"), Path.of(LONG_PATH));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path dir, String relative, String content) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
