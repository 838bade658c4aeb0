package dev.npcnix.system;

import dev.npcnix.local.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's NixOS system, read and changed through the seams of the design (§8), each an
 * environment variable so tests point it at a temporary system: the profile
 * ({@code NPCNIX_SYSTEM_PROFILE}, {@code /nix/var/nix/profiles/system}), the current and booted
 * systems ({@code NPCNIX_CURRENT_SYSTEM}, {@code NPCNIX_BOOTED_SYSTEM}), the boot id
 * ({@code NPCNIX_BOOT_ID}, {@code /proc/sys/kernel/random/boot_id}), {@code systemctl}
 * ({@code NPCNIX_SYSTEMCTL}) and {@code nix-env} ({@code NPCNIX_NIX_ENV}). Only what every NixOS
 * generation has is used: its {@code bin/switch-to-configuration}, its {@code kernel}, {@code initrd}
 * and {@code kernel-modules} links.
 */
public final class NixosSystem {
    public static final String PROFILE_ENV = "NPCNIX_SYSTEM_PROFILE";
    public static final String CURRENT_ENV = "NPCNIX_CURRENT_SYSTEM";
    public static final String BOOTED_ENV = "NPCNIX_BOOTED_SYSTEM";
    public static final String BOOT_ID_ENV = "NPCNIX_BOOT_ID";
    public static final String SYSTEMCTL_ENV = "NPCNIX_SYSTEMCTL";
    public static final String NIX_ENV_ENV = "NPCNIX_NIX_ENV";

    private static final Logger log = LoggerFactory.getLogger(NixosSystem.class);
    private static final Logger output = LoggerFactory.getLogger("switch-to-configuration");
    private static final Pattern GENERATION = Pattern.compile(".*-(\\d+)-link");
    private static final List<String> BOOT_FILES = List.of("kernel", "initrd", "kernel-modules");

    private final Path profile;
    private final Path current;
    private final Path booted;
    private final Path bootId;
    private final String systemctl;
    private final String nixEnv;
    private final Map<String, String> environment;
    private final Optional<Duration> timeout;

    private NixosSystem(Map<String, String> env, Optional<Duration> timeout) {
        this.environment = Map.copyOf(env);
        this.profile = path(env, PROFILE_ENV, "/nix/var/nix/profiles/system");
        this.current = path(env, CURRENT_ENV, "/run/current-system");
        this.booted = path(env, BOOTED_ENV, "/run/booted-system");
        this.bootId = path(env, BOOT_ID_ENV, "/proc/sys/kernel/random/boot_id");
        this.systemctl = executable(env, SYSTEMCTL_ENV, "systemctl");
        this.nixEnv = executable(env, NIX_ENV_ENV, "nix-env");
        this.timeout = timeout;
    }

    /**
     * The system as {@code environment} locates it; programs run with that environment.
     *
     * @param timeout bounds each {@code switch-to-configuration} run (the activation timeout)
     */
    public static NixosSystem fromEnvironment(Map<String, String> environment, Optional<Duration> timeout) {
        return new NixosSystem(environment, timeout);
    }

    /** The {@code systemctl} executable (the {@code systemd} check runs it too). */
    public String systemctl() {
        return systemctl;
    }

    /** The environment programs run with. */
    public Map<String, String> environment() {
        return environment;
    }

    public Path profilePath() {
        return profile;
    }

    /** The generation the system profile points at: what boots by default, and what a rollback re-activates. */
    public Optional<Generation> profileGeneration() {
        try {
            Path link = Files.readSymbolicLink(profile);
            Matcher m = GENERATION.matcher(link.getFileName().toString());
            if (!m.matches()) {
                throw new SystemException("system profile " + profile + ": points at " + link + ", not a generation link", null);
            }
            return Optional.of(new Generation(Integer.parseInt(m.group(1)), profile.toRealPath()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SystemException("system profile " + profile + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** The toplevel running now ({@code /run/current-system}, resolved). */
    public Optional<Path> currentSystem() {
        return resolved(current);
    }

    /** The toplevel this boot started with ({@code /run/booted-system}, resolved). */
    public Optional<Path> bootedSystem() {
        return resolved(booted);
    }

    /** This boot's id: it changes at every boot, so a record made before a reboot is known as such. */
    public String bootId() {
        try {
            return Files.readString(bootId).strip();
        } catch (IOException e) {
            throw new SystemException("boot id " + bootId + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code <toplevel>/bin/switch-to-configuration <action>} ({@code test}: activate now;
     * {@code boot}: make it the boot default; {@code switch}: both), its output to the log.
     *
     * @throws SystemException when it cannot start, fails or times out
     */
    public void switchToConfiguration(Path toplevel, String action) {
        Path exe = toplevel.resolve("bin/switch-to-configuration");
        log.info("running {} {}", exe, action);
        run(List.of(exe.toString(), action), timeout, "switch-to-configuration " + action + " of " + toplevel);
    }

    /** Points the system profile at {@code toplevel} as a new generation ({@code nix-env -p PROFILE --set}). */
    public void setProfile(Path toplevel) {
        log.info("setting {} to {}", profile, toplevel);
        run(List.of(nixEnv, "-p", profile.toString(), "--set", toplevel.toString()), Optional.of(Duration.ofMinutes(5)),
                "nix-env --set " + toplevel);
    }

    /** Points the system profile back at generation {@code number} ({@code nix-env --switch-generation}). */
    public void switchGeneration(int number) {
        log.info("switching {} to generation {}", profile, number);
        run(List.of(nixEnv, "-p", profile.toString(), "--switch-generation", Integer.toString(number)),
                Optional.of(Duration.ofMinutes(5)), "nix-env --switch-generation " + number);
    }

    /**
     * Whether running {@code next} needs a reboot: its kernel, initrd or kernel modules differ from
     * those of {@code booted}, as {@code system.autoUpgrade.allowReboot} decides.
     */
    public List<String> bootDifferences(Path booted, Path next) {
        List<String> differ = new ArrayList<>();
        for (String f : BOOT_FILES) {
            if (!Objects.equals(resolved(booted.resolve(f)), resolved(next.resolve(f)))) {
                differ.add(f);
            }
        }
        return differ;
    }

    /** Asks systemd to reboot the host ({@code systemctl reboot}); returns once the job is queued. */
    public void reboot() {
        log.warn("rebooting the host");
        run(List.of(systemctl, "reboot"), Optional.of(Duration.ofMinutes(2)), "systemctl reboot");
    }

    private void run(List<String> command, Optional<Duration> limit, String what) {
        Subprocess.Result r;
        try {
            r = Subprocess.run(command, environment, limit, false, line -> output.info("{}", line));
        } catch (IOException e) {
            throw new SystemException(what + ": cannot run: " + e.getMessage(), e);
        }
        if (r.timedOut()) {
            throw new SystemException(what + ": timed out after " + limit.map(Duration::toString).orElse("?") + r.tail(), null);
        }
        if (r.exitCode() != 0) {
            throw new SystemException(what + ": exited " + r.exitCode() + r.tail(), null);
        }
    }

    private static Optional<Path> resolved(Path link) {
        try {
            return Optional.of(link.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path path(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return Path.of(v == null || v.isBlank() ? fallback : v);
    }

    private static String executable(Map<String, String> env, String name, String program) {
        String v = env.get(name);
        if (v != null && !v.isBlank()) {
            return v;
        }
        return Subprocess.onPath(program, env).map(Path::toString).orElse(program);
    }
}
