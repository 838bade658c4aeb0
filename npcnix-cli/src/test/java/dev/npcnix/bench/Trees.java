package dev.npcnix.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Flake-like trees for the benchmarks, generated at run time from a seed (never checked in): the same
 * seed and shape always give the same bytes. Text files are Nix-looking code (compresses like real Nix,
 * about 4-6x with zstd -3); "incompressible" files are random bytes (keys, images, vendored blobs).
 */
final class Trees {
    /** One kind of tree. {@code incompressibleFiles} of the {@code files} hold random bytes. */
    record Shape(String name, int files, long bytes, double incompressibleShare, int incompressibleFiles, long seed) {
    }

    /** About 300 .nix files, about 2 MB, all text: a small fleet's flake. */
    static final Shape TYPICAL = new Shape("typical", 300, 2L << 20, 0, 0, 1);
    /** About 20,000 files, about 200 MB, a quarter of the bytes incompressible. */
    static final Shape LARGE = new Shape("large", 20_000, 200L << 20, 0.25, 100, 2);
    /** A tenth of LARGE in files and bytes, same mix: the second size for "memory does not grow". */
    static final Shape MEDIUM = new Shape("medium", 2_000, 20L << 20, 0.25, 10, 3);

    private static final String[] WORDS = {
        "services", "networking", "users", "environment", "systemPackages", "enable", "true", "false",
        "config", "lib", "pkgs", "mkIf", "mkDefault", "mkForce", "imports", "options", "nginx", "postgresql",
        "virtualHosts", "locations", "proxyPass", "firewall", "allowedTCPPorts", "hostName", "domain",
        "boot", "loader", "grub", "device", "fileSystems", "fsType", "ext4", "mountPoint", "swapDevices",
        "time", "timeZone", "i18n", "defaultLocale", "programs", "git", "openssh", "settings",
        "PasswordAuthentication", "PermitRootLogin", "security", "sudo", "wheelNeedsPassword", "nix",
        "gc", "automatic", "dates", "weekly", "extraOptions", "systemd", "tmpfiles", "rules", "timers",
        "wantedBy", "after", "serviceConfig", "ExecStart", "Restart", "always", "User", "Group",
        "prometheus", "exporters", "node", "port", "listenAddress", "grafana", "provision", "datasources",
        "acme", "certs", "email", "webroot", "letsencrypt", "redis", "servers", "bind", "databases",
        "ensureUsers", "ensureDatabases", "name", "value", "description", "type", "types", "str", "int",
        "listOf", "attrsOf", "submodule", "default", "example", "package", "with", "let", "in", "inherit",
    };

    private Trees() {
    }

    /** Writes {@code shape} into {@code dir} (created; must not exist) and returns the bytes written. */
    static long generate(Shape shape, Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(shape.seed());
        Files.createDirectories(dir);
        long incompressible = (long) (shape.bytes() * shape.incompressibleShare());
        int textFiles = shape.files() - shape.incompressibleFiles() - 2;
        long textPerFile = (shape.bytes() - incompressible) / (textFiles + 2);
        long total = 0;
        total += write(dir.resolve("flake.nix"), flakeNix(), null);
        total += write(dir.resolve("flake.lock"), lock(random), null);
        int perDir = 100;
        for (int i = 0; i < textFiles; i++) {
            String rel = textFiles <= perDir ? "hosts/host-" + i + ".nix"
                    : "modules/group-" + (i / (perDir * 10)) + "/set-" + (i / perDir) + "/module-" + i + ".nix";
            // Sizes vary around the mean (x0.25 - x1.75), as real modules do.
            long size = Math.max(64, (long) (textPerFile * (0.25 + 1.5 * random.nextDouble())));
            total += write(dir.resolve(rel), nix(random, size), null);
        }
        for (int i = 0; i < shape.incompressibleFiles(); i++) {
            long size = incompressible / shape.incompressibleFiles();
            total += write(dir.resolve("assets/blob-" + i + ".bin"), null, randomBytes(random, size));
        }
        return total;
    }

    private static long write(Path file, String text, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] content = bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(content);
        }
        return content.length;
    }

    private static String flakeNix() {
        return """
                {
                  description = "generated benchmark fleet";
                  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
                  outputs = { self, nixpkgs }: {
                    nixosConfigurations.web = nixpkgs.lib.nixosSystem {
                      system = "x86_64-linux";
                      modules = [ ./hosts ];
                    };
                  };
                }
                """;
    }

    private static String lock(SplittableRandom random) {
        StringBuilder b = new StringBuilder("{\n  \"nodes\": {\n");
        for (int i = 0; i < 8; i++) {
            b.append("    \"input").append(i).append("\": { \"locked\": { \"narHash\": \"sha256-")
                    .append(base64ish(random, 44)).append("\", \"rev\": \"").append(hex(random, 40))
                    .append("\", \"lastModified\": ").append(1_700_000_000 + random.nextInt(50_000_000)).append(" } },\n");
        }
        return b.append("    \"root\": { }\n  },\n  \"root\": \"root\",\n  \"version\": 7\n}\n").toString();
    }

    /** Nix-looking code of about {@code size} bytes: attribute sets, lists, strings, comments, hashes. */
    private static String nix(SplittableRandom random, long size) {
        StringBuilder b = new StringBuilder((int) size + 256);
        b.append("{ config, lib, pkgs, ... }:\n{\n");
        while (b.length() < size) {
            int depth = 1 + random.nextInt(3);
            String indent = "  ".repeat(depth);
            switch (random.nextInt(6)) {
                case 0 -> b.append(indent).append("# ").append(words(random, 4 + random.nextInt(8), " ")).append('\n');
                case 1 -> b.append(indent).append(words(random, 2 + random.nextInt(3), ".")).append(" = ")
                        .append(random.nextBoolean() ? "true" : "false").append(";\n");
                case 2 -> b.append(indent).append(words(random, 2 + random.nextInt(3), ".")).append(" = [ ")
                        .append(random.nextInt(65536)).append(' ').append(random.nextInt(65536)).append(" ];\n");
                case 3 -> b.append(indent).append(words(random, 2, ".")).append(" = \"")
                        .append(words(random, 1 + random.nextInt(4), "-")).append("\";\n");
                case 4 -> b.append(indent).append(words(random, 1 + random.nextInt(2), ".")).append(" = {\n")
                        .append(indent).append("  ").append(words(random, 2, ".")).append(" = lib.mkDefault ")
                        .append(random.nextInt(1000)).append(";\n").append(indent).append("};\n");
                default -> b.append(indent).append("src.hash = \"sha256-").append(base64ish(random, 44)).append("\";\n");
            }
        }
        return b.append("}\n").toString();
    }

    private static String words(SplittableRandom random, int n, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(sep);
            }
            b.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return b.toString();
    }

    private static String hex(SplittableRandom random, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(Character.forDigit(random.nextInt(16), 16));
        }
        return b.toString();
    }

    private static String base64ish(SplittableRandom random, int n) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n - 1; i++) {
            b.append(alphabet.charAt(random.nextInt(64)));
        }
        return b.append('=').toString();
    }

    private static byte[] randomBytes(SplittableRandom random, long size) {
        byte[] b = new byte[(int) size];
        for (int i = 0; i + 8 <= b.length; i += 8) {
            long v = random.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (v >>> (k * 8));
            }
        }
        return b;
    }
}
