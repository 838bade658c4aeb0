package dev.npcnix.follow;

/**
 * One stage of the poll step: one typed input, one typed output (or the end of the poll). Failures are
 * thrown as {@link dev.npcnix.NpcnixException}s naming the object and the cause; the {@link Pipeline}
 * classifies and records them, so a stage never catches to record.
 */
@FunctionalInterface
interface Stage<I, O> {
    Step<O> run(I input, Poll poll);
}
