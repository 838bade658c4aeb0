package dev.npcnix.state;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a second JVM by {@link DataDirTest}: takes a lock of the data dir in {@code args[0]} and says
 * "locked". {@code args[1]}: {@code activation} holds the activation lock as a poll does, and starts
 * "activating" at the line {@code activate} on stdin; {@code follower} holds the follower lock. Holds
 * until stdin closes (or the process is killed).
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        DataDir dir = DataDir.open(Path.of(args[0]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[1].equals("follower")) {
            try (FollowerLock lock = dir.lockFollower()) {
                say("locked");
                while (in.readLine() != null) {
                    // hold the lock until the parent closes our stdin
                }
            }
            return;
        }
        try (ActivationLock lock = dir.lockActivation(true, m -> { })) {
            say("locked");
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("activate")) {
                    lock.activating();
                    say("activating");
                }
            }
        }
    }

    private static void say(String what) {
        System.out.println(what);
        System.out.flush();
    }
}
