package dev.npcnix;

import java.util.regex.Pattern;

/**
 * The name of a {@code nixosConfigurations.<name>} inside a flake, as used after {@code #} in a flake
 * reference. Restricted to characters that need no quoting there.
 */
public record ConfigurationName(String value) {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_'-]*");

    public ConfigurationName {
        if (value == null || !VALID.matcher(value).matches() || value.length() > 253) {
            throw new InvalidInputException("configuration " + (value == null ? "<none>" : "'" + value + "'")
                    + ": not a valid name (letters, digits, _, ' and -, as in nixosConfigurations.<name>)");
        }
    }

    public static ConfigurationName of(String value) {
        return new ConfigurationName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
