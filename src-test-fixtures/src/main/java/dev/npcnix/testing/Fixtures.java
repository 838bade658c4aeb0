package dev.npcnix.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Sample flakes, the Rust npcnix's data dir files and a hook script, written into a test's temp dir. */
public final class Fixtures {
    private static final List<String> WEB_FLAKE = List.of("flake.nix", "hosts/web.nix");

    private Fixtures() {
    }

    /** Writes the sample flake (a {@code web} configuration) into {@code dir} and returns it. */
    public static Path webFlake(Path dir) {
        for (String f : WEB_FLAKE) {
            copyResource("flakes/web/" + f, dir.resolve(f));
        }
        return dir;
    }

    /**
     * Writes a {@code config.json} exactly as the Rust npcnix wrote it ({@code config-active.json},
     * {@code config-paused-indefinitely.json}, {@code config-paused-until.json}).
     */
    public static Path rustConfig(String name, Path target) {
        copyResource("rust-npcnix/" + name, target);
        return target;
    }

    /** The bytes of a Rust npcnix {@code config.json} sample. */
    public static byte[] rustConfigBytes(String name) {
        return resource("rust-npcnix/" + name);
    }

    /**
     * Installs {@code record-hook.sh} at {@code target}, executable: a hook script ({@code follow
     * --on-success/--on-failure/--on-rollback "SCRIPT FILE"}) that appends the {@code NPCNIX_*} variables it
     * was given to {@code FILE}, one {@code NAME=value} line each (sorted), then {@code ---}.
     */
    public static Path recordingHook(Path target) {
        copyResource("hooks/record-hook.sh", target);
        try {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    static void copyResource(String name, Path target) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.write(target, resource(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
