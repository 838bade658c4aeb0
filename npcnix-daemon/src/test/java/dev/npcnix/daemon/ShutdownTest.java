package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.follow.Follower;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ShutdownTest {
    private final AtomicReference<Follower.Phase> phase = new AtomicReference<>(Follower.Phase.IDLE);
    private final List<Integer> exits = new ArrayList<>();
    private final Shutdown shutdown = new Shutdown(phase::get, exits::add);

    @Test
    void aSignalWhileSleepingWakesTheSleeperAndRequestsAStop() throws Exception {
        CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> {
            try {
                shutdown.sleeper().sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        shutdown.signal("TERM");
        sleeping.get(30, TimeUnit.SECONDS);
        assertThat(shutdown.isRequested()).isTrue();
        assertThat(exits).isEmpty();
    }

    @Test
    void aSignalDuringAnActivationWaitsForItAndASecondOneExitsNow() {
        phase.set(Follower.Phase.ACTIVATING);
        shutdown.signal("TERM");
        assertThat(shutdown.isRequested()).isTrue();
        assertThat(exits).as("the running nixos-rebuild is left to finish").isEmpty();

        shutdown.signal("TERM");
        assertThat(exits).containsExactly(143);
    }

    @Test
    void aSignalWhileDownloadingExitsAtOnce() {
        phase.set(Follower.Phase.FETCHING);
        shutdown.signal("INT");
        assertThat(exits).containsExactly(0);
    }

    @Test
    void aSignalWhileARolloutGatesTheReleaseExitsAtOnce() {
        phase.set(Follower.Phase.GATING);
        shutdown.signal("TERM");
        assertThat(exits).containsExactly(0);
        assertThat(shutdown.isRequested()).isTrue();
    }

    @Test
    void aSignalDuringATrialsChecksExitsAtOnceForTheNextStartToFinishThem() {
        phase.set(Follower.Phase.CHECKING);
        shutdown.signal("TERM");
        assertThat(exits).containsExactly(0);
        assertThat(shutdown.isRequested()).isTrue();
    }

    @Test
    void aStopAskedDuringAnActivationExitsWhenTheTrialsChecksBegin() {
        phase.set(Follower.Phase.ACTIVATING);
        shutdown.signal("TERM");
        assertThat(exits).isEmpty();
        shutdown.entered(Follower.Phase.RECORDING);
        assertThat(exits).isEmpty();
        shutdown.entered(Follower.Phase.CHECKING);
        assertThat(exits).containsExactly(0);
    }
}
