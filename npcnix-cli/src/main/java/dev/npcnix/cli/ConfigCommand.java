package dev.npcnix.cli;

import dev.npcnix.ConfigurationName;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteUri;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "config", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Show or change the host settings (config.json).",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Set.class},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix config show", "  npcnix config set remote s3://acme-config/npcnix/remotes/prod.npcnix",
            "  npcnix config set configuration web --init   # only if none is set"})
final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    /** {@code npcnix config} alone shows the settings, as in the original. */
    @Override
    public Integer call() throws Exception {
        return new Show().show(NpcnixCommand.root(spec));
    }

    @Command(name = "show", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Print config.json.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return show(NpcnixCommand.root(spec));
        }

        Integer show(NpcnixCommand root) throws java.io.IOException {
            DataDir dir = root.existingDataDir();
            dir.loadSettings(); // validates
            var file = dir.root().resolve(DataDir.CONFIG_FILE);
            if (Files.exists(file)) {
                root.ctx.out().print(Files.readString(file));
            } else {
                root.ctx.out().println("{}");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Change a setting.",
            subcommands = {Set.Remote.class, Set.Configuration.class})
    static final class Set {
        @Option(names = "--init", scope = ScopeType.INHERIT, description = "Only set it if it is not set yet.")
        boolean init;

        /** Applies {@code change} (given {@code --init}) to the stored settings of the command's data dir. */
        static int update(CommandSpec spec, java.util.function.BiFunction<Settings, Boolean, Settings> change) {
            boolean init = ((Set) spec.parent().userObject()).init;
            DataDir dir = NpcnixCommand.root(spec).openDataDir();
            dir.storeSettings(change.apply(dir.loadSettings(), init));
            return ExitCodes.OK;
        }

        @Command(name = "remote", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Set the remote this host follows.")
        static final class Remote implements Callable<Integer> {
            @Spec
            CommandSpec spec;

            @Parameters(paramLabel = "URI", converter = RemoteUriConverter.class)
            RemoteUri uri;

            @Override
            public Integer call() {
                return update(spec, (s, init) -> s.withRemote(uri, init));
            }
        }

        @Command(name = "configuration", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "Set the configuration this host applies.")
        static final class Configuration implements Callable<Integer> {
            @Spec
            CommandSpec spec;

            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            public Integer call() {
                return update(spec, (s, init) -> s.withConfiguration(ConfigurationName.of(name), init));
            }
        }
    }
}
