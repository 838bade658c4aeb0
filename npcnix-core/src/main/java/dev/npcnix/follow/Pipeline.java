package dev.npcnix.follow;

import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import dev.npcnix.local.LocalException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Runs the stages of one poll in order, each on the previous one's output, announcing each stage's
 * {@link Follower.Phase}. A stage may end the poll early ({@link Step.Stop}); a failure ends it too and
 * is handed to the failure recorder with the release known so far (from the last output that is
 * {@link ReleaseBound}), so no stage catches to record. A {@link StateException} (the host's files are
 * unusable, it is not bootstrapped) is not a poll's failure and is thrown through.
 */
final class Pipeline<T> {
    /** A stage output that knows which release the poll deals with. */
    interface ReleaseBound {
        Release release();
    }

    /** Records how the poll ended early. */
    interface Stopped {
        PollOutcome record(Step.Stop<?> stop, Poll poll);
    }

    /** Records a failure: the release when it was known, and the error. */
    interface Failed {
        PollOutcome record(Optional<Release> release, NpcnixException error, Poll poll);
    }

    private final Poll poll;
    private final Consumer<Follower.Phase> enter;
    private final Step<T> step;
    private final Optional<Release> release;
    private final NpcnixException failure;

    private Pipeline(Poll poll, Consumer<Follower.Phase> enter, Step<T> step, Optional<Release> release,
            NpcnixException failure) {
        this.poll = poll;
        this.enter = enter;
        this.step = step;
        this.release = release;
        this.failure = failure;
    }

    /** The pipeline of {@code poll}; {@code enter} hears every phase change. */
    static Pipeline<Poll> start(Poll poll, Consumer<Follower.Phase> enter) {
        return new Pipeline<>(poll, enter, Step.next(poll), Optional.empty(), null);
    }

    /** A pipeline that goes on from {@code value}, a release held from an earlier poll (a rollout's gate). */
    static <T extends ReleaseBound> Pipeline<T> resume(Poll poll, Consumer<Follower.Phase> enter, T value) {
        return new Pipeline<>(poll, enter, Step.next(value), Optional.of(value.release()), null);
    }

    /** Whether the poll ended early with an outcome {@code test} accepts. */
    boolean stoppedWith(java.util.function.Predicate<PollOutcome> test) {
        return failure == null && step instanceof Step.Stop<T> stop && test.test(stop.outcome());
    }

    /** Runs {@code stage} in {@code phase} on this output, unless the poll has ended. */
    @SuppressWarnings("unchecked")
    <U> Pipeline<U> then(Follower.Phase phase, Stage<? super T, U> stage) {
        if (failure != null || !(step instanceof Step.Next<T> next)) {
            return (Pipeline<U>) this;
        }
        enter.accept(phase);
        try {
            Step<U> out = stage.run(next.value(), poll);
            Optional<Release> known = out instanceof Step.Next<U> n && n.value() instanceof ReleaseBound b
                    ? Optional.of(b.release()) : release;
            return new Pipeline<>(poll, enter, out, known, null);
        } catch (StateException e) {
            throw e;
        } catch (NpcnixException e) {
            return new Pipeline<>(poll, enter, null, release, e);
        } catch (UncheckedIOException e) {
            return new Pipeline<>(poll, enter, null, release,
                    new LocalException(poll.workspace().dir(), "I/O error", e.getCause()));
        }
    }

    /**
     * Ends the poll: {@code last} in {@code phase} on the last output, or the recorder of an early end
     * or of the failure.
     */
    PollOutcome finish(Follower.Phase phase, BiFunction<T, Poll, PollOutcome> last, Stopped stopped, Failed failed) {
        if (failure != null) {
            return failed.record(release, failure, poll);
        }
        try {
            if (step instanceof Step.Stop<T> stop) {
                return stopped.record(stop, poll);
            }
            enter.accept(phase);
            return last.apply(((Step.Next<T>) step).value(), poll);
        } catch (StateException e) {
            throw e;
        } catch (NpcnixException e) { // recording failed (a full disk): the next poll does it again
            return failed.record(release, e, poll);
        }
    }
}
