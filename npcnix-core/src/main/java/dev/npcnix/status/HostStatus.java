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
     * The state word, most pressing first when several hold. The fleet view and safe activation add
     * their own words here ({@code activating}, {@code rolled back}, {@code quarantined},
     * {@code reboot pending}, {@code silent}) with the inputs that decide them.
     */
    public enum State {
        /** No remote or no configuration set: nothing to follow (exit 3). */
        NOT_BOOTSTRAPPED,
        /** Paused by an operator: nothing is polled. */
        PAUSED,
        /** The last poll failed, or the remote serves a release quarantined here. */
        FAILING,
        /** The remote serves a release this host has not applied (yet). */
        BEHIND,
        /** The host runs the release the remote served at the last poll. */
        IN_SYNC;

        /** As people read it: {@code in sync}, {@code not bootstrapped}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** Whether the host cannot be followed at all (the {@code status} command exits 3). */
    public boolean notBootstrapped() {
        return state == State.NOT_BOOTSTRAPPED;
    }

    /**
     * Classifies a host.
     *
     * @param settings {@code config.json}
     * @param state {@code state.json}
     * @param lastPoll {@code poll.json}; a poll of another remote or configuration is ignored
     * @param daemon whether a follower runs ({@link Daemon.Unknown} when that cannot be known)
     * @param now the time, for pauses
     */
    public static HostStatus of(Settings settings, HostState state, Optional<LastPoll> lastPoll, Daemon daemon, Instant now) {
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
        if (pause.isPresent()) {
            word = State.PAUSED;
            advice.add(pause.get() instanceof Pause.Until until
                    ? "resumes by itself at " + until.until() + " (npcnix unpause resumes now)"
                    : "paused until npcnix unpause");
        } else if (poll.isPresent() && failed(poll.get(), servedQuarantined)) {
            word = State.FAILING;
            advice.add(adviceFor(poll.get()));
        } else if (poll.isEmpty() && servedQuarantined) {
            word = State.FAILING;
            advice.add("publish a fix, or run npcnix retry to try release " + served.get() + " again");
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

    /**
     * Whether the last poll says the host is failing now. A quarantine that {@code npcnix retry} cleared
     * since is not: the next poll tries that release again.
     */
    private static boolean failed(LastPoll poll, boolean servedQuarantined) {
        return switch (poll.outcome()) {
            case QUARANTINED -> servedQuarantined;
            case FAILED -> poll.errorClass() != ErrorClass.DETERMINISTIC || servedQuarantined;
            default -> false;
        };
    }

    private static String adviceFor(LastPoll poll) {
        if (poll.outcome() == LastPoll.Outcome.QUARANTINED || poll.errorClass() == ErrorClass.DETERMINISTIC) {
            return "publish a fix, or run npcnix retry to try release " + poll.etag() + " again";
        }
        if (poll.errorClass() == ErrorClass.LOCAL) {
            return "a problem on this host (see the last poll: disk space, permissions); the daemon retries with backoff";
        }
        if (poll.errorClass() == ErrorClass.INTERRUPTED) {
            return "the activation was interrupted (a stop, or a signal); the next start of the daemon tries it again";
        }
        return "the store or the network failed (see the last poll); the daemon retries with backoff";
    }
}
