package dev.npcnix.cli;

import dev.npcnix.ConfigurationName;
import dev.npcnix.InvalidInputException;
import dev.npcnix.activate.ActivationRequest;
import dev.npcnix.state.ActivationLock;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "activate", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Activate a configuration from a flake in a local directory (nixos-rebuild switch).",
            "On a bootstrapped host this takes the activation lock and records the activation, so the daemon "
                + "re-applies its remote on its next poll (pause it first to keep a local change)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix activate --src ./infra --configuration web",
            "  npcnix activate --src . --dry-run"})
final class ActivateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--src", paramLabel = "DIR", defaultValue = ".", description = "The flake directory (default: the current one).")
    Path src;

    @Option(names = "--configuration", paramLabel = "NAME",
            description = "The nixosConfigurations entry (default: the host's configured one).")
    String configuration;

    @Mixin
    ActivationOptions activation;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        Path flake = src.toAbsolutePath().normalize();
        if (!Files.exists(flake)) {
            throw new InvalidInputException("flake source " + flake + ": does not exist");
        }
        if (!Files.isRegularFile(flake.resolve("flake.nix"))) {
            throw new InvalidInputException("flake source " + flake + ": no flake.nix");
        }
        DataDir existing = root.existingDataDir();
        boolean bootstrapped = existing.settingsExist();
        Settings settings = bootstrapped ? existing.loadSettings() : Settings.empty();
        ConfigurationName name = configuration != null ? ConfigurationName.of(configuration)
                : settings.configuration().orElseThrow(() -> new InvalidInputException(
                        "--configuration: required (this host has no configuration set)"));
        ActivationRequest request = new ActivationRequest(flake, name, activation.operation,
                ActivationRequest.union(settings.extraSubstituters(), activation.extraSubstituters),
                ActivationRequest.union(settings.extraTrustedPublicKeys(), activation.extraTrustedPublicKeys));
        if (!bootstrapped) {
            root.activator(activation).activate(request);
            return ExitCodes.OK;
        }
        DataDir dataDir = root.openDataDir();
        try (ActivationLock lock = dataDir.lockActivation(!activation.noWait, m -> root.ctx.err().println("npcnix: " + m))) {
            lock.activating();
            root.activator(activation).activate(request);
            if (!activation.dryRun) {
                dataDir.storeSettings(dataDir.loadSettings().withLastReconfiguration(root.ctx.clock().instant(), null, name));
            }
        }
        return ExitCodes.OK;
    }
}
