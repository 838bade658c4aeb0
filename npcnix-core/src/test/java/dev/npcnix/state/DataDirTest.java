package dev.npcnix.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.StateException;
import dev.npcnix.activate.Operation;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
    @TempDir
    Path tmp;

    @Test
    void createsPrivateDirectoriesAndFiles() throws Exception {
        Path root = tmp.resolve("var/lib/npcnix");
        DataDir dir = DataDir.open(root);
        dir.storeSettings(Settings.empty().withRemote(RemoteUri.parse("s3://b/k.npcnix")));
        dir.storeState(HostState.empty().withHighestSequence(7));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("tmp")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("config.json")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("state.json")))).isEqualTo("rw-------");
        assertThat(dir.loadState().highestSequence()).isEqualTo(7);
    }

    @Test
    void tightensAnExistingLooseDirectory() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("loose"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        DataDir.open(root);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    }

    @Test
    void writesLeaveNoTempFilesAndReplaceWholeFiles() throws Exception {
        DataDir dir = DataDir.open(tmp);
        for (int i = 1; i <= 20; i++) {
            dir.storeState(HostState.empty().withHighestSequence(i));
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tmp", "state.json");
        }
        assertThat(dir.loadState().highestSequence()).isEqualTo(20);
    }

    @Test
    void missingFilesMeanAFreshHostAndCorruptOnesAreNamed() throws Exception {
        DataDir dir = DataDir.open(tmp);
        assertThat(dir.settingsExist()).isFalse();
        assertThat(dir.loadSettings()).isEqualTo(Settings.empty());
        assertThat(dir.loadState()).isEqualTo(HostState.empty());

        Files.writeString(tmp.resolve("state.json"), "{\"history\": [");
        assertThatThrownBy(dir::loadState).isInstanceOf(StateException.class).hasMessageContaining("state.json");
    }

    private static final RemoteUri K = RemoteUri.parse("s3://b/k");
    private static final ConfigurationName WEB = ConfigurationName.of("web");

    @Test
    void historyIsBoundedAndQuarantineReplacesTheSameRelease() {
        HostState s = HostState.empty();
        for (int i = 0; i < HostState.MAX_HISTORY + 10; i++) {
            s = s.withAttempt(new HostState.Attempt(Instant.EPOCH, 1, K, new Etag("e" + i), "sha", WEB, Operation.SWITCH,
                    HostState.Result.ACTIVATED, null, null));
        }
        assertThat(s.history()).hasSize(HostState.MAX_HISTORY);
        assertThat(s.lastAttempt().orElseThrow().etag()).isEqualTo(new Etag("e" + (HostState.MAX_HISTORY + 9)));

        HostState.Quarantine q = new HostState.Quarantine(K, new Etag("e1"), "sha1", WEB, Instant.EPOCH, "boom");
        s = s.withQuarantine(q).withQuarantine(q);
        assertThat(s.quarantined()).hasSize(1);
        assertThat(s.quarantineFor(K, new Etag("e1"), null, WEB)).isPresent();
        assertThat(s.quarantineFor(K, new Etag("other-etag"), "sha1", WEB)).as("same bytes, new ETag").isPresent();
        assertThat(s.quarantineFor(K, new Etag("e1"), "sha1", ConfigurationName.of("db"))).as("another configuration").isEmpty();
        assertThat(s.withoutQuarantine().quarantined()).isEmpty();
    }

    @Test
    void cleanTmpRemovesLeftovers() throws Exception {
        DataDir dir = DataDir.open(tmp);
        Path leftover = dir.newTempDir("release-");
        Files.writeString(leftover.resolve("half"), "x");
        dir.newTempFile("download-", ".npcnix");
        assertThat(dir.cleanTmp()).isEqualTo(2);
        try (Stream<Path> files = Files.list(dir.tmp())) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void cleanTmpAlsoRemovesTheTempFilesOfWritesAKilledProcessLeft() throws Exception {
        DataDir dir = DataDir.open(tmp);
        dir.storeSettings(Settings.empty().withRemote(RemoteUri.parse("s3://b/k.npcnix")));
        dir.storeState(HostState.empty().withHighestSequence(7));
        // what a SIGKILL between creating the temp file and renaming it over state.json leaves
        Files.writeString(tmp.resolve(".state.json.8837835255295457854.tmp"), "{ \"history\" : [ ");
        Files.writeString(tmp.resolve(".config.json.1234.tmp"), "");
        Files.writeString(tmp.resolve("notes.tmp"), "not ours to remove");

        assertThat(dir.cleanTmp()).isEqualTo(2);
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("config.json", "state.json", "tmp", "notes.tmp");
        }
        assertThat(dir.loadState().highestSequence()).isEqualTo(7);
    }

    private Process lockHolder(String kind) throws java.io.IOException {
        return new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), tmp.toString(), kind)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    @Test
    void activationLockIsExclusiveAcrossProcessesAndAWaiterSpeaksOnlyOfARealActivation() throws Exception {
        DataDir dir = DataDir.open(tmp);
        Process holder = lockHolder("activation");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            java.io.Writer toHolder = new java.io.OutputStreamWriter(holder.getOutputStream(), StandardCharsets.UTF_8);
            assertThat(out.readLine()).isEqualTo("locked");

            assertThatThrownBy(() -> dir.lockActivation(false, m -> { }))
                    .isInstanceOf(StateException.class)
                    .hasMessageEndingWith(": another npcnix activation is running (--no-wait given)");

            List<String> notices = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread second = new Thread(() -> {
                try (ActivationLock lock = dir.lockActivation(true, notices::add)) {
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            second.start();
            // the waiter has looked at the holder (and sleeps until its next look): a poll, so nothing said
            dev.npcnix.testing.Await.until(java.time.Duration.ofSeconds(30), "the waiter to look",
                    () -> second.getState() == Thread.State.TIMED_WAITING);
            assertThat(notices).as("the holder only polls").isEmpty();

            toHolder.write("activate\n");
            toHolder.flush();
            assertThat(out.readLine()).isEqualTo("activating");
            dev.npcnix.testing.Await.until(java.time.Duration.ofSeconds(30), "the notice", () -> !notices.isEmpty());
            assertThat(done).isNotDone();
            assertThatThrownBy(() -> dir.lockActivation(false, m -> { })).hasMessageEndingWith(
                    ": another npcnix activation is running (PID " + holder.pid() + ") (--no-wait given)");

            toHolder.close();
            done.get(30, TimeUnit.SECONDS);
            assertThat(notices).as("said once, however long the wait").containsExactly(
                    "waiting for another npcnix activation to finish (PID " + holder.pid() + ")");
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void oneFollowerPerDataDirAndTheKernelLetsGoWhenItDies() throws Exception {
        DataDir dir = DataDir.open(tmp);
        assertThat(dir.daemon()).isEqualTo(new Daemon.NotRunning());
        Process holder = lockHolder("follower");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            assertThat(dir.daemon()).isEqualTo(new Daemon.Running(java.util.OptionalLong.of(holder.pid())));
            assertThatThrownBy(dir::lockFollower).isInstanceOf(StateException.class)
                    .hasMessage("data dir " + dir.root() + ": another npcnix follow is following it (PID " + holder.pid()
                            + "); one follower per data dir (stop that one first, e.g. systemctl stop npcnix)");
            assertThat(dir.lockActivation(false, m -> { })).as("activations are not blocked by a follower").isNotNull()
                    .satisfies(ActivationLock::close);

            holder.destroyForcibly(); // SIGKILL: no chance to clean up; its PID stays in the file
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(tmp.resolve(DataDir.FOLLOWER_LOCK_FILE))).startsWith(Long.toString(holder.pid()));
            assertThat(dir.daemon()).isEqualTo(new Daemon.NotRunning());
            try (FollowerLock mine = dir.lockFollower()) {
                assertThat(Files.readString(tmp.resolve(DataDir.FOLLOWER_LOCK_FILE)).strip())
                        .isEqualTo(Long.toString(ProcessHandle.current().pid()));
            }
        } finally {
            holder.destroyForcibly();
        }
    }
}
