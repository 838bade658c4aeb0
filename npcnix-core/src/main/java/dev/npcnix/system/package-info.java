/**
 * The NixOS system of this host, through the seams of the design (§8): the system profile and its
 * generations, the current and booted system links, the boot id, {@code switch-to-configuration},
 * {@code nix-env} and {@code systemctl}. {@link dev.npcnix.system.NixosSystem} is the only code that
 * reads those links or runs those programs; the reboot policy and window are its nouns.
 */
package dev.npcnix.system;
