package dev.npcnix.daemon;

import dev.npcnix.NpcnixException;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Release;
import dev.npcnix.local.Durations;
import dev.npcnix.local.Subprocess;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code follow --on-success/--on-failure/--on-rollback CMD}: a shell command run after a poll that
 * activated a release, failed, or rolled one back (safe activation's {@code RolledBack}, and
 * {@code RollbackFailed} with {@code NPCNIX_RESULT=rollback_failed}), with {@code NPCNIX_*} variables saying
 * what happened (docs/operations.md, "Hooks"). A hook runs as every short-lived program of the host does,
 * {@link Subprocess}: in a process group of its own ({@code setsid}), bounded by a timeout after which the
 * whole group is killed, its output to the log. Whatever a hook
 * does (fails, hangs, is not found) is logged and never changes the poll's outcome.
 *
 * <p>{@code --on-failure} runs after each failed try to apply a release, and once when polls start
 * failing without one (the store is down): not again for every poll of an outage.
 */
public final class Hooks {
    private static final Logger log = LoggerFactory.getLogger(Hooks.class);
    private static final Logger output = LoggerFactory.getLogger("hook");
    /** How long a hook may run when {@code --hook-timeout} is not given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** The commands (empty: none) and how long each may run. */
    public record Commands(Optional<String> onSuccess, Optional<String> onFailure, Optional<String> onRollback,
            Duration timeout) {
        public boolean any() {
            return onSuccess.isPresent() || onFailure.isPresent() || onRollback.isPresent();
        }
    }

    private final Commands commands;
    private final DataDir dataDir;
    private final Map<String, String> environment;
    private final String hostId;
    private boolean failingWithoutRelease;

    /**
     * @param environment the daemon's environment, which hooks inherit ({@code PATH}, ...)
     * @param hostId the host id reports use, or null when reports are off
     */
    public Hooks(Commands commands, DataDir dataDir, Map<String, String> environment, String hostId) {
        this.commands = commands;
        this.dataDir = dataDir;
        this.environment = Map.copyOf(environment);
        this.hostId = hostId;
    }

    /** After every poll (an observer of the follow loop). */
    public void afterPoll(PollOutcome outcome) {
        if (outcome instanceof PollOutcome.Activated a) {
            failingWithoutRelease = false;
            commands.onSuccess().ifPresent(cmd -> run("on-success", cmd, vars(outcome, Optional.of(a.release()), null)));
        } else if (outcome instanceof PollOutcome.Failed f) {
            if (f.release().isPresent() || !failingWithoutRelease) {
                commands.onFailure().ifPresent(cmd -> run("on-failure", cmd, vars(outcome, f.release(), f.error())));
            }
            failingWithoutRelease = f.release().isEmpty();
        } else if (outcome instanceof PollOutcome.RolledBack r) {
            failingWithoutRelease = false;
            commands.onRollback().ifPresent(cmd -> run("on-rollback", cmd, vars(outcome, Optional.of(r.release()), r.error())));
        } else if (outcome instanceof PollOutcome.RollbackFailed r) {
            // The host runs a system that failed its checks: the same hook, NPCNIX_RESULT=rollback_failed.
            failingWithoutRelease = false;
            commands.onRollback().ifPresent(cmd -> run("on-rollback", cmd, vars(outcome, Optional.of(r.release()), r.error())));
        } else {
            failingWithoutRelease = false;
        }
    }

    private Map<String, String> vars(PollOutcome outcome, Optional<Release> release, NpcnixException error) {
        Settings settings = dataDir.loadSettings();
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("NPCNIX_RESULT", outcome.kind().name().toLowerCase(Locale.ROOT));
        vars.put("NPCNIX_REMOTE", settings.remote().map(Object::toString).orElse(""));
        vars.put("NPCNIX_CONFIGURATION", settings.configuration().map(Object::toString).orElse(""));
        vars.put("NPCNIX_RELEASE", release.map(r -> r.etag().value()).orElse(""));
        vars.put("NPCNIX_SHA256", release.map(Release::sha256).filter(s -> s != null).orElse(""));
        vars.put("NPCNIX_HOST_ID", hostId == null ? "" : hostId);
        if (error != null) {
            vars.put("NPCNIX_ERROR", error.getMessage());
            vars.put("NPCNIX_ERROR_CLASS", error.errorClass().name().toLowerCase(Locale.ROOT));
        }
        return vars;
    }

    /** Runs one hook: in a process group of its own, killed whole at the timeout ({@link Subprocess}). */
    private void run(String which, String command, Map<String, String> vars) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.putAll(vars);
        Subprocess.Result r;
        try {
            r = Subprocess.run(List.of("/bin/sh", "-c", command), env, Optional.of(commands.timeout()), true,
                    line -> output.info("{}: {}", which, line));
        } catch (InterruptedIOException e) {
            log.warn("{} hook: interrupted and killed", which); // a stop: the interrupt flag is set again
            return;
        } catch (IOException e) {
            log.warn("{} hook: cannot start: {}", which, e.getMessage());
            return;
        }
        if (r.timedOut()) {
            log.warn("{} hook timed out after {} and was killed with its process group", which, Durations.format(commands.timeout()));
        } else if (r.exitCode() != 0) {
            log.warn("{} hook exited {}", which, r.exitCode());
        } else {
            log.debug("{} hook done", which);
        }
    }
}
