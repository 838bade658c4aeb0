package dev.npcnix.ec2;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a first boot finds the remote and configuration it was not given: the instance's user data
 * ({@code NPCNIX_REMOTE=…} and {@code NPCNIX_CONFIGURATION=…} lines, so a {@code #!} script that sets
 * them is valid user data too) or its tags ({@code npcnix:remote}, {@code npcnix:configuration}). One
 * image then serves every remote and role; what is unset stays empty for the caller to report.
 */
public enum Ec2Bootstrap {
    USER_DATA("user-data"),
    TAGS("tags");

    public static final String REMOTE_TAG = "npcnix:remote";
    public static final String CONFIGURATION_TAG = "npcnix:configuration";

    private static final Pattern LINE = Pattern.compile(
            "(?m)^\\s*(?:export\\s+)?(NPCNIX_REMOTE|NPCNIX_CONFIGURATION)=(?:\"([^\"]*)\"|'([^']*)'|(\\S*))\\s*$");

    private final String label;

    Ec2Bootstrap(String label) {
        this.label = label;
    }

    /** What this source found: the remote and the configuration, each when set. */
    public record Hints(Optional<String> remote, Optional<String> configuration) {
    }

    /** {@code user-data} or {@code tags}. */
    public static Ec2Bootstrap parse(String value) {
        for (Ec2Bootstrap source : values()) {
            if (source.label.equals(value.strip().toLowerCase(Locale.ROOT))) {
                return source;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not an EC2 source (user-data or tags)");
    }

    public String label() {
        return label;
    }

    public Hints read(InstanceMetadata metadata) {
        return switch (this) {
            case USER_DATA -> metadata.userData().map(Ec2Bootstrap::fromUserData)
                    .orElse(new Hints(Optional.empty(), Optional.empty()));
            case TAGS -> new Hints(nonBlank(metadata.tag(REMOTE_TAG)), nonBlank(metadata.tag(CONFIGURATION_TAG)));
        };
    }

    /** The last {@code NPCNIX_REMOTE=}/{@code NPCNIX_CONFIGURATION=} line of each, quotes removed. */
    static Hints fromUserData(String userData) {
        Optional<String> remote = Optional.empty();
        Optional<String> configuration = Optional.empty();
        Matcher m = LINE.matcher(userData);
        while (m.find()) {
            String value = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            if (m.group(1).equals("NPCNIX_REMOTE")) {
                remote = nonBlank(Optional.of(value));
            } else {
                configuration = nonBlank(Optional.of(value));
            }
        }
        return new Hints(remote, configuration);
    }

    private static Optional<String> nonBlank(Optional<String> value) {
        return value.map(String::strip).filter(s -> !s.isEmpty());
    }
}
