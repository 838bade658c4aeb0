package dev.npcnix.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code --data-dir} after the name of a command that works on this host's state. Publishing commands
 * ({@code publish}, {@code pack}, {@code keygen}) have no data dir, so neither their help nor their
 * parser offers it. The root command keeps its own {@code --data-dir} for {@code npcnix --data-dir D
 * status}, as in the Rust npcnix; both set the same value.
 */
final class DataDirOption {
    static final String NAME = "--data-dir";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    // INHERIT: `npcnix config set remote URI --data-dir D` works on the sub-subcommands too.
    @Option(names = NAME, paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The host's state directory (default: $NPCNIX_DATA_DIR, else /var/lib/npcnix).")
    void dataDir(Path dir) {
        NpcnixCommand.root(mixee).dataDir = dir;
    }
}
