package dev.npcnix.cli;

import dev.npcnix.activate.Activator;
import dev.npcnix.activate.Activators;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.StoreSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code npcnix}: the root command. Holds the global options (accepted before or after the
 * subcommand) and builds what the subcommands need from the {@link CliContext}.
 */
@Command(name = "npcnix", addMethodSubcommands = false,
        mixinStandardHelpOptions = true,
        versionProvider = NpcnixCommand.Version.class,
        sortOptions = false,
        description = {
            "Configure NixOS hosts by pulling: publish a packed flake to a remote (S3, a directory, HTTPS), "
                + "and let every host follow it and switch to it.",
            ""},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  ok",
            "  1  runtime failure (store, activation)",
            "  2  invalid input",
            "  3  unexpected state (not bootstrapped, another follow on the data dir, lock held with --no-wait,",
            "     a config.json or state.json that does not parse)",
            "  4  internal error",
            "",
            "Environment:",
            "  NPCNIX_DATA_DIR, NPCNIX_NIXOS_REBUILD, NPCNIX_JAVA_OPTS, NPCNIX_STORE_READ_TIMEOUT,",
            "  NPCNIX_SYSTEM_PROFILE, NPCNIX_CURRENT_SYSTEM, NPCNIX_BOOTED_SYSTEM, NPCNIX_BOOT_ID,",
            "  NPCNIX_SYSTEMCTL, NPCNIX_NIX_ENV,",
            "  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, SOURCE_DATE_EPOCH",
            "",
            "Every command, option, exit code and variable: docs/cli.md"})
public final class NpcnixCommand implements Callable<Integer> {
    /**
     * The subcommands, in the order usage lists them. Not in {@code @Command(subcommands = …)}: picocli
     * would build the model of every one by reflection on each start, a third of a short command's
     * time; {@link Cli} adds only the one on the command line (all of them for usage and errors).
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            PublishCommand.class, PackCommand.class, PullCommand.class, ActivateCommand.class,
            BootstrapCommand.class, FollowCommand.class, StatusCommand.class, HistoryCommand.class,
            CheckCommand.class, PauseCommand.class, UnpauseCommand.class, RetryCommand.class, ConfigCommand.class,
            FleetCommand.class, RolloutCommand.class, ReleasesCommand.class, RollbackCommand.class,
            KeygenCommand.class, VerifyCommand.class, CompletionCommand.class,
            CommandLine.HelpCommand.class);

    final CliContext ctx;

    @Spec
    CommandSpec spec;

    /** Set here (before the command name) or by a host command's {@link DataDirOption} (after it). */
    @Option(names = DataDirOption.NAME, paramLabel = "DIR",
            description = "The host's state directory, for host commands (default: $NPCNIX_DATA_DIR, else /var/lib/npcnix).")
    Path dataDir;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug logging, and stack traces with errors.")
    boolean verbose;

    public NpcnixCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(ctx.err());
        return ExitCodes.INVALID_INPUT;
    }

    boolean verbose() {
        return verbose;
    }

    /** {@code --data-dir}, else {@code NPCNIX_DATA_DIR}, else {@code /var/lib/npcnix}. */
    Path dataDirPath() {
        return ctx.dataDirPath(dataDir);
    }

    /** The data dir, created when missing (commands that write state). */
    DataDir openDataDir() {
        return DataDir.open(dataDirPath());
    }

    /** The data dir as it is (commands that only read). */
    DataDir existingDataDir() {
        return DataDir.existing(dataDirPath());
    }

    /**
     * Fails (exit 3) when this host was never bootstrapped, before a command that changes its state
     * writes anything: a half-written {@code config.json} would later read as a host that follows nothing.
     */
    void requireBootstrapped() {
        DataDir dir = existingDataDir();
        dir.requireBootstrapped(dir.loadSettings());
    }

    RemoteStores stores(StoreSettings settings) {
        return new RemoteStores(settings);
    }

    Activator activator(ActivationOptions options) {
        if (options.dryRun) {
            return Activators.dryRun(line -> {
                ctx.out().println(line);
                ctx.out().flush();
            }, ctx.env());
        }
        return Activators.nixosRebuild(ctx.env(), Optional.ofNullable(options.activationTimeout));
    }

    /** The poll step for this host, as {@code follow} and {@code bootstrap} run it. */
    private dev.npcnix.follow.Follower follower(DataDir dir, RemoteStores stores, ActivationOptions activation, boolean ignoreEtag,
            boolean healthChecks, Optional<String> hostId) {
        dev.npcnix.follow.FollowOptions options = dev.npcnix.follow.FollowOptions.defaults()
                .withOperation(activation.operation)
                .withActivationOptions(activation.extraSubstituters, activation.extraTrustedPublicKeys)
                .withIgnoreEtag(ignoreEtag)
                .withWaitForLock(!activation.noWait)
                .withDryRun(activation.dryRun)
                .withNotices(m -> ctx.err().println("npcnix: " + m))
                .withVerifier(dev.npcnix.sign.ManifestVerifier.forKeys(dir.loadSettings().trustedPublicKeys()))
                .withHealthChecks(healthChecks)
                // resolved when a release first carries a rollout policy (the metadata service is asked then, not at start)
                .withHostId(() -> dev.npcnix.fleet.HostIds.resolve(hostId, dir, dev.npcnix.fleet.HostIds.system(ctx.env())).value());
        return new dev.npcnix.follow.Follower(dir, stores, activator(activation), ctx.clock(), options, hostSystem(activation));
    }

    /**
     * The NixOS system of this host as the environment locates it (the seams of docs/cli.md), waiting
     * between rounds of checks as the context says (tests advance a clock), reboot windows in the
     * system's time zone.
     */
    dev.npcnix.follow.HostSystem hostSystem(ActivationOptions activation) {
        return new dev.npcnix.follow.HostSystem(
                dev.npcnix.system.NixosSystem.fromEnvironment(ctx.env(), Optional.ofNullable(activation.activationTimeout)),
                ctx.sleeper().orElse(dev.npcnix.follow.Sleeper.system()), java.time.ZoneId.systemDefault());
    }

    /** What a host command does once its settings are stored and its poll step is built. */
    @FunctionalInterface
    interface HostRun<T> {
        T run(dev.npcnix.follow.Follower follower, RemoteStores stores) throws InterruptedException;
    }

    /**
     * Stores {@code settings} when they changed, removes what an interrupted run left in {@code tmp/}
     * (under the activation lock, which every writer of {@code tmp/} holds) and loads the zstd codec from
     * there (a process killed while zstd-jni unpacks its library then leaves it in {@code tmp/}, cleaned
     * at the next start, not in {@code java.io.tmpdir}, cleaned never), then runs {@code body} with the
     * poll step for this host; the store clients are closed afterwards.
     */
    <T> T runHost(DataDir dir, Settings settings, StoreOptions store, ActivationOptions activation, boolean ignoreEtag,
            boolean healthChecks, Optional<String> hostId, HostRun<T> body) throws InterruptedException {
        if (!settings.equals(dir.loadSettings())) {
            dir.storeSettings(settings);
        }
        try (var lock = dir.lockActivation(!activation.noWait, m -> ctx.err().println("npcnix: " + m))) {
            dir.cleanTmp();
            dev.npcnix.archive.FlakeArchive.loadCodec(dir.tmp());
        }
        try (RemoteStores stores = stores(store.settings(ctx.env(), settings))) {
            return body.run(follower(dir, stores, activation, ignoreEtag, healthChecks, hostId), stores);
        }
    }

    /** The root command of any command in the tree. */
    static NpcnixCommand root(CommandSpec spec) {
        return (NpcnixCommand) spec.root().userObject();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"npcnix " + version(), "Java " + Runtime.version()};
        }

        static String version() {
            Properties p = new Properties();
            try (InputStream in = NpcnixCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                return "unknown";
            }
            return p.getProperty("version", "unknown");
        }
    }
}
