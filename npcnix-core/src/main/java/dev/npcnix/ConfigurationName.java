package dev.npcnix;

import java.util.Objects;
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

    // equals and hashCode written out, as the record's would be: the generated ones are bootstrapped
    // through method handles at their first call, some 15 ms of `npcnix status` (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigurationName other && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
