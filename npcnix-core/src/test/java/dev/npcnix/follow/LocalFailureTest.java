package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.ErrorClass;
import dev.npcnix.local.LocalException;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.testing.host.HostFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The data dir on a real, small file system (a 1 MiB tmpfs) that fills up while a 2 MiB release
 * downloads: the failure is the host's (error class local), names the file and the OS's reason, does
 * not blame the store, quarantines nothing, backs off, and the same release applies once there is room.
 * Mounting needs root, which CI has: there the test fails rather than skip when it cannot mount.
 */
class LocalFailureTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mountPoint = Files.createDirectories(host.tmp().resolve("small"));
        String failure = run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "npcnix-test", mountPoint.toString());
        mounted = failure == null;
        if (!mounted && System.getenv("CI") != null) {
            throw new AssertionError("CI must run this test: cannot mount a 1 MiB tmpfs (needs root): " + failure);
        }
        assumeTrue(mounted, "cannot mount a tmpfs (needs root): " + failure);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mountPoint.toString());
        }
    }

    @Test
    void aDiskThatFillsUpDuringADownloadIsTheHostsProblem() throws Exception {
        byte[] noise = new byte[2 << 20]; // incompressible: the release stays about 2 MiB
        new SplittableRandom(1).nextBytes(noise);
        Files.write(host.flake().resolve("blob.bin"), noise);
        host.publish();
        DataDir small = DataDir.open(mountPoint.resolve("data"));
        small.storeSettings(host.dataDir().loadSettings());

        PollOutcome outcome = host.follower(small, FollowOptions.defaults()).pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
            assertThat(f.error()).isInstanceOf(LocalException.class);
            assertThat(f.error().errorClass()).isEqualTo(ErrorClass.LOCAL);
            assertThat(f.isTransient()).as("retried with backoff").isTrue();
            assertThat(f.error().getMessage()).startsWith(small.tmp().toString()).contains("No space left on device")
                    .doesNotContain("remote").doesNotContain(host.remote().toString());
        });
        HostState state = small.loadState();
        assertThat(state.quarantined()).as("not the release's fault").isEmpty();
        assertThat(state.lastAttempt()).hasValueSatisfying(a -> assertThat(a.errorClass()).isEqualTo(ErrorClass.LOCAL));
        assertThat(Files.list(small.tmp()).toList()).as("tmp/ given back").isEmpty();
        assertThat(host.rebuild().invocations()).isEmpty();

        assertThat(run("mount", "-o", "remount,size=64m", mountPoint.toString())).isNull();
        assertThat(host.follower(small, FollowOptions.defaults()).pollOnce()).as("room again: the same release applies")
                .isInstanceOf(PollOutcome.Activated.class);
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String output = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", List.of(command)) + ": timed out";
        }
        return p.exitValue() == 0 ? null : String.join(" ", List.of(command)) + ": " + output;
    }
}
