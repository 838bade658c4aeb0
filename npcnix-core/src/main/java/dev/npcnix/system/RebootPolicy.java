package dev.npcnix.system;

import dev.npcnix.InvalidInputException;
import java.util.Locale;

/** When a committed release reboots the host. */
public enum RebootPolicy {
    /** Never: a new kernel waits for someone's reboot. */
    NEVER,
    /** When the new system's kernel, initrd or kernel modules differ from the booted ones (as {@code system.autoUpgrade.allowReboot}). */
    WHEN_NEEDED,
    /** After every committed release. */
    ALWAYS;

    /** {@code never}, {@code when-needed}, {@code always}. */
    public String arg() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RebootPolicy parse(String text) {
        for (RebootPolicy p : values()) {
            if (p.arg().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidInputException("reboot '" + text + "': expected never, when-needed or always");
    }
}
