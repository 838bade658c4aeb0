/**
 * Publishing: pack a flake deterministically and put it on a remote in one atomic store operation,
 * skipping the upload when the remote already holds the identical bytes.
 */
package dev.npcnix.publish;
