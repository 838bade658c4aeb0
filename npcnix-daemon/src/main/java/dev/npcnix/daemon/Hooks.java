package dev.npcnix.daemon;

import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Release;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code follow --on-success/--on-failure/--on-rollback CMD}: a shell command run after a poll that
 * activated a release, failed, or rolled one back, with {@code NPCNIX_*} variables saying what happened
 * (docs/operations.md, "Hooks"). A hook runs in a session of its own ({@code setsid}) and is bounded by
 * a timeout, after which its whole process group is killed; its output goes to the log. Whatever a hook
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
            commands.onSuccess().ifPresent(cmd -> run("on-success", cmd, vars("activated", Optional.of(a.release()), null)));
        } else if (outcome instanceof PollOutcome.Failed f) {
            if (f.release().isPresent() || !failingWithoutRelease) {
                commands.onFailure().ifPresent(cmd -> run("on-failure", cmd, vars("failed", f.release(), f)));
            }
            failingWithoutRelease = f.release().isEmpty();
        } else {
            failingWithoutRelease = false;
        }
        // Safe activation (issue 13) adds PollOutcome.RolledBack: it plugs in here, as
        // commands.onRollback() with vars("rolled_back", release, null), the one place --on-rollback runs.
    }

    /** Runs {@code --on-rollback} for a release that failed its checks and was rolled back. */
    public void rolledBack(Release release, String why) {
        Map<String, String> vars = vars("rolled_back", Optional.of(release), null);
        vars.put("NPCNIX_ERROR", why);
        commands.onRollback().ifPresent(cmd -> run("on-rollback", cmd, vars));
    }

    private Map<String, String> vars(String result, Optional<Release> release, PollOutcome.Failed failed) {
        Settings settings = dataDir.loadSettings();
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("NPCNIX_RESULT", result);
        vars.put("NPCNIX_REMOTE", settings.remote().map(Object::toString).orElse(""));
        vars.put("NPCNIX_CONFIGURATION", settings.configuration().map(Object::toString).orElse(""));
        vars.put("NPCNIX_RELEASE", release.map(r -> r.etag().value()).orElse(""));
        vars.put("NPCNIX_SHA256", release.map(Release::sha256).filter(s -> s != null).orElse(""));
        vars.put("NPCNIX_HOST_ID", hostId == null ? "" : hostId);
        if (failed != null) {
            vars.put("NPCNIX_ERROR", failed.error().getMessage());
            vars.put("NPCNIX_ERROR_CLASS", failed.error().errorClass().name().toLowerCase(java.util.Locale.ROOT));
        }
        return vars;
    }

    private void run(String which, String command, Map<String, String> vars) {
        Optional<Path> setsid = onPath("setsid");
        List<String> argv = setsid.isPresent()
                ? List.of(setsid.get().toString(), "/bin/sh", "-c", command)
                : List.of("/bin/sh", "-c", command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(environment);
        pb.environment().putAll(vars);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            log.warn("{} hook: cannot start: {}", which, e.getMessage());
            return;
        }
        Thread pump = new Thread(() -> pump(which, process), "hook-output");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!process.waitFor(commands.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process, setsid.isPresent());
                log.warn("{} hook timed out after {} s and was killed", which, commands.timeout().toSeconds());
                return;
            }
            pump.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            kill(process, setsid.isPresent());
            Thread.currentThread().interrupt();
            return;
        }
        int code = process.exitValue();
        if (code != 0) {
            log.warn("{} hook exited {}", which, code);
        } else {
            log.debug("{} hook done", which);
        }
    }

    private static void pump(String which, Process process) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.info("{}: {}", which, line);
            }
        } catch (IOException e) {
            log.debug("reading {} hook output: {}", which, e.toString());
        }
    }

    /** The hook's process group (it leads one, under setsid), then anything left of its tree. */
    private void kill(Process process, boolean ownGroup) {
        if (ownGroup) {
            Optional<Path> kill = onPath("kill");
            if (kill.isPresent()) {
                try {
                    new ProcessBuilder(kill.get().toString(), "-KILL", "--", "-" + process.pid())
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                            .waitFor(5, TimeUnit.SECONDS);
                } catch (IOException e) {
                    log.debug("kill -KILL -{}: {}", process.pid(), e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private Optional<Path> onPath(String name) {
        for (String dir : environment.getOrDefault("PATH", "/run/current-system/sw/bin:/usr/bin:/bin").split(":")) {
            Path p = dir.isEmpty() ? null : Path.of(dir, name);
            if (p != null && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
