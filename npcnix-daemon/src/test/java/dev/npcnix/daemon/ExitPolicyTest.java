package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.archive.ArchiveException;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Release;
import dev.npcnix.state.Pause;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExitPolicyTest {
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://b/k.npcnix");
    private static final PollOutcome ACTIVATED = new PollOutcome.Activated(new Release(REMOTE, new Etag("e"), "00", 1),
            ConfigurationName.of("web"), Duration.ZERO);
    private static final PollOutcome UNCHANGED = new PollOutcome.Unchanged(new Etag("e"));
    private static final PollOutcome PAUSED = new PollOutcome.Paused(new Pause.Indefinitely());
    private static final PollOutcome TRANSIENT = new PollOutcome.Failed(Optional.empty(),
            new StoreException(REMOTE, StoreException.Reason.UNREACHABLE, "down", null));
    private static final PollOutcome DETERMINISTIC = new PollOutcome.Failed(Optional.empty(), new ArchiveException("bad"));
    private static final PollOutcome QUARANTINED = new PollOutcome.Quarantined(new Etag("e"), "bad");

    @Test
    void onceActivateStopsOnlyAfterAnActivation() {
        assertThat(ExitPolicy.ACTIVATE.exitCodeAfter(ACTIVATED)).contains(0);
        for (PollOutcome o : new PollOutcome[] {UNCHANGED, PAUSED, TRANSIENT, DETERMINISTIC, QUARANTINED}) {
            assertThat(ExitPolicy.ACTIVATE.exitCodeAfter(o)).as(o.toString()).isEmpty();
            assertThat(ExitPolicy.NEVER.exitCodeAfter(o)).as(o.toString()).isEmpty();
        }
    }

    @Test
    void onceIsOnePollThatFailsOnAnyFailure() {
        assertThat(ExitPolicy.ANY.exitCodeAfter(ACTIVATED)).contains(0);
        assertThat(ExitPolicy.ANY.exitCodeAfter(UNCHANGED)).contains(0);
        assertThat(ExitPolicy.ANY.exitCodeAfter(PAUSED)).contains(0);
        assertThat(ExitPolicy.ANY.exitCodeAfter(DETERMINISTIC)).contains(1);
        assertThat(ExitPolicy.ANY.exitCodeAfter(QUARANTINED)).contains(1);
        assertThat(ExitPolicy.ANY.exitCodeAfter(TRANSIENT)).as("a store outage is the answer too, not a reason to wait").contains(1);
    }

    @Test
    void aRollbackIsAFailureOfAOneShotRunAndAFailedRollbackIsExitThreeButTheDaemonGoesOn() {
        Release release = new Release(REMOTE, new Etag("e"), "00", 1);
        PollOutcome rolledBack = new PollOutcome.RolledBack(release, ConfigurationName.of("web"), java.util.List.of("remote"),
                new ArchiveException("checks failed"));
        PollOutcome rollbackFailed = new PollOutcome.RollbackFailed(release, ConfigurationName.of("web"),
                java.util.List.of("remote"), new ArchiveException("rollback failed"));
        PollOutcome rebooting = new PollOutcome.Rebooting(release, false);

        assertThat(ExitPolicy.ANY.exitCodeAfter(rolledBack)).contains(1);
        assertThat(ExitPolicy.ANY.exitCodeAfter(rollbackFailed)).contains(ExitPolicy.ROLLBACK_FAILED).contains(3);
        assertThat(ExitPolicy.ANY.exitCodeAfter(rebooting)).contains(0);
        assertThat(ExitPolicy.ACTIVATE.exitCodeAfter(rebooting)).contains(0);
        for (PollOutcome o : new PollOutcome[] {rolledBack, rollbackFailed}) {
            assertThat(ExitPolicy.ACTIVATE.exitCodeAfter(o)).as(o.toString()).isEmpty();
            assertThat(ExitPolicy.NEVER.exitCodeAfter(o)).as(o.toString()).isEmpty();
            assertThat(o.isSuccess()).isFalse();
        }
    }

    @Test
    void parsesTheOnceOption() {
        assertThat(ExitPolicy.parse(null)).isEqualTo(ExitPolicy.NEVER);
        assertThat(ExitPolicy.parse("")).isEqualTo(ExitPolicy.ANY);
        assertThat(ExitPolicy.parse("any")).isEqualTo(ExitPolicy.ANY);
        assertThat(ExitPolicy.parse("activate")).isEqualTo(ExitPolicy.ACTIVATE);
        assertThatThrownBy(() -> ExitPolicy.parse("twice")).hasMessageContaining("expected any or activate");
    }
}
