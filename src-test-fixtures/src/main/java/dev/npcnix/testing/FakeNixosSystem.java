package dev.npcnix.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A temporary NixOS "system" for safe-activation tests, driven through npcnix's seams (docs/cli.md):
 * a profile directory with {@code system-N-link} generations, {@code run/current-system},
 * {@code run/booted-system}, the boot loader's default entry ({@code boot/default}), a boot id, and
 * real executables standing in for {@code nixos-rebuild}, {@code nix-env} and {@code systemctl} that
 * create generations and switch as the real ones do; every toplevel's {@code bin/switch-to-configuration}
 * records what it was asked ({@link #events()}). A release says how it behaves through files in its
 * flake's {@code fake-system/} directory ({@link Behaviour}); {@link #reboot()} does what a reboot does
 * to the links. Point npcnix at it with {@link #env()}.
 */
public final class FakeNixosSystem implements AutoCloseable {
    private static final Pattern GENERATION = Pattern.compile("system-(\\d+)-link");

    private final Path root;
    private HttpServer http;

    private FakeNixosSystem(Path root) {
        this.root = root;
    }

    /** What a release does on this system, as files in its flake's {@code fake-system/}. */
    public enum Behaviour {
        /** The flake does not evaluate: nothing is built or switched. */
        EVAL_FAILS("eval-fails", ""),
        /** Its activation exits 4 after switching the current system (half-switched). */
        ACTIVATION_FAILS("activation-fails", "4"),
        /** A unit fails once it runs. */
        UNIT_FAILS("failed-units", "app.service\n"),
        /** Its HTTP health URL ({@link #healthUrl()}) answers 503. */
        HTTP_FAILS("http-status", "503"),
        /** Its health command ({@link #healthCommand()}) exits 1. */
        COMMAND_FAILS("command-fails", ""),
        /** The store is unreachable while it runs ({@link #storeCut()}). */
        CUTS_STORE("cuts-store", ""),
        /** Its kernel is a new one ({@code k2}): a reboot is needed. */
        NEW_KERNEL("kernel", "k2"),
        /** Its HTTP health URL answers 503 only once the host booted into it (a new kernel that breaks the service). */
        FAILS_AFTER_BOOT("fails-after-boot", "");

        private final String file;
        private final String content;

        Behaviour(String file, String content) {
            this.file = file;
            this.content = content;
        }
    }

    /**
     * Makes the system under {@code root} (created), with generation 1 built from a configuration named
     * {@code initial}, running, booted and the boot default.
     */
    public static FakeNixosSystem install(Path root) {
        try {
            FakeNixosSystem s = new FakeNixosSystem(root.toAbsolutePath());
            for (String d : List.of("bin", "lib", "store", "profiles", "run", "boot")) {
                Files.createDirectories(s.root.resolve(d));
            }
            s.script("nixos-rebuild.sh", "bin/nixos-rebuild");
            s.script("nix-env.sh", "bin/nix-env");
            s.script("systemctl.sh", "bin/systemctl");
            s.script("switch-to-configuration.sh", "lib/switch-to-configuration");
            Files.writeString(s.root.resolve("boot_id"), bootId(1) + "\n");
            Files.createFile(s.root.resolve("events"));
            Path initial = Files.createDirectories(s.root.resolve("initial"));
            Files.writeString(initial.resolve("flake.nix"), "{ outputs = { self }: { }; }\n");
            s.run("nixos-rebuild", "switch", "--flake", "path:" + initial + "#initial");
            s.link(s.root.resolve("run/booted-system"), s.current());
            Files.writeString(s.root.resolve("events"), "");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the behaviours into {@code flake}'s {@code fake-system/} (replacing what was there). */
    public static void behave(Path flake, Behaviour... behaviours) {
        try {
            Path dir = flake.resolve("fake-system");
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(dir);
            for (Behaviour b : behaviours) {
                Files.writeString(dir.resolve(b.file), b.content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** What npcnix needs to use this system: the seams' variables, and a PATH. */
    public Map<String, String> env() {
        return Map.of(
                "NPCNIX_NIXOS_REBUILD", root.resolve("bin/nixos-rebuild").toString(),
                "NPCNIX_SYSTEM_PROFILE", profile().toString(),
                "NPCNIX_CURRENT_SYSTEM", root.resolve("run/current-system").toString(),
                "NPCNIX_BOOTED_SYSTEM", root.resolve("run/booted-system").toString(),
                "NPCNIX_BOOT_ID", root.resolve("boot_id").toString(),
                "NPCNIX_SYSTEMCTL", root.resolve("bin/systemctl").toString(),
                "NPCNIX_NIX_ENV", root.resolve("bin/nix-env").toString(),
                "FAKE_SYSTEM", root.toString(),
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }

    public Path profile() {
        return root.resolve("profiles/system");
    }

    /** The running system's toplevel. */
    public Path current() {
        return resolve(root.resolve("run/current-system"));
    }

    /** The toplevel this boot started with. */
    public Path booted() {
        return resolve(root.resolve("run/booted-system"));
    }

    /** The boot loader's default entry. */
    public Path bootDefault() {
        return resolve(root.resolve("boot/default"));
    }

    /** The profile's generation number. */
    public int profileGeneration() {
        try {
            Matcher m = GENERATION.matcher(Files.readSymbolicLink(profile()).toString());
            if (!m.matches()) {
                throw new IllegalStateException("profile points at " + Files.readSymbolicLink(profile()));
            }
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The toplevel the profile points at. */
    public Path profileToplevel() {
        return resolve(profile());
    }

    /** The toplevel of generation {@code n}. */
    public Path generation(int n) {
        return resolve(root.resolve("profiles/system-" + n + "-link"));
    }

    /** Whether {@code toplevel} was built with {@code behaviour}. */
    public boolean has(Path toplevel, Behaviour behaviour) {
        return Files.exists(toplevel.resolve(behaviour.file));
    }

    public String bootId() {
        try {
            return Files.readString(root.resolve("boot_id")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Boot ids as the kernel writes them, numbered so outputs are the same every run. */
    private static String bootId(int boot) {
        return String.format("00000000-0000-4000-8000-%012d", boot);
    }

    /** Every switch-to-configuration, nix-env, nixos-rebuild and reboot since install, in order. */
    public List<String> events() {
        try {
            return Files.readAllLines(root.resolve("events"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code systemctl reboot} was asked for since the last {@link #reboot()}. */
    public boolean rebootRequested() {
        return Files.exists(root.resolve("reboot-requested"));
    }

    /** While the running release cuts the store off (a store stand-in answers 503 then). */
    public boolean storeCut() {
        return Files.exists(root.resolve("run/store-cut"));
    }

    /** The build takes {@code seconds} (for kills during a trial); 0 for none. */
    public void slowBuild(double seconds) {
        slow("slow", seconds);
    }

    /** Each activation takes {@code seconds} after switching the current system; 0 for none. */
    public void slowActivation(double seconds) {
        slow("slow-activation", seconds);
    }

    /**
     * A reboot: a new boot id, and the boot loader's default entry becomes the booted and the current
     * system, its units as it declares them.
     */
    public void reboot() {
        try {
            Path next = bootDefault();
            int boot = Integer.parseInt(bootId().substring(bootId().lastIndexOf('-') + 1)) + 1;
            Files.writeString(root.resolve("boot_id"), bootId(boot) + "\n");
            link(root.resolve("run/booted-system"), next);
            link(root.resolve("run/current-system"), next);
            copyOrDelete(next.resolve("failed-units"), root.resolve("run/failed-units"));
            if (Files.exists(next.resolve("cuts-store"))) {
                Files.writeString(root.resolve("run/store-cut"), "");
            } else {
                Files.deleteIfExists(root.resolve("run/store-cut"));
            }
            Files.deleteIfExists(root.resolve("reboot-requested"));
            Files.writeString(root.resolve("events"), "rebooted into " + next + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An HTTP health URL on 127.0.0.1 answering what the running release declares ({@code http-status},
     * default 200): a release's service, as seen by an {@code http} check.
     */
    public synchronized URI healthUrl() {
        if (http == null) {
            try {
                http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                http.createContext("/health", ex -> {
                    try (ex) {
                        Path running = current();
                        Path status = running.resolve("http-status");
                        int code = Files.exists(status) ? Integer.parseInt(Files.readString(status).strip()) : 200;
                        if (Files.exists(running.resolve("fails-after-boot")) && running.equals(booted())) {
                            code = 503;
                        }
                        byte[] body = ("status " + code + "\n").getBytes(StandardCharsets.UTF_8);
                        ex.sendResponseHeaders(code, body.length);
                        try (OutputStream out = ex.getResponseBody()) {
                            out.write(body);
                        }
                    }
                });
                http.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/health");
    }

    /** A health command that fails while the running release declares {@code command-fails}. */
    public String healthCommand() {
        return "test ! -e " + root.resolve("run/current-system/command-fails");
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.stop(0);
            http = null;
        }
    }

    private void slow(String file, double seconds) {
        try {
            Path f = root.resolve(file);
            if (seconds <= 0) {
                Files.deleteIfExists(f);
            } else {
                Files.writeString(f, String.format(java.util.Locale.ROOT, "%.3f", seconds));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(String exe, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("bin/" + exe).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env());
        try {
            int code = pb.start().waitFor();
            if (code != 0) {
                throw new IOException(exe + " exited " + code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void script(String resource, String target) throws IOException {
        Path exe = root.resolve(target);
        try (InputStream in = FakeNixosSystem.class.getResourceAsStream("fake-system/" + resource)) {
            Files.copy(Optional.ofNullable(in).orElseThrow(() -> new IOException("no resource " + resource)), exe,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void link(Path link, Path target) throws IOException {
        Path tmp = link.resolveSibling(link.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void copyOrDelete(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(to);
        }
    }

    private static Path resolve(Path link) {
        try {
            return link.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
