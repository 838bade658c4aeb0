package dev.npcnix.status;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.HostState;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One host's answer to "is it in sync, and is anyone following?": a {@link State} word, the release the
 * remote served at the last poll against the one applied, the quarantines that still matter, and the
 * advice that still applies (none for a problem that a later release or {@code npcnix retry} already
 * solved). Made by {@link #of}, a pure function: no files, no clock of its own.
 *
 * @param served the release the remote served at the last poll (else the release last dealt with);
 *     empty when unknown
 * @param applied the release applied for the configuration; empty when none (or a local activation)
 * @param quarantined the quarantined releases that still block this host: of its remote and
 *     configuration, the one the remote serves (when that is not known: those since the last activation)
 */
public record HostStatus(State state, Daemon daemon, Optional<LastPoll> lastPoll, Optional<Etag> served,
        Optional<Etag> applied, List<HostState.Quarantine> quarantined, List<String> advice) {

    public HostStatus {
        quarantined = List.copyOf(quarantined);
        advice = List.copyOf(advice);
    }

    /**
     * The state word, most pressing first when several hold: one enum for {@code status}, the host's
     * report and {@code fleet status}. JSON spells it {@link #json()} ({@code in_sync}), people read
     * {@link #label()} ({@code in sync}). {@link #SILENT} is a reader's word only ({@code fleet status}: a
     * report that is overdue); {@link #of} never says it.
     */
    public enum State {
        /** No remote or no configuration set: nothing to follow (exit 3). */
        NOT_BOOTSTRAPPED,
        /** An activation (or a trial with its checks, a commit, a rollback) is running or was left unfinished. */
        ACTIVATING,
        /** Paused by an operator: nothing is polled. */
        PAUSED,
        /** The last poll failed (the store, the host, an interruption), or a rollback failed. */
        FAILING,
        /** The remote serves a release that failed its health checks here and was rolled back (quarantined). */
        ROLLED_BACK,
        /** The remote serves a release that failed here before: skipped until a new one or {@code npcnix retry}. */
        QUARANTINED,
        /** A committed release waits for its reboot (the reboot window), or a rollback's reboot is due. */
        REBOOT_PENDING,
        /**
         * A staged rollout holds the remote's release back: this host's wave is not open yet, the rollout
         * is halted, or every in-flight lease is taken (docs/rollouts.md).
         */
        WAITING,
        /** The remote serves a release this host has not applied (yet). */
        BEHIND,
        /** The host runs the release the remote served at the last poll. */
        IN_SYNC,
        /** A reader's word ({@code fleet status}): the host's report is overdue. */
        SILENT;

        /** As people read it: {@code in sync}, {@code not bootstrapped}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }

        /** As JSON has it (snake_case): {@code in_sync}. */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** From {@link #json()} or {@link #label()}; null for null. */
        public static State parse(String text) {
            return text == null ? null : valueOf(text.strip().replace(' ', '_').toUpperCase(Locale.ROOT));
        }

        /** Whether the host is not converging on its release: {@code fleet status} exits 1 for it. */
        public boolean isFailure() {
            return this == FAILING || this == ROLLED_BACK || this == QUARANTINED || this == SILENT;
        }
    }

    /** Whether the host cannot be followed at all (the {@code status} command exits 3). */
    public boolean notBootstrapped() {
        return state == State.NOT_BOOTSTRAPPED;
    }

    /** Classifies a host with no activation known to run now (one may still be pending in {@code state.json}). */
    public static HostStatus of(Settings settings, HostState state, Optional<LastPoll> lastPoll, Daemon daemon, Instant now) {
        return of(settings, state, lastPoll, daemon, false, now);
    }

    /**
     * Classifies a host.
     *
     * @param settings {@code config.json}
     * @param state {@code state.json}
     * @param lastPoll {@code poll.json}; a poll of another remote or configuration is ignored
     * @param daemon whether a follower runs ({@link Daemon.Unknown} when that cannot be known)
     * @param activating an activation runs now (the follower's own phase, or {@code activate.lock}'s note)
     * @param now the time, for pauses
     */
    public static HostStatus of(Settings settings, HostState state, Optional<LastPoll> lastPoll, Daemon daemon,
            boolean activating, Instant now) {
        if (settings.remote().isEmpty() || settings.configuration().isEmpty()) {
            return new HostStatus(State.NOT_BOOTSTRAPPED, daemon, lastPoll, Optional.empty(), Optional.empty(), List.of(),
                    List.of("run npcnix bootstrap --remote URI --configuration NAME"));
        }
        RemoteUri remote = settings.remote().get();
        ConfigurationName configuration = settings.configuration().get();
        Optional<LastPoll> poll = lastPoll.filter(p -> p.isFor(remote, configuration));
        Optional<Etag> applied = settings.lastApplied(configuration) ? settings.lastEtag() : Optional.empty();
        Optional<Etag> served = poll.map(LastPoll::etag)
                .or(() -> Optional.ofNullable(state.lastSeen()).filter(s -> s.isFor(remote, configuration)).map(HostState.LastSeen::etag));
        // Only the quarantine of the release the remote serves blocks the host; older ones are history,
        // and one whose release was followed by a fix says nothing about the host any more.
        List<HostState.Quarantine> blocking = state.quarantined().stream()
                .filter(q -> q.remote().equals(remote) && q.configuration().equals(configuration))
                .filter(q -> served.isPresent() ? served.get().equals(q.etag()) : !q.at().isBefore(settings.lastReconfiguration()))
                .toList();
        boolean servedQuarantined = served.isPresent() && !blocking.isEmpty();

        List<String> advice = new ArrayList<>();
        State word;
        Optional<Pause> pause = settings.pauseAt(now);
        HostState.Pending pending = state.pending();
        if (activating || (pending != null && pending.phase() != HostState.Pending.Phase.REBOOT
                && pending.phase() != HostState.Pending.Phase.ROLLBACK_REBOOT)) {
            word = State.ACTIVATING;
        } else if (pause.isPresent()) {
            word = State.PAUSED;
            advice.add(pause.get() instanceof Pause.Until until
                    ? "resumes by itself at " + until.until() + " (npcnix unpause resumes now)"
                    : "paused until npcnix unpause");
        } else if (poll.isPresent() && poll.get().outcome() == LastPoll.Outcome.ROLLBACK_FAILED && servedQuarantined) {
            word = State.FAILING;
            advice.add("ROLLBACK FAILED: this host runs a system that failed its checks; see docs/operations.md (\"rollback failed\")");
        } else if (poll.isPresent() && failed(poll.get())) {
            word = State.FAILING;
            advice.add(adviceFor(poll.get()));
        } else if (servedQuarantined) {
            word = rolledBack(state, blocking) ? State.ROLLED_BACK : State.QUARANTINED;
            advice.add((word == State.ROLLED_BACK ? "it failed its health checks here and was rolled back: " : "")
                    + "publish a fix, or run npcnix retry to try release " + served.get() + " again");
        } else if (pending != null) {
            word = State.REBOOT_PENDING;
            advice.add(pending.phase() == HostState.Pending.Phase.ROLLBACK_REBOOT
                    ? "a reboot back into generation " + pending.previous().number() + " is due"
                    : "a reboot into release " + pending.etag() + " is due" + settings.reboot().window()
                            .map(w -> " in the reboot window " + w).orElse("") + " (or reboot now)");
        } else if (held(state, remote, configuration, served)) {
            word = State.WAITING;
            advice.add("held by a staged rollout: " + state.rollout().reason() + " (npcnix rollout status --remote "
                    + remote + ")");
        } else if (applied.isPresent() && (served.isEmpty() || served.equals(applied))) {
            word = State.IN_SYNC;
        } else {
            word = State.BEHIND;
        }
        if (daemon instanceof Daemon.NotRunning) {
            advice.add("no npcnix follow is running: start it (systemctl start npcnix, or npcnix follow)");
        }
        return new HostStatus(word, daemon, lastPoll, served, applied, blocking, advice);
    }

    /** Whether a rollout holds the release the remote serves (a held release the remote replaced since is let go). */
    private static boolean held(HostState state, RemoteUri remote, ConfigurationName configuration, Optional<Etag> served) {
        HostState.Gated g = state.rollout();
        return g != null && g.remote().equals(remote) && g.configuration().equals(configuration)
                && (served.isEmpty() || served.get().equals(g.etag()));
    }

    /**
     * Whether the last poll says the host is failing now: the store, the host or an interruption. A
     * release that failed (deterministic, unhealthy) is said by its quarantine instead, while it stands: one
     * that {@code npcnix retry} cleared since is no failure, the next poll tries it again.
     */
    private static boolean failed(LastPoll poll) {
        return poll.outcome() == LastPoll.Outcome.FAILED && poll.errorClass() != ErrorClass.DETERMINISTIC
                && poll.errorClass() != ErrorClass.UNHEALTHY;
    }

    /** Whether the blocking quarantine came from a rollback (the release's last attempt here was rolled back). */
    private static boolean rolledBack(HostState state, List<HostState.Quarantine> blocking) {
        HostState.Quarantine q = blocking.get(blocking.size() - 1);
        for (int i = state.history().size() - 1; i >= 0; i--) {
            HostState.Attempt a = state.history().get(i);
            if (q.etag().equals(a.etag()) && q.remote().equals(a.remote())) {
                return a.result() == HostState.Result.ROLLED_BACK;
            }
        }
        return false;
    }

    private static String adviceFor(LastPoll poll) {
        if (poll.errorClass() == ErrorClass.LOCAL) {
            return "a problem on this host (see the last poll: disk space, permissions); the daemon retries with backoff";
        }
        if (poll.errorClass() == ErrorClass.INTERRUPTED) {
            return "the activation was interrupted (a stop, a signal, a reboot); the next start of the daemon tries it again";
        }
        return "the store or the network failed (see the last poll); the daemon retries with backoff";
    }
}
