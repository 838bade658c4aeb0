/**
 * Activation: the {@link dev.npcnix.activate.Activator} seam at the {@code nixos-rebuild} process
 * boundary. The real one passes the flake as {@code path:DIR#NAME}, streams output to the log, keeps
 * the last lines for the error, and kills the whole process tree on timeout.
 */
package dev.npcnix.activate;
