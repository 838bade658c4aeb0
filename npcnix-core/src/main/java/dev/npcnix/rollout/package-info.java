/**
 * Staged rollouts with the bucket as the only coordination point (design map §11, docs/rollouts.md).
 * A release may carry a {@link dev.npcnix.rollout.RolloutPolicy} (ordered waves, soak, failure budget,
 * in-flight limit); hosts coordinate through small create-only objects under
 * {@code <remote>.rollout/<id>/} ({@link dev.npcnix.rollout.RolloutBoard}) and decide with one pure
 * function ({@link dev.npcnix.rollout.GateRule}) whether their wave is open. Guarantees: a host's wave
 * is stable for a release; a halt is seen by every gated host at its next poll; at most
 * {@code max_in_flight} hosts hold a lease at once, two hosts never both take the same one; the soak is
 * measured between the store's own times, never between host clocks.
 */
package dev.npcnix.rollout;
