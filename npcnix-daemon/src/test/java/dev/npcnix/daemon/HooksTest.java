package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.follow.PollOutcome;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.store.StoreException;
import dev.npcnix.testing.Await;
import dev.npcnix.testing.host.HostFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Hooks as real shell commands: what they are told, that they are bounded, that they change nothing. */
class HooksTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private Path out() {
        return host.tmp().resolve("hook.out");
    }

    private Hooks hooks(String onSuccess, String onFailure, Duration timeout) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        return new Hooks(new Hooks.Commands(Optional.ofNullable(onSuccess), Optional.ofNullable(onFailure), Optional.empty(),
                timeout), host.dataDir(), env, "web-1");
    }

    private String env(String names) {
        return "env | grep -E '^NPCNIX_(" + names + ")=' | sort >> " + out();
    }

    @Test
    void onSuccessIsToldWhatWasActivated() throws Exception {
        PublishResult published = host.publish();
        Hooks hooks = hooks(env("RESULT|REMOTE|CONFIGURATION|RELEASE|SHA256|HOST_ID"), "echo failure >> " + out(),
                Duration.ofSeconds(30));

        PollOutcome outcome = host.follower().pollOnce();
        hooks.afterPoll(outcome);

        assertThat(Files.readAllLines(out())).containsExactly(
                "NPCNIX_CONFIGURATION=web",
                "NPCNIX_HOST_ID=web-1",
                "NPCNIX_RELEASE=" + published.etag(),
                "NPCNIX_REMOTE=" + host.remote(),
                "NPCNIX_RESULT=activated",
                "NPCNIX_SHA256=" + published.sha256());
    }

    @Test
    void onFailureRunsForEachFailedReleaseButOncePerOutage() throws Exception {
        PublishResult published = host.publish();
        host.rebuild().exitWith(1);
        Hooks hooks = hooks(null, env("RESULT|RELEASE|ERROR_CLASS"), Duration.ofSeconds(30));

        hooks.afterPoll(host.follower().pollOnce());
        StoreException down = new StoreException(host.remote(), StoreException.Reason.UNREACHABLE, "cannot reach it", null);
        for (int i = 0; i < 3; i++) {
            hooks.afterPoll(new PollOutcome.Failed(Optional.empty(), down));
        }

        assertThat(Files.readAllLines(out())).containsExactly(
                "NPCNIX_ERROR_CLASS=deterministic", "NPCNIX_RELEASE=" + published.etag(), "NPCNIX_RESULT=failed",
                "NPCNIX_ERROR_CLASS=transient", "NPCNIX_RELEASE=", "NPCNIX_RESULT=failed");
    }

    @Test
    void aHookThatHangsIsKilledWithItsChildrenAndAFailingOneChangesNothing() throws Exception {
        host.publish();
        Path pids = host.tmp().resolve("pids");
        // The hook starts a child in the background and both would outlive the daemon's patience.
        String hang = "sleep 300 & echo $! > " + pids + "; echo $$ >> " + pids + "; wait";
        Hooks hooks = hooks(hang, null, Duration.ofSeconds(2));

        PollOutcome outcome = host.follower().pollOnce();
        long started = System.nanoTime();
        hooks.afterPoll(outcome);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        List<Long> started2 = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
        assertThat(started2).hasSize(2);
        for (long pid : started2) {
            Await.until(Duration.ofSeconds(10), "process " + pid + " of the hook is gone",
                    () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        }

        Hooks failing = hooks("exit 3", null, Duration.ofSeconds(5));
        failing.afterPoll(outcome); // logged, nothing thrown
        Hooks missing = hooks("/nonexistent/notify", null, Duration.ofSeconds(5));
        missing.afterPoll(outcome);
    }

    @Test
    void aPollThatChangedNothingRunsNoHook() throws Exception {
        host.publish();
        Hooks hooks = hooks("echo success >> " + out(), "echo failure >> " + out(), Duration.ofSeconds(5));
        host.follower().pollOnce();

        hooks.afterPoll(host.follower().pollOnce());

        assertThat(out()).doesNotExist();
    }
}
