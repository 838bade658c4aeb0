package dev.npcnix.activate;

import java.util.Locale;

/** What {@code nixos-rebuild} does with the built configuration. */
public enum Operation {
    /** Build, make it the boot default and activate it now. */
    SWITCH,
    /** Build and make it the boot default; activate on next boot. */
    BOOT,
    /** Build and activate now, without making it the boot default. */
    TEST,
    /** Build and show what activation would change. */
    DRY_ACTIVATE;

    /** The word nixos-rebuild takes: {@code switch}, {@code dry-activate}, ... */
    public String arg() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Operation parse(String text) {
        for (Operation op : values()) {
            if (op.arg().equals(text) || op.name().equalsIgnoreCase(text)) {
                return op;
            }
        }
        throw new dev.npcnix.InvalidInputException("operation '" + text + "': expected switch, boot, test or dry-activate");
    }
}
