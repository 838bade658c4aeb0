package dev.npcnix.state;

import java.nio.file.Path;

/** Run in a second JVM by {@link DataDirTest}: takes the activation lock, says so, holds it until stdin closes. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        DataDir dir = DataDir.open(Path.of(args[0]));
        try (ActivationLock lock = dir.lockActivation(true, m -> { })) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the lock until the parent closes our stdin
            }
        }
    }
}
