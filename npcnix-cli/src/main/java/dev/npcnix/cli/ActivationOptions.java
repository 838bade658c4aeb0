package dev.npcnix.cli;

import dev.npcnix.activate.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of every command that may run nixos-rebuild. */
final class ActivationOptions {
    @Option(names = "--operation", paramLabel = "OP", defaultValue = "switch", converter = OperationConverter.class,
            description = "What nixos-rebuild does: switch, boot, test or dry-activate (default: ${DEFAULT-VALUE}).")
    Operation operation = Operation.SWITCH;

    @Option(names = "--extra-substituters", paramLabel = "URL",
            description = "Binary cache to add, passed as --option extra-substituters (repeatable).")
    List<String> extraSubstituters = new ArrayList<>();

    @Option(names = "--extra-trusted-public-keys", paramLabel = "KEY",
            description = "Key of such a cache, passed as --option extra-trusted-public-keys (repeatable).")
    List<String> extraTrustedPublicKeys = new ArrayList<>();

    @Option(names = "--activation-timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Kill nixos-rebuild (and its children) after this long, e.g. 2h; the release then counts as failed.")
    Duration activationTimeout;

    @Option(names = "--dry-run",
            description = "Do everything except the rebuild: print the nixos-rebuild command instead of running it, record nothing.")
    boolean dryRun;

    @Option(names = "--no-wait",
            description = "Fail with exit code 3 instead of waiting when another activation holds the lock.")
    boolean noWait;

    static final class OperationConverter implements picocli.CommandLine.ITypeConverter<Operation> {
        @Override
        public Operation convert(String value) {
            return Operation.parse(value);
        }
    }
}
