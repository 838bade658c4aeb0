package dev.npcnix.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The coordination objects of a rollout on a real store: written once, read in one listing, leases that
 * two hosts cannot both take. Run against every writable store kind.
 */
abstract class RolloutBoardContract {
    private static final Duration TTL = Duration.ofMinutes(10);

    protected abstract RemoteStore store();

    protected abstract RemoteUri newRemote();

    private RolloutBoard board(RemoteUri remote) {
        return new RolloutBoard(store(), remote, "1767225600000");
    }

    @Test
    void markersAreWrittenOnceAndOneListingHasThemAllWithTheStoresTimes() {
        RemoteUri remote = newRemote();
        RolloutBoard board = board(remote);
        Instant now = Instant.now();

        assertThat(board.mark(RolloutBoard.Marker.JOINED, 0, "web-1", now, null)).isTrue();
        assertThat(board.mark(RolloutBoard.Marker.JOINED, 0, "web-1", now, null)).isFalse();
        board.mark(RolloutBoard.Marker.JOINED, 2, "web-2", now, null);
        board.mark(RolloutBoard.Marker.APPLIED, 0, "web-1", now, null);
        board.mark(RolloutBoard.Marker.FAILED, 2, "web-2", now, "nixos-rebuild exited 1");
        board.open(1, "web-3", now);

        RolloutBoard.Snapshot s = board.snapshot();

        assertThat(s.in(RolloutBoard.Marker.JOINED, 0)).containsOnlyKeys("web-1");
        assertThat(s.in(RolloutBoard.Marker.APPLIED, 0)).containsOnlyKeys("web-1");
        assertThat(s.in(RolloutBoard.Marker.FAILED, 2)).containsOnlyKeys("web-2");
        assertThat(s.waveJoinedBy("web-2")).contains(2);
        assertThat(s.opened()).containsOnlyKeys(1);
        assertThat(s.halted()).isEmpty();
        assertThat(s.objects()).isEqualTo(5);
        // LastModified is the store's clock: close to ours here, never taken from the body
        assertThat(s.in(RolloutBoard.Marker.JOINED, 0).get("web-1")).isBetween(now.minusSeconds(60), now.plusSeconds(60));
        assertThat(new RolloutBoard(store(), remote, "abcdef012345").snapshot().objects()).isZero();
    }

    @Test
    void theFirstHaltStaysAndResumeLiftsItAndForgivesTheFailuresBefore() {
        RolloutBoard board = board(newRemote());
        Instant now = Instant.now();

        assertThat(board.halt(new RolloutBoard.Halt("web-1", 0, "1 failed in wave 0", now))).isTrue();
        assertThat(board.halt(new RolloutBoard.Halt("web-2", 0, "2 failed in wave 0", now))).isFalse();
        assertThat(board.readHalt()).hasValueSatisfying(h -> {
            assertThat(h.by()).isEqualTo("web-1");
            assertThat(h.wave()).isZero();
            assertThat(h.reason()).isEqualTo("1 failed in wave 0");
        });
        assertThat(board.snapshot().halted()).isPresent();

        board.resume("operator:alice", now);

        assertThat(board.readHalt()).isEmpty();
        RolloutBoard.Snapshot s = board.snapshot();
        assertThat(s.halted()).isEmpty();
        assertThat(s.resumed()).isPresent();
    }

    @Test
    void leasesGoToAtMostMaxHostsAndComeBackWhenReleased() {
        RolloutBoard board = board(newRemote());
        Instant now = Instant.now();

        List<RolloutBoard.Lease> taken = new ArrayList<>();
        for (int h = 0; h < 3; h++) {
            board.takeLease(board.snapshot(), "web-" + h, now, TTL, 2, h).ifPresent(taken::add);
        }

        assertThat(taken).extracting(RolloutBoard.Lease::slot).containsExactlyInAnyOrder(0, 1);
        assertThat(board.snapshot().leases()).containsOnlyKeys(0, 1);
        board.releaseLease(taken.get(0));
        assertThat(board.snapshot().leases()).hasSize(1);
        assertThat(board.takeLease(board.snapshot(), "web-2", now, TTL, 2, 0)).isPresent();
    }

    @Test
    void anExpiredLeaseIsTakenOverAndALiveOneIsNot() {
        RolloutBoard board = board(newRemote());
        Instant now = Instant.now();
        RolloutBoard.Lease crashed = board.takeLease(board.snapshot(), "crashed", now, TTL, 1, 0).orElseThrow();

        assertThat(board.takeLease(board.snapshot(), "web-1", now.plus(TTL).minusSeconds(30), TTL, 1, 0)).isEmpty();
        RolloutBoard.Lease web1 = board.takeLease(board.snapshot(), "web-1", now.plus(TTL).plusSeconds(120), TTL, 1, 0).orElseThrow();
        assertThat(web1.generation()).isEqualTo(crashed.generation() + 1);
        board.releaseLease(crashed); // its owner comes back late: the lease is web-1's now
        assertThat(board.snapshot().leases()).containsOnlyKeys(0);
        assertThat(board.snapshot().leases().get(0).generation()).isEqualTo(web1.generation());
        board.releaseLease(web1);
        assertThat(board.snapshot().leases()).isEmpty();
    }

    @Test
    void ofHostsRacingForTheSameExpiredLeaseExactlyOneWins() throws Exception {
        RemoteUri remote = newRemote();
        RolloutBoard board = board(remote);
        Instant now = Instant.now();
        board.takeLease(board.snapshot(), "crashed", now, TTL, 1, 0);
        Instant later = now.plus(TTL).plusSeconds(120);
        int racers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < 5; round++) {
                RolloutBoard.Snapshot seen = board.snapshot(); // every racer saw the expired lease in the same listing
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<RolloutBoard.Lease>>> results = new ArrayList<>();
                for (int h = 0; h < racers; h++) {
                    String host = "round" + round + "-web-" + h;
                    Instant at = later.plus(TTL.multipliedBy(2L * round));
                    results.add(pool.submit(() -> {
                        go.await();
                        return new RolloutBoard(store(), remote, "1767225600000").takeLease(seen, host, at, TTL, 1, 0);
                    }));
                }
                go.countDown();
                int winners = 0;
                for (Future<Optional<RolloutBoard.Lease>> f : results) {
                    winners += f.get().isPresent() ? 1 : 0;
                }
                assertThat(winners).as("round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void strayObjectsInTheFolderDoNotStopTheListing() {
        RemoteUri remote = newRemote();
        store().write(remote.sibling(".rollout/1767225600000/notes/readme"), new byte[] {1}, "text/plain", RemoteStore.Condition.NONE);
        store().write(remote.sibling(".rollout/1767225600000/joined/x/web-1"), new byte[] {1}, "text/plain", RemoteStore.Condition.NONE);

        assertThat(board(remote).snapshot().objects()).isEqualTo(2);
        assertThat(board(remote).snapshot().hosts()).isEmpty();
    }
}
